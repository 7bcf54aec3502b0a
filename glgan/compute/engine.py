"""Engine: trains one GAN (NumPy reference path) and computes what a renderer shows.

Owns the training loop of GAN Lab (§4): one epoch = k_D discriminator steps, then k_G generator
steps, each on a fresh batch from the real and noise atlases; step kinds both / d / g
(GAN Lab's Step buttons). Detects divergence (NaN/Inf) and rolls back to the last finite
state of the current ``train`` call instead of propagating it. ``frame()`` returns a
``FrameData`` with everything visual (fake and real samples, D's field, the generator
manifold with GAN Lab's density opacities, gradient vectors, predictions, KL/JS).

A CuPy engine can sit behind the same public methods (``reset``, ``set_config``, ``train``,
``frame``, ``generator``, ``discriminator``, ``state``/``load_state``).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import numpy as np

from glgan.frame import FrameData

from . import losses, metrics
from .backend import select_backend
from .config import MAX_FIELD_RES, GanConfig
from .data import Atlas, DataError, sample_noise, sample_real, validate_drawn
from .history import History
from .mlp import MLP, init_params, layer_sizes
from .optim import make_optimizer

log = logging.getLogger(__name__)
STEP_KINDS = ("both", "d", "g")
NUM_FAKE_SHOWN = 150
ROLLBACK_EVERY = 16  # epochs between finite snapshots: a divergence loses at most this many
NUM_REAL_SHOWN = 450
METRIC_SAMPLES = 1200


@dataclass
class TrainStats:
    """What one ``train`` call did."""

    epochs: int
    seconds: float
    d_loss: float
    g_loss: float
    diverged: str | None


class Engine:
    """One GAN: generator, discriminator, their optimisers, data atlases and history.

    Args:
        config: the experiment (validated GanConfig).
        backend: "numpy" (this engine), or "auto" (numpy where no GPU engine applies).
        drawn: (N, 2) user-drawn points, required when ``config.dataset == "drawn"``.
        dtype: float32 for speed, float64 for gradient checks.
    """

    def __init__(self, config: GanConfig | None = None, *, backend: str = "numpy",
                 drawn: np.ndarray | None = None, dtype=np.float32):
        # The NumPy path is the reference. "cupy" runs the same code on CuPy arrays (the
        # eager GPU baseline: correct but launch-bound); "auto" keeps NumPy, which is faster
        # than eager CuPy for GAN Lab's small models, until the fused CUDA engine exists.
        selected = select_backend(backend)
        if selected.name == "cupy" and backend == "auto":
            log.warning("backend auto: using numpy; on CuPy this engine runs eagerly (one "
                        "launch per array operation), which is slower for small models")
            selected = select_backend("numpy")
        self.backend = selected
        self.xp = selected.xp
        self.dtype = np.dtype(dtype)
        self.config = config if config is not None else GanConfig()
        self.drawn = validate_drawn(drawn) if drawn is not None else None
        self.history = History(capacity=1000)
        self.reset()

    # -- set-up -------------------------------------------------------------------------
    def reset(self, config: GanConfig | None = None) -> None:
        """New weights, atlases and optimisers from ``config.seed``; epoch 0. A config that
        cannot be used (drawn without points) is refused before anything changes."""
        c = config if config is not None else self.config
        if c.dataset == "drawn" and self.drawn is None:
            raise DataError("dataset=drawn needs drawn points; draw some first")
        self.config = c
        self.run_id = getattr(self, "run_id", 0) + 1  # a new run: UI clocks start over
        seeds = np.random.SeedSequence(c.seed).spawn(4)
        rng_g, rng_d, rng_real, rng_noise = (np.random.default_rng(s) for s in seeds)
        xp = self.xp
        self.G = MLP(layer_sizes(c.noise_dim, c.g_hidden_layers, c.g_neurons, 2),
                     tanh_output=True, capacity=c.batch_size, dtype=self.dtype, xp=xp)
        self.D = MLP(layer_sizes(2, c.d_hidden_layers, c.d_neurons, 1),
                     tanh_output=False, capacity=2 * c.batch_size, dtype=self.dtype, xp=xp)
        self.G.set_params(init_params(self.G.sizes, rng_g))
        self.D.set_params(init_params(self.D.sizes, rng_d))
        drawn = self.drawn

        def draw_real(n):
            return sample_real(c.dataset, n, rng_real, drawn)

        def draw_noise(n):
            return sample_noise(c.noise_dist, c.noise_dim, n, rng_noise)

        fresh = not c.use_atlas
        # with fresh samples the atlas is only a block redrawn after each pass: at least a batch
        size = max(c.atlas_size, c.batch_size) if fresh else c.atlas_size
        self.real_atlas = Atlas(draw_real, size, c.batch_size, self.dtype, fresh, xp)
        self.noise_atlas = Atlas(draw_noise, size, c.batch_size, self.dtype, fresh, xp)
        # What the view shows: the atlases' first rows (GAN Lab: 450 real, 150 fixed noise).
        self.real_shown = self.real_atlas.first[:NUM_REAL_SHOWN].copy()
        self.fixed_noise = self.noise_atlas.first[:NUM_FAKE_SHOWN].copy()
        self._init_metric_sets(rng_real, draw_real, draw_noise)
        self._d_grad = losses.DLossGrad(c.batch_size, c.batch_size, self.dtype, xp)
        self._g_grad = losses.GLossGrad(c.batch_size, self.dtype, xp)
        self.opt_d = self.opt_g = None
        self._make_optimizers(force=True)
        self.epoch = 0
        self.d_loss = float("nan")
        self.g_loss = float("nan")
        self.diverged: str | None = None
        self.history.clear()
        self._touch()

    def _touch(self) -> None:
        """Weights (or the loss) changed: cached evaluations are stale; ``version`` counts
        these changes so a viewer knows when to ask for a new frame."""
        self._divergence_cache: dict[bool, tuple[float, float]] = {}
        self.version = getattr(self, "version", 0) + 1

    def _init_metric_sets(self, rng, draw_real, draw_noise) -> None:
        n = min(METRIC_SAMPLES, self.config.atlas_size)
        host = self.backend.to_host
        # copies: with fresh sampling the atlases are redrawn, the evaluation set must not be
        self._metric_real = np.array(host(self.real_atlas.data[:n]))
        self._metric_real_hist = metrics.histogram(self._metric_real)
        self._metric_noise = np.array(host(self.noise_atlas.data[:n]))
        self._ganlab_true_hist = None  # built on demand (compat metrics)

    def _make_optimizers(self, force: bool = False) -> None:
        c = self.config
        hyper = (c.adam_beta1, c.adam_beta2, c.adam_eps)
        if force or self.opt_d.kind != c.d_optimizer:
            self.opt_d = make_optimizer(c.d_optimizer, self.D.theta, c.d_lr, *hyper, xp=self.xp)
        if force or self.opt_g.kind != c.g_optimizer:
            self.opt_g = make_optimizer(c.g_optimizer, self.G.theta, c.g_lr, *hyper, xp=self.xp)
        self.opt_d.set_hyper(c.d_lr, *hyper)
        self.opt_g.set_hyper(c.g_lr, *hyper)

    def set_config(self, config: GanConfig) -> bool:
        """Apply ``config``: live fields (lr, optimiser, loss, k, ...) keep the weights and
        Adam's moments; any other change resets. Returns True if it reset."""
        if self.config.needs_reset(config):
            self.reset(config)  # refuses a config it cannot use, keeping the current one
            return True
        changed = config != self.config
        self.config = config
        self._make_optimizers()
        if changed:
            self._touch()  # e.g. a new loss changes the gradient arrows
            self.clear_divergence()  # a live edit (lower lr, other loss) may fix it
        return False

    def set_drawn(self, points) -> None:
        """Use ``points`` (N, 2) as the drawn distribution (validated)."""
        self.drawn = validate_drawn(points)

    # -- training -----------------------------------------------------------------------
    def _d_step(self, want_loss: bool) -> None:
        c, B = self.config, self.config.batch_size
        buf = self.D.input_buffer(2 * B)
        buf[:B] = self.real_atlas.next()
        buf[B:] = self.G.forward(self.noise_atlas.next())
        logits = self.D.forward_input(2 * B)
        self.D.backward(self._d_grad(c.loss, logits, c.real_weight))
        if want_loss:
            self.d_loss = losses.d_loss_value(c.loss, logits[:B], logits[B:], c.real_weight,
                                              self.xp)
        self.opt_d.step(self.D.theta, self.D.grad)

    def _g_step(self, want_loss: bool) -> None:
        loss = self.config.loss
        fake = self.G.forward(self.noise_atlas.next())
        logits = self.D.forward(fake)
        d_fake = self.D.backward(self._g_grad(loss, logits), param_grads=False, input_grad=True)
        if want_loss:
            self.g_loss = losses.g_loss_value(loss, logits, self.xp)
        self.G.backward(d_fake)
        self.opt_g.step(self.G.theta, self.G.grad)

    def train(self, epochs: int = 1, kind: str = "both") -> TrainStats:
        """Train ``epochs`` epochs of ``kind`` (both: k_D D steps then k_G G steps; d: one D
        step; g: one G step). Stops early, rolled back, if anything becomes NaN/Inf."""
        if kind not in STEP_KINDS:
            raise ValueError(f"kind={kind!r} is not allowed; choose one of {', '.join(STEP_KINDS)}")
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
            raise ValueError(f"epochs={epochs!r} must be a non-negative integer")
        c = self.config
        k_d = c.k_d if kind == "both" else int(kind == "d")
        k_g = c.k_g if kind == "both" else int(kind == "g")
        return self._run(int(epochs), k_d, k_g, count=True)

    def train_phase(self, net: str) -> TrainStats:
        """Slow motion: this epoch's D phase (k_D D steps, the epoch is not finished) or its
        G phase (k_G G steps, then the epoch counter advances)."""
        if net not in ("d", "g"):
            raise ValueError(f"net={net!r} is not allowed; choose d or g")
        if net == "d":
            return self._run(1, self.config.k_d, 0, count=False)
        return self._run(1, 0, self.config.k_g, count=True)

    def _run(self, epochs: int, k_d: int, k_g: int, count: bool) -> TrainStats:
        t0 = time.perf_counter()
        if self.diverged is not None or epochs == 0:
            return TrainStats(0, 0.0, self.d_loss, self.g_loss, self.diverged)
        backup, backup_done = self._snapshot(), 0
        g_theta, d_theta = self.G.theta, self.D.theta
        isfinite = math.isfinite
        done = 0
        with np.errstate(over="ignore", invalid="ignore"):
            for e in range(epochs):
                last = e == epochs - 1
                # losses are computed on the last epoch and on snapshot epochs (so a rollback
                # restores the losses of the state it restores)
                want = last or (e + 1) % ROLLBACK_EVERY == 0
                for i in range(k_d):
                    self._d_step(want and i == k_d - 1)
                for i in range(k_g):
                    self._g_step(want and i == k_g - 1)
                # one reduction per network (a host sync per epoch on the eager GPU path)
                if not (isfinite(float(d_theta.sum())) and isfinite(float(g_theta.sum()))):
                    break
                done += 1
                if done % ROLLBACK_EVERY == 0 and not last:
                    backup, backup_done = self._snapshot(), done  # a recent finite state
        losses_ok = (k_d == 0 or isfinite(self.d_loss)) and (k_g == 0 or isfinite(self.g_loss))
        if done < epochs or not losses_ok:
            # back to the latest finite snapshot (never taken after the last epoch)
            self._diverge(backup, self.epoch + done + 1)
            done = backup_done
        self._touch()
        if count:
            self.epoch += done
            if done:
                self._record_history()
        return TrainStats(done, time.perf_counter() - t0, self.d_loss, self.g_loss,
                          self.diverged)

    def _snapshot(self):
        return (self.G.theta.copy(), self.D.theta.copy(), self.d_loss, self.g_loss)

    def _diverge(self, backup, bad_epoch: int) -> None:
        c = self.config
        self.diverged = (
            f"training diverged at epoch {bad_epoch}: weights or losses became NaN/Inf "
            f"(d_lr={c.d_lr}, g_lr={c.g_lr}, loss={c.loss}). Paused at the last finite state; "
            f"lower a learning rate (training may then continue) or reset."
        )
        # roll back to the state at the start of this call (the last one known finite)
        self.G.theta[...] = backup[0]
        self.D.theta[...] = backup[1]
        self.d_loss, self.g_loss = backup[2], backup[3]
        self._make_optimizers(force=True)

    def clear_divergence(self) -> None:
        """Allow training again after a divergence (e.g. after lowering a learning rate)."""
        self.diverged = None

    def _record_history(self) -> None:
        kl, js = self.divergences()
        self.history.append(self.epoch, self.d_loss, self.g_loss, kl, js)

    # -- evaluation and visuals -----------------------------------------------------------
    def generator(self, z: np.ndarray) -> np.ndarray:
        """G(z): (n, noise_dim) -> (n, 2) float32."""
        z = np.asarray(z, self.dtype)
        if z.ndim != 2 or z.shape[1] != self.config.noise_dim:
            raise ValueError(f"z: expected shape (n, {self.config.noise_dim}), got {z.shape}")
        return self.backend.to_host(self.G.predict(z))

    def discriminator(self, x: np.ndarray) -> np.ndarray:
        """D(x) as probabilities: (n, 2) -> (n,)."""
        x = np.asarray(x, self.dtype)
        if x.ndim != 2 or x.shape[1] != 2:
            raise ValueError(f"x: expected shape (n, 2), got {x.shape}")
        logits = self.backend.to_host(self.D.predict(x)[:, 0])
        with np.errstate(over="ignore"):
            return losses.sigmoid(logits)

    def divergences(self, ganlab_compat: bool = False) -> tuple[float, float]:
        """Grid (KL, JS) in bits between real and generated samples (see metrics); cached
        until the weights change."""
        cached = self._divergence_cache.get(ganlab_compat)
        if cached is None:
            cached = self._divergence_cache[ganlab_compat] = self._divergences(ganlab_compat)
        return cached

    def _divergences(self, ganlab_compat: bool) -> tuple[float, float]:
        if ganlab_compat:
            if self._ganlab_true_hist is None:
                self._ganlab_true_hist = metrics.ganlab_true_histogram(
                    self.backend.to_host(self.real_atlas.data[: self.config.atlas_size]))
            fake = self.generator(self.fixed_noise)
            return metrics.kl_js(self._ganlab_true_hist, metrics.ganlab_histogram(fake))
        fake = self.generator(self._metric_noise)
        return metrics.kl_js(self._metric_real_hist, metrics.histogram(fake))

    def field(self, res: int = 30, bounds=(0.0, 0.0, 1.0, 1.0)) -> np.ndarray:
        """D(x) on the centres of a res x res grid over bounds; row 0 = smallest y."""
        if isinstance(res, bool) or not isinstance(res, (int, np.integer)) or \
                not 1 <= res <= MAX_FIELD_RES:
            raise ValueError(f"field_res={res!r} is out of range; allowed [1, {MAX_FIELD_RES}]")
        x0, y0, x1, y1 = (float(b) for b in bounds)
        if not (np.isfinite([x0, y0, x1, y1]).all() and x1 > x0 and y1 > y0):
            raise ValueError(f"bounds={tuple(bounds)!r} must be finite with x1 > x0, y1 > y0")
        xs = x0 + (np.arange(res) + 0.5) * (x1 - x0) / res
        ys = y0 + (np.arange(res) + 0.5) * (y1 - y0) / res
        gx, gy = np.meshgrid(xs, ys)
        pts = np.stack([gx.ravel(), gy.ravel()], axis=1)
        return self.discriminator(pts).reshape(res, res).astype(np.float32)

    def manifold(self, cells: int = 20) -> tuple[np.ndarray, np.ndarray]:
        """(G on the (cells+1)-point noise grid, per-cell opacity) as GAN Lab §6 computes it."""
        t = np.arange(cells + 1) / cells
        if self.config.noise_dim == 1:
            return self.generator(t[:, None]), np.zeros((0, 0), np.float32)
        gi, gj = np.meshgrid(t, t, indexing="ij")
        grid = np.stack([gi.ravel(), gj.ravel()], axis=1)
        mesh = self.generator(grid).reshape(cells + 1, cells + 1, 2)
        return mesh, manifold_opacity(mesh, self.config.noise_dist)

    def frame(self, field_res: int = 30, bounds=(0.0, 0.0, 1.0, 1.0),
              manifold_cells: int = 20, ganlab_metrics: bool = False) -> FrameData:
        """Everything the layered view draws, as host arrays (see FrameData)."""
        loss, xp, host = self.config.loss, self.xp, self.backend.to_host

        def d_sigmoid(logit):  # dD/dlogit, per sample
            s = losses.sigmoid(logit, xp=xp)
            return s * (1.0 - s)

        def d_gloss(logit):  # dL_G/dlogit, per sample
            return losses.g_loss_dlogit(loss, logit, xp)

        with np.errstate(over="ignore", invalid="ignore"):
            fake = self.generator(self.fixed_noise)
            logit_fake, grad_d = (host(a) for a in self.D.input_gradient(fake, d_sigmoid))
            grad_l = host(self.D.input_gradient(fake, d_gloss)[1])
            mesh, alpha = self.manifold(manifold_cells)
            kl, js = self.divergences(ganlab_metrics)
            return FrameData(
                epoch=self.epoch,
                real=self.real_shown.astype(np.float32),
                fake=fake.astype(np.float32),
                noise=self.fixed_noise.astype(np.float32),
                field=self.field(field_res, bounds),
                field_bounds=tuple(float(b) for b in bounds),
                manifold=mesh.astype(np.float32),
                manifold_alpha=alpha.astype(np.float32),
                grad_d=grad_d.astype(np.float32),
                grad_g=(-grad_l).astype(np.float32),
                pred_real=self.discriminator(self.real_shown).astype(np.float32),
                pred_fake=losses.sigmoid(logit_fake[:, 0]).astype(np.float32),
                d_loss=self.d_loss, g_loss=self.g_loss, kl=kl, js=js,
            )

    # -- state for model files ---------------------------------------------------------
    def state(self) -> dict[str, np.ndarray]:
        """Weights and optimiser state as named arrays (see modelio)."""
        host = self.backend.to_host
        out = {"g_theta": host(self.G.theta).copy(), "d_theta": host(self.D.theta).copy(),
               "atlas_counters": np.array([self.real_atlas.counter, self.noise_atlas.counter])}
        for name, opt in (("opt_d", self.opt_d), ("opt_g", self.opt_g)):
            for key, value in opt.state().items():
                out[f"{name}_{key}"] = value
        return out

    def load_state(self, arrays: dict[str, np.ndarray], epoch: int = 0) -> None:
        """Inverse of ``state`` for the current config; shapes are checked."""
        for name, net in (("g_theta", self.G), ("d_theta", self.D)):
            if name not in arrays:
                raise ValueError(f"{name}: missing from the model file")
            if arrays[name].shape != net.theta.shape:
                raise ValueError(f"{name}: {arrays[name].shape[0] if arrays[name].ndim else 0} "
                                 f"values do not fit this config's {net.theta.size}")
            net.theta[...] = self.xp.asarray(arrays[name])
        for name, opt in (("opt_d", self.opt_d), ("opt_g", self.opt_g)):
            keys = {k[len(name) + 1:]: v for k, v in arrays.items() if k.startswith(name + "_")}
            if opt.kind == "adam" and keys:
                opt.load_state(keys)
        if "atlas_counters" in arrays:  # continue the atlas walk where it stopped
            counters = np.asarray(arrays["atlas_counters"])
            if counters.shape != (2,) or counters.dtype.kind not in "iu" or \
                    (counters < 0).any():
                raise ValueError("atlas_counters must be two non-negative integers")
            # the walk is periodic: keep the counters small
            period = self.config.atlas_size * self.config.batch_size
            self.real_atlas.counter, self.noise_atlas.counter = (
                int(v) % period for v in counters)
        self.epoch = int(epoch)
        self.diverged = None
        self._touch()

    def set_weights(self, g_params: list[np.ndarray], d_params: list[np.ndarray],
                    epoch: int = 0) -> None:
        """Use these [W0, b0, ...] weights (e.g. GAN Lab's pretrained ones) at ``epoch``."""
        self.G.set_params(g_params)
        self.D.set_params(d_params)
        self._make_optimizers(force=True)
        self.epoch = int(epoch)
        self.diverged = None
        self.history.clear()
        self._touch()


def manifold_opacity(mesh: np.ndarray, noise_dist: str) -> np.ndarray:
    """GAN Lab's manifold fill opacity per cell of a deformed (n+1, n+1, 2) grid.

    A_i = shoelace area of cell i / sum of areas. Uniform noise: max(0.9 - 0.4 A_i n^2, 0.1);
    Gaussian noise: min(0.1 + 0.2 pdf_i / (A_i n^2), 0.9), pdf of N(0.5, 0.25^2 I) at the cell's
    noise-space centre. (GAN Lab's 400 = n^2 for its 20 x 20 cells.)
    """
    n = mesh.shape[0] - 1
    p00, p01 = mesh[:-1, :-1], mesh[:-1, 1:]
    p11, p10 = mesh[1:, 1:], mesh[1:, :-1]
    quad = [p00, p01, p11, p10]
    area = np.zeros((n, n))
    for a, b in zip(quad, quad[1:] + quad[:1]):
        area += a[..., 0] * b[..., 1] - b[..., 0] * a[..., 1]
    area = np.abs(area) * 0.5
    total = area.sum()
    rel = area * (n * n) / total if total > 0 else np.ones_like(area)
    if noise_dist == "uniform":
        return np.maximum(0.9 - 0.4 * rel, 0.1).astype(np.float32)
    c = (np.arange(n) + 0.5) / n
    ci, cj = np.meshgrid(c, c, indexing="ij")
    pdf = np.exp(-((ci - 0.5) ** 2 + (cj - 0.5) ** 2) / (2 * 0.25**2)) / (2 * np.pi * 0.25**2)
    with np.errstate(divide="ignore"):
        alpha = 0.1 + pdf / rel * 0.2
    return np.minimum(np.nan_to_num(alpha, nan=0.9, posinf=0.9), 0.9).astype(np.float32)
