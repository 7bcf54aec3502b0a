"""History: the run's losses and divergences per recorded epoch, bounded by decimation.

Owns the chart data of a training run. It keeps at most ``capacity`` points: when full, every
second point of the older half is dropped, so hours of training stay cheap to store and plot
while the first and the latest points are always kept.
"""

from __future__ import annotations

import numpy as np

COLUMNS = ("epoch", "d_loss", "g_loss", "kl", "js")


class History:
    def __init__(self, capacity: int = 4096):
        if capacity < 8:
            raise ValueError(f"capacity={capacity} must be at least 8")
        self.capacity = capacity
        self._data = np.empty((capacity, len(COLUMNS)), np.float64)
        self._n = 0

    def __len__(self) -> int:
        return self._n

    def clear(self) -> None:
        self._n = 0

    def append(self, epoch: int, d_loss: float, g_loss: float, kl: float, js: float) -> None:
        if self._n == self.capacity:
            half = self.capacity // 2
            old = self._data[:half]
            kept = np.concatenate([old[0::2], self._data[half:]])
            self._data[: len(kept)] = kept
            self._n = len(kept)
        self._data[self._n] = (epoch, d_loss, g_loss, kl, js)
        self._n += 1

    def column(self, name: str) -> np.ndarray:
        """One column (epoch, d_loss, g_loss, kl or js) as a float64 array (a copy)."""
        return self._data[: self._n, COLUMNS.index(name)].copy()

    def as_dict(self) -> dict[str, list[float]]:
        return {name: self.column(name).tolist() for name in COLUMNS}
