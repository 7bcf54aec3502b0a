"""Shader files: every program compiles, every uniform Python sets exists, compile errors name
file and line through includes, reload() keeps the last good program."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from render_fixtures import make_frame

from glgan.render.layered_view import UNIFORMS, VIEW_BLOCK, LayeredView
from glgan.render.shaders import ShaderError, ShaderLibrary

pytestmark = pytest.mark.gl
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def shader_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "shaders"
    shutil.copytree(ShaderLibrary.default_dir(), dst)
    return dst


def test_default_dir_is_repo_shaders(monkeypatch, tmp_path):
    monkeypatch.delenv("GLGAN_SHADER_DIR", raising=False)
    assert ShaderLibrary.default_dir() == REPO / "shaders"
    monkeypatch.setenv("GLGAN_SHADER_DIR", str(tmp_path))
    assert ShaderLibrary.default_dir() == tmp_path


def test_every_program_file_is_used_and_compiles(gl_ctx):
    lib = ShaderLibrary(gl_ctx)
    assert set(lib.names()) == set(UNIFORMS), "every shaders/*.glsl needs an UNIFORMS entry"
    for name in lib.names():
        prog = lib.program(name)
        captures = [k for k in prog if type(prog[k]).__name__ == "Varying"]
        if name == "glide.glsl":  # transform feedback: draws nothing, captures out_pos
            assert captures == ["out_pos"]
        else:
            assert VIEW_BLOCK in prog and not captures, f"{name} lacks the View block"
    lib.release()


@pytest.mark.parametrize("name", sorted(UNIFORMS))
def test_declared_uniforms_exist(gl_ctx, name):
    prog = ShaderLibrary(gl_ctx).program(name)
    missing = [u for u in UNIFORMS[name] if u not in prog]
    assert not missing, f"{name}: uniforms set from Python but absent (or unused) in GLSL"


def test_set_refuses_undeclared_uniform(gl_ctx):
    lv = LayeredView(gl_ctx)
    with pytest.raises(KeyError, match="not declared"):
        lv._set("points.glsl", u_bogus=1.0)
    lv.release()


def test_include_expansion_line_map(gl_ctx):
    lib = ShaderLibrary(gl_ctx)
    src = lib.preprocess("points.glsl", "VERTEX_SHADER")
    assert src.text.startswith("#version 330 core\n#define VERTEX_SHADER\n")
    assert "#include" not in src.text
    lines = src.text.splitlines()
    assert len(lines) == len(src.origin)
    i = next(k for k, s in enumerate(lines) if "vec2 world_to_px" in s)
    path, line = src.origin[i]
    assert path.name == "view.glsl"
    assert "vec2 world_to_px" in path.read_text().splitlines()[line - 1]


def test_compile_error_in_include_names_file_and_line(gl_ctx, shader_copy):
    (shader_copy / "common" / "broken.glsl").write_text(
        "// a helper\n\nfloat broken_helper() { return 1.0 + ; }\n")
    (shader_copy / "bad.glsl").write_text(
        "#version 330 core\n#include common/view.glsl\n#if defined VERTEX_SHADER\n"
        "#include common/broken.glsl\nin vec2 in_pos;\n"
        "void main() { gl_Position = world_to_clip(in_pos); }\n"
        "#elif defined FRAGMENT_SHADER\nout vec4 f_color;\n"
        "void main() { f_color = vec4(1.0); }\n#endif\n")
    lib = ShaderLibrary(gl_ctx, shader_copy)
    with pytest.raises(ShaderError) as err:
        lib.program("bad.glsl")
    assert err.value.path.name == "broken.glsl" and err.value.line == 3
    assert re.search(r"broken\.glsl:3: \[vertex_shader\]", str(err.value)), str(err.value)


def test_compile_error_in_main_file_names_line(gl_ctx, shader_copy):
    text = (shader_copy / "points.glsl").read_text().splitlines()
    k = next(i for i, s in enumerate(text) if "float cov = disc_coverage" in s)
    text[k] = "    float cov = disc_coverage(length(v_offset_px), undefined_thing);"
    (shader_copy / "points.glsl").write_text("\n".join(text) + "\n")
    with pytest.raises(ShaderError) as err:
        ShaderLibrary(gl_ctx, shader_copy).program("points.glsl")
    assert f"points.glsl:{k + 1}: [fragment_shader]" in str(err.value), str(err.value)


def test_missing_include_and_version(gl_ctx, shader_copy):
    (shader_copy / "noinc.glsl").write_text("#version 330 core\n#include common/nope.glsl\n")
    (shader_copy / "nover.glsl").write_text("#if defined VERTEX_SHADER\n#endif\n")
    lib = ShaderLibrary(gl_ctx, shader_copy)
    with pytest.raises(ShaderError, match=r"noinc\.glsl:2: include not found"):
        lib.program("noinc.glsl")
    with pytest.raises(ShaderError, match=r"nover\.glsl:1: first line must be #version"):
        lib.program("nover.glsl")


def test_reload_keeps_last_good_program(gl_ctx, shader_copy):
    lib = ShaderLibrary(gl_ctx, shader_copy)
    lv = LayeredView(gl_ctx, shaders=lib)
    frame = make_frame(real=[(0.5, 0.5)])
    lv.update(frame)
    fbo = gl_ctx.simple_framebuffer((32, 32))
    fbo.use()
    lv.draw((32, 32))
    good = lib.program("points.glsl")
    gen = lib.generation

    path = shader_copy / "points.glsl"
    original = path.read_text()
    path.write_text(original.replace("out vec4 f_color;", "out vec4 f_color; syntax error;"))
    errors = lv.reload_shaders()
    assert len(errors) == 1 and "points.glsl" in str(errors[0])
    assert lib.program("points.glsl") is good
    lv.draw((32, 32))             # still draws with the old program
    px = np.frombuffer(fbo.read(), np.uint8).reshape(32, 32, 3)
    assert px[16, 16, 1] > px[16, 16, 0] + 40   # the green real sample is there

    path.write_text(original.replace("u_color.a * cov", "u_color.a * cov * 1.0"))
    assert lv.reload_shaders() == []
    assert lib.program("points.glsl") is not good and lib.generation > gen
    lv.draw((32, 32))
    assert gl_ctx.error == "GL_NO_ERROR"
    lv.release()


def test_render_package_does_not_import_compute():
    for path in (REPO / "glgan" / "render").glob("*.py"):
        src = path.read_text()
        assert not re.search(r"^\s*(from|import)\s+glgan\.compute", src, re.M), path
        assert "from glgan import compute" not in src, path
