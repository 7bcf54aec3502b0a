"""Colour ramps for the heatmap, computed on the CPU as LUTs (no GL here).

Owns d3's ``interpolateRgbBasis`` (uniform cubic B-spline through the colour stops, per
channel) and the PRGn stops GAN Lab uses for D(x): purple = fake, near-white at 0.5, green = real.
"""

from __future__ import annotations

import numpy as np

# d3-scale-chromatic PRGn, 11 stops, purple -> white -> green
PRGN_STOPS = ("#40004b", "#762a83", "#9970ab", "#c2a5cf", "#e7d4e8", "#f7f7f7",
              "#d9f0d3", "#a6dba0", "#5aae61", "#1b7837", "#00441b")


def hex_to_rgb(color: str) -> tuple[int, int, int]:
    """'#rrggbb' -> (r, g, b) in 0..255."""
    c = color.lstrip("#")
    if len(c) != 6:
        raise ValueError(f"expected #rrggbb, got {color!r}")
    return (int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16))


def interpolate_rgb_basis(stops: tuple[str, ...] | list[str], t: np.ndarray) -> np.ndarray:
    """d3.interpolateRgbBasis(stops)(t) for an array ``t``: (..., 3) float RGB in 0..255.

    1. segment i = floor(t*n) (clamped), local s = t*n - i, with n = len(stops) - 1;
    2. control points v0..v3 = stops i-1..i+2, the missing end ones mirrored (2*v1 - v2, ...);
    3. uniform cubic B-spline basis: ((1-s)^3 v0 + (3s^3 - 6s^2 + 4) v1
       + (-3s^3 + 3s^2 + 3s + 1) v2 + s^3 v3) / 6.
    """
    v = np.array([hex_to_rgb(c) for c in stops], np.float64)
    n = len(v) - 1
    t = np.clip(np.asarray(t, np.float64), 0.0, 1.0)
    i = np.minimum(np.floor(t * n).astype(int), n - 1)
    s = (t * n - i)[..., None]
    v1, v2 = v[i], v[i + 1]
    v0 = np.where((i > 0)[..., None], v[np.maximum(i - 1, 0)], 2 * v1 - v2)
    v3 = np.where((i < n - 1)[..., None], v[np.minimum(i + 2, n)], 2 * v2 - v1)
    s2, s3 = s * s, s * s * s
    return ((1 - 3 * s + 3 * s2 - s3) * v0 + (4 - 6 * s2 + 3 * s3) * v1
            + (1 + 3 * s + 3 * s2 - 3 * s3) * v2 + s3 * v3) / 6.0


def prgn(t: np.ndarray | float) -> np.ndarray:
    """d3.interpolatePRGn(t) as (..., 3) uint8 (rounded like d3's rgb() string)."""
    return np.floor(interpolate_rgb_basis(PRGN_STOPS, t) + 0.5).astype(np.uint8)


def prgn_lut(n: int = 256) -> np.ndarray:
    """(n, 4) uint8 RGBA ramp sampling PRGn at t = k/(n-1); upload as an n x 1 texture."""
    rgb = prgn(np.linspace(0.0, 1.0, n))
    return np.concatenate([rgb, np.full((n, 1), 255, np.uint8)], axis=1)
