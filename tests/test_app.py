"""The app glue, headless: commands reach the engine with GAN Lab's semantics (and its bugs
fixed), training runs from the Play button, frames draw the view and the overlay; and a real
window under Xvfb takes a screenshot (``glgan run --frames N --screenshot``)."""

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from glgan.compute.config import GanConfig, preset
from glgan.ui import commands as cmd

SIZE = (1280, 720)


@pytest.fixture
def app(gl_ctx, tmp_path):
    from glgan.app import App

    a = App(gl_ctx, SIZE, GanConfig(), pretrained=True, out_dir=tmp_path)
    fbo = gl_ctx.simple_framebuffer(SIZE, components=4)
    a.fbo = fbo
    yield a
    a.close()
    fbo.release()


def frames(app, n=1, mouse=None):
    for _ in range(n):
        app.render(app.fbo, 1 / 60, mouse)


def pixels(app):
    raw = app.fbo.read(components=3, alignment=1)
    return np.frombuffer(raw, np.uint8).reshape(SIZE[1], SIZE[0], 3)[::-1]


def test_startup_matches_ganlab_pretrained_gaussians_without_an_extra_epoch(app):
    assert app.engine.config.dataset == "gaussians"
    assert app.engine.epoch == 1931  # GAN Lab's stored count; no "visualisation" epoch trained
    assert app.ui.use_pretrained
    frames(app, 2)
    assert app.engine.epoch == 1931  # paused: nothing trains


def test_play_trains_and_pause_does_not_train_an_extra_epoch(app):
    app.apply([cmd.Play()])
    frames(app, 3)
    assert app.engine.epoch > 1931
    app.apply([cmd.Pause()])
    epoch = app.engine.epoch
    frames(app, 3)
    assert app.engine.epoch == epoch


def test_epochs_per_frame_trains_more_per_frame(app):
    app.apply([cmd.SetEpochsPerFrame(20), cmd.Play()])
    before = app.engine.epoch
    frames(app, 2)
    assert app.engine.epoch - before >= 2  # bounded by the time budget, at least 1 per frame


def test_step_d_only_changes_only_d(app):
    g, d = app.engine.G.theta.copy(), app.engine.D.theta.copy()
    app.apply([cmd.Step("d")])
    np.testing.assert_array_equal(app.engine.G.theta, g)
    assert not np.array_equal(app.engine.D.theta, d)
    assert app.engine.epoch == 1932


def test_learning_rate_applies_live_and_layers_reset(app):
    theta = app.engine.G.theta.copy()
    app.apply([cmd.SetConfig(app.engine.config.replace(d_lr=0.3))])
    assert app.engine.config.d_lr == 0.3 and app.engine.opt_d.lr == 0.3
    np.testing.assert_array_equal(app.engine.G.theta, theta)
    assert app.engine.epoch == 1931
    app.apply([cmd.SetConfig(app.engine.config.replace(d_hidden_layers=4))])
    assert app.engine.epoch == 0 and app.engine.D.sizes == [2, 8, 8, 8, 8, 1]


def test_selecting_ring_loads_its_preset_and_reset_keeps_edits(app):
    app.apply([cmd.SelectDataset("ring")])
    assert app.engine.config == preset("ring")
    assert app.engine.epoch == 0
    app.apply([cmd.SetConfig(app.engine.config.replace(k_d=5))])
    app.apply([cmd.Reset()])
    assert app.engine.config.k_d == 5  # GAN Lab would have reloaded the preset
    app.apply([cmd.RestorePreset()])
    assert app.engine.config.k_d == 3


def test_applied_drawing_becomes_the_dataset(app):
    pts = np.array([[0.2, 0.8], [0.25, 0.8], [0.3, 0.8]], np.float32)
    app.apply([cmd.ApplyDrawing(pts)])
    assert app.engine.config.dataset == "drawn"
    real = app.engine.real_shown
    assert np.abs(real[:, 1] - 0.8).mean() < 0.05
    assert (np.abs(real[:, 0] - 0.25) < 0.15).mean() > 0.95
    app.apply([cmd.SelectDataset("line"), cmd.SelectDataset("drawn")])
    assert app.engine.config.dataset == "drawn"  # the drawing was kept


def test_bad_config_is_a_message_not_a_crash(app):
    app.apply([cmd.SetConfig(app.engine.config.replace(dataset="drawn"))])  # no drawing yet
    assert app.ui.config_error or app.ui.error
    frames(app)


def test_divergence_pauses_with_a_message(app):
    app.engine.D.theta *= 1e30  # push D over the edge of float32
    app.apply([cmd.Play()])
    frames(app, 2)
    assert not app.ui.playing and "diverged" in app.ui.error
    app.apply([cmd.Reset()])
    assert app.engine.diverged is None and not app.ui.error


def test_keyboard_shortcuts_act(app):
    # a shortcut becomes a command in one frame's overlay and is applied at the next frame
    app.ui.push(*app.overlay.input.shortcut("SPACE"))
    frames(app, 2)
    assert app.ui.playing and app.engine.epoch > 1931
    app.ui.push(*app.overlay.input.shortcut("SPACE"))
    frames(app, 2)
    assert not app.ui.playing
    epoch = app.engine.epoch
    app.ui.push(*app.overlay.input.shortcut("S"))
    frames(app, 2)
    assert app.engine.epoch == epoch + 1
    app.ui.push(*app.overlay.input.shortcut("NUMBER_3"))
    frames(app, 2)
    assert app.engine.config.dataset == "ring"


def test_record_shortcut_toggles_recording(app):
    app.ui.push(*app.overlay.input.shortcut("F9"))
    frames(app, 3)
    assert app.recording is not None
    app.ui.push(*app.overlay.input.shortcut("F9"))
    frames(app, 2)
    assert app.recording is None and "recorded" in app.ui.status


def test_slow_motion_trains_in_phases_only(app):
    app.apply([cmd.SetSlowMotion(True, 50.0), cmd.Play()])
    app.ui.slow_motion, app.ui.slow_speed = True, 50.0
    epoch = app.engine.epoch
    frames(app, 2)
    assert app.engine.epoch == epoch  # continuous training is off in slow motion
    for _ in range(200):
        frames(app)
        if app.engine.epoch > epoch:
            break
    assert app.engine.epoch == epoch + 1  # the D and G phases made exactly one epoch


def test_frame_draws_view_and_overlay(app):
    frames(app, 2)
    img = pixels(app)
    x, y, w, h = app.view_rect_px()
    view = img[y:y + h, x:x + w].reshape(-1, 3).astype(int)
    green = (np.abs(view - [0, 136, 55]).sum(1) < 90).mean()
    purple = (np.abs(view - [123, 50, 148]).sum(1) < 90).mean()
    assert green > 0.001 and purple > 0.001
    overlay = img[:60, :].reshape(-1, 3)
    assert len(np.unique(overlay, axis=0)) > 20  # text and widgets, not a flat colour


def test_screenshot_command_writes_png(app, tmp_path):
    app.apply([cmd.Screenshot()])
    frames(app)
    shots = list(tmp_path.glob("glgan-*.png"))
    assert len(shots) == 1 and Image.open(shots[0]).size == SIZE


def test_recording_toggle_writes_a_playable_video(app, tmp_path):
    import av

    app.apply([cmd.ToggleRecord()])
    assert app.recording is not None
    frames(app, 12)
    app.apply([cmd.ToggleRecord()])
    assert app.recording is None
    videos = list(tmp_path.glob("glgan-*.mp4"))
    assert len(videos) == 1
    with av.open(str(videos[0])) as f:
        n = sum(1 for _ in f.decode(video=0))
    assert n == 12


def test_fit_view_commands(app):
    frames(app)
    app.apply([cmd.FitView("tanh")])
    assert app.view.bounds == (-1.0, -1.0, 1.0, 1.0)
    app.apply([cmd.FitView("samples")])
    x0, y0, x1, y1 = app.view.bounds
    f = app.frame_data
    pts = np.concatenate([f.real, f.fake])
    assert x0 <= pts[:, 0].min() and x1 >= pts[:, 0].max() and y1 >= pts[:, 1].max()
    app.apply([cmd.FitView("unit")])
    assert app.view.bounds == (0.0, 0.0, 1.0, 1.0)


def test_zoom_and_pan_change_the_view(app):
    frames(app)
    before = app.view.bounds
    x, y, w, h = app.overlay.layout().view_square()
    app.zoom(2.0, (x + w / 2, y + h / 2))
    assert (app.view.bounds[2] - app.view.bounds[0]) == pytest.approx(
        (before[2] - before[0]) / 2)
    app.pan_px(100, 0)
    assert app.view.bounds[0] < before[0] + 0.25


@pytest.mark.skipif(shutil.which("xvfb-run") is None,
                    reason="needs xvfb-run (make test installs it)")
def test_real_window_under_xvfb_takes_a_screenshot(tmp_path):
    out = tmp_path / "window.png"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    proc = subprocess.run(
        ["xvfb-run", "-a", "-s", "-screen 0 1280x720x24", sys.executable, "-m", "glgan",
         "run", "--size", "1280x720", "--frames", "8", "--play", "--screenshot", str(out)],
        capture_output=True, text=True, timeout=240, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    img = np.asarray(Image.open(out).convert("RGB")).astype(int)
    assert img.shape == (720, 1280, 3)
    flat = img.reshape(-1, 3)
    assert (np.abs(flat - [0, 136, 55]).sum(1) < 90).mean() > 0.0005  # real samples
    assert (np.abs(flat - [123, 50, 148]).sum(1) < 90).mean() > 0.0005  # fake samples
    assert len(np.unique(flat[: 1280 * 60], axis=0)) > 20  # the overlay's top bar


def test_no_display_is_a_clear_message_and_nonzero_exit():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    proc = subprocess.run([sys.executable, "-m", "glgan"], capture_output=True, text=True,
                          timeout=60, env=env)
    assert proc.returncode != 0
    assert "no display" in proc.stdout + proc.stderr and "glgan snapshot" in proc.stdout


def test_blocky_heatmap_uses_ganlab_30_cell_grid(app):
    from glgan.layers import Layers

    app.apply([cmd.SetLayers(Layers(blocky=True))])
    frames(app)
    assert app.frame_data.field.shape == (30, 30)
    app.apply([cmd.SetLayers(Layers())])
    frames(app)
    assert app.frame_data.field.shape[0] in (24, 32, 48, 64, 96, 128, 192, 256)


def test_a_given_config_is_used_as_is(gl_ctx):
    from glgan.app import App

    a = App(gl_ctx, SIZE, GanConfig(noise_dim=1, g_neurons=5))
    try:
        assert a.engine.config.noise_dim == 1 and a.engine.epoch == 0
        fbo = gl_ctx.simple_framebuffer(SIZE, components=4)
        a.apply([cmd.Play()])
        for _ in range(3):
            a.render(fbo, 1 / 60)
        assert a.frame_data.manifold.shape == (21, 2)  # 1-D noise: a polyline
        fbo.release()
    finally:
        a.close()


def test_view_updates_after_the_d_phase_and_after_a_loss_change(app):
    frames(app)
    field = app.frame_data.field.copy()
    app.apply([cmd.TrainPhase("d")])  # slow motion's D phase: the epoch does not advance
    frames(app)
    assert not np.array_equal(app.frame_data.field, field)
    grad_g = app.frame_data.grad_g.copy()
    app.apply([cmd.SetConfig(app.engine.config.replace(loss="leastsq"))])
    frames(app)
    assert not np.allclose(app.frame_data.grad_g, grad_g)


def test_slow_motion_starts_over_on_a_new_run(app):
    app.ui.slow_motion, app.ui.slow_step, app.ui.slow_elapsed = True, 4, 1.0
    app.apply([cmd.SelectDataset("ring")])
    frames(app)
    assert app.ui.slow_step == 0


def test_pretrained_keeps_settings_outside_the_preset(app):
    app.apply([cmd.SetConfig(app.engine.config.replace(seed=7, batch_size=64))])
    app.apply([cmd.UsePretrained(True)])
    assert app.engine.config.seed == 7 and app.engine.config.batch_size == 64
    assert app.engine.epoch == 1931


def test_screenshots_and_recordings_in_the_same_second_get_their_own_files(app, tmp_path):
    app.apply([cmd.Screenshot()])
    frames(app)
    app.apply([cmd.Screenshot()])
    frames(app)
    for _ in range(2):
        app.apply([cmd.ToggleRecord()])
        frames(app, 2)
        app.apply([cmd.ToggleRecord()])
    assert len(list(tmp_path.glob("glgan-*.png"))) == 2
    assert len(list(tmp_path.glob("glgan-*.mp4"))) == 2


def test_zoom_is_bounded(app):
    frames(app)
    for _ in range(400):
        app.zoom(0.5)
    x0, _, x1, _ = app.view.bounds
    assert x1 - x0 <= 1e4
    frames(app)
    assert not app.ui.error


@pytest.mark.skipif(shutil.which("xvfb-run") is None or shutil.which("xdotool") is None,
                    reason="needs xvfb-run and xdotool (make test installs them)")
def test_real_mouse_and_keyboard_drive_the_window(tmp_path):
    """End to end as a person: a real X server, a real glfw window, a real mouse click on
    Play and a real key press ("3" = ring), read back from the app's exit report."""
    report, shot = tmp_path / "report.json", tmp_path / "resized.png"
    script = tmp_path / "drive.sh"
    script.write_text(f"""
set -e
"{sys.executable}" -m glgan run --size 1280x720 --frames 240 --report "{report}" \
    --screenshot "{shot}" &
APP=$!
WID=$(xdotool search --sync --onlyvisible --name "glgan" | head -1)
sleep 1
xdotool mousemove --window "$WID" {{x}} {{y}} click 1
sleep 1
xdotool key --window "$WID" 3
sleep 1
xdotool windowsize "$WID" 1400 800
wait $APP
""")
    # the Play button's centre at 1280x720 (the top bar layout is fixed at this size)
    from glgan.ui.testing import NullUi

    probe = NullUi(size=(1280, 720))
    try:
        probe.frames(2)
        x, y = probe.point("play")
    finally:
        probe.close()
    script.write_text(script.read_text().replace("{x}", str(int(x))).replace("{y}", str(int(y))))
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    proc = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1600x900x24", "bash", str(script)],
                          capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    import json
    state = json.loads(report.read_text())
    assert state["dataset"] == "ring"  # the key press selected dataset 3
    assert state["playing"] and state["epoch"] > 0  # the click on Play started training
    # after the window was resized the whole new framebuffer is drawn and captured
    img = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    assert img.shape == (800, 1400, 3)
    assert len(np.unique(img[:40].reshape(-1, 3), axis=0)) > 20  # the top bar, at the top
    flat = img.reshape(-1, 3)
    assert (np.abs(flat - [0, 136, 55]).sum(1) < 90).mean() > 0.0005  # the view's samples
