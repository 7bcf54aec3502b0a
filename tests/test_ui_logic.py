"""UI logic without ImGui frames: drawing state, chart history, slow motion, layout, colours."""

import math

import numpy as np
import pytest

from glgan.palette import ramp_rgb as prgn
from glgan.ui.charts import ChartHistory
from glgan.ui.commands import Layers, SaveSession, SetLayers, TrainPhase
from glgan.ui.graph import loss_bar_px
from glgan.ui.layout import compute_layout
from glgan.ui.slowmo import SUBSTEP_SECONDS, SUBSTEPS, advance_slow_motion
from glgan.ui.state import DrawingState, UiState
from glgan.ui.theme import prgn_u32, stretch
from glgan.ui.widgets import format_epoch


def test_epoch_counter_format_matches_ganlab():
    assert format_epoch(1931) == "001,931"
    assert format_epoch(0) == "000,000"
    assert format_epoch(999_999) == "999,999"
    assert format_epoch(1_234_567) == "1,234,567"


def test_drawing_points_are_spaced_by_distance_not_event_rate():
    d = DrawingState(spacing=0.01)
    d.begin_stroke((0.1, 0.5))
    d.extend_stroke((0.6, 0.5))  # one big jump: still filled in
    d.end_stroke()
    pts = d.as_array()
    assert len(pts) == 51
    assert np.allclose(np.diff(pts[:, 0]), 0.01)
    slow = DrawingState(spacing=0.01)
    slow.begin_stroke((0.1, 0.5))
    for x in np.linspace(0.1, 0.6, 500):  # many tiny events: same density
        slow.extend_stroke((x, 0.5))
    slow.end_stroke()
    assert abs(len(slow.points) - len(pts)) <= 1


def test_drawing_erase_undo_clear():
    d = DrawingState(spacing=0.01, brush=0.05)
    d.begin_stroke((0.1, 0.5))
    d.extend_stroke((0.9, 0.5))
    d.end_stroke()
    n = len(d.points)
    d.erase = True
    d.begin_stroke((0.5, 0.5))
    d.end_stroke()
    assert all(abs(x - 0.5) > 0.05 for x, _ in d.points)
    assert n - 11 <= len(d.points) <= n - 9
    assert d.undo() and len(d.points) == n
    d.clear()
    assert d.points == [] and d.undo() and len(d.points) == n
    assert d.undo() and d.points == [] and not d.undo()


def test_drawing_clamps_to_unit_square():
    d = DrawingState()
    d.begin_stroke((-0.3, 1.7))
    assert d.points == [(0.0, 1.0)]


def test_chart_history_decimation_bounded_and_keeps_ends():
    h = ChartHistory(capacity=50)
    n = 100_000
    for i in range(n):
        h.append(i, 1.0 + i / n, 2.0, math.nan if i % 3 else 0.5, 0.1)
        assert len(h) <= 2 * 50 + 2
    t = h.table()
    assert t[0, 0] == 0 and t[-1, 0] == n - 1
    assert t[0, 1] == 1.0 and t[-1, 1] == pytest.approx(1.0 + (n - 1) / n)
    assert np.all(np.diff(t[:, 0]) > 0)
    assert np.all(np.isfinite(t[:, 3]))  # NaN gaps merged away, never turned into zeros
    assert len(h) >= 50
    assert h.total == n


def test_chart_history_small_and_clear():
    h = ChartHistory(capacity=4)
    assert len(h) == 0
    h.append(1, 0.5, 0.7)
    assert len(h) == 1 and np.isnan(h.column("kl")[0])
    h.append(2, float("inf"), 0.7)
    assert np.isnan(h.column("d_loss")[-1])
    h.clear()
    assert len(h) == 0


def test_slow_motion_clock_trains_d_then_g_and_freezes_when_paused():
    ui = UiState(slow_motion=True, playing=True)
    out = []
    for _ in range(int(10 * SUBSTEP_SECONDS * 60) + 5):
        out += advance_slow_motion(ui, 1 / 60)
    assert out == [TrainPhase("d"), TrainPhase("g")]
    ui.playing = False
    step = ui.slow_step
    assert advance_slow_motion(ui, 5.0) == [] and ui.slow_step == step
    ui.slow_motion = False
    advance_slow_motion(ui, 0.1)
    assert ui.slow_step is None
    assert [s.label for s in SUBSTEPS] == [f"{p}{i}" for p in "DG" for i in range(1, 6)]


def test_slow_motion_updates_show_at_the_update_sub_steps():
    """Issue 16: the heatmap changed at D3 ("computes loss"); GAN Lab's screen changes at D5
    ("Updates discriminator") and the fakes at G5."""
    ui = UiState(slow_motion=True, playing=True)
    advance_slow_motion(ui, 0.0)
    trained_at = {}
    for _ in range(int(10 * SUBSTEP_SECONDS * 60) + 5):
        for c in advance_slow_motion(ui, 1 / 60):
            trained_at[c.net] = SUBSTEPS[ui.slow_step].label
    assert trained_at == {"d": "D5", "g": "G5"}
    assert "Updates discriminator" in SUBSTEPS[4].text
    assert "Updates generator" in SUBSTEPS[9].text


def test_slow_motion_speed_scales_time():
    ui = UiState(slow_motion=True, playing=True, slow_speed=4.0)
    advance_slow_motion(ui, 0.0)
    for _ in range(int(SUBSTEP_SECONDS * 60 / 4) + 2):
        advance_slow_motion(ui, 1 / 60)
    assert ui.slow_step == 1


def test_layers_defaults_and_toggle():
    layers = Layers()
    assert not layers.manifold and layers.real and layers.fake and layers.heatmap
    assert layers.toggled("manifold").manifold
    assert SetLayers(layers) == SetLayers(Layers())


def test_layout_leaves_a_view_and_hides():
    lay = compute_layout(1600, 900, 1.0, True)
    x, y, w, h = lay.view
    assert w > 400 and h > 400 and x > 0 and y > 0
    sx, sy, s, s2 = lay.view_square()
    assert s == s2 == min(w, h)
    assert compute_layout(1600, 900, 1.0, False).view == (0.0, 0.0, 1600.0, 900.0)


def test_loss_bars_follow_ganlab_formulas():
    assert loss_bar_px(2.0, "d", "log") == pytest.approx((2.0 * 0.5) ** 2 * 50)
    assert loss_bar_px(0.5, "d", "leastsq") == pytest.approx(25)
    assert loss_bar_px(0.7, "g", "log") == pytest.approx(0.49 * 50)
    assert loss_bar_px(0.3, "g", "leastsq") == pytest.approx(30)
    assert loss_bar_px(float("nan"), "g", "log") == 0.0


def test_prgn_ramp_and_stretch():
    assert prgn(np.array([0.0]))[0].tolist() == [0x40, 0x00, 0x4B]
    assert prgn(np.array([1.0]))[0].tolist() == [0x00, 0x44, 0x1B]
    mid = prgn(np.array([0.5]))[0]
    assert np.all(mid > 230)  # near-white grey at D = 0.5
    c = int(prgn_u32(np.array([0.0]))[0])
    assert c & 0xFF == 0x40 and c >> 24 == 255
    assert stretch(np.array([0.0, 0.5, 1.0])).tolist() == [0.0, 0.5, 1.0]
    assert stretch(np.array([0.75]))[0] == pytest.approx(0.5 + 0.5 * math.sqrt(0.5))


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")
def test_input_forwarding_with_glfw_key_codes():
    from imgui_bundle import imgui
    from moderngl_window.context.base.keys import KeyModifiers
    from moderngl_window.context.glfw.keys import Keys

    from glgan.ui.commands import ReloadShaders, SelectDataset, TogglePlay
    from glgan.ui.input import ImguiInput
    from glgan.ui.testing import NullUi

    gui = NullUi()
    try:
        gui.frames(1)
        inp = ImguiInput(Keys)
        mods = KeyModifiers()
        assert inp.key_event(Keys.SPACE, Keys.ACTION_PRESS, mods) == [TogglePlay()]
        assert inp.key_event(Keys.SPACE, Keys.ACTION_RELEASE, mods) == []
        assert inp.key_event(Keys.NUMBER_4, Keys.ACTION_PRESS, mods) == [SelectDataset("disjoint")]
        assert inp.key_event(Keys.F5, Keys.ACTION_PRESS, mods) == [ReloadShaders()]
        mods.ctrl = True
        assert inp.key_event(Keys.S, Keys.ACTION_PRESS, mods) == [SaveSession()]  # not "step"
        inp.mouse_position_event(100, 50, 0, 0)
        inp.mouse_scroll_event(0, 1)
        inp.unicode_char_entered("x")
        gui.frames(3)  # ImGui trickles queued events over frames
        pos = imgui.get_io().mouse_pos
        assert (pos.x, pos.y) == (100, 50)
    finally:
        gui.close()


def test_every_action_has_a_key_and_clickers_work():
    """Issue 16: keys for D/G-only steps, slow motion, speed, pretrained; a presenter
    clicker's PgDn/PgUp/B; F1 lists V and 0 too."""
    from glgan.ui import commands as c
    from glgan.ui.input import SHORTCUT_HELP
    from glgan.ui.testing import NullUi

    gui = NullUi()
    try:
        gui.step()
        assert c.Step("d") in gui.key("D") and c.Step("g") in gui.key("G")
        assert gui.key("M") == [c.SetSlowMotion(True, 1.0)] and gui.ui.slow_motion
        gui.key("M")
        assert gui.key("EQUAL") == [c.SetEpochsPerFrame(2)]
        assert gui.key("EQUAL") == [c.SetEpochsPerFrame(4)]
        assert gui.key("MINUS") == [c.SetEpochsPerFrame(2)]
        assert gui.key("P") == [c.UsePretrained(False)]
        assert c.Step("both") in gui.key("PAGE_DOWN")
        assert gui.key("PAGE_UP") == [c.ScrubTo("previous")]
        gui.key("B")
        assert not gui.ui.overlay_visible
        gui.key("B")
        assert gui.ui.overlay_visible
    finally:
        gui.close()
    keys = " ".join(k for k, _ in SHORTCUT_HELP)
    for name in ("V", "0", "M", "P", "PgDn", "PgUp", "D", "G", "Shift+R", "Ctrl+S", "Home",
                 "Z / X", "A", "C", "Shift+1 - 9", "Shift+P", "Shift+F9"):
        assert name in keys, name


def test_keys_for_layers_zoom_fit_compare_and_view_only_recording():
    """Issue 16: each layer, zoom, the view's framing, compare on/off, the preset and a
    view-only recording have keys (the App's side: tests/test_lecture.py)."""
    from glgan.ui import commands as c
    from glgan.ui.testing import NullUi

    gui = NullUi()
    try:
        gui.step()
        names = ("heatmap", "contour", "real", "fake", "manifold", "gradients", "optimal",
                 "flow", "trails")
        for i, name in enumerate(names, 1):
            assert gui.key(f"NUMBER_{i}", shift=True) == [c.ToggleLayer(name)]
        assert gui.key("NUMBER_1") == [c.SelectDataset("line")]  # without Shift: datasets
        assert gui.key("V") == [c.FitView("samples")]
        assert gui.key("NUMBER_0") == [c.FitView("unit")]
        assert gui.key("Z") == [c.ZoomView(1.25)] and gui.key("X") == [c.ZoomView(0.8)]
        assert gui.key("A") == [c.ToggleAutoFit()] and gui.key("C") == [c.ToggleCompare()]
        assert gui.key("P", shift=True) == [c.RestorePreset()]
        assert gui.key("F9", shift=True) == [c.ToggleRecord(view_only=True)]
        assert gui.key("F9") == [c.ToggleRecord()]
    finally:
        gui.close()


def test_legend_speaks_the_palette():
    from glgan.palette import view_style
    from glgan.ui.layers import legend
    from glgan.ui.state import UiState
    from glgan.ui.theme import from_rgba

    ganlab = legend(UiState())
    assert "green are real" in ganlab[0][3] and ganlab[0][0] == from_rgba(view_style().real, 1)
    ui = UiState(palette="colorblind", theme="dark")
    cb = legend(ui)
    assert "purple are real" in cb[0][3] and "Orange dots" in cb[1][3]
    assert cb[1][0] == from_rgba(view_style("colorblind", "dark").fake, 1.0)
    assert cb[0][0] != ganlab[0][0]


def test_keyboard_navigation_takes_the_keys_only_while_it_shows():
    """Issue 16: ImGui's keyboard navigation is on (Tab walks the widgets, Space uses one);
    while it shows, keys belong to it (Space must not also start training); Esc gives them
    back to the shortcuts."""
    from imgui_bundle import imgui

    from glgan.ui import commands as c
    from glgan.ui.testing import NullUi

    gui = NullUi()
    try:
        gui.frames(2)
        assert imgui.get_io().config_flags & imgui.ConfigFlags_.nav_enable_keyboard
        gui.key("SPACE")  # no navigation showing: Space is play / pause
        assert gui.ui.playing
        gui.key("SPACE")
        assert not gui.ui.playing
        gui.click("hyper_note")  # focus a panel (a plain text in it)
        gui.key("TAB")
        gui.frames(2)
        assert imgui.get_io().nav_visible
        assert not any(isinstance(x, c.Play) for x in gui.key("SPACE"))
        assert not gui.ui.playing
        gui.key("ESCAPE")
        gui.frames(2)
        assert not imgui.get_io().nav_visible
        assert gui.key("S") == [c.Step("both")]
    finally:
        gui.close()


def test_the_help_window_sets_theme_palette_auto_fit_and_view_only_recording():
    from glgan.ui.testing import NullUi

    gui = NullUi()
    try:
        gui.step()
        gui.key("F1")
        gui.frames(2)
        gui.click("theme=dark")
        gui.click("palette=colorblind")
        assert (gui.ui.theme, gui.ui.palette) == ("dark", "colorblind")
        gui.frames(2)  # the dark ImGui style is applied on the next frame, without error
        assert gui.ui.theme_key[1] == "dark"
        from glgan.ui.commands import ToggleAutoFit

        view_only = gui.ui.record_view_only
        assert ToggleAutoFit() in gui.click("auto-fit")  # app.py toggles and keeps it
        gui.click("record view only")
        assert gui.ui.record_view_only is not view_only
        gui.click("theme=high-contrast")
        assert gui.ui.high_contrast
    finally:
        gui.close()


def test_high_contrast_draws_the_graph_edges_solid(monkeypatch):
    from glgan.ui import graph
    from glgan.ui.testing import NullUi

    dashed = []
    real_dashed = graph._dashed
    monkeypatch.setattr(graph, "_dashed", lambda *a, **k: (dashed.append(1), real_dashed(*a, **k)))
    gui = NullUi()
    try:
        gui.frames(2)
        assert dashed  # GAN Lab's marching dashes
        dashed.clear()
        gui.ui.high_contrast = True
        gui.frames(2)
        assert not dashed
    finally:
        gui.close()


def test_slow_motion_captions_each_sub_step_with_the_loss_formula():
    """Issue 17: every highlighted sub-step shows one line saying what happens; the loss
    sub-steps show the formula of the loss in use."""
    from glgan.config import GanConfig
    from glgan.ui import slowmo
    from glgan.ui.testing import NullUi

    gui = NullUi()
    shown = []
    real_draw = slowmo.draw_caption

    def spy(ui, cfg, rect):
        text = real_draw(ui, cfg, rect)
        shown.append(text)
        return text

    import glgan.ui.panels as panels
    panels.draw_caption = spy
    try:
        gui.step()
        gui.key("M")  # slow motion on (paused: the clock stands at D1)
        gui.ui.playing = True
        seen = {}
        for _ in range(int(10 * SUBSTEP_SECONDS * 60) + 30):
            gui.step(1 / 60)
            step = slowmo.current_substep(gui.ui)
            seen.setdefault(step.label, shown[-1])
        assert sorted(seen) == sorted(s.label for s in SUBSTEPS)
        for label, text in seen.items():
            assert text.startswith(label) and len(text) > len(label) + 20, (label, text)
        assert "L_D = -[w·mean log D(x)" in seen["D3"] and "w = 0.95" in seen["D3"]
        assert "L_G = -mean log D(G(z))" in seen["G3"]
        least = slowmo.caption(SUBSTEPS[7], GanConfig(loss="leastsq"))
        assert "L_G = mean (D(G(z)) - 1)²" in least
        for loss in ("log", "minimax", "leastsq", "hinge", "wasserstein"):  # every loss
            assert "L_D =" in slowmo.caption(SUBSTEPS[2], GanConfig(loss=loss)), loss
            assert "L_G =" in slowmo.caption(SUBSTEPS[7], GanConfig(loss=loss)), loss
        assert "±0.01" in slowmo.caption(SUBSTEPS[2], GanConfig(loss="wasserstein"))
        gui.key("M")
        gui.step()
        assert shown[-1] == ""  # slow motion off: no caption
    finally:
        panels.draw_caption = real_draw
        gui.close()


def test_captions_name_the_colours_of_the_palette_in_use():
    from glgan.config import GanConfig
    from glgan.palette import view_style
    from glgan.ui.slowmo import caption

    cb = view_style("colorblind").words
    assert "orange dots" in caption(SUBSTEPS[0], GanConfig(), cb)
    assert "(purple = real)" in caption(SUBSTEPS[1], GanConfig(), cb)
    assert "purple dots" in caption(SUBSTEPS[0], GanConfig(), view_style().words)
    assert view_style("colorblind", "dark").words[2] == "light"


def test_a_click_on_a_panel_does_not_take_the_clicker_keys():
    """Review: after a mouse click on a panel, PgDn (a clicker's key) started ImGui's
    navigation, and from then on every shortcut was swallowed (Space pressed a widget)."""
    from glgan.ui import commands as c
    from glgan.ui.testing import NullUi

    gui = NullUi()
    try:
        gui.frames(2)
        gui.click("Step")
        for _ in range(3):
            assert c.Step("both") in gui.key("PAGE_DOWN")
        gui.key("SPACE")
        assert gui.ui.playing and not gui.ui.slow_motion
        assert not gui.input.wants_keyboard
    finally:
        gui.close()


def test_the_panel_shows_the_settings_of_the_chosen_objective_and_optimisers():
    from glgan.config import GanConfig
    from glgan.ui.testing import NullUi

    gui = NullUi(cfg=GanConfig(loss="wasserstein", d_optimizer="rmsprop",
                               g_optimizer="momentum"))
    try:
        gui.frames(2)
        shown = set(gui.ui.debug_rects)
        assert {"clip", "rmsprop_rho", "rmsprop_eps", "momentum"} <= shown
        assert "real_weight" not in shown and "adam_beta1" not in shown
    finally:
        gui.close()
    gui = NullUi()  # GAN Lab's settings: none of them
    try:
        gui.frames(2)
        shown = set(gui.ui.debug_rects)
        assert "real_weight" in shown and not shown & {"clip", "rmsprop_rho", "momentum"}
    finally:
        gui.close()


def test_loss_bars_keep_the_sign_of_a_wasserstein_loss():
    from glgan.ui.graph import loss_bar_px

    assert loss_bar_px(-0.02, "d", "wasserstein") < 0 < loss_bar_px(0.02, "d", "wasserstein")
    assert loss_bar_px(-9.0, "g", "wasserstein") == -47.5
    assert loss_bar_px(1.0, "d", "hinge") == 25.0 and loss_bar_px(1.0, "d", "log") == 12.5


def test_hiding_the_panels_closes_the_network_view_and_dismissals_outlive_focus():
    from glgan.ui.testing import NullUi

    gui = NullUi()
    try:
        gui.frames(1)
        gui.ui.network = "d"
        gui.key("H")
        assert not gui.ui.overlay_visible and gui.ui.network is None
        gui.key("H")
        warning = {"name": "dead_d", "title": "t", "message": "m",
                   "fix": {"action": "reset", "changes": {}, "label": "Fix"}}
        gui.info.update(warnings=[warning], run_id="r1")
        gui.frames(2)  # (the box is placed by its size: known from the first frame)
        gui.click("dismiss:dead_d")
        assert ("r1", "dead_d") in gui.ui.dismissed
        gui.info.update(run_id="r2")  # another run focused
        gui.frames(1)
        gui.info.update(run_id="r1")  # and back
        gui.ui.debug_rects.clear()
        gui.frames(1)
        assert "warning:dead_d" not in gui.ui.debug_rects  # still dismissed
    finally:
        gui.close()


def test_compare_captions_stay_inside_their_cells():
    from glgan.ui.testing import NullUi

    cell = {"rect": (500.0, 100.0, 90.0, 90.0), "label": "d_lr=0.001, g_lr=0.001, k_d=3",
            "epoch": 12345, "kl": 1.23, "js": 0.45, "diverged": False, "focused": False,
            "index": 0, "warnings": []}
    gui = NullUi(info={"cells": [cell]})
    try:
        gui.frames(2)
        (x0, y0), (x1, y1) = gui.rect("cell0")
        assert 500 <= x0 and x1 <= 590 and 100 <= y0 and y1 <= 190
        gui.ui.network = "d"  # the network view covers the grid: no captions
        gui.ui.debug_rects.clear()
        gui.frames(1)
        assert "cell0" not in gui.ui.debug_rects
    finally:
        gui.close()


def test_presentation_names_every_varied_setting(monkeypatch):
    from imgui_bundle import imgui

    from glgan.history import History
    from glgan.ui.testing import NullUi

    shown = []
    measure = imgui.calc_text_size
    monkeypatch.setattr(imgui, "calc_text_size",
                        lambda text, *a, **k: shown.append(text) or measure(text, *a, **k))
    gui = NullUi(info={"runs": [("d_lr=0.01, g_lr=0.1", History()),
                                ("d_lr=0.1, g_lr=0.1", History())]})
    try:
        gui.ui.overlay_visible = False  # presentation mode
        gui.frames(1)
    finally:
        gui.close()
    assert "2 runs: d_lr and g_lr vary" in shown
