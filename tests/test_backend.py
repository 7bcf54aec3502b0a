"""Backend selection: auto falls back to NumPy with one log line; cupy without a GPU is an error."""

import logging

import numpy as np
import pytest

from glgan.compute.backend import BackendError, cupy_status, select_backend
from glgan.compute.engine import Engine

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
def test_cupy_without_gpu_is_a_clear_error():
    with pytest.raises(BackendError, match="backend=cupy cannot be used"):
        select_backend("cupy")


def test_unknown_backend_is_refused():
    with pytest.raises(BackendError, match="backend='tpu' is not allowed"):
        select_backend("tpu")


@pytest.mark.gpu
@pytest.mark.skipif(not HAS_GPU, reason="needs an NVIDIA GPU with CuPy")
def test_cupy_backend_selected_when_gpu_present():
    be = select_backend("auto")
    assert be.name == "cupy"
    assert Engine(backend="auto").train(3).epochs == 3  # NumPy reference until the CUDA engine
