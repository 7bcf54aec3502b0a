"""``glgan train --save``: the destination is checked before any training, never a special
file; Ctrl-C or SIGTERM during training saves the progress so far and says so."""

import os
import signal
import subprocess
import sys
import time

import pytest

from glgan.cli import main


def forbid_training(monkeypatch):
    import glgan.compute.api as api

    def boom(*a, **k):
        raise AssertionError("an engine was built before --save was checked")

    monkeypatch.setattr(api, "make_engine", boom)


@pytest.mark.parametrize("make,match", [
    (lambda d: "", "needs a file name"),
    (lambda d: str(d), "is a folder"),
    (lambda d: (os.mkfifo(d / "fifo.glgan"), str(d / "fifo"))[1], "not a regular file"),
    (lambda d: ((d / "link.glgan").symlink_to("/etc/hostname"), str(d / "link"))[1],
     "a symlink"),
    # the old pair when asked for by name: each of its two files is checked
    (lambda d: (os.mkfifo(d / "fifo.json"), str(d / "fifo.npz"))[1], "not a regular file"),
    (lambda d: ((d / "link.npz").symlink_to("/etc/hostname"), str(d / "link.json"))[1],
     "a symlink"),
])
def test_bad_save_targets_are_refused_before_training(tmp_path, monkeypatch, capsys, make,
                                                      match):
    forbid_training(monkeypatch)
    target = make(tmp_path)
    assert main(["train", "--epochs", "1000000000", "--save", target]) == 2
    assert match in capsys.readouterr().err


def test_sigterm_during_train_saves_the_progress(tmp_path):
    from glgan.compute.modelio import load_model

    proc = subprocess.Popen([sys.executable, "-m", "glgan", "train", "--epochs", "10000000",
                             "--quiet", "--json", "--save", str(tmp_path / "m")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(3.0)  # started and training (10M epochs take far longer)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err[-1000:]
    assert "interrupted (SIGTERM)" in err and "saving the progress so far" in err
    result = __import__("json").loads(out.strip().splitlines()[-1])
    assert 0 < result["epoch"] < 10_000_000
    assert load_model(tmp_path / "m").status().epoch == result["epoch"]


def _special(kind, path):
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        if os.geteuid() != 0:
            pytest.skip("creating a device node needs root")
        os.mknod(path, 0o644 | __import__("stat").S_IFCHR, os.makedev(1, 3))  # like /dev/null
    else:
        path.symlink_to(path.parent / "elsewhere")
        (path.parent / "elsewhere").write_text("keep me")


@pytest.mark.parametrize("kind", ["fifo", "device", "symlink"])
def test_reports_and_snapshots_never_replace_special_files(tmp_path, capsys, kind):
    """(``--report /dev/null`` as root used to replace /dev/null.)"""
    report = tmp_path / "report.json"
    _special(kind, report)
    before = os.lstat(report)
    assert main(["run", "--window", "headless", "--frames", "1", "--report", str(report)]) == 2
    assert "regular file" in capsys.readouterr().err or kind == "symlink"
    png = tmp_path / "shot.png"
    if kind == "symlink":
        png.symlink_to(tmp_path / "elsewhere")
    else:
        _special(kind, png)
    assert main(["snapshot", "--epochs", "1", "--size", "32x32", "--out", str(png)]) == 2
    after = os.lstat(report)
    assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)  # untouched
    if kind == "symlink":
        assert (tmp_path / "elsewhere").read_text() == "keep me"


def test_a_bad_setting_under_run_is_reported_as_such_without_a_display(monkeypatch, capsys):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert main(["run", "--set", "d_lr=-1"]) == 2
    assert "d_lr=-1.0 is out of range" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [
    ["train", "--epochs", str(10**13)],
    ["snapshot", "--epochs", str(10**13), "--out", "x.png"],
    ["record", "--epochs-per-frame", str(10**13), "--out", "x.mp4"],
])
def test_epoch_counts_have_an_upper_bound(argv, capsys):
    assert main(argv) == 2
    assert "must be an integer in [0, 1e+12]" in capsys.readouterr().err
