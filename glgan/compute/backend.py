"""Backend selection: which array library (NumPy or CuPy) runs the engine, and how it trains.

``numpy``: the reference, on the CPU. ``cuda``: the fused CUDA kernels (glgan/compute/cuda)
on an NVIDIA GPU through CuPy. ``cupy``: the NumPy engine's code on CuPy arrays, one launch per
array operation (the eager baseline, kept for comparison). ``cudasim``: the fused kernels
built for the CPU (exact, slow; tests and debugging). ``auto``: ``cuda`` when a usable GPU is
present, else ``numpy``, saying why in one log line.

This is the only module that imports CuPy. ``select_backend("auto")`` returns NumPy with one
log line saying why when no usable GPU is present; ``select_backend("cupy")`` without one raises
``BackendError`` with the reason.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from types import ModuleType

import numpy as np

log = logging.getLogger(__name__)

BACKENDS = ("auto", "numpy", "cuda", "cupy", "cudasim")


class BackendError(RuntimeError):
    """The requested compute backend cannot be used here."""


@dataclass(frozen=True)
class Backend:
    """An array library plus the device-to-host path (the only one in the package)."""

    name: str
    xp: ModuleType
    auto: bool = False  # chosen by "auto" (a failure may fall back to numpy)

    def to_host(self, a) -> np.ndarray:
        return a if self.xp is np else a.get()


def cupy_status() -> tuple[ModuleType | None, str]:
    """(cupy module or None, reason it cannot be used or "ok")."""
    try:
        import cupy  # noqa: TID251 - the one allowed import
    except ImportError as e:
        return None, (f"CuPy is not installed ({e}); "
                      "install the optional extra: pip install '.[cuda13]' (or '.[cuda12]' "
                      "for a CUDA 12 driver)")
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            return None, "CuPy found no CUDA device"
        cupy.zeros(1).sum().item()
    except Exception as e:  # CUDA raises many kinds of errors on machines without a GPU
        return None, f"no usable CUDA GPU ({type(e).__name__}: {e})"
    return cupy, "ok"


def select_backend(name: str = "auto") -> Backend:
    """Return the backend called ``name`` (one of BACKENDS)."""
    if name not in BACKENDS:
        raise BackendError(f"backend={name!r} is not allowed; choose one of {', '.join(BACKENDS)}")
    if name == "numpy":
        return Backend("numpy", np)
    if name == "cudasim":  # the CUDA kernels run on the CPU: exact, slow; tests and debugging
        import shutil

        if shutil.which("g++") is None:
            raise BackendError("backend=cudasim cannot be used: it builds the CUDA kernels "
                               "for the CPU with g++, which is not installed")
        return Backend("cudasim", np)
    cupy, reason = cupy_status()
    if cupy is not None:
        if name == "auto":
            log.info("backend auto: using cuda (the fused kernels on the GPU)")
        return Backend("cupy" if name == "cupy" else "cuda", cupy, auto=name == "auto")
    if name != "auto":
        raise BackendError(f"backend={name} cannot be used: {reason}")
    # a machine with an NVIDIA driver but no working CuPy is worth a warning; one without
    # an NVIDIA GPU is the common case: a line for -v only
    level = logging.WARNING if nvidia_driver_present() else logging.INFO
    log.log(level, "backend auto: using numpy because %s", reason)
    return Backend("numpy", np)


def nvidia_driver_present() -> bool:
    """True when this machine has an NVIDIA kernel driver loaded (a GPU to use)."""
    import os

    return os.path.exists("/proc/driver/nvidia/version")
