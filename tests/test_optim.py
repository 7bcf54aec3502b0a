"""SGD, Adam, RMSprop and SGD with momentum per run against hand-computed values; masks; mixed
rows each as alone; lr changes keep the optimiser's state, a type change resets it."""

import numpy as np
import pytest

from glgan.compute.api import make_engine
from glgan.compute.optim import NetOptimizer
from glgan.config import GanConfig


def make_opt(kinds, lr, theta, rho=0.9, rms_eps=1e-8, momentum=0.9, dtype=np.float64):
    R, P = theta.shape
    grad, m, v = np.zeros_like(theta), np.zeros_like(theta), np.zeros_like(theta)
    t = np.zeros(R, np.int64)
    opt = NetOptimizer(theta, grad, m, v, t, dtype)
    opt.configure(kinds, lr, [0.9] * R, [0.999] * R, [1e-8] * R, [rho] * R, [rms_eps] * R,
                  [momentum] * R)
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
    with pytest.raises(ValueError, match="optimizer='adagrad'.*sgd, adam, rmsprop, momentum"):
        make_opt(["adagrad"], [0.1], theta)


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


def test_rmsprop_two_steps_by_hand_and_a_row_that_skips_one():
    theta = np.array([[1.0, -1.0, 0.5], [1.0, -1.0, 0.5]])
    opt = make_opt(["rmsprop"] * 2, [0.01, 0.01], theta, rho=0.8, rms_eps=1e-3)
    g1, g2 = np.array([0.2, -0.4, 0.0]), np.array([0.1, 0.3, -0.05])
    step(opt, np.stack([g1, g1]), [True, False])
    v1 = 0.2 * g1**2  # (1 - rho) g^2 from v = 0
    theta1 = np.array([1.0, -1.0, 0.5]) - 0.01 * g1 / (np.sqrt(v1) + 1e-3)
    np.testing.assert_allclose(theta[0], theta1, rtol=1e-12)
    np.testing.assert_array_equal(theta[1], [1.0, -1.0, 0.5])
    assert not opt.m.any() and not opt.v[1].any() and list(opt.t) == [0, 0]  # no Adam steps
    step(opt, np.stack([g2, g2]), [True, True])
    v2 = 0.8 * v1 + 0.2 * g2**2
    np.testing.assert_allclose(opt.v[0], v2, rtol=1e-12)
    np.testing.assert_allclose(theta[0], theta1 - 0.01 * g2 / (np.sqrt(v2) + 1e-3), rtol=1e-12)
    np.testing.assert_allclose(theta[1], np.array([1.0, -1.0, 0.5]) - 0.01 * g2 / (
        np.sqrt(0.2 * g2**2) + 1e-3), rtol=1e-12)


def test_momentum_two_steps_by_hand_and_a_new_rate_applies_at_once():
    theta = np.array([[1.0, -1.0], [1.0, -1.0]])
    opt = make_opt(["momentum"] * 2, [0.1, 0.1], theta, momentum=0.5)
    g1, g2 = np.array([0.2, -0.4]), np.array([0.1, 0.3])
    step(opt, np.stack([g1, g1]), [True, False])
    np.testing.assert_allclose(opt.m[0], g1)  # the velocity holds gradients: m = 0.5 * 0 + g
    np.testing.assert_allclose(theta[0], [1.0 - 0.02, -1.0 + 0.04], rtol=1e-12)
    np.testing.assert_array_equal(theta[1], [1.0, -1.0])
    assert not opt.v.any() and not opt.m[1].any()
    opt.configure(["momentum"] * 2, [0.2, 0.1], rho=[0.9] * 2, momentum=[0.5] * 2)
    step(opt, np.stack([g2, g2]), [True, True])
    m2 = 0.5 * g1 + g2
    np.testing.assert_allclose(opt.m[0], m2, rtol=1e-12)
    np.testing.assert_allclose(theta[0], np.array([0.98, -0.96]) - 0.2 * m2, rtol=1e-12)
    np.testing.assert_allclose(theta[1], np.array([1.0, -1.0]) - 0.1 * g2, rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_mixed_rows_of_every_optimiser_equal_each_row_alone_bit_for_bit(dtype):
    """Every kind beside every other (and idle rows) gives each row exactly what the row gives
    alone: a row's unused state is multiplied by 1 and added 0, never mixed in."""
    rng = np.random.default_rng(3)
    kinds = ["sgd", "adam", "rmsprop", "momentum", "rmsprop", "adam", "momentum", "sgd"]
    lr = [0.1, 0.01, 0.003, 0.05, 0.02, 0.001, 0.2, 0.3]
    start = rng.normal(size=(len(kinds), 5)).astype(dtype)
    grads = [rng.normal(size=(len(kinds), 5)).astype(dtype) * 10.0 ** rng.integers(-6, 1)
             for _ in range(4)]
    masks = [[True] * 8, [True, False] * 4, [False, True] * 4, [True] * 8]
    together = start.copy()
    opt = make_opt(kinds, lr, together, rho=0.7, rms_eps=1e-6, momentum=0.6, dtype=dtype)
    for g, active in zip(grads, masks):
        step(opt, g, active)
    for r, kind in enumerate(kinds):
        alone = start[r:r + 1].copy()
        one = make_opt([kind], [lr[r]], alone, rho=0.7, rms_eps=1e-6, momentum=0.6, dtype=dtype)
        for g, active in zip(grads, masks):
            step(one, g[r:r + 1], [active[r]])
        np.testing.assert_array_equal(together[r], alone[0], err_msg=kind)
        np.testing.assert_array_equal(opt.m[r], one.m[0], err_msg=kind)
        np.testing.assert_array_equal(opt.v[r], one.v[0], err_msg=kind)
        assert opt.t[r] == one.t[0]
    assert not opt.m[kinds.index("rmsprop")].any() and not opt.v[kinds.index("momentum")].any()


@pytest.mark.parametrize("kind", ["rmsprop", "momentum"])
def test_new_optimisers_keep_their_state_across_rate_changes_and_reset_on_type_change(kind):
    eng = make_engine(GanConfig(d_optimizer=kind, g_optimizer=kind, d_lr=0.01, g_lr=0.01))
    eng.train(5)
    before = eng.snapshot().runs[0]
    state = "d_v" if kind == "rmsprop" else "d_m"
    other = "d_m" if kind == "rmsprop" else "d_v"
    assert getattr(before, state).any() and not getattr(before, other).any()
    assert before.d_t == before.g_t == 0  # only Adam counts steps
    config = eng.status().config
    assert not eng.set_config(config.replace(d_lr=0.003, rmsprop_rho=0.5, momentum=0.3))
    np.testing.assert_array_equal(getattr(eng.snapshot().runs[0], state), getattr(before, state))
    eng.set_config(eng.status().config.replace(d_optimizer="adam"))
    s = eng.snapshot().runs[0]
    assert not s.d_m.any() and not s.d_v.any() and s.g_v.any() == (kind == "rmsprop")
