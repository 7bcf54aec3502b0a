"""Writing the kernels' results into a view's OpenGL objects (frame.ViewTargets).

Owns the CUDA-OpenGL sharing. ``CudaGlShare`` (backend ``cuda``) registers each GL buffer and
texture with CUDA once (cuda-bindings: ``cudaGraphicsGLRegisterBuffer`` / ``...RegisterImage``),
maps all of a frame's resources together once, copies device to device (buffers through a CuPy
view of the mapped pointer, textures by ``cudaMemcpy2DToArrayAsync``) on CuPy's current stream,
and unmaps them: nothing crosses to the host. ``HostGlShare`` (backend ``cudasim``, whose
"device" arrays are host arrays) writes the same arrays through each target's own host upload:
the same jobs, the same layout, so CI runs every step of the resident path but the mapping.

A job is ``(GlTarget, array)``: a buffer takes (rows, 2) float32 rows from the target's first
row, a texture an (n, n) float32 array into the lower-left corner of the target's tile (the
GL object registered once may hold several runs' targets). The GL context must be current in
this thread.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from glgan.compute.backend import BackendError
from glgan.frame import GlTarget

GL_TEXTURE_2D = 0x0DE1
Job = tuple[GlTarget, object]


def _check(target: GlTarget, shape: tuple[int, ...]) -> None:
    rows, cols = target.shape
    if target.kind == "buffer":
        ok = len(shape) == 2 and shape[1] == cols and shape[0] <= rows
    else:
        ok = len(shape) == 2 and shape[0] <= rows and shape[1] <= cols
    if not ok:
        raise ValueError(f"an array of shape {shape} does not fit the view's {target.kind} of "
                         f"{rows} x {cols} (its ViewCapacity)")


class HostGlShare:
    """Writes jobs through the targets' host uploads (for engines whose arrays are on the
    host: the CPU emulation of the kernels)."""

    copies_to_host = 0  # nothing here is a device -> host copy

    def write(self, jobs: Iterable[Job]) -> None:
        for target, array in jobs:
            a = np.ascontiguousarray(array, np.float32)
            _check(target, a.shape)
            if target.write is None:
                raise BackendError("this view publishes no host upload for its GL objects")
            target.write(a)

    def release(self) -> None:
        pass


class CudaGlShare:
    """Registers GL objects with CUDA once (by GL name) and writes jobs into them on the GPU."""

    def __init__(self, cupy) -> None:
        try:
            from cuda.bindings import runtime
        except ImportError as e:
            raise BackendError(f"CUDA-OpenGL sharing needs cuda-bindings ({e}); install "
                               "glgan's cuda extra") from None
        self.cupy, self.rt = cupy, runtime
        self._resources: dict[tuple[str, int], object] = {}
        self.copies_to_host = 0

    def _call(self, what: str, result):
        """cuda-bindings returns (error, *values): raise on an error, else the values."""
        err, *values = result if isinstance(result, tuple) else (result,)
        if err != self.rt.cudaError_t.cudaSuccess:
            raise BackendError(f"CUDA-OpenGL sharing: {what} failed: {err}")
        return values[0] if len(values) == 1 else values

    def _resource(self, target: GlTarget):
        key = (target.kind, target.gl_name)
        res = self._resources.get(key)
        if res is None:
            flags = self.rt.cudaGraphicsRegisterFlags.cudaGraphicsRegisterFlagsNone
            if target.kind == "buffer":
                res = self._call(f"registering GL buffer {target.gl_name}",
                                 self.rt.cudaGraphicsGLRegisterBuffer(target.gl_name, flags))
            else:
                res = self._call(f"registering GL texture {target.gl_name}",
                                 self.rt.cudaGraphicsGLRegisterImage(
                                     target.gl_name, GL_TEXTURE_2D, flags))
            self._resources[key] = res
        return res

    def write(self, jobs: Iterable[Job]) -> None:
        """Map every job's resource at once, copy on the current stream, unmap."""
        cp, rt = self.cupy, self.rt
        jobs = list(jobs)
        for target, array in jobs:
            _check(target, tuple(array.shape))
        resources = list(dict.fromkeys(self._resource(t) for t, _ in jobs))
        if not resources:
            return
        # the binding takes the resources as a pointer to an array of handles (a Python list
        # is refused); the array lives until the unmap
        handles = np.array([int(r) for r in resources], np.uintp)
        stream = cp.cuda.get_current_stream().ptr
        device = cp.cuda.Device().id
        self._call("mapping", rt.cudaGraphicsMapResources(len(handles), handles.ctypes.data,
                                                          stream))
        failed = True
        try:
            for target, array in jobs:
                src = cp.ascontiguousarray(array, dtype=cp.float32)
                res = self._resource(target)
                if target.kind == "buffer":
                    ptr, size = self._call("mapping a buffer",
                                           rt.cudaGraphicsResourceGetMappedPointer(res))
                    mem = cp.cuda.UnownedMemory(int(ptr), int(size), self, device)
                    start = target.offset[0] * target.shape[1] * 4  # this run's first row
                    dst = cp.ndarray(src.shape, cp.float32, cp.cuda.MemoryPointer(mem, start))
                    dst[...] = src
                else:
                    arr = self._call("mapping a texture",
                                     rt.cudaGraphicsSubResourceGetMappedArray(res, 0, 0))
                    h, w = src.shape
                    x, y = target.offset  # this run's tile (w offset in bytes)
                    self._call("copying into a texture", rt.cudaMemcpy2DToArrayAsync(
                        arr, x * 4, y, src.data.ptr, w * 4, w * 4, h,
                        rt.cudaMemcpyKind.cudaMemcpyDeviceToDevice, stream))
            failed = False
        finally:
            result = rt.cudaGraphicsUnmapResources(len(handles), handles.ctypes.data, stream)
            if not failed:  # else the copy's own error is the one to report
                self._call("unmapping", result)

    def release(self) -> None:
        """Unregister every GL object (before the GL context or the objects go away)."""
        for res in self._resources.values():
            self.rt.cudaGraphicsUnregisterResource(res)
        self._resources.clear()
