"""MLP maths: GAN Lab's fully connected networks as flat parameter vectors, with evaluation.

Owns the parameter layout, GAN Lab's initialisation and the allocating forward / input-gradient
passes used for visuals and imports. Training (manual backprop over preallocated buffers, many
runs at once) lives in ``batch``; both read the same layout.

Layout: layer i of a network with widths ``sizes`` is the augmented matrix [W_i; b_i] of shape
(sizes[i] + 1, sizes[i+1]) (bias as the last row), stored row-major one layer after the other
in one flat vector of ``param_count(sizes)`` values. Hidden layers use ReLU; the generator's
output layer tanh, the discriminator's raw logits (the sigmoid lives in the losses). Every
function accepts a leading run axis: theta (..., P), x (..., n, sizes[0]).
"""

from __future__ import annotations

import numpy as np

from .philox import blocks, box_muller, uniform


def layer_sizes(n_in: int, hidden_layers: int, neurons: int, n_out: int) -> list[int]:
    """[n_in, neurons x hidden_layers, n_out]: GAN Lab's L extra layers = L + 1 hidden layers."""
    return [n_in] + [neurons] * hidden_layers + [n_out]


def param_count(sizes: list[int]) -> int:
    return sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))


def layer_views(theta, sizes: list[int]) -> list:
    """Views [W_i; b_i] (..., sizes[i] + 1, sizes[i+1]) into theta (..., P)."""
    out, offset = [], 0
    lead = theta.shape[:-1]
    for a, b in zip(sizes, sizes[1:]):
        out.append(theta[..., offset:offset + (a + 1) * b].reshape(*lead, a + 1, b))
        offset += (a + 1) * b
    return out


def init_theta(sizes: list[int], seed: int, stream: int) -> np.ndarray:
    """GAN Lab's initialisation as a flat float64 vector, from Philox ``stream`` of ``seed``.

    First layer W ~ N(0, (1/sqrt 2)^2) (also for 1-D noise, as GAN Lab does), later layers
    W ~ N(0, (1/sqrt N)^2) with N the neurons of a hidden layer, biases zero. Weight j (counted
    over the W entries only, layer by layer, row-major) is Box-Muller's cosine branch of block j.
    """
    n_weights = sum(a * b for a, b in zip(sizes, sizes[1:]))
    w = blocks(seed, stream, 0, n_weights)
    normal = box_muller(uniform(w[:, 0]), uniform(w[:, 1]))[0]
    theta = np.zeros(param_count(sizes))
    views, used = layer_views(theta, sizes), 0
    for i, Wa in enumerate(views):
        std = 1.0 / np.sqrt(2.0) if i == 0 else 1.0 / np.sqrt(sizes[1])
        count = Wa[:-1].size
        Wa[:-1] = std * normal[used:used + count].reshape(Wa[:-1].shape)
        used += count
    return theta


def params_to_theta(params: list[np.ndarray], sizes: list[int]) -> np.ndarray:
    """[W0, b0, W1, b1, ...] (e.g. GAN Lab's weights) -> flat float64 vector; shapes checked."""
    if len(params) != 2 * (len(sizes) - 1):
        raise ValueError(f"expected {2 * (len(sizes) - 1)} arrays, got {len(params)}")
    theta = np.zeros(param_count(sizes))
    for i, Wa in enumerate(layer_views(theta, sizes)):
        W, b = (np.asarray(p, dtype=np.float64) for p in params[2 * i:2 * i + 2])
        if W.shape != Wa[:-1].shape or b.shape != Wa[-1].shape:
            raise ValueError(f"layer {i}: shapes {W.shape}, {b.shape} do not match "
                             f"{Wa[:-1].shape}, {Wa[-1].shape}")
        Wa[:-1], Wa[-1] = W, b
    return theta


def forward(theta, sizes: list[int], x, tanh_output: bool, xp=np) -> list:
    """Activations [x, h1, ..., out] of the network for inputs x (..., n, sizes[0]),
    allocating (for visuals and evaluation, not for training). Leading axes broadcast."""
    acts = [x]
    views = layer_views(theta, sizes)
    for i, Wa in enumerate(views):
        h = xp.matmul(acts[-1], Wa[..., :-1, :])
        h += Wa[..., -1:, :]
        if i < len(views) - 1:
            xp.maximum(h, 0.0, out=h)
        elif tanh_output:
            xp.tanh(h, out=h)
        acts.append(h)
    return acts


def input_gradient(theta, sizes: list[int], acts: list, d_out, tanh_output: bool, xp=np):
    """d(loss)/d(input) (..., n, sizes[0]) for the cached ``forward`` activations, given
    d(loss)/d(output) ``d_out`` (after tanh for the generator, of the logits for D)."""
    views = layer_views(theta, sizes)
    delta = d_out * (1.0 - acts[-1] * acts[-1]) if tanh_output else d_out
    for i in range(len(views) - 1, -1, -1):
        delta = xp.matmul(delta, xp.swapaxes(views[i][..., :-1, :], -1, -2))
        if i > 0:
            delta *= acts[i] > 0
    return delta
