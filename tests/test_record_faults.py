"""A recording that is killed or stopped keeps what it had (issue 15): `glgan record` killed
with SIGKILL at random moments leaves the old output untouched and a playable partial; SIGTERM
(and Ctrl-C) finish the video properly with the frames so far (exit status 130); a full disk
(RLIMIT_FSIZE) stops the recording with a message that says so and a playable partial."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

av = pytest.importorskip("av")
pytestmark = pytest.mark.gl
REPO = Path(__file__).resolve().parents[1]
RECORD = ["-m", "glgan", "record", "--seconds", "60", "--fps", "30", "--size", "160x128",
          "--epochs-per-frame", "1", "--backend", "numpy"]


def _frames(path: Path, tail_cut: bool = False) -> int:
    """Frames that decode. ``tail_cut``: the file may end inside a fragment (the disk filled
    up mid-write); count the frames before it, as a player shows them."""
    if not tail_cut:
        with av.open(str(path)) as c:
            return sum(1 for _ in c.decode(video=0))
    n = 0
    with av.open(str(path)) as c:
        try:
            for _ in c.decode(video=0):
                n += 1
        except av.error.InvalidDataError:  # the packet the disk cut off
            pass
    return n


def _start(out: Path, env_extra=None, **kw):
    env = dict(os.environ, PYTHONPATH=str(REPO), **(env_extra or {}))
    return subprocess.Popen([sys.executable, *RECORD, "--out", str(out)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def _wait_for_fragments(partial: Path, proc, size: int = 4000) -> None:
    """Until the partial file holds some encoded frames (a fragment a second)."""
    end = time.monotonic() + 120
    while time.monotonic() < end and proc.poll() is None:
        if partial.exists() and partial.stat().st_size > size:
            return
        time.sleep(0.02)
    raise AssertionError(f"no fragment written: {proc.poll()}, "
                         f"{proc.stderr.read().decode() if proc.poll() is not None else ''}")


@pytest.mark.parametrize("trial", range(10))
def test_kill_9_leaves_the_old_output_and_a_playable_partial(tmp_path, trial):
    out = tmp_path / "talk.mp4"
    out.write_bytes(b"last week's recording")
    proc = _start(out)
    try:
        _wait_for_fragments(tmp_path / "talk.partial.mp4", proc)
        time.sleep(random.Random(trial).uniform(0.0, 0.8))
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert out.read_bytes() == b"last week's recording"  # never truncated or replaced
    assert _frames(tmp_path / "talk.partial.mp4") >= 1


@pytest.mark.parametrize("trial", range(10))
def test_sigterm_finishes_the_video_with_the_frames_so_far(tmp_path, trial):
    out = tmp_path / "talk.mp4"
    out.write_bytes(b"last week's recording")
    proc = _start(out)
    try:
        _wait_for_fragments(tmp_path / "talk.partial.mp4", proc)
        time.sleep(random.Random(100 + trial).uniform(0.0, 0.8))
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err.decode()
    assert "SIGTERM" in err.decode() and "Traceback" not in err.decode()
    assert not (tmp_path / "talk.partial.mp4").exists()  # renamed: a complete video
    assert _frames(out) >= 30


def _limited(limit: int):
    def apply():
        import resource

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # past the limit a write fails: EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_a_full_disk_stops_the_recording_with_a_true_message_and_a_playable_partial(tmp_path):
    out = tmp_path / "talk.mp4"
    out.write_bytes(b"last week's recording")
    proc = _start(out, preexec_fn=_limited(60_000))
    _, err = proc.communicate(timeout=180)
    err = err.decode()
    assert proc.returncode != 0
    assert "glgan: error:" in err and "Traceback" not in err
    assert "too large" in err.lower() or "no space" in err.lower()
    assert out.read_bytes() == b"last week's recording"
    partial = tmp_path / "talk.partial.mp4"
    playable = _frames(partial, tail_cut=True)
    assert partial.stat().st_size <= 60_000 and playable >= 1
    said = int(err.split("plays the first ")[1].split(" frames")[0])
    assert 1 <= said <= playable  # what the message promises is there
