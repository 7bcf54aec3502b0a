"""EngineState: the complete training state of every run as one immutable value.

Owns what a run *is*, independent of any backend's buffers: its config, both networks' weights,
the optimisers' state (m, v) and Adam's step counts, the sample counters (with counter-based
random streams they are the whole generator state), epoch, last losses, divergence message and
history. ``GanEngine.snapshot()`` returns an ``EngineState``; ``restore()`` takes one; model
files store one. Restoring and training on gives bit for bit what training on would have.

Arrays are host NumPy copies (never views into a live engine).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from glgan.config import GanConfig
from glgan.history import History

from .mlp import layer_sizes, param_count

ARRAY_FIELDS = ("g_theta", "d_theta", "g_m", "g_v", "d_m", "d_v")
COUNT_FIELDS = ("g_t", "d_t", "real_counter", "noise_counter", "epoch")
HISTORY_FIELDS = ("rows", "first", "last", "acc", "counts")
# every array a run stores in a model file
RUN_ARRAYS = ARRAY_FIELDS + ("counts", "losses") + tuple(f"history_{k}" for k in HISTORY_FIELDS)
MAX_COUNT = 2**48  # counters, step counts and epochs beyond this are not a real run's


def g_sizes(c: GanConfig) -> list[int]:
    return layer_sizes(c.noise_dim, c.g_hidden_layers, c.g_neurons, 2)


def d_sizes(c: GanConfig) -> list[int]:
    return layer_sizes(2, c.d_hidden_layers, c.d_neurons, 1)


@dataclass(frozen=True, eq=False)
class RunState:
    """One run, complete. g_m/g_v/d_m/d_v are each network's optimiser state (``optim``): m is
    Adam's first moment or momentum's velocity, v Adam's second moment or RMSprop's mean square
    (an optimiser leaves the other at zero; SGD both); g_t/d_t count Adam's steps only."""

    config: GanConfig
    g_theta: np.ndarray
    d_theta: np.ndarray
    g_m: np.ndarray
    g_v: np.ndarray
    d_m: np.ndarray
    d_v: np.ndarray
    g_t: int = 0
    d_t: int = 0
    real_counter: int = 0
    noise_counter: int = 0
    epoch: int = 0
    d_loss: float = math.nan
    g_loss: float = math.nan
    diverged: str | None = None
    history: dict | None = None  # History.state(), or None for an empty history

    def replace(self, **changes) -> RunState:
        return replace(self, **changes)

    def make_history(self, capacity: int = 1000) -> History:
        return History(capacity) if self.history is None else History.from_state(self.history)

    # -- files ------------------------------------------------------------------------------
    def arrays(self) -> dict[str, np.ndarray]:
        """Named arrays for a model file (everything but the config and the message)."""
        out = {k: np.asarray(getattr(self, k)) for k in ARRAY_FIELDS}
        out["counts"] = np.array([getattr(self, k) for k in COUNT_FIELDS], np.int64)
        out["losses"] = np.array([self.d_loss, self.g_loss], np.float64)
        for k, v in (self.history or {}).items():
            out[f"history_{k}"] = v
        return out

    @classmethod
    def from_arrays(cls, config: GanConfig, arrays: dict[str, np.ndarray],
                    diverged: str | None = None) -> RunState:
        """Inverse of ``arrays``; every shape, type and range is checked (ValueError names the
        array and what was expected)."""
        sizes = {"g": param_count(g_sizes(config)), "d": param_count(d_sizes(config))}
        values = {}
        for k in ARRAY_FIELDS:
            if k not in arrays:
                raise ValueError(f"{k}: missing")
            a = np.asarray(arrays[k])
            want = sizes[k[0]]
            if a.shape != (want,) or a.dtype.kind != "f":
                raise ValueError(f"{k}: expected {want} floating-point values for this config, "
                                 f"got shape {a.shape} of {a.dtype}")
            if not np.isfinite(a).all() or (k.endswith("_v") and (a < 0).any()):
                raise ValueError(f"{k}: must be finite" + (", >= 0" if k.endswith("_v") else ""))
            values[k] = a.astype(a.dtype if a.dtype in (np.float32, np.float64) else np.float32)
        counts = np.asarray(arrays.get("counts", np.zeros(0)))
        if counts.shape != (len(COUNT_FIELDS),) or counts.dtype.kind not in "iu" or \
                (counts < 0).any() or (counts > MAX_COUNT).any():
            raise ValueError(f"counts: expected {len(COUNT_FIELDS)} integers in [0, 2^48] "
                             f"({', '.join(COUNT_FIELDS)})")
        losses = np.asarray(arrays.get("losses", np.full(2, np.nan)), np.float64)
        if losses.shape != (2,):
            raise ValueError("losses: expected 2 values (d_loss, g_loss)")
        hist_keys = [k for k in arrays if k.startswith("history_")]
        history = {k[len("history_"):]: np.asarray(arrays[k]) for k in hist_keys} or None
        if history is not None:
            History.from_state(history)  # validates
        return cls(config=config, **values,
                   **{k: int(v) for k, v in zip(COUNT_FIELDS, counts.tolist())},
                   d_loss=float(losses[0]), g_loss=float(losses[1]), diverged=diverged,
                   history=history)


@dataclass(frozen=True, eq=False)
class EngineState:
    """Every run of an engine, in order, plus the drawn points the 'drawn' dataset uses."""

    runs: tuple[RunState, ...]
    drawn: np.ndarray | None = None

    @property
    def configs(self) -> tuple[GanConfig, ...]:
        return tuple(r.config for r in self.runs)
