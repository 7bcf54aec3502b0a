"""Optimisers that update a network's flat parameter vector in place: SGD and Adam.

Changing the learning rate (or Adam's betas/epsilon) keeps Adam's moments; GAN Lab re-creates
the optimiser and loses them. Only switching the optimiser type starts from fresh state.
Adam follows tf.train.adam: m and v are bias-corrected with the step count t.
"""

from __future__ import annotations

import numpy as np


class SGD:
    """theta <- theta - lr * grad."""

    kind = "sgd"

    def __init__(self, theta: np.ndarray, lr: float, xp=np):
        self.lr, self.xp = lr, xp
        self._tmp = xp.empty_like(theta)

    def set_hyper(self, lr: float, beta1: float = 0.9, beta2: float = 0.999,
                  eps: float = 1e-8) -> None:
        self.lr = lr

    def step(self, theta: np.ndarray, grad: np.ndarray) -> None:
        self.xp.multiply(grad, self.lr, out=self._tmp)
        theta -= self._tmp

    def state(self) -> dict[str, np.ndarray]:
        return {}

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        pass


class Adam:
    """m <- b1 m + (1-b1) g;  v <- b2 v + (1-b2) g^2;
    theta <- theta - lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)."""

    kind = "adam"

    def __init__(self, theta: np.ndarray, lr: float, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, xp=np):
        self.lr, self.beta1, self.beta2, self.eps, self.xp = lr, beta1, beta2, eps, xp
        self.m = xp.zeros_like(theta)
        self.v = xp.zeros_like(theta)
        self.t = 0
        self._tmp = xp.empty_like(theta)
        self._den = xp.empty_like(theta)

    def set_hyper(self, lr: float, beta1: float = 0.9, beta2: float = 0.999,
                  eps: float = 1e-8) -> None:
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps

    def step(self, theta: np.ndarray, grad: np.ndarray) -> None:
        xp, b1, b2, tmp, den = self.xp, self.beta1, self.beta2, self._tmp, self._den
        self.t += 1
        # 1) first moment
        self.m *= b1
        xp.multiply(grad, 1.0 - b1, out=tmp)
        self.m += tmp
        # 2) second moment
        xp.multiply(grad, grad, out=tmp)
        tmp *= 1.0 - b2
        self.v *= b2
        self.v += tmp
        # 3) bias-corrected step: den = sqrt(v / (1-b2^t)) + eps
        xp.multiply(self.v, 1.0 / (1.0 - b2**self.t), out=den)
        xp.sqrt(den, out=den)
        den += self.eps
        xp.divide(self.m, den, out=tmp)
        tmp *= self.lr / (1.0 - b1**self.t)
        theta -= tmp

    def state(self) -> dict[str, np.ndarray]:
        """Host copies of m, v and the step count."""
        to_host = (lambda a: a) if self.xp is np else (lambda a: a.get())
        return {"m": to_host(self.m).copy(), "v": to_host(self.v).copy(),
                "t": np.array(self.t, np.int64)}

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        for key in ("m", "v"):
            if state[key].shape != self.m.shape:
                raise ValueError(f"adam {key}: shape {state[key].shape} != {self.m.shape}")
        self.m[...] = self.xp.asarray(state["m"])
        self.v[...] = self.xp.asarray(state["v"])
        self.t = int(state["t"])


def make_optimizer(kind: str, theta: np.ndarray, lr: float, beta1: float, beta2: float,
                   eps: float, xp=np):
    if kind == "adam":
        return Adam(theta, lr, beta1, beta2, eps, xp=xp)
    if kind == "sgd":
        return SGD(theta, lr, xp=xp)
    raise ValueError(f"optimizer={kind!r} is not allowed; choose sgd or adam")
