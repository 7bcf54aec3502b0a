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

    def __init__(self, theta: np.ndarray, lr: float):
        self.lr = lr
        self._tmp = np.empty_like(theta)

    def set_hyper(self, lr: float, beta1: float = 0.9, beta2: float = 0.999,
                  eps: float = 1e-8) -> None:
        self.lr = lr

    def step(self, theta: np.ndarray, grad: np.ndarray) -> None:
        np.multiply(grad, self.lr, out=self._tmp)
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
                 eps: float = 1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m = np.zeros_like(theta)
        self.v = np.zeros_like(theta)
        self.t = 0
        self._tmp = np.empty_like(theta)
        self._den = np.empty_like(theta)

    def set_hyper(self, lr: float, beta1: float = 0.9, beta2: float = 0.999,
                  eps: float = 1e-8) -> None:
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps

    def step(self, theta: np.ndarray, grad: np.ndarray) -> None:
        b1, b2, tmp, den = self.beta1, self.beta2, self._tmp, self._den
        self.t += 1
        # 1) first moment
        self.m *= b1
        np.multiply(grad, 1.0 - b1, out=tmp)
        self.m += tmp
        # 2) second moment
        np.multiply(grad, grad, out=tmp)
        tmp *= 1.0 - b2
        self.v *= b2
        self.v += tmp
        # 3) bias-corrected step: den = sqrt(v / (1-b2^t)) + eps
        np.multiply(self.v, 1.0 / (1.0 - b2**self.t), out=den)
        np.sqrt(den, out=den)
        den += self.eps
        np.divide(self.m, den, out=tmp)
        tmp *= self.lr / (1.0 - b1**self.t)
        theta -= tmp

    def state(self) -> dict[str, np.ndarray]:
        return {"m": self.m.copy(), "v": self.v.copy(), "t": np.array(self.t, np.int64)}

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        for key in ("m", "v"):
            if state[key].shape != self.m.shape:
                raise ValueError(f"adam {key}: shape {state[key].shape} != {self.m.shape}")
        self.m[...] = state["m"]
        self.v[...] = state["v"]
        self.t = int(state["t"])


def make_optimizer(kind: str, theta: np.ndarray, lr: float, beta1: float, beta2: float,
                   eps: float):
    if kind == "adam":
        return Adam(theta, lr, beta1, beta2, eps)
    if kind == "sgd":
        return SGD(theta, lr)
    raise ValueError(f"optimizer={kind!r} is not allowed; choose sgd or adam")
