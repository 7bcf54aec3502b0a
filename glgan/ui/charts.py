"""Charts: the decimating metric history and its implot panels (losses, KL/JS over the run).

The data lives in ``glgan.history.History`` (the engine records it; ``ChartHistory``
is the same class); this module only draws it.
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


def draw_charts(history: ChartHistory | None, height: float, ui_scale: float = 1.0) -> None:
    """Two implot charts, stacked: D/G loss and KL/JS divergence (bits) against epoch."""
    if history is None or history.total == 0:
        imgui.text_disabled("Charts appear once training starts.")
        return
    t = history.table()
    # at most ~2 points per horizontal pixel: more cannot be seen and only costs vertices
    max_points = max(64, int(2 * imgui.get_content_region_avail().x))
    if len(t) > max_points:
        keep = np.unique(np.linspace(0, len(t) - 1, max_points).astype(np.int64))
        t = t[keep]  # evenly spaced rows, first and last included
    xs = np.ascontiguousarray(t[:, 0])
    size = imgui.ImVec2(-1, max(height, 80.0))
    weight = 1.5 * ui_scale
    flags = implot.Flags_.no_menus | implot.Flags_.no_box_select
    axis = implot.AxisFlags_.auto_fit
    for title, cols in (
        ("Losses",
         (("Discriminator loss", 1, theme.CHART_D), ("Generator loss", 2, theme.CHART_G))),
        ("Divergence (bits)",
         (("KL (by grid)", 3, theme.CHART_KL), ("JS (by grid)", 4, theme.CHART_JS))),
    ):
        if implot.begin_plot(title, size, flags):
            try:  # ImGui's error recovery does not close an ImPlot plot: always end it
                implot.setup_axes("epoch", "", axis, axis)
                implot.setup_legend(implot.Location_.north_east)
                for label, col, rgb in cols:
                    _plot(label, xs, np.ascontiguousarray(t[:, col]), rgb, weight)
            finally:
                implot.end_plot()
