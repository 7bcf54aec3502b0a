"""Palettes: the colours and stroke sizes of the distribution view, per palette and theme.

Owns the two palettes (``ganlab``: GAN Lab's green real / purple fake over the PRGn ramp, the
default; ``colorblind``: purple real / orange fake over PuOr, both ColorBrewer's
colour-blind-safe diverging schemes with the two sample colours far apart in every common
colour-vision deficiency), the three themes (``light``; ``dark``: a dark plot with a
dark-centred ramp and lighter dots; ``high-contrast``: a stronger ramp, opaque larger dots,
thicker kites and lines for projectors) and ``view_style`` that combines them into one
``ViewStyle``. Also d3's ``interpolateRgbBasis`` (the ramp interpolation GAN Lab uses), so the
renderer's LUT and the overlay's graph thumbnails colour D(x) identically. A plain value
module: no GL, no ImGui.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PALETTES = ("ganlab", "colorblind")
THEMES = ("light", "dark", "high-contrast")

RGBA = tuple[float, float, float, float]


def rgba(r: int, g: int, b: int, a: float = 1.0) -> RGBA:
    """0..255 RGB and 0..1 alpha as straight-alpha floats in 0..1."""
    return (r / 255, g / 255, b / 255, float(a))


# Ramps run from D = 0 (fake) to D = 1 (real); 11 stops each (d3-scale-chromatic).
PRGN = ("#40004b", "#762a83", "#9970ab", "#c2a5cf", "#e7d4e8", "#f7f7f7",
        "#d9f0d3", "#a6dba0", "#5aae61", "#1b7837", "#00441b")
PUOR = ("#7f3b08", "#b35806", "#e08214", "#fdb863", "#fee0b6", "#f7f7f7",
        "#d8daeb", "#b2abd2", "#8073ac", "#542788", "#2d004b")
DARK_CENTRE = "#1c1c1e"


def _dark_ramp(light: tuple[str, ...]) -> tuple[str, ...]:
    """The same hues with lightness reversed: pale at the confident ends, dark at D = 0.5."""
    return (*reversed(light[:5]), DARK_CENTRE, *reversed(light[6:]))


@dataclass(frozen=True)
class ViewStyle:
    """Everything the renderer needs to colour and size one view (see ``view_style``)."""

    palette: str
    theme: str
    background: RGBA  # the plot's background (outside the field, zoomed out)
    window: RGBA  # around the views (the App's clear colour)
    real: RGBA
    fake: RGBA
    gradient: RGBA
    manifold: RGBA  # the 2-D manifold's cells (alpha per cell on top)
    manifold_line: RGBA  # the 1-D manifold polyline
    manifold_dot: RGBA
    grid: RGBA  # the manifold's grid lines
    contour: RGBA  # D = 0.5
    optimal: RGBA  # D* = 0.5 (the optimal discriminator)
    flow: RGBA  # D's gradient field arrows
    unit: RGBA  # the unit square's outline when zoomed out
    marker: RGBA  # edge markers for samples outside the view
    words: tuple[str, str, str]  # what to call the real, fake and gradient colours in text
    ramp: tuple[str, ...]  # hex stops from D = 0 (fake) to D = 1 (real)
    ramp_gamma: float  # 1 = as given; < 1 pushes colours away from the centre stop
    dot_scale: float  # disc radius factor over GAN Lab's
    line_scale: float  # kite, grid and contour width factor

    @property
    def real_rgb8(self) -> tuple[int, int, int]:
        return tuple(int(round(c * 255)) for c in self.real[:3])  # type: ignore[return-value]

    @property
    def fake_rgb8(self) -> tuple[int, int, int]:
        return tuple(int(round(c * 255)) for c in self.fake[:3])  # type: ignore[return-value]


def view_style(palette: str = "ganlab", theme: str = "light") -> ViewStyle:
    """The view's colours for ``palette`` (PALETTES) in ``theme`` (THEMES).

    Raises ValueError naming the value and the choices.
    """
    if palette not in PALETTES:
        raise ValueError(f"palette={palette!r}: choose from {', '.join(PALETTES)}")
    if theme not in THEMES:
        raise ValueError(f"theme={theme!r}: choose from {', '.join(THEMES)}")
    cb = palette == "colorblind"
    ramp = PUOR if cb else PRGN
    # colour-blind dots are kept off the PuOr ramp (>= 45 RGB units from every ramp colour;
    # ramp stops themselves vanished into confident regions): violet real, vivid orange fake
    real = rgba(128, 90, 200) if cb else rgba(0, 136, 55)  # GAN Lab's green
    fake = rgba(241, 105, 19) if cb else rgba(123, 50, 148)  # GAN Lab's purple
    gradient = rgba(30, 30, 30) if cb else rgba(196, 20, 219)
    words = ("purple", "orange", "light" if theme == "dark" else "dark") if cb else \
        ("green", "purple", "pink")
    common = dict(palette=palette, theme=theme, words=words, manifold=fake[:3] + (1.0,),
                  manifold_line=fake[:3] + (0.8,), ramp=ramp, ramp_gamma=1.0,
                  dot_scale=1.0, line_scale=1.0)
    if theme == "dark":
        real_d = rgba(196, 176, 255) if cb else rgba(110, 210, 130)
        fake_d = rgba(255, 170, 60) if cb else rgba(205, 140, 235)
        return ViewStyle(
            **{**common, "manifold": fake_d[:3] + (1.0,), "manifold_line": fake_d[:3] + (0.85,),
               "ramp": _dark_ramp(ramp)},
            background=rgba(38, 38, 42), window=rgba(22, 22, 24),
            real=real_d[:3] + (0.85,), fake=fake_d[:3] + (0.85,),
            gradient=rgba(235, 235, 235, 0.6) if cb else rgba(240, 90, 250, 0.65),
            manifold_dot=rgba(220, 220, 220, 0.5), grid=rgba(200, 200, 200, 0.3),
            contour=rgba(235, 235, 235, 0.8), unit=rgba(200, 200, 200, 0.6),
            optimal=rgba(255, 200, 60, 0.95), flow=rgba(220, 220, 220, 0.6),
            marker=rgba(235, 235, 235, 0.9))
    if theme == "high-contrast":
        return ViewStyle(
            **{**common, "ramp_gamma": 0.55, "dot_scale": 1.6, "line_scale": 2.0},
            background=rgba(255, 255, 255), window=rgba(255, 255, 255),
            real=real[:3] + (1.0,), fake=fake[:3] + (1.0,),
            gradient=gradient[:3] + (0.9,), manifold_dot=rgba(0, 0, 0, 0.8),
            grid=rgba(60, 60, 60, 0.7), contour=rgba(0, 0, 0, 1.0), unit=rgba(0, 0, 0, 0.9),
            optimal=rgba(230, 110, 0, 1.0), flow=rgba(0, 0, 0, 0.85),
            marker=rgba(0, 0, 0, 1.0))
    return ViewStyle(
        **common, background=rgba(243, 243, 243), window=(0.93, 0.93, 0.93, 1.0),
        real=real[:3] + (0.75,), fake=fake[:3] + (0.75,),
        gradient=gradient[:3] + (0.5 if not cb else 0.55,),
        manifold_dot=rgba(48, 48, 48, 0.5), grid=rgba(160, 160, 160, 0.25),
        contour=(0.2, 0.2, 0.2, 0.8), unit=(0.35, 0.35, 0.35, 0.55),
        optimal=rgba(230, 120, 0, 0.95) if not cb else rgba(0, 120, 200, 0.95),
        flow=rgba(40, 40, 40, 0.5),
        marker=(0.2, 0.2, 0.2, 0.85))


# -- ramps ----------------------------------------------------------------------------------

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


def ramp_rgb(t: np.ndarray | float, stops: tuple[str, ...] = PRGN,
             gamma: float = 1.0) -> np.ndarray:
    """The ramp at ``t`` in [0, 1] as (..., 3) uint8, rounded like d3's rgb() string.

    ``gamma`` < 1 remaps t away from 0.5 first (0.5 + sign * |2t - 1|^gamma / 2), so middling
    values take stronger colours (the high-contrast theme)."""
    t = np.clip(np.asarray(t, np.float64), 0.0, 1.0)
    if gamma != 1.0:
        u = 2.0 * t - 1.0
        t = 0.5 + 0.5 * np.sign(u) * np.abs(u) ** gamma
    return np.floor(interpolate_rgb_basis(stops, t) + 0.5).astype(np.uint8)


def ramp_lut(stops: tuple[str, ...] = PRGN, gamma: float = 1.0, n: int = 256) -> np.ndarray:
    """(n, 4) uint8 RGBA ramp sampled at t = k/(n-1); upload as an n x 1 texture."""
    rgb = ramp_rgb(np.linspace(0.0, 1.0, n), stops, gamma)
    return np.concatenate([rgb, np.full((n, 1), 255, np.uint8)], axis=1)
