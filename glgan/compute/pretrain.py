"""Regenerate glgan's shipped pretrained ring and disjoint models (glgan/assets/pretrained/).

GAN Lab ships a pretrained model for each of its four datasets. Its line and gaussians files
are shipped as they are; its ring and disjoint files are not available to glgan, so glgan
trains its own, with this command::

    python -m glgan.compute.pretrain ring disjoint          # rewrites the shipped files
    python -m glgan.compute.pretrain ring disjoint --check  # retrains, compares, writes nothing

For each dataset it trains the dataset's GAN Lab preset (``preset(dataset)``: what the app
loads when the dataset is selected) from seeds 0 to N-1 (``--seeds N``, default 32, side by
side in one NumPy float32 engine: a run trains bit for bit as it would alone) for GAN Lab's
stored epoch count (``PRETRAINED_EPOCHS``: ring 812, disjoint 1710), keeps the seed whose
final KL divergence (``engine.divergences``, bits) is lowest, and writes it with
``save_ganlab_model`` as ``pretrained_<dataset>.json`` + ``.weights.bin``. The seed, its KL
and JS, its epoch-0 KL and the command are recorded under ``modelTopology.glgan`` (GAN Lab
and ``load_ganlab_model`` ignore that key); assets/pretrained/NOTICE repeats them.

The same NumPy on the same machine gives the same files byte for byte. GAN training is
chaotic, so a different BLAS (whose last bits differ) may follow other trajectories and pick
another seed; ``--check`` says whether this machine reproduces the shipped files.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from glgan.config import PRETRAINED_EPOCHS, preset

from .api import GanEngine, make_engine
from .modelio import GANLAB_EXTRA, PRETRAINED_DIR, ModelFileError, save_ganlab_model

TRAINED = ("ring", "disjoint")  # the datasets whose shipped models glgan trains
GANLAB_OWN = ("line", "gaussians")  # shipped as GAN Lab saved them: never overwritten here
DEFAULT_SEEDS = 32


@dataclass(frozen=True)
class Choice:
    """The best of the seeds tried for one dataset."""

    dataset: str
    epochs: int
    seeds: tuple[int, ...]   # every seed tried
    kls: tuple[float, ...]   # their final KL, in the same order
    seed: int                # the chosen seed (lowest final KL)
    kl: float                # its final KL and JS (bits)
    js: float
    kl_start: float          # its KL at epoch 0

    def record(self, command: str) -> dict:
        """What the model file keeps under modelTopology.glgan."""
        return {"trained_by": "glgan", "command": command, "seed": self.seed,
                "seeds_tried": [min(self.seeds), max(self.seeds)], "epochs": self.epochs,
                "kl": self.kl, "js": self.js, "kl_epoch0": self.kl_start,
                "backend": "numpy float32", "numpy": np.__version__}


def train_best(dataset: str, seeds=range(DEFAULT_SEEDS), epochs: int | None = None
               ) -> tuple[GanEngine, int, Choice]:
    """Train ``dataset``'s preset from every seed for ``epochs`` (default GAN Lab's count) and
    return (the engine, the chosen run's index, the Choice)."""
    seeds = tuple(int(s) for s in seeds)
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds {seeds!r}: give distinct seeds, at least one")
    epochs = PRETRAINED_EPOCHS[dataset] if epochs is None else int(epochs)
    engine = make_engine([preset(dataset).replace(seed=s) for s in seeds], backend="numpy")
    start = [engine.divergences(r)[0] for r in range(len(seeds))]
    engine.train(epochs)
    finals = [engine.divergences(r) for r in range(len(seeds))]
    kls = [kl if engine.status(r).diverged is None and np.isfinite(kl) else np.inf
           for r, (kl, _) in enumerate(finals)]
    best = int(np.argmin(kls))  # the first of equals: the lowest seed
    if not np.isfinite(kls[best]):
        raise RuntimeError(f"{dataset}: every seed diverged")
    choice = Choice(dataset, epochs, seeds, tuple(float(k) for k in kls), seeds[best],
                    float(finals[best][0]), float(finals[best][1]), float(start[best]))
    return engine, best, choice


def command_for(datasets, seeds: int) -> str:
    args = ["python", "-m", "glgan.compute.pretrain", *datasets]
    return shlex.join(args + ([] if seeds == DEFAULT_SEEDS else ["--seeds", str(seeds)]))


def write(dataset: str, out_dir, seeds: int = DEFAULT_SEEDS, command: str | None = None,
          epochs: int | None = None) -> tuple[Choice, Path, Path]:
    """Train (see ``train_best``) and write ``out_dir/pretrained_<dataset>.json`` and its
    ``.weights.bin``. Returns the Choice and both paths."""
    engine, run, choice = train_best(dataset, range(seeds), epochs)
    command = command or command_for([dataset], seeds)
    json_path, bin_path = save_ganlab_model(engine, run, Path(out_dir) /
                                            f"pretrained_{dataset}.json",
                                            extra=choice.record(command))
    return choice, json_path, bin_path


def describe(c: Choice) -> str:
    return (f"{c.dataset}: seed {c.seed} of {min(c.seeds)}-{max(c.seeds)}, KL {c.kl_start:.3f} "
            f"-> {c.kl:.3f} bits (JS {c.js:.3f}) at epoch {c.epochs}; other seeds' final KL "
            f"{min(c.kls):.2f}-{max(c.kls):.2f}, median {float(np.median(c.kls)):.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m glgan.compute.pretrain",
        description="Train the shipped pretrained models glgan makes itself (ring, disjoint): "
                    "each dataset's preset from seeds 0..N-1 for GAN Lab's epoch count; the "
                    "seed with the lowest final KL is written.")
    parser.add_argument("datasets", nargs="*", default=list(TRAINED), metavar="DATASET",
                        help=f"any of {', '.join(PRETRAINED_EPOCHS)} (default: "
                             f"{' '.join(TRAINED)})")
    parser.add_argument("--seeds", type=int, default=DEFAULT_SEEDS,
                        help=f"try seeds 0..N-1 (default {DEFAULT_SEEDS}, at most 64)")
    parser.add_argument("--out", type=Path, default=PRETRAINED_DIR,
                        help="folder to write to (default: the shipped models' folder)")
    parser.add_argument("--check", action="store_true",
                        help="retrain into a temporary folder and compare with the files in "
                             "--out; write nothing (exit status 1 when they differ)")
    args = parser.parse_args(argv)
    unknown = [d for d in args.datasets if d not in PRETRAINED_EPOCHS]
    if unknown:
        parser.error(f"dataset {unknown[0]!r}: choose from {', '.join(PRETRAINED_EPOCHS)}")
    if not 1 <= args.seeds <= 64:
        parser.error(f"--seeds {args.seeds}: give 1 to 64")
    shipped = args.out.resolve() == PRETRAINED_DIR.resolve()
    own = [d for d in args.datasets if d in GANLAB_OWN]
    if shipped and own:
        parser.error(f"pretrained_{own[0]}.* in {PRETRAINED_DIR} are GAN Lab's own files and "
                     "are not replaced; give --out DIR to train one elsewhere")
    failed = False
    for dataset in dict.fromkeys(args.datasets):
        try:
            if args.check:
                failed |= not _check(dataset, args.out, args.seeds)
                continue
            choice, json_path, bin_path = write(dataset, args.out, args.seeds)
        except (ModelFileError, OSError) as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
        print(describe(choice))
        print(f"  wrote {json_path} and {bin_path.name}")
    return 1 if failed else 0


def _without_version(path: Path):
    """A model file's JSON without the NumPy version it records (provenance, not content)."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc.get("modelTopology", {}).get(GANLAB_EXTRA, {}).pop("numpy", None)
    return doc


def _check(dataset: str, folder: Path, seeds: int) -> bool:
    """Retrain ``dataset`` into a temporary folder; True when the weights equal those in
    ``folder`` byte for byte and the JSON is the same (but for the NumPy version)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        choice, json_path, bin_path = write(dataset, tmp, seeds)
        print(describe(choice))
        old_json, old_bin = Path(folder) / json_path.name, Path(folder) / bin_path.name
        same = old_bin.is_file() and old_bin.read_bytes() == bin_path.read_bytes()
        try:
            same = same and _without_version(old_json) == _without_version(json_path)
        except (OSError, ValueError):
            same = False
        print(f"  {dataset}: " + (f"the files in {folder} are reproduced exactly" if same else
                                  f"{old_json.name} / {old_bin.name} in {folder} differ from "
                                  "the regenerated ones (or are missing)"))
        return same


if __name__ == "__main__":
    sys.exit(main())
