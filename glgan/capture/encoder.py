"""AsyncEncoder: runs a FrameSink on a worker thread behind a bounded queue.

The render thread hands over finished frames with ``submit``; encoding and disk I/O happen on
the worker, so they overlap with rendering the next frame.

* Offline mode (``submit(frame, block=True)``): when the queue is full the caller waits, so
  every frame is written and the video is exact.
* Live mode (``submit(frame, block=False)``): when the queue is full the frame is dropped and
  counted (``dropped``), and ``lagging`` turns on, so the UI can say so; the frame loop never
  stalls on the encoder.
* A failure on the worker (full disk, encoder error) stops the recording: later frames are
  discarded, the sink is closed properly (encoder flushed, trailer written) so the file holds
  the frames written so far and stays playable, ``error`` holds a ``CaptureError`` naming the
  exception type and the path, and the next ``submit`` or ``close`` raises it.

Frames are kept by reference until written: do not modify an array after submitting it.
"""

from __future__ import annotations

import queue
import threading
import time

import numpy as np

from .errors import CaptureError, describe
from .sinks import FrameSink


class AsyncEncoder:
    """Background writer for one ``FrameSink``.

    Args:
        sink: where frames go; owned (closed) by the encoder from now on.
        queue_size: frames that may wait for the worker (memory: queue_size * W * H * 3 bytes).
        lag_window_s: ``lagging`` stays on this long after the last dropped frame.
    """

    def __init__(self, sink: FrameSink, *, queue_size: int = 8, lag_window_s: float = 1.0):
        if queue_size < 1:
            raise CaptureError(f"queue_size={queue_size!r} is not allowed: use an integer >= 1")
        self.sink = sink
        self.queue_size = queue_size
        self.lag_window_s = lag_window_s
        self.submitted = 0
        self.dropped = 0
        self.frames_written = 0
        self.error: CaptureError | None = None
        self._last_drop = -float("inf")
        self._closed = False
        self._sink_closed = False
        self._discard = False
        self._queue: queue.Queue[np.ndarray | None] = queue.Queue(maxsize=queue_size)
        self._thread = threading.Thread(
            target=self._run, name=f"glgan-encoder:{sink.path.name}", daemon=True
        )
        self._thread.start()

    # ---------------------------------------------------------------- render-thread side
    def submit(self, frame: np.ndarray, block: bool = True) -> bool:
        """Queue one frame. Returns True if queued, False if dropped (live mode, queue full).

        Raises ``CaptureError`` if the encoder has failed or is closed.
        """
        self._raise_if_failed()
        if self._closed:
            raise CaptureError(f"recording to {str(self.sink.path)!r} is already closed")
        if not block:
            try:
                self._queue.put_nowait(frame)
            except queue.Full:
                self.dropped += 1
                self._last_drop = time.monotonic()
                return False
            self.submitted += 1
            return True
        while True:
            try:
                self._queue.put(frame, timeout=0.05)
                break
            except queue.Full:
                self._raise_if_failed()
        self.submitted += 1
        return True

    @property
    def pending(self) -> int:
        """Frames waiting in the queue (approximate, for display)."""
        return self._queue.qsize()

    @property
    def lagging(self) -> bool:
        """True while frames are being dropped (within ``lag_window_s`` of the last drop)."""
        return time.monotonic() - self._last_drop < self.lag_window_s

    @property
    def failed(self) -> bool:
        return self.error is not None

    def status(self) -> str:
        """One line for the UI, e.g. ``'REC out.mp4: 240 frames, 3 dropped (encoder lagging)'``."""
        name = self.sink.path.name or str(self.sink.path)
        if self.error is not None:
            return f"recording stopped: {self.error}"
        text = f"REC {name}: {self.frames_written} frames"
        if self.dropped:
            text += f", {self.dropped} dropped"
        if self.lagging:
            text += " (encoder lagging)"
        return text

    def close(self, *, drain: bool = True) -> None:
        """Finish: write the queued frames (or discard them if ``drain=False``), close the
        sink, stop the worker. Idempotent. Raises the worker's ``CaptureError`` if it failed."""
        if not self._closed:
            self._closed = True
            if not drain:
                self._discard = True
            self._queue.put(None)  # the worker always consumes, so this cannot block forever
            self._thread.join()
        self._raise_if_failed()

    def _raise_if_failed(self) -> None:
        if self.error is not None:
            raise CaptureError(str(self.error)) from self.error.__cause__

    # ---------------------------------------------------------------------- worker side
    def _run(self) -> None:
        while True:
            frame = self._queue.get()
            if frame is None:
                break
            if self.error is not None or self._discard:
                continue  # keep consuming so a blocked submit() wakes up
            try:
                self.sink.write(frame)
                self.frames_written += 1
            except BaseException as exc:  # any failure must stop the recording and be reported
                n = self.frames_written
                close_problem = self._close_sink()
                finished = (
                    "the file was finished and holds them"
                    if close_problem is None
                    else f"finishing the file also failed ({describe(close_problem)})"
                )
                err = CaptureError(
                    f"recording to {str(self.sink.path)!r} stopped at frame {n}: "
                    f"{describe(exc)}; {n} frames were encoded, {finished}"
                )
                err.__cause__ = exc
                self.error = err
        problem = self._close_sink()
        if problem is not None and self.error is None:
            err = CaptureError(
                f"finishing {str(self.sink.path)!r} failed after {self.frames_written} frames: "
                f"{describe(problem)}"
            )
            err.__cause__ = problem
            self.error = err

    def _close_sink(self) -> BaseException | None:
        """Close the sink once; return the exception it raised, or None."""
        if self._sink_closed:
            return None
        self._sink_closed = True
        try:
            self.sink.close()
        except BaseException as exc:
            return exc
        return None
