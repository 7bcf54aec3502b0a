"""``glgan doctor``: check and measure this machine's set-up in one run, results in one folder.

Owns the prepared device check. On a machine with an NVIDIA GPU (``--gpu``; no internet
needed) it records the environment (Python, NumPy, CuPy, driver, device, OpenGL renderer),
compiles the CUDA kernels for the device, runs the ``gpu`` and ``cudasim`` tests (CUDA against
NumPy, the emulation, the resource gate) and ``glgan bench --backend cuda`` (NumPy, the fused
kernels and the eager baseline side by side, plus the renderer, the interactive frame and
recording), within a time budget (default 7.5 minutes). Without ``--gpu`` it checks the CPU
path the same way. Every step writes its own file into ``--out`` (environment.json,
compile.json, tests.xml + tests.log, bench.jsonl + bench.log) and summary.json; the summary
table is printed last. A step that fails is recorded with its reason and the next one runs.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_BUDGET_S = 450.0
KERNEL_TEST_FILES = ("test_backend.py", "test_cuda_random.py", "test_cudasim_train.py",
                     "test_cudasim_visuals.py", "test_resident.py",
                     "test_render_grid.py")


def _environment(gpu: bool) -> dict:
    import numpy as np

    from .compute.backend import cupy_status

    env = {"python": sys.version.split()[0], "platform": platform.platform(),
           "numpy": np.__version__, "g++": shutil.which("g++"), "nvcc": shutil.which("nvcc")}
    cupy, reason = cupy_status()
    env["gpu"] = reason
    if cupy is not None:
        props = cupy.cuda.runtime.getDeviceProperties(0)
        env.update(cupy=cupy.__version__, device=props["name"].decode(errors="replace"),
                   compute_capability=f"{props['major']}.{props['minor']}",
                   driver=cupy.cuda.runtime.driverGetVersion(),
                   runtime=cupy.cuda.runtime.runtimeGetVersion())
    try:
        import moderngl

        ctx = moderngl.create_context(standalone=True, backend="egl", require=330)
        env["gl_renderer"] = str(ctx.info.get("GL_RENDERER", ""))
        env["gl_version"] = str(ctx.info.get("GL_VERSION", ""))
        ctx.release()
    except Exception as e:  # no EGL/GL here: say so, the GL benchmarks will too
        env["gl_renderer"] = f"unavailable ({type(e).__name__}: {e})"
    if gpu and cupy is None:
        raise RuntimeError(f"--gpu: no usable NVIDIA GPU ({reason})")
    return env


def _compile(gpu: bool) -> dict:
    from .compute.api import check_kernels

    return check_kernels(gpu)


def _run(cmd: list[str], log: Path, timeout: float) -> subprocess.CompletedProcess:
    """Run ``cmd`` from the repository root with its output in ``log``."""
    if timeout < 5:
        raise RuntimeError("skipped: the time budget is spent")
    with open(log, "w") as f:
        try:
            return subprocess.run(cmd, cwd=REPO, stdout=f, stderr=subprocess.STDOUT,
                                  timeout=timeout, env=dict(os.environ))
        except subprocess.TimeoutExpired:
            f.write(f"\n[doctor] stopped after {timeout:.0f} s (the time budget)\n")
            raise RuntimeError(f"stopped after {timeout:.0f} s (the time budget); see "
                               f"{log.name}") from None


def _tests(out: Path, quick: bool, timeout: float) -> dict:
    if not (REPO / "tests").is_dir():
        raise RuntimeError("no tests folder beside the package (an installed copy): run "
                           "doctor from a source checkout to run the tests")
    # the files that hold the gpu and cudasim tests (a machine without the video or UI stack
    # can still collect them), and collection errors elsewhere do not stop the run
    files = [f"tests/{f}" for f in KERNEL_TEST_FILES if (REPO / "tests" / f).is_file()]
    if not files:
        raise RuntimeError(f"none of the kernel test files ({', '.join(KERNEL_TEST_FILES)}) "
                           "is in tests/")
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m",
           "gpu or cudasim", "--continue-on-collection-errors",
           f"--junitxml={out.resolve() / 'tests.xml'}", *files]
    if quick:
        cmd += ["-k", "gate or nvrtc or every_thread_order or (kernel_trains and 0-) or "
                      "(visual_kernel and 71)"]
    done = _run(cmd, out / "tests.log", timeout)
    tail = (out / "tests.log").read_text().strip().splitlines()[-1:] or [""]
    if done.returncode == 5:
        raise RuntimeError("no test was selected (see tests.log)")
    if done.returncode:
        raise RuntimeError(f"tests failed: {tail[0]} (see tests.log)")
    return {"result": tail[0]}


def _bench(out: Path, gpu: bool, quick: bool, timeout: float) -> dict:
    cmd = [sys.executable, "-m", "glgan", "bench", "--json",
           "--backend", "cuda" if gpu else "numpy"] + (["--all"] if gpu else []) + \
        (["--quick"] if quick else [])
    done = _run(cmd, out / "bench.log", timeout)
    lines = [ln for ln in (out / "bench.log").read_text().splitlines() if ln.startswith("{")]
    (out / "bench.jsonl").write_text("\n".join(lines) + ("\n" if lines else ""))
    if done.returncode:
        raise RuntimeError(f"bench exited {done.returncode} (see bench.log)")
    results = [json.loads(ln) for ln in lines]
    return {"lines": len(results), "epochs_per_s": {
        f"{r['backend']}/{r['case']}": r["value"] for r in results
        if r["metric"] == "epochs_per_s"}}


def run_doctor(out: str | os.PathLike, gpu: bool = False, quick: bool = False,
               budget_s: float = DEFAULT_BUDGET_S, stream=None) -> int:
    """Run every step into ``out``; returns 0 when all passed, 1 otherwise."""
    stream = stream if stream is not None else sys.stdout
    folder = Path(out).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    t_start = time.perf_counter()

    def left() -> float:
        return budget_s - (time.perf_counter() - t_start)

    steps = [("environment", lambda: _environment(gpu)),
             ("compile", lambda: _compile(gpu)),
             ("tests", lambda: _tests(folder, quick, 0.45 * left())),
             ("bench", lambda: _bench(folder, gpu, quick, left() - 5))]
    summary = []
    for name, step in steps:
        t0 = time.perf_counter()
        try:
            result, status = step(), "ok"
        except Exception as e:  # every failure is recorded; the next step still runs
            result, status = {"error": f"{type(e).__name__}: {e}"}, "failed"
        seconds = round(time.perf_counter() - t0, 1)
        if name in ("environment", "compile"):
            (folder / f"{name}.json").write_text(json.dumps(result, indent=1, default=str))
        summary.append({"step": name, "status": status, "seconds": seconds, **result})
    (folder / "summary.json").write_text(json.dumps(summary, indent=1, default=str))
    stream.write(f"glgan doctor ({'gpu' if gpu else 'cpu'}) -> {folder}\n")
    for s in summary:
        detail = s.get("error") or s.get("result") or s.get("device") or s.get("gpu") or ""
        if s["step"] == "bench" and "epochs_per_s" in s:
            detail = ", ".join(f"{k} {v:,.0f}" for k, v in list(s["epochs_per_s"].items())[:6])
        stream.write(f"  {s['step']:<12} {s['status']:<7} {s['seconds']:>6.1f} s  {detail}\n")
    return 0 if all(s["status"] == "ok" for s in summary) else 1
