"""The kernels on an NVIDIA GPU: compiled by NVRTC (through CuPy) for the device.

Owns building the kernel sources for the GPU. CuPy compiles for the current device's own
architecture, to a cubin wherever its NVRTC supports that architecture (CuPy's choice; a PTX
newer than the driver would be refused). Every failure is a ``BackendError`` that says what
failed, never a traceback. ``nvrtc_cubin``
compiles with NVRTC alone (cuda-bindings), which needs no GPU: tests use it to check that the
kernels compile for sm_90 as NVRTC sees them (no headers, unlike nvcc).
"""

from __future__ import annotations

from glgan.compute.backend import BackendError

from .emu import source

NVRTC_OPTIONS = ("-std=c++17",)


def gpu_module(cupy, names: list[str]):
    """A ``cupy.RawModule`` of the kernels in ``names`` (compiled and loaded now)."""
    try:
        module = cupy.RawModule(code=source(names), options=NVRTC_OPTIONS, backend="nvrtc")
        module.compile()
    except Exception as e:  # NVRTC, driver and CuPy raise many kinds
        raise BackendError(f"the CUDA kernels ({', '.join(names)}) did not compile for this "
                           f"GPU: {type(e).__name__}: {e}") from None
    return module


def shared_limit(cupy) -> int:
    """The most shared memory one block of the current device may opt in to (bytes)."""
    try:
        return int(cupy.cuda.Device().attributes["MaxSharedMemoryPerBlockOptin"])
    except Exception:  # an old CuPy or driver: the limit every block gets without opting in
        return 48 * 1024


def nvrtc_cubin(names: list[str], arch: str = "sm_90") -> bytes:
    """The cubin NVRTC makes of ``names`` for ``arch`` (no GPU needed; needs cuda-bindings and
    the NVRTC library). Raises BackendError with NVRTC's log on failure."""
    try:
        from cuda.bindings import nvrtc
    except ImportError as e:
        raise BackendError(f"cuda-bindings with NVRTC is not installed ({e})") from None
    ok = nvrtc.nvrtcResult.NVRTC_SUCCESS
    err, prog = nvrtc.nvrtcCreateProgram(source(names).encode(), b"glgan.cu", 0, [], [])
    if err != ok:
        raise BackendError(f"NVRTC could not start a program: {err}")
    try:
        options = [f"--gpu-architecture={arch}".encode(), *(o.encode() for o in NVRTC_OPTIONS)]
        (err,) = nvrtc.nvrtcCompileProgram(prog, len(options), options)
        if err != ok:
            _, size = nvrtc.nvrtcGetProgramLogSize(prog)
            log = b" " * size
            nvrtc.nvrtcGetProgramLog(prog, log)
            raise BackendError(f"NVRTC could not compile {', '.join(names)} for {arch}:\n"
                               f"{log.decode(errors='replace')[-4000:]}")
        err, size = nvrtc.nvrtcGetCUBINSize(prog)
        cubin = b" " * size
        (err2,) = nvrtc.nvrtcGetCUBIN(prog, cubin)
        if err != ok or err2 != ok:
            raise BackendError(f"NVRTC made no cubin for {arch}: {err}, {err2}")
        return cubin
    finally:
        nvrtc.nvrtcDestroyProgram(prog)
