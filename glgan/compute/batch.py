"""RunBatch: R GAN runs of one architecture and batch size, trained together on NumPy (or CuPy).

Owns the training loop of GAN Lab (§4) for many runs at once and the visual quantities of
those runs. One epoch = k_D discriminator steps, then k_G generator steps, each on the next
batch of real and noise samples; every run has its own seed, learning rates, optimiser, loss,
real-term weight, k_D, k_G, noise distribution and dataset. Each array operation serves all R
runs: every buffer has a leading run axis, so the per-call overhead that bounds the NumPy path
is paid once per batch of runs, not once per run. A run with a smaller k_D or k_G takes part
in the extra steps with a zero update (``optim``'s masks), so it ends exactly where a single
run with its settings would. Divergence (NaN/Inf in a run's weights or Adam moments, or in its
losses) is detected per run every epoch and rolled back for that run alone to its last finite
state (at most ``ROLLBACK_EVERY`` epochs old); the others train on.

Training layout: activations are (R, features + 1, columns) with a row of ones under the
features (so [W; b]^T [h; 1] = W^T h + b is one matmul) and one column per sample, so the
ReLU, its mask and the sample copies run over long contiguous rows. D's input holds the real
batch in columns [0, B) and G's output (written there directly) in [B, 2B); a D step runs D
on all 2B columns, a G step on the fake half only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from glgan.config import GanConfig
from glgan.frame import MAX_FAKE_SHOWN, MAX_REAL_SHOWN
from glgan.history import History

from . import losses, metrics
from .mlp import forward, init_theta, input_gradient, layer_views, param_count
from .optim import NetOptimizer
from .philox import Stream
from .sampling import STREAMS_NOISE, STREAMS_REAL, SampleStream, noise_drawer, real_drawer
from .state import RunState, d_sizes, g_sizes

ROLLBACK_EVERY = 16  # epochs between finite snapshots: a divergence loses at most this many
METRIC_SAMPLES = 1200
HISTORY_CAPACITY = 1000
BATCH_FIELDS = ("noise_dim", "g_hidden_layers", "g_neurons", "d_hidden_layers", "d_neurons",
                "batch_size", "use_atlas", "atlas_size")
FIELD_CHUNK = 1 << 20  # values per intermediate when evaluating D over a field
ROWS_FROM_WIDTH = 64  # networks this wide train with samples as rows (see Layout; measured
# crossover on a 2-core Xeon: columns win up to 48 neurons, rows from 64)


def batch_key(c: GanConfig) -> tuple:
    """Runs with equal keys share buffers and array operations."""
    return tuple(getattr(c, f) for f in BATCH_FIELDS)


def initial_state(c: GanConfig) -> RunState:
    """A new run of ``c``: GAN Lab's initial weights from the seed's Philox streams, epoch 0."""
    g, d = init_theta(g_sizes(c), c.seed, Stream.G_INIT), init_theta(d_sizes(c), c.seed,
                                                                     Stream.D_INIT)
    zg, zd = np.zeros(g.size, np.float32), np.zeros(d.size, np.float32)
    return RunState(config=c, g_theta=g.astype(np.float32), d_theta=d.astype(np.float32),
                    g_m=zg, g_v=zg, d_m=zd, d_v=zd)


def diverged_message(c: GanConfig, epoch: int) -> str:
    return (f"training diverged at epoch {epoch}: weights or losses became NaN/Inf "
            f"(d_lr={c.d_lr}, g_lr={c.g_lr}, loss={c.loss}). Paused at the last finite state; "
            f"lower a learning rate (training may then continue) or reset.")


class Layout:
    """Which axis of the training buffers holds the samples.

    Narrow networks (GAN Lab's sizes) use (R, features, samples): every elementwise operation
    and sample copy runs over long contiguous rows, and BLAS is fastest for a small weight
    matrix times a wide block of samples. Wide networks use (R, samples, features): BLAS shares
    those larger products between cores better. Either way a buffer's feature axis has one
    extra entry, a constant 1, so a layer is one matmul with [W; b]; the plan builder asks the
    layout for the operands, and the training loop never knows which layout it runs.
    """

    def __init__(self, by_rows: bool, runs: int, xp=np):
        self.by_rows, self.runs, self.xp = by_rows, runs, xp

    def zeros(self, features: int, samples: int, dtype):
        R = self.runs
        shape = (R, samples, features) if self.by_rows else (R, features, samples)
        return self.xp.zeros(shape, dtype)

    def samples(self, a, sl):
        return a[:, sl, :] if self.by_rows else a[:, :, sl]

    def feats(self, a, sl):
        return a[:, :, sl] if self.by_rows else a[:, sl, :]

    def flat(self, a):
        """A one-feature buffer as (R, samples)."""
        return a[:, :, 0] if self.by_rows else a[:, 0, :]

    def per_sample(self, values: np.ndarray, dtype):
        """(R, n) host values -> a one-feature buffer (R, n, 1) or (R, 1, n)."""
        v = values[:, :, None] if self.by_rows else values[:, None, :]
        return self.xp.asarray(np.ascontiguousarray(v), dtype)

    def _t(self, a):
        return self.xp.swapaxes(a, 1, 2)

    def forward(self, Wa, h) -> tuple:
        """Operands whose product is the layer's output: h [W; b] or [W; b]^T h."""
        return (h, Wa) if self.by_rows else (self._t(Wa), h)

    def weight_grad(self, h, delta) -> tuple:
        """Operands whose product is [dW; db] (in_features + 1, out_features)."""
        return (self._t(h), delta) if self.by_rows else (h, self._t(delta))

    def input_grad(self, W, delta) -> tuple:
        """Operands whose product (or broadcast product, for one output) is dL/dh."""
        return (delta, self._t(W)) if self.by_rows else (W, delta)


@dataclass
class _Step:
    """Everything one D or G step index needs, built once per (k values, running runs)."""

    coeffs: object  # optim.StepCoefficients
    active: np.ndarray  # (R,) bool
    last: np.ndarray  # (R,) bool: this is the run's last step of its kind in the epoch
    tanh_a: object  # (R, 1, n) or None: delta = tanh_a * t + tanh_b (log, minimax,
    tanh_b: object  # wasserstein runs; and hinge runs' G steps)
    ls: object  # (R, 1, n) or None: leastsq runs' factor
    hinge: object = None  # (R, 1, 2B) or None: hinge runs' D factor, where the margin is hit
    clip: object = None  # (R, 1) or None: D's weights are clipped to [-clip, clip] after the
    # step (wasserstein runs stepping; inf elsewhere)


class RunBatch:
    """R runs sharing ``batch_key``; see the module docstring.

    Args:
        states: the runs' complete states (their configs must share ``batch_key``).
        drawn: the user's points for runs whose dataset is "drawn".
        dtype: float32 for speed, float64 for gradient checks.
        xp: numpy, or cupy for the eager GPU baseline.
    """

    def __init__(self, states: list[RunState], drawn=None, dtype=np.float32, xp=np,
                 trainer=None):
        c = states[0].config
        if any(batch_key(s.config) != batch_key(c) for s in states):
            raise ValueError("runs of one RunBatch must share " + ", ".join(BATCH_FIELDS))
        self.xp, self.dtype, self.drawn = xp, np.dtype(dtype), drawn
        self.R, self.B, self.nz = len(states), c.batch_size, c.noise_dim
        self.configs = [s.config for s in states]
        self.g_sizes, self.d_sizes = g_sizes(c), d_sizes(c)
        R, B, dt = self.R, self.B, self.dtype
        Pg, Pd = param_count(self.g_sizes), param_count(self.d_sizes)
        self.Pg = Pg
        self.layout = Layout(max(c.g_neurons, c.d_neurons) >= ROWS_FROM_WIDTH, self.R, xp)
        # one row per run: [G params | D params]; gradients and Adam moments alike
        # weights and Adam's moments in one block: one reduction checks them all each epoch
        self.params = xp.zeros((3, R, Pg + Pd), dt)
        self.theta, self.m, self.v = self.params
        self.grad = xp.zeros((R, Pg + Pd), dt)
        self.t_g, self.t_d = np.zeros(R, np.int64), np.zeros(R, np.int64)
        split = lambda a: (a[:, :Pg], a[:, Pg:])  # noqa: E731
        (gt, dth), (gg, dg), (gm, dm), (gv, dv) = map(split, (self.theta, self.grad, self.m,
                                                              self.v))
        self.g_theta, self.d_theta = gt, dth
        self.opt_g = NetOptimizer(gt, gg, gm, gv, self.t_g, dt, xp)
        self.opt_d = NetOptimizer(dth, dg, dm, dv, self.t_d, dt, xp)
        if trainer is None:  # NumPy trains here (a kernel keeps its own scratch)
            self._build_buffers(layer_views(gt, self.g_sizes), layer_views(dth, self.d_sizes),
                                layer_views(gg, self.g_sizes), layer_views(dg, self.d_sizes))
        fresh = not c.use_atlas
        self.visible = min(c.atlas_size if c.use_atlas else max(c.atlas_size, B),
                           MAX_REAL_SHOWN)
        by_rows = self.layout.by_rows
        keep = trainer is None  # a kernel draws its batches itself: only the counters here
        self.real = SampleStream(real_drawer(self.configs, drawn), 2, R, B, c.atlas_size,
                                 fresh, STREAMS_REAL, dt, xp, by_rows, keep)
        self.noise = SampleStream(noise_drawer(self.configs), self.nz, R, B, c.atlas_size,
                                  fresh, STREAMS_NOISE, dt, xp, by_rows, keep)
        # per-run host status
        self.epoch = [0] * R
        self.d_loss = np.full(R, math.nan)
        self.g_loss = np.full(R, math.nan)
        self.diverged: list[str | None] = [None] * R
        self.history = [History(HISTORY_CAPACITY) for _ in range(R)]
        self._steps_cache: dict = {}
        self._div_cache: list[dict] = [{} for _ in range(R)]
        self._frame_buffers: dict = {}
        self._ganlab_true: dict = {}
        self._fixed_sets(range(R))
        for slot, s in enumerate(states):
            self.load_run(slot, s, fixed_sets=False)
        self.configure()
        # trainer(batch) -> an object whose epochs(n, k_d, k_g, running) trains like _epochs
        # (the fused kernels); None: NumPy
        self._trainer = trainer(self) if trainer is not None else None

    # -- buffers and plans ----------------------------------------------------------------
    def _build_buffers(self, g_Wa, d_Wa, g_dWa, d_dWa) -> None:
        xp, dt, B, L = self.xp, self.dtype, self.B, self.layout
        gs, ds = self.g_sizes, self.d_sizes
        F, S = L.feats, L.samples  # slicing along the feature / the sample axis

        def acts(sizes, n):  # inputs of each layer with a feature row of ones
            out = []
            for width in sizes[:-1]:
                a = L.zeros(width + 1, n, dt)
                F(a, width)[...] = 1.0
                out.append(a)
            return out

        self.g_acts, self.d_acts = acts(gs, B), acts(ds, 2 * B)
        # ReLU as maximum(h, zeros): twice as fast as against a scalar 0 in NumPy (one zeros
        # array per shape: a smaller working set)
        zeros = {a.shape: xp.zeros_like(a) for a in self.g_acts + self.d_acts}
        self._zeros = {id(a): zeros[a.shape] for a in self.g_acts + self.d_acts}
        self.logits = L.zeros(1, 2 * B, dt)
        self.d_delta_out = L.zeros(1, 2 * B, dt)
        self.d_dx = L.zeros(2, 2 * B, dt)
        # deltas and ReLU masks have the activations' full size (the ones row too): the mask
        # then runs over whole contiguous buffers; the ones row of a delta is never read
        self.d_deltas = [None] + [L.zeros(n + 1, 2 * B, dt) for n in ds[1:-1]]
        # a mask is used right after it is made: one buffer per shape serves every layer
        masks: dict[tuple, object] = {}

        def mask(n, samples):
            return masks.setdefault((n, samples), L.zeros(n + 1, samples, bool))

        self.d_masks = [None] + [mask(n, 2 * B) for n in ds[1:-1]]
        self.g_delta_out = L.zeros(2, B, dt)
        self.g_deltas = [None] + [L.zeros(n + 1, B, dt) for n in gs[1:-1]]
        self.g_masks = [None] + [mask(n, B) for n in gs[1:-1]]
        self._t = L.zeros(1, 2 * B, dt)  # tanh(l/2)
        self._u = L.zeros(1, 2 * B, dt)
        self._w = L.zeros(1, 2 * B, dt)
        full, fake = slice(None), slice(B, None)
        self.fake_in = F(S(self.d_acts[0], fake), slice(0, 2))  # G's output = D's fake half
        self.real_in = F(S(self.d_acts[0], slice(0, B)), slice(0, 2))
        self.noise_in = F(self.g_acts[0], slice(0, self.nz))
        q = np.ones((1, 2 * B))
        q[:, :B] = -1.0  # 1 - 2 target: -1 for real, +1 for fake
        self._q = L.per_sample(q, dt)

        def fwd(Wa, A, out_last, cols):
            plan = []
            for i, W in enumerate(Wa):
                last = i == len(Wa) - 1
                out = out_last if last else F(S(A[i + 1], cols), slice(0, -1))
                relu = None if last else (S(A[i + 1], cols), S(self._zeros[id(A[i + 1])], cols))
                plan.append(L.forward(W, S(A[i], cols)) + (out, relu))
            return plan

        self._g_fwd = fwd(g_Wa, self.g_acts, self.fake_in, full)
        self._d_fwd = fwd(d_Wa, self.d_acts, self.logits, full)
        self._d_fwd_fake = fwd(d_Wa, self.d_acts, S(self.logits, fake), fake)

        def bwd(Wa, dWa, A, deltas, masks, delta_out, dx, cols, params):
            plan, delta = [], delta_out
            for i in range(len(Wa) - 1, -1, -1):
                d_in = F(S(deltas[i], cols), slice(0, -1)) if i > 0 else dx
                mask = (S(masks[i], cols), S(A[i], cols), S(deltas[i], cols)) if i > 0 \
                    else None
                weight_grad = L.weight_grad(S(A[i], cols), delta) + (dWa[i],) if params \
                    else None
                # one output: an outer product, for which BLAS is slowest (measured: a
                # broadcast multiply is fastest for one run, einsum from two runs on)
                outer = None if Wa[i].shape[-1] != 1 else "mul" if self.R == 1 else "einsum"
                plan.append((weight_grad, L.input_grad(Wa[i][:, :-1], delta), d_in, outer,
                             mask))
                delta = d_in
            return plan

        self._d_bwd = bwd(d_Wa, d_dWa, self.d_acts, self.d_deltas, self.d_masks,
                          self.d_delta_out, None, full, True)
        self._d_bwd_input = bwd(d_Wa, d_dWa, self.d_acts, self.d_deltas, self.d_masks,
                                S(self.d_delta_out, fake), S(self.d_dx, fake), fake, False)
        self._g_bwd = bwd(g_Wa, g_dWa, self.g_acts, self.g_deltas, self.g_masks,
                          self.g_delta_out, None, full, True)

    def _forward(self, plan) -> None:
        mm, relu = self.xp.matmul, self.xp.maximum
        for x, y, out, act in plan:
            mm(x, y, out=out)  # [h; 1] through [W; b]
            if act is not None:
                relu(act[0], act[1], out=act[0])  # the ones row stays 1

    def _backward(self, plan) -> None:
        xp = self.xp
        mm, mul, gt = xp.matmul, xp.multiply, xp.greater
        for weight_grad, (x, y), d_in, outer, mask in plan:
            if weight_grad is not None:
                mm(weight_grad[0], weight_grad[1], out=weight_grad[2])  # [dW; db]
            if d_in is None:
                return
            if outer is None:  # dh = delta W^T
                mm(x, y, out=d_in)
            elif outer == "mul":
                mul(x, y, out=d_in)
            else:
                xp.einsum("rik,rkj->rij", x, y, out=d_in)
            if mask is not None:  # through the ReLU that made h: times (h > 0)
                gt(mask[1], 0.0, out=mask[0])
                mul(mask[2], mask[0], out=mask[2])

    # -- configuration --------------------------------------------------------------------
    def configure(self) -> None:
        """Read the runs' live settings (optimisers, rates, losses, k) into the loop."""
        cs = self.configs
        for opt, p in ((self.opt_d, "d"), (self.opt_g, "g")):
            kinds = [getattr(c, f"{p}_optimizer") for c in cs]
            for r, (old, new) in enumerate(zip(getattr(opt, "kinds", kinds), kinds)):
                if old != new:  # a new optimiser type starts from fresh moments
                    self._zero_moments(r, p)
            opt.configure(kinds, [getattr(c, f"{p}_lr") for c in cs],
                          [c.adam_beta1 for c in cs], [c.adam_beta2 for c in cs],
                          [c.adam_eps for c in cs], [c.rmsprop_rho for c in cs],
                          [c.rmsprop_eps for c in cs], [c.momentum for c in cs])
        self.loss_kinds = [c.loss for c in cs]
        self.real_weight = np.array([c.real_weight for c in cs])
        self.clip = np.array([c.clip for c in cs])
        self.k_d = np.array([c.k_d for c in cs])
        self.k_g = np.array([c.k_g for c in cs])
        self._steps_cache.clear()
        self._div_cache = [{} for _ in range(self.R)]

    def _zero_moments(self, r: int, net: str) -> None:
        sl = slice(0, self.Pg) if net == "g" else slice(self.Pg, None)
        self.m[r, sl] = 0.0
        self.v[r, sl] = 0.0
        (self.t_g if net == "g" else self.t_d)[r] = 0

    def _steps(self, k_d, k_g, running) -> tuple[list[_Step], list[_Step]]:
        key = (tuple(k_d), tuple(k_g), tuple(running))
        cached = self._steps_cache.get(key)
        if cached is not None:
            return cached
        dt, B = self.dtype, self.B
        kinds = np.array(self.loss_kinds)
        ls, minimax, hinge = kinds == "leastsq", kinds == "minimax", kinds == "hinge"
        wass = kinds == "wasserstein"
        logs = ~(ls | hinge | wass)  # log and minimax: the real term weighed by real_weight
        linear = logs | wass  # D's delta is tanh_a * t + tanh_b (wasserstein: tanh_a = 0)

        def col(v, n):  # (R,) per run -> the same factor for each of n samples
            return self.layout.per_sample(np.repeat(np.asarray(v, np.float64)[:, None], n, 1),
                                          dt)

        def halves(real, fake):  # (R,) factors of the real and of the fake half
            return self.layout.per_sample(np.concatenate(
                [np.repeat(real[:, None], B, 1), np.repeat(fake[:, None], B, 1)], 1), dt)

        d_steps, g_steps = [], []
        for s in range(int(max(k_d[running], default=0))):
            active = running & (s < k_d)
            k = self.opt_d.coefficients(active)
            c = np.where(linear, k.scale, 0.0)
            real = np.where(logs, c * self.real_weight / (2 * B), 0.0)
            fake = np.where(logs, c / (2 * B), 0.0)
            tanh_a = halves(real, fake) if linear.any() else None
            tanh_b = halves(np.where(logs, -real, -c / B), np.where(logs, fake, c / B)) \
                if linear.any() else None
            lsf = col(np.where(ls, k.scale / (4 * B), 0.0), 2 * B) if ls.any() else None
            h = np.where(hinge, k.scale / B, 0.0)
            hf = halves(-h, h) if hinge.any() else None
            crit = active & wass
            clip = self.xp.asarray(np.where(crit, self.clip, np.inf).reshape(-1, 1), dt) \
                if crit.any() else None
            d_steps.append(_Step(k, active, active & (s == k_d - 1), tanh_a, tanh_b, lsf, hf,
                                 clip))
        for s in range(int(max(k_g[running], default=0))):
            active = running & (s < k_g)
            k = self.opt_g.coefficients(active)
            c = np.where(ls, 0.0, k.scale) / (2 * B)
            # log: (t - 1) c;  minimax: -(t + 1) c;  hinge, wasserstein: -2c (= -scale / B)
            tanh_a = col(np.where(minimax, -c, np.where(logs, c, 0.0)), B) if (~ls).any() \
                else None
            tanh_b = col(np.where(logs, -c, -2 * c), B) if (~ls).any() else None
            lsf = col(np.where(ls, k.scale / (4 * B), 0.0), B) if ls.any() else None
            g_steps.append(_Step(k, active, active & (s == k_g - 1), tanh_a, tanh_b, lsf))
        self._steps_cache[key] = (d_steps, g_steps)
        return d_steps, g_steps

    # -- the steps ------------------------------------------------------------------------
    def _g_forward(self, step: _Step) -> None:
        self.noise.take(self.noise_in, step.active)
        self._forward(self._g_fwd)
        self.xp.tanh(self.fake_in, out=self.fake_in)

    def _loss_grad(self, step: _Step, logits, t, delta, u, w, q) -> None:
        """delta = d(loss)/d(logit) * the run's gradient scale, from t = tanh(l/2)."""
        xp = self.xp
        xp.multiply(logits, 0.5, out=t)
        xp.tanh(t, out=t)
        if step.tanh_a is not None:
            xp.multiply(t, step.tanh_a, out=delta)
            delta += step.tanh_b
        if step.ls is not None:
            xp.multiply(t, t, out=u)
            xp.subtract(1.0, u, out=u)  # 1 - t^2 = 4 s (1 - s)
            xp.add(t, q, out=w)  # t + 1 - 2 target (D) / t - 1 (G)
            u *= w
            u *= step.ls
            if step.tanh_a is None:
                xp.copyto(delta, u)
            else:
                delta += u
        if step.hinge is not None:  # D only: the factor where the margin y l < 1 is not met
            xp.multiply(logits, q, out=w)  # q = -y: -1 real, +1 fake
            xp.greater(w, -1.0, out=w)
            w *= step.hinge
            if step.tanh_a is None and step.ls is None:
                xp.copyto(delta, w)
            else:
                delta += w

    def _d_step(self, step: _Step, want_loss: bool) -> None:
        self._g_forward(step)
        self.real.take(self.real_in, step.active)
        self._forward(self._d_fwd)
        self._loss_grad(step, self.logits, self._t, self.d_delta_out, self._u, self._w,
                        self._q)
        self._backward(self._d_bwd)
        if want_loss and step.last.any():
            B, host = self.B, self._host
            logits = self.layout.flat(self.logits)
            values = losses.d_loss_values(self.loss_kinds, logits[:, :B], logits[:, B:],
                                          self.real_weight, self.xp)
            self.d_loss = np.where(step.last, host(values), self.d_loss)
        self.opt_d.step(step.coeffs)
        if step.clip is not None:  # the critic's weight clipping (WGAN)
            xp = self.xp
            xp.minimum(self.d_theta, step.clip, out=self.d_theta)
            xp.maximum(self.d_theta, -step.clip, out=self.d_theta)

    def _g_step(self, step: _Step, want_loss: bool) -> None:
        xp, S = self.xp, self.layout.samples
        self._g_forward(step)
        self._forward(self._d_fwd_fake)
        fake = slice(self.B, None)
        self._loss_grad(step, S(self.logits, fake), S(self._t, fake), S(self.d_delta_out, fake),
                        S(self._u, fake), S(self._w, fake), -1.0)
        self._backward(self._d_bwd_input)
        # through G's tanh: delta = dL/dy * (1 - y^2)
        y, out = self.fake_in, self.g_delta_out
        xp.multiply(y, y, out=out)
        xp.subtract(1.0, out, out=out)
        out *= S(self.d_dx, fake)
        self._backward(self._g_bwd)
        if want_loss and step.last.any():
            values = losses.g_loss_values(self.loss_kinds,
                                          self.layout.flat(self.logits)[:, fake], self.xp)
            self.g_loss = np.where(step.last, self._host(values), self.g_loss)
        self.opt_g.step(step.coeffs)

    def _host(self, a) -> np.ndarray:
        return a if self.xp is np else a.get()

    # -- training -------------------------------------------------------------------------
    def train(self, epochs: int, k_d=None, k_g=None, runs=None, count: bool = True
              ) -> np.ndarray:
        """Train ``epochs`` epochs of k_d D steps then k_g G steps (per-run arrays; default
        the configs') for the runs in ``runs`` (bool (R,), default all) that have not
        diverged. Returns the epochs each run completed (rolled back ones: up to its last
        finite snapshot)."""
        R = self.R
        k_d = self.k_d if k_d is None else np.broadcast_to(np.asarray(k_d), (R,))
        k_g = self.k_g if k_g is None else np.broadcast_to(np.asarray(k_g), (R,))
        running = np.array([d is None for d in self.diverged])
        if runs is not None:
            running &= np.asarray(runs, bool)
        done = np.zeros(R, np.int64)
        if epochs <= 0 or not running.any():
            return done
        backup, backup_done = self._backup(), 0
        bad_epoch = np.zeros(R, np.int64)
        e = 0
        while e < epochs and running.any():
            # chunks end on every ROLLBACK_EVERY-th epoch and on the last: the losses are
            # computed there (so a rollback restores the losses of the state it restores) and a
            # finite backup is taken there
            n = min(ROLLBACK_EVERY - e % ROLLBACK_EVERY, epochs - e)
            bad_at = (self._trainer.epochs if self._trainer is not None else
                      self._epochs)(n, k_d, k_g, running)
            bad = bad_at > 0
            if bad.any():
                bad_epoch[bad] = e + bad_at[bad]
                done[bad] = backup_done  # where its rollback puts it
                running &= ~bad
                self._rollback(bad, backup)
            e += n
            done[running] = e
            if e % ROLLBACK_EVERY == 0 and e < epochs:
                backup, backup_done = self._backup(), e  # a recent finite state
        unfinished = running & (((k_d > 0) & ~np.isfinite(self.d_loss)) |
                                ((k_g > 0) & ~np.isfinite(self.g_loss)))
        if unfinished.any():  # finite weights but infinite losses (of its last epoch): diverging
            bad_epoch[unfinished] = done[unfinished]
            done[unfinished] = backup_done
            self._rollback(unfinished, backup)
        failed = bad_epoch > 0
        for r in np.nonzero(failed)[0]:
            self.diverged[r] = diverged_message(self.configs[r],
                                                self.epoch[r] + int(bad_epoch[r]))
        self._div_cache = [{} for _ in range(R)]
        if count:
            for r in np.nonzero(done)[0]:
                self.epoch[r] += int(done[r])
                kl, js = self.divergences(int(r))
                self.history[r].append(self.epoch[r], self.d_loss[r], self.g_loss[r], kl, js)
        return done

    def _epochs(self, n: int, k_d, k_g, running) -> np.ndarray:
        """n epochs of the ``running`` runs with NumPy (the losses on the last one). Returns,
        per run, 0 or the epoch (1..n) after which its weights or moments were not finite: it
        took no further steps (the caller rolls it back)."""
        isfinite = math.isfinite
        bad_at = np.zeros(self.R, np.int64)
        live = running.copy()
        d_steps, g_steps = self._begin(k_d, k_g, live)
        with np.errstate(over="ignore", invalid="ignore"):
            for i in range(n):
                want = i == n - 1
                self.real.reserve(len(d_steps))
                self.noise.reserve(len(d_steps) + len(g_steps))
                for step in d_steps:
                    self._d_step(step, want)
                for step in g_steps:
                    self._g_step(step, want)
                # one reduction over every run's weights and moments (a host sync per epoch
                # on the eager GPU path)
                if not isfinite(float(self.params.sum())):
                    finite = self._host(self.xp.isfinite(self.params).all(axis=(0, 2)))
                    new = live & ~finite
                    if new.any():
                        bad_at[new] = i + 1
                        live &= ~new
                        if not live.any():
                            break
                        d_steps, g_steps = self._begin(k_d, k_g, live)
        self.real.end()
        self.noise.end()
        return bad_at

    def _begin(self, k_d, k_g, running) -> tuple[list[_Step], list[_Step]]:
        """The steps of an epoch for the ``running`` runs, and the sample streams set up for
        them: in lockstep (one slice for all) when every running run takes every step."""
        kd_max, kg_max = int(k_d[running].max()), int(k_g[running].max())
        lockstep = bool((k_d[running] == kd_max).all() and (k_g[running] == kg_max).all())
        self.real.begin(lockstep, running)
        self.noise.begin(lockstep, running)
        return self._steps(k_d, k_g, running)

    def _backup(self) -> tuple:
        return (self.params.copy(), self.t_g.copy(), self.t_d.copy(), self.real.counters(),
                self.noise.counters(), self.d_loss.copy(), self.g_loss.copy())

    def _rollback(self, bad: np.ndarray, backup: tuple) -> None:
        """Put the runs in ``bad`` back to ``backup`` (the others keep training)."""
        params, t_g, t_d, real_c, noise_c, d_loss, g_loss = backup
        rows = np.nonzero(bad)[0]
        idx = self.xp.asarray(rows)
        self.params[:, idx] = params[:, idx]
        self.t_g[rows], self.t_d[rows] = t_g[rows], t_d[rows]
        self.d_loss[rows], self.g_loss[rows] = d_loss[rows], g_loss[rows]
        self.real.set_counters(rows, real_c[rows])
        self.noise.set_counters(rows, noise_c[rows])

    # -- runs in and out ------------------------------------------------------------------
    def load_run(self, slot: int, s: RunState, fixed_sets: bool = True) -> None:
        """Make run ``slot`` exactly ``s`` (its config must share this batch's key)."""
        if batch_key(s.config) != batch_key(self.configs[0]):
            raise ValueError("load_run: the state's config does not fit this batch")
        xp, Pg = self.xp, self.Pg
        old = self.configs[slot]
        self.configs[slot] = s.config
        self.theta[slot, :Pg] = xp.asarray(s.g_theta)
        self.theta[slot, Pg:] = xp.asarray(s.d_theta)
        self.m[slot, :Pg], self.v[slot, :Pg] = xp.asarray(s.g_m), xp.asarray(s.g_v)
        self.m[slot, Pg:], self.v[slot, Pg:] = xp.asarray(s.d_m), xp.asarray(s.d_v)
        self.t_g[slot], self.t_d[slot] = s.g_t, s.d_t
        self.epoch[slot] = s.epoch
        self.d_loss[slot], self.g_loss[slot] = s.d_loss, s.g_loss
        self.diverged[slot] = s.diverged
        self.history[slot] = s.make_history(HISTORY_CAPACITY)
        same_data = fixed_sets and (old.seed, old.dataset, old.noise_dist) == \
            (s.config.seed, s.config.dataset, s.config.noise_dist)
        if fixed_sets and not same_data:
            self._fixed_sets([slot])
        self.real.load([slot], [s.real_counter], regenerate=not same_data)
        self.noise.load([slot], [s.noise_counter], regenerate=not same_data)
        # the optimisers' kinds follow the state (its moments are already in place)
        for opt, p in ((self.opt_d, "d"), (self.opt_g, "g")):
            if hasattr(opt, "kinds"):
                opt.kinds[slot] = getattr(s.config, f"{p}_optimizer")
        self.configure()

    def set_config(self, slot: int, c: GanConfig) -> None:
        """A live edit of run ``slot`` (fields that keep the weights)."""
        self.configs[slot] = c
        self.configure()

    def run_state(self, slot: int) -> RunState:
        """A complete host copy of run ``slot``."""
        host, Pg = self._host, self.Pg
        th, m, v = np.array(host(self.params[:, slot]))
        return RunState(
            config=self.configs[slot], g_theta=th[:Pg].copy(), d_theta=th[Pg:].copy(),
            g_m=m[:Pg].copy(), g_v=v[:Pg].copy(), d_m=m[Pg:].copy(), d_v=v[Pg:].copy(),
            g_t=int(self.t_g[slot]), d_t=int(self.t_d[slot]),
            real_counter=int(self.real.counters()[slot]),
            noise_counter=int(self.noise.counters()[slot]),
            epoch=self.epoch[slot], d_loss=float(self.d_loss[slot]),
            g_loss=float(self.g_loss[slot]), diverged=self.diverged[slot],
            history=self.history[slot].state())

    def clear_divergence(self, slot: int) -> None:
        self.diverged[slot] = None

    # -- fixed sample sets (shown and evaluated) ----------------------------------------
    def _fixed_sets(self, slots) -> None:
        """The real samples shown, the fixed noise behind the fakes shown and the KL/JS
        evaluation sets: the first rows of each run's atlas streams (as GAN Lab shows)."""
        xp, dt, R = self.xp, self.dtype, self.R
        c = self.configs[0]
        size = c.atlas_size if c.use_atlas else max(c.atlas_size, self.B)
        n_metric, n_fake = min(METRIC_SAMPLES, c.atlas_size), min(MAX_FAKE_SHOWN, size)
        n_draw = max(n_metric, self.visible, n_fake)
        if not hasattr(self, "real_shown"):
            self.real_shown = np.zeros((R, self.visible, 2), np.float32)
            self.fixed_noise = np.zeros((R, n_fake, self.nz), np.float32)
            self._metric_noise = xp.zeros((R, n_metric, self.nz), dt)
            self._metric_hist = [None] * R
        slots = np.asarray(list(slots), np.int64)
        zero = np.zeros((len(slots), 1), np.int64)
        real = real_drawer(self.configs, self.drawn)(slots, Stream.REAL_ATLAS, zero, n_draw)
        noise = noise_drawer(self.configs)(slots, Stream.NOISE_ATLAS, zero, n_draw)
        self.real_shown[slots] = real[:, :self.visible]
        self.fixed_noise[slots] = noise[:, :n_fake]
        self._metric_noise[xp.asarray(slots)] = xp.asarray(noise[:, :n_metric], dt)
        for i, r in enumerate(slots):
            self._metric_hist[r] = metrics.histogram(real[i, :n_metric].astype(dt))
            self._ganlab_true.pop(int(r), None)
        if getattr(self, "_trainer", None) is not None:
            self._trainer.forget_sets()

    # -- evaluation and visuals -------------------------------------------------------------
    def generator(self, slot: int, z) -> np.ndarray:
        """G(z) of run ``slot``: (n, noise_dim) -> (n, 2) on the host."""
        z = self.xp.asarray(z, self.dtype)
        return self._host(forward(self.g_theta[slot], self.g_sizes, z, True, self.xp)[-1])

    def discriminator(self, slot: int, x) -> np.ndarray:
        """D(x) of run ``slot`` as probabilities sigmoid(l): (n, 2) -> (n,) on the host (for a
        critic too: its raw values are what ``visuals`` gives)."""
        logits = self._d_logits(self.d_theta[slot][None], self.xp.asarray(x, self.dtype)[None])
        with np.errstate(over="ignore"):
            return losses.sigmoid(self._host(logits[0]))

    def _d_logits(self, d_theta, x):
        """D's logits (R', n) for inputs x (R' or 1, n, 2), evaluated in bounded chunks."""
        xp = self.xp
        R, n = d_theta.shape[0], x.shape[1]
        out = xp.empty((R, n), self.dtype)
        width = max(self.d_sizes)
        step = max(1024, FIELD_CHUNK // max(1, R * width))
        for s in range(0, n, step):
            out[:, s:s + step] = forward(d_theta, self.d_sizes, x[:, s:s + step], False,
                                         xp)[-1][..., 0]
        return out

    def divergences(self, slot: int, ganlab_compat: bool = False) -> tuple[float, float]:
        """Grid (KL, JS) in bits between real and generated samples (see metrics); cached
        until the run's weights change."""
        cache = self._div_cache[slot]
        if ganlab_compat not in cache:
            if ganlab_compat:
                true = self._ganlab_true.get(slot)
                if true is None:
                    c = self.configs[slot]
                    atlas = real_drawer(self.configs, self.drawn)(
                        np.array([slot]), Stream.REAL_ATLAS, np.zeros((1, 1), np.int64),
                        c.atlas_size)[0].astype(self.dtype)
                    true = self._ganlab_true[slot] = metrics.ganlab_true_histogram(atlas)
                fake = self.generator(slot, self.fixed_noise[slot])
                cache[True] = metrics.kl_js(true, metrics.ganlab_histogram(fake))
            elif self._trainer is not None:  # every stale run in one launch, on the device
                want = np.array([False not in c for c in self._div_cache])
                for r, (kl, js) in enumerate(self._trainer.divergences(want)):
                    if want[r]:
                        self._div_cache[r][False] = (float(kl), float(js))
            else:
                fake = self.generator(slot, self._metric_noise[slot])
                cache[False] = metrics.kl_js(self._metric_hist[slot], metrics.histogram(fake))
        return cache[ganlab_compat]

    def _frame_buffer(self, name: str, shape: tuple) -> np.ndarray:
        buf = self._frame_buffers.get(name)
        if buf is None or buf.shape != shape:
            buf = self._frame_buffers[name] = np.empty(shape, np.float32)
        return buf

    def _visual_points(self, field_res: int, bounds, manifold_cells: int) -> tuple:
        """The field's cell centres (row 0 = smallest y), the manifold's noise grid, and the
        mesh's shape (R, ...)."""
        x0, y0, x1, y1 = bounds
        xs = x0 + (np.arange(field_res) + 0.5) * (x1 - x0) / field_res
        ys = y0 + (np.arange(field_res) + 0.5) * (y1 - y0) / field_res
        gx, gy = np.meshgrid(xs, ys)
        pts = np.stack([gx.ravel(), gy.ravel()], axis=1)
        t = np.arange(manifold_cells + 1) / manifold_cells
        if self.nz == 1:
            return pts, t[:, None], (self.R, manifold_cells + 1, 2)
        gi, gj = np.meshgrid(t, t, indexing="ij")
        grid = np.stack([gi.ravel(), gj.ravel()], axis=1)
        return pts, grid, (self.R, manifold_cells + 1, manifold_cells + 1, 2)

    def device_visuals(self, field_res: int, bounds, manifold_cells: int) -> dict:
        """visuals' numbers left where the kernels wrote them (kernel trainers only): "fake",
        "grad_d", "grad_g", "pred_fake", "pred_real", "field" (R, N*N), "mesh" (R, M, 2) and,
        for 2-D noise, "alpha" (R, n, n)."""
        pts, grid, _ = self._visual_points(field_res, bounds, manifold_cells)
        with np.errstate(over="ignore", invalid="ignore"):
            return self._trainer.visuals(pts, grid, host=False)

    def visuals(self, field_res: int, bounds, manifold_cells: int, raw: dict | None = None
                ) -> dict[str, np.ndarray]:
        """Every run's visual quantities as host float32 arrays with a leading run axis:
        fake, grad_d, grad_g, pred_fake, pred_real, field, manifold, manifold_alpha.
        D's output (pred_fake, pred_real, field) is the probability sigmoid(l), or for a critic
        (loss wasserstein) the raw critic value l; grad_d is the gradient of that output.
        The arrays are this batch's preallocated buffers: valid until the next call. ``raw``:
        device_visuals' result of the same request, copied here instead of recomputed."""
        R, buf = self.R, self._frame_buffer
        pts, grid, shape = self._visual_points(field_res, bounds, manifold_cells)
        kernel = getattr(self._trainer, "visuals", None)
        with np.errstate(over="ignore", invalid="ignore"):
            if raw is not None:
                raw = {k: self._host(v) for k, v in raw.items()}
            elif kernel is not None:
                raw = kernel(pts, grid)
            else:
                raw = self._numpy_visuals(pts, grid)
        n_fake, n_real = raw["fake"].shape[1], raw["pred_real"].shape[1]
        out = {"fake": buf("fake", (R, n_fake, 2)), "grad_d": buf("grad_d", (R, n_fake, 2)),
               "grad_g": buf("grad_g", (R, n_fake, 2)), "pred_fake": buf("pred_fake", (R, n_fake)),
               "pred_real": buf("pred_real", (R, n_real)),
               "field": buf("field", (R, field_res, field_res)), "manifold": buf("manifold", shape)}
        for key in ("fake", "grad_d", "grad_g", "pred_fake", "pred_real"):
            out[key][...] = raw[key]
        out["field"][...] = raw["field"].reshape(R, field_res, field_res)
        out["manifold"][...] = raw["mesh"].reshape(shape)
        # GAN Lab's manifold opacities (from the mesh's cell areas)
        if self.nz == 1:
            out["manifold_alpha"] = buf("manifold_alpha", (R, 0, 0))
        else:
            alpha = buf("manifold_alpha", (R, manifold_cells, manifold_cells))
            if "alpha" in raw:  # computed by the kernel, on the device
                alpha[...] = raw["alpha"]
            else:
                for r in range(R):
                    alpha[r] = metrics.manifold_opacity(out["manifold"][r],
                                                        self.configs[r].noise_dist)
            out["manifold_alpha"] = alpha
        return out

    def _numpy_visuals(self, pts: np.ndarray, grid: np.ndarray) -> dict[str, np.ndarray]:
        """visuals' numbers with the array library: G on the fixed noise, D there with both
        input gradients, D on the real samples shown and at ``pts``, G at ``grid``."""
        xp, host = self.xp, self._host
        z = xp.asarray(self.fixed_noise, self.dtype)
        fake = forward(self.g_theta, self.g_sizes, z, True, xp)[-1]
        acts = forward(self.d_theta, self.d_sizes, fake, False, xp)
        logit = acts[-1]
        kinds = self.loss_kinds
        s = losses.sigmoid(logit, xp=xp)
        d_out = s * (1.0 - s)  # dD/dlogit; 1 for a critic, whose output is the logit itself
        if "wasserstein" in kinds:
            critic = xp.asarray(np.array([k == "wasserstein" for k in kinds]).reshape(-1, 1, 1))
            d_out = xp.where(critic, xp.ones_like(d_out), d_out)
        grad_d = input_gradient(self.d_theta, self.d_sizes, acts, d_out, False, xp)
        d_gloss = losses.g_loss_dlogit(kinds, logit, xp)
        grad_g = input_gradient(self.d_theta, self.d_sizes, acts, d_gloss, False, xp)
        real = xp.asarray(self.real_shown, self.dtype)
        mesh = forward(self.g_theta, self.g_sizes, xp.asarray(grid[None], self.dtype), True,
                       xp)[-1]
        return {"fake": host(fake), "grad_d": host(grad_d), "grad_g": -host(grad_g),
                "pred_fake": losses.d_output(kinds, host(logit[..., 0])),
                "pred_real": losses.d_output(kinds, host(self._d_logits(self.d_theta, real))),
                "field": losses.d_output(kinds, host(self._d_logits(
                    self.d_theta, xp.asarray(pts[None], self.dtype)))),
                "mesh": host(mesh)}
