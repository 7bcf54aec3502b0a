"""Layout: where the overlay's panels sit in the window and which rectangle is left for the view.

Pure arithmetic on the display size, ``UiState.scale``/``overlay_visible`` and the text size
(high contrast enlarges text); app.py asks ``compute_layout(...).view`` for the rectangle in
which to draw the layered distributions view. Also decides whether the top bar holds its
controls in one row or wraps them into two (``top_bar_rows``), so the bar gets the height it
needs instead of pushing buttons off the screen. Rectangles are (x, y, w, h) in window pixels,
origin top-left.
"""

from __future__ import annotations

from dataclasses import dataclass

RectXYWH = tuple[float, float, float, float]

TOP_BAR_H = 72.0  # the bar's (first) row: thumbnails, buttons and two-line groups
TOP_ROW2_H = 28.0  # the second row of a wrapped bar: one line of widgets (at normal text)
# Widths (px at scale 1, normal text) the bar's controls need: all in one row, and the wider
# of the two rows when wrapped. Measured from the drawn bar, with a margin; tests check them.
# THUMBS_W of each is the dataset thumbnails, which do not grow with the text size.
TOP_BAR_ONE_ROW_W = 1270.0
TOP_BAR_WRAPPED_W = 840.0
THUMBS_W = 310.0
HIGH_CONTRAST_TEXT = 1.15  # the high-contrast theme's text enlargement (theme.apply_theme)
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
    top_rows: int = 1  # the top bar's controls in one row, or wrapped into two

    def view_square(self) -> RectXYWH:
        """The largest centred square inside ``view`` (GAN Lab's view is square)."""
        x, y, w, h = self.view
        s = max(min(w, h), 1.0)
        return (x + (w - s) / 2, y + (h - s) / 2, s, s)


def top_bar_width(rows: int, scale: float = 1.0, text_scale: float = 1.0) -> float:
    """The width the top bar's controls need in one row, or in the wider of two rows."""
    base = TOP_BAR_ONE_ROW_W if rows == 1 else TOP_BAR_WRAPPED_W
    return (THUMBS_W + (base - THUMBS_W) * text_scale) * scale


def top_bar_rows(width: float, scale: float = 1.0, text_scale: float = 1.0) -> int:
    """1 when the top bar's controls fit in one row of a ``width`` px window, else 2."""
    return 1 if top_bar_width(1, scale, text_scale) <= width else 2


def top_bar_height(rows: int, scale: float = 1.0, text_scale: float = 1.0) -> float:
    """The bar's height for one row, or two (the second is a line of widgets)."""
    return TOP_BAR_H * scale + (TOP_ROW2_H * scale * text_scale if rows > 1 else 0.0)


def compute_layout(width: float, height: float, scale: float = 1.0,
                   visible: bool = True, text_scale: float = 1.0) -> Layout:
    """Split a ``width`` x ``height`` window between the panels and the main view.

    ``text_scale``: text size relative to ``scale`` (``HIGH_CONTRAST_TEXT`` in high contrast).
    """
    w, h = float(max(width, 1)), float(max(height, 1))
    if not visible:
        empty = (0.0, 0.0, 0.0, 0.0)
        return Layout(empty, empty, empty, (0.0, 0.0, w, h), empty)
    rows = top_bar_rows(w, scale, text_scale)
    top = min(top_bar_height(rows, scale, text_scale), h * 0.3)
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
        top_rows=rows,
    )
