"""Backend selection: auto falls back to NumPy with one log line; cupy without a GPU is an error."""

import logging

import numpy as np
import pytest

from glgan.compute.api import make_engine
from glgan.compute.backend import BackendError, cupy_status, select_backend
from glgan.config import GanConfig

HAS_GPU = cupy_status()[0] is not None


def test_numpy_backend_is_always_available():
    be = select_backend("numpy")
    assert be.name == "numpy" and be.xp is np
    a = np.arange(3)
    assert be.to_host(a) is a


@pytest.mark.skipif(HAS_GPU, reason="a usable GPU is present")
def test_auto_falls_back_to_numpy_with_one_log_line_saying_why(caplog):
    with caplog.at_level(logging.INFO, logger="glgan.compute.backend"):
        be = select_backend("auto")
    assert be.name == "numpy"
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1 and "using numpy because" in lines[0]


@pytest.mark.skipif(HAS_GPU, reason="a usable GPU is present")
@pytest.mark.parametrize("name", ["cuda", "cupy"])
def test_gpu_backends_without_gpu_are_a_clear_error(name):
    with pytest.raises(BackendError, match=f"backend={name} cannot be used"):
        select_backend(name)
    with pytest.raises(BackendError, match=f"backend={name} cannot be used"):
        make_engine(backend=name)


def test_cli_says_why_a_backend_cannot_be_used(capsys):
    from glgan.cli import main

    if HAS_GPU:
        pytest.skip("a usable GPU is present")
    assert main(["train", "--epochs", "1", "--backend", "cuda"]) == 2
    err = capsys.readouterr().err
    assert "backend=cuda cannot be used" in err and "Traceback" not in err


@pytest.mark.cudasim
def test_kernels_compile_with_nvrtc_to_a_cubin_without_a_gpu():
    """NVRTC sees the kernel files as they are (no headers, unlike nvcc): compile them for
    sm_90 the way CuPy does on a GPU. (The fused kernels on the GPU against NumPy:
    tests/test_cudasim_train.py with backend cuda.)"""
    pytest.importorskip("cuda.bindings.nvrtc", reason="needs cuda-bindings and NVRTC")
    from glgan.compute.cuda.device import nvrtc_cubin
    from glgan.compute.cuda.trainer import SOURCES

    cubin = nvrtc_cubin(SOURCES)
    assert cubin[:4] == b"\x7fELF"  # a cubin is an ELF file: machine code, not PTX
    with pytest.raises(BackendError, match="NVRTC could not compile"):
        from glgan.compute.cuda import device

        real = device.source
        device.source = lambda names: real(names) + "\n__device__ int broken( {"
        try:
            nvrtc_cubin(SOURCES)
        finally:
            device.source = real


def test_unknown_backend_is_refused():
    with pytest.raises(BackendError, match="backend='tpu' is not allowed"):
        select_backend("tpu")


@pytest.mark.gpu
@pytest.mark.skipif(not HAS_GPU, reason="needs an NVIDIA GPU with CuPy")
def test_gpu_backends_selected_when_gpu_present():
    be = select_backend("auto")
    assert be.name == "cuda" and be.auto
    assert make_engine(backend="auto").backend_name == "cuda"  # the fused kernels
    assert make_engine(backend="cupy").train(3).epochs == 3  # the eager baseline


@pytest.mark.gpu
@pytest.mark.skipif(not HAS_GPU, reason="needs an NVIDIA GPU with CuPy")
@pytest.mark.parametrize("loss,opt", [("log", "sgd"), ("minimax", "adam"), ("leastsq", "sgd")])
@pytest.mark.parametrize("arch", [(2, 8), (3, 30), (6, 100)])
def test_eager_cupy_matches_numpy_forward_gradients_and_steps(loss, opt, arch):
    """The NumPy engine run on CuPy arrays (the eager GPU baseline) against the reference:
    same seed -> same batches, losses and updated weights (float32), two runs at once."""
    layers, neurons = arch
    cfg = GanConfig(loss=loss, d_optimizer=opt, g_optimizer=opt, g_hidden_layers=layers,
                    d_hidden_layers=layers, g_neurons=neurons, d_neurons=neurons)
    configs = [cfg, cfg.replace(seed=1, k_d=1)]
    ref, gpu = make_engine(configs, backend="numpy"), make_engine(configs, backend="cupy")
    assert gpu.backend_name == "cupy"
    for kind in ("d", "g", "both"):
        ref.train(1, kind)
        gpu.train(1, kind)
        for a, b in zip(ref.snapshot().runs, gpu.snapshot().runs):
            for k in ("g_theta", "d_theta", "d_m"):  # (sums in other orders: relative 1e-4)
                x = getattr(a, k)
                np.testing.assert_allclose(getattr(b, k), x, rtol=1e-4,
                                           atol=1e-4 * max(np.abs(x).max(), 1e-3))
            assert b.d_loss == pytest.approx(a.d_loss, rel=1e-4)
    for f_ref, f_gpu in zip(ref.frame(), gpu.frame()):
        np.testing.assert_allclose(f_gpu.fake, f_ref.fake, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(f_gpu.field, f_ref.field, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(f_gpu.grad_d, f_ref.grad_d, rtol=1e-3, atol=1e-5)


@pytest.mark.gpu
@pytest.mark.skipif(not HAS_GPU, reason="needs an NVIDIA GPU with CuPy")
def test_eager_cupy_converges_like_numpy():
    from glgan.config import preset
    eng = make_engine(preset("gaussians").replace(seed=2), backend="cupy")
    js0 = eng.divergences()[1]
    best = 1.0
    for _ in range(6):
        eng.train(250)
        best = min(best, eng.divergences()[1])
    assert best < 0.45 < js0 / 2
