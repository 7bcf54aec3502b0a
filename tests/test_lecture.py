"""Lecture hall (issue 16), the App's side: fresh runs are visible (edge markers with counts
for samples outside the view, auto-fit that frames them and returns to GAN Lab's square),
the keys for layers / zoom / compare act on the window, and a view-only recording leaves the
panels out."""

from __future__ import annotations

import numpy as np
import pytest

from glgan.config import preset
from glgan.render.view import EdgeMarker, View, offscreen_markers
from glgan.ui import commands as cmd

SIZE = (1280, 720)


def test_offscreen_markers_count_each_side_and_corner():
    pts = np.array([[0.5, 0.5],                    # inside: nowhere
                    [-0.2, 0.3], [-0.5, 0.5],      # left, along y at the median 0.4
                    [1.5, 2.0],                    # above and right: the corner
                    [0.25, -3.0], [0.75, -1.0],    # below, along x at 0.5
                    [np.nan, 5.0]])                # not finite: ignored
    got = {m.direction: m for m in offscreen_markers(pts, (0.0, 0.0, 1.0, 1.0))}
    assert set(got) == {(-1, 0), (1, 1), (0, -1)}
    assert got[(-1, 0)] == EdgeMarker((-1, 0), (0.0, pytest.approx(0.6)), 2)
    assert got[(1, 1)] == EdgeMarker((1, 1), (1.0, 0.0), 1)
    assert got[(0, -1)] == EdgeMarker((0, -1), (0.5, 1.0), 2)
    assert offscreen_markers(np.zeros((0, 2)), (0, 0, 1, 1)) == []


@pytest.fixture
def app(gl_ctx, tmp_path):
    from glgan.app import App

    a = App(gl_ctx, SIZE, preset("line"), pretrained=False, out_dir=tmp_path)
    a.fbo = gl_ctx.simple_framebuffer(SIZE, components=4)
    yield a
    a.close()
    a.fbo.release()


def frames(app, n=1):
    for _ in range(n):
        app.render(app.fbo, 0.25)


def fakes(app):
    return app.runs[0].frame.fake


def test_a_fresh_run_shows_its_fakes_by_edge_markers(app):
    frames(app, 2)
    fake = fakes(app)
    x0, y0, x1, y1 = app.view.effective_bounds(app.view_rect_px()[2:])
    out = ((fake[:, 0] < x0) | (fake[:, 0] > x1) | (fake[:, 1] < y0) | (fake[:, 1] > y1)).sum()
    assert out > 0.9 * len(fake)  # GAN Lab's line preset: the fakes start below the square
    markers = [m for m in app.offscreen if m["kind"] == "fake"]
    assert sum(m["count"] for m in markers) == out
    assert all(m["direction"][1] == -1 for m in markers)  # below the view
    # the overlay draws them, count text and all, without an error
    assert not app.ui.error
    app.ui.edge_markers = False
    app._samples_checked = -1e9
    frames(app, 2)
    assert app.offscreen == []  # off: none computed or shown


def test_auto_fit_frames_the_samples_and_returns_to_the_unit_square(app):
    app.apply([cmd.ToggleAutoFit()])
    assert app.ui.auto_fit
    frames(app, 2)
    fake = fakes(app)
    x0, y0, x1, y1 = app.view.effective_bounds(app.view_rect_px()[2:])
    inside = (fake[:, 0] >= x0) & (fake[:, 0] <= x1) & (fake[:, 1] >= y0) & (fake[:, 1] <= y1)
    assert inside.all() and app.view != View()
    assert not [m for m in app.offscreen if m["kind"] == "fake"]
    # once every sample is back inside [0,1]^2 the view is GAN Lab's again
    real = app.runs[0].frame.real
    app.runs[0].samples = (real, np.clip(real, 0.1, 0.9))
    app.runs[0].samples_key = app.runs[0].key
    app._samples_checked = -1e9
    app._watch_samples([(0, app.cell_rects()[0][1])])
    assert app.view == View()
    # moving the camera by hand stops auto-fit (it would undo the move)
    app.apply([cmd.ZoomView(2.0)])
    assert not app.ui.auto_fit and "auto-fit off" in app.ui.status
    assert app.view.bounds[2] - app.view.bounds[0] == pytest.approx(0.5)


def test_layer_compare_and_preset_keys_act_on_the_window(app):
    frames(app)
    app.apply([cmd.ToggleLayer("manifold"), cmd.ToggleLayer("heatmap")])
    assert app.ui.layers.manifold and not app.ui.layers.heatmap
    app.ui.compare_keys, app.ui.compare_values = ["d_lr", ""], ["0.01, 0.1", ""]
    app.apply([cmd.ToggleCompare()])
    assert app.comparing and len(app.runs) == 2
    assert [app.engine.status(r).config.d_lr for r in range(2)] == [0.01, 0.1]
    frames(app)
    app.apply([cmd.ToggleCompare()])
    assert not app.comparing and len(app.runs) == 1
    app.apply([cmd.SetConfig(app.config.replace(g_lr=0.5)), cmd.RestorePreset()])
    assert app.config.g_lr == preset("line").g_lr


def test_a_view_only_recording_leaves_the_panels_out(app, monkeypatch):
    """Shift+F9 records the view only: the frames handed to the encoder show the window's
    background where the top bar is drawn on screen."""
    grabbed = []

    class FakeRecording:
        lagging = False

        def __init__(self, ctx, path, size, fps):
            pass

        def add(self, fbo):
            raw = fbo.read(components=3, alignment=1)
            grabbed.append(np.frombuffer(raw, np.uint8).reshape(SIZE[1], SIZE[0], 3)[::-1])

        def stop(self):
            return type("S", (), {"frames_written": len(grabbed), "dropped": 0,
                                  "path": "x.mp4"})()

    import glgan.capture.live as live
    monkeypatch.setattr(live, "WindowRecording", FakeRecording)
    frames(app)
    top_bar = (10, SIZE[0] // 2)  # inside the top bar on screen
    screen = np.frombuffer(app.fbo.read(components=3, alignment=1), np.uint8).reshape(
        SIZE[1], SIZE[0], 3)[::-1]
    for view_only in (True, False):
        grabbed.clear()
        app.apply([cmd.ToggleRecord(view_only=view_only)])
        frames(app, 2)
        app.apply([cmd.ToggleRecord()])
        assert grabbed and app.recording is None
        same_as_screen = np.abs(grabbed[-1][top_bar].astype(int) - screen[top_bar]).max() < 8
        assert same_as_screen != view_only, view_only
    assert app.ui.record_view_only is False


def test_every_dataset_offers_its_pretrained_model(app):
    frames(app)
    assert app.pretrained_datasets == ("line", "gaussians", "ring", "disjoint")


def test_a_session_keeps_whether_auto_fit_was_on(app):
    app.ui.auto_fit = True
    view = app.session_view()
    assert view["auto_fit"] is True
    app.apply_view({})  # an older file: the camera as saved, no auto-fit
    assert not app.ui.auto_fit
    app.apply_view(view)
    assert app.ui.auto_fit


@pytest.mark.parametrize("size,scale,theme", [
    ((1920, 1080), 1.0, "light"), ((1920, 1080), 1.5, "high-contrast"),
    ((1920, 1080), 2.0, "high-contrast"), ((1920, 1080), 2.0, "dark"),
    ((1280, 720), 1.0, "light")])
def test_top_bar_buttons_and_epoch_are_on_screen_in_pixels(gl_ctx, tmp_path, size, scale,
                                                           theme):
    """Issue 16 at the window's real size: the App renders its overlay at each scale and
    theme; the top bar's right-hand buttons and the epoch counter lie inside the window (their
    rectangles from the UI's layout) and are drawn there (text pixels differ inside them)."""
    from glgan.app import App
    from glgan.settings import Settings

    app = App(gl_ctx, size, preset("gaussians"), pretrained=False, out_dir=tmp_path)
    fbo = gl_ctx.simple_framebuffer(size, components=4)
    try:
        app.apply_settings(Settings(scale, theme))
        app.ui.debug_rects = {}
        for _ in range(3):
            app.render(fbo, 1 / 60)
        img = np.frombuffer(fbo.read(components=3, alignment=1), np.uint8).reshape(
            size[1], size[0], 3)[::-1].astype(int)
        for label in ("Record", "Shot", "?", "epoch", "play"):
            (x0, y0), (x1, y1) = app.ui.debug_rects[label]
            assert 0 <= x0 < x1 <= size[0] and 0 <= y0 < y1 <= size[1], (label, x0, x1)
            patch = img[int(y0) + 1:int(y1) - 1, int(x0) + 1:int(x1) - 1]
            assert patch.size and np.ptp(patch.reshape(-1, 3), axis=0).max() > 60, label
    finally:
        app.close()
        fbo.release()


def test_auto_fit_does_not_flicker_on_fakes_at_the_edge(app):
    """Review: fakes just past the square's edge once flipped the view every check; some of
    gaussians' real samples lie outside [0,1]^2 and kept the view from ever returning."""
    app.ui.auto_fit = True
    frames(app)
    real = app.runs[0].frame.real
    edge = np.clip(real, 0.1, 0.9)
    edge[: len(edge) // 8, 1] = 1.01  # 12% of the fakes just above the square
    views = []
    for _ in range(4):
        app.runs[0].samples, app.runs[0].samples_key = (real, edge), app.runs[0].key
        app._samples_checked = -1e9
        app._watch_samples([(0, app.cell_rects()[0][1])])
        views.append(app.view)
    assert views[0] != View() and len(set(views)) == 1  # framed once, then steady
    back = np.clip(real, 0.1, 0.9)  # the fakes come back (the reals stay where they are)
    app.runs[0].samples = (real - 0.04, back)
    app._samples_checked = -1e9
    app._watch_samples([(0, app.cell_rects()[0][1])])
    assert app.view == View()


def test_a_manual_zoom_pauses_auto_fit_without_changing_the_kept_setting(app):
    from glgan.settings import Settings

    app.apply_settings(Settings(auto_fit=True))
    app.apply([cmd.ZoomView(2.0)])
    assert not app.ui.auto_fit and app.current_settings().auto_fit
    app.apply([cmd.ToggleAutoFit()])
    app.apply([cmd.ToggleAutoFit()])  # the user's own choice is kept
    assert not app.current_settings().auto_fit


def test_compare_key_refuses_a_single_run(app):
    app.engine.train(30)
    app.ui.compare_keys, app.ui.compare_values = ["d_lr", ""], ["0.1", ""]
    app.apply([cmd.ToggleCompare()])
    assert not app.comparing and app.engine.status().epoch == 30
    assert "at least two values" in app.ui.error


def test_edge_markers_never_cover_one_another():
    """Review: a side's marker near a corner and the corner's (and real and fake at one
    place) drew their counts on top of each other."""
    import math

    from glgan.ui.layers import marker_tips

    rect = (0.0, 0.0, 400.0, 300.0)
    markers = [{"rect": rect, "kind": k, "direction": d, "at": a, "count": 5}
               for k, d, a in (("fake", (-1, -1), (0.0, 1.0)), ("fake", (0, -1), (0.01, 1.0)),
                               ("real", (0, -1), (0.01, 1.0)), ("fake", (-1, 0), (0.0, 0.98)),
                               ("fake", (1, 0), (1.0, 0.5)))]
    tips = marker_tips(markers, 9.0)
    for i, a in enumerate(tips):
        assert 0 <= a[0] <= 400 and 0 <= a[1] <= 300
        for b in tips[:i]:
            assert math.hypot(a[0] - b[0], a[1] - b[1]) >= 3.2 * 9.0 - 1e-9
