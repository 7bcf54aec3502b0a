"""The overlay's top level: ``draw_overlay`` lays out and draws every panel for one frame.

Call it between ``imgui.new_frame()`` and ``imgui.render()``; it never touches GL or the
engine and returns the commands app.py must apply. It first resolves queued shortcut commands
(so a key and a click do the same thing), runs the slow-motion clock and watches for
divergence. ``info`` carries what only app.py knows:

    dataset_samples: dict[str, (N, 2) array]  target samples for the picker thumbnails
    pretrained:      tuple[str, ...]           datasets with pretrained weights
                                               (default: line, gaussians)
    mouse_data:      (x, y) | None             data coordinates under the pointer in the main
                                               view (None when the pointer is elsewhere)
    pick_radius:     float                     data-space radius for hover sample picking
    recording:       bool                      a video is being recorded
    fps, epochs_per_s: float                   for the status line
    timings_ms:      dict[str, float]          frame-time split, e.g. train/sync/draw/ui
    backend:         str                       e.g. "numpy" or "cupy"
    cells:           list[dict]                compare mode: each shown run's cell (rect,
                                               label, epoch, kl, js, diverged, focused, index)
    runs:            list[(label, History)]    compare mode: every run, for the charts
    focus:           int                       the focused run
    sessions:        list[str]                 session files in the output folder (Open)
    timeline:        dict                      kept epochs, head, scrub, branches (the bar)
    ghosts:          list[History]             old branches' histories (faint in the charts)
    capturing:       bool                      this frame goes to a screenshot or a video:
                                               no hover tooltip
    network:         NetworkPicture | None     the open network view's picture
                                               (glgan.compute.inspect; see ui.network)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from imgui_bundle import imgui

from glgan.config import GanConfig
from glgan.frame import FrameData
from glgan.ui import theme
from glgan.ui.advice import draw_warnings
from glgan.ui.charts import ChartHistory, draw_charts
from glgan.ui.commands import (
    Command,
    OpenSession,
    ScaleSpeed,
    SelectDataset,
    SetEpochsPerFrame,
    SetSlowMotion,
    Step,
    ToggleHelp,
    ToggleOverlay,
    TogglePlay,
    TogglePretrained,
    ToggleSlowMotion,
    UsePretrained,
)
from glgan.ui.compare import draw_cell_labels, draw_compare_panel
from glgan.ui.controls import draw_top_bar, select_dataset, set_playing, step
from glgan.ui.drawing import draw_drawing_window
from glgan.ui.graph import draw_graph
from glgan.ui.help import draw_banner, draw_help, draw_status
from glgan.ui.hyper import draw_hyper
from glgan.ui.layers import draw_edge_markers, draw_hover, draw_layer_toggles, draw_legend
from glgan.ui.layout import HIGH_CONTRAST_TEXT, Layout, compute_layout, top_bar_width
from glgan.ui.network import draw_network_view
from glgan.ui.presentation import draw_presentation
from glgan.ui.session import draw_open_dialog
from glgan.ui.slowmo import advance_slow_motion, draw_caption
from glgan.ui.state import EPOCHS_PER_FRAME_MAX, UiState
from glgan.ui.timeline import draw_timeline_bar
from glgan.ui.widgets import begin_panel, hook

DIVERGED = ("Training diverged: samples or losses are no longer finite. "
            "Reset to start again (maybe with a smaller learning rate).")


FIT_SIZE = (1240.0, 700.0)  # logical px the overlay needs at scale 1 (GAN Lab: 1442 wide)
MIN_FIT = 0.5


def text_scale(ui: UiState) -> float:
    """Text size relative to the overlay scale (the high-contrast theme enlarges text)."""
    return HIGH_CONTRAST_TEXT if ui.high_contrast else 1.0


def fit_to_window(ui: UiState) -> None:
    """Shrink the overlay in windows smaller than ``FIT_SIZE`` so panels never overlap, and
    wherever the user's scale would leave the top bar wider than the window even wrapped."""
    size = imgui.get_io().display_size
    if size.x > 0 and size.y > 0:
        bar = top_bar_width(2, ui.user_scale, text_scale(ui))
        fit = min(1.0, size.x / FIT_SIZE[0], size.y / FIT_SIZE[1], size.x / bar)
        ui.fit = math.floor(max(MIN_FIT, fit) * 100) / 100


def apply_theme_if_changed(ui: UiState) -> None:
    """Rebuild the ImGui style when scale or contrast changed; call *before* ``new_frame``."""
    fit_to_window(ui)
    key = (ui.scale, ui.theme)
    if ui.theme_key != key:
        theme.apply_theme(ui.scale, ui.theme)
        ui.theme_key = key


def layout_for(ui: UiState) -> Layout:
    size = imgui.get_io().display_size
    return compute_layout(size.x, size.y, ui.scale, ui.overlay_visible, text_scale(ui))


def resolve_pending(ui: UiState) -> list[Command]:
    """Turn queued shortcut commands into state changes and app-level commands."""
    out: list[Command] = []
    for cmd in ui.take_pending():
        if isinstance(cmd, TogglePlay):
            out += set_playing(ui, not ui.playing)
        elif isinstance(cmd, ToggleOverlay):
            ui.overlay_visible = not ui.overlay_visible
            if not ui.overlay_visible:
                ui.network = None  # the network view goes with the panels
        elif isinstance(cmd, ToggleHelp):
            ui.show_help = not ui.show_help
        elif isinstance(cmd, SelectDataset):
            out += select_dataset(ui, cmd.name)
        elif isinstance(cmd, Step):
            out += step(ui, cmd.kind)
        elif isinstance(cmd, OpenSession) and cmd.path is None:
            ui.open_dialog = True
        elif isinstance(cmd, ToggleSlowMotion):
            ui.slow_motion = not ui.slow_motion
            out.append(SetSlowMotion(ui.slow_motion, ui.slow_speed))
        elif isinstance(cmd, ScaleSpeed):
            n = int(min(max(round(ui.epochs_per_frame * cmd.factor), 1), EPOCHS_PER_FRAME_MAX))
            if n != ui.epochs_per_frame:
                ui.epochs_per_frame = n
                out.append(SetEpochsPerFrame(n))
        elif isinstance(cmd, TogglePretrained):
            out.append(UsePretrained(not ui.use_pretrained))
        else:
            out.append(cmd)
    return out


def _watch_divergence(ui: UiState, frame: FrameData | None) -> list[Command]:
    if frame is None:
        return []
    if frame.epoch < ui.last_epoch:  # a reset: a new run may diverge again
        ui.divergence_seen = False
        if ui.error == DIVERGED:
            ui.error = ""
    ui.last_epoch = frame.epoch
    if ui.divergence_seen or frame.epoch <= 0:
        return []
    bad = (not np.isfinite(frame.fake).all()
           or any(np.isinf(v) for v in (frame.d_loss, frame.g_loss)))
    if not bad:
        return []
    ui.divergence_seen = True
    ui.error = ui.error or DIVERGED  # keep a more specific message from app.py
    return set_playing(ui, False)


def _left(ui: UiState, cfg: GanConfig, frame: FrameData | None, rect) -> list[Command]:
    out: list[Command] = []
    if begin_panel("Model overview graph", rect):
        avail = imgui.get_content_region_avail()
        out += draw_graph(ui, cfg, frame, avail.x, avail.y * 0.62)
        imgui.separator_text("Layers")
        out += draw_layer_toggles(ui)
        imgui.separator_text("Legend")
        out += draw_legend(ui, cfg.critic)
    imgui.end()
    return out


CHART_MIN_H = 120.0  # a chart's least height at scale 1; below it the panel scrolls instead


def _right(ui: UiState, cfg: GanConfig, history: ChartHistory | None, rect,
           info: dict[str, Any]) -> list[Command]:
    """Compare, Hyperparameters and Metrics, each a collapsible section of one scrolling
    column: the charts share the height the form leaves, and where the form leaves too little
    (a large scale, a short window) they keep ``CHART_MIN_H`` and the panel scrolls."""
    out: list[Command] = []
    if begin_panel("Hyperparameters and metrics", rect):
        runs = info.get("runs") or []
        imgui.set_next_item_open(ui.show_compare, imgui.Cond_.always)
        ui.show_compare = imgui.collapsing_header(
            f"Compare runs ({len(runs)} side by side)" if runs else "Compare runs###compare")
        hook(ui, "compare_header")
        if ui.show_compare:
            out += draw_compare_panel(ui, info)
        imgui.set_next_item_open(ui.show_hyper, imgui.Cond_.always)
        title = (f"Hyperparameters of {runs[info.get('focus', 0)][0]}###hyper" if runs
                 else "Hyperparameters###hyper")
        ui.show_hyper = imgui.collapsing_header(title)
        hook(ui, "hyper_header")
        if ui.show_hyper:
            out += draw_hyper(ui, cfg)
        if imgui.collapsing_header("Metrics", imgui.TreeNodeFlags_.default_open):
            spare = imgui.get_content_region_avail().y - imgui.get_style().item_spacing.y - 1
            draw_charts(history, max(spare / 2, CHART_MIN_H * ui.scale), ui.scale, runs,
                        info.get("focus", 0), info.get("ghosts"))
        hook(ui, "metrics")
    imgui.end()
    return out


def draw_overlay(ui: UiState, cfg: GanConfig, frame: FrameData | None,
                 history: ChartHistory | None, info: dict[str, Any]) -> list[Command]:
    """Draw the whole overlay for this frame; return the commands for app.py, in order."""
    out = resolve_pending(ui)
    out += _watch_divergence(ui, frame)
    out += advance_slow_motion(ui, imgui.get_io().delta_time)
    if ui.theme_key is None:
        apply_theme_if_changed(ui)
    lay = layout_for(ui)
    out += draw_cell_labels(ui, info.get("cells") or [])
    draw_edge_markers(ui, info.get("offscreen") or [])
    draw_caption(ui, cfg, lay.view)  # slow motion's subtitle, panels or not
    if not ui.overlay_visible:  # presentation mode: the view and large readouts
        if ui.hint_visible:  # (captures of the bare grid turn both off)
            draw_presentation(ui, cfg, frame, history, info, lay.view)
        return out
    out += draw_top_bar(ui, cfg, frame, info, lay.top_bar, lay.top_rows)
    out += draw_timeline_bar(ui, info, lay.view)
    out += _left(ui, cfg, frame, lay.left)
    out += _right(ui, cfg, history, lay.right, info)
    draw_status(ui, info, lay.status)
    out += draw_banner(ui, lay.view)
    out += draw_warnings(ui, info.get("warnings") or [], info.get("run_id"), lay.view)
    out += draw_drawing_window(ui, lay.view)
    draw_network_view(ui, info.get("network"), lay.view, info.get("warnings"))
    out += draw_open_dialog(ui, info)
    draw_help(ui)
    draw_hover(ui, frame, info)
    return out
