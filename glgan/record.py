"""``glgan record``: render training offscreen, frame by frame, into an H.264 video or PNGs.

Owns the offline recording loop that ties the engine, the renderer and the capture module:

* Everything (output path, fps 1..240, size even and <= 3840x2160 for video, layers, seconds,
  epochs per frame) is validated before the engine is built or a file is created.
* Frame ``i`` (``i = 0 .. round(seconds * fps) - 1``) shows the state after ``i * K`` epochs
  (``K = epochs_per_frame``; frame 0 is the untrained network) at video time ``t = i / fps``.
  Time is the video's fixed step, never the wall clock, so the same seed and options give the
  same frames.
* Motion: each frame is a new training state. ``smooth_frames = 0`` (the default) draws every
  state exactly; ``smooth_frames = s > 0`` lets the renderer's fake-sample interpolation glide
  towards each new state over ``s`` video frames (driven by ``t``), which calms large ``K``.
* If training diverges mid-way the recording is finished properly (a playable file with the
  frames so far) and ``DivergedError`` is raised, carrying the summary.
* Every frame is drawn by the interactive App itself (``_AppScene``): one frame loop for the
  window, ``glgan record`` and ``glgan snapshot``. ``with_ui`` records the app's look: from
  1280x720 up its panels with the view in its square, below that its presentation readouts
  (dataset, epoch, losses, KL/JS with a sparkline) over the whole view.

``bench_record(quick)`` is the end-to-end benchmark behind ``glgan bench --record``.
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from .capture.errors import CaptureError
from .capture.recording import Recording, RecordingSummary
from .capture.validate import check_fps, check_size, check_target
from .config import ConfigError, GanConfig
from .config import preset as config_preset
from .snapshot import (
    DivergedError,
    check_epochs,
    check_field_res,
    check_layers,
)

if TYPE_CHECKING:

    from .render import Layers

DEFAULT_RECORD_FIELD_RES = 128   # D's field per frame: 128^2 costs ~7 ms, 256^2 ~40 ms
MAX_FRAMES = 216_000             # one hour at 60 fps


class RecordError(CaptureError, OSError):
    """A recording could not be started, continued or finished (bad path, size, fps, disk)."""


@dataclass(frozen=True)
class RecordSummary(RecordingSummary):
    """A RecordingSummary plus what was recorded; ``str()`` is one readable line."""

    size: tuple[int, int] = (0, 0)
    frames_planned: int = 0
    first_epoch: int = 0
    last_epoch: int = 0
    stopped: bool = False  # ended early on request (Ctrl-C, SIGTERM): a complete, shorter video
    cpu_seconds: float = 0.0  # CPU time of the process (every thread) from the recording's
    # start to its end, the span of wall_seconds (set-up excluded)

    def __str__(self) -> str:
        rate = self.frames_written / self.wall_seconds if self.wall_seconds > 0 else 0.0
        where = (f"{self.path}/ ({self.frames_written} PNG frames" if self.path.is_dir()
                 else f"{self.path} ({self.frames_written} frames")
        text = (f"{where}, {self.size[0]}x{self.size[1]} at {self.fps} fps = "
                f"{self.seconds:.2f} s of video, epochs {self.first_epoch}..{self.last_epoch}; "
                f"{self.wall_seconds:.1f} s wall, {rate:.1f} frames/s)")
        if self.error:
            text += f"; stopped early: {self.error}"
        elif self.stopped:
            text += f"; stopped early on request ({self.frames_written} of "
            text += f"{self.frames_planned} frames)"
        return text


# ---------------------------------------------------------------------------- checks
def _capture(fn, *args: Any) -> Any:
    try:
        return fn(*args)
    except RecordError:
        raise
    except CaptureError as exc:
        text = str(exc)
        for api, cli in (("path=", "--out "), ("size=", "--size="), ("fps=", "--fps=")):
            if text.startswith(api):
                text = cli + text[len(api):]
        raise RecordError(text) from None


def check_record_args(out: str | os.PathLike[str], seconds: float, fps: int,
                      size: tuple[int, int], epochs_per_frame: int) -> tuple[str, int, int]:
    """Validate a recording request before anything is trained or created.

    Returns (kind "video"|"png", fps, frame count)."""
    target = _capture(check_target, out)
    fps = _capture(check_fps, fps)
    _capture(check_size, tuple(size), target.kind)
    check_epochs(epochs_per_frame, "--epochs-per-frame")
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not (
            math.isfinite(seconds) and seconds > 0):
        raise ConfigError(f"--seconds={seconds!r} must be a number > 0")
    frames = round(seconds * fps)
    if frames < 1:
        raise ConfigError(f"--seconds={seconds} at --fps={fps} is less than one frame")
    if frames > MAX_FRAMES:
        raise ConfigError(f"--seconds={seconds} at --fps={fps} is {frames} frames; "
                          f"the limit is {MAX_FRAMES} (one hour at 60 fps)")
    return target.kind, fps, frames


# ---------------------------------------------------------------------------- progress
class _Progress:
    def __init__(self, total: int, stream: TextIO, every_s: float = 0.1) -> None:
        self.total, self.stream, self.every_s = total, stream, every_s
        self.t0 = time.perf_counter()
        self._last = -1.0

    def __call__(self, done: int, epoch: int, force: bool = False) -> None:
        now = time.perf_counter()
        if not force and now - self._last < self.every_s and done < self.total:
            return
        self._last = now
        width = 30
        frac = done / self.total if self.total else 1.0
        rate = done / max(now - self.t0, 1e-9)
        eta = (self.total - done) / rate if rate > 0 else 0.0
        bar = "#" * int(frac * width) + "-" * (width - int(frac * width))
        self.stream.write(f"\r[{bar}] {done}/{self.total} frames  epoch {epoch:,}  "
                          f"{rate:5.1f} frames/s  ETA {eta:4.0f} s ")
        self.stream.flush()

    def end(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


# ---------------------------------------------------------------------------- the scene
FULL_UI_MIN_SIZE = (1280, 720)  # below this the panels are too cramped: large readouts


class _AppScene:
    """What a recording draws: the interactive App itself (one frame loop for the window,
    ``glgan record`` and ``glgan snapshot``), one run over the whole frame or the compare
    grid, its clock stepped by the video's frame time. ``with_ui`` records the App's panels
    from ``FULL_UI_MIN_SIZE`` up, and its presentation readouts (dataset, epoch, losses,
    KL/JS) below that. Training happens here, exactly ``k`` epochs between frames."""

    def __init__(self, ctx, size, fps, cfg, compare, lay, with_ui, field_res, transition_s,
                 backend, load=None, drawn=None, auto_fit=None) -> None:
        from .app import App

        self.app = app = App(ctx, size, cfg, pretrained=False, backend=backend,
                             compare=compare, transition_s=transition_s, load=load,
                             drawn=drawn)
        full = size[0] >= FULL_UI_MIN_SIZE[0] and size[1] >= FULL_UI_MIN_SIZE[1]
        app.offline = True  # no key hints, no hover tooltip: this is a file, not a window
        app.ui.overlay_visible = bool(with_ui) and full
        app.ui.hint_visible = bool(with_ui) and not full
        app.ui.use_layers(lay)
        if auto_fit is not None:
            app.ui.auto_fit = bool(auto_fit)
        app.ui.playing = True  # shown as playing; trained here, exactly k epochs a frame
        app.fix_field_res(field_res)
        self.dt, self.fps = 1.0 / fps, fps

    def epoch(self) -> int:
        """The furthest epoch of the runs shown (a run that diverged stays behind)."""
        engine = self.app.engine
        return max(engine.status(i).epoch for i in range(engine.run_count))

    def train(self, k: int) -> str | None:
        app = self.app
        app.engine.train(k)  # a diverged run is rolled back and paused alone
        app.epochs_per_s, app.fps = float(k * self.fps), float(self.fps)  # the status line
        if app.all_diverged():
            status = app.engine.status(0)
            return (status.diverged if len(app.runs) == 1
                    else f"every run diverged ({status.diverged})")
        return None

    def draw(self, fbo, t: float) -> int:
        self.app.clock = t - self.dt  # render() adds dt: the glide runs on video time
        self.app.render(fbo, self.dt)
        return self.epoch()

    def close(self) -> None:
        self.app.close()


# ---------------------------------------------------------------------------- the loop
def record(cfg: GanConfig, *, seconds: float = 5.0, fps: int = 60,
           size: tuple[int, int] = (1280, 720), epochs_per_frame: int = 10,
           out: str | os.PathLike[str] = "glgan.mp4", layers: str | Layers | None = None,
           with_ui: bool = False, progress: bool = False,
           field_res: int = DEFAULT_RECORD_FIELD_RES, smooth_frames: float = 0.0,
           preset: str = "ultrafast", crf: int = 20,
           progress_stream: TextIO | None = None, backend: str = "numpy",
           compare: list[str] | None = None,
           stop: Callable[[], bool] | None = None,
           load: str | os.PathLike | None = None, drawn=None,
           auto_fit: bool | None = None) -> RecordSummary:
    """``glgan record``: train ``cfg`` and record one frame per ``epochs_per_frame`` epochs.

    ``out``: ``FILE.mp4`` (or .mkv/.mov) for H.264, or ``DIR/`` for numbered PNGs (old
    ``frame_*.png`` files there are replaced). Frame count = ``round(seconds * fps)``.
    Returns a ``RecordSummary`` (``str()`` is readable). Raises ``ConfigError`` /
    ``RecordError`` (an OSError) for bad arguments before anything is trained or written, and
    ``DivergedError`` (``.summary`` = what was kept) if training diverges mid-recording.
    ``compare``: ``KEY=V1,V2,...`` specs: record the window's grid of runs side by side
    instead (a run that diverges pauses alone; only when all have is it an error).
    ``load``: record the runs of this session file (or model pair) going on from where they
    were saved (a grid when it holds several; ``cfg`` is not used).
    ``drawn``: (N, 2) points in [0,1]^2 for the "drawn" dataset (``--data``).
    ``auto_fit``: frame the samples whenever the fakes leave the view, frame by frame (as
    the window does with auto-fit on); None keeps what the session says (off without it).
    ``stop``: asked before each frame; True ends the recording there like a normal finish
    (``RecordSummary.stopped``): how the CLI handles Ctrl-C and SIGTERM.
    """
    from .render.offscreen import create_egl_context

    w, h = (int(v) for v in size)
    kind, fps, n_frames = check_record_args(out, seconds, fps, (w, h), epochs_per_frame)
    lay = check_layers(layers)
    field_res = check_field_res(field_res)
    if not (isinstance(smooth_frames, (int, float)) and math.isfinite(smooth_frames)
            and smooth_frames >= 0):
        raise ConfigError(f"smooth_frames={smooth_frames!r} must be a number >= 0")
    k = int(epochs_per_frame)
    if compare and load is not None:
        raise ConfigError("--compare: cannot be combined with --load (the session holds its "
                          "runs)")
    if load is not None:
        from .app import MAX_WINDOW_RUNS
        from .compute.modelio import read_any

        runs = len(read_any(load).state.runs)  # a bad file is refused before anything
        if runs > MAX_WINDOW_RUNS:
            raise ConfigError(f"--load {load}: {runs} runs; a grid shows at most "
                              f"{MAX_WINDOW_RUNS}")
    if compare:
        from .app import MAX_WINDOW_RUNS
        from .config import compare_grid

        if len(compare_grid(compare)) > MAX_WINDOW_RUNS:
            raise ConfigError(f"--compare: at most {MAX_WINDOW_RUNS} runs in a grid")

    transition_s = smooth_frames / fps
    ctx = create_egl_context()
    bar = _Progress(n_frames, progress_stream or sys.stderr) if progress else None
    summary: RecordingSummary | None = None
    cpu_seconds = 0.0
    diverged: str | None = None
    stopped = False
    try:
        with ctx:
            fbo = ctx.framebuffer(ctx.renderbuffer((w, h), 4))
            scene = _AppScene(ctx, (w, h), fps, cfg, compare, lay, with_ui, field_res,
                              transition_s, backend, load, drawn, auto_fit)
            first_epoch = last_epoch = scene.epoch()
            try:
                cpu0 = time.process_time()
                rec = _start_recording(out, (w, h), fps, preset, crf)
                try:
                    for i in range(n_frames):
                        if stop is not None and stop():
                            stopped = True
                            break
                        t = i / fps
                        if i > 0 and k > 0:
                            diverged = scene.train(k)
                            if diverged is not None:
                                break
                        last_epoch = scene.draw(fbo, t)  # video time, never the wall clock
                        rec.add_framebuffer(fbo)
                        if bar is not None:
                            bar(i + 1, last_epoch)
                except CaptureError as exc:   # the encoder failed (disk full...)
                    _finish(rec, bar, quiet=True)
                    raise RecordError(f"{exc}; the output keeps the frames written before "
                                      "the failure") from exc
                except BaseException:
                    _finish(rec, bar, quiet=True)
                    raise
                summary = _finish(rec, bar)
                cpu_seconds = time.process_time() - cpu0
            finally:
                scene.close()
                for att in fbo.color_attachments:
                    att.release()
                fbo.release()
    finally:
        ctx.release()

    result = RecordSummary(
        frames_written=summary.frames_written, dropped=summary.dropped, path=summary.path,
        seconds=summary.seconds, fps=summary.fps, wall_seconds=summary.wall_seconds,
        error=diverged, size=(w, h), frames_planned=n_frames, first_epoch=first_epoch,
        last_epoch=last_epoch, stopped=stopped, cpu_seconds=cpu_seconds)
    if diverged is not None:
        where = f"{result.path}/" if kind == "png" else str(result.path)
        raise DivergedError(
            f"{diverged} Recording stopped: kept {result.frames_written} of {n_frames} frames "
            f"({result.seconds:.2f} s, epochs {first_epoch}..{last_epoch}) in {where}.",
            summary=result)
    return result


def _finish(rec: Recording, bar: _Progress | None, quiet: bool = False
            ) -> RecordingSummary | None:
    """Stop the recording (flush, write the trailer). ``quiet``: an exception is already on
    its way, so a second failure here is swallowed rather than masking it."""
    if bar is not None:
        bar.end()
    try:
        return rec.stop()
    except CaptureError as exc:
        if quiet:
            return None
        raise RecordError(str(exc)) from exc


def _start_recording(out: str | os.PathLike[str], size: tuple[int, int], fps: int,
                     preset_name: str, crf: int) -> Recording:
    try:
        return Recording.start(out, size, fps, live=False, preset=preset_name, crf=crf,
                               overwrite=True)
    except CaptureError as exc:
        raise RecordError(str(exc)) from exc


# ---------------------------------------------------------------------------- benchmark
def bench_record(quick: bool = False, *, size: tuple[int, int] = (1280, 720), fps: int = 60,
                 epochs_per_frame: int = 10, frames: int | None = None) -> Iterator[dict]:
    """End-to-end offline recording speed: GAN Lab's gaussians preset trained
    ``epochs_per_frame`` epochs per frame + the real renderer (GAN Lab's default layers,
    field 128^2) + asynchronous readback + H.264 encode to a temporary MP4. Frames per second
    of wall-clock time from the first frame to the finished file (context and shader set-up
    excluded). Yields ``{"backend", "case": "record_1280x720_60fps", "metric":
    "frames_per_s", ...}``, then the encoder alone on the same frames (decoded from that video,
    up to 60 of them cycled: H.264 into another temporary MP4, same settings) and the ratio of
    the two, measured in the same call; then the CPU time each used per frame (every thread of
    this process: the renderer's, the encoder's) and how many of the machine's cores the
    recording kept busy: where that is all of them, recording is bound by the CPU (a software
    rasteriser and libx264 sharing few cores), not by waiting."""
    import time

    import av

    from .capture.sinks import VideoWriter

    n = frames if frames is not None else (30 if quick else 300)
    case = f"record_{size[0]}x{size[1]}_{fps}fps"
    with tempfile.TemporaryDirectory(prefix="glgan-bench-record-") as tmp:
        summary = record(config_preset("gaussians"), seconds=n / fps, fps=fps, size=size,
                         epochs_per_frame=epochs_per_frame, out=str(Path(tmp) / "bench.mp4"))
        with av.open(str(Path(tmp) / "bench.mp4")) as c:
            pictures = []
            for f in c.decode(video=0):
                pictures.append(f.to_ndarray(format="rgb24"))
                if len(pictures) == 60:
                    break
        writer = VideoWriter(Path(tmp) / "encoder.mp4", size, fps)
        t0, cpu0 = time.perf_counter(), time.process_time()
        for i in range(summary.frames_written):
            writer.write(pictures[i % len(pictures)])
        writer.close()
        encoder = summary.frames_written / (time.perf_counter() - t0)
        cpu_encoder = time.process_time() - cpu0
    end_to_end = summary.frames_written / summary.wall_seconds
    n = max(summary.frames_written, 1)
    yield {"backend": "numpy", "case": case, "metric": "frames_per_s",
           "value": round(end_to_end, 2), "unit": "frames/s", "frames": summary.frames_written,
           "epochs_per_frame": epochs_per_frame}
    yield {"backend": "libx264", "case": case, "metric": "encoder_only_frames_per_s",
           "value": round(encoder, 2), "unit": "frames/s"}
    yield {"backend": "numpy", "case": case, "metric": "ratio_to_encoder_only",
           "value": round(end_to_end / encoder, 3), "unit": "x"}
    yield {"backend": "numpy", "case": case, "metric": "cpu_ms_per_frame",
           "value": round(1000 * summary.cpu_seconds / n, 2), "unit": "ms/frame"}
    yield {"backend": "libx264", "case": case, "metric": "encoder_only_cpu_ms_per_frame",
           "value": round(1000 * cpu_encoder / n, 2), "unit": "ms/frame"}
    yield {"backend": "numpy", "case": case, "metric": "cores_busy",
           "value": round(summary.cpu_seconds / max(summary.wall_seconds, 1e-9), 2),
           "unit": f"of {_usable_cores()} cores"}


def _usable_cores() -> int:
    """The cores this process may run on (its affinity; all of the machine's elsewhere)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1
