"""Atomic file writes: the one way glgan replaces a file.

Owns ``atomic_write``: write to a new temporary file beside the destination (created with the
user's umask, like any other file they make), flush it to disk, then ``os.replace`` it over the
destination. Readers see the old file or the new one, never half of one; a failed write leaves
the old file and no temporary behind.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], object]) -> Path:
    """Call ``write(fileobj)`` on a temporary file, then move it over ``path``."""
    dest = Path(path)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "xb") as fh:  # "x": never follows or reuses an existing file
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return dest
