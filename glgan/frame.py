"""FrameData: the plain host arrays that flow from the engine to the renderer and the UI, and
the GL objects a renderer publishes so a GPU engine can write into them instead.

This module owns only the data contract. It imports nothing from glgan, so ``compute`` can
produce a FrameData and ``render``/``ui``/``capture`` can consume one without knowing each other.
``ViewCapacity`` says how much a view holds; ``ViewTargets`` names its fixed GL buffers and
textures (what the CUDA backend registers once and writes every frame: no host copy).
All arrays are NumPy float32 in data space (GAN Lab's unit square is [0,1]^2, y up). An
engine hands out views of its own preallocated buffers, valid until its next ``frame()`` call:
a consumer that keeps values across frames (the renderer's transitions) copies them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

MAX_REAL_SHOWN = 450      # GAN Lab shows 450 real samples
MAX_FAKE_SHOWN = 150      # and the generator's outputs for 150 fixed noise samples
MAX_MANIFOLD_CELLS = 256  # the manifold mesh is at most 256 x 256 cells
MAX_FIELD_RES = 1024      # D's field is at most 1024 x 1024


@dataclass(frozen=True)
class ViewCapacity:
    """The most a layered view holds: its GL buffers and textures are made this size once and
    written in place (never reallocated), so they can be registered with CUDA once."""

    real: int = MAX_REAL_SHOWN
    fake: int = MAX_FAKE_SHOWN
    manifold_cells: int = MAX_MANIFOLD_CELLS
    field_res: int = MAX_FIELD_RES

    def __post_init__(self) -> None:
        for name, top in (("real", MAX_REAL_SHOWN), ("fake", MAX_FAKE_SHOWN),
                          ("manifold_cells", MAX_MANIFOLD_CELLS), ("field_res", MAX_FIELD_RES)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not 1 <= v <= top:
                raise ValueError(f"ViewCapacity.{name}={v!r} is out of range; allowed [1, {top}]")


@dataclass(frozen=True)
class GlTarget:
    """One GL object of a view, float32 throughout.

    A target is one run's part of the object (a view holds several runs side by side):
    kind "buffer": ``shape`` = (rows, width) floats starting at row ``offset[0]`` of the
    buffer, rows of (x, y) written from there; kind "texture": a ``shape`` = (height, width)
    tile of an R32F 2-D texture whose lower-left texel is ``offset`` = (x, y), a frame's
    (n, n) array written into the tile's lower-left n x n corner (row 0 = bottom)."""

    gl_name: int
    kind: str
    shape: tuple[int, int]
    write: Callable[[np.ndarray], None] | None = field(default=None, compare=False, repr=False)
    """The renderer's own upload into this object from the host (an engine without CUDA-GL
    sharing writes through it: the same object, the same layout)."""
    offset: tuple[int, int] = (0, 0)


@dataclass(frozen=True)
class ViewTargets:
    """The GL objects a view draws the engine's per-frame results from, fixed for the view's
    life. Keys: "fake", "grad_d", "grad_g", "mesh" (buffers: FrameData's arrays of those
    names, the manifold's vertices for "mesh"), "field", "manifold_alpha" (textures). The
    real samples and the noise are fixed sets the view takes from FrameData's host arrays."""

    capacity: ViewCapacity
    targets: Mapping[str, GlTarget]


@dataclass(frozen=True)
class Resident:
    """Set on a FrameData whose visual arrays the engine wrote into a view's ViewTargets (on
    the GPU: no host copy): what the view needs to draw them."""

    field_res: int       # the field fills the texture's lower-left field_res^2 texels
    manifold_cells: int  # the mesh holds (cells+1)^2 vertices (2-D noise) or cells+1 (1-D)
    fake: int            # rows in "fake", "grad_d", "grad_g"


@dataclass
class FrameData:
    """Everything the layered distribution view draws for one moment of training.

    Attributes:
        epoch: epochs trained so far.
        real: (R, 2) real samples shown (GAN Lab shows 450).
        fake: (F, 2) generator outputs for the fixed noise batch (GAN Lab: 150).
        noise: (F, k) the fixed latent samples behind ``fake`` (k = 1 or 2), in [0,1].
        field: (N, N) discriminator probability D(x) sampled at cell centres of ``field_bounds``
            (a Wasserstein critic's raw score instead: ``config.critic``); row 0 is the
            bottom row (smallest y), column 0 the smallest x.
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
        resident: set when the engine wrote the arrays named in ViewTargets into the view's
            GL objects itself; then those arrays here are host copies only if they were asked
            for, else empty (zero rows, same trailing shape). ``real`` and ``noise`` are always
            host arrays.
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
    resident: Resident | None = None

    @property
    def noise_dim(self) -> int:
        """1 for a 1-D latent (manifold is a polyline), 2 for a 2-D latent (a mesh)."""
        return 1 if self.manifold.ndim == 2 else 2
