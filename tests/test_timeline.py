"""The timeline (issue 14): kept states stay within the memory budget however long training
runs (dense for recent epochs, sparse for old ones), every epoch between kept states is rebuilt
exactly by replay, a change at a past epoch branches, and returning to a branch restores it."""

from __future__ import annotations

import numpy as np
import pytest

from glgan.compute.api import make_engine
from glgan.config import preset
from glgan.timeline import Timeline, state_bytes, state_epoch


def _same(a, b):
    for x, y in zip(a.runs, b.runs):
        assert x.epoch == y.epoch
        for k in ("g_theta", "d_theta", "g_m", "d_v"):
            np.testing.assert_array_equal(getattr(x, k), getattr(y, k), err_msg=k)
        assert (x.real_counter, x.noise_counter) == (y.real_counter, y.noise_counter)


def test_the_budget_holds_over_200k_epochs_with_recent_states_dense():
    eng = make_engine([preset("gaussians").replace(g_hidden_layers=6, g_neurons=100,
                                                   d_hidden_layers=6, d_neurons=100)])
    base = eng.snapshot()
    size = state_bytes(base)  # ~1.2 MB: the budget below holds 60 states
    tl = Timeline(budget_bytes=60 * size, recent=8)
    run = base.runs[0]
    for epoch in range(0, 200_001, 10):  # a frame every 10 epochs for 200k epochs
        tl.record(type(base)((run.replace(epoch=epoch),), None))
        assert tl.nbytes <= tl.budget_bytes
    ep = tl.epochs
    assert ep[0] == 0 and ep[-1] == 200_000 and len(ep) <= 60
    gaps = np.diff(ep)
    assert gaps[-1] <= 100  # the last moments: dense
    assert gaps[:5].mean() > 20 * gaps[-5:].mean()  # the distant past: sparse
    # about `recent` states per doubling of age
    ages = 200_000 - np.array(ep[1:-1])
    for lo in (1_000, 10_000, 50_000):
        n = ((ages >= lo) & (ages < 2 * lo)).sum()
        assert 2 <= n <= 30, (lo, n)


def test_every_epoch_between_kept_states_is_replayed_exactly():
    configs = [preset("ring"), preset("gaussians").replace(d_optimizer="adam", seed=5)]
    live = make_engine(configs)
    tl = Timeline()
    tl.record(live.snapshot())
    for _ in range(6):
        live.train(7)
        tl.record(live.snapshot())
    scratch = make_engine(configs)
    for epoch in (0, 3, 7, 20, 41, 42):
        straight = make_engine(configs)
        straight.train(epoch) if epoch else None
        _same(tl.state_at(epoch, scratch), straight.snapshot())
    with pytest.raises(ValueError, match="not on the timeline"):
        tl.state_at(43, scratch)
    assert tl.step(20, -1) == 14 and tl.step(20, +1) == 21 and tl.step(0, -1) == 0


def test_a_branch_differs_and_returning_to_it_restores_the_old_future():
    cfg = preset("ring")
    live, scratch = make_engine([cfg]), make_engine([cfg])
    tl = Timeline()
    tl.record(live.snapshot())
    for _ in range(5):
        live.train(10)
        tl.record(live.snapshot())
    original_head = live.snapshot()
    # at epoch 23 (between kept states) the lecturer changes the learning rate
    at = tl.state_at(23, scratch)
    live.restore(at)
    live.set_config(cfg.replace(g_lr=0.3))
    tl.branch(23, live.snapshot(), "g_lr=0.03")
    assert tl.epochs[-1] == 23 and tl.branches[0].epochs == [30, 40, 50]
    for _ in range(3):
        live.train(9)
        tl.record(live.snapshot())
    new_head = live.snapshot()
    assert state_epoch(new_head) == 50
    assert not np.array_equal(new_head.runs[0].g_theta, original_head.runs[0].g_theta)
    # back to the original future: exactly where it was, and the new one kept as a branch
    head = tl.take_branch(0, "g_lr=0.3")
    _same(head, original_head)
    assert tl.epochs[-3:] == [30, 40, 50] and tl.branches[0].epochs == [32, 41, 50]
    live.restore(head)
    live.train(5)
    straight = make_engine([cfg])
    straight.train(55)
    _same(live.snapshot(), straight.snapshot())
    # and its past replays exactly too
    straight = make_engine([cfg])
    straight.train(35)
    _same(tl.state_at(35, scratch), straight.snapshot())


def test_at_most_eight_branches_and_going_back_in_time_rewrites_the_future():
    eng = make_engine([preset("line")])
    tl = Timeline()
    tl.record(eng.snapshot())
    eng.train(5)
    tl.record(eng.snapshot())
    for k in range(10):
        eng.train(3)
        tl.record(eng.snapshot())
        tl.branch(5, tl.states[1], f"b{k}")
    assert len(tl.branches) == 8 and tl.branches[-1].label == "b9"
    tl.record(tl.states[0])  # training restarted at 0: what came after is dropped
    assert tl.epochs == [0]
    with pytest.raises(ValueError, match="at least 1 MiB"):
        Timeline(budget_bytes=10)
