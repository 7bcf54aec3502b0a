"""Network view: inside the generator or the discriminator, neuron by neuron (issue 17).

Owns the window that opens over the main view when the model graph's generator or
discriminator node is clicked, in the style of TensorFlow Playground: one column per layer
(input, hidden ReLU layers, output), every neuron a live thumbnail of its output over the
network's inputs (D: the plane; G: the noise square, or a curve over the noise interval for
1-D noise; G's two outputs are the fake's x and y), links between neurons coloured by the
weight's sign (blue +, orange -) and as wide and opaque as its magnitude, and each neuron's
border coloured and thickened by its bias. Dead ReLUs (0 over the whole input domain) are
flat, greyed and labelled "dead"; a hidden layer dead throughout is called out (a dead D).
Above the budget a layer shows its first neurons and "+k more". Esc, the Close button, the
window's X or another click on the same node return to the overview.

The picture comes from glgan.compute.inspect through ``info["network"]`` (app.py computes it
for the focused run while a view is open, see ``open_net``); it is read by attribute only
(the ui layer does not import compute). Which view is open is kept in
``UiState.network`` ("g" or "d"; None when closed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from imgui_bundle import imgui

from glgan.palette import view_style
from glgan.ui import theme as th
from glgan.ui import thumbs
from glgan.ui.layout import RectXYWH
from glgan.ui.state import UiState
from glgan.ui.timeline import BAR_H as TIMELINE_BAR_H
from glgan.ui.widgets import button, hook

TITLES = {"g": "generator", "d": "discriminator"}
# TensorFlow Playground's diverging colours: orange negative, near-white zero, blue positive
# (blue and orange stay apart for the common colour-vision deficiencies)
SIGN_STOPS = ("#f59322", "#e8eaeb", "#0877bd")
NEG_RGB, POS_RGB = (245, 147, 34), (8, 119, 189)  # the ramp's ends
MAX_SHOWN = 12  # neurons drawn per layer at most (the rest: "+k more")
MIN_THUMB = 16.0  # px at scale 1: fewer neurons are shown per layer rather than smaller
MAX_THUMB = 72.0  # px at scale 1
CELL_BUDGET = 12000  # grid cells drawn per frame over every thumbnail (draw-call budget)
MIN_CELL_PX = 2.0  # a thumbnail draws at most one cell per this many pixels
DEAD_VEIL = th.col32(128, 128, 128, 0.55)
# training warnings (info["warnings"], glgan.compute.diagnose's names) repeated in the header
# of the network they are about
WARNING_NETS = {"dead_d": "d", "saturated_d": "d", "mode_collapse": "g"}
WARNING_TEXT = th.col32(170, 110, 0)


# -- open / closed ------------------------------------------------------------------------------

def open_net(ui: UiState) -> str | None:
    """The network whose view is open ("g" or "d"), or None (app.py: compute the picture)."""
    return ui.network if ui.network in TITLES else None


def set_open(ui: UiState, net: str | None) -> None:
    """Open the view of ``net`` ("g" / "d"), or close it (None)."""
    if net is None or net in TITLES:
        ui.network = net
    else:
        raise ValueError(f"net={net!r}: choose from {', '.join(TITLES)}")


def toggle(ui: UiState, net: str) -> None:
    """A click on a network's node in the graph: open its view, or close it when open."""
    set_open(ui, None if open_net(ui) == net else net)


# -- colours ------------------------------------------------------------------------------------

def sign_u32(t: np.ndarray | float, alpha: float = 1.0) -> np.ndarray:
    """Values in [-1, 1] on the sign-diverging ramp (orange - / neutral 0 / blue +), IM_COL32."""
    t = np.clip(np.nan_to_num(np.asarray(t, np.float64)), -1.0, 1.0)
    return th.prgn_u32(0.5 + 0.5 * t, alpha, SIGN_STOPS)


def link_style(w: float, scale: float, px: float = 1.0) -> tuple[int, float]:
    """(colour, width in px) of a link of weight ``w`` when the network's largest |weight| is
    ``scale``: blue for w > 0, orange for w < 0, grey for 0; width and opacity grow with |w|."""
    m = min(abs(float(w)) / scale, 1.0) if scale > 0 and np.isfinite(w) else 0.0
    if not np.isfinite(w) or w == 0:
        return th.col32(150, 150, 150, 0.3), 0.5 * px
    return th.col32(*(POS_RGB if w > 0 else NEG_RGB), 0.25 + 0.75 * m), (0.5 + 3.5 * m) * px


def bias_style(b: float, scale: float, px: float = 1.0) -> tuple[int, float]:
    """(colour, thickness in px) of a neuron's border for its bias ``b`` (the largest |bias|
    of the network is ``scale``): coloured by sign like the links, thicker when larger."""
    m = min(abs(float(b)) / scale, 1.0) if scale > 0 and np.isfinite(b) else 0.0
    if m == 0.0:
        return th.PLOT_BORDER, 1.0 * px
    return th.col32(*(POS_RGB if b > 0 else NEG_RGB)), (1.0 + 2.5 * m) * px


def neuron_values(layer: Any, picture: Any) -> np.ndarray:
    """A layer's activations mapped for colouring: [-1, 1] on the sign ramp for input, hidden
    and G's output layers (inputs: low end to high end of the domain; hidden ReLUs: 0 to each
    neuron's own maximum; G's tanh outputs as they are; a Wasserstein critic's raw value
    centred at its median, scaled to its largest distance from it), D's output as
    probabilities [0, 1]."""
    a = np.asarray(layer.activations[:MAX_SHOWN], np.float64)  # only what can be drawn
    if layer.kind == "output" and getattr(picture, "critic", False):
        c = np.asarray(picture.logits, np.float64)
        c = c - np.nanmedian(c)
        top = float(np.nanmax(np.abs(c), initial=0.0))
        return c / top if np.isfinite(top) and top > 0 else np.zeros_like(c)
    if layer.kind == "input":
        lo = np.array(picture.domain[:1] if a.ndim == 2 else picture.domain[:2])
        hi = np.array(picture.domain[1:2] if a.ndim == 2 else picture.domain[2:4])
        shape = (-1,) + (1,) * (a.ndim - 1)
        return 2.0 * (a - lo.reshape(shape)) / (hi - lo).reshape(shape) - 1.0
    if layer.kind == "hidden":
        top = a.reshape(len(a), -1).max(axis=1, initial=0.0)
        top = np.where(np.isfinite(top) & (top > 0), top, 1.0)
        return a / top.reshape((-1,) + (1,) * (a.ndim - 1))
    return a


def layer_colors(layer: Any, picture: Any, ramp: tuple[str, ...], gamma: float) -> np.ndarray:
    """IM_COL32 per grid cell (n, res, res) of a 2-D-input layer."""
    v = neuron_values(layer, picture)
    if layer.kind == "output" and picture.net == "d" and not getattr(picture, "critic", False):
        return th.prgn_u32(np.nan_to_num(v, nan=0.5), 1.0, ramp, gamma)
    return sign_u32(v)


# -- layout -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    """One layer's place: its shown neurons' thumbnails (x, y, side) and what is left out."""

    x: float  # the column's centre
    rects: tuple[thumbs.Rect, ...]
    more: int  # neurons not shown


def plan(sizes: tuple[int, ...], rect: RectXYWH, scale: float = 1.0,
         name_rows: tuple[bool, ...] | None = None) -> list[Column]:
    """Columns for layers of ``sizes`` in ``rect`` (x, y, w, h): at most ``MAX_SHOWN`` and as
    many as fit at ``MIN_THUMB`` px per layer, every thumbnail the same size. ``name_rows``:
    layers whose neurons carry a name above them (they keep a line free)."""
    x, y, w, h = rect
    line = imgui.get_text_line_height() if imgui.get_current_context() else 15.0 * scale
    h_av = max(h - line - 4, 1.0)  # room under the last neuron for "+k more"
    fit = max(1, int(h_av // (MIN_THUMB * scale * 1.3)))
    shown = [min(n, MAX_SHOWN, fit) for n in sizes]
    pitch = w / max(len(sizes), 1)
    side = min(pitch * 0.5, MAX_THUMB * scale, h_av / (max(shown) * 1.3))
    side = max(side, 4.0)
    names = name_rows or (False,) * len(sizes)
    out = []
    for i, (n, k) in enumerate(zip(sizes, shown, strict=True)):
        cx = x + (i + 0.5) * pitch
        gap = max(0.3 * side, line + 4) if names[i] else 0.3 * side
        total = k * side + (k - 1) * gap
        top = y + max((h_av - total) / 2, 0.0)
        rects = tuple((cx - side / 2, top + j * (side + gap), side) for j in range(k))
        out.append(Column(cx, rects, n - k))
    return out


def cells_per_side(res: int, side_px: float, thumbnails: int) -> int:
    """Grid cells drawn per side of one thumbnail: the picture's resolution, fewer when the
    thumbnail is small (``MIN_CELL_PX``) or when every thumbnail together would pass
    ``CELL_BUDGET``."""
    by_px = int(side_px // MIN_CELL_PX)
    by_budget = int(np.sqrt(CELL_BUDGET / max(thumbnails, 1)))
    return max(2, min(res, by_px, by_budget))


def link_segments(picture: Any, columns: list[Column], px: float = 1.0
                  ) -> list[tuple[tuple[float, float], tuple[float, float], int, float]]:
    """(start, end, colour, width) of every link between shown neurons, from the right edge of
    a neuron to the left edge of the next layer's neuron, by the weight between them."""
    scale = max((float(np.nanmax(np.abs(layer.weights), initial=0.0))
                 for layer in picture.layers if layer.weights is not None), default=0.0)
    out = []
    for i in range(1, len(columns)):
        W = picture.layers[i].weights
        for a, (ax, ay, s_a) in enumerate(columns[i - 1].rects):
            for b, (bx, by, s_b) in enumerate(columns[i].rects):
                col, width = link_style(W[a, b], scale, px)
                out.append(((ax + s_a, ay + s_a / 2), (bx, by + s_b / 2), col, width))
    return out


# -- drawing ------------------------------------------------------------------------------------

def _colors(picture: Any, ui: UiState) -> list[np.ndarray | None]:
    """The shown neurons' thumbnail colours, kept in ``ui.network_colors`` until the picture
    or the ramp changes."""
    st = view_style(ui.palette, ui.theme)
    kept = ui.network_colors
    if kept is None or kept[0] is not picture or kept[1] != (st.ramp, st.ramp_gamma):
        cols = [layer_colors(layer, picture, st.ramp, st.ramp_gamma)
                if np.asarray(layer.activations).ndim == 3 else None for layer in picture.layers]
        ui.network_colors = kept = (picture, (st.ramp, st.ramp_gamma), cols)
    return kept[2]


def _grid_thumb(dl, r: thumbs.Rect, colors: np.ndarray, cells: int) -> None:
    """A (res, res) colour grid (row 0 at the bottom) as cells x cells rectangles."""
    x, y, s = r
    res = colors.shape[0]
    idx = ((np.arange(cells) + 0.5) * res / cells).astype(int)
    sub = colors[np.ix_(idx, idx)]
    if (sub == sub.flat[0]).all():  # flat (a dead ReLU): one rectangle
        dl.add_rect_filled((x, y), (x + s, y + s), int(sub.flat[0]))
        return
    ex = np.round(x + np.arange(cells + 1) * s / cells).tolist()
    ey = np.round(y + s - np.arange(cells + 1) * s / cells).tolist()
    rows = sub.tolist()
    for j in range(cells):
        top, bottom, row = ey[j + 1], ey[j], rows[j]
        for i in range(cells):
            dl.add_rect_filled((ex[i], top), (ex[i + 1], bottom), row[i])


def _curve_thumb(dl, r: thumbs.Rect, values: np.ndarray, col: int, zero: float | None) -> None:
    """A 1-D-noise neuron: its value (mapped to [0, 1], up) along the noise interval."""
    x, y, s = r
    thumbs.frame(dl, r, th.PLOT_BG, 0)
    if zero is not None:
        dl.add_line((x, y + s * (1 - zero)), (x + s, y + s * (1 - zero)), th.PLOT_BORDER)
    v = np.clip(np.nan_to_num(values), 0.0, 1.0)
    px = x + np.linspace(0.0, s, len(v))
    py = y + s * (1.0 - 0.06 - 0.88 * v)
    dl.add_polyline([imgui.ImVec2(a, b) for a, b in zip(px.tolist(), py.tolist(), strict=True)],
                    col, max(1.0, s / 40), 0)


def _tooltip(picture: Any, li: int, i: int) -> str:
    layer = picture.layers[li]
    where = ("the plane shown" if picture.net == "d" else
             "the noise square" if len(picture.domain) == 4 else "the noise interval")
    name = layer.names[i] if i < len(layer.names) else f"neuron {i + 1}"
    head = {"input": "input", "output": "output",
            "hidden": f"hidden layer {li}"}[layer.kind] + f": {name}"
    if layer.kind == "input":
        return f"{head}\nthe network's input over {where}"
    critic = layer.kind == "output" and getattr(picture, "critic", False)
    a = np.asarray(picture.logits[0] if critic else layer.activations[i])
    lines = [head, f"bias {float(layer.biases[i]):+.3f}",
             f"{'critic value' if critic else 'output'} {float(np.nanmin(a)):.3g} .. "
             f"{float(np.nanmax(a)):.3g} over {where}"]
    if layer.dead[i]:
        lines.append("dead: the ReLU is off everywhere here (no gradient reaches its weights)")
    return "\n".join(lines)


def _header(ui: UiState, picture: Any, warnings: list[dict[str, Any]]) -> None:
    sizes = " -> ".join(str(n) for n in picture.sizes)
    if picture.net == "d":
        x0, y0, x1, y1 = picture.domain
        where = f"over x in [{x0:g}, {x1:g}], y in [{y0:g}, {y1:g}]"
    else:
        where = "over the noise square [0, 1]^2" if len(picture.domain) == 4 else \
            "over the noise interval [0, 1]"
    imgui.text_wrapped(f"{sizes} neurons, epoch {picture.epoch:,}: each neuron's output "
                       f"{where}")
    hidden = sum(layer.size for layer in picture.hidden)
    dead = picture.dead_count
    here = "in the plane shown" if picture.net == "d" else "for every noise"
    text = f"{dead} of {hidden} hidden ReLUs dead (0 everywhere {here})"
    if picture.dead_layers:  # the network's output is constant: say so loudly
        which = ", ".join(str(i) for i in picture.dead_layers)
        net = "D" if picture.net == "d" else "G"
        text += (f". Every ReLU of hidden layer {which} is dead: {net} gives the same output "
                 "everywhere" + (" (a dead D: G gets no gradient)" if net == "D" else ""))
        imgui.push_style_color(imgui.Col_.text, th.vec4(th.ERROR_BG))
    else:
        imgui.push_style_color(imgui.Col_.text, imgui.get_style_color_vec4(
            imgui.Col_.text_disabled))
    imgui.text_wrapped(text)
    imgui.pop_style_color()
    hook(ui, "network_dead")
    for w in warnings:  # the training warnings about this network (the box may be under us)
        if WARNING_NETS.get(w.get("name")) == picture.net:
            imgui.text_colored(th.vec4(WARNING_TEXT), f"! {w.get('title', w['name'])}")
            hook(ui, f"network_warning:{w['name']}")
    imgui.push_style_color(imgui.Col_.text, imgui.get_style_color_vec4(imgui.Col_.text_disabled))
    imgui.text_wrapped("links: weights (blue +, orange -, width |w|); border: bias; hidden "
                       "neurons scaled to their own maximum")
    imgui.pop_style_color()


def _draw_picture(ui: UiState, picture: Any, rect: RectXYWH) -> None:
    dl = imgui.get_window_draw_list()
    names = tuple(bool(layer.names) for layer in picture.layers)
    line = imgui.get_text_line_height()
    x0, y0, w0, h0 = rect
    cols = plan(tuple(picture.sizes), (x0, y0, w0, h0 - 2 * line - 4), ui.scale, names)
    shown = sum(len(c.rects) for c in cols)
    px = max(ui.scale, 0.5)
    for a, b, col, width in link_segments(picture, cols, px):
        dl.add_line(a, b, col, width)
    colors = _colors(picture, ui)
    pitch_px = w0 / max(len(cols), 1)  # each layer's column width
    bscale = max((float(np.nanmax(np.abs(layer.biases), initial=0.0))
                  for layer in picture.layers if layer.biases is not None), default=0.0)
    text_col = imgui.get_color_u32(imgui.Col_.text)
    tip = ""
    with thumbs.no_aa_fill(dl):
        for li, (layer, col) in enumerate(zip(picture.layers, cols, strict=True)):
            for i, r in enumerate(col.rects):
                x, y, s = r
                if colors[li] is not None:
                    cells = cells_per_side(colors[li].shape[-1], s, shown)
                    _grid_thumb(dl, r, colors[li][i], cells)
                else:
                    v = neuron_values(layer, picture)[i]
                    if layer.kind == "hidden":  # 0 .. the neuron's maximum
                        curve, zero = v, None
                    else:  # the input, G's tanh outputs: -1 .. 1
                        curve, zero = 0.5 + 0.5 * v, 0.5
                    c = th.G_COLOR if layer.kind == "output" else th.col32(*POS_RGB)
                    _curve_thumb(dl, r, curve, c, zero)
                if layer.biases is not None:
                    bc, bw = bias_style(layer.biases[i], bscale, px)
                else:
                    bc, bw = th.PLOT_BORDER, px
                dl.add_rect((x, y), (x + s, y + s), bc, 0.0, bw)
                if layer.dead[i]:
                    dl.add_rect_filled((x, y), (x + s, y + s), DEAD_VEIL)
                    t = "dead"
                    tw = imgui.calc_text_size(t).x
                    dl.add_text((x + (s - tw) / 2, y + (s - line) / 2), 0xFFFFFFFF, t)
                if i < len(layer.names):
                    t = layer.names[i]
                    tw = imgui.calc_text_size(t).x
                    dl.add_text((x + (s - tw) / 2, y - line - 1), text_col, t)
                label = f"neuron:{picture.net}:{li}:{i}"
                ui.record_rect(label, imgui.ImVec2(x, y), imgui.ImVec2(x + s, y + s))
                if imgui.is_window_hovered() and imgui.is_mouse_hovering_rect((x, y),
                                                                              (x + s, y + s)):
                    tip = _tooltip(picture, li, i)
            if col.more:
                t = f"+{col.more} more"
                tw = imgui.calc_text_size(t).x
                if tw > pitch_px * 0.95:  # a narrow column: the short form
                    t = f"+{col.more}"
                    tw = imgui.calc_text_size(t).x
                x, y, s = col.rects[-1]
                pos = (col.x - tw / 2, y + s + 3)
                dl.add_text(pos, imgui.get_color_u32(imgui.Col_.text_disabled), t)
                ui.record_rect(f"neuron_more:{picture.net}:{li}", imgui.ImVec2(*pos),
                               imgui.ImVec2(pos[0] + tw, pos[1] + line))
    pitch = w0 / max(len(cols), 1)
    for li, (layer, col) in enumerate(zip(picture.layers, cols, strict=True)):
        head = {"input": "input", "output": "output"}.get(layer.kind, f"hidden {li}")
        if imgui.calc_text_size(head).x > pitch * 0.95:  # a narrow column
            head = {"input": "in", "output": "out"}.get(layer.kind, f"h{li}")
        for row, t in enumerate((head, str(layer.size))):  # under the column: name, width
            tw = imgui.calc_text_size(t).x
            dl.add_text((col.x - tw / 2, y0 + h0 - (2 - row) * line), text_col, t)
    if tip:
        imgui.set_tooltip(tip)


def draw_network_view(ui: UiState, picture: Any, view: RectXYWH,
                      warnings: list[dict[str, Any]] | None = None) -> None:
    """The network view over the main view ``view`` (x, y, w, h), above its timeline bar,
    while one is open.

    ``picture``: glgan.compute.inspect's NetworkPicture of the open network (None, or another
    network's, while app.py has not computed it yet: a short note is shown instead).
    ``warnings``: ``info["warnings"]``; those about this network are named in the header
    (the dead-D warning next to the dead ReLUs that cause it)."""
    net = open_net(ui)
    if net is None:
        return
    # Esc closes on its release: the window (window.py) quits on Esc only while no view is
    # open, and it looks before the overlay's frame, so the Esc that closes never quits too
    if imgui.is_key_released(imgui.Key.escape) and not imgui.get_io().want_text_input:
        set_open(ui, None)
        return
    x, y, w, h = view
    h -= (TIMELINE_BAR_H + 12.0) * ui.scale  # the timeline bar stays usable under the view
    if w < 1 or h < 1:
        return
    imgui.set_next_window_pos(imgui.ImVec2(x, y), imgui.Cond_.always)
    imgui.set_next_window_size(imgui.ImVec2(w, h), imgui.Cond_.always)
    flags = (imgui.WindowFlags_.no_collapse | imgui.WindowFlags_.no_saved_settings
             | imgui.WindowFlags_.no_move | imgui.WindowFlags_.no_resize
             | imgui.WindowFlags_.no_scrollbar)
    expanded, keep_open = imgui.begin(f"Inside the {TITLES[net]}###network_view", True, flags)
    if expanded:
        pos, size = imgui.get_window_pos(), imgui.get_window_size()
        ui.record_rect("network", pos, imgui.ImVec2(pos.x + size.x, pos.y + size.y))
        if button(ui, "Close", "Back to the overview (Esc, or click the node in the graph "
                                "again)", key="network_close"):
            keep_open = False
        imgui.same_line()
        ok = picture is not None and getattr(picture, "net", None) == net
        if not ok:
            imgui.text_disabled("computing...")
        else:
            _header(ui, picture, warnings or [])
            p = imgui.get_cursor_screen_pos()
            avail = imgui.get_content_region_avail()
            pad = 8.0 * ui.scale
            rect = (p.x + pad, p.y + pad, avail.x - 2 * pad, avail.y - 2 * pad)
            if rect[2] > 20 and rect[3] > 20:
                _draw_picture(ui, picture, rect)
    imgui.end()
    if not keep_open:
        set_open(ui, None)
