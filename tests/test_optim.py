"""SGD and Adam steps against hand-computed values; learning-rate changes keep Adam's moments."""

import numpy as np
import pytest

from glgan.compute.config import GanConfig
from glgan.compute.engine import Engine
from glgan.compute.optim import SGD, Adam, make_optimizer


def test_sgd_step():
    theta = np.array([1.0, -2.0, 0.5])
    SGD(theta, lr=0.1).step(theta, np.array([0.5, -1.0, 0.0]))
    np.testing.assert_allclose(theta, [0.95, -1.9, 0.5])


def test_adam_two_steps_by_hand():
    theta = np.array([1.0, -1.0])
    opt = Adam(theta, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8)
    g1 = np.array([0.2, -0.4])
    opt.step(theta, g1)
    # step 1: m = 0.1 g, v = 0.001 g^2 -> m_hat = g, v_hat = g^2 -> update = lr * sign(g)
    np.testing.assert_allclose(theta, [1.0 - 0.01, -1.0 + 0.01], rtol=1e-6)
    g2 = np.array([0.1, 0.3])
    opt.step(theta, g2)
    m = 0.9 * 0.1 * g1 + 0.1 * g2
    v = 0.999 * 0.001 * g1**2 + 0.001 * g2**2
    m_hat, v_hat = m / (1 - 0.9**2), v / (1 - 0.999**2)
    theta1 = np.array([1.0, -1.0]) - 0.01 * g1 / (np.abs(g1) + 1e-8)
    expected = theta1 - 0.01 * m_hat / (np.sqrt(v_hat) + 1e-8)
    np.testing.assert_allclose(theta, expected, rtol=1e-10)
    assert opt.t == 2


def test_unknown_optimizer_is_refused():
    with pytest.raises(ValueError, match="optimizer='rmsprop'"):
        make_optimizer("rmsprop", np.zeros(2), 0.1, 0.9, 0.999, 1e-8)


def test_learning_rate_change_keeps_adam_moments_but_type_change_resets():
    eng = Engine(GanConfig(d_optimizer="adam", g_optimizer="adam"))
    eng.train(5)
    opt_d = eng.opt_d
    m_before, t_before = opt_d.m.copy(), opt_d.t
    assert not eng.set_config(eng.config.replace(d_lr=0.01, g_lr=0.003))
    assert eng.opt_d is opt_d and eng.opt_d.lr == 0.01 and eng.opt_g.lr == 0.003
    np.testing.assert_array_equal(eng.opt_d.m, m_before)
    assert eng.opt_d.t == t_before
    eng.set_config(eng.config.replace(d_optimizer="sgd"))
    assert eng.opt_d.kind == "sgd"
    eng.set_config(eng.config.replace(d_optimizer="adam"))
    assert eng.opt_d.t == 0 and not eng.opt_d.m.any()
