"""Input: moderngl-window 3.x events -> Dear ImGui io, plus glgan's keyboard shortcuts.

Owns the one place where window events reach ImGui (``ImguiInput``) and the shortcut table.
Shortcuts become ``Command``s and fire only when ImGui does not want the keyboard (no text
field is active and keyboard navigation is not showing), so typing "s" into a field never
steps the GAN. ImGui's keyboard navigation is on: Tab walks the panels' widgets, Space/Enter
use one, Esc hands the keys back to the shortcuts.
``OverlayEventsMixin`` gives a ``WindowConfig`` all ``on_*`` forwards in one base class.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from imgui_bundle import imgui

from glgan.config import DATASETS
from glgan.ui.commands import (
    Command,
    ExportHistory,
    FitView,
    OpenSession,
    ReloadShaders,
    Reset,
    RestorePreset,
    SaveSession,
    ScaleSpeed,
    Screenshot,
    ScrubTo,
    SelectDataset,
    Step,
    ToggleAutoFit,
    ToggleCompare,
    ToggleFullscreen,
    ToggleHelp,
    ToggleLayer,
    ToggleOverlay,
    TogglePlay,
    TogglePretrained,
    ToggleRecord,
    ToggleSlowMotion,
    ZoomView,
)

# Shift+1..9 toggle the layers in the order of the layer checkboxes
LAYER_KEYS = ("heatmap", "contour", "real", "fake", "manifold", "gradients", "optimal",
              "flow", "trails")
ZOOM_STEP = 1.25


def _shortcut_table() -> dict[str, Callable[[], Command]]:
    table: dict[str, Callable[[], Command]] = {
        "SPACE": TogglePlay,
        "S": lambda: Step("both"),
        "R": Reset,
        "F": ToggleFullscreen,
        "H": ToggleOverlay,
        "F1": ToggleHelp,
        "F5": ReloadShaders,
        "F9": ToggleRecord,
        "F12": Screenshot,
        "D": lambda: Step("d"),
        "G": lambda: Step("g"),
        "M": ToggleSlowMotion,
        "EQUAL": lambda: ScaleSpeed(2.0),
        "MINUS": lambda: ScaleSpeed(0.5),
        "P": TogglePretrained,
        # presenter clickers send PgDn / PgUp (and B to blank the screen)
        "PAGE_DOWN": lambda: Step("both"),
        "PAGE_UP": lambda: ScrubTo("previous"),
        "B": ToggleOverlay,
        "LEFT": lambda: ScrubTo("previous"),   # the timeline's kept epochs
        "RIGHT": lambda: ScrubTo("next"),
        "HOME": lambda: ScrubTo("first"),
        "END": ScrubTo,                         # back to the live head
        "V": lambda: FitView("samples"),
        "Z": lambda: ZoomView(ZOOM_STEP),
        "X": lambda: ZoomView(1 / ZOOM_STEP),
        "C": ToggleCompare,
        "A": ToggleAutoFit,
    }
    table["NUMBER_0"] = table["NUMPAD_0"] = lambda: FitView("unit")
    for i, name in enumerate(DATASETS, start=1):  # 1-5: line, gaussians, ring, disjoint, drawn
        table[f"NUMBER_{i}"] = table[f"NUMPAD_{i}"] = lambda n=name: SelectDataset(n)
    return table


# moderngl-window key name (BaseKeys attribute) -> command factory (read-only).
SHORTCUTS: Mapping[str, Callable[[], Command]] = MappingProxyType(_shortcut_table())
# the same with Shift held
SHIFT_SHORTCUTS: Mapping[str, Callable[[], Command]] = MappingProxyType({
    "R": lambda: Reset(new_seed=False),
    "P": RestorePreset,
    "F9": lambda: ToggleRecord(view_only=True),
    **{f"NUMBER_{i}": (lambda n=name: ToggleLayer(n)) for i, name in enumerate(LAYER_KEYS, 1)}})
# the same with Ctrl held
CTRL_SHORTCUTS: Mapping[str, Callable[[], Command]] = MappingProxyType({
    "S": SaveSession, "O": OpenSession, "E": ExportHistory})

SHORTCUT_HELP: tuple[tuple[str, str], ...] = (
    ("Space", "play / pause"),
    ("S / PgDn", "train one epoch (both)"),
    ("D / G", "one D-only / G-only step"),
    ("M", "slow motion on / off"),
    ("= / -", "twice / half as many epochs per frame"),
    ("P", "GAN Lab's pretrained model on / off"),
    ("Shift+P", "back to the dataset's preset settings (and start over)"),
    ("R", "reset with a new seed (keeps your edits; GAN Lab re-initialises randomly)"),
    ("Shift+R", "reset replaying the same seed (the identical run again)"),
    ("1 - 5", "datasets: line, gaussians, ring, disjoint, draw your own"),
    ("F", "fullscreen"),
    ("H / B", "presentation mode: hide / show the panels"),
    ("V / 0", "fit the view to every sample / GAN Lab's unit square"),
    ("Z / X", "zoom in / out (the wheel zooms at the pointer, a drag pans)"),
    ("A", "auto-fit on / off: frame the view when samples leave it"),
    ("Shift+1 - 9", "layers: heatmap, D = 0.5 line, real, fake, manifold, gradients, "
                    "optimal D*, D's gradient field, sample trails (click a fake to follow "
                    "it)"),
    ("C", "compare on (the Compare panel's choice) / off (keep the focused run)"),
    ("Enter / Esc", "compare: focused run full size / back to the grid"),
    ("PgUp", "timeline: the previous kept epoch"),
    ("F1", "help"),
    ("F5", "reload shaders"),
    ("F9", "start / stop recording a video"),
    ("Shift+F9", "start / stop recording the view only (no panels)"),
    ("F12", "screenshot"),
    ("Left / Right", "timeline: the previous / next kept epoch"),
    ("Home / End", "timeline: the first kept epoch / back to the live head"),
    ("Ctrl+S", "save the session (every run, the view) to a .glgan file"),
    ("Ctrl+O", "open a session file"),
    ("Ctrl+E", "export every run's history as CSV"),
    ("Ctrl+Z", "undo a stroke (drawing window)"),
)

_SPECIAL = {
    "TAB": "tab", "LEFT": "left_arrow", "RIGHT": "right_arrow", "UP": "up_arrow",
    "DOWN": "down_arrow", "PAGE_UP": "page_up", "PAGE_DOWN": "page_down", "HOME": "home",
    "END": "end", "INSERT": "insert", "DELETE": "delete", "SPACE": "space",
    "BACKSPACE": "backspace", "ENTER": "enter", "ESCAPE": "escape", "COMMA": "comma",
    "MINUS": "minus", "PERIOD": "period", "SLASH": "slash", "SEMICOLON": "semicolon",
    "EQUAL": "equal", "LEFT_BRACKET": "left_bracket", "RIGHT_BRACKET": "right_bracket",
    "BACKSLASH": "backslash", "CAPS_LOCK": "caps_lock", "LEFT_SHIFT": "left_shift",
    "RIGHT_SHIFT": "right_shift", "LEFT_CTRL": "left_ctrl",
}


def _imgui_key_name(name: str) -> str | None:
    if len(name) == 1 and name.isalpha():
        return name.lower()
    if name.startswith("NUMBER_"):
        return "_" + name[-1]
    if name.startswith("NUMPAD_"):
        return "keypad" + name[-1]
    if name[0] == "F" and name[1:].isdigit():
        return name.lower()
    return _SPECIAL.get(name)


def _key_maps(keys: Any) -> tuple[dict[Any, imgui.Key], dict[Any, str]]:
    """(window key code -> imgui.Key, window key code -> BaseKeys name) for a keys class."""
    to_imgui: dict[Any, imgui.Key] = {}
    to_name: dict[Any, str] = {}
    for name in dir(keys):
        if not name.isupper() or name.startswith("ACTION"):
            continue
        code = getattr(keys, name)
        if code == "undefined" or code is None:
            continue
        to_name.setdefault(code, name)
        key_name = _imgui_key_name(name)
        if key_name is not None and hasattr(imgui.Key, key_name):
            to_imgui.setdefault(code, getattr(imgui.Key, key_name))
    return to_imgui, to_name


class ImguiInput:
    """Forwards moderngl-window events to the current ImGui context and resolves shortcuts.

    Args:
        keys: the window's keys class (``wnd.keys``), which maps names to backend key codes.
        mouse: the window's mouse button ids (``wnd.mouse``; left=1, right=2, middle=3).
    """

    def __init__(self, keys: Any, mouse: Any = None) -> None:
        self.keys = keys
        self._to_imgui, self._to_name = _key_maps(keys)
        self.navigating = False  # Tab started keyboard navigation; Esc or a click ends it
        left, right, middle = (1, 2, 3) if mouse is None else (mouse.left, mouse.right,
                                                              mouse.middle)
        self._buttons = {left: 0, right: 1, middle: 2}

    @property
    def io(self) -> imgui.IO:
        return imgui.get_io()

    @property
    def wants_mouse(self) -> bool:
        """True when the pointer is over the overlay: the main view should ignore the mouse."""
        return bool(self.io.want_capture_mouse)

    @property
    def wants_keyboard(self) -> bool:
        """ImGui takes the keys: a text field is being typed in, or the user started keyboard
        navigation with Tab (Esc or a mouse click ends it). Otherwise keys are glgan's
        shortcuts, and the ones a presenter's clicker sends (PgUp/PgDn, arrows, Space) are
        not given to ImGui at all, so they never move its focus or press a widget."""
        return bool(self.io.want_text_input or (self.navigating and self.io.nav_visible))

    def key_event(self, key: Any, action: Any, modifiers: Any) -> list[Command]:
        """Forward a key to ImGui; return the shortcut's commands (pressed, keyboard free)."""
        io = self.io
        ctrl, shift = bool(getattr(modifiers, "ctrl", False)), bool(getattr(modifiers, "shift",
                                                                            False))
        alt = bool(getattr(modifiers, "alt", False))
        down = action != self.keys.ACTION_RELEASE
        name = self._to_name.get(key, "")
        if name in ("LEFT_CTRL", "RIGHT_CTRL"):  # X11 reports the state before the event
            ctrl = down
        elif name in ("LEFT_SHIFT", "RIGHT_SHIFT"):
            shift = down
        io.add_key_event(imgui.Key.mod_ctrl, ctrl)
        io.add_key_event(imgui.Key.mod_shift, shift)
        io.add_key_event(imgui.Key.mod_alt, alt)
        if name == "TAB" and down and not io.want_text_input:
            self.navigating = True
        elif name == "ESCAPE" and down:
            self.navigating = False
        table = CTRL_SHORTCUTS if ctrl else SHIFT_SHORTCUTS if shift else SHORTCUTS
        factory = table.get(name)
        busy = self.wants_keyboard
        if key in self._to_imgui and (busy or factory is None or not down):
            io.add_key_event(self._to_imgui[key], down)  # (a shortcut's key stays ours)
        if action != self.keys.ACTION_PRESS or alt or busy:
            return []
        return [factory()] if factory is not None else []

    def shortcut(self, name: str) -> list[Command]:
        """The commands for a key given by its moderngl-window name (e.g. "SPACE"), if free."""
        if self.wants_keyboard or name not in SHORTCUTS:
            return []
        return [SHORTCUTS[name]()]

    def mouse_position_event(self, x: float, y: float, dx: float = 0, dy: float = 0) -> None:
        self.io.add_mouse_pos_event(float(x), float(y))

    mouse_drag_event = mouse_position_event

    def mouse_press_event(self, x: float, y: float, button: int) -> None:
        self.navigating = False  # the mouse is back: keys are shortcuts again
        self.io.add_mouse_pos_event(float(x), float(y))
        if button in self._buttons:
            self.io.add_mouse_button_event(self._buttons[button], True)

    def mouse_release_event(self, x: float, y: float, button: int) -> None:
        self.io.add_mouse_pos_event(float(x), float(y))
        if button in self._buttons:
            self.io.add_mouse_button_event(self._buttons[button], False)

    def mouse_scroll_event(self, x_offset: float, y_offset: float) -> None:
        self.io.add_mouse_wheel_event(float(x_offset), float(y_offset))

    def unicode_char_entered(self, char: str) -> None:
        for c in char:
            self.io.add_input_character(ord(c))


class OverlayEventsMixin:
    """Mix into a moderngl-window ``WindowConfig`` that has ``self.overlay`` (an ``Overlay``).

    Provides every ``on_*`` input callback once: events go to ImGui; shortcuts are queued on
    the overlay's ``UiState``; app.py may still override a method and call ``super()``.
    """

    overlay: Any

    @property
    def overlay_open(self) -> bool:
        """False once the overlay is shut down: events arriving while the window closes (the
        Esc that closed it, a last mouse move) have no ImGui context left to go to."""
        return self.overlay.imgui_ctx is not None

    def on_key_event(self, key: Any, action: Any, modifiers: Any) -> None:
        if self.overlay_open:
            self.overlay.ui.push(*self.overlay.input.key_event(key, action, modifiers))

    def on_mouse_position_event(self, x: int, y: int, dx: int, dy: int) -> None:
        if self.overlay_open:
            self.overlay.input.mouse_position_event(x, y, dx, dy)

    def on_mouse_drag_event(self, x: int, y: int, dx: int, dy: int) -> None:
        if self.overlay_open:
            self.overlay.input.mouse_drag_event(x, y, dx, dy)

    def on_mouse_press_event(self, x: int, y: int, button: int) -> None:
        if self.overlay_open:
            self.overlay.input.mouse_press_event(x, y, button)

    def on_mouse_release_event(self, x: int, y: int, button: int) -> None:
        if self.overlay_open:
            self.overlay.input.mouse_release_event(x, y, button)

    def on_mouse_scroll_event(self, x_offset: float, y_offset: float) -> None:
        if self.overlay_open:
            self.overlay.input.mouse_scroll_event(x_offset, y_offset)

    def on_unicode_char_entered(self, char: str) -> None:
        if self.overlay_open:
            self.overlay.input.unicode_char_entered(char)

    def on_resize(self, width: int, height: int) -> None:
        if self.overlay_open:
            self.overlay.resize(width, height)
