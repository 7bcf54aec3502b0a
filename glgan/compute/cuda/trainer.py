"""KernelTrainer: a RunBatch's epochs run by the fused training kernel (train.cu).

Owns the kernel's launch: it packs the batch's per-run settings (seed, dataset, noise, k_D,
k_G, loss, optimisers, rates, Adam's, RMSprop's and momentum's constants, the critic's clip)
into the kernel's configuration arrays, hands it the batch's own weights and optimiser state
(trained in place), the sample counters and Adam step counts, launches one block per run for a
chunk of epochs and reads back which runs diverged. ``module`` is anything with CuPy's
``get_function(name)(grid, block, args)``: the CPU emulation (``emu.CpuModule``, backend
``cudasim``) or, on a GPU, a ``cupy.RawModule`` (``device.gpu_module``, backend ``cuda``),
whose arrays are then CuPy arrays. One launch per chunk of epochs (at most 16: the rollback
snapshots); small per-run arrays cross each way.
"""

from __future__ import annotations

import numpy as np

from glgan.compute.backend import BackendError

from .emu import CpuModule

SOURCES = ["random.cu", "mlp.cu", "train.cu", "visuals.cu"]
THREADS = 256  # GLGAN_THREADS in mlp.cu (the kernels refuse any other block size)
VIS_ROWS = 512  # GLGAN_VIS_ROWS in visuals.cu
BAD_LAUNCH = -1_000_000_000  # GLGAN_BAD_LAUNCH
# Dynamic shared memory the training kernel's fast path may take per block on the CPU
# emulation: what an H100/H200 (227 KiB) and an A100 (163 KiB) give a block that opts in. On a
# GPU the device's own opt-in limit is used (device.shared_limit). A block gets 48 KiB
# without the opt-in; the kernel's static shared memory (at most 2 KiB, checked with the nvcc
# gate in tests) comes out of the same budget.
EMULATED_SHARED_LIMIT = 160 * 1024
STATIC_SHARED_BYTES = 2048
DEFAULT_SHARED_BYTES = 48 * 1024
DATASETS = {"line": 0, "gaussians": 1, "ring": 2, "disjoint": 3, "drawn": 4}
LOSSES = {"log": 0, "minimax": 1, "leastsq": 2, "hinge": 3, "wasserstein": 4}  # GLGAN_LOSS_*
OPTIMIZERS = {"sgd": 0, "adam": 1, "rmsprop": 2, "momentum": 3}  # GLGAN_OPT_*


def cpu_module() -> CpuModule:
    """The training kernels built for the CPU (cached between processes)."""
    return CpuModule(SOURCES)


class KernelTrainer:
    """Trains ``batch`` (a RunBatch) with the fused kernel of ``module``."""

    def __init__(self, batch, module, shared_limit: int = EMULATED_SHARED_LIMIT):
        self.batch, self.kernel = batch, module.get_function("glgan_train")
        self.visual_kernel = module.get_function("glgan_visuals")
        self.metrics_kernel = module.get_function("glgan_metrics")
        self._real_hist = None  # the runs' real KL/JS histograms on the device (R, 900)
        c, B = batch.configs[0], batch.B
        gs, ds = batch.g_sizes, batch.d_sizes
        widest = max(c.g_neurons, c.d_neurons, 2)
        scratch = (B * sum(gs[:-1]) + 2 * B * sum(ds[:-1]) + 2 * B + 2 * 2 * B * widest +
                   2 * B)
        P = batch.params.shape[2]
        self.arch = np.array([c.noise_dim, c.g_hidden_layers, c.g_neurons, c.d_hidden_layers,
                              c.d_neurons, B, c.atlas_size if c.use_atlas else 0, P, batch.Pg,
                              scratch], np.int32)
        xp = batch.xp  # numpy (cudasim) or cupy (cuda): the kernel's arrays live there
        # the fast path: activations in shared memory when they fit (GAN Lab-sized models
        # and batches), else in a per-run global scratch area (allocated only then)
        fits = 4 * scratch <= shared_limit - STATIC_SHARED_BYTES
        self.shared_bytes = 4 * scratch if fits else 0
        if self.shared_bytes > DEFAULT_SHARED_BYTES - STATIC_SHARED_BYTES:
            # the opt-in; on a GPU every trainer's kernel is the same CUfunction (CuPy caches
            # the module), so the limit is only ever raised, never lowered for another batch
            current = int(self.kernel.max_dynamic_shared_size_bytes)
            self.kernel.max_dynamic_shared_size_bytes = max(current, self.shared_bytes)
        self.scratch = xp.zeros(1 if self.shared_bytes else batch.R * scratch, np.float32)
        self._scratch_size = batch.R * scratch
        # the visual kernel's scratch: VIS_ROWS rows of every layer input, logits, two delta
        # buffers and an input gradient (visuals.cu)
        vis = VIS_ROWS * (sum(gs[:-1]) + sum(ds[:-1]) + 1 + 2 * widest + 2)
        self.vis_arch = xp.asarray(np.concatenate([self.arch[:-1], [vis]]).astype(np.int32))
        self.vis_scratch = None  # allocated on first use
        self._vis_size = batch.R * vis
        self.arch = xp.asarray(self.arch)

    def epochs(self, n: int, k_d, k_g, running) -> np.ndarray:
        """Like RunBatch._epochs: n epochs of the running runs, losses on the last; per run 0
        or the epoch (1..n) after which it was not finite."""
        b = self.batch
        R = b.R
        iconf = np.zeros((R, 9), np.int32)  # IC
        fconf = np.zeros((R, 10), np.float64)  # FC
        for r, c in enumerate(b.configs):
            iconf[r] = [running[r], np.uint32(c.seed).view(np.int32), DATASETS[c.dataset],
                        c.noise_dist == "gaussian", k_d[r], k_g[r], LOSSES[c.loss],
                        OPTIMIZERS[c.d_optimizer], OPTIMIZERS[c.g_optimizer]]
            fconf[r] = [c.d_lr, c.g_lr, c.real_weight, c.adam_beta1, c.adam_beta2, c.adam_eps,
                        c.rmsprop_rho, c.rmsprop_eps, c.momentum, c.clip]
        drawn = b.drawn if b.drawn is not None else np.zeros((1, 2))
        xp, host = b.xp, b._host
        dev = [xp.asarray(np.ascontiguousarray(a)) for a in (
            iconf, fconf, np.stack([b.real.counters(), b.noise.counters()], 1),
            np.stack([b.t_g, b.t_d], 1).astype(np.int64), np.stack([b.d_loss, b.g_loss], 1),
            np.zeros(R, np.int32), np.asarray(drawn, np.float64))]
        iconf_d, fconf_d, counters, steps, losses, done, drawn_d = dev
        shared = self.shared_bytes
        if not shared and self.scratch.size < self._scratch_size:  # the fast path was turned off
            self.scratch = xp.zeros(self._scratch_size, np.float32)
        self.kernel((R,), (THREADS,), (
            np.int32(n), np.int32(1), self.arch, iconf_d, fconf_d, b.params, np.int32(R),
            self.scratch, counters, steps, losses, done, drawn_d, np.int32(len(drawn)),
            np.int32(shared > 0)), shared_mem=shared)
        counters, steps, losses, done = (host(a) for a in (counters, steps, losses, done))
        if (done == BAD_LAUNCH).any():
            raise BackendError(f"glgan_train refused its launch: blocks of {THREADS} threads "
                               "expected (GLGAN_THREADS)")
        b.real.set_counters(np.arange(R), counters[:, 0])
        b.noise.set_counters(np.arange(R), counters[:, 1])
        b.t_g[:], b.t_d[:] = steps[:, 0], steps[:, 1]
        b.d_loss[:], b.g_loss[:] = losses[:, 0], losses[:, 1]
        return np.where(done < 0, -done, 0).astype(np.int64)

    def _vis_scratch(self):
        if self.vis_scratch is None:
            self.vis_scratch = self.batch.xp.zeros(self._vis_size, np.float32)
        return self.vis_scratch

    def forget_sets(self) -> None:
        """The runs' fixed sets changed (a run was loaded or replaced): upload them anew."""
        self._real_hist = None

    def _metrics(self, want, mesh=None, cells: int = 0):
        """One launch of glgan_metrics: KL/JS for the runs where ``want`` (bool (R,)) into a
        device (R, 2) float64 array, GAN Lab's opacities of the device ``mesh`` (R, (cells+1)^2,
        2) into a device (R, cells, cells) float32 array (when cells > 0)."""
        b = self.batch
        xp, R = b.xp, b.R
        if self._real_hist is None:
            self._real_hist = xp.asarray(np.stack(b._metric_hist).astype(np.float64))
        noise = b._metric_noise
        kl_js = xp.zeros((R, 2), np.float64)
        alpha = xp.zeros((R, max(cells, 1), max(cells, 1)) if cells else (1,), np.float32)
        mesh = mesh if mesh is not None else xp.zeros(1, np.float32)
        gauss = xp.asarray(np.array([c.noise_dist == "gaussian" for c in b.configs], np.int32))
        self.metrics_kernel((R,), (THREADS,), (
            self.vis_arch, b.params, np.int32(R), self._vis_scratch(), noise,
            np.int32(noise.shape[1]), self._real_hist,
            xp.asarray(np.asarray(want, np.int32)), kl_js, mesh, np.int32(cells), gauss,
            alpha))
        return kl_js, alpha

    def divergences(self, want) -> np.ndarray:
        """Grid (KL, JS) in bits of the runs where ``want``: host (R, 2) float64 (the one small
        copy of a frame)."""
        return self.batch._host(self._metrics(want)[0])

    def visuals(self, pts: np.ndarray, grid: np.ndarray, host: bool = True) -> dict:
        """RunBatch._numpy_visuals' numbers from the visual kernels: G on the fixed noise, D
        there with both input gradients, D on the real samples shown and at ``pts`` (N, 2), G
        at ``grid`` (M, noise_dim), and for 2-D noise the manifold's opacities ("alpha", from
        the mesh on the device); float32 arrays with a leading run axis, on the host or (host
        False) where the kernels wrote them."""
        b = self.batch
        xp, host, R, f4 = b.xp, b._host, b.R, np.float32
        z = xp.asarray(np.ascontiguousarray(b.fixed_noise, f4))
        real = xp.asarray(np.ascontiguousarray(b.real_shown, f4))
        n_fake, n_real, n_field, n_mesh = z.shape[1], real.shape[1], len(pts), len(grid)
        out = {"fake": xp.zeros((R, n_fake, 2), f4), "grad_d": xp.zeros((R, n_fake, 2), f4),
               "grad_g": xp.zeros((R, n_fake, 2), f4), "pred_fake": xp.zeros((R, n_fake), f4),
               "pred_real": xp.zeros((R, n_real), f4), "field": xp.zeros((R, n_field), f4),
               "mesh": xp.zeros((R, n_mesh, 2), f4)}
        losses = xp.asarray(np.array([LOSSES[c.loss] for c in b.configs], np.int32))
        self.visual_kernel((R,), (THREADS,), (
            self.vis_arch, losses, b.params, np.int32(R), self._vis_scratch(), z,
            np.int32(n_fake), real, np.int32(n_real), xp.asarray(np.ascontiguousarray(pts, f4)),
            np.int32(n_field), xp.asarray(np.ascontiguousarray(grid, f4)), np.int32(n_mesh),
            out["fake"], out["grad_d"], out["grad_g"], out["pred_fake"], out["pred_real"],
            out["field"], out["mesh"]))
        if b.nz == 2:
            cells = int(round(np.sqrt(n_mesh))) - 1
            out["alpha"] = self._metrics(np.zeros(R, bool), out["mesh"], cells)[1]
        return {k: host(v) for k, v in out.items()} if host else out
