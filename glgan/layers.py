"""Layers: which parts of the layered distribution view are drawn, and how.

Owns the layer names, their GAN Lab defaults, the drawing options (blocky heatmap, gradient
source and scaling, point size, DPI scale, palette and theme) and ``parse_layers`` for the
CLI. A plain value shared by the renderer (which draws it) and the UI (which edits it); no GL here.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from glgan.palette import PALETTES, THEMES

# bottom -> top, the order LayeredView draws them in
LAYER_NAMES = ("heatmap", "contour", "optimal", "flow", "real", "gradients", "trails",
               "fake", "manifold")
GRADIENT_SOURCES = ("d", "g")


@dataclass(frozen=True)
class Layers:
    """Layer switches (GAN Lab's defaults) plus drawing options.

    Attributes:
        heatmap: D(x) coloured with PRGn over the field rectangle.
        contour: an anti-aliased D = 0.5 line (not in GAN Lab).
        optimal: the optimal discriminator's D* = 0.5 line, D* = p_real / (p_real + p_fake)
            estimated from the samples (not in GAN Lab): where the learned D should decide.
        trails: the paths of pinned fake samples over their last epochs, fading with age
            (click a fake to pin it; not in GAN Lab).
        flow: D's gradient field across the plane, an arrow per cell along grad D(x): where
            the generator would push a sample at any point (not in GAN Lab).
        real: real samples, green discs.
        fake: generated samples, purple discs (animated between updates).
        manifold: the generator's deformed noise grid (GAN Lab: off, drawn on top).
        gradients: pink kites at the fake samples.
        blocky: nearest-neighbour heatmap (GAN Lab's 30x30 look) instead of bilinear.
        gradient_source: "d" = dD/dx (GAN Lab's kites) or "g" = -dL_G/dx.
        gradient_normalize: draw every kite with the same length ``gradient_unit_length``.
        gradient_scale: kite length factor in data units per gradient unit (GAN Lab 0.15).
        gradient_unit_length: kite length in data units when normalised.
        gradient_cap: the -dL_G/dx kites' soft maximum length in data units (that gradient
            grows without bound where D(x) nears 0 and would cross the whole plot; 0 = none).
            GAN Lab's dD/dx kites are never capped.
        point_size: disc radius in logical px; None = GAN Lab's r = 2 at 400 px, scaled
            with the viewport (clamped to 1.5..8).
        dpi_scale: framebuffer pixels per logical pixel (2 on a HiDPI screen).
        palette: "ganlab" (green real, purple fake, PRGn) or "colorblind" (glgan.palette).
        theme: "light", "dark" or "high-contrast" (stronger ramp, larger dots, thicker lines).
    """

    heatmap: bool = True
    contour: bool = False
    optimal: bool = False
    flow: bool = False
    trails: bool = False
    real: bool = True
    fake: bool = True
    manifold: bool = False
    gradients: bool = True
    blocky: bool = False
    gradient_source: str = "d"
    gradient_normalize: bool = False
    gradient_scale: float = 0.15
    gradient_unit_length: float = 0.05
    gradient_cap: float = 0.12
    point_size: float | None = None
    dpi_scale: float = 1.0
    palette: str = "ganlab"
    theme: str = "light"

    def __post_init__(self) -> None:
        if self.gradient_source not in GRADIENT_SOURCES:
            raise ValueError(f"gradient_source must be one of {GRADIENT_SOURCES}, "
                             f"got {self.gradient_source!r}")
        if self.palette not in PALETTES:
            raise ValueError(f"palette must be one of {PALETTES}, got {self.palette!r}")
        if self.theme not in THEMES:
            raise ValueError(f"theme must be one of {THEMES}, got {self.theme!r}")
        if self.dpi_scale <= 0:
            raise ValueError(f"dpi_scale must be > 0, got {self.dpi_scale}")
        if not self.gradient_cap >= 0:
            raise ValueError(f"gradient_cap must be >= 0, got {self.gradient_cap}")
        if self.point_size is not None and self.point_size <= 0:
            raise ValueError(f"point_size must be > 0, got {self.point_size}")

    @classmethod
    def all(cls, **options: object) -> Layers:
        """Every layer on; ``options`` may still switch some off or set drawing options."""
        return cls(**{**{name: True for name in LAYER_NAMES}, **options})

    @classmethod
    def none(cls, **options: object) -> Layers:
        """Every layer off (just the background); ``Layers.none(real=True)`` = only real."""
        return cls(**{**{name: False for name in LAYER_NAMES}, **options})

    def with_layers(self, **switches: bool) -> Layers:
        """A copy with some switches changed, e.g. ``layers.with_layers(manifold=True)``."""
        bad = [k for k in switches if k not in LAYER_NAMES]
        if bad:
            raise ValueError(f"unknown layer {bad[0]!r}; choose from {', '.join(LAYER_NAMES)}")
        return replace(self, **switches)

    def toggled(self, name: str) -> Layers:
        """A copy with layer ``name`` flipped."""
        return self.with_layers(**{name: not getattr(self, name)})

    def enabled(self) -> tuple[str, ...]:
        """Names of the layers that are on, bottom to top."""
        return tuple(n for n in LAYER_NAMES if getattr(self, n))

    def radius_px(self, viewport: tuple[int, int]) -> float:
        """Disc radius in framebuffer pixels for a viewport of ``(w, h)`` framebuffer pixels."""
        if self.point_size is not None:
            return float(self.point_size) * self.dpi_scale
        logical = min(viewport[0], viewport[1]) / self.dpi_scale
        return min(max(2.0 * logical / 400.0, 1.5), 8.0) * self.dpi_scale


_OPTION_NAMES = tuple(f.name for f in fields(Layers) if f.name not in LAYER_NAMES)


def parse_layers(spec: str, **options: object) -> Layers:
    """``"heatmap,real,fake"`` -> Layers with exactly those on (``"all"``/``"none"`` work too).

    Names are comma- or space-separated and case-insensitive; ``options`` set the non-layer
    fields (``blocky=True`` ...). Raises ValueError naming the first unknown layer.
    """
    tokens = [t for t in spec.replace(",", " ").lower().split() if t]
    on: set[str] = set()
    for tok in tokens:
        if tok == "all":
            on.update(LAYER_NAMES)
        elif tok == "none":
            continue
        elif tok in LAYER_NAMES:
            on.add(tok)
        else:
            raise ValueError(f"unknown layer {tok!r} in {spec!r}; "
                             f"choose from {', '.join(LAYER_NAMES)} (or all, none)")
    bad = [k for k in options if k not in _OPTION_NAMES]
    if bad:
        raise ValueError(f"unknown layer option {bad[0]!r}; choose from {', '.join(_OPTION_NAMES)}")
    return Layers(**{name: name in on for name in LAYER_NAMES}, **options)
