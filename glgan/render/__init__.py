"""glgan.render: GAN Lab's layered distribution view in OpenGL 3.3 core (moderngl).

Takes ``glgan.frame.FrameData`` only (never imports ``glgan.compute``). Public API:

- ``LayeredView(ctx, slots=1)``: ``.update(frame, slot=)``, ``.draw(viewport, view, layers,
  time_s, slot=)``, ``.draw_cells(cells, view, layers, time_s, normalized)`` (every slot in
  its cell, one draw call per layer), ``.slot(i)`` (one run's view),
  ``.draw_noise(viewport, layers)``, ``.reload_shaders()``, ``.release()``
- ``Layers`` / ``parse_layers("heatmap,real,fake")``: layer switches and drawing options
- ``View``: shown data rectangle, zoom/pan, data <-> pixel conversion
- ``OffscreenRenderer`` / ``render_frame(frame, size)`` / ``save_png(array, path)``: headless
- ``ShaderLibrary`` / ``ShaderError``: ``shaders/*.glsl`` loading with file:line errors
- ``bench_render()``: frames/s of the full view
"""

from glgan.layers import LAYER_NAMES, Layers, parse_layers
from glgan.render.bench import bench_render
from glgan.render.layered_view import LayeredView
from glgan.render.offscreen import OffscreenRenderer, create_egl_context, render_frame, save_png
from glgan.render.shaders import ShaderError, ShaderLibrary
from glgan.render.view import View

__all__ = [
    "LAYER_NAMES",
    "LayeredView",
    "Layers",
    "OffscreenRenderer",
    "ShaderError",
    "ShaderLibrary",
    "View",
    "bench_render",
    "create_egl_context",
    "parse_layers",
    "render_frame",
    "save_png",
]
