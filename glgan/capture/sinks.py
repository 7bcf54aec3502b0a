"""Frame sinks: where finished RGB frames go (H.264 video via PyAV, or numbered PNGs).

A sink takes ``(H, W, 3) uint8`` arrays, top row first, one call per video frame, on one
thread. It knows nothing about OpenGL or threads; ``encoder.AsyncEncoder`` runs a sink on a
worker thread and ``readback`` produces the arrays. ``open_writer`` picks the sink from the
path (see ``validate`` for the rules). ``save_png`` is the atomic screenshot writer.

Video details: libx264, yuv420p, constant frame rate ``fps`` with presentation timestamp =
frame index (so the video timeline never depends on wall-clock time), BT.709 limited range
(converted explicitly and tagged, so players show the same colours as the decoder here).
Defaults ``preset="ultrafast"``, ``crf=20``: measured on the 2-core llvmpipe box, 1280x720
encodes at ~160 frames/s with ultrafast against ~105 (superfast) and ~75 (veryfast).
A file is playable once ``close()`` has run (encoder flushed, trailer written); ``.mkv`` is the
most robust container if the process may be killed mid-recording.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Protocol

import numpy as np
from PIL import Image

from glgan.fileio import atomic_write

from .errors import CaptureError, describe
from .validate import check_fps, check_preset, check_size, check_target

PNG_PATTERN = "frame_{:06d}.png"
_PNG_NAME = re.compile(r"frame_\d{6,}\.png")


class FrameSink(Protocol):
    """What ``AsyncEncoder`` and ``Recording`` need from a frame destination."""

    path: Path
    size: tuple[int, int]
    fps: int
    frames_written: int

    def write(self, frame: np.ndarray) -> None:
        """Append one ``(H, W, 3) uint8`` top-row-first frame."""

    def close(self) -> None:
        """Finish the output (idempotent). After it returns the output is complete."""


def check_frame(frame: object, size: tuple[int, int]) -> np.ndarray:
    """Return ``frame`` as an ndarray if it is ``(H, W, 3) uint8`` for ``size=(W, H)``."""
    width, height = size
    arr = np.asarray(frame)
    if arr.dtype != np.uint8 or arr.shape != (height, width, 3):
        raise CaptureError(
            f"frame has shape {arr.shape} dtype {arr.dtype}; expected ({height}, {width}, 3) "
            f"uint8 (RGB, top row first) for size {width}x{height}"
        )
    return arr


def save_png(image: np.ndarray, path: str | os.PathLike[str], *, compress_level: int = 6) -> Path:
    """Write an ``(H, W, 3|4) uint8`` top-row-first array as a PNG, atomically.

    The image is written to a temporary file in the destination directory and moved over
    ``path`` with ``os.replace``, so readers never see a half-written file. Returns the path.
    """
    dest = Path(path)
    arr = np.asarray(image)
    if arr.dtype != np.uint8 or arr.ndim != 3 or arr.shape[2] not in (3, 4):
        raise CaptureError(
            f"save_png({str(dest)!r}): image has shape {arr.shape} dtype {arr.dtype}; "
            "expected (H, W, 3) or (H, W, 4) uint8"
        )
    try:
        atomic_write(dest, lambda fh: Image.fromarray(np.ascontiguousarray(arr)).save(
            fh, format="PNG", compress_level=compress_level))
    except OSError as exc:
        raise CaptureError(f"cannot write PNG {str(dest)!r}: {describe(exc)}") from exc
    return dest


def _pyav():
    """PyAV, imported when a video is made (PNG output and the rest of glgan work without it)."""
    try:
        import av
    except ImportError as e:
        raise CaptureError(f"writing video needs PyAV, which is not installed ({e}); "
                           "pip install av, or record PNG frames (out=DIR/)") from None
    return av


def _colour_enums():
    from av.video.reformatter import ColorPrimaries, ColorRange, Colorspace, ColorTrc

    return Colorspace, ColorRange, ColorPrimaries, ColorTrc


MIN_FREE_BYTES = 1 << 20  # a recording needs at least this much room to start


def partial_path(path: Path) -> Path:
    """Where a video is written until it is complete: ``clip.mp4`` -> ``clip.partial.mp4``."""
    return path.with_name(f"{path.stem}.partial{path.suffix}")


class VideoWriter:
    """H.264 (libx264, yuv420p, BT.709) video in an .mp4/.mkv/.mov container via PyAV.

    Every ``write`` is one frame of ``1/fps`` seconds. Not thread-safe: use it from one thread
    (``AsyncEncoder`` does). Odd sizes are refused (see ``validate``).

    Crash-safe: the video is written to ``partial_path(path)`` and renamed over ``path`` only
    when ``close`` completes, so an existing file of that name is never truncated by a
    recording that does not finish. MP4/MOV are fragmented (a fragment per keyframe, one
    keyframe a second) and MKV needs no index, so a killed recording leaves a playable
    ``.partial`` file holding the frames encoded up to the last second.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        size: tuple[int, int],
        fps: int,
        *,
        preset: str = "ultrafast",
        crf: int = 20,
    ) -> None:
        target = check_target(path)
        if target.kind != "video":
            raise CaptureError(f"path={os.fspath(path)!r} is a directory; VideoWriter needs a file")
        self.path = target.path
        self.partial = partial_path(self.path)
        self.size = check_size(size, "video")
        self.fps = check_fps(fps)
        self.preset, self.crf = check_preset(preset, crf)
        self.frames_written = 0
        self._closed = False
        self._av = av = _pyav()
        Colorspace, ColorRange, ColorPrimaries, ColorTrc = _colour_enums()
        # each packet reaches the file at once (not held in a 32 KiB buffer), MP4 in fragments
        options = {"flush_packets": "1"}
        if self.path.suffix.lower() in (".mp4", ".mov"):
            options["movflags"] = "frag_keyframe+empty_moov+default_base_moof"
        try:  # a disk with no room at all: PyAV can crash closing a file it could not start
            free = shutil.disk_usage(self.partial.parent).free
        except OSError:
            free = None
        if free is not None and free < MIN_FREE_BYTES:
            raise CaptureError(f"cannot record to {str(self.path)!r}: no space left on its "
                               f"device ({free} bytes free)")
        try:
            self._container = av.open(str(self.partial), mode="w", container_options=options)
        except Exception as exc:
            raise CaptureError(f"cannot create video {str(self.partial)!r}: "
                               f"{describe(exc)}") from exc
        try:
            stream = self._container.add_stream("libx264", rate=self.fps)
            stream.width, stream.height = self.size
            stream.pix_fmt = "yuv420p"
            stream.options = {"preset": self.preset, "crf": str(self.crf)}
            cc = stream.codec_context
            cc.gop_size = self.fps  # a keyframe (and an MP4 fragment) every second
            cc.colorspace = Colorspace.ITU709
            cc.color_range = ColorRange.MPEG
            cc.color_primaries = ColorPrimaries.BT709
            cc.color_trc = ColorTrc.BT709
        except Exception as exc:
            self._container.close()
            raise CaptureError(
                f"cannot set up H.264 encoder for {str(self.path)!r}: {describe(exc)}"
            ) from exc
        self._stream = stream

    def write(self, frame: np.ndarray) -> None:
        """Encode one frame; raises whatever PyAV raises (e.g. ``OSError`` on a full disk)."""
        if self._closed:
            raise CaptureError(f"video {str(self.path)!r} is already closed")
        arr = check_frame(frame, self.size)
        Colorspace, ColorRange, _, _ = _colour_enums()
        vf = self._av.VideoFrame.from_ndarray(arr, format="rgb24")
        vf = vf.reformat(
            format="yuv420p", dst_colorspace=Colorspace.ITU709, dst_color_range=ColorRange.MPEG
        )
        vf.pts = self.frames_written
        for packet in self._stream.encode(vf):
            self._container.mux(packet)
        self.frames_written += 1

    def close(self) -> None:
        """Flush the encoder and write the trailer (idempotent).

        The container is closed even if flushing fails; the first failure is raised as a
        ``CaptureError`` naming the file.
        """
        if self._closed:
            return
        self._closed = True
        failure: BaseException | None = None
        try:
            for packet in self._stream.encode():
                self._container.mux(packet)
        except Exception as exc:
            failure = exc
        try:
            self._container.close()
        except Exception as exc:
            failure = failure or exc
        if failure is None:
            try:
                os.replace(self.partial, self.path)  # complete: now it takes the name
            except OSError as exc:
                failure = exc
        if failure is not None:
            kept = playable_frames(self.partial)
            raise CaptureError(
                f"finishing video {str(self.path)!r} failed: {describe(failure)}; "
                f"{str(self.partial)!r} plays the first {kept} frames "
                f"({kept / self.fps:.1f} s)"
            ) from failure


def playable_frames(path: Path) -> int:
    """How many video frames of the file at ``path`` certainly play (a recording cut short by
    a full disk ends inside a fragment): its packets are counted by demuxing, not decoding, so
    it is quick even for long files. The demuxer cuts a packet that runs past the end of the
    file down to what is there, so a packet ending exactly at the end is not counted (a lower
    bound). 0 when the file cannot be read at all."""
    try:
        import av

        size = os.path.getsize(path)
        n = 0
        with av.open(str(path)) as c:
            for packet in c.demux(video=0):
                if packet.size and packet.pos is not None and packet.pos + packet.size < size:
                    n += 1
        return n
    except Exception:  # a header cut off, an unreadable file: nothing plays
        return 0


class PngSequenceWriter:
    """Numbered PNG frames ``frame_000000.png``, ``frame_000001.png``... in one directory.

    The directory is created if missing (its parent must exist). If it already holds
    ``frame_*.png`` files the writer refuses, unless ``overwrite=True``, which deletes those
    (and only those) first, so a sequence never mixes two recordings.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        size: tuple[int, int],
        fps: int,
        *,
        compress_level: int = 1,
        overwrite: bool = False,
    ) -> None:
        target = check_target(directory if is_dir_text(directory) else f"{directory}/")
        self.path = target.path
        self.size = check_size(size, "png")
        self.fps = check_fps(fps)
        self.compress_level = compress_level
        self.frames_written = 0
        try:
            self.path.mkdir(exist_ok=True)
            stale = sorted(p for p in self.path.iterdir() if _PNG_NAME.fullmatch(p.name))
            if stale and not overwrite:
                raise CaptureError(
                    f"path={str(self.path)!r} already holds {len(stale)} frame_*.png files; "
                    "use an empty directory or overwrite=True"
                )
            for p in stale:
                p.unlink()
        except OSError as exc:
            raise CaptureError(
                f"cannot prepare PNG directory {str(self.path)!r}: {describe(exc)}"
            ) from exc

    def write(self, frame: np.ndarray) -> None:
        """Write the next numbered PNG (atomically)."""
        arr = check_frame(frame, self.size)
        save_png(arr, self.path / PNG_PATTERN.format(self.frames_written),
                 compress_level=self.compress_level)
        self.frames_written += 1

    def close(self) -> None:
        """Nothing to finish: every frame is a complete file once ``write`` returns."""


def is_dir_text(path: str | os.PathLike[str]) -> bool:
    """True if ``path`` is spelled as a directory (ends with a separator)."""
    return os.fspath(path).endswith(("/", os.sep))


def open_writer(
    path: str | os.PathLike[str],
    size: tuple[int, int],
    fps: int,
    *,
    preset: str = "ultrafast",
    crf: int = 20,
    overwrite: bool = False,
) -> FrameSink:
    """Open the right sink for ``path``: ``PngSequenceWriter`` for a directory (``'out/'`` or an
    existing directory), else ``VideoWriter`` (.mp4/.mkv/.mov; an existing file is replaced).

    All arguments are validated before anything is created; problems raise ``CaptureError``.
    """
    target = check_target(path)
    fps = check_fps(fps)
    size = check_size(size, target.kind)
    if target.kind == "png":
        return PngSequenceWriter(f"{target.path}/", size, fps, overwrite=overwrite)
    check_preset(preset, crf)
    return VideoWriter(target.path, size, fps, preset=preset, crf=crf)
