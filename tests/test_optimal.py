"""The optimal discriminator D* = p_real / (p_real + p_fake) from samples (issue 17): the
known answer on disjoint sets, its layer drawn as D* = 0.5 line, and the App computing it."""

from __future__ import annotations

import numpy as np
import pytest

from glgan.compute.optimal import optimal_discriminator
from glgan.layers import Layers
from glgan.palette import view_style


def _cell(x, y, res=64, bounds=(0, 0, 1, 1)):
    x0, y0, x1, y1 = bounds
    return int((y - y0) / (y1 - y0) * res), int((x - x0) / (x1 - x0) * res)


def test_disjoint_sets_give_one_on_the_real_and_zero_on_the_fake():
    rng = np.random.default_rng(0)
    real = rng.uniform((0.1, 0.1), (0.3, 0.9), (400, 2))   # a band on the left
    fake = rng.uniform((0.7, 0.1), (0.9, 0.9), (400, 2))   # a band on the right
    d = optimal_discriminator(real, fake, (0, 0, 1, 1), 64)
    assert d.shape == (64, 64) and d.dtype == np.float32
    on_real = [d[_cell(x, y)] for x, y in real]
    on_fake = [d[_cell(x, y)] for x, y in fake]
    assert min(on_real) > 0.99 and max(on_fake) < 0.01
    # between the bands D* falls from 1 to 0 once: the decision line lies there
    row = d[32, 19:45]  # x in 0.3 .. 0.7
    assert row[0] > 0.99 and row[-1] < 0.01
    assert len(np.nonzero(np.diff(row > 0.5))[0]) == 1
    # far from every sample: undecided
    far = optimal_discriminator(real, fake, (5, 5, 6, 6), 16)
    assert np.all(far == 0.5)


def test_equal_densities_give_one_half_and_bad_arguments_name_themselves():
    pts = np.random.default_rng(1).normal(0.5, 0.1, (500, 2))
    d = optimal_discriminator(pts, pts, (0, 0, 1, 1), 32)
    assert np.allclose(d, 0.5)
    for kwargs, word in (({"res": 1}, "res"), ({"bandwidth": 0}, "bandwidth"),
                         ({"bounds": (1, 0, 0, 1)}, "bounds")):
        with pytest.raises(ValueError, match=word):
            optimal_discriminator(pts, pts, **kwargs)


@pytest.mark.gl
def test_the_optimal_layer_draws_the_d_star_line(gl_ctx):
    from render_fixtures import make_frame

    from glgan.render import OffscreenRenderer

    field = np.zeros((32, 32), np.float32)
    field[:, :16] = 1.0  # D* = 1 left of x = 0.5, 0 right of it
    r = OffscreenRenderer(ctx=gl_ctx)
    try:
        r.view.set_optimal(field, (0, 0, 1, 1))
        on = r.render(make_frame(), (128, 128), Layers.none(optimal=True))
        off = r.render(None, (128, 128), Layers.none())
        col = np.round(np.array(view_style().optimal[:3]) * 255)
        near = np.abs(on[64].astype(float) - col).sum(axis=1) < 80
        assert near[60:68].any() and not near[:50].any() and not near[78:].any()
        assert np.array_equal(off[64], np.repeat(off[64][:1], 128, axis=0))  # nothing drawn
        r.view.set_optimal(None)
        assert np.array_equal(r.render(None, (128, 128), Layers.none(optimal=True)), off)
    finally:
        r.close()


@pytest.mark.gl
def test_the_app_estimates_d_star_from_the_samples_it_shows(gl_ctx):
    from glgan.app import App
    from glgan.config import preset
    from glgan.ui import commands as cmd

    app = App(gl_ctx, (480, 360), preset("ring"), pretrained=False)
    fbo = gl_ctx.simple_framebuffer((480, 360), components=4)
    try:
        app.render(fbo, 0.25)
        assert app.runs[0].scene.optimal_texels == 0  # off: not computed
        app.apply([cmd.ToggleLayer("optimal")])
        app.render(fbo, 0.25)
        assert app.runs[0].scene.optimal_texels == 64
    finally:
        app.close()
        fbo.release()


@pytest.mark.gl
def test_the_flow_layer_points_up_d_s_slope_everywhere(gl_ctx):
    """Issue 17: D's gradient field across the plane, an arrow per cell along grad D. Arrows
    taper to their tip, so D rising to the left draws the mirror image of D rising to the
    right (and not the same picture); D rising upwards draws it turned; a flat D, nothing."""
    from render_fixtures import make_frame

    from glgan.render import OffscreenRenderer

    right = np.tile(np.linspace(0.0, 1.0, 32, dtype=np.float32), (32, 1))
    r = OffscreenRenderer(ctx=gl_ctx)

    def ink(field):
        img = r.render(make_frame(field=field), (256, 256), Layers.none(flow=True))
        return np.abs(img.astype(int) - img[0, 0].astype(int)).max(axis=-1)

    try:
        to_right, to_left = ink(right), ink(right[:, ::-1].copy())
        assert (to_right > 20).mean() > 0.01                        # arrows everywhere
        assert np.abs(to_left - to_right[:, ::-1]).mean() < 2        # mirrored ...
        assert np.abs(to_right - to_right[:, ::-1]).mean() > 0.5 * to_right.mean()  # not symmetric
        up = ink(right.T.copy())  # row 0 is the bottom: D rises upwards
        assert np.abs(up - np.rot90(to_right)).mean() < 2            # turned a quarter
        assert (ink(np.full((32, 32), 0.5, np.float32)) > 20).mean() == 0
    finally:
        r.close()


@pytest.mark.gl
def test_trails_follow_the_pinned_samples_across_epochs(gl_ctx):
    """Issue 17: the trails layer keeps, for each pinned fake sample, the positions it had
    at each trained frame (the same sample index: the fixed noise batch); a click on a fake
    pins it; a reset starts new paths; the paths are drawn fading."""
    from glgan.app import App
    from glgan.config import preset
    from glgan.ui import commands as cmd

    size = (480, 360)
    app = App(gl_ctx, size, preset("gaussians"), pretrained=False, transition_s=0.0)
    fbo = gl_ctx.simple_framebuffer(size, components=4)
    try:
        app.ui.auto_fit = False
        app.apply([cmd.ToggleLayer("trails")])
        app.ui.playing = True
        seen = []
        for _ in range(6):
            app.render(fbo, 0.1)
            seen.append(app.runs[0].frame.fake.copy())
        assert len(app.pinned) == 8  # spread over the batch when nothing was pinned
        for k in app.pinned:
            path = np.array(app._trails[0][k])
            np.testing.assert_array_equal(path, np.array([f[k] for f in seen]))
        assert app.runs[0].scene.trail_steps == 8 * 5
        # a click on a fake sample pins it (and again unpins it)
        app.ui.playing = False
        app.fit_view("samples")  # every fake on screen
        app.render(fbo, 0.1)
        x, y, w, h = app.cell_rects()[0][1]
        fake = app.runs[0].frame.fake
        k = next(i for i in range(len(fake)) if i not in app.pinned)
        px = app.view.data_to_px(np.asarray(fake[k], float), (w, h))
        before = list(app.pinned)
        app.click((x + px[0], y + px[1]))
        added = [i for i in app.pinned if i not in before]
        assert len(added) == 1 and "following fake sample" in app.ui.status
        near = app.view.data_to_px(np.asarray(fake[added[0]], float), (w, h))
        assert np.hypot(*(near - px)) <= 8.0  # the sample under the pointer (or one as near)
        app.click((x + px[0], y + px[1]))
        assert app.pinned == before  # a second click unpins it
        app.apply([cmd.Reset(new_seed=False)])
        app.render(fbo, 0.1)
        assert all(len(p) == 1 for p in app._trails[0].values())  # new paths
    finally:
        app.close()
        fbo.release()


@pytest.mark.gl
def test_a_trail_is_drawn_fading_towards_its_oldest_step(gl_ctx):
    from render_fixtures import make_frame

    from glgan.render import OffscreenRenderer

    path = np.column_stack([np.linspace(0.1, 0.9, 20), np.full(20, 0.5)]).astype(np.float32)
    r = OffscreenRenderer(ctx=gl_ctx)
    try:
        r.view.set_trails([path])
        on = r.render(make_frame(), (128, 128), Layers.none(trails=True))
        off = r.render(make_frame(), (128, 128), Layers.none())
        ink = np.abs(on.astype(int) - off.astype(int)).max(axis=-1)
        row = ink[62:67].max(axis=0)
        assert row[110] > row[20] > 0  # newest end (x = 0.9) strongest, oldest faint
        assert ink[:50].max() == 0 and ink[80:].max() == 0  # only along the path
    finally:
        r.close()


@pytest.mark.parametrize("bounds", [(0.45, 0.45, 0.55, 0.55), (0.499, 0.499, 0.501, 0.501),
                                    (0.0, 0.0, 1.78, 1.0), (-40, -40, 40, 40)])
def test_d_star_keeps_its_grid_at_any_zoom_and_aspect(bounds):
    """Zoomed in, the kernel is wider than the grid (it was once returned 117 x 117); on a
    wide view the blur is the same bandwidth across and up."""
    import time

    rng = np.random.default_rng(3)
    real, fake = rng.normal(0.5, 0.05, (150, 2)), rng.normal(0.52, 0.05, (150, 2))
    t = time.perf_counter()
    d = optimal_discriminator(real, fake, bounds, 64)
    assert d.shape == (64, 64) and np.all((d >= 0) & (d <= 1))
    assert time.perf_counter() - t < 5  # (minutes at extreme zoom before)
    one = np.zeros((1, 2)) + 0.89
    wide = optimal_discriminator(one, np.zeros((0, 2)) + 5, (0.0, 0.0, 1.78, 1.0), 64)
    row, col = np.nonzero(wide > 0.5)
    # the blob around (0.89, 0.89) reaches as far in data units across as up
    across = (col.max() - col.min() + 1) * 1.78 / 64
    up = (row.max() - row.min() + 1) * 1.0 / 64
    assert abs(across - up) < 0.06


@pytest.mark.gl
def test_trails_ignore_camera_moves_and_survive_the_past(gl_ctx):
    """Review: zooming added steps to every path and scrubbing the timeline wiped them."""
    from glgan.app import App
    from glgan.config import preset
    from glgan.ui import commands as cmd

    app = App(gl_ctx, (320, 240), preset("gaussians"), pretrained=False, transition_s=0.0)
    fbo = gl_ctx.simple_framebuffer((320, 240), components=4)
    try:
        app.ui.auto_fit = False
        app.apply([cmd.ToggleLayer("trails")])
        app.ui.playing = True
        for _ in range(4):
            app.render(fbo, 0.1)
        app.ui.playing = False
        lengths = {k: len(p) for k, p in app._trails[0].items()}
        for _ in range(3):
            app.apply([cmd.ZoomView(1.25)])
            app.render(fbo, 0.1)
        assert {k: len(p) for k, p in app._trails[0].items()} == lengths
        app.apply([cmd.ScrubTo("first")])
        app.render(fbo, 0.1)
        app.apply([cmd.ScrubTo(None)])
        app.render(fbo, 0.1)
        assert {k: len(p) for k, p in app._trails[0].items()} == lengths
    finally:
        app.close()
        fbo.release()


@pytest.mark.gl
def test_no_d_star_line_where_it_is_undecided(gl_ctx):
    """Review of a screenshot: far from every sample D* is undecided; drawn as 0.5 it filled
    the whole empty area with the line's colour. NaN (the App's choice) and a flat 0.5 both
    draw nothing; the boundary between real and fake still does."""
    from render_fixtures import make_frame

    from glgan.render import OffscreenRenderer

    field = np.full((32, 32), np.nan, np.float32)
    field[8:24, 8:16], field[8:24, 16:24] = 1.0, 0.0  # decided only in the middle
    r = OffscreenRenderer(ctx=gl_ctx)
    try:
        off = r.render(make_frame(), (128, 128), Layers.none())
        for f in (field, np.where(np.isnan(field), 0.5, field).astype(np.float32)):
            r.view.set_optimal(f, (0, 0, 1, 1))
            on = r.render(make_frame(), (128, 128), Layers.none(optimal=True))
            ink = np.abs(on.astype(int) - off.astype(int)).max(axis=-1) > 30
            assert ink[40:88, 60:68].any()  # the real/fake boundary at x = 0.5
            if f is field:
                assert not ink[:24].any() and not ink[104:].any()  # nothing far away
            assert ink.mean() < 0.1  # never a filled area
    finally:
        r.close()
