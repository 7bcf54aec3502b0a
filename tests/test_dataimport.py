"""Data import (issue 17): CSV and pictures become the drawn dataset's points; anything
empty, non-numeric, huge or malformed is refused with a DataError naming the problem."""

from __future__ import annotations

import io
import os
import struct
import tempfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from glgan.compute import dataimport as di
from glgan.compute.data import DataError, sample_real, validate_drawn
from glgan.compute.dataimport import (
    IMAGE_POINTS,
    MARGIN,
    MAX_CSV_BYTES,
    MAX_IMAGE_PIXELS,
    MAX_POINTS,
    ImportedData,
    Transform,
    load_points,
    points_from_bytes,
)

SRC = np.array([[-100.0, 5.0], [300.0, 50.0], [0.0, 20.0], [120.5, 7.25], [42.0, 49.0]])


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    p = tmp_path / name
    p.write_bytes(data.encode() if isinstance(data, str) else data)
    return p


def png_bytes(im: Image.Image, fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt)
    return buf.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG signature, an IHDR claiming width x height and an IDAT of junk: no picture
    could be decoded from it."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", b"junk") + \
        chunk(b"IEND", b"")


def check_unit(d: ImportedData) -> None:
    assert d.points.dtype == np.float32 and d.points.ndim == 2 and d.points.shape[1] == 2
    assert np.isfinite(d.points).all()
    assert d.points.min() >= 0.0 and d.points.max() <= 1.0
    assert not d.points.flags.writeable
    validate_drawn(d.points)  # what engine.set_drawn accepts


# --- CSV -----------------------------------------------------------------------------------

def test_csv_round_trips_up_to_the_reported_transform(tmp_path):
    text = "\n".join(f"{x!r},{y!r}" for x, y in SRC.tolist()) + "\n"
    d = load_points(write(tmp_path, "pts.csv", text))
    check_unit(d)
    assert d.kind == "csv" and d.source.endswith("pts.csv") and len(d.points) == len(SRC)
    # exact up to the transform (float32 output)
    np.testing.assert_allclose(d.points, d.transform.apply(SRC), atol=1e-7)
    # one scale for both axes (aspect kept), the wider axis fills [m, 1-m], centred
    sx, sy = d.transform.scale
    assert sx == sy == pytest.approx((1 - 2 * MARGIN) / 400.0)
    lo, hi = d.points.min(0), d.points.max(0)
    assert lo[0] == pytest.approx(MARGIN) and hi[0] == pytest.approx(1 - MARGIN)
    assert (lo[1] + hi[1]) / 2 == pytest.approx(0.5)
    assert hi[1] - lo[1] == pytest.approx(45.0 * sx)
    # and the transform read back gives the source
    back = (d.points.astype(np.float64) - d.transform.offset) / d.transform.scale
    np.testing.assert_allclose(back, SRC, atol=400 * 1e-6)


def test_transform_is_described_as_a_formula():
    t = Transform((0.00225, 0.00225), (0.275, -0.03))
    assert t.describe() == "x' = 0.00225*x + 0.275, y' = 0.00225*y - 0.03"
    img = Transform((0.01, -0.01), (0.05, 0.95), ("col", "row"))
    assert img.describe() == "x' = 0.01*col + 0.05, y' = -0.01*row + 0.95"


def test_csv_description_names_the_file_count_and_transform(tmp_path):
    d = load_points(write(tmp_path, "pts.csv", "0,0\n2,1\n"))
    assert d.description.startswith("pts.csv: 2 points from CSV")
    assert d.transform.describe() in d.description


VARIANTS = {
    "comma": "x,y\n-100,5\n300,50\n0,20\n120.5,7.25\n42,49\n",
    "header_spaces_and_comments": (
        "# exported by a spreadsheet\n\n  x position , y position  \n"
        "-100, 5   # first\n300 ,50\n\n# a comment line\n0,20\n120.5,7.25\n42,  49\n"),
    "whitespace": "-100 5\n300\t50\n  0   20\n120.5 7.25\n4.2e1 4.9E+1\n",
    "semicolon_decimal_comma": "x;y\n-100;5\n300;50\n0;20\n120,5;7,25\n42;49\n",
    "semicolon_point": "-100;5\n300;50\n+0;20.\n120.5;7.25\n42;49\n",
    "crlf_bom": "\ufeffx,y\r\n-100,5\r\n300,50\r\n0,20\r\n120.5,7.25\r\n42,49\r\n",
    "no_final_newline": "-100,5\n300,50\n0,20\n120.5,7.25\n42,49",
    "old_mac_cr": "-100,5\r300,50\r0,20\r120.5,7.25\r42,49\r",
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_csv_accepts_headers_comments_and_separators(tmp_path, variant):
    d = load_points(write(tmp_path, "v.csv", VARIANTS[variant]))
    ref = points_from_bytes("\n".join(f"{x},{y}" for x, y in SRC).encode(), "ref.csv")
    np.testing.assert_array_equal(d.points, ref.points)
    assert d.transform == ref.transform


def test_any_other_suffix_is_read_as_csv(tmp_path):
    d = load_points(write(tmp_path, "points.txt", "1 2\n3 4\n"))
    assert d.kind == "csv"
    np.testing.assert_allclose(d.points, [[0.05, 0.05], [0.95, 0.95]], atol=1e-7)


def test_points_on_a_line_keep_their_aspect(tmp_path):
    d = load_points(write(tmp_path, "line.csv", "0,7\n10,7\n5,7\n"))
    np.testing.assert_allclose(d.points[:, 1], 0.5)
    np.testing.assert_allclose(d.points[:, 0], [0.05, 0.95, 0.5], atol=1e-7)


def test_the_point_limit_is_inclusive(tmp_path):
    text = "".join(f"{i % 1000},{i // 1000}\n" for i in range(MAX_POINTS))
    assert len(load_points(write(tmp_path, "max.csv", text)).points) == MAX_POINTS


# --- pictures ------------------------------------------------------------------------------

def two_squares(width=200, height=100) -> Image.Image:
    """Black squares on white: A at columns 20-49, rows 10-39 (top left), B at columns
    140-179, rows 50-89 (bottom right); B has 16/9 of A's area."""
    im = Image.new("L", (width, height), 255)
    im.paste(0, (20, 10, 50, 40))
    im.paste(0, (140, 50, 180, 90))
    return im


def to_pixels(d: ImportedData) -> np.ndarray:
    return (d.points.astype(np.float64) - d.transform.offset) / d.transform.scale


def test_picture_points_lie_in_the_dark_shapes_in_proportion(tmp_path):
    d = load_points(write(tmp_path, "squares.png", png_bytes(two_squares())))
    check_unit(d)
    assert d.kind == "image" and len(d.points) == IMAGE_POINTS
    px = to_pixels(d)
    eps = 1e-3  # float32 rounding, in pixels
    in_a = (px[:, 0] > 20 - eps) & (px[:, 0] < 50 + eps) & (px[:, 1] > 10 - eps) & \
        (px[:, 1] < 40 + eps)
    in_b = (px[:, 0] > 140 - eps) & (px[:, 0] < 180 + eps) & (px[:, 1] > 50 - eps) & \
        (px[:, 1] < 90 + eps)
    assert (in_a | in_b).all()
    share_a = in_a.mean()
    assert share_a == pytest.approx(900 / (900 + 1600), abs=0.04)
    # upright: A (top of the picture) is higher in glgan's y-up square than B
    assert d.points[in_a, 1].min() > d.points[in_b, 1].max()
    assert d.points[in_a, 0].max() < d.points[in_b, 0].min()
    # the whole picture fits [m, 1-m]^2 keeping its aspect ratio, centred
    sx, sy = d.transform.scale
    assert sx == -sy == pytest.approx((1 - 2 * MARGIN) / 200)
    np.testing.assert_allclose(d.transform.apply([[0, 0], [200, 100]]),
                               [[MARGIN, 0.5 + 0.45 / 2], [1 - MARGIN, 0.5 - 0.45 / 2]])
    # jittered within the pixels, not on a grid
    assert len(np.unique(np.round(px[in_a], 3), axis=0)) > 0.9 * in_a.sum()
    assert "200x100 picture" in d.description and "2500 dark pixels" in d.description


def test_darkness_is_the_density_and_light_pixels_are_background():
    im = Image.new("L", (100, 50), 255)
    im.paste(0, (0, 0, 40, 40))  # black: darkness 1
    im.paste(128, (60, 0, 100, 40))  # mid grey: darkness ~0.5
    im.paste(240, (0, 42, 100, 50))  # near white (darkness 0.06): background
    d = points_from_bytes(png_bytes(im), "grey.png", n_points=6000)
    px = to_pixels(d)
    assert (px[:, 1] < 40 + 1e-3).all()
    black = (px[:, 0] < 40 + 1e-3).mean()
    assert black == pytest.approx(1 / (1 + 127 / 255), abs=0.03)


def test_pictures_are_deterministic_per_seed(tmp_path):
    p = write(tmp_path, "squares.png", png_bytes(two_squares()))
    a, b = load_points(p, seed=7), load_points(p, seed=7)
    np.testing.assert_array_equal(a.points, b.points)
    c = load_points(p, seed=8)
    assert not np.array_equal(a.points, c.points)
    assert len(load_points(p, n_points=50).points) == 50


def test_picture_points_are_pinned(tmp_path):
    """Philox, not NumPy's generators: the same points on any machine and NumPy version."""
    d = load_points(write(tmp_path, "squares.png", png_bytes(two_squares())), n_points=3)
    np.testing.assert_allclose(d.points, [[0.171428, 0.674860], [0.772406, 0.449397],
                                          [0.783693, 0.459277]], atol=2e-6)


def test_transparent_pixels_are_paper():
    im = Image.new("RGBA", (60, 60), (0, 0, 0, 0))  # transparent black everywhere...
    im.paste((10, 20, 200, 255), (30, 30, 60, 60))  # ...and one opaque dark blue square
    d = points_from_bytes(png_bytes(im), "alpha.png")
    px = to_pixels(d)
    assert (px >= 30 - 1e-3).all()


@pytest.mark.parametrize("mode,fmt,suffix", [
    ("RGB", "JPEG", ".jpg"), ("1", "PNG", ".png"), ("P", "GIF", ".gif"), ("RGB", "BMP", ".bmp"),
    ("L", "TIFF", ".tif"), ("RGB", "WEBP", ".webp"), ("L", "PPM", ".pgm"),
    ("I;16", "PNG", ".png"), ("CMYK", "JPEG", ".jpg"), ("LA", "PNG", ".png"),
    ("RGBA", "TIFF", ".tiff"), ("RGB", "TGA", ".tga"), ("RGB", "QOI", ".qoi"),
])
def test_other_picture_formats_and_modes(mode, fmt, suffix):
    im = two_squares()
    im = im.point(lambda v: v * 257, "I").convert(mode) if mode == "I;16" else im.convert(mode)
    d = points_from_bytes(png_bytes(im, fmt), "pic" + suffix)
    check_unit(d)
    px = to_pixels(d)
    near_a = (px[:, 0] < 100) & (px[:, 1] < 45)
    near_b = (px[:, 0] > 135) & (px[:, 1] > 45)
    assert (near_a | near_b).mean() > 0.99  # JPEG/WebP ringing may add a few stray points


def test_a_picture_is_recognised_by_its_signature_whatever_its_name(tmp_path):
    d = load_points(write(tmp_path, "drawing.dat", png_bytes(two_squares())))
    assert d.kind == "image"


def test_imported_points_train_as_the_drawn_dataset():
    from glgan.compute.api import make_engine
    from glgan.config import GanConfig

    d = points_from_bytes(png_bytes(two_squares()), "squares.png", n_points=300)
    x = sample_real("drawn", 1000, 0, d.points)
    assert x.shape == (1000, 2)
    eng = make_engine(GanConfig(dataset="drawn", atlas_size=500), drawn=d.points)
    eng.train(2)
    np.testing.assert_array_equal(eng.drawn, d.points)


# --- refusals ------------------------------------------------------------------------------

CSV_REFUSALS = [
    ("empty", b"", "no points; expected at least 2"),
    ("blank", b"\n \n\t\n", "no points"),
    ("comments_only", b"# nothing\n# here\n", "no points"),
    ("header_only", b"x,y\n", "only a header line"),
    ("one_point", b"x,y\n1,2\n", "1 point; at least 2 are needed"),
    ("same_point", b"1,2\n1,2\n1.0,2e0\n", r"every point is \(1, 2\); at least 2 distinct"),
    ("word", b"1,2\n3,abc\n", r"line 2: 'abc' is not a number"),
    ("late_header", b"1,2\nx,y\n3,4\n", r"line 2: 'x' is not a number.*first line"),
    ("hex", b"1,2\n0x10,4\n", r"line 2: '0x10' is not a number"),
    ("underscore", b"1,2\n1_000,4\n", r"line 2: '1_000' is not a number"),
    ("nan", b"1,2\n3,4\nnan,5\n", r"line 3: 'nan' is not a finite number; NaN and infinite"),
    ("inf", b"1,2\n-Infinity,4\n", r"line 2: '-Infinity' is not a finite number"),
    ("overflow", b"1,2\n1e999,4\n", r"line 2: '1e999' is not a finite number"),
    ("three_columns", b"1,2\n3,4,5\n", r"line 2: 3 columns in '3,4,5'; expected 2 numbers"),
    ("one_column", b"1,2\n3\n", r"line 2: 1 columns in '3'; expected 2"),
    ("empty_field", b"1,2\n3,,4\n", r"line 2: 3 columns"),
    ("mixed_separators", b"1,2\n3 4,5\n", r"line 2: '3 4' is not a number"),
    ("nul", b"1,2\n\x00\x01\x02", r"binary data \(a NUL byte at offset 4\)"),
    ("latin1", b"x\xe9,y\n1,2\n", r"not UTF-8 text \(byte 1\)"),
    ("too_wide", b"-1e308,0\n1e308,1\n", "too wide or too narrow to normalise"),
    ("too_narrow", b"0,0\n5e-324,0\n", "too wide or too narrow to normalise"),
    ("eps_text", b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n",
     r"line 2: 5 columns in '%%BoundingBox: 0 0 10 10'"),
]


@pytest.mark.parametrize("name,data,match", CSV_REFUSALS, ids=[c[0] for c in CSV_REFUSALS])
def test_bad_csv_files_are_refused_naming_the_file_and_problem(tmp_path, name, data, match):
    p = write(tmp_path, f"{name}.csv", data)
    with pytest.raises(DataError, match=match) as e:
        load_points(p)
    assert str(e.value).startswith(f"{p}: ")


def test_too_many_points_are_refused(tmp_path):
    text = "".join(f"{i},{i}\n" for i in range(MAX_POINTS + 1))
    with pytest.raises(DataError, match=f"more than {MAX_POINTS} points; at most {MAX_POINTS}"):
        load_points(write(tmp_path, "many.csv", text))


def test_files_over_the_byte_limit_are_refused_before_reading(tmp_path, monkeypatch):
    p = tmp_path / "huge.csv"
    with open(p, "wb") as fh:  # sparse: nothing is written, nothing must be read
        fh.truncate(MAX_CSV_BYTES + 1)
    reads = []
    real_read = os.read
    monkeypatch.setattr(di.os, "read", lambda fd, n: reads.append(n) or real_read(fd, n))
    with pytest.raises(DataError, match=r"huge.csv: 8388609 bytes is too large; at most 8 MiB"):
        load_points(p)
    assert reads == []
    with pytest.raises(DataError, match="too large for a CSV file; at most 8 MiB"):
        points_from_bytes(b"0" * (MAX_CSV_BYTES + 1), "mem.csv")


def test_a_file_that_grows_while_read_is_cut_off(tmp_path, monkeypatch):
    p = write(tmp_path, "grow.csv", "1,2\n3,4\n")
    monkeypatch.setattr(di, "MAX_CSV_BYTES", 16)
    monkeypatch.setattr(di.os, "fstat", lambda fd: os.stat_result(
        (0o100644, 0, 0, 1, 0, 0, 4, 0, 0, 0)))  # claims 4 bytes
    p.write_bytes(b"1,2\n" * 100)
    with pytest.raises(DataError, match="grew past 16 bytes while being read; at most 16 bytes"):
        load_points(p)


def test_paths_that_are_not_files_are_refused(tmp_path):
    with pytest.raises(DataError, match="missing.csv: no such file"):
        load_points(tmp_path / "missing.csv")
    with pytest.raises(DataError, match="is a folder, not a file"):
        load_points(tmp_path)
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(DataError, match="pipe.csv: not a regular file"):
        load_points(fifo)  # and does not wait for a writer
    with pytest.raises(DataError, match="not a valid file name"):
        load_points("bad\x00name.csv")
    with pytest.raises(DataError, match="no such file"):
        load_points(tmp_path / "a.csv" / "b.csv")


def test_symlinks_to_files_are_read(tmp_path):
    target = write(tmp_path, "real.csv", "0,0\n1,1\n")
    (tmp_path / "link.csv").symlink_to(target)
    assert len(load_points(tmp_path / "link.csv").points) == 2


def test_a_picture_too_large_is_refused_from_its_header(tmp_path, monkeypatch):
    # header only: decoding would fail (no pixel data), so the size check came first
    with pytest.raises(DataError, match=r"big.png: the picture is 5000x5000 = 25000000 pixels; "
                                        rf"at most {MAX_IMAGE_PIXELS}"):
        load_points(write(tmp_path, "big.png", png_header_only(5000, 5000)))
    monkeypatch.setattr(di, "MAX_IMAGE_PIXELS", 5000 * 5000)  # (it is not decodable)
    with pytest.raises(DataError, match="corrupt or truncated picture"):
        load_points(tmp_path / "big.png")
    monkeypatch.undo()
    # past Pillow's own bomb limit too (and no DecompressionBombWarning escapes)
    for side in (10_000, 100_000):  # Pillow warns, then refuses
        with pytest.raises(DataError, match=f"bomb.png: the picture is {side * side} pixels; "
                                            f"at most {MAX_IMAGE_PIXELS}"):
            points_from_bytes(png_header_only(side, side), "bomb.png")
    with pytest.raises(DataError, match="too large for a picture; at most 32 MiB"):
        points_from_bytes(b"\x89PNG\r\n\x1a\n" + bytes(di.MAX_IMAGE_BYTES), "mem.png")


def test_the_pixel_limit_is_inclusive(monkeypatch):
    monkeypatch.setattr(di, "MAX_IMAGE_PIXELS", 200 * 100)
    assert len(points_from_bytes(png_bytes(two_squares()), "ok.png").points) == IMAGE_POINTS
    monkeypatch.setattr(di, "MAX_IMAGE_PIXELS", 200 * 100 - 1)
    with pytest.raises(DataError, match="200x100 = 20000 pixels; at most 19999"):
        points_from_bytes(png_bytes(two_squares()), "big.png")


IMAGE_REFUSALS = [
    ("white", png_bytes(Image.new("L", (30, 20), 255)), "no dark pixels"),
    ("paper", png_bytes(Image.new("L", (30, 20), 235)), "no dark pixels"),
    ("transparent", png_bytes(Image.new("RGBA", (30, 20), (0, 0, 0, 0))), "no dark pixels"),
    ("truncated", png_bytes(two_squares())[:200], "corrupt or truncated picture"),
    ("junk", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "corrupt|not a picture"),
    ("text", b"1,2\n3,4\n", r"not a picture glgan reads \(PNG, JPEG"),
    ("eps", b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n", "not a picture"),
    ("float", png_bytes(Image.new("F", (10, 10), 0.0), "TIFF"), "floating-point pictures"),
    ("empty", b"", "not a picture"),
]


@pytest.mark.parametrize("name,data,match", IMAGE_REFUSALS, ids=[c[0] for c in IMAGE_REFUSALS])
def test_bad_pictures_are_refused_naming_the_file_and_problem(tmp_path, name, data, match):
    p = write(tmp_path, f"{name}.{'tif' if name == 'float' else 'png'}", data)
    with pytest.raises(DataError, match=match) as e:
        load_points(p)
    assert str(e.value).startswith(f"{p}: ")


@pytest.mark.parametrize("kwargs,match", [
    ({"seed": -1}, "seed=-1 must be an integer"), ({"seed": 2**32}, "seed="),
    ({"seed": 1.5}, "seed="), ({"seed": True}, "seed="),
    ({"n_points": 1}, "n_points=1 must be an integer in"),
    ({"n_points": MAX_POINTS + 1}, "n_points="),
])
def test_bad_sampling_arguments_are_refused(kwargs, match):
    with pytest.raises(DataError, match=match):
        points_from_bytes(png_bytes(two_squares()), "s.png", **kwargs)


# --- fuzz ----------------------------------------------------------------------------------

def only_data_errors(data: bytes, name: str) -> None:
    try:
        d = points_from_bytes(data, name, n_points=20)
    except DataError as e:
        assert name in str(e)
        return
    check_unit(d)


NAMES = st.sampled_from(["f.csv", "f.png", "f.txt", "f.gif", "f.jpg", "f.tif", "f.bmp", "f"])
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(data=st.binary(max_size=600), name=NAMES)
def test_fuzz_random_bytes_give_points_or_a_data_error(data, name):
    only_data_errors(data, name)


@FUZZ
@given(text=st.text(alphabet=st.sampled_from(list("0123456789.,;eE+- \t\n\r#xyaniNF_\ufeff")),
                    max_size=200))
def test_fuzz_csv_like_text_gives_points_or_a_data_error(text):
    only_data_errors(text.encode(), "fuzz.csv")


SEED_PICTURES = [png_bytes(two_squares(40, 20).convert(m), f) for m, f in
                 [("L", "PNG"), ("RGBA", "PNG"), ("P", "GIF"), ("RGB", "JPEG"), ("L", "TIFF"),
                  ("RGB", "BMP"), ("RGB", "WEBP")]]


@FUZZ
@given(which=st.integers(0, len(SEED_PICTURES) - 1),
       edits=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=8),
       cut=st.integers(0, 10_000), name=NAMES)
def test_fuzz_damaged_pictures_give_points_or_a_data_error(which, edits, cut, name):
    data = bytearray(SEED_PICTURES[which])
    for at, value in edits:
        data[at % len(data)] = value
    only_data_errors(bytes(data[: max(cut, 1)] if cut < len(data) else data), name)


def test_fuzz_files_on_disk_too():
    with tempfile.TemporaryDirectory() as tmp:
        for i, data in enumerate([b"", b"\xff" * 100, SEED_PICTURES[0][:50], b"1;2\n"]):
            p = Path(tmp) / f"f{i}.png"
            p.write_bytes(data)
            with pytest.raises(DataError, match=str(p)):
                load_points(p)
