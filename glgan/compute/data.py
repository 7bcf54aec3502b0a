"""Real distributions, latent noise and the sample atlas (GAN Lab's data pipeline).

Owns GAN Lab's exact sampling formulas (reference ganlab.md §1, §2): line, gaussians, ring,
disjoint and user-drawn points (each point a N(p, 0.02^2) blob), uniform and truncated-Gaussian
noise, and the ``Atlas``: a fixed block of samples walked in batches, as GAN Lab does, or
refreshed with new samples after each pass (``fresh=True``).
"""

from __future__ import annotations

import numpy as np

DRAWN_SIGMA = 0.02
DISJOINT_CENTRES = np.array([[0.35, 0.75], [0.75, 0.6], [0.45, 0.35]])


class DataError(ValueError):
    """Invalid user data (e.g. drawn points)."""


def _normal(rng: np.random.Generator, n: int) -> np.ndarray:
    """Box-Muller, cosine branch only, as GAN Lab: n = sqrt(-2 ln u) cos(2 pi v), u, v in (0,1]."""
    u = 1.0 - rng.random(n)
    v = 1.0 - rng.random(n)
    return np.sqrt(-2.0 * np.log(u)) * np.cos(2.0 * np.pi * v)


def validate_drawn(points) -> np.ndarray:
    """Check user-drawn points: an (N, 2) array of finite numbers, N >= 1."""
    try:
        pts = np.asarray(points, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise DataError(f"drawn points: not numeric ({e})") from None
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise DataError(f"drawn points: expected shape (N, 2), got {pts.shape}")
    if pts.shape[0] == 0:
        raise DataError("drawn points: the drawing is empty; draw something first")
    if not np.isfinite(pts).all():
        raise DataError("drawn points: contain NaN or infinite values")
    return pts


def sample_real(name: str, n: int, rng: np.random.Generator,
                drawn: np.ndarray | None = None) -> np.ndarray:
    """n samples (n, 2) float64 of GAN Lab's distribution ``name``; not clipped to [0,1]."""
    r = rng.random(n)
    if name == "line":
        x = 0.8 - 0.75 * r + 0.01 * _normal(rng, n)
        y = 0.6 + 0.3 * r + 0.01 * _normal(rng, n)
    elif name == "gaussians":
        n1, n2 = _normal(rng, n), _normal(rng, n)
        first = r < 0.5
        x = np.where(first, 0.3 + 0.1 * n1, 0.7 + 0.05 * n1)
        y = np.where(first, 0.7 + 0.1 * n2, 0.4 + 0.2 * n2)
    elif name == "ring":
        theta = 2.0 * np.pi * r
        x = 0.5 + 0.3 * np.cos(theta) + 0.025 * _normal(rng, n)
        y = 0.45 + 0.25 * np.sin(theta) + 0.025 * _normal(rng, n)
    elif name == "disjoint":
        idx = np.where(r < 0.333, 0, np.where(r < 0.666, 1, 2))
        c = DISJOINT_CENTRES[idx]
        x = c[:, 0] + 0.025 * _normal(rng, n)
        y = c[:, 1] + 0.025 * _normal(rng, n)
    elif name == "drawn":
        if drawn is None:
            raise DataError("dataset=drawn needs drawn points; draw some first")
        pts = validate_drawn(drawn)
        idx = np.floor(len(pts) * r).astype(np.int64)
        x = pts[idx, 0] + DRAWN_SIGMA * _normal(rng, n)
        y = pts[idx, 1] + DRAWN_SIGMA * _normal(rng, n)
    else:
        raise DataError(f"dataset={name!r} is not allowed")
    return np.stack([x, y], axis=1)


def sample_noise(dist: str, dim: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """n latent samples (n, dim): U[0,1) or N(0.5, 0.25^2) truncated at 2 sigma (to [0,1])."""
    if dist == "uniform":
        return rng.random((n, dim))
    if dist != "gaussian":
        raise DataError(f"noise_dist={dist!r} is not allowed")
    out = rng.normal(0.5, 0.25, size=(n, dim))
    bad = np.abs(out - 0.5) > 0.5
    while bad.any():  # resample outside 2 sigma, as tf.truncatedNormal does
        out[bad] = rng.normal(0.5, 0.25, size=int(bad.sum()))
        bad = np.abs(out - 0.5) > 0.5
    return out


class Atlas:
    """A fixed block of ``size`` samples handed out as consecutive batches, cycling.

    Like GAN Lab's atlas: batch i is rows [(i*B) mod size, +B). The first ``batch`` rows are
    repeated after the end so every batch is a contiguous view (no copy per step). With
    ``fresh=True`` the block is redrawn after each full pass, so batches never repeat.
    """

    def __init__(self, draw, size: int, batch: int, dtype=np.float32, fresh: bool = False,
                 xp=np):
        self._draw, self.size, self.batch, self.fresh, self.xp = draw, size, batch, fresh, xp
        first = np.asarray(draw(size))
        self.dim = first.shape[1]
        self.data = xp.empty((size + batch, self.dim), dtype)
        self._fill(first)
        # the first rows on the host: the real samples shown / the fixed noise
        self.first = first[: min(size, 450)].astype(dtype)
        self.counter = 0

    def _fill(self, block: np.ndarray) -> None:
        """Copy a host block in, then the wrap-around rows (tiled for a small atlas)."""
        tail = np.resize(block, (self.batch, self.dim))
        self.data[: self.size] = self.xp.asarray(block)
        self.data[self.size:] = self.xp.asarray(tail)

    def next(self) -> np.ndarray:
        """The next batch (batch, dim) as a view into the atlas."""
        self.counter += 1
        offset = (self.counter * self.batch) % self.size
        if self.fresh and self.counter * self.batch // self.size != \
                (self.counter - 1) * self.batch // self.size:
            self._fill(np.asarray(self._draw(self.size)))
        return self.data[offset: offset + self.batch]
