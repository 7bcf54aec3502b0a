"""Benchmarks behind ``glgan bench``: one JSON-able dict per measurement.

Owns what is measured and how: training epochs/s for GAN Lab's gaussians preset, for the
largest GAN Lab model (6 ReLU hidden layers of 100 neurons for G and D, i.e. GAN Lab's
"5 layers"), batch 150, SGD, and for 16 gaussians runs (16 seeds) trained side by side in one
engine (aggregate epochs x runs / s, with its ratio to the single run measured in the same
call); optionally the renderer and video recording. Every line has the form {"backend",
"case", "metric", "value", "unit"}. Timings are never asserted in tests.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator

from .config import GanConfig, preset

TRAIN_CASES = {
    "gaussians": ([preset("gaussians")], 4000),
    "large_5x100": ([GanConfig(g_hidden_layers=6, g_neurons=100, d_hidden_layers=6,
                               d_neurons=100)], 300),
    "gaussians_runs16": ([preset("gaussians").replace(seed=s) for s in range(16)], 500),
}
# measured only on the GPU backends: many runs side by side are nearly free there
GPU_CASES = {
    "gaussians_runs128": ([preset("gaussians").replace(seed=s) for s in range(128)], 500),
    "large_5x100_adam": ([GanConfig(g_hidden_layers=6, g_neurons=100, d_hidden_layers=6,
                                    d_neurons=100, d_optimizer="adam", g_optimizer="adam",
                                    d_lr=0.001, g_lr=0.001)], 300),
}


def bench_train(backend: str, case: str, configs: list[GanConfig], epochs: int,
                repeats: int = 3) -> dict:
    """Best of ``repeats`` timed runs of ``epochs`` epochs of every run, after a warm-up;
    the value is epochs x runs per second."""
    from .compute.api import make_engine

    engine = make_engine(configs, backend=backend)
    engine.train(max(10, epochs // 20))
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        engine.train(epochs)
        best = min(best, time.perf_counter() - t0)
    name = "cupy-eager" if engine.backend_name == "cupy" else engine.backend_name
    return {"backend": name, "case": case, "metric": "epochs_per_s",
            "value": round(epochs * len(configs) / best, 1), "unit": "epochs/s",
            "runs": len(configs)}


def run_benchmarks(backend: str = "numpy", render: bool = False, record: bool = False,
                   quick: bool = False, app: bool = False) -> Iterator[dict]:
    # a GPU run also measures the NumPy path and the eager CuPy baseline in the same process,
    # side by side
    backends = {"cuda": ["numpy", "cuda", "cupy"], "auto": ["numpy", "auto"],
                "cupy": ["numpy", "cupy"]}.get(backend, [backend])
    for be in backends:
        lines = {}
        cases = dict(TRAIN_CASES, **(GPU_CASES if be in ("cuda", "auto") else {}))
        for case, (configs, epochs) in cases.items():
            n = max(20, epochs // 20) if quick else epochs
            if be == "cupy":  # the eager baseline is launch-bound: fewer epochs suffice
                n = max(10, n // 20)
            lines[case] = line = bench_train(be, case, configs, n, repeats=1 if quick else 3)
            yield line
        # batching's gain, measured side by side with the single run of the same call
        yield {"backend": lines["gaussians_runs16"]["backend"], "case": "gaussians_runs16",
               "metric": "ratio_to_single_run",
               "value": round(lines["gaussians_runs16"]["value"] / lines["gaussians"]["value"],
                              2), "unit": "x"}
    big = render or record or app
    renderer = _gl_renderer() if big else None
    if big and renderer is None:
        render = record = app = False
        print("glgan bench: no OpenGL (EGL) context: rendering, the interactive frame and "
              "recording are not measured", file=sys.stderr)
    hardware = bool(renderer) and not any(s in renderer for s in ("llvmpipe", "softpipe",
                                                                  "swrast"))
    if render:
        from .render.bench import bench_render

        sizes = ((1280, 720), (1920, 1080)) + (((3840, 2160),) if hardware else ())
        yield from bench_render(sizes=sizes, frames=10 if quick else 120)
    if app:
        yield from bench_app(frames=10 if quick else 120)
        # compare mode: 9 gaussians runs side by side in the window's grid
        yield from bench_app(size=(1920, 1080), frames=10 if quick else 60,
                             compare=["seed=" + ",".join(str(s) for s in range(9))])
        if hardware:
            yield from bench_app(size=(3840, 2160), frames=10 if quick else 240)
        if backend in ("cuda", "auto", "cudasim"):
            # the GPU target: the 4K frame while training ~100 epochs per frame, with the
            # overlay (its graph takes host copies) and the view alone (no copies at all)
            size = (3840, 2160) if hardware else (1280, 720)
            for overlay in (True, False):
                yield from bench_app(size=size, frames=10 if quick else 240,
                                     epochs_per_frame=100, backend=backend, overlay=overlay)
    if record and not _have_pyav():
        record = False
        print("glgan bench: PyAV is not installed: video recording is not measured",
              file=sys.stderr)
    if record:
        from .record import bench_record

        yield from bench_record(quick=quick)
        if hardware:  # the lent GPU's targets: 1080p at 120 fps and 4K at 60 fps, real time
            yield from bench_record(quick=quick, size=(1920, 1080), fps=120)
            yield from bench_record(quick=quick, size=(3840, 2160), fps=60)


def _have_pyav() -> bool:
    try:
        import av  # noqa: F401
    except ImportError:
        return False
    return True


def _gl_renderer() -> str | None:
    """GL_RENDERER of a headless EGL context (lower case), or None when there is no GL: on
    real GPU hardware the 4K cases of the GPU targets are measured too."""
    try:
        import moderngl

        ctx = moderngl.create_context(standalone=True, backend="egl", require=330)
    except Exception:  # no moderngl, no EGL, no GL 3.3: nothing to render with
        return None
    try:
        return str(ctx.info.get("GL_RENDERER", "")).lower()  # read while it is current
    finally:
        ctx.__exit__(None, None, None)
        ctx.release()


def bench_app(size: tuple[int, int] = (1280, 720), frames: int = 120,
              epochs_per_frame: int = 1, backend: str = "numpy", overlay: bool = True,
              compare: list[str] | None = None) -> list[dict]:
    """The interactive frame, headless: frames/s, the epochs/s trained meanwhile, the
    device -> host copies of visual data per frame, and the split train / view / overlay / ui
    (ms).

    Runs the real ``App`` (pretrained gaussians, playing, on ``backend``; the overlay shown or
    hidden; with ``compare`` specs the runs side by side, case ``app_frame_compareN``, epochs/s
    then counting every run's epochs) into an offscreen framebuffer of ``size`` on an EGL
    context, ``ctx.finish()`` after each frame so GL time is counted.
    """
    from glgan.app import App
    from glgan.config import GanConfig as Config
    from glgan.render.offscreen import create_egl_context
    from glgan.ui import commands as cmd

    ctx = create_egl_context()
    sums = {"train": 0.0, "frame": 0.0, "view": 0.0, "ui": 0.0, "overlay": 0.0}
    try:
        with ctx:
            app = App(ctx, size, Config(), pretrained=compare is None, play=True,
                      backend=backend, compare=compare)
            app.apply([cmd.SetEpochsPerFrame(epochs_per_frame)])
            app.ui.overlay_visible = overlay
            app.sync_timings = True
            fbo = ctx.simple_framebuffer(size, components=4)
            for _ in range(5):
                app.render(fbo, 1 / 60)
            ctx.finish()
            t0 = time.perf_counter()
            n_runs = app.engine.run_count
            epoch0 = sum(app.engine.status(i).epoch for i in range(n_runs))
            copies0 = app.engine.visual_host_copies
            for _ in range(frames):
                app.render(fbo, 1 / 60)
                ctx.finish()
                for k in sums:
                    sums[k] += app.timings_ms.get(k, 0.0)
            total = time.perf_counter() - t0
            epochs = sum(app.engine.status(i).epoch for i in range(n_runs)) - epoch0
            copies = app.engine.visual_host_copies - copies0
            name = app.engine.backend_name
            app.close()
            fbo.release()
    finally:
        ctx.release()
    case = (f"app_frame_compare{n_runs}" if compare else
            f"app_frame_{size[0]}x{size[1]}" + ("" if overlay else "_view_only"))
    be = f"{name}+gl"
    out = [{"backend": be, "case": case, "metric": "frames_per_s",
            "value": round(frames / total, 1), "unit": "frames/s"},
           {"backend": be, "case": case, "metric": "epochs_per_s",
            "value": round(epochs / total, 1), "unit": "epochs/s"},
           {"backend": be, "case": case, "metric": "visual_host_copies_per_frame",
            "value": round(copies / frames, 2), "unit": "copies/frame"}]
    for k, v in sums.items():
        out.append({"backend": be, "case": case, "metric": f"{k}_ms",
                    "value": round(v / frames, 2), "unit": "ms/frame"})
    return out
