"""glgan: a native, GPU-accelerated, real-time re-creation of GAN Lab.

Sub-packages have one owner each: ``compute`` (the GAN engine), ``render`` (OpenGL view),
``ui`` (ImGui overlay), ``capture`` (screenshots and video). ``app`` glues them together.
"""

__version__ = "0.1.0"

from .compute.modelio import load_ganlab_model  # noqa: E402

__all__ = ["load_ganlab_model", "__version__"]
