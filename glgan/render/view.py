"""View: which data-space rectangle the layered view shows, and data <-> pixel conversion.

Pure NumPy, no GL. Immutable: zooming and panning return a new View. The shown rectangle keeps
data units square (aspect-preserving): the requested bounds are centred in the viewport and
widened along the longer screen axis (``effective_bounds``). Pixel coordinates here follow the
screen convention: origin at the viewport's top-left, y down.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Bounds = tuple[float, float, float, float]


@dataclass(frozen=True)
class View:
    """Requested data-space bounds ``(x0, y0, x1, y1)``; GAN Lab's plot is the unit square."""

    bounds: Bounds = (0.0, 0.0, 1.0, 1.0)

    def __post_init__(self) -> None:
        x0, y0, x1, y1 = (float(v) for v in self.bounds)
        if not (x1 > x0 and y1 > y0) or not np.all(np.isfinite([x0, y0, x1, y1])):
            raise ValueError(f"View bounds must be finite with x1 > x0 and y1 > y0: {self.bounds}")
        object.__setattr__(self, "bounds", (x0, y0, x1, y1))

    # ---- constructors ----
    @classmethod
    def unit(cls) -> View:
        """GAN Lab's view: exactly [0,1]^2."""
        return cls((0.0, 0.0, 1.0, 1.0))

    @classmethod
    def fit(cls, lo: float = -1.0, hi: float = 1.0) -> View:
        """A square view of [lo, hi]^2 ("fit (-1,1)^2" shows samples that left the unit square)."""
        return cls((lo, lo, hi, hi))

    @classmethod
    def fit_points(cls, *arrays: np.ndarray, margin: float = 0.05,
                   include_unit: bool = True) -> View:
        """The smallest view holding every finite (k, 2) point (and [0,1]^2), plus a margin."""
        pts = [np.asarray(a, np.float64).reshape(-1, 2) for a in arrays if np.size(a)]
        if include_unit:
            pts.append(np.array([[0.0, 0.0], [1.0, 1.0]]))
        allp = np.concatenate(pts) if pts else np.array([[0.0, 0.0], [1.0, 1.0]])
        allp = allp[np.all(np.isfinite(allp), axis=1)]
        lo, hi = allp.min(axis=0), allp.max(axis=0)
        pad = margin * max(float((hi - lo).max()), 1e-6)
        return cls((lo[0] - pad, lo[1] - pad, hi[0] + pad, hi[1] + pad))

    # ---- navigation ----
    @property
    def center(self) -> tuple[float, float]:
        x0, y0, x1, y1 = self.bounds
        return (0.5 * (x0 + x1), 0.5 * (y0 + y1))

    def zoomed(self, factor: float, about: tuple[float, float] | None = None) -> View:
        """Zoom in by ``factor`` (>1 = closer) keeping the data point ``about`` fixed on screen."""
        if factor <= 0:
            raise ValueError(f"zoom factor must be > 0, got {factor}")
        ax, ay = about if about is not None else self.center
        x0, y0, x1, y1 = self.bounds
        s = 1.0 / factor
        return View((ax + (x0 - ax) * s, ay + (y0 - ay) * s, ax + (x1 - ax) * s,
                     ay + (y1 - ay) * s))

    def panned(self, dx: float, dy: float) -> View:
        """Move the shown area by (dx, dy) data units."""
        x0, y0, x1, y1 = self.bounds
        return View((x0 + dx, y0 + dy, x1 + dx, y1 + dy))

    def panned_px(self, dx_px: float, dy_px: float, viewport: tuple[int, int]) -> View:
        """Drag the content by (dx_px, dy_px) screen pixels (y down), as a mouse drag would."""
        s = self.data_per_px(viewport)
        return self.panned(-dx_px * s, dy_px * s)

    # ---- conversions ----
    def effective_bounds(self, viewport: tuple[int, int]) -> Bounds:
        """The rectangle actually shown in a ``(w, h)`` viewport: ``bounds`` widened along one
        axis so one data unit spans the same number of pixels in x and y."""
        w, h = max(int(viewport[0]), 1), max(int(viewport[1]), 1)
        x0, y0, x1, y1 = self.bounds
        bw, bh = x1 - x0, y1 - y0
        cx, cy = 0.5 * (x0 + x1), 0.5 * (y0 + y1)
        if bw / bh < w / h:
            bw = bh * w / h
        else:
            bh = bw * h / w
        return (cx - 0.5 * bw, cy - 0.5 * bh, cx + 0.5 * bw, cy + 0.5 * bh)

    def data_per_px(self, viewport: tuple[int, int]) -> float:
        x0, _, x1, _ = self.effective_bounds(viewport)
        return (x1 - x0) / max(int(viewport[0]), 1)

    def data_to_px(self, xy: np.ndarray, viewport: tuple[int, int]) -> np.ndarray:
        """(..., 2) data points -> (..., 2) pixel coordinates (top-left origin, y down)."""
        x0, y0, x1, y1 = self.effective_bounds(viewport)
        w, h = viewport[0], viewport[1]
        p = np.asarray(xy, np.float64)
        px = (p[..., 0] - x0) / (x1 - x0) * w
        py = (y1 - p[..., 1]) / (y1 - y0) * h
        return np.stack([px, py], axis=-1)

    def px_to_data(self, px: np.ndarray, viewport: tuple[int, int]) -> np.ndarray:
        """(..., 2) pixel coordinates (top-left origin, y down) -> (..., 2) data points."""
        x0, y0, x1, y1 = self.effective_bounds(viewport)
        w, h = viewport[0], viewport[1]
        q = np.asarray(px, np.float64)
        x = x0 + q[..., 0] / w * (x1 - x0)
        y = y1 - q[..., 1] / h * (y1 - y0)
        return np.stack([x, y], axis=-1)


GRID_SHAPES = ((1, 1), (2, 1), (3, 1), (2, 2), (3, 2), (3, 3), (4, 3), (4, 4))  # 1..16 runs


def grid_cells(n: int, rect: tuple[float, float, float, float]
               ) -> list[tuple[float, float, float, float]]:
    """Square cells for ``n`` (1..16) views inside ``rect`` (x, y, w, h; origin top-left):
    the grid of GRID_SHAPES (columns x rows, either way round) that makes the cells largest,
    centred, in reading order (row by row, top first)."""
    if not 1 <= n <= 16:
        raise ValueError(f"a grid holds 1..16 views, not {n}")
    x, y, w, h = (float(v) for v in rect)
    best = None
    for a, b in GRID_SHAPES:
        if a * b < n:
            continue
        for cols, rows in ((a, b), (b, a)):
            rows = -(-n // cols)  # no empty last rows
            side = min(w / cols, h / rows)
            if best is None or side > best[0] + 1e-9:
                best = (side, cols, rows)
    side, cols, rows = best
    side = max(side, 1.0)
    x0, y0 = x + (w - cols * side) / 2, y + (h - rows * side) / 2
    return [(x0 + (i % cols) * side, y0 + (i // cols) * side, side, side) for i in range(n)]


@dataclass(frozen=True)
class EdgeMarker:
    """Samples beyond one side (or corner) of the shown rectangle.

    ``direction`` is (sx, sy) in data terms (-1, 0 or 1 each: sx = 1 means right of the view,
    sy = 1 above it); ``at`` is where to draw the marker, as fractions of the viewport
    (0..1, top-left origin, y down) on its edge; ``count`` how many samples are out there."""

    direction: tuple[int, int]
    at: tuple[float, float]
    count: int


def offscreen_markers(points: np.ndarray, bounds: Bounds) -> list[EdgeMarker]:
    """One EdgeMarker per side or corner of ``bounds`` (x0, y0, x1, y1) that has finite
    ``points`` beyond it: on a side, at the median of those points along it (clamped to the
    view); at a corner, the corner. Points inside (or on the border) count nowhere."""
    p = np.asarray(points, np.float64).reshape(-1, 2)
    p = p[np.all(np.isfinite(p), axis=1)]
    x0, y0, x1, y1 = bounds
    sx = np.where(p[:, 0] < x0, -1, np.where(p[:, 0] > x1, 1, 0))
    sy = np.where(p[:, 1] < y0, -1, np.where(p[:, 1] > y1, 1, 0))
    out = []
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            if dx == 0 and dy == 0:
                continue
            hit = (sx == dx) & (sy == dy)
            n = int(hit.sum())
            if not n:
                continue
            if dx == 0:  # above or below: along x
                u = (float(np.median(p[hit, 0])) - x0) / (x1 - x0)
            else:
                u = 0.0 if dx < 0 else 1.0
            if dy == 0:  # left or right: along y (screen y runs down)
                v = (y1 - float(np.median(p[hit, 1]))) / (y1 - y0)
            else:
                v = 1.0 if dy < 0 else 0.0
            out.append(EdgeMarker((dx, dy), (min(max(u, 0.0), 1.0), min(max(v, 0.0), 1.0)), n))
    return out
