"""Layer toggles, the colour legend and the main view's hover tooltip.

Owns the checkboxes for the main view's layers, GAN Lab's legend sentences (whose key words
are clickable and toggle the same layers), and the tooltip that shows the data coordinates
under the pointer, D(x) there and the nearest real/fake sample.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
from imgui_bundle import imgui

from glgan.frame import FrameData
from glgan.layers import LAYER_NAMES
from glgan.palette import view_style
from glgan.ui import theme as th
from glgan.ui.commands import Command, FitView, SetLayers
from glgan.ui.state import UiState
from glgan.ui.widgets import hook

LAYER_TITLES = (
    ("heatmap", "D heatmap"), ("contour", "D = 0.5 line"), ("real", "real samples"),
    ("fake", "fake samples"), ("manifold", "G manifold"), ("gradients", "G gradients"),
    ("optimal", "optimal D* = 0.5"), ("flow", "D's gradient field"),
    ("trails", "sample trails"),
)

def legend(ui: UiState, critic: bool = False) -> tuple[tuple[int, str, str, str], ...]:
    """(colour swatch, clickable word -> layer, rest of the sentence): GAN Lab's legend text,
    in the colours (and colour words) of the window's palette and theme; ``critic``: D is a
    Wasserstein critic (a score, not a probability)."""
    st = view_style(ui.palette, ui.theme)
    real, fake, grad = st.words
    ramp = palette_ramp(st)
    return (
        (th.from_rgba(st.real, 1.0), "real samples", "real",
         f"Each dot is a 2-D data sample: {real} are real."),
        (th.from_rgba(st.fake, 1.0), "fake samples", "fake",
         f"{fake.capitalize()} dots are the generator's fakes."),
        (ramp[1], "critic" if critic else "discriminator", "heatmap",
         (f"Background colours show the critic's score around its median (a score, not a "
          f"probability: only differences matter): {real} regions score more real, {fake} "
          "regions more fake.") if critic else
         (f"Background colours show D's classification: samples in {real} regions are "
          f"likely real, those in {fake} regions likely fake.")),
        (th.from_rgba(st.manifold), "manifold", "manifold",
         "The generator's transformation of the noise space. Opacity encodes density: "
         f"stronger {fake} means more samples in a smaller area."),
        (th.from_rgba(st.gradient, 1.0), "gradients", "gradients",
         f"{grad.capitalize()} lines from fake samples point where each must move to "
         "decrease G's loss."),
        (th.from_rgba(st.contour, 1.0), "decision line", "contour",
         "Where D(x) = 0.5 (glgan addition)."),
        (th.from_rgba(st.optimal, 1.0), "optimal discriminator", "optimal",
         "Where the best possible D, D* = p_real / (p_real + p_fake) estimated from the "
         "samples, would decide: compare it with D's own line (glgan addition)."),
        (th.from_rgba(st.fake, 1.0), "trails", "trails",
         "The paths of a few fake samples over their last epochs, fading with age; click a "
         "fake sample to follow it (glgan addition)."),
        (th.from_rgba(st.flow, 1.0), "gradient field", "flow",
         "Arrows across the plane along D's gradient: where G would push a sample at any "
         "point (glgan addition)."),
    )


def palette_ramp(st) -> tuple[int, int]:
    """The ramp's colours at D = 0.15 (fake) and 0.85 (real) as IM_COL32."""
    lo, hi = th.prgn_u32(np.array([0.15, 0.85]), 1.0, st.ramp, st.ramp_gamma).tolist()
    return int(lo), int(hi)


def _toggle(ui: UiState, layer: str) -> list[Command]:
    ui.layers = ui.layers.toggled(layer)
    return [SetLayers(ui.layers)]


def draw_layer_toggles(ui: UiState) -> list[Command]:
    out: list[Command] = []
    # three columns when the widest toggle fits three times, else fewer (large scales)
    widest = max(_checkbox_width(title) for _, title in LAYER_TITLES)
    space = imgui.get_style().item_spacing.x + 2 * imgui.get_style().cell_padding.x
    cols = int(min(3, max(1, imgui.get_content_region_avail().x // (widest + space))))
    if imgui.begin_table("##layers", cols):
        for name, title in LAYER_TITLES:
            imgui.table_next_column()
            changed, _ = imgui.checkbox(f"{title}##layer", getattr(ui.layers, name))
            hook(ui, f"layer:{name}")
            if changed:
                out += _toggle(ui, name)
        imgui.end_table()
    out += _draw_layer_options(ui)
    return out


GRADIENT_MODES = ("dD/dx (GAN Lab)", "-dL_G/dx (G's true step)")


def _checkbox_width(label: str) -> float:
    """The width a checkbox with ``label`` takes (box, gap, text)."""
    style = imgui.get_style()
    return (imgui.get_frame_height() + style.item_inner_spacing.x
            + imgui.calc_text_size(label.split("##")[0]).x)


def _same_line_if_fits(next_width: float, right: float) -> None:
    """Continue the row when ``next_width`` still fits after the last item before ``right``
    (screen x of the content's right edge), else wrap."""
    spacing = imgui.get_style().item_spacing.x
    if imgui.get_item_rect_max().x + spacing + next_width <= right:
        imgui.same_line()


def _draw_layer_options(ui: UiState) -> list[Command]:
    """How the heatmap and the gradient lines are drawn (glgan options beyond GAN Lab)."""
    lay = ui.layers
    new = lay
    right = imgui.get_cursor_screen_pos().x + imgui.get_content_region_avail().x
    changed, on = imgui.checkbox("blocky 30x30 heatmap##opt", lay.blocky)
    hook(ui, "layer-option:blocky")
    if changed:
        new = replace(new, blocky=on)
    _same_line_if_fits(_checkbox_width("equal-length gradients"), right)
    changed, on = imgui.checkbox("equal-length gradients##opt", lay.gradient_normalize)
    hook(ui, "layer-option:normalize")
    if changed:
        new = replace(new, gradient_normalize=on)
    imgui.set_next_item_width(imgui.get_content_region_avail().x * 0.6)
    current = 0 if lay.gradient_source == "d" else 1
    changed, index = imgui.combo("gradient lines##opt", current, list(GRADIENT_MODES))
    hook(ui, "layer-option:source")
    if changed:
        new = replace(new, gradient_source="d" if index == 0 else "g")
    out: list[Command] = []
    imgui.text("view:")
    for mode, label, tip in (("unit", "[0,1]\u00b2", "GAN Lab's unit square (key 0)"),
                             ("tanh", "(-1,1)\u00b2", "the generator's whole tanh range"),
                             ("samples", "fit samples", "every real and fake sample (key V)")):
        imgui.same_line()
        if imgui.small_button(f"{label}##view-{mode}"):
            out.append(FitView(mode))
        hook(ui, f"view:{mode}")
        imgui.set_item_tooltip(tip + "; the wheel zooms, a drag pans")
    if new != lay:
        ui.layers = new
        out.append(SetLayers(new))
    return out


def draw_legend(ui: UiState, critic: bool = False) -> list[Command]:
    """Legend lines; the underlined word toggles its layer (solid = on, faded = off)."""
    out: list[Command] = []
    dl = imgui.get_window_draw_list()
    for swatch, word, layer, text in legend(ui, critic):
        p = imgui.get_cursor_screen_pos()
        h = imgui.get_text_line_height()
        dl.add_circle_filled((p.x + h * 0.4, p.y + h * 0.55), h * 0.3, swatch)
        imgui.dummy(imgui.ImVec2(h * 0.9, h))
        imgui.same_line()
        on = getattr(ui.layers, layer)
        if not on:
            imgui.push_style_var(imgui.StyleVar_.alpha, 0.45)
        clicked = imgui.text_link(f"{word}##legend")
        if not on:
            imgui.pop_style_var()
        hook(ui, f"legend:{layer}")
        imgui.set_item_tooltip(f"click to {'hide' if on else 'show'} the {word} layer")
        if clicked:
            out += _toggle(ui, layer)
        imgui.same_line()
        imgui.text_wrapped(text)
    return out


def _nearest(points: np.ndarray, p: tuple[float, float], radius: float) -> int | None:
    if points is None or len(points) == 0:
        return None
    d2 = ((np.asarray(points)[:, :2] - np.asarray(p)) ** 2).sum(axis=1)
    i = int(np.nanargmin(d2)) if np.isfinite(d2).any() else None
    return i if i is not None and d2[i] <= radius * radius else None


def field_value(frame: FrameData, x: float, y: float) -> float:
    """D at data point (x, y) from the frame's field grid (nearest cell); NaN outside it."""
    f = np.asarray(frame.field)
    if f.ndim != 2 or f.size == 0:
        return math.nan
    x0, y0, x1, y1 = frame.field_bounds
    c = int(math.floor((x - x0) / (x1 - x0) * f.shape[1]))
    r = int(math.floor((y - y0) / (y1 - y0) * f.shape[0]))
    if 0 <= r < f.shape[0] and 0 <= c < f.shape[1]:
        return float(f[r, c])
    return math.nan


def hover_text(frame: FrameData | None, mouse: tuple[float, float], radius: float,
               layers: Any, critic_center: float | None = None) -> str:
    """The tooltip for the main view at data point ``mouse``; ``critic_center``: D is a
    Wasserstein critic whose raw scores have this median (not a probability)."""
    x, y = mouse
    lines = [f"x {x:.2f}, y {y:.2f}"]
    if frame is None:
        return lines[0]
    d = field_value(frame, x, y)
    if math.isfinite(d) and critic_center is not None:
        side = "more real" if d > critic_center else "more fake"
        lines.append(f"critic {d:+.4f}  (scored {side} than its median {critic_center:+.4f})")
    elif math.isfinite(d):
        verdict = "looks real" if d > 0.5 else "looks fake"
        lines.append(f"D(x) = {d:.3f}  ({verdict})")
    if layers.fake:
        i = _nearest(frame.fake, mouse, radius)
        if i is not None:
            fx, fy = frame.fake[i][:2]
            lines.append(f"fake sample #{i}: {fx:.2f}, {fy:.2f}")
            if len(frame.grad_g) > i:
                gx, gy = frame.grad_g[i]
                lines.append(f"  moves along ({gx:+.3f}, {gy:+.3f})")
    if layers.real:
        i = _nearest(frame.real, mouse, radius)
        if i is not None:
            rx, ry = frame.real[i][:2]
            lines.append(f"real sample #{i}: {rx:.2f}, {ry:.2f}")
    return "\n".join(lines)


def draw_hover(ui: UiState, frame: FrameData | None, info: dict[str, Any]) -> None:
    """Tooltip near the pointer when it is over the main view (app passes data coordinates)."""
    mouse = info.get("mouse_data")
    if mouse is None or imgui.get_io().want_capture_mouse or ui.drawing.open or \
            info.get("capturing"):  # never in a screenshot or a recording
        return
    imgui.set_tooltip(hover_text(frame, mouse, float(info.get("pick_radius", 0.015)), ui.layers,
                                 info.get("critic_center")))


assert set(LAYER_NAMES) == {name for name, _ in LAYER_TITLES}


MARKER_PX = 9.0  # the edge marker's size at scale 1


def marker_tips(markers: list[dict[str, Any]], size: float
                ) -> list[tuple[float, float, float, float]]:
    """(tip x, tip y, sx, sy) in screen pixels for each marker: the tip just inside its edge,
    (sx, sy) the unit direction it points (screen y down); a marker that would land on one
    already placed (a side's near a corner's, real and fake at one place) slides along the
    edge instead, so no count covers another."""
    placed: list[tuple[float, float]] = []
    out = []
    gap = 3.2 * size
    for m in markers:
        x, y, w, h = m["rect"]
        dx, dy = m["direction"]
        sx, sy = float(dx), float(-dy)
        n = math.hypot(sx, sy) or 1.0
        sx, sy = sx / n, sy / n
        u, v = m["at"]
        tip_x = min(max(x + u * w, x + 2), x + w - 2)
        tip_y = min(max(y + v * h, y + 2), y + h - 2)
        for _ in range(12):
            if all(math.hypot(tip_x - a, tip_y - b) >= gap for a, b in placed):
                break
            if dx and not dy:  # left or right edge: slide down it
                tip_y = min(tip_y + gap, y + h - 2) if tip_y + gap <= y + h - 2 else tip_y - gap
            else:  # top, bottom or a corner: slide along x, inwards
                step = -gap if tip_x > x + w / 2 else gap
                tip_x = min(max(tip_x + step, x + 2), x + w - 2)
        placed.append((tip_x, tip_y))
        out.append((tip_x, tip_y, sx, sy))
    return out


def draw_edge_markers(ui: UiState, markers: list[dict[str, Any]]) -> None:
    """Samples beyond the view's edges: a triangle on the edge pointing at them, with how many
    are out there, in the samples' colour (``info["offscreen"]`` from app.py: rect, kind,
    direction, at, count). Drawn behind the panels."""
    if not markers or not (ui.hint_visible or ui.overlay_visible):  # (bare captures: none)
        return
    st = view_style(ui.palette, ui.theme)
    dl = imgui.get_background_draw_list()
    size = MARKER_PX * ui.scale
    text_col = th.from_rgba(st.marker, 1.0)
    for m, (tip_x, tip_y, sx, sy) in zip(markers, marker_tips(markers, size)):
        x, y, w, h = m["rect"]
        # the tip sits just inside the edge; the base a marker's length further in
        bx, by = tip_x - sx * 1.6 * size, tip_y - sy * 1.6 * size
        px, py = -sy * size * 0.8, sx * size * 0.8
        col = th.from_rgba(st.real if m["kind"] == "real" else st.fake, 0.95)
        dl.add_triangle_filled((tip_x, tip_y), (bx + px, by + py), (bx - px, by - py), col)
        label = f"{m['count']}"
        tw = imgui.calc_text_size(label)
        # the count further in, beyond the triangle's base
        lx = bx - sx * (0.3 * size + tw.x / 2) - tw.x / 2
        ly = by - sy * (0.3 * size + tw.y / 2) - tw.y / 2
        lx = min(max(lx, x + 1), x + w - tw.x - 1)
        ly = min(max(ly, y + 1), y + h - tw.y - 1)
        dl.add_text((lx, ly), text_col, label)
