"""GAN losses from discriminator logits: values and d(loss)/d(logit), numerically stable.

D(x) = sigmoid(l). Everything is written in terms of the logit l, so saturated
discriminators give large finite losses instead of GAN Lab's log(0) = -inf / NaN:
  log D = -softplus(-l),   log(1 - D) = -softplus(l),   softplus(t) = max(t,0) + log1p(exp(-|t|)).

Losses (means over the batch; B_r real and B_f fake samples; w = ``real_weight``):
  log      D: -[w mean log D(x) + mean log(1 - D(G(z)))]   (GAN Lab: w = 0.95, not label smoothing)
           G: -mean log D(G(z))                             (non-saturating)
  minimax  D: as log;  G: mean log(1 - D(G(z)))             (the original, saturating game)
  leastsq  D: mean (D(x) - 1)^2 + mean D(G(z))^2;  G: mean (D(G(z)) - 1)^2   (on the sigmoid output)
  hinge    D: mean relu(1 - l(x)) + mean relu(1 + l(G(z)));  G: -mean l(G(z))     (on the logit)
  wasserstein  D (a critic, its raw output l): mean l(G(z)) - mean l(x);  G: -mean l(G(z)),
           with D's weights and biases clipped to [-c, c] after every D step (``batch``)
w applies to log and minimax only (as GAN Lab's 0.95, which weighs a log term); leastsq, hinge
and wasserstein weigh their real and fake terms equally.

With t = tanh(l / 2) (so sigmoid(l) = (1 + t) / 2) every per-sample gradient is a polynomial in t:
  D, log/minimax: scale (s - target) = t scale/2 + scale (1/2 - target), scale = w/B_r or 1/B_f
  D, leastsq:     2 (s - target) s (1 - s) / B = (t + 1 - 2 target) (1 - t^2) / (4B)
  G, log:         (s - 1)/B = (t - 1) / (2B);   minimax: -s/B = -(t + 1) / (2B)
  G, leastsq:     2 (s - 1) s (1 - s) / B = (t - 1) (1 - t^2) / (4B)
and the new ones are constants or steps in l:
  D, hinge:       real: -[l < 1] / B_r,  fake: [l > -1] / B_f   (0 on the kink, as relu'(0) = 0)
  D, wasserstein: real: -1 / B_r,        fake: 1 / B_f
  G, hinge and wasserstein: -1 / B
which is how the training loop (``batch``) evaluates them for many runs with mixed losses.
Functions here take a leading run axis: logits (R, n), one loss name per run.
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


def _per_run(kinds, values: dict, xp=np):
    """Pick values[kind] (each (R, ...)) for each run's loss kind."""
    out = None
    for kind, value in values.items():
        pick = xp.asarray([k == kind for k in kinds]).reshape((-1,) + (1,) * (value.ndim - 1))
        out = xp.where(pick, value, 0.0 if out is None else out)
    return out


def d_loss_values(kinds, l_real, l_fake, real_weight, xp=np):
    """Each run's D loss (R,) from its real (R, B_r) and fake (R, B_f) logits."""
    values = {}
    if "log" in kinds or "minimax" in kinds:
        w = xp.asarray(real_weight, dtype=l_real.dtype)
        v = w * softplus(-l_real, xp).mean(axis=-1) + softplus(l_fake, xp).mean(axis=-1)
        values["log"] = values["minimax"] = v
    if "leastsq" in kinds:
        s_r, s_f = sigmoid(l_real, xp=xp), sigmoid(l_fake, xp=xp)
        values["leastsq"] = ((s_r - 1.0) ** 2).mean(axis=-1) + (s_f ** 2).mean(axis=-1)
    if "hinge" in kinds:
        values["hinge"] = (xp.maximum(1.0 - l_real, 0.0).mean(axis=-1) +
                           xp.maximum(1.0 + l_fake, 0.0).mean(axis=-1))
    if "wasserstein" in kinds:
        values["wasserstein"] = l_fake.mean(axis=-1) - l_real.mean(axis=-1)
    return _per_run(kinds, values, xp)


def g_loss_values(kinds, l_fake, xp=np):
    """Each run's G loss (R,) from its fake logits (R, B_f)."""
    values = {}
    if "log" in kinds:
        values["log"] = softplus(-l_fake, xp).mean(axis=-1)
    if "minimax" in kinds:
        values["minimax"] = -softplus(l_fake, xp).mean(axis=-1)
    if "leastsq" in kinds:
        values["leastsq"] = ((sigmoid(l_fake, xp=xp) - 1.0) ** 2).mean(axis=-1)
    if "hinge" in kinds or "wasserstein" in kinds:
        values["hinge"] = values["wasserstein"] = -l_fake.mean(axis=-1)
    return _per_run(kinds, values, xp)


def g_loss_dlogit(kinds, logits, xp=np):
    """Per-sample d(G loss)/d(logit) (not divided by the batch size), logits (R, ..., n)."""
    s = sigmoid(logits, xp=xp)
    values = {"log": s - 1.0, "minimax": -s, "leastsq": 2.0 * (s - 1.0) * s * (1.0 - s),
              "hinge": xp.full_like(s, -1.0), "wasserstein": xp.full_like(s, -1.0)}
    return _per_run(kinds, {k: v for k, v in values.items() if k in kinds}, xp)


def d_output(kinds, logits, xp=np):
    """What the view shows of D at these logits (R, ...): the probability sigmoid(l), or for a
    critic (wasserstein) the raw critic value l."""
    s = sigmoid(logits, xp=xp)
    if "wasserstein" not in kinds:
        return s
    critic = xp.asarray([k == "wasserstein" for k in kinds])
    return xp.where(critic.reshape((-1,) + (1,) * (logits.ndim - 1)), logits, s)
