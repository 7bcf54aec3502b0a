"""Recording: the object the app and ``glgan record`` use to turn frames into a video.

It ties the pieces together: validate the request (``validate``), open a sink
(``sinks.open_writer``), read framebuffers back asynchronously (``readback.FrameGrabber``) and
encode on a worker thread (``encoder.AsyncEncoder``).

Time is fixed-step: every frame handed over is exactly one video frame of ``1/fps`` seconds,
whatever the wall clock did. ``live=False`` (offline, the CLI) waits for the encoder so no frame
is lost; ``live=True`` (interactive app) never waits and counts dropped frames instead.

Typical use::

    rec = Recording.start("out.mp4", (1280, 720), fps=60, live=False)
    for i in range(n):
        render(i, fbo)
        rec.add_framebuffer(fbo)        # GL context must be current
    summary = rec.stop()                # GL context must be current (flushes the readback ring)
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .encoder import AsyncEncoder
from .errors import CaptureError
from .readback import FrameGrabber
from .sinks import FrameSink, check_frame, open_writer


@dataclass(frozen=True)
class RecordingSummary:
    """What a finished recording produced.

    Attributes:
        frames_written: frames in the output file (or PNG files written).
        dropped: frames dropped in live mode because the encoder was behind.
        path: the video file or PNG directory.
        seconds: duration of the video, ``frames_written / fps``.
        fps: the video frame rate.
        wall_seconds: wall-clock time from start to the end of ``stop()``.
        error: the failure message if the recording stopped early, else None.
    """

    frames_written: int
    dropped: int
    path: Path
    seconds: float
    fps: int = 0
    wall_seconds: float = 0.0
    error: str | None = None


class Recording:
    """A running recording. Make one with ``Recording.start``, or wrap any ``FrameSink``
    directly with ``Recording(sink, live=...)`` (custom sinks, tests)."""

    def __init__(self, sink: FrameSink, *, live: bool = False, queue_size: int = 8,
                 ring: int = 3) -> None:
        self.sink = sink
        self.live = live
        self.ring = ring
        self.encoder = AsyncEncoder(sink, queue_size=queue_size)
        self._grabber: FrameGrabber | None = None
        self._t0 = time.perf_counter()
        self._summary: RecordingSummary | None = None

    @classmethod
    def start(
        cls,
        path: str | os.PathLike[str],
        size: tuple[int, int],
        fps: int,
        live: bool = False,
        *,
        preset: str = "ultrafast",
        crf: int = 20,
        queue_size: int = 8,
        ring: int = 3,
        overwrite: bool = False,
    ) -> Recording:
        """Validate everything, open the output and start the encoder thread.

        ``path``: ``.mp4``/``.mkv``/``.mov`` file (replaced if it exists) or a directory for
        PNG frames (``'frames/'`` or an existing directory; see ``PngSequenceWriter`` for
        ``overwrite``). ``size`` = ``(width, height)``, even for video. ``fps``: 1..240.
        Raises ``CaptureError`` naming the bad field before anything is recorded.
        """
        sink = open_writer(path, size, fps, preset=preset, crf=crf, overwrite=overwrite)
        try:
            return cls(sink, live=live, queue_size=queue_size, ring=ring)
        except BaseException:
            sink.close()
            raise

    # ------------------------------------------------------------------ properties
    @property
    def path(self) -> Path:
        return self.sink.path

    @property
    def size(self) -> tuple[int, int]:
        return self.sink.size

    @property
    def fps(self) -> int:
        return self.sink.fps

    @property
    def active(self) -> bool:
        """True until ``stop()`` is called or the encoder fails."""
        return self._summary is None and self.encoder.error is None

    @property
    def frames_written(self) -> int:
        return self.encoder.frames_written

    @property
    def dropped(self) -> int:
        return self.encoder.dropped

    @property
    def lagging(self) -> bool:
        """Live mode: True while frames are being dropped (show it in the UI)."""
        return self.encoder.lagging

    @property
    def error(self) -> CaptureError | None:
        """The failure that stopped the recording, if any (poll it each frame in the app)."""
        return self.encoder.error

    def status(self) -> str:
        """One line for the UI: frames, drops, lag, or the error."""
        return self.encoder.status()

    # ------------------------------------------------------------------ frames
    def add_frame(self, frame: np.ndarray) -> bool:
        """Record an ``(H, W, 3) uint8`` top-row-first RGB array (it is copied).

        Returns False if live mode dropped it. Raises ``CaptureError`` for a wrong shape, or if
        the recording failed or was stopped.
        """
        arr = np.array(check_frame(frame, self.size), copy=True)
        return self._submit(arr)

    def add_framebuffer(self, fbo: Any, *, attachment: int = 0) -> None:
        """Record the current contents of a moderngl framebuffer of the recording's size.

        The read is asynchronous (pixel-buffer ring); the frame reaches the encoder a few calls
        later or at ``stop()``. The framebuffer's context must be current.
        """
        self._check_open()
        if self._grabber is None:
            self._grabber = FrameGrabber(fbo.ctx, self.size, ring=self.ring)
        for frame in self._grabber.push(fbo, attachment=attachment):
            self._submit(frame)

    def _submit(self, frame: np.ndarray) -> bool:
        self._check_open()
        return self.encoder.submit(frame, block=not self.live)

    def _check_open(self) -> None:
        if self._summary is not None:
            raise CaptureError(f"recording to {str(self.path)!r} was already stopped")

    # ------------------------------------------------------------------ finish
    def stop(self) -> RecordingSummary:
        """Write out pending frames, finish the file, and summarise. Idempotent.

        Raises ``CaptureError`` (with ``.summary``) if the recording failed at any point; the
        file then holds the frames written before the failure.
        """
        if self._summary is None:
            try:
                if self._grabber is not None:
                    try:
                        if self.encoder.error is None:
                            # the frame loop is over, so even live mode may wait here
                            for frame in self._grabber.flush():
                                self.encoder.submit(frame, block=True)
                    finally:
                        self._grabber.release()
                        self._grabber = None
            except CaptureError:
                pass  # the encoder's error is reported below
            finally:
                try:
                    self.encoder.close()
                except CaptureError:
                    pass
            err = self.encoder.error
            written = self.encoder.frames_written
            self._summary = RecordingSummary(
                frames_written=written,
                dropped=self.encoder.dropped,
                path=self.path,
                seconds=written / self.fps,
                fps=self.fps,
                wall_seconds=time.perf_counter() - self._t0,
                error=None if err is None else str(err),
            )
        if self._summary.error is not None:
            raise CaptureError(self._summary.error, summary=self._summary) from self.encoder.error
        return self._summary

    def __enter__(self) -> Recording:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.stop()
        else:
            try:
                self.stop()
            except CaptureError:
                pass  # don't mask the exception that is already propagating
