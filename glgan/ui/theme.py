"""Theme: GAN Lab's palette, the PRGn colour ramp, fonts, and the ImGui style (scale, contrast).

Colours are packed ImGui ``IM_COL32`` integers (ABGR in memory) so draw-list code needs no
ImGui call per colour. ``apply_theme`` rebuilds the style only when scale or contrast change.
"""

from __future__ import annotations

from pathlib import Path

import imgui_bundle
import numpy as np
from imgui_bundle import imgui

from glgan.palette import PRGN, ramp_rgb
from glgan.ui.layout import HIGH_CONTRAST_TEXT


def col32(r: int, g: int, b: int, a: float = 1.0) -> int:
    """Pack 0..255 RGB and 0..1 alpha as ImGui's IM_COL32."""
    return (int(r) & 255) | (int(g) & 255) << 8 | (int(b) & 255) << 16 | int(round(a * 255)) << 24


def from_rgba(c: tuple[float, float, float, float], alpha: float | None = None) -> int:
    """A glgan.palette straight-alpha colour (0..1 floats) as IM_COL32 (``alpha`` replaces
    its alpha when given)."""
    a = c[3] if alpha is None else alpha
    return col32(round(c[0] * 255), round(c[1] * 255), round(c[2] * 255), a)


def vec4(c: int) -> imgui.ImVec4:
    """IM_COL32 back to an ImVec4 (for widgets that take float colours)."""
    return imgui.ImVec4((c & 255) / 255, (c >> 8 & 255) / 255, (c >> 16 & 255) / 255,
                        (c >> 24 & 255) / 255)


# GAN Lab's palette (ganlab.md §6).
D_COLOR = col32(68, 124, 228)
G_COLOR = col32(163, 62, 189)
GRADIENT = col32(196, 20, 219, 0.5)
REAL_DOT = col32(0, 136, 55, 0.75)
FAKE_DOT = col32(123, 50, 148, 0.75)
MANIFOLD_RGB = (123, 50, 148)
MANIFOLD_EDGE = col32(160, 160, 160, 0.25)
NOISE_DOT = col32(48, 48, 48, 0.6)
D_BAR = col32(105, 158, 255)
G_BAR = col32(186, 99, 207)
EDGE = col32(175, 175, 175)
PLOT_BG = col32(243, 243, 243)
PLOT_BORDER = col32(200, 200, 200)
TOP_BAR = col32(24, 61, 78)
BRUSH = col32(233, 186, 33)
REAL_TEXT = col32(0, 136, 55)
CHART_D = (5 / 255, 117 / 255, 176 / 255)
CHART_G = (123 / 255, 50 / 255, 148 / 255)
CHART_KL = (220 / 255, 80 / 255, 20 / 255)
CHART_JS = (200 / 255, 150 / 255, 10 / 255)
ERROR_BG = col32(200, 40, 40)
RECORD = col32(230, 30, 30)

def prgn_u32(t: np.ndarray, alpha: float = 1.0, stops: tuple[str, ...] = PRGN,
             gamma: float = 1.0) -> np.ndarray:
    """The D(x) ramp (PRGn unless ``stops`` say otherwise) as IM_COL32 integers (uint32), one
    per value of ``t``."""
    rgb = ramp_rgb(t, stops, gamma).astype(np.uint32)
    a = np.uint32(int(round(alpha * 255)))
    return rgb[..., 0] | rgb[..., 1] << 8 | rgb[..., 2] << 16 | a << 24


def stretch(d: np.ndarray) -> np.ndarray:
    """GAN Lab's prediction colour stretch s(d): sqrt away from 0.5, so confident D stands out."""
    d = np.asarray(d, dtype=np.float64)
    up = 0.5 + 0.5 * np.sqrt(np.clip(2 * d - 1, 0, None))
    down = 0.5 - 0.5 * np.sqrt(np.clip(1 - 2 * d, 0, None))
    return np.where(d > 0.5, up, np.where(d < 0.5, down, 0.5))


# -- fonts and style ------------------------------------------------------------------------

FONT_DIR = Path(imgui_bundle.__file__).resolve().parent / "assets" / "fonts"
BASE_FONT_SIZE = 15.0


def load_fonts(io: imgui.IO) -> None:
    """Add Roboto (shipped with imgui-bundle) as the default font; call before the first frame.

    Falls back to ImGui's built-in ProggyClean when the file is missing.
    """
    path = FONT_DIR / "Roboto" / "Roboto-Regular.ttf"
    if path.is_file():
        io.fonts.add_font_from_file_ttf(str(path), BASE_FONT_SIZE)
    else:
        io.fonts.add_font_default()


def configure_io(io: imgui.IO) -> None:
    """What every overlay context needs before its first frame: no imgui.ini, keyboard
    navigation on (Tab walks the widgets), the fonts."""
    io.set_ini_filename("")
    io.config_flags |= imgui.ConfigFlags_.nav_enable_keyboard
    load_fonts(io)


def _reset_sizes(style: imgui.Style) -> None:
    fresh = imgui.Style()
    for name in dir(fresh):
        if name.startswith("_") or name in ("font_size_base", "font_scale_dpi", "font_scale_main"):
            continue
        value = getattr(fresh, name)
        if callable(value):
            continue
        try:
            setattr(style, name, value)
        except (AttributeError, TypeError):
            pass


def _set(style: imgui.Style, idx: int, rgba: tuple[float, float, float, float]) -> None:
    style.set_color_(idx, imgui.ImVec4(*rgba))


def _light_colors(style: imgui.Style) -> None:
    imgui.style_colors_light(style)
    c = imgui.Col_
    _set(style, c.window_bg, (0.97, 0.97, 0.97, 0.94))
    _set(style, c.child_bg, (1.0, 1.0, 1.0, 0.0))
    _set(style, c.title_bg_active, (24 / 255, 61 / 255, 78 / 255, 1.0))
    _set(style, c.title_bg, (24 / 255, 61 / 255, 78 / 255, 0.85))
    _set(style, c.title_bg_collapsed, (24 / 255, 61 / 255, 78 / 255, 0.6))
    _set(style, c.button, (0.86, 0.89, 0.92, 1.0))
    _set(style, c.button_hovered, (0.70, 0.80, 0.90, 1.0))
    _set(style, c.check_mark, (24 / 255, 61 / 255, 78 / 255, 1.0))
    _set(style, c.frame_bg, (0.90, 0.92, 0.95, 1.0))
    _set(style, c.frame_bg_hovered, (0.82, 0.88, 0.95, 1.0))
    _set(style, c.border, (0.70, 0.72, 0.76, 0.65))
    _set(style, c.text_disabled, (0.45, 0.45, 0.48, 1.0))
    style.frame_border_size = 1.0


def _dark_colors(style: imgui.Style) -> None:
    imgui.style_colors_dark(style)
    c = imgui.Col_
    _set(style, c.window_bg, (0.11, 0.11, 0.12, 0.94))
    _set(style, c.child_bg, (0.0, 0.0, 0.0, 0.0))
    _set(style, c.title_bg_active, (0.10, 0.30, 0.40, 1.0))
    _set(style, c.title_bg, (0.10, 0.24, 0.31, 0.85))
    _set(style, c.button, (0.22, 0.30, 0.38, 1.0))
    _set(style, c.button_hovered, (0.28, 0.42, 0.55, 1.0))
    _set(style, c.check_mark, (0.55, 0.80, 1.0, 1.0))
    _set(style, c.frame_bg, (0.18, 0.19, 0.22, 1.0))
    _set(style, c.border, (0.35, 0.36, 0.40, 0.65))
    _set(style, c.text_disabled, (0.62, 0.62, 0.66, 1.0))
    style.frame_border_size = 1.0


def _high_contrast_colors(style: imgui.Style) -> None:
    imgui.style_colors_light(style)
    c = imgui.Col_
    black, white = (0.0, 0.0, 0.0, 1.0), (1.0, 1.0, 1.0, 1.0)
    for idx in (c.window_bg, c.popup_bg, c.child_bg):
        _set(style, idx, white)
    for idx in (c.text, c.border, c.check_mark, c.separator):
        _set(style, idx, black)
    for idx in (c.title_bg_active, c.title_bg, c.title_bg_collapsed):
        _set(style, idx, (1.0, 0.85, 0.2, 1.0))
    _set(style, c.slider_grab, (1.0, 0.55, 0.0, 1.0))
    _set(style, c.slider_grab_active, (0.9, 0.4, 0.0, 1.0))
    _set(style, c.frame_bg, (1.0, 1.0, 0.85, 1.0))
    _set(style, c.button, (1.0, 0.92, 0.4, 1.0))
    _set(style, c.button_hovered, (1.0, 0.8, 0.0, 1.0))
    _set(style, c.button_active, (1.0, 0.65, 0.0, 1.0))
    _set(style, c.header, (1.0, 0.92, 0.4, 1.0))
    _set(style, c.text_disabled, (0.3, 0.3, 0.3, 1.0))
    style.frame_border_size = 1.5
    style.window_border_size = 2.0


def apply_theme(ui_scale: float, theme: str = "light") -> None:
    """Rebuild the current ImGui style for this scale and theme (glgan.palette.THEMES; cheap,
    call on change)."""
    style = imgui.get_style()
    _reset_sizes(style)
    high_contrast = theme == "high-contrast"
    if high_contrast:
        _high_contrast_colors(style)
    elif theme == "dark":
        _dark_colors(style)
    else:
        _light_colors(style)
    style.window_rounding = 4.0
    style.frame_rounding = 3.0
    style.grab_rounding = 3.0
    style.scale_all_sizes(ui_scale)
    style.font_scale_main = ui_scale * (HIGH_CONTRAST_TEXT if high_contrast else 1.0)
