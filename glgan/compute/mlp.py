"""MLP: GAN Lab's fully connected networks with manual backprop over preallocated buffers.

Owns the network maths only: Dense layers with ReLU hidden activations and an optional tanh
output (the generator) or raw logits (the discriminator: the sigmoid lives in the losses, so
everything is computed from logits and stays finite). All parameters live in one flat vector
``theta`` (and gradients in ``grad``) with per-layer views, so an optimiser updates a whole
network with a few array operations. Forward activations are cached for one backward pass.

Shapes: x (n, sizes[0]) -> out (n, sizes[-1]); W_i (sizes[i], sizes[i+1]); b_i (sizes[i+1],).
"""

from __future__ import annotations

import numpy as np


def layer_sizes(n_in: int, hidden_layers: int, neurons: int, n_out: int) -> list[int]:
    """[n_in, neurons x hidden_layers, n_out]: GAN Lab's L extra layers = L + 1 hidden layers."""
    return [n_in] + [neurons] * hidden_layers + [n_out]


def init_params(sizes: list[int], rng: np.random.Generator) -> list[np.ndarray]:
    """GAN Lab's initialisation, as [W0, b0, W1, b1, ...] in float64.

    First layer W ~ N(0, (1/sqrt 2)^2) (also for 1-D noise, as GAN Lab does), later layers
    W ~ N(0, (1/sqrt N)^2) with N the neurons of a hidden layer, biases zero.
    """
    params = []
    hidden = sizes[1]
    for i in range(len(sizes) - 1):
        std = 1.0 / np.sqrt(2.0) if i == 0 else 1.0 / np.sqrt(hidden)
        params.append(rng.normal(0.0, std, size=(sizes[i], sizes[i + 1])))
        params.append(np.zeros(sizes[i + 1]))
    return params


class MLP:
    """A Dense+ReLU stack with an optional tanh output, trained by manual backprop.

    Args:
        sizes: layer widths, e.g. [2, 8, 8, 2].
        tanh_output: apply tanh to the last layer (the generator) or not (discriminator logits).
        capacity: the largest batch ``forward`` will see; buffers are allocated once for it.
        dtype: float32 for speed, float64 for gradient checks.
    """

    def __init__(self, sizes: list[int], *, tanh_output: bool, capacity: int, dtype=np.float32,
                 xp=np):
        self.xp = xp  # numpy, or cupy for the eager GPU baseline
        self.sizes = list(sizes)
        self.tanh_output = tanh_output
        self.dtype = np.dtype(dtype)
        self.capacity = capacity
        shapes = []
        for i in range(len(sizes) - 1):
            shapes += [(sizes[i], sizes[i + 1]), (sizes[i + 1],)]
        self.shapes = shapes
        total = sum(int(np.prod(s)) for s in shapes)
        self.theta = xp.zeros(total, self.dtype)
        self.grad = xp.zeros(total, self.dtype)
        self.params = self._views(self.theta)
        self.grads = self._views(self.grad)
        self.W, self.b = self.params[0::2], self.params[1::2]
        self.dW, self.db = self.grads[0::2], self.grads[1::2]
        # W_i followed by b_i in the flat vector is the augmented matrix [W_i; b_i] of shape
        # (n_in + 1, n_out): with a column of ones appended to the layer input, one matmul
        # computes x W + b, and one matmul computes both dW and db.
        self._Wa = self._augmented(self.theta)
        self._dWa = self._augmented(self.grad)
        # acts[i]: input of layer i with a ones column (capacity, sizes[i] + 1); the last
        # entry is the network output (capacity, sizes[-1]).
        self._acts = [xp.ones((capacity, s + 1), self.dtype) for s in sizes[:-1]]
        self._acts.append(xp.zeros((capacity, sizes[-1]), self.dtype))
        self._deltas = [xp.zeros((capacity, s), self.dtype) for s in sizes]
        self._mask = [xp.zeros((capacity, s), bool) for s in sizes]
        self._plans: dict[int, tuple[list, list]] = {}
        self._n = 0

    def _augmented(self, flat: np.ndarray) -> list[np.ndarray]:
        out, offset = [], 0
        for i in range(len(self.sizes) - 1):
            rows, cols = self.sizes[i] + 1, self.sizes[i + 1]
            out.append(flat[offset:offset + rows * cols].reshape(rows, cols))
            offset += rows * cols
        return out

    def _views(self, flat: np.ndarray) -> list[np.ndarray]:
        views, offset = [], 0
        for s in self.shapes:
            size = int(np.prod(s))
            views.append(flat[offset:offset + size].reshape(s))
            offset += size
        return views

    def set_params(self, params: list[np.ndarray]) -> None:
        """Copy [W0, b0, ...] (any float dtype) into theta, checking shapes."""
        if len(params) != len(self.shapes):
            raise ValueError(f"expected {len(self.shapes)} arrays, got {len(params)}")
        for i, (dst, src) in enumerate(zip(self.params, params)):
            src = self.xp.asarray(src)
            if src.shape != dst.shape:
                raise ValueError(f"parameter {i}: shape {src.shape} does not match {dst.shape}")
            dst[...] = src


    def input_buffer(self, n: int) -> np.ndarray:
        """A writable (n, sizes[0]) view to fill before ``forward_input(n)`` (saves a copy)."""
        return self._acts[0][:n, :-1]

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x (n, sizes[0]) -> output (n, sizes[-1]), a view into a reused buffer.

        Caches activations for the next ``backward``; n must not exceed ``capacity``.
        """
        n = x.shape[0]
        self._acts[0][:n, :-1] = x
        return self.forward_input(n)

    def _plan(self, n: int) -> tuple[list, list]:
        """The buffer views a batch of n rows uses, built once per n (training sees one or two
        batch sizes), so the hot loop does no slicing."""
        plan = self._plans.get(n)
        if plan is None:
            acts, deltas, last = self._acts, self._deltas, len(self._Wa) - 1
            fwd = []
            for i, Wa in enumerate(self._Wa):
                out = acts[i + 1][:n, :-1] if i < last else acts[i + 1][:n]
                fwd.append((acts[i][:n], Wa, out))
            bwd = []
            for i in range(last, -1, -1):
                relu_in = (self._mask[i][:n], acts[i][:n, :-1]) if i > 0 else None
                k1 = self.sizes[i + 1] == 1  # an outer product: BLAS is slow for k = 1
                bwd.append((i, acts[i][:n].T, self._dWa[i], deltas[i][:n], self.W[i].T, k1,
                            relu_in))
            plan = self._plans[n] = (fwd, bwd)
        return plan

    def forward_input(self, n: int) -> np.ndarray:
        """Forward pass of the n rows already written into ``input_buffer(n)``."""
        self._n = n
        xp = self.xp
        fwd = self._plan(n)[0]
        for h_in, Wa, out in fwd[:-1]:
            xp.matmul(h_in, Wa, out=out)  # [h, 1] [W; b] = h W + b
            xp.maximum(out, 0.0, out=out)  # ReLU
        h_in, Wa, out = fwd[-1]
        xp.matmul(h_in, Wa, out=out)
        if self.tanh_output:
            xp.tanh(out, out=out)
        return out

    def backward(self, d_out: np.ndarray, *, param_grads: bool = True,
                 input_grad: bool = False) -> np.ndarray | None:
        """Backprop d(loss)/d(output) (n, sizes[-1]) through the cached forward pass.

        ``d_out`` is the gradient w.r.t. the network output: after tanh for the generator,
        w.r.t. the logits for the discriminator. Overwrites ``grad`` (no accumulation) when
        ``param_grads``; returns d(loss)/d(input) (n, sizes[0]) when ``input_grad``.
        """
        n, xp = self._n, self.xp
        if self.tanh_output:
            # 1) tanh'(a) = 1 - tanh(a)^2, from the cached output y: delta = d_out * (1 - y^2)
            delta = self._deltas[-1][:n]
            y = self._acts[-1][:n]
            xp.multiply(y, y, out=delta)
            xp.subtract(1.0, delta, out=delta)
            delta *= d_out
        else:
            delta = d_out
        for i, h_in_t, dWa, d_in, W_t, k1, relu_in in self._plan(n)[1]:
            if param_grads:
                # 2) [dW; db] = [h_in, 1]^T delta
                xp.matmul(h_in_t, delta, out=dWa)
            if i == 0 and not input_grad:
                return None
            # 3) d h_in = delta W^T, then through the ReLU that produced h_in (if any)
            if k1:
                xp.multiply(delta, W_t, out=d_in)
            else:
                xp.matmul(delta, W_t, out=d_in)
            if relu_in is not None:
                mask, h_in = relu_in
                xp.greater(h_in, 0.0, out=mask)
                d_in *= mask
            delta = d_in
        return delta

    def predict(self, x: np.ndarray, chunk: int = 65536) -> np.ndarray:
        """Forward pass for any number of rows, allocating (for visuals, not training)."""
        xp = self.xp
        x = xp.asarray(x, self.dtype)
        out = xp.empty((x.shape[0], self.sizes[-1]), self.dtype)
        last = len(self.W) - 1
        for s in range(0, x.shape[0], chunk):
            h = x[s:s + chunk]
            for i, (W, b) in enumerate(zip(self.W, self.b)):
                h = h @ W + b
                if i < last:
                    xp.maximum(h, 0.0, out=h)
                elif self.tanh_output:
                    xp.tanh(h, out=h)
            out[s:s + chunk] = h
        return out

    def input_gradient(self, x: np.ndarray, d_out_fn) -> tuple[np.ndarray, np.ndarray]:
        """(output, d/dx) for any number of rows, allocating; ``d_out_fn(output) -> d_out``.

        Used for visuals (gradient arrows); leaves ``grad`` and the training caches untouched.
        """
        xp = self.xp
        acts = [xp.asarray(x, self.dtype)]
        last = len(self.W) - 1
        for i, (W, b) in enumerate(zip(self.W, self.b)):
            h = acts[-1] @ W + b
            if i < last:
                xp.maximum(h, 0.0, out=h)
            elif self.tanh_output:
                xp.tanh(h, out=h)
            acts.append(h)
        out = acts[-1]
        delta = d_out_fn(out)
        if self.tanh_output:
            delta = delta * (1.0 - out * out)
        for i in range(last, -1, -1):
            delta = delta @ self.W[i].T
            if i > 0:
                delta = delta * (acts[i] > 0)
        return out, delta
