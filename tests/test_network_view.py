"""The network view (glgan.ui.network) driven through real ImGui frames with synthetic input:
opened from the model graph, one thumbnail per neuron, dead ReLUs marked, links coloured by
the weight's sign, closed by Esc, the Close button or the graph again."""

import numpy as np
import pytest

from glgan.compute.api import make_engine
from glgan.compute.inspect import picture_for
from glgan.compute.mlp import layer_views
from glgan.compute.state import EngineState, d_sizes
from glgan.config import preset
from glgan.palette import PRGN
from glgan.ui import network
from glgan.ui import theme as th
from glgan.ui.network import (
    MAX_SHOWN,
    NEG_RGB,
    POS_RGB,
    layer_colors,
    link_segments,
    link_style,
    open_net,
    plan,
    set_open,
)
from glgan.ui.preview import synthetic_dataset_samples, synthetic_frame
from glgan.ui.testing import NullUi


def engine_for(layers=2, neurons=6, noise_dim=2, epochs=20):
    cfg = preset("ring").replace(g_hidden_layers=layers, d_hidden_layers=layers,
                                 g_neurons=neurons, d_neurons=neurons, noise_dim=noise_dim)
    engine = make_engine(cfg)
    engine.train(epochs)
    return engine


def make_gui(pictures):
    """A NullUi whose app side hands the view the picture of the open network."""
    gui = NullUi(cfg=preset("ring"), frame=synthetic_frame(),
                 info=dict(dataset_samples=synthetic_dataset_samples()))
    step = gui.step

    def app_step(dt=1 / 60):
        gui.info["network"] = pictures.get(open_net(gui.ui))
        return step(dt)

    gui.step = app_step
    gui.frames(2)
    return gui


@pytest.fixture
def pics():
    engine = engine_for()
    return {"d": picture_for(engine, 0, "d"), "g": picture_for(engine, 0, "g")}


def neuron_rects(gui, net):
    return sorted(k for k in (gui.ui.debug_rects or {}) if k.startswith(f"neuron:{net}:"))


def rgb(col):
    return (col & 255, col >> 8 & 255, col >> 16 & 255)


def test_a_click_on_the_discriminator_opens_one_thumbnail_per_neuron(pics):
    gui = make_gui(pics)
    try:
        assert open_net(gui.ui) is None and not neuron_rects(gui, "d")
        assert gui.click("graph_node:discriminator") == []
        assert open_net(gui.ui) == "d"
        sizes = pics["d"].sizes
        assert sizes == (2, 6, 6, 1)
        want = sorted(f"neuron:d:{li}:{i}" for li, n in enumerate(sizes) for i in range(n))
        assert neuron_rects(gui, "d") == want
        (vx0, vy0), (vx1, vy1) = gui.rect("network")
        for label in want:  # inside the view's window, square, none overlapping
            (x0, y0), (x1, y1) = gui.rect(label)
            assert vx0 <= x0 < x1 <= vx1 and vy0 <= y0 < y1 <= vy1
            assert x1 - x0 == pytest.approx(y1 - y0) and x1 - x0 >= 10
        boxes = [gui.rect(k) for k in want]
        for a in range(len(boxes)):
            for b in range(a + 1, len(boxes)):
                (ax0, ay0), (ax1, ay1) = boxes[a]
                (bx0, by0), (bx1, by1) = boxes[b]
                assert ax1 <= bx0 or bx1 <= ax0 or ay1 <= by0 or by1 <= ay0
        # the graph's own view of the main window is covered: the window sits over it
        (gx0, _), _ = gui.rect("graph_node:discriminator")
        assert gx0 < vx0
    finally:
        gui.close()


def test_clicking_the_node_again_the_close_button_or_esc_returns(pics):
    gui = make_gui(pics)
    try:
        gui.click("graph_node:discriminator")
        assert open_net(gui.ui) == "d"
        gui.click("graph_node:discriminator")
        assert open_net(gui.ui) is None
        gui.click("graph_node:generator")
        assert open_net(gui.ui) == "g"
        assert neuron_rects(gui, "g")
        gui.click("graph_node:discriminator")  # the other node: switches
        assert open_net(gui.ui) == "d"
        gui.key("ESCAPE")
        assert open_net(gui.ui) is None
        gui.click("graph_node:generator")
        gui.click("network_close")
        assert open_net(gui.ui) is None
        gui.frames(3)
        assert open_net(gui.ui) is None  # stays closed
    finally:
        gui.close()


def test_esc_while_closed_does_nothing_here(pics):
    gui = make_gui(pics)
    try:
        assert gui.key("ESCAPE") == [] and open_net(gui.ui) is None
    finally:
        gui.close()


def test_waiting_for_the_picture_shows_no_neurons():
    gui = make_gui({})  # the app has not computed it yet
    try:
        gui.click("graph_node:discriminator")
        assert open_net(gui.ui) == "d" and gui.rect("network_close")
        assert not neuron_rects(gui, "d")
    finally:
        gui.close()


def test_generator_with_1d_noise_draws_curves_for_every_neuron():
    engine = engine_for(layers=3, neurons=4, noise_dim=1)
    gui = make_gui({"g": picture_for(engine, 0, "g")})
    try:
        gui.click("graph_node:generator")
        sizes = (1, 4, 4, 4, 2)
        assert neuron_rects(gui, "g") == sorted(
            f"neuron:g:{li}:{i}" for li, n in enumerate(sizes) for i in range(n))
    finally:
        gui.close()


def test_large_networks_show_the_first_neurons_and_how_many_more():
    engine = engine_for(layers=6, neurons=100, epochs=2)
    pic = picture_for(engine, 0, "d")
    gui = make_gui({"d": pic})
    try:
        gui.click("graph_node:discriminator")
        rects = neuron_rects(gui, "d")
        for li in range(1, 7):
            shown = [k for k in rects if k.startswith(f"neuron:d:{li}:")]
            assert 1 <= len(shown) <= MAX_SHOWN
            assert shown == sorted(f"neuron:d:{li}:{i}" for i in range(len(shown)))
            assert gui.rect(f"neuron_more:d:{li}")  # "+k more" under the column
        assert len([k for k in rects if k.startswith("neuron:d:0:")]) == 2
        assert len([k for k in rects if k.startswith("neuron:d:7:")]) == 1
        cols = plan(pic.sizes, (0, 0, 900, 600))
        assert [c.more + len(c.rects) for c in cols] == list(pic.sizes)
    finally:
        gui.close()


class RecordingDrawList:
    """Forwards to an ImGui draw list and records add_line / add_text calls."""

    def __init__(self, dl, log):
        object.__setattr__(self, "_dl", dl)
        object.__setattr__(self, "_log", log)

    def __getattr__(self, name):
        attr = getattr(self._dl, name)
        if name in ("add_line", "add_text"):
            def record(*args):
                self._log.append((name, args))
                return attr(*args)
            return record
        return attr

    def __setattr__(self, name, value):
        setattr(self._dl, name, value)


class ImguiSpy:
    def __init__(self, real, log):
        self._real, self._log = real, log

    def __getattr__(self, name):
        if name == "get_window_draw_list":
            return lambda: RecordingDrawList(self._real.get_window_draw_list(), self._log)
        return getattr(self._real, name)


def kill(engine, layer, neuron):
    """Make hidden neuron ``neuron`` of D's layer ``layer`` negative over [0, 1]^2."""
    state = engine.snapshot()
    run = state.runs[0]
    theta = run.d_theta.copy()
    Wa = layer_views(theta, d_sizes(run.config))[layer - 1]
    Wa[:-1, neuron], Wa[-1, neuron] = -1.0, -0.5
    engine.restore(EngineState((run.replace(d_theta=theta),), state.drawn))


def test_a_dead_relu_is_drawn_flat_and_labelled(monkeypatch):
    from imgui_bundle import imgui

    engine = engine_for()
    kill(engine, 1, 3)
    pic = picture_for(engine, 0, "d")
    assert pic.layers[1].dead[3]
    colors = layer_colors(pic.layers[1], pic, PRGN, 1.0)
    assert len(np.unique(colors[3])) == 1  # flat: one colour over the whole thumbnail
    alive = [i for i in range(6) if not pic.layers[1].dead[i]]
    assert any(len(np.unique(colors[i])) > 1 for i in alive)
    log = []
    monkeypatch.setattr(network, "imgui", ImguiSpy(imgui, log))
    gui = make_gui({"d": pic})
    try:
        set_open(gui.ui, "d")
        gui.frames(2)
        dead_labels = [args for name, args in log if name == "add_text" and args[2] == "dead"]
        n_dead = int(pic.dead_count)
        assert len(dead_labels) == 2 * n_dead >= 2  # two frames
        (x0, y0), (x1, y1) = gui.rect("neuron:d:1:3")
        assert any(x0 <= a[0][0] <= x1 and y0 <= a[0][1] <= y1 for a in dead_labels)
    finally:
        gui.close()


def test_link_colour_follows_the_sign_and_width_the_magnitude():
    pos, w_pos = link_style(0.8, 1.0)
    neg, w_neg = link_style(-0.8, 1.0)
    assert rgb(pos) == POS_RGB and rgb(neg) == NEG_RGB  # blue +, orange -
    assert w_pos == w_neg  # width by magnitude only
    small, w_small = link_style(0.1, 1.0)
    big, w_big = link_style(-5.0, 1.0)
    assert w_small < w_pos < w_big and rgb(big) == NEG_RGB
    assert (small >> 24) < (pos >> 24) <= (big >> 24)  # fainter when smaller
    zero, w_zero = link_style(0.0, 1.0)
    assert rgb(zero) not in (POS_RGB, NEG_RGB) and w_zero <= w_small
    assert link_style(0.5, 1.0, px=2.0)[1] == pytest.approx(2 * link_style(0.5, 1.0)[1])


def test_the_view_draws_every_link_in_its_weights_colour(monkeypatch, pics):
    from imgui_bundle import imgui

    pic = pics["d"]
    cols = plan(pic.sizes, (0, 0, 800, 500))
    segs = link_segments(pic, cols)
    assert len(segs) == sum(a * b for a, b in zip(pic.sizes, pic.sizes[1:]))
    k = 0
    for li in range(1, len(pic.sizes)):
        W = pic.layers[li].weights
        for a in range(pic.sizes[li - 1]):
            for b in range(pic.sizes[li]):
                want = POS_RGB if W[a, b] > 0 else NEG_RGB
                assert rgb(segs[k][2]) == want
                k += 1
    log = []
    monkeypatch.setattr(network, "imgui", ImguiSpy(imgui, log))
    gui = make_gui(pics)
    try:
        set_open(gui.ui, "d")
        gui.step()
        log.clear()
        gui.step()
        lines = [args for name, args in log if name == "add_line"]
        colours = [rgb(args[2]) for args in lines]
        n_pos = sum(int((layer.weights > 0).sum()) for layer in pic.layers[1:])
        n_neg = sum(int((layer.weights < 0).sum()) for layer in pic.layers[1:])
        assert colours.count(POS_RGB) == n_pos and colours.count(NEG_RGB) == n_neg
    finally:
        gui.close()


def test_open_state_is_kept_in_uistate():
    from glgan.ui.state import UiState

    ui = UiState()
    assert open_net(ui) is None
    set_open(ui, "g")
    assert ui.network == "g" and open_net(ui) == "g"
    network.toggle(ui, "g")
    assert open_net(ui) is None and ui.network is None
    with pytest.raises(ValueError):
        set_open(ui, "x")


def test_thumbnail_colours_hidden_neurons_scaled_to_their_own_maximum(pics):
    from glgan.ui.network import neuron_values, sign_u32

    d = pics["d"]
    hidden = d.layers[1]
    v = neuron_values(hidden, d)
    cols = layer_colors(hidden, d, PRGN, 1.0)
    mid = int(sign_u32(0.0))
    for i in range(hidden.size):
        a = hidden.activations[i]
        assert (cols[i][a == 0] == mid).all()  # an idle ReLU is the neutral colour
        if not hidden.dead[i]:
            assert v[i].max() == pytest.approx(1.0) and v[i].min() >= 0.0
            assert rgb(int(cols[i].flat[np.argmax(a)])) == POS_RGB  # its maximum: full blue
    x = neuron_values(d.layers[0], d)  # the inputs span the domain: -1 .. 1 (orange .. blue)
    assert -1.0 < x.min() < -0.9 and 0.9 < x.max() < 1.0
    out = neuron_values(pics["g"].layers[-1], pics["g"])  # G's tanh outputs as they are
    np.testing.assert_array_equal(out, pics["g"].layers[-1].activations.astype(np.float64))
    dout = layer_colors(d.layers[-1], d, PRGN, 1.0)  # D(x): the heatmap's own ramp
    np.testing.assert_array_equal(dout, th.prgn_u32(d.layers[-1].activations, 1.0, PRGN, 1.0))


def test_a_critic_is_coloured_by_its_raw_value_around_its_median():
    from glgan.config import LOSSES
    from glgan.ui.network import neuron_values

    if "wasserstein" not in LOSSES:
        pytest.skip("no critic loss in this config")
    cfg = preset("ring").replace(loss="wasserstein")
    engine = make_engine(cfg)
    engine.train(10)
    pic = picture_for(engine, 0, "d")
    v = neuron_values(pic.layers[-1], pic)
    assert np.nanmedian(v) == pytest.approx(0.0, abs=1e-9) and np.abs(v).max() == 1.0
    assert np.argmax(v) == np.argmax(pic.logits)
    gui = make_gui({"d": pic})
    try:
        gui.click("graph_node:discriminator")
        assert gui.rect("neuron:d:3:0")
    finally:
        gui.close()


def test_esc_closes_on_its_release_so_the_window_never_quits_on_the_same_key(pics):
    """window.py lets Esc quit only while no view is open and checks before each frame: the
    press and the release both arrive while the view is still open."""
    from imgui_bundle import imgui

    from glgan.ui.testing import FakeKeys, _Mods

    gui = make_gui(pics)
    try:
        gui.click("graph_node:discriminator")
        gui.ui.push(*gui.input.key_event("ESCAPE", FakeKeys.ACTION_PRESS, _Mods()))
        gui.step()
        gui.step()
        assert open_net(gui.ui) == "d"  # held: still open
        imgui.set_current_context(gui.ctx)
        gui.ui.push(*gui.input.key_event("ESCAPE", FakeKeys.ACTION_RELEASE, _Mods()))
        assert open_net(gui.ui) == "d"  # released, before the next frame: still open
        gui.step()
        assert open_net(gui.ui) is None
    finally:
        gui.close()


def test_the_dead_d_warning_is_named_in_the_discriminators_view(pics):
    gui = make_gui(pics)
    try:
        gui.info["warnings"] = [{"name": "dead_d", "title": "D has gone flat", "message": "...",
                                 "fix": {"action": "reset", "changes": {}, "label": "Fix"}}]
        gui.click("graph_node:discriminator")
        assert gui.rect("network_warning:dead_d")
        gui.click("graph_node:generator")
        gui.ui.debug_rects.clear()
        gui.frames(2)
        assert "network_warning:dead_d" not in gui.ui.debug_rects  # G's view: not about G
        assert gui.rect("neuron:g:0:0")
    finally:
        gui.close()
