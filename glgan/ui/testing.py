"""Testing: drive the overlay with synthetic input and no GL (a "null renderer").

Owns ``NullUi``, which runs real ImGui frames of ``draw_overlay`` without any OpenGL: it sets
``io.display_size`` and ``renderer_has_textures`` and marks ImGui's texture requests as done
after each frame. Widgets are found through ``UiState.debug_rects`` (recorded while drawing),
so tests click, drag and type like a user. Used by tests/test_ui_*.py.
"""

from __future__ import annotations

from typing import Any

from imgui_bundle import imgui, implot

from glgan.config import GanConfig
from glgan.frame import FrameData
from glgan.ui.charts import ChartHistory
from glgan.ui.commands import Command
from glgan.ui.input import ImguiInput
from glgan.ui.panels import apply_theme_if_changed, draw_overlay
from glgan.ui.state import UiState
from glgan.ui.theme import configure_io

_KEY_NAMES = ("SPACE", "ENTER", "ESCAPE", "TAB", "BACKSPACE", "DELETE", "LEFT", "RIGHT", "HOME",
              "END", "PAGE_UP", "PAGE_DOWN", "EQUAL", "MINUS", "F1",
              "F5", "F9", "F12", *(chr(c) for c in range(ord("A"), ord("Z") + 1)),
              *(f"NUMBER_{i}" for i in range(10)))

# A moderngl-window keys class whose key codes are the key names themselves.
FakeKeys = type("FakeKeys", (), {"ACTION_PRESS": "press", "ACTION_RELEASE": "release",
                                 **{n: n for n in _KEY_NAMES}})


class _Mods:
    def __init__(self, ctrl: bool = False, shift: bool = False, alt: bool = False) -> None:
        self.ctrl, self.shift, self.alt = ctrl, shift, alt


class NullUi:
    """ImGui + ImPlot contexts and a UiState, stepped one frame at a time without GL."""

    def __init__(self, size: tuple[int, int] = (1600, 900), cfg: GanConfig | None = None,
                 frame: FrameData | None = None, info: dict[str, Any] | None = None) -> None:
        self.ctx = imgui.create_context()
        imgui.set_current_context(self.ctx)
        self.plot_ctx = implot.create_context()
        io = imgui.get_io()
        configure_io(io)
        io.display_size = imgui.ImVec2(*size)
        io.backend_flags |= imgui.BackendFlags_.renderer_has_textures
        self.ui = UiState(debug_rects={})
        self.cfg = cfg or GanConfig()
        self.frame_data = frame
        self.info = info or {}
        self.history = ChartHistory()
        self.input = ImguiInput(FakeKeys)
        self.apply_configs = True  # SetConfig commands update self.cfg, as app.py would

    def step(self, dt: float = 1 / 60) -> list[Command]:
        """One frame: build the overlay, 'render' it, return the commands it emitted."""
        from glgan.ui.commands import SetConfig

        imgui.set_current_context(self.ctx)
        apply_theme_if_changed(self.ui)
        imgui.get_io().delta_time = dt
        imgui.new_frame()
        try:
            out = draw_overlay(self.ui, self.cfg, self.frame_data, self.history, self.info)
        finally:
            imgui.render()
            for tex in imgui.get_platform_io().textures:
                if tex.status == imgui.ImTextureStatus.want_destroy:
                    tex.set_tex_id(0)  # as a renderer must, or ImGui asserts later
                    tex.status = imgui.ImTextureStatus.destroyed
                elif tex.status != imgui.ImTextureStatus.ok:
                    if not tex.tex_id:
                        tex.set_tex_id(1)
                    tex.status = imgui.ImTextureStatus.ok
        if self.apply_configs:
            for c in out:
                if isinstance(c, SetConfig):
                    self.cfg = c.config
        return out

    def frames(self, n: int) -> list[Command]:
        out: list[Command] = []
        for _ in range(n):
            out += self.step()
        return out

    # -- synthetic input ---------------------------------------------------------------------

    def rect(self, label: str) -> tuple[tuple[float, float], tuple[float, float]]:
        rects = self.ui.debug_rects or {}
        if label not in rects:
            raise KeyError(f"no widget {label!r} drawn; known: {sorted(rects)}")
        return rects[label]

    def point(self, label: str, fx: float = 0.5, fy: float = 0.5) -> tuple[float, float]:
        """A point inside a widget, at fractions (fx, fy) of its rectangle."""
        (x0, y0), (x1, y1) = self.rect(label)
        return (x0 + fx * (x1 - x0), y0 + fy * (y1 - y0))

    def move(self, x: float, y: float) -> list[Command]:
        imgui.set_current_context(self.ctx)
        self.input.mouse_position_event(x, y)
        return self.step()

    def click_at(self, x: float, y: float) -> list[Command]:
        out = self.move(x, y)
        self.input.mouse_press_event(x, y, 1)
        out += self.step()
        self.input.mouse_release_event(x, y, 1)
        out += self.step()
        return out + self.step()

    def click(self, label: str, fx: float = 0.5, fy: float = 0.5) -> list[Command]:
        return self.click_at(*self.point(label, fx, fy))

    def drag(self, points: list[tuple[float, float]]) -> list[Command]:
        """Press at the first point, move through the rest (one frame each), release."""
        out = self.move(*points[0])
        self.input.mouse_press_event(*points[0], 1)
        out += self.step()
        for p in points[1:]:
            self.input.mouse_drag_event(*p, 0, 0)
            out += self.step()
        self.input.mouse_release_event(*points[-1], 1)
        return out + self.step()

    def key(self, name: str, ctrl: bool = False, shift: bool = False) -> list[Command]:
        """Press and release a key (by moderngl-window name), Ctrl or Shift held when asked;
        shortcuts go via UiState."""
        imgui.set_current_context(self.ctx)
        mods = _Mods(ctrl=ctrl, shift=shift)
        self.ui.push(*self.input.key_event(name, FakeKeys.ACTION_PRESS, mods))
        out = self.step()
        self.ui.push(*self.input.key_event(name, FakeKeys.ACTION_RELEASE, mods))
        out += self.step()
        if ctrl or shift:  # the user lets go of Ctrl / Shift too
            imgui.get_io().add_key_event(imgui.Key.mod_ctrl, False)
            imgui.get_io().add_key_event(imgui.Key.mod_shift, False)
            out += self.step()
        return out

    def type_text(self, text: str) -> list[Command]:
        imgui.set_current_context(self.ctx)
        self.input.unicode_char_entered(text)
        return self.step()

    def close(self) -> None:
        imgui.set_current_context(self.ctx)
        implot.destroy_context(self.plot_ctx)
        imgui.destroy_context(self.ctx)
