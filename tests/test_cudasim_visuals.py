"""The visual kernel (glgan/compute/cuda/visuals.cu) against the NumPy engine's frame(), on the
same weights: fakes, D's predictions (a critic's raw values), both gradient kinds (every
loss), the field over any area and resolution (several chunks of points), the manifold (2-D
and 1-D noise) with its opacities; through the CPU emulation (cudasim) and, where there is
one, on the GPU."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from glgan.compute.api import make_engine
from glgan.compute.backend import cupy_status
from glgan.config import GanConfig, preset

pytestmark = [pytest.mark.cudasim,
              pytest.mark.skipif(shutil.which("g++") is None, reason="cudasim needs g++")]
HAS_GPU = cupy_status()[0] is not None
BACKENDS = ["cudasim", pytest.param("cuda", marks=[
    pytest.mark.gpu, pytest.mark.skipif(not HAS_GPU, reason="needs an NVIDIA GPU with CuPy")])]
FIELDS = ("fake", "grad_d", "grad_g", "pred_fake", "pred_real", "field", "manifold", "noise",
          "real")


def frames_of_one_state(configs, backend, field_res, bounds, drawn=None):
    ref = make_engine(configs, drawn=drawn)
    ref.train(25)
    ref.train(1, kind="d")  # D ahead of G: gradients not at a stationary point
    other = make_engine(state=ref.snapshot(), backend=backend)
    return (ref.frame(field_res, bounds, 20), other.frame(field_res, bounds, 20))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("configs", [
    [preset("gaussians"), preset("gaussians").replace(loss="minimax", seed=3)],
    [preset("ring").replace(loss="leastsq", noise_dim=1)],
    [GanConfig(g_neurons=100, d_neurons=100, g_hidden_layers=3, d_hidden_layers=3)],
    [preset("disjoint").replace(dataset="drawn", noise_dist="uniform")],
    # a critic's raw values and gradient beside a probability D (hinge, log) in one launch
    [preset("gaussians").replace(loss="wasserstein", clip=0.1, d_lr=0.05, g_lr=0.05),
     preset("gaussians").replace(loss="hinge", seed=2, d_optimizer="momentum"),
     preset("gaussians").replace(seed=3, g_optimizer="rmsprop", g_lr=0.003)],
], ids=["gaussians-log-minimax", "ring-leastsq-1d", "3x100", "drawn-uniform",
        "critic-hinge-log"])
@pytest.mark.parametrize("field_res,bounds", [(1, (0, 0, 1, 1)), (71, (-1.5, -0.5, 2.0, 1.2))])
def test_visual_kernel_matches_the_engine(configs, field_res, bounds, backend):
    drawn = np.array([[0.3, 0.3], [0.7, 0.6]])
    ref, got = frames_of_one_state(configs, backend, field_res, bounds, drawn)
    for a, b in zip(ref, got):
        for k in FIELDS:
            x, y = getattr(a, k), getattr(b, k)
            assert x.shape == y.shape, k
            scale = max(float(np.abs(x).max()), 1e-3)
            np.testing.assert_allclose(y, x, rtol=1e-5, atol=2e-6 * scale, err_msg=k)
        if a.manifold_alpha.size:
            # GAN Lab's Gaussian-noise opacity grows as pdf / area: for the nearly collapsed
            # cells of a generator that has collapsed, a 1e-6 rounding of the vertices moves
            # it by up to ~1e-2 (invisible); elsewhere it agrees to ~1e-5
            np.testing.assert_allclose(b.manifold_alpha, a.manifold_alpha, atol=2e-2)
            close = np.abs(b.manifold_alpha - a.manifold_alpha) < 1e-3
            assert close.mean() > 0.9
        assert (a.epoch, a.d_loss, a.g_loss) == (b.epoch, b.d_loss, b.g_loss)
        assert a.field_bounds == b.field_bounds


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("noise_dist", ["uniform", "gaussian"])
def test_opacities_on_the_device_equal_the_host_formula_on_the_same_mesh(noise_dist, backend):
    """glgan_metrics' manifold opacities equal metrics.manifold_opacity applied to the mesh the
    kernel produced (same vertices: only the sum's order differs), for a trained, folded and
    a collapsed (all-zero) generator."""
    from glgan.compute import metrics

    configs = [preset("ring").replace(noise_dist=noise_dist),
               preset("gaussians").replace(noise_dist=noise_dist, seed=4)]
    eng = make_engine(configs, backend=backend)
    eng.train(40)
    state = eng.snapshot()
    state.runs[1].g_theta[:] = 0.0  # G constant: every cell has area 0
    eng.restore(state)
    for cells in (1, 7, 20):
        for f in eng.frame(field_res=4, manifold_cells=cells):
            want = metrics.manifold_opacity(f.manifold, noise_dist)
            assert f.manifold_alpha.shape == want.shape == (cells, cells)
            np.testing.assert_allclose(f.manifold_alpha, want, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("backend", BACKENDS)
def test_kl_and_js_on_the_device_equal_the_host_histograms(backend):
    """The grid KL/JS of every run, computed in one launch from the device histogram of G on
    the metric noise, equal the host's metrics.kl_js of the same histograms (so a wrong cell,
    clamp or normalisation fails), for a trained run, a run whose fakes all leave the unit
    square (clamped into edge cells) and 1-D noise; the history records them too."""
    from glgan.compute import metrics

    configs = [preset("gaussians"), preset("ring").replace(noise_dim=1, seed=2),
               preset("line").replace(seed=5, dataset="drawn")]
    eng = make_engine(configs, backend=backend, drawn=np.array([[0.99, 0.99], [0.985, 0.995]]))
    eng.train(30)
    state = eng.snapshot()
    g = state.runs[2].g_theta
    g[:] = 0.0
    g[-2:] = 7.0  # G's last bias: every fake at tanh(7), just inside the top right corner
    eng.restore(state)
    for run in range(3):
        batch, slot = eng._at(run)
        fake = eng.generator(batch._metric_noise[slot], run)
        want = metrics.kl_js(batch._metric_hist[slot], metrics.histogram(fake))
        got = eng.divergences(run)
        assert got == pytest.approx(want, rel=1e-9, abs=1e-12), run
    near = eng.divergences(2)[0]  # the fakes in a cell the drawn samples' jitter reaches
    g[-2:] = -40.0  # far outside the square: clamped into the opposite corner cell
    eng.restore(state)
    assert eng.divergences(2)[0] > near + 1
    eng.train(1)
    kl, js = eng.history(0).column("kl")[-1], eng.history(0).column("js")[-1]
    assert (kl, js) == eng.divergences(0) and np.isfinite([kl, js]).all()
