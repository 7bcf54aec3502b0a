"""The interactive program: glue between engine, renderer, overlay and capture.

``App`` owns one frame's flow and nothing else: apply the overlay's commands to the engine
(live edits keep the weights, architecture edits reset), train within a time budget so the UI
never stalls, ask the engine once for every shown run's ``FrameData``, draw the layered views
(one, or a grid of up to 16 runs side by side in compare mode) into the overlay's free
rectangle, draw the overlay, and feed an active recording. Each run on screen is a
``RunView`` (its engine slot is its index, its GL objects, its label, its cached frame); the
runs share one camera, so the cells compare like for like. ``App`` works on any moderngl
context and framebuffer, so tests drive it headless; ``GlganWindow`` puts it in a
moderngl-window window and ``run_app`` starts that window from the command line.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import moderngl
import numpy as np

from glgan.compute.api import GanEngine, make_engine
from glgan.compute.data import DataError, sample_real
from glgan.compute.diagnose import Fix, apply_fix, as_dict, diagnose
from glgan.compute.inspect import NetworkPictures, picture_for
from glgan.compute.modelio import ModelFileError, load_ganlab_model, pretrained_path
from glgan.compute.optimal import optimal_discriminator
from glgan.compute.state import EngineState
from glgan.config import (
    DATASETS,
    ConfigError,
    GanConfig,
    compare_grid,
    compare_label,
    field_names,
    preset,
)
from glgan.frame import FrameData, ViewCapacity
from glgan.history import write_csv
from glgan.palette import view_style
from glgan.render import LayeredView, View
from glgan.render.layered_view import SlotView, update_views
from glgan.render.thumbnails import Thumbnails
from glgan.render.view import grid_cells, offscreen_markers
from glgan.timeline import DEFAULT_BUDGET as DEFAULT_TIMELINE_BUDGET
from glgan.timeline import Timeline
from glgan.ui import commands as cmd
from glgan.ui.compare import compare_specs
from glgan.ui.network import open_net
from glgan.ui.overlay import Overlay

log = logging.getLogger(__name__)

TRAIN_BUDGET_S = 0.010  # training time per frame while playing (keeps the UI fluid)
FIELD_BUDGET_S = 0.004  # time allowed for D's field per frame; sets the field resolution
FIELD_RES_CHOICES = (24, 32, 48, 64, 96, 128, 192, 256)
RECORD_FPS = 60
BLOCKY_FIELD_RES = 30  # GAN Lab's NUM_GRID_CELLS
MANIFOLD_CELLS = 20    # GAN Lab's 20 x 20 manifold grid
VIEW_CAPACITY = ViewCapacity(manifold_cells=MANIFOLD_CELLS, field_res=max(FIELD_RES_CHOICES))
ZOOM_LIMITS = (1e-4, 1e4)  # width of the shown area, data units
SAMPLE_CHECK_S = 0.2  # edge markers, auto-fit and D* look at the samples this often
TRAIL_LENGTH = 150  # steps of a pinned sample's path kept (one per frame that trained)
TRAIL_AUTO_PIN = 8  # samples followed when the trails layer is on and none is pinned
PIN_RADIUS_PX = 8.0  # a click this close to a fake sample pins it
DIAGNOSE_S = 0.5  # the training warnings are re-judged this often (~1 ms a run)
DIAGNOSE_RUNS = 4  # ... over a few frames: at most this many runs a frame
OPTIMAL_GRID = 64  # D*'s grid over the visible field (at most layered_view.OPTIMAL_RES)
AUTO_FIT_OUTSIDE = 0.02  # auto-fit frames the samples when more of the fakes than this are out
AUTO_FIT_BACK = 0.005  # ... and returns to [0,1]^2 once at most this many would be out of it
PAN_LIMIT = 1e5  # farthest the view may wander from the origin
MAX_WINDOW_RUNS = 16  # runs the window shows side by side (grid_cells)
DOUBLE_CLICK_S = 0.35


@dataclass
class RunView:
    """One run on screen: its slot of the App's layered view (the view owns the GL objects;
    one draw call per layer draws every run), its label (what differs from the other runs),
    its last frame and the key that frame was computed for."""

    scene: SlotView
    label: str = ""
    frame: FrameData | None = None
    key: tuple | None = None
    samples: tuple[np.ndarray, np.ndarray] | None = None  # (real, fake) on the host
    samples_key: tuple | None = None  # the frame key ``samples`` belong to
    critic_scale: tuple[float, float] | None = None  # a critic's (median, gain): its heatmap
    scaled_key: tuple | None = None  # the frame key the critic's scale was set for


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
        backend: the engine's backend (see compute.backend.BACKENDS).
        compare: ``KEY=V1,V2,...`` specs (as ``glgan train --compare``): start with one run
            per combination side by side, at most 16.
        transition_s: how long fake samples glide to their new places (0: jump).
        load: start from this session file (or old model pair) instead.
        timeline_budget: bytes the rewind timeline may keep (default 256 MB).
    """

    def __init__(self, ctx: moderngl.Context, size: tuple[int, int],
                 config: GanConfig | None = None, *, fb_scale: float = 1.0, keys: Any = None,
                 mouse: Any = None, pretrained: bool | None = None, play: bool = False,
                 out_dir: str | os.PathLike = ".", backend: str = "numpy",
                 compare: list[str] | None = None, transition_s: float = 0.25,
                 load: str | os.PathLike | None = None,
                 timeline_budget: int = DEFAULT_TIMELINE_BUDGET, drawn=None) -> None:
        self.ctx = ctx
        self.size = (int(size[0]), int(size[1]))
        self.fb_scale = float(fb_scale)
        self.out_dir = Path(out_dir)
        if pretrained is None:
            pretrained = config is None
        self.engine: GanEngine = make_engine(config if config is not None else GanConfig(),
                                             backend=backend, drawn=drawn)
        self.overlay = Overlay(ctx, self.size, (self.fb_scale, self.fb_scale), keys, mouse,
                               history=self.engine.history())
        self.ui = self.overlay.ui
        if drawn is not None:  # imported points: the drawing window shows and edits them
            self.ui.drawing.points = [(float(x), float(y)) for x, y in np.asarray(drawn)]
        self.transition_s = float(transition_s)
        self.timeline = Timeline(timeline_budget)  # states kept for rewinding (glgan.timeline)
        self.save_timeline = True  # sessions keep the timeline's states (larger files)
        self.scrub: int | None = None  # the past epoch shown, None: the live head
        self._scratch: GanEngine | None = None  # holds the shown past state
        self._ghost_cache: dict = {}
        self._kept_version = -1  # the engine version the timeline last kept
        self._kept_at = 0.0      # when, and what a keep costs (seconds): see _keep
        self._keep_cost = 0.0
        self.runs: list[RunView] = []
        # one layered view for every run on screen: a slot each, drawn together
        self.layered = LayeredView(ctx, transition_s=self.transition_s,
                                   capacity=VIEW_CAPACITY, slots=MAX_WINDOW_RUNS)
        self.focus = 0            # the run the panels, charts and hover show
        self.maximized = False    # compare mode: the focused run fills the view
        self._last_click: tuple[float, int] | None = None
        self._sync_runs()
        self.thumbnails = Thumbnails(ctx, self.scene)
        self._thumb_registered: dict[str, moderngl.Texture] = {}
        self._thumb_refs: dict[str, Any] = {}
        self.view = View()
        self.ui.use_pretrained = False
        if pretrained:
            self._load_pretrained()
        if compare:
            self.compare(compare)
        self.session_file: Path | None = None  # where Ctrl+S saves (set by a load or save)
        if load is not None:
            self.load_session(load)
            self.session_file = Path(load)
        self.ui.playing = play
        self.clock = 0.0  # animation time (wall clock, or fixed steps while recording)
        self.sec_per_epoch = 1e-4
        self.epochs_per_s = 0.0
        self.fps = 0.0
        self.field_res = 64
        self.adaptive_field = True  # fit the field's resolution to FIELD_BUDGET_S
        self.timings_ms: dict[str, float] = {}
        self.recording = None
        self.offline = False  # drawing for a file (record, snapshot): no hints, no tooltip
        self.auto_fit_setting = True  # the kept preference (A, the help window, --auto-fit); a
        # camera moved by hand pauses auto-fit for this run only
        self.offscreen: list[dict] = []  # edge markers of samples outside the view
        self.warnings: dict[int, list[dict]] = {}  # run -> its training warnings (as dicts)
        self.network_pictures = NetworkPictures()  # the network view's picture, throttled
        self.pinned: list[int] = []  # fake samples (noise indices) whose paths are drawn
        self._trails: dict[int, dict[int, list]] = {}  # run -> sample -> positions
        self._trail_keys: dict[int, tuple | None] = {}
        self._trail_ids: dict[int, Any] = {}
        self._diagnosed_key: tuple | None = None
        self._to_diagnose: list[int] = []  # shown runs still to judge for that key
        self._diagnosed_at = -1e9
        self._samples_checked = -1e9  # clock of the last look at the samples
        self.fullscreen_requested = False
        self.screenshot_requested = False
        self.sync_timings = False  # benchmarks: wait for the GPU so GL time is attributed
        self._commands: list = []  # built by last frame's overlay, applied at the next frame
        self._run_id = self.engine.status(self.focus).run_id
        self.pretrained_datasets = tuple(d for d in DATASETS if pretrained_path(d) is not None)
        self.dataset_samples = {
            name: sample_real(name, 200, seed=7)
            for name in ("line", "gaussians", "ring", "disjoint")
        }

    # -- runs ---------------------------------------------------------------------------------
    @property
    def scene(self) -> SlotView:
        """The focused run's layered view (the graph's thumbnails draw with it)."""
        return self.runs[self.focus].scene

    @property
    def frame_data(self) -> FrameData | None:
        """The focused run's last frame."""
        return self.runs[self.focus].frame

    @property
    def comparing(self) -> bool:
        return len(self.runs) > 1

    def _sync_runs(self, labels: list[str] | None = None) -> None:
        """One RunView per engine run (after the run list changed): GL objects are made for
        new runs and released for gone ones; every frame is recomputed."""
        n = self.engine.run_count
        if n > MAX_WINDOW_RUNS:
            raise ConfigError(f"{n} runs: the window shows at most {MAX_WINDOW_RUNS} side by "
                              "side")
        while len(self.runs) > n:
            self.runs.pop().scene.release()
        while len(self.runs) < n:
            self.runs.append(RunView(self.layered.slot(len(self.runs))))
        self.engine.release_targets()  # the engine re-registers what it writes into
        self.timeline.clear()  # other runs: a new experiment
        self._kept_version = -1
        if self._scratch is not None:
            self._scratch.release_targets()
        self.scrub, self._scratch = None, None
        for i, run in enumerate(self.runs):
            run.frame, run.key = None, None
            run.label = labels[i] if labels is not None else (run.label if n > 1 else "")
        self.focus = min(self.focus, n - 1)
        self.maximized = self.maximized and n > 1
        # per-run state keyed by run number belongs to the old runs
        self._trails, self._trail_keys, self._trail_ids = {}, {}, {}
        self.warnings, self._to_diagnose, self._diagnosed_key = {}, [], None
        if hasattr(self, "thumbnails"):
            self.thumbnails.scene = self.scene

    def _edited_runs(self) -> list[int]:
        """The runs a settings edit applies to: the focused one, or all ("apply to all")."""
        return list(range(len(self.runs))) if self.ui.compare_all else [self.focus]

    def compare(self, specs: list[str]) -> None:
        """Replace the runs by one per combination of ``specs`` (``KEY=V1,V2,...``) applied to
        the focused run's settings, each from its seed (so runs that differ only in a rate
        start from the same weights and see the same batches)."""
        grid = compare_grid(list(specs))
        if len(grid) > MAX_WINDOW_RUNS:
            raise ConfigError(f"--compare: {len(grid)} runs; the window shows at most "
                              f"{MAX_WINDOW_RUNS} side by side")
        base = self.config
        configs = [base.replace(**changes) for changes in grid]
        fresh = make_engine(configs, drawn=self.engine.drawn).snapshot()
        self.engine.restore(fresh)
        labels = [compare_label(changes) for changes in grid]
        self.focus, self.maximized = 0, False
        self._sync_runs(labels)
        self.ui.use_pretrained = False
        self.ui.error = ""
        self.ui.status = f"comparing {len(grid)} runs: {', '.join(grid[0])}"

    def clone_run(self) -> None:
        """Add a copy of the focused run (weights, optimiser state, random streams, history):
        edit one of the two and watch the futures part."""
        if len(self.runs) >= MAX_WINDOW_RUNS:
            raise ConfigError(f"the window shows at most {MAX_WINDOW_RUNS} runs side by side")
        state = self.engine.snapshot()
        labels = [r.label or f"run {i + 1}" for i, r in enumerate(self.runs)]
        runs = state.runs + (state.runs[self.focus],)
        labels.append(f"clone of {labels[self.focus]}")
        self.engine.restore(EngineState(runs, state.drawn))
        self.focus = len(runs) - 1
        self._sync_runs(labels)

    def end_compare(self) -> None:
        """Keep only the focused run."""
        state = self.engine.snapshot()
        self.engine.restore(EngineState((state.runs[self.focus],), state.drawn))
        self.focus, self.maximized = 0, False
        self._sync_runs([""])

    # -- sessions -------------------------------------------------------------------------
    SESSION_LAYER_FIELDS = ("heatmap", "contour", "optimal", "flow", "real", "fake",
                            "manifold", "gradients", "trails",
                            "blocky", "gradient_source", "gradient_normalize")

    def session_view(self) -> dict:
        """What a session file keeps of the window besides the runs: the camera, the layers,
        the compare layout (labels, focus, full size) and the transport settings."""
        lay = self.ui.layers
        return {"camera": list(self.view.bounds),
                "layers": {k: getattr(lay, k) for k in self.SESSION_LAYER_FIELDS},
                "labels": [r.label for r in self.runs], "focus": self.focus,
                "maximized": self.maximized, "epochs_per_frame": self.ui.epochs_per_frame,
                "overlay_visible": self.ui.overlay_visible, "auto_fit": self.ui.auto_fit}

    def save_session(self, path) -> Path:
        """Write every run and this view to a .glgan session file (atomic); returns it."""
        from glgan.compute.modelio import save_session

        self._keep()
        kept = self.timeline.states[:-1] if self.save_timeline else ()  # (the last is now)
        target = save_session(self.engine.snapshot(), path, self.session_view(), kept)
        self.ui.status = f"saved {target}"
        return target

    def load_session(self, path) -> None:
        """Continue from a session (or an old model pair): its runs, drawn points and, where
        valid, its view; a bad file is refused whole, nothing changed."""
        from glgan.compute.modelio import read_any

        session = read_any(path)
        if len(session.state.runs) > MAX_WINDOW_RUNS:
            raise ConfigError(f"{path}: {len(session.state.runs)} runs; the window shows at "
                              f"most {MAX_WINDOW_RUNS}")
        self.engine.restore(session.state)
        labels = session.view.get("labels")
        ok = isinstance(labels, list) and len(labels) == len(session.state.runs) and all(
            isinstance(x, str) for x in labels)
        self.focus, self.maximized = 0, False
        self._sync_runs(labels if ok else None)
        for kept in session.timeline:  # the saved past, to rewind into again
            if len(kept.runs) == len(session.state.runs):
                self.timeline.record(kept)
        self.timeline.record(self.engine.snapshot())
        self.apply_view(session.view)
        self.ui.use_pretrained = False
        self.ui.error = ""
        self.ui.status = f"loaded {path}"

    def apply_settings(self, settings) -> None:
        """Use display settings (glgan.settings.Settings): scale, theme, output folder."""
        s = settings.checked()
        self.ui.user_scale = s.scale
        self.ui.theme = s.theme
        self.ui.palette = s.palette
        self.ui.auto_fit = self.auto_fit_setting = s.auto_fit
        self.out_dir = s.output_folder

    def current_settings(self):
        """The display settings in effect (to keep for the next run)."""
        from glgan.settings import Settings

        return Settings(self.ui.user_scale, self.ui.theme, str(self.out_dir),
                        self.ui.palette, self.auto_fit_setting).checked()

    def _session_files(self) -> list[str]:
        """The session files in the output folder, newest first (for the Open window)."""
        try:
            files = [p for p in self.out_dir.glob("*.glgan") if p.is_file()]
        except OSError:
            return []
        return [str(p) for p in sorted(files, key=lambda p: p.stat().st_mtime, reverse=True)]

    def apply_view(self, view: dict) -> None:
        """Take a saved view's settings that are valid; ignore the rest (an older or edited
        file never breaks the window)."""
        cam = view.get("camera")
        try:
            if isinstance(cam, list) and len(cam) == 4 and all(
                    isinstance(v, (int, float)) and not isinstance(v, bool) for v in cam):
                self.view = View(tuple(float(v) for v in cam))
        except ValueError:
            pass
        layers = view.get("layers")
        if isinstance(layers, dict):
            ok = {k: v for k, v in layers.items() if k in self.SESSION_LAYER_FIELDS and (
                isinstance(v, bool) or (k == "gradient_source" and v in ("d", "g")))}
            try:
                self.ui.layers = replace(self.ui.layers, **ok)
            except (TypeError, ValueError):
                pass
        focus = view.get("focus")
        if isinstance(focus, int) and not isinstance(focus, bool) and \
                0 <= focus < len(self.runs):
            self.focus_run(focus, bool(view.get("maximized")) is True)
        epf = view.get("epochs_per_frame")
        if isinstance(epf, int) and not isinstance(epf, bool) and 1 <= epf <= 1000:
            self.ui.epochs_per_frame = epf
        if isinstance(view.get("overlay_visible"), bool):
            self.ui.overlay_visible = view["overlay_visible"]
        # the camera as saved: auto-fit only if the session had it on (older files: off)
        self.ui.auto_fit = view.get("auto_fit") is True

    def focus_run(self, index: int, maximize: bool | None = None) -> None:
        if isinstance(index, bool) or not isinstance(index, int) or \
                not 0 <= index < len(self.runs):
            raise ValueError(f"run index {index!r} does not exist; runs are numbered 0.."
                             f"{len(self.runs) - 1}")
        if index != self.focus:
            self.focus = index
            self.thumbnails.scene = self.scene
            self._run_id = self.engine.status(index).run_id
        if maximize is not None:
            self.maximized = maximize and self.comparing

    # -- timeline -------------------------------------------------------------------------
    @property
    def shown_engine(self) -> GanEngine:
        """The engine whose state the views show: the live one, or the past state."""
        return self._scratch if self.scrub is not None else self.engine

    def _set_scrub(self, epoch: int | None) -> None:
        """Switch what the views show; the engine that stops drawing lets go of the views'
        GL objects (only one registers them with CUDA at a time)."""
        if (epoch is None) != (self.scrub is None):
            (self.engine if epoch is not None else self._scratch).release_targets()
        self.scrub = epoch

    def _keep(self, trained_only: bool = False) -> None:
        """Keep the live state on the timeline whenever it changed: trained, or edited at the
        same epoch (a live setting, a D-only step: the state there replaces the one kept, so a
        replay from it follows what really happened). Thinned within the budget.
        ``trained_only``: the change was training alone, which a replay reproduces exactly, so
        the copy may be skipped while copies would take more than ~10% of the time (large
        models and grids: a whole engine state each frame)."""
        if self.engine.version == self._kept_version and self.timeline.epochs:
            return
        now = time.perf_counter()
        if trained_only and self.timeline.epochs and \
                now - self._kept_at < 10 * self._keep_cost:
            return
        self.timeline.record(self.engine.snapshot())
        self._kept_version = self.engine.version
        self._kept_at = time.perf_counter()
        self._keep_cost = 0.8 * self._keep_cost + 0.2 * (self._kept_at - now)

    def scrub_to(self, where) -> None:
        """Show a past epoch (an int; "first" / "previous" / "next" kept one), or None: back
        to the live head. Training pauses while the past is shown."""
        self._keep()
        tl = self.timeline
        if where is None:
            self._set_scrub(None)
            return
        current = self.scrub if self.scrub is not None else tl.head
        epoch = {"first": tl.epochs[0], "previous": tl.step(current, -1),
                 "next": tl.step(current, +1)}.get(where, where)
        if isinstance(epoch, bool) or not isinstance(epoch, int):
            raise ValueError(f"timeline: {where!r} is not an epoch")
        epoch = min(max(epoch, tl.epochs[0]), tl.head)
        if epoch == tl.head:
            self._set_scrub(None)
            return
        if self._scratch is None:
            self._scratch = make_engine(state=tl.states[0], backend=self.engine.backend_name)
        tl.state_at(epoch, self._scratch)  # exact: kept, or replayed from the one before
        self._set_scrub(epoch)
        self.ui.playing = False
        self.ui.status = f"showing epoch {epoch:,} (End: back to the live epoch {tl.head:,})"

    def branch_here(self, label: str = "") -> None:
        """Training goes on from the epoch being shown; the old future becomes a branch."""
        if self.scrub is None:
            return
        state = self._scratch.snapshot()
        self.engine.restore(state)
        self.timeline.branch(self.scrub, state, label or f"before epoch {self.scrub:,}")
        self._set_scrub(None)
        self.ui.status = "branched: the old future is kept on the timeline"

    def _ghosts(self) -> list:
        """The focused run's history in each old branch (drawn faintly in the charts)."""
        out, cache = [], {}
        for b in self.timeline.branches:
            runs = b.head.runs
            if self.focus < len(runs) and runs[self.focus].history is not None:
                key = (id(b.head), self.focus)
                hist = self._ghost_cache.get(key) or runs[self.focus].make_history()
                cache[key] = hist
                out.append(hist)
        self._ghost_cache = cache  # (rebuilt from the branches each frame: nothing stale)
        return out

    def take_branch(self, index: int) -> None:
        """Return to an old branch's head (the current future is kept as a branch)."""
        self._keep()
        self._set_scrub(None)
        self.engine.restore(self.timeline.take_branch(index, "the other future"))

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
        for r in self._edited_runs():
            cfg = self.engine.status(r).config
            self.engine.reset(preset(model.config.dataset, base=cfg), run=r)
            # GAN Lab trains one extra epoch "for visualisation" after loading; glgan does not.
            self.engine.set_weights(model.g_params, model.d_params, model.epoch, run=r)
        self.ui.use_pretrained = True
        return True

    @property
    def config(self) -> GanConfig:
        """The focused run's settings."""
        return self.engine.status(self.focus).config

    def _set_config(self, config: GanConfig) -> None:
        """Apply the panel's edit: to the focused run, or (apply to all) the same changed
        fields to every run, each keeping its own varied values."""
        old = self.config
        changed = {f: getattr(config, f) for f in field_names()
                   if getattr(config, f) != getattr(old, f)}
        try:
            for r in self._edited_runs():
                was_diverged = self.engine.status(r).diverged is not None
                self.engine.set_config(self.engine.status(r).config.replace(**changed), run=r)
                if was_diverged and self.engine.status(r).diverged is None and r == self.focus:
                    self.ui.error = ""
                    self.ui.status = "settings changed: training can continue"
        except (ConfigError, DataError) as e:
            self.ui.config_error = str(e)

    def _reset_to_preset(self, name: str | None = None) -> None:
        """The edited runs start over from ``name``'s preset (default: their dataset's)."""
        for r in self._edited_runs():
            cfg = self.engine.status(r).config
            self.engine.reset(preset(name or cfg.dataset, base=cfg), run=r)
        self.ui.error = ""

    def apply(self, commands: list) -> None:
        """Apply the overlay's commands in order; a bad one becomes a message, not a crash.
        The timeline keeps the state before and after each (see _keep)."""
        for c in commands:
            try:
                if self.scrub is None:
                    self._keep()
                self._apply_one(c)
                if self.scrub is None:
                    self._keep()
            except (ConfigError, DataError, ModelFileError, ValueError, OSError) as e:
                self.ui.error = str(e)
                log.warning("%s failed: %s", type(c).__name__, e)

    def _apply_one(self, c) -> None:
        eng, ui = self.engine, self.ui
        if self.scrub is not None:  # looking at the past
            if isinstance(c, (cmd.SetConfig, cmd.Step, cmd.TrainPhase)):
                self.branch_here()  # an edit (or a step) there starts a branch from it
            elif isinstance(c, (cmd.Play, cmd.Compare, cmd.CloneRun, cmd.EndCompare,
                                cmd.SaveSession, cmd.Reset, cmd.RestorePreset,
                                cmd.SelectDataset, cmd.UsePretrained, cmd.ApplyDrawing,
                                cmd.ImportData, cmd.ToggleCompare, cmd.ApplyFix)):
                self._set_scrub(None)  # these act on the live runs: back to the head first
                ui.status = "back at the live epoch"
        if isinstance(c, cmd.Play):
            ui.playing = True
            if self.all_diverged():
                ui.playing = False
                ui.error = eng.status(self.focus).diverged
        elif isinstance(c, cmd.Pause):
            ui.playing = False  # no extra epoch on pause (GAN Lab trains one)
        elif isinstance(c, cmd.Step):
            eng.train(1, kind=c.kind)
        elif isinstance(c, cmd.TrainPhase):
            eng.train_phase(c.net)
        elif isinstance(c, cmd.Reset):
            self._reset(c.new_seed)
        elif isinstance(c, cmd.RestorePreset):
            self._reset_to_preset()
        elif isinstance(c, cmd.SelectDataset):
            if c.name == "drawn" and eng.drawn is None:
                ui.drawing.open = True
                return
            self._reset_to_preset(c.name)
        elif isinstance(c, cmd.SetConfig):
            self._set_config(c.config)
        elif isinstance(c, cmd.UsePretrained):
            if c.on:
                ui.use_pretrained = self._load_pretrained()
            else:
                ui.use_pretrained = False
                self._reset_to_preset()
        elif isinstance(c, cmd.SetEpochsPerFrame):
            ui.epochs_per_frame = int(c.n)
        elif isinstance(c, cmd.SetSlowMotion):
            ui.slow_motion, ui.slow_speed = c.on, c.speed
        elif isinstance(c, cmd.SetLayers):
            ui.layers = c.layers
        elif isinstance(c, cmd.ApplyDrawing):
            eng.set_drawn(c.points)
            self._reset_to_preset("drawn")
        elif isinstance(c, cmd.ImportData):
            from glgan.compute.dataimport import load_points

            imported = load_points(c.path)  # a bad file: a DataError, shown as a message
            eng.set_drawn(imported.points)
            self._reset_to_preset("drawn")
            d = ui.drawing
            d.points = [(float(x), float(y)) for x, y in imported.points]
            d.applied, d.open, d.message = imported.points.copy(), False, ""
            ui.status = imported.description
        elif isinstance(c, cmd.Screenshot):
            self.screenshot_requested = True
        elif isinstance(c, cmd.ToggleRecord):
            if c.view_only is not None and self.recording is None:
                ui.record_view_only = c.view_only
            self.toggle_recording()
        elif isinstance(c, cmd.ApplyFix):
            fix = Fix(c.action, tuple(c.changes))
            apply_fix(self.engine, fix, self.focus)  # the timeline keeps the state before
            if self.comparing and c.changes:  # its caption no longer says what it varies
                run = self.runs[self.focus]
                run.label = (f"{run.label} -> " if run.label else "") + compare_label(c.changes)
            if self.engine.status(self.focus).diverged is None:
                ui.error = ""
            ui.status = f"applied: {', '.join(f'{k}={v}' for k, v in c.changes) or 'reset'}"
            self._diagnosed_key = None  # judge again at once
        elif isinstance(c, cmd.ToggleLayer):
            ui.layers = ui.layers.toggled(c.name)
        elif isinstance(c, cmd.ZoomView):
            self.zoom(c.factor)
        elif isinstance(c, cmd.ToggleAutoFit):
            ui.auto_fit = self.auto_fit_setting = not ui.auto_fit  # kept for next time
            self._samples_checked = -1e9  # look at once
            ui.status = ("auto-fit on: the view frames samples that leave it" if ui.auto_fit
                         else "auto-fit off")
        elif isinstance(c, cmd.ToggleCompare):
            if self.comparing:
                self.end_compare()
            elif len(compare_grid(list(compare_specs(ui)))) < 2:
                raise ConfigError("compare: the Compare panel names one run; give a setting "
                                  "at least two values (e.g. d_lr = 0.01, 0.1)")
            else:
                self.compare(list(compare_specs(ui)))
        elif isinstance(c, cmd.ToggleFullscreen):
            self.fullscreen_requested = True
        elif isinstance(c, cmd.FitView):
            self._manual_camera()
            self.fit_view(c.mode)
        elif isinstance(c, cmd.ReloadShaders):
            errors = self.layered.reload_shaders()
            ui.status = ("shaders reloaded" if not errors else
                         f"shader error (kept the last good program): {errors[0]}")
        elif isinstance(c, cmd.Compare):
            self.compare(list(c.specs))
        elif isinstance(c, cmd.CloneRun):
            self.clone_run()
        elif isinstance(c, cmd.EndCompare):
            self.end_compare()
        elif isinstance(c, cmd.FocusRun):
            self.focus_run(c.index, c.maximize)
        elif isinstance(c, cmd.SaveSession):
            self.session_file = self.save_session(
                c.path or self.session_file or self._new_path(".glgan"))
        elif isinstance(c, cmd.OpenSession) and c.path is not None:
            self.load_session(c.path)
            self.session_file = Path(c.path)
        elif isinstance(c, cmd.ResetSettings):
            from glgan.settings import reset_settings

            self.apply_settings(reset_settings())
            ui.status = f"settings reset; screenshots and videos go to {self.out_dir}"
        elif isinstance(c, cmd.ScrubTo):
            self.scrub_to(c.epoch)
        elif isinstance(c, cmd.BranchHere):
            self.branch_here()
        elif isinstance(c, cmd.TakeBranch):
            self.take_branch(c.index)
        elif isinstance(c, cmd.ExportHistory):
            path = write_csv([self.engine.history(i) for i in range(len(self.runs))],
                             self._new_path(".csv"))
            ui.status = f"saved the history of {len(self.runs)} run(s) to {path}"

    def _reset(self, new_seed: bool) -> None:
        """Every run starts over with its settings (GAN Lab reloads the preset; glgan keeps the
        edits). A new seed by default: one fresh base seed, each run keeping its offset from
        run 0's seed (runs that shared a seed still do; a seed=0,1,2 comparison stays three
        seeds apart)."""
        import secrets

        if new_seed:
            configs = [self.engine.status(i).config for i in range(len(self.runs))]
            base = secrets.randbelow(2**31)
            for i, c in enumerate(configs):
                self.engine.reset(c.replace(seed=(base + c.seed - configs[0].seed) % 2**31),
                                  run=i)
            self.ui.status = f"reset with seed {self.config.seed} (Shift+R replays it)"
        else:
            self.engine.reset()
            self.ui.status = f"replaying seed {self.config.seed}"
        self.ui.error = ""

    def all_diverged(self) -> bool:
        """True when every run has diverged (a diverged run alone is paused, not the rest)."""
        return all(self.engine.status(i).diverged for i in range(len(self.runs)))

    def fix_field_res(self, res: int) -> None:
        """Sample D's field at ``res`` (capped by the view's capacity and each cell's size)
        instead of adapting it to the frame budget: for reproducible captures."""
        self.field_res = max([c for c in FIELD_RES_CHOICES if c <= res] or
                             [FIELD_RES_CHOICES[0]])
        self.adaptive_field = False

    # -- per frame ------------------------------------------------------------------------
    def _train(self) -> None:
        ui, eng = self.ui, self.engine
        if not ui.playing or ui.slow_motion or self.all_diverged() or self.offline:
            return  # (offline, the recorder trains exactly k epochs a frame itself)
        if self.recording is not None:  # recorded frames hold exactly epochs_per_frame epochs
            n = ui.epochs_per_frame
        else:
            n = max(1, min(ui.epochs_per_frame,
                           int(TRAIN_BUDGET_S / max(self.sec_per_epoch, 1e-7))))
        stats = eng.train(n)  # every run; a diverged run is rolled back and paused alone
        if stats.epochs:
            per = stats.seconds / stats.epochs
            self.sec_per_epoch = 0.8 * self.sec_per_epoch + 0.2 * per
        if self.all_diverged():
            ui.playing = False
            ui.error = stats.diverged or eng.status(self.focus).diverged

    def cell_rects(self) -> list[tuple[int, tuple[float, float, float, float]]]:
        """(run index, (x, y, w, h)) in window pixels (top-left origin) of every run shown:
        the main view's square for one run or a maximized one (in presentation mode, with the
        panels hidden, the whole window: the field covers its full width), else the compare
        grid."""
        lay = self.overlay.layout()
        full = lay.view if not self.ui.overlay_visible else lay.view_square()
        if not self.comparing:
            return [(0, full)]
        if self.maximized:
            return [(self.focus, full)]
        return list(enumerate(grid_cells(len(self.runs), lay.view)))

    def _frames(self, cells, adapt: bool = True) -> None:
        """Every shown run's visual state, computed in one engine call when anything changed
        (training, the camera, the field resolution, the overlay's need for host arrays)."""
        if not cells:
            return
        s = self.fb_scale
        cw = max(1, int(round(cells[0][1][2] * s)))  # every shown cell has this size
        ch = max(1, int(round(cells[0][1][3] * s)))
        side = min(cw, ch)
        bounds = self.view.effective_bounds((cw, ch))
        # GAN Lab's blocky look is its 30 x 30 grid; otherwise a resolution that fits the
        # budget and the cell
        res = BLOCKY_FIELD_RES if self.ui.layers.blocky else self.field_res
        if not self.ui.layers.blocky:
            res = min(res, max(c for c in FIELD_RES_CHOICES if c <= max(side, 24)))
        # a GPU engine hands host copies only while the overlay shows them
        shown_engine = self.shown_engine
        key = (self.engine.version, self.scrub, shown_engine.version,
               tuple(round(b, 9) for b in bounds), res, self.ui.overlay_visible)
        shown = {i: self.runs[i] for i, _ in cells}
        if all(run.key == key and run.frame is not None for run in shown.values()):
            return
        t0 = time.perf_counter()
        frames = update_views(
            {i: run.scene for i, run in shown.items()},
            lambda targets: dict(enumerate(shown_engine.frame(
                field_res=res, bounds=bounds, manifold_cells=MANIFOLD_CELLS, targets=targets,
                host_arrays=self.ui.overlay_visible))), self.clock)
        for i, run in shown.items():
            run.frame, run.key = frames[i], key
        if adapt and not self.ui.layers.blocky and self.adaptive_field:
            self._adapt_field_res(time.perf_counter() - t0)  # the budget is per frame

    def _scale_critics(self, cells) -> None:
        """A Wasserstein critic's field holds raw scores: its heatmap shows them on a
        diverging scale centred at their median (spread: the 98th percentile of the distance
        from it), set again whenever its frame changed; a probability D is shown as is."""
        for i, _ in cells:
            run, engine = self.runs[i], self.shown_engine
            if not engine.status(i).config.critic:
                run.scene.set_value_scale()
                run.critic_scale = None
                continue
            if run.frame is None or run.scaled_key == run.key:
                continue
            run.scaled_key = run.key
            values = np.asarray(run.frame.field, np.float64).ravel()
            if not values.size:  # a resident frame: the critic's raw scores on a coarse grid
                # (exactly, from its weights: sigmoid in float32 would round them away)
                values = np.asarray(picture_for(engine, i, "d", run.frame.field_bounds, 24)
                                    .logits, np.float64).ravel()
            values = values[np.isfinite(values)]
            if not values.size:
                continue
            center = float(np.median(values))
            spread = float(np.percentile(np.abs(values - center), 98))
            run.critic_scale = (center, 0.5 / max(spread, 1e-9))
            run.scene.set_value_scale(*run.critic_scale)

    def _samples(self, run: RunView) -> tuple[np.ndarray, np.ndarray] | None:
        """A shown run's (real, fake) positions on the host; a resident frame (GPU, panels
        hidden) has no host fakes, so G is evaluated once per frame key for them."""
        f = run.frame
        if f is None:
            return None
        if run.samples_key != run.key or run.samples is None:
            fake = f.fake
            if not len(fake) and len(f.noise):
                fake = self.shown_engine.generator(f.noise, run=self.runs.index(run))
            run.samples, run.samples_key = (np.asarray(f.real), np.asarray(fake)), run.key
        return run.samples

    def _watch_samples(self, cells) -> None:
        """Samples outside the view: edge markers with counts for every shown cell, and with
        auto-fit on, the view framed to take them in (and back to GAN Lab's unit square once
        every sample is inside it again); the optimal discriminator D* from the samples when
        its layer is on. Checked every SAMPLE_CHECK_S of the clock."""
        ui = self.ui
        if not ui.edge_markers:
            self.offscreen = []
        every = 0.0 if self.offline else SAMPLE_CHECK_S  # a recording: every frame exact
        if not (ui.edge_markers or ui.auto_fit or ui.layers.optimal) or \
                self.clock - self._samples_checked < every:
            return
        self._samples_checked = self.clock
        s = self.fb_scale
        if ui.auto_fit:
            framed = self.view
            self._auto_fit(cells)
            if self.view != framed:  # D's field follows the new framing in this very frame
                self._frames(cells, adapt=False)  # (a snapshot has no next frame to catch up
                # in; the second computation is not the frame's budget)
                self._scale_critics(cells)
        for i, _ in cells if ui.layers.optimal else ():
            pts, frame = self._samples(self.runs[i]), self.runs[i].frame
            if pts is not None:
                self.runs[i].scene.set_optimal(optimal_discriminator(
                    pts[0], pts[1], frame.field_bounds, OPTIMAL_GRID, undecided=np.nan),
                    frame.field_bounds)
        markers = []
        for i, (x, y, w, h) in cells if ui.edge_markers else ():
            pts = self._samples(self.runs[i])
            if pts is None:
                continue
            bounds = self.view.effective_bounds((max(int(w * s), 1), max(int(h * s), 1)))
            for kind, arr in (("real", pts[0]), ("fake", pts[1])):
                if getattr(ui.layers, kind):
                    markers += [{"rect": (x, y, w, h), "kind": kind, "direction": m.direction,
                                 "at": m.at, "count": m.count}
                                for m in offscreen_markers(arr, bounds)]
        self.offscreen = markers

    def _follow_trails(self, cells) -> None:
        """With the trails layer on: each new live frame, the pinned fake samples' positions
        join their paths (the last TRAIL_LENGTH moves: a camera move or an edit that moves
        nothing adds no step), in every shown run (the same noise index in each, so compared
        runs move the same sample); nothing pinned pins TRAIL_AUTO_PIN samples spread over
        the batch. Looking at the past leaves the paths as they are."""
        if not self.ui.layers.trails:
            if self._trails:
                self._trails = {}
                for run in self.runs:
                    run.scene.set_trails([])
            return
        for i, _ in cells:
            run = self.runs[i]
            pts = self._samples(run)
            if pts is None or self._trail_keys.get(i) == run.key or self.scrub is not None:
                continue
            self._trail_keys[i] = run.key
            run_id = self.engine.status(i).run_id
            if self._trail_ids.get(i) != run_id:  # a reset or a new run: new paths
                self._trail_ids[i] = run_id
                self._trails.pop(i, None)
            fake = pts[1]
            if not self.pinned and len(fake):
                self.pinned = sorted({int(k) for k in np.linspace(
                    0, len(fake) - 1, min(TRAIL_AUTO_PIN, len(fake)))})
            paths = self._trails.setdefault(i, {})
            for k in self.pinned:
                if k < len(fake) and np.all(np.isfinite(fake[k])):
                    path = paths.setdefault(k, [])
                    here = np.asarray(fake[k], np.float32).copy()
                    if not path or not np.array_equal(path[-1], here):
                        path.append(here)
                        del path[:-TRAIL_LENGTH]
            for k in [k for k in paths if k not in self.pinned]:
                del paths[k]
            run.scene.set_trails([np.array(p) for p in paths.values()])

    def pin_at(self, mouse_px: tuple[float, float] | None) -> bool:
        """Pin (or unpin) the fake sample nearest the pointer, when one is within a few
        pixels: its path is drawn by the trails layer. True when a sample was (un)pinned."""
        run = self.run_at(mouse_px)
        if run is None:
            return False
        pts = self._samples(self.runs[run])
        if pts is None or not len(pts[1]):
            return False
        x, y, w, h = dict(self.cell_rects())[run]
        px = self.view.data_to_px(np.asarray(pts[1], np.float64), (w, h))
        d = np.hypot(px[:, 0] - (mouse_px[0] - x), px[:, 1] - (mouse_px[1] - y))
        d[~np.isfinite(d)] = np.inf
        k = int(np.argmin(d))
        if d[k] > PIN_RADIUS_PX:
            return False
        if k in self.pinned:
            self.pinned.remove(k)
        else:
            self.pinned.append(k)
        self._trail_keys = {}  # draw the change at once
        self.ui.status = (f"following fake sample {k}" if k in self.pinned
                          else f"stopped following fake sample {k}")
        return True

    def _diagnose(self, cells) -> None:
        """The training warnings of every shown run (glgan.compute.diagnose: a dead or
        saturated D, mode collapse), looked at every DIAGNOSE_S of the clock when the shown
        state changed, at most DIAGNOSE_RUNS runs a frame (the focused one first), so a large
        grid is judged over a few frames instead of stalling one; a recording or snapshot
        renders them too when its panels show."""
        engine = self.shown_engine
        key = (self.engine.version, self.scrub, engine.version)
        key = key + (tuple(i for i, _ in cells),)  # judge newly shown cells too
        if key != self._diagnosed_key and self.clock - self._diagnosed_at >= DIAGNOSE_S:
            self._diagnosed_key, self._diagnosed_at = key, self.clock
            shown = [i for i, _ in cells]
            self._to_diagnose = sorted(shown, key=lambda i: i != self.focus)
            self.warnings = {i: w for i, w in self.warnings.items() if i in shown}
        batch, self._to_diagnose = (self._to_diagnose[:DIAGNOSE_RUNS],
                                    self._to_diagnose[DIAGNOSE_RUNS:])
        for i in batch:
            self.warnings[i] = ([as_dict(w) for w in diagnose(engine, i)]
                                if engine.status(i).diverged is None else [])

    def _auto_fit(self, cells) -> None:
        """Frame the samples when more than AUTO_FIT_OUTSIDE of the fakes are outside the
        view; back to GAN Lab's square once at most AUTO_FIT_BACK of them would be outside it
        (hysteresis: a few fakes on the edge never flip the view back and forth). The fakes
        decide: the real samples never move, and some of GAN Lab's lie just outside."""
        every = [self._samples(self.runs[i]) for i, _ in cells]
        every = [p for p in every if p is not None]
        if not every:
            return
        fakes = np.concatenate([p[1].reshape(-1, 2) for p in every])
        fakes = fakes[np.all(np.isfinite(fakes), axis=1)]
        if not len(fakes):
            return
        _, (_, _, w, h) = cells[0]
        size = (max(int(w), 1), max(int(h), 1))

        def outside(view: View) -> float:
            x0, y0, x1, y1 = view.effective_bounds(size)
            return float(((fakes[:, 0] < x0) | (fakes[:, 0] > x1) | (fakes[:, 1] < y0)
                          | (fakes[:, 1] > y1)).mean())

        if outside(self.view) > AUTO_FIT_OUTSIDE:
            reals = np.concatenate([p[0].reshape(-1, 2) for p in every])
            self.view = View.fit_points(reals, fakes)
        elif self.view != View() and outside(View()) <= AUTO_FIT_BACK:
            self.view = View()  # the fakes are back: GAN Lab's view

    def _adapt_field_res(self, spent: float) -> None:
        i = FIELD_RES_CHOICES.index(self.field_res)
        if spent > 2 * FIELD_BUDGET_S and i > 0:
            self.field_res = FIELD_RES_CHOICES[i - 1]
        elif spent < 0.5 * FIELD_BUDGET_S and i + 1 < len(FIELD_RES_CHOICES):
            self.field_res = FIELD_RES_CHOICES[i + 1]

    def view_rect_px(self) -> tuple[int, int, int, int]:
        """The focused run's cell as (x, y, w, h) in framebuffer pixels, top-left origin."""
        rect = dict(self.cell_rects()).get(self.focus, (0.0, 0.0, 0.0, 0.0))
        s = self.fb_scale
        return tuple(int(round(v * s)) for v in rect)

    def run_at(self, mouse_px: tuple[float, float] | None) -> int | None:
        """The run whose cell is under the pointer (logical pixels), None elsewhere."""
        if mouse_px is None or self.overlay.wants_mouse:
            return None
        mx, my = mouse_px
        for i, (x, y, w, h) in self.cell_rects():
            if x <= mx < x + w and y <= my < y + h:
                return i
        return None

    def mouse_data(self, mouse_px: tuple[float, float] | None) -> tuple[float, float] | None:
        """Data coordinates under the pointer (logical pixels) in the focused run's cell,
        None elsewhere."""
        if self.run_at(mouse_px) != self.focus:
            return None
        x, y, w, h = dict(self.cell_rects())[self.focus]
        d = self.view.px_to_data(np.array([mouse_px[0] - x, mouse_px[1] - y], float), (w, h))
        return float(d[0]), float(d[1])

    def click(self, mouse_px: tuple[float, float] | None, now: float | None = None) -> None:
        """A click in the view: with the trails layer on, a click on a fake sample pins it;
        else focus the run under the pointer; a second click on it within DOUBLE_CLICK_S
        makes it full size (or, full size, returns to the grid)."""
        if self.ui.layers.trails and self.pin_at(mouse_px):
            return
        run = self.run_at(mouse_px)
        if run is None or not self.comparing:
            return
        now = time.monotonic() if now is None else now
        double = (self._last_click is not None and self._last_click[1] == run
                  and now - self._last_click[0] <= DOUBLE_CLICK_S)
        self._last_click = None if double else (now, run)
        self.focus_run(run, (not self.maximized) if double else None)

    def _cell_info(self, cells) -> list[dict]:
        """What the overlay writes on each cell: the varied values, epoch, KL/JS, state."""
        out = []
        for i, rect in cells:
            st, f = self.shown_engine.status(i), self.runs[i].frame
            out.append({"rect": rect, "label": self.runs[i].label or f"run {i + 1}",
                        "epoch": st.epoch, "kl": f.kl if f is not None else float("nan"),
                        "js": f.js if f is not None else float("nan"),
                        "diverged": st.diverged is not None, "focused": i == self.focus,
                        "index": i, "warnings": self.warnings.get(i, [])})
        return out

    def render(self, fbo: moderngl.Framebuffer, dt: float,
               mouse_px: tuple[float, float] | None = None) -> None:
        """Run one frame into ``fbo``: apply the commands the overlay produced last frame,
        train, compute the visual state once, draw the views, build and draw the overlay."""
        t0 = time.perf_counter()
        self.fps = 0.9 * self.fps + 0.1 * (1.0 / max(dt, 1e-6))
        if self.recording is not None:
            # a fixed timestep while recording: every frame is one video frame, so the video
            # plays at true speed however long the frame took to render
            dt = 1.0 / RECORD_FPS
        self.clock += dt
        self.apply(self._commands)
        self._commands = []
        status = self.engine.status(self.focus)
        if status.run_id != self._run_id:  # a new run: slow motion starts at D1 again
            self._run_id = status.run_id
            if self.ui.slow_step is not None:
                self.ui.slow_step, self.ui.slow_elapsed = 0, 0.0
        # the rate counts this frame's training only (a reset or a new run in the commands
        # above would otherwise count as negative epochs)
        epoch_before = status.epoch
        self._keep()  # the state before training (the first frame's, a reset's)
        self._train()
        self._keep(trained_only=True)
        trained = self.engine.status(self.focus).epoch - epoch_before
        if not self.offline:  # offline, the recorder trains and sets the rate itself
            self.epochs_per_s = 0.9 * self.epochs_per_s + 0.1 * (trained / max(dt, 1e-6))
        t_train = time.perf_counter()
        cells = [(i, r) for i, r in self.cell_rects() if r[2] >= 1 and r[3] >= 1]
        self._frames(cells)
        self._scale_critics(cells)
        self._watch_samples(cells)  # (auto-fit may recompute the frames and critic scales)
        self.ui.critic_scale = self.runs[self.focus].critic_scale  # the graph's colours
        self._diagnose(cells)
        self._follow_trails(cells)
        t_frame = time.perf_counter()
        fbo.use()
        fb_w, fb_h = fbo.size
        self.ctx.viewport = (0, 0, fb_w, fb_h)
        layers = self.ui.view_layers(self.fb_scale)
        fbo.clear(*view_style(layers.palette, layers.theme).window, viewport=(0, 0, fb_w, fb_h))
        s = self.fb_scale
        drawn = []
        for i, (x, y, w, h) in cells:
            vx, vy, vw, vh = (int(round(v * s)) for v in (x, y, w, h))
            if vw > 0 and vh > 0:
                drawn.append((i, (vx, fb_h - vy - vh, vw, vh)))
        # every run at once, one draw call per layer; a critic's gradients are tiny (clipped
        # weights): its kites are drawn normalised, or they would not show at all
        self.layered.draw_cells(drawn, self.view, layers, self.clock,
                                normalized=[i for i, _ in drawn
                                            if self.runs[i].critic_scale is not None])
        if self.sync_timings:
            self.ctx.finish()
        if self.ui.overlay_visible and self.scene.frame is not None:
            self._draw_thumbnails()
        t_view = time.perf_counter()
        if self.recording is not None and self.ui.record_view_only:
            self._record(fbo)
        diverged = self.engine.status(self.focus).diverged
        if diverged and not self.ui.error and not self.comparing:
            self.ui.error = diverged
        _, _, fw, fh = self.view_rect_px()
        info = {
            "dataset_samples": self.dataset_samples,
            "mouse_data": self.mouse_data(mouse_px),
            "pick_radius": self.view.data_per_px((max(fw, 1), max(fh, 1))) * 6 * self.fb_scale,
            "recording": self.recording is not None,
            "fps": self.fps, "epochs_per_s": self.epochs_per_s,
            # wall-clock timings would make offline frames differ run to run
            "timings_ms": {} if self.offline else self.timings_ms,
            "backend": self.engine.backend_name,
            "cells": self._cell_info(cells) if self.comparing else [],
            "runs": ([(self.runs[i].label or f"run {i + 1}", self.engine.history(i))
                      for i in range(len(self.runs))] if self.comparing else []),
            "focus": self.focus, "maximized": self.maximized,
            "sessions": self._session_files() if self.ui.open_dialog else [],
            "capturing": (self.screenshot_requested or self.recording is not None
                          or self.offline),
            "ghosts": self._ghosts(),
            "offscreen": self.offscreen if self.ui.edge_markers else [],
            "warnings": self.warnings.get(self.focus, []),
            "run_id": self.engine.status(self.focus).run_id,
            "pretrained": self.pretrained_datasets,
            "critic_center": (None if self.runs[self.focus].critic_scale is None
                              else self.runs[self.focus].critic_scale[0]),
            "network": self.network_pictures.get(
                self.shown_engine, self.focus, open_net(self.ui),
                bounds=(self.frame_data.field_bounds if self.frame_data is not None
                        else (0.0, 0.0, 1.0, 1.0)), now=self.clock),
            "timeline": {"kept": self.timeline.epochs, "head": self.timeline.head,
                         "scrub": self.scrub,
                         "curve": self.engine.history(self.focus).table()[:, [0, 3]],
                         "branches": [(b.start, b.epochs[-1]) for b in self.timeline.branches]},
        }
        self.overlay.history = self.engine.history(self.focus)  # a new run has a new history
        self._commands = self.overlay.frame(self.config, self.frame_data, info, dt)
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
        if self.recording is not None and not self.ui.record_view_only:
            self._record(fbo)
        if self.screenshot_requested:
            self.screenshot_requested = False
            self.save_screenshot(fbo)

    def _draw_thumbnails(self) -> None:
        """Render the graph's thumbnails with the GL renderer and hand them to the overlay."""
        textures = self.thumbnails.render(self.ui.thumb_sizes, self.ui.view_layers(self.fb_scale),
                                          self.clock)
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
    def _manual_camera(self) -> None:
        """The user moved the camera: auto-fit stops (it would undo the move)."""
        if self.ui.auto_fit:
            self.ui.auto_fit = False
            self.ui.status = "auto-fit off (A turns it on again)"

    def zoom(self, factor: float, mouse_px: tuple[float, float] | None = None) -> None:
        """Zoom about the point under the mouse (the view's centre without one), between
        1e-4 and 1e4 data units across."""
        self._manual_camera()
        about = self.mouse_data(mouse_px) if mouse_px is not None else None
        try:
            view = self.view.zoomed(factor, about)
        except ValueError:
            return
        x0, y0, x1, y1 = view.bounds
        if ZOOM_LIMITS[0] <= min(x1 - x0, y1 - y0) and max(x1 - x0, y1 - y0) <= ZOOM_LIMITS[1]:
            self.view = view

    def pan_px(self, dx: float, dy: float) -> None:
        self._manual_camera()
        _, _, w, h = dict(self.cell_rects()).get(self.focus, (0, 0, 1, 1))
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
        self.ui.status = f"saved {path.resolve()}"
        return path

    def _new_path(self, suffix: str) -> Path:
        """A time-stamped name in out_dir that no file has yet (-2, -3, ... when taken)."""
        self.out_dir.mkdir(parents=True, exist_ok=True)
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
        if self._scratch is not None:
            self._scratch.release_targets()
        self.layered.release()
        self.overlay.shutdown()



