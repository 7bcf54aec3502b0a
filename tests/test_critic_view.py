"""A Wasserstein critic in the window (issue 17): its heatmap shows the raw scores on a
diverging scale centred at their median, labelled as a critic (legend, hover), not as a
probability."""

from __future__ import annotations

import numpy as np
import pytest

from glgan.config import preset

pytestmark = pytest.mark.gl
SIZE = (400, 400)


def test_the_critic_heatmap_is_centred_at_the_median_score(gl_ctx, tmp_path):
    from glgan.app import App
    from glgan.ui.commands import SetConfig
    from glgan.ui.layers import hover_text, legend

    cfg = preset("gaussians").replace(loss="wasserstein", d_optimizer="rmsprop",
                                      g_optimizer="rmsprop", d_lr=0.003, g_lr=0.003)
    app = App(gl_ctx, SIZE, cfg, pretrained=False, out_dir=tmp_path)
    fbo = gl_ctx.simple_framebuffer(SIZE, components=4)
    try:
        app.engine.train(300)
        app.ui.overlay_visible = app.ui.hint_visible = False  # the view fills the window
        app.ui.auto_fit = False
        app.render(fbo, 0.5)
        run = app.runs[0]
        field = run.frame.field
        center, gain = run.scene.value_scale
        assert center == pytest.approx(float(np.median(field)), rel=1e-5, abs=1e-9)
        assert gain > 1.0  # raw scores are small: they are spread over the whole ramp
        img = np.frombuffer(fbo.read(components=3), np.uint8).reshape(SIZE[1], SIZE[0], 3)
        img = img[::-1].astype(int)
        x0, y0, x1, y1 = run.frame.field_bounds
        n = field.shape[0]

        def pixel(r, c):  # field cell (row r from the bottom, column c) -> its pixel
            x = x0 + (c + 0.5) / n * (x1 - x0)
            y = y0 + (r + 0.5) / n * (y1 - y0)
            px = app.view.data_to_px(np.array([x, y]), SIZE)
            return img[int(px[1]), int(px[0])]

        hi = np.unravel_index(np.argmax(field), field.shape)
        lo = np.unravel_index(np.argmin(field), field.shape)
        g_hi, g_lo = pixel(*hi), pixel(*lo)
        assert g_hi[1] > g_hi[0] + 30 and g_lo[0] > g_lo[1] + 30  # green vs purple ends
        # the graph's prediction dots use the same scale (not "certainly fake" purple)
        assert app.ui.critic_scale == (center, gain)
        # labelled as a critic, not a probability
        words = [w for _, w, _, _ in legend(app.ui, critic=True)]
        assert "critic" in words and "discriminator" not in words
        text = hover_text(run.frame, (0.5, 0.5), 0.01, app.ui.layers, center)
        assert "critic" in text and "D(x)" not in text
        # a probability D is shown as it is again
        app.apply([SetConfig(app.config.replace(loss="log"))])
        app.render(fbo, 0.5)
        assert run.scene.value_scale == (0.5, 1.0) and run.critic_scale is None
    finally:
        app.close()
        fbo.release()


def test_a_critic_is_never_called_saturated():
    from glgan.compute.diagnose import Measurements, judge
    from glgan.config import GanConfig

    m = Measurements(flat=0.0, d_value=0.49, saturated=1.0, recall=1.0, inside=1.0, modes=2,
                     missed=0, extent=0.5, epoch=2000)
    assert [w.name for w in judge(m, GanConfig())] == ["saturated_d"]
    assert judge(m, GanConfig(loss="wasserstein")) == ()  # a score has no "certain 0"


def test_the_median_line_shows_a_critic_s_tiny_scores(gl_ctx):
    """Review: the contour skipped every pixel whose field changed by under 1e-6, so with
    the recommended clip (scores ~1e-5 apart) the critic's median line never appeared."""
    from render_fixtures import make_frame

    from glgan.layers import Layers
    from glgan.render import OffscreenRenderer

    ramp = np.tile(np.linspace(-2e-5, 2e-5, 32, dtype=np.float32), (32, 1))
    r = OffscreenRenderer(ctx=gl_ctx)
    try:
        r.view.set_value_scale(0.0, 0.5 / 2e-5)
        on = r.render(make_frame(field=ramp), (128, 128), Layers.none(contour=True))
        off = r.render(make_frame(field=ramp), (128, 128), Layers.none())
        ink = np.abs(on.astype(int) - off.astype(int)).max(axis=-1) > 30
        assert ink[:, 60:68].any() and not ink[:, :40].any()
    finally:
        r.close()


def test_loss_values_and_signed_bars_for_the_new_losses():
    from glgan.ui.graph import _loss_value, loss_bar_px

    assert loss_bar_px(-0.226, "g", "hinge") < 0  # hinge's G loss can be negative: drawn
    assert _loss_value(-1.2e-5) == "-1.2e-05" and _loss_value(0.5) == "0.500"


def test_the_graph_takes_the_critic_scale_the_heatmap_drew_with(gl_ctx, tmp_path):
    """Review: when auto-fit moved the camera (the field and the critic's scale recomputed
    in that frame), the graph kept the scale of the old framing."""
    from glgan.app import App

    cfg = preset("gaussians").replace(loss="wasserstein")  # (its fakes stay outside)
    app = App(gl_ctx, SIZE, cfg, pretrained=False, out_dir=tmp_path)
    fbo = gl_ctx.simple_framebuffer(SIZE, components=4)
    try:
        app.engine.train(300)
        app.ui.auto_fit = True
        app.offline = True  # every frame looks at the samples
        before = app.view
        app.render(fbo, 0.5)
        assert app.view != before  # the fakes had left the square: auto-fit framed them
        assert app.ui.critic_scale == app.runs[0].critic_scale
    finally:
        app.close()
        fbo.release()
