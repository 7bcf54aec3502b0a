"""GanConfig: defaults, validation of every field, overrides, presets, JSON round trips."""

import dataclasses

import pytest

from glgan.compute.config import (
    PRESETS,
    ConfigError,
    GanConfig,
    apply_overrides,
    field_names,
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
    "d_optimizer": ["rmsprop"],
    "g_optimizer": ["momentum"],
    "d_lr": [0.0, -0.1, 11.0, float("nan"), float("inf"), "fast"],
    "g_lr": [0.0, 100.0],
    "loss": ["hinge"],
    "real_weight": [0.0, 1.5],
    "k_d": [-1, 11],
    "k_g": [-1, 11],
    "adam_beta1": [-0.1, 1.0],
    "adam_beta2": [1.0],
    "adam_eps": [0.0],
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
    for name in ("d_lr", "g_lr", "d_optimizer", "loss", "k_d", "k_g"):
        assert name in live_field_names()
    assert not c.needs_reset(c.replace(d_lr=0.3, loss="leastsq", k_d=5, g_optimizer="adam"))
    for change in ({"g_neurons": 4}, {"noise_dim": 1}, {"seed": 3}, {"batch_size": 64}):
        assert c.needs_reset(c.replace(**change))


def test_overrides_parse_types():
    assert parse_override("d_lr=0.003") == ("d_lr", 0.003)
    assert parse_override("g_optimizer=adam") == ("g_optimizer", "adam")
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
