"""Session files (issue 14): one .glgan file (a zip of session.json and .npy members, no
pickle) holds every run's complete state, the drawn points and the window's view. Continuing a
loaded session in a new process gives bit for bit the weights of training straight through
(one run and a compare grid); the window reopens as it was; corrupt, truncated, foreign,
oversized, bomb and newer-version files are refused clearly; the history exports as CSV."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glgan.compute.api import make_engine
from glgan.compute.modelio import (
    SESSION_VERSION,
    ModelFileError,
    read_any,
    read_session,
    save_session,
)
from glgan.config import preset

REPO = Path(__file__).resolve().parents[1]
DRAWN = np.array([[0.2, 0.3], [0.7, 0.6], [0.5, 0.9], [0.4, 0.4]])


def _cli(*args, cwd):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-m", "glgan", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done


def _assert_same_runs(a, b):
    assert len(a.runs) == len(b.runs)
    for x, y in zip(a.runs, b.runs):
        assert x.config == y.config and x.epoch == y.epoch
        for k in ("g_theta", "d_theta", "g_m", "g_v", "d_m", "d_v"):
            np.testing.assert_array_equal(getattr(x, k), getattr(y, k), err_msg=k)
        assert (x.real_counter, x.noise_counter, x.g_t, x.d_t) == \
            (y.real_counter, y.noise_counter, y.g_t, y.d_t)


@pytest.mark.parametrize("compare", [[], ["--compare", "d_lr=0.03,0.1", "--compare",
                                          "d_optimizer=sgd,adam"]])
def test_continuing_a_session_in_a_new_process_is_training_straight_through(tmp_path,
                                                                             compare):
    _cli("train", "--dataset", "ring", "--epochs", "30", "--quiet", *compare, "--save", "a",
         cwd=tmp_path)
    _cli("train", "--epochs", "45", "--quiet", "--load", "a.glgan", "--save", "b",
         cwd=tmp_path)
    _cli("train", "--dataset", "ring", "--epochs", "75", "--quiet", *compare, "--save",
         "straight", cwd=tmp_path)
    _assert_same_runs(read_session(tmp_path / "b.glgan").state,
                      read_session(tmp_path / "straight.glgan").state)


def test_drawn_points_and_every_array_survive(tmp_path):
    eng = make_engine([preset("ring").replace(dataset="drawn"), preset("line")], drawn=DRAWN)
    eng.train(12)
    path = save_session(eng.snapshot(), tmp_path / "d", {"camera": [0, 0, 1, 1]})
    assert path.name == "d.glgan"
    s = read_any(tmp_path / "d")  # a bare name finds the session
    np.testing.assert_array_equal(s.state.drawn, DRAWN)
    _assert_same_runs(s.state, eng.snapshot())
    assert s.view == {"camera": [0, 0, 1, 1]}
    with zipfile.ZipFile(path) as z:  # an open format: JSON and .npy members
        names = z.namelist()
        assert names[0] == "session.json" and all(n.endswith(".npy") for n in names[1:])
        meta = json.loads(z.read("session.json"))
    assert meta["format"] == "glgan-session" and meta["version"] == SESSION_VERSION


def _bad(tmp_path, name, members=None, raw=None):
    path = tmp_path / name
    if raw is not None:
        path.write_bytes(raw)
        return path
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for k, v in members.items():
            z.writestr(k, v)
    return path


@pytest.fixture
def good(tmp_path):
    eng = make_engine([preset("ring")])
    eng.train(3)
    return save_session(eng.snapshot(), tmp_path / "good")


def test_corrupt_truncated_foreign_and_newer_files_are_refused_clearly(tmp_path, good):
    blob = good.read_bytes()
    with zipfile.ZipFile(good) as z:
        members = {n: z.read(n) for n in z.namelist()}
    meta = json.loads(members["session.json"])
    cases = {
        "not a zip": _bad(tmp_path, "a.glgan", raw=b"hello, not a session"),
        "truncated": _bad(tmp_path, "b.glgan", raw=blob[: len(blob) // 2]),
        "no session.json": _bad(tmp_path, "c.glgan", {"x.txt": "hi"}),
        "not valid JSON": _bad(tmp_path, "d.glgan", {"session.json": "{oops"}),
        "format": _bad(tmp_path, "e.glgan", {"session.json": json.dumps({"format": "x"})}),
        "newer glgan": _bad(tmp_path, "f.glgan", {**members, "session.json": json.dumps(
            dict(meta, version=SESSION_VERSION + 1))}),
        "run 0": _bad(tmp_path, "g.glgan", {k: v for k, v in members.items()
                                            if "g_theta" not in k}),
        "numbers only": _bad(tmp_path, "h.glgan", {**members, "arrays/run0_g_theta.npy":
                                                   _npy(np.array(["a", "b"]))}),
        "at most": _bad(tmp_path, "i.glgan", {**members, "arrays/run0_g_theta.npy":
                                                  _npy(np.zeros(1 << 24, np.float64))}),
    }
    for needle, path in cases.items():
        with pytest.raises(ModelFileError) as info:
            read_session(path)
        assert str(path) in str(info.value) and needle in str(info.value), (needle, info.value)
    # unknown members are ignored, never decompressed
    extra = _bad(tmp_path, "j.glgan", {**members, "huge.bin": b"\0" * (1 << 22)})
    assert read_session(extra).state.runs[0].epoch == 3


def _npy(a):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, a, allow_pickle=False)
    return buf.getvalue()


def test_the_cli_refuses_a_bad_session_with_one_line(tmp_path, capsys):
    from glgan.cli import main

    (tmp_path / "x.glgan").write_bytes(b"PK\x03\x04 broken")
    assert main(["train", "--epochs", "1", "--load", str(tmp_path / "x.glgan")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("glgan: error:") and "x.glgan" in err and "Traceback" not in err


@settings(max_examples=120, deadline=3000, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_session_files_are_read_or_refused_clearly(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("s")
    eng = make_engine([preset("gaussians"), preset("ring")])
    eng.train(2)
    blob = bytearray(save_session(eng.snapshot(), folder / "s").read_bytes())
    if data.draw(st.booleans()):
        blob = blob[: data.draw(st.integers(0, len(blob)))]
    else:
        for _ in range(data.draw(st.integers(1, 10))):
            blob[data.draw(st.integers(0, len(blob) - 1))] = data.draw(st.integers(0, 255))
    (folder / "m.glgan").write_bytes(bytes(blob))
    try:
        read_session(folder / "m.glgan")
    except ModelFileError:
        pass


def test_history_csv_holds_every_run(tmp_path):
    from glgan.cli import main

    out = tmp_path / "h.csv"
    assert main(["train", "--epochs", "40", "--quiet", "--compare", "seed=0,1",
                 "--history-csv", str(out)]) == 0
    rows = out.read_text().splitlines()
    assert rows[0] == "run,epoch,d_loss,g_loss,kl,js"
    runs = [r.split(",") for r in rows[1:]]
    assert {r[0] for r in runs} == {"0", "1"}
    assert max(int(r[1]) for r in runs if r[0] == "1") == 40
    assert all(float(r[2]) > 0 for r in runs)


def test_the_window_reopens_as_it_was_saved(gl_ctx, tmp_path):
    """Compare grid, focus, camera and layers survive a save and a load into a new App, and
    the screen it draws is the same."""
    from glgan.app import App
    from glgan.layers import Layers
    from glgan.render import View
    from glgan.ui import commands as cmd

    size = (960, 540)
    fbo = gl_ctx.simple_framebuffer(size, components=4)
    a = App(gl_ctx, size, preset("ring"), pretrained=False, compare=["seed=0,1,2"])
    a.ui.overlay_visible = False
    a.apply([cmd.SetLayers(Layers(manifold=True, contour=True)), cmd.FocusRun(2),
             cmd.Step()])
    a.view = View((-0.5, -0.2, 1.3, 1.1))
    a.render(fbo, 0.0)
    before = np.frombuffer(fbo.read(components=3), np.uint8).copy()
    path = a.save_session(tmp_path / "lecture")
    a.close()
    b = App(gl_ctx, size, pretrained=False, load=path)
    try:
        assert [r.label for r in b.runs] == ["seed=0", "seed=1", "seed=2"]
        assert b.focus == 2 and b.view.bounds == (-0.5, -0.2, 1.3, 1.1)
        assert b.ui.layers.manifold and b.ui.layers.contour and not b.ui.overlay_visible
        b.render(fbo, 0.0)
        after = np.frombuffer(fbo.read(components=3), np.uint8)
        assert np.abs(after.astype(int) - before.astype(int)).max() <= 1
    finally:
        b.close()
        fbo.release()


def test_ctrl_s_saves_and_ctrl_o_opens_through_the_window_keys(gl_ctx, tmp_path):
    """Synthetic keys through the overlay: Ctrl+S writes a session in the output folder,
    Ctrl+O opens the Open window listing it, picking it and pressing Open loads it back (the
    runs and epoch of the save); Ctrl+E exports the history."""
    from glgan.app import App
    from glgan.ui import commands as cmd
    from glgan.ui.testing import NullUi

    size = (1280, 720)
    fbo = gl_ctx.simple_framebuffer(size, components=4)
    app = App(gl_ctx, size, preset("ring"), pretrained=False, out_dir=tmp_path,
              compare=["seed=0,1"])
    gui = NullUi(size=size)
    try:
        app.apply([cmd.Step(), cmd.Step()])
        app.apply(gui.key("S", ctrl=True))
        saved = sorted(tmp_path.glob("*.glgan"))
        assert len(saved) == 1 and app.session_file == saved[0]
        app.apply([cmd.Step()])  # move on past the save
        app.apply(gui.key("E", ctrl=True))
        assert len(list(tmp_path.glob("*.csv"))) == 1
        gui.key("O", ctrl=True)
        assert gui.ui.open_dialog
        gui.info["sessions"] = app._session_files()
        gui.step()
        gui.click("session0")
        out = gui.click("open_session")
        assert [c for c in out if isinstance(c, cmd.OpenSession)] == [
            cmd.OpenSession(str(saved[0]))], out
        app.apply(out)
        assert [app.engine.status(i).epoch for i in range(2)] == [2, 2]
        assert [r.label for r in app.runs] == ["seed=0", "seed=1"]
        app.render(fbo, 1 / 60)
    finally:
        gui.close()
        app.close()
        fbo.release()


def test_snapshot_record_and_run_continue_from_a_session(tmp_path):
    """snapshot --load renders the saved state (the same picture as training there in one
    go); record --load goes on from its epoch; run --load/--save reopen and save it."""
    from PIL import Image

    _cli("train", "--dataset", "ring", "--epochs", "40", "--quiet", "--save", "s",
         cwd=tmp_path)
    _cli("snapshot", "--load", "s.glgan", "--size", "160x160", "--out", "a.png",
         "--backend", "numpy", cwd=tmp_path)
    _cli("snapshot", "--dataset", "ring", "--epochs", "40", "--size", "160x160", "--out",
         "b.png", "--backend", "numpy", cwd=tmp_path)
    a, b = (np.asarray(Image.open(tmp_path / n)).astype(int) for n in ("a.png", "b.png"))
    np.testing.assert_array_equal(a, b)
    done = _cli("record", "--load", "s.glgan", "--seconds", "0.3", "--fps", "10", "--size",
                "64x64", "--epochs-per-frame", "5", "--out", "r.mp4", "--backend", "numpy",
                cwd=tmp_path)
    assert "epochs 40..50" in done.stdout
    _cli("run", "--window", "headless", "--frames", "3", "--load", "s.glgan", "--save", "t",
         "--report", "rep.json", "--backend", "numpy", cwd=tmp_path)
    report = json.loads((tmp_path / "rep.json").read_text())
    assert report["epoch"] == 40 and report["config"]["dataset"] == "ring"
    _assert_same_runs(read_session(tmp_path / "t.glgan").state,
                      read_session(tmp_path / "s.glgan").state)


def test_the_timeline_travels_in_the_session(tmp_path):
    """A session saved by the window keeps its timeline: `snapshot --load --epoch E` renders
    epoch E exactly as training straight to E does, and a reopened window can rewind."""
    from PIL import Image

    _cli("run", "--window", "headless", "--frames", "16", "--play", "--set", "seed=3",
         "--dataset", "ring", "--save", "tl", "--backend", "numpy", "--no-auto-fit",
         cwd=tmp_path)
    with zipfile.ZipFile(tmp_path / "tl.glgan") as z:
        kept = json.loads(z.read("session.json"))["timeline"]
    assert len(kept) >= 10
    _cli("snapshot", "--load", "tl.glgan", "--epoch", "7", "--size", "120x120", "--out",
         "a.png", "--backend", "numpy", cwd=tmp_path)
    _cli("snapshot", "--dataset", "ring", "--set", "seed=3", "--epochs", "7", "--size",
         "120x120", "--out", "b.png", "--backend", "numpy", cwd=tmp_path)
    a, b = (np.asarray(Image.open(tmp_path / n)).astype(int) for n in ("a.png", "b.png"))
    np.testing.assert_array_equal(a, b)
    s = read_session(tmp_path / "tl.glgan")
    assert [t.runs[0].epoch for t in s.timeline][:3] == [0, 1, 2]


def test_the_saver_fits_what_the_reader_accepts(tmp_path, monkeypatch):
    """Found by review: a long session's timeline (more states than a reader takes) is thinned
    evenly when saved, so every session the window writes loads again. (The limit is lowered
    here so the test is quick; the same code runs at 4096.)"""
    from glgan.compute import modelio

    monkeypatch.setattr(modelio, "MAX_TIMELINE_STATES", 40)
    MAX_TIMELINE_STATES = 40
    eng = make_engine([preset("line")])
    past = []
    for _ in range(MAX_TIMELINE_STATES + 60):
        past.append(eng.snapshot())
        eng.train(1)
    path = save_session(eng.snapshot(), tmp_path / "long", {}, past)
    s = read_session(path)
    assert len(s.timeline) <= MAX_TIMELINE_STATES
    assert s.timeline[0].runs[0].epoch == 0
    assert s.timeline[-1].runs[0].epoch == len(past) - 1


def test_a_timeline_from_other_runs_is_refused(tmp_path):
    """Found by review: timeline states must belong to the session's runs."""
    eng = make_engine([preset("ring")])
    other = make_engine([preset("ring").replace(g_neurons=50)])
    path = save_session(eng.snapshot(), tmp_path / "x", {}, [other.snapshot()])
    with pytest.raises(ModelFileError, match=r"timeline\[0\]: does not belong"):
        read_session(path)


def test_a_session_of_several_runs_renders_and_records_as_a_grid(tmp_path, capsys):
    """Found by review: snapshot/record --load of a grid show every run; options that would
    change the session are refused rather than ignored."""
    from PIL import Image

    from glgan.cli import main

    _cli("train", "--epochs", "10", "--quiet", "--compare", "seed=0,1,2,3", "--save", "g",
         cwd=tmp_path)
    _cli("snapshot", "--load", "g.glgan", "--size", "240x240", "--out", "g.png",
         "--backend", "numpy", cwd=tmp_path)
    img = np.asarray(Image.open(tmp_path / "g.png")).astype(int)
    quads = [img[30:120, 0:120], img[30:120, 120:240], img[150:240, 0:120],
             img[150:240, 120:240]]
    assert all(q.std() > 5 for q in quads)
    assert np.abs(quads[0] - quads[1]).mean() > 1
    done = _cli("record", "--load", "g.glgan", "--seconds", "0.2", "--fps", "10", "--size",
                "96x96", "--out", "g.mp4", "--backend", "numpy", cwd=tmp_path)
    assert "epochs 10..20" in done.stdout  # (10 epochs a frame by default)
    for command in (["snapshot", "--out", str(tmp_path / "x.png")],
                    ["record", "--out", str(tmp_path / "x.mp4")]):
        assert main([*command, "--load", str(tmp_path / "g.glgan"), "--set", "d_lr=5"]) == 2
        assert "cannot be combined with --load" in capsys.readouterr().err


def test_a_recording_onto_a_full_disk_is_refused_before_it_starts(tmp_path, monkeypatch):
    """Found by review: PyAV crashed closing a video it could not start on a full disk."""
    import shutil as sh

    from glgan.capture import CaptureError
    from glgan.capture.sinks import VideoWriter

    monkeypatch.setattr(sh, "disk_usage", lambda p: sh._ntuple_diskusage(10, 10, 0))
    with pytest.raises(CaptureError, match="no space left"):
        VideoWriter(tmp_path / "x.mp4", (64, 48), 30)
    assert not list(tmp_path.iterdir())
