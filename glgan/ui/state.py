"""UiState: everything the overlay owns and remembers between frames (mutable, UI-only).

Also owns ``DrawingState`` (the user's drawn points, brush, erase mode and undo stack). The
engine and the renderer never write here, except that app.py may set ``error``/``status``
messages and ``use_pretrained``. Pending commands (from keyboard shortcuts) queue here until
the next ``draw_overlay`` call hands them to app.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from glgan.ui.commands import Command, Layers

EPOCHS_PER_FRAME_MAX = 1000
SCALE_RANGE = (0.75, 2.5)
UNDO_LIMIT = 200


@dataclass
class DrawingState:
    """The "draw your own" canvas: points in [0,1]^2 (y up), spaced by distance, not event rate.

    GAN Lab adds one point per mouse event, so slow strokes come out denser. Here a stroke
    lays points every ``spacing`` along its path, so density follows what was drawn.
    """

    points: list[tuple[float, float]] = field(default_factory=list)
    brush: float = 0.03  # erase radius and drawn stroke half-width, data units
    spacing: float = 0.01  # distance between consecutive points of a stroke, data units
    erase: bool = False
    undo_stack: list[list[tuple[float, float]]] = field(default_factory=list)
    message: str = ""
    applied: np.ndarray | None = None  # the last drawing sent with ApplyDrawing
    open: bool = False  # the drawing window is shown
    import_path: str = ""  # a CSV or image to import (typed in the drawing window)
    _last: tuple[float, float] | None = None

    def begin_stroke(self, p: tuple[float, float]) -> None:
        """Mouse went down on the canvas: remember the state for undo, then draw or erase."""
        self.undo_stack.append(list(self.points))
        del self.undo_stack[:-UNDO_LIMIT]
        self.message = ""
        self._last = None
        self.extend_stroke(p)

    def extend_stroke(self, p: tuple[float, float]) -> None:
        """Mouse moved with the button down: add points every ``spacing`` (or erase)."""
        p = (min(max(float(p[0]), 0.0), 1.0), min(max(float(p[1]), 0.0), 1.0))
        if self.erase:  # erase along the path, not only where events landed
            x0, y0 = self._last if self._last is not None else p
            n = int(math.hypot(p[0] - x0, p[1] - y0) / (0.5 * self.brush)) + 1
            for i in range(1, n + 1):
                self.erase_at((x0 + (p[0] - x0) * i / n, y0 + (p[1] - y0) * i / n))
            self._last = p
            return
        if self._last is None:
            self.points.append(p)
            self._last = p
            return
        x0, y0 = self._last
        dist = math.hypot(p[0] - x0, p[1] - y0)
        n = int(dist / self.spacing)
        for i in range(1, n + 1):
            t = i * self.spacing / dist
            self.points.append((x0 + t * (p[0] - x0), y0 + t * (p[1] - y0)))
        if n:
            self._last = self.points[-1]

    def end_stroke(self) -> None:
        self._last = None
        if self.undo_stack and self.undo_stack[-1] == self.points:
            self.undo_stack.pop()  # nothing changed: no undo entry

    def erase_at(self, p: tuple[float, float]) -> None:
        """Remove every point within ``brush`` of ``p``."""
        r2 = self.brush * self.brush
        self.points = [q for q in self.points if (q[0] - p[0]) ** 2 + (q[1] - p[1]) ** 2 > r2]

    def undo(self) -> bool:
        """Go back one stroke (or clear); False when there is nothing to undo."""
        if not self.undo_stack:
            return False
        self.points = self.undo_stack.pop()
        self._last = None
        return True

    def clear(self) -> None:
        if self.points:
            self.undo_stack.append(list(self.points))
            self.points = []

    def as_array(self) -> np.ndarray:
        """(N, 2) float32 copy of the points."""
        return np.asarray(self.points, dtype=np.float32).reshape(-1, 2)


@dataclass
class UiState:
    """The overlay's own state. Panels read and write it; app.py reads it.

    app.py reads: ``playing``, ``epochs_per_frame``, ``slow_motion``, ``layers``,
    ``overlay_visible`` (via ``layout``), ``use_pretrained`` (at start-up).
    """

    playing: bool = False
    epochs_per_frame: int = 1
    slow_motion: bool = False
    slow_speed: float = 1.0  # 1.0 = GAN Lab's pace
    slow_step: int | None = None  # index into slowmo.SUBSTEPS while slow motion is on
    slow_elapsed: float = 0.0  # seconds (already scaled by speed) spent in the current sub-step
    layers: Layers = field(default_factory=Layers)
    overlay_visible: bool = True
    hint_visible: bool = True  # interaction hints ("H: show overlay", the focused cell's
    # frame); captures (snapshot --compare) turn them off
    user_scale: float = 1.0  # the overlay scale the user chose (help window)
    fit: float = 1.0  # < 1 shrinks the overlay to fit a small window (set each frame)
    theme: str = "light"  # glgan.palette.THEMES: the overlay's style and the view's colours
    palette: str = "ganlab"  # glgan.palette.PALETTES: the view's colours
    auto_fit: bool = False  # frame the view when samples leave it (the window starts it on)
    edge_markers: bool = True  # counts of the samples beyond each edge of the view
    record_view_only: bool = False  # recordings leave the panels out
    dismissed: set = field(default_factory=set)  # (run id, warning name) hidden by the user
    network: str | None = None  # the open network view: "g" / "d" (glgan.ui.network)
    network_colors: tuple | None = None  # (picture, ramp, colours): its thumbnails' cache
    critic_scale: tuple[float, float] | None = None  # set by app.py: the focused critic's
    # (centre, gain), so the graph colours its raw scores as the heatmap does
    show_help: bool = False
    show_hyper: bool = True
    show_compare: bool = False  # the Compare section of the right panel is open
    open_dialog: bool = False  # the Open session window is shown
    open_path: str = ""  # what is typed in it
    use_pretrained: bool = True  # GAN Lab starts with the pretrained gaussians model
    drawing: DrawingState = field(default_factory=DrawingState)
    status: str = ""  # transient information (e.g. "saved out/shot.png")
    error: str = ""  # a problem needing action, e.g. divergence; shown with a Reset button
    config_error: str = ""  # the last rejected hyperparameter edit
    pending: list[Command] = field(default_factory=list)
    edits: dict[str, Any] = field(default_factory=dict)  # widget values not committed yet
    gen_hover_time: float | None = None  # seconds since the pointer entered the G thumbnail
    debug_rects: dict[str, tuple[tuple[float, float], tuple[float, float]]] | None = None
    last_epoch: int = -1  # epoch of the previous frame (a drop means the model was reset)
    divergence_seen: bool = False  # reported once per run
    theme_key: tuple | None = None  # (scale, theme) last applied to the ImGui style
    # Graph thumbnails drawn by the GL renderer (set by app.py: name -> ImTextureRef, images
    # with row 0 at the bottom); without them the graph draws its thumbnails itself.
    thumb_textures: dict[str, Any] = field(default_factory=dict)
    thumb_sizes: dict[str, float] = field(default_factory=dict)  # px each thumbnail needs
    compare_all: bool = False  # compare mode: settings edits apply to every run
    compare_keys: list[str] = field(default_factory=lambda: ["d_lr", ""])  # the panel's choice
    compare_values: list[str] = field(default_factory=lambda: ["0.01, 0.1", ""])

    @property
    def scale(self) -> float:
        """The overlay scale in effect: the user's choice, shrunk to fit small windows."""
        return self.user_scale * self.fit

    @scale.setter
    def scale(self, value: float) -> None:
        self.user_scale = float(value)

    @property
    def high_contrast(self) -> bool:
        return self.theme == "high-contrast"

    @high_contrast.setter
    def high_contrast(self, on: bool) -> None:
        """On: the high-contrast theme; off: light, if high contrast was the theme."""
        if on:
            self.theme = "high-contrast"
        elif self.theme == "high-contrast":
            self.theme = "light"

    def view_layers(self, dpi_scale: float = 1.0) -> Layers:
        """The layers to draw: the user's switches with this window's palette, theme and
        pixel density."""
        return replace(self.layers, dpi_scale=dpi_scale, palette=self.palette,
                       theme=self.theme)

    def use_layers(self, layers: Layers) -> None:
        """Draw ``layers`` from now on, with its palette and theme (snapshot, record)."""
        self.layers, self.palette, self.theme = layers, layers.palette, layers.theme

    def push(self, *commands: Command) -> None:
        """Queue commands (e.g. from shortcuts) for the next ``draw_overlay``."""
        self.pending.extend(commands)

    def take_pending(self) -> list[Command]:
        out, self.pending = self.pending, []
        return out

    def record_rect(self, label: str, rmin, rmax) -> None:
        """Test hook: remember the last item's screen rectangle when ``debug_rects`` is a dict."""
        if self.debug_rects is not None:
            self.debug_rects[label] = ((rmin.x, rmin.y), (rmax.x, rmax.y))
