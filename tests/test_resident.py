"""The resident path of issue 12: an engine whose kernels write a frame's results straight into
a view's published GL objects (frame.ViewTargets). Through the CPU emulation (cudasim: the
jobs go through each target's host upload, every step but the CUDA mapping) and, on a GPU, with
real CUDA-OpenGL sharing (zero device -> host copies of visual data): the view draws exactly
what it draws from the same frame uploaded from the host, glides the same way, and refuses
frames beyond its capacity."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from glgan.compute.api import make_engine
from glgan.compute.backend import cupy_status
from glgan.config import preset
from glgan.frame import ViewCapacity
from glgan.layers import Layers
from glgan.render import OffscreenRenderer

HAS_GPU = cupy_status()[0] is not None
BACKENDS = [pytest.param("cudasim", marks=[
    pytest.mark.cudasim, pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")]),
    pytest.param("cuda", marks=[pytest.mark.gpu, pytest.mark.skipif(
        not HAS_GPU, reason="needs an NVIDIA GPU with CuPy")])]
pytestmark = pytest.mark.gl
SIZE = (160, 160)
CAP = ViewCapacity(manifold_cells=24, field_res=96)


CONFIGS = (preset("ring"), preset("gaussians").replace(seed=9))


def _engine(backend, noise_dim=2, configs=CONFIGS):
    eng = make_engine([c.replace(noise_dim=noise_dim) for c in configs], backend=backend)
    eng.train(20)
    return eng


def _resident(r, eng, run, time_s=None, host_arrays=False, **kw):
    """One frame of ``run`` written by ``eng`` into ``r``'s view."""
    return r.view.update_from(
        lambda t: eng.frame(targets={run: t}, host_arrays=host_arrays, **kw)[run], time_s)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("noise_dim", [1, 2])
def test_a_resident_frame_draws_what_the_uploaded_frame_draws(gl_ctx, backend, noise_dim):
    kw = dict(field_res=71, bounds=(-0.2, -0.1, 1.3, 1.1), manifold_cells=13)
    with OffscreenRenderer(ctx=gl_ctx, capacity=CAP) as a, \
            OffscreenRenderer(ctx=gl_ctx, capacity=CAP) as b:
        for config in CONFIGS:  # one run per engine: no other run needs host arrays
            eng, run = _engine(backend, noise_dim, [config]), 0
            copies = eng.visual_host_copies
            f = _resident(a, eng, run, **kw)
            assert f.resident is not None and f.resident.fake == 150
            assert f.fake.shape == (0, 2) and f.field.shape == (0, 0)  # nothing copied
            assert f.noise_dim == noise_dim and np.isfinite([f.kl, f.js, f.d_loss]).all()
            assert eng.visual_host_copies == copies
            host = eng.frame(**kw)[run]  # the same numbers through the host
            assert host.resident is None
            for lay in (Layers.all(), Layers(), Layers.none(gradients=True, fake=True,
                                                            gradient_source="g")):
                img_a = a.render(None, SIZE, lay).astype(int)
                img_b = b.render(host, SIZE, lay).astype(int)
                assert np.abs(img_a - img_b).max() <= 1, (config, lay)
            eng.release_targets()
        assert gl_ctx.error == "GL_NO_ERROR"


@pytest.mark.parametrize("backend", BACKENDS)
def test_host_arrays_of_a_resident_frame_are_counted_copies(gl_ctx, backend):
    eng = _engine(backend, configs=CONFIGS[:1])
    with OffscreenRenderer(ctx=gl_ctx, capacity=CAP) as r:
        before = eng.visual_host_copies
        f = _resident(r, eng, 0, host_arrays=True, field_res=32)
        assert eng.visual_host_copies == before + 1
        ref = eng.frame(field_res=32)[0]
        for k in ("fake", "grad_d", "grad_g", "field", "manifold", "manifold_alpha"):
            np.testing.assert_array_equal(getattr(f, k), getattr(ref, k), err_msg=k)
    eng.release_targets()


@pytest.mark.parametrize("backend", BACKENDS)
def test_resident_frames_glide_like_uploaded_ones(gl_ctx, backend):
    """Training between frames, re-targeted mid-glide: the picture at every moment is the
    one the host path draws (the glide start is captured on the GPU in both)."""
    eng = _engine(backend)
    lay = Layers.none(fake=True, gradients=True, point_size=2)
    with OffscreenRenderer(ctx=gl_ctx, capacity=CAP, transition_s=1.0) as a, \
            OffscreenRenderer(ctx=gl_ctx, capacity=CAP, transition_s=1.0) as b:
        for step, t in enumerate((0.0, 0.4, 0.7, 2.5)):
            if step:
                eng.train(30)
            _resident(a, eng, 0, time_s=t, field_res=8)
            b.view.update(eng.frame(field_res=8)[0], t)
            for dt in (0.0, 0.3):
                img_a = a.render(None, SIZE, lay, time_s=t + dt).astype(int)
                img_b = b.render(None, SIZE, lay, time_s=t + dt).astype(int)
                assert np.abs(img_a - img_b).max() <= 1, (t, dt)
    eng.release_targets()


def test_targets_are_checked_and_ignored_on_the_host(gl_ctx):
    numpy_eng = _engine("numpy")
    with OffscreenRenderer(ctx=gl_ctx, capacity=CAP) as r:
        f = numpy_eng.frame(field_res=16, targets={0: r.view.targets()}, host_arrays=False)[0]
        assert f.resident is None and f.field.shape == (16, 16)  # the view uploads it
        assert numpy_eng.visual_host_copies == 0
        with pytest.raises(ValueError, match="run=2 is out of range"):
            numpy_eng.frame(targets={2: r.view.targets()})
        with pytest.raises(ValueError, match="resident"):
            r.view.update(_resident_frame_for_check(f))


def _resident_frame_for_check(f):
    from dataclasses import replace

    from glgan.frame import Resident

    return replace(f, resident=Resident(16, 20, 150))


@pytest.mark.cudasim
@pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")
def test_a_frame_beyond_the_view_s_capacity_is_refused(gl_ctx):
    eng = _engine("cudasim")
    with OffscreenRenderer(ctx=gl_ctx, capacity=CAP) as r:
        for kw, what in ((dict(field_res=97), "field_res=97"),
                         (dict(manifold_cells=25), "manifold_cells=25")):
            with pytest.raises(ValueError, match=what):
                eng.frame(targets={0: r.view.targets()}, **kw)


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_app_on_the_kernels_writes_the_view_directly(gl_ctx, tmp_path, backend):
    """With the kernel backend the view's GL objects are written by the engine: no host copy
    of visual data while the overlay is hidden, host arrays for the overlay once it shows,
    and the same picture as the NumPy app; fitting the view still sees the fakes."""
    from glgan.app import App
    from glgan.ui import commands as cmd

    size = (320, 240)
    fbo = gl_ctx.simple_framebuffer(size, components=4)
    images = {}
    for be in ("numpy", backend):
        a = App(gl_ctx, size, preset("gaussians"), pretrained=True, out_dir=tmp_path, backend=be)
        a.ui.overlay_visible = False
        for _ in range(3):
            a.render(fbo, 1 / 60)
        f = a.frame_data
        assert (f.resident is not None) == (be != "numpy")
        assert a.engine.visual_host_copies == 0
        images[be] = np.frombuffer(fbo.read(components=3), np.uint8).astype(int)
        if be != "numpy":
            assert f.fake.shape == (0, 2)
            a.apply([cmd.FitView("samples")])
            fake = a.engine.generator(f.noise)
            x0, y0, x1, y1 = a.view.bounds
            assert x0 <= fake[:, 0].min() and x1 >= fake[:, 0].max()
            a.ui.overlay_visible = True
            a.render(fbo, 1 / 60)
            assert a.frame_data.fake.shape == (150, 2) and a.engine.visual_host_copies == 1
        a.close()
    diff = np.abs(images["numpy"] - images[backend])
    assert diff.max() <= 8 and (diff > 2).mean() < 1e-3  # float32 rounding of D and G only
    fbo.release()


def test_cuda_gl_share_hands_cuda_bindings_arguments_it_accepts():
    """Without a GPU the driver calls fail, but only after cuda-bindings accepted the
    arguments: the handle array given to map/unmap (a Python list is refused with a
    TypeError), the stream and the flags. Every failure is a BackendError naming the step."""
    runtime = pytest.importorskip("cuda.bindings.runtime")
    if HAS_GPU:
        pytest.skip("a GPU is present: the real sharing is tested above")
    import types

    from glgan.compute.backend import BackendError
    from glgan.compute.cuda.glshare import CudaGlShare
    from glgan.frame import GlTarget

    fake_cupy = types.SimpleNamespace(cuda=types.SimpleNamespace(
        get_current_stream=lambda: types.SimpleNamespace(ptr=0),
        Device=lambda: types.SimpleNamespace(id=0)))
    share = CudaGlShare(fake_cupy)
    target = GlTarget(7, "buffer", (4, 2))
    with pytest.raises(BackendError, match="registering GL buffer 7"):
        share.write([(target, np.zeros((2, 2), np.float32))])
    share._resources[("buffer", 7)] = runtime.cudaGraphicsResource_t(0)
    share._resources[("texture", 8)] = runtime.cudaGraphicsResource_t(0)
    with pytest.raises(BackendError, match="mapping failed"):
        share.write([(target, np.zeros((2, 2), np.float32)),
                     (GlTarget(8, "texture", (4, 4)), np.zeros((3, 3), np.float32))])
    with pytest.raises(ValueError, match="does not fit"):
        share.write([(target, np.zeros((5, 2), np.float32))])
    share.release()
