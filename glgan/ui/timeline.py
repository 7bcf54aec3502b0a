"""The timeline bar under the view: the epochs kept for rewinding (ticks), the KL divergence
over them (a faint curve), old branches (grey, from where they left), the epoch shown and the
live head. Dragging on it (or clicking) shows
that epoch (``ScrubTo``); "Continue from here" branches (``BranchHere``), "Live" returns to
the head. ``info["timeline"]`` (from app.py) says what to draw."""

from __future__ import annotations

from typing import Any

import numpy as np
from imgui_bundle import imgui

from glgan.ui import theme
from glgan.ui.commands import BranchHere, Command, ScrubTo, TakeBranch
from glgan.ui.state import UiState
from glgan.ui.widgets import hook

BAR_H = 16.0


def draw_timeline_bar(ui: UiState, info: dict[str, Any], rect) -> list[Command]:
    """The bar along the bottom of ``rect`` (the view's area, x, y, w, h)."""
    tl = info.get("timeline")
    if not tl or not tl.get("kept"):
        return []
    out: list[Command] = []
    x, y, w, h = rect
    s = ui.scale
    bar_h = BAR_H * s
    buttons_w = 190 * s
    x0, x1 = x + 8 * s, x + w - buttons_w - 8 * s
    top = y + h - bar_h - 6 * s
    first, head = tl["kept"][0], tl["head"]
    span = max(head - first, 1)

    def px(epoch: float) -> float:
        return x0 + (x1 - x0) * (epoch - first) / span

    imgui.set_next_window_pos(imgui.ImVec2(x, top - 4 * s))
    imgui.set_next_window_size(imgui.ImVec2(w, bar_h + 10 * s))
    flags = (imgui.WindowFlags_.no_decoration | imgui.WindowFlags_.no_background
             | imgui.WindowFlags_.no_saved_settings | imgui.WindowFlags_.no_nav
             | imgui.WindowFlags_.no_focus_on_appearing)
    imgui.begin("##timeline", None, flags)
    dl = imgui.get_window_draw_list()
    dl.add_rect_filled((x0, top), (x1, top + bar_h), theme.col32(255, 255, 255, 0.75), 3 * s)
    for start, end in tl.get("branches", []):  # other futures, greyed, from where they left
        dl.add_rect_filled((px(start), top + bar_h * 0.65), (px(min(end, head)), top + bar_h),
                           theme.col32(150, 150, 150, 0.6))
    curve = tl.get("curve")
    if curve is not None and len(curve) > 1:  # the KL divergence over the epochs, faint
        ep, kl = curve[:, 0], curve[:, 1]
        ok = np.isfinite(kl) & (ep >= first) & (ep <= head)
        if ok.sum() > 1:
            lo, hi = float(kl[ok].min()), float(kl[ok].max())
            ys = top + bar_h - 2 * s - (kl[ok] - lo) / max(hi - lo, 1e-9) * (bar_h - 4 * s)
            pts = [imgui.ImVec2(px(e), y) for e, y in zip(ep[ok], ys)]
            dl.add_polyline(pts, theme.col32(123, 50, 148, 0.45), 1.2 * s, 0)
    for e in tl["kept"]:
        xe = px(e)
        dl.add_line((xe, top + 2 * s), (xe, top + bar_h * 0.6), theme.col32(90, 90, 90, 0.8))
    shown = tl.get("scrub")
    marker = px(head if shown is None else shown)
    dl.add_rect_filled((marker - 2.5 * s, top - 2 * s), (marker + 2.5 * s, top + bar_h + 2 * s),
                       theme.col32(123, 50, 148, 1.0) if shown is not None
                       else theme.col32(0, 136, 55, 1.0))
    imgui.set_cursor_screen_pos(imgui.ImVec2(x0, top))
    imgui.invisible_button("##timeline_bar", imgui.ImVec2(max(x1 - x0, 1.0), bar_h))
    hook(ui, "timeline_bar")
    if imgui.is_item_active() or imgui.is_item_clicked():
        mx = imgui.get_io().mouse_pos.x
        epoch = int(round(first + (min(max(mx, x0), x1) - x0) / max(x1 - x0, 1.0) * span))
        if epoch != shown:
            out.append(ScrubTo(epoch))
    if imgui.is_item_hovered():
        imgui.set_tooltip("Drag to show any past epoch (replayed exactly); Left/Right step "
                          "through the kept ones, End returns to the live epoch")
    imgui.set_cursor_screen_pos(imgui.ImVec2(x1 + 8 * s, top - 2 * s))
    label = (f"epoch {shown:,}" if shown is not None else f"live {head:,}")
    imgui.text(label)
    if shown is not None:
        imgui.same_line()
        if imgui.small_button("Continue here"):
            out.append(BranchHere())
        hook(ui, "branch_here")
        imgui.same_line()
        if imgui.small_button("Live"):
            out.append(ScrubTo(None))
        hook(ui, "timeline_live")
    elif tl.get("branches"):
        imgui.same_line()
        if imgui.small_button("Other future"):
            out.append(TakeBranch(len(tl["branches"]) - 1))
        hook(ui, "take_branch")
    imgui.end()
    return out
