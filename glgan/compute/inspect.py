"""Inside the networks: what every neuron of one run's generator or discriminator computes.

Owns the pictures the UI's network view draws (issue 17, "Inside the networks"): for one
network of one run, every neuron's output over a grid of that network's inputs (D: the
plane over given bounds; G: the noise space [0, 1]^noise_dim, where both noise
distributions live), each layer's incoming weights and biases, and which ReLUs are dead (0 at
every grid point). Pure functions over a ``RunState`` (``picture``), plus ``picture_for``
(through the ``GanEngine`` protocol only: ``snapshot``) and ``NetworkPictures``, a throttled
cache the app asks once a frame.

The numbers are the engine's own: the same layout and activations (``mlp.forward``: ReLU
hidden layers, tanh for G's output, D's logits through ``losses.sigmoid``), in the dtype the
run's weights are stored in, so the output layer over the grid equals
``engine.discriminator(picture.inputs)`` / ``engine.generator(picture.inputs)``.

Cost: one forward pass over res x res points (2-D input; ``CURVE_SAMPLES`` x res points on a
line for 1-D noise): at res 24 and 6 hidden layers of 100 neurons about 2 ms on NumPy, plus
the snapshot.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from . import losses
from .mlp import forward, layer_views
from .state import RunState, d_sizes, g_sizes

DEFAULT_RES = 24  # samples per side of a neuron's thumbnail
MAX_RES = 128
CURVE_SAMPLES = 4  # 1-D noise: res * CURVE_SAMPLES points along [0, 1] (cheap, smoother)
UNIT = (0.0, 0.0, 1.0, 1.0)
NETS = ("g", "d")
DEFAULT_INTERVAL = 0.15  # seconds between recomputations while the weights change


@dataclass(frozen=True, eq=False)
class LayerPicture:
    """One layer of a network.

    Attributes:
        kind: "input", "hidden" (ReLU) or "output" (G: tanh; D: the probability D(x)).
        activations: every neuron's output over the grid: (n, res, res) for a 2-D input,
            indexed [neuron, row, column] with row 0 at the smallest second input (y or z2)
            and column 0 at the smallest first input (x or z1); (n, samples) for 1-D noise.
        weights: (n_previous, n) incoming weights (None for the input layer).
        biases: (n,) (None for the input layer).
        dead: (n,) bool: a hidden ReLU whose output is 0 at every grid point (never True
            outside hidden layers).
        names: the neurons' names for input and output layers ("x", "y", "z1", "D(x)", ...),
            empty for hidden layers.
    """

    kind: str
    activations: np.ndarray
    weights: np.ndarray | None
    biases: np.ndarray | None
    dead: np.ndarray
    names: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        return int(self.activations.shape[0])


@dataclass(frozen=True, eq=False)
class NetworkPicture:
    """One network of one run, layer by layer (input, hidden..., output).

    Attributes:
        net: "g" or "d".
        sizes: the layer widths, e.g. (2, 8, 8, 1).
        layers: one LayerPicture per entry of ``sizes``.
        inputs: the grid points the activations are taken at, (points, in_dim) in the
            weights' dtype, in the activations' order (row-major: column fastest).
        domain: D: the plane's bounds (x0, y0, x1, y1); G: the noise square (0, 0, 1, 1)
            or the noise interval (0, 1).
        res: samples per side (2-D input) or samples along the line (1-D noise).
        epoch: the run's epoch.
        loss: the run's loss (a "wasserstein" D is a critic: its raw value is what it says).
        logits: D's raw output before the sigmoid, (1, res, res) (None for G).
    """

    net: str
    sizes: tuple[int, ...]
    layers: tuple[LayerPicture, ...]
    inputs: np.ndarray
    domain: tuple[float, ...]
    res: int
    epoch: int
    loss: str = ""
    logits: np.ndarray | None = None

    @property
    def critic(self) -> bool:
        """D is a Wasserstein critic: its raw value, not a probability, is what it says."""
        return self.net == "d" and self.loss == "wasserstein"

    @property
    def hidden(self) -> tuple[LayerPicture, ...]:
        return self.layers[1:-1]

    @property
    def dead_count(self) -> int:
        """Dead ReLUs over every hidden layer."""
        return int(sum(int(layer.dead.sum()) for layer in self.hidden))

    @property
    def dead_layers(self) -> tuple[int, ...]:
        """Indices (into ``layers``) of hidden layers whose every neuron is dead: the network's
        output is then the same everywhere (a dead D gives G no gradient)."""
        return tuple(i for i, layer in enumerate(self.layers)
                     if layer.kind == "hidden" and bool(layer.dead.all()))


def grid(in_dim: int, res: int, bounds=UNIT) -> np.ndarray:
    """The inputs a picture is taken at, float64: res x res cell centres over ``bounds``
    (x0, y0, x1, y1), row-major with x fastest (in_dim 2); res * CURVE_SAMPLES evenly spaced
    points of [bounds[0], bounds[2]] ends included (in_dim 1)."""
    x0, y0, x1, y1 = bounds
    if in_dim == 1:
        return np.linspace(x0, x1, res * CURVE_SAMPLES)[:, None]
    xs = x0 + (np.arange(res) + 0.5) * (x1 - x0) / res
    ys = y0 + (np.arange(res) + 0.5) * (y1 - y0) / res
    gx, gy = np.meshgrid(xs, ys)
    return np.stack([gx.ravel(), gy.ravel()], axis=1)


def _check(net: str, res: int, bounds) -> tuple[float, float, float, float]:
    if net not in NETS:
        raise ValueError(f"net={net!r}: choose from {', '.join(NETS)}")
    if isinstance(res, bool) or not isinstance(res, (int, np.integer)) or \
            not 2 <= res <= MAX_RES:
        raise ValueError(f"res={res!r}: allowed 2..{MAX_RES}")
    x0, y0, x1, y1 = (float(b) for b in bounds)
    if not (np.isfinite([x0, y0, x1, y1]).all() and x1 > x0 and y1 > y0):
        raise ValueError(f"bounds={tuple(bounds)!r} must be finite with x1 > x0, y1 > y0")
    return x0, y0, x1, y1


def picture(state: RunState, net: str, bounds=UNIT, res: int = DEFAULT_RES) -> NetworkPicture:
    """The picture of network ``net`` ("g" or "d") of the run ``state``.

    ``bounds`` (x0, y0, x1, y1): the plane D's neurons are drawn over (ignored for G, whose
    inputs are always the noise space [0, 1]^noise_dim). Raises ValueError for an unknown
    net, a resolution outside 2..MAX_RES or empty bounds."""
    bounds = _check(net, res, bounds)
    cfg = state.config
    theta = np.asarray(state.g_theta if net == "g" else state.d_theta)
    sizes = g_sizes(cfg) if net == "g" else d_sizes(cfg)
    in_dim = sizes[0]
    domain = bounds if net == "d" else (UNIT if in_dim == 2 else (0.0, 1.0))
    x = grid(in_dim, res, bounds if net == "d" else UNIT).astype(theta.dtype)
    shape = (res, res) if in_dim == 2 else (len(x),)
    logits = None
    if net == "d":  # as the engine evaluates D: a run axis, logits through the sigmoid
        acts = [a[0] for a in forward(theta[None], sizes, x[None], False)]
        logits = acts[-1][:, 0].reshape(1, *shape).copy()
        with np.errstate(over="ignore"):
            acts[-1] = losses.sigmoid(acts[-1])
        names_in = ("x", "y")
        names_out = ("critic",) if getattr(cfg, "loss", "") == "wasserstein" else ("D(x)",)
    else:  # as the engine evaluates G
        acts = forward(theta, sizes, x, True)
        names_in, names_out = ("z1", "z2")[:in_dim], ("x", "y")
    views = layer_views(theta, sizes)
    layers = []
    for i, a in enumerate(acts):
        kind = "input" if i == 0 else "output" if i == len(acts) - 1 else "hidden"
        values = np.ascontiguousarray(np.moveaxis(a, -1, 0).reshape(sizes[i], *shape))
        dead = ~(values.reshape(sizes[i], -1) > 0).any(axis=1) if kind == "hidden" else \
            np.zeros(sizes[i], bool)
        weights = biases = None
        if i > 0:
            weights, biases = views[i - 1][:-1].copy(), views[i - 1][-1].copy()
        names = names_in if kind == "input" else names_out if kind == "output" else ()
        layers.append(LayerPicture(kind, values, weights, biases, dead, names))
    return NetworkPicture(net, tuple(sizes), tuple(layers), x, tuple(domain),
                          res if in_dim == 2 else len(x), int(state.epoch),
                          str(getattr(cfg, "loss", "")), logits)


def picture_for(engine, run: int, net: str, bounds=UNIT,
                res: int = DEFAULT_RES) -> NetworkPicture:
    """``picture`` of run ``run`` of a ``GanEngine`` (through ``engine.snapshot()``)."""
    return picture(engine.snapshot().runs[run], net, bounds, res)


class NetworkPictures:
    """The app's throttled source of the network view's picture.

    ``get`` returns None when no view is open; otherwise the picture of the asked network,
    recomputed at once when the question changes (engine: the live one or the timeline's
    past state, network, run, resolution, the run started over), and while training changes
    the weights (or the camera D's bounds) at most every ``interval`` seconds of ``now`` (the
    caller's clock: the app's clock keeps recordings deterministic). Nothing is computed
    while the weights and bounds stay as they are."""

    def __init__(self, interval: float = DEFAULT_INTERVAL) -> None:
        self.interval = float(interval)
        self._key: tuple | None = None
        self._version: tuple | None = None
        self._at = -np.inf
        self._picture: NetworkPicture | None = None
        self.computed = 0  # pictures made so far (tests, timings)

    def get(self, engine, run: int, net: str | None, bounds=UNIT, res: int = DEFAULT_RES,
            now: float | None = None) -> NetworkPicture | None:
        if net is None:
            self._key, self._picture = None, None
            return None
        now = time.monotonic() if now is None else float(now)
        key = (id(engine), net, run, res, engine.status(run).run_id)
        version = (engine.version, tuple(float(b) for b in bounds))  # e.g. a moving camera
        stale = key != self._key or (version != self._version and
                                     not 0.0 <= now - self._at < self.interval)
        if stale or self._picture is None:
            self._picture = picture_for(engine, run, net, bounds, res)
            self._key, self._version, self._at = key, version, now
            self.computed += 1
        return self._picture
