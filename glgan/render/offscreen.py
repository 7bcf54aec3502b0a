"""Headless snapshots: an offscreen EGL context + framebuffer around a LayeredView.

Owns ``OffscreenRenderer`` (one context, one LayeredView, a framebuffer resized on demand,
optional MSAA), ``render_frame`` (one-shot convenience) and ``save_png`` (atomic PNG write).
The context is made current only inside each call and unbound afterwards, so GLX/glfw work in
the same thread stays safe (see shared/reference/stack.md section 8).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import moderngl
import numpy as np

from glgan.errors import UserError
from glgan.fileio import atomic_write
from glgan.frame import FrameData, ViewCapacity, ViewTargets
from glgan.layers import Layers
from glgan.render.layered_view import LayeredView
from glgan.render.view import View


class NoGLError(UserError):
    """No usable headless OpenGL here (no EGL library or device, or too old a GL)."""


def create_egl_context(require: int = 330) -> moderngl.Context:
    """A standalone headless EGL context, left *unbound* (use ``with ctx:`` to draw). Raises
    NoGLError (one line: what failed and what to install) when there is none."""
    try:
        ctx = moderngl.create_context(standalone=True, backend="egl", require=require)
    except Exception as e:  # moderngl/glcontext raise plain Exceptions for every EGL failure
        raise NoGLError(f"no headless OpenGL {require // 100}.{require % 100 // 10} context "
                        f"({e}); install Mesa's EGL (apt-get install libegl1 libgl1-mesa-dri) "
                        "or an NVIDIA driver") from None
    ctx.__exit__(None, None, None)
    return ctx


def _alive(obj: object) -> bool:
    """False for None and for moderngl objects already released."""
    return obj is not None and type(getattr(obj, "mglo", None)).__name__ != "InvalidObject"


class OffscreenRenderer:
    """Renders FrameData to (H, W, 3) uint8 arrays without a window.

    Use as a context manager (or call ``close()``). With ``ctx=None`` it creates and owns a
    headless EGL context and binds it only during each call. With a ``ctx`` passed in, the
    caller keeps that context current while calling (e.g. the ``gl_ctx`` test fixture).
    ``samples`` > 0 renders into an MSAA framebuffer (smoother manifold edges) and resolves.
    """

    def __init__(self, ctx: moderngl.Context | None = None, samples: int = 0,
                 transition_s: float = 0.0, capacity: ViewCapacity | None = None) -> None:
        self._owns_ctx = ctx is None
        self.ctx = create_egl_context() if ctx is None else ctx
        self.samples = int(samples)
        self._fbo: moderngl.Framebuffer | None = None
        self._resolve: moderngl.Framebuffer | None = None
        self._size: tuple[int, int] | None = None
        with self._current():
            self.view = LayeredView(self.ctx, transition_s=transition_s, capacity=capacity)

    @contextlib.contextmanager
    def _current(self) -> Iterator[moderngl.Context]:
        """Make the context current (own context) or, on a borrowed context, restore the
        caller's framebuffer and viewport afterwards."""
        if self._owns_ctx:
            with self.ctx as ctx:
                yield ctx
            return
        ctx = self.ctx
        prev_fbo, prev_vp = ctx.fbo, ctx.viewport
        try:
            yield ctx
        finally:
            if _alive(prev_fbo) and all(prev_fbo is not f for f in (self._fbo, self._resolve)):
                prev_fbo.use()
                ctx.viewport = prev_vp

    def _target(self, size: tuple[int, int]) -> moderngl.Framebuffer:
        if self._size != size:
            self._release_targets()
            ctx = self.ctx
            self._resolve = ctx.framebuffer(ctx.renderbuffer(size, 4))
            self._fbo = (ctx.framebuffer(ctx.renderbuffer(size, 4, samples=self.samples))
                         if self.samples > 0 else self._resolve)
            self._size = size
        return self._fbo

    def _release_targets(self) -> None:
        fbs = {id(f): f for f in (self._fbo, self._resolve) if f is not None}
        if not _alive(self.ctx.fbo) or any(self.ctx.fbo is f for f in fbs.values()):
            # moderngl re-binds its "current" framebuffer after creating one; never leave it
            # pointing at a deleted object (that raises GL_INVALID_OPERATION later)
            self.ctx.detect_framebuffer(0).use()
        for fb in fbs.values():
            for att in fb.color_attachments:
                att.release()
            fb.release()
        self._fbo = self._resolve = None
        self._size = None

    def _read(self) -> np.ndarray:
        if self._fbo is not self._resolve:
            self.ctx.copy_framebuffer(self._resolve, self._fbo)
        w, h = self._size
        data = self._resolve.read(components=3, alignment=1)
        return np.flipud(np.frombuffer(data, np.uint8).reshape(h, w, 3)).copy()

    def render(self, frame: FrameData | None, size: tuple[int, int] = (512, 512),
               layers: Layers | None = None, view: View | None = None,
               time_s: float | None = None) -> np.ndarray:
        """Upload ``frame`` (if not None) and draw it; returns (H, W, 3) uint8, top row first.

        ``time_s`` drives the fake-sample transition (None = settled positions)."""
        size = (int(size[0]), int(size[1]))
        with self._current():
            self._draw(frame, size, layers, view, time_s)
            return self._read()

    def update_from(self, produce: Callable[[ViewTargets], FrameData]) -> FrameData:
        """``LayeredView.update_from`` with this renderer's context current: ``produce`` (an
        engine's frame) may write into the view's GL objects itself."""
        with self._current():
            return self.view.update_from(produce)

    def draw(self, frame: FrameData | None, size: tuple[int, int] = (512, 512),
             layers: Layers | None = None, view: View | None = None,
             time_s: float | None = None, finish: bool = False) -> None:
        """Like ``render`` but without the read-back (benchmarks); ``finish`` waits for the GL."""
        with self._current():
            self._draw(frame, (int(size[0]), int(size[1])), layers, view, time_s)
            if finish:
                self.ctx.finish()

    def _draw(self, frame: FrameData | None, size: tuple[int, int], layers: Layers | None,
              view: View | None, time_s: float | None) -> None:
        if frame is not None:
            self.view.update(frame)
        self._target(size).use()
        self.view.draw(size, view, layers, time_s)

    def render_noise(self, frame: FrameData | None, size: tuple[int, int] = (140, 140),
                     layers: Layers | None = None) -> np.ndarray:
        """The noise-space thumbnail of ``frame`` as (H, W, 3) uint8."""
        size = (int(size[0]), int(size[1]))
        with self._current():
            if frame is not None:
                self.view.update(frame)
            self._target(size).use()
            self.view.draw_noise(size, layers)
            return self._read()

    def close(self) -> None:
        """Release every GL object (and the context, if this renderer created it)."""
        if self.ctx is None:
            return
        with self._current():
            self.view.release()
            self._release_targets()
        if self._owns_ctx:
            self.ctx.release()
        self.ctx = None

    def __enter__(self) -> OffscreenRenderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def render_frame(frame: FrameData, size: tuple[int, int] = (512, 512),
                 layers: Layers | None = None, view: View | None = None,
                 renderer: OffscreenRenderer | None = None) -> np.ndarray:
    """One snapshot of ``frame`` as (H, W, 3) uint8, top row first.

    Pass a long-lived ``renderer`` when rendering many frames; without one, a temporary
    offscreen context is created and released (about 0.1 s)."""
    if renderer is not None:
        return renderer.render(frame, size, layers, view)
    with OffscreenRenderer() as r:
        return r.render(frame, size, layers, view)


def save_png(array: np.ndarray, path: str | os.PathLike) -> Path:
    """Write an (H, W, 3|4) uint8 array as PNG atomically (temp file + os.replace)."""
    from PIL import Image

    arr = np.ascontiguousarray(array)
    if arr.dtype != np.uint8 or arr.ndim != 3 or arr.shape[2] not in (3, 4):
        raise ValueError(f"save_png needs (H, W, 3|4) uint8, got {arr.shape} {arr.dtype}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda fh: Image.fromarray(arr).save(fh, format="PNG"))
    return path
