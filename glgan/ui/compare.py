"""Compare: the panel that starts runs side by side, and what is written on each grid cell.

``draw_compare_panel`` (in the right panel) picks one or two settings and their values and
emits ``Compare`` (or ``CloneRun`` / ``EndCompare``; its buttons wrap in a narrow panel), with
a switch making settings edits apply to every run. ``draw_cell_labels`` writes each run's
varied values, epoch, KL/JS and a divergence mark over its cell and frames the focused one;
clicking a cell's label focuses it.
``info["cells"]`` (from app.py) says where the cells are.
"""

from __future__ import annotations

import math
from typing import Any

from imgui_bundle import imgui

from glgan.ui import theme
from glgan.ui.advice import short_names
from glgan.ui.commands import CloneRun, Command, Compare, EndCompare, FocusRun
from glgan.ui.state import UiState
from glgan.ui.widgets import button, checkbox, hook, tip

# the settings a class compares most (any config key works from the command line)
COMPARE_KEYS = ("seed", "d_lr", "g_lr", "d_optimizer", "g_optimizer", "loss", "k_d", "k_g",
                "noise_dim", "noise_dist", "real_weight")
NONE = "(none)"


def compare_specs(ui: UiState) -> tuple[str, ...]:
    """The panel's choice as ``KEY=V1,V2,...`` specs (an empty second key is left out)."""
    specs = []
    for key, values in zip(ui.compare_keys, ui.compare_values):
        if key:
            specs.append(f"{key}={','.join(v.strip() for v in values.split(','))}")
    return tuple(specs)


def _beside(label: str) -> None:
    """Put the button labelled ``label`` right of the last item if it fits, else below (a
    narrow panel at a large scale)."""
    imgui.same_line()
    width = imgui.calc_text_size(label).x + 2 * imgui.get_style().frame_padding.x
    if imgui.get_content_region_avail().x < width:
        imgui.new_line()


def draw_compare_panel(ui: UiState, info: dict[str, Any]) -> list[Command]:
    """The Compare section: two (setting, values) rows, Compare / Clone / End buttons."""
    out: list[Command] = []
    n_runs = len(info.get("cells") or []) or (len(info.get("runs") or []) or 1)
    for row in range(2):
        key = ui.compare_keys[row] or NONE
        items = ([NONE] if row else []) + list(COMPARE_KEYS)
        imgui.set_next_item_width(110 * ui.scale)
        if imgui.begin_combo(f"##compare_key{row}", key):
            for item in items:
                picked, _ = imgui.selectable(f"{item}##compare_key{row}", item == key)
                hook(ui, f"compare_key{row}={item}")
                if picked:
                    ui.compare_keys[row] = "" if item == NONE else item
            imgui.end_combo()
        hook(ui, f"compare_key{row}")
        tip("The setting to vary" + (" (optional second one: every combination)" if row
                                     else ""))
        imgui.same_line()
        imgui.set_next_item_width(-1)
        changed, text = imgui.input_text(f"##compare_values{row}", ui.compare_values[row])
        hook(ui, f"compare_values{row}")
        tip("Values separated by commas, e.g. 0.01, 0.1, 0.3")
        if changed:
            ui.compare_values[row] = text
    if button(ui, "Compare", "Train one run per value (every combination) side by side"):
        out.append(Compare(compare_specs(ui)))
    _beside("Clone this run")
    if button(ui, "Clone this run", "A copy of the focused run beside it: change one and "
                                    "watch the two futures part", key="clone"):
        out.append(CloneRun())
    if n_runs > 1:
        _beside("One run")
        if button(ui, "One run", "Keep only the focused run", key="end_compare"):
            out.append(EndCompare())
        _, ui.compare_all = checkbox(ui, "Edits apply to all runs", ui.compare_all,
                                     "Off: a settings edit changes only the focused run")
    return out


def _fmt(v: float) -> str:
    return f"{v:.3f}" if math.isfinite(v) else "-"


def draw_cell_labels(ui: UiState, cells: list[dict]) -> list[Command]:
    """Each cell's caption (varied values; epoch, KL, JS; divergence) over its top-left
    corner, the focused cell framed. Returns FocusRun when a caption is clicked."""
    out: list[Command] = []
    if ui.network:  # the network view covers the grid: its captions would sit on top of it
        return out
    dl = imgui.get_foreground_draw_list()
    pad = 4.0 * ui.scale
    line = imgui.get_text_line_height()
    for cell in cells:
        x, y, w, h = cell["rect"]
        dl.push_clip_rect((x, y), (x + w, y + h), True)  # a caption never leaves its cell
        lines = [cell["label"],
                 f"epoch {cell['epoch']:,}  KL {_fmt(cell['kl'])}  JS {_fmt(cell['js'])}"]
        if cell["diverged"]:
            lines.append("diverged: paused")
        elif cell.get("warnings"):
            lines.append(short_names(cell["warnings"]))
        width = max(imgui.calc_text_size(t).x for t in lines) + 2 * pad
        height = len(lines) * line + 2 * pad
        dl.add_rect_filled((x + 2, y + 2), (x + 2 + width, y + 2 + height),
                           theme.col32(255, 255, 255, 0.78))
        for k, text in enumerate(lines):
            col = (theme.col32(200, 30, 30, 1.0) if k == 2 and cell["diverged"] else
                   theme.col32(170, 100, 0, 1.0) if k == 2 else
                   theme.col32(30, 30, 30, 1.0) if k == 0 else theme.col32(80, 80, 80, 1.0))
            dl.add_text((x + 2 + pad, y + 2 + pad + k * line), col, text)
        dl.pop_clip_rect()
        width, height = min(width, max(w - 4, 1.0)), min(height, max(h - 4, 1.0))
        if cell["focused"] and ui.hint_visible:  # (captures show no focus)
            dl.add_rect((x + 1, y + 1), (x + w - 1, y + h - 1),
                        theme.col32(123, 50, 148, 0.9), 0.0, 2.5 * ui.scale)
        elif cell["diverged"]:
            dl.add_rect((x + 1, y + 1), (x + w - 1, y + h - 1),
                        theme.col32(200, 30, 30, 0.8), 0.0, 2.0 * ui.scale)
        # the caption is a button: clicking it focuses the run (clicks elsewhere in a cell
        # reach app.py, which focuses too and makes a double-clicked cell full size)
        imgui.set_next_window_pos(imgui.ImVec2(x + 2, y + 2))
        imgui.set_next_window_size(imgui.ImVec2(width, height))
        flags = (imgui.WindowFlags_.no_decoration | imgui.WindowFlags_.no_background
                 | imgui.WindowFlags_.no_saved_settings | imgui.WindowFlags_.no_focus_on_appearing
                 | imgui.WindowFlags_.no_nav)
        imgui.begin(f"##cell{cell['index']}", None, flags)
        imgui.set_cursor_pos(imgui.ImVec2(0, 0))
        if imgui.invisible_button(f"##focus{cell['index']}", imgui.ImVec2(width, height)):
            out.append(FocusRun(cell["index"]))
        hook(ui, f"cell{cell['index']}")
        imgui.end()
    return out
