"""Batches of real and noise samples for R runs: GAN Lab's atlas walk or fresh samples.

Owns where each training batch comes from and the counters that say which batch is next (the
only random state a run has: the numbers themselves are Philox functions of seed and index).

- Atlas (GAN Lab): a fixed block of ``atlas_size`` samples per run; batch j (j = 0, 1, ...)
  is rows [((j+1)*B) mod size, +B) (GAN Lab advances its counter before reading). The first B
  rows are repeated after the end, so every batch is one contiguous slice.
- Fresh: batch j is samples [j*B, (j+1)*B) of the run's fresh stream, never repeated. They are
  drawn ``FRESH_CHUNK`` batches at a time ahead of use; the numbers do not depend on the chunking.

Buffers hold the samples in the training loop's layout: (R, dim, samples), or (R, samples, dim)
with ``by_rows``. When all runs of a batch are in lockstep (same counter, all stepping) a batch
is one slice copy for all runs; otherwise each run is gathered at its own position.
"""

from __future__ import annotations

import numpy as np

from .data import sample_noise, sample_real
from .philox import Stream

FRESH_CHUNK = 64  # batches drawn ahead per run when sampling fresh


class SampleStream:
    """The batches of one kind (real or noise) for the R runs of a RunBatch.

    Args:
        draw: draw(run_slots, stream, starts (len, 1) int, n) -> (len, n, dim) float64 samples.
        dim: 2 for real samples, noise_dim for noise.
        runs, batch, atlas_size, fresh: as in the runs' configs (shared by the batch).
        kinds: (atlas stream, fresh stream) ids.
    """

    def __init__(self, draw, dim: int, runs: int, batch: int, atlas_size: int, fresh: bool,
                 kinds: tuple[int, int], dtype, xp=np, by_rows: bool = False,
                 samples: bool = True):
        self._draw, self.dim, self.R, self.B = draw, dim, runs, batch
        self.by_rows = by_rows
        self.size, self.fresh, self.xp, self.dtype = atlas_size, fresh, xp, dtype
        self._atlas_stream, self._fresh_stream = kinds
        cols = FRESH_CHUNK * batch if fresh else atlas_size + batch
        # samples=False: counters only (a fused kernel draws the samples itself)
        self.src = xp.zeros((runs, cols, dim) if by_rows else (runs, dim, cols), dtype) \
            if samples else None
        self.counter = np.zeros(runs, np.int64)  # batches handed out per run
        self.start = np.zeros(runs, np.int64)  # fresh: first batch in the chunk, per run
        self._lock: int | None = None  # the shared counter while in lockstep
        self._lock_start = 0
        self._active = np.ones(runs, bool)  # the runs the shared counter is for
        self._cols = np.arange(batch)

    # -- filling --------------------------------------------------------------------------
    def load(self, slots, counters, regenerate: bool = True) -> None:
        """Set the given runs' counters; (re)draw their atlas blocks when ``regenerate``
        (a new seed, dataset or distribution), and their fresh chunks."""
        self.end()
        slots = np.asarray(slots, np.int64)
        self.counter[slots] = np.asarray(counters, np.int64)
        if self.fresh:
            self._refill(slots)
            return
        if not regenerate or self.src is None:
            return
        block = self._draw(slots, self._atlas_stream, np.zeros((len(slots), 1), np.int64),
                           self.size)  # (len, size, dim)
        data = np.concatenate([block, block[:, np.arange(self.B) % self.size]], axis=1)
        self.src[self.xp.asarray(slots)] = self._layout(data)

    def _layout(self, block: np.ndarray):
        """(len, n, dim) host samples -> this stream's layout on the device."""
        return self.xp.asarray(block if self.by_rows else np.swapaxes(block, 1, 2), self.dtype)

    def counters(self) -> np.ndarray:
        """Each run's count of batches handed out (a copy)."""
        out = self.counter.copy()
        if self._lock is not None:
            out[self._active] = self._lock
        return out

    def set_counters(self, slots, values) -> None:
        """Move runs back (or on) to other counters, e.g. after a rollback; ends lockstep."""
        self.end()
        slots = np.asarray(slots, np.int64)
        self.counter[slots] = values
        if self.fresh:
            self._refill(slots)

    def _refill(self, slots) -> None:
        starts = self.counter[slots]
        if self.src is None:
            self.start[slots] = starts
            return
        block = self._draw(slots, self._fresh_stream, (starts * self.B)[:, None],
                           FRESH_CHUNK * self.B)
        self.src[self.xp.asarray(slots)] = self._layout(block)
        self.start[slots] = starts

    # -- lockstep ------------------------------------------------------------------------
    def begin(self, lockstep: bool, active: np.ndarray | None = None) -> None:
        """Start a training segment for the ``active`` runs (bool (R,), None = all; the others
        keep their counters). In lockstep every active run takes every step from one shared
        counter, so each batch is one slice for all runs (inactive runs get it too, unused)."""
        self.end()
        act = np.ones(self.R, bool) if active is None else np.asarray(active, bool).copy()
        c, start = self.counter[act], self.start[act]
        if lockstep and act.any() and (c == c[0]).all() and \
                (not self.fresh or (start == start[0]).all()):
            self._lock, self._lock_start, self._active = int(c[0]), int(start[0]), act

    def end(self) -> None:
        if self._lock is not None:
            self.counter[self._active] = self._lock
            self._lock = None

    def reserve(self, steps: int) -> None:
        """Fresh sampling: make sure every run has ``steps`` more batches drawn."""
        if not self.fresh:
            return
        if self._lock is not None:
            if self._lock - self._lock_start + steps > FRESH_CHUNK:
                self.counter[self._active] = self._lock
                self._refill(np.arange(self.R))
                self._lock_start = self._lock
            return
        short = np.nonzero(self.counter - self.start + steps > FRESH_CHUNK)[0]
        if len(short):
            self._refill(short)

    # -- batches -------------------------------------------------------------------------
    def take(self, dst, active: np.ndarray | None) -> None:
        """Copy each run's next batch into dst (R, dim, B), or (R, B, dim) by rows; runs not
        ``active`` (bool (R,), None = all) receive a batch too but do not advance."""
        B, xp = self.B, self.xp
        if self._lock is not None:
            c = self._lock
            pos = ((c + 1) * B) % self.size if not self.fresh else (c - self._lock_start) * B
            src = self.src[:, pos:pos + B] if self.by_rows else self.src[:, :, pos:pos + B]
            xp.copyto(dst, src)
            self._lock = c + 1
            return
        c = self.counter
        pos = ((c + 1) * B) % self.size if not self.fresh else (c - self.start) * B
        if self.by_rows:
            idx = xp.broadcast_to(xp.asarray(pos[:, None, None] + self._cols[None, :, None]),
                                  (self.R, B, self.dim))
            xp.copyto(dst, xp.take_along_axis(self.src, idx, axis=1))
        else:
            idx = xp.broadcast_to(xp.asarray(pos[:, None, None] + self._cols[None, None, :]),
                                  (self.R, self.dim, B))
            xp.copyto(dst, xp.take_along_axis(self.src, idx, axis=2))
        if active is None:
            c += 1
        else:
            c += active


def real_drawer(configs, drawn):
    """draw(slots, stream, starts, n) for the real samples of ``configs`` (one per run)."""

    def draw(slots, stream, starts, n):
        out = np.empty((len(slots), n, 2))
        seeds = np.array([configs[s].seed for s in slots], np.uint64)[:, None]
        names = [configs[s].dataset for s in slots]
        for name in dict.fromkeys(names):
            rows = np.array([i for i, nm in enumerate(names) if nm == name])
            out[rows] = sample_real(name, n, seeds[rows], drawn, stream=stream,
                                    start=starts[rows])
        return out

    return draw


def noise_drawer(configs):
    """draw(slots, stream, starts, n) for the noise of ``configs`` (one per run)."""

    def draw(slots, stream, starts, n):
        dim = configs[slots[0]].noise_dim
        out = np.empty((len(slots), n, dim))
        seeds = np.array([configs[s].seed for s in slots], np.uint64)[:, None]
        dists = [configs[s].noise_dist for s in slots]
        for dist in dict.fromkeys(dists):
            rows = np.array([i for i, d in enumerate(dists) if d == dist])
            out[rows] = sample_noise(dist, dim, n, seeds[rows], stream=stream,
                                     start=starts[rows])
        return out

    return draw


STREAMS_REAL = (Stream.REAL_ATLAS, Stream.REAL_FRESH)
STREAMS_NOISE = (Stream.NOISE_ATLAS, Stream.NOISE_FRESH)
