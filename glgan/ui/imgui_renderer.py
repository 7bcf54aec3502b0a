"""ImguiRenderer: draws Dear ImGui (imgui-bundle >= 1.92) draw data with moderngl.

Owns the GL objects of the overlay: the ImGui program (``imgui.glsl`` next to this file), one
vertex and one index buffer, and the textures of ImGui's 1.92 texture protocol
(``BackendFlags_.renderer_has_textures``: the font atlas is created, updated in sub-rectangles
and destroyed here, on ImGui's request). User textures are shown with ``register_texture``.
Works with any moderngl context: a window's default framebuffer or a standalone EGL FBO.
It knows nothing about glgan; input forwarding lives in ``input.py``.
"""

from __future__ import annotations

import ctypes
from pathlib import Path

import moderngl
import numpy as np
from imgui_bundle import imgui

SHADER_PATH = Path(__file__).with_name("imgui.glsl")


def load_program(ctx: moderngl.Context, path: Path = SHADER_PATH) -> moderngl.Program:
    """Compile a single-file ``#if defined VERTEX_SHADER / FRAGMENT_SHADER`` program."""
    source = path.read_text()
    head = "#version 330 core\n#define {}\n#line 1\n"
    return ctx.program(
        vertex_shader=head.format("VERTEX_SHADER") + source,
        fragment_shader=head.format("FRAGMENT_SHADER") + source,
    )


class ImguiRenderer:
    """Renders ``imgui.get_draw_data()`` into whatever framebuffer is bound.

    Create it after ``imgui.create_context()`` and before the first ``imgui.new_frame()``;
    call ``shutdown()`` before ``imgui.destroy_context()``.
    """

    def __init__(
        self,
        ctx: moderngl.Context,
        display_size: tuple[int, int] = (1280, 720),
        fb_scale: tuple[float, float] = (1.0, 1.0),
    ) -> None:
        if imgui.get_current_context() is None:
            raise RuntimeError("ImguiRenderer: call imgui.create_context() first")
        self.ctx = ctx
        self.io = imgui.get_io()
        self.resize(display_size[0], display_size[1], fb_scale)
        self.io.backend_flags |= imgui.BackendFlags_.renderer_has_textures
        pio = imgui.get_platform_io()
        max_size = int(ctx.info["GL_MAX_TEXTURE_SIZE"])
        pio.renderer_texture_max_width = pio.renderer_texture_max_height = max_size
        self._textures: dict[int, moderngl.Texture] = {}
        self._owned: set[int] = set()  # textures created here (font atlas pages)
        self._prog = load_program(ctx)
        self._prog["u_texture"].value = 0
        self._vbo = ctx.buffer(reserve=imgui.VERTEX_SIZE * 8192, dynamic=True)
        self._ibo = ctx.buffer(reserve=imgui.INDEX_SIZE * 16384, dynamic=True)
        self._vao = ctx.vertex_array(
            self._prog,
            [(self._vbo, "2f 2f 4f1", "in_position", "in_uv", "in_color")],
            index_buffer=self._ibo,
            index_element_size=imgui.INDEX_SIZE,
        )
        self._alive = True

    # -- sizes and user textures -------------------------------------------------------------

    def resize(
        self, width: int, height: int, fb_scale: tuple[float, float] | None = None
    ) -> None:
        """Set the display size in logical pixels (and the framebuffer scale for HiDPI)."""
        self.io.display_size = imgui.ImVec2(float(max(width, 1)), float(max(height, 1)))
        if fb_scale is not None:
            self.io.display_framebuffer_scale = imgui.ImVec2(float(fb_scale[0]), float(fb_scale[1]))

    def register_texture(self, texture: moderngl.Texture) -> imgui.ImTextureRef:
        """Make a moderngl texture drawable with ``imgui.image(ref, size)``."""
        self._textures[texture.glo] = texture
        return imgui.ImTextureRef(texture.glo)

    def remove_texture(self, texture: moderngl.Texture) -> None:
        """Forget a user texture (the caller still owns and releases it)."""
        if texture.glo not in self._owned:
            self._textures.pop(texture.glo, None)

    # -- ImGui 1.92 texture protocol ---------------------------------------------------------

    def _create(self, tex: imgui.ImTextureData) -> None:
        pixels = tex.get_pixels_array()
        if tex.format == imgui.ImTextureFormat.rgba32:
            t = self.ctx.texture((tex.width, tex.height), 4, data=pixels.tobytes())
        else:  # alpha8: white with the stored alpha
            t = self.ctx.texture((tex.width, tex.height), 1, data=pixels.tobytes())
            t.swizzle = "111R"
        t.filter = (moderngl.LINEAR, moderngl.LINEAR)
        t.repeat_x = t.repeat_y = False
        self._textures[t.glo] = t
        self._owned.add(t.glo)
        tex.set_tex_id(t.glo)
        tex.status = imgui.ImTextureStatus.ok

    def _update(self, tex: imgui.ImTextureData) -> None:
        t = self._textures.get(tex.tex_id)
        if t is None:  # lost (e.g. after a context change): recreate from the full pixels
            self._create(tex)
            return
        comps = 4 if tex.format == imgui.ImTextureFormat.rgba32 else 1
        full = tex.get_pixels_array().reshape(tex.height, tex.width, comps)
        for r in tex.updates:
            sub = np.ascontiguousarray(full[r.y : r.y + r.h, r.x : r.x + r.w])
            t.write(sub.tobytes(), viewport=(r.x, r.y, r.w, r.h), alignment=1)
        tex.status = imgui.ImTextureStatus.ok

    def _destroy(self, tex: imgui.ImTextureData) -> None:
        t = self._textures.pop(tex.tex_id, None)
        self._owned.discard(tex.tex_id)
        if t is not None:
            t.release()
        tex.set_tex_id(0)
        tex.status = imgui.ImTextureStatus.destroyed

    def update_textures(self) -> None:
        """Serve ImGui's pending create/update/destroy requests (``render`` calls this)."""
        for tex in imgui.get_platform_io().textures:
            status = tex.status
            if status == imgui.ImTextureStatus.want_create:
                self._create(tex)
            elif status == imgui.ImTextureStatus.want_updates:
                self._update(tex)
            elif status == imgui.ImTextureStatus.want_destroy and tex.unused_frames > 0:
                self._destroy(tex)

    @property
    def texture_count(self) -> int:
        """Textures created by this renderer for ImGui (font atlas pages)."""
        return len(self._owned)

    # -- drawing -----------------------------------------------------------------------------

    def render(self, draw_data: imgui.ImDrawData) -> None:
        """Draw one frame of ImGui output into the bound framebuffer.

        Leaves blending off and the scissor cleared; callers set their own GL state anyway.
        """
        self.update_textures()
        dw, dh = draw_data.display_size.x, draw_data.display_size.y
        sx, sy = draw_data.framebuffer_scale.x, draw_data.framebuffer_scale.y
        fb_w, fb_h = int(dw * sx), int(dh * sy)
        if fb_w <= 0 or fb_h <= 0 or draw_data.cmd_lists_count == 0:
            return
        ox, oy = draw_data.display_pos.x, draw_data.display_pos.y
        l, r, t, b = ox, ox + dw, oy, oy + dh
        self._prog["u_proj"].write(
            np.array(
                [
                    [2.0 / (r - l), 0, 0, 0],
                    [0, 2.0 / (t - b), 0, 0],
                    [0, 0, -1.0, 0],
                    [(r + l) / (l - r), (t + b) / (b - t), 0, 1.0],
                ],
                dtype="f4",
            ).tobytes()
        )
        ctx = self.ctx
        ctx.enable_only(moderngl.BLEND)
        ctx.blend_equation = moderngl.FUNC_ADD
        ctx.blend_func = (
            moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA,
            moderngl.ONE, moderngl.ONE_MINUS_SRC_ALPHA,
        )
        ctx.viewport = (0, 0, fb_w, fb_h)
        vsize, isize = imgui.VERTEX_SIZE, imgui.INDEX_SIZE
        try:
            for cl in draw_data.cmd_lists:
                vtx_n, idx_n = cl.vtx_buffer.size(), cl.idx_buffer.size()
                if vtx_n * vsize > self._vbo.size:
                    self._vbo.orphan(vtx_n * vsize * 2)
                if idx_n * isize > self._ibo.size:
                    self._ibo.orphan(idx_n * isize * 2)
                self._vbo.write(
                    (ctypes.c_byte * (vtx_n * vsize)).from_address(cl.vtx_buffer.data_address())
                )
                self._ibo.write(
                    (ctypes.c_byte * (idx_n * isize)).from_address(cl.idx_buffer.data_address())
                )
                for cmd in cl.cmd_buffer:
                    if cmd.elem_count == 0:
                        continue
                    tex = self._textures.get(cmd.get_tex_id())
                    if tex is None:
                        raise ValueError(f"imgui texture {cmd.get_tex_id()} is not registered")
                    c = cmd.clip_rect
                    x0, y0 = (c.x - ox) * sx, (c.y - oy) * sy
                    x1, y1 = (c.z - ox) * sx, (c.w - oy) * sy
                    if x1 <= x0 or y1 <= y0:
                        continue
                    tex.use(0)
                    ctx.scissor = (int(x0), int(fb_h - y1), int(x1 - x0), int(y1 - y0))
                    self._vao.render(
                        moderngl.TRIANGLES, vertices=cmd.elem_count, first=cmd.idx_offset
                    )
        finally:
            ctx.scissor = None
            ctx.disable(moderngl.BLEND)

    def shutdown(self) -> None:
        """Release every GL object; call before ``imgui.destroy_context()``. Idempotent."""
        if not self._alive:
            return
        self._alive = False
        for tex in imgui.get_platform_io().textures:
            if tex.tex_id in self._owned:
                self._destroy(tex)
        for glo in list(self._owned):
            self._textures[glo].release()
        self._owned.clear()
        self._textures.clear()
        self.io.backend_flags &= ~imgui.BackendFlags_.renderer_has_textures
        for obj in (self._vao, self._vbo, self._ibo, self._prog):
            obj.release()
