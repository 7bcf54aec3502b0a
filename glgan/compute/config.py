"""GanConfig: every hyperparameter of a glgan experiment, validated, plus GAN Lab's presets.

Owns the frozen configuration dataclass, its validation (``ConfigError`` names the field, the
value and what is allowed), ``KEY=VALUE`` overrides for the CLI, JSON round-trips, and the five
per-distribution presets of GAN Lab (reference ganlab.md §3).

Layer counts are truthful: ``g_hidden_layers`` is the number of ReLU hidden layers. GAN Lab's
UI shows "L hidden layer(s)" but builds L+1 of them, so GAN Lab's L maps to ``L + 1`` here.
Neurons start at 1: GAN Lab lets the count reach 0, a degenerate zero-width network.
"""

from __future__ import annotations

import ast
import dataclasses
import json
from dataclasses import dataclass, field, fields
from typing import Any

DATASETS = ("line", "gaussians", "ring", "disjoint", "drawn")
NOISE_DISTS = ("uniform", "gaussian")
OPTIMIZERS = ("sgd", "adam")
LOSSES = ("log", "minimax", "leastsq")
GANLAB_LEARNING_RATES = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
MAX_FIELD_RES = 1024


class ConfigError(ValueError):
    """A configuration value is invalid; the message names the field, the value and the range."""


def _live(default: Any, doc: str) -> Any:
    return field(default=default, metadata={"live": True, "doc": doc})


def _reset(default: Any, doc: str) -> Any:
    return field(default=default, metadata={"live": False, "doc": doc})


@dataclass(frozen=True)
class GanConfig:
    """One GAN experiment. Fields marked live apply without resetting the weights."""

    dataset: str = _reset("gaussians", "target distribution: " + ", ".join(DATASETS))
    noise_dist: str = _reset("gaussian", "latent distribution: uniform U[0,1) or truncN(0.5,0.25)")
    noise_dim: int = _reset(2, "latent dimension (GAN Lab: 1 or 2)")
    g_hidden_layers: int = _reset(2, "generator ReLU hidden layers (GAN Lab's L + 1)")
    g_neurons: int = _reset(8, "neurons per generator hidden layer")
    d_hidden_layers: int = _reset(2, "discriminator ReLU hidden layers (GAN Lab's L + 1)")
    d_neurons: int = _reset(8, "neurons per discriminator hidden layer")
    d_optimizer: str = _live("sgd", "discriminator optimiser: sgd or adam")
    g_optimizer: str = _live("sgd", "generator optimiser: sgd or adam")
    d_lr: float = _live(0.1, "discriminator learning rate")
    g_lr: float = _live(0.03, "generator learning rate")
    loss: str = _live("log", "log (non-saturating G), minimax (saturating G) or leastsq")
    real_weight: float = _live(0.95, "weight of D's real term in the log loss (GAN Lab: 0.95)")
    k_d: int = _live(2, "discriminator steps per epoch")
    k_g: int = _live(1, "generator steps per epoch")
    adam_beta1: float = _live(0.9, "Adam beta1")
    adam_beta2: float = _live(0.999, "Adam beta2")
    adam_eps: float = _live(1e-8, "Adam epsilon")
    batch_size: int = _reset(150, "samples per D and G step (GAN Lab: 150)")
    seed: int = _reset(0, "random seed for weights, data atlas and noise")
    use_atlas: bool = _reset(True, "GAN Lab's fixed 12000-sample atlas walked in batches")
    atlas_size: int = _reset(12000, "samples in the atlas")

    def __post_init__(self) -> None:
        validate(self)

    def replace(self, **changes: Any) -> GanConfig:
        """A copy with ``changes`` applied (validated)."""
        unknown = set(changes) - {f.name for f in fields(self)}
        if unknown:
            name = sorted(unknown)[0]
            raise ConfigError(f"{name}: unknown setting; allowed: {', '.join(field_names())}")
        return dataclasses.replace(self, **changes)

    def needs_reset(self, other: GanConfig) -> bool:
        """True when going from self to ``other`` changes a field that is not live."""
        return any(
            getattr(self, f.name) != getattr(other, f.name)
            for f in fields(self)
            if not f.metadata.get("live", False)
        )

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, where: str = "config") -> GanConfig:
        if not isinstance(data, dict):
            raise ConfigError(f"{where}: expected an object of settings, got {type(data).__name__}")
        known = {f.name: f for f in fields(cls)}
        kwargs = {}
        for key, value in data.items():
            if key not in known:
                raise ConfigError(
                    f"{where}.{key}: unknown setting; allowed: {', '.join(field_names())}"
                )
            kwargs[key] = _coerce(key, value, known[key].type)
        return cls(**kwargs)


def field_names() -> list[str]:
    return [f.name for f in fields(GanConfig)]


def live_field_names() -> list[str]:
    return [f.name for f in fields(GanConfig) if f.metadata.get("live")]


def _check_choice(name: str, value: Any, choices: tuple) -> None:
    if value not in choices:
        raise ConfigError(f"{name}={value!r} is not allowed; choose one of {', '.join(choices)}")


def _check_int(name: str, value: Any, lo: int, hi: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{name}={value!r} must be an integer in [{lo}, {hi}]")
    if not lo <= value <= hi:
        raise ConfigError(f"{name}={value!r} is out of range; allowed [{lo}, {hi}]")


def _check_float(name: str, value: Any, lo: float, hi: float, lo_open: bool = False) -> None:
    ok_type = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not ok_type or value != value or value in (float("inf"), float("-inf")):
        raise ConfigError(f"{name}={value!r} must be a finite number")
    bad_lo = value <= lo if lo_open else value < lo
    if bad_lo or value > hi:
        bracket = "(" if lo_open else "["
        raise ConfigError(f"{name}={value!r} is out of range; allowed {bracket}{lo}, {hi}]")


def validate(c: GanConfig) -> None:
    """Raise ConfigError for the first invalid field of ``c``."""
    _check_choice("dataset", c.dataset, DATASETS)
    _check_choice("noise_dist", c.noise_dist, NOISE_DISTS)
    _check_int("noise_dim", c.noise_dim, 1, 2)
    _check_int("g_hidden_layers", c.g_hidden_layers, 1, 6)
    _check_int("g_neurons", c.g_neurons, 1, 100)
    _check_int("d_hidden_layers", c.d_hidden_layers, 1, 6)
    _check_int("d_neurons", c.d_neurons, 1, 100)
    _check_choice("d_optimizer", c.d_optimizer, OPTIMIZERS)
    _check_choice("g_optimizer", c.g_optimizer, OPTIMIZERS)
    _check_float("d_lr", c.d_lr, 0.0, 10.0, lo_open=True)
    _check_float("g_lr", c.g_lr, 0.0, 10.0, lo_open=True)
    _check_choice("loss", c.loss, LOSSES)
    _check_float("real_weight", c.real_weight, 0.0, 1.0, lo_open=True)
    _check_int("k_d", c.k_d, 0, 10)
    _check_int("k_g", c.k_g, 0, 10)
    _check_float("adam_beta1", c.adam_beta1, 0.0, 0.999999)
    _check_float("adam_beta2", c.adam_beta2, 0.0, 0.999999999)
    _check_float("adam_eps", c.adam_eps, 0.0, 1.0, lo_open=True)
    _check_int("batch_size", c.batch_size, 1, 8192)
    _check_int("seed", c.seed, 0, 2**32 - 1)
    if not isinstance(c.use_atlas, bool):
        raise ConfigError(f"use_atlas={c.use_atlas!r} must be true or false")
    _check_int("atlas_size", c.atlas_size, 1, 1_000_000)
    if c.use_atlas and c.atlas_size < c.batch_size:  # (fresh sampling draws >= a batch)
        raise ConfigError(
            f"atlas_size={c.atlas_size} must be at least batch_size={c.batch_size}"
        )


def _coerce(name: str, value: Any, type_name: Any) -> Any:
    """Convert JSON/CLI values to the field's type where that is lossless (e.g. 2.0 -> 2)."""
    t = type_name if isinstance(type_name, str) else getattr(type_name, "__name__", "")
    if t == "float" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if t == "int" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def parse_override(text: str) -> tuple[str, Any]:
    """Parse one ``KEY=VALUE`` (``--set``) into a (field, value) pair with the field's type."""
    if "=" not in text:
        raise ConfigError(f"--set {text!r}: expected KEY=VALUE, e.g. d_lr=0.03")
    key, raw = (s.strip() for s in text.split("=", 1))
    known = {f.name: f for f in fields(GanConfig)}
    if key not in known:
        raise ConfigError(f"{key}: unknown setting; allowed: {', '.join(field_names())}")
    lowered = raw.lower()
    if lowered in ("true", "on", "yes"):
        value: Any = True
    elif lowered in ("false", "off", "no"):
        value = False
    else:
        try:
            value = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            value = raw  # a bare word such as adam or gaussians
    return key, _coerce(key, value, known[key].type)


def apply_overrides(cfg: GanConfig, overrides: list[str]) -> GanConfig:
    changes = dict(parse_override(o) for o in overrides)
    return cfg.replace(**changes)


# GAN Lab's presets (ganlab.md §3), translated to truthful layer counts (GAN Lab's L + 1).
PRESETS: dict[str, dict[str, Any]] = {
    "line": dict(
        dataset="line", noise_dist="uniform", noise_dim=2,
        g_hidden_layers=2, g_neurons=5, d_hidden_layers=2, d_neurons=6,
        d_lr=0.03, g_lr=0.01, d_optimizer="sgd", g_optimizer="sgd", loss="log", k_d=2, k_g=1,
    ),
    "gaussians": dict(
        dataset="gaussians", noise_dist="gaussian", noise_dim=2,
        g_hidden_layers=2, g_neurons=8, d_hidden_layers=2, d_neurons=8,
        d_lr=0.1, g_lr=0.03, d_optimizer="sgd", g_optimizer="sgd", loss="log", k_d=2, k_g=1,
    ),
    "ring": dict(
        dataset="ring", noise_dist="uniform", noise_dim=2,
        g_hidden_layers=2, g_neurons=10, d_hidden_layers=3, d_neurons=9,
        d_lr=0.1, g_lr=0.03, d_optimizer="sgd", g_optimizer="sgd", loss="log", k_d=3, k_g=1,
    ),
    "disjoint": dict(
        dataset="disjoint", noise_dist="gaussian", noise_dim=2,
        g_hidden_layers=3, g_neurons=10, d_hidden_layers=3, d_neurons=11,
        d_lr=0.1, g_lr=0.03, d_optimizer="sgd", g_optimizer="sgd", loss="log", k_d=1, k_g=1,
    ),
    # "drawn" keeps whatever is current (GAN Lab has no preset file for drawings).
    "drawn": dict(dataset="drawn"),
}

# Epoch counts GAN Lab stored with its pretrained models (modelTopology.iter_count).
PRETRAINED_EPOCHS = {"line": 466, "gaussians": 1931, "ring": 812, "disjoint": 1710}


def preset(name: str, base: GanConfig | None = None) -> GanConfig:
    """The config GAN Lab loads when ``name`` is selected (``drawn`` keeps ``base``'s model)."""
    if name not in PRESETS:
        raise ConfigError(f"preset={name!r} is not allowed; choose one of {', '.join(PRESETS)}")
    base = base if base is not None else GanConfig()
    return base.replace(**PRESETS[name])
