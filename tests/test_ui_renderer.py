"""The real moderngl ImGui renderer drawing the overlay into an EGL framebuffer (Mesa llvmpipe)."""

import numpy as np
import pytest

moderngl = pytest.importorskip("moderngl")

from imgui_bundle import imgui  # noqa: E402

from glgan.config import GanConfig  # noqa: E402
from glgan.ui.overlay import Overlay  # noqa: E402
from glgan.ui.preview import synthetic_dataset_samples, synthetic_frame  # noqa: E402

pytestmark = pytest.mark.gl


@pytest.fixture(scope="module")
def egl():
    try:
        ctx = moderngl.create_context(standalone=True, backend="egl", require=330)
    except Exception as e:  # pragma: no cover - depends on the machine
        pytest.skip(f"no headless EGL OpenGL: {e}")
    ctx.__exit__(None, None, None)  # unbind; each test binds it with `with`
    yield ctx
    ctx.release()


def read_rgba(fbo):
    w, h = fbo.size
    return np.frombuffer(fbo.read(components=4), np.uint8).reshape(h, w, 4)[::-1]


def test_overlay_renders_into_fbo_and_shuts_down(egl):
    with egl as ctx:
        size = (1280, 720)
        fbo = ctx.simple_framebuffer(size, components=4)
        ov = Overlay(ctx, size)
        info = dict(dataset_samples=synthetic_dataset_samples(), fps=60.0)
        for i in range(3):
            ov.frame(GanConfig(), synthetic_frame(epoch=100 + i), info, 1 / 60)
            fbo.use()
            fbo.clear(1.0, 0.0, 1.0, 1.0)  # magenta: no UI colour uses it
            ov.render()
        px = read_rgba(fbo)
        assert ctx.error == "GL_NO_ERROR"
        assert ov.renderer.texture_count >= 1  # the font atlas was created on ImGui's request
        magenta = (px[..., 0] == 255) & (px[..., 1] == 0) & (px[..., 2] == 255)
        assert magenta.mean() < 0.6  # panels cover most of the window...
        assert magenta[300, 640]  # ...but not the main view in the middle
        top_bar = px[: int(ov.layout().top_bar[3])]
        assert len(np.unique(top_bar.reshape(-1, 4), axis=0)) > 50  # text, thumbnails, buttons
        ov.shutdown()
        ov.shutdown()  # idempotent
        assert ctx.error == "GL_NO_ERROR"


def test_user_texture_and_repeated_lifecycles(egl):
    with egl as ctx:
        fbo = ctx.simple_framebuffer((320, 240), components=4)
        red = ctx.texture((8, 8), 4, data=np.tile([255, 0, 0, 255], 64).astype(np.uint8).tobytes())
        for _ in range(2):
            ov = Overlay(ctx, (320, 240))
            ref = ov.renderer.register_texture(red)
            imgui.set_current_context(ov.imgui_ctx)
            imgui.get_io().delta_time = 1 / 60
            for _ in range(2):
                imgui.new_frame()
                imgui.set_next_window_pos(imgui.ImVec2(10, 10))
                imgui.begin("tex", None, imgui.WindowFlags_.always_auto_resize)
                imgui.image(ref, imgui.ImVec2(64, 64))
                imgui.end()
                imgui.render()
                fbo.use()
                fbo.clear(0.0, 0.0, 0.0, 1.0)
                ov.render()
            px = read_rgba(fbo)
            is_red = (px[..., 0] > 250) & (px[..., 1] < 5) & (px[..., 2] < 5)
            assert is_red.sum() >= 60 * 60
            ov.renderer.remove_texture(red)
            ov.shutdown()
        assert red.glo > 0  # user textures stay owned by the caller
        red.release()
        assert ctx.error == "GL_NO_ERROR"
