"""Data import: a teacher's own real distribution from a CSV file or a picture.

Owns reading points for the "drawn" dataset from files (issue 17): ``load_points(path)``
(or ``points_from_bytes`` for bytes already in memory) returns an ``ImportedData`` whose
points, (N, 2) float32 in [0, 1]^2, go to ``engine.set_drawn`` like a drawing's.

* CSV (any file that is not a picture): one point "x,y" per line; ``,``, ``;`` or whitespace
  separate the two numbers (``;`` lines may use decimal commas, "1,5;2"), ``#`` starts a
  comment, blank lines are skipped and the first line may be a header ("x,y"). Any range: a
  uniform scale and an offset (``Transform``, reported) fit the points into [m, 1-m]^2,
  centred, keeping the aspect ratio.
* Pictures (PNG, JPEG, GIF, BMP, TIFF, WebP, PNM, ...; the first frame, grayscale, drawn over
  white where transparent): darkness (1 - luminance, pixels lighter than ``DARK_THRESHOLD``
  count as background) is the density. ``IMAGE_POINTS`` points are drawn in proportion to it
  from a Philox stream (same seed, same points on any machine), jittered within their pixel;
  the whole picture fits [m, 1-m]^2 upright (glgan's y points up, the image's rows down).

Everything is bounded and refused with a ``DataError`` naming the file, the line or value
and what is allowed: a file is read up to ``MAX_CSV_BYTES`` / ``MAX_IMAGE_BYTES`` (never
more), at most ``MAX_POINTS`` points, a picture's pixel count is checked from its header
before anything is decoded, and only plain raster formats are decoded (never EPS or WMF,
which would run other programs). Nothing is evaluated.
"""

from __future__ import annotations

import io
import math
import os
import re
import stat
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .data import DataError
from .philox import blocks, uniform

MARGIN = 0.05  # imported points fill [MARGIN, 1 - MARGIN]^2
MIN_POINTS = 2  # and at least two distinct ones: one point has no extent to normalise
MAX_POINTS = 100_000  # ample for a class's data; the atlas holds 12,000 samples by default
MAX_CSV_BYTES = 8 << 20  # 100,000 lines of two long numbers is ~5 MB
MAX_IMAGE_BYTES = 32 << 20
MAX_IMAGE_PIXELS = 4096 * 4096  # checked from the header, before decoding
# Points sampled from a picture. A drawing lays one point every 0.01 data units
# (ui.state.DrawingState.spacing), so a few strokes give hundreds to a few thousand points;
# 2,000 covers a filled picture densely at the drawn dataset's blob width (data.DRAWN_SIGMA).
IMAGE_POINTS = 2000
DARK_THRESHOLD = 0.1  # darkness (1 - luminance) below this is background (paper, JPEG noise)
IMAGE_STREAM = 64  # Philox stream of the picture sampler (philox.Stream uses 1..8)

# Decoded formats: plain rasters only. Pillow's EPS plugin runs Ghostscript and WMF the OS.
IMAGE_FORMATS = ("PNG", "JPEG", "GIF", "BMP", "DIB", "TIFF", "WEBP", "PPM", "TGA", "ICO",
                 "QOI", "PCX")
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".jpe", ".gif", ".bmp", ".dib", ".tif",
                            ".tiff", ".webp", ".ppm", ".pgm", ".pbm", ".pnm", ".tga", ".ico",
                            ".qoi", ".pcx"})
# Signatures that mark a picture whatever the file's name (weak ones, "BM" or "P5", are
# trusted only with an image suffix, so a CSV whose header starts "BMI,..." stays a CSV).
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00",
                b"MM\x00*", b"qoif")

_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+(?:[eE][+-]?\d+)?")
_NOT_FINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Transform:
    """How source coordinates became unit-square ones: ``x' = scale[0]*x + offset[0]``,
    ``y' = scale[1]*y + offset[1]``. CSV: one scale for both axes. Pictures: the source is
    (column, row) in pixels from the top-left corner, and scale[1] is negative (y flipped)."""

    scale: tuple[float, float]
    offset: tuple[float, float]
    inputs: tuple[str, str] = ("x", "y")

    def apply(self, xy) -> np.ndarray:
        """Source points (N, 2) -> unit-square points (N, 2) float64."""
        xy = np.asarray(xy, dtype=np.float64)
        return xy * np.asarray(self.scale) + np.asarray(self.offset)

    def describe(self) -> str:
        """``x' = 0.0125*x + 0.4, y' = 0.0125*y + 0.05`` (4 significant digits)."""
        parts = []
        for axis, (a, b, name) in enumerate(zip(self.scale, self.offset, self.inputs)):
            sign = "-" if b < 0 else "+"
            parts.append(f"{'xy'[axis]}' = {a:.4g}*{name} {sign} {abs(b):.4g}")
        return ", ".join(parts)


@dataclass(frozen=True, eq=False)
class ImportedData:
    """Points loaded from a file, ready for the drawn dataset.

    points: (N, 2) float32 in [0, 1]^2 (read-only); transform: source -> unit square;
    kind: "csv" or "image"; source: the file's name; description: one line for the UI/CLI.
    """

    points: np.ndarray
    transform: Transform
    kind: str
    source: str
    description: str


def load_points(path: str | os.PathLike, seed: int = 0, *,
                n_points: int = IMAGE_POINTS) -> ImportedData:
    """Read ``path`` (a CSV file or a picture; see the module docstring) into points for the
    drawn dataset. ``seed`` and ``n_points`` apply to pictures (same seed, same points).
    Raises DataError, naming the file, for anything unusable."""
    _check_sampling(seed, n_points)
    name = os.fsdecode(path)
    image = _is_image_name(name)
    data = _read_bounded(name, MAX_IMAGE_BYTES if image else MAX_CSV_BYTES)
    return points_from_bytes(data, name, seed, n_points=n_points)


def points_from_bytes(data: bytes, name: str, seed: int = 0, *,
                      n_points: int = IMAGE_POINTS) -> ImportedData:
    """``load_points`` for a file's contents already in memory; ``name`` (its file name)
    picks the kind by suffix and labels the messages."""
    _check_sampling(seed, n_points)
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise DataError(f"{name}: expected the file's bytes, got {type(data).__name__}")
    data = bytes(data)
    if _is_image_name(name) or data.startswith(_IMAGE_MAGIC) or \
            (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        if len(data) > MAX_IMAGE_BYTES:
            raise DataError(f"{name}: {len(data)} bytes is too large for a picture; "
                            f"at most {_size(MAX_IMAGE_BYTES)}")
        return _image_points(data, name, seed, n_points)
    if len(data) > MAX_CSV_BYTES:
        raise DataError(f"{name}: {len(data)} bytes is too large for a CSV file; "
                        f"at most {_size(MAX_CSV_BYTES)}")
    return _csv_points(data, name)


def _check_sampling(seed, n_points) -> None:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) \
            or not 0 <= seed <= 2**32 - 1:
        raise DataError(f"seed={seed!r} must be an integer in [0, {2**32 - 1}]")
    if isinstance(n_points, bool) or not isinstance(n_points, (int, np.integer)) \
            or not MIN_POINTS <= n_points <= MAX_POINTS:
        raise DataError(f"n_points={n_points!r} must be an integer in "
                        f"[{MIN_POINTS}, {MAX_POINTS}]")


def _size(limit: int) -> str:
    return f"{limit >> 20} MiB" if limit % (1 << 20) == 0 else f"{limit} bytes"


def _is_image_name(name: str) -> bool:
    return Path(name).suffix.lower() in IMAGE_SUFFIXES


def _read_bounded(name: str, limit: int) -> bytes:
    """The file's bytes, never more than ``limit`` read: a regular file only (opened without
    blocking, so a FIFO is refused rather than waited on)."""
    try:
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise DataError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise DataError(f"{name}: is a folder, not a file") from None
    except ValueError as e:  # a NUL in the name
        raise DataError(f"{name!r}: not a valid file name ({e})") from None
    except OSError as e:
        raise DataError(f"{name}: cannot open ({e.strerror or e})") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise DataError(f"{name}: is a folder, not a file")
        if not stat.S_ISREG(st.st_mode):
            raise DataError(f"{name}: not a regular file (a device, FIFO or socket is never read)")
        if st.st_size > limit:
            raise DataError(f"{name}: {st.st_size} bytes is too large; at most "
                            f"{_size(limit)}")
        chunks, left = [], limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as e:
        raise DataError(f"{name}: cannot read ({e.strerror or e})") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:  # it grew while being read
        raise DataError(f"{name}: grew past {_size(limit)} while being read; at most "
                        f"{_size(limit)}")
    return data


# --- CSV -----------------------------------------------------------------------------------

def _fields(line: str) -> tuple[list[str], bool]:
    """The line's fields (split on ';', else ',', else whitespace) and whether ';' split it
    (then a decimal comma is allowed)."""
    if ";" in line:
        return [f.strip() for f in line.split(";")], True
    if "," in line:
        return [f.strip() for f in line.split(",")], False
    return line.split(), False


def _number(field: str, semicolons: bool) -> float | None:
    """The field's value, or None if it is not a number (NaN and inf count as numbers here:
    the caller refuses them by name)."""
    if semicolons and _DECIMAL_COMMA.fullmatch(field):
        field = field.replace(",", ".")
    if _NUMBER.fullmatch(field) or _NOT_FINITE.fullmatch(field):
        return float(field)
    return None


def _shown(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "...")


def _csv_points(data: bytes, name: str) -> ImportedData:
    if b"\x00" in data:
        raise DataError(f"{name}: binary data (a NUL byte at offset {data.index(0)}), not a "
                        "CSV text file of 'x,y' lines or a picture")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise DataError(f"{name}: not UTF-8 text (byte {e.start}); expected a CSV file of "
                        "'x,y' lines or a picture") from None
    values: list[tuple[float, float]] = []
    header = None
    for number, raw in enumerate(_LINE_BREAK.split(text), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        fields, semicolons = _fields(line)
        parsed = [_number(f, semicolons) for f in fields]
        if not values and header is None and all(p is None for p in parsed):
            header = line  # the first line may name the columns
            continue
        where = f"{name}: line {number}"
        if len(fields) != 2:
            raise DataError(f"{where}: {len(fields)} columns in {_shown(line)}; expected 2 "
                            "numbers 'x,y' (separated by ',', ';' or spaces)")
        for f, p in zip(fields, parsed):
            if p is None:
                raise DataError(f"{where}: {_shown(f)} is not a number; expected 'x,y' "
                                "(a header is allowed only on the first line)")
            if not math.isfinite(p):
                raise DataError(f"{where}: {_shown(f)} is not a finite number; NaN and "
                                "infinite values are not allowed")
        if len(values) >= MAX_POINTS:
            raise DataError(f"{name}: more than {MAX_POINTS} points; at most {MAX_POINTS}")
        values.append((parsed[0], parsed[1]))
    if not values:
        what = "only a header line" if header is not None else "no points"
        raise DataError(f"{name}: {what}; expected at least {MIN_POINTS} lines 'x,y'")
    if len(values) < MIN_POINTS:
        raise DataError(f"{name}: {len(values)} point; at least {MIN_POINTS} are needed")
    xy = np.array(values, dtype=np.float64)
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        extent = float((hi - lo).max())
        scale = (1.0 - 2.0 * MARGIN) / extent if extent > 0 else math.inf
        offset = 0.5 - scale * (lo + hi) / 2.0
    if extent == 0:
        raise DataError(f"{name}: every point is ({xy[0, 0]:g}, {xy[0, 1]:g}); at least "
                        f"{MIN_POINTS} distinct points are needed")
    if not (math.isfinite(extent) and math.isfinite(scale) and np.isfinite(offset).all()
            and scale > 0):
        raise DataError(f"{name}: the values span {extent:g}, too wide or too narrow to "
                        "normalise; rescale the data (e.g. to within +-1e300)")
    transform = Transform((scale, scale), (float(offset[0]), float(offset[1])))
    points = _unit_points(transform.apply(xy))
    desc = (f"{Path(name).name}: {len(points)} points from CSV, x in [{lo[0]:.4g}, "
            f"{hi[0]:.4g}], y in [{lo[1]:.4g}, {hi[1]:.4g}]; {transform.describe()}")
    return ImportedData(points, transform, "csv", name, desc)


def _unit_points(xy: np.ndarray) -> np.ndarray:
    points = np.clip(xy, 0.0, 1.0).astype(np.float32)  # (clip: rounding only)
    points.setflags(write=False)
    return points


# --- pictures ------------------------------------------------------------------------------

def _image_points(data: bytes, name: str, seed: int, n_points: int) -> ImportedData:
    darkness, (width, height) = _darkness(data, name)
    weight = np.where(darkness >= DARK_THRESHOLD, darkness, 0.0).ravel()
    dark = int(np.count_nonzero(weight))
    if dark == 0:
        raise DataError(f"{name}: no dark pixels (every pixel is lighter than "
                        f"{DARK_THRESHOLD:.0%} grey); draw in dark ink on a light background")
    cdf = np.cumsum(weight, dtype=np.float64)
    w = blocks(seed, IMAGE_STREAM, 0, n_points)
    # 53-bit uniforms from words 0 and 3 (a 23-bit one could not reach every pixel of a
    # large picture); words 1 and 2 place the point within its pixel.
    bits = (w[:, 0] << np.uint64(21)) | (w[:, 3] >> np.uint64(11))
    u = (bits.astype(np.float64) + 0.5) * 2.0**-53
    index = np.searchsorted(cdf, u * cdf[-1], side="right")
    index = np.minimum(index, len(cdf) - 1)
    row, col = np.divmod(index, width)
    pixel = np.stack([col + uniform(w[:, 1]), row + uniform(w[:, 2])], axis=-1)
    s = (1.0 - 2.0 * MARGIN) / max(width, height)
    transform = Transform((s, -s), (0.5 - s * width / 2.0, 0.5 + s * height / 2.0),
                          ("col", "row"))
    points = _unit_points(transform.apply(pixel))
    desc = (f"{Path(name).name}: {n_points} points from a {width}x{height} picture "
            f"({dark} dark pixels, seed {seed}); {transform.describe()}")
    return ImportedData(points, transform, "image", name, desc)


def _darkness(data: bytes, name: str) -> tuple[np.ndarray, tuple[int, int]]:
    """(height, width) float64 darkness in [0, 1] of the picture's first frame, and its
    (width, height). The size is checked from the header before any pixel is decoded."""
    from PIL import Image, UnidentifiedImageError

    allowed = ", ".join(IMAGE_FORMATS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pillow's notes on damaged files: an error or not
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            im = Image.open(io.BytesIO(data), formats=IMAGE_FORMATS)
        except UnidentifiedImageError:
            raise DataError(f"{name}: not a picture glgan reads ({allowed}) and not CSV "
                            "text") from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
            found = re.search(r"\((\d+) pixels\)", str(e))  # Pillow's own limit, from the header
            size = f"{found.group(1)} pixels" if found else "far too large"
            raise DataError(f"{name}: the picture is {size}; at most {MAX_IMAGE_PIXELS} "
                            "(4096x4096)") from None
        except Exception as e:  # Pillow's parsers raise many kinds on junk
            raise DataError(f"{name}: a corrupt or unsupported picture ({_why(e)})") from None
        with im:
            width, height = im.size
            if width < 1 or height < 1:
                raise DataError(f"{name}: the picture is {width}x{height} pixels; it is empty")
            if width * height > MAX_IMAGE_PIXELS:
                raise DataError(f"{name}: the picture is {width}x{height} = {width * height} "
                                f"pixels; at most {MAX_IMAGE_PIXELS} (4096x4096)")
            try:
                lum = _luminance(im, name)
            except DataError:
                raise
            except Exception as e:  # decoding errors (truncated, corrupt)
                raise DataError(f"{name}: a corrupt or truncated picture ({_why(e)})") from None
    if lum.shape != (height, width):
        raise DataError(f"{name}: the picture decoded to {lum.shape[::-1]} pixels, not "
                        f"{width}x{height}")
    return 1.0 - lum, (width, height)


def _luminance(im, name: str) -> np.ndarray:
    """The first frame as (height, width) float64 luminance in [0, 1], transparency drawn
    over white."""
    from PIL import Image

    im.seek(0)
    mode = im.mode
    if mode.startswith("I"):  # 16-bit (or 32-bit integer) grayscale
        return np.clip(np.asarray(im, dtype=np.float64) / 65535.0, 0.0, 1.0)
    if mode == "F":
        raise DataError(f"{name}: floating-point pictures are not supported; save it as an "
                        "8-bit picture (grayscale or colour)")
    if mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in im.info:
        rgba = im.convert("RGBA")
        im = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
    if im.mode not in ("L", "RGB", "RGBA", "1", "P"):
        im = im.convert("RGB")
    return np.asarray(im.convert("L"), dtype=np.float64) / 255.0


def _why(e: Exception) -> str:
    text = str(e).strip().splitlines()[0] if str(e).strip() else ""
    return f"{type(e).__name__}: {text[:120]}" if text else type(e).__name__
