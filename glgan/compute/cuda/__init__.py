"""CUDA kernels of the GPU path and their CPU emulation (``cudasim``).

Owns the kernel sources (``*.cu``: no ``#include``, ``extern "C"`` kernels, the same file for
NVRTC on a GPU and for g++ with ``emu/cuda_cpu.h`` on the CPU) and ``emu.py``, which builds them
for the CPU with CUDA's thread model (barriers, shared memory, warp shuffles, atomics) so kernel
logic is tested in CI, without a GPU, against the NumPy engine. Shared device code
(``random.cu``) is put in front of the kernel files that use it by the loader.
"""

from pathlib import Path

SOURCE_DIR = Path(__file__).resolve().parent
