"""Presentation mode (H, or ``glgan run --presentation``): the panels give way to the view,
which then covers the whole window, and large readouts sized for the back row sit on top of
it: the dataset, the epoch, D and G loss, KL and JS with a sparkline of KL, and (in compare
mode) what the runs vary; a discreet line of keys at the bottom."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from imgui_bundle import imgui

from glgan.config import GanConfig
from glgan.frame import FrameData
from glgan.ui import theme
from glgan.ui.charts import ChartHistory
from glgan.ui.state import UiState

HINT = "H: panels   Space: play/pause   S: step   R: new seed   F1: keys"


def _fmt(v: float) -> str:
    return f"{v:.3f}" if math.isfinite(v) else "-"


def draw_presentation(ui: UiState, cfg: GanConfig, frame: FrameData | None,
                      history: ChartHistory | None, info: dict[str, Any], rect) -> None:
    """The readouts over ``rect`` (the view's area) on the foreground draw list."""
    x, y, w, h = rect
    dl = imgui.get_foreground_draw_list()
    size = max(22.0, min(w, h) / 22.0) * ui.scale  # legible from the back of the room
    font = imgui.get_font()
    pad = size * 0.5
    lines = [f"{cfg.dataset}   epoch {frame.epoch:,}" if frame is not None else cfg.dataset]
    if frame is not None and not info.get("cells"):
        lines.append(f"D loss {_fmt(frame.d_loss)}   G loss {_fmt(frame.g_loss)}")
        lines.append(f"KL {_fmt(frame.kl)}   JS {_fmt(frame.js)} bits")
    runs = info.get("runs") or []
    if runs:
        varied = [part.split("=")[0].strip() for part in runs[0][0].split(",") if "=" in part]
        lines.append(f"{len(runs)} runs: {' and '.join(varied)} vary" if len(varied) > 1 else
                     f"{len(runs)} runs: {varied[0]} varies" if varied else f"{len(runs)} runs")
    widths = [imgui.calc_text_size(t).x * size / imgui.get_font_size() for t in lines]
    box_w, box_h = max(widths) + 2 * pad, len(lines) * size * 1.15 + 2 * pad
    spark_h = size * 1.6 if history is not None and history.total > 1 and not runs else 0.0
    dl.add_rect_filled((x + pad, y + pad), (x + pad + box_w, y + pad + box_h + spark_h),
                       theme.col32(255, 255, 255, 0.8), size * 0.25)
    for i, text in enumerate(lines):
        dl.add_text(font, size, (x + 2 * pad, y + 2 * pad + i * size * 1.15),
                    theme.col32(25, 25, 25, 1.0), text)
    if spark_h:  # KL over the run up to the epoch shown (a past one too), newest on the right
        table = history.table()
        if frame is not None:
            table = table[table[:, 0] <= frame.epoch]
        kl = table[:, 3]
        kl = kl[np.isfinite(kl)]
        if len(kl) > 1:
            lo, hi = float(kl.min()), float(kl.max())
            x0, y0 = x + 2 * pad, y + 2 * pad + len(lines) * size * 1.15
            sw, sh = box_w - 2 * pad, spark_h - pad * 0.5
            xs = x0 + np.linspace(0, sw, len(kl))
            ys = y0 + sh - (kl - lo) / max(hi - lo, 1e-9) * sh
            pts = [imgui.ImVec2(float(a), float(b)) for a, b in zip(xs, ys)]
            dl.add_polyline(pts, theme.col32(123, 50, 148, 0.9), size * 0.08, 0)
    if not info.get("capturing"):  # the keys are for the presenter, not the recording
        hint = imgui.calc_text_size(HINT)
        dl.add_text((x + w - hint.x - 12, y + h - hint.y - 8),
                    theme.col32(110, 110, 110, 0.7), HINT)
