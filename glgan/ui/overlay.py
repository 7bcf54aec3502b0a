"""Overlay: the one object app.py holds for the whole UI layer.

Owns the ImGui and ImPlot contexts, the font, the moderngl ``ImguiRenderer``, the input
forwarder (``ImguiInput``), the ``UiState`` and the ``ChartHistory``. Per frame app.py calls
``frame(...)`` (build the UI, get commands) and later ``render()`` (draw it into the bound
framebuffer), and asks ``layout().view_square()`` where to draw the main view.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import moderngl
from imgui_bundle import imgui, implot

from glgan.config import GanConfig
from glgan.frame import FrameData
from glgan.ui.charts import ChartHistory
from glgan.ui.commands import Command
from glgan.ui.imgui_renderer import ImguiRenderer
from glgan.ui.input import ImguiInput
from glgan.ui.layout import Layout
from glgan.ui.panels import apply_theme_if_changed, draw_overlay, layout_for
from glgan.ui.state import UiState
from glgan.ui.theme import configure_io

log = logging.getLogger(__name__)


class _NoKeys:
    """Stand-in keys class (no key codes) for overlays without a window, e.g. offscreen."""

    ACTION_PRESS = "ACTION_PRESS"
    ACTION_RELEASE = "ACTION_RELEASE"


class Overlay:
    """The UI layer: create once after the GL context, ``shutdown()`` before it goes away.

    Args:
        ctx: any moderngl context (window or standalone EGL).
        size: window size in logical pixels.
        fb_scale: framebuffer pixels per logical pixel (HiDPI), e.g. ``wnd.pixel_ratio``.
        keys, mouse: the window's ``wnd.keys`` / ``wnd.mouse`` (for input forwarding).
        history_capacity: the charts keep about twice this many points.
        history: draw this (e.g. the engine's) instead of recording one from the frames.
    """

    def __init__(self, ctx: moderngl.Context, size: tuple[int, int],
                 fb_scale: tuple[float, float] = (1.0, 1.0), keys: Any = None,
                 mouse: Any = None, history_capacity: int = 1000,
                 history: ChartHistory | None = None) -> None:
        self.imgui_ctx = imgui.create_context()
        imgui.set_current_context(self.imgui_ctx)
        self.implot_ctx = implot.create_context()
        configure_io(imgui.get_io())
        self.renderer = ImguiRenderer(ctx, size, fb_scale)
        self.input = ImguiInput(keys if keys is not None else _NoKeys, mouse)
        self.ui = UiState()
        # An engine's own history (recorded as it trains) is drawn as is; without one the
        # overlay records a point per new epoch it is shown.
        self._feed = history is None
        self.history = history if history is not None else ChartHistory(history_capacity)
        self._last_epoch: int | None = None

    # -- per frame ---------------------------------------------------------------------------

    def observe(self, frame: FrameData | None) -> None:
        """Feed the charts: one point per new epoch; a smaller epoch (reset) clears them."""
        if frame is None or not self._feed:
            return
        if self._last_epoch is not None and frame.epoch < self._last_epoch:
            self.history.clear()
        if frame.epoch != self._last_epoch:
            finite = any(math.isfinite(v) for v in (frame.d_loss, frame.g_loss, frame.kl,
                                                    frame.js))
            if finite:
                self.history.append(frame.epoch, frame.d_loss, frame.g_loss, frame.kl, frame.js)
            self._last_epoch = frame.epoch

    def frame(self, cfg: GanConfig, frame: FrameData | None, info: dict[str, Any] | None = None,
              dt: float = 1 / 60) -> list[Command]:
        """Build this frame's UI and return the commands for app.py to apply, in order."""
        imgui.set_current_context(self.imgui_ctx)
        self.observe(frame)
        apply_theme_if_changed(self.ui)
        imgui.get_io().delta_time = max(float(dt), 1e-4)
        imgui.new_frame()
        state = imgui.internal.ErrorRecoveryState()
        imgui.internal.error_recovery_store_state(state)
        try:
            commands = draw_overlay(self.ui, cfg, frame, self.history, info or {})
        except Exception as e:  # close what the failed panel left open; the UI stays usable
            log.exception("overlay frame failed")
            io = imgui.get_io()
            io.config_error_recovery_enable_assert = False
            imgui.internal.error_recovery_try_to_recover_state(state)
            io.config_error_recovery_enable_assert = True
            self.ui.error = f"internal UI error ({type(e).__name__}: {e})"
            commands = []
        imgui.render()
        return commands

    def render(self) -> None:
        """Draw the UI built by the last ``frame()`` into the bound framebuffer."""
        imgui.set_current_context(self.imgui_ctx)
        self.renderer.render(imgui.get_draw_data())

    def layout(self) -> Layout:
        """Where the panels are; ``layout().view_square()`` is the main view's square."""
        imgui.set_current_context(self.imgui_ctx)  # another overlay may have been current
        return layout_for(self.ui)

    @property
    def wants_mouse(self) -> bool:
        """True when the pointer is over a panel: the main view should ignore the mouse."""
        return self.input.wants_mouse

    def resize(self, width: int, height: int, fb_scale: tuple[float, float] | None = None) -> None:
        self.renderer.resize(width, height, fb_scale)

    def shutdown(self) -> None:
        """Release GL objects and the ImGui/ImPlot contexts. Idempotent."""
        if self.imgui_ctx is None:
            return
        imgui.set_current_context(self.imgui_ctx)
        self.renderer.shutdown()
        implot.destroy_context(self.implot_ctx)
        imgui.destroy_context(self.imgui_ctx)
        self.imgui_ctx = None
