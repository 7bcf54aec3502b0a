"""GAN losses from discriminator logits: values and d(loss)/d(logit), numerically stable.

D(x) = sigmoid(l). Everything is written in terms of the logit l, so saturated
discriminators give large finite losses instead of GAN Lab's log(0) = -inf / NaN:
  log D = -softplus(-l),   log(1 - D) = -softplus(l),   softplus(t) = max(t,0) + log1p(exp(-|t|)).

Losses (means over the batch; B_r real and B_f fake samples; w = ``real_weight``):
  log      D: -[w mean log D(x) + mean log(1 - D(G(z)))]   (GAN Lab: w = 0.95, not label smoothing)
           G: -mean log D(G(z))                             (non-saturating)
  minimax  D: as log;  G: mean log(1 - D(G(z)))             (the original, saturating game)
  leastsq  D: mean (D(x) - 1)^2 + mean D(G(z))^2;  G: mean (D(G(z)) - 1)^2   (on the sigmoid output)

The gradient functions write into ``out`` (preallocated) and return it.
"""

from __future__ import annotations

import numpy as np


def softplus(t: np.ndarray, xp=np) -> np.ndarray:
    return xp.maximum(t, 0.0) + xp.log1p(xp.exp(-xp.abs(t)))


def sigmoid(t: np.ndarray, out: np.ndarray | None = None, xp=np) -> np.ndarray:
    """Stable logistic function: 0.5 * (1 + tanh(t / 2))."""
    out = xp.multiply(t, 0.5, out=out)
    xp.tanh(out, out=out)
    out *= 0.5
    out += 0.5
    return out


def d_loss_value(loss: str, l_real: np.ndarray, l_fake: np.ndarray, real_weight: float,
                 xp=np) -> float:
    if loss == "leastsq":
        s_r, s_f = sigmoid(l_real, xp=xp), sigmoid(l_fake, xp=xp)
        return float(((s_r - 1.0) ** 2).mean() + (s_f**2).mean())
    return float(real_weight * softplus(-l_real, xp).mean() + softplus(l_fake, xp).mean())


def g_loss_value(loss: str, l_fake: np.ndarray, xp=np) -> float:
    if loss == "leastsq":
        return float(((sigmoid(l_fake, xp=xp) - 1.0) ** 2).mean())
    if loss == "minimax":
        return float(-softplus(l_fake, xp).mean())
    return float(softplus(-l_fake, xp).mean())


def g_loss_dlogit(loss: str, logits: np.ndarray, xp=np) -> np.ndarray:
    """Per-sample d(loss)/d(logit) of the generator loss (not divided by the batch size)."""
    s = sigmoid(logits, xp=xp)
    if loss == "log":
        return s - 1.0
    if loss == "minimax":
        return -s
    return 2.0 * (s - 1.0) * s * (1.0 - s)


class DLossGrad:
    """d L_D / d logits for a batch laid out as [real (B_r); fake (B_f)], with reused buffers."""

    def __init__(self, n_real: int, n_fake: int, dtype=np.float32, xp=np):
        n = n_real + n_fake
        self.xp = xp
        self.n_real, self.n_fake = n_real, n_fake
        self.target = xp.zeros((n, 1), dtype)
        self.target[:n_real] = 1.0
        self.scale = xp.empty((n, 1), dtype)  # per-row weight / batch (x2 for leastsq)
        self.half_scale = xp.empty((n, 1), dtype)
        self.offset = xp.empty((n, 1), dtype)  # scale * (0.5 - target)
        self.s = xp.empty((n, 1), dtype)
        self.tmp = xp.empty((n, 1), dtype)
        self.out = xp.empty((n, 1), dtype)
        self._weight = None

    def _set_weight(self, real_weight: float, leastsq: bool) -> None:
        key = (real_weight, leastsq)
        if self._weight != key:
            w = 1.0 if leastsq else real_weight
            self.scale[: self.n_real] = w / self.n_real
            self.scale[self.n_real:] = 1.0 / self.n_fake
            if leastsq:
                self.scale *= 2.0
            self.half_scale[...] = 0.5 * self.scale
            self.offset[...] = self.scale * (0.5 - self.target)
            self._weight = key

    def __call__(self, loss: str, logits: np.ndarray, real_weight: float) -> np.ndarray:
        leastsq = loss == "leastsq"
        self._set_weight(real_weight, leastsq)
        xp, out = self.xp, self.out
        if not leastsq:
            # log loss: dL/dl = scale (sigmoid(l) - target), sigmoid(l) = 0.5 tanh(l/2) + 0.5
            xp.multiply(logits, 0.5, out=out)
            xp.tanh(out, out=out)
            out *= self.half_scale
            out += self.offset
            return out
        # leastsq: dL/ds = 2 (s - target) / B, ds/dl = s (1 - s)
        s = sigmoid(logits, out=self.s, xp=xp)
        xp.subtract(s, self.target, out=out)
        xp.subtract(1.0, s, out=self.tmp)
        self.tmp *= s
        out *= self.tmp
        out *= self.scale
        return out


class GLossGrad:
    """d L_G / d logits of the fake batch, with reused buffers."""

    def __init__(self, n: int, dtype=np.float32, xp=np):
        self.n, self.xp = n, xp
        self.s = xp.empty((n, 1), dtype)
        self.tmp = xp.empty((n, 1), dtype)
        self.out = xp.empty((n, 1), dtype)

    def __call__(self, loss: str, logits: np.ndarray) -> np.ndarray:
        n = logits.shape[0]
        xp, out = self.xp, self.out[:n]
        if loss == "log":
            # d/dl softplus(-l) / n = (s - 1) / n = (0.5 tanh(l/2) - 0.5) / n
            xp.multiply(logits, 0.5, out=out)
            xp.tanh(out, out=out)
            out -= 1.0
            out *= 0.5 / n
            return out
        s = sigmoid(logits, out=self.s[:n], xp=xp)
        if loss == "minimax":
            xp.multiply(s, -1.0 / n, out=out)  # d/dl -softplus(l) = -s
            return out
        tmp = self.tmp[:n]
        xp.subtract(1.0, s, out=tmp)
        tmp *= s
        xp.subtract(s, 1.0, out=out)
        out *= tmp
        out *= 2.0 / n
        return out
