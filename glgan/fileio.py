"""Atomic file writes: the one way glgan replaces a file.

Owns ``atomic_write``: write to a new temporary file beside the destination (created with the
user's umask, like any other file they make), flush it to disk, then ``os.replace`` it over the
destination. Readers see the old file or the new one, never half of one; a failed write leaves
the old file and no temporary behind. ``not_replaceable`` says why a destination must not be
replaced (a symlink, a device, a FIFO, a socket, a folder); ``atomic_write`` refuses those too.
``folder_lock`` and ``sync_folder`` serve updates of several files (a model's pair).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO


def not_replaceable(path: str | os.PathLike) -> str | None:
    """Why an existing ``path`` must not be replaced by a write ("a symlink", "not a regular
    file"), or None when it is absent or a regular file. (A path under a regular file counts
    as absent: the caller's folder check says why it cannot be written.)"""
    try:
        mode = os.lstat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return None
    if stat.S_ISLNK(mode):
        return "a symlink"
    if not stat.S_ISREG(mode):
        return "not a regular file (a device, FIFO, socket or folder is never replaced)"
    return None


@contextlib.contextmanager
def folder_lock(folder: str | os.PathLike, shared: bool = False) -> Iterator[None]:
    """Hold an advisory lock on ``folder`` (flock on the directory itself: nothing is
    created, nothing left behind): exclusive for a multi-file update, ``shared`` for reading
    one, so that updates never interleave and readers never see half of one."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def sync_folder(folder: str | os.PathLike) -> None:
    """Flush ``folder``'s entries (renames in it) to disk, so they survive a power cut."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], object]) -> Path:
    """Call ``write(fileobj)`` on a temporary file, then move it over ``path`` (never over
    anything ``not_replaceable`` refuses: that raises OSError before any work)."""
    dest = Path(path)
    reason = not_replaceable(dest)
    if reason is not None:
        raise OSError(f"{dest}: {reason}")
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "xb") as fh:  # "x": never follows or reuses an existing file
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError) and e.errno is not None and e.filename is None:
            raise OSError(e.errno, e.strerror, str(dest)) from e  # say which file
        raise
    return dest
