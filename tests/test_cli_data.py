"""``--data FILE`` (issue 17): the points of a CSV or an image become the "drawn" dataset of
train, snapshot, record and the window; bad files are one clear error line (exit 2)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from glgan.cli import main
from glgan.compute.dataimport import load_points


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "clusters.csv"
    rows = [f"{x},{y}" for x, y in np.random.default_rng(1).normal(20, 3, (300, 2))]
    rows += [f"{x},{y}" for x, y in np.random.default_rng(2).normal(60, 3, (300, 2))]
    path.write_text("x,y\n" + "\n".join(rows) + "\n")
    return path


def test_train_on_a_csv_keeps_its_points_in_the_session(csv_file, tmp_path, capsys):
    from glgan.compute.modelio import read_session

    out = tmp_path / "s.glgan"
    assert main(["train", "--data", str(csv_file), "--epochs", "20", "--quiet",
                 "--save", str(out)]) == 0
    err = capsys.readouterr().err
    assert "600 points from CSV" in err and "x' =" in err  # the mapping is shown
    state = read_session(out).state
    assert state.runs[0].config.dataset == "drawn"
    np.testing.assert_array_equal(state.drawn, load_points(csv_file).points)


def test_snapshot_and_record_take_an_image(tmp_path, capsys):
    picture = np.full((60, 80), 255, np.uint8)
    picture[10:25, 10:30] = 0  # a dark block at the top-left of the picture
    png = tmp_path / "blob.png"
    Image.fromarray(picture).save(png)
    shot = tmp_path / "shot.png"
    assert main(["snapshot", "--data", str(png), "--epochs", "10", "--size", "96x96",
                 "--layers", "real", "--out", str(shot)]) == 0
    img = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    dots = np.abs(img - img[-1, -1]).max(axis=-1) > 40
    ys, xs = np.nonzero(dots)
    assert len(ys) and xs.mean() < 48 and ys.mean() < 48  # upright: top-left, as drawn
    frames = tmp_path / "frames"
    assert main(["record", "--data", str(png), "--seconds", "0.1", "--fps", "20", "--size",
                 "64x64", "--epochs-per-frame", "2", "--out", f"{frames}/"]) == 0
    assert len(list(frames.glob("frame_*.png"))) == 2


@pytest.mark.parametrize("content,message", [
    ("", "no points"), ("x,y\n1,2\n", "point"), ("1,abc\n2,3\n", "abc")])
def test_bad_data_files_are_one_clear_line(tmp_path, capsys, content, message):
    bad = tmp_path / "bad.csv"
    bad.write_text(content)
    assert main(["train", "--data", str(bad), "--epochs", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("glgan: error:") and "bad.csv" in err[0]
    assert message in err[0].lower()


def test_data_refuses_a_dataset_or_a_session(csv_file, tmp_path, capsys):
    assert main(["train", "--data", str(csv_file), "--dataset", "ring"]) == 2
    assert "choose one" in capsys.readouterr().err
    assert main(["snapshot", "--data", str(csv_file), "--load", "x.glgan", "--out",
                 str(tmp_path / "a.png")]) == 2
    assert "--data" in capsys.readouterr().err


@pytest.mark.gl
def test_the_window_shows_imported_points_in_the_drawing(gl_ctx, csv_file):
    from glgan.app import App
    from glgan.config import preset

    pts = load_points(csv_file).points
    app = App(gl_ctx, (640, 400), preset("drawn"), pretrained=False, drawn=pts)
    try:
        assert app.config.dataset == "drawn"
        np.testing.assert_array_equal(app.engine.drawn, pts)
        assert len(app.ui.drawing.points) == len(pts)  # editable in the drawing window
    finally:
        app.close()


@pytest.mark.gl
def test_the_drawing_window_imports_a_file(gl_ctx, csv_file, tmp_path):
    """Synthetic input: type a path in the drawing window, press Import; the runs train on
    its points and the drawing shows them; a bad file is a message, not a crash."""
    from glgan.app import App
    from glgan.ui.testing import NullUi

    gui = NullUi(info={"dataset_samples": {}})
    app = App(gl_ctx, (640, 400), pretrained=False)
    try:
        gui.step()
        gui.click("dataset:drawn")
        gui.frames(2)
        gui.click("import_path")
        gui.type_text(str(csv_file))
        gui.frames(1)
        out = [c for c in gui.click("Import") if type(c).__name__ == "ImportData"]
        assert out and out[0].path == str(csv_file)
        app.apply(out)
        assert app.config.dataset == "drawn" and "600 points" in app.ui.status
        np.testing.assert_array_equal(app.engine.drawn, load_points(csv_file).points)
        assert len(app.ui.drawing.points) == 600
        bad = tmp_path / "bad.csv"
        bad.write_text("1,2,3\n")
        app.apply([type(out[0])(str(bad))])
        assert "bad.csv" in app.ui.error and len(app.engine.drawn) == 600
    finally:
        app.close()
        gui.close()


def test_an_empty_data_name_is_refused(capsys):
    assert main(["train", "--data", "", "--epochs", "1"]) == 2
    assert "--data: needs a file" in capsys.readouterr().err
