"""GanConfig: defaults, validation of every field, overrides, presets, JSON round trips."""

import dataclasses
import math

import pytest

from glgan.config import (
    DATASETS,
    LOSSES,
    NOISE_DISTS,
    OPTIMIZERS,
    PRESETS,
    ConfigError,
    GanConfig,
    apply_overrides,
    describe_settings,
    field_names,
    field_spec,
    field_specs,
    live_field_names,
    parse_override,
    preset,
)

BAD_VALUES = {
    "dataset": ["spiral", 3],
    "noise_dist": ["normal"],
    "noise_dim": [0, 3, 1.5, True],
    "g_hidden_layers": [0, 7],
    "g_neurons": [0, 101, -1],
    "d_hidden_layers": [0, 7],
    "d_neurons": [0, 101],
    "d_optimizer": ["adagrad"],
    "g_optimizer": ["nesterov", "Adam"],
    "d_lr": [0.0, -0.1, 11.0, float("nan"), float("inf"), "fast"],
    "g_lr": [0.0, 100.0],
    "loss": ["wgan-gp", "Hinge"],
    "real_weight": [0.0, 1.5],
    "k_d": [-1, 11],
    "k_g": [-1, 11],
    "adam_beta1": [-0.1, 1.0],
    "adam_beta2": [1.0],
    "adam_eps": [0.0],
    "rmsprop_rho": [-0.1, 1.0, float("nan")],
    "rmsprop_eps": [0.0, 2.0],
    "momentum": [-0.5, 1.0],
    "clip": [0.0, -0.01, 11.0, "small"],
    "batch_size": [0, 8193],
    "seed": [-1, 2**32],
    "use_atlas": ["yes", 1],
    "atlas_size": [0],
}


def test_every_field_has_bad_value_cases():
    assert set(BAD_VALUES) == set(field_names())


@pytest.mark.parametrize("name,value", [(k, v) for k, vs in BAD_VALUES.items() for v in vs])
def test_invalid_values_name_the_field_and_value(name, value):
    with pytest.raises(ConfigError) as err:
        GanConfig().replace(**{name: value})
    msg = str(err.value)
    assert msg.startswith(name)
    assert repr(value) in msg or str(value) in msg


def test_defaults_are_ganlab_startup_state():
    c = GanConfig()
    assert c == preset("gaussians")
    assert (c.batch_size, c.atlas_size, c.real_weight) == (150, 12000, 0.95)
    assert (c.adam_beta1, c.adam_beta2) == (0.9, 0.999)
    # beyond GAN Lab: TF's RMSprop decay, the usual momentum, the WGAN paper's clip
    assert (c.rmsprop_rho, c.rmsprop_eps, c.momentum, c.clip) == (0.9, 1e-8, 0.9, 0.01)


def test_presets_match_ganlab_table_with_truthful_layer_counts():
    ring = preset("ring")
    assert (ring.g_hidden_layers, ring.g_neurons, ring.d_hidden_layers, ring.d_neurons) == \
        (2, 10, 3, 9)  # GAN Lab shows "1 x 10" and "2 x 9"
    assert (ring.k_d, ring.k_g, ring.noise_dist) == (3, 1, "uniform")
    line = preset("line")
    assert (line.d_lr, line.g_lr, line.g_neurons, line.d_neurons) == (0.03, 0.01, 5, 6)
    disjoint = preset("disjoint")
    assert (disjoint.g_hidden_layers, disjoint.d_neurons, disjoint.k_d) == (3, 11, 1)
    drawn = preset("drawn", base=ring)
    assert drawn.dataset == "drawn" and drawn.d_neurons == 9  # keeps the current model
    assert set(PRESETS) == {"line", "gaussians", "ring", "disjoint", "drawn"}
    with pytest.raises(ConfigError, match="preset='spiral'"):
        preset("spiral")


def test_live_fields_do_not_need_reset_others_do():
    c = GanConfig()
    for name in ("d_lr", "g_lr", "d_optimizer", "loss", "k_d", "k_g", "rmsprop_rho",
                 "rmsprop_eps", "momentum", "clip"):
        assert name in live_field_names()
    assert not c.needs_reset(c.replace(d_lr=0.3, loss="leastsq", k_d=5, g_optimizer="adam"))
    assert not c.needs_reset(c.replace(loss="wasserstein", clip=0.1, d_optimizer="rmsprop",
                                       g_optimizer="momentum", momentum=0.5))
    for change in ({"g_neurons": 4}, {"noise_dim": 1}, {"seed": 3}, {"batch_size": 64}):
        assert c.needs_reset(c.replace(**change))


def test_overrides_parse_types():
    assert parse_override("d_lr=0.003") == ("d_lr", 0.003)
    assert parse_override("g_optimizer=adam") == ("g_optimizer", "adam")
    assert parse_override("loss=wasserstein") == ("loss", "wasserstein")
    assert parse_override("clip=1") == ("clip", 1.0)
    assert parse_override("use_atlas=false") == ("use_atlas", False)
    assert parse_override("d_lr=1") == ("d_lr", 1.0)
    c = apply_overrides(GanConfig(), ["k_d=3", "loss=leastsq"])
    assert (c.k_d, c.loss) == (3, "leastsq")
    with pytest.raises(ConfigError, match="unknown setting"):
        parse_override("lr=0.1")
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        parse_override("d_lr")
    with pytest.raises(ConfigError, match="k_d=2.5"):
        apply_overrides(GanConfig(), ["k_d=2.5"])


def test_json_round_trip_and_bad_json():
    c = preset("disjoint").replace(seed=7, d_optimizer="adam")
    assert GanConfig.from_dict(dataclasses.asdict(c)) == c
    import json
    assert GanConfig.from_dict(json.loads(c.to_json())) == c
    with pytest.raises(ConfigError, match="cfg.bogus"):
        GanConfig.from_dict({"bogus": 1}, where="cfg")
    with pytest.raises(ConfigError, match="expected an object"):
        GanConfig.from_dict([1, 2])


def test_config_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        GanConfig().d_lr = 0.5


# --- the settings table (field_spec / field_specs / describe_settings) ---------------------

NUMERIC = [s for s in field_specs() if s.kind in ("int", "float")]
# A base where no cross-field rule interferes with one field's bounds (atlas_size vs batch_size).
FREE = GanConfig(use_atlas=False)


def test_every_field_has_a_spec():
    specs = field_specs()
    assert [s.name for s in specs] == field_names()
    defaults = GanConfig()
    for s in specs:
        assert field_spec(s.name) is s
        assert s.kind in ("int", "float", "choice", "bool")
        assert s.doc
        assert s.default == getattr(defaults, s.name)
        assert s.live == (s.name in live_field_names())
        if s.kind in ("int", "float"):
            assert s.lo is not None and s.hi is not None and s.lo < s.hi and not s.choices
            assert isinstance(s.lo, int if s.kind == "int" else float)
        elif s.kind == "choice":
            assert s.choices and s.lo is None and s.hi is None
        else:
            assert (s.lo, s.hi, s.choices) == (None, None, ())
    with pytest.raises(ConfigError, match="bogus: unknown setting"):
        field_spec("bogus")


def test_table_holds_the_known_ranges():
    def bounds(name):
        s = field_spec(name)
        return (s.kind, s.lo, s.hi, s.lo_open)

    assert bounds("g_neurons") == bounds("d_neurons") == ("int", 1, 100, False)
    assert bounds("g_hidden_layers") == bounds("d_hidden_layers") == ("int", 1, 6, False)
    assert bounds("noise_dim") == ("int", 1, 2, False)
    assert bounds("k_d") == bounds("k_g") == ("int", 0, 10, False)
    assert bounds("batch_size") == ("int", 1, 8192, False)
    assert bounds("seed") == ("int", 0, 2**32 - 1, False)
    assert bounds("atlas_size") == ("int", 1, 1_000_000, False)
    assert bounds("d_lr") == bounds("g_lr") == ("float", 0.0, 10.0, True)
    assert bounds("real_weight") == ("float", 0.0, 1.0, True)
    assert bounds("adam_beta1") == ("float", 0.0, 0.999999, False)
    assert bounds("adam_beta2") == ("float", 0.0, 0.999999999, False)
    assert bounds("adam_eps") == ("float", 0.0, 1.0, True)
    assert bounds("rmsprop_rho") == ("float", 0.0, 0.999999999, False)
    assert bounds("rmsprop_eps") == ("float", 0.0, 1.0, True)
    assert bounds("momentum") == ("float", 0.0, 0.999999, False)
    assert bounds("clip") == ("float", 0.0, 10.0, True)
    assert field_spec("dataset").choices == DATASETS
    assert field_spec("noise_dist").choices == NOISE_DISTS
    assert field_spec("d_optimizer").choices == field_spec("g_optimizer").choices == OPTIMIZERS
    assert field_spec("loss").choices == LOSSES
    assert field_spec("use_atlas").kind == "bool"


def _refused(name, value):
    with pytest.raises(ConfigError) as err:
        FREE.replace(**{name: value})
    return str(err.value)


@pytest.mark.parametrize("spec", NUMERIC, ids=lambda s: s.name)
def test_validate_accepts_the_bounds_and_refuses_just_outside(spec):
    name, lo, hi = spec.name, spec.lo, spec.hi
    if spec.kind == "int":
        inside, outside = [lo, hi], [lo - 1, hi + 1]
    else:
        below = lo if spec.lo_open else math.nextafter(lo, -math.inf)
        first = math.nextafter(lo, math.inf) if spec.lo_open else lo
        inside, outside = [first, hi], [below, math.nextafter(hi, math.inf)]
    for v in inside:
        assert getattr(FREE.replace(**{name: v}), name) == v
    for v in outside:
        msg = _refused(name, v)
        assert msg == f"{name}={v!r} is out of range; allowed {spec.range_text()}"


@pytest.mark.parametrize("spec", [s for s in field_specs() if s.kind == "choice"],
                         ids=lambda s: s.name)
def test_validate_accepts_every_choice_only(spec):
    for c in spec.choices:
        assert getattr(FREE.replace(**{spec.name: c}), spec.name) == c
    assert _refused(spec.name, "bogus") == \
        f"{spec.name}='bogus' is not allowed; choose one of {', '.join(spec.choices)}"


def test_error_texts_are_unchanged():
    assert _refused("g_neurons", 101) == "g_neurons=101 is out of range; allowed [1, 100]"
    assert _refused("batch_size", 0) == "batch_size=0 is out of range; allowed [1, 8192]"
    assert _refused("noise_dim", 1.5) == "noise_dim=1.5 must be an integer in [1, 2]"
    assert _refused("d_lr", 0.0) == "d_lr=0.0 is out of range; allowed (0.0, 10.0]"
    assert _refused("d_lr", "fast") == "d_lr='fast' must be a finite number"
    assert _refused("adam_beta1", 1.0) == \
        "adam_beta1=1.0 is out of range; allowed [0.0, 0.999999]"
    assert _refused("loss", "wgan") == \
        "loss='wgan' is not allowed; choose one of log, minimax, leastsq, hinge, wasserstein"
    assert _refused("d_optimizer", "adagrad") == \
        "d_optimizer='adagrad' is not allowed; choose one of sgd, adam, rmsprop, momentum"
    assert _refused("use_atlas", 1) == "use_atlas=1 must be true or false"
    assert FREE.replace(use_atlas=True).use_atlas is True


def test_atlas_must_hold_a_batch_when_used():
    with pytest.raises(ConfigError) as err:
        GanConfig(batch_size=200, atlas_size=100)
    assert str(err.value) == "atlas_size=100 must be at least batch_size=200"
    assert GanConfig(batch_size=200, atlas_size=100, use_atlas=False).atlas_size == 100
    assert GanConfig(batch_size=200, atlas_size=200).atlas_size == 200


def test_describe_settings_lists_every_field_with_its_range():
    text = describe_settings()
    lines = text.splitlines()
    for s in field_specs():
        row = [ln for ln in lines if ln.split()[:1] == [s.name]]
        assert len(row) == 1, s.name
        assert s.range_text() in row[0]
        assert ("live" if s.live else "reset") in row[0]
        assert s.doc in text
    for literal in ("[1, 100]", "[1, 8192]", "(0.0, 10.0]", "[0, 4294967295]",
                    "one of sgd, adam", "one of line, gaussians, ring, disjoint, drawn",
                    "true or false", "--set"):
        assert literal in text
    assert "atlas_size must be at least batch_size" in text
