"""FrameData: the plain host arrays that flow from the engine to the renderer and the UI.

This module owns only the data contract. It imports nothing from glgan, so ``compute`` can
produce a FrameData and ``render``/``ui``/``capture`` can consume one without knowing each other.
All arrays are NumPy float32 in data space (GAN Lab's unit square is [0,1]^2, y up). An
engine hands out views of its own preallocated buffers, valid until its next ``frame()`` call:
a consumer that keeps values across frames (the renderer's transitions) copies them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class FrameData:
    """Everything the layered distribution view draws for one moment of training.

    Attributes:
        epoch: epochs trained so far.
        real: (R, 2) real samples shown (GAN Lab shows 450).
        fake: (F, 2) generator outputs for the fixed noise batch (GAN Lab: 150).
        noise: (F, k) the fixed latent samples behind ``fake`` (k = 1 or 2), in [0,1].
        field: (N, N) discriminator probability D(x) sampled at cell centres of ``field_bounds``;
            row 0 is the bottom row (smallest y), column 0 the smallest x.
        field_bounds: (x0, y0, x1, y1) of the area ``field`` covers.
        manifold: (n+1, n+1, 2) G applied to the uniform noise grid (index [i, j] = noise
            (i/n, j/n)) for 2-D noise, or (n+1, 2) for 1-D noise (a polyline).
        manifold_alpha: (n, n) per-cell fill opacity from GAN Lab's density formulas
            (2-D noise), or (0, 0) for 1-D noise.
        grad_d: (F, 2) dD/dx at each fake sample (GAN Lab's pink arrows, not scaled).
        grad_g: (F, 2) -dL_G/dx at each fake sample: the direction G moves it.
        pred_real: (R,) D's probability for each shown real sample.
        pred_fake: (F,) D's probability for each fake sample.
        d_loss, g_loss: last training losses (GAN Lab shows d_loss/2; we show the true value).
        kl, js: grid KL(P_real || Q_fake) and JS divergences in bits.
    """

    epoch: int
    real: np.ndarray
    fake: np.ndarray
    noise: np.ndarray
    field: np.ndarray
    field_bounds: tuple[float, float, float, float]
    manifold: np.ndarray
    manifold_alpha: np.ndarray
    grad_d: np.ndarray
    grad_g: np.ndarray
    pred_real: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    pred_fake: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    d_loss: float = float("nan")
    g_loss: float = float("nan")
    kl: float = float("nan")
    js: float = float("nan")

    @property
    def noise_dim(self) -> int:
        """1 for a 1-D latent (manifold is a polyline), 2 for a 2-D latent (a mesh)."""
        return 1 if self.manifold.ndim == 2 else 2
