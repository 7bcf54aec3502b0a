"""The compare grid drawn with instancing (issue 13): one LayeredView holds every run in a slot
(buffers with a region per slot, field textures with a tile per slot) and ``draw_cells`` draws
each layer for all shown runs with one draw call, each run clipped to its own cell. These tests
check that the grid is exactly the runs drawn one at a time, that nothing leaks between cells,
that the number of draw calls does not grow with the runs, and that an engine writing into a
slot's published targets (the resident path) lands in that slot only."""

from __future__ import annotations

import shutil
from dataclasses import replace

import moderngl
import numpy as np
import pytest

from glgan.compute.api import make_engine
from glgan.compute.backend import cupy_status
from glgan.config import preset
from glgan.frame import ViewCapacity
from glgan.layers import Layers
from glgan.render.layered_view import MAX_SLOTS, LayeredView, update_views
from glgan.render.shaders import ShaderLibrary
from glgan.render.view import View
from tests.render_fixtures import golden_frame, identity_manifold, make_frame

pytestmark = pytest.mark.gl
FB = (420, 420)
GAP = 20
SIDE = 192  # a multiple of the fields' texels: no pixel centre on a blocky texel edge (a tie)
CELLS = [(k, (GAP + (k % 2) * 200, GAP + (k // 2) * 200, SIDE, SIDE)) for k in range(4)]
BACKGROUND = (0.2, 0.1, 0.3, 1.0)
CAP = ViewCapacity(manifold_cells=24, field_res=96)


def _frames() -> list:
    """Four distinct runs: a rich 2-D state, its 1-D twin, a shifted copy with fewer fakes and
    another field, and one whose mesh is finer."""
    a, b = golden_frame(2), golden_frame(1)
    c = replace(golden_frame(2), fake=a.fake[:7] * 0.8 + 0.1, grad_d=a.grad_d[:7],
                grad_g=a.grad_g[:7], noise=a.noise[:7], field=1.0 - a.field,
                field_bounds=(-0.1, -0.1, 1.1, 1.1))
    d = make_frame(field=np.linspace(0, 1, 144, dtype=np.float32).reshape(12, 12),
                   real=[(0.2, 0.2), (0.8, 0.3)], fake=[(0.5, 0.5), (0.3, 0.8)],
                   grad_d=[(0.1, 0.0), (0.0, -0.1)], grad_g=[(0.0, 0.1), (-0.1, 0.0)],
                   manifold=identity_manifold(8, 0.1, 0.9),
                   manifold_alpha=np.linspace(0.1, 0.9, 64).reshape(8, 8))
    return [a, b, c, d]


def _read(fbo) -> np.ndarray:
    return np.frombuffer(fbo.read(components=3), np.uint8).reshape(FB[1], FB[0], 3)[::-1]


@pytest.fixture
def fbo(gl_ctx):
    f = gl_ctx.simple_framebuffer(FB, components=4)
    yield f
    f.release()


def _grid_view(ctx, shaders, frames, slots=4):
    view = LayeredView(ctx, shaders, transition_s=0.0, capacity=CAP, slots=slots)
    for k, frame in enumerate(frames):
        view.update(frame, slot=k)
    return view


@pytest.mark.parametrize("layers", [Layers(), Layers.all(), Layers.all(blocky=True)],
                         ids=["default", "all", "blocky"])
@pytest.mark.parametrize("camera", [View(), View((0.3, 0.3, 0.7, 0.7)),
                                    View((-0.8, -0.8, 1.8, 1.8))],
                         ids=["unit", "zoomed-in", "zoomed-out"])
def test_the_grid_is_each_run_drawn_alone(gl_ctx, fbo, layers, camera):
    """One draw call per layer for all four runs gives the picture of four separate views
    (the single-run renderer, one LayeredView each) drawn into the same cells."""
    shaders = ShaderLibrary(gl_ctx)
    frames = _frames()
    grid = _grid_view(gl_ctx, shaders, frames)
    grid.set_optimal(np.linspace(0, 1, 100).reshape(10, 10), (0, 0, 1, 1), slot=2)
    grid.set_trails([np.array([(0.1, 0.1), (0.4, 0.2), (0.6, 0.7)])], slot=3)
    grid.set_trails([np.array([(0.9, 0.1), (0.5, 0.5)]), np.array([(0.2, 0.8), (0.3, 0.3)])],
                    slot=1)  # trails are packed: slot 1's steps come before slot 3's
    grid.set_value_scale(0.3, 2.0, slot=1)
    fbo.use()
    fbo.clear(*BACKGROUND)
    grid.draw_cells(CELLS, camera, layers)
    together = _read(fbo)

    fbo.clear(*BACKGROUND)
    for k, frame in enumerate(frames):
        alone = LayeredView(gl_ctx, shaders, transition_s=0.0, capacity=CAP)
        alone.update(frame)
        if k == 2:
            alone.set_optimal(np.linspace(0, 1, 100).reshape(10, 10), (0, 0, 1, 1))
        if k == 3:
            alone.set_trails([np.array([(0.1, 0.1), (0.4, 0.2), (0.6, 0.7)])])
        if k == 1:
            alone.set_value_scale(0.3, 2.0)
            alone.set_trails([np.array([(0.9, 0.1), (0.5, 0.5)]),
                              np.array([(0.2, 0.8), (0.3, 0.3)])])
        fbo.use()
        alone.draw(CELLS[k][1], camera, layers)
        alone.release()
    separately = _read(fbo)
    grid.release()
    shaders.release()
    assert gl_ctx.error == "GL_NO_ERROR"
    diff = np.abs(together.astype(int) - separately.astype(int))
    # identical up to the rounding of linear filtering at a few texel boundaries (the tiles'
    # texture coordinates are normalised by the atlas's size, not the field's)
    bad = np.argwhere(diff.max(-1) > 1)
    assert diff.max() <= 4 and len(bad) <= 0.002 * diff[..., 0].size, (bad[:5], len(bad))
    # and the four cells really differ (the slots did not all draw one run)
    crops = [together[CELLS[k][1][1]:CELLS[k][1][1] + SIDE, CELLS[k][1][0]:CELLS[k][1][0] + SIDE]
             for k in range(4)]
    for i in range(4):
        for j in range(i + 1, 4):
            assert np.abs(crops[i].astype(int) - crops[j].astype(int)).mean() > 2, (i, j)


def test_nothing_leaks_out_of_a_cell(gl_ctx, fbo):
    """Zoomed in, the heatmap quad and the samples reach far past each cell: the gaps between
    the cells keep the framebuffer's own colour (each slot is clipped to its cell)."""
    grid = _grid_view(gl_ctx, None, _frames())
    fbo.use()
    fbo.clear(*BACKGROUND)
    grid.draw_cells(CELLS, View((0.45, 0.45, 0.55, 0.55)), Layers.all())
    img = _read(fbo).astype(int)
    grid.release()
    bg = (np.array(BACKGROUND[:3]) * 255).round()
    inside = np.zeros(img.shape[:2], bool)
    for _, (x, y, w, h) in CELLS:
        inside[FB[1] - y - h:FB[1] - y, x:x + w] = True
    assert np.abs(img[~inside] - bg).max() <= 1
    assert np.abs(img[inside] - bg).max(axis=-1).min() >= 0  # (the cells are drawn: below)
    assert (np.abs(img[inside] - bg).max(axis=-1) > 10).mean() > 0.9


def test_one_draw_call_per_layer_whatever_the_number_of_runs(gl_ctx, fbo, monkeypatch):
    calls = []
    original = moderngl.VertexArray.render

    def counting(self, *args, **kw):
        calls.append(kw.get("instances", 1))
        return original(self, *args, **kw)

    monkeypatch.setattr(moderngl.VertexArray, "render", counting)
    frames = [golden_frame(2)] * 9
    grid = _grid_view(gl_ctx, None, frames, slots=9)
    cells = [(k, ((k % 3) * 140, (k // 3) * 140, 130, 130)) for k in range(9)]
    fbo.use()
    counts = []
    for n in (1, 4, 9):
        calls.clear()
        grid.draw_cells(cells[:n], View(), Layers.all())
        counts.append(len(calls))
    # one slot draws exactly its rows in use (not its capacity): 80 real samples, 24 fakes,
    # the 8 x 8 mesh's 8 * 9 cells
    calls.clear()
    grid.draw_cells([(0, (0, 0, 130, 130))], View(), Layers.none(real=True, fake=True,
                                                                  manifold=True))
    grid.release()
    assert counts[0] == counts[1] == counts[2], counts
    assert counts[0] <= 12  # heatmap, contour, flow, real, kites, trails?, fake, mesh x3
    assert calls[:3] == [80, 24, 8 * 9], calls


def test_slots_are_independent(gl_ctx, fbo):
    """A slot that was never updated (or was cleared) draws only its background; writing one
    slot's targets leaves the others as they were; each slot glides on its own clock."""
    frames = _frames()
    grid = LayeredView(gl_ctx, transition_s=1.0, capacity=CAP, slots=4)
    grid.update(frames[0], 0.0, slot=0)
    grid.update(frames[2], 0.0, slot=2)
    lay = Layers()
    fbo.use()
    fbo.clear(*BACKGROUND)
    grid.draw_cells(CELLS, View(), lay, time_s=5.0)
    first = _read(fbo)
    # slot 1 never updated: its cell is the view's background only
    x, y, w, h = CELLS[1][1]
    cell1 = first[FB[1] - y - h:FB[1] - y, x:x + w].reshape(-1, 3)
    assert len(np.unique(cell1, axis=0)) == 1
    # a new frame for slot 2 through its published targets: slot 0's picture is unchanged
    targets = grid.targets(2)
    grid.begin_update(5.0, slot=2)
    moved = replace(frames[2], fake=frames[2].fake + 0.05)
    for key in ("fake", "grad_d", "grad_g"):
        targets.targets[key].write(np.asarray(getattr(moved, key), np.float32))
    targets.targets["field"].write(np.asarray(moved.field, np.float32))
    targets.targets["mesh"].write(np.asarray(moved.manifold, np.float32).reshape(-1, 2))
    targets.targets["manifold_alpha"].write(np.asarray(moved.manifold_alpha, np.float32))
    grid.end_update(moved, 5.0, slot=2)
    assert grid.animating(5.5, slot=2) and not grid.animating(5.5, slot=0)
    fbo.clear(*BACKGROUND)
    grid.draw_cells(CELLS, View(), lay, time_s=7.0)
    second = _read(fbo)
    for k in (0, 1, 3):
        x, y, w, h = CELLS[k][1]
        np.testing.assert_array_equal(first[FB[1] - y - h:FB[1] - y, x:x + w],
                                      second[FB[1] - y - h:FB[1] - y, x:x + w], err_msg=str(k))
    x, y, w, h = CELLS[2][1]
    assert np.abs(first[FB[1] - y - h:FB[1] - y, x:x + w].astype(int)
                  - second[FB[1] - y - h:FB[1] - y, x:x + w].astype(int)).max() > 50
    grid.clear_slot(2)
    fbo.clear(*BACKGROUND)
    grid.draw_cells(CELLS, View(), lay, time_s=8.0)
    cell2 = _read(fbo)[FB[1] - y - h:FB[1] - y, x:x + w].reshape(-1, 3)
    assert len(np.unique(cell2, axis=0)) == 1
    grid.release()


def test_bad_slots_are_refused(gl_ctx):
    with pytest.raises(ValueError, match="slots=17"):
        LayeredView(gl_ctx, slots=MAX_SLOTS + 1)
    grid = LayeredView(gl_ctx, capacity=CAP, slots=2)
    try:
        with pytest.raises(ValueError, match="slot=2"):
            grid.update(golden_frame(), slot=2)
        with pytest.raises(ValueError, match="more than one cell"):
            grid.draw_cells([(0, (0, 0, 10, 10)), (0, (10, 0, 10, 10))])
        with pytest.raises(ValueError, match="at most 96 x 96"):
            grid.targets(1).targets["field"].write(np.zeros((97, 97), np.float32))
    finally:
        grid.release()


def test_the_shader_slot_limit_matches_python():
    from pathlib import Path

    text = (Path(__file__).parents[1] / "shaders" / "common" / "view.glsl").read_text()
    assert f"#define MAX_SLOTS {MAX_SLOTS}" in text


HAS_GPU = cupy_status()[0] is not None
BACKENDS = [pytest.param("cudasim", marks=[
    pytest.mark.cudasim, pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")]),
    pytest.param("cuda", marks=[pytest.mark.gpu, pytest.mark.skipif(
        not HAS_GPU, reason="needs an NVIDIA GPU with CuPy")])]


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_engine_writes_each_run_into_its_slot(gl_ctx, fbo, backend):
    """The resident path into one shared view: the kernels' two runs are written into slots
    0 and 1 through their targets (offsets into the shared buffers and tiles; on a GPU by
    CUDA-OpenGL sharing, one registration per GL object) and draw what the same frames
    uploaded from the host draw."""
    configs = [preset("ring"), preset("gaussians").replace(seed=9)]
    eng = make_engine(configs, backend=backend)
    eng.train(20)
    kw = dict(field_res=40, bounds=(-0.2, -0.1, 1.3, 1.1), manifold_cells=13)
    resident = LayeredView(gl_ctx, transition_s=0.0, capacity=CAP, slots=2)
    frames = update_views({k: resident.slot(k) for k in (0, 1)},
                          lambda t: eng.frame(targets=t, host_arrays=False, **kw))
    assert all(f.resident is not None for f in frames.values())
    host = _grid_view(gl_ctx, None, [eng.frame(**kw)[k] for k in (0, 1)], slots=2)
    images = []
    for view in (resident, host):
        fbo.use()
        fbo.clear(*BACKGROUND)
        view.draw_cells(CELLS[:2], View(), Layers.all())
        images.append(_read(fbo).astype(int))
        view.release()
    eng.release_targets()
    assert np.abs(images[0] - images[1]).max() <= 1
