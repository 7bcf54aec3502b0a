"""The interactive program: glue between engine, renderer, overlay and capture.

``App`` owns one frame's flow and nothing else: apply the overlay's commands to the engine
(live edits keep the weights, architecture edits reset), train within a time budget so the UI
never stalls, ask the engine for a ``FrameData``, draw the layered view into the overlay's
free rectangle, draw the overlay, and feed an active recording. ``App`` works on any moderngl
context and framebuffer, so tests drive it headless; ``GlganWindow`` puts it in a
moderngl-window window and ``run_app`` starts that window from the command line.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import moderngl
import numpy as np

from glgan.compute.api import GanEngine, make_engine
from glgan.compute.data import DataError, sample_real
from glgan.compute.modelio import ModelFileError, load_ganlab_model, pretrained_path
from glgan.config import ConfigError, GanConfig, preset
from glgan.frame import FrameData, ViewCapacity
from glgan.render import LayeredView, View
from glgan.render.thumbnails import Thumbnails
from glgan.ui import commands as cmd
from glgan.ui.overlay import Overlay

log = logging.getLogger(__name__)

WINDOW_BG = (0.93, 0.93, 0.93)
TRAIN_BUDGET_S = 0.010  # training time per frame while playing (keeps the UI fluid)
FIELD_BUDGET_S = 0.004  # time allowed for D's field per frame; sets the field resolution
FIELD_RES_CHOICES = (24, 32, 48, 64, 96, 128, 192, 256)
RECORD_FPS = 60
BLOCKY_FIELD_RES = 30  # GAN Lab's NUM_GRID_CELLS
MANIFOLD_CELLS = 20    # GAN Lab's 20 x 20 manifold grid
VIEW_CAPACITY = ViewCapacity(manifold_cells=MANIFOLD_CELLS, field_res=max(FIELD_RES_CHOICES))
ZOOM_LIMITS = (1e-4, 1e4)  # width of the shown area, data units
PAN_LIMIT = 1e5  # farthest the view may wander from the origin


class App:
    """One glgan session on a GL context.

    Args:
        ctx: the moderngl context to draw with.
        size: window size in logical pixels (w, h).
        config: the starting experiment (GAN Lab starts on the gaussians preset).
        fb_scale: framebuffer pixels per logical pixel (HiDPI).
        keys, mouse: the window's key and mouse-button constants (None when headless).
        pretrained: start from GAN Lab's pretrained model when the dataset has one (its preset
            replaces ``config``); default: only when no ``config`` is given, as GAN Lab starts.
        play: start training at once.
        out_dir: where screenshots and recordings go.
    """

    def __init__(self, ctx: moderngl.Context, size: tuple[int, int],
                 config: GanConfig | None = None, *, fb_scale: float = 1.0, keys: Any = None,
                 mouse: Any = None, pretrained: bool | None = None, play: bool = False,
                 out_dir: str | os.PathLike = ".", backend: str = "numpy") -> None:
        self.ctx = ctx
        self.size = (int(size[0]), int(size[1]))
        self.fb_scale = float(fb_scale)
        self.out_dir = Path(out_dir)
        if pretrained is None:
            pretrained = config is None
        self.engine: GanEngine = make_engine(config if config is not None else GanConfig(),
                                             backend=backend)
        self.overlay = Overlay(ctx, self.size, (self.fb_scale, self.fb_scale), keys, mouse,
                               history=self.engine.history())
        self.ui = self.overlay.ui
        self.scene = LayeredView(ctx, transition_s=0.25, capacity=VIEW_CAPACITY)
        self.thumbnails = Thumbnails(ctx, self.scene)
        self._thumb_registered: dict[str, moderngl.Texture] = {}
        self._thumb_refs: dict[str, Any] = {}
        self.view = View()
        self.ui.use_pretrained = False
        if pretrained:
            self._load_pretrained()
        self.ui.playing = play
        self.frame_data: FrameData | None = None
        self._frame_key: tuple | None = None
        self.clock = 0.0  # animation time (wall clock, or fixed steps while recording)
        self.sec_per_epoch = 1e-4
        self.epochs_per_s = 0.0
        self.fps = 0.0
        self.field_res = 64
        self.timings_ms: dict[str, float] = {}
        self.recording = None
        self.recording_with_overlay = True
        self.fullscreen_requested = False
        self.screenshot_requested = False
        self.sync_timings = False  # benchmarks: wait for the GPU so GL time is attributed
        self._commands: list = []  # built by last frame's overlay, applied at the next frame
        self._run_id = self.engine.status().run_id
        self.dataset_samples = {
            name: sample_real(name, 200, seed=7)
            for name in ("line", "gaussians", "ring", "disjoint")
        }

    # -- commands -------------------------------------------------------------------------
    def _load_pretrained(self) -> bool:
        path = pretrained_path(self.config.dataset)
        if path is None:
            return False
        try:
            model = load_ganlab_model(path)
        except ModelFileError as e:
            self.ui.error = f"could not load the pretrained model: {e}"
            return False
        self.engine.reset(preset(model.config.dataset, base=self.config), run=0)
        # GAN Lab trains one extra epoch "for visualisation" after loading; glgan does not.
        self.engine.set_weights(model.g_params, model.d_params, model.epoch)
        self.ui.use_pretrained = True
        return True

    @property
    def config(self) -> GanConfig:
        """The shown run's settings."""
        return self.engine.status().config

    def _set_config(self, config: GanConfig) -> None:
        was_diverged = self.engine.status().diverged is not None
        try:
            self.engine.set_config(config)
        except (ConfigError, DataError) as e:
            self.ui.config_error = str(e)
            return
        if was_diverged and self.engine.status().diverged is None:
            self.ui.error = ""
            self.ui.status = "settings changed: training can continue"

    def apply(self, commands: list) -> None:
        """Apply the overlay's commands in order; a bad one becomes a message, not a crash."""
        for c in commands:
            try:
                self._apply_one(c)
            except (ConfigError, DataError, ModelFileError, ValueError, OSError) as e:
                self.ui.error = str(e)
                log.warning("%s failed: %s", type(c).__name__, e)

    def _apply_one(self, c) -> None:
        eng, ui = self.engine, self.ui
        status = eng.status()
        if isinstance(c, cmd.Play):
            ui.playing = True
            if status.diverged:
                ui.playing = False
                ui.error = status.diverged
        elif isinstance(c, cmd.Pause):
            ui.playing = False  # no extra epoch on pause (GAN Lab trains one)
        elif isinstance(c, cmd.Step):
            eng.train(1, kind=c.kind)
        elif isinstance(c, cmd.TrainPhase):
            eng.train_phase(c.net)
        elif isinstance(c, cmd.Reset):
            eng.reset()  # keeps the user's edits (GAN Lab reloads the preset)
            ui.error = ""
        elif isinstance(c, cmd.RestorePreset):
            eng.reset(preset(status.config.dataset, base=status.config), run=0)
            ui.error = ""
        elif isinstance(c, cmd.SelectDataset):
            if c.name == "drawn" and eng.drawn is None:
                ui.drawing.open = True
                return
            eng.reset(preset(c.name, base=status.config), run=0)
            ui.error = ""
        elif isinstance(c, cmd.SetConfig):
            self._set_config(c.config)
        elif isinstance(c, cmd.UsePretrained):
            if c.on:
                ui.use_pretrained = self._load_pretrained()
            else:
                ui.use_pretrained = False
                eng.reset(preset(status.config.dataset, base=status.config), run=0)
        elif isinstance(c, cmd.SetEpochsPerFrame):
            ui.epochs_per_frame = int(c.n)
        elif isinstance(c, cmd.SetSlowMotion):
            ui.slow_motion, ui.slow_speed = c.on, c.speed
        elif isinstance(c, cmd.SetLayers):
            ui.layers = c.layers
        elif isinstance(c, cmd.ApplyDrawing):
            eng.set_drawn(c.points)
            eng.reset(preset("drawn", base=status.config), run=0)
            ui.error = ""
        elif isinstance(c, cmd.Screenshot):
            self.screenshot_requested = True
        elif isinstance(c, cmd.ToggleRecord):
            self.toggle_recording()
        elif isinstance(c, cmd.ToggleFullscreen):
            self.fullscreen_requested = True
        elif isinstance(c, cmd.FitView):
            self.fit_view(c.mode)
        elif isinstance(c, cmd.ReloadShaders):
            errors = self.scene.reload_shaders()
            ui.status = ("shaders reloaded" if not errors else
                         f"shader error (kept the last good program): {errors[0]}")

    # -- per frame ------------------------------------------------------------------------
    def _train(self) -> None:
        ui, eng = self.ui, self.engine
        if not ui.playing or ui.slow_motion or eng.status().diverged:
            return
        if self.recording is not None:  # recorded frames hold exactly epochs_per_frame epochs
            n = ui.epochs_per_frame
        else:
            n = max(1, min(ui.epochs_per_frame,
                           int(TRAIN_BUDGET_S / max(self.sec_per_epoch, 1e-7))))
        stats = eng.train(n)
        if stats.epochs:
            per = stats.seconds / stats.epochs
            self.sec_per_epoch = 0.8 * self.sec_per_epoch + 0.2 * per
        if stats.diverged:
            ui.playing = False
            ui.error = stats.diverged

    def _frame(self, viewport: tuple[int, int]) -> FrameData:
        """The engine's visual state for this view; recomputed only when something changed."""
        bounds = self.view.effective_bounds(viewport)
        # GAN Lab's blocky look is its 30 x 30 grid; otherwise a resolution that fits the budget
        res = BLOCKY_FIELD_RES if self.ui.layers.blocky else self.field_res
        # a GPU engine hands host copies only while the overlay shows them
        key = (self.engine.version, tuple(round(b, 9) for b in bounds), res,
               self.ui.overlay_visible)
        if key != self._frame_key or self.frame_data is None:
            t0 = time.perf_counter()
            self.frame_data = self.scene.update_from(
                lambda targets: self.engine.frame(
                    field_res=res, bounds=bounds, manifold_cells=MANIFOLD_CELLS,
                    targets={0: targets}, host_arrays=self.ui.overlay_visible)[0], self.clock)
            if not self.ui.layers.blocky:
                self._adapt_field_res(time.perf_counter() - t0)
            self._frame_key = key
        return self.frame_data

    def _adapt_field_res(self, spent: float) -> None:
        i = FIELD_RES_CHOICES.index(self.field_res)
        if spent > 2 * FIELD_BUDGET_S and i > 0:
            self.field_res = FIELD_RES_CHOICES[i - 1]
        elif spent < 0.5 * FIELD_BUDGET_S and i + 1 < len(FIELD_RES_CHOICES):
            self.field_res = FIELD_RES_CHOICES[i + 1]

    def view_rect_px(self) -> tuple[int, int, int, int]:
        """The main view's square as (x, y, w, h) in window pixels, top-left origin."""
        x, y, w, h = self.overlay.layout().view_square()
        s = self.fb_scale
        return int(round(x * s)), int(round(y * s)), int(round(w * s)), int(round(h * s))

    def mouse_data(self, mouse_px: tuple[float, float] | None) -> tuple[float, float] | None:
        """Data coordinates under the pointer (logical pixels), None outside the view."""
        if mouse_px is None:
            return None
        x, y, w, h = self.overlay.layout().view_square()
        mx, my = mouse_px
        if not (x <= mx < x + w and y <= my < y + h) or self.overlay.wants_mouse:
            return None
        d = self.view.px_to_data(np.array([mx - x, my - y], float), (w, h))
        return float(d[0]), float(d[1])

    def render(self, fbo: moderngl.Framebuffer, dt: float,
               mouse_px: tuple[float, float] | None = None) -> None:
        """Run one frame into ``fbo``: apply the commands the overlay produced last frame,
        train, compute the visual state once, draw the view, build and draw the overlay."""
        t0 = time.perf_counter()
        self.fps = 0.9 * self.fps + 0.1 * (1.0 / max(dt, 1e-6))
        if self.recording is not None:
            # a fixed timestep while recording: every frame is one video frame, so the video
            # plays at true speed however long the frame took to render
            dt = 1.0 / RECORD_FPS
        self.clock += dt
        self.apply(self._commands)
        self._commands = []
        status = self.engine.status()
        if status.run_id != self._run_id:  # a new run: slow motion starts at D1 again
            self._run_id = status.run_id
            if self.ui.slow_step is not None:
                self.ui.slow_step, self.ui.slow_elapsed = 0, 0.0
        # the rate counts this frame's training only (a reset or a new run in the commands
        # above would otherwise count as negative epochs)
        epoch_before = status.epoch
        self._train()
        trained = self.engine.status().epoch - epoch_before
        self.epochs_per_s = 0.9 * self.epochs_per_s + 0.1 * (trained / max(dt, 1e-6))
        t_train = time.perf_counter()
        vx, vy, vw, vh = self.view_rect_px()
        frame = self._frame((vw, vh)) if vw > 0 and vh > 0 else self.frame_data
        t_frame = time.perf_counter()
        fbo.use()
        fb_w, fb_h = fbo.size
        self.ctx.viewport = (0, 0, fb_w, fb_h)
        fbo.clear(*WINDOW_BG, 1.0, viewport=(0, 0, fb_w, fb_h))
        if vw > 0 and vh > 0:
            layers = replace(self.ui.layers, dpi_scale=self.fb_scale)
            self.scene.draw((vx, fb_h - vy - vh, vw, vh), self.view, layers, self.clock)
        if self.sync_timings:
            self.ctx.finish()
        if self.ui.overlay_visible and self.scene.frame is not None:
            self._draw_thumbnails()
        t_view = time.perf_counter()
        if self.recording is not None and not self.recording_with_overlay:
            self._record(fbo)
        diverged = self.engine.status().diverged
        if diverged and not self.ui.error:
            self.ui.error = diverged
        info = {
            "dataset_samples": self.dataset_samples,
            "mouse_data": self.mouse_data(mouse_px),
            "pick_radius": self.view.data_per_px((max(vw, 1), max(vh, 1))) * 6 * self.fb_scale,
            "recording": self.recording is not None,
            "fps": self.fps, "epochs_per_s": self.epochs_per_s,
            "timings_ms": self.timings_ms, "backend": self.engine.backend_name,
        }
        self.overlay.history = self.engine.history()  # a new run has a new history
        self._commands = self.overlay.frame(self.config, frame, info, dt)
        t_ui = time.perf_counter()
        fbo.use()
        self.ctx.viewport = (0, 0, fb_w, fb_h)
        self.overlay.render()
        if self.sync_timings:
            self.ctx.finish()
        t_end = time.perf_counter()
        self.timings_ms = {"train": (t_train - t0) * 1e3, "frame": (t_frame - t_train) * 1e3,
                           "view": (t_view - t_frame) * 1e3, "ui": (t_ui - t_view) * 1e3,
                           "overlay": (t_end - t_ui) * 1e3}
        if self.recording is not None and self.recording_with_overlay:
            self._record(fbo)
        if self.screenshot_requested:
            self.screenshot_requested = False
            self.save_screenshot(fbo)

    def _draw_thumbnails(self) -> None:
        """Render the graph's thumbnails with the GL renderer and hand them to the overlay."""
        textures = self.thumbnails.render(self.ui.thumb_sizes, self.fb_scale, self.clock)
        refs = {}
        for name, tex in textures.items():
            if self._thumb_registered.get(name) is not tex:
                old = self._thumb_registered.get(name)
                if old is not None:
                    self.overlay.renderer.remove_texture(old)
                self._thumb_registered[name] = tex
                self._thumb_refs[name] = self.overlay.renderer.register_texture(tex)
            refs[name] = self._thumb_refs[name]
        self.ui.thumb_textures = refs

    # -- view navigation -----------------------------------------------------------------
    def zoom(self, factor: float, mouse_px: tuple[float, float] | None = None) -> None:
        """Zoom about the point under the mouse, between 1e-4 and 1e4 data units across."""
        about = self.mouse_data(mouse_px) if mouse_px is not None else None
        try:
            view = self.view.zoomed(factor, about)
        except ValueError:
            return
        x0, y0, x1, y1 = view.bounds
        if ZOOM_LIMITS[0] <= min(x1 - x0, y1 - y0) and max(x1 - x0, y1 - y0) <= ZOOM_LIMITS[1]:
            self.view = view

    def pan_px(self, dx: float, dy: float) -> None:
        _, _, w, h = self.overlay.layout().view_square()
        view = self.view.panned_px(dx, dy, (max(int(w), 1), max(int(h), 1)))
        if max(abs(b) for b in view.bounds) <= PAN_LIMIT:
            self.view = view

    def fit_view(self, mode: str = "samples") -> None:
        """Frame the view: "unit" ([0,1]^2), "tanh" ((-1,1)^2: all G can reach) or "samples"
        (every sample, at least the unit square; tanh lets fakes leave [0,1]^2)."""
        f = self.frame_data
        if mode == "tanh":
            self.view = View.fit(-1.0, 1.0)
        elif mode == "samples" and f is not None:
            # a resident frame (GPU, overlay hidden) has no host fakes: evaluate G once
            fake = f.fake if len(f.fake) or not len(f.noise) else self.engine.generator(f.noise)
            self.view = View.fit_points(f.real, fake)
        else:
            self.view = View()

    # -- capture --------------------------------------------------------------------------
    def save_screenshot(self, fbo: moderngl.Framebuffer, path: str | os.PathLike | None = None
                        ) -> Path:
        """Write what ``fbo`` shows to a PNG (default: a time-stamped file in out_dir)."""
        from glgan.capture import screenshot
        from glgan.capture.live import resolved

        path = Path(path) if path is not None else self._new_path(".png")
        plain = resolved(self.ctx, fbo)
        try:
            screenshot(plain, path)
        finally:
            if plain is not fbo:
                plain.release()
        self.ui.status = f"saved {path}"
        return path

    def _new_path(self, suffix: str) -> Path:
        """A time-stamped name in out_dir that no file has yet (-2, -3, ... when taken)."""
        stem = time.strftime("glgan-%Y%m%d-%H%M%S")
        path, n = self.out_dir / f"{stem}{suffix}", 1
        while path.exists():
            n += 1
            path = self.out_dir / f"{stem}-{n}{suffix}"
        return path

    def toggle_recording(self) -> None:
        from glgan.capture import CaptureError
        from glgan.capture.live import WindowRecording

        if self.recording is not None:
            try:
                summary = self.recording.stop()
                dropped = (f" ({summary.dropped} dropped: the encoder could not keep up)"
                           if summary.dropped else "")
                self.ui.status = (f"recorded {summary.frames_written} frames to "
                                  f"{summary.path}{dropped}")
            except CaptureError as e:
                self.ui.error = f"recording stopped: {e}"
            self.recording = None
            return
        w, h = (int(self.size[0] * self.fb_scale), int(self.size[1] * self.fb_scale))
        path = self._new_path(".mp4")
        try:
            self.recording = WindowRecording(self.ctx, path, (w - w % 2, h - h % 2),
                                             RECORD_FPS)
            self.ui.status = f"recording to {path}"
        except CaptureError as e:
            self.ui.error = f"cannot record: {e}"

    def _record(self, fbo: moderngl.Framebuffer) -> None:
        from glgan.capture import CaptureError

        try:
            self.recording.add(fbo)
            if self.recording.lagging:
                self.ui.status = "recording: the encoder cannot keep up, frames are dropped"
        except CaptureError as e:
            self.ui.error = f"recording stopped: {e}"
            self.recording.abort()
            self.recording = None

    def resize(self, width: int, height: int, fb_scale: float | None = None) -> None:
        self.size = (int(width), int(height))
        if fb_scale is not None:
            self.fb_scale = float(fb_scale)
        self.overlay.resize(width, height, (self.fb_scale, self.fb_scale))
        if self.recording is not None:  # the video size is fixed: stop cleanly
            self.toggle_recording()

    def close(self) -> None:
        if self.recording is not None:
            self.toggle_recording()
        self.thumbnails.release()
        self.engine.release_targets()  # unregister the GL objects before they go
        self.scene.release()
        self.overlay.shutdown()
