"""The shipped pretrained models (one per dataset, GAN Lab's format) and their writer.

line and gaussians are GAN Lab's own files; ring and disjoint are glgan's, made by
``python -m glgan.compute.pretrain ring disjoint`` (seeds 0-31, lowest final KL kept).

Measured (engine.divergences, grid KL in bits, the model loaded into an engine with metric
seeds 0-9): line 1.55-1.90, gaussians 0.97-1.19, ring 1.06-1.43, disjoint 2.16-2.51; the
untrained presets at epoch 0: 4.37-8.40. Over 20000 fresh samples (independent of the engine's
metric) the grid JS is line 0.31, gaussians 0.11, ring 0.21, disjoint 0.39, untrained >= 0.92.
The tests ask for KL < 3 bits and under half the untrained KL, and JS < 0.5 over 20000 samples.
"""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from glgan.compute import metrics, pretrain
from glgan.compute.api import make_engine
from glgan.compute.data import sample_noise, sample_real
from glgan.compute.mlp import params_to_theta
from glgan.compute.modelio import (
    PRETRAINED_DIR,
    ModelFileError,
    load_ganlab_model,
    pretrained_path,
    save_ganlab_model,
)
from glgan.compute.state import d_sizes, g_sizes
from glgan.config import PRETRAINED_EPOCHS, preset

DATASETS = ("line", "gaussians", "ring", "disjoint")
MAX_KL = 3.0   # bits; measured at most 2.51 (disjoint), untrained at least 4.37
MAX_JS = 0.5   # bits over 20000 samples; measured at most 0.39 (disjoint), untrained >= 0.92
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "ganlab-pretrained"


def record(dataset: str) -> dict:
    """What glgan recorded about how it made a shipped model (modelTopology.glgan)."""
    doc = json.loads(pretrained_path(dataset).read_text())
    return doc["modelTopology"].get("glgan", {})


def thetas(model) -> tuple[np.ndarray, np.ndarray]:
    c = model.config
    return (params_to_theta(model.g_params, g_sizes(c)).astype(np.float32),
            params_to_theta(model.d_params, d_sizes(c)).astype(np.float32))


# -- the shipped models --------------------------------------------------------------------
@pytest.mark.parametrize("dataset", DATASETS)
def test_every_dataset_ships_a_model_with_its_preset_and_ganlab_epoch(dataset):
    path = pretrained_path(dataset)
    assert path is not None and path.parent == PRETRAINED_DIR
    model = load_ganlab_model(path)
    assert model.config == preset(dataset)  # what the app selects for the dataset
    assert model.epoch == PRETRAINED_EPOCHS[dataset]
    assert model.to_engine().status().epoch == PRETRAINED_EPOCHS[dataset]
    assert pretrained_path("drawn") is None


@pytest.mark.parametrize("dataset", DATASETS)
def test_shipped_models_have_learned_their_dataset(dataset):
    model = load_ganlab_model(pretrained_path(dataset))
    kl, _ = model.to_engine().divergences()
    kl_untrained, _ = make_engine(preset(dataset)).divergences()
    assert kl < MAX_KL and kl < kl_untrained / 2, f"{dataset}: KL {kl:.3f}, untrained " \
        f"{kl_untrained:.3f}"
    z = sample_noise(model.config.noise_dist, model.config.noise_dim, 20000, seed=0)
    real = sample_real(dataset, 20000, seed=0)
    _, js = metrics.grid_divergences(real, model.generator(z))
    _, js_untrained = metrics.grid_divergences(real, make_engine(model.config).generator(z))
    assert js < MAX_JS < js_untrained, f"{dataset}: JS {js:.3f}, untrained {js_untrained:.3f}"


@pytest.mark.parametrize("dataset", pretrain.TRAINED)
def test_glgan_trained_models_record_seed_and_kl(dataset):
    rec = record(dataset)
    assert rec["trained_by"] == "glgan"
    assert rec["command"] == f"python -m glgan.compute.pretrain {dataset}"
    assert rec["seeds_tried"] == [0, pretrain.DEFAULT_SEEDS - 1]
    assert rec["epochs"] == PRETRAINED_EPOCHS[dataset]
    assert rec["kl"] < MAX_KL and rec["kl"] < rec["kl_epoch0"] / 2  # converged
    model = load_ganlab_model(pretrained_path(dataset))  # the extra key is ignored
    engine = model.to_engine(preset(dataset).replace(seed=rec["seed"]))
    kl, js = engine.divergences()  # the metric of the seed it was chosen with
    assert kl == pytest.approx(rec["kl"], abs=0.05) and js == pytest.approx(rec["js"], abs=0.02)
    notice = (PRETRAINED_DIR / "NOTICE").read_text()
    row = f"{dataset} {rec['epochs']} {rec['seed']} {rec['kl_epoch0']:.3f} {rec['kl']:.3f} " \
        f"{rec['js']:.3f}"
    assert row in " ".join(notice.split()), f"NOTICE lacks the row {row!r}"
    assert "python -m glgan.compute.pretrain ring disjoint" in notice


@pytest.mark.parametrize("dataset", pretrain.GANLAB_OWN)
def test_ganlab_own_models_are_shipped_unchanged(dataset):
    assert record(dataset) == {}
    reference = SHARED / f"pretrained_{dataset}.json"
    if not reference.is_file():
        pytest.skip(f"no reference copy of GAN Lab's files in {SHARED}")
    for name in (f"pretrained_{dataset}.json", f"pretrained_{dataset}.weights.bin"):
        assert (PRETRAINED_DIR / name).read_bytes() == (SHARED / name).read_bytes()


# -- the app's path ------------------------------------------------------------------------
def test_app_starts_on_and_toggles_the_ring_model(gl_ctx, tmp_path):
    from glgan.app import App
    from glgan.ui import commands as cmd

    model = load_ganlab_model(pretrained_path("ring"))
    z = np.random.default_rng(0).uniform(size=(64, 2)).astype(np.float32)
    app = App(gl_ctx, (640, 400), preset("ring"), pretrained=True, out_dir=tmp_path)
    try:
        assert app.ui.use_pretrained and app.engine.status().epoch == 812
        np.testing.assert_array_equal(app.engine.generator(z), model.generator(z))
        app.apply([cmd.UsePretrained(False)])
        assert not app.ui.use_pretrained and app.engine.status().epoch == 0
        assert not np.array_equal(app.engine.generator(z), model.generator(z))
        app.apply([cmd.UsePretrained(True)])
        assert app.ui.use_pretrained and app.engine.status().epoch == 812
        np.testing.assert_array_equal(app.engine.generator(z), model.generator(z))
        app.apply([cmd.SelectDataset("disjoint"), cmd.UsePretrained(True)])
        assert app.engine.status().config.dataset == "disjoint"
        assert app.ui.use_pretrained and app.engine.status().epoch == 1710
    finally:
        app.close()


# -- the writer ----------------------------------------------------------------------------
@pytest.mark.parametrize("dataset", pretrain.GANLAB_OWN)
def test_ganlab_files_written_again_are_byte_identical(dataset, tmp_path):
    src = pretrained_path(dataset)
    json_path, bin_path = save_ganlab_model(load_ganlab_model(src), 0,
                                            tmp_path / src.name)
    assert json_path.read_bytes() == src.read_bytes()
    assert bin_path.name == f"pretrained_{dataset}.weights.bin"
    assert bin_path.read_bytes() == (src.parent / bin_path.name).read_bytes()


def test_writer_round_trips_weights_config_and_epoch(tmp_path):
    base = preset("disjoint").replace(noise_dist="uniform", noise_dim=1, d_optimizer="adam",
                                      loss="leastsq", k_d=4, k_g=2, d_lr=0.0123)
    engine = make_engine([base.replace(seed=3), preset("ring").replace(seed=5)])
    engine.train(37)
    state = engine.snapshot()
    for run, source in ((0, engine), (1, state), (0, state.runs[1])):
        path = tmp_path / f"m{run}{type(source).__name__}"
        json_path, bin_path = save_ganlab_model(source, run, path, extra={"note": [1, "x"]})
        assert json_path == tmp_path / f"{path.name}.json"
        assert bin_path == tmp_path / f"{path.name}.weights.bin"
        want = state.runs[run] if source is not state.runs[1] else state.runs[1]
        loaded = load_ganlab_model(json_path)
        assert loaded.config == want.config.replace(seed=0)  # the seed is not in the format
        assert loaded.epoch == want.epoch == 37
        g, d = thetas(loaded)
        assert g.tobytes() == want.g_theta.tobytes() and d.tobytes() == want.d_theta.tobytes()
        doc = json.loads(json_path.read_text())
        assert doc["modelTopology"]["glgan"] == {"note": [1, "x"]}
        assert [w["name"] for w in doc["weightsManifest"][0]["weights"]][:2] == ["d-0", "d-1"]
        assert bin_path.stat().st_size == 4 * (want.g_theta.size + want.d_theta.size)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_writer_replaces_files_and_continues_training_identically(tmp_path):
    engine = make_engine(preset("ring"))
    engine.train(20)
    path = tmp_path / "m.json"
    save_ganlab_model(engine, 0, path)
    engine.train(5)
    save_ganlab_model(engine, 0, path)  # replaces both files
    loaded = load_ganlab_model(path)
    assert loaded.epoch == 25
    again = loaded.to_engine()
    g, d = thetas(loaded)
    np.testing.assert_array_equal(again.snapshot().runs[0].g_theta, g)
    z = np.full((3, 2), 0.25, np.float32)
    np.testing.assert_array_equal(again.generator(z), engine.generator(z))


@pytest.mark.parametrize("change,match", [
    (dict(loss="minimax"), "loss='minimax'"),
    (dict(real_weight=0.5), "real_weight=0.5"),
    (dict(batch_size=64), "batch_size=64"),
    (dict(adam_beta1=0.5), "adam_beta1"),
    (dict(use_atlas=False), "use_atlas"),
])
def test_writer_refuses_what_ganlab_cannot_hold(tmp_path, change, match):
    engine = make_engine(preset("ring").replace(**change))
    with pytest.raises(ModelFileError, match=match):
        save_ganlab_model(engine, 0, tmp_path / "m.json")
    assert list(tmp_path.iterdir()) == []


def test_writer_refuses_bad_targets_runs_and_extras_and_keeps_old_files(tmp_path):
    engine = make_engine(preset("ring"))
    json_path, bin_path = save_ganlab_model(engine, 0, tmp_path / "m.json")
    before = json_path.read_bytes(), bin_path.read_bytes()
    engine.train(3)
    with pytest.raises(ModelFileError, match="not plain JSON"):
        save_ganlab_model(engine, 0, json_path, extra={"kl": float("nan")})
    with pytest.raises(ValueError, match="run=1"):
        save_ganlab_model(engine, 1, json_path)
    with pytest.raises(TypeError):
        save_ganlab_model("not a model", 0, json_path)
    assert (json_path.read_bytes(), bin_path.read_bytes()) == before
    (tmp_path / "dir").mkdir()
    with pytest.raises(ModelFileError, match="folder"):
        save_ganlab_model(engine, 0, tmp_path / "dir")
    (tmp_path / "w.weights.bin").mkdir()
    with pytest.raises(ModelFileError, match="not a regular file"):
        save_ganlab_model(engine, 0, tmp_path / "w.json")
    assert not (tmp_path / "w.json").exists()
    drawn = make_engine(preset("ring").replace(dataset="drawn"),
                        drawn=np.random.default_rng(1).uniform(0.2, 0.8, (200, 2)))
    with pytest.raises(ModelFileError, match="drawn"):
        save_ganlab_model(drawn, 0, tmp_path / "drawn.json")


# -- the generator -------------------------------------------------------------------------
def test_generator_keeps_the_seed_with_the_lowest_final_kl(tmp_path):
    engine, run, choice = pretrain.train_best("ring", seeds=[4, 0, 7], epochs=60)
    assert choice.seeds == (4, 0, 7) and choice.epochs == 60
    assert choice.kl == min(choice.kls) == engine.divergences(run)[0]
    assert choice.seed == choice.seeds[run] == engine.status(run).config.seed
    alone = make_engine(preset("ring").replace(seed=choice.seed))
    assert choice.kl_start == alone.divergences()[0]
    alone.train(60)  # a run in the batch trains as it would alone
    assert alone.snapshot().runs[0].g_theta.tobytes() == \
        engine.snapshot().runs[run].g_theta.tobytes()
    choice2, json_path, _ = pretrain.write("ring", tmp_path, seeds=3, epochs=60)
    model = load_ganlab_model(json_path)
    assert model.epoch == 60 and model.config == preset("ring")
    rec = json.loads(json_path.read_text())["modelTopology"]["glgan"]
    assert rec["seed"] == choice2.seed and rec["kl"] == choice2.kl
    assert rec["command"] == "python -m glgan.compute.pretrain ring --seeds 3"


def test_generator_command_writes_and_checks(tmp_path, capsys):
    assert pretrain.main(["ring", "--seeds", "2", "--out", str(tmp_path)]) == 0
    assert "ring: seed" in capsys.readouterr().out
    assert load_ganlab_model(tmp_path / "pretrained_ring.json").epoch == 812
    assert pretrain.main(["ring", "--seeds", "2", "--out", str(tmp_path), "--check"]) == 0
    assert "reproduced exactly" in capsys.readouterr().out
    shutil.copy(pretrained_path("line"), tmp_path / "pretrained_ring.json")
    assert pretrain.main(["ring", "--seeds", "2", "--out", str(tmp_path), "--check"]) == 1
    for argv in (["line"], ["gaussians", "--check"], ["nope", "--out", str(tmp_path)],
                 ["ring", "--seeds", "0", "--out", str(tmp_path)]):
        with pytest.raises(SystemExit) as e:
            pretrain.main(argv)
        assert e.value.code == 2
