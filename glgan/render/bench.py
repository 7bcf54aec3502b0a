"""bench_render: frames per second of the full layered view, headless.

Owns the render benchmark only: every layer on, a 256x256 field uploaded every frame and
fake samples moving every frame (new FrameData each frame, like live training), with
``ctx.finish()`` per frame so the number is real GPU (llvmpipe) time, not queueing.
"""

from __future__ import annotations

import time

from glgan.layers import Layers
from glgan.render.offscreen import OffscreenRenderer
from glgan.render.synthetic import synthetic_frame


def bench_render(sizes: tuple[tuple[int, int], ...] = ((1280, 720), (1920, 1080)),
                 frames: int = 60, warmup: int = 5, field_res: int = 256,
                 samples: int = 0) -> list[dict]:
    """Render ``frames`` frames per size; one result line per size:
    ``{"backend": "gl", "case": "render_WxH", "metric": "frames_per_s", "value": fps,
    "unit": "frames/s"}``."""
    n = max(int(frames), 1)
    states = [synthetic_frame(t=i / 32.0, field_res=field_res) for i in range(32)]
    layers = Layers.all()
    results = []
    with OffscreenRenderer(samples=samples, transition_s=0.25) as r:
        for w, h in sizes:
            for i in range(warmup):
                r.draw(states[i % len(states)], (w, h), layers, time_s=i / 60.0, finish=True)
            t0 = time.perf_counter()
            for i in range(n):
                r.draw(states[i % len(states)], (w, h), layers, time_s=i / 60.0, finish=True)
            dt = time.perf_counter() - t0
            results.append({"backend": "gl", "case": f"render_{w}x{h}",
                            "metric": "frames_per_s", "value": round(n / dt, 2),
                            "unit": "frames/s"})
    return results
