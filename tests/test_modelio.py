"""GAN Lab model import and glgan's own model files: round trips and clear errors."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import glgan
from glgan.compute import metrics
from glgan.compute.api import make_engine
from glgan.compute.data import sample_noise, sample_real
from glgan.compute.modelio import ModelFileError, load_model, pretrained_path, save_model
from glgan.config import GanConfig

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "ganlab-pretrained"


def ganlab_json(name: str) -> Path:
    shared = SHARED / f"pretrained_{name}.json"
    return shared if shared.is_file() else pretrained_path(name)


@pytest.mark.parametrize("name,max_js", [("gaussians", 0.2), ("line", 0.45)])
def test_imported_ganlab_generators_reproduce_their_targets(name, max_js):
    model = glgan.load_ganlab_model(ganlab_json(name))
    assert model.config.dataset == name
    z = sample_noise(model.config.noise_dist, model.config.noise_dim, 20000, seed=0)
    fake = model.generator(z)
    real = sample_real(name, 20000, seed=0)
    _, js = metrics.grid_divergences(real, fake)
    untrained = make_engine(model.config)
    _, js_untrained = metrics.grid_divergences(real, untrained.generator(z))
    assert js < max_js < js_untrained  # measured: gaussians 0.11, line 0.31; untrained ~0.95
    d = model.discriminator(real[:1000])
    assert d.shape == (1000,) and 0.3 < d.mean() < 0.7  # a GAN at equilibrium


def test_imported_config_and_epoch_match_ganlab_table():
    model = glgan.load_ganlab_model(ganlab_json("gaussians"))
    c = model.config
    assert model.epoch == 1931
    assert (c.noise_dist, c.g_hidden_layers, c.g_neurons, c.d_lr, c.g_lr, c.k_d) == \
        ("gaussian", 2, 8, 0.1, 0.03, 2)
    engine = model.to_engine()
    assert engine.status().epoch == 1931
    np.testing.assert_allclose(engine.generator(np.full((1, 2), 0.5)),
                               model.generator(np.full((1, 2), 0.5)), rtol=1e-6)


def copy_model(tmp_path: Path, name: str = "line") -> Path:
    src = ganlab_json(name)
    shutil.copy(src, tmp_path / src.name)
    shutil.copy(src.with_name(f"pretrained_{name}.weights.bin"), tmp_path)
    return tmp_path / src.name


def test_weights_found_beside_json_when_manifest_folder_is_missing(tmp_path):
    path = copy_model(tmp_path)
    doc = json.loads(path.read_text())
    doc["weightsManifest"][0]["paths"] = ["pretrained_models/gone/pretrained_line.weights.bin"]
    path.write_text(json.dumps(doc))
    assert glgan.load_ganlab_model(path).config.g_neurons == 5


def _topo(doc, **changes):
    doc = json.loads(json.dumps(doc))
    doc["modelTopology"].update(changes)
    return doc


def _cfg(doc, **changes):
    doc = json.loads(json.dumps(doc))
    doc["modelTopology"]["config"].update(changes)
    return doc


def test_weights_outside_the_manifest_s_folder_are_never_read(tmp_path):
    inner = tmp_path / "models"
    inner.mkdir()
    path = copy_model(inner)
    outside = tmp_path / "secret.bin"
    outside.write_bytes((inner / "pretrained_line.weights.bin").read_bytes())
    (inner / "pretrained_line.weights.bin").unlink()
    doc = json.loads(path.read_text())
    doc["weightsManifest"][0]["paths"] = ["../secret.bin"]
    path.write_text(json.dumps(doc))
    with pytest.raises(ModelFileError, match="not found"):  # looked for models/secret.bin
        glgan.load_ganlab_model(path)


@pytest.mark.parametrize("mutate,match", [
    (lambda d, b: (d, b[:-8]), "too short"),
    (lambda d, b: (d, b + b"\0" * 4), "extra bytes"),
    (lambda d, b: ({**d, "modelTopology": {"config": {}}}, b), "missing field"),
    (lambda d, b: (json.loads(json.dumps(d).replace('"Log loss"', '"Hinge"')), b), "lossType"),
    (lambda d, b: (json.loads(json.dumps(d).replace('"numGeneratorNeurons": 5',
                                                    '"numGeneratorNeurons": 6')), b), "shape"),
    # wrong types are refused, not coerced
    (lambda d, b: (_topo(d, iter_count="abc"), b), "iter_count='abc' must be an integer"),
    (lambda d, b: (_topo(d, iter_count=-5), b), "iter_count=-5 must be an integer"),
    (lambda d, b: (_topo(d, shape_name="spiral"), b), "shape_name='spiral'"),
    (lambda d, b: (_cfg(d, numGeneratorNeurons=float("inf")), b), "numGeneratorNeurons=inf"),
    (lambda d, b: (_cfg(d, numGeneratorNeurons=5.5), b), "numGeneratorNeurons=5.5"),
    (lambda d, b: (_cfg(d, dLearningRate=True), b), "dLearningRate=True"),
    (lambda d, b: (_cfg(d, kDSteps="2"), b), "kDSteps='2'"),
])
def test_corrupt_ganlab_files_give_clear_errors(tmp_path, mutate, match):
    path = copy_model(tmp_path)
    bin_path = tmp_path / "pretrained_line.weights.bin"
    doc, blob = mutate(json.loads(path.read_text()), bin_path.read_bytes())
    path.write_text(json.dumps(doc).replace('": ', '":').replace('":', '": '))
    bin_path.write_bytes(blob)
    with pytest.raises(ModelFileError, match=match):
        glgan.load_ganlab_model(path)


def test_missing_and_non_json_files(tmp_path):
    with pytest.raises(ModelFileError, match="not found"):
        glgan.load_ganlab_model(tmp_path / "nope.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ModelFileError, match="not valid JSON"):
        glgan.load_ganlab_model(tmp_path / "bad.json")


def test_glgan_model_round_trip_with_adam_state(tmp_path):
    eng = make_engine(GanConfig(d_optimizer="adam", seed=3))
    eng.train(25)
    json_path, npz_path = save_model(eng, tmp_path / "run1")
    assert json_path.name == "run1.json" and npz_path.name == "run1.npz"
    assert not list(tmp_path.glob(".*tmp"))  # no temporary files left behind
    back = load_model(json_path)
    assert back.status().config == eng.status().config and back.status().epoch == 25
    a, b = eng.snapshot().runs[0], back.snapshot().runs[0]
    np.testing.assert_array_equal(b.g_theta, a.g_theta)
    np.testing.assert_array_equal(b.d_m, a.d_m)
    assert b.d_t == a.d_t == 50
    np.testing.assert_array_equal(back.history().table(), eng.history().table())
    eng.train(5)
    back.train(5)  # continuing from the file gives the same numbers as not stopping
    np.testing.assert_array_equal(back.snapshot().runs[0].d_theta, eng.snapshot().runs[0].d_theta)


def test_several_runs_and_drawn_points_round_trip(tmp_path):
    pts = np.array([[0.2, 0.3], [0.6, 0.7]])
    configs = [GanConfig(dataset="drawn"), GanConfig(seed=4, g_neurons=5)]
    eng = make_engine(configs, drawn=pts)
    eng.train(3)
    json_path, _ = save_model(eng, tmp_path / "two")
    back = load_model(json_path)
    assert back.configs() == tuple(configs) and back.run_count == 2
    np.testing.assert_array_equal(back.drawn, pts)
    meta = json.loads(json_path.read_text())
    assert meta["version"] == 2 and [r["epoch"] for r in meta["runs"]] == [3, 3]


def test_version_1_files_still_load(tmp_path):
    """The format before engine v2: one run's weights, Adam state and epoch."""
    eng = make_engine(GanConfig(d_optimizer="adam"))
    eng.train(2)
    s = eng.snapshot().runs[0]
    np.savez(tmp_path / "old.npz", g_theta=s.g_theta, d_theta=s.d_theta, opt_d_m=s.d_m,
             opt_d_v=s.d_v, opt_d_t=np.array(s.d_t), atlas_counters=np.array([4, 6]))
    (tmp_path / "old.json").write_text(json.dumps({
        "format": "glgan-model", "version": 1, "epoch": 2, "config": s.config.to_dict(),
        "weights": "old.npz"}))
    back = load_model(tmp_path / "old.json")
    b = back.snapshot().runs[0]
    np.testing.assert_array_equal(b.d_theta, s.d_theta)
    np.testing.assert_array_equal(b.d_v, s.d_v)
    assert (b.epoch, b.d_t, b.real_counter, b.noise_counter) == (2, s.d_t, 4, 6)


def test_glgan_model_files_errors(tmp_path):
    eng = make_engine()
    json_path, npz_path = save_model(eng, tmp_path / "m.json")
    npz_path.write_bytes(b"garbage")
    with pytest.raises(ModelFileError, match="does not belong"):  # checksum in the JSON
        load_model(json_path)
    meta = json.loads(json_path.read_text())
    del meta["weights_sha256"]  # an older or hand-made file: the loader still says why
    json_path.write_text(json.dumps(meta))
    with pytest.raises(ModelFileError, match="corrupt"):
        load_model(json_path)
    save_model(eng, json_path)
    meta = json.loads(json_path.read_text())
    meta["runs"][0]["config"]["g_neurons"] = 3  # weights no longer fit
    del meta["weights_sha256"]
    json_path.write_text(json.dumps(meta))
    with pytest.raises(ModelFileError, match="g_theta"):
        load_model(json_path)
    meta["runs"][0]["config"]["g_neurons"] = 0
    json_path.write_text(json.dumps(meta))
    with pytest.raises(ModelFileError, match="g_neurons=0"):
        load_model(json_path)
    json_path.write_text(json.dumps({"format": "other"}))
    with pytest.raises(ModelFileError, match="not a glgan model"):
        load_model(json_path)
    json_path.write_text(json.dumps({"format": "glgan-model", "version": 9}))
    with pytest.raises(ModelFileError, match="version 9"):
        load_model(json_path)


def test_npz_with_pickled_objects_is_refused(tmp_path):
    eng = make_engine()
    json_path, npz_path = save_model(eng, tmp_path / "m")
    np.savez(npz_path, run0_g_theta=np.array([object()], dtype=object),
             run0_d_theta=eng.snapshot().runs[0].d_theta)
    with pytest.raises(ModelFileError):
        load_model(json_path)


def test_failed_save_leaves_previous_file_intact(tmp_path, monkeypatch):
    eng = make_engine()
    json_path, npz_path = save_model(eng, tmp_path / "m")
    before = npz_path.read_bytes()

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", boom)
    with pytest.raises(OSError, match="disk full"):
        save_model(eng, tmp_path / "m")
    assert npz_path.read_bytes() == before
    assert not list(tmp_path.glob(".*tmp"))


def test_a_mixed_up_pair_is_refused(tmp_path):
    a, b = make_engine(GanConfig(seed=1)), make_engine(GanConfig(seed=2))
    b.train(5)
    json_a, _ = save_model(a, tmp_path / "a")
    _, npz_b = save_model(b, tmp_path / "b")
    (tmp_path / "a.npz").write_bytes(npz_b.read_bytes())  # as if only the npz was replaced
    with pytest.raises(ModelFileError, match="does not belong"):
        load_model(json_a)


def _set_run0(m, **kw):
    m["runs"][0].update(kw)


@pytest.mark.parametrize("edit,match", [
    (lambda m, a: _set_run0(m, epoch=[1]), "epoch"),
    (lambda m, a: _set_run0(m, epoch=-3), "epoch"),
    (lambda m, a: _set_run0(m, epoch=7), "epoch 7 in the JSON"),
    (lambda m, a: _set_run0(m, diverged=5), "diverged"),
    (lambda m, a: m.update(runs=[]), "1 to 64 runs"),
    (lambda m, a: a.pop("run0_d_m"), "d_m: missing"),
    (lambda m, a: a.update(run0_counts=np.array([1, 2])), "counts"),
    (lambda m, a: a.update(run0_counts=np.array([0, 0, -1, 0, 3])), "counts"),
    (lambda m, a: a.update(run0_d_v=-np.abs(a["run0_d_v"]) - 1), ">= 0"),
    (lambda m, a: a.update(run0_d_m=a["run0_d_m"] * np.nan), "finite"),
    (lambda m, a: a.update(run0_g_theta=a["run0_g_theta"].astype(np.int64)), "g_theta"),
    (lambda m, a: a.update(run0_losses=np.zeros(3)), "losses"),
    (lambda m, a: a.update(run0_history_counts=np.zeros(6, np.int64)), "history"),
    (lambda m, a: a.update(run0_history_rows=np.zeros((5, 4))), "history rows"),
    (lambda m, a: m.update(weights=""), "must name a .npz"),
    (lambda m, a: m.update(weights="../x.npz"), "must name a .npz"),
])
def test_malformed_model_files_are_refused_with_a_reason(tmp_path, edit, match):
    eng = make_engine(GanConfig(d_optimizer="adam"))
    eng.train(3)
    json_path, npz_path = save_model(eng, tmp_path / "m")
    meta = json.loads(json_path.read_text())
    with np.load(npz_path) as data:
        arrays = {k: data[k] for k in data.files}
    edit(meta, arrays)
    np.savez(npz_path, **arrays)
    del meta["weights_sha256"]
    json_path.write_text(json.dumps(meta))
    with pytest.raises(ModelFileError, match=match):
        load_model(json_path)


def test_dotted_names_keep_their_dots_and_files_get_normal_permissions(tmp_path):
    import os
    import stat

    json_path, npz_path = save_model(make_engine(), tmp_path / "run.v2")
    assert (json_path.name, npz_path.name) == ("run.v2.json", "run.v2.npz")
    umask = os.umask(0o022)
    os.umask(umask)
    for p in (json_path, npz_path):
        assert stat.S_IMODE(p.stat().st_mode) == 0o666 & ~umask


def _rewrite(json_path, npz_path, edit_arrays=None, edit_meta=None):
    meta = json.loads(json_path.read_text())
    with np.load(npz_path) as data:
        arrays = {k: data[k] for k in data.files}
    if edit_arrays:
        edit_arrays(arrays)
    if edit_meta:
        edit_meta(meta)
    np.savez_compressed(npz_path, **arrays)
    meta.pop("weights_sha256", None)  # a crafted file brings its own checksum anyway
    json_path.write_text(json.dumps(meta))


def test_arrays_a_model_does_not_hold_are_never_read(tmp_path):
    """A small compressed file may declare a huge array: it is refused or skipped from its
    header, never decompressed."""
    eng = make_engine()
    json_path, npz_path = save_model(eng, tmp_path / "m")
    huge = np.zeros(300_000_000, np.uint8)  # 300 MB of zeros, ~300 kB compressed
    _rewrite(json_path, npz_path, lambda a: a.update(junk=huge))
    load_model(json_path)  # the unknown member is not read
    _rewrite(json_path, npz_path, lambda a: a.update(run0_history_rows=huge))
    with pytest.raises(ModelFileError, match="not an array a model holds"):
        load_model(json_path)


@pytest.mark.parametrize("counts,match", [
    (np.array([0, 0, 2**63, 0, 1], np.uint64), "counts"),
    (np.array([0, 0, 0, 2**62, 1], np.int64), "counts"),
    (np.array([0, 0, 0, 0, 2**60], np.int64), "counts"),
])
def test_counters_beyond_any_real_run_are_refused(tmp_path, counts, match):
    json_path, npz_path = save_model(make_engine(), tmp_path / "m")
    _rewrite(json_path, npz_path, lambda a: a.update(run0_counts=counts))
    with pytest.raises(ModelFileError, match=match):
        load_model(json_path)


def test_history_with_inconsistent_parts_is_refused(tmp_path):
    eng = make_engine()
    eng.train(2)
    json_path, npz_path = save_model(eng, tmp_path / "m")
    _rewrite(json_path, npz_path, lambda a: a.update(run0_history_first=np.zeros(3)))
    with pytest.raises(ModelFileError, match="history first"):
        load_model(json_path)
    _rewrite(json_path, npz_path, lambda a: a.pop("run0_history_last"))
    with pytest.raises(ModelFileError, match="history last: missing"):
        load_model(json_path)


def test_bad_versions_and_oversized_or_odd_files_are_refused(tmp_path):
    json_path, npz_path = save_model(make_engine(), tmp_path / "m")
    _rewrite(json_path, npz_path, edit_meta=lambda m: m.update(version=True))
    with pytest.raises(ModelFileError, match="version True"):
        load_model(json_path)
    big = tmp_path / "big.json"
    with open(big, "wb") as f:
        f.truncate(17 << 20)  # bigger than any model description
    with pytest.raises(ModelFileError, match="larger than"):
        load_model(big)
    (tmp_path / "dir.json").mkdir()
    with pytest.raises(ModelFileError, match="not a regular file"):
        load_model(tmp_path / "dir.json")


def test_float64_engines_round_trip_exactly(tmp_path):
    eng = make_engine(GanConfig(d_optimizer="adam"), dtype=np.float64)
    eng.train(10)
    save_model(eng, tmp_path / "m")
    back = load_model(tmp_path / "m")
    eng.train(10)
    back.train(10)
    np.testing.assert_array_equal(back.snapshot().runs[0].d_theta, eng.snapshot().runs[0].d_theta)
    assert back.snapshot().runs[0].d_theta.dtype == np.float64


def test_set_weights_refuses_values_that_are_not_finite_float32():
    eng = make_engine()
    s = eng.snapshot().runs[0]
    from glgan.compute.mlp import layer_views
    from glgan.compute.state import d_sizes, g_sizes

    def params(theta, sizes):
        return [a for Wa in layer_views(theta.astype(np.float64), sizes) for a in (Wa[:-1], Wa[-1])]

    g, d = params(s.g_theta, g_sizes(s.config)), params(s.d_theta, d_sizes(s.config))
    for bad in (np.nan, 1e40):
        d_bad = [a.copy() for a in d]
        d_bad[0][0, 0] = bad
        with pytest.raises(ValueError, match="discriminator's weights must be finite"):
            eng.set_weights(g, d_bad, 3)
    eng.train(2)
    eng.set_weights(g, d, 7)
    st = eng.status()
    assert st.epoch == 7 and np.isnan(st.d_loss) and np.isnan(st.g_loss)  # no stale losses
