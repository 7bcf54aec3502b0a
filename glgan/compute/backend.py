"""Backend selection: which array library (NumPy or CuPy) runs the engine, and how it trains.

``cudasim`` trains with the fused CUDA kernels built for the CPU (glgan/compute/cuda): NumPy
arrays, kernel logic exactly as on a GPU, slowly; for tests and debugging.

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

BACKENDS = ("auto", "numpy", "cupy", "cudasim")


class BackendError(RuntimeError):
    """The requested compute backend cannot be used here."""


@dataclass(frozen=True)
class Backend:
    """An array library plus the device-to-host path (the only one in the package)."""

    name: str
    xp: ModuleType

    def to_host(self, a) -> np.ndarray:
        return a if self.xp is np else a.get()


def cupy_status() -> tuple[ModuleType | None, str]:
    """(cupy module or None, reason it cannot be used or "ok")."""
    try:
        import cupy  # noqa: TID251 - the one allowed import
    except ImportError as e:
        return None, (f"CuPy is not installed ({e}); "
                      "install the optional extra: pip install '.[cuda]'")
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            return None, "CuPy found no CUDA device"
        cupy.zeros(1).sum().item()
    except Exception as e:  # CUDA raises many kinds of errors on machines without a GPU
        return None, f"no usable CUDA GPU ({type(e).__name__}: {e})"
    return cupy, "ok"


def select_backend(name: str = "auto") -> Backend:
    """Return the backend called ``name`` (auto, numpy or cupy)."""
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
        return Backend("cupy", cupy)
    if name == "cupy":
        raise BackendError(f"backend=cupy cannot be used: {reason}")
    log.warning("backend auto: using numpy because %s", reason)
    return Backend("numpy", np)
