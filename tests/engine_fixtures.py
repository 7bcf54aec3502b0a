"""Engine helpers for tests: push a run over the edge of float32 through the GanEngine
Protocol, engines that diverge on cue, and a guard that no engine is built at all."""

from __future__ import annotations

import numpy as np

from glgan.compute.state import EngineState


def poison(engine, factor: float = 1e30, run: int = 0) -> None:
    """Scale D's weights of ``run`` by ``factor`` (a model on the edge of float32 overflow),
    through snapshot/restore as any caller of the Protocol would."""
    state = engine.snapshot()
    runs = list(state.runs)
    runs[run] = runs[run].replace(d_theta=runs[run].d_theta * np.float32(factor))
    engine.restore(EngineState(tuple(runs), state.drawn))


class DivergesFrom:
    """A GanEngine (delegating to a real one) whose training diverges for real once run 0 has
    reached ``epoch``: each ``train`` call from then on first poisons D's weights, so the
    engine's own divergence check pauses the run with its message."""

    def __init__(self, engine, epoch: int) -> None:
        self._engine, self._epoch = engine, epoch

    def __getattr__(self, name):
        return getattr(self._engine, name)

    def train(self, epochs=1, kind="both", runs=None):
        if self._engine.status().epoch >= self._epoch:
            poison(self._engine)
        return self._engine.train(epochs, kind, runs)


def _patch_make_engine(monkeypatch, factory) -> None:
    """Replace make_engine where engines are built: the API and the App (which every
    command's frame loop drives)."""
    import glgan.app as app
    import glgan.compute.api as api

    monkeypatch.setattr(api, "make_engine", factory)
    monkeypatch.setattr(app, "make_engine", factory)


def diverging_engines(monkeypatch, epoch: int) -> None:
    """Every engine built from now on diverges once it has trained ``epoch`` epochs."""
    import glgan.compute.api as api

    real_make_engine = api.make_engine
    _patch_make_engine(monkeypatch,
                       lambda *a, **k: DivergesFrom(real_make_engine(*a, **k), epoch))


def forbid_engines(monkeypatch, message: str) -> None:
    """Building an engine (``make_engine``, the only way to get one) fails the test."""

    def boom(*a, **k):
        raise AssertionError(message)

    _patch_make_engine(monkeypatch, boom)
