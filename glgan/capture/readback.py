"""GPU -> host readback of moderngl framebuffers as ``(H, W, 3) uint8`` top-row-first RGB.

``grab(fbo)`` is the simple synchronous read; ``screenshot(fbo, path)`` saves it as a PNG.
``FrameGrabber`` is the one used while recording: each ``push(fbo)`` starts an asynchronous
copy of the colour attachment into a pixel-buffer object (``fbo.read_into(buffer)`` with a
``ctx.buffer``), and the CPU only maps a buffer ``ring`` frames later, when the GPU has long
finished the copy, so the frame loop never waits for the transfer. Frames come out in
submission order; ``flush()`` returns the rest.

All calls need the framebuffer's GL context current on the calling thread. Multisampled
framebuffers cannot be read directly: resolve (``ctx.copy_framebuffer``) into a plain one first.
RGB (3 components) is read rather than RGBA: on llvmpipe the driver's RGBA->RGB packing
(~1 ms at 1280x720) is cheaper than dropping alpha in NumPy (~4 ms).
"""

from __future__ import annotations

import os
from collections import deque
from pathlib import Path
from typing import Any

import numpy as np

from .errors import CaptureError
from .sinks import save_png


def _check_size(fbo: Any, size: tuple[int, int]) -> None:
    if tuple(fbo.size) != tuple(size):
        raise CaptureError(
            f"framebuffer size {fbo.size[0]}x{fbo.size[1]} does not match the capture size "
            f"{size[0]}x{size[1]}"
        )


def _to_top_first(data: bytes, size: tuple[int, int]) -> np.ndarray:
    width, height = size
    rows = np.frombuffer(data, np.uint8).reshape(height, width, 3)  # GL: row 0 = bottom
    return np.ascontiguousarray(rows[::-1])


def grab(fbo: Any, *, attachment: int = 0) -> np.ndarray:
    """Read ``fbo``'s colour attachment now: a new ``(H, W, 3) uint8`` array, top row first."""
    width, height = fbo.size
    data = fbo.read(
        viewport=(0, 0, width, height), components=3, attachment=attachment, alignment=1
    )
    return _to_top_first(data, (width, height))


def screenshot(fbo: Any, path: str | os.PathLike[str]) -> Path:
    """Save ``fbo``'s colour attachment as a PNG at ``path`` (atomic replace); returns it."""
    return save_png(grab(fbo), path)


class FrameGrabber:
    """Asynchronous framebuffer readback through a ring of pixel-buffer objects.

    Args:
        ctx: the moderngl context that owns the framebuffers.
        size: ``(width, height)``; every pushed framebuffer must have this size.
        ring: number of pixel buffers; a frame is mapped ``ring`` pushes after it was read.
    """

    def __init__(self, ctx: Any, size: tuple[int, int], ring: int = 3) -> None:
        if ring < 1:
            raise CaptureError(f"ring={ring!r} is not allowed: use an integer >= 1")
        self.ctx = ctx
        self.size = (int(size[0]), int(size[1]))
        self.ring = ring
        nbytes = self.size[0] * self.size[1] * 3
        self._buffers = [ctx.buffer(reserve=nbytes) for _ in range(ring)]
        self._pending: deque[int] = deque()  # buffer slots holding frames, oldest first
        self._next = 0

    @property
    def pending(self) -> int:
        """Frames read into pixel buffers but not yet returned."""
        return len(self._pending)

    def push(self, fbo: Any, *, attachment: int = 0) -> list[np.ndarray]:
        """Start reading ``fbo`` and return the frames that became ready (0 or 1, oldest
        first). The returned arrays are new, writable and top-row-first."""
        if self._buffers is None:
            raise CaptureError("FrameGrabber was released")
        _check_size(fbo, self.size)
        ready = [self._take_oldest()] if len(self._pending) == self.ring else []
        slot = self._next
        self._next = (slot + 1) % self.ring
        width, height = self.size
        fbo.read_into(
            self._buffers[slot], viewport=(0, 0, width, height), components=3,
            attachment=attachment, alignment=1,
        )
        self._pending.append(slot)
        return ready

    def flush(self) -> list[np.ndarray]:
        """Return every frame still in flight, in submission order."""
        return [self._take_oldest() for _ in range(len(self._pending))]

    def release(self) -> None:
        """Free the pixel buffers (frames still in flight are lost; call ``flush`` first)."""
        if self._buffers is not None:
            for buf in self._buffers:
                buf.release()
            self._buffers = None
            self._pending.clear()

    def _take_oldest(self) -> np.ndarray:
        slot = self._pending.popleft()
        return _to_top_first(self._buffers[slot].read(), self.size)
