"""Plain-language training warnings: tell, from an engine's state, when a run has gone wrong.

Owns the detectors of the failures students meet (issue 17), their thresholds (chosen from
measurement; the numbers are in the comments below), the warning value the UI and the CLI show
and the suggested fix a button can apply. ``diagnose(engine, run)`` works through the
``GanEngine`` protocol only (``status``, ``generator``, ``discriminator``, ``drawn``), so it
works on every backend; ``measure`` gives the numbers behind the verdicts.

Detectors (names are stable: ``train --json`` prints them):

- ``dead_d``: D has gone constant. D's gradient with respect to its input is exactly zero at
  nearly every real and fake sample: every ReLU of some layer is off there, so D outputs its
  last bias whatever x is, no weight before that layer gets a gradient again, and G gets no
  signal. It seldom recovers (3 of 26 preset runs did); the fix starts over, with SGD or a
  lower learning rate.
- ``saturated_d``: D gives (nearly) every fake D(x) < 1 %. With the minimax or least-squares
  loss G's gradient carries a factor D(fake) (so it vanishes); with the log loss D has simply
  overpowered G.
- ``mode_collapse``: the fakes sit inside the real data but cover little of it (a grid
  histogram of the real samples' support, by mass and by cluster), or G sends every noise
  sample to (nearly) one point.
- Oscillation is not detected: on these toy distributions healthy preset runs swing as much
  (KL over epochs 2000-3000 ranging up to 5.6 bits without trend: disjoint seed 1; ring up to
  3.8) as the high-learning-rate runs tried (SGD d_lr = g_lr = 0.3 on gaussians: up to 2.8
  bits; g_lr 0.1 with k_d 1, Adam for both at 0.01), so no threshold separated them.

Cost per call (fixed, independent of training): D on 5 x 1000 + 500 points and G on 1000
noise samples (one call each) and a 16 x 16 histogram; on the first call for a (dataset,
seed) also 2000 real samples and the grid's clusters, cached (about 50 KB per entry, at most
64 entries). Measured on NumPy with GAN Lab's network sizes: 0.5-1.4 ms a call, the first
1-13 ms; with 6 x 100 networks about 20 ms (cudasim: the same as NumPy). Cheap enough for a
few calls a second.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from glgan.compute.inspect import picture_for
from glgan.config import GANLAB_LEARNING_RATES, PRESETS, GanConfig

from .data import sample_noise, sample_real
from .philox import Stream

NAMES = ("dead_d", "saturated_d", "mode_collapse")

# -- sample counts (bounded: the cost above does not grow with the run) ------------------------
N_REAL = 2000   # real samples histogrammed (REAL_EVAL stream of the run's seed)
N_FAKE = 1000   # fakes: G on the NOISE_EVAL stream of the run's seed
N_PROBE = 500   # real and fake samples each where D's flatness is probed
FD_STEP = 1e-3  # D is evaluated at x +- FD_STEP in x and y: flat where all five are equal

# -- how the thresholds were measured -----------------------------------------------------
# "Presets": GAN Lab's four presets (line, gaussians, ring, disjoint), seeds 0-63, measured at
# epochs 0, 5, 20, 50, 100, 200, 500, 1000, 1500, ..., 3000 (3072 states; numpy backend,
# trained in chunks of 50 epochs). "Forced": the same presets with one setting changed, seeds
# 0-15. Every state a detector flagged in the presets was looked at (heatmap, samples): the
# presets themselves fail sometimes, and those warnings are true ones (listed below).

# -- dead_d ------------------------------------------------------------------------------------
# Flat: D(x) bit-identical at x and its four neighbours (a zero gradient, not a small one: a
# gradient of even 1e-4 per unit changes the float32 output over 1e-3), ignoring points where
# D is saturated at 0 or 1 in float32 (those belong to saturated_d).
# Presets: median 0 of the probes flat, 90th percentile 0.04; runs whose D never went flat
# peak at 0.85 (gaussians seed 21, epoch 2500: D still bends over part of the data). 26 of the
# 256 preset runs reach 0.90-1.0 within 3000 epochs (line 12, gaussians 8, ring 3, disjoint
# 3; gaussians seed 0 from epoch 2000, D = 0.487 everywhere; heatmaps looked at: flat over
# the data), and only 3 of them (line 12, gaussians 47, ring 36) came back by epoch 3000.
# Forced, Adam at d_lr 0.1: D dead in gaussians 6/16 seeds by epoch 100, 16/16 by 1500; ring
# 16/16 by 1000; disjoint 16/16 by 500; line 11/16 (2 more saturated) by 3000; flat 0.99-1.0.
DEAD_FLAT_FRACTION = 0.9
SATURATED_P = 1e-6  # D within this of 0 or 1 is saturated, not dead

# -- saturated_d -------------------------------------------------------------------------------
# Presets: at most 0.18 of the fakes get D < 0.01 (disjoint seed 32 at epoch 3000), all but 6
# states of 3072 under 0.02; the 3 states at or above 0.9 are line runs whose fakes left the
# line for good (seeds 23 and 61, epochs 2500-3000, KL 7.96-7.99 bits: true warnings).
# Forced: minimax loss with Adam at d_lr 0.01 on gaussians reaches 1.0 in 8/16 seeds by epoch
# 1000; minimax and 300 D-only epochs from a fresh gaussians run gives 0.90-1.0 in 6 of seeds
# 0-7 (seed 0: 1.0); G with Adam at g_lr 0.1 (fakes thrown out of the square): 11-13/16 seeds
# from epoch 200.
SATURATED_D = 0.01
SATURATED_FRACTION = 0.9

# -- mode_collapse -----------------------------------------------------------------------------
# A GRID x GRID histogram over GAN Lab's unit square. Real support: cells holding at least
# DENSE times the uniform density (2 / 256 of the real mass); its 8-connected clusters holding
# >= MODE_MIN_MASS are the modes. With these settings every seed 0-15 of every preset finds
# the right number of modes (line 1, gaussians 2, ring 1, disjoint 3); coarser grids or lower
# densities join the two gaussians through their tails. A cell is covered when it holds >= 2
# fakes (0.2 %); a mode is missed when under MODE_MISSED of its mass is covered.
GRID = 16
DENSE = 2.0
LOOSE = 0.5          # "inside the data": cells with >= half the uniform density of reals
MODE_MIN_MASS = 0.05
COVER_MIN_FAKES = 2
MODE_MISSED = 0.1
# Collapse = (>= INSIDE_MIN of the fakes inside the data and (a mode missed or the covered
# share of the real mass < RECALL_MIN)) or every fake within POINT_EXTENT (1st-99th
# percentile box) of one point; judged from COLLAPSE_FROM_EPOCH on.
# Presets: a fresh G is a small blob on its way, so without the epoch gate the rule fires on
# 47 runs at epochs 20-500 (30 gaussians seeds at 20-200; line seed 46 at 500, seed 16 at 200
# with every fake within 0.008), 38 of which show no problem at all at epoch 3000. From
# epoch 1000 it fires on 19 runs (line 6, disjoint 13), and every one looked at by eye had
# collapsed: disjoint seeds 5, 10, 14, 30, 37 with one of the three blobs empty (recall
# 0.33-0.58), line seeds 0, 51, 57 on a tenth to a quarter of the line (KL 6.5-7.3 bits), line
# seed 23 with every fake at one point. Healthy gaussians runs whose G is a thin curve through
# both blobs (seeds 0 and 1 at epoch 1000) cover 0.41-0.43 of the mass and miss no blob.
# Forced: G with Adam at g_lr 0.1 puts every fake at one point (extent < 2e-5) in 16/16 seeds
# from epoch 1000; g_lr 1.0 on gaussians collapses 4-7/16 seeds at epochs 1000-3000.
INSIDE_MIN = 0.9
RECALL_MIN = 0.25
POINT_EXTENT = 0.01
COLLAPSE_FROM_EPOCH = 1000

_CACHE_MAX = 64


@dataclass(frozen=True)
class Fix:
    """A suggested action, as data a UI button can turn into a command.

    action: "set" applies ``changes`` as a live edit (the weights are kept); "reset" applies
    them and starts the run over from its (possibly new) seed. ``changes``: (field, value)
    pairs of ``GanConfig`` (empty for a plain reset). ``label``: the button's text."""

    action: str
    changes: tuple[tuple[str, Any], ...] = ()
    label: str = ""

    def __post_init__(self) -> None:
        if self.action not in ("set", "reset"):
            raise ValueError(f"Fix.action={self.action!r} must be set or reset")

    def config(self, current: GanConfig) -> GanConfig:
        """``current`` with the changes applied (validated by GanConfig)."""
        return current.replace(**dict(self.changes))


@dataclass(frozen=True)
class TrainingWarning:
    """One detector's verdict: ``name`` (stable id, e.g. "dead_d"), ``title`` (a few words),
    ``message`` (what is wrong and why, in plain language, with the measured numbers) and
    ``fix`` (the suggested action)."""

    name: str
    title: str
    message: str
    fix: Fix


@dataclass(frozen=True)
class Measurements:
    """The numbers the detectors judge (see the module constants for their thresholds).

    flat: share of the probed real and fake samples where D's input gradient is exactly zero.
    d_value: median D over the probed samples. saturated: share of fakes with D < SATURATED_D.
    recall: share of the real support's mass in cells holding fakes. inside: share of fakes in
    cells of the real data. modes / missed: clusters of the real data and how many hold
    (almost) no fakes. extent: the fakes' spread (largest side of their 1st-99th percentile
    box). epoch: the run's epoch."""

    flat: float
    d_value: float
    saturated: float
    recall: float
    inside: float
    modes: int
    missed: int
    extent: float
    epoch: int


@dataclass(frozen=True)
class _Support:
    """The real data on the grid: mass per cell, the dense and loose cells, mode labels."""

    mass: np.ndarray      # (GRID, GRID) share of the real samples per cell
    dense: np.ndarray     # bool (GRID, GRID)
    loose: np.ndarray     # bool (GRID, GRID)
    labels: np.ndarray    # int (GRID, GRID): mode index, -1 outside every mode
    modes: int
    real: np.ndarray      # (N_REAL, 2) the samples (the first N_PROBE are probed for D)


def _cells(points: np.ndarray) -> np.ndarray:
    """Flat cell index of each point in the unit square's grid, -1 outside (or not finite)."""
    with np.errstate(invalid="ignore"):
        ij = np.floor(points * GRID)
        ok = np.isfinite(ij).all(axis=1) & (ij >= 0).all(axis=1) & (ij < GRID).all(axis=1)
    out = np.full(len(points), -1, np.int64)
    out[ok] = ij[ok, 0].astype(np.int64) * GRID + ij[ok, 1].astype(np.int64)
    return out


def _clusters(mask: np.ndarray) -> tuple[np.ndarray, int]:
    """8-connected components of ``mask``: (labels, -1 outside; count)."""
    labels = np.full(mask.shape, -1, np.int64)
    count = 0
    for start in zip(*np.nonzero(mask)):
        if labels[start] >= 0:
            continue
        labels[start] = count
        stack = [start]
        while stack:
            i, j = stack.pop()
            for a in (i - 1, i, i + 1):
                for b in (j - 1, j, j + 1):
                    if 0 <= a < GRID and 0 <= b < GRID and mask[a, b] and labels[a, b] < 0:
                        labels[a, b] = count
                        stack.append((a, b))
        count += 1
    return labels, count


@functools.lru_cache(maxsize=_CACHE_MAX)  # a pure function of its arguments
def _support_of(dataset: str, seed: int, drawn: bytes | None) -> _Support:
    points = None if drawn is None else np.frombuffer(drawn, np.float64).reshape(-1, 2)
    real = sample_real(dataset, N_REAL, seed, points, stream=Stream.REAL_EVAL)
    cells = _cells(real)
    mass = (np.bincount(cells[cells >= 0], minlength=GRID * GRID) / N_REAL
            ).reshape(GRID, GRID)
    dense = mass >= DENSE / GRID**2
    labels, n = _clusters(dense)
    kept = [k for k in range(n) if mass[labels == k].sum() >= MODE_MIN_MASS]
    relabel = np.full(n + 1, -1, np.int64)
    relabel[kept] = np.arange(len(kept))
    return _Support(mass, dense, mass >= LOOSE / GRID**2, relabel[labels], len(kept), real)


def _support(c: GanConfig, drawn) -> _Support:
    """The real data of ``c`` on the grid (computed once per dataset, seed and drawing)."""
    key = None if c.dataset != "drawn" or drawn is None else \
        np.ascontiguousarray(drawn, np.float64).tobytes()
    return _support_of(c.dataset, c.seed, key)


@functools.lru_cache(maxsize=_CACHE_MAX)  # a pure function of its arguments
def _noise_of(dist: str, dim: int, seed: int) -> np.ndarray:
    z = sample_noise(dist, dim, N_FAKE, seed, stream=Stream.NOISE_EVAL)
    z.setflags(write=False)  # shared by every later call
    return z


def _noise(c: GanConfig) -> np.ndarray:
    return _noise_of(c.noise_dist, c.noise_dim, c.seed)


def measure(engine, run: int = 0) -> Measurements:
    """The numbers behind ``diagnose`` for one run (see ``Measurements``)."""
    status = engine.status(run)
    c = status.config
    sup = _support(c, engine.drawn if c.dataset == "drawn" else None)
    fake = np.asarray(engine.generator(_noise(c), run), np.float64)

    # D at the probes and their four neighbours, and at every fake: one call
    probes = np.concatenate([sup.real[:N_PROBE], fake[:N_PROBE]])
    offsets = np.array([[0, 0], [FD_STEP, 0], [-FD_STEP, 0], [0, FD_STEP], [0, -FD_STEP]])
    x = np.concatenate([(probes[None] + offsets[:, None]).reshape(-1, 2), fake[N_PROBE:]])
    with np.errstate(invalid="ignore", over="ignore"):
        d = np.asarray(engine.discriminator(x, run), np.float64)
    grid_d = d[:5 * len(probes)].reshape(5, len(probes))
    p = grid_d[0]
    unsaturated = (p > SATURATED_P) & (p < 1 - SATURATED_P)
    flat = float(((grid_d == p).all(axis=0) & unsaturated).mean())
    if c.critic:
        # a clipped critic's scores are tiny: sigmoid rounds their differences away and
        # every probe looks flat. Ask the network itself: a hidden layer dead over the
        # samples' box makes the critic constant (glgan.compute.inspect, exact)
        finite = probes[np.isfinite(probes).all(axis=1)]
        lo, hi = (finite.min(axis=0), finite.max(axis=0)) if len(finite) else ((0, 0), (1, 1))
        box = (float(lo[0]) - 0.05, float(lo[1]) - 0.05, float(hi[0]) + 0.05,
               float(hi[1]) + 0.05)
        flat = 1.0 if picture_for(engine, run, "d", box, 16).dead_layers else 0.0
    d_fake = np.concatenate([grid_d[0, N_PROBE:], d[5 * len(probes):]])
    saturated = float(np.mean(d_fake < SATURATED_D))

    # coverage of the real data by the fakes
    cells = _cells(fake)
    counts = np.bincount(cells[cells >= 0], minlength=GRID * GRID).reshape(GRID, GRID)
    covered = counts >= COVER_MIN_FAKES
    dense_mass = sup.mass[sup.dense].sum()
    recall = float(sup.mass[sup.dense & covered].sum() / dense_mass) if dense_mass > 0 else 1.0
    inside = float(np.isin(cells, np.flatnonzero(sup.loose)).mean())
    missed = 0
    for k in range(sup.modes):
        mode = sup.labels == k
        if sup.mass[mode & covered].sum() < MODE_MISSED * sup.mass[mode].sum():
            missed += 1
    finite = fake[np.isfinite(fake).all(axis=1)]
    if len(finite):
        lo, hi = np.percentile(finite, [1, 99], axis=0)
        extent = float((hi - lo).max())
    else:
        extent = 0.0
    return Measurements(flat=flat, d_value=float(np.median(p)), saturated=saturated,
                        recall=recall, inside=inside, modes=sup.modes, missed=missed,
                        extent=extent, epoch=status.epoch)


def _lower(lr: float) -> float:
    """The next GAN Lab learning rate below ``lr`` (a third of it below 0.001)."""
    below = [r for r in GANLAB_LEARNING_RATES if r < lr * (1 - 1e-9)]
    return below[-1] if below else lr / 3


def _preset(c: GanConfig, key: str):
    """The value of ``key`` in the preset of the run's dataset (GanConfig's default for
    drawn data)."""
    return PRESETS.get(c.dataset, {}).get(key, GanConfig.__dataclass_fields__[key].default)


def _dead_fix(c: GanConfig) -> Fix:
    # Measured (3000 epochs): Adam kills these small ReLU D's at any learning rate tried (on
    # gaussians, seeds 0-15: d_lr 0.003 11/16 dead, 0.001 4/16, 7/16 by epoch 6000, learning
    # little: median KL 5.3 bits), so Adam goes back to the preset's SGD (gaussians: 57/64
    # alive at 3000, KL ~2). SGD goes one GAN Lab learning rate down: of the 7 gaussians preset
    # seeds that died, 6 stay alive at d_lr 0.03; of line's 11, 6 at 0.01.
    if c.d_optimizer == "adam":
        lr = _preset(c, "d_lr")
        return Fix("reset", (("d_optimizer", "sgd"), ("d_lr", lr)),
                   f"Start over with SGD for D (learning rate {lr:g})")
    lr = _lower(c.d_lr)
    return Fix("reset", (("d_lr", lr),), f"Start over with D's learning rate at {lr:g}")


def _saturated_fix(c: GanConfig) -> Fix:
    if c.loss != "log":
        return Fix("set", (("loss", "log"),), "Switch to the log (non-saturating) loss")
    lr = _lower(c.d_lr)
    return Fix("set", (("d_lr", lr),), f"Lower D's learning rate to {lr:g}")


def _collapse_fix(c: GanConfig) -> Fix:
    seed = (c.seed + 1) % 2**32
    g_lr = _preset(c, "g_lr")
    if c.g_optimizer == "adam" or c.g_lr > 3 * g_lr:
        # G with Adam at g_lr 0.1 collapsed in 16/16 seeds, SGD at 1.0 in up to 7/16 (see
        # above): another seed alone would not help
        return Fix("reset", (("g_optimizer", "sgd"), ("g_lr", g_lr), ("seed", seed)),
                   f"Start over with SGD for G (learning rate {g_lr:g}) and a new seed")
    return Fix("reset", (("seed", seed),), "Start over with a new seed")


def judge(m: Measurements, c: GanConfig) -> tuple[TrainingWarning, ...]:
    """The warnings ``m`` calls for (run config ``c`` picks the wording and the fixes)."""
    out = []
    if m.flat >= DEAD_FLAT_FRACTION:
        out.append(TrainingWarning(
            "dead_d", "The discriminator has died",
            f"D has gone flat: it answers {m.d_value:.2f} wherever the point is, at "
            f"{m.flat:.0%} of the real and fake samples, because every ReLU unit of one of "
            "its layers is switched off there. D has stopped learning and gives G no "
            "direction; a D this flat seldom recovers. "
            + ("Adam's steps kill these small networks' units easily: start over with SGD."
               if c.d_optimizer == "adam" else
               "Start over with a lower learning rate for D."),
            _dead_fix(c)))
    if m.saturated >= SATURATED_FRACTION and not c.critic:  # a critic's score has no 0..1
        why = ("With the minimax loss G's gradient is proportional to D(fake), so it "
               "vanishes and G stops moving." if c.loss == "minimax" else
               "With the least-squares loss G's gradient vanishes as D(fake) nears 0, so G "
               "stops moving." if c.loss == "leastsq" else
               "D has overpowered G; G may not recover if its samples stay put.")
        out.append(TrainingWarning(
            "saturated_d", "The discriminator is saturated",
            f"D is certain that {m.saturated:.0%} of the fakes are fake (D(fake) < "
            f"{SATURATED_D:g}). {why}",
            _saturated_fix(c)))
    if m.epoch >= COLLAPSE_FROM_EPOCH:
        what = None
        if m.extent < POINT_EXTENT:
            what = "G sends every noise sample to (almost) the same point"
        elif m.inside >= INSIDE_MIN and m.modes >= 2 and m.missed >= 1:
            what = (f"the fakes miss {m.missed} of the {m.modes} clusters of the real data "
                    f"(they cover {m.recall:.0%} of it)")
        elif m.inside >= INSIDE_MIN and m.recall < RECALL_MIN:
            what = f"the fakes cover only {m.recall:.0%} of the real data"
        if what is not None:
            out.append(TrainingWarning(
                "mode_collapse", "Mode collapse",
                f"Mode collapse: {what}. G keeps producing a few kinds of output instead of "
                "the whole distribution, and rarely spreads out again by itself. Another "
                "start often covers everything.",
                _collapse_fix(c)))
    return tuple(out)


def diagnose(engine, run: int = 0) -> tuple[TrainingWarning, ...]:
    """The warnings that apply to run ``run`` of ``engine`` now (empty when none does), in
    the order of ``NAMES``. Works on any ``GanEngine``; see the module docstring for the cost."""
    return judge(measure(engine, run), engine.status(run).config)


def apply_fix(engine, fix: Fix, run: int = 0) -> None:
    """Carry out ``fix`` on run ``run``: a live edit ("set") or a restart ("reset")."""
    config = fix.config(engine.status(run).config)
    if fix.action == "set":
        engine.set_config(config, run)
    else:
        engine.reset(config, run)


def warning_names(warnings) -> list[str]:
    """["dead_d", ...]: the names, for JSON."""
    return [w.name for w in warnings]


def as_dict(w: TrainingWarning) -> Mapping[str, Any]:
    """A warning as plain JSON-able data."""
    return {"name": w.name, "title": w.title, "message": w.message,
            "fix": {"action": w.fix.action, "changes": dict(w.fix.changes),
                    "label": w.fix.label}}
