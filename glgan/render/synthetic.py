"""Synthetic FrameData for benchmarks and demos: a plausible mid-training GAN Lab state
(ring of 8 Gaussians, fake samples spiralling in, a smooth D field, a warped manifold)
computed with NumPy only. Owns nothing else; never imports ``glgan.compute``.
"""

from __future__ import annotations

import numpy as np

from glgan.frame import FrameData


def synthetic_frame(t: float = 0.0, field_res: int = 64, n_real: int = 450, n_fake: int = 150,
                    manifold_cells: int = 20, noise_dim: int = 2, seed: int = 0) -> FrameData:
    """A deterministic FrameData at animation phase ``t`` (any float; 1.0 = one cycle)."""
    rng = np.random.default_rng(seed)
    f4 = np.float32
    ang = rng.integers(0, 8, n_real) * (2 * np.pi / 8)
    real = 0.5 + 0.3 * np.stack([np.cos(ang), np.sin(ang)], 1) + rng.normal(0, 0.03, (n_real, 2))

    noise = rng.random((n_fake, noise_dim))
    z2 = noise if noise_dim == 2 else np.concatenate([noise, np.full_like(noise, 0.5)], 1)

    def gen(z: np.ndarray) -> np.ndarray:
        c = z - 0.5
        r = np.linalg.norm(c, axis=-1, keepdims=True)
        phi = 2.0 * np.pi * t + 2.5 * r[..., 0]
        rot = np.stack([np.cos(phi) * c[..., 0] - np.sin(phi) * c[..., 1],
                        np.sin(phi) * c[..., 0] + np.cos(phi) * c[..., 1]], -1)
        return 0.5 + rot * (0.7 + 0.3 * np.sin(2 * np.pi * t))

    fake = gen(z2)
    x0, y0, x1, y1 = 0.0, 0.0, 1.0, 1.0
    cx = (np.arange(field_res) + 0.5) / field_res
    gx, gy = np.meshgrid(x0 + cx * (x1 - x0), y0 + cx * (y1 - y0))   # row = y
    dens = np.zeros_like(gx)
    for k in range(8):
        a = k * 2 * np.pi / 8
        dens += np.exp(-((gx - 0.5 - 0.3 * np.cos(a)) ** 2 + (gy - 0.5 - 0.3 * np.sin(a)) ** 2)
                       / (2 * 0.06 ** 2))
    fk = np.exp(-((gx - 0.5) ** 2 + (gy - 0.5) ** 2) / (2 * 0.15 ** 2))
    field = 1.0 / (1.0 + np.exp(-(3.0 * dens - 2.0 * fk * (1 + np.sin(2 * np.pi * t)))))

    def grad_at(p: np.ndarray) -> np.ndarray:
        j = np.clip(((p - [x0, y0]) / [x1 - x0, y1 - y0] * field_res).astype(int), 1,
                    field_res - 2)
        gxv = (field[j[:, 1], j[:, 0] + 1] - field[j[:, 1], j[:, 0] - 1]) * field_res / 2
        gyv = (field[j[:, 1] + 1, j[:, 0]] - field[j[:, 1] - 1, j[:, 0]]) * field_res / 2
        return np.stack([gxv, gyv], 1)

    grad_d = 0.1 * grad_at(fake)   # GAN Lab-sized arrows (|dD/dx| of a trained D is ~0.5..3)
    n = manifold_cells
    u = np.linspace(0.0, 1.0, n + 1)
    if noise_dim == 2:
        mz = np.stack(np.meshgrid(u, u, indexing="ij"), -1)
        manifold = gen(mz)
        e1 = manifold[1:, :-1] - manifold[:-1, :-1]
        e2 = manifold[:-1, 1:] - manifold[:-1, :-1]
        area = np.abs(e1[..., 0] * e2[..., 1] - e1[..., 1] * e2[..., 0])
        area = area / area.sum()
        alpha = np.maximum(0.9 - 0.4 * area * n * n, 0.1)
    else:
        manifold = gen(np.stack([u, np.full_like(u, 0.5)], 1))
        alpha = np.zeros((0, 0))
    return FrameData(
        epoch=int(t * 1000), real=real.astype(f4), fake=fake.astype(f4),
        noise=noise.astype(f4), field=field.astype(f4), field_bounds=(x0, y0, x1, y1),
        manifold=manifold.astype(f4), manifold_alpha=alpha.astype(f4),
        grad_d=grad_d.astype(f4), grad_g=(grad_d * 0.5).astype(f4),
    )
