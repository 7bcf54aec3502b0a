"""Bad shader folders give one clear ``glgan: error:`` line and exit status 2, never a
traceback: missing, empty, a non-UTF-8 file, an include cycle, a FIFO in place of a shader."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from glgan.cli import main

SHADERS = Path(__file__).resolve().parents[1] / "shaders"


def _folder(tmp_path: Path, kind: str) -> Path:
    d = tmp_path / "shaders"
    if kind == "missing":
        return d
    if kind == "empty":
        d.mkdir()
        return d
    shutil.copytree(SHADERS, d)
    if kind == "not-utf8":
        (d / "heatmap.glsl").write_bytes(b"\xff\xfe not text")
    elif kind == "include-cycle":
        (d / "common" / "loop.glsl").write_text('#include "common/loop.glsl"\n')
        text = (d / "heatmap.glsl").read_text()
        (d / "heatmap.glsl").write_text('#include "common/loop.glsl"\n' + text)
    elif kind == "fifo":
        (d / "heatmap.glsl").unlink()
        os.mkfifo(d / "heatmap.glsl")
    return d


@pytest.mark.parametrize("kind,match", [
    ("missing", "cannot read shader"), ("empty", "cannot read shader"),
    ("not-utf8", "not UTF-8 text"), ("include-cycle", "include cycle"),
    ("fifo", "heatmap.glsl"),
])
def test_bad_shader_folders_are_one_clear_line(tmp_path, monkeypatch, capsys, kind, match):
    monkeypatch.setenv("GLGAN_SHADER_DIR", str(_folder(tmp_path, kind)))
    code = main(["snapshot", "--epochs", "1", "--size", "32x32", "--out",
                 str(tmp_path / "a.png")])
    err = capsys.readouterr().err
    assert code == 2 and match in err and err.startswith("glgan: error: ")
    assert "Traceback" not in err and not (tmp_path / "a.png").exists()


def test_no_display_and_no_egl_are_one_clear_line(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert main(["run"]) == 2
    assert "no display found" in capsys.readouterr().out

    from glgan.render import offscreen

    def no_egl(*a, **k):
        raise Exception("eglGetError not found")  # what a broken libEGL gives

    monkeypatch.setattr(offscreen.moderngl, "create_context", no_egl)
    assert main(["snapshot", "--epochs", "1", "--size", "32x32", "--out",
                 str(tmp_path / "a.png")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("glgan: error: no headless OpenGL 3.3 context") and "libegl1" in err
    assert "Traceback" not in err
