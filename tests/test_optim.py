"""SGD and Adam per run against hand-computed values; masks; lr changes keep Adam's moments."""

import numpy as np
import pytest

from glgan.compute.api import make_engine
from glgan.compute.optim import NetOptimizer
from glgan.config import GanConfig


def make_opt(kinds, lr, theta):
    R, P = theta.shape
    grad, m, v = np.zeros_like(theta), np.zeros_like(theta), np.zeros_like(theta)
    t = np.zeros(R, np.int64)
    opt = NetOptimizer(theta, grad, m, v, t, np.float64)
    opt.configure(kinds, lr, [0.9] * R, [0.999] * R, [1e-8] * R)
    return opt


def step(opt, g, active):
    """What the training loop does: the losses scale each row's gradient by coeffs.scale."""
    k = opt.coefficients(np.array(active))
    opt.grad[...] = k.scale[:, None] * g
    opt.step(k)


def test_sgd_rows_with_their_own_rates_and_an_inactive_row():
    theta = np.array([[1.0, -2.0, 0.5], [1.0, -2.0, 0.5], [3.0, 3.0, 3.0]])
    opt = make_opt(["sgd"] * 3, [0.1, 0.2, 0.1], theta)
    g = np.array([[0.5, -1.0, 0.0]] * 3)
    step(opt, g, [True, True, False])
    np.testing.assert_allclose(theta, [[0.95, -1.9, 0.5], [0.9, -1.8, 0.5], [3.0, 3.0, 3.0]])


def test_adam_two_steps_by_hand_and_a_row_that_skips_one():
    theta = np.array([[1.0, -1.0], [1.0, -1.0]])
    opt = make_opt(["adam", "adam"], [0.01, 0.01], theta)
    g1 = np.array([0.2, -0.4])
    step(opt, np.stack([g1, g1]), [True, False])  # row 1 skips (a smaller k)
    # step 1: m = 0.1 g, v = 0.001 g^2 -> m_hat = g, v_hat = g^2 -> update = lr * sign(g)
    np.testing.assert_allclose(theta[0], [1.0 - 0.01, -1.0 + 0.01], rtol=1e-6)
    np.testing.assert_array_equal(theta[1], [1.0, -1.0])
    assert list(opt.t) == [1, 0] and not opt.m[1].any() and not opt.v[1].any()
    g2 = np.array([0.1, 0.3])
    step(opt, np.stack([g2, g2]), [True, True])
    m = 0.9 * 0.1 * g1 + 0.1 * g2
    v = 0.999 * 0.001 * g1**2 + 0.001 * g2**2
    m_hat, v_hat = m / (1 - 0.9**2), v / (1 - 0.999**2)
    theta1 = np.array([1.0, -1.0]) - 0.01 * g1 / (np.abs(g1) + 1e-8)
    np.testing.assert_allclose(theta[0], theta1 - 0.01 * m_hat / (np.sqrt(v_hat) + 1e-8),
                               rtol=1e-10)
    # row 1's first step, from its own t = 1: lr * sign(g2)
    np.testing.assert_allclose(theta[1], [1.0 - 0.01, -1.0 - 0.01], rtol=1e-6)
    assert list(opt.t) == [2, 1]


def test_mixed_sgd_and_adam_rows_each_follow_their_rule():
    theta = np.array([[1.0, -1.0], [1.0, -1.0]])
    opt = make_opt(["sgd", "adam"], [0.1, 0.01], theta)
    g = np.array([0.2, -0.4])
    step(opt, np.stack([g, g]), [True, True])
    np.testing.assert_allclose(theta[0], [1.0 - 0.02, -1.0 + 0.04])
    np.testing.assert_allclose(theta[1], [1.0 - 0.01, -1.0 + 0.01], rtol=1e-6)
    assert list(opt.t) == [0, 1] and not opt.m[0].any()


def test_unknown_optimizer_is_refused():
    theta = np.zeros((1, 2))
    with pytest.raises(ValueError, match="optimizer='rmsprop'"):
        make_opt(["rmsprop"], [0.1], theta)


def test_learning_rate_change_keeps_adam_moments_but_type_change_resets():
    eng = make_engine(GanConfig(d_optimizer="adam", g_optimizer="adam"))
    eng.train(5)
    before = eng.snapshot().runs[0]
    assert before.d_t == 10 and before.g_t == 5 and before.d_m.any()
    config = eng.status().config
    assert not eng.set_config(config.replace(d_lr=0.01, g_lr=0.003))
    after = eng.snapshot().runs[0]
    np.testing.assert_array_equal(after.d_m, before.d_m)
    np.testing.assert_array_equal(after.g_v, before.g_v)
    assert after.d_t == before.d_t
    eng.set_config(eng.status().config.replace(d_optimizer="sgd"))
    eng.set_config(eng.status().config.replace(d_optimizer="adam"))
    s = eng.snapshot().runs[0]
    assert s.d_t == 0 and not s.d_m.any() and s.g_t == 5  # only D's optimiser changed type
