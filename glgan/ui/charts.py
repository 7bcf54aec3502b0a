"""Charts: the decimating metric history and its implot panels (losses, KL/JS over the run).

The data lives in ``glgan.history.History`` (the engine records it; ``ChartHistory``
is the same class); this module only draws it. The legend sits above the plot, never over
the data, and the y range is padded (``padded_range``) so a flat curve or one along the range's
edge is drawn inside the plot, not on its border.
"""

from __future__ import annotations

import numpy as np
from imgui_bundle import imgui, implot

from glgan.history import History
from glgan.ui import theme

ChartHistory = History  # the engine's history is what the charts draw


def _plot(label: str, xs: np.ndarray, ys: np.ndarray, rgb: tuple[float, float, float],
          weight: float) -> None:
    spec = implot.Spec(line_color=imgui.ImVec4(*rgb, 0.9), line_weight=weight,
                       flags=implot.LineFlags_.skip_nan)
    implot.plot_line(label, xs, ys, spec=spec)


# one colour per run when runs are compared (Okabe-Ito, then Tableau: distinct for 16)
RUN_COLOURS = ((0.0, 0.45, 0.70), (0.90, 0.62, 0.0), (0.0, 0.62, 0.45), (0.80, 0.40, 0.0),
               (0.80, 0.47, 0.65), (0.34, 0.71, 0.91), (0.55, 0.55, 0.55), (0.94, 0.89, 0.26),
               (0.12, 0.47, 0.71), (1.0, 0.50, 0.05), (0.17, 0.63, 0.17), (0.84, 0.15, 0.16),
               (0.58, 0.40, 0.74), (0.55, 0.34, 0.29), (0.89, 0.47, 0.76), (0.74, 0.74, 0.13))


def _table(history: ChartHistory) -> np.ndarray:
    """The history's rows, at most ~2 per horizontal pixel (more cannot be seen and only
    cost vertices): evenly spaced rows, first and last included."""
    t = history.table()
    max_points = max(64, int(2 * imgui.get_content_region_avail().x))
    if len(t) > max_points:
        keep = np.unique(np.linspace(0, len(t) - 1, max_points).astype(np.int64))
        t = t[keep]
    return t


Y_PAD = 0.08  # of the data's span, added above and below
FLAT_SPAN = 0.1  # the span shown around a flat curve, relative to its size (at least 1)


def padded_range(columns: list[np.ndarray]) -> tuple[float, float] | None:
    """The y range that shows every finite value of ``columns`` with a margin: ``Y_PAD`` of
    the span on both sides, and a flat curve (or a single point) in the middle of a band of
    ``FLAT_SPAN``. None when there is no finite value."""
    finite = [c[np.isfinite(c)] for c in columns]
    finite = [c for c in finite if len(c)]
    if not finite:
        return None
    lo = float(min(c.min() for c in finite))
    hi = float(max(c.max() for c in finite))
    size = max(abs(lo), abs(hi), 1.0)
    if hi - lo < 1e-6 * size:  # flat: centre it
        mid = (lo + hi) / 2
        lo, hi = mid - FLAT_SPAN * size / 2, mid + FLAT_SPAN * size / 2
    pad = Y_PAD * (hi - lo)
    return lo - pad, hi + pad


def _legend(labels: list[str]) -> None:
    """Above the plot: in one line when the entries fit the width, else in a column right of
    the plot (many compared runs)."""
    swatch = imgui.get_font_size() * 1.6
    width = sum(imgui.calc_text_size(t).x + swatch for t in labels)
    if width <= imgui.get_content_region_avail().x * 0.9:
        implot.setup_legend(implot.Location_.north,
                            implot.LegendFlags_.outside | implot.LegendFlags_.horizontal)
    else:
        implot.setup_legend(implot.Location_.north_east, implot.LegendFlags_.outside)


def draw_charts(history: ChartHistory | None, height: float, ui_scale: float = 1.0,
                runs: list[tuple[str, ChartHistory]] | None = None, focus: int = 0,
                ghosts: list[ChartHistory] | None = None) -> None:
    """Two implot charts, stacked: D/G loss and KL/JS divergence (bits) against epoch. With
    ``runs`` (label, history) compared side by side: every run in its colour, named by its
    label in the legend (D loss and KL solid; G loss and JS fainter, the focused run bolder).
    ``ghosts``: the histories of old branches (the futures a change in the past replaced),
    drawn faintly in grey behind."""
    if runs:
        if all(h.total == 0 for _, h in runs):
            imgui.text_disabled("Charts appear once training starts.")
            return
        series = [(label, _table(h), RUN_COLOURS[i % len(RUN_COLOURS)], i == focus)
                  for i, (label, h) in enumerate(runs) if h.total]
    elif history is None or history.total == 0:
        imgui.text_disabled("Charts appear once training starts.")
        return
    else:
        series = [(None, _table(history), None, True)]
    size = imgui.ImVec2(-1, max(height, 80.0))
    flags = implot.Flags_.no_menus | implot.Flags_.no_box_select
    ghost_tables = [_table(g) for g in ghosts or [] if g.total]
    # (title in compare mode, where the legend names the runs; the quantities)
    for title, cols in (
        ("D loss (solid), G loss (faint)",
         (("Discriminator loss", 1, theme.CHART_D), ("Generator loss", 2, theme.CHART_G))),
        ("KL (solid), JS (faint), bits",
         (("KL (bits, by grid)", 3, theme.CHART_KL), ("JS (bits, by grid)", 4, theme.CHART_JS))),
    ):
        tables = [t for _, t, _, _ in series] + ghost_tables
        y_range = padded_range([t[:, col] for t in tables for _, col, _ in cols])
        if series[0][0] is None:  # one run: the legend names the curves, no title needed
            title = f"##{cols[0][0]}"
        if implot.begin_plot(title, size, flags):
            try:  # ImGui's error recovery does not close an ImPlot plot: always end it
                implot.setup_axes("", "", implot.AxisFlags_.auto_fit, implot.AxisFlags_.none)
                if y_range is not None:
                    implot.setup_axis_limits(implot.ImAxis_.y1, *y_range, implot.Cond_.always)
                _legend([label for label, _, _ in cols] if series[0][0] is None
                        else [run_label for run_label, _, _, _ in series])
                for g, t in enumerate(ghost_tables):
                    for k, (_, col, _) in enumerate(cols):
                        spec = implot.Spec(line_color=imgui.ImVec4(0.55, 0.55, 0.55, 0.35),
                                           line_weight=1.0 * ui_scale,
                                           flags=implot.LineFlags_.skip_nan)
                        implot.plot_line(f"##ghost{g}_{k}", np.ascontiguousarray(t[:, 0]),
                                         np.ascontiguousarray(t[:, col]), spec=spec)
                for run_label, t, run_rgb, bold in series:
                    xs = np.ascontiguousarray(t[:, 0])
                    weight = (1.5 if bold else 1.0) * ui_scale
                    for k, (label, col, rgb) in enumerate(cols):
                        if run_label is None:
                            _plot(label, xs, np.ascontiguousarray(t[:, col]), rgb, weight)
                        else:  # the second quantity fainter, without its own legend entry
                            name = run_label if k == 0 else f"##{run_label}{k}"
                            faded = run_rgb if k == 0 else tuple(0.55 + 0.45 * c
                                                                 for c in run_rgb)
                            _plot(name, xs, np.ascontiguousarray(t[:, col]), faded, weight)
            finally:
                implot.end_plot()
