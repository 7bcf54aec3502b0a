"""Drawing window: the "draw your own" canvas, an ImGui region mapped to [0,1]^2 (y up).

Owns the mouse handling of the canvas (strokes lay points every ``spacing`` along the path;
erase mode removes points within the brush), its buttons (draw/erase, brush size, undo with
Ctrl+Z, clear, Apply, close) and the empty-drawing message. Points live in
``UiState.drawing`` and survive switching datasets.
"""

from __future__ import annotations

from imgui_bundle import imgui

from glgan.ui import theme as th
from glgan.ui import thumbs
from glgan.ui.commands import ApplyDrawing, Command, ImportData
from glgan.ui.layout import RectXYWH
from glgan.ui.state import DrawingState, UiState
from glgan.ui.widgets import button, hook

EMPTY_MESSAGE = "Draw something on the canvas first, then click Apply."
HINT = "Draw a distribution on the canvas, then click Apply."


def canvas_to_data(rect: thumbs.Rect, x: float, y: float) -> tuple[float, float]:
    """Screen pixel -> data point in [0,1]^2 for a square canvas (y up)."""
    cx, cy, s = rect
    return ((x - cx) / s, 1.0 - (y - cy) / s)


def _canvas(ui: UiState, d: DrawingState, size: float) -> None:
    pos = imgui.get_cursor_screen_pos()
    rect = (pos.x, pos.y, size)
    imgui.invisible_button("drawing_canvas", imgui.ImVec2(size, size))
    hook(ui, "drawing_canvas")
    active, hovered = imgui.is_item_active(), imgui.is_item_hovered()
    mouse = imgui.get_io().mouse_pos
    p = canvas_to_data(rect, mouse.x, mouse.y)
    if imgui.is_item_activated():
        d.begin_stroke(p)
    elif active:
        d.extend_stroke(p)
    if imgui.is_item_deactivated():
        d.end_stroke()

    dl = imgui.get_window_draw_list()
    thumbs.frame(dl, rect, th.col32(252, 252, 252), th.PLOT_BORDER)
    thumbs.clip(dl, rect)
    grid = th.col32(225, 225, 225)
    for i in range(1, 10):
        t = i / 10
        dl.add_line((pos.x + t * size, pos.y), (pos.x + t * size, pos.y + size), grid)
        dl.add_line((pos.x, pos.y + t * size), (pos.x + size, pos.y + t * size), grid)
    brush_px = d.brush * size
    pts = d.as_array()
    # GAN Lab's stroke look: wide translucent green, then the points themselves.
    thumbs.dots(dl, rect, pts, max(brush_px * 0.5, 2.0), th.col32(0, 136, 55, 0.12))
    thumbs.dots(dl, rect, pts, 2.0, th.REAL_DOT)
    if hovered or active:
        ring = th.ERROR_BG if d.erase else th.col32(0, 136, 55)
        dl.add_circle((mouse.x, mouse.y), max(brush_px, 2.0), ring, 0, 1.5)
    dl.pop_clip_rect()


def draw_drawing_window(ui: UiState, view: RectXYWH) -> list[Command]:
    """The drawing window over the main view while ``ui.drawing.open``; returns ApplyDrawing."""
    d = ui.drawing
    if not d.open:
        return []
    out: list[Command] = []
    x, y, w, h = view
    side = max(min(w, h) * 0.92, 200.0)
    imgui.set_next_window_pos(imgui.ImVec2(x + w / 2, y + h / 2), imgui.Cond_.always,
                              imgui.ImVec2(0.5, 0.5))
    imgui.set_next_window_size(imgui.ImVec2(side * 0.86, side))
    flags = imgui.WindowFlags_.no_collapse | imgui.WindowFlags_.no_saved_settings
    expanded, keep_open = imgui.begin("Draw your own distribution", True, flags)
    if expanded:
        if imgui.radio_button("draw", not d.erase):
            d.erase = False
        hook(ui, "draw_mode")
        imgui.same_line()
        if imgui.radio_button("erase", d.erase):
            d.erase = True
        hook(ui, "erase_mode")
        imgui.same_line()
        imgui.set_next_item_width(110 * ui.scale)
        _, brush = imgui.slider_float("brush", d.brush, 0.01, 0.15, "%.2f")
        d.brush = float(round(brush, 3))
        hook(ui, "brush")
        imgui.same_line()
        if button(ui, "Undo", "Undo the last stroke (Ctrl+Z)", disabled=not d.undo_stack):
            d.undo()
        imgui.same_line()
        if button(ui, "Clear", "Remove every point (undoable)", disabled=not d.points):
            d.clear()
        if imgui.is_window_focused() and imgui.shortcut(imgui.Key.mod_ctrl | imgui.Key.z):
            d.undo()
        avail = imgui.get_content_region_avail()
        size = max(min(avail.x, avail.y - 2.6 * imgui.get_frame_height_with_spacing()), 50.0)
        _canvas(ui, d, size)
        imgui.text_disabled(f"{len(d.points)} points.  {HINT}")
        if button(ui, "Apply", "Train on this distribution"):
            if not d.points:
                d.message = EMPTY_MESSAGE
            else:
                d.applied = d.as_array()
                d.message = ""
                d.open = False
                out.append(ApplyDrawing(d.applied.copy()))
        imgui.same_line()
        if button(ui, "Close", "Keep the drawing and close this window"):
            d.open = False
        imgui.same_line()
        imgui.set_next_item_width(max(imgui.get_content_region_avail().x
                                      - imgui.calc_text_size("Import").x
                                      - 3 * imgui.get_style().frame_padding.x, 40.0))
        _, d.import_path = imgui.input_text_with_hint("##import_path", "file.csv or image.png",
                                                      d.import_path)
        hook(ui, "import_path")
        imgui.same_line()
        if button(ui, "Import", "Train on a file's points: a CSV (x,y per line, any range: "
                                "scaled into the unit square) or an image (dark pixels are "
                                "the density)", disabled=not d.import_path.strip()):
            out.append(ImportData(d.import_path.strip()))
        if d.message:
            imgui.same_line()
            imgui.push_style_color(imgui.Col_.text, th.ERROR_BG)
            imgui.text(d.message)
            imgui.pop_style_color()
    imgui.end()
    if not keep_open:
        d.open = False
    return out
