"""capture: screenshots and deterministic video recording (GitHub issue #6).

Owns everything between "a frame is rendered" and "it is on disk": GPU readback of moderngl
framebuffers (``readback``), frame sinks for H.264 video and PNG sequences (``sinks``), the
encoder thread (``encoder``), the high-level ``Recording`` (``recording``), up-front argument
checks (``validate``) and the recording benchmark (``bench``). It does not import the renderer:
it takes moderngl framebuffers or ``(H, W, 3) uint8`` top-row-first RGB arrays.
"""

# Names are imported on first use: ``glgan.capture.errors`` (the CLI's error type) must not
# pull in PyAV, which a machine may lack (the GPU machine has no video stack by default).
_WHERE = {
    "DemoScene": "bench", "bench_record": "bench", "demo_scene": "bench",
    "AsyncEncoder": "encoder", "CaptureError": "errors",
    "FrameGrabber": "readback", "grab": "readback", "screenshot": "readback",
    "Recording": "recording", "RecordingSummary": "recording",
    "FrameSink": "sinks", "PngSequenceWriter": "sinks", "VideoWriter": "sinks",
    "open_writer": "sinks", "save_png": "sinks",
}
__all__ = sorted(_WHERE)


def __dir__():
    return sorted(set(globals()) | set(_WHERE))


def __getattr__(name):
    if name in _WHERE:
        from importlib import import_module

        return getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
