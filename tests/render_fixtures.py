"""Synthetic FrameData builders for the render tests: tiny, fully known states (one sample at
a known place, a constant field, an identity manifold) and one richer fixed state for goldens."""

from __future__ import annotations

import numpy as np

from glgan.frame import FrameData

F4 = np.float32


def identity_manifold(n: int = 2, lo: float = 0.0, hi: float = 1.0) -> np.ndarray:
    """(n+1, n+1, 2) grid with manifold[i, j] = (lo + (hi-lo) i/n, lo + (hi-lo) j/n)."""
    u = np.linspace(lo, hi, n + 1)
    return np.stack(np.meshgrid(u, u, indexing="ij"), -1).astype(F4)


def make_frame(field: float | np.ndarray = 0.5, field_res: int = 8,
               field_bounds: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0),
               real=(), fake=(), grad_d=None, grad_g=None, noise=None,
               manifold: np.ndarray | None = None, manifold_alpha=None) -> FrameData:
    """A FrameData with exactly what is given; empty or neutral everything else."""
    real = np.asarray(real, F4).reshape(-1, 2)
    fake = np.asarray(fake, F4).reshape(-1, 2)
    if np.ndim(field) == 0:
        field = np.full((field_res, field_res), float(field), F4)
    if manifold is None:
        manifold = identity_manifold(2)
    manifold = np.asarray(manifold, F4)
    if manifold_alpha is None:
        manifold_alpha = (np.full((manifold.shape[0] - 1,) * 2, 0.5, F4)
                          if manifold.ndim == 3 else np.zeros((0, 0), F4))
    zeros = np.zeros_like(fake)
    return FrameData(
        epoch=0, real=real, fake=fake,
        noise=np.asarray(noise if noise is not None else np.full((len(fake), 2), 0.5), F4),
        field=np.asarray(field, F4), field_bounds=field_bounds,
        manifold=manifold, manifold_alpha=np.asarray(manifold_alpha, F4),
        grad_d=np.asarray(grad_d if grad_d is not None else zeros, F4).reshape(-1, 2),
        grad_g=np.asarray(grad_g if grad_g is not None else zeros, F4).reshape(-1, 2),
    )


def golden_frame(noise_dim: int = 2) -> FrameData:
    """A fixed, GAN-Lab-like state: two real blobs, a ring of fake samples with gradients
    pointing outwards, a D field rising to the right, a twisted manifold. Deterministic."""
    rng = np.random.default_rng(1234)
    real = np.concatenate([rng.normal((0.3, 0.7), 0.05, (40, 2)),
                           rng.normal((0.75, 0.3), 0.05, (40, 2))])
    ang = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    ring = np.stack([np.cos(ang), np.sin(ang)], 1)
    fake = 0.5 + 0.25 * ring
    fake[0] = (1.1, 0.5)   # one sample outside the unit square
    n = 16
    c = (np.arange(n) + 0.5) / n
    gx, gy = np.meshgrid(c, c)   # row = y
    field = 1 / (1 + np.exp(-(6 * (gx - 0.5) + 2 * np.sin(6 * gy))))
    if noise_dim == 2:
        m = identity_manifold(8, 0.2, 0.8).astype(np.float64)
        r = m - 0.5
        phi = 1.2 * np.linalg.norm(r, axis=-1)
        m = 0.5 + np.stack([np.cos(phi) * r[..., 0] - np.sin(phi) * r[..., 1],
                            np.sin(phi) * r[..., 0] + np.cos(phi) * r[..., 1]], -1)
        alpha = np.linspace(0.1, 0.9, 64).reshape(8, 8)
        noise = rng.random((24, 2))
    else:
        t = np.linspace(0, 1, 9)
        m = np.stack([0.15 + 0.7 * t, 0.5 + 0.2 * np.sin(2 * np.pi * t)], 1)
        alpha = np.zeros((0, 0))
        noise = rng.random((24, 1))
    return make_frame(field=field, real=real, fake=fake, grad_d=ring * 0.6, grad_g=-ring * 0.3,
                      noise=noise, manifold=m, manifold_alpha=alpha)
