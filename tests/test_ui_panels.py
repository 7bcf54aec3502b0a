"""The overlay driven by synthetic mouse and keyboard input through real ImGui frames, no GL."""

import dataclasses

import numpy as np
import pytest

from glgan.config import GanConfig, preset
from glgan.ui.commands import (
    ApplyDrawing,
    Pause,
    Play,
    ReloadShaders,
    Reset,
    Screenshot,
    SelectDataset,
    SetConfig,
    SetEpochsPerFrame,
    SetLayers,
    SetSlowMotion,
    Step,
    ToggleFullscreen,
    TrainPhase,
    UsePretrained,
)
from glgan.ui.drawing import EMPTY_MESSAGE
from glgan.ui.layers import hover_text
from glgan.ui.preview import synthetic_dataset_samples, synthetic_frame
from glgan.ui.testing import NullUi


@pytest.fixture
def gui():
    u = NullUi(frame=synthetic_frame(), info=dict(dataset_samples=synthetic_dataset_samples()))
    u.frames(2)
    yield u
    u.close()


def only(cmds, kind):
    return [c for c in cmds if isinstance(c, kind)]


def test_play_button_toggles(gui):
    assert gui.click("play") == [Play()]
    assert gui.ui.playing
    assert gui.click("play") == [Pause()]
    assert not gui.ui.playing


def test_step_buttons(gui):
    assert gui.click("D") == [Step("d")]
    assert gui.click("G") == [Step("g")]
    assert gui.click("Step") == [Step("both")]
    gui.click("play")
    assert gui.click("D") == [Pause(), Step("d")]  # GAN Lab: stepping pauses first


def test_select_ring(gui):
    assert gui.click("dataset:ring") == [SelectDataset("ring")]
    assert not gui.ui.use_pretrained  # GAN Lab unticks pretrained on selection


def select_all_and_type(gui, label, text):
    gui.click(label)
    gui.key("A", ctrl=True)
    gui.type_text(text)
    return gui.key("ENTER")


def test_learning_rate_edit_is_exact_and_live(gui):
    before = gui.cfg
    out = select_all_and_type(gui, "d_lr", "0.01")
    sets = only(out, SetConfig)
    assert len(sets) == 1
    new = sets[0].config
    assert new.d_lr == 0.01  # exactly, not float32's 0.009999999776
    assert not before.needs_reset(new)
    assert dataclasses.replace(new, d_lr=before.d_lr) == before


def test_learning_rate_combo_gives_ganlab_values(gui):
    gui.click("g_lr_combo")
    out = gui.click("g_lr=0.003")
    sets = only(out, SetConfig)
    assert len(sets) == 1 and sets[0].config.g_lr == 0.003
    assert not GanConfig().needs_reset(sets[0].config)


def test_invalid_edit_shows_message_and_emits_nothing(gui):
    out = select_all_and_type(gui, "d_lr", "0")
    assert only(out, SetConfig) == []
    assert "d_lr" in gui.ui.config_error
    assert gui.cfg.d_lr == 0.1
    gui.frames(2)  # the message is drawn without errors


def test_layers_slider_resets_once_on_release(gui):
    out = gui.drag([gui.point("g_hidden_layers", 0.1), gui.point("g_hidden_layers", 0.6),
                    gui.point("g_hidden_layers", 0.99)])
    sets = only(out, SetConfig)
    assert len(sets) == 1
    assert sets[0].config.g_hidden_layers == 6
    assert GanConfig().needs_reset(sets[0].config)


def test_epochs_per_frame_slider(gui):
    out = gui.click("epochs/frame", 0.6)
    cmds = only(out, SetEpochsPerFrame)
    assert cmds and cmds[-1].n > 500 and gui.ui.epochs_per_frame == cmds[-1].n


def test_pretrained_toggle_only_where_available(gui):
    assert gui.click("pretrained") == [UsePretrained(False)]
    gui.cfg = preset("ring")  # glgan ships a model for ring too (trained by glgan)
    gui.frames(1)
    assert gui.click("pretrained") == [UsePretrained(True)]
    gui.cfg = preset("drawn")  # never for the user's own drawing
    gui.frames(1)
    assert gui.click("pretrained") == []


def canvas_point(gui, x, y):
    (x0, y0), (x1, y1) = gui.rect("drawing_canvas")
    return (x0 + x * (x1 - x0), y0 + (1 - y) * (y1 - y0))


def stroke(gui, x0, x1, y, n=12):
    return gui.drag([canvas_point(gui, x, y) for x in np.linspace(x0, x1, n)])


def test_drawing_stroke_then_apply(gui):
    assert gui.click("dataset:drawn") == []  # opens the canvas; nothing applied yet
    assert gui.ui.drawing.open
    gui.frames(1)
    stroke(gui, 0.2, 0.8, 0.5)
    out = gui.click("Apply")
    applied = only(out, ApplyDrawing)
    assert len(applied) == 1
    pts = applied[0].points
    assert pts.dtype == np.float32 and pts.shape[1] == 2 and len(pts) >= 50
    assert pts[:, 0].min() >= 0.19 and pts[:, 0].max() <= 0.81
    assert np.all(np.abs(pts[:, 1] - 0.5) < 0.01)
    assert not gui.ui.drawing.open
    # switching away and back keeps the drawing and re-selects it
    gui.click("dataset:ring")
    out = gui.click("dataset:drawn")
    assert out == [SelectDataset("drawn")]
    assert len(gui.ui.drawing.points) == len(pts)


def test_empty_apply_shows_message(gui):
    gui.key("NUMBER_5")
    gui.frames(1)
    assert gui.ui.drawing.open
    assert gui.click("Apply") == []
    assert gui.ui.drawing.message == EMPTY_MESSAGE
    assert gui.ui.drawing.open


def test_erase_and_undo_in_the_window(gui):
    gui.click("dataset:drawn")
    gui.frames(1)
    stroke(gui, 0.1, 0.9, 0.5)
    n = len(gui.ui.drawing.points)
    gui.click("erase_mode")
    assert gui.ui.drawing.erase
    gui.drag([canvas_point(gui, 0.5, 0.7), canvas_point(gui, 0.5, 0.3)])
    left = gui.ui.drawing.points
    assert 0 < len(left) < n
    assert all(abs(x - 0.5) >= gui.ui.drawing.brush * 0.9 for x, _ in left)
    gui.click("Undo")
    assert len(gui.ui.drawing.points) == n
    gui.click("draw_mode")
    gui.click("Clear")
    assert gui.ui.drawing.points == []
    gui.key("Z", ctrl=True)  # Ctrl+Z in the focused drawing window
    assert len(gui.ui.drawing.points) == n


def test_keyboard_shortcuts(gui):
    assert gui.key("SPACE") == [Play()]
    assert gui.key("S") == [Pause(), Step("both")]
    assert gui.key("NUMBER_3") == [SelectDataset("ring")]
    assert gui.key("F12") == [Screenshot()]
    assert gui.key("F5") == [ReloadShaders()]
    assert gui.key("F") == [ToggleFullscreen()]
    assert gui.key("R") == [Reset()]
    assert gui.key("H") == [] and not gui.ui.overlay_visible
    assert gui.key("SPACE") == [Play()]  # shortcuts still work with the overlay hidden
    assert gui.key("H") == [] and gui.ui.overlay_visible
    gui.key("F1")
    assert gui.ui.show_help


def test_shortcuts_suppressed_while_typing(gui):
    gui.click("d_lr")  # a text field takes the keyboard
    assert gui.key("S") == []
    assert gui.key("SPACE") == []
    assert not gui.ui.playing
    gui.key("ESCAPE")
    gui.click_at(800, 450)  # click away (the main view)
    assert gui.key("S") == [Step("both")]


def test_layer_toggles_legend_and_nodes(gui):
    out = gui.click("legend:manifold")
    assert out == [SetLayers(gui.ui.layers)] and gui.ui.layers.manifold
    out = gui.click("node_heatmap")
    assert only(out, SetLayers) and not gui.ui.layers.heatmap
    out = gui.click("layer:contour")
    assert only(out, SetLayers)[-1].layers.contour


def test_slow_motion_toggle_and_phases(gui):
    assert gui.click("slow motion") == [SetSlowMotion(True, 1.0)]
    gui.click("play")
    out = []
    for _ in range(110):  # 10 sub-steps of 2.5 s
        out += gui.step(dt=0.25)
    assert TrainPhase("d") in out and TrainPhase("g") in out
    assert out.index(TrainPhase("d")) < out.index(TrainPhase("g"))


def test_divergence_banner_pauses_and_offers_reset(gui):
    gui.click("play")
    bad = synthetic_frame(epoch=5000)
    bad.fake[3] = np.nan
    gui.frame_data = bad
    out = gui.step()
    assert out == [Pause()] and "diverged" in gui.ui.error
    gui.step()
    assert gui.click("Reset##banner") == [Reset()]
    assert gui.ui.error == ""


def test_startup_without_frame_and_hover_and_help(gui):
    gui.frame_data = None
    gui.info["mouse_data"] = (0.3, 0.7)
    gui.info["recording"] = True
    gui.frames(3)
    gui.click("?")
    assert gui.ui.show_help
    gui.frames(2)
    gui.ui.scale, gui.ui.high_contrast = 1.5, True
    gui.frames(3)
    text = hover_text(synthetic_frame(), (0.3, 0.7), 0.05, gui.ui.layers)
    assert text.startswith("x 0.30, y 0.70") and "D(x)" in text


def test_layer_options_blocky_and_gradient_mode(gui):
    out = gui.click("layer-option:blocky")
    assert only(out, SetLayers)[-1].layers.blocky and gui.ui.layers.blocky
    out = gui.click("layer-option:normalize")
    assert only(out, SetLayers)[-1].layers.gradient_normalize


def test_overlay_shrinks_to_fit_small_windows_without_overlap():
    small = NullUi(size=(800, 450), frame=synthetic_frame(),
                   info=dict(dataset_samples=synthetic_dataset_samples()))
    try:
        small.frames(2)
        assert small.ui.user_scale == 1.0 and 0.6 <= small.ui.scale < 0.7
        # the top bar's right-hand buttons sit right of every transport control
        record_left = small.rect("Record")[0][0]
        for label in ("play", "D", "G", "Step", "epochs/frame"):
            assert small.rect(label)[1][0] <= record_left
    finally:
        small.close()


def test_view_fit_buttons(gui):
    from glgan.ui.commands import FitView
    assert gui.click("view:tanh") == [FitView("tanh")]
    assert gui.click("view:samples") == [FitView("samples")]


def test_seed_beyond_int32_is_editable_and_shown(gui):
    gui.cfg = gui.cfg.replace(seed=3_000_000_000)
    gui.frames(2)  # an int32 widget would raise here and break every later frame
    assert "seed" in gui.ui.debug_rects


def test_a_failing_panel_does_not_break_later_frames(gl_ctx, monkeypatch):
    from glgan.ui import panels
    from glgan.ui.overlay import Overlay

    ov = Overlay(gl_ctx, (1280, 720))
    try:
        def boom(*a, **k):
            from imgui_bundle import imgui
            imgui.begin("half-open")
            raise TypeError("boom")

        monkeypatch.setattr(panels, "draw_layer_toggles", boom)
        assert ov.frame(GanConfig(), synthetic_frame()) == []
        assert "boom" in ov.ui.error
        monkeypatch.undo()
        ov.frame(GanConfig(), synthetic_frame())  # the next frame works again
        ov.render()
    finally:
        ov.shutdown()


def test_an_exception_inside_a_chart_does_not_break_later_frames(gl_ctx, monkeypatch):
    from glgan.history import History
    from glgan.ui import charts
    from glgan.ui.overlay import Overlay

    history = History()
    for i in range(5):
        history.append(i, 1.0, 0.7, 2.0, 0.5)
    ov = Overlay(gl_ctx, (1280, 720), history=history)
    ov.ui.show_hyper = False  # at 1280x720 the whole form fills the panel: charts below it
    try:
        real_plot = charts._plot

        def boom(*a, **k):
            raise RuntimeError("boom in plot")

        monkeypatch.setattr(charts, "_plot", boom)
        ov.frame(GanConfig(), synthetic_frame())
        assert "boom in plot" in ov.ui.error
        monkeypatch.setattr(charts, "_plot", real_plot)
        ov.ui.error = ""
        for _ in range(2):
            ov.frame(GanConfig(), synthetic_frame())
        assert ov.ui.error == ""  # ImPlot was left consistent
        ov.render()
    finally:
        ov.shutdown()
