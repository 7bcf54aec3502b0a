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


def softplus(t: np.ndarray) -> np.ndarray:
    return np.maximum(t, 0.0) + np.log1p(np.exp(-np.abs(t)))


def sigmoid(t: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Stable logistic function: 0.5 * (1 + tanh(t / 2))."""
    out = np.multiply(t, 0.5, out=out)
    np.tanh(out, out=out)
    out *= 0.5
    out += 0.5
    return out


def d_loss_value(loss: str, l_real: np.ndarray, l_fake: np.ndarray, real_weight: float) -> float:
    if loss == "leastsq":
        s_r, s_f = sigmoid(l_real), sigmoid(l_fake)
        return float(np.mean((s_r - 1.0) ** 2) + np.mean(s_f**2))
    return float(real_weight * np.mean(softplus(-l_real)) + np.mean(softplus(l_fake)))


def g_loss_value(loss: str, l_fake: np.ndarray) -> float:
    if loss == "leastsq":
        return float(np.mean((sigmoid(l_fake) - 1.0) ** 2))
    if loss == "minimax":
        return float(-np.mean(softplus(l_fake)))
    return float(np.mean(softplus(-l_fake)))


def g_loss_dlogit(loss: str, logits: np.ndarray) -> np.ndarray:
    """Per-sample d(loss)/d(logit) of the generator loss (not divided by the batch size)."""
    s = sigmoid(logits)
    if loss == "log":
        return s - 1.0
    if loss == "minimax":
        return -s
    return 2.0 * (s - 1.0) * s * (1.0 - s)


class DLossGrad:
    """d L_D / d logits for a batch laid out as [real (B_r); fake (B_f)], with reused buffers."""

    def __init__(self, n_real: int, n_fake: int, dtype=np.float32):
        n = n_real + n_fake
        self.n_real, self.n_fake = n_real, n_fake
        self.target = np.zeros((n, 1), dtype)
        self.target[:n_real] = 1.0
        self.scale = np.empty((n, 1), dtype)  # per-row weight / batch (x2 for leastsq)
        self.half_scale = np.empty((n, 1), dtype)
        self.offset = np.empty((n, 1), dtype)  # scale * (0.5 - target)
        self.s = np.empty((n, 1), dtype)
        self.tmp = np.empty((n, 1), dtype)
        self.out = np.empty((n, 1), dtype)
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
        out = self.out
        if not leastsq:
            # log loss: dL/dl = scale (sigmoid(l) - target), sigmoid(l) = 0.5 tanh(l/2) + 0.5
            np.multiply(logits, 0.5, out=out)
            np.tanh(out, out=out)
            out *= self.half_scale
            out += self.offset
            return out
        # leastsq: dL/ds = 2 (s - target) / B, ds/dl = s (1 - s)
        s = sigmoid(logits, out=self.s)
        np.subtract(s, self.target, out=out)
        np.subtract(1.0, s, out=self.tmp)
        self.tmp *= s
        out *= self.tmp
        out *= self.scale
        return out


class GLossGrad:
    """d L_G / d logits of the fake batch, with reused buffers."""

    def __init__(self, n: int, dtype=np.float32):
        self.n = n
        self.s = np.empty((n, 1), dtype)
        self.tmp = np.empty((n, 1), dtype)
        self.out = np.empty((n, 1), dtype)

    def __call__(self, loss: str, logits: np.ndarray) -> np.ndarray:
        n = logits.shape[0]
        out = self.out[:n]
        if loss == "log":
            # d/dl softplus(-l) / n = (s - 1) / n = (0.5 tanh(l/2) - 0.5) / n
            np.multiply(logits, 0.5, out=out)
            np.tanh(out, out=out)
            out -= 1.0
            out *= 0.5 / n
            return out
        s = sigmoid(logits, out=self.s[:n])
        if loss == "minimax":
            np.multiply(s, -1.0 / n, out=out)  # d/dl -softplus(l) = -s
            return out
        tmp = self.tmp[:n]
        np.subtract(1.0, s, out=tmp)
        tmp *= s
        np.subtract(s, 1.0, out=out)
        out *= tmp
        out *= 2.0 / n
        return out
