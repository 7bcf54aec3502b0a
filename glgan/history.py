"""History: a training run's losses and grid divergences per recorded epoch, bounded.

Owns the chart data of a run. It keeps at most about ``2 * capacity`` points however long
training runs: when full it merges neighbouring pairs (NaN-aware mean) and from then on
averages incoming points in buckets twice as large, so old and new data have the same
density. The first point and the latest point are always kept exactly. (GAN Lab's chart
arrays grow without bound.) ``write_csv`` exports histories as CSV.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

COLUMNS = ("epoch", "d_loss", "g_loss", "kl", "js")
MAX_CAPACITY = 100_000  # a restored history keeps at most about twice this many points


class History:
    """Epoch-indexed D/G loss and KL/JS, decimated to a bounded size."""

    def __init__(self, capacity: int = 1000) -> None:
        if capacity < 2:
            raise ValueError("History capacity must be at least 2")
        self.capacity = capacity
        self.clear()

    def clear(self) -> None:
        self._first: np.ndarray | None = None
        self._rows = np.empty((2 * self.capacity, len(COLUMNS)), dtype=np.float64)
        self._n = 0
        self._bucket = 1  # raw points per stored row (after the first)
        self._sum = np.zeros(len(COLUMNS))
        self._cnt = np.zeros(len(COLUMNS))
        self._acc_n = 0
        self._last: np.ndarray | None = None
        self.total = 0  # points appended since the last clear

    def __len__(self) -> int:
        return len(self.epochs)

    def append(self, epoch: float, d_loss: float, g_loss: float, kl: float = math.nan,
               js: float = math.nan) -> None:
        """Add one observation; NaN values (not measured this time) leave gaps, not zeros."""
        row = np.array([epoch, d_loss, g_loss, kl, js], dtype=np.float64)
        row[~np.isfinite(row)] = np.nan
        self.total += 1
        self._last = row
        if self._first is None:
            self._first = row
            return
        ok = ~np.isnan(row)
        self._sum[ok] += row[ok]
        self._cnt[ok] += 1
        self._acc_n += 1
        if self._acc_n == self._bucket:
            self._push(self._mean(self._sum, self._cnt))
            self._sum[:] = 0
            self._cnt[:] = 0
            self._acc_n = 0

    @staticmethod
    def _mean(s: np.ndarray, c: np.ndarray) -> np.ndarray:
        out = np.full_like(s, np.nan)
        np.divide(s, c, out=out, where=c > 0)
        return out

    def _push(self, row: np.ndarray) -> None:
        if self._n == len(self._rows):
            pairs = self._rows.reshape(self.capacity, 2, len(COLUMNS))
            s = np.nansum(pairs, axis=1)
            c = np.sum(~np.isnan(pairs), axis=1)
            self._rows[: self.capacity] = self._mean(s, c)
            self._n = self.capacity
            self._bucket *= 2
        self._rows[self._n] = row
        self._n += 1

    def state(self) -> dict[str, np.ndarray]:
        """Everything needed to continue this history exactly, as named arrays (copies)."""
        nan = np.full(len(COLUMNS), np.nan)
        return {
            "rows": self._rows[: self._n].copy(),
            "first": (self._first if self._first is not None else nan).copy(),
            "last": (self._last if self._last is not None else nan).copy(),
            "acc": np.stack([self._sum, self._cnt]),
            "counts": np.array([self.capacity, self._bucket, self._acc_n, self.total,
                                self._first is not None, self._last is not None], np.int64),
        }

    @classmethod
    def from_state(cls, state: dict[str, np.ndarray]) -> History:
        """Inverse of ``state``; shapes and counts are checked (ValueError names the field)."""
        for key in ("rows", "first", "last", "acc", "counts"):
            if key not in state:
                raise ValueError(f"history {key}: missing")
        counts = np.asarray(state["counts"])
        if counts.shape != (6,) or counts.dtype.kind not in "iu" or (counts < 0).any():
            raise ValueError("history counts: expected 6 non-negative integers")
        capacity, bucket, acc_n, total, has_first, has_last = (int(v) for v in counts)
        if not 2 <= capacity <= MAX_CAPACITY or bucket < 1 or acc_n >= bucket:
            raise ValueError(f"history counts {counts.tolist()} are inconsistent")
        rows = np.asarray(state["rows"], np.float64)
        if rows.ndim != 2 or rows.shape[1] != len(COLUMNS) or len(rows) > 2 * capacity:
            raise ValueError(f"history rows: shape {rows.shape} does not fit capacity {capacity}")
        acc = np.asarray(state["acc"], np.float64)
        if acc.shape != (2, len(COLUMNS)):
            raise ValueError(f"history acc: shape {acc.shape} != (2, {len(COLUMNS)})")
        for key in ("first", "last"):
            if np.shape(state[key]) != (len(COLUMNS),):
                raise ValueError(f"history {key}: shape {np.shape(state[key])} != "
                                 f"({len(COLUMNS)},)")
        h = cls(capacity)
        h._rows[: len(rows)] = rows
        h._n = len(rows)
        h._bucket, h._acc_n, h.total = bucket, acc_n, total
        h._sum, h._cnt = acc[0].copy(), acc[1].copy()
        h._first = np.asarray(state["first"], np.float64).copy() if has_first else None
        h._last = np.asarray(state["last"], np.float64).copy() if has_last else None
        return h

    def table(self) -> np.ndarray:
        """(M, 5) rows [epoch, d_loss, g_loss, kl, js]: first point, decimated rows, last point."""
        parts = [] if self._first is None else [self._first[None]]
        parts.append(self._rows[: self._n])
        if self._acc_n and self._last is not None:
            parts.append(self._last[None])
        return np.concatenate(parts) if parts else np.empty((0, len(COLUMNS)))

    @property
    def epochs(self) -> np.ndarray:
        return self.table()[:, 0]

    def column(self, name: str) -> np.ndarray:
        return self.table()[:, COLUMNS.index(name)]


def write_csv(histories: list[History], path) -> Path:
    """Every run's history as CSV rows (run, epoch, D and G loss, KL, JS; every point early on,
    evenly thinned ones later), written atomically; values that are not finite are left
    empty. Returns the path."""
    import csv
    import io

    from glgan.fileio import atomic_write

    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["run", *COLUMNS])
    for run, history in enumerate(histories):
        for row in history.table():
            w.writerow([run, int(row[0])] + ["" if not math.isfinite(v) else f"{v:.9g}"
                                             for v in row[1:]])
    return atomic_write(path, lambda f: f.write(out.getvalue().encode()))
