"""Saves are atomic as a whole (issue 15): a model's JSON + .npz pair leaves the old model or
the new one after a crash at any step (injected failures, SIGKILL at random moments in a
subprocess, a full disk via RLIMIT_FSIZE), concurrent saves never interleave, and what a
crash leaves is finished or removed by the next save."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from glgan.compute.api import make_engine
from glgan.compute.modelio import ModelFileError, load_model, read_state, save_model
from glgan.config import preset

REPO = Path(__file__).resolve().parents[1]


def _engine(epochs):
    eng = make_engine([preset("ring")])
    eng.train(epochs)
    return eng


def _same(state, eng):
    a, b = state.runs[0], eng.snapshot().runs[0]
    return a.epoch == b.epoch and np.array_equal(a.g_theta, b.g_theta) and \
        np.array_equal(a.d_v, b.d_v)


def test_a_crash_at_each_step_leaves_the_old_or_the_new_model(tmp_path, monkeypatch):
    old, new = _engine(3), _engine(7)
    path = tmp_path / "m"
    save_model(old, path)
    real_replace = os.replace
    for step, expect in ((1, old), (2, old), (3, new)):  # fail the n-th rename of the save
        save_model(old, path)
        calls = []

        def failing_replace(src, dst, _n=step, _calls=calls):
            _calls.append(dst)
            if len(_calls) == _n:
                raise OSError("injected crash")
            return real_replace(src, dst)

        monkeypatch.setattr(os, "replace", failing_replace)
        with pytest.raises(OSError, match="injected"):
            save_model(new, path)
        monkeypatch.setattr(os, "replace", real_replace)
        assert _same(read_state(path), expect), step
        save_model(old, path)  # the next save finishes or cleans up what the crash left
        assert _same(read_state(path), old)
        left = sorted(p.name for p in tmp_path.iterdir())
        assert left == ["m.json", "m.npz"], (step, left)


def test_a_mixed_pair_is_still_refused(tmp_path):
    save_model(_engine(2), tmp_path / "a")
    save_model(_engine(4), tmp_path / "b")
    os.replace(tmp_path / "b.npz", tmp_path / "a.npz")
    with pytest.raises(ModelFileError, match="checksum"):
        load_model(tmp_path / "a.json")


SAVER = textwrap.dedent("""
    import sys
    from glgan.compute.api import make_engine
    from glgan.compute.modelio import save_model
    from glgan.config import preset
    engines = []
    for epochs in (3, 7):
        e = make_engine([preset("ring")]); e.train(epochs); engines.append(e)
    print("ready", flush=True)
    i = 0
    while True:
        save_model(engines[i % 2], sys.argv[1]); i += 1
""")


@pytest.mark.parametrize("trial", range(25))
def test_kill_9_during_saves_leaves_a_loadable_old_or_new_model(tmp_path, trial):
    old, new = _engine(3), _engine(7)
    path = tmp_path / "m"
    save_model(old, path)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen([sys.executable, "-c", SAVER, str(path)], stdout=subprocess.PIPE,
                            env=env)
    try:
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(random.Random(trial).uniform(0.0, 0.15))  # somewhere inside a save
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    state = read_state(path)
    assert _same(state, old) or _same(state, new)
    save_model(new, path)  # and the next save cleans up
    assert _same(read_state(path), new)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.json", "m.npz"]


def _limited(limit: int):
    def apply():
        import resource

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit: EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_a_full_disk_fails_the_save_clearly_and_keeps_the_old_model(tmp_path):
    old = _engine(3)
    path = tmp_path / "m"
    save_model(old, path)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    code = textwrap.dedent("""
        import sys
        from glgan.cli import main
        sys.exit(main(["train", "--dataset", "ring", "--epochs", "20", "--quiet",
                       "--backend", "numpy", "--save", sys.argv[1]]))
    """)
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                          env=env, preexec_fn=_limited(4096), timeout=120)
    assert done.returncode != 0
    err = done.stderr.decode()
    assert "glgan: error:" in err and "Traceback" not in err
    assert "File too large" in err or "No space" in err or "too large" in err
    assert "m.glgan" in err  # the message names the file
    assert _same(read_state(path), old)  # the old model survives whole
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == [
        "m.json", "m.npz"]


def test_concurrent_saves_never_interleave(tmp_path):
    """Two processes saving different models to one name, many times: every load in between
    sees one of them whole."""
    path = tmp_path / "m"
    save_model(_engine(3), path)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    procs = [subprocess.Popen([sys.executable, "-c", SAVER, str(path)],
                              stdout=subprocess.PIPE, env=env) for _ in range(2)]
    try:
        for p in procs:
            assert p.stdout.readline().strip() == b"ready"
        deadline = time.monotonic() + 1.5
        loads = 0
        while time.monotonic() < deadline:
            state = read_state(path)  # a reader takes no lock: it must still see a whole pair
            assert state.runs[0].epoch in (3, 7)
            loads += 1
        assert loads > 3
    finally:
        for p in procs:
            p.kill()
            p.wait(timeout=30)
