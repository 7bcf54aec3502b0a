"""The engine interface: what the app, record, snapshot, bench and the CLI may call.

Owns the declared contract between training and everything that shows or stores it:
``GanEngine`` (a Protocol), its plain result values (``RunStatus``, ``TrainStats``; the state
value ``EngineState`` lives in ``state``) and ``make_engine``, the one place an engine is
built. An engine trains a list of runs (one or many GANs, each with its own config); methods
take a run index (default 0, so single-run callers never mention runs). Nothing outside
``glgan.compute`` names a concrete engine class or touches an engine's attributes beyond
this Protocol (tests/test_layering.py checks it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from glgan.config import GanConfig
from glgan.frame import FrameData, ViewTargets
from glgan.history import History

from .state import EngineState

STEP_KINDS = ("both", "d", "g")


@dataclass(frozen=True)
class RunStatus:
    """Where one run stands.

    Attributes:
        config: its settings.
        epoch: epochs trained.
        d_loss, g_loss: the losses of its last training step (NaN before any).
        diverged: why it is paused after a divergence, or None.
        run_id: changes whenever the run starts over (reset, new config, restore).
    """

    config: GanConfig
    epoch: int
    d_loss: float
    g_loss: float
    diverged: str | None
    run_id: int


@dataclass(frozen=True)
class TrainStats:
    """What one ``train`` call did: epochs completed and divergence state, per run."""

    seconds: float
    run_epochs: tuple[int, ...]
    run_diverged: tuple[str | None, ...]

    @property
    def epochs(self) -> int:
        """The most epochs any run completed in this call."""
        return max(self.run_epochs, default=0)

    @property
    def diverged(self) -> str | None:
        """The first paused run's message (None when every run can train)."""
        return next((d for d in self.run_diverged if d is not None), None)


@runtime_checkable
class GanEngine(Protocol):
    """Trains a list of GAN runs and computes what the view shows of each."""

    @property
    def backend_name(self) -> str:
        """numpy, cupy, ... (what trains)."""

    @property
    def version(self) -> int:
        """Increases whenever anything a frame shows may have changed."""

    @property
    def run_count(self) -> int: ...

    @property
    def drawn(self) -> np.ndarray | None:
        """The user's drawn points (the 'drawn' dataset), or None."""

    def configs(self) -> tuple[GanConfig, ...]: ...

    def status(self, run: int = 0) -> RunStatus: ...

    def history(self, run: int = 0) -> History:
        """The run's losses and KL/JS per recorded epoch (the charts draw this)."""

    def train(self, epochs: int = 1, kind: str = "both",
              runs: Sequence[int] | None = None) -> TrainStats:
        """``epochs`` epochs of every (or the listed) run: kind both = k_D D steps then k_G G
        steps, d = one D step, g = one G step. Diverging runs are rolled back and paused."""

    def train_phase(self, net: str, runs: Sequence[int] | None = None) -> TrainStats:
        """Slow motion: this epoch's D phase ("d": k_D D steps, the epoch not finished) or its
        G phase ("g": k_G G steps, then the epoch counter advances)."""

    def set_config(self, config: GanConfig, run: int = 0) -> bool:
        """Apply ``config`` to a run: live fields keep the weights; other changes reset it.
        Returns True if it reset. A config that cannot be used is refused, nothing changed."""

    def reset(self, config: GanConfig | None = None, run: int | None = None) -> None:
        """Start a run (None: every run) over from its seed, optionally with a new config."""

    def set_drawn(self, points) -> None:
        """Use ``points`` (N, 2) as the drawn distribution (validated)."""

    def set_weights(self, g_params: list, d_params: list, epoch: int = 0,
                    run: int = 0) -> None:
        """Use these [W0, b0, ...] weights (e.g. GAN Lab's pretrained ones) at ``epoch``."""

    def clear_divergence(self, run: int | None = None) -> None:
        """Allow a paused run (None: all) to train again."""

    def frame(self, field_res: int = 30, bounds=(0.0, 0.0, 1.0, 1.0),
              manifold_cells: int = 20, ganlab_metrics: bool = False,
              targets: Mapping[int, ViewTargets] | None = None, host_arrays: bool = True
              ) -> tuple[FrameData, ...]:
        """Every run's visual state in one call (one FrameData per run, in run order). The
        arrays are the engine's host buffers, valid until the next ``frame`` call or change of
        runs (reset, restore, new config): a consumer copies what it keeps.

        ``targets`` ({run: ViewTargets}): a view's published GL objects per run. An
        engine whose kernels can write them (backends cuda, cudasim) does so and marks that
        run's FrameData ``resident``; its arrays are then host copies only if ``host_arrays``
        (else empty). Other engines ignore ``targets`` (the view uploads the host arrays).

        D's output in a frame (``field``, ``pred_real``, ``pred_fake``) is the probability
        sigmoid(l) of D's logit l, except for a critic (``config.critic``: loss wasserstein),
        whose frames hold its raw value l (unbounded; only differences mean something) and
        ``grad_d`` = dl/dx; the texture ``targets["field"]`` receives the same values."""

    def release_targets(self) -> None:
        """Forget every view's GL objects registered by ``frame`` (before they are released)."""

    @property
    def visual_host_copies(self) -> int:
        """How many times visual data crossed from the device to the host (0 on the host)."""

    def generator(self, z, run: int = 0) -> np.ndarray:
        """G(z): (n, noise_dim) -> (n, 2)."""

    def discriminator(self, x, run: int = 0) -> np.ndarray:
        """D(x) as probabilities sigmoid(l): (n, 2) -> (n,), for every loss (a critic's raw
        values are what ``frame`` gives)."""

    def divergences(self, run: int = 0, ganlab_compat: bool = False) -> tuple[float, float]:
        """Grid (KL, JS) in bits between the run's real and generated samples."""

    def snapshot(self) -> EngineState:
        """The complete state of every run (host copies)."""

    def restore(self, state: EngineState) -> None:
        """Become exactly ``state`` (its run list replaces this engine's)."""


def make_engine(configs: GanConfig | Sequence[GanConfig] | None = None, *,
                backend: str = "numpy", drawn=None, state: EngineState | None = None,
                dtype=None) -> GanEngine:
    """Build an engine for ``configs`` (one or a list of up to 64 runs), or from ``state``.

    dtype: float32 (default) for speed, float64 for gradient checks; by default the dtype of
    ``state``'s weights when one is given.

    backend: one of compute.backend.BACKENDS: "numpy" (the reference), "cuda" (the fused
    kernels on a GPU), "cupy" (the NumPy code on CuPy arrays: the eager baseline), "cudasim"
    (the fused kernels on the CPU), "auto" (cuda where a GPU is usable, else numpy).
    Raises ConfigError/DataError for unusable configs, BackendError for a missing backend.
    """
    from .backend import select_backend
    from .engine import BatchedEngine

    if dtype is None:
        dtype = np.float64 if state is not None and state.runs and \
            np.asarray(state.runs[0].g_theta).dtype == np.float64 else np.float32
    if state is None:
        if configs is None:
            configs = [GanConfig()]
        elif isinstance(configs, GanConfig):
            configs = [configs]
        configs = list(configs)
    return BatchedEngine(configs, select_backend(backend), drawn=drawn, state=state,
                         dtype=dtype)


def check_kernels(gpu: bool = False) -> dict:
    """Compile the fused training kernels, for this machine's GPU (``gpu``) or for the CPU
    emulation, and gate their resources with nvcc where it is installed. Returns the compile
    time and ptxas' report; raises BackendError naming what failed (for ``glgan doctor``)."""
    import shutil
    import time

    from .backend import BackendError, select_backend
    from .cuda.trainer import SOURCES, THREADS, cpu_module

    out: dict = {}
    t0 = time.perf_counter()
    if gpu:
        from .cuda.device import gpu_module

        gpu_module(select_backend("cuda").xp, SOURCES)
        out["nvrtc_for_this_gpu_s"] = round(time.perf_counter() - t0, 2)
    else:
        cpu_module()
        out["gxx_for_cudasim_s"] = round(time.perf_counter() - t0, 2)
    if shutil.which("nvcc"):
        from .cuda.gate import problems, resources

        out["resources"] = usage = resources(SOURCES)
        bad = {k: problems(v, THREADS) for k, v in usage.items() if problems(v, THREADS)}
        if bad:
            raise BackendError(f"resource gate: {bad}")
    return out
