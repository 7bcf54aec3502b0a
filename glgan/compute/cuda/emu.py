"""Run the project's CUDA kernels on the CPU: g++ with ``emu/cuda_cpu.h``, called through ctypes.

Owns building kernel sources for the CPU and calling their kernels with CuPy's convention,
``module.get_function(name)(grid, block, args, shared_mem=0)`` on NumPy arrays and NumPy
scalars. Every argument's type is checked against the kernel's C signature (CuPy does not: a
float64 array or a Python float handed to a ``float`` parameter is silent garbage on a GPU).
Every CUDA thread is a fiber; ``set_order`` runs a block's threads forward, reversed or
shuffled (a setting of the loaded library: it carries over to later launches), so a missing
``__syncthreads`` changes results in tests. Builds are cached (by the hash of sources and flags)
in ``$GLGAN_CUDASIM_CACHE`` or the user's cache folder (``$XDG_CACHE_HOME/glgan/cudasim``, not a
shared temp folder: a library found there is loaded and run); concurrent processes build
under a lock, and a cached library that does not load is built again. Adapted from
../shared/tools/cuda-cpu (cpu_module.py).
"""

from __future__ import annotations

import ctypes
import fcntl
import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np

from glgan.compute.backend import BackendError

from . import SOURCE_DIR

HEADER_DIR = SOURCE_DIR / "emu"
_SCALARS = {"f": np.float32, "d": np.float64, "i": np.int32, "I": np.uint32, "q": np.int64,
            "Q": np.uint64}
_CTYPES = {"f": ctypes.c_float, "d": ctypes.c_double, "i": ctypes.c_int32,
           "I": ctypes.c_uint32, "q": ctypes.c_int64, "Q": ctypes.c_uint64}
_KERNEL = re.compile(r"__global__\s+(?:__launch_bounds__\s*\([^)]*\)\s*)?void\s+"
                     r"(?:__launch_bounds__\s*\([^)]*\)\s*)?(\w+)\s*\(")


class EmulatorError(BackendError):
    """The CPU emulation cannot build or run a kernel (no g++, a compile error)."""


def cache_dir() -> Path:
    """Where built kernels are kept: $GLGAN_CUDASIM_CACHE, else the user's cache folder."""
    env = os.environ.get("GLGAN_CUDASIM_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "glgan" / "cudasim"


def source(names: list[str]) -> str:
    """The kernel files ``names`` (in glgan/compute/cuda) concatenated: the one translation
    unit NVRTC compiles on a GPU and g++ compiles here."""
    return "\n".join((SOURCE_DIR / n).read_text() for n in names)


class CpuModule:
    """The kernels of ``names`` built for the CPU (see the module docstring)."""

    def __init__(self, names: list[str], defines: tuple[str, ...] = ()):
        if shutil.which("g++") is None:
            raise EmulatorError("the cudasim backend needs g++ (apt-get install g++)")
        code = source(names)
        self.names = _KERNEL.findall(code)
        cache = cache_dir()
        try:
            cache.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise EmulatorError(f"cannot create the kernel cache {cache} ({e.strerror}); set "
                                "GLGAN_CUDASIM_CACHE to a writable folder") from None
        flags = ["-std=c++20", "-pthread", "-O2", "-shared", "-fPIC", "-Wno-unknown-pragmas",
                 "-fno-gnu-unique", "-I", str(HEADER_DIR)] + [f"-D{d}" for d in defines]
        header = (HEADER_DIR / "cuda_cpu.h").read_text()
        key = hashlib.sha256("\0".join([code, header, " ".join(flags)]).encode()).hexdigest()
        lib = cache / f"{key[:20]}.so"
        with open(cache / f"{key[:20]}.lock", "w") as lock:  # one build at a time per key
            fcntl.flock(lock, fcntl.LOCK_EX)
            self.lib = self._load(lib)
            if self.lib is None:  # not built yet, or a stale/broken library: build it
                self._build(code, flags, lib, names)
                self.lib = self._load(lib)
                if self.lib is None:
                    raise EmulatorError(f"the kernels built for the CPU ({lib}) do not load")
        self.lib.cuda_cpu_undefined_reads.restype = ctypes.c_long

    def _load(self, lib: Path):
        """The library at ``lib`` with every kernel's entry points, or None."""
        if not lib.exists():
            return None
        try:
            loaded = ctypes.CDLL(str(lib))
            for n in self.names + ["cuda_cpu_undefined_reads"]:
                getattr(loaded, n if n.startswith("cuda_cpu") else "cpu_launch_" + n)
            return loaded
        except (OSError, AttributeError):
            return None

    def _build(self, code: str, flags: list[str], lib: Path, names: list[str]) -> None:
        unit = lib.with_suffix(f".{os.getpid()}.cpp")
        tmp = lib.with_suffix(f".{os.getpid()}.tmp")
        try:
            unit.write_text('#include "cuda_cpu.h"\n' + code + "\nCUDA_CPU_MODULE()\n" +
                            "".join(f"CUDA_CPU_EXPORT({n})\n" for n in self.names))
            done = subprocess.run(["g++", *flags, "-o", str(tmp), str(unit)],
                                  capture_output=True, text=True)
            if done.returncode:
                raise EmulatorError(f"building {', '.join(names)} for the CPU failed:\n"
                                    f"{done.stderr[-4000:]}")
            os.replace(tmp, lib)
        except OSError as e:
            raise EmulatorError(f"building the kernels in {lib.parent} failed: {e}") from None
        finally:
            for leftover in (unit, tmp):
                leftover.unlink(missing_ok=True)

    def set_order(self, mode: int, seed: int = 0) -> None:
        """Run a block's threads in forward (0), reverse (1) or shuffled (2) order."""
        self.lib.cuda_cpu_set_order(int(mode), int(seed))

    def undefined_reads(self) -> int:
        """Reads of exited or missing warp lanes since the last call (undefined on a GPU)."""
        return int(self.lib.cuda_cpu_undefined_reads())

    def get_function(self, name: str) -> CpuKernel:
        if name not in self.names:
            raise EmulatorError(f"no kernel {name!r}; this module has {', '.join(self.names)}")
        return CpuKernel(self.lib, name)


class CpuKernel:
    """One kernel: ``kernel(grid, block, args, shared_mem=0)`` as with CuPy. Like a GPU, a
    launch with more than 48 KiB of dynamic shared memory is refused unless the kernel opted
    in by setting ``max_dynamic_shared_size_bytes`` (CuPy's name) that high."""

    def __init__(self, lib, name: str):
        self.max_dynamic_shared_size_bytes = 48 * 1024
        self.name, self._launch = name, getattr(lib, "cpu_launch_" + name)
        sig = getattr(lib, "cpu_sig_" + name)
        sig.restype = ctypes.c_char_p
        self.signature = sig().decode().rstrip(",").split(",")

    def __call__(self, grid, block, args, shared_mem: int = 0) -> None:
        if shared_mem > max(48 * 1024, self.max_dynamic_shared_size_bytes):
            raise EmulatorError(f"{self.name}: {shared_mem} bytes of dynamic shared memory "
                                "without the opt-in (max_dynamic_shared_size_bytes)")
        if len(args) != len(self.signature):
            raise TypeError(f"{self.name} takes {len(self.signature)} arguments, "
                            f"got {len(args)}")
        keep = []
        for i, (a, c) in enumerate(zip(args, self.signature)):
            if c.startswith("p"):
                if not isinstance(a, np.ndarray) or not a.flags.c_contiguous:
                    raise TypeError(f"{self.name} argument {i}: needs a C-contiguous array")
                if c[1:] in _SCALARS and a.dtype != _SCALARS[c[1:]]:
                    raise TypeError(f"{self.name} argument {i}: a {a.dtype} array for a "
                                    f"{np.dtype(_SCALARS[c[1:]])}* parameter")
                keep.append(ctypes.c_void_p(a.ctypes.data))
            else:
                if not isinstance(a, np.generic) or a.dtype != _SCALARS[c]:
                    raise TypeError(f"{self.name} argument {i}: pass "
                                    f"np.{np.dtype(_SCALARS[c])}, not {a!r}")
                keep.append(_CTYPES[c](a.item()))
        ptrs = (ctypes.c_void_p * max(1, len(keep)))(*[ctypes.addressof(k) for k in keep])
        self._launch(_dims(grid), _dims(block), ctypes.c_size_t(shared_mem), ptrs)


def _dims(d):
    d = tuple(d) if isinstance(d, tuple) else (d,)
    return (ctypes.c_uint * 3)(*(d + (1,) * (3 - len(d))))
