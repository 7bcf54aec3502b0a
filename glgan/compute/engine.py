"""BatchedEngine: the GanEngine of the NumPy path (and of the eager CuPy baseline).

Owns the list of runs and how they are batched: runs whose configs share ``batch_key``
(architecture, batch size, atlas settings) train together in one ``RunBatch``; runs that
differ there go to separate batches, while callers see one list of runs in their order.
Structural changes (a run's architecture, restore, new drawn points) rebuild the batches from
the complete state of every run, so nothing is lost; live edits go straight to the batch.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping

import numpy as np

from glgan.config import MAX_RUNS, ConfigError, GanConfig
from glgan.frame import MAX_FIELD_RES, MAX_MANIFOLD_CELLS, FrameData, Resident, ViewTargets
from glgan.history import History

from .api import STEP_KINDS, RunStatus, TrainStats
from .backend import Backend, BackendError, select_backend
from .batch import RunBatch, batch_key, initial_state
from .data import DataError, validate_drawn
from .mlp import params_to_theta
from .state import MAX_COUNT, EngineState, RunState, d_sizes, g_sizes

log = logging.getLogger(__name__)


def _check_run_count(n: int) -> None:
    if not 1 <= n <= MAX_RUNS:
        raise ConfigError(f"runs={n} is out of range; allowed [1, {MAX_RUNS}]")


class BatchedEngine:
    """See the module docstring and ``api.GanEngine`` for the methods."""

    def __init__(self, configs: list[GanConfig] | None, backend: Backend, *, drawn=None,
                 state: EngineState | None = None, dtype=np.float32):
        self._backend, self._dtype = backend, np.dtype(dtype)
        self._version = 0
        if state is None:
            _check_run_count(len(configs))
            drawn = validate_drawn(drawn) if drawn is not None else None
            for c in configs:
                self._check_drawn(c, drawn)
            state = EngineState(tuple(initial_state(c) for c in configs), drawn)
        self._run_ids: list[int] = []
        self._last_run_id = 0  # run ids are never reused in an engine's life
        self._batches: list[RunBatch] = []
        self._where: list[tuple[int, int]] = []
        self._drawn = None
        self._gl_share = None   # the CUDA-OpenGL writer, made when frame() first gets targets
        self._visual_copies = 0
        self.restore(state)

    # -- structure ----------------------------------------------------------------------
    @staticmethod
    def _check_drawn(c: GanConfig, drawn) -> None:
        if c.dataset == "drawn" and drawn is None:
            raise DataError("dataset=drawn needs drawn points; draw some first")

    def _build(self, runs: tuple[RunState, ...], drawn) -> None:
        """Group the runs into batches (first-seen order) and load their states."""
        groups: dict[tuple, list[int]] = {}
        for i, r in enumerate(runs):
            groups.setdefault(batch_key(r.config), []).append(i)
        self._drawn = drawn
        self._batches, self._where = [], [None] * len(runs)
        trainer = self._kernel_trainer() if self._backend.name in ("cuda", "cudasim") else None
        for members in groups.values():
            batch = RunBatch([runs[i] for i in members], drawn, self._dtype, self._backend.xp,
                             trainer)
            for slot, i in enumerate(members):
                self._where[i] = (len(self._batches), slot)
            self._batches.append(batch)
        self._touch()

    def _kernel_trainer(self):
        """RunBatch -> KernelTrainer on the fused kernels, built once per engine: for the GPU
        (cuda; "auto" falls back to numpy if they do not compile, saying why) or for the CPU
        (cudasim, cached between processes)."""
        from .cuda.trainer import EMULATED_SHARED_LIMIT, SOURCES, KernelTrainer, cpu_module

        if self._dtype != np.float32:
            raise ConfigError(f"backend={self._backend.name} trains in float32 only")
        if getattr(self, "_module", None) is None:
            if self._backend.name == "cudasim":
                self._module, self._shared_limit = cpu_module(), EMULATED_SHARED_LIMIT
            else:
                from .cuda.device import gpu_module, shared_limit

                try:
                    self._module = gpu_module(self._backend.xp, SOURCES)
                    self._shared_limit = shared_limit(self._backend.xp)
                except BackendError as e:
                    if not self._backend.auto:
                        raise
                    log.warning("backend auto: using numpy because %s", e)
                    self._backend = select_backend("numpy")
                    return None
        return lambda batch: KernelTrainer(batch, self._module, self._shared_limit)

    def _at(self, run: int) -> tuple[RunBatch, int]:
        if isinstance(run, bool) or not isinstance(run, (int, np.integer)) or \
                not 0 <= run < len(self._where):
            raise ValueError(f"run={run!r} is out of range; this engine has "
                             f"{len(self._where)} run(s): 0..{len(self._where) - 1}")
        b, slot = self._where[int(run)]
        return self._batches[b], slot

    def _put(self, run: int, s: RunState) -> None:
        """Make run ``run`` exactly ``s``: in place when it stays in its batch."""
        batch, slot = self._at(run)
        if batch_key(s.config) == batch_key(batch.configs[0]):
            batch.load_run(slot, s)
            self._touch()
        else:
            runs = list(self.snapshot().runs)
            runs[run] = s
            self._build(tuple(runs), self._drawn)
        self._run_ids[run] = self._new_run_id()

    def _new_run_id(self) -> int:
        self._last_run_id += 1
        return self._last_run_id

    def _touch(self) -> None:
        self._version += 1

    # -- the Protocol: properties -----------------------------------------------------------
    @property
    def backend_name(self) -> str:
        return self._backend.name

    @property
    def version(self) -> int:
        return self._version

    @property
    def run_count(self) -> int:
        return len(self._where)

    @property
    def drawn(self) -> np.ndarray | None:
        return self._drawn

    def configs(self) -> tuple[GanConfig, ...]:
        return tuple(self._at(i)[0].configs[self._at(i)[1]] for i in range(self.run_count))

    def status(self, run: int = 0) -> RunStatus:
        b, s = self._at(run)
        return RunStatus(b.configs[s], b.epoch[s], float(b.d_loss[s]), float(b.g_loss[s]),
                         b.diverged[s], self._run_ids[run])

    def history(self, run: int = 0) -> History:
        b, s = self._at(run)
        return b.history[s]

    # -- training ---------------------------------------------------------------------------
    def _selected(self, runs) -> list[np.ndarray]:
        """Per batch, a bool mask of the runs asked for."""
        masks = [np.zeros(b.R, bool) for b in self._batches]
        for i in (range(self.run_count) if runs is None else runs):
            self._at(i)  # checks the index
            b, s = self._where[int(i)]
            masks[b][s] = True
        return masks

    def _train(self, epochs: int, runs, k, count: bool) -> TrainStats:
        t0 = time.perf_counter()
        done = [0] * self.run_count
        masks = self._selected(runs)
        trained = False
        for b, (batch, mask) in enumerate(zip(self._batches, masks)):
            if not mask.any():
                continue
            kd, kg = k(batch)
            runs_done = batch.train(epochs, kd, kg, mask, count)
            trained = trained or epochs > 0
            for i, (bi, slot) in enumerate(self._where):
                if bi == b:
                    done[i] = int(runs_done[slot])
        if trained:
            self._touch()
        return TrainStats(time.perf_counter() - t0, tuple(done),
                          tuple(self.status(i).diverged for i in range(self.run_count)))

    def train(self, epochs: int = 1, kind: str = "both", runs=None) -> TrainStats:
        if kind not in STEP_KINDS:
            raise ValueError(f"kind={kind!r} is not allowed; choose one of {', '.join(STEP_KINDS)}")
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
            raise ValueError(f"epochs={epochs!r} must be a non-negative integer")
        if kind == "both":
            return self._train(int(epochs), runs, lambda b: (None, None), True)
        steps = (1, 0) if kind == "d" else (0, 1)
        return self._train(int(epochs), runs, lambda b: steps, True)

    def train_phase(self, net: str, runs=None) -> TrainStats:
        if net not in ("d", "g"):
            raise ValueError(f"net={net!r} is not allowed; choose d or g")
        if net == "d":
            return self._train(1, runs, lambda b: (b.k_d, 0), False)
        return self._train(1, runs, lambda b: (0, b.k_g), True)

    # -- edits ------------------------------------------------------------------------------
    def set_config(self, config: GanConfig, run: int = 0) -> bool:
        batch, slot = self._at(run)
        current = batch.configs[slot]
        if current.needs_reset(config):
            self.reset(config, run)  # refuses a config it cannot use, keeping the current one
            return True
        if config != current:
            batch.set_config(slot, config)
            batch.clear_divergence(slot)  # a live edit (lower lr, other loss) may fix it
            self._touch()  # e.g. a new loss changes the gradient arrows
        return False

    def reset(self, config: GanConfig | None = None, run: int | None = None) -> None:
        if run is None and config is not None and self.run_count > 1:
            raise ValueError("reset: name the run a new config is for")
        targets = range(self.run_count) if run is None else [run]
        configs = {}
        for i in targets:
            batch, slot = self._at(i)
            c = config if config is not None else batch.configs[slot]
            self._check_drawn(c, self._drawn)
            configs[i] = c
        for i, c in configs.items():
            self._put(i, initial_state(c))

    def set_drawn(self, points) -> None:
        drawn = validate_drawn(points)
        state = self.snapshot()
        self._build(state.runs, drawn)

    def set_weights(self, g_params, d_params, epoch: int = 0, run: int = 0) -> None:
        batch, slot = self._at(run)
        c = batch.configs[slot]
        with np.errstate(over="ignore", invalid="ignore"):
            g = params_to_theta(g_params, g_sizes(c)).astype(self._dtype)
            d = params_to_theta(d_params, d_sizes(c)).astype(self._dtype)
        for name, theta in (("generator", g), ("discriminator", d)):
            if not np.isfinite(theta).all():
                raise ValueError(f"set_weights: the {name}'s weights must be finite numbers "
                                 f"within float32's range")
        if isinstance(epoch, bool) or not isinstance(epoch, (int, np.integer)) or \
                not 0 <= epoch <= MAX_COUNT:
            raise ValueError(f"set_weights: epoch={epoch!r} must be an integer in [0, 2^48]")
        fresh = initial_state(c)
        s = batch.run_state(slot).replace(
            g_theta=g, d_theta=d, g_m=fresh.g_m, g_v=fresh.g_v, d_m=fresh.d_m, d_v=fresh.d_v,
            g_t=0, d_t=0, epoch=int(epoch), diverged=None, history=None, d_loss=np.nan,
            g_loss=np.nan)
        self._put(run, s)

    def clear_divergence(self, run: int | None = None) -> None:
        for i in range(self.run_count) if run is None else [run]:
            batch, slot = self._at(i)
            batch.clear_divergence(slot)

    # -- state ------------------------------------------------------------------------------
    def snapshot(self) -> EngineState:
        runs = tuple(self._at(i)[0].run_state(self._at(i)[1]) for i in range(self.run_count))
        drawn = None if self._drawn is None else self._drawn.copy()
        return EngineState(runs, drawn)

    def restore(self, state: EngineState) -> None:
        _check_run_count(len(state.runs))
        drawn = validate_drawn(state.drawn) if state.drawn is not None else None
        for r in state.runs:
            self._check_drawn(r.config, drawn)
        same_shape = (len(state.runs) == self.run_count and self._batches and
                      all(batch_key(r.config) == batch_key(self._at(i)[0].configs[0])
                          for i, r in enumerate(state.runs)) and
                      (drawn is self._drawn or (drawn is not None and self._drawn is not None
                                                and np.array_equal(drawn, self._drawn))))
        if same_shape:
            for i, r in enumerate(state.runs):
                batch, slot = self._at(i)
                batch.load_run(slot, r)
            self._touch()
        else:
            self._build(state.runs, drawn)
        # every run starts over: a new id each (never one an earlier run had, so a view's
        # per-run state keyed by the id, e.g. trails, starts afresh for a new run 1)
        self._run_ids = [self._new_run_id() for _ in state.runs]

    # -- evaluation and visuals -------------------------------------------------------------
    def generator(self, z, run: int = 0) -> np.ndarray:
        batch, slot = self._at(run)
        z = np.asarray(z, self._dtype)
        nz = batch.nz
        if z.ndim != 2 or z.shape[1] != nz:
            raise ValueError(f"z: expected shape (n, {nz}), got {z.shape}")
        return batch.generator(slot, z)

    def discriminator(self, x, run: int = 0) -> np.ndarray:
        batch, slot = self._at(run)
        x = np.asarray(x, self._dtype)
        if x.ndim != 2 or x.shape[1] != 2:
            raise ValueError(f"x: expected shape (n, 2), got {x.shape}")
        return batch.discriminator(slot, x)

    def divergences(self, run: int = 0, ganlab_compat: bool = False) -> tuple[float, float]:
        batch, slot = self._at(run)
        return batch.divergences(slot, ganlab_compat)

    def frame(self, field_res: int = 30, bounds=(0.0, 0.0, 1.0, 1.0),
              manifold_cells: int = 20, ganlab_metrics: bool = False,
              targets: Mapping[int, ViewTargets] | None = None, host_arrays: bool = True
              ) -> tuple[FrameData, ...]:
        if isinstance(field_res, bool) or not isinstance(field_res, (int, np.integer)) or \
                not 1 <= field_res <= MAX_FIELD_RES:
            raise ValueError(f"field_res={field_res!r} is out of range; allowed "
                             f"[1, {MAX_FIELD_RES}]")
        x0, y0, x1, y1 = (float(b) for b in bounds)
        if not (np.isfinite([x0, y0, x1, y1]).all() and x1 > x0 and y1 > y0):
            raise ValueError(f"bounds={tuple(bounds)!r} must be finite with x1 > x0, y1 > y0")
        if isinstance(manifold_cells, bool) or not isinstance(manifold_cells, (int, np.integer)) \
                or not 1 <= manifold_cells <= MAX_MANIFOLD_CELLS:
            raise ValueError(f"manifold_cells={manifold_cells!r} is out of range; allowed "
                             f"[1, {MAX_MANIFOLD_CELLS}]")
        field_res, cells = int(field_res), int(manifold_cells)
        field_bounds = (x0, y0, x1, y1)
        targets = self._check_targets(targets, field_res, cells)
        resident = [t is not None for t in targets]
        per_batch, device = [], []
        for bi, b in enumerate(self._batches):
            members = [resident[i] for i in range(self.run_count) if self._where[i][0] == bi]
            raw = b.device_visuals(field_res, field_bounds, cells) if any(members) else None
            device.append(raw)
            wants_host = raw is None or host_arrays or not all(members)
            if wants_host and self._backend.name in ("cuda", "cudasim"):
                self._visual_copies += 1  # one batch's visuals, device -> host
            per_batch.append(b.visuals(field_res, field_bounds, cells, raw) if wants_host
                             else None)
        jobs = []
        frames = []
        for i in range(self.run_count):
            b, s = self._where[i]
            batch, v = self._batches[b], per_batch[b]
            if resident[i]:
                raw = device[b]
                mesh = raw["mesh"][s]
                jobs += [(targets[i].targets[k], raw[k][s]) for k in ("fake", "grad_d", "grad_g")]
                jobs += [(targets[i].targets["mesh"], mesh),
                         (targets[i].targets["field"], raw["field"][s].reshape(field_res,
                                                                                field_res))]
                if batch.nz == 2:
                    jobs.append((targets[i].targets["manifold_alpha"], raw["alpha"][s]))
                if v is None:  # no host copies: empty arrays of the right trailing shapes
                    v = self._empty_visuals(batch.nz)
                    s_v = 0
                else:
                    s_v = s
                res = Resident(field_res, cells, int(raw["fake"].shape[1]))
            else:
                s_v, res = s, None
            kl, js = batch.divergences(s, ganlab_metrics)
            frames.append(FrameData(
                epoch=batch.epoch[s], real=batch.real_shown[s], fake=v["fake"][s_v],
                noise=batch.fixed_noise[s], field=v["field"][s_v], field_bounds=field_bounds,
                manifold=v["manifold"][s_v], manifold_alpha=v["manifold_alpha"][s_v],
                grad_d=v["grad_d"][s_v], grad_g=v["grad_g"][s_v], pred_real=v["pred_real"][s_v],
                pred_fake=v["pred_fake"][s_v], d_loss=float(batch.d_loss[s]),
                g_loss=float(batch.g_loss[s]), kl=kl, js=js, resident=res))
        if jobs:
            self._share().write(jobs)
        return tuple(frames)

    @staticmethod
    def _empty_visuals(nz: int) -> dict[str, np.ndarray]:
        """One run's visuals with zero rows (index 0 of a leading axis of 1)."""
        f4 = np.float32
        mesh = (1, 0, 2) if nz == 1 else (1, 0, 0, 2)
        return {"fake": np.zeros((1, 0, 2), f4), "grad_d": np.zeros((1, 0, 2), f4),
                "grad_g": np.zeros((1, 0, 2), f4), "pred_fake": np.zeros((1, 0), f4),
                "pred_real": np.zeros((1, 0), f4), "field": np.zeros((1, 0, 0), f4),
                "manifold": np.zeros(mesh, f4), "manifold_alpha": np.zeros((1, 0, 0), f4)}

    def _check_targets(self, targets, field_res: int, cells: int) -> list:
        """One entry per run: the run's ViewTargets where this engine writes into them
        (kernel backends), else None."""
        if targets is None:
            return [None] * self.run_count
        for run in targets:
            self._at(run)  # a clear error for a run that does not exist
        if self._backend.name not in ("cuda", "cudasim"):
            return [None] * self.run_count
        targets = [targets.get(i) for i in range(self.run_count)]
        for t in targets:
            if t is None:
                continue
            cap = t.capacity
            if field_res > cap.field_res or cells > cap.manifold_cells:
                raise ValueError(f"field_res={field_res}, manifold_cells={cells} exceed the "
                                 f"view's capacity ({cap.field_res}, {cap.manifold_cells})")
        return targets

    def _share(self):
        """The CUDA-OpenGL writer of this engine (made on first use)."""
        if self._gl_share is None:
            from .cuda.glshare import CudaGlShare, HostGlShare

            self._gl_share = (CudaGlShare(self._backend.xp) if self._backend.name == "cuda"
                              else HostGlShare())
        return self._gl_share

    def release_targets(self) -> None:
        if self._gl_share is not None:
            self._gl_share.release()
            self._gl_share = None

    @property
    def visual_host_copies(self) -> int:
        return self._visual_copies
