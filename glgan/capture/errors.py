"""CaptureError: the one exception type the capture package raises.

Every failure a user can cause or hit (bad path, bad size, full disk, encoder crash) is turned
into a ``CaptureError`` whose message names what failed, the value, and what is allowed or
which file was being written, so the CLI can print it and the UI can show it as-is.
"""

from __future__ import annotations

from typing import Any


class CaptureError(Exception):
    """A screenshot or recording could not be started, continued or finished.

    Attributes:
        summary: the ``RecordingSummary`` of a recording that failed, when ``Recording.stop``
            raises, so callers still learn how many frames reached the file. ``None`` otherwise.
    """

    def __init__(self, message: str, *, summary: Any = None) -> None:
        super().__init__(message)
        self.summary = summary


def describe(exc: BaseException) -> str:
    """``'OSError: [Errno 28] No space left on device'``: exception type plus its text."""
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
