"""Display settings kept between runs (issue 16): --scale / --theme / --out-dir reach the
window and are kept in the user's config folder; a corrupt or foreign settings file never stops
the window; "Reset settings" brings the defaults back; captures go to the chosen folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from glgan.settings import Settings, load_settings, save_settings, settings_path

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def config_dir(tmp_path, monkeypatch):
    folder = tmp_path / "cfg"
    monkeypatch.setenv("GLGAN_CONFIG_DIR", str(folder))
    return folder


def test_settings_round_trip_and_bad_files_fall_back(config_dir, tmp_path):
    assert load_settings() == Settings()  # none saved yet
    save_settings(Settings(1.75, "high-contrast", str(tmp_path / "shots")))
    assert load_settings() == Settings(1.75, "high-contrast", str(tmp_path / "shots"))
    for text in ("{oops", "[1, 2]", json.dumps({"scale": 99, "theme": "neon",
                                                 "palette": ["x"]}),
                 json.dumps({"scale": True, "out_dir": 5}), "\xff\xfe", "x" * 100000):
        settings_path().write_text(text, errors="replace")
        s = load_settings()
        assert s.scale == 1.0 and s.theme == "light" and isinstance(s.out_dir, str)
        assert s.palette == "ganlab"
    assert Settings().output_folder.name == "glgan"


def test_the_window_takes_and_keeps_the_options(config_dir, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    shots = tmp_path / "shots"
    done = subprocess.run([sys.executable, "-m", "glgan", "run", "--window", "headless",
                           "--frames", "2", "--scale", "1.5", "--theme", "high-contrast",
                           "--out-dir", str(shots)], env=env, capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert load_settings() == Settings(1.5, "high-contrast", str(shots))
    # the next launch starts from what was kept; its own options go on top
    done = subprocess.run([sys.executable, "-m", "glgan", "run", "--window", "headless",
                           "--frames", "1", "--theme", "dark", "--palette", "colorblind",
                           "--no-auto-fit"],
                          env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert load_settings() == Settings(1.5, "dark", str(shots), "colorblind", False)
    done = subprocess.run([sys.executable, "-m", "glgan", "run", "--window", "headless",
                           "--frames", "1", "--scale", "7"], env=env, capture_output=True,
                          text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 2 and "--scale=7.0" in done.stderr


@pytest.mark.gl
def test_captures_go_to_the_chosen_folder_and_reset_settings(gl_ctx, config_dir, tmp_path):
    from glgan.app import App
    from glgan.ui import commands as cmd

    app = App(gl_ctx, (640, 400), pretrained=False, out_dir=tmp_path)
    fbo = gl_ctx.simple_framebuffer((640, 400), components=4)
    try:
        shots = tmp_path / "lecture" / "shots"
        app.apply_settings(Settings(1.25, "high-contrast", str(shots)))
        assert app.ui.user_scale == 1.25 and app.ui.high_contrast
        app.apply([cmd.Screenshot()])
        app.render(fbo, 1 / 60)
        saved = list(shots.glob("*.png"))
        assert len(saved) == 1 and str(saved[0].resolve()) in app.ui.status  # full path
        save_settings(app.current_settings())
        app.apply([cmd.ResetSettings()])
        assert not settings_path().exists()
        assert app.ui.user_scale == 1.0 and not app.ui.high_contrast
        assert app.out_dir == Settings().output_folder
        # a dark theme reaches the window around the view and the view itself
        app.apply_settings(Settings(1.0, "dark", str(shots), "colorblind"))
        app.ui.overlay_visible = False
        app.render(fbo, 1 / 60)
        img = np.frombuffer(fbo.read(components=3), np.uint8).reshape(400, 640, 3)
        assert img.mean() < 110, img.mean()
        assert app.ui.view_layers().palette == "colorblind"
    finally:
        app.close()
        fbo.release()


@pytest.mark.gl
def test_presentation_mode_fills_the_window_with_large_readouts(tmp_path):
    """--presentation: the view covers the whole window (the field to both edges, no grey
    bars) and the readout box sits top left."""
    import numpy as np
    from PIL import Image

    env = dict(os.environ, PYTHONPATH=str(REPO))
    shot = tmp_path / "p.png"
    done = subprocess.run([sys.executable, "-m", "glgan", "run", "--window", "headless",
                           "--frames", "20", "--play", "--presentation", "--size", "1280x720",
                           "--set", "seed=2", "--screenshot", str(shot)], env=env,
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    img = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    bg = np.array([237, 237, 237])  # the window's grey around a square view
    for strip in (img[200:700, 0:60], img[300:700, 1220:1280]):
        assert np.abs(strip - bg).sum(2).mean() > 3  # the heatmap reaches both edges
    box = img[20:60, 20:300]
    assert (box.min(2) > 200).mean() > 0.5 and (box.max(2) < 90).any()  # white box, text


def test_a_settings_fifo_never_hangs_the_window(config_dir):
    config_dir.mkdir(parents=True)
    os.mkfifo(settings_path())
    assert load_settings() == Settings()  # (blocked forever before)
