"""Grid KL and JS divergences between the real and generated samples (GAN Lab §5, fixed).

Both sample sets are histogrammed on a G x G grid over [0,1]^2 (GAN Lab: 30), each histogram
normalised to total mass 1, with points outside the square clamped into the edge cells. Then
KL(P||Q) = sum (p+e) log2((p+e)/(q+e)) and JS = 1/2 sum [(p+e) log2((p+e)/(m+e)) +
(q+e) log2((q+e)/(m+e))], m = (p+q)/2, e = 1e-4 (GAN Lab's epsilon), in bits.

GAN Lab's own numbers are wrong: only 151 of its 450 real samples are counted (a splice bug,
total mass ~0.336) and out-of-range points are dropped or wrap into the next row.
``ganlab_true_histogram`` reproduces that for a compatibility switch.
"""

from __future__ import annotations

import numpy as np

EPS = 1e-4
GRID = 30


def histogram(points: np.ndarray, grid: int = GRID) -> np.ndarray:
    """Normalised (grid*grid,) histogram, out-of-range points clamped to the edge cells."""
    pts = np.asarray(points, dtype=np.float64)
    finite = np.isfinite(pts).all(axis=1)
    pts = pts[finite]
    hist = np.zeros(grid * grid)
    if len(pts) == 0:
        return hist
    cells = np.clip(np.floor(pts * grid), 0, grid - 1).astype(np.int64)
    np.add.at(hist, cells[:, 0] + grid * cells[:, 1], 1.0)
    return hist / len(pts)


def ganlab_true_histogram(atlas: np.ndarray, grid: int = GRID) -> np.ndarray:
    """GAN Lab's buggy P_true: re-enacts its JS ``splice`` calls on the flattened atlas.

    450 ``splice(0, 2)`` calls remove the shown samples, then sample i is read from
    ``splice(2i, 2i+2)`` of the shrinking list; when that runs past the end nothing is counted.
    Each counted sample weighs 1/450; indices outside the 900 cells are dropped, x outside
    [0,1) wraps into a neighbouring row (``index = trunc(x*30) + 30*trunc(y*30)``).
    """
    flat = list(np.asarray(atlas, dtype=np.float64).ravel())
    del flat[: 2 * 450]
    hist = np.zeros(grid * grid)
    for i in range(450):
        start, count = 2 * i, 2 * i + 2
        values = flat[start:start + count]
        del flat[start:start + count]
        if len(values) < 2:
            continue
        index = int(np.trunc(values[0] * grid)) + grid * int(np.trunc(values[1] * grid))
        if 0 <= index < grid * grid:
            hist[index] += 1.0 / 450
    return hist


def ganlab_histogram(points: np.ndarray, grid: int = GRID) -> np.ndarray:
    """GAN Lab's Q_gen: weight 1/len each, no clamping (out-of-range indices dropped/wrapped)."""
    pts = np.asarray(points, dtype=np.float64)
    hist = np.zeros(grid * grid)
    index = np.trunc(pts[:, 0] * grid) + grid * np.trunc(pts[:, 1] * grid)
    ok = np.isfinite(index) & (index >= 0) & (index < grid * grid)
    np.add.at(hist, index[ok].astype(np.int64), 1.0 / len(pts))
    return hist


def kl_js(p: np.ndarray, q: np.ndarray, eps: float = EPS) -> tuple[float, float]:
    """(KL(P||Q), JS(P,Q)) in bits over histograms p, q, with GAN Lab's epsilon."""
    pe, qe = p + eps, q + eps
    me = 0.5 * (p + q) + eps
    kl = float(np.sum(pe * np.log2(pe / qe)))
    js = float(0.5 * np.sum(pe * np.log2(pe / me) + qe * np.log2(qe / me)))
    return kl, js


def grid_divergences(real: np.ndarray, fake: np.ndarray, grid: int = GRID) -> tuple[float, float]:
    """(KL, JS) between samples ``real`` (n, 2) and ``fake`` (m, 2), correctly normalised."""
    return kl_js(histogram(real, grid), histogram(fake, grid))


def manifold_opacity(mesh: np.ndarray, noise_dist: str) -> np.ndarray:
    """GAN Lab's manifold fill opacity per cell of a deformed (n+1, n+1, 2) grid.

    A_i = shoelace area of cell i / sum of areas. Uniform noise: max(0.9 - 0.4 A_i n^2, 0.1);
    Gaussian noise: min(0.1 + 0.2 pdf_i / (A_i n^2), 0.9), pdf of N(0.5, 0.25^2 I) at the cell's
    noise-space centre. (GAN Lab's 400 = n^2 for its 20 x 20 cells.)
    """
    n = mesh.shape[0] - 1
    p00, p01 = mesh[:-1, :-1], mesh[:-1, 1:]
    p11, p10 = mesh[1:, 1:], mesh[1:, :-1]
    quad = [p00, p01, p11, p10]
    area = np.zeros((n, n))
    for a, b in zip(quad, quad[1:] + quad[:1]):
        area += a[..., 0] * b[..., 1] - b[..., 0] * a[..., 1]
    area = np.abs(area) * 0.5
    total = area.sum()
    rel = area * (n * n) / total if total > 0 else np.ones_like(area)
    if noise_dist == "uniform":
        return np.maximum(0.9 - 0.4 * rel, 0.1).astype(np.float32)
    c = (np.arange(n) + 0.5) / n
    ci, cj = np.meshgrid(c, c, indexing="ij")
    pdf = np.exp(-((ci - 0.5) ** 2 + (cj - 0.5) ** 2) / (2 * 0.25**2)) / (2 * np.pi * 0.25**2)
    with np.errstate(divide="ignore"):
        alpha = 0.1 + pdf / rel * 0.2
    return np.minimum(np.nan_to_num(alpha, nan=0.9, posinf=0.9), 0.9).astype(np.float32)
