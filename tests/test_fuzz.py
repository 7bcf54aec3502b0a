"""Fuzzing the readers and the command line (issue 15), bounded in time: model files (JSON
values of every shape, mutated bytes of a real pair), GAN Lab manifests and CLI arguments give
a result or one clear error (ModelFileError / exit status 2), never another exception, a
traceback or a hang, and never execute anything (no pickle: a pickled object in the weights is
refused)."""

from __future__ import annotations

import io
import json
import pickle

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glgan.compute.api import make_engine
from glgan.compute.modelio import ModelFileError, load_ganlab_model, read_state, save_model
from glgan.config import preset

FAST = settings(max_examples=150, deadline=2000, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=True)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner,
                                                                 max_size=6),
    max_leaves=30)


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """A real two-run model pair: (folder, json text, npz bytes)."""
    folder = tmp_path_factory.mktemp("pair")
    eng = make_engine([preset("ring"), preset("ring").replace(d_optimizer="adam", seed=3)])
    eng.train(5)
    json_path, npz_path = save_model(eng, folder / "m")
    return folder, json_path.read_text(), npz_path.read_bytes()


def _read(folder, text: str | bytes, blob: bytes | None):
    (folder / "f.json").write_bytes(text.encode() if isinstance(text, str) else text)
    if blob is not None:
        (folder / "f.npz").write_bytes(blob)
    try:
        read_state(folder / "f.json")
    except ModelFileError:
        pass  # the one allowed way to refuse


def _meta_with(meta: dict, path: list, value) -> dict:
    meta = json.loads(json.dumps(meta))
    node = meta
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return meta


@FAST
@given(value=JSON)
def test_any_json_document_is_read_or_refused_clearly(pair, tmp_path_factory, value):
    folder = tmp_path_factory.mktemp("f")
    _read(folder, json.dumps(value), pair[2])


@FAST
@given(where=st.sampled_from([["version"], ["format"], ["runs"], ["runs", 0],
                              ["runs", 0, "config"], ["runs", 0, "epoch"],
                              ["runs", 0, "diverged"], ["runs", 1, "config", "g_neurons"],
                              ["runs", 1, "config", "d_lr"], ["weights"], ["weights_sha256"],
                              ["arrays"]]),
       value=JSON)
def test_any_field_of_a_real_model_replaced_by_anything(pair, tmp_path_factory, where, value):
    folder = tmp_path_factory.mktemp("f")
    meta = _meta_with(json.loads(pair[1]), where, value)
    _read(folder, json.dumps(meta), pair[2])


@FAST
@given(data=st.data())
def test_mutated_bytes_of_a_real_pair(pair, tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("f")
    text, blob = pair[1].encode(), bytearray(pair[2])
    target = data.draw(st.sampled_from(["json", "npz", "truncate"]))
    if target == "truncate":
        blob = blob[:data.draw(st.integers(0, len(blob)))]
    else:
        buf = bytearray(text) if target == "json" else blob
        for _ in range(data.draw(st.integers(1, 8))):
            i = data.draw(st.integers(0, len(buf) - 1))
            buf[i] = data.draw(st.integers(0, 255))
        if target == "json":
            text = bytes(buf)
    meta = json.loads(pair[1])
    meta.pop("weights_sha256")  # so mutated weights reach the array reader itself
    _read(folder, text if target == "json" else json.dumps(meta), bytes(blob))


def test_a_pickled_object_in_the_weights_is_refused_not_run(pair, tmp_path):
    class Boom:
        def __reduce__(self):
            return (print, ("EXECUTED",))

    meta = json.loads(pair[1])
    meta.pop("weights_sha256")
    buf = io.BytesIO()
    with np.load(io.BytesIO(pair[2])) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["run0_g_theta"] = np.array([Boom()], dtype=object)
    np.savez(buf, **arrays)
    (tmp_path / "f.json").write_text(json.dumps(meta))
    (tmp_path / "f.npz").write_bytes(buf.getvalue())
    with pytest.raises(ModelFileError):
        read_state(tmp_path / "f.json")
    assert pickle  # (imported only to make the intent plain)


@FAST
@given(value=JSON)
def test_any_ganlab_manifest_is_imported_or_refused_clearly(tmp_path_factory, value):
    folder = tmp_path_factory.mktemp("g")
    (folder / "model.json").write_text(json.dumps(value))
    (folder / "model.weights.bin").write_bytes(np.zeros(64, np.float32).tobytes())
    try:
        load_ganlab_model(folder / "model.json")
    except ModelFileError:
        pass


# option -> values to try: good ones, and every kind of bad one (none large enough to train or
# record for long: those limits are refused by the options themselves)
OPTIONS = {
    "--epochs": ["0", "1", "3", "-1", "abc", "1e99", "nan", "", "99999999999999"],
    "--set": ["d_lr=0.1", "d_lr=abc", "g_neurons=1.5", "loss=bogus", "d_lr=", "=", "k_d=0",
              "bogus=1", "seed=-5", "real_weight=inf", "noise_dim=2"],
    "--compare": ["seed=0,1", "d_lr=0.01,0.1", "d_lr=", "bogus=1,2", "seed=" + ",".join(
        map(str, range(70))), "k_g=1,,2", "loss=log,minimax"],
    "--seed": ["0", "7", "-1", "abc", "4294967296"],
    "--dataset": ["ring", "line", "drawn", "bogus", ""],
    "--preset": ["ring", "bogus"],
    "--backend": ["numpy", "cuda", "bogus"],
    "--save": ["m", "", "dir/", "/dev/null", "m.npz"],
    "--load": ["m.json", "missing.json", "", "/dev/null"],
    "--size": ["32x32", "10x10", "0x0", "99999x2", "abc", "33x33"],
    "--fps": ["10", "0", "-3", "abc", "1000"],
    "--seconds": ["0.1", "0", "-1", "abc", "nan"],
    "--out": ["x.png", "x.mp4", "dir/", "", "/dev/null", "x.txt"],
    "--layers": ["heatmap,real", "heatmap,bogus", "", "all"],
    "--field-res": ["8", "0", "-1", "abc", "100000"],
    "--epochs-per-frame": ["1", "0", "-1", "abc", "1e99"],
}
FLAGS = ["--json", "--quiet", "-v"]
COMMANDS = {"train": ["--epochs", "3"], "snapshot": ["--epochs", "3", "--size", "32x32",
                                                    "--out", "s.png"],
            "record": ["--seconds", "0.1", "--fps", "10", "--size", "32x32", "--out",
                       "r.mp4", "--epochs-per-frame", "1"]}


@st.composite
def command_lines(draw):
    command = draw(st.sampled_from(sorted(COMMANDS)))
    argv = [command, *COMMANDS[command]]  # bounded defaults first: later options override
    for _ in range(draw(st.integers(0, 4))):
        if draw(st.booleans()):
            option = draw(st.sampled_from(sorted(OPTIONS)))
            argv += [option, draw(st.sampled_from(OPTIONS[option]))]
        else:
            argv.append(draw(st.sampled_from(FLAGS)))
    return argv


@settings(max_examples=120, deadline=20000, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(argv=command_lines())
def test_any_command_line_gives_a_status_never_a_traceback(tmp_path_factory, monkeypatch,
                                                           capsys, argv):
    from glgan.cli import main

    folder = tmp_path_factory.mktemp("cli")
    monkeypatch.chdir(folder)
    (folder / "dir").mkdir()
    try:
        status = main(argv)
    except SystemExit as e:  # argparse's usage errors
        status = e.code
    out = capsys.readouterr()
    assert status in (0, 1, 2, 130), (argv, status)
    assert "Traceback" not in out.err and "Traceback" not in out.out, argv
    if "--json" in argv and status in (0, 1):
        json.loads(out.out.strip().splitlines()[-1])  # the last line is strict JSON
        assert "NaN" not in out.out and "Infinity" not in out.out, argv
