"""Finite-difference checks (float64) of the training loop's manual backprop: every layer shape,
every loss (D and G: log, minimax, leastsq, hinge, wasserstein), full D and G steps under every
optimiser, with several runs (mixed losses and weights) at once; and of the allocating forward /
input-gradient passes used for visuals."""

import numpy as np
import pytest

from glgan.compute import losses
from glgan.compute.api import make_engine
from glgan.compute.mlp import forward, init_theta, input_gradient, param_count
from glgan.compute.state import EngineState
from glgan.config import GanConfig

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


@pytest.mark.parametrize("sizes,tanh", [
    ([2, 4, 2], True), ([2, 5, 5, 5, 2], True), ([1, 3, 3, 2], True),
    ([2, 4, 1], False), ([2, 6, 6, 6, 1], False),
])
def test_forward_input_gradient(sizes, tanh):
    rng = np.random.default_rng(0)
    theta = init_theta(sizes, 3, 1) + rng.normal(0, 0.3, param_count(sizes))  # biases too
    x = rng.normal(0.5, 0.5, (7, sizes[0]))
    w_out = rng.normal(size=(7, sizes[-1]))  # loss = sum(w_out * net(x))

    def loss():
        return float(np.sum(w_out * forward(theta, sizes, x, tanh)[-1]))

    dx = input_gradient(theta, sizes, forward(theta, sizes, x, tanh), w_out, tanh)
    np.testing.assert_allclose(dx, numeric_grad(loss, x), rtol=RTOL, atol=ATOL)


ARCHS = [(1, 3, 1, 4, 1), (2, 5, 2, 5, 3), (2, 4, 3, 6, 2), (1, 1, 1, 1, 1)]
LOSSES = [("log", 0.95), ("minimax", 0.7), ("leastsq", 0.95), ("hinge", 0.8),
          ("wasserstein", 0.95)]
OPTIMIZERS = ["adam", "sgd", "rmsprop", "momentum"]


def batch_engine(arch, opt="adam"):
    """Five float64 runs (every loss) of one architecture; Adam, RMSprop and momentum leave the
    gradient unscaled in the training buffer, SGD scales it by -lr. The critic's clip is 0.5
    (its logits then reach beyond hinge's margins, so some samples are on either side)."""
    nz, gl, gn, dl, dn = arch
    configs = [GanConfig(noise_dim=nz, g_hidden_layers=gl, g_neurons=gn, d_hidden_layers=dl,
                         d_neurons=dn, batch_size=6, atlas_size=30, loss=loss,
                         real_weight=w, d_optimizer=opt, g_optimizer=opt, d_lr=0.1,
                         g_lr=0.05, seed=i, clip=0.5)
               for i, (loss, w) in enumerate(LOSSES)]
    eng = make_engine(configs, dtype=np.float64)
    # non-zero biases everywhere: no unit sits exactly on its ReLU kink (where the one-sided
    # choice of the analytic gradient and a central difference rightly disagree)
    rng = np.random.default_rng(7)
    state = eng.snapshot()
    eng.restore(EngineState(tuple(
        r.replace(g_theta=r.g_theta + rng.normal(0, 0.2, r.g_theta.shape),
                  d_theta=r.d_theta + rng.normal(0, 0.2, r.d_theta.shape))
        for r in state.runs)))
    eng.train(3)
    return eng, eng._batches[0]


def samples(batch, buf):
    """A training buffer as (runs, n, features)."""
    return np.array(buf if batch.layout.by_rows else np.swapaxes(buf, 1, 2))


def d_loss(batch, r, d_theta, real, fake):
    c = batch.configs[r]
    lr = forward(d_theta, batch.d_sizes, real, False)[-1][:, 0]
    lf = forward(d_theta, batch.d_sizes, fake, False)[-1][:, 0]
    return float(losses.d_loss_values([c.loss], lr[None], lf[None], [c.real_weight])[0])


def g_loss(batch, r, g_theta, d_theta, noise):
    fake = forward(g_theta, batch.g_sizes, noise, True)[-1]
    lf = forward(d_theta, batch.d_sizes, fake, False)[-1][:, 0]
    return float(losses.g_loss_values([batch.configs[r].loss], lf[None])[0])


@pytest.fixture(params=["cols", "rows"])
def layout(request, monkeypatch):
    """Both training layouts (samples as columns for narrow nets, as rows for wide ones)."""
    from glgan.compute import batch

    monkeypatch.setattr(batch, "ROWS_FROM_WIDTH", 0 if request.param == "rows" else 10**6)
    return request.param


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("opt", OPTIMIZERS)
def test_full_d_step_gradient(arch, opt, layout):
    eng, b = batch_engine(arch, opt)
    before = b.theta.copy()
    eng.train(1, kind="d")
    assert b.layout.by_rows == (layout == "rows")
    real, noise = samples(b, b.real_in), samples(b, b.noise_in)  # what this step used
    for r in range(b.R):
        g_theta, d_theta = before[r, :b.Pg].copy(), before[r, b.Pg:].copy()
        fake = forward(g_theta, b.g_sizes, noise[r], True)[-1]
        numeric = numeric_grad(
            lambda r=r, d=d_theta, f=fake: d_loss(b, r, d, real[r], f), d_theta)
        scale = -b.configs[r].d_lr if opt == "sgd" else 1.0
        np.testing.assert_allclose(b.grad[r, b.Pg:], scale * numeric, rtol=RTOL,
                                   atol=ATOL * 10)


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("opt", OPTIMIZERS)
def test_full_g_step_gradient(arch, opt, layout):
    eng, b = batch_engine(arch, opt)
    before = b.theta.copy()
    eng.train(1, kind="g")
    noise = samples(b, b.noise_in)
    for r in range(b.R):
        g_theta, d_theta = before[r, :b.Pg].copy(), before[r, b.Pg:].copy()
        numeric = numeric_grad(
            lambda r=r, g=g_theta, d=d_theta: g_loss(b, r, g, d, noise[r]), g_theta)
        scale = -b.configs[r].g_lr if opt == "sgd" else 1.0
        np.testing.assert_allclose(b.grad[r, :b.Pg], scale * numeric, rtol=RTOL,
                                   atol=ATOL * 10)


def test_sgd_step_is_minus_lr_times_the_gradient():
    eng, b = batch_engine((2, 5, 2, 5, 3), "sgd")
    before = b.theta.copy()
    eng.train(1, kind="d")
    step = before + np.concatenate([np.zeros((b.R, b.Pg)), b.grad[:, b.Pg:]], axis=1)
    for r, c in enumerate(b.configs):
        if c.loss == "wasserstein":  # the critic's D is clipped after its step
            step[r, b.Pg:] = np.clip(step[r, b.Pg:], -c.clip, c.clip)
    np.testing.assert_allclose(b.theta, step, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("loss", [name for name, _ in LOSSES])
def test_g_loss_dlogit_is_the_derivative_of_the_g_loss(loss):
    logits = np.random.default_rng(1).normal(0, 2, (1, 9))
    grad = losses.g_loss_dlogit([loss], logits)
    numeric = numeric_grad(lambda: float(losses.g_loss_values([loss], logits)[0]) * 9, logits)
    np.testing.assert_allclose(grad, numeric, rtol=RTOL, atol=ATOL)


def test_the_new_losses_by_hand():
    """hinge and wasserstein values on known logits (means over each half)."""
    real, fake = np.array([[2.0, 0.5, -1.0]]), np.array([[-3.0, 0.0, 1.5]])
    # hinge: relu(1 - l) real = (0, 0.5, 2), relu(1 + l) fake = (0, 1, 2.5)
    assert losses.d_loss_values(["hinge"], real, fake, [0.5])[0] == pytest.approx(
        2.5 / 3 + 3.5 / 3)
    assert losses.g_loss_values(["hinge"], fake)[0] == pytest.approx(1.5 / 3)
    # wasserstein: mean l_fake - mean l_real; G: -mean l_fake; real_weight does not enter
    assert losses.d_loss_values(["wasserstein"], real, fake, [0.5])[0] == pytest.approx(
        -1.5 / 3 - 1.5 / 3)
    assert losses.g_loss_values(["wasserstein"], fake)[0] == pytest.approx(1.5 / 3)


def margin_engine(opt):
    """A hinge and a wasserstein run whose D (one hidden layer of 8, weights ~ N(0, 1.5^2),
    biases too) is far from constant: its logits reach well beyond hinge's margins |l| = 1 on
    both sides, so hinge's gradient is checked where it is 0 and where it is not."""
    configs = [GanConfig(loss=loss, d_hidden_layers=1, d_neurons=8, batch_size=8,
                         atlas_size=40, d_optimizer=opt, g_optimizer=opt, seed=3, clip=10.0)
               for loss in ("hinge", "wasserstein")]
    eng = make_engine(configs, dtype=np.float64)
    rng = np.random.default_rng(11)
    state = eng.snapshot()
    eng.restore(EngineState(tuple(r.replace(d_theta=rng.normal(0, 1.5, r.d_theta.shape))
                                  for r in state.runs)))
    return eng, eng._batches[0]


@pytest.mark.parametrize("opt", ["sgd", "rmsprop"])
def test_d_and_g_steps_across_hinge_s_margin(opt, layout):
    eng, b = margin_engine(opt)
    before = b.theta.copy()
    eng.train(1, kind="d")
    real, noise = samples(b, b.real_in), samples(b, b.noise_in)
    y = np.r_[np.ones(b.B), -np.ones(b.B)]
    inside = y * samples(b, b.logits)[0, :, 0] < 1  # the hinge run's margins
    assert inside.sum() >= 3 and (~inside).sum() >= 3
    for r in range(b.R):
        g_theta, d_theta = before[r, :b.Pg].copy(), before[r, b.Pg:].copy()
        fake = forward(g_theta, b.g_sizes, noise[r], True)[-1]
        numeric = numeric_grad(
            lambda r=r, d=d_theta, f=fake: d_loss(b, r, d, real[r], f), d_theta)
        scale = -b.configs[r].d_lr if opt == "sgd" else 1.0
        np.testing.assert_allclose(b.grad[r, b.Pg:], scale * numeric, rtol=RTOL, atol=ATOL)
    before = b.theta.copy()
    eng.train(1, kind="g")
    noise = samples(b, b.noise_in)
    for r in range(b.R):
        g_theta, d_theta = before[r, :b.Pg].copy(), before[r, b.Pg:].copy()
        numeric = numeric_grad(
            lambda r=r, g=g_theta, d=d_theta: g_loss(b, r, g, d, noise[r]), g_theta)
        scale = -b.configs[r].g_lr if opt == "sgd" else 1.0
        np.testing.assert_allclose(b.grad[r, :b.Pg], scale * numeric, rtol=RTOL, atol=ATOL)
