"""Optimisers for one network of R runs at once: SGD and Adam, chosen per run.

Owns the update rules. Parameters, gradients and Adam's moments are (R, P) rows of the
training buffers; every hyperparameter is per run, and a per-step ``active`` mask leaves the
rows of runs that skip a step (smaller k_D/k_G, paused, diverged) exactly unchanged.

The losses scale each run's gradient before backprop (``grad_scale``): -lr for an SGD run, so its
update is one addition (theta += grad), and 1 for an Adam run, whose update follows tf.train.adam
with bias correction by the run's own step count t:
  m <- b1 m + (1-b1) g;  v <- b2 v + (1-b2) g^2;
  theta <- theta - lr (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps)
Changing a learning rate (or Adam's betas/epsilon) keeps Adam's moments; GAN Lab re-creates the
optimiser and loses them. Switching a run's optimiser type starts its moments from zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from glgan.config import OPTIMIZERS


@dataclass(frozen=True)
class StepCoefficients:
    """Per-run factors of one step kind for one ``active`` mask (built once, reused)."""

    scale: np.ndarray  # (R,) float64: gradient scale the losses apply (0 where inactive)
    adam_active: np.ndarray | None  # (R,) int64 1 where an Adam run steps, or None (no Adam)
    lr_adam: np.ndarray | None  # (R,) float64 lr where an Adam run steps, else 0
    idle: object = None  # row indices of the runs not stepping (None: every run steps)
    a1: object = None  # (R, 1) decay factors of m and v (1 where not stepping)
    c1: object = None
    a2: object = None
    c2: object = None
    eps: object = None
    sgd_mask: object = None  # (R, 1) 1 for SGD rows when SGD and Adam runs are mixed


class NetOptimizer:
    """SGD/Adam over rows of ``theta`` (R, P) with gradients ``grad``, moments m, v and step
    counts t (R,), all views the owner keeps (so snapshots see them)."""

    def __init__(self, theta, grad, m, v, t, dtype, xp=np):
        self.theta, self.grad, self.m, self.v, self.t = theta, grad, m, v, t
        self.dtype, self.xp = np.dtype(dtype), xp
        self._tmp = xp.empty_like(theta)
        self._den = xp.empty_like(theta)
        self.configure(["sgd"] * theta.shape[0], [0.1] * theta.shape[0])

    def configure(self, kinds, lr, beta1=None, beta2=None, eps=None) -> None:
        """Per-run optimiser kinds and hyperparameters (sequences of length R)."""
        R = self.theta.shape[0]
        for k in kinds:
            if k not in OPTIMIZERS:
                raise ValueError(f"optimizer={k!r} is not allowed; choose sgd or adam")
        self.kinds = list(kinds)
        self.lr = np.asarray(lr, np.float64)
        self.beta1 = np.asarray(beta1 if beta1 is not None else [0.9] * R, np.float64)
        self.beta2 = np.asarray(beta2 if beta2 is not None else [0.999] * R, np.float64)
        self.eps = np.asarray(eps if eps is not None else [1e-8] * R, np.float64)
        self.is_adam = np.array([k == "adam" for k in self.kinds])

    def coefficients(self, active: np.ndarray) -> StepCoefficients:
        """The factors of a step in which the runs where ``active`` (R,) bool take part."""
        xp, dt = self.xp, self.dtype
        act = np.asarray(active, bool)
        sgd = act & ~self.is_adam
        adam = act & self.is_adam
        scale = np.where(sgd, -self.lr, np.where(adam, 1.0, 0.0))
        idle = None if act.all() else xp.asarray(np.nonzero(~act)[0])
        if not self.is_adam.any():
            return StepCoefficients(scale, None, None, idle)

        def col(a):
            return xp.asarray(np.asarray(a, np.float64).reshape(-1, 1), dt)

        mixed = not self.is_adam.all()  # (some run is Adam: checked above)
        return StepCoefficients(
            scale, adam.astype(np.int64), np.where(adam, self.lr, 0.0), idle,
            a1=col(np.where(adam, self.beta1, 1.0)), c1=col(np.where(adam, 1 - self.beta1, 0.0)),
            a2=col(np.where(adam, self.beta2, 1.0)), c2=col(np.where(adam, 1 - self.beta2, 0.0)),
            eps=col(self.eps), sgd_mask=col(~self.is_adam) if mixed else None)

    def step(self, k: StepCoefficients) -> None:
        """Apply one update with the gradient already in ``grad`` (scaled by ``k.scale``)."""
        xp, theta, grad = self.xp, self.theta, self.grad
        if k.idle is not None:
            # a paused run's gradient may be 0 * inf = NaN (its weights may overflow the
            # forward pass): its rows must stay exactly as they are
            grad[k.idle] = 0.0
        if k.adam_active is None:
            theta += grad  # SGD: grad holds -lr * dL/dtheta
            return
        tmp, den, m, v = self._tmp, self._den, self.m, self.v
        self.t += k.adam_active
        steps = np.maximum(self.t, 1)
        step = (k.lr_adam / (1.0 - self.beta1 ** steps)).reshape(-1, 1)
        vscale = (1.0 / (1.0 - self.beta2 ** steps)).reshape(-1, 1)
        if k.sgd_mask is not None:  # SGD rows of a mixed batch
            xp.multiply(grad, k.sgd_mask, out=tmp)
            theta += tmp
        # 1) first moment, 2) second moment
        m *= k.a1
        xp.multiply(grad, k.c1, out=tmp)
        m += tmp
        xp.multiply(grad, grad, out=tmp)
        tmp *= k.c2
        v *= k.a2
        v += tmp
        # 3) bias-corrected step: den = sqrt(v / (1-b2^t)) + eps
        xp.multiply(v, xp.asarray(vscale, self.dtype), out=den)
        xp.sqrt(den, out=den)
        den += k.eps
        xp.divide(m, den, out=tmp)
        tmp *= xp.asarray(step, self.dtype)
        theta -= tmp
