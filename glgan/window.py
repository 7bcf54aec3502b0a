"""The window: glgan's App inside a moderngl-window window, started by ``glgan run``.

Owns the ``WindowConfig`` (window settings, event forwarding, zoom/pan with the mouse, the
--frames/--screenshot/--report automation options, fullscreen) and ``run_app``, which refuses
to start without a display and says what to use instead.

Automation handshake (for scripts that drive the real window, e.g. with xdotool), through two
environment variables naming files:

* ``GLGAN_READY_FILE``: once the first frame has been presented and the window is visible, the
  window writes its state there (the ``--report`` JSON: epoch, dataset, playing, frames,
  ``size`` = the framebuffer's [width, height], config, diverged) and rewrites it every
  ``READY_EVERY`` frames (atomically, so a reader never sees half a file). Its existence says
  "ready for input"; its ``frames``, ``playing``, ``dataset``, ``epoch`` and ``size`` show a
  script when its last action has taken effect.
* ``GLGAN_STOP_FILE``: checked after every frame; once that file exists the window ends as if
  ``--frames`` had been reached (saves ``--screenshot``, writes ``--report``, closes, exit 0).
  With it, ``--screenshot`` and the headless window do not need ``--frames``. (A stop file
  left over from an earlier run ends the window after its first frame: remove it first.)
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from pathlib import Path

from glgan.app import App
from glgan.ui.network import open_net

log = logging.getLogger(__name__)

READY_FILE_ENV = "GLGAN_READY_FILE"
STOP_FILE_ENV = "GLGAN_STOP_FILE"
READY_EVERY = 5  # frames between rewrites of the ready file


class SizedFramebuffer:
    """The window's default framebuffer at its current size. moderngl's ``ctx.screen`` keeps
    the size the window was created with, so after a resize its ``size`` (used to clear,
    set viewports and read pixels) would be wrong; everything else is passed through."""

    def __init__(self, fbo, size: tuple[int, int]) -> None:
        self._fbo = fbo
        self.size = (int(size[0]), int(size[1]))

    def __getattr__(self, name: str):
        return getattr(self._fbo, name)


def _has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


NO_DISPLAY = ("glgan: no display found (DISPLAY is not set), so the window cannot open.\n"
              "  Headless use: glgan snapshot --dataset ring --out view.png   (a PNG of the view)\n"
              "                glgan record --dataset ring --out run.mp4      (a video)\n"
              "                glgan train --dataset ring --epochs 5000       (numbers only)\n"
              "  Or run under a virtual display: xvfb-run -a glgan")


WINDOW_FAILED = ("glgan: error: the window could not open on display {display!r} ({why}).\n"
                 "  glgan needs a reachable display with OpenGL 3.3: check DISPLAY and the "
                 "graphics driver, or work without a window:\n"
                 "  glgan snapshot / glgan record / glgan train, or xvfb-run -a glgan")


def start_settings(args):
    """The saved display settings, with this run's --scale / --theme / --out-dir / --palette
    / --auto-fit on top."""
    from dataclasses import replace

    from glgan.settings import load_settings

    s = load_settings()
    for key, value in (("scale", getattr(args, "scale", None)),
                       ("theme", getattr(args, "theme", None)),
                       ("out_dir", getattr(args, "out_dir", None)),
                       ("palette", getattr(args, "palette", None)),
                       ("auto_fit", getattr(args, "auto_fit", None))):
        if value is not None:
            s = replace(s, **{key: value})
    return s.checked()


def make_window_class(args):
    """A moderngl-window WindowConfig class configured from the command line ``args``."""
    import moderngl_window as mglw

    from glgan.cli import build_config, imported_points
    from glgan.ui.input import OverlayEventsMixin

    config = build_config(args)
    drawn = imported_points(args)
    pretrained = not (args.dataset or args.preset or args.set or args.seed is not None
                      or drawn is not None) or getattr(args, "pretrained", False)

    class GlganWindow(OverlayEventsMixin, mglw.WindowConfig):
        gl_version = (3, 3)
        title = "glgan - GAN Lab, native"
        window_size = tuple(args.size)
        aspect_ratio = None
        resizable = True
        vsync = True
        samples = int(getattr(args, "msaa", 0))  # shaders anti-alias; MSAA is optional
        fullscreen = bool(args.fullscreen)
        # moderngl-window logs its start-up at INFO; only with -v
        log_level = logging.INFO if getattr(args, "verbose", False) else logging.WARNING

        opened = False  # set once a window exists: failures before that are set-up errors
        failed = False  # a --save at close failed: exit status 1

        def __init__(self, **kwargs):
            type(self).opened = True
            super().__init__(**kwargs)
            self.app = App(self.ctx, self.wnd.size, config, fb_scale=self.wnd.pixel_ratio,
                           keys=self.wnd.keys, mouse=getattr(self.wnd, "mouse", None),
                           pretrained=pretrained, play=args.play,
                           backend=getattr(args, "backend", "numpy"),
                           compare=getattr(args, "compare", None),
                           load=getattr(args, "load", None),
                           timeline_budget=int(getattr(args, "timeline_mb", 256)) << 20,
                           drawn=drawn)
            loaded_fit = self.app.ui.auto_fit  # a loaded session's, as it was saved
            self.app.apply_settings(start_settings(args))
            if getattr(args, "load", None) and getattr(args, "auto_fit", None) is None:
                self.app.ui.auto_fit = loaded_fit  # no --auto-fit given: as the session had it
            if getattr(args, "presentation", False):
                self.app.ui.overlay_visible = False  # the view and large readouts (H: panels)
            if getattr(args, "save", None):
                self.app.session_file = Path(args.save)  # Ctrl+S saves there too
            self.overlay = self.app.overlay
            self.wnd.exit_key = None  # Esc quits in on_key_event, only when it has no other job
            self.mouse_px: tuple[float, float] | None = None
            self.frames = 0
            self.max_frames = args.frames
            self.screenshot_path = args.screenshot
            self.ready_path = os.environ.get(READY_FILE_ENV) or None
            self.stop_path = os.environ.get(STOP_FILE_ENV) or None
            self._ready_at: int | None = None  # the frame count the ready file last showed
            # Ctrl-C and SIGTERM close the window like its close button: a recording is
            # finished (renamed from .partial), the report written, the exit status 0
            self.signalled: str | None = None
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, self._on_signal)

        def _on_signal(self, signum, frame) -> None:
            self.signalled = signal.Signals(signum).name

        def on_render(self, time_s: float, frame_time: float) -> None:
            self._write_ready()  # the previous frame has been presented by now
            dt = frame_time if frame_time > 0 else 1 / 60
            try:
                self.app.render(self.screen(), dt, self.mouse_px)
            except Exception as e:  # keep the window alive; say what went wrong
                log.exception("frame failed")
                self.app.ui.playing = False
                self.app.ui.error = f"internal error ({type(e).__name__}: {e}); training paused"
            if self.app.fullscreen_requested:
                self.app.fullscreen_requested = False
                self.wnd.fullscreen = not self.wnd.fullscreen
            self.frames += 1
            done = self.max_frames is not None and self.frames >= self.max_frames
            if self.signalled is not None:
                log.warning("%s: closing the window (a recording is finished)", self.signalled)
                done = True
            if done or (self.stop_path is not None and os.path.exists(self.stop_path)):
                if self.screenshot_path:
                    self.app.save_screenshot(self.screen(), self.screenshot_path)
                self.wnd.close()

        def screen(self) -> SizedFramebuffer:
            return SizedFramebuffer(self.wnd.fbo, self.wnd.buffer_size)

        def on_resize(self, width: int, height: int) -> None:
            if self.overlay_open:
                self.app.resize(width, height, self.wnd.pixel_ratio)

        def on_mouse_position_event(self, x, y, dx, dy):
            self.mouse_px = (float(x), float(y))
            super().on_mouse_position_event(x, y, dx, dy)

        def on_mouse_press_event(self, x, y, button):
            self.mouse_px = (float(x), float(y))
            super().on_mouse_press_event(x, y, button)
            if self.overlay_open and not self.app.ui.drawing.open and \
                    open_net(self.app.ui) is None:  # (clicks on the network view stay there)
                self.app.click(self.mouse_px)  # compare mode: focus; double-click: full size

        def _escape_busy(self) -> bool:
            """Esc has another job than quitting: a compared run is full size (back to the
            grid), the network view is open (it closes), or a text field or Tab navigation
            has the keys (it ends that)."""
            return (self.app.maximized or open_net(self.app.ui) is not None
                    or self.app.overlay.input.wants_keyboard)

        def on_mouse_drag_event(self, x, y, dx, dy):
            self.mouse_px = (float(x), float(y))
            super().on_mouse_drag_event(x, y, dx, dy)
            if self.overlay_open and not self.app.overlay.wants_mouse and \
                    not self.app.ui.drawing.open:
                self.app.pan_px(dx, dy)

        def on_mouse_scroll_event(self, x_offset, y_offset):
            super().on_mouse_scroll_event(x_offset, y_offset)
            if self.overlay_open and not self.app.overlay.wants_mouse and \
                    self.app.mouse_data(self.mouse_px):
                self.app.zoom(1.15 ** y_offset, self.mouse_px)

        def on_key_event(self, key, action, modifiers):
            keys = self.wnd.keys
            # decided before the key reaches anything: the press that ends a full-size run
            # or a text field must not also quit (nor its release: glfw's exit key fired on
            # every event of the key, so the window quits here, on a free press only)
            quit_now = (key == keys.ESCAPE and action == keys.ACTION_PRESS
                        and not self._escape_busy())
            super().on_key_event(key, action, modifiers)
            if self.overlay_open and action == keys.ACTION_PRESS and \
                    not self.app.overlay.input.wants_keyboard:
                if key == keys.ENTER and self.app.comparing:
                    self.app.focus_run(self.app.focus, maximize=True)
                elif key == keys.ESCAPE and self.app.maximized and open_net(self.app.ui) is None:
                    self.app.focus_run(self.app.focus, maximize=False)
            if quit_now:
                self.wnd.close()

        def on_close(self) -> None:
            try:  # the display settings are kept for the next run
                from glgan.settings import save_settings

                save_settings(self.app.current_settings())
            except OSError as e:
                log.warning("could not keep the settings: %s", e)
            try:
                if getattr(args, "save", None):  # --save: the session as the window closes
                    try:
                        print(f"saved {self.app.save_session(args.save)}")
                    except (OSError, ValueError) as e:
                        log.error("could not write --save %s: %s", args.save, e)
                        type(self).failed = True  # the exit status says so
                if args.report:
                    self._write_report(args.report)
            except OSError as e:  # the session's files (a recording) still get closed
                log.error("could not write --report %s: %s", args.report, e)
            finally:
                self.app.close()

        def _state(self) -> dict:
            status, ui = self.app.engine.status(), self.app.ui
            return {"epoch": status.epoch, "dataset": status.config.dataset,
                    "playing": ui.playing, "frames": self.frames,
                    "size": [int(v) for v in self.wnd.buffer_size],
                    "config": status.config.to_dict(), "diverged": status.diverged}

        def _write_report(self, path: str) -> None:
            import json

            from glgan.fileio import atomic_write

            state = self._state()
            atomic_write(path, lambda f: f.write(json.dumps(state, indent=1).encode()))

        def _write_ready(self) -> None:
            """GLGAN_READY_FILE: the state, after the first presented frame of a visible window
            and then every READY_EVERY frames (see the module docstring)."""
            if self.ready_path is None or self.frames < 1 or \
                    not getattr(self.wnd, "visible", True):
                return
            if self._ready_at is not None and self.frames - self._ready_at < READY_EVERY:
                return
            try:
                self._write_report(self.ready_path)
                self._ready_at = self.frames
            except OSError as e:  # automation only: the window goes on without it
                log.error("could not write %s=%s: %s; no longer writing it", READY_FILE_ENV,
                          self.ready_path, e)
                self.ready_path = None

    return GlganWindow


def run_app(args) -> int:
    """Open the window (``glgan run``); returns the exit status."""
    import moderngl_window as mglw

    from glgan.capture.validate import check_writable_file

    window = args.window or ("headless" if os.environ.get("GLGAN_HEADLESS") else "glfw")
    stop_file = os.environ.get(STOP_FILE_ENV) or None  # also ends the window, like --frames
    if args.screenshot is not None:
        from glgan.capture.validate import check_png_target

        if args.frames is None and stop_file is None:
            print(f"glgan: error: --screenshot needs --frames N (it saves the last frame) or "
                  f"{STOP_FILE_ENV}")
            return 2
        check_png_target(args.screenshot, "--screenshot")  # before any window opens
    if args.report is not None:
        check_writable_file(args.report, "--report")
    if os.environ.get(READY_FILE_ENV):
        check_writable_file(os.environ[READY_FILE_ENV], READY_FILE_ENV)
    if args.frames is not None and args.frames < 1:
        print(f"glgan: error: --frames={args.frames} must be at least 1")
        return 2
    if args.dataset or args.preset or args.seed is not None or args.set or \
            getattr(args, "data", None):
        from glgan.cli import build_config, imported_points

        build_config(args)  # a bad --set value is reported as such, display or not
        imported_points(args, quiet=True)  # and a bad --data file (read again at start)
    from glgan.settings import SCALE_RANGE

    scale = getattr(args, "scale", None)
    if scale is not None and not SCALE_RANGE[0] <= scale <= SCALE_RANGE[1]:
        from glgan.config import ConfigError

        raise ConfigError(f"--scale={scale}: allowed {SCALE_RANGE[0]}..{SCALE_RANGE[1]}")
    mb = getattr(args, "timeline_mb", 256)
    if isinstance(mb, bool) or not isinstance(mb, int) or not 1 <= mb <= 65536:
        from glgan.config import ConfigError

        raise ConfigError(f"--timeline-mb={mb!r} must be an integer 1..65536")
    if getattr(args, "save", None) is not None:
        from glgan.compute.modelio import check_session_target

        check_session_target(args.save)  # before the window opens: a bad name costs nothing
    if getattr(args, "load", None) is not None:
        from glgan.cli import refuse_settings_with_load
        from glgan.compute.modelio import read_any

        refuse_settings_with_load(args)
        read_any(args.load)  # a bad file is one clear error line, before any window
    if getattr(args, "compare", None):
        from glgan.app import MAX_WINDOW_RUNS
        from glgan.config import ConfigError, compare_grid

        grid = compare_grid(args.compare)  # bad keys and values: one clear error line
        if len(grid) > MAX_WINDOW_RUNS:
            raise ConfigError(f"--compare: {len(grid)} runs; the window shows at most "
                              f"{MAX_WINDOW_RUNS} side by side")
    if window != "headless" and not _has_display():
        print(NO_DISPLAY)
        return 2
    cls = make_window_class(args)
    argv = ["--window", window]
    if window == "headless":
        argv += ["--backend", "egl"]
        if args.frames is None and stop_file is None:
            print(f"glgan: --window headless needs --frames N or {STOP_FILE_ENV} (it has no "
                  f"screen to close)")
            return 2
    import warnings

    with warnings.catch_warnings(record=True) as caught:  # glfw says why it failed this way
        warnings.simplefilter("always")
        try:
            mglw.run_window_config(cls, args=argv)
        except Exception as e:
            if cls.opened:  # a failure after the window was up is a bug: show it
                raise
            why = "; ".join(str(w.message) for w in caught) or f"{type(e).__name__}: {e}"
            print(WINDOW_FAILED.format(display=os.environ.get("DISPLAY") or
                                       os.environ.get("WAYLAND_DISPLAY") or window, why=why),
                  file=sys.stderr)
            return 2
        finally:
            for w in caught:  # other warnings still reach the log
                if cls.opened:
                    log.warning("%s", w.message)
    return 1 if cls.failed else 0


