"""Capture tests without OpenGL: PNG sequences, screenshots, argument validation, encoder
failures (the file stays playable) and live-mode frame dropping."""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path

import av
import numpy as np
import pytest

from glgan.capture import (
    AsyncEncoder,
    CaptureError,
    PngSequenceWriter,
    Recording,
    VideoWriter,
    open_writer,
    save_png,
)


def pattern(i: int, size: tuple[int, int] = (64, 48)) -> np.ndarray:
    """Deterministic smooth RGB frame ``i`` of shape (H, W, 3)."""
    w, h = size
    y, x = np.mgrid[0:h, 0:w]
    return np.stack(
        [(x * 4 + i * 3) % 256, y * 255 // max(h - 1, 1), np.full_like(x, (i * 20) % 256)], axis=-1
    ).astype(np.uint8)


def count_frames(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


# ----------------------------------------------------------------------------- PNG / screenshots
def test_png_sequence_count_size_and_content(tmp_path):
    size = (33, 17)  # odd sizes are fine for PNG
    rec = Recording.start(f"{tmp_path}/frames/", size, 24)
    assert isinstance(rec.sink, PngSequenceWriter)
    for i in range(7):
        rec.add_frame(pattern(i, size))
    summary = rec.stop()
    files = sorted((tmp_path / "frames").glob("*.png"))
    assert [f.name for f in files] == [f"frame_{i:06d}.png" for i in range(7)]
    assert summary.frames_written == 7
    from PIL import Image

    for i, f in enumerate(files):
        img = np.asarray(Image.open(f).convert("RGB"))
        assert img.shape == (17, 33, 3)
        np.testing.assert_array_equal(img, pattern(i, size))


def test_png_sequence_refuses_stale_frames_unless_overwrite(tmp_path):
    d = tmp_path / "seq"
    d.mkdir()
    (d / "frame_000000.png").write_bytes(b"old")
    (d / "keep.txt").write_text("mine")
    with pytest.raises(CaptureError, match="already holds 1 frame_"):
        open_writer(d, (8, 8), 10)  # an existing directory selects PNG output
    sink = open_writer(d, (8, 8), 10, overwrite=True)
    assert isinstance(sink, PngSequenceWriter)
    assert not (d / "frame_000000.png").exists() and (d / "keep.txt").exists()


def test_save_png_is_atomic_and_round_trips(tmp_path):
    from PIL import Image

    img = pattern(3)
    out = save_png(img, tmp_path / "shot.png")
    np.testing.assert_array_equal(np.asarray(Image.open(out)), img)
    assert os.listdir(tmp_path) == ["shot.png"]  # no temp file left behind
    with pytest.raises(CaptureError, match="expected"):
        save_png(np.zeros((4, 4), np.float32), tmp_path / "bad.png")
    with pytest.raises(CaptureError, match="missing"):
        save_png(img, tmp_path / "missing" / "x.png")


@pytest.mark.parametrize("ext", [".mkv", ".mov", ".MP4"])
def test_other_containers(tmp_path, ext):
    out = tmp_path / f"clip{ext}"
    writer = open_writer(out, (64, 48), 60)
    assert isinstance(writer, VideoWriter)
    for i in range(5):
        writer.write(pattern(i))
    writer.close()
    assert count_frames(out) == 5


# ----------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("path", "size", "fps", "needle"),
    [
        ("{tmp}/missing/out.mp4", (64, 48), 30, "does not exist"),
        ("{tmp}/afile.txt/out.mp4", (64, 48), 30, "is not a directory"),
        ("{tmp}/out.avi", (64, 48), 30, "unsupported extension ('.avi')"),
        ("{tmp}/out", (64, 48), 30, "unsupported extension (no extension)"),
        ("{tmp}/out.mp4", (64, 48), 0, "fps=0 is out of range: allowed integers 1..240"),
        ("{tmp}/out.mp4", (64, 48), 241, "fps=241 is out of range"),
        ("{tmp}/out.mp4", (64, 48), 29.97, "fps=29.97 is not allowed"),
        ("{tmp}/out.mp4", (64, 48), "30", "fps='30' is not allowed"),
        ("{tmp}/out.mp4", (65, 48), 30, "width is odd"),
        ("{tmp}/out.mp4", (64, 49), 30, "height is odd"),
        ("{tmp}/out.mp4", (4096, 2160), 30, "too large: allowed up to 3840x2160"),
        ("{tmp}/out.mp4", (0, 48), 30, "must be >= 1"),
        ("{tmp}/frames/", (5000, 10), 30, "too large"),
    ],
)
def test_bad_requests_refused_before_recording(tmp_path, path, size, fps, needle):
    (tmp_path / "afile.txt").write_text("x")
    before = sorted(os.listdir(tmp_path))
    with pytest.raises(CaptureError) as info:
        Recording.start(path.format(tmp=tmp_path), size, fps)
    assert needle in str(info.value)
    assert sorted(os.listdir(tmp_path)) == before  # nothing was created


def test_bad_encoder_options_refused(tmp_path):
    with pytest.raises(CaptureError, match="preset='warp' is not allowed: use one of ultrafast"):
        Recording.start(tmp_path / "x.mp4", (64, 48), 30, preset="warp")
    with pytest.raises(CaptureError, match="crf=99"):
        Recording.start(tmp_path / "x.mp4", (64, 48), 30, crf=99)
    assert not (tmp_path / "x.mp4").exists()


def test_unwritable_directory_refused(tmp_path):
    if Path("/proc").is_dir():  # not writable even for root
        with pytest.raises(CaptureError, match="'/proc' is not writable"):
            Recording.start("/proc/glgan-test.mp4", (64, 48), 30)
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        with pytest.raises(CaptureError, match="is not writable"):
            Recording.start(locked / "x.mp4", (64, 48), 30)
        locked.chmod(0o700)


def test_wrong_frame_shape_is_refused_without_stopping(tmp_path):
    rec = Recording.start(tmp_path / "x.mp4", (64, 48), 30)
    with pytest.raises(CaptureError, match=r"expected \(48, 64, 3\) uint8"):
        rec.add_frame(np.zeros((64, 48, 3), np.uint8))
    rec.add_frame(pattern(0))
    assert rec.stop().frames_written == 1
    with pytest.raises(CaptureError, match="already stopped"):
        rec.add_frame(pattern(1))


# ----------------------------------------------------------------------------- failures
class FailingSink:
    """Wraps a real sink; writing frame ``fail_at`` raises ENOSPC like a full disk would."""

    def __init__(self, inner, fail_at: int):
        self.inner, self.fail_at = inner, fail_at
        self.path, self.size, self.fps = inner.path, inner.size, inner.fps
        self.frames_written = 0

    def write(self, frame):
        if self.frames_written == self.fail_at:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self.path))
        self.inner.write(frame)
        self.frames_written += 1

    def close(self):
        self.inner.close()


def test_encoder_failure_stops_and_leaves_playable_file(tmp_path):
    out = tmp_path / "disk_full.mp4"
    rec = Recording(FailingSink(VideoWriter(out, (64, 48), 30), fail_at=25), live=False)
    raised_on_submit = False
    for i in range(60):
        try:
            rec.add_frame(pattern(i))
        except CaptureError:
            raised_on_submit = True
            break
    with pytest.raises(CaptureError) as info:
        rec.stop()
    msg = str(info.value)
    assert "OSError" in msg and "No space left on device" in msg and str(out) in msg
    assert "25 frames were encoded" in msg
    assert info.value.summary.frames_written == 25
    assert rec.error is not None and not rec.active
    assert raised_on_submit or info.value.summary.frames_written == 25
    assert count_frames(out) == 25  # trailer written: the file plays up to the failure


def test_failure_is_raised_on_next_submit(tmp_path):
    sink = FailingSink(VideoWriter(tmp_path / "x.mkv", (64, 48), 30), fail_at=0)
    enc = AsyncEncoder(sink, queue_size=2)
    enc.submit(pattern(0))
    deadline = time.monotonic() + 5
    while enc.error is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert "recording stopped" in enc.status()
    with pytest.raises(CaptureError, match="OSError"):
        enc.submit(pattern(1))
    with pytest.raises(CaptureError, match="OSError"):
        enc.close()


class BrokenCloseSink(FailingSink):
    def close(self):
        self.inner.close()
        raise OSError(errno.EIO, "I/O error while writing trailer")


def test_failure_while_finishing_is_reported(tmp_path):
    rec = Recording(BrokenCloseSink(VideoWriter(tmp_path / "x.mp4", (64, 48), 30), 10**9))
    rec.add_frame(pattern(0))
    with pytest.raises(CaptureError, match="finishing .* failed after 1 frames: OSError"):
        rec.stop()


# ----------------------------------------------------------------------------- live vs offline
class SlowSink:
    """Counts frames; each write takes ``delay`` seconds (a slow encoder or disk)."""

    def __init__(self, path: Path, delay: float):
        self.path, self.size, self.fps, self.delay = path, (64, 48), 30, delay
        self.frames_written = 0
        self.closed = False

    def write(self, frame):
        time.sleep(self.delay)
        self.frames_written += 1

    def close(self):
        self.closed = True


def test_live_mode_drops_and_reports(tmp_path):
    sink = SlowSink(tmp_path / "live.mp4", delay=0.02)
    rec = Recording(sink, live=True, queue_size=2)
    accepted = [rec.add_frame(pattern(i)) for i in range(40)]
    assert not all(accepted)
    assert rec.dropped == accepted.count(False) > 0
    assert rec.lagging and "dropped" in rec.status() and "lagging" in rec.status()
    summary = rec.stop()
    assert summary.dropped == rec.dropped
    assert summary.frames_written + summary.dropped == 40 == sink.frames_written + rec.dropped
    assert sink.closed


def test_blocking_mode_writes_everything(tmp_path):
    sink = SlowSink(tmp_path / "offline.mp4", delay=0.005)
    rec = Recording(sink, live=False, queue_size=2)
    assert all(rec.add_frame(pattern(i)) for i in range(40))
    summary = rec.stop()
    assert summary.frames_written == sink.frames_written == 40 and summary.dropped == 0
    assert summary.seconds == pytest.approx(40 / 30)


KILLED_WRITER = r"""
import sys, numpy as np
from glgan.capture.sinks import VideoWriter
path, ready = sys.argv[1:3]
w = VideoWriter(path, (64, 48), 30)
for i in range(100000):
    w.write(np.full((48, 64, 3), i % 255, np.uint8))
    if i == 95:  # a bit over three seconds of video: three fragments are out
        open(ready, "w").close()
"""


@pytest.mark.parametrize("suffix", [".mp4", ".mkv"])
def test_a_killed_recording_leaves_the_old_file_and_a_playable_partial(tmp_path, suffix):
    import signal
    import subprocess
    import sys
    import time

    import av

    out, ready = tmp_path / f"clip{suffix}", tmp_path / "ready"
    out.write_bytes(b"the previous recording")
    script = tmp_path / "w.py"
    script.write_text(KILLED_WRITER)
    proc = subprocess.Popen([sys.executable, str(script), str(out), str(ready)])
    end = time.monotonic() + 120
    while not ready.exists() and time.monotonic() < end and proc.poll() is None:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert out.read_bytes() == b"the previous recording"  # never truncated
    partial = tmp_path / f"clip.partial{suffix}"
    with av.open(str(partial)) as container:
        frames = sum(1 for _ in container.decode(video=0))
    assert frames >= 30  # at least the first second survives the kill
