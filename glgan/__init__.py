"""glgan: a native, GPU-accelerated, real-time re-creation of GAN Lab.

Sub-packages have one owner each: ``compute`` (the GAN engine), ``render`` (OpenGL view),
``ui`` (ImGui overlay), ``capture`` (screenshots and video). ``app`` glues them together.
"""

__version__ = "0.1.0"

__all__ = ["load_ganlab_model", "__version__"]


def __getattr__(name):  # imported on first use: ``import glgan.frame`` stays light
    if name == "load_ganlab_model":
        from .compute.modelio import load_ganlab_model

        return load_ganlab_model
    raise AttributeError(f"module 'glgan' has no attribute {name!r}")
