"""Command line: ``glgan [run|train|bench|snapshot|record]``.

Owns argument parsing and turning user errors (bad config values, unreadable files, missing
GPU or display) into one clear message and exit status 2, never a traceback. The commands
themselves live with their owners: training in ``compute``, benchmarks in ``bench``,
snapshots in ``render``, recording in ``capture``, the window in ``app``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import signal
import sys
import time

from .capture.errors import CaptureError
from .compute.backend import BACKENDS, BackendError
from .compute.data import DataError
from .compute.modelio import ModelFileError
from .config import (
    DATASETS,
    MAX_EPOCHS,
    PRESETS,
    ConfigError,
    GanConfig,
    apply_overrides,
    compare_grid,
    compare_label,
    describe_settings,
    preset,
)
from .errors import UserError
from .history import write_csv
from .palette import PALETTES, THEMES

# (MemoryError: e.g. CuPy's OutOfMemoryError on a GPU too small for the runs asked for)
USER_ERRORS = (ConfigError, DataError, ModelFileError, BackendError, CaptureError, OSError,
               MemoryError, UserError)
TRAIN_DATASETS = [d for d in DATASETS if d != "drawn"]


def build_config(args) -> GanConfig:
    """Preset of --preset (else of --dataset), then --seed, then every --set KEY=VALUE.
    With --data the dataset is "drawn" (the file's points; see imported_points)."""
    data = getattr(args, "data", None)
    if data is not None and not str(data).strip():
        raise ConfigError("--data: needs a file: a CSV (x,y per line) or an image")
    if data and args.dataset:
        raise ConfigError(f"--data {data} and --dataset {args.dataset}: choose one (--data "
                          "trains on the file's points)")
    name = args.preset or args.dataset or ("drawn" if data else "gaussians")
    cfg = preset(name)
    if args.dataset:
        cfg = cfg.replace(dataset=args.dataset)
    if data:
        cfg = cfg.replace(dataset="drawn")
    if getattr(args, "seed", None) is not None:
        cfg = cfg.replace(seed=args.seed)
    return apply_overrides(cfg, args.set or [])


def imported_points(args, quiet: bool = False):
    """The points of --data (CSV or image), None without it; says on stderr what was read
    and how it was mapped into the unit square (unless ``quiet``: a check before the
    window opens)."""
    data = getattr(args, "data", None)
    if not data:
        return None
    from .compute.dataimport import load_points

    imported = load_points(data)
    if not quiet:
        print(f"glgan: {imported.description}", file=sys.stderr)
    return imported.points


def _add_config_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dataset", choices=TRAIN_DATASETS,
                   help="target distribution; loads its GAN Lab preset (default gaussians)")
    p.add_argument("--data", metavar="FILE",
                   help="train on your own points: a CSV (x,y per line, any range: scaled "
                        "into the unit square) or an image (dark pixels are the density)")
    p.add_argument("--preset", choices=[n for n in PRESETS if n != "drawn"],
                   help="hyperparameter preset (default: the dataset's own)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a setting, e.g. --set d_lr=0.03 --set g_optimizer=adam "
                        "(every key and its range: see the end of this help)")
    p.add_argument("--seed", type=int, help="random seed (default 0)")


def _progress(done: int, total: int, t0: float, stream) -> None:
    width = 30
    frac = done / total if total else 1.0
    rate = done / max(time.perf_counter() - t0, 1e-9)
    bar = "#" * int(frac * width) + "-" * (width - int(frac * width))
    stream.write(f"\r[{bar}] {done}/{total} epochs  {rate:,.0f} epochs/s")
    stream.flush()


def _json_number(v):
    """JSON has no NaN/Inf: a value that is not finite is written as null."""
    return v if isinstance(v, (int, str, type(None))) or math.isfinite(v) else None


def _load_for_training(args):
    from .compute.modelio import load_model

    fixed = [f for f, v in (("--dataset", args.dataset), ("--preset", args.preset),
                            ("--seed", args.seed), ("--compare", args.compare),
                            ("--data", args.data)) if v]
    if fixed:
        raise ConfigError(f"{', '.join(fixed)}: cannot be combined with --load, which "
                          "continues the saved model as it is (only live --set "
                          "options such as d_lr may change)")
    engine = load_model(args.load, backend=args.backend)
    for run, config in enumerate(engine.configs()):
        if not args.set:
            break
        new = apply_overrides(config, args.set)
        if config.needs_reset(new):
            changed = [k for k in new.to_dict() if getattr(new, k) != getattr(config, k)]
            raise ConfigError(f"--set {', '.join(changed)}: would reset the loaded model; "
                              "with --load only live settings may change "
                              "(learning rates, optimisers, loss, k_d, k_g, ...)")
        engine.set_config(new, run)
    return engine


def _save(engine, path, labels: list[str] | None = None) -> list[str]:
    """``--save``: a session file (NAME.glgan; a name without an extension gets .glgan), or
    the old JSON + .npz pair when NAME.json / NAME.npz is asked for. ``labels``: what each
    compared run varies (the window's captions when the session is opened)."""
    from .compute.modelio import is_pair_name, save_model, save_session

    if is_pair_name(path):
        return [str(p) for p in save_model(engine, path)]
    view = {"labels": labels} if labels else None
    return [str(save_session(engine.snapshot(), path, view))]


def _check_save(path) -> None:
    from .compute.modelio import check_save_target, check_session_target, is_pair_name

    (check_save_target if is_pair_name(path) else check_session_target)(path)


def refuse_settings_with_load(args) -> None:
    """run / snapshot / record --load show a session as it was saved: options that would
    change its runs are refused, not silently ignored (train --load takes live --set)."""
    given = [f for f, v in (("--dataset", args.dataset), ("--preset", args.preset),
                            ("--seed", args.seed), ("--set", args.set),
                            ("--compare", getattr(args, "compare", None)),
                            ("--data", getattr(args, "data", None))) if v]
    if args.load is not None and given:
        raise ConfigError(f"{', '.join(given)}: cannot be combined with --load (the session "
                          "holds its runs and their settings; change them in the window, or "
                          "with train --load --set for live settings)")


def cmd_train(args) -> int:
    from .compute.api import make_engine
    from .compute.diagnose import diagnose

    if not 0 <= args.epochs <= MAX_EPOCHS:
        raise ConfigError(f"--epochs={args.epochs} must be an integer in [0, {MAX_EPOCHS:.0e}]")
    if args.save is not None:
        _check_save(args.save)  # before any training: a bad name costs nothing
    if args.history_csv is not None:
        from .capture.validate import check_writable_file

        check_writable_file(args.history_csv, "--history-csv")
    if args.load is not None and not str(args.load).strip():
        raise ConfigError("--load: needs a session or model file, e.g. --load runs/ring1.glgan")
    grid = compare_grid(args.compare) if args.compare else [{}]
    if args.load:
        engine = _load_for_training(args)
    else:
        base = build_config(args)
        engine = make_engine([base.replace(**changes) for changes in grid],
                             backend=args.backend, drawn=imported_points(args))
    show = sys.stderr.isatty() and not args.quiet
    chunk = max(1, min(500, args.epochs // 100 or 1))
    start = [engine.status(i).epoch for i in range(engine.run_count)]
    t0 = time.perf_counter()
    done = 0
    interrupted = None
    with _interruptible() as stop:
        while done < args.epochs:
            n = min(chunk, args.epochs - done)
            stats = engine.train(n)
            done += n
            if show:
                _progress(done, args.epochs, t0, sys.stderr)
            if all(d is not None for d in stats.run_diverged):
                break
            if stop.signal is not None:  # Ctrl-C / SIGTERM: keep what was trained
                interrupted = stop.signal
                break
    seconds = time.perf_counter() - t0
    if interrupted is not None:
        print(f"glgan: interrupted ({interrupted}) after {done} epochs"
              + ("; saving the progress so far" if args.save else ""), file=sys.stderr)
    if show:
        sys.stderr.write("\n")
    configs = engine.configs()
    # what differs between the runs: the --compare keys, or for a loaded file every setting
    # whose value is not the same in all runs
    varied = list(grid[0]) if args.compare else [
        k for k in GanConfig.__dataclass_fields__ if len({getattr(c, k) for c in configs}) > 1]
    runs = []
    warnings = []  # per run: the detectors that fire now (compute.diagnose)
    for i in range(engine.run_count):
        status = engine.status(i)
        kl, js = engine.divergences(i)
        warnings.append(diagnose(engine, i))
        if status.diverged:
            print(f"glgan: run {i}: {status.diverged}" if engine.run_count > 1 else
                  f"glgan: {status.diverged}", file=sys.stderr)
        runs.append({
            "epochs": status.epoch - start[i],
            "seconds": round(seconds, 4),
            "epochs_per_s": round(done / seconds, 2) if seconds > 0 else 0.0,
            "kl": kl, "js": js, "d_loss": status.d_loss, "g_loss": status.g_loss,
            "epoch": status.epoch, "diverged": status.diverged,
            "backend": engine.backend_name, "dataset": status.config.dataset,
            "seed": status.config.seed, "warnings": [w.name for w in warnings[i]]})
        if varied or engine.run_count > 1:
            runs[-1]["varied"] = {k: getattr(status.config, k) for k in varied}
    runs = [{k: _json_number(v) if not isinstance(v, (dict, list)) else v
             for k, v in r.items()} for r in runs]
    labels = [compare_label(changes) for changes in grid] if args.compare else None
    saved = _save(engine, args.save, labels) if args.save else None
    if args.history_csv:
        write_csv([engine.history(i) for i in range(engine.run_count)], args.history_csv)
    several = engine.run_count > 1 or bool(args.compare)  # --compare: always the runs form
    if not several:
        result = dict(runs[0], **({"saved": saved} if saved else {}))
    else:
        result = {"runs": runs, "epochs": done, "seconds": round(seconds, 4),
                  **({"saved": saved} if saved else {})}
    if args.json:
        print(json.dumps(result))
    elif not several:
        r = runs[0]
        print(f"{r['epochs']} epochs in {seconds:.2f} s ({r['epochs_per_s']:,.0f} epochs/s); "
              f"D loss {_fmt(r['d_loss'])}, G loss {_fmt(r['g_loss'])}, "
              f"KL {_fmt(r['kl'])}, JS {_fmt(r['js'])} bits")
    else:
        print(_table(runs, varied, done, seconds))
    if not args.json:  # each warning once, with what to do about it
        for i, found in enumerate(warnings):
            for w in found:
                print((f"run {i}: " if several else "") + f"warning: {w.title}. {w.message} "
                      f"Suggested: {w.fix.label}.")
    if saved and not args.json:
        print("saved " + ", ".join(saved))
    if interrupted is not None:
        return 130
    return 1 if all(engine.status(i).diverged for i in range(engine.run_count)) else 0


class _Stop:
    signal: str | None = None


@contextlib.contextmanager
def _interruptible():
    """While training or recording: Ctrl-C (SIGINT) and SIGTERM ask the loop to stop after
    the current chunk or frame (so a --save keeps the progress and a video is finished
    properly) instead of killing the process."""
    stop = _Stop()

    def ask(signum, frame):
        stop.signal = signal.Signals(signum).name

    old = {s: signal.signal(s, ask) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)


def _fmt(v) -> str:
    return "nan" if v is None else f"{v:.4f}"


def _table(runs: list[dict], keys: list[str], epochs: int, seconds: float) -> str:
    """One row per run: the varied values, then final KL, JS, losses and divergence."""
    head = ["run"] + keys + ["epoch", "KL", "JS", "D loss", "G loss", "diverged"]
    rows = [[str(i)] + [str(r.get("varied", {}).get(k, "")) for k in keys] +
            [str(r["epoch"]), _fmt(r["kl"]), _fmt(r["js"]), _fmt(r["d_loss"]),
             _fmt(r["g_loss"]), "yes" if r["diverged"] else "no"] for i, r in enumerate(runs)]
    widths = [max(len(c) for c in col) for col in zip(head, *rows)]
    lines = ["  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in [head] + rows]
    total = epochs * len(runs)
    lines.append(f"{len(runs)} runs x {epochs} epochs in {seconds:.2f} s "
                 f"({total / seconds if seconds > 0 else 0:,.0f} epochs/s in all)")
    return "\n".join(lines)


def cmd_bench(args) -> int:
    from .bench import run_benchmarks

    if args.all:
        args.render = args.record = args.app = True
    for line in run_benchmarks(args.backend, render=args.render, record=args.record,
                               quick=args.quick, app=args.app):
        print(json.dumps(line) if args.json else
              f"{line['backend']:>8} {line['case']:<24} {line['metric']:<14} "
              f"{line['value']:>12,.1f} {line['unit']}")
        sys.stdout.flush()
    return 0


def cmd_snapshot(args) -> int:
    from .snapshot import check_one_frame_layers, snapshot

    refuse_settings_with_load(args)
    check_one_frame_layers(args.layers)
    epochs = args.epochs if args.epochs is not None else (0 if args.load else 1000)
    snapshot(build_config(args), epochs=epochs, size=args.size, out=args.out,
             layers=styled_layers(args), field_res=args.field_res, backend=args.backend,
             compare=args.compare, load=args.load, epoch=args.epoch,
             drawn=imported_points(args), auto_fit=args.auto_fit)
    print(f"wrote {args.out}")
    return 0


def cmd_record(args) -> int:
    from .record import record

    refuse_settings_with_load(args)
    with _interruptible() as stop:  # Ctrl-C / SIGTERM: finish the video with what is there
        summary = record(build_config(args), seconds=args.seconds, fps=args.fps,
                         size=args.size, epochs_per_frame=args.epochs_per_frame, out=args.out,
                         layers=styled_layers(args), with_ui=args.with_ui,
                         progress=sys.stderr.isatty(), backend=args.backend,
                         compare=args.compare, stop=lambda: stop.signal is not None,
                         load=args.load, drawn=imported_points(args),
                         auto_fit=args.auto_fit)
    print(f"wrote {summary}")
    if summary.stopped:
        print(f"glgan: {stop.signal}: the recording was finished early", file=sys.stderr)
        return 130
    return 0


def cmd_doctor(args) -> int:
    from .doctor import run_doctor

    if not (args.budget > 0):
        raise ConfigError(f"--budget={args.budget} must be a positive number of seconds")
    return run_doctor(args.out, gpu=args.gpu, quick=args.quick, budget_s=args.budget)


def cmd_run(args) -> int:
    from .window import run_app

    return run_app(args)


def parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size {text!r}: expected WxH, e.g. 1280x720") from None
    if not (16 <= w <= 7680 and 16 <= h <= 4320):
        raise argparse.ArgumentTypeError(f"size {text!r}: width and height must be 16..7680 "
                                         "and 16..4320")
    return w, h


def _add_style_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--theme", choices=THEMES, default="light",
                   help="view colours and strokes (high-contrast: stronger ramp, larger dots, "
                        "thicker lines; with --with-ui the panels too)")
    p.add_argument("--palette", choices=PALETTES, default="ganlab",
                   help="ganlab (green real / purple fake) or colorblind (purple / orange)")


def _add_auto_fit_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--auto-fit", action=argparse.BooleanOptionalAction, default=None,
                   help="frame the view when the fakes leave GAN Lab's unit square, back to it "
                        "when they return, as the window's auto-fit (default: off, or what a "
                        "--load session says; a session's saved camera is kept either way, "
                        "--no-auto-fit only keeps it from moving)")


def styled_layers(args):
    """--layers with --palette and --theme (snapshot, record)."""
    from dataclasses import replace

    from .snapshot import check_layers

    return replace(check_layers(args.layers), palette=args.palette, theme=args.theme)


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="glgan", description=(
        "GAN Lab, native and fast: watch a GAN learn a 2-D distribution. "
        "With no command, opens the interactive window."))
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command")
    # -v works after the command too; SUPPRESS keeps a -v given before it
    verbose = argparse.ArgumentParser(add_help=False)
    verbose.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                         help="log more")

    settings = dict(epilog="settings for --set (and train --compare):\n" + describe_settings(),
                    formatter_class=argparse.RawDescriptionHelpFormatter)
    p = sub.add_parser("run", parents=[verbose], help="open the interactive window (the default)",
                       **settings)
    _add_config_args(p)
    p.add_argument("--window", default=None, choices=("glfw", "pyglet", "headless"),
                   help="window backend (default glfw; headless renders offscreen via EGL)")
    p.add_argument("--size", type=parse_size, default=(1600, 900), help="window size WxH")
    p.add_argument("--fullscreen", action="store_true")
    p.add_argument("--frames", type=int, help="close after N frames (automation)")
    p.add_argument("--screenshot", help="save the last frame to this PNG (with --frames)")
    p.add_argument("--play", action="store_true", help="start training immediately")
    p.add_argument("--report", help="on exit, write the final state (epoch, dataset, playing, "
                                    "config) to this JSON file (automation)")
    p.add_argument("--backend", choices=BACKENDS, default="auto",
                   help="where training runs (auto: the GPU's fused kernels if there is a "
                        "usable NVIDIA GPU, else NumPy)")
    p.add_argument("--compare", action="append", metavar="KEY=V1,V2,...",
                   help="open with one run per value side by side in a grid (repeatable: "
                        "every combination, at most 16), e.g. --compare d_lr=0.01,0.1,0.3")
    p.add_argument("--load", help="open a session file (FILE.glgan) or a model pair "
                                  "(FILE.json)")
    p.add_argument("--save", help="save the session (FILE.glgan) when the window closes; "
                                  "Ctrl+S saves there too")
    p.add_argument("--presentation", action="store_true",
                   help="start in presentation mode: the view fills the window with large "
                        "readouts (H shows the panels)")
    p.add_argument("--scale", type=float, help="overlay scale 0.75..2.5 (kept for next time)")
    p.add_argument("--theme", choices=THEMES,
                   help="overlay and view theme (kept for next time)")
    p.add_argument("--palette", choices=PALETTES,
                   help="view colours: ganlab (green/purple, GAN Lab's) or colorblind "
                        "(purple/orange; kept for next time)")
    p.add_argument("--auto-fit", action=argparse.BooleanOptionalAction, default=None,
                   help="frame the view when samples leave it, back to the unit square when "
                        "they return (A in the window; kept; default on)")
    p.add_argument("--out-dir", help="folder for screenshots and recordings (kept; default: "
                                     "a glgan folder in your videos folder)")
    p.add_argument("--timeline-mb", type=int, default=256,
                   help="memory the rewind timeline may keep, in MB (1..65536; default 256)")
    p.add_argument("--msaa", type=int, default=0, choices=(0, 2, 4, 8),
                   help="multisample anti-aliasing of the window (shaders already anti-alias)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("train", parents=[verbose], help="train headless and print the result",
                       **settings)
    _add_config_args(p)
    p.add_argument("--compare", action="append", metavar="KEY=V1,V2,...",
                   help="train one run per value side by side (repeatable: every "
                        "combination, at most 64 runs) and print a table; e.g. "
                        "--compare d_lr=0.01,0.1 --compare seed=0,1. Exit status 1 only if "
                        "every run diverged")
    p.add_argument("--epochs", type=int, default=1000)
    p.add_argument("--backend", choices=BACKENDS, default="auto")
    p.add_argument("--save", help="write every run's complete state to a session file "
                                  "(FILE.glgan; FILE.json writes the old JSON + .npz pair)")
    p.add_argument("--load", help="continue a session (FILE.glgan) or a saved model pair "
                                  "(FILE.json)")
    p.add_argument("--history-csv", metavar="FILE",
                   help="write every run's history (epoch, losses, KL, JS) as CSV")
    p.add_argument("--json", action="store_true", help="last stdout line is one JSON object")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("bench", parents=[verbose],
                       help="measure epochs/s (and frames/s); JSON lines with --json")
    p.add_argument("--backend", choices=BACKENDS, default="numpy")
    p.add_argument("--json", action="store_true")
    p.add_argument("--render", action="store_true", help="also measure the renderer")
    p.add_argument("--record", action="store_true", help="also measure video recording")
    p.add_argument("--app", action="store_true",
                   help="also measure the interactive frame (train / view / overlay split)")
    p.add_argument("--all", action="store_true", help="every benchmark")
    p.add_argument("--quick", action="store_true", help="shorter runs (for tests)")
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("snapshot", parents=[verbose],
                       help="train, then render the view to a PNG (no display)", **settings)
    _add_config_args(p)
    p.add_argument("--epochs", type=int, default=None,
                   help="epochs to train first (default 1000; 0 with --load)")
    p.add_argument("--size", type=parse_size, default=(800, 800))
    p.add_argument("--out", required=True, help="output .png")
    p.add_argument("--layers", default="heatmap,real,fake,gradients",
                   help="comma list of heatmap,contour,optimal,flow,real,gradients,fake,"
                        "manifold (or all, none); trails needs frames: glgan record")
    p.add_argument("--field-res", type=int, default=256,
                   help="D's field resolution, 1..1024, used as the largest of the window's "
                        "steps 24, 32, 48, 64, 96, 128, 192, 256 not above it (and not above "
                        "a cell's size in pixels)")
    _add_style_args(p)
    p.add_argument("--backend", choices=BACKENDS, default="auto")
    p.add_argument("--compare", action="append", metavar="KEY=V1,V2,...",
                   help="render one run per value side by side in a grid (repeatable: every "
                        "combination, at most 16), e.g. --compare seed=0,1,2,3")
    p.add_argument("--load", help="render a session file (FILE.glgan) or a model pair")
    p.add_argument("--epoch", type=int, help="with --load: render this past epoch of the "
                                              "session (kept in its timeline, or replayed)")
    _add_auto_fit_arg(p)
    p.set_defaults(func=cmd_snapshot)

    p = sub.add_parser("record", parents=[verbose],
                       help="render training offscreen to MP4 (or a PNG folder)", **settings)
    _add_config_args(p)
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--fps", type=int, default=60)
    p.add_argument("--size", type=parse_size, default=(1280, 720))
    p.add_argument("--epochs-per-frame", type=int, default=10)
    p.add_argument("--with-ui", action="store_true", help="include the ImGui overlay")
    p.add_argument("--backend", choices=BACKENDS, default="auto")
    p.add_argument("--compare", action="append", metavar="KEY=V1,V2,...",
                   help="record one run per value side by side in a grid (repeatable: every "
                        "combination, at most 16), e.g. --compare seed=0,1,2,3")
    p.add_argument("--load", help="record a session (FILE.glgan) or a model pair going on "
                                  "from where it was saved")
    p.add_argument("--layers", default="heatmap,real,fake,gradients")
    _add_style_args(p)
    p.add_argument("--out", required=True, help="FILE.mp4, or DIR/ for numbered PNGs")
    _add_auto_fit_arg(p)
    p.set_defaults(func=cmd_record)
    p = sub.add_parser("doctor", parents=[verbose],
                       help="check and measure this machine (GPU with --gpu) into one folder")
    p.add_argument("--out", required=True, help="folder for the results (created)")
    p.add_argument("--gpu", action="store_true",
                   help="check the GPU path: kernels on the device, gpu tests, GPU benchmarks")
    p.add_argument("--quick", action="store_true", help="fewer tests, shorter benchmarks")
    p.add_argument("--budget", type=float, default=450.0,
                   help="seconds for the whole check (default 450)")
    p.set_defaults(func=cmd_doctor)
    return parser


COMMANDS = ("run", "train", "bench", "snapshot", "record", "doctor")


def with_default_command(argv: list[str]) -> list[str]:
    """``glgan --dataset ring --play`` means ``glgan run --dataset ring --play``: insert
    ``run`` before the first argument that is not a global option (-v, -h)."""
    out = list(argv)
    i = 0
    while i < len(out) and out[i] in ("-v", "--verbose"):
        i += 1
    if i < len(out) and (not out[i].startswith("-") or out[i] in ("-h", "--help")):
        return out  # a command (or a mistyped one: argparse lists the valid choices)
    return out[:i] + ["run"] + out[i:]


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(with_default_command(sys.argv[1:] if argv is None else argv))
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="glgan: %(message)s")
    try:
        return args.func(args)
    except USER_ERRORS as e:
        print(f"glgan: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("glgan: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
