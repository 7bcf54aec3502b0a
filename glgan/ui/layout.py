"""Layout: where the overlay's panels sit in the window and which rectangle is left for the view.

Pure arithmetic on the display size and ``UiState.scale``/``overlay_visible``; app.py asks
``compute_layout(...).view`` for the rectangle in which to draw the layered distributions view.
Rectangles are (x, y, w, h) in window pixels, origin top-left.
"""

from __future__ import annotations

from dataclasses import dataclass

RectXYWH = tuple[float, float, float, float]

TOP_BAR_H = 72.0
STATUS_H = 26.0
LEFT_FRACTION = 0.38
RIGHT_W = 360.0


@dataclass(frozen=True)
class Layout:
    top_bar: RectXYWH
    left: RectXYWH  # model overview graph + layers/legend
    right: RectXYWH  # hyperparameters + charts
    view: RectXYWH  # free area for the main (layered distributions) view
    status: RectXYWH

    def view_square(self) -> RectXYWH:
        """The largest centred square inside ``view`` (GAN Lab's view is square)."""
        x, y, w, h = self.view
        s = max(min(w, h), 1.0)
        return (x + (w - s) / 2, y + (h - s) / 2, s, s)


def compute_layout(width: float, height: float, scale: float = 1.0,
                   visible: bool = True) -> Layout:
    """Split a ``width`` x ``height`` window between the panels and the main view."""
    w, h = float(max(width, 1)), float(max(height, 1))
    if not visible:
        empty = (0.0, 0.0, 0.0, 0.0)
        return Layout(empty, empty, empty, (0.0, 0.0, w, h), empty)
    top = min(TOP_BAR_H * scale, h * 0.3)
    status = min(STATUS_H * scale, h * 0.1)
    mid_h = max(h - top - status, 1.0)
    right_w = min(RIGHT_W * scale, w * 0.3)
    left_w = min(max(w * LEFT_FRACTION, 300.0 * scale), w * 0.45)
    view_w = max(w - left_w - right_w, 1.0)
    return Layout(
        top_bar=(0.0, 0.0, w, top),
        left=(0.0, top, left_w, mid_h),
        right=(w - right_w, top, right_w, mid_h),
        view=(left_w, top, view_w, mid_h),
        status=(0.0, h - status, w, status),
    )
