"""LayeredView: GAN Lab's layered distribution view drawn with moderngl.

Owns the GL resources of the view (fixed-capacity buffers and textures updated in place, the
vertex arrays over them), the fake-sample transition state, and the draw order
heatmap -> contour -> real -> gradients -> fake -> manifold. Takes FrameData only; never
imports ``glgan.compute``. The caller makes the context current and binds the target framebuffer.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable

import moderngl
import numpy as np

from glgan.frame import FrameData
from glgan.layers import Layers
from glgan.render.colormaps import prgn_lut
from glgan.render.shaders import ShaderLibrary
from glgan.render.view import View

# ---- GAN Lab's colours (straight-alpha RGBA in 0..1) ----
BACKGROUND = (0xF3 / 255, 0xF3 / 255, 0xF3 / 255, 1.0)          # .plot-bg #f3f3f3
REAL_COLOR = (0 / 255, 136 / 255, 55 / 255, 0.75)                # rgba(0,136,55,0.75)
FAKE_COLOR = (123 / 255, 50 / 255, 148 / 255, 0.75)              # rgba(123,50,148,0.75)
GRADIENT_COLOR = (196 / 255, 20 / 255, 219 / 255, 0.5)           # rgba(196,20,219,0.5)
MANIFOLD_COLOR = (0x7B / 255, 0x32 / 255, 0x94 / 255, 1.0)       # #7b3294, alpha per cell
GRID_COLOR = (160 / 255, 160 / 255, 160 / 255, 0.25)             # rgba(160,160,160,0.25)
MANIFOLD_LINE_COLOR = (0x7B / 255, 0x32 / 255, 0x94 / 255, 0.8)  # 1-D manifold polyline
MANIFOLD_DOT_COLOR = (48 / 255, 48 / 255, 48 / 255, 0.5)         # rgba(48,48,48,0.5)
CONTOUR_COLOR = (0.2, 0.2, 0.2, 0.8)                             # D = 0.5 line (not in GAN Lab)
NOISE_COLOR = (0.25, 0.25, 0.25, 0.75)                           # noise-space thumbnail dots
NOISE_LINE_COLOR = (0.6, 0.6, 0.6, 1.0)

BLEND = (moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA, moderngl.ONE,
         moderngl.ONE_MINUS_SRC_ALPHA)  # straight alpha; destination alpha stays 1 over opaque

# Every uniform the Python side sets, per program file. tests/test_render_shaders.py checks
# that each one exists in its compiled program; _set() refuses names not listed here.
UNIFORMS: dict[str, tuple[str, ...]] = {
    "heatmap.glsl": ("u_field_rect", "u_field", "u_lut"),
    "contour.glsl": ("u_field_rect", "u_field", "u_level", "u_width_px", "u_color"),
    "points.glsl": ("u_t", "u_radius_px", "u_color"),
    "kites.glsl": ("u_t", "u_scale", "u_normalize", "u_half_width_px", "u_color"),
    "segments.glsl": ("u_width_px", "u_round_caps", "u_color"),
    "manifold.glsl": ("u_alpha", "u_cells", "u_color"),
}
VIEW_BLOCK = "View"   # every program uses the std140 View block at binding 0
VIEW_BINDING = 0
FIELD_UNIT, LUT_UNIT, ALPHA_UNIT = 0, 1, 2


def ease_cubic_in_out(t: float) -> float:
    """d3.easeCubic, the default easing of GAN Lab's dot transitions."""
    t = min(max(t, 0.0), 1.0) * 2.0
    return 0.5 * t * t * t if t <= 1.0 else 0.5 * ((t - 2.0) ** 3 + 2.0)


def ease_cubic_out(t: float) -> float:
    """d3.easeCubicOut: starts at full speed, so re-targeting every frame keeps things moving."""
    t = min(max(t, 0.0), 1.0)
    return 1.0 - (1.0 - t) ** 3


class _Stream:
    """A float32 GL buffer of fixed capacity, written in place. It is reallocated (doubling)
    only when data outgrows it; ``write`` then returns True so vertex arrays get rebuilt."""

    def __init__(self, ctx: moderngl.Context, width: int, capacity: int) -> None:
        self.ctx = ctx
        self.width = width
        self.capacity = max(int(capacity), 1)
        self.buffer = ctx.buffer(reserve=self.capacity * width * 4)
        self.count = 0

    def write(self, data: np.ndarray) -> bool:
        arr = np.ascontiguousarray(data, np.float32).reshape(-1, self.width)
        grew = arr.shape[0] > self.capacity
        if grew:
            self.buffer.release()
            self.capacity = max(arr.shape[0], 2 * self.capacity)
            self.buffer = self.ctx.buffer(reserve=self.capacity * self.width * 4)
        if arr.size:
            self.buffer.write(arr)
        self.count = arr.shape[0]
        return grew

    def release(self) -> None:
        self.buffer.release()


def _grid_segments(mesh: np.ndarray) -> np.ndarray:
    """(n+1, n+1, 2) mesh -> (2 n (n+1), 4) segments (x_a, y_a, x_b, y_b) along both axes."""
    a = np.concatenate([mesh[:-1, :].reshape(-1, 2), mesh[:, :-1].reshape(-1, 2)])
    b = np.concatenate([mesh[1:, :].reshape(-1, 2), mesh[:, 1:].reshape(-1, 2)])
    return np.concatenate([a, b], axis=1)


def _polyline_segments(points: np.ndarray) -> np.ndarray:
    """(m, 2) points -> (m-1, 4) consecutive segments."""
    return np.concatenate([points[:-1], points[1:]], axis=1)


def _cell_indices(n: int) -> np.ndarray:
    """Two triangles per cell of an (n+1)^2 vertex grid, cells in row-major order (so the
    fragment shader's cell is gl_PrimitiveID / 2). Cell (i, j) has corners (i, j), (i+1, j),
    (i+1, j+1), (i, j+1) with vertex index i * (n + 1) + j."""
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    v00 = (i * (n + 1) + j).ravel()
    v10, v11, v01 = v00 + n + 1, v00 + n + 2, v00 + 1
    return np.stack([v00, v10, v11, v00, v11, v01], axis=1).astype(np.uint32).ravel()


class LayeredView:
    """The layered distribution view on one moderngl context.

    ``update(frame)`` uploads a FrameData (in place); ``draw(viewport, view, layers, time_s)``
    draws it into the bound framebuffer. Fake samples and their kites glide from where they
    were drawn last to their new positions over ``transition_s`` seconds of ``time_s``.
    """

    def __init__(self, ctx: moderngl.Context, shaders: ShaderLibrary | None = None,
                 transition_s: float = 0.25) -> None:
        self.ctx = ctx
        self._owns_shaders = shaders is None
        self.shaders = shaders if shaders is not None else ShaderLibrary(ctx)
        self.transition_s = float(transition_s)
        for name in UNIFORMS:       # compile everything up front: errors surface here
            self.shaders.program(name)

        self._ubo = ctx.buffer(reserve=32)
        self._lut = ctx.texture((256, 1), 4, prgn_lut(256).tobytes())
        self._lut.filter = (moderngl.LINEAR, moderngl.LINEAR)
        self._lut.repeat_x = self._lut.repeat_y = False
        f4 = np.float32
        self._quad = ctx.buffer(np.array([0, 0, 1, 0, 0, 1, 1, 1], f4))        # field rect
        self._sprite = ctx.buffer(np.array([-1, -1, 1, -1, -1, 1, 1, 1], f4))  # disc quad
        self._strip = ctx.buffer(np.array([-1, 0, 1, 0, -1, 1, 1, 1], f4))     # kite/segment

        s = {}
        for key, width, cap in (("real", 2, 512), ("fake_prev", 2, 256), ("fake", 2, 256),
                                ("gd_prev", 2, 256), ("gd", 2, 256), ("gg_prev", 2, 256),
                                ("gg", 2, 256), ("noise", 2, 256), ("mesh", 2, 512),
                                ("grid", 4, 1024), ("poly", 4, 64), ("midline", 4, 1)):
            s[key] = _Stream(ctx, width, cap)
        self._streams = s
        s["midline"].write(np.array([[0.0, 0.5, 1.0, 0.5]], f4))
        self._field_tex: moderngl.Texture | None = None
        self._alpha_tex: moderngl.Texture | None = None
        self._cells = 0
        self._index: moderngl.Buffer | None = None
        self._vaos: dict[str, moderngl.VertexArray] = {}
        self._vao_generation = -1

        self.frame: FrameData | None = None
        self._field_bounds = (0.0, 0.0, 1.0, 1.0)
        self._host: dict[str, np.ndarray] = {}   # fake/gd/gg prev and new, for re-targeting
        self._anim_start: float | None = None
        self._t = 1.0                            # eased transition progress at the last draw
        self._ease = ease_cubic_in_out

    # ---- program and uniform plumbing ----
    def _prog(self, name: str) -> moderngl.Program:
        return self.shaders.program(name)

    def _set(self, name: str, **values: object) -> moderngl.Program:
        prog = self._prog(name)
        for k, v in values.items():
            if k not in UNIFORMS[name]:
                raise KeyError(f"{name}: uniform {k!r} is not declared in UNIFORMS")
            prog[k].value = v
        return prog

    def _vao(self, prog_name: str, content: list, index: moderngl.Buffer | None = None
             ) -> moderngl.VertexArray:
        prog = self._prog(prog_name)
        if VIEW_BLOCK in prog:
            prog[VIEW_BLOCK].binding = VIEW_BINDING
        return self.ctx.vertex_array(prog, content, index_buffer=index, index_element_size=4)

    def _build_vaos(self) -> None:
        for vao in self._vaos.values():
            vao.release()
        s = {k: v.buffer for k, v in self._streams.items()}
        inst = "2f/i"
        v: dict[str, moderngl.VertexArray] = {
            "heatmap": self._vao("heatmap.glsl", [(self._quad, "2f", "in_corner")]),
            "contour": self._vao("contour.glsl", [(self._quad, "2f", "in_corner")]),
        }
        for key, prev, new in (("real", "real", "real"), ("fake", "fake_prev", "fake"),
                               ("noise", "noise", "noise"), ("mesh_dots", "mesh", "mesh")):
            v[key] = self._vao("points.glsl", [(self._sprite, "2f", "in_corner"),
                                               (s[prev], inst, "in_prev"),
                                               (s[new], inst, "in_pos")])
        for key, gp, g in (("kites_d", "gd_prev", "gd"), ("kites_g", "gg_prev", "gg")):
            v[key] = self._vao("kites.glsl", [(self._strip, "2f", "in_corner"),
                                              (s["fake_prev"], inst, "in_prev"),
                                              (s["fake"], inst, "in_pos"),
                                              (s[gp], inst, "in_prev_grad"),
                                              (s[g], inst, "in_grad")])
        for key in ("grid", "poly", "midline"):
            v[key] = self._vao("segments.glsl", [(self._strip, "2f", "in_corner"),
                                                 (s[key], "2f 2f/i", "in_a", "in_b")])
        if self._index is not None:
            v["manifold"] = self._vao("manifold.glsl", [(s["mesh"], "2f", "in_pos")],
                                      index=self._index)
        self._vaos = v
        self._vao_generation = self.shaders.generation

    def reload_shaders(self) -> list:
        """Recompile the shaders from disk (F5); failures keep the last good programs and are
        returned as ShaderError objects."""
        errors = self.shaders.reload()
        self._vao_generation = -1
        return errors

    # ---- uploads ----
    def _texture_r32f(self, tex: moderngl.Texture | None, data: np.ndarray, filt: int
                      ) -> moderngl.Texture:
        """Write a 2-D float array into ``tex`` in place, recreating it only on a size change."""
        h, w = data.shape
        if tex is None or tex.size != (w, h):
            if tex is not None:
                tex.release()
            tex = self.ctx.texture((w, h), 1, dtype="f4")
            tex.repeat_x = tex.repeat_y = False
            tex.filter = (filt, filt)
        tex.write(np.ascontiguousarray(data, np.float32))
        return tex

    def update(self, frame: FrameData, time_s: float | None = None) -> None:
        """Upload ``frame``. Fake samples and kites glide from where they are on screen at
        ``time_s`` (the same clock ``draw`` gets) to their new places; without ``time_s`` they
        start from where they were last drawn and the clock starts at the next ``draw``.

        A transition that is re-targeted mid-way (e.g. training updates every frame) eases
        out from its current position, so the samples move continuously instead of
        restarting from rest each frame."""
        grew = False
        if time_s is not None and self._anim_start is not None:
            self._t = self.progress(time_s)
        retarget = 0.0 < self._t < 1.0
        s = self._streams
        field = np.asarray(frame.field, np.float32)
        if field.ndim != 2 or field.size == 0:
            raise ValueError(f"FrameData.field must be a non-empty (N, N) array, got {field.shape}")
        self._field_tex = self._texture_r32f(self._field_tex, field, moderngl.LINEAR)
        self._field_bounds = tuple(float(b) for b in frame.field_bounds)
        grew |= s["real"].write(frame.real)

        # fake samples and gradients: new "prev" = what is on screen now (no jump, no flicker)
        # copies: a FrameData's arrays may be the engine's buffers, rewritten next frame
        new = {"fake": np.array(frame.fake, np.float32).reshape(-1, 2),
               "gd": np.array(frame.grad_d, np.float32).reshape(-1, 2),
               "gg": np.array(frame.grad_g, np.float32).reshape(-1, 2)}
        for key, arr in new.items():
            old_prev, old_new = self._host.get(key + "_prev"), self._host.get(key)
            if old_new is not None and old_new.shape == arr.shape and self._t < 1.0:
                prev = old_prev + (old_new - old_prev) * np.float32(self._t)
            elif old_new is not None and old_new.shape == arr.shape:
                prev = old_new
            else:
                prev = arr
            self._host[key + "_prev"], self._host[key] = prev, arr
            grew |= s[key + "_prev"].write(prev)
            grew |= s[key].write(arr)
        self._anim_start = float(time_s) if time_s is not None else None
        self._t = 0.0 if self.transition_s > 0 else 1.0
        self._ease = ease_cubic_out if retarget else ease_cubic_in_out

        noise = np.asarray(frame.noise, np.float32)
        if noise.ndim == 2 and noise.shape[1] == 1:
            noise = np.concatenate([noise, np.full_like(noise, 0.5)], axis=1)
        grew |= s["noise"].write(noise[:, :2] if noise.size else np.zeros((0, 2), np.float32))

        mesh = np.asarray(frame.manifold, np.float32)
        if frame.noise_dim == 2 and mesh.size:
            n = mesh.shape[0] - 1
            grew |= s["mesh"].write(mesh.reshape(-1, 2))
            grew |= s["grid"].write(_grid_segments(mesh))
            s["poly"].count = 0
            alpha = np.asarray(frame.manifold_alpha, np.float32).reshape(n, n)
            self._alpha_tex = self._texture_r32f(self._alpha_tex, alpha, moderngl.NEAREST)
            if n != self._cells:
                if self._index is not None:
                    self._index.release()
                self._index = self.ctx.buffer(_cell_indices(n))
                self._cells = n
                grew = True
        else:
            grew |= s["mesh"].write(mesh.reshape(-1, 2))
            grew |= s["poly"].write(_polyline_segments(mesh.reshape(-1, 2)))
            s["grid"].count = 0
        if grew:
            self._vao_generation = -1
        self.frame = frame

    # ---- drawing ----
    def progress(self, time_s: float | None) -> float:
        """Eased transition progress in [0, 1] at ``time_s`` (None = finished)."""
        if time_s is None or self.transition_s <= 0:
            return 1.0
        if self._anim_start is None:
            return 0.0
        return self._ease((time_s - self._anim_start) / self.transition_s)

    def animating(self, time_s: float | None) -> bool:
        """True while fake samples are still moving (the UI should keep redrawing)."""
        return self.progress(time_s) < 1.0

    def _begin(self, viewport: Iterable[int], view: View) -> tuple[int, int]:
        vp = tuple(int(v) for v in viewport)
        if len(vp) == 2:
            vp = (0, 0) + vp
        if len(vp) != 4 or vp[2] <= 0 or vp[3] <= 0:
            raise ValueError(f"viewport must be (w, h) or (x, y, w, h) with w, h > 0: {viewport}")
        if self._vao_generation != self.shaders.generation:
            self._build_vaos()
        ctx = self.ctx
        ctx.viewport = vp
        ctx.clear(*BACKGROUND, viewport=vp)
        rect = view.effective_bounds(vp[2:])
        self._ubo.write(struct.pack("8f", *rect, *(float(v) for v in vp)))
        self._ubo.bind_to_uniform_block(VIEW_BINDING)
        ctx.disable(moderngl.DEPTH_TEST | moderngl.CULL_FACE)
        ctx.enable(moderngl.BLEND)
        ctx.blend_func = BLEND
        return vp[2], vp[3]

    def draw(self, viewport: Iterable[int], view: View | None = None,
             layers: Layers | None = None, time_s: float | None = None) -> None:
        """Draw the view into the bound framebuffer.

        Args:
            viewport: ``(w, h)`` or ``(x, y, w, h)`` in framebuffer pixels.
            view: the data-space area shown (default: GAN Lab's [0,1]^2).
            layers: which layers and options (default: GAN Lab's defaults).
            time_s: a monotonic clock in seconds driving the fake-sample transition;
                None draws the settled state.
        """
        view = view if view is not None else View()
        layers = layers if layers is not None else Layers()
        w, h = self._begin(viewport, view)
        if self.frame is None:
            return
        if time_s is not None and self._anim_start is None:
            self._anim_start = float(time_s)
        self._t = t = self.progress(time_s)
        s, vaos = self._streams, self._vaos
        radius = layers.radius_px((w, h))
        dpi = layers.dpi_scale

        if layers.heatmap or layers.contour:
            filt = moderngl.NEAREST if layers.blocky else moderngl.LINEAR
            self._field_tex.filter = (filt, filt)
            self._field_tex.use(FIELD_UNIT)
        if layers.heatmap:
            self._lut.use(LUT_UNIT)
            self._set("heatmap.glsl", u_field_rect=self._field_bounds, u_field=FIELD_UNIT,
                      u_lut=LUT_UNIT)
            vaos["heatmap"].render(moderngl.TRIANGLE_STRIP)
        if layers.contour:
            self._field_tex.filter = (moderngl.LINEAR, moderngl.LINEAR)
            self._set("contour.glsl", u_field_rect=self._field_bounds, u_field=FIELD_UNIT,
                      u_level=0.5, u_width_px=1.5 * dpi, u_color=CONTOUR_COLOR)
            vaos["contour"].render(moderngl.TRIANGLE_STRIP)
        if layers.real and s["real"].count:
            self._set("points.glsl", u_t=1.0, u_radius_px=radius, u_color=REAL_COLOR)
            vaos["real"].render(moderngl.TRIANGLE_STRIP, instances=s["real"].count)
        if layers.gradients and s["fake"].count:
            src = "gd" if layers.gradient_source == "d" else "gg"
            if s[src].count == s["fake"].count:
                scale = (layers.gradient_unit_length if layers.gradient_normalize
                         else layers.gradient_scale)
                self._set("kites.glsl", u_t=t, u_scale=scale,
                          u_normalize=bool(layers.gradient_normalize),
                          u_half_width_px=0.4 * radius, u_color=GRADIENT_COLOR)
                vaos["kites_" + layers.gradient_source].render(
                    moderngl.TRIANGLE_STRIP, instances=s["fake"].count)
        if layers.fake and s["fake"].count:
            self._set("points.glsl", u_t=t, u_radius_px=radius, u_color=FAKE_COLOR)
            vaos["fake"].render(moderngl.TRIANGLE_STRIP, instances=s["fake"].count)
        if layers.manifold:
            self._draw_manifold(radius, dpi)

    def _draw_manifold(self, radius: float, dpi: float) -> None:
        s, vaos = self._streams, self._vaos
        if s["grid"].count and "manifold" in vaos:
            self._alpha_tex.use(ALPHA_UNIT)
            self._set("manifold.glsl", u_alpha=ALPHA_UNIT, u_cells=self._cells,
                      u_color=MANIFOLD_COLOR)
            vaos["manifold"].render(moderngl.TRIANGLES, vertices=6 * self._cells * self._cells)
            self._set("segments.glsl", u_width_px=1.0 * dpi, u_round_caps=False,
                      u_color=GRID_COLOR)
            vaos["grid"].render(moderngl.TRIANGLE_STRIP, instances=s["grid"].count)
        elif s["poly"].count:
            self._set("segments.glsl", u_width_px=max(0.75 * radius, dpi), u_round_caps=True,
                      u_color=MANIFOLD_LINE_COLOR)
            vaos["poly"].render(moderngl.TRIANGLE_STRIP, instances=s["poly"].count)
            self._set("points.glsl", u_t=1.0, u_radius_px=max(0.5 * radius, dpi),
                      u_color=MANIFOLD_DOT_COLOR)
            vaos["mesh_dots"].render(moderngl.TRIANGLE_STRIP, instances=s["mesh"].count)

    def draw_noise(self, viewport: Iterable[int], layers: Layers | None = None) -> None:
        """Draw the noise-space thumbnail: the fixed latent samples in [0,1]^2, or on a
        mid-line for a 1-D latent (GAN Lab's 50 px "noise" node)."""
        layers = layers if layers is not None else Layers()
        w, h = self._begin(viewport, View((-0.05, -0.05, 1.05, 1.05)))
        if self.frame is None:
            return
        dpi = layers.dpi_scale
        radius = (layers.point_size * dpi if layers.point_size is not None
                  else min(max(min(w, h) / (50.0 * dpi), 1.0), 4.0) * dpi)
        if self.frame.noise_dim == 1:
            self._set("segments.glsl", u_width_px=1.0 * dpi, u_round_caps=False,
                      u_color=NOISE_LINE_COLOR)
            self._vaos["midline"].render(moderngl.TRIANGLE_STRIP, instances=1)
        if self._streams["noise"].count:
            self._set("points.glsl", u_t=1.0, u_radius_px=radius, u_color=NOISE_COLOR)
            self._vaos["noise"].render(moderngl.TRIANGLE_STRIP,
                                       instances=self._streams["noise"].count)

    def release(self) -> None:
        """Release every GL object this view created (the ShaderLibrary too if it made it)."""
        for vao in self._vaos.values():
            vao.release()
        self._vaos.clear()
        for st in self._streams.values():
            st.release()
        for obj in (self._ubo, self._lut, self._quad, self._sprite, self._strip,
                    self._field_tex, self._alpha_tex, self._index):
            if obj is not None:
                obj.release()
        if self._owns_shaders:
            self.shaders.release()


