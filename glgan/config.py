"""GanConfig: every hyperparameter of a glgan experiment, validated, plus GAN Lab's presets.

Owns the frozen configuration dataclass, its validation (``ConfigError`` names the field, the
value and what is allowed), ``KEY=VALUE`` overrides for the CLI, JSON round-trips, and the five
per-distribution presets of GAN Lab (reference ganlab.md §3).

Every field's allowed range or choices is declared once, in the field's metadata; ``field_spec``
/ ``field_specs`` expose that table to ``validate``, the hyperparameter UI (slider bounds) and
``describe_settings`` (``--set`` help).

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
OPTIMIZERS = ("sgd", "adam", "rmsprop", "momentum")
LOSSES = ("log", "minimax", "leastsq", "hinge", "wasserstein")
# Losses whose D is a critic: its raw output is a score, not a probability (the engine's
# frames then hold the raw values; see GanConfig.critic).
CRITIC_LOSSES = ("wasserstein",)
GANLAB_LEARNING_RATES = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)


class ConfigError(ValueError):
    """A configuration value is invalid; the message names the field, the value and the range."""


# Each field's metadata is one row of the settings table: live/doc plus its allowed values
# (kind "int"/"float"/"choice"/"bool", lo/hi bounds, lo_open, choices). validate(), the
# hyperparameter UI and describe_settings() all read this table (see field_spec()).
def _int(lo: int, hi: int) -> dict[str, Any]:
    return {"kind": "int", "lo": lo, "hi": hi}


def _float(lo: float, hi: float, *, lo_open: bool = False) -> dict[str, Any]:
    return {"kind": "float", "lo": lo, "hi": hi, "lo_open": lo_open}


def _choice(choices: tuple[str, ...]) -> dict[str, Any]:
    return {"kind": "choice", "choices": choices}


_BOOL: dict[str, Any] = {"kind": "bool"}


def _live(default: Any, doc: str, spec: dict[str, Any]) -> Any:
    return field(default=default, metadata={"live": True, "doc": doc, **spec})


def _reset(default: Any, doc: str, spec: dict[str, Any]) -> Any:
    return field(default=default, metadata={"live": False, "doc": doc, **spec})


@dataclass(frozen=True)
class GanConfig:
    """One GAN experiment. Fields marked live apply without resetting the weights."""

    dataset: str = _reset("gaussians", "target distribution: " + ", ".join(DATASETS),
                          _choice(DATASETS))
    noise_dist: str = _reset("gaussian", "latent distribution: uniform U[0,1) or truncN(0.5,0.25)",
                             _choice(NOISE_DISTS))
    noise_dim: int = _reset(2, "latent dimension (GAN Lab: 1 or 2)", _int(1, 2))
    g_hidden_layers: int = _reset(2, "generator ReLU hidden layers (GAN Lab's L + 1)", _int(1, 6))
    g_neurons: int = _reset(8, "neurons per generator hidden layer", _int(1, 100))
    d_hidden_layers: int = _reset(2, "discriminator ReLU hidden layers (GAN Lab's L + 1)",
                                  _int(1, 6))
    d_neurons: int = _reset(8, "neurons per discriminator hidden layer", _int(1, 100))
    d_optimizer: str = _live("sgd", "discriminator optimiser: sgd, adam, rmsprop or momentum "
                             "(SGD with momentum)", _choice(OPTIMIZERS))
    g_optimizer: str = _live("sgd", "generator optimiser: sgd, adam, rmsprop or momentum "
                             "(SGD with momentum)", _choice(OPTIMIZERS))
    d_lr: float = _live(0.1, "discriminator learning rate", _float(0.0, 10.0, lo_open=True))
    g_lr: float = _live(0.03, "generator learning rate", _float(0.0, 10.0, lo_open=True))
    loss: str = _live("log", "log (non-saturating G), minimax (saturating G), leastsq, hinge or "
                      "wasserstein (D is a critic; its weights are clipped to [-clip, clip])",
                      _choice(LOSSES))
    real_weight: float = _live(0.95, "weight of D's real term in the log and minimax losses "
                               "(GAN Lab: 0.95; the other losses do not use it)",
                               _float(0.0, 1.0, lo_open=True))
    k_d: int = _live(2, "discriminator steps per epoch", _int(0, 10))
    k_g: int = _live(1, "generator steps per epoch", _int(0, 10))
    adam_beta1: float = _live(0.9, "Adam beta1", _float(0.0, 0.999999))
    adam_beta2: float = _live(0.999, "Adam beta2", _float(0.0, 0.999999999))
    adam_eps: float = _live(1e-8, "Adam epsilon", _float(0.0, 1.0, lo_open=True))
    rmsprop_rho: float = _live(0.9, "RMSprop decay of the mean square gradient (TF: 0.9)",
                               _float(0.0, 0.999999999))
    rmsprop_eps: float = _live(1e-8, "RMSprop epsilon (added to the root mean square)",
                               _float(0.0, 1.0, lo_open=True))
    momentum: float = _live(0.9, "SGD with momentum: the decay of the velocity",
                            _float(0.0, 0.999999))
    clip: float = _live(0.01, "wasserstein: D's weights and biases are clipped to [-clip, clip] "
                        "after each D step (WGAN paper: 0.01)", _float(0.0, 10.0, lo_open=True))
    batch_size: int = _reset(150, "samples per D and G step (GAN Lab: 150)", _int(1, 8192))
    seed: int = _reset(0, "random seed for weights, data atlas and noise", _int(0, 2**32 - 1))
    use_atlas: bool = _reset(True, "GAN Lab's fixed 12000-sample atlas walked in batches", _BOOL)
    atlas_size: int = _reset(12000, "samples in the atlas", _int(1, 1_000_000))

    def __post_init__(self) -> None:
        validate(self)

    @property
    def critic(self) -> bool:
        """True when D is a critic (loss wasserstein): its output is an unbounded score, and
        the engine's frames hold D's raw output instead of a probability."""
        return self.loss in CRITIC_LOSSES

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


@dataclass(frozen=True)
class FieldSpec:
    """One row of the settings table: a GanConfig field, its allowed values and its doc.

    ``kind`` is "int" or "float" (allowed: ``lo <= v <= hi``, or ``lo < v`` when ``lo_open``),
    "choice" (allowed: one of ``choices``) or "bool". ``lo``/``hi`` are None and ``choices``
    is empty where they do not apply. ``live`` fields apply without resetting the model.
    """

    name: str
    kind: str
    lo: float | int | None
    hi: float | int | None
    lo_open: bool
    choices: tuple[str, ...]
    live: bool
    doc: str
    default: Any

    def range_text(self) -> str:
        """What is allowed, as the error messages write it: ``[1, 100]``, ``(0.0, 10.0]``..."""
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        if self.kind == "bool":
            return "true or false"
        return f"{'(' if self.lo_open else '['}{self.lo}, {self.hi}]"

    def check(self, value: Any) -> None:
        """Raise ConfigError (naming the field, the value and the range) unless allowed."""
        name = self.name
        if self.kind == "choice":
            if value not in self.choices:
                raise ConfigError(
                    f"{name}={value!r} is not allowed; choose one of {', '.join(self.choices)}"
                )
        elif self.kind == "bool":
            if not isinstance(value, bool):
                raise ConfigError(f"{name}={value!r} must be true or false")
        elif self.kind == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                raise ConfigError(f"{name}={value!r} must be an integer in [{self.lo}, {self.hi}]")
            if not self.lo <= value <= self.hi:
                raise ConfigError(f"{name}={value!r} is out of range; allowed {self.range_text()}")
        else:  # float
            ok_type = isinstance(value, (int, float)) and not isinstance(value, bool)
            if not ok_type or value != value or value in (float("inf"), float("-inf")):
                raise ConfigError(f"{name}={value!r} must be a finite number")
            bad_lo = value <= self.lo if self.lo_open else value < self.lo
            if bad_lo or value > self.hi:
                raise ConfigError(f"{name}={value!r} is out of range; allowed {self.range_text()}")


_KINDS = ("int", "float", "choice", "bool")


def _spec_of(f: dataclasses.Field) -> FieldSpec:
    meta = f.metadata
    kind = meta.get("kind")
    if kind not in _KINDS:  # a field declared without _int/_float/_choice/_BOOL
        raise TypeError(f"GanConfig.{f.name}: metadata kind={kind!r}, expected one of {_KINDS}")
    return FieldSpec(
        name=f.name, kind=kind, lo=meta.get("lo"), hi=meta.get("hi"),
        lo_open=bool(meta.get("lo_open", False)), choices=tuple(meta.get("choices", ())),
        live=bool(meta.get("live", False)), doc=str(meta.get("doc", "")), default=f.default,
    )


_SPECS: dict[str, FieldSpec] = {f.name: _spec_of(f) for f in fields(GanConfig)}


def field_specs() -> tuple[FieldSpec, ...]:
    """Every GanConfig field's spec, in declaration (and validation) order."""
    return tuple(_SPECS.values())


def field_spec(name: str) -> FieldSpec:
    """The spec of field ``name``; ConfigError for an unknown name."""
    try:
        return _SPECS[name]
    except KeyError:
        raise ConfigError(
            f"{name}: unknown setting; allowed: {', '.join(field_names())}"
        ) from None


def validate(c: GanConfig) -> None:
    """Raise ConfigError for the first invalid field of ``c`` (in field order)."""
    for spec in _SPECS.values():
        spec.check(getattr(c, spec.name))
    if c.use_atlas and c.atlas_size < c.batch_size:  # (fresh sampling draws >= a batch)
        raise ConfigError(
            f"atlas_size={c.atlas_size} must be at least batch_size={c.batch_size}"
        )


def _cli_text(value: Any) -> str:
    """A value as it is typed after ``--set KEY=``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def describe_settings() -> str:
    """Help text for ``--set KEY=VALUE``: every setting, its range or choices, live or reset."""
    lines = [
        "Settings for --set KEY=VALUE (repeatable). 'live' settings apply to a running model;",
        "'reset' settings restart training from new weights.",
        "",
    ]
    for spec in _SPECS.values():
        effect = "live" if spec.live else "reset"
        lines.append(f"  {spec.name:<16} {spec.kind:<6} {spec.range_text()}  "
                     f"(default {_cli_text(spec.default)}, {effect})")
        lines.append(f"  {'':<16} {spec.doc}")
    lines += ["", "Also: atlas_size must be at least batch_size while use_atlas is true."]
    return "\n".join(lines)


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


MAX_RUNS = 64  # runs one engine trains side by side (and one model file holds)
MAX_EPOCHS = 10**12  # --epochs, --epochs-per-frame: a day of a fast GPU; beyond is a typo


def compare_label(changes: dict[str, Any] | tuple[tuple[str, Any], ...]) -> str:
    """What a compared run varies, as its caption says it: "d_lr=0.1, seed=2" (0.1, not
    0.10000000000000001)."""
    items = changes.items() if isinstance(changes, dict) else changes
    return ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in items)


def compare_grid(specs: list[str]) -> list[dict[str, Any]]:
    """``--compare KEY=V1,V2,...`` (repeatable) -> the cartesian product as a list of changes,
    first key slowest; at most 64 runs. Each value is parsed like ``--set KEY=VALUE``."""
    axes: dict[str, list[Any]] = {}
    for spec in specs:
        if "=" not in spec:
            raise ConfigError(f"--compare {spec!r}: expected KEY=V1,V2,..., e.g. d_lr=0.01,0.1")
        key, raw = (t.strip() for t in spec.split("=", 1))
        if key in axes:
            raise ConfigError(f"--compare {key}: given twice; list all its values once")
        values = [v.strip() for v in raw.split(",")]
        if not values or any(v == "" for v in values):
            raise ConfigError(f"--compare {spec!r}: an empty value; expected KEY=V1,V2,...")
        axes[key] = [parse_override(f"{key}={v}")[1] for v in values]
    grid: list[dict[str, Any]] = [{}]
    for key, values in axes.items():
        grid = [dict(g, **{key: v}) for g in grid for v in values]
        if len(grid) > MAX_RUNS:
            raise ConfigError(f"--compare: {len(grid)}+ runs; at most {MAX_RUNS} "
                              "(the product of every key's number of values)")
    return grid


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
