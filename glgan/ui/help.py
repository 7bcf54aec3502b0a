"""Help window, status line and message banner.

Owns the help window (shortcut table, what glgan changes from GAN Lab, overlay scale and the
high-contrast theme), the bottom status line (fps, epochs/s never shown negative, frame-time
split, recording indicator, slow-motion sub-step) and the banner for ``UiState.error`` (e.g.
divergence) with a one-click Reset.
"""

from __future__ import annotations

import math
from typing import Any

from imgui_bundle import imgui

from glgan.palette import PALETTES, THEMES
from glgan.ui import theme as th
from glgan.ui.commands import Command, Reset, ResetSettings, RestorePreset, ToggleAutoFit
from glgan.ui.input import SHORTCUT_HELP
from glgan.ui.layout import RectXYWH
from glgan.ui.slowmo import current_substep
from glgan.ui.state import SCALE_RANGE, UiState
from glgan.ui.widgets import begin_panel, button, hook

ABOUT = (
    "glgan re-creates GAN Lab (Kahng et al., VIS 2018): a GAN learning a 2-D distribution. "
    "Differences: layer counts are the true number of hidden layers; Reset keeps your edits "
    "(Preset restores GAN Lab's); several epochs per frame; slow motion has a speed; drawings "
    "have erase/undo and evenly spaced points; the D loss is shown unhalved (GAN Lab shows "
    "half of it, dCost / 2)."
)


def draw_help(ui: UiState) -> None:
    if not ui.show_help:
        return
    io = imgui.get_io()
    imgui.set_next_window_pos(imgui.ImVec2(io.display_size.x / 2, io.display_size.y / 2),
                              imgui.Cond_.appearing, imgui.ImVec2(0.5, 0.5))
    imgui.set_next_window_size(imgui.ImVec2(460 * ui.scale, 0), imgui.Cond_.appearing)
    flags = imgui.WindowFlags_.no_collapse | imgui.WindowFlags_.no_saved_settings
    expanded, keep = imgui.begin("Help", True, flags)
    if expanded:
        imgui.separator_text("Keyboard")
        if imgui.begin_table("##keys", 2, imgui.TableFlags_.row_bg):
            imgui.table_setup_column("key", imgui.TableColumnFlags_.width_fixed,
                                     imgui.calc_text_size("Ctrl+Z  ").x)
            imgui.table_setup_column("what", imgui.TableColumnFlags_.width_stretch)
            for key, what in SHORTCUT_HELP:
                imgui.table_next_row()
                imgui.table_next_column()
                imgui.text(key)
                imgui.table_next_column()
                imgui.text(what)
            imgui.end_table()
        imgui.separator_text("Display")
        imgui.set_next_item_width(160 * ui.scale)
        changed, s = imgui.slider_float("overlay scale", ui.user_scale, *SCALE_RANGE, "%.2f")
        hook(ui, "overlay scale")
        if imgui.is_item_deactivated_after_edit() or (changed and not imgui.is_item_active()):
            ui.user_scale = float(round(s, 2))
        _choice(ui, "theme", THEMES, "theme", THEME_TIPS)
        _choice(ui, "palette", PALETTES, "palette", PALETTE_TIPS)
        if imgui.checkbox("auto-fit the view (A)", ui.auto_fit)[0]:
            ui.push(ToggleAutoFit())  # app.py keeps the choice for next time
        hook(ui, "auto-fit")
        imgui.set_item_tooltip("Frame the view when samples leave it; back to GAN Lab's unit "
                               "square once they are all inside again")
        imgui.same_line()
        _, ui.edge_markers = imgui.checkbox("edge markers", ui.edge_markers)
        hook(ui, "edge markers")
        imgui.set_item_tooltip("Count the samples beyond each edge of the view")
        _, ui.record_view_only = imgui.checkbox("record the view only (Shift+F9)",
                                                ui.record_view_only)
        hook(ui, "record view only")
        imgui.set_item_tooltip("Recordings leave the panels out")
        if imgui.button("Reset settings"):
            ui.push(ResetSettings())
        hook(ui, "reset settings")
        imgui.set_item_tooltip("Scale, theme, palette, auto-fit and output folder back to their "
                               "defaults (they are kept between runs)")
        imgui.separator_text("About")
        imgui.text_wrapped(ABOUT)
    imgui.end()
    if not keep:
        ui.show_help = False


THEME_TIPS = {"light": "GAN Lab's look", "dark": "a dark plot and panels (dim rooms)",
              "high-contrast": "for projectors: stronger colours, larger dots, thicker lines, "
                               "larger text"}
PALETTE_TIPS = {"ganlab": "GAN Lab's green real / purple fake samples",
                "colorblind": "purple real / orange fake: told apart with any colour vision"}


def _choice(ui: UiState, field: str, choices: tuple[str, ...], label: str,
            tips: dict[str, str]) -> None:
    """A row of radio buttons setting ``ui.<field>`` to one of ``choices``."""
    imgui.text(f"{label}:")
    for name in choices:
        imgui.same_line()
        if imgui.radio_button(f"{name}##{field}", getattr(ui, field) == name):
            setattr(ui, field, name)
        hook(ui, f"{field}={name}")
        imgui.set_item_tooltip(tips[name])


def _timings(info: dict[str, Any]) -> str:
    parts = []
    fps = info.get("fps")
    if fps:
        parts.append(f"{fps:5.1f} fps")
    eps = info.get("epochs_per_s")
    if eps is not None:  # a smoothed rate may dip below 0 (a reset): never show "-3"
        parts.append(f"{eps if eps > 0 else 0.0:,.0f} epochs/s")
    split = info.get("timings_ms") or {}
    if split:
        parts.append("  ".join(f"{k} {v:.1f}" for k, v in split.items()) + " ms")
    if info.get("backend"):
        parts.append(str(info["backend"]))
    return "   |   ".join(parts)


def draw_status(ui: UiState, info: dict[str, Any], rect: RectXYWH) -> None:
    flags = imgui.WindowFlags_.no_title_bar | imgui.WindowFlags_.no_scrollbar
    imgui.push_style_var(imgui.StyleVar_.window_padding, imgui.ImVec2(8 * ui.scale, 3 * ui.scale))
    if begin_panel("##status", rect, flags):
        if info.get("recording"):
            dl = imgui.get_window_draw_list()
            p = imgui.get_cursor_screen_pos()
            h = imgui.get_text_line_height()
            blink = 1.0 if math.fmod(imgui.get_time(), 1.0) < 0.6 else 0.35
            dl.add_circle_filled((p.x + h * 0.5, p.y + h * 0.55), h * 0.35,
                                 th.col32(230, 30, 30, blink))
            imgui.dummy(imgui.ImVec2(h, h))
            imgui.same_line()
            imgui.text_colored(th.vec4(th.RECORD), "REC")
            imgui.same_line(0, 16)
        step = current_substep(ui)
        if step is not None:
            imgui.text_colored(th.vec4(th.D_COLOR if step.phase == "d" else th.G_COLOR),
                               f"{step.label}  {step.text}")
            imgui.same_line(0, 16)
        if ui.status:
            imgui.text(ui.status)
            imgui.same_line(0, 16)
        text = _timings(info)
        w = imgui.calc_text_size(text).x
        imgui.same_line(max(rect[2] - w - 16 * ui.scale, imgui.get_cursor_pos_x()))
        imgui.text_disabled(text)
    imgui.end()
    imgui.pop_style_var()


def draw_banner(ui: UiState, rect: RectXYWH) -> list[Command]:
    """A red banner over the top of the main view while ``ui.error`` is set."""
    if not ui.error:
        return []
    out: list[Command] = []
    x, y, w, _ = rect
    imgui.set_next_window_pos(imgui.ImVec2(x + w / 2, y + 8), imgui.Cond_.always,
                              imgui.ImVec2(0.5, 0.0))
    imgui.set_next_window_size(imgui.ImVec2(min(w - 16, 560 * ui.scale), 0))
    imgui.push_style_color(imgui.Col_.window_bg, th.vec4(th.ERROR_BG))
    imgui.push_style_color(imgui.Col_.popup_bg, th.vec4(th.ERROR_BG))  # tooltips: white on red
    imgui.push_style_color(imgui.Col_.text, imgui.ImVec4(1, 1, 1, 1))
    flags = (imgui.WindowFlags_.no_title_bar | imgui.WindowFlags_.no_resize
             | imgui.WindowFlags_.no_move | imgui.WindowFlags_.no_saved_settings
             | imgui.WindowFlags_.always_auto_resize)
    imgui.begin("##banner", None, flags)
    imgui.text_wrapped(ui.error)
    imgui.push_style_color(imgui.Col_.button, imgui.ImVec4(1, 1, 1, 0.22))
    imgui.push_style_color(imgui.Col_.button_hovered, imgui.ImVec4(1, 1, 1, 0.4))
    if button(ui, "Reset##banner", "New weights, same settings"):
        out.append(Reset())
        ui.error = ""
    imgui.same_line()
    if button(ui, "Restore preset##banner", "GAN Lab's settings for this dataset, then reset"):
        out.append(RestorePreset())
        ui.error = ""
    imgui.same_line()
    if button(ui, "Dismiss##banner"):
        ui.error = ""
    imgui.pop_style_color(2)
    imgui.end()
    imgui.pop_style_color(3)
    return out
