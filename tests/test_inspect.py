"""Inside the networks (glgan.compute.inspect): every neuron's output over its input domain,
exactly as the engine computes it, dead ReLUs, and the app's throttled picture source."""

import numpy as np
import pytest

from glgan.compute.api import GanEngine, make_engine
from glgan.compute.inspect import (
    CURVE_SAMPLES,
    NetworkPictures,
    grid,
    picture,
    picture_for,
)
from glgan.compute.mlp import layer_views
from glgan.compute.state import EngineState, d_sizes, g_sizes
from glgan.config import preset

PROTOCOL = {n for n in dir(GanEngine) if not n.startswith("_")}


class ProtocolOnly:
    """An engine that refuses what the GanEngine Protocol does not declare."""

    def __init__(self, engine):
        self._engine = engine

    def __getattr__(self, name):
        if name not in PROTOCOL:
            raise AttributeError(f"{name!r} is not part of the GanEngine Protocol")
        return getattr(self._engine, name)


def trained(noise_dim=2, layers=2, neurons=8, epochs=40, dtype=None, dataset="ring"):
    cfg = preset(dataset).replace(noise_dim=noise_dim, g_hidden_layers=layers,
                                  d_hidden_layers=layers, g_neurons=neurons, d_neurons=neurons)
    engine = make_engine(cfg, dtype=dtype)
    engine.train(epochs)
    return engine


def set_neuron(engine, net, layer, neuron, weights, bias):
    """Give neuron ``neuron`` of hidden layer ``layer`` (1 = first) of ``net`` these incoming
    weights and bias, through snapshot / restore."""
    state = engine.snapshot()
    run = state.runs[0]
    theta = (run.g_theta if net == "g" else run.d_theta).copy()
    sizes = g_sizes(run.config) if net == "g" else d_sizes(run.config)
    Wa = layer_views(theta, sizes)[layer - 1]
    Wa[:-1, neuron] = weights
    Wa[-1, neuron] = bias
    run = run.replace(**{f"{net}_theta": theta})
    engine.restore(EngineState((run,), state.drawn))


@pytest.mark.parametrize("noise_dim", [1, 2])
@pytest.mark.parametrize("layers", [1, 3, 6])
def test_output_layer_is_exactly_the_engines(noise_dim, layers):
    engine = trained(noise_dim, layers, neurons=9)
    strict = ProtocolOnly(engine)
    for bounds in [(0.0, 0.0, 1.0, 1.0), (-0.7, -0.2, 1.6, 1.1)]:
        d = picture_for(strict, 0, "d", bounds, res=24)
        assert d.layers[-1].activations.shape == (1, 24, 24)
        np.testing.assert_array_equal(d.layers[-1].activations.reshape(-1),
                                      engine.discriminator(d.inputs))
        assert d.domain == bounds
    g = picture_for(strict, 0, "g", res=24)
    n = 24 * 24 if noise_dim == 2 else 24 * CURVE_SAMPLES
    shape = (24, 24) if noise_dim == 2 else (n,)
    assert g.layers[-1].activations.shape == (2, *shape)
    assert g.inputs.shape == (n, noise_dim)
    np.testing.assert_array_equal(g.layers[-1].activations.reshape(2, -1).T,
                                  engine.generator(g.inputs))
    assert g.sizes == (noise_dim, *[9] * layers, 2)
    assert [layer.kind for layer in g.layers] == ["input"] + ["hidden"] * layers + ["output"]
    assert g.epoch == engine.status().epoch == 40


def test_exact_in_float64_too():
    engine = trained(dtype=np.float64)
    d = picture_for(engine, 0, "d", res=16)
    assert d.layers[-1].activations.dtype == np.float64
    np.testing.assert_array_equal(d.layers[-1].activations.reshape(-1),
                                  engine.discriminator(d.inputs))


@pytest.mark.parametrize("net", ["g", "d"])
def test_hidden_layers_follow_from_the_weights_and_biases_shown(net):
    """Every layer is relu(previous @ weights + biases) with the picture's own weights (and
    D's output the sigmoid of that), so the links and borders show what made each neuron."""
    pic = picture_for(trained(layers=3), 0, net, res=12)
    for prev, layer in zip(pic.layers, pic.layers[1:]):
        a = prev.activations.reshape(prev.size, -1).T.astype(np.float64)
        assert layer.weights.shape == (prev.size, layer.size)
        assert layer.biases.shape == (layer.size,)
        z = a @ layer.weights + layer.biases
        want = {"hidden": np.maximum(z, 0.0), "output": np.tanh(z) if net == "g"
                else 1.0 / (1.0 + np.exp(-z))}[layer.kind]
        np.testing.assert_allclose(layer.activations.reshape(layer.size, -1).T, want,
                                   rtol=1e-4, atol=1e-5)
    assert pic.layers[0].weights is None and pic.layers[0].biases is None


def test_grid_orientation_rows_are_y_columns_are_x():
    pic = picture_for(trained(), 0, "d", (2.0, 10.0, 4.0, 20.0), res=4)
    x, y = pic.layers[0].activations
    np.testing.assert_allclose(x[0], [2.25, 2.75, 3.25, 3.75])  # columns: x increasing
    np.testing.assert_allclose(y[:, 0], [11.25, 13.75, 16.25, 18.75])  # rows: y, row 0 low
    assert (x == x[0]).all() and (y.T == y[:, 0]).all()
    np.testing.assert_array_equal(grid(2, 4, (2.0, 10.0, 4.0, 20.0)), pic.inputs)
    assert pic.layers[0].names == ("x", "y") and pic.layers[-1].names == ("D(x)",)
    z = picture_for(trained(noise_dim=1), 0, "g", res=8)
    np.testing.assert_allclose(z.layers[0].activations[0], np.linspace(0, 1, 8 * CURVE_SAMPLES),
                               atol=1e-7)  # 1-D noise: the interval, ends included
    assert z.domain == (0.0, 1.0) and z.layers[-1].names == ("x", "y")


@pytest.mark.parametrize("net", ["g", "d"])
def test_a_forced_dead_relu_is_flagged_and_flat(net):
    engine = trained(layers=2, neurons=6)
    before = picture_for(engine, 0, net)
    i = int(np.flatnonzero(~before.hidden[0].dead[1:])[0]) + 1  # alive neurons, not the 1st
    j = int(np.flatnonzero(~before.hidden[1].dead)[-1])
    # inputs are >= 0 over [0, 1]^2 (both nets here) and hidden outputs are >= 0 after ReLU,
    # so non-positive weights and a negative bias keep a neuron negative everywhere
    set_neuron(engine, net, 1, i, [-1.0, -1.0], -0.5)
    set_neuron(engine, net, 2, j, -np.ones(6), -0.1)
    set_neuron(engine, net, 1, 0, [1.0, 1.0], 0.1)  # alive everywhere
    pic = picture_for(engine, 0, net)
    first, second = pic.hidden
    assert first.dead[i] and second.dead[j]
    assert not first.dead[0] and (first.activations[0] > 0).all()
    assert (first.activations[i] == 0).all() and (second.activations[j] == 0).all()  # flat
    assert pic.dead_count == int(first.dead.sum() + second.dead.sum()) >= 2
    assert not pic.layers[0].dead.any() and not pic.layers[-1].dead.any()
    assert pic.dead_layers == ()
    # the dead flag is "0 at every grid point", nothing else
    for layer in pic.hidden:
        np.testing.assert_array_equal(layer.dead, ~(layer.activations > 0).reshape(
            layer.size, -1).any(axis=1))


def test_a_layer_dead_throughout_makes_d_constant():
    engine = trained(layers=2, neurons=5)
    for j in range(5):
        set_neuron(engine, "d", 2, j, -np.ones(5), -0.2)
    pic = picture_for(engine, 0, "d")
    assert pic.dead_layers == (2,)
    out = pic.layers[-1].activations
    assert (out == out.flat[0]).all()  # D outputs its last bias's sigmoid everywhere
    pts = np.random.default_rng(0).uniform(0, 1, (50, 2))
    assert np.ptp(engine.discriminator(pts)) == 0


def test_refuses_bad_requests():
    engine = trained()
    state = engine.snapshot().runs[0]
    for kwargs, match in [(dict(net="x"), "net"), (dict(net="d", res=1), "res"),
                          (dict(net="d", res=1000), "res"), (dict(net="d", res=True), "res"),
                          (dict(net="d", bounds=(0, 0, 0, 1)), "bounds"),
                          (dict(net="d", bounds=(0, 0, np.inf, 1)), "bounds")]:
        with pytest.raises(ValueError, match=match):
            picture(state, **kwargs)


def test_pictures_are_throttled_and_recomputed_when_asked_for_something_else():
    engine = ProtocolOnly(trained())
    src = NetworkPictures(interval=0.15)
    assert src.get(engine, 0, None, now=0.0) is None and src.computed == 0
    p0 = src.get(engine, 0, "d", now=0.0)
    assert src.computed == 1 and p0.net == "d"
    engine.train(1)
    assert src.get(engine, 0, "d", now=0.05) is p0  # changed, but within the interval
    p1 = src.get(engine, 0, "d", now=0.2)
    assert p1 is not p0 and p1.epoch == p0.epoch + 1 and src.computed == 2
    assert src.get(engine, 0, "d", now=5.0) is p1  # nothing changed: nothing computed
    assert src.get(engine, 0, "d", (0, 0, 2, 2), now=5.1).domain == (0, 0, 2, 2)
    # a moving camera is throttled like training
    assert src.get(engine, 0, "d", (0, 0, 3, 3), now=5.15).domain == (0, 0, 2, 2)
    assert src.get(engine, 0, "d", (0, 0, 3, 3), now=5.3).domain == (0, 0, 3, 3)
    assert src.computed == 4
    assert src.get(engine, 0, "g", now=5.21).net == "g"  # another network: at once
    assert src.get(engine, 0, "g", res=8, now=5.22).res == 8  # another resolution: at once
    engine.reset()  # the run starts over: at once
    assert src.get(engine, 0, "g", res=8, now=5.23).epoch == 0
    other = ProtocolOnly(trained(epochs=3))  # another engine (the timeline's past): at once
    assert src.get(other, 0, "g", res=8, now=5.24).epoch == 3
    assert src.computed == 8
    assert src.get(engine, 0, None, now=6.0) is None
    assert src.get(engine, 0, "g", res=8, now=6.0).epoch == 0 and src.computed == 9


def test_d_keeps_its_logits_and_a_critic_is_named_so():
    from glgan.config import LOSSES

    engine = trained()
    pic = picture_for(engine, 0, "d", res=10)
    assert not pic.critic and pic.layers[-1].names == ("D(x)",)
    np.testing.assert_allclose(1 / (1 + np.exp(-pic.logits.astype(np.float64))),
                               pic.layers[-1].activations, rtol=1e-5)
    assert picture_for(engine, 0, "g").logits is None
    if "wasserstein" not in LOSSES:
        pytest.skip("no critic loss in this config")
    cfg = engine.configs()[0].replace(loss="wasserstein")
    critic = make_engine(cfg)
    critic.train(5)
    pic = picture_for(critic, 0, "d", res=10)
    assert pic.critic and pic.loss == "wasserstein" and pic.layers[-1].names == ("critic",)
    np.testing.assert_array_equal(pic.layers[-1].activations.reshape(-1),
                                  critic.discriminator(pic.inputs))  # still the engine's D(x)
