"""glgan.ui: the Dear ImGui overlay (imgui-bundle >= 1.92) of the interactive app.

Owns everything the user sees around the main view: top bar, model overview graph, layer
toggles and legend, hyperparameters, charts, drawing canvas, help and status. Panels never
touch GL or the engine; they return ``Command``s for app.py. GL lives only in
``imgui_renderer`` (and ``overlay``, which bundles renderer, input, state and charts).

Typical use (app.py)::

    from glgan.ui.overlay import Overlay
    overlay = Overlay(ctx, wnd.size, (wnd.pixel_ratio,) * 2, wnd.keys, wnd.mouse)
    commands = overlay.frame(cfg, frame_data, info, frame_time)   # then apply them
    overlay.render()                                              # after drawing the scene
"""

from glgan.layers import LAYER_NAMES, Layers
from glgan.ui.charts import ChartHistory
from glgan.ui.commands import UI_ONLY, Command
from glgan.ui.layout import Layout, compute_layout
from glgan.ui.panels import draw_overlay
from glgan.ui.state import DrawingState, UiState

__all__ = [
    "LAYER_NAMES", "UI_ONLY", "ChartHistory", "Command", "DrawingState", "Layers", "Layout",
    "UiState", "compute_layout", "draw_overlay",
]
