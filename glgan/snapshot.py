"""``glgan snapshot``: train headless, then render the layered view to a PNG (no display).

Owns the glue between the engine, the renderer and the capture module for still images, plus
the helpers ``glgan.record`` shares: argument checks that run before any training
(``check_png_path``, ``check_layers``, ``check_field_res``), chunked training that stops with
a clear error on divergence (``train_or_raise``) and the framing of the view
(``framing``: GAN Lab's unit square, widened along the longer axis for non-square images, with
D's heatmap computed over exactly the visible rectangle so it fills the image).

Python API (notebooks)::

    from glgan.compute.api import make_engine
    from glgan.snapshot import snapshot_array
    engine = make_engine(preset("ring")); engine.train(2000)
    img = snapshot_array(engine, (800, 600), "heatmap,manifold,real,fake")  # (600, 800, 3) uint8

Errors a user can cause are raised as classes the CLI reports with exit status 2:
``SnapshotPathError`` (an ``OSError``, also a ``CaptureError``), ``ConfigError`` for bad
layers / field resolution, and ``DivergedError`` (a ``ConfigError``: lower a learning rate).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .capture.errors import CaptureError
from .capture.validate import check_png_target
from .config import MAX_EPOCHS, ConfigError, GanConfig
from .frame import MAX_FIELD_RES

if TYPE_CHECKING:
    from .compute.api import GanEngine
    from .render import Layers, OffscreenRenderer, View

TRAIN_CHUNK = 100          # epochs per train() call: a divergence rolls back at most this many
DEFAULT_FIELD_RES = 256


class SnapshotPathError(CaptureError, OSError):
    """An output path that cannot be written (wrong extension, missing or read-only dir)."""


class DivergedError(ConfigError):
    """Training produced NaN/Inf. ``summary`` holds what was recorded so far (record only)."""

    def __init__(self, message: str, *, summary: object = None) -> None:
        super().__init__(message)
        self.summary = summary


# ---------------------------------------------------------------------------- checks
def check_png_path(out: str | os.PathLike[str]) -> Path:
    """``--out`` must be a writable .png path (see ``capture.validate.check_png_target``)."""
    try:
        return check_png_target(out, "--out")
    except CaptureError as e:
        raise SnapshotPathError(str(e)) from e


def check_layers(layers: str | Layers | None) -> Layers:
    """A Layers from a ``"heatmap,real,fake"`` spec (or a Layers / None = GAN Lab's defaults);
    an unknown name raises ConfigError listing the valid ones."""
    from .render import Layers, parse_layers

    if layers is None:
        return Layers()
    if isinstance(layers, Layers):
        return layers
    try:
        return parse_layers(str(layers))
    except ValueError as exc:
        raise ConfigError(f"--layers: {exc}") from None


def check_one_frame_layers(spec: str) -> None:
    """A snapshot is one frame: a ``--layers`` spec that names ``trails`` (paths drawn from
    frame to frame) is refused rather than drawing nothing (``all`` takes what applies)."""
    if "trails" in str(spec).replace(",", " ").lower().split():
        raise ConfigError(f"--layers={spec}: trails follow samples from frame to frame and a "
                          "snapshot is one frame; use glgan record for them")


def check_field_res(field_res: int) -> int:
    if isinstance(field_res, bool) or not isinstance(field_res, (int, np.integer)) or not (
            1 <= field_res <= MAX_FIELD_RES):
        raise ConfigError(f"--field-res={field_res!r} must be an integer 1..{MAX_FIELD_RES}")
    return int(field_res)


def check_epochs(epochs: int, name: str = "--epochs") -> int:
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or \
            not 0 <= epochs <= MAX_EPOCHS:
        raise ConfigError(f"{name}={epochs!r} must be an integer in [0, {MAX_EPOCHS:.0e}]")
    return int(epochs)


# ---------------------------------------------------------------------------- training
def train_or_raise(engine: GanEngine, epochs: int,
                   on_chunk: Callable[[int], None] | None = None) -> None:
    """Train ``epochs`` epochs in chunks; raise DivergedError (engine left at the last finite
    state) if the weights or losses become NaN/Inf."""
    done = 0
    while done < epochs and engine.status().diverged is None:
        n = min(TRAIN_CHUNK, epochs - done)
        done += engine.train(n).epochs
        if on_chunk is not None:
            on_chunk(done)
    diverged = engine.status().diverged
    if diverged is not None:
        raise DivergedError(f"{diverged} Nothing was rendered.")


# ---------------------------------------------------------------------------- framing
def framing(size: tuple[int, int], view: View | None = None
            ) -> tuple[View, tuple[float, float, float, float]]:
    """(view, field bounds) for an image of ``size``: GAN Lab's unit square by default, with
    one data unit the same number of pixels in x and y; the heatmap covers what is visible."""
    from .render import View

    view = view if view is not None else View.unit()
    return view, view.effective_bounds(size)


def snapshot_array(engine: GanEngine, size: tuple[int, int] = (800, 800),
                   layers: str | Layers | None = None, *, field_res: int = DEFAULT_FIELD_RES,
                   view: View | None = None, renderer: OffscreenRenderer | None = None
                   ) -> np.ndarray:
    """Render ``engine``'s current state as an (H, W, 3) uint8 RGB array, top row first.

    ``size`` is (width, height); ``layers`` a spec like ``"heatmap,manifold,real,fake"``
    or a ``Layers``; ``view`` the data rectangle (default GAN Lab's [0,1]^2, aspect kept).
    Pass a long-lived ``renderer`` (an ``OffscreenRenderer``) to render many images cheaply;
    otherwise a temporary headless EGL context is made and released (about 0.1 s).
    """
    from .render import OffscreenRenderer

    size = (int(size[0]), int(size[1]))
    lay = check_layers(layers)
    field_res = check_field_res(field_res)
    view, bounds = framing(size, view)

    def produce(targets):  # a GPU engine writes into the view's GL objects: no host copy
        return engine.frame(field_res=field_res, bounds=bounds, targets={0: targets},
                            host_arrays=False)[0]

    if renderer is not None:
        try:
            renderer.update_from(produce)
            return renderer.render(None, size, lay, view)
        finally:
            engine.release_targets()
    with OffscreenRenderer() as r:
        try:
            r.update_from(produce)
            return r.render(None, size, lay, view)
        finally:  # while the view's GL objects and context still exist
            engine.release_targets()


def app_array(cfg: GanConfig, specs: list[str] | None, *, epochs: int,
              size: tuple[int, int], layers: Layers, field_res: int,
              backend: str = "numpy", load=None, epoch: int | None = None,
              drawn=None, auto_fit: bool | None = None) -> np.ndarray:
    """What ``glgan snapshot`` renders, drawn by the interactive App itself (the window's
    frame loop, without panels) as (H, W, 3) uint8: one run over the whole image, or the grid
    of ``specs`` (``KEY=V1,V2,...``) or of the runs of the session ``load`` with captions;
    after ``epochs`` more epochs. ``epoch`` (with ``load``): first go back to that past epoch
    of the session (kept in its timeline, or replayed exactly from the kept state before it).
    A diverged run in a grid is paused alone; only when every run diverged is it an error.
    ``auto_fit``: frame the samples when the fakes have left GAN Lab's square (as the window
    does with auto-fit on); None keeps what the session says (off without ``load``)."""
    from .app import App
    from .render.offscreen import create_egl_context

    ctx = create_egl_context()
    try:
        with ctx:
            app = App(ctx, size, cfg, pretrained=False, backend=backend, compare=specs,
                      load=load, drawn=drawn)
            fbo = ctx.simple_framebuffer(size, components=4)
            try:
                if app.ui.error:
                    raise ConfigError(app.ui.error)
                app.offline = True
                app.ui.overlay_visible = app.ui.hint_visible = False
                app.ui.use_layers(layers)
                app.fix_field_res(field_res)
                if auto_fit is not None:
                    app.ui.auto_fit = bool(auto_fit)
                if epoch is not None:
                    first, last = app.timeline.epochs[0], app.timeline.head
                    if isinstance(epoch, bool) or not isinstance(epoch, int) or \
                            not first <= epoch <= last:
                        raise ConfigError(f"--epoch={epoch!r}: {load} holds epochs "
                                          f"{first}..{last}")
                    app.scrub_to(epoch)
                    if epochs:
                        app.branch_here()  # train on from the past epoch
                done = 0
                while done < epochs and not app.all_diverged():
                    done += app.engine.train(min(TRAIN_CHUNK, epochs - done)).epochs
                if app.all_diverged():
                    status = app.engine.status(0)
                    why = (status.diverged if len(app.runs) == 1
                           else f"every run diverged ({status.diverged})")
                    raise DivergedError(f"{why} Nothing was rendered.")
                app.render(fbo, 0.0)
                raw = fbo.read(components=3, alignment=1)
            finally:
                app.close()
                fbo.release()
    finally:
        ctx.release()
    w, h = size
    return np.frombuffer(raw, np.uint8).reshape(h, w, 3)[::-1].copy()


def snapshot(cfg: GanConfig, *, epochs: int = 1000, size: tuple[int, int] = (800, 800),
             out: str | os.PathLike[str] = "snapshot.png", layers: str | Layers | None = None,
             field_res: int = DEFAULT_FIELD_RES, backend: str = "numpy",
             compare: list[str] | None = None, load: str | os.PathLike | None = None,
             epoch: int | None = None, drawn=None, auto_fit: bool | None = None) -> Path:
    """``glgan snapshot``: validate, train ``epochs`` epochs of ``cfg`` (or of every run of
    ``compare``, side by side; or of the session ``load``, at its past ``epoch`` when given:
    kept in its timeline, or replayed exactly from the kept state before it), render, write
    the PNG atomically. Returns the path. Everything is checked before training starts."""
    from .capture.sinks import save_png

    path = check_png_path(out)
    lay = check_layers(layers)
    if isinstance(layers, str):
        check_one_frame_layers(layers)
    field_res = check_field_res(field_res)
    epochs = check_epochs(epochs)
    w, h = (int(v) for v in size)
    if w < 1 or h < 1:
        raise ConfigError(f"--size={w}x{h}: width and height must be >= 1")
    if compare and load is not None:
        raise ConfigError("--compare: cannot be combined with --load (the session holds its "
                          "runs)")
    if epoch is not None and load is None:
        raise ConfigError("--epoch: needs --load (a session whose past it renders)")
    if compare or load is not None:
        from .app import MAX_WINDOW_RUNS

        if compare:
            from .config import compare_grid

            runs = len(compare_grid(compare))
        else:
            from .compute.modelio import read_any

            runs = len(read_any(load).state.runs)  # a bad file is refused before training
        if runs > MAX_WINDOW_RUNS:
            what = "--compare" if compare else f"--load {load}"
            raise ConfigError(f"{what}: {runs} runs; a grid shows at most {MAX_WINDOW_RUNS}")
    image = app_array(cfg, compare, epochs=epochs, size=(w, h), layers=lay,
                      field_res=field_res, backend=backend, load=load, epoch=epoch,
                      drawn=drawn, auto_fit=auto_fit)
    try:
        return save_png(image, path)
    except CaptureError as exc:
        raise SnapshotPathError(str(exc)) from exc
