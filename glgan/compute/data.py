"""Real distributions and latent noise from counter-based random streams (GAN Lab's formulas).

Owns GAN Lab's sampling formulas (reference ganlab.md §1, §2): line, gaussians, ring, disjoint
and user-drawn points (each point a N(p, 0.02^2) blob), uniform and truncated-Gaussian noise.
Every sample is a pure function of (seed, stream, index) through Philox4x32-10 (``philox``):
real sample i uses one block (r, u, v): the mixture choice r and two normals by Box-Muller of
(u, v); noise sample i, dimension d uses the uniform of word d (uniform noise) or branch d of
Box-Muller on words (0, 1), redrawn with the next ``attempt`` until it lies within 2 sigma
(truncated Gaussian, as tf.truncatedNormal). The same numbers come out of any backend.
(GAN Lab uses only Box-Muller's cosine branch; both branches give the same distribution.)
"""

from __future__ import annotations

import numpy as np

from .philox import Stream, blocks, box_muller, uniform

DRAWN_SIGMA = 0.02
DISJOINT_CENTRES = np.array([[0.35, 0.75], [0.75, 0.6], [0.45, 0.35]])
MAX_NOISE_ATTEMPTS = 64  # P(64 misses in a row) = 0.0455^64: never, in practice


class DataError(ValueError):
    """Invalid user data (e.g. drawn points)."""


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


def real_from_uniforms(name: str, r: np.ndarray, n1: np.ndarray, n2: np.ndarray,
                       drawn: np.ndarray | None = None) -> np.ndarray:
    """GAN Lab's distribution ``name`` from a uniform r and two standard normals per sample:
    (..., 2) float64, not clipped to [0, 1]."""
    if name == "line":
        x = 0.8 - 0.75 * r + 0.01 * n1
        y = 0.6 + 0.3 * r + 0.01 * n2
    elif name == "gaussians":
        first = r < 0.5
        x = np.where(first, 0.3 + 0.1 * n1, 0.7 + 0.05 * n1)
        y = np.where(first, 0.7 + 0.1 * n2, 0.4 + 0.2 * n2)
    elif name == "ring":
        theta = 2.0 * np.pi * r
        x = 0.5 + 0.3 * np.cos(theta) + 0.025 * n1
        y = 0.45 + 0.25 * np.sin(theta) + 0.025 * n2
    elif name == "disjoint":
        c = DISJOINT_CENTRES[np.where(r < 0.333, 0, np.where(r < 0.666, 1, 2))]
        x = c[..., 0] + 0.025 * n1
        y = c[..., 1] + 0.025 * n2
    elif name == "drawn":
        if drawn is None:
            raise DataError("dataset=drawn needs drawn points; draw some first")
        pts = validate_drawn(drawn)
        idx = np.minimum(np.floor(len(pts) * r).astype(np.int64), len(pts) - 1)
        x = pts[idx, 0] + DRAWN_SIGMA * n1
        y = pts[idx, 1] + DRAWN_SIGMA * n2
    else:
        raise DataError(f"dataset={name!r} is not allowed")
    return np.stack([x, y], axis=-1)


def sample_real(name: str, n: int, seed, drawn: np.ndarray | None = None, *,
                stream: int = Stream.REAL_EVAL, start=0) -> np.ndarray:
    """Samples start .. start+n-1 of ``stream`` for ``seed``: (n, 2) float64. ``seed`` and
    ``start`` may be (R, 1) arrays (one row per run): then (R, n, 2)."""
    w = blocks(seed, stream, start, n)
    n1, n2 = box_muller(uniform(w[..., 1]), uniform(w[..., 2]))
    return real_from_uniforms(name, uniform(w[..., 0]), n1, n2, drawn)


def sample_noise(dist: str, dim: int, n: int, seed, *, stream: int = Stream.NOISE_EVAL,
                 start=0) -> np.ndarray:
    """Noise samples start .. start+n-1 of ``stream``: (n, dim) float64 in [0, 1]:
    U(0,1) or N(0.5, 0.25^2) truncated at 2 sigma. ``seed``/``start`` as in sample_real."""
    if dim not in (1, 2):
        raise DataError(f"noise_dim={dim!r} is not allowed; choose 1 or 2")
    w = blocks(seed, stream, start, n)
    if dist == "uniform":
        return uniform(w[..., :dim])
    if dist != "gaussian":
        raise DataError(f"noise_dist={dist!r} is not allowed")
    out = np.stack(box_muller(uniform(w[..., 0]), uniform(w[..., 1]))[:dim], axis=-1)
    bad = (np.abs(out) > 2.0).any(axis=-1)
    if bad.any():
        seeds = np.broadcast_to(np.asarray(seed, np.uint64), bad.shape)
        index = np.asarray(start, np.uint64) + np.arange(n, dtype=np.uint64)
        index = np.broadcast_to(index, bad.shape)
        for attempt in range(1, MAX_NOISE_ATTEMPTS):  # redraw outside 2 sigma
            where = np.nonzero(bad)
            w = blocks(seeds[where], stream, index[where], 1, attempt)
            again = np.stack(box_muller(uniform(w[..., 0]), uniform(w[..., 1]))[:dim], axis=-1)
            redo = np.abs(out[where]) > 2.0
            out[where] = np.where(redo, again, out[where])
            bad[where] = (np.abs(out[where]) > 2.0).any(axis=-1)
            if not bad.any():
                break
        np.clip(out, -2.0, 2.0, out=out)  # (only after 64 misses in a row)
    return 0.5 + 0.25 * out
