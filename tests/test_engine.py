"""Engine: determinism, step kinds, live edits, divergence handling, visual quantities."""

import numpy as np
import pytest

from glgan.compute.config import GanConfig, preset
from glgan.compute.data import DataError
from glgan.compute.engine import Engine, manifold_opacity


def test_same_seed_same_numbers_different_seed_differs():
    a, b = Engine(GanConfig(seed=5)), Engine(GanConfig(seed=5))
    a.train(40)
    b.train(40)
    np.testing.assert_array_equal(a.G.theta, b.G.theta)
    np.testing.assert_array_equal(a.D.theta, b.D.theta)
    assert a.d_loss == b.d_loss
    c = Engine(GanConfig(seed=6))
    c.train(40)
    assert not np.array_equal(a.G.theta, c.G.theta)


def test_step_kinds_update_only_their_network():
    eng = Engine()
    g0, d0 = eng.G.theta.copy(), eng.D.theta.copy()
    eng.train(1, kind="d")
    assert not np.array_equal(eng.D.theta, d0)
    np.testing.assert_array_equal(eng.G.theta, g0)
    d1 = eng.D.theta.copy()
    eng.train(1, kind="g")
    assert not np.array_equal(eng.G.theta, g0)
    np.testing.assert_array_equal(eng.D.theta, d1)
    assert eng.epoch == 2  # GAN Lab counts every step click as an epoch
    with pytest.raises(ValueError, match="kind='x'"):
        eng.train(1, kind="x")


def test_epoch_runs_kd_then_kg_steps():
    eng = Engine(GanConfig(k_d=3, k_g=2))
    eng.train(2)
    assert eng.real_atlas.counter == 6  # 3 D steps per epoch
    assert eng.noise_atlas.counter == 10  # 3 D + 2 G steps per epoch


def test_live_edit_keeps_weights_and_architecture_edit_resets():
    eng = Engine()
    eng.train(20)
    theta = eng.G.theta.copy()
    assert eng.set_config(eng.config.replace(g_lr=0.3, loss="leastsq", k_d=1)) is False
    np.testing.assert_array_equal(eng.G.theta, theta)
    assert eng.epoch == 20
    assert eng.set_config(eng.config.replace(g_neurons=12)) is True
    assert eng.epoch == 0 and eng.G.sizes == [2, 12, 12, 2]


def test_divergence_is_detected_paused_and_rolled_back():
    eng = Engine(GanConfig(d_lr=10.0, g_lr=10.0, d_neurons=100, g_neurons=100,
                           g_hidden_layers=6, d_hidden_layers=6, loss="leastsq"))
    eng.D.theta *= 1e18  # a model already on the edge of float32 overflow
    before = eng.D.theta.copy()
    stats = eng.train(50)
    assert stats.diverged and "diverged" in stats.diverged and eng.diverged
    assert stats.epochs == 0 and eng.epoch == 0
    np.testing.assert_array_equal(eng.D.theta, before)  # rolled back, nothing NaN kept
    assert np.isfinite(eng.G.theta).all()
    assert eng.train(5).epochs == 0  # paused until cleared or reset
    eng.reset()
    assert eng.diverged is None and eng.train(3).epochs == 3


def test_frame_has_every_visual_quantity_with_ganlab_sizes():
    eng = Engine()
    eng.train(10)
    f = eng.frame(field_res=64, bounds=(-1, -1, 1, 1), manifold_cells=20)
    assert f.real.shape == (450, 2) and f.fake.shape == (150, 2) and f.noise.shape == (150, 2)
    assert f.field.shape == (64, 64) and 0 <= f.field.min() and f.field.max() <= 1
    assert f.manifold.shape == (21, 21, 2) and f.manifold_alpha.shape == (20, 20)
    assert f.grad_d.shape == f.grad_g.shape == (150, 2)
    assert f.pred_real.shape == (450,) and f.pred_fake.shape == (150,)
    assert f.epoch == 10 and np.isfinite([f.d_loss, f.g_loss, f.kl, f.js]).all()
    # the field samples D at cell centres of the requested bounds; row 0 = bottom
    centre = np.array([[-1 + 1 / 64, 1 - 1 / 64]])
    assert f.field[63, 0] == pytest.approx(eng.discriminator(centre)[0], rel=1e-5)
    # the fake samples are G of the fixed noise, the same every frame
    np.testing.assert_array_equal(f.noise, eng.frame().noise)
    np.testing.assert_allclose(f.fake, eng.generator(f.noise), rtol=1e-6)


def test_frame_for_1d_noise_has_a_polyline_manifold():
    eng = Engine(GanConfig(noise_dim=1))
    f = eng.frame()
    assert f.manifold.shape == (21, 2) and f.manifold_alpha.shape == (0, 0)
    assert f.noise_dim == 1


def test_manifold_opacity_follows_ganlab_formulas():
    t = np.linspace(0, 1, 21)
    gi, gj = np.meshgrid(t, t, indexing="ij")
    mesh = np.stack([gi, gj], axis=-1)  # an undistorted grid: every A_i = 1/400
    np.testing.assert_allclose(manifold_opacity(mesh, "uniform"), 0.5, atol=1e-6)
    alpha = manifold_opacity(mesh, "gaussian")
    pdf_centre = np.exp(-2 * (0.025**2) / (2 * 0.0625)) / (2 * np.pi * 0.0625)
    assert alpha[10, 10] == pytest.approx(min(0.1 + 0.2 * pdf_centre, 0.9), rel=1e-5)
    squeezed = mesh.copy()
    squeezed[:, :, 0] *= np.where(gi < 0.5, 0.2, 1.0)  # compress the left half
    a = manifold_opacity(squeezed, "uniform")
    assert a[2, 10] > a[15, 10]  # denser cells are darker


def test_drawn_dataset_requires_points_and_uses_them():
    with pytest.raises(DataError):
        Engine(preset("drawn"))
    pts = np.array([[0.3, 0.3], [0.31, 0.3], [0.32, 0.31]])
    eng = Engine(preset("drawn"), drawn=pts)
    assert np.abs(eng.real_shown - [0.31, 0.3]).max() < 0.15


def test_history_records_each_train_call():
    eng = Engine()
    for _ in range(3):
        eng.train(5)
    assert list(eng.history.column("epoch")) == [5, 10, 15]
    assert np.isfinite(eng.history.column("js")).all()


def test_history_decimates_but_keeps_first_and_last():
    from glgan.compute.history import History
    h = History(capacity=16)
    for i in range(1000):
        h.append(i, 0, 0, 0, 0)
    epochs = h.column("epoch")
    assert len(h) <= 2 * 16 + 2 and epochs[0] == 0 and epochs[-1] == 999
    assert (np.diff(epochs) > 0).all()


def test_slow_motion_phases_make_one_epoch():
    eng = Engine(GanConfig(k_d=2, k_g=1))
    g0, d0 = eng.G.theta.copy(), eng.D.theta.copy()
    eng.train_phase("d")
    assert eng.epoch == 0 and eng.real_atlas.counter == 2
    np.testing.assert_array_equal(eng.G.theta, g0)
    assert not np.array_equal(eng.D.theta, d0)
    d1 = eng.D.theta.copy()
    eng.train_phase("g")
    assert eng.epoch == 1
    np.testing.assert_array_equal(eng.D.theta, d1)
    ref = Engine(GanConfig(k_d=2, k_g=1))
    ref.train(1)  # the two phases are exactly one epoch
    np.testing.assert_array_equal(ref.G.theta, eng.G.theta)
    with pytest.raises(ValueError, match="net='x'"):
        eng.train_phase("x")


def test_field_resolution_up_to_1024_and_bad_values_refused():
    eng = Engine()
    assert eng.field(1024).shape == (1024, 1024)
    for bad in (0, 1025, 2.5):
        with pytest.raises(ValueError, match="field_res"):
            eng.field(bad)
    with pytest.raises(ValueError, match="bounds"):
        eng.field(8, bounds=(1, 0, 0, 1))


def test_divergence_rolls_back_to_a_recent_finite_snapshot(monkeypatch):
    from glgan.compute import engine as engine_mod

    eng = Engine()
    real_step = eng._g_step
    calls = {"n": 0}

    def poisoned(want_loss):
        calls["n"] += 1
        real_step(want_loss)
        if calls["n"] == 40:  # the 40th epoch's G step blows up
            eng.G.theta[0] = np.inf

    monkeypatch.setattr(eng, "_g_step", poisoned)
    stats = eng.train(100)
    assert stats.diverged
    # snapshots every ROLLBACK_EVERY epochs: epochs 1..32 are kept, not thrown away
    assert stats.epochs == 32 == eng.epoch and engine_mod.ROLLBACK_EVERY == 16
    assert np.isfinite(eng.G.theta).all()
    # the losses are those of the restored state (computed on the snapshot epoch), not NaN
    assert np.isfinite([eng.d_loss, eng.g_loss]).all()
    assert np.isfinite(eng.history.column("d_loss")).all()


def test_live_edit_clears_a_divergence_and_training_continues():
    eng = Engine(GanConfig(d_lr=10.0))
    eng.D.theta *= 1e30
    assert eng.train(5).diverged
    eng.D.theta[...] = Engine(GanConfig()).D.theta  # rolled back state made sane for the test
    assert not eng.set_config(eng.config.replace(d_lr=0.01))
    assert eng.diverged is None and eng.train(3).epochs == 3


def test_failed_reset_keeps_the_current_config_and_model():
    eng = Engine()
    before = eng.config
    with pytest.raises(DataError):
        eng.set_config(before.replace(dataset="drawn", g_neurons=12))
    assert eng.config == before and eng.G.sizes == [2, 8, 8, 2]
    assert eng.train(2).epochs == 2


def test_version_changes_with_weights_and_loss_but_not_without():
    eng = Engine()
    v = eng.version
    eng.frame()
    assert eng.version == v
    eng.train_phase("d")
    assert eng.version > v
    v = eng.version
    eng.set_config(eng.config.replace(loss="leastsq"))
    assert eng.version > v


def test_fresh_sampling_keeps_a_fixed_evaluation_set():
    eng = Engine(GanConfig(use_atlas=False, atlas_size=300))
    before = eng._metric_noise.copy()
    eng.train(10)  # several passes: the atlases are redrawn
    np.testing.assert_array_equal(eng._metric_noise, before)


def test_fresh_sampling_draws_at_least_a_batch():
    eng = Engine(GanConfig(use_atlas=False, atlas_size=10, batch_size=150))
    batch = eng.real_atlas.next()
    assert len(np.unique(batch, axis=0)) == 150  # no repeated rows within a batch
