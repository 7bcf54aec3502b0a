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
        center, gain = run.scene._value_scale
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
        # labelled as a critic, not a probability
        words = [w for _, w, _, _ in legend(app.ui, critic=True)]
        assert "critic" in words and "discriminator" not in words
        text = hover_text(run.frame, (0.5, 0.5), 0.01, app.ui.layers, center)
        assert "critic" in text and "D(x)" not in text
        # a probability D is shown as it is again
        app.apply([SetConfig(app.config.replace(loss="log"))])
        app.render(fbo, 0.5)
        assert run.scene._value_scale == (0.5, 1.0) and run.critic_center is None
    finally:
        app.close()
        fbo.release()
