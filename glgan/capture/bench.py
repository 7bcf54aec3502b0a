"""bench_record: end-to-end offline recording throughput, plus the demo scene it draws.

Measures render into an FBO -> asynchronous PBO readback -> H.264 encode on the worker
thread -> file, for ``frames`` frames, and reports frames per second of wall-clock time in
glgan's JSON-line bench form. The scene is any callable ``render(i, fbo)``; ``demo_scene``
(a moving full-screen pattern drawn with one shader) is the default until the real renderer
is plugged in. ``demo_scene`` is deterministic and has fixed markers (red square at the
top-left, white bar near the bottom, moving white square) so tests can check orientation and
colour order of recorded frames.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .recording import Recording

_VERTEX = """
#version 330
in vec2 in_pos;
void main() { gl_Position = vec4(in_pos, 0.0, 1.0); }
"""

_FRAGMENT = """
#version 330
uniform int u_frame;
uniform vec2 u_size;
out vec4 f_color;
void main() {
    vec2 p = gl_FragCoord.xy / u_size;          // (0,0) = bottom-left, (1,1) = top-right
    float t = float(u_frame);
    vec3 c = vec3(fract(p.x + t / 97.0), p.y, 0.5 + 0.4 * sin(t * 0.21));
    vec2 sq = vec2(fract(t / 53.0), 0.5);        // moving square, walks left to right
    if (abs(p.x - sq.x) < 0.06 && abs(p.y - sq.y) < 0.08) c = vec3(1.0);
    if (p.x < 0.15 && p.y > 0.85) c = vec3(1.0, 0.0, 0.0);   // top-left marker: red
    if (p.y < 0.05 && p.x > 0.5) c = vec3(1.0);              // bottom-right bar: white
    f_color = vec4(c, 1.0);
}
"""


class DemoScene:
    """``scene(i, fbo)`` draws frame ``i`` of the demo pattern into ``fbo``; ``release()``
    frees its GL objects."""

    def __init__(self, ctx: Any) -> None:
        self._prog = ctx.program(vertex_shader=_VERTEX, fragment_shader=_FRAGMENT)
        self._vbo = ctx.buffer(np.array([-1.0, -1.0, 3.0, -1.0, -1.0, 3.0], dtype="f4"))
        self._vao = ctx.vertex_array(self._prog, [(self._vbo, "2f", "in_pos")])

    def __call__(self, i: int, fbo: Any) -> None:
        fbo.use()
        self._prog["u_frame"].value = int(i)
        self._prog["u_size"].value = tuple(float(v) for v in fbo.size)
        self._vao.render()

    def release(self) -> None:
        for obj in (self._vao, self._vbo, self._prog):
            obj.release()


def demo_scene(ctx: Any) -> DemoScene:
    """The default ``render(i, fbo)`` callable for ``bench_record`` and the capture tests."""
    return DemoScene(ctx)


def bench_record(
    size: tuple[int, int] = (1280, 720),
    fps: int = 60,
    frames: int = 120,
    *,
    render: Callable[[int, Any], None] | None = None,
    ctx: Any = None,
    path: str | None = None,
    preset: str = "ultrafast",
) -> dict[str, Any]:
    """Time ``frames`` frames of offline recording; return one JSON-able bench record.

    ``ctx``: a moderngl context to use (it must be current); if None a standalone EGL context
    is created and released. ``render``: scene callable, default ``demo_scene(ctx)``. ``path``:
    output file, default a temporary ``.mp4`` that is deleted afterwards.
    """
    own_ctx = ctx is None
    if own_ctx:
        import moderngl

        ctx = moderngl.create_context(standalone=True, backend="egl", require=330)
    own_scene = render is None
    try:
        if render is None:
            render = demo_scene(ctx)
        fbo = ctx.simple_framebuffer(size, components=4)
        render(0, fbo)  # compile shaders / warm up outside the timed loop
        ctx.finish()
        with tempfile.TemporaryDirectory(prefix="glgan-bench-") as tmp:
            out = path or str(Path(tmp) / "bench.mp4")
            t0 = time.perf_counter()
            rec = Recording.start(out, size, fps, live=False, preset=preset)
            for i in range(frames):
                render(i, fbo)
                rec.add_framebuffer(fbo)
            summary = rec.stop()
            elapsed = time.perf_counter() - t0
        fbo.release()
        if own_scene:
            render.release()  # type: ignore[union-attr]
    finally:
        if own_ctx:
            ctx.__exit__(None, None, None)  # leave no EGL context current on this thread
            ctx.release()
    return {
        "backend": "numpy",
        "case": f"record_{size[0]}x{size[1]}_{fps}fps",
        "metric": "frames_per_s",
        "value": round(summary.frames_written / elapsed, 2),
        "unit": "frames/s",
    }

