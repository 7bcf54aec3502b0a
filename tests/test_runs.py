"""Runs side by side: a batch of runs equals the same runs trained alone; complete state
(snapshot/restore, model files) resumes bit for bit; one diverging run never touches others."""

import numpy as np
import pytest
from engine_fixtures import poison

from glgan.compute.api import make_engine
from glgan.compute.modelio import load_model, save_model
from glgan.compute.state import EngineState
from glgan.config import GanConfig, preset

MIXED = [
    preset("gaussians"),
    preset("gaussians").replace(d_optimizer="adam", g_optimizer="adam", d_lr=0.01, g_lr=0.003,
                                seed=3),
    preset("gaussians").replace(loss="leastsq", k_d=1, k_g=2, seed=4),
    preset("gaussians").replace(loss="minimax", real_weight=0.7, noise_dist="uniform",
                                d_optimizer="adam", k_d=3),
    preset("gaussians").replace(dataset="ring", g_optimizer="adam", g_lr=0.01, k_g=0),
    preset("gaussians").replace(dataset="line", k_d=0, seed=9, d_lr=0.3),
]


def assert_same_run(a, b, exact=False):
    check = np.testing.assert_array_equal if exact else (
        lambda x, y: np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6))
    for k in ("g_theta", "d_theta", "g_m", "g_v", "d_m", "d_v"):
        check(getattr(a, k), getattr(b, k))
    for k in ("g_t", "d_t", "real_counter", "noise_counter", "epoch", "config", "diverged"):
        assert getattr(a, k) == getattr(b, k), k


@pytest.fixture(params=["cols", "rows"])
def layout(request, monkeypatch):
    """Both training layouts (samples as columns for narrow nets, as rows for wide ones)."""
    from glgan.compute import batch

    monkeypatch.setattr(batch, "ROWS_FROM_WIDTH", 0 if request.param == "rows" else 10**6)
    return request.param


def test_a_batch_of_mixed_runs_equals_each_run_alone(layout):
    batch = make_engine(MIXED)
    assert batch.run_count == len(MIXED) and len(batch._batches) == 1  # one set of buffers
    batch.train(40)
    batch.train(7, kind="d")
    batch.train_phase("d")
    batch.train_phase("g")
    for i, c in enumerate(MIXED):
        alone = make_engine(c)
        alone.train(40)
        alone.train(7, kind="d")
        alone.train_phase("d")
        alone.train_phase("g")
        assert_same_run(batch.snapshot().runs[i], alone.snapshot().runs[0])
        assert batch.status(i).d_loss == pytest.approx(alone.status().d_loss, rel=1e-4,
                                                       nan_ok=True)
        f_batch, f_alone = batch.frame()[i], alone.frame()[0]
        np.testing.assert_allclose(f_batch.fake, f_alone.fake, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(f_batch.field, f_alone.field, rtol=1e-4, atol=1e-5)


def test_runs_that_differ_only_in_learning_rate_start_from_the_same_weights():
    a, b = preset("ring"), preset("ring").replace(d_lr=0.01)
    eng = make_engine([a, b])
    s = eng.snapshot().runs
    np.testing.assert_array_equal(s[0].g_theta, s[1].g_theta)
    np.testing.assert_array_equal(eng.frame()[0].real, eng.frame()[1].real)


def test_runs_of_other_architectures_go_into_their_own_batch_in_run_order():
    configs = [preset("gaussians"), preset("gaussians").replace(d_neurons=16),
               preset("gaussians").replace(seed=1), preset("gaussians").replace(batch_size=64)]
    eng = make_engine(configs)
    assert len(eng._batches) == 3 and eng.configs() == tuple(configs)
    eng.train(20)
    for i, c in enumerate(configs):
        alone = make_engine(c)
        alone.train(20)
        assert_same_run(eng.snapshot().runs[i], alone.snapshot().runs[0])
    assert [f.epoch for f in eng.frame()] == [20] * 4
    # an architecture edit moves a run to another batch; the others keep their state
    before = eng.snapshot().runs[0]
    assert eng.set_config(configs[2].replace(g_neurons=5), run=2)
    assert_same_run(eng.snapshot().runs[0], before, exact=True)
    assert eng.status(2).epoch == 0 and eng.configs()[2].g_neurons == 5


def test_train_only_the_listed_runs():
    eng = make_engine([GanConfig(), GanConfig(seed=1), GanConfig(seed=2)])
    stats = eng.train(5, runs=[1])
    assert stats.run_epochs == (0, 5, 0) and [eng.status(i).epoch for i in range(3)] == [0, 5, 0]
    alone = make_engine(GanConfig(seed=1))
    alone.train(5)
    assert_same_run(eng.snapshot().runs[1], alone.snapshot().runs[0])


def test_one_diverging_run_is_rolled_back_alone_and_the_others_are_untouched(layout):
    configs = [GanConfig(seed=s) for s in range(3)]
    eng = make_engine(configs)
    eng.train(5)
    state = eng.snapshot()
    bad = state.runs[1].replace(d_theta=state.runs[1].d_theta * np.float32(1e30),
                                config=state.runs[1].config.replace(d_lr=10.0))
    eng.restore(EngineState((state.runs[0], bad, state.runs[2])))
    stats = eng.train(40)
    assert stats.run_diverged[1] and stats.run_diverged[0] is None
    assert stats.run_epochs[0] == stats.run_epochs[2] == 40 and stats.run_epochs[1] < 40
    rolled = eng.snapshot().runs[1]  # back at its last finite snapshot (a multiple of 16)
    assert rolled.epoch == 5 + stats.run_epochs[1] and stats.run_epochs[1] % 16 == 0
    assert np.isfinite(rolled.d_theta).all() and np.isfinite(rolled.g_theta).all()
    for i in (0, 2):
        alone = make_engine(configs[i])
        alone.train(45)
        assert_same_run(eng.snapshot().runs[i], alone.snapshot().runs[0])
    assert eng.train(3).run_epochs == (3, 0, 3)  # the paused run stays paused alone


@pytest.mark.parametrize("use_atlas", [True, False])
def test_snapshot_restore_continues_bit_for_bit(use_atlas, layout):
    configs = [GanConfig(use_atlas=use_atlas, atlas_size=900, seed=s,
                         d_optimizer="adam" if s else "sgd") for s in range(2)]
    eng = make_engine(configs)
    eng.train(30)
    saved = eng.snapshot()
    eng.train(50)
    after = eng.snapshot()
    eng.restore(saved)
    eng.train(50)
    for a, b in zip(eng.snapshot().runs, after.runs):
        assert_same_run(a, b, exact=True)
        np.testing.assert_array_equal(eng.history().table(), eng.history().table())
    fresh = make_engine(state=saved)
    fresh.train(50)
    for a, b in zip(fresh.snapshot().runs, after.runs):
        assert_same_run(a, b, exact=True)
        assert a.d_loss == b.d_loss and a.g_loss == b.g_loss


@pytest.mark.parametrize("use_atlas", [True, False])
def test_train_save_load_train_equals_training_straight_through(tmp_path, use_atlas):
    config = preset("ring").replace(use_atlas=use_atlas, g_optimizer="adam", g_lr=0.01)
    straight = make_engine(config)
    straight.train(70)
    first = make_engine(config)
    first.train(30)
    save_model(first, tmp_path / "m")
    back = load_model(tmp_path / "m")
    back.train(40)
    assert_same_run(back.snapshot().runs[0], straight.snapshot().runs[0], exact=True)
    # history: one point per train call (30 and 70 here, 70 alone there), the same at 70
    np.testing.assert_array_equal(back.history().table()[-1], straight.history().table()[-1])
    assert back.divergences() == straight.divergences()


def test_both_layouts_train_the_same_numbers(monkeypatch):
    from glgan.compute import batch

    configs = MIXED[:4]
    out = {}
    for rows in (False, True):
        monkeypatch.setattr(batch, "ROWS_FROM_WIDTH", 0 if rows else 10**6)
        eng = make_engine(configs)
        assert eng._batches[0].layout.by_rows == rows
        eng.train(20)
        out[rows] = eng.snapshot().runs
    for a, b in zip(out[False], out[True]):
        assert_same_run(a, b)


def test_batch_sizes_and_run_counts_in_range():
    for B in (1, 7):
        eng = make_engine([GanConfig(batch_size=B, atlas_size=50, seed=s) for s in range(3)])
        assert eng.train(5).run_epochs == (5, 5, 5)
    with pytest.raises(ValueError, match="runs=65"):
        make_engine([GanConfig()] * 65)


def test_a_paused_or_unlisted_run_with_a_larger_k_never_drives_the_others():
    c = GanConfig(use_atlas=False, k_d=1)  # fresh batches: chunks reserved for those training
    eng = make_engine([c, c.replace(k_d=3, seed=1)])
    eng.train(70, runs=[0])
    alone = make_engine(c)
    alone.train(70)
    assert_same_run(eng.snapshot().runs[0], alone.snapshot().runs[0], exact=True)
    assert eng.status(1).epoch == 0


@pytest.mark.parametrize("use_atlas", [True, False])
def test_a_diverging_run_ends_where_it_would_alone(use_atlas):
    configs = [GanConfig(seed=0, use_atlas=use_atlas), GanConfig(seed=1, use_atlas=use_atlas)]
    together, alone = make_engine(configs), make_engine(configs[1])
    for eng in (together, alone):
        eng.train(5)
        poison(eng, 1e12, run=eng.run_count - 1)
    stats = together.train(40)
    alone_stats = alone.train(40)
    assert stats.run_diverged[1] and alone_stats.diverged
    assert stats.run_epochs[1] == alone_stats.epochs and stats.run_epochs[0] == 40
    assert_same_run(together.snapshot().runs[1], alone.snapshot().runs[0], exact=True)
    np.testing.assert_array_equal(together.history(1).table(), alone.history().table())


def test_adam_moments_overflowing_count_as_divergence(tmp_path):
    eng = make_engine(GanConfig(d_optimizer="adam", g_optimizer="adam"))
    poison(eng, 1e8)  # gradients ~1e20: v = g^2 overflows while the weights stay finite
    stats = eng.train(3)
    s = eng.snapshot().runs[0]
    assert stats.diverged and np.isfinite(s.d_v).all() and np.isfinite(s.d_m).all()
    save_model(eng, tmp_path / "m")  # a state that can always be saved and loaded again
    assert load_model(tmp_path / "m").status().diverged == stats.diverged
