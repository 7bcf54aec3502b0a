"""Model overview graph (GAN Lab §6): Noise -> Generator -> Samples -> Discriminator -> Predictions
-> losses, with the two update loops, drawn with ImGui draw lists from FrameData.

Owns the graph's geometry (in GAN Lab-like units, scaled to the panel), its marching dashed
edges, the thumbnails in each node, the loss bars, the layer checkboxes on the nodes, the
slow-motion highlighting (D1-D5, G1-G5) and the generator's morph-on-hover animation.

Labels never overlap: each has a known room in graph units (``LABEL_ROOM``), and the graph's
text is drawn smaller than the panel's when the overlay scale would make it outgrow its room
(a narrow panel, a large scale). The edges' secondary text ("k_d updates per epoch") is left
out rather than shrinking every label for it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
from imgui_bundle import imgui

from glgan.config import GanConfig
from glgan.frame import FrameData
from glgan.palette import ViewStyle, view_style
from glgan.ui import theme as th
from glgan.ui import thumbs
from glgan.ui.commands import Command, SetLayers
from glgan.ui.network import open_net, toggle
from glgan.ui.slowmo import SUBSTEPS, current_substep
from glgan.ui.state import UiState
from glgan.ui.widgets import hook, push_font_px

GRAPH_W, GRAPH_H = 760.0, 450.0
TOP_PAD = 34.0  # graph units above the nodes for the slow-motion strip
MORPH_SECONDS = 2.0  # GAN Lab's generator hover transition

# name -> (x, y, size, label, layer toggled by the node's checkbox or "")
NODES: Mapping[str, tuple[float, float, float, str, str]] = MappingProxyType({
    "noise": (10, 235, 50, "Noise", ""),
    "generator": (110, 150, 140, "Generator", "manifold"),
    "real": (290, 150, 50, "Real", "real"),
    "fake": (290, 250, 50, "Fake", "fake"),
    "discriminator": (390, 150, 140, "Discriminator", "heatmap"),
    "real_pred": (575, 150, 50, "Predictions", ""),
    "fake_pred": (575, 250, 50, "", ""),
    "g_gradients": (290, 370, 50, "Gradients for G", "gradients"),
})
NETWORK_NODES = MappingProxyType({"generator": "g", "discriminator": "d"})  # click: inside
LOSS_BOXES = MappingProxyType({"d_loss": (655, 150, "D loss"), "g_loss": (655, 250, "G loss")})
TIPS = MappingProxyType({
    "noise": "Latent samples z: the fixed noise batch behind the fake samples shown.",
    "generator": "G's manifold: the noise grid warped by the generator. "
                 "Hover to watch the noise grid morph into it; click to look inside "
                 "(every neuron).",
    "real": "Real samples drawn from the target distribution.",
    "fake": "Fake samples G(z) for the fixed noise batch.",
    "discriminator": "D(x) over the plane: green = judged real, purple = judged fake. "
                     "Click to look inside (every neuron).",
    "real_pred": "D's prediction for each sample (colour stretched: sqrt away from 0.5).",
    "fake_pred": "D's prediction for each fake sample.",
    "g_gradients": "Directions that decrease G's loss at each fake sample.",
})

# (polyline in graph units, flows: "d" = used in the D update, "g" = in the G update)
EDGES: tuple[tuple[tuple[tuple[float, float], ...], str], ...] = (
    (((60, 260), (110, 260)), "dg"),
    (((250, 275), (290, 275)), "dg"),
    (((340, 175), (390, 175)), "d"),
    (((340, 275), (390, 275)), "dg"),
    (((530, 175), (575, 175)), "d"),
    (((530, 275), (575, 275)), "dg"),
    (((625, 175), (640, 175), (655, 190)), "d"),
    (((625, 275), (640, 275), (655, 195)), "d"),
    (((625, 275), (640, 275), (655, 290)), "g"),
    (((710, 168), (710, 70), (460, 70), (460, 150)), "d"),
    (((710, 300), (710, 395), (340, 395)), "g"),
    (((290, 395), (180, 395), (180, 290)), "g"),
)
# (position, label, secondary text left out when it does not fit, flow); the D label's
# position is its bottom left (it sits on its edge), the G label's its top left
EDGE_LABELS = (
    ((470, 68), "Gradients for D", "  (k_d updates per epoch)", "d"),
    ((360, 401), "Gradients for G", "  (k_g updates per epoch)", "g"),
)
# Graph units right of each label's start that are free of other labels (to the next label
# or node on its line, or the graph's edge), less a gap; also the loss boxes' two lines ("D
# loss", "1.234") and the edge labels (by flow). A layer label's room holds its checkbox too.
LABEL_ROOM: Mapping[str, float] = MappingProxyType({
    "noise": 90, "generator": 170, "real": 90, "fake": 90, "discriminator": 175,
    "real_pred": 182, "g_gradients": 466, "d_loss": 103, "g_loss": 103, "d": 288, "g": 396,
})
LINE_ROOM = 34.0  # graph units a line of text may take: the edge labels' room above / below
# their lines (the D label sits on its line, under the slow-motion strip; the G label hangs
# under its line, above the graph's bottom), and half the gap between the loss boxes
LOSS_TIPS = MappingProxyType({
    "d_loss": "Discriminator loss: its loss on the real plus its loss on the fake samples. "
              "GAN Lab shows half of this sum (dCost / 2), so its D loss reads half of "
              "glgan's; the bar follows GAN Lab.",
    "g_loss": "Generator loss (as GAN Lab shows it).",
})


class _Canvas:
    """Graph units -> screen pixels for one frame."""

    def __init__(self, origin: imgui.ImVec2, k: float, long_labels: bool = True) -> None:
        self.ox, self.oy, self.k = origin.x, origin.y, k
        self.long_labels = long_labels  # the edges' secondary text fits

    def p(self, x: float, y: float) -> tuple[float, float]:
        return (self.ox + x * self.k, self.oy + (y + TOP_PAD - 20) * self.k)

    def rect(self, name: str) -> thumbs.Rect:
        x, y, s, _, _ = NODES[name]
        px, py = self.p(x, y)
        return (px, py, s * self.k)


WASSERSTEIN_BAR = 500.0  # px per unit (a clipped critic's losses are small: bars stay short)


def loss_bar_px(loss: float, which: str, loss_type: str) -> float:
    """GAN Lab's loss bar length (its px at 100 %): D uses d, G uses g; leastsq is linear.
    A Wasserstein loss has a sign (the critic's score gap): a signed length from the bar's
    middle, at most half the bar (WASSERSTEIN_BAR px per unit of loss)."""
    if loss is None or not math.isfinite(loss):
        return 0.0
    if loss_type == "wasserstein" or (loss_type == "hinge" and which == "g"):
        scale = WASSERSTEIN_BAR if loss_type == "wasserstein" else 25.0  # hinge G: -mean l
        return max(-47.5, min(47.5, loss * scale))
    if loss_type == "hinge":
        return min(loss, 4.0) * 25
    if which == "d":
        return loss * 50 if loss_type == "leastsq" else (loss * 0.5) ** 2 * 50
    return loss * 2 * 50 if loss_type == "leastsq" else loss * loss * 50


def _dashed(dl: imgui.ImDrawList, pts: list[tuple[float, float]], col: int, thick: float,
            dash: float, gap: float, shift: float) -> None:
    """A polyline drawn as dashes; increasing ``shift`` marches the dashes along it."""
    period = dash + gap
    start = (shift % period) - period  # where the first dash begins, <= 0
    a0 = 0.0
    for (x0, y0), (x1, y1) in zip(pts, pts[1:], strict=False):
        seg = math.hypot(x1 - x0, y1 - y0)
        if seg <= 0:
            continue
        a1 = a0 + seg
        ux, uy = (x1 - x0) / seg, (y1 - y0) / seg
        d = start + (math.floor((a0 - start - dash) / period) + 1) * period
        while d < a1:
            lo, hi = max(d, a0) - a0, min(d + dash, a1) - a0
            if hi > lo:
                dl.add_line((x0 + ux * lo, y0 + uy * lo), (x0 + ux * hi, y0 + uy * hi), col, thick)
            d += period
        a0 = a1


def _edges(dl, cv: _Canvas, ui: UiState, epoch: int, active_phase: str | None) -> None:
    for pts, flows in EDGES:
        px = [cv.p(*q) for q in pts]
        if active_phase is not None and active_phase in flows:
            col = th.D_COLOR if active_phase == "d" else th.G_COLOR
            shift = imgui.get_time() * 30.0  # marching while the phase runs
            thick = 3.0 * cv.k * 1.3
        else:
            col = th.EDGE if active_phase is None else th.col32(205, 205, 205)
            shift = float(epoch)  # GAN Lab: stroke-dashoffset = -iteration
            thick = 2.0 * cv.k * 1.2
        if ui.high_contrast:  # solid, dark and thicker: legible on a projector
            if active_phase is None or active_phase not in flows:
                col = th.col32(20, 20, 20)
            dl.add_polyline([imgui.ImVec2(*q) for q in px], col, thick * 1.4, 0)
        else:
            _dashed(dl, px, col, thick, 10 * cv.k, 3 * cv.k, shift * cv.k)
        end, prev = px[-1], px[-2]  # arrow head
        dx, dy = end[0] - prev[0], end[1] - prev[1]
        n = math.hypot(dx, dy) or 1.0
        ux, uy, h = dx / n, dy / n, 6.0 * cv.k
        wx, wy = uy * h * 0.6, ux * h * 0.6
        dl.add_triangle_filled(end, (end[0] - ux * h - wx, end[1] - uy * h + wy),
                               (end[0] - ux * h + wx, end[1] - uy * h - wy), col)
    for (x, y), text, more, flow in EDGE_LABELS:
        col = (th.D_COLOR if flow == "d" else th.G_COLOR) if active_phase == flow else th.EDGE
        px, py = cv.p(x, y)
        if flow == "d":
            py -= imgui.get_text_line_height()
        _label(dl, ui, f"edge_{flow}", (px, py), col | 0xFF000000,
               text + more if cv.long_labels else text)


def _label(dl, ui: UiState, key: str, pos: tuple[float, float], col: int, text: str) -> None:
    """Draw a label and record its rectangle as ``graph:<key>`` (test hook)."""
    dl.add_text(pos, col, text)
    if ui.debug_rects is not None:
        size = imgui.calc_text_size(text)
        ui.record_rect(f"graph:{key}", imgui.ImVec2(*pos),
                       imgui.ImVec2(pos[0] + size.x, pos[1] + size.y))


def _node_contents(dl, cv: _Canvas, ui: UiState, name: str, frame: FrameData | None,
                   morph: float) -> None:
    r = cv.rect(name)
    border = {"generator": th.col32(186, 99, 207, 0.7),
              "discriminator": th.col32(105, 158, 255, 0.8)}.get(name, th.PLOT_BORDER)
    ui.thumb_sizes[name] = r[2] * imgui.get_io().display_framebuffer_scale.x
    texture = ui.thumb_textures.get(name)
    if name == "generator" and ui.gen_hover_time is not None:
        texture = None  # the hover morph is drawn here, frame by frame
    if texture is not None and frame is not None:
        x, y, s = r  # a GL texture: row 0 is the bottom, so flip v
        dl.add_image(texture, (x, y), (x + s, y + s), (0.0, 1.0), (1.0, 0.0))
    else:
        thumbs.frame(dl, r, th.PLOT_BG, 0)
    if frame is not None and texture is None:
        with thumbs.no_aa_fill(dl):
            _thumb(dl, cv, r, name, frame, morph, view_style(ui.palette, ui.theme),
                   ui.critic_scale)
    x, y, s = r
    dl.add_rect((x, y), (x + s, y + s), border, 0.0, 2.0 if border != th.PLOT_BORDER else 1.0)


def _thumb(dl, cv: _Canvas, r: thumbs.Rect, name: str, frame: FrameData, morph: float,
           st: ViewStyle, critic_scale: tuple[float, float] | None = None) -> None:
    """A node's thumbnail drawn with ImGui (when the GL renderer gives none), in the colours
    of the window's palette; a critic's raw scores coloured by its (centre, gain) as the
    heatmap does."""

    def verdict(v: np.ndarray) -> np.ndarray:
        if critic_scale is None:
            return th.stretch(v)
        return np.clip(0.5 + (np.asarray(v, np.float64) - critic_scale[0]) * critic_scale[1],
                       0.0, 1.0)

    dot = max(0.8, 1.0 * cv.k)
    real, fake = th.from_rgba(st.real), th.from_rgba(st.fake)
    thumbs.clip(dl, r)
    if name == "noise":
        thumbs.noise_dots(dl, r, frame.noise, dot)
    elif name == "generator":
        thumbs.manifold(dl, r, frame.manifold, frame.manifold_alpha, morph, 1.0)
    elif name == "real":
        thumbs.dots(dl, r, frame.real, dot, real)
    elif name == "fake":
        thumbs.dots(dl, r, frame.fake, dot, fake)
    elif name == "discriminator":
        thumbs.heatmap(dl, r, frame.field, frame.field_bounds)
    elif name == "real_pred" and len(frame.pred_real):
        n = min(len(frame.pred_real), len(frame.real))
        cols = th.prgn_u32(verdict(frame.pred_real[:n]), 1.0, st.ramp, st.ramp_gamma)
        thumbs.dots(dl, r, frame.real[:n], dot * 1.2, cols)
    elif name == "fake_pred" and len(frame.pred_fake):
        n = min(len(frame.pred_fake), len(frame.fake))
        cols = th.prgn_u32(verdict(frame.pred_fake[:n]), 1.0, st.ramp, st.ramp_gamma)
        thumbs.dots(dl, r, frame.fake[:n], dot * 1.2, cols)
    elif name == "g_gradients":
        thumbs.dots(dl, r, frame.fake, dot * 0.8, fake)
        thumbs.kites(dl, r, frame.fake, frame.grad_g, half_width_px=max(0.7, 0.8 * cv.k))
    dl.pop_clip_rect()


def _loss_value(value: float) -> str:
    """Three decimals; a critic's tiny losses with three significant digits instead."""
    if not math.isfinite(value):
        return "-"
    return f"{value:.3g}" if 0 < abs(value) < 0.01 else f"{value:.3f}"


def _loss_box(dl, cv: _Canvas, ui: UiState, which: str, value: float, loss_type: str) -> None:
    """The loss's name, its value below, then GAN Lab's bar."""
    x, y, label = LOSS_BOXES[f"{which}_loss"]
    col = th.D_BAR if which == "d" else th.G_BAR
    text_col = imgui.get_color_u32(imgui.Col_.text)
    line = imgui.get_text_line_height()
    px, py = cv.p(x, y)
    _label(dl, ui, f"{which}_loss", (px, py), text_col, label)
    _label(dl, ui, f"{which}_loss_value", (px, py + line), text_col, _loss_value(value))
    by = py + 2 * line + 4
    w = min(loss_bar_px(value, which, loss_type), 95.0) * cv.k
    dl.add_rect_filled((px, by), (px + 95 * cv.k, by + 10 * cv.k), th.col32(225, 225, 225))
    if loss_type == "wasserstein" or (loss_type == "hinge" and which == "g"):  # signed
        mid = px + 47.5 * cv.k
        dl.add_rect_filled((min(mid, mid + w), by), (max(mid, mid + w), by + 10 * cv.k), col)
        dl.add_line((mid, by - 2), (mid, by + 10 * cv.k + 2), th.col32(90, 90, 90), 1.0)
    else:
        dl.add_rect_filled((px, by), (px + w, by + 10 * cv.k), col)


def _component_rect(cv: _Canvas, name: str) -> tuple[tuple[float, float], tuple[float, float]]:
    if name in NODES:
        x, y, s = cv.rect(name)
        return (x - 3, y - 3), (x + s + 3, y + s + 3)
    if name in LOSS_BOXES:
        x, y, _ = LOSS_BOXES[name]  # two lines of text, then the bar
        a, (bx, by) = cv.p(x - 4, y - 4), cv.p(x + 100, y + 14)
        return a, (bx, by + 2 * imgui.get_text_line_height() + 4)
    if name == "d_gradients":  # the D update edge and its label, sitting on it
        (ax, ay), b = cv.p(455, 64), cv.p(720, 76)
        return (ax, ay - imgui.get_text_line_height()), b
    return cv.p(0, 0), cv.p(0, 0)


def _slow_motion_strip(dl, cv: _Canvas, ui: UiState) -> set[str]:
    """Numbered sub-step boxes plus the current explanation; returns the highlighted names."""
    step = current_substep(ui)
    if step is None:
        return set()
    bg = th.col32(64, 128, 247) if step.phase == "d" else th.col32(170, 79, 192)
    x, y = cv.p(0, 0)
    box = 22.0 * max(cv.k, 0.8)
    for i, s in enumerate(SUBSTEPS[:5] if step.phase == "d" else SUBSTEPS[5:]):
        on = s is step
        bx = x + i * (box + 4)
        dl.add_rect_filled((bx, y), (bx + box, y + box), bg if on else th.col32(200, 200, 200), 3)
        dl.add_text((bx + box * 0.3, y + box * 0.15), 0xFFFFFFFF, str(s.number))
    tx = x + 5 * (box + 4) + 6
    dl.add_rect_filled((tx - 4, y), (tx + imgui.calc_text_size(step.text).x + 60, y + box), bg, 3)
    dl.add_text((tx, y + box * 0.15), 0xFFFFFFFF, f"{step.label}  {step.text}")
    return set(step.components)


def _labels(d_loss: float, g_loss: float, long_edges: bool) -> list[tuple[str, str, bool]]:
    """(room key, text, has a checkbox) for every label of the graph."""
    out = [(name, label, bool(layer)) for name, (_, _, _, label, layer) in NODES.items()
           if label]
    for key, label, value in (("d_loss", "D loss", d_loss), ("g_loss", "G loss", g_loss)):
        shown, wide = _loss_value(value), _loss_value(10.0)  # steady while under 10
        out += [(key, label, False),
                (key, max(shown, wide, key=lambda t: imgui.calc_text_size(t).x), False)]
    return out + [(flow, text + more if long_edges else text, False)
                  for _, text, more, flow in EDGE_LABELS]


def label_font_px(k: float, font_px: float, d_loss: float = math.nan,
                  g_loss: float = math.nan) -> tuple[float, bool]:
    """(text size, edges' secondary text shown) for a graph drawn at ``k`` px per graph unit:
    the panel's ``font_px`` unless a label would outgrow its room (``LABEL_ROOM``). The
    secondary edge text is kept only when it does not force the text smaller."""

    def fit(labels: list[tuple[str, str, bool]]) -> float:
        px = font_px
        for key, text, box in labels:  # width at size f: f * per_px (+ f + 6 for a checkbox)
            per_px = imgui.calc_text_size(text).x / font_px + (1.0 if box else 0.0)
            px = min(px, (LABEL_ROOM[key] * k - (6.0 if box else 0.0)) / per_px)
        return min(px, LINE_ROOM * k)

    long_px = fit(_labels(d_loss, g_loss, True))
    short_px = fit(_labels(d_loss, g_loss, False))
    keep = long_px >= short_px - 1e-6
    px = long_px if keep else short_px
    if px >= font_px:
        return font_px, keep
    # ImGui rounds text sizes to whole pixels: round down, with a little margin for hinting
    return max(float(math.floor(0.97 * px)), 1.0), keep


def draw_graph(ui: UiState, cfg: GanConfig, frame: FrameData | None,
               width: float, height: float | None = None) -> list[Command]:
    """Draw the graph into the current window at the cursor; returns layer-toggle commands."""
    k = width / GRAPH_W
    if height is not None:
        k = min(k, height / GRAPH_H)
    k = max(k, 0.3)
    d_loss = frame.d_loss if frame is not None else math.nan
    g_loss = frame.g_loss if frame is not None else math.nan
    px, long_labels = label_font_px(k, imgui.get_font_size(), d_loss, g_loss)
    origin = imgui.get_cursor_screen_pos()
    push_font_px(px)
    try:
        out, tip = _draw(ui, cfg, frame, _Canvas(origin, k, long_labels), d_loss, g_loss)
    finally:
        imgui.pop_font()
    if tip:  # after the pop: tooltips keep the panel's text size
        imgui.set_tooltip(tip)
    imgui.set_cursor_screen_pos(origin)
    imgui.dummy(imgui.ImVec2(GRAPH_W * k, GRAPH_H * k))
    return out


def _draw(ui: UiState, cfg: GanConfig, frame: FrameData | None, cv: _Canvas, d_loss: float,
          g_loss: float) -> tuple[list[Command], str]:
    """The graph at the current text size; returns its commands and the tooltip to show."""
    out: list[Command] = []
    tip = ""
    dl = imgui.get_window_draw_list()
    epoch = frame.epoch if frame is not None else 0
    step = current_substep(ui)
    highlighted = _slow_motion_strip(dl, cv, ui)
    _edges(dl, cv, ui, epoch, step.phase if step is not None else None)

    # Generator hover morph: noise grid -> manifold over 2 s.
    gx, gy, gs = cv.rect("generator")
    hovering = imgui.is_window_hovered() and imgui.is_mouse_hovering_rect((gx, gy),
                                                                          (gx + gs, gy + gs))
    if hovering:
        ui.gen_hover_time = 0.0 if ui.gen_hover_time is None else \
            ui.gen_hover_time + imgui.get_io().delta_time
    else:
        ui.gen_hover_time = None
    t = 1.0 if ui.gen_hover_time is None else min(ui.gen_hover_time / MORPH_SECONDS, 1.0)
    morph = t * t * (3 - 2 * t)

    text_col = imgui.get_color_u32(imgui.Col_.text)
    for name, (x, y, _s, label, layer) in NODES.items():
        _node_contents(dl, cv, ui, name, frame, morph)
        lx, ly = cv.p(x, y)
        ly -= imgui.get_text_line_height() + 2
        if label:
            _label(dl, ui, name, (lx, ly), text_col, label)
        if layer:
            lw = imgui.calc_text_size(label).x if label else 0.0
            imgui.set_cursor_screen_pos(imgui.ImVec2(lx + lw + 4, ly - 2))
            imgui.push_style_var(imgui.StyleVar_.frame_padding, imgui.ImVec2(1, 1))
            changed, on = imgui.checkbox(f"##node_{layer}", getattr(ui.layers, layer))
            imgui.pop_style_var()
            hook(ui, f"node_{layer}")
            if imgui.is_item_hovered(imgui.HoveredFlags_.for_tooltip):
                tip = f"show {layer} in the main view"
            if changed and on != getattr(ui.layers, layer):
                ui.layers = ui.layers.toggled(layer)
                out.append(SetLayers(ui.layers))
        rx, ry, rs = cv.rect(name)
        if name in NETWORK_NODES:  # a click opens (or closes) the network view
            imgui.set_cursor_screen_pos(imgui.ImVec2(rx, ry))
            if imgui.invisible_button(f"##inside_{name}", imgui.ImVec2(rs, rs)):
                toggle(ui, NETWORK_NODES[name])
            hook(ui, f"graph_node:{name}")
            if open_net(ui) == NETWORK_NODES[name]:
                dl.add_rect((rx - 3, ry - 3), (rx + rs + 3, ry + rs + 3),
                            th.D_COLOR if name == "discriminator" else th.G_COLOR, 3.0, 2.5)
        if imgui.is_window_hovered() and imgui.is_mouse_hovering_rect((rx, ry), (rx + rs, ry + rs)):
            tip = TIPS[name]

    _loss_box(dl, cv, ui, "d", d_loss, cfg.loss)
    _loss_box(dl, cv, ui, "g", g_loss, cfg.loss)
    for name, text in LOSS_TIPS.items():
        a, b = _component_rect(cv, name)
        if imgui.is_window_hovered() and imgui.is_mouse_hovering_rect(a, b):
            tip = text

    if highlighted:  # dim everything that is not part of the current sub-step
        veil = imgui.get_color_u32(imgui.Col_.window_bg, 0.65)
        for name in list(NODES) + list(LOSS_BOXES):
            if name not in highlighted:
                a, b = _component_rect(cv, name)
                dl.add_rect_filled(a, b, veil)
        for name in highlighted & {"d_gradients", "g_gradients", "d_loss", "g_loss"}:
            a, b = _component_rect(cv, name)
            dl.add_rect(a, b, th.D_COLOR if name[0] == "d" else th.G_COLOR, 4.0, 2.0)
    return out, tip


