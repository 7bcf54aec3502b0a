"""Thumbnails: small plots of FrameData drawn with ImGui draw lists (no GL).

Owns the data-space -> pixel mapping of a square thumbnail ([0,1]^2, y up) and one function
per kind of picture in GAN Lab's model graph and top bar: dots, the D heatmap (30x30 PRGn
cells), the generator manifold (warped grid with density opacity, or a polyline for 1-D noise)
and gradient kites. All take ``(draw_list, (x, y), size)`` and clip to the square.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from imgui_bundle import imgui

from glgan.ui import theme

Rect = tuple[float, float, float]  # (x, y, size) of a square, top-left, screen pixels
HEATMAP_CELLS = 30  # GAN Lab's NUM_GRID_CELLS
_AA_FILL = 1 << 2  # ImDrawListFlags_AntiAliasedFill (not exported by imgui-bundle)


@contextmanager
def no_aa_fill(dl: imgui.ImDrawList) -> Iterator[None]:
    """Draw filled shapes without anti-aliasing fringes: about 3x fewer vertices, and
    adjacent cells (heatmap, manifold) tile without seams."""
    old = dl.flags
    dl.flags = old & ~_AA_FILL
    try:
        yield
    finally:
        dl.flags = old


def to_px(rect: Rect, pts: np.ndarray) -> np.ndarray:
    """Data points (..., 2) in [0,1]^2 (y up) -> screen pixels (..., 2) in ``rect``."""
    x, y, s = rect
    p = np.asarray(pts, dtype=np.float64)
    out = np.empty(p.shape, dtype=np.float64)
    out[..., 0] = x + p[..., 0] * s
    out[..., 1] = y + (1.0 - p[..., 1]) * s
    return out


def frame(dl: imgui.ImDrawList, rect: Rect, bg: int = theme.PLOT_BG,
          border: int = theme.PLOT_BORDER, thickness: float = 1.0) -> None:
    x, y, s = rect
    dl.add_rect_filled((x, y), (x + s, y + s), bg)
    if border:
        dl.add_rect((x, y), (x + s, y + s), border, 0.0, thickness)


def clip(dl: imgui.ImDrawList, rect: Rect) -> None:
    """Push a clip rectangle for ``rect``; pair with ``dl.pop_clip_rect()``."""
    x, y, s = rect
    dl.push_clip_rect((x, y), (x + s, y + s), True)


def dots(dl: imgui.ImDrawList, rect: Rect, pts: np.ndarray, radius: float,
         colors: int | np.ndarray) -> None:
    """One dot per point; ``colors`` is one IM_COL32 or one per point.

    Dots under 2 px radius are drawn as small squares: 2 triangles instead of ~16 for an
    anti-aliased disc, which keeps thumbnails cheap for software rasterisers.
    """
    if pts is None or len(pts) == 0:
        return
    px = to_px(rect, np.asarray(pts)[:, :2])
    ok = np.isfinite(px).all(axis=1)
    px = px[ok]
    cols = ([int(colors)] * len(px) if isinstance(colors, (int, np.integer))
            else np.asarray(colors)[ok].tolist())
    if radius < 2.0:  # pixel-snapped squares: ImGui emits 6 indices for integer rects
        side = max(1.0, round(2 * radius))
        lo = np.floor(px - side / 2)
        lo, hi = lo.tolist(), (lo + side).tolist()
        for a, b, c in zip(lo, hi, cols, strict=True):
            dl.add_rect_filled(a, b, c)
        return
    for (x, y), c in zip(px.tolist(), cols, strict=True):
        dl.add_circle_filled((x, y), radius, c, 10)


def noise_dots(dl: imgui.ImDrawList, rect: Rect, noise: np.ndarray, radius: float) -> None:
    """Latent samples in [0,1]^k; 1-D noise sits on the horizontal mid-line (GAN Lab)."""
    if noise is None or len(noise) == 0:
        return
    z = np.asarray(noise, dtype=np.float64)
    pts = np.column_stack([z[:, 0], z[:, 1] if z.shape[1] > 1 else np.full(len(z), 0.5)])
    dots(dl, rect, pts, radius, theme.NOISE_DOT)


def sample_field(field: np.ndarray, bounds: tuple[float, float, float, float],
                 cells: int = HEATMAP_CELLS) -> np.ndarray:
    """D at the centres of a cells x cells grid over [0,1]^2 (row 0 = bottom); NaN outside."""
    f = np.asarray(field)
    out = np.full((cells, cells), np.nan)
    if f.ndim != 2 or f.size == 0:
        return out
    x0, y0, x1, y1 = bounds
    c = (np.arange(cells) + 0.5) / cells
    cols = np.floor((c - x0) / (x1 - x0) * f.shape[1]).astype(int)
    rows = np.floor((c - y0) / (y1 - y0) * f.shape[0]).astype(int)
    okc = (cols >= 0) & (cols < f.shape[1])
    okr = (rows >= 0) & (rows < f.shape[0])
    sub = f[np.clip(rows, 0, f.shape[0] - 1)][:, np.clip(cols, 0, f.shape[1] - 1)]
    out[np.ix_(okr, okc)] = sub[np.ix_(okr, okc)]
    return out


def heatmap(dl: imgui.ImDrawList, rect: Rect, field: np.ndarray,
            bounds: tuple[float, float, float, float], cells: int = HEATMAP_CELLS) -> None:
    """GAN Lab's discriminator thumbnail: cells x cells rectangles coloured PRGn(D)."""
    vals = sample_field(field, bounds, cells)
    x, y, s = rect
    edges_x = np.round(x + np.arange(cells + 1) * s / cells).tolist()
    edges_y = np.round(y + s - np.arange(cells + 1) * s / cells).tolist()  # row 0 at bottom
    cols = theme.prgn_u32(np.nan_to_num(vals, nan=0.5)).tolist()
    valid = np.isfinite(vals).tolist()
    for r in range(cells):
        top, bottom = edges_y[r + 1], edges_y[r]
        row_c, row_ok = cols[r], valid[r]
        for c in range(cells):
            if row_ok[c]:
                dl.add_rect_filled((edges_x[c], top), (edges_x[c + 1], bottom), row_c[c])


def noise_grid(n: int, dim: int) -> np.ndarray:
    """The undeformed manifold input: (n+1, n+1, 2) for 2-D noise, (n+1, 2) on y=0.5 for 1-D."""
    t = np.linspace(0.0, 1.0, n + 1)
    if dim == 1:
        return np.column_stack([t, np.full_like(t, 0.5)])
    gi, gj = np.meshgrid(t, t, indexing="ij")
    return np.stack([gi, gj], axis=-1)


def manifold(dl: imgui.ImDrawList, rect: Rect, mesh: np.ndarray, alpha: np.ndarray,
             morph: float = 1.0, thickness: float = 1.0) -> None:
    """The generator's warped noise grid with per-cell opacity (2-D) or a polyline (1-D).

    ``morph`` in [0,1] blends from the undeformed noise grid (0) to the manifold (1): GAN Lab's
    hover animation on the generator node.
    """
    m = np.asarray(mesh, dtype=np.float64)
    if m.size == 0 or not np.isfinite(m).all():
        return
    if morph < 1.0:
        n = m.shape[0] - 1
        m = (1 - morph) * noise_grid(n, 1 if m.ndim == 2 else 2) + morph * m
    p = to_px(rect, m)
    if m.ndim == 2:  # 1-D noise: polyline plus dots
        pts = [imgui.ImVec2(a, b) for a, b in p.tolist()]
        dl.add_polyline(pts, theme.col32(*theme.MANIFOLD_RGB, 0.9), thickness * 1.5, 0)
        for a, b in p.tolist():
            dl.add_circle_filled((a, b), 1.2 * thickness, theme.NOISE_DOT, 6)
        return
    n = m.shape[0] - 1
    a = np.asarray(alpha, dtype=np.float64)
    if a.shape != (n, n):
        a = np.full((n, n), 0.5)
    r, g, b = theme.MANIFOLD_RGB
    alpha8 = (np.clip(np.nan_to_num(a, nan=0.1), 0.0, 1.0) * 255).astype(np.uint32)
    cols = ((alpha8 << 24) | np.uint32(r | g << 8 | b << 16)).tolist()
    pl = p.tolist()
    for i in range(n):
        row0, row1, ci = pl[i], pl[i + 1], cols[i]
        for j in range(n):
            dl.add_quad_filled(row0[j], row1[j], row1[j + 1], row0[j + 1], ci[j])
    edge = theme.MANIFOLD_EDGE
    for i in range(n + 1):
        dl.add_polyline([imgui.ImVec2(*q) for q in pl[i]], edge, thickness, 0)
        dl.add_polyline([imgui.ImVec2(*row[i]) for row in pl], edge, thickness, 0)


def kites(dl: imgui.ImDrawList, rect: Rect, pts: np.ndarray, grads: np.ndarray,
          unit: float = 0.15, half_width_px: float = 0.8, color: int = theme.GRADIENT) -> None:
    """GAN Lab's gradient glyphs: a thin kite from each sample along ``unit * grad``."""
    if pts is None or grads is None or len(pts) == 0 or len(grads) != len(pts):
        return
    p = np.asarray(pts, dtype=np.float64)
    g = np.asarray(grads, dtype=np.float64)
    base = to_px(rect, p)
    tip = to_px(rect, p + unit * g)
    d = tip - base
    norm = np.sqrt((d * d).sum(axis=1) + 1e-8)[:, None]
    side = np.column_stack([-d[:, 1], d[:, 0]]) / norm * half_width_px
    mid = base + 0.15 * d
    ok = np.isfinite(tip).all(axis=1) & (norm[:, 0] > 0.5)
    for b, s1, t, s2 in zip(base[ok].tolist(), (mid + side)[ok].tolist(), tip[ok].tolist(),
                            (mid - side)[ok].tolist(), strict=False):
        dl.add_quad_filled(b, s1, t, s2, color)
