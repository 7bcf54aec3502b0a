"""Finite-difference checks (float64) of every layer, loss, and the full D and G steps."""

import numpy as np
import pytest

from glgan.compute import losses
from glgan.compute.config import GanConfig
from glgan.compute.engine import Engine
from glgan.compute.mlp import MLP, init_params, layer_sizes

RTOL, ATOL, EPS = 1e-5, 1e-8, 1e-6


def numeric_grad(f, x, eps=EPS):
    g = np.zeros_like(x)
    flat, gflat = x.reshape(-1), g.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        fp = f()
        flat[i] = old - eps
        fm = f()
        flat[i] = old
        gflat[i] = (fp - fm) / (2 * eps)
    return g


def make_mlp(sizes, tanh, n, seed=0):
    rng = np.random.default_rng(seed)
    net = MLP(sizes, tanh_output=tanh, capacity=n, dtype=np.float64)
    net.set_params(init_params(sizes, rng))
    for b in net.b:  # non-zero biases so every term is exercised
        b[...] = rng.normal(0, 0.3, b.shape)
    return net, rng


@pytest.mark.parametrize("sizes,tanh", [
    ([2, 4, 2], True), ([2, 5, 5, 5, 2], True), ([1, 3, 3, 2], True),
    ([2, 4, 1], False), ([2, 6, 6, 6, 1], False),
])
def test_mlp_param_and_input_gradients(sizes, tanh):
    n = 7
    net, rng = make_mlp(sizes, tanh, n)
    x = rng.normal(0.5, 0.5, (n, sizes[0]))
    w_out = rng.normal(size=(n, sizes[-1]))  # loss = sum(w_out * net(x))

    def loss():
        return float(np.sum(w_out * net.predict(x)))

    net.forward(x)
    dx = net.backward(w_out, input_grad=True)
    analytic = net.grad.copy()
    numeric = numeric_grad(loss, net.theta)
    np.testing.assert_allclose(analytic, numeric, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(dx, numeric_grad(loss, x), rtol=RTOL, atol=ATOL)
    _, dx2 = net.input_gradient(x, lambda out: w_out)
    np.testing.assert_allclose(dx2, dx, rtol=1e-12, atol=1e-12)


def test_backward_overwrites_gradients_instead_of_accumulating():
    net, rng = make_mlp([2, 4, 1], False, 5)
    x = rng.normal(size=(5, 2))
    d = rng.normal(size=(5, 1))
    net.forward(x)
    net.backward(d)
    first = net.grad.copy()
    net.forward(x)
    net.backward(d)
    np.testing.assert_array_equal(net.grad, first)


@pytest.mark.parametrize("loss", ["log", "minimax", "leastsq"])
@pytest.mark.parametrize("weight", [0.95, 1.0])
def test_d_loss_gradient_wrt_logits(loss, weight):
    rng = np.random.default_rng(1)
    nr, nf = 6, 5
    logits = rng.normal(0, 2, (nr + nf, 1))
    grad = losses.DLossGrad(nr, nf, np.float64)(loss, logits, weight).copy()

    def value():
        return losses.d_loss_value(loss, logits[:nr], logits[nr:], weight)

    np.testing.assert_allclose(grad, numeric_grad(value, logits), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("loss", ["log", "minimax", "leastsq"])
def test_g_loss_gradient_wrt_logits(loss):
    rng = np.random.default_rng(2)
    logits = rng.normal(0, 2, (9, 1))
    grad = losses.GLossGrad(9, np.float64)(loss, logits).copy()

    def value():
        return losses.g_loss_value(loss, logits)

    np.testing.assert_allclose(grad, numeric_grad(value, logits), rtol=RTOL, atol=ATOL)
    per_sample = losses.g_loss_dlogit(loss, logits)
    np.testing.assert_allclose(per_sample / 9, grad, rtol=1e-12, atol=1e-15)


def test_losses_stay_finite_when_the_discriminator_saturates():
    logits = np.array([[1e4], [-1e4], [80.0], [-80.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        for loss in ("log", "minimax", "leastsq"):
            assert np.isfinite(losses.d_loss_value(loss, logits[:2], logits[2:], 0.95))
            assert np.isfinite(losses.g_loss_value(loss, logits))
            assert np.isfinite(losses.DLossGrad(2, 2, np.float64)(loss, logits, 0.95)).all()


def small_engine(loss, noise_dim=2):
    cfg = GanConfig(g_hidden_layers=2, g_neurons=4, d_hidden_layers=2, d_neurons=5,
                    batch_size=6, atlas_size=24, loss=loss, noise_dim=noise_dim)
    return Engine(cfg, dtype=np.float64)


@pytest.mark.parametrize("loss", ["log", "minimax", "leastsq"])
def test_full_discriminator_step_gradient(loss):
    eng = small_engine(loss)
    B = eng.config.batch_size
    real = eng.real_atlas.data[B:2 * B].copy()
    z = eng.noise_atlas.data[B:2 * B].copy()
    eng._d_step(want_loss=False)  # uses exactly these batches (atlas batch 1), then updates
    grad = eng.D.grad.copy()
    theta_after = eng.D.theta.copy()
    eng.D.theta[...] = theta_after + eng.config.d_lr * grad  # undo the SGD step

    def value():
        fake = eng.G.predict(z)
        return losses.d_loss_value(loss, eng.D.predict(real), eng.D.predict(fake),
                                   eng.config.real_weight)

    np.testing.assert_allclose(grad, numeric_grad(value, eng.D.theta), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("loss", ["log", "minimax", "leastsq"])
@pytest.mark.parametrize("noise_dim", [1, 2])
def test_full_generator_step_gradient(loss, noise_dim):
    eng = small_engine(loss, noise_dim)
    B = eng.config.batch_size
    z = eng.noise_atlas.data[B:2 * B].copy()
    d_before = eng.D.theta.copy()
    eng._g_step(want_loss=False)
    np.testing.assert_array_equal(eng.D.theta, d_before)  # a G step never moves D
    grad = eng.G.grad.copy()
    eng.G.theta[...] += eng.config.g_lr * grad

    def value():
        return losses.g_loss_value(loss, eng.D.predict(eng.G.predict(z)))

    np.testing.assert_allclose(grad, numeric_grad(value, eng.G.theta), rtol=RTOL, atol=ATOL)


def test_visual_gradients_match_finite_differences():
    eng = small_engine("log")
    frame = eng.frame()
    x = frame.fake.astype(np.float64)[:5]

    def d_of(i, j):
        def f():
            return float(eng.discriminator(x[i:i + 1])[0])
        return numeric_grad(f, x[i:i + 1])[0, j]

    for i in range(3):
        for j in range(2):
            assert frame.grad_d[i, j] == pytest.approx(d_of(i, j), rel=1e-4, abs=1e-7)
    # grad_g is -dL_G/dx per sample; for the log loss L = softplus(-l), so it is D'/D
    s = eng.discriminator(x[:3])
    np.testing.assert_allclose(frame.grad_g[:3], frame.grad_d[:3] / s[:, None], rtol=1e-4)


def test_layer_sizes_are_truthful():
    assert layer_sizes(2, 1, 8, 2) == [2, 8, 2]
    assert layer_sizes(1, 3, 5, 1) == [1, 5, 5, 5, 1]
