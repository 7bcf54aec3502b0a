"""Live recording of a window: what the app shows, frame by frame, into a video.

Owns ``resolved`` (a readable single-sample copy of a multisampled framebuffer) and
``WindowRecording`` (copies any-sized window framebuffers into an even-sized one and feeds a
live ``Recording``: frames are dropped and reported, never waited for, if encoding lags).
"""

from __future__ import annotations

from pathlib import Path

import moderngl

from glgan.capture.recording import Recording


def resolved(ctx: moderngl.Context, fbo: moderngl.Framebuffer) -> moderngl.Framebuffer:
    """``fbo`` itself, or a single-sample copy of it when it is multisampled (readable)."""
    attachment = fbo.color_attachments[0] if fbo.color_attachments else None
    if attachment is None or getattr(attachment, "samples", 0) == 0:
        return fbo
    plain = ctx.simple_framebuffer(fbo.size, components=4)
    ctx.copy_framebuffer(plain, fbo)
    return plain


class WindowRecording:
    """Records a window framebuffer of any size into an even-sized video (live mode)."""

    def __init__(self, ctx: moderngl.Context, path: Path, size: tuple[int, int],
                 fps: int = 60) -> None:
        self.ctx = ctx
        self.size = size
        self.fbo = ctx.simple_framebuffer(size, components=4)
        self.rec = Recording.start(path, size, fps, live=True)

    @property
    def lagging(self) -> bool:
        return bool(self.rec.lagging)

    def add(self, src: moderngl.Framebuffer) -> None:
        self.ctx.copy_framebuffer(self.fbo, src)
        self.rec.add_framebuffer(self.fbo)

    def stop(self):
        try:
            return self.rec.stop()
        finally:
            self.fbo.release()

    def abort(self) -> None:
        try:
            self.rec.stop()
        except Exception:  # the error was already reported; release what is left
            pass
        self.fbo.release()
