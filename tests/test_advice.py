"""Training warnings in the window (issue 17): the App judges the shown runs
(glgan.compute.diagnose), the overlay shows each warning with its fix, a click applies it,
Dismiss hides it; compare cells carry a mark. Healthy runs show nothing."""

from __future__ import annotations

import pytest

from glgan.config import preset
from glgan.ui import commands as cmd

pytestmark = pytest.mark.gl
SIZE = (1280, 720)


@pytest.fixture
def app(gl_ctx, tmp_path):
    from glgan.app import App

    a = App(gl_ctx, SIZE, preset("gaussians").replace(d_optimizer="adam", d_lr=0.1),
            pretrained=False, out_dir=tmp_path)
    a.fbo = gl_ctx.simple_framebuffer(SIZE, components=4)
    yield a
    a.close()
    a.fbo.release()


def frames(app, n=1):
    for _ in range(n):
        app.render(app.fbo, 0.5)


def test_a_dead_discriminator_is_named_and_fixed_in_one_click(app):
    from glgan.ui.testing import NullUi

    app.engine.train(1500)  # Adam at d_lr 0.1 kills D (measured: every seed by epoch 1500)
    frames(app, 2)
    names = [w["name"] for w in app.warnings[0]]
    assert "dead_d" in names
    gui = NullUi(size=SIZE, info={"warnings": app.warnings[0], "run_id": "r0",
                                  "dataset_samples": {}})
    try:
        gui.frames(2)
        assert "warning:dead_d" in gui.ui.debug_rects
        out = [c for c in gui.click("fix:dead_d") if isinstance(c, cmd.ApplyFix)]
        assert len(out) == 1
        app.apply(out)
        cfg = app.config
        assert cfg.d_optimizer == "sgd" and app.engine.status().epoch == 0  # started over
        gui.click("dismiss:dead_d")
        gui.ui.debug_rects.clear()
        gui.frames(1)
        assert ("r0", "dead_d") in gui.ui.dismissed
        assert "warning:dead_d" not in gui.ui.debug_rects  # hidden for this run
    finally:
        gui.close()
    frames(app, 2)
    assert not [w for w in app.warnings.get(0, []) if w["name"] == "dead_d"]


def test_a_healthy_run_has_no_warnings_and_compare_cells_carry_marks(gl_ctx, tmp_path):
    from glgan.app import App

    app = App(gl_ctx, SIZE, pretrained=True, out_dir=tmp_path)  # GAN Lab's trained model
    fbo = gl_ctx.simple_framebuffer(SIZE, components=4)
    try:
        app.render(fbo, 0.5)
        assert app.warnings == {0: []}
        app.compare(["d_optimizer=sgd,adam", "d_lr=0.1"])
        app.engine.train(1500)
        app.render(fbo, 0.5)
        app.render(fbo, 0.5)
        cells = app._cell_info([(i, r) for i, r in app.cell_rects()])
        assert [bool(c["warnings"]) for c in cells] == [False, True]
    finally:
        app.close()
        fbo.release()


def test_the_window_shows_the_network_view_of_the_focused_run(app):
    """The App computes the open network view's picture (glgan.compute.inspect) and the
    overlay draws a thumbnail per neuron; a dead D shows up there too."""
    app.ui.debug_rects = {}
    app.ui.network = "d"
    frames(app, 2)
    assert any(k.startswith("neuron:d:") for k in app.ui.debug_rects)
    app.ui.network = None
    app.ui.debug_rects.clear()
    frames(app, 1)
    assert not any(k.startswith("neuron:") for k in app.ui.debug_rects)
