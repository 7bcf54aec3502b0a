"""The overlay at every lecture-hall scale (issue 16): at 1920x1080 and user scales 1.0 to 2.0,
with and without high contrast, and at 1280x720, nothing is clipped or overlaps. Driven
headless through real ImGui frames (NullUi); widget rectangles come from ImGui's layout.

Decided here: the top bar shows every control inside the window (wrapping into two rows when
one does not fit); the model graph's labels never overlap and stay inside their panel; the
right panel is one scrolling column whose widgets all lie inside its width and can each be
brought fully into view with the mouse wheel (at 1920x1080, scale 1, without scrolling).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from imgui_bundle import imgui, implot

from glgan.history import History
from glgan.ui import charts, panels
from glgan.ui.charts import padded_range
from glgan.ui.controls import delivered_per_frame, delivered_text
from glgan.ui.help import _timings
from glgan.ui.layout import HIGH_CONTRAST_TEXT, compute_layout, top_bar_width
from glgan.ui.panels import layout_for
from glgan.ui.preview import synthetic_dataset_samples, synthetic_frame
from glgan.ui.state import UiState
from glgan.ui.testing import NullUi

SCALES = (1.0, 1.25, 1.5, 1.75, 2.0)
# the tightest windows the layout's width estimates allow: one row at scale 1, and the
# wrapped bar at scale 2 in high contrast
TIGHT = ((math.ceil(top_bar_width(1)), 800), 1.0, False), \
    ((math.ceil(top_bar_width(2, 2.0, HIGH_CONTRAST_TEXT)), 1080), 2.0, True)
CASES = ([((1920, 1080), s, hc) for s in SCALES for hc in (False, True)]
         + [((1280, 720), 1.0, False), ((1280, 720), 1.0, True), *TIGHT])
IDS = [f"{w}x{h}-{s}{'-hc' if hc else ''}" for (w, h), s, hc in CASES]

TOP_BAR = ("dataset:line", "dataset:gaussians", "dataset:ring", "dataset:disjoint",
           "dataset:drawn", "pretrained", "Reset", "Preset", "play", "Step", "D", "G", "epoch",
           "epochs/frame", "slow motion", "slow speed", "delivered", "Record", "Shot", "?")
HYPER = ("noise_dist", "noise_dim", "g_hidden_layers", "g_neurons", "g_optimizer",
         "g_lr_combo", "g_lr", "d_hidden_layers", "d_neurons", "d_optimizer", "d_lr_combo",
         "d_lr", "loss", "k_d", "k_g", "real_weight", "adam_beta1", "adam_beta2", "adam_eps",
         "batch_size", "seed", "use_atlas", "atlas_size")
COMPARE = ("compare_key0", "compare_values0", "compare_key1", "compare_values1", "Compare",
           "clone", "end_compare", "Edits apply to all runs")
RIGHT_PANEL = ("compare_header", *COMPARE, "hyper_header", "hyper_note", *HYPER, "metrics")
RIGHT_TITLE = "Hyperparameters and metrics"


def history() -> History:
    h = History()
    for e in range(0, 2000, 10):
        h.append(e, 1.3 + 0.05 * np.sin(e / 40), 0.7, 2.0 * np.exp(-e / 500), 0.1)
    return h


def widest_state(gui: NullUi) -> None:
    """What makes the panels widest and longest: playing at 1000 epochs/frame with the
    delivered rate shown, recording ("Stop rec"), an 8-digit epoch; Adam (the most
    hyperparameter rows) and two compared runs with the Compare section open."""
    gui.ui.playing, gui.ui.epochs_per_frame = True, 1000
    gui.info.update(recording=True, fps=60.0, epochs_per_s=60_000.0,
                    runs=[("d_lr=0.001", history()), ("d_lr=0.3", history())])
    gui.frame_data = synthetic_frame(epoch=12_345_678)
    gui.cfg = gui.cfg.replace(d_optimizer="adam", g_optimizer="adam")
    gui.ui.show_compare = True


def make_gui(size, scale, high_contrast) -> NullUi:
    gui = NullUi(size=size, frame=synthetic_frame(),
                  info=dict(dataset_samples=synthetic_dataset_samples()))
    gui.history = history()
    gui.ui.user_scale, gui.ui.high_contrast = scale, high_contrast
    widest_state(gui)
    gui.frames(3)
    return gui


@pytest.fixture(params=CASES, ids=IDS)
def gui(request):
    u = make_gui(*request.param)
    yield u
    u.close()


def inside(r, box, tol=0.5) -> bool:
    """Rectangle ``r`` ((x0, y0), (x1, y1)) lies within ``box`` (x, y, w, h)."""
    (x0, y0), (x1, y1) = r
    bx, by, bw, bh = box
    return x0 >= bx - tol and y0 >= by - tol and x1 <= bx + bw + tol and y1 <= by + bh + tol


def overlap(a, b) -> bool:
    """The rectangles share some area (touching edges do not count)."""
    return (min(a[1][0], b[1][0]) - max(a[0][0], b[0][0]) > 0.5
            and min(a[1][1], b[1][1]) - max(a[0][1], b[0][1]) > 0.5)


def overlaps(gui, labels) -> list[tuple[str, str]]:
    return [(a, b) for a, b in itertools.combinations(labels, 2)
            if overlap(gui.rect(a), gui.rect(b))]


def test_the_cases_cover_both_bar_layouts():
    rows = {compute_layout(w, h, s, True, HIGH_CONTRAST_TEXT if hc else 1.0).top_rows
            for (w, h), s, hc in CASES}
    assert rows == {1, 2}
    assert compute_layout(1920, 1080, 1.0).top_rows == 1
    assert compute_layout(1920, 1080, 1.75).top_rows == 2
    # the wrapped bar is taller by one line of widgets; the view keeps the rest
    lay1, lay2 = compute_layout(1920, 1080, 1.5), compute_layout(1920, 1080, 1.75)
    assert lay2.top_bar[3] > 1.75 / 1.5 * lay1.top_bar[3]
    assert lay2.view[1] == lay2.top_bar[3] and lay2.left[1] == lay2.right[1] == lay2.view[1]


def test_every_user_scale_is_honoured_at_1080p(gui):
    w, h = imgui.get_io().display_size
    if (w, h) == (1920, 1080):
        assert gui.ui.scale == gui.ui.user_scale  # fits without shrinking


def test_top_bar_widgets_are_inside_the_window_and_the_bar(gui):
    w, h = imgui.get_io().display_size
    bar = layout_for(gui.ui).top_bar
    for label in TOP_BAR:
        r = gui.rect(label)
        assert inside(r, (0, 0, w, h)), f"{label} {r} leaves the {w}x{h} window"
        assert inside(r, bar), f"{label} {r} is cut by the top bar {bar}"
        assert r[1][0] - r[0][0] > 1 or label == "delivered"


def test_top_bar_widgets_do_not_overlap(gui):
    assert overlaps(gui, TOP_BAR) == []


def test_graph_labels_do_not_overlap_and_stay_in_their_panel(gui):
    labels = [k for k in gui.ui.debug_rects if k.startswith(("graph:", "node_"))]
    assert len(labels) >= 15
    assert overlaps(gui, labels) == []
    left = layout_for(gui.ui).left
    for label in labels:
        assert inside(gui.rect(label), left), label
    # labels shrink only as far as their room needs: still large text at large scales
    text = gui.rect("graph:generator")
    assert text[1][1] - text[0][1] >= 0.7 * imgui.get_font_size()


def visible(window: str):
    """The part of a window's contents that shows (x, y, w, h), and its scroll position."""
    win = imgui.internal.find_window_by_name(window)
    r = win.inner_clip_rect
    return (r.min.x, r.min.y, r.max.x - r.min.x, r.max.y - r.min.y), win.scroll.y


def scroll_through(gui: NullUi, window: str, labels) -> set[str]:
    """Wheel down through ``window`` from the top; the labels never fully shown on the way."""
    box, _ = visible(window)
    gui.move(box[0] + box[2] * 0.97, box[1] + box[3] * 0.5)
    missing = set(labels)
    for _ in range(100):
        box, before = visible(window)
        missing -= {lab for lab in missing if inside(gui.rect(lab), box)}
        if not missing:
            break
        imgui.get_io().add_mouse_wheel_event(0.0, -1.0)
        gui.frames(2)
        if visible(window)[1] == before:  # at the bottom
            missing -= {lab for lab in missing if inside(gui.rect(lab), visible(window)[0])}
            break
    return missing


def test_right_panel_widgets_fit_its_width_and_scroll_into_view(gui):
    right = layout_for(gui.ui).right
    box, _ = visible(RIGHT_TITLE)
    for label in RIGHT_PANEL:  # labels included: nothing cut at the panel's side
        (x0, _), (x1, _) = gui.rect(label)
        assert x0 >= box[0] - 0.5 and x1 <= box[0] + box[2] + 0.5, (label, gui.rect(label))
        assert x1 <= right[0] + right[2]
    assert scroll_through(gui, RIGHT_TITLE, RIGHT_PANEL) == set()


def test_at_1080p_and_scale_1_the_whole_form_shows_without_scrolling():
    gui = make_gui((1920, 1080), 1.0, False)
    try:
        gui.cfg = gui.cfg.replace(d_optimizer="sgd", g_optimizer="sgd")  # GAN Lab's default
        gui.ui.show_compare = False
        gui.info["runs"] = []
        gui.frames(2)
        box, scroll = visible(RIGHT_TITLE)
        assert scroll == 0
        shown = [lab for lab in RIGHT_PANEL if lab not in COMPARE and not lab.startswith("adam")]
        assert [lab for lab in shown if not inside(gui.rect(lab), box)] == []
        # the charts share what the form leaves, at least CHART_MIN_H each
        (_, y0), (_, y1) = gui.rect("metrics")
        assert y1 - y0 >= panels.CHART_MIN_H - 1
    finally:
        gui.close()


def test_layer_toggles_fit_the_left_panel(gui, request):
    box, _ = visible("Model overview graph")
    labels = [k for k in gui.ui.debug_rects if k.startswith(("layer:", "layer-option:"))]
    for label in labels:
        (x0, _), (x1, _) = gui.rect(label)
        assert box[0] <= x0 and x1 <= box[0] + box[2], label
    assert overlaps(gui, labels) == []


def test_wrapping_the_bar_keeps_every_control_working():
    gui = make_gui((1920, 1080), 1.75, False)
    try:
        assert layout_for(gui.ui).top_rows == 2
        from glgan.ui.commands import Pause, Screenshot
        assert gui.click("play") == [Pause()]
        assert gui.click("Shot") == [Screenshot()]
        gui.click("?")
        assert gui.ui.show_help
    finally:
        gui.close()


# -- the delivered rate, the status line, the D loss -------------------------------------------

def test_delivered_rate_is_epochs_per_s_over_fps():
    assert delivered_per_frame({"fps": 60.0, "epochs_per_s": 600.0}) == pytest.approx(10.0)
    assert delivered_per_frame({"fps": 60.0, "epochs_per_s": -5.0}) == 0.0
    assert delivered_per_frame({"fps": 0.0, "epochs_per_s": 600.0}) is None
    assert delivered_per_frame({}) is None
    ui = UiState(playing=True, epochs_per_frame=1000)
    assert delivered_text(ui, {"fps": 60.0, "epochs_per_s": 600.0}) == "10 delivered"
    assert delivered_text(ui, {"fps": 60.0, "epochs_per_s": 150.0}) == "2.5 delivered"
    assert delivered_text(ui, {"fps": 60.0, "epochs_per_s": 60_000.0}) == "1,000 delivered"
    ui.playing = False  # paused: nothing is delivered, nothing shown
    assert delivered_text(ui, {"fps": 60.0, "epochs_per_s": 600.0}) == ""


def test_delivered_rate_is_shown_next_to_the_slider_while_playing():
    gui = NullUi(frame=synthetic_frame(), info=dict(fps=60.0, epochs_per_s=600.0))
    try:
        gui.ui.epochs_per_frame = 1000
        gui.frames(2)

        def width():
            (x0, _), (x1, _) = gui.rect("delivered")
            return x1 - x0

        assert width() < 1  # paused: empty
        gui.click("play")
        assert width() == pytest.approx(imgui.calc_text_size("10 delivered").x, abs=1)
        (x0, y0), _ = gui.rect("delivered")
        (sx0, sy0), (sx1, sy1) = gui.rect("epochs/frame")  # the slider and its label
        assert sx0 <= x0 <= sx1 and sy1 <= y0 <= sy1 + (sy1 - sy0)  # under the label
    finally:
        gui.close()


def test_status_line_never_shows_a_negative_rate():
    assert "-" not in _timings({"fps": 60.0, "epochs_per_s": -3.4})
    assert "0 epochs/s" in _timings({"fps": 60.0, "epochs_per_s": -0.2})
    assert "1,830 epochs/s" in _timings({"epochs_per_s": 1830.0})


def test_d_loss_tooltip_says_ganlab_halves_it():
    from glgan.ui.graph import LOSS_TIPS
    assert "dCost / 2" in LOSS_TIPS["d_loss"] and "half" in LOSS_TIPS["d_loss"]


class Spy:
    """Stands in for a module in a glgan module's namespace, recording the calls to some of
    its functions (name -> list of argument tuples) and passing them on."""

    def __init__(self, real, *names: str) -> None:
        self._real = real
        self.calls: dict[str, list[tuple]] = {n: [] for n in names}

    def __getattr__(self, name):
        attr = getattr(self._real, name)
        if name not in self.calls:
            return attr

        def record(*args):
            self.calls[name].append(args)
            return attr(*args)
        return record


def test_d_loss_tooltip_shows_on_hover(monkeypatch):
    from glgan.ui import graph
    spy = Spy(imgui, "set_tooltip")
    monkeypatch.setattr(graph, "imgui", spy)
    gui = NullUi(frame=synthetic_frame())
    try:
        gui.frames(2)
        (x0, y0), (x1, y1) = gui.rect("graph:d_loss_value")
        gui.move((x0 + x1) / 2, (y0 + y1) / 2)
        assert (graph.LOSS_TIPS["d_loss"],) in spy.calls["set_tooltip"]
    finally:
        gui.close()


# -- charts --------------------------------------------------------------------------------------

def test_padded_range_keeps_curves_off_the_plot_border():
    lo, hi = padded_range([np.array([0.0, 1.0]), np.array([0.5, np.nan])])
    assert lo < 0.0 and hi > 1.0
    assert lo == pytest.approx(-charts.Y_PAD) and hi == pytest.approx(1 + charts.Y_PAD)
    lo, hi = padded_range([np.full(50, 0.6931)])  # a flat curve sits in the middle
    assert lo < 0.6931 < hi and (lo + hi) / 2 == pytest.approx(0.6931)
    assert hi - lo > 0.05
    lo, hi = padded_range([np.full(5, 1e6)])  # relative to its size
    assert hi - lo > 1e4
    assert padded_range([np.array([np.nan, np.inf])]) is None
    assert padded_range([]) is None


def test_charts_use_the_padded_range_and_a_legend_outside_the_plot(monkeypatch):
    spy = Spy(implot, "setup_axis_limits", "setup_legend")
    monkeypatch.setattr(charts, "implot", spy)
    gui = NullUi(frame=synthetic_frame())
    try:
        for e in range(50):  # flat losses: drawn inside the plot, not on its edge
            gui.history.append(e, 1.0, 0.7, 0.5, 0.1)
        gui.frames(2)
    finally:
        gui.close()
    (axis, lo, hi, _), *_ = spy.calls["setup_axis_limits"]  # the losses' chart
    assert axis == implot.ImAxis_.y1 and lo < 0.7 - 0.01 and hi > 1.0 + 0.01
    flags = [args[1] for args in spy.calls["setup_legend"]]
    assert flags and all(f & implot.LegendFlags_.outside for f in flags)
