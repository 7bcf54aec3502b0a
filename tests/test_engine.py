"""Engine (through the GanEngine Protocol): determinism, step kinds, live edits, divergence
handling, visual quantities, history."""

import numpy as np
import pytest
from engine_fixtures import poison

from glgan.compute.api import GanEngine, make_engine
from glgan.compute.data import DataError
from glgan.compute.metrics import manifold_opacity
from glgan.compute.mlp import layer_sizes, param_count
from glgan.compute.state import EngineState
from glgan.config import GanConfig, preset


def weights(eng, run=0):
    s = eng.snapshot().runs[run]
    return s.g_theta, s.d_theta


def test_make_engine_gives_a_gan_engine():
    eng = make_engine()
    assert isinstance(eng, GanEngine) and eng.run_count == 1
    assert eng.configs() == (GanConfig(),) and eng.backend_name == "numpy"


def test_same_seed_same_numbers_different_seed_differs():
    a, b = make_engine(GanConfig(seed=5)), make_engine(GanConfig(seed=5))
    a.train(40)
    b.train(40)
    for x, y in zip(weights(a), weights(b)):
        np.testing.assert_array_equal(x, y)
    assert a.status().d_loss == b.status().d_loss
    c = make_engine(GanConfig(seed=6))
    c.train(40)
    assert not np.array_equal(weights(a)[0], weights(c)[0])


def test_step_kinds_update_only_their_network():
    eng = make_engine()
    g0, d0 = weights(eng)
    eng.train(1, kind="d")
    g1, d1 = weights(eng)
    assert not np.array_equal(d1, d0)
    np.testing.assert_array_equal(g1, g0)
    eng.train(1, kind="g")
    g2, d2 = weights(eng)
    assert not np.array_equal(g2, g0)
    np.testing.assert_array_equal(d2, d1)
    assert eng.status().epoch == 2  # GAN Lab counts every step click as an epoch
    with pytest.raises(ValueError, match="kind='x'"):
        eng.train(1, kind="x")


def test_epoch_runs_kd_then_kg_steps():
    eng = make_engine(GanConfig(k_d=3, k_g=2))
    eng.train(2)
    s = eng.snapshot().runs[0]
    assert s.real_counter == 6  # 3 D steps per epoch
    assert s.noise_counter == 10  # 3 D + 2 G steps per epoch
    assert s.d_t == 0 and s.epoch == 2


def test_live_edit_keeps_weights_and_architecture_edit_resets():
    eng = make_engine()
    eng.train(20)
    g = weights(eng)[0]
    c = eng.status().config
    assert eng.set_config(c.replace(g_lr=0.3, loss="leastsq", k_d=1)) is False
    np.testing.assert_array_equal(weights(eng)[0], g)
    assert eng.status().epoch == 20
    run_id = eng.status().run_id
    assert eng.set_config(eng.status().config.replace(g_neurons=12)) is True
    assert eng.status().epoch == 0 and eng.status().run_id != run_id
    assert weights(eng)[0].size == param_count(layer_sizes(2, 2, 12, 2))
    assert eng.train(3).epochs == 3


def test_divergence_is_detected_paused_and_rolled_back():
    eng = make_engine(GanConfig(d_lr=10.0, g_lr=10.0, d_neurons=100, g_neurons=100,
                                g_hidden_layers=6, d_hidden_layers=6, loss="leastsq"))
    poison(eng, 1e18)
    before = weights(eng)[1]
    stats = eng.train(50)
    assert stats.diverged and "diverged" in stats.diverged and eng.status().diverged
    assert stats.epochs == 0 and eng.status().epoch == 0
    np.testing.assert_array_equal(weights(eng)[1], before)  # rolled back, nothing NaN kept
    assert np.isfinite(weights(eng)[0]).all()
    assert eng.train(5).epochs == 0  # paused until cleared or reset
    eng.reset()
    assert eng.status().diverged is None and eng.train(3).epochs == 3


def test_frame_has_every_visual_quantity_with_ganlab_sizes():
    eng = make_engine()
    eng.train(10)
    (f,) = eng.frame(field_res=64, bounds=(-1, -1, 1, 1), manifold_cells=20)
    assert f.real.shape == (450, 2) and f.fake.shape == (150, 2) and f.noise.shape == (150, 2)
    assert f.field.shape == (64, 64) and 0 <= f.field.min() and f.field.max() <= 1
    assert f.manifold.shape == (21, 21, 2) and f.manifold_alpha.shape == (20, 20)
    assert f.grad_d.shape == f.grad_g.shape == (150, 2)
    assert f.pred_real.shape == (450,) and f.pred_fake.shape == (150,)
    assert f.epoch == 10 and np.isfinite([f.d_loss, f.g_loss, f.kl, f.js]).all()
    # the field samples D at cell centres of the requested bounds; row 0 = bottom
    centre = np.array([[-1 + 1 / 64, 1 - 1 / 64]])
    assert f.field[63, 0] == pytest.approx(eng.discriminator(centre)[0], rel=1e-5)
    np.testing.assert_allclose(f.pred_real, eng.discriminator(f.real), rtol=1e-5)
    # the fake samples are G of the fixed noise, the same every frame
    noise = f.noise.copy()
    np.testing.assert_array_equal(noise, eng.frame()[0].noise)
    np.testing.assert_allclose(f.fake, eng.generator(noise), rtol=1e-6)


def test_frame_gradients_are_finite_differences_of_d_and_the_g_loss():
    eng = make_engine(GanConfig(loss="leastsq"), dtype=np.float64)  # h small: no ReLU kinks
    eng.train(30)
    (f,) = eng.frame()
    x, h = f.fake[:5].astype(np.float64), 1e-6
    for axis in (0, 1):
        step = np.zeros(2)
        step[axis] = h
        d_plus, d_minus = eng.discriminator(x + step), eng.discriminator(x - step)
        np.testing.assert_allclose(f.grad_d[:5, axis], (d_plus - d_minus) / (2 * h),
                                   rtol=2e-2, atol=2e-4)
        # leastsq G loss per sample: (D - 1)^2; grad_g = -dL/dx
        lg = ((d_plus - 1) ** 2 - (d_minus - 1) ** 2) / (2 * h)
        np.testing.assert_allclose(f.grad_g[:5, axis], -lg, rtol=2e-2, atol=2e-4)


def test_frame_for_1d_noise_has_a_polyline_manifold():
    eng = make_engine(GanConfig(noise_dim=1))
    (f,) = eng.frame()
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
        make_engine(preset("drawn"))
    pts = np.array([[0.3, 0.3], [0.31, 0.3], [0.32, 0.31]])
    eng = make_engine(preset("drawn"), drawn=pts)
    assert np.abs(eng.frame()[0].real - [0.31, 0.3]).max() < 0.15
    eng.set_drawn([[0.8, 0.8]])  # a new drawing: reset runs use it
    eng.reset()
    assert np.abs(eng.frame()[0].real - [0.8, 0.8]).max() < 0.15


def test_history_records_each_train_call():
    eng = make_engine()
    for _ in range(3):
        eng.train(5)
    assert list(eng.history().column("epoch")) == [5, 10, 15]
    assert np.isfinite(eng.history().column("js")).all()


def test_history_decimates_but_keeps_first_and_last():
    from glgan.history import History
    h = History(capacity=16)
    for i in range(1000):
        h.append(i, 0, 0, 0, 0)
    epochs = h.column("epoch")
    assert len(h) <= 2 * 16 + 2 and epochs[0] == 0 and epochs[-1] == 999
    assert (np.diff(epochs) > 0).all()
    back = History.from_state(h.state())
    np.testing.assert_array_equal(back.table(), h.table())
    for i in range(1000, 1100):
        h.append(i, 1, 1, 1, 1)
        back.append(i, 1, 1, 1, 1)
    np.testing.assert_array_equal(back.table(), h.table())


def test_slow_motion_phases_make_one_epoch():
    eng = make_engine(GanConfig(k_d=2, k_g=1))
    g0, d0 = weights(eng)
    eng.train_phase("d")
    s = eng.snapshot().runs[0]
    assert s.epoch == 0 and s.real_counter == 2
    np.testing.assert_array_equal(s.g_theta, g0)
    assert not np.array_equal(s.d_theta, d0)
    eng.train_phase("g")
    s2 = eng.snapshot().runs[0]
    assert s2.epoch == 1
    np.testing.assert_array_equal(s2.d_theta, s.d_theta)
    ref = make_engine(GanConfig(k_d=2, k_g=1))
    ref.train(1)  # the two phases are exactly one epoch
    np.testing.assert_array_equal(weights(ref)[0], s2.g_theta)
    with pytest.raises(ValueError, match="net='x'"):
        eng.train_phase("x")


def test_field_resolution_up_to_1024_and_bad_values_refused():
    eng = make_engine()
    assert eng.frame(1024)[0].field.shape == (1024, 1024)
    for bad in (0, 1025, 2.5):
        with pytest.raises(ValueError, match="field_res"):
            eng.frame(bad)
    with pytest.raises(ValueError, match="bounds"):
        eng.frame(8, bounds=(1, 0, 0, 1))


def test_divergence_rolls_back_to_a_recent_finite_snapshot(monkeypatch):
    from glgan.compute import batch as batch_mod

    eng = make_engine()
    b = eng._batches[0]
    real_step = b._g_step
    calls = {"n": 0}

    def poisoned(step, want_loss):
        calls["n"] += 1
        real_step(step, want_loss)
        if calls["n"] == 40:  # the 40th epoch's G step blows up
            b.theta[0, 0] = np.inf

    monkeypatch.setattr(b, "_g_step", poisoned)
    stats = eng.train(100)
    assert stats.diverged
    # snapshots every ROLLBACK_EVERY epochs: epochs 1..32 are kept, not thrown away
    assert stats.epochs == 32 == eng.status().epoch and batch_mod.ROLLBACK_EVERY == 16
    assert np.isfinite(weights(eng)[0]).all()
    # the losses are those of the restored state (computed on the snapshot epoch), not NaN
    assert np.isfinite([eng.status().d_loss, eng.status().g_loss]).all()
    assert np.isfinite(eng.history().column("d_loss")).all()
    assert "epoch 40" in stats.diverged


def test_live_edit_clears_a_divergence_and_training_continues():
    eng = make_engine(GanConfig(d_lr=10.0))
    sane = weights(eng)[1]
    poison(eng, 1e30)
    assert eng.train(5).diverged
    state = eng.snapshot()  # make the rolled-back state sane for the test
    eng.restore(EngineState((state.runs[0].replace(d_theta=sane),), None))
    assert eng.status().diverged  # restore keeps the pause
    assert not eng.set_config(eng.status().config.replace(d_lr=0.01))
    assert eng.status().diverged is None and eng.train(3).epochs == 3


def test_failed_reset_keeps_the_current_config_and_model():
    eng = make_engine()
    before = eng.status().config
    with pytest.raises(DataError):
        eng.set_config(before.replace(dataset="drawn", g_neurons=12))
    assert eng.status().config == before
    assert weights(eng)[0].size == param_count(layer_sizes(2, 2, 8, 2))
    assert eng.train(2).epochs == 2


def test_version_changes_with_weights_and_loss_but_not_without():
    eng = make_engine()
    v = eng.version
    eng.frame()
    assert eng.version == v
    eng.train_phase("d")
    assert eng.version > v
    v = eng.version
    eng.set_config(eng.status().config.replace(loss="leastsq"))
    assert eng.version > v


def test_fresh_sampling_keeps_a_fixed_evaluation_set_and_full_batches():
    eng = make_engine(GanConfig(use_atlas=False, atlas_size=10, batch_size=150))
    kl0 = eng.divergences()
    f0 = eng.frame()[0]
    real0, noise0 = f0.real.copy(), f0.noise.copy()
    assert f0.fake.shape == (150, 2)  # at least a batch is shown with a tiny atlas size
    eng.train(100)  # many fresh batches
    f = eng.frame()[0]
    np.testing.assert_array_equal(f.real, real0)
    np.testing.assert_array_equal(f.noise, noise0)
    assert eng.divergences() != kl0
    s = eng.snapshot().runs[0]
    assert s.real_counter == 200 and s.noise_counter == 300


def test_run_indices_are_checked():
    eng = make_engine([GanConfig(), GanConfig(seed=1)])
    for bad in (-1, 2, True, 1.0):
        with pytest.raises(ValueError, match="run="):
            eng.status(bad)
    with pytest.raises(ValueError, match="name the run"):
        eng.reset(GanConfig())


def test_run_ids_are_never_reused_in_an_engine_s_life():
    """A run that starts over gets an id no run of this engine had (a view keys per-run state,
    e.g. trails, by it: a new run 1 after a grid must not look like the old run 1)."""
    eng = make_engine([preset("gaussians"), preset("ring")])
    seen = {eng.status(i).run_id for i in range(2)}
    eng.restore(EngineState((eng.snapshot().runs[1],), None))  # one run now
    assert eng.status(0).run_id not in seen
    seen.add(eng.status(0).run_id)
    eng.restore(EngineState(tuple(make_engine([preset("line")] * 3).snapshot().runs), None))
    ids = {eng.status(i).run_id for i in range(3)}
    assert len(ids) == 3 and not ids & seen
