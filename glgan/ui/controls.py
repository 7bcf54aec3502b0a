"""Top bar: dataset picker with live thumbnails, pretrained toggle, Reset / Restore preset,
Play/Pause, the three Step buttons, the epoch counter, epochs-per-frame (with the rate the
window really delivers) and slow motion, recording, screenshot and help.

The bar holds its controls in one row, or (when ``compute_layout`` says they do not fit the
window at this scale) in two: datasets, transport and epoch above; speed and tools below.

Also owns the small state transitions those controls share with the keyboard shortcuts
(``set_playing``, ``step``, ``select_dataset``), so a click and a key do exactly the same thing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import numpy as np
from imgui_bundle import imgui

from glgan.config import DATASETS, GanConfig
from glgan.frame import FrameData
from glgan.ui import theme as th
from glgan.ui import thumbs
from glgan.ui.commands import (
    Command,
    Pause,
    Play,
    Reset,
    RestorePreset,
    Screenshot,
    SelectDataset,
    SetEpochsPerFrame,
    SetSlowMotion,
    Step,
    StepKind,
    ToggleRecord,
    UsePretrained,
)
from glgan.ui.layout import TOP_BAR_H, RectXYWH
from glgan.ui.state import EPOCHS_PER_FRAME_MAX, UiState
from glgan.ui.widgets import begin_panel, button, format_epoch, hook, push_font_px, tip

DATASET_TITLES: Mapping[str, str] = MappingProxyType({
    "line": "Simple line", "gaussians": "Mixture of Gaussians", "ring": "Ring",
    "disjoint": "3 disjoint regions", "drawn": "Draw one by yourself",
})
DEFAULT_PRETRAINED = ("line", "gaussians", "ring", "disjoint")
THUMB_POINTS = 200  # dots per dataset thumbnail


def set_playing(ui: UiState, on: bool) -> list[Command]:
    if ui.playing == on:
        return []
    ui.playing = on
    return [Play() if on else Pause()]


def step(ui: UiState, kind: StepKind) -> list[Command]:
    """GAN Lab: a step click pauses first, then trains one epoch of the given kind."""
    return set_playing(ui, False) + [Step(kind)]


def select_dataset(ui: UiState, name: str) -> list[Command]:
    """Pick a target distribution. "drawn" opens the drawing window (and pauses, like GAN Lab);
    it switches to the drawn dataset at once only if a drawing was applied before."""
    if name == "drawn":
        ui.drawing.open = True
        out = set_playing(ui, False)
        if ui.drawing.applied is not None:
            out.append(SelectDataset("drawn"))
        return out
    ui.drawing.open = False
    ui.use_pretrained = False  # GAN Lab unticks "use pretrained" on every selection
    return [SelectDataset(name)]


def _dataset_thumb(ui: UiState, name: str, selected: bool, samples: np.ndarray | None,
                   size: float) -> bool:
    pos = imgui.get_cursor_screen_pos()
    clicked = imgui.invisible_button(f"dataset:{name}", imgui.ImVec2(size, size))
    hook(ui, f"dataset:{name}")
    hovered = imgui.is_item_hovered()
    dl = imgui.get_window_draw_list()
    rect = (pos.x, pos.y, size)
    thumbs.frame(dl, rect, 0xFFFFFFFF, 0)
    thumbs.clip(dl, rect)
    with thumbs.no_aa_fill(dl):
        if name != "drawn":
            if samples is not None and len(samples):
                thumbs.dots(dl, rect, samples[:THUMB_POINTS], 1.0, th.REAL_DOT)
        elif ui.drawing.points:
            pts = ui.drawing.as_array()
            thumbs.dots(dl, rect, pts[:: max(1, len(pts) // THUMB_POINTS)], 1.0, th.REAL_DOT)
        else:  # GAN Lab's brush icon, as a yellow stroke
            c = (pos.x + size * 0.5, pos.y + size * 0.5)
            dl.add_line((c[0] - size * 0.25, c[1] + size * 0.25),
                        (c[0] + size * 0.2, c[1] - size * 0.2), th.BRUSH, size * 0.12)
    dl.pop_clip_rect()
    if not selected:  # GAN Lab: unselected icons are faded, brighter on hover
        dl.add_rect_filled((pos.x, pos.y), (pos.x + size, pos.y + size),
                           th.col32(255, 255, 255, 0.35 if hovered else 0.55))
    border = th.col32(40, 40, 40) if selected else th.col32(190, 190, 190)
    dl.add_rect((pos.x, pos.y), (pos.x + size, pos.y + size), border, 2.0,
                2.5 if selected else 1.0)
    key = DATASETS.index(name) + 1
    imgui.set_item_tooltip(f"{DATASET_TITLES[name]}  (key {key})")
    return clicked


def _gap(px: float) -> float:
    """A gap of ``px`` at scale 1, grown with the overlay scale (as ImGui's 8 px spacing is)."""
    return px * imgui.get_style().item_spacing.x / 8.0


def _next(y: float, spacing: float = -1.0) -> None:
    """Continue the bar's row at height ``y`` (window coordinates), ``spacing`` (at scale 1)
    right of the last item (default: the usual spacing)."""
    imgui.same_line(0, _gap(spacing) if spacing >= 0 else -1.0)
    imgui.set_cursor_pos_y(y)


def _vsep(top: float, height: float) -> None:
    imgui.same_line(0, _gap(14))
    dl = imgui.get_window_draw_list()
    x = imgui.get_cursor_screen_pos().x
    y = imgui.get_window_pos().y + top
    dl.add_line((x, y + height * 0.1), (x, y + height * 0.9), th.col32(180, 180, 180), 1.0)
    imgui.dummy(imgui.ImVec2(1, 1))


class _Row:
    """Vertical positions for the bar's one row of thumbnails, buttons and two-line groups."""

    def __init__(self, top: float, size: float) -> None:
        fh = imgui.get_frame_height()
        self.top, self.size = top, size
        self.one = top + (size - fh) / 2
        self.two = top + (size - 2 * fh - imgui.get_style().item_spacing.y) / 2


def _datasets(ui: UiState, cfg: GanConfig, info: dict[str, Any], row: _Row) -> list[Command]:
    out: list[Command] = []
    samples = info.get("dataset_samples") or {}
    for i, name in enumerate(DATASETS):
        if i:
            _next(row.top, 6)
        selected = cfg.dataset == name or (name == "drawn" and ui.drawing.open)
        if _dataset_thumb(ui, name, selected, samples.get(name), row.size):
            out += select_dataset(ui, name)
    _next(row.one, 10)
    has = cfg.dataset in info.get("pretrained", DEFAULT_PRETRAINED)
    if not has:
        imgui.begin_disabled()
    changed, on = imgui.checkbox("pretrained", ui.use_pretrained and has)
    if not has:
        imgui.end_disabled()
    hook(ui, "pretrained")
    imgui.set_item_tooltip("Train on top of a pretrained model or from scratch (line and "
                           "gaussians: GAN Lab's own; ring and disjoint: trained by glgan)")
    if changed and has:
        ui.use_pretrained = on
        out.append(UsePretrained(on))
    return out


def _transport(ui: UiState, frame: FrameData | None, row: _Row) -> list[Command]:
    out: list[Command] = []
    _next(row.one, 14)
    if button(ui, "Reset", "Start over with a new seed, your settings kept (R); Shift+R "
                           "replays the same seed"):
        out.append(Reset())
    _next(row.one)
    if button(ui, "Preset", "Restore this dataset's GAN Lab hyperparameters, then reset"):
        out.append(RestorePreset())
    _next(row.one, 12)
    label = "Pause" if ui.playing else "Play"
    imgui.push_style_color(imgui.Col_.button, th.vec4(th.TOP_BAR))
    imgui.push_style_color(imgui.Col_.button_hovered, th.vec4(th.col32(40, 100, 125)))
    imgui.push_style_color(imgui.Col_.text, imgui.ImVec4(1, 1, 1, 1))
    pressed = button(ui, f"{label}###play", size=(imgui.get_frame_height() * 3.2, 0),
                     key="play")
    imgui.pop_style_color(3)
    tip("Run/pause training (Space)")  # after the pop: the tooltip keeps the normal text colour
    if pressed:
        out += set_playing(ui, not ui.playing)
    _next(row.one, 12)
    if button(ui, "Step", "Train for one epoch: k_d D steps, then k_g G steps (S)"):
        out += step(ui, "both")
    _next(row.one)
    imgui.push_style_color(imgui.Col_.button, th.vec4(th.col32(68, 124, 228, 0.35)))
    if button(ui, "D", "Train only the discriminator for one step"):
        out += step(ui, "d")
    imgui.pop_style_color()
    _next(row.one)
    imgui.push_style_color(imgui.Col_.button, th.vec4(th.col32(163, 62, 189, 0.35)))
    if button(ui, "G", "Train only the generator for one step"):
        out += step(ui, "g")
    imgui.pop_style_color()
    _vsep(row.top, row.size)
    _next(row.two, 14)
    imgui.begin_group()
    imgui.text("Epoch")
    push_font_px(imgui.get_font_size() * 1.45)
    imgui.text(format_epoch(frame.epoch if frame is not None else 0))
    imgui.pop_font()
    imgui.end_group()
    hook(ui, "epoch")
    return out


def delivered_per_frame(info: dict[str, Any]) -> float | None:
    """Epochs the window really trains per frame: epochs/s over frames/s (None until both are
    known). Playing, it trains for at most ~10 ms a frame, so a large epochs/frame setting is
    capped by the machine's speed; this shows by how much."""
    fps, eps = info.get("fps"), info.get("epochs_per_s")
    if fps is None or eps is None or not (math.isfinite(fps) and math.isfinite(eps)) or fps <= 0:
        return None
    return max(float(eps), 0.0) / float(fps)


def delivered_text(ui: UiState, info: dict[str, Any]) -> str:
    """The rate shown next to the epochs/frame slider while playing (empty otherwise)."""
    n = delivered_per_frame(info)
    if n is None or not ui.playing or ui.slow_motion:
        return ""
    return f"{n:.1f} delivered" if n < 9.95 else f"{n:,.0f} delivered"


DELIVERED_TIP = ("Epochs really trained per frame (epochs/s over frames/s). While playing, the "
                 "window trains for at most about 10 ms per frame, so a larger setting is "
                 "capped by this machine's speed; a recording always trains the full setting.")


def _epochs_per_frame(ui: UiState, width: float) -> list[Command]:
    imgui.set_next_item_width(width)
    changed, n = imgui.slider_int("epochs/frame", ui.epochs_per_frame, 1, EPOCHS_PER_FRAME_MAX,
                                  "%d", imgui.SliderFlags_.logarithmic)
    hook(ui, "epochs/frame")
    imgui.set_item_tooltip("Epochs trained per rendered frame while playing (GAN Lab: 1)")
    if changed:
        n = int(min(max(n, 1), EPOCHS_PER_FRAME_MAX))
        if n != ui.epochs_per_frame:
            ui.epochs_per_frame = n
            return [SetEpochsPerFrame(n)]
    return []


def _slow_motion(ui: UiState, speed_width: float) -> list[Command]:
    changed, on = imgui.checkbox("slow motion", ui.slow_motion)
    hook(ui, "slow motion")
    imgui.set_item_tooltip("Show the ten sub-steps of every epoch (D1-D5, G1-G5)")
    imgui.same_line()
    imgui.set_next_item_width(speed_width)
    sp_changed, speed = imgui.slider_float("##speed", ui.slow_speed, 0.25, 8.0, "x%.2f",
                                           imgui.SliderFlags_.logarithmic)
    hook(ui, "slow speed")
    imgui.set_item_tooltip("Slow-motion speed (x1 = GAN Lab's pace, 2.5 s per sub-step)")
    if changed or sp_changed:
        ui.slow_motion = on
        ui.slow_speed = float(round(speed, 3)) if sp_changed else ui.slow_speed
        return [SetSlowMotion(ui.slow_motion, ui.slow_speed)]
    return []


def _delivered(ui: UiState, info: dict[str, Any]) -> None:
    text = delivered_text(ui, info)
    n = delivered_per_frame(info)
    capped = bool(text) and n is not None and n < 0.9 * ui.epochs_per_frame
    imgui.same_line()
    if capped:  # the setting is not reached: say so in a warning colour
        imgui.text_colored(th.vec4(th.col32(190, 90, 0)), text)
    else:
        imgui.text_disabled(text)
    hook(ui, "delivered")
    if text:
        imgui.set_item_tooltip(DELIVERED_TIP)


def _speed(ui: UiState, info: dict[str, Any], row: _Row, width: float) -> list[Command]:
    """Epochs/frame above slow motion, as one two-line group in the bar's row."""
    _next(row.two, 14)
    imgui.begin_group()
    out = _epochs_per_frame(ui, width)
    cb = imgui.calc_text_size("slow motion").x + imgui.get_frame_height() \
        + imgui.get_style().item_inner_spacing.x
    out += _slow_motion(ui, max(width - cb - imgui.get_style().item_spacing.x, 40.0))
    _delivered(ui, info)  # under the slider's label
    imgui.end_group()
    return out


def _speed_line(ui: UiState, info: dict[str, Any], y: float, width: float) -> list[Command]:
    """The same controls on one line (the second row of a wrapped bar)."""
    imgui.set_cursor_pos(imgui.ImVec2(imgui.get_style().window_padding.x, y))
    out = _epochs_per_frame(ui, width)
    imgui.same_line(0, _gap(14))
    out += _slow_motion(ui, width * 0.5)
    _delivered(ui, info)
    return out


def _tools(ui: UiState, info: dict[str, Any], row: _Row, right: float) -> list[Command]:
    out: list[Command] = []
    recording = bool(info.get("recording", False))
    rec_label = "Stop rec" if recording else "Record"
    sp = imgui.get_style().item_spacing.x
    pad = 2 * imgui.get_style().frame_padding.x
    width = sum(imgui.calc_text_size(t).x + pad for t in (rec_label, "Shot", "?")) + 2 * sp
    # right-aligned, but never over the previous group (the last item's right edge)
    prev_right = imgui.get_item_rect_max().x - imgui.get_window_pos().x
    imgui.same_line(max(right - width, prev_right + 2 * sp))
    imgui.set_cursor_pos_y(row.one)
    if recording:
        imgui.push_style_color(imgui.Col_.button, th.vec4(th.RECORD))
        imgui.push_style_color(imgui.Col_.text, imgui.ImVec4(1, 1, 1, 1))
    pressed = button(ui, rec_label, key="Record")
    if recording:
        imgui.pop_style_color(2)
    tip("Start/stop recording a video (F9)")
    if pressed:
        out.append(ToggleRecord())
    _next(row.one)
    if button(ui, "Shot", "Save a PNG screenshot (F12)"):
        out.append(Screenshot())
    _next(row.one)
    if button(ui, "?", "Help, shortcuts and display settings (F1)"):
        ui.show_help = not ui.show_help
    return out


def draw_top_bar(ui: UiState, cfg: GanConfig, frame: FrameData | None, info: dict[str, Any],
                 rect: RectXYWH, rows: int = 1) -> list[Command]:
    """The bar across the top of the window, its controls in ``rows`` rows (1 or 2, from
    ``Layout.top_rows``); returns the commands its controls emitted."""
    out: list[Command] = []
    flags = imgui.WindowFlags_.no_title_bar | imgui.WindowFlags_.no_scrollbar
    if begin_panel("##top_bar", rect, flags):
        pad = imgui.get_style().window_padding
        band = min(TOP_BAR_H * ui.scale, rect[3]) if rows > 1 else rect[3]
        row = _Row(pad.y, max(band - 2 * pad.y, 24.0))
        out += _datasets(ui, cfg, info, row)
        _vsep(row.top, row.size)
        out += _transport(ui, frame, row)
        if rows > 1:  # speed and tools on a second line below
            y = band - pad.y + (rect[3] - band - imgui.get_frame_height()) / 2
            out += _speed_line(ui, info, y, 170 * ui.scale)
            row = _Row(y, imgui.get_frame_height())
        else:
            _vsep(row.top, row.size)
            out += _speed(ui, info, row, 170 * ui.scale)
        out += _tools(ui, info, row, rect[2] - pad.x)
    imgui.end()
    return out
