"""Widgets: thin wrappers over ImGui items shared by the panels.

Owns the test hook (every wrapped item records its screen rectangle in ``UiState.debug_rects``
when that is a dict), tooltips, the fixed-window helper, text at a given pixel size and GAN
Lab's epoch counter format.
"""

from __future__ import annotations

from imgui_bundle import imgui

from glgan.ui.layout import RectXYWH
from glgan.ui.state import UiState

PANEL_FLAGS = (
    imgui.WindowFlags_.no_move | imgui.WindowFlags_.no_resize | imgui.WindowFlags_.no_collapse
    | imgui.WindowFlags_.no_saved_settings
)


def format_epoch(epoch: int) -> str:
    """GAN Lab's counter: zero-padded to 6 digits with thousands commas (1931 -> 001,931)."""
    return f"{max(int(epoch), 0):07,d}"


def push_font_px(px: float) -> None:
    """Draw the following text (and widgets) at ``px`` pixels; pair with ``imgui.pop_font()``.

    ImGui multiplies a pushed size by the style's font scales (the overlay scale and the
    high-contrast enlargement), so the size is divided by them first.
    """
    style = imgui.get_style()
    imgui.push_font(None, px / max(style.font_scale_main * style.font_scale_dpi, 1e-6))


def hook(ui: UiState, label: str) -> None:
    """Record the last item's rectangle under ``label`` (test hook)."""
    if ui.debug_rects is not None:
        ui.record_rect(label, imgui.get_item_rect_min(), imgui.get_item_rect_max())


def tip(text: str) -> None:
    """Tooltip for the last item (shown after the usual hover delay)."""
    if text:
        imgui.set_item_tooltip(text)


def button(ui: UiState, label: str, tooltip: str = "", size: tuple[float, float] | None = None,
           disabled: bool = False, key: str | None = None) -> bool:
    """A button; its rectangle is recorded under ``key`` (default: the label)."""
    if disabled:
        imgui.begin_disabled()
    pressed = imgui.button(label, imgui.ImVec2(*size) if size else imgui.ImVec2(0, 0))
    if disabled:
        imgui.end_disabled()
    hook(ui, key or label)
    tip(tooltip)
    return pressed and not disabled


def checkbox(ui: UiState, label: str, value: bool, tooltip: str = "") -> tuple[bool, bool]:
    changed, value = imgui.checkbox(label, value)
    hook(ui, label)
    tip(tooltip)
    return changed, value


def begin_panel(name: str, rect: RectXYWH, flags: int = 0) -> bool:
    """A fixed window at ``rect``; always pair with ``imgui.end()``."""
    x, y, w, h = rect
    imgui.set_next_window_pos(imgui.ImVec2(x, y))
    imgui.set_next_window_size(imgui.ImVec2(w, h))
    expanded, _ = imgui.begin(name, None, PANEL_FLAGS | flags)
    return expanded


