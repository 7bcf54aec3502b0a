"""Compare mode in the window (issue 13): runs side by side in a grid of layered views, driven
headless through the real App (commands, clicks) and through the overlay with synthetic ImGui
input; a diverging run pauses alone; `glgan run --compare` / `snapshot --compare`."""

from __future__ import annotations

import numpy as np
import pytest
from engine_fixtures import poison

from glgan.config import ConfigError, preset
from glgan.ui import commands as cmd

pytestmark = pytest.mark.gl
SIZE = (1280, 720)


@pytest.fixture
def app(gl_ctx, tmp_path):
    from glgan.app import App

    a = App(gl_ctx, SIZE, preset("gaussians"), out_dir=tmp_path)
    a.fbo = gl_ctx.simple_framebuffer(SIZE, components=4)
    yield a
    a.close()
    a.fbo.release()


def frames(app, n=1, mouse=None):
    for _ in range(n):
        app.render(app.fbo, 1 / 60, mouse)


def pixels(app):
    raw = app.fbo.read(components=3, alignment=1)
    return np.frombuffer(raw, np.uint8).reshape(SIZE[1], SIZE[0], 3)[::-1].astype(int)


def cell_pixels(app, img, i):
    x, y, w, h = (int(round(v)) for v in dict(app.cell_rects())[i])
    return img[y + h // 3:y + h - 4, x + 4:x + w - 4]  # below the caption


def configs(app):
    return [app.engine.status(i).config for i in range(app.engine.run_count)]


def test_compare_makes_one_run_per_value_differing_exactly_there(app):
    base = app.config
    app.apply([cmd.Compare(("d_lr=0.01,0.1", "seed=0,1"))])
    cs = configs(app)
    assert len(cs) == 4 == len(app.runs) == len(app.cell_rects())
    assert [(c.d_lr, c.seed) for c in cs] == [(0.01, 0), (0.01, 1), (0.1, 0), (0.1, 1)]
    for c in cs:
        assert c.replace(d_lr=base.d_lr, seed=base.seed) == base
    assert [r.label for r in app.runs] == ["d_lr=0.01, seed=0", "d_lr=0.01, seed=1",
                                           "d_lr=0.1, seed=0", "d_lr=0.1, seed=1"]
    rects = [r for _, r in app.cell_rects()]
    for a_, b_ in zip(rects, rects[1:]):  # separate cells, none overlapping
        ax, ay, aw, ah = a_
        bx, by, _, _ = b_
        assert bx >= ax + aw - 1e-6 or by >= ay + ah - 1e-6


def test_the_grid_shows_a_distinct_panel_per_run(app):
    app.apply([cmd.Compare(("seed=0,1,2,3",)), cmd.SetEpochsPerFrame(20), cmd.Play()])
    app.ui.playing = True
    app.ui.overlay_visible = False
    frames(app, 10)
    epochs = [app.engine.status(i).epoch for i in range(4)]
    assert min(epochs) > 0 and len(set(epochs)) == 1  # all train together
    img = pixels(app)
    panels = [cell_pixels(app, img, i) for i in range(4)]
    for i in range(4):
        assert panels[i].std() > 5  # a drawn view, not an empty cell
        for j in range(i):
            assert np.abs(panels[i] - panels[j]).mean() > 1.0, (i, j)  # different seeds
    # every run's caption: what differs, epoch and KL/JS
    info = app._cell_info(app.cell_rects())
    assert [c["label"] for c in info] == [f"seed={s}" for s in range(4)]
    assert all(c["epoch"] == epochs[0] and np.isfinite(c["kl"]) for c in info)


def test_editing_the_focused_run_changes_only_that_run_unless_all(app):
    app.apply([cmd.Compare(("d_lr=0.01,0.1",))])
    frames(app)
    app.apply([cmd.FocusRun(1)])
    assert app.focus == 1 and app.config.d_lr == 0.1
    app.apply([cmd.SetConfig(app.config.replace(loss="leastsq"))])
    assert [c.loss for c in configs(app)] == ["log", "leastsq"]
    assert [c.d_lr for c in configs(app)] == [0.01, 0.1]  # the varied value is kept
    app.ui.compare_all = True
    app.apply([cmd.SetConfig(app.config.replace(g_lr=0.01))])
    assert [(c.g_lr, c.d_lr, c.loss) for c in configs(app)] == [
        (0.01, 0.01, "log"), (0.01, 0.1, "leastsq")]  # only the edited field reaches all


def test_a_diverging_run_is_marked_and_paused_alone(app):
    app.apply([cmd.Compare(("seed=0,1,2",)), cmd.SetEpochsPerFrame(5)])
    app.ui.playing = True
    frames(app, 2)
    before = [app.engine.status(i).epoch for i in range(3)]
    poison(app.engine, run=1)
    frames(app, 6)
    st = [app.engine.status(i) for i in range(3)]
    assert st[1].diverged is not None and st[0].diverged is None
    assert st[0].epoch > before[0] and st[2].epoch > before[2]  # the others go on training
    assert st[1].epoch <= before[1] + 5
    assert app.ui.playing  # not all diverged: the class keeps watching the others
    for i in (0, 2):
        s = app.engine.snapshot().runs[i]
        assert np.isfinite(s.g_theta).all() and np.isfinite(s.d_theta).all()
    info = app._cell_info(app.cell_rects())
    assert [c["diverged"] for c in info] == [False, True, False]


def test_click_focuses_double_click_maximizes_and_back(app):
    app.apply([cmd.Compare(("seed=0,1,2,3",))])
    app.ui.overlay_visible = False
    frames(app)
    x, y, w, h = dict(app.cell_rects())[2]
    inside = (x + w / 2, y + h * 0.8)
    app.click(inside, now=10.0)
    assert app.focus == 2 and not app.maximized
    app.click(inside, now=10.2)  # double click: full size
    assert app.maximized and [i for i, _ in app.cell_rects()] == [2]
    frames(app)
    full = app.cell_rects()[0][1]
    assert full[2] > w * 1.5
    app.click(inside, now=12.0)
    app.click(inside, now=12.1)  # double click again: back to the grid
    assert not app.maximized and len(app.cell_rects()) == 4
    app.apply([cmd.FocusRun(3, maximize=True)])
    assert app.maximized and app.focus == 3
    app.apply([cmd.FocusRun(3, maximize=False)])  # what Esc does in the window
    assert not app.maximized
    assert app.mouse_data(inside) is None  # the pointer is over run 2, not the focused 3


def test_clone_and_end_compare(app):
    frames(app)
    app.apply([cmd.CloneRun()])
    a, b = app.engine.snapshot().runs
    np.testing.assert_array_equal(a.g_theta, b.g_theta)
    assert a.real_counter == b.real_counter and app.focus == 1 and len(app.runs) == 2
    app.apply([cmd.SetConfig(app.config.replace(g_lr=0.1))])  # the clone's future parts
    app.ui.playing = True
    frames(app, 3)
    a, b = app.engine.snapshot().runs
    assert a.epoch == b.epoch > 0 and not np.array_equal(a.g_theta, b.g_theta)
    app.apply([cmd.EndCompare()])
    assert app.engine.run_count == 1 == len(app.runs) and app.config.g_lr == 0.1


def test_bad_compare_requests_are_messages(app):
    app.apply([cmd.Compare(("bogus=1,2",))])
    assert "bogus" in app.ui.error and app.engine.run_count == 1
    app.apply([cmd.Compare(("seed=" + ",".join(map(str, range(17))),))])
    assert "at most 16" in app.ui.error and app.engine.run_count == 1
    app.apply([cmd.Compare(("d_lr=0,1",))])
    assert "d_lr" in app.ui.error and app.engine.run_count == 1
    frames(app)  # still drawing


def _null_ui():
    from glgan.ui.testing import NullUi

    return NullUi(size=SIZE)


def test_compare_panel_with_synthetic_input(app):
    """Open the Compare section, type 0.01, 0.1 for d_lr, press Compare: the App then holds
    two runs whose configs differ exactly in d_lr."""
    gui = _null_ui()
    try:
        gui.step()
        gui.click("compare_header")
        gui.ui.compare_values[0] = ""  # clear the example values, then type as a user
        gui.step()
        gui.click("compare_values0")
        gui.type_text("0.01, 0.1")
        out = gui.click("Compare")
        compares = [c for c in out if isinstance(c, cmd.Compare)]
        assert compares == [cmd.Compare(("d_lr=0.01,0.1",))]
        gui.click("compare_key1")  # the second row's setting: pick "seed" from the combo
        gui.click("compare_key1=seed")
        gui.click("compare_values1")
        gui.type_text("3, 4")
        out = gui.click("Compare")
        assert [c for c in out if isinstance(c, cmd.Compare)] == [
            cmd.Compare(("d_lr=0.01,0.1", "seed=3,4"))]
    finally:
        gui.close()
    app.apply(compares)
    assert [c.d_lr for c in configs(app)] == [0.01, 0.1]
    assert configs(app)[0].replace(d_lr=0.1) == configs(app)[1]


def test_the_window_limit_is_checked_before_anything_changes(app):
    with pytest.raises(ConfigError, match="at most 16"):
        app.compare(["seed=" + ",".join(map(str, range(20)))])
    assert app.engine.run_count == 1


def test_snapshot_compare_renders_a_distinct_panel_per_seed_reproducibly(tmp_path):
    from PIL import Image

    from glgan.cli import main

    paths = [tmp_path / "a.png", tmp_path / "b.png"]
    for p in paths:
        assert main(["snapshot", "--compare", "seed=0,1,2,3", "--epochs", "60", "--size",
                     "400x400", "--out", str(p), "--layers", "heatmap,real,fake,manifold",
                     "--backend", "numpy"]) == 0
    a, b = (np.asarray(Image.open(p).convert("RGB")).astype(int) for p in paths)
    np.testing.assert_array_equal(a, b)  # same seed and options: the same picture
    quads = [a[40:200, 0:200], a[40:200, 200:400], a[240:400, 0:200], a[240:400, 200:400]]
    for i in range(4):
        assert quads[i].std() > 5
        for j in range(i):
            assert np.abs(quads[i] - quads[j]).mean() > 1.0, (i, j)


def test_snapshot_and_run_compare_refuse_bad_requests(tmp_path, capsys):
    from glgan.cli import main

    out = str(tmp_path / "x.png")
    assert main(["snapshot", "--compare", "seed=" + ",".join(map(str, range(17))),
                 "--out", out]) == 2
    assert "at most 16" in capsys.readouterr().err
    assert main(["snapshot", "--compare", "d_lr=0,1", "--out", out]) == 2
    assert "d_lr" in capsys.readouterr().err
    assert main(["run", "--window", "headless", "--frames", "1", "--compare", "loss=bogus"]) == 2
    assert "loss" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()


def test_record_compare_decodes_to_the_planned_frames_of_the_grid(tmp_path):
    """The grid recorded: the expected frame count and size, each run trained the planned
    epochs, a divergence-free run; the same options give the same frames."""
    av = pytest.importorskip("av")
    from glgan.record import record

    outs = []
    for name in ("a.mp4", "b.mp4"):
        s = record(preset("gaussians"), seconds=0.5, fps=20, size=(320, 240),
                   epochs_per_frame=5, out=tmp_path / name, compare=["seed=0,1", "d_lr=0.1"])
        assert (s.frames_written, s.size, s.first_epoch, s.last_epoch) == (10, (320, 240), 0, 45)
        with av.open(str(tmp_path / name)) as c:
            frames = [f.to_ndarray(format="rgb24").astype(int) for f in c.decode(video=0)]
        assert len(frames) == 10 and frames[0].shape == (240, 320, 3)
        outs.append(frames)
    for fa, fb in zip(*outs):
        assert np.abs(fa - fb).max() <= 2  # (H.264 of the same pixels)
    last = outs[0][-1]
    left, right = last[30:220, 10:150], last[30:220, 170:310]  # the two cells, below captions
    assert np.abs(left - right).mean() > 1.0 and left.std() > 5


def test_record_compare_refuses_too_many_runs_before_writing(tmp_path):
    from glgan.record import record

    with pytest.raises(ConfigError, match="at most 16"):
        record(preset("gaussians"), out=tmp_path / "x.mp4",
               compare=["seed=" + ",".join(map(str, range(17)))])
    assert not list(tmp_path.iterdir())


def test_reset_draws_a_new_seed_and_shift_r_replays(app):
    """R starts over with a new seed (GAN Lab re-initialises randomly: "sometimes it
    collapses" can be shown); Shift+R replays the same seed exactly; in a seed comparison the
    runs stay as many seeds apart as before."""
    from glgan.compute.api import make_engine
    from glgan.ui.testing import NullUi

    gui = NullUi(size=SIZE)
    try:
        app.apply([cmd.Step()])
        seed0 = app.config.seed
        app.apply(gui.key("R"))
        seed1 = app.config.seed
        assert seed1 != seed0 and app.engine.status().epoch == 0
        first = app.engine.snapshot().runs[0].g_theta
        app.apply([cmd.Step()])
        import glgan.ui.testing as testing

        mods = testing._Mods(shift=True)
        app.apply(gui.input.key_event("R", testing.FakeKeys.ACTION_PRESS, mods))
        assert app.config.seed == seed1 and app.engine.status().epoch == 0
        np.testing.assert_array_equal(app.engine.snapshot().runs[0].g_theta, first)
        ref = make_engine([app.config])
        np.testing.assert_array_equal(ref.snapshot().runs[0].g_theta, first)
        app.apply([cmd.Compare(("seed=5,6,8",)), cmd.Reset()])
        seeds = [app.engine.status(i).config.seed for i in range(3)]
        assert seeds[1] - seeds[0] == 1 and seeds[2] - seeds[0] == 3 and seeds[0] != 5
    finally:
        gui.close()


def test_no_hover_tooltip_in_screenshots_or_recordings():
    """The hover readout is for the person at the screen, never in a captured frame."""
    from imgui_bundle import imgui

    from glgan.ui.testing import NullUi

    def tooltip_open() -> bool:
        return any(w.name.startswith("##Tooltip") and w.active
                   for w in imgui.get_current_context().windows)

    gui = NullUi(size=SIZE)
    try:
        gui.info = {"mouse_data": (0.5, 0.5), "pick_radius": 0.01}
        gui.frames(2)
        assert tooltip_open()
        gui.info["capturing"] = True
        gui.frames(2)
        assert not tooltip_open()
    finally:
        gui.close()


def test_ending_a_large_compare_forgets_the_old_runs_state(app):
    """Review: the runs still queued for the warnings' judgement (4 a frame) and the trails
    were keyed by old run numbers: ending an 8-run grid crashed the next frame (run=4 is out
    of range), and a new grid's run 1 drew the old run 1's trails."""
    from glgan.layers import Layers

    app.compare(["seed=0,1,2,3,4,5,6,7"])
    app.ui.use_layers(Layers(trails=True))
    app.ui.playing = True
    frames(app, 12)
    assert app.layered.trail_steps(1) > 0  # the old run 1 has a path
    app.apply([cmd.EndCompare()])
    frames(app)  # (raised ValueError: run=4 is out of range)
    assert not app.ui.error and app.warnings.keys() <= {0}
    app.apply([cmd.Compare(("seed=5,6",))])
    app.ui.playing = False
    frames(app)
    assert app.layered.trail_steps(1) == 0  # a new run starts without a path
