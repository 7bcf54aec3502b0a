"""Up-front checks for a capture target: path, frame size, frame rate, encoder options.

Everything here runs before a single file is created, so a bad request fails at once with a
``CaptureError`` naming the field, the value given and what is allowed.

Rules:
    * A path that ends in ``/`` (or the OS separator) or names an existing directory is a PNG
      sequence target; its parent directory must exist (the leaf is created). Any other path must
      end in ``.mp4``, ``.mkv`` or ``.mov`` (case-insensitive) and is an H.264 video.
    * The directory that will receive files must exist and accept a new file (checked by
      creating and removing a probe file, so read-only file systems are caught even as root).
    * fps is an integer in 1..240.
    * Video sizes must be even in both dimensions (yuv420p halves chroma both ways) and fit in
      3840x2160 in either orientation; odd sizes are refused, not padded. PNG sequences take any
      size from 1x1 up to the same limit.
"""

from __future__ import annotations

import numbers
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from glgan.fileio import not_replaceable

from .errors import CaptureError, describe

VIDEO_EXTENSIONS = (".mp4", ".mkv", ".mov")
FPS_MIN, FPS_MAX = 1, 240
MAX_LONG_SIDE, MAX_SHORT_SIDE = 3840, 2160
X264_PRESETS = (
    "ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower",
    "veryslow", "placebo",
)
CRF_MIN, CRF_MAX = 0, 51


@dataclass(frozen=True)
class Target:
    """Where frames go: ``kind`` is ``"video"`` (a file) or ``"png"`` (a directory)."""

    kind: Literal["video", "png"]
    path: Path


def is_png_target(path: str | os.PathLike[str]) -> bool:
    """True when ``path`` means 'a directory of PNG frames' (trailing slash or existing dir)."""
    text = os.fspath(path)
    return text.endswith(("/", os.sep)) or Path(text).is_dir()


def check_fps(fps: object) -> int:
    """Return fps as an int, or raise ``CaptureError`` unless it is an integer in 1..240."""
    if isinstance(fps, bool) or not isinstance(fps, numbers.Real) or int(fps) != fps:
        raise CaptureError(
            f"fps={fps!r} is not allowed: fps must be an integer from {FPS_MIN} to {FPS_MAX}"
        )
    if not FPS_MIN <= int(fps) <= FPS_MAX:
        raise CaptureError(
            f"fps={fps!r} is out of range: allowed integers {FPS_MIN}..{FPS_MAX}"
        )
    return int(fps)


def check_size(size: object, kind: Literal["video", "png"]) -> tuple[int, int]:
    """Return ``(width, height)`` as ints, or raise ``CaptureError`` (see module rules)."""
    try:
        width, height = size  # type: ignore[misc]
        ok = all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in size)
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise CaptureError(f"size={size!r} is not allowed: size must be (width, height) integers")
    width, height = int(width), int(height)
    limit = f"{MAX_LONG_SIDE}x{MAX_SHORT_SIDE} (or {MAX_SHORT_SIDE}x{MAX_LONG_SIDE})"
    if width < 1 or height < 1:
        raise CaptureError(f"size={width}x{height} is not allowed: width and height must be >= 1")
    if max(width, height) > MAX_LONG_SIDE or min(width, height) > MAX_SHORT_SIDE:
        raise CaptureError(f"size={width}x{height} is too large: allowed up to {limit}")
    if kind == "video":
        odd = [name for name, v in (("width", width), ("height", height)) if v % 2]
        if odd:
            raise CaptureError(
                f"size={width}x{height} is not allowed for video: {' and '.join(odd)} "
                f"{'is' if len(odd) == 1 else 'are'} odd; H.264 yuv420p needs even width and "
                f"height (2..{MAX_LONG_SIDE}); pick an even size or record a PNG sequence "
                "(a directory path ending in '/')"
            )
    return width, height


def check_preset(preset: object, crf: object) -> tuple[str, int]:
    """Validate libx264 ``preset`` and ``crf``; return them normalised."""
    if preset not in X264_PRESETS:
        raise CaptureError(
            f"preset={preset!r} is not allowed: use one of {', '.join(X264_PRESETS)}"
        )
    if isinstance(crf, bool) or not isinstance(crf, numbers.Integral) or not (
        CRF_MIN <= int(crf) <= CRF_MAX
    ):
        raise CaptureError(f"crf={crf!r} is not allowed: use an integer {CRF_MIN}..{CRF_MAX}")
    return str(preset), int(crf)


def _probe_writable(directory: Path, path_text: str) -> None:
    if not directory.exists():
        raise CaptureError(f"path={path_text!r}: directory '{directory}' does not exist")
    if not directory.is_dir():
        raise CaptureError(f"path={path_text!r}: '{directory}' is not a directory")
    try:
        fd, probe = tempfile.mkstemp(prefix=".glgan-probe-", dir=directory)
    except OSError as exc:
        raise CaptureError(
            f"path={path_text!r}: directory '{directory}' is not writable ({describe(exc)})"
        ) from exc
    os.close(fd)
    os.unlink(probe)


def check_target(path: str | os.PathLike[str]) -> Target:
    """Classify ``path`` as a video file or a PNG directory and check it can be written.

    Nothing is created except a probe file that is removed again; a missing PNG directory is
    created later by the writer (its parent must exist now).
    """
    text = os.fspath(path)
    if not text:
        raise CaptureError("path='' is not allowed: give a .mp4/.mkv/.mov file or a directory/")
    p = Path(text).expanduser()
    if is_png_target(text):
        if p.exists():
            _probe_writable(p, text)
        else:
            _probe_writable(p.parent, text)
        return Target("png", p)
    if p.suffix.lower() not in VIDEO_EXTENSIONS:
        shown = repr(p.suffix) if p.suffix else "no extension"
        raise CaptureError(
            f"path={text!r}: unsupported extension ({shown}); allowed: "
            f"{', '.join(VIDEO_EXTENSIONS)}, or a directory path ending in '/' for PNG frames"
        )
    refuse_special(p, "path", text)
    _probe_writable(p.parent, text)
    if p.exists() and not os.access(p, os.W_OK):
        raise CaptureError(f"path={text!r}: existing file is not writable")
    return Target("video", p)


def check_png_target(out: str | os.PathLike[str], label: str = "path") -> Path:
    """``out`` must end in .png, name no directory, and its parent must exist and accept a
    new file (probed by creating and removing a temp file). Returns it as a Path. Errors
    name the option ``label`` (e.g. "--out") and the value."""
    text = os.fspath(out)
    p = Path(text).expanduser()
    if not text or p.suffix.lower() != ".png":
        shown = repr(p.suffix) if p.suffix else "no extension"
        raise CaptureError(f"{label} {text!r}: must be a .png file (got {shown})")
    if p.is_dir():
        raise CaptureError(f"{label} {text!r} is a directory; give a file name ending in .png")
    refuse_special(p, label, text)
    parent = p.parent
    if not parent.is_dir():
        raise CaptureError(f"{label} {text!r}: directory '{parent}' does not exist")
    _probe_writable(parent, text)
    if p.exists() and not os.access(p, os.W_OK):
        raise CaptureError(f"{label} {text!r}: the existing file is not writable")
    return p


def refuse_special(p: Path, label: str, text: str) -> None:
    """An existing ``p`` must be a regular file, not a symlink: glgan replaces what it writes
    (temp file + rename), and must never replace a device, FIFO or a link's target."""
    try:
        reason = not_replaceable(p)
    except OSError as e:
        raise CaptureError(f"{label} {text!r}: cannot be checked ({e.strerror})") from None
    if reason is not None:
        raise CaptureError(f"{label} {text!r} exists and is {reason}")


def check_writable_file(out: str | os.PathLike[str], label: str = "path") -> Path:
    """``out`` must name a regular file (not a directory, device, FIFO or symlink) in an
    existing, writable directory."""
    text = os.fspath(out)
    p = Path(text).expanduser()
    if not text or p.is_dir():
        raise CaptureError(f"{label} {text!r}: give a file name, not a directory")
    if not p.parent.is_dir():
        raise CaptureError(f"{label} {text!r}: directory '{p.parent}' does not exist")
    refuse_special(p, label, text)
    _probe_writable(p.parent, text)
    return p
