"""capture: screenshots and deterministic video recording (GitHub issue #6).

Owns everything between "a frame is rendered" and "it is on disk": GPU readback of moderngl
framebuffers (``readback``), frame sinks for H.264 video and PNG sequences (``sinks``), the
encoder thread (``encoder``), the high-level ``Recording`` (``recording``), up-front argument
checks (``validate``) and the recording benchmark (``bench``). It does not import the renderer:
it takes moderngl framebuffers or ``(H, W, 3) uint8`` top-row-first RGB arrays.
"""

from .bench import DemoScene, bench_record, demo_scene
from .encoder import AsyncEncoder
from .errors import CaptureError
from .readback import FrameGrabber, grab, screenshot
from .recording import Recording, RecordingSummary
from .sinks import FrameSink, PngSequenceWriter, VideoWriter, open_writer, save_png

__all__ = [
    "AsyncEncoder",
    "CaptureError",
    "DemoScene",
    "FrameGrabber",
    "FrameSink",
    "PngSequenceWriter",
    "Recording",
    "RecordingSummary",
    "VideoWriter",
    "bench_record",
    "demo_scene",
    "grab",
    "open_writer",
    "save_png",
    "screenshot",
]
