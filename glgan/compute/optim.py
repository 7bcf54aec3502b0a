"""Optimisers for one network of R runs at once: SGD, Adam, RMSprop and SGD with momentum,
chosen per run.

Owns the update rules. Parameters, gradients and the optimiser state (m, v) are (R, P) rows of
the training buffers; every hyperparameter is per run, and a per-step ``active`` mask leaves
the rows of runs that skip a step (smaller k_D/k_G, paused, diverged) exactly unchanged.

The losses scale each run's gradient g before backprop (``grad_scale``): -lr for an SGD run, so
its update is one addition (theta += grad), and 1 for the others, whose updates are
  adam      m <- b1 m + (1-b1) g;  v <- b2 v + (1-b2) g^2;          (tf.train.adam, with bias
            theta <- theta - lr (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps)   correction by the run's
                                                                     own step count t)
  rmsprop   v <- rho v + (1-rho) g^2;  theta <- theta - lr g / (sqrt(v) + eps)
            (v starts at 0, as in Keras and PyTorch; eps outside the root; no momentum)
  momentum  m <- mu m + g;  theta <- theta - lr m      (TF's MomentumOptimizer, PyTorch's SGD
            with momentum: the velocity m holds gradients, not steps, so a new lr applies at once)
m is Adam's first moment or momentum's velocity, v Adam's second moment or RMSprop's mean
square; an optimiser leaves the other at 0; only Adam counts steps (t). Every row goes through
the same sequence of operations with its own coefficients (a row's unused part is multiplied by
1 and added 0), so a run's numbers do not depend on what the other rows of its batch use.
Changing a learning rate (or any optimiser constant) keeps the state; GAN Lab re-creates the
optimiser and loses it. Switching a run's optimiser type starts its state from zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from glgan.config import OPTIMIZERS


@dataclass(frozen=True)
class StepCoefficients:
    """Per-run factors of one step kind for one ``active`` mask (built once, reused)."""

    scale: np.ndarray  # (R,) float64: gradient scale the losses apply (0 where inactive)
    adam_active: np.ndarray | None  # (R,) int64 1 where an Adam run steps, or None (all SGD)
    lr_step: np.ndarray | None  # (R,) float64 lr where a non-SGD run steps, else 0
    idle: object = None  # row indices of the runs not stepping (None: every run steps)
    a1: object = None  # (R, 1) m <- a1 m + c1 g (1, 0 where a row does not use m or idles)
    c1: object = None
    a2: object = None  # (R, 1) v <- a2 v + c2 g^2
    c2: object = None
    vscale: np.ndarray | None = None  # (R,) float64 factor of v under the root (non-Adam)
    eps: object = None  # (R, 1) added to the root (1 for rows without a root: momentum, SGD)
    sgd_mask: object = None  # (R, 1) 1 for SGD rows when SGD and other runs are mixed
    use_m: bool = False  # some row uses m (Adam, momentum)
    use_v: bool = False  # some row uses v (Adam, RMSprop)
    grad_rows: object = None  # (R, 1) bool: rows whose numerator is g (RMSprop) among m rows


class NetOptimizer:
    """SGD/Adam/RMSprop/momentum over rows of ``theta`` (R, P) with gradients ``grad``, state
    m, v and Adam's step counts t (R,), all views the owner keeps (so snapshots see them)."""

    def __init__(self, theta, grad, m, v, t, dtype, xp=np):
        self.theta, self.grad, self.m, self.v, self.t = theta, grad, m, v, t
        self.dtype, self.xp = np.dtype(dtype), xp
        self._tmp = xp.empty_like(theta)
        self._den = xp.empty_like(theta)
        self.configure(["sgd"] * theta.shape[0], [0.1] * theta.shape[0])

    def configure(self, kinds, lr, beta1=None, beta2=None, eps=None, rho=None, rms_eps=None,
                  momentum=None) -> None:
        """Per-run optimiser kinds and hyperparameters (sequences of length R; None: the
        defaults of GanConfig)."""
        R = self.theta.shape[0]
        for k in kinds:
            if k not in OPTIMIZERS:
                raise ValueError(f"optimizer={k!r} is not allowed; choose one of "
                                 f"{', '.join(OPTIMIZERS)}")

        def per_run(values, default):
            return np.asarray(values if values is not None else [default] * R, np.float64)

        self.kinds = list(kinds)
        self.lr = np.asarray(lr, np.float64)
        self.beta1, self.beta2 = per_run(beta1, 0.9), per_run(beta2, 0.999)
        self.eps = per_run(eps, 1e-8)
        self.rho, self.rms_eps = per_run(rho, 0.9), per_run(rms_eps, 1e-8)
        self.momentum = per_run(momentum, 0.9)
        self.is_adam = np.array([k == "adam" for k in self.kinds])
        self.is_rms = np.array([k == "rmsprop" for k in self.kinds])
        self.is_mom = np.array([k == "momentum" for k in self.kinds])
        self.is_sgd = ~(self.is_adam | self.is_rms | self.is_mom)

    def coefficients(self, active: np.ndarray) -> StepCoefficients:
        """The factors of a step in which the runs where ``active`` (R,) bool take part."""
        xp, dt = self.xp, self.dtype
        act = np.asarray(active, bool)
        sgd = act & self.is_sgd
        other = act & ~self.is_sgd
        scale = np.where(sgd, -self.lr, np.where(other, 1.0, 0.0))
        idle = None if act.all() else xp.asarray(np.nonzero(~act)[0])
        if self.is_sgd.all():
            return StepCoefficients(scale, None, None, idle)

        def col(a):
            return xp.asarray(np.asarray(a, np.float64).reshape(-1, 1), dt)

        adam, rms, mom = act & self.is_adam, act & self.is_rms, act & self.is_mom
        use_m = bool((self.is_adam | self.is_mom).any())
        use_v = bool((self.is_adam | self.is_rms).any())
        a1 = np.where(adam, self.beta1, np.where(mom, self.momentum, 1.0))
        c1 = np.where(adam, 1 - self.beta1, np.where(mom, 1.0, 0.0))
        a2 = np.where(adam, self.beta2, np.where(rms, self.rho, 1.0))
        c2 = np.where(adam, 1 - self.beta2, np.where(rms, 1 - self.rho, 0.0))
        eps = np.where(self.is_adam, self.eps, np.where(self.is_rms, self.rms_eps, 1.0))
        return StepCoefficients(
            scale, adam.astype(np.int64), np.where(other, self.lr, 0.0), idle,
            a1=col(a1), c1=col(c1), a2=col(a2), c2=col(c2),
            vscale=np.where(self.is_rms, 1.0, 0.0), eps=col(eps),
            sgd_mask=col(self.is_sgd) if self.is_sgd.any() else None, use_m=use_m,
            use_v=use_v,
            grad_rows=xp.asarray(self.is_rms.reshape(-1, 1)) if use_m and self.is_rms.any()
            else None)

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
        step = (k.lr_step / np.where(self.is_adam, 1.0 - self.beta1 ** steps, 1.0))
        vscale = np.where(self.is_adam, 1.0 / (1.0 - self.beta2 ** steps), k.vscale)
        if k.sgd_mask is not None:  # SGD rows of a mixed batch
            xp.multiply(grad, k.sgd_mask, out=tmp)
            theta += tmp
        if k.use_m:  # 1) first moment / velocity
            m *= k.a1
            xp.multiply(grad, k.c1, out=tmp)
            m += tmp
        if k.use_v:  # 2) second moment / mean square
            xp.multiply(grad, grad, out=tmp)
            tmp *= k.c2
            v *= k.a2
            v += tmp
        # 3) the numerator (m, or g for RMSprop rows) over den = sqrt(v * vscale) + eps (1 for
        # momentum and SGD rows: v = 0 there, eps = 1), times the step
        num = m if k.use_m else grad
        if k.grad_rows is not None:
            xp.copyto(tmp, m)
            xp.copyto(tmp, grad, where=k.grad_rows)
            num = tmp
        step = xp.asarray(step.reshape(-1, 1), self.dtype)
        if k.use_v:
            xp.multiply(v, xp.asarray(vscale.reshape(-1, 1), self.dtype), out=den)
            xp.sqrt(den, out=den)
            den += k.eps
            xp.divide(num, den, out=tmp)
            tmp *= step
        else:
            xp.multiply(num, step, out=tmp)
        theta -= tmp
