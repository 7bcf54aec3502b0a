"""LayeredView: GAN Lab's layered distribution view drawn with moderngl.

Owns the GL resources of the view (buffers and textures made once at a fixed ViewCapacity and
written in place, published as ViewTargets so a CUDA engine can write into the very same
objects; the vertex arrays over them), the fake-sample transition (computed on the GPU: the
vertex shaders mix previous and new positions, and a re-targeted glide captures where the
samples are by transform feedback), and the draw order heatmap -> contour -> optimal (D*) ->
flow (grad D) -> real -> gradients -> fake -> manifold. Takes FrameData (and the optimal
discriminator's grid from ``set_optimal``) only; never imports ``glgan.compute``. The caller
makes the context current and binds the target framebuffer.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from functools import partial

import moderngl
import numpy as np

from glgan.frame import FrameData, GlTarget, ViewCapacity, ViewTargets
from glgan.layers import Layers
from glgan.palette import ViewStyle, ramp_lut, view_style
from glgan.render.shaders import ShaderLibrary
from glgan.render.view import View

# Colours and stroke sizes come from glgan.palette.view_style(layers.palette, layers.theme);
# these two are the noise-space thumbnail's (the same in every palette).
NOISE_COLOR = (0.25, 0.25, 0.25, 0.75)                           # noise-space thumbnail dots
NOISE_LINE_COLOR = (0.6, 0.6, 0.6, 1.0)

BLEND = (moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA, moderngl.ONE,
         moderngl.ONE_MINUS_SRC_ALPHA)  # straight alpha; destination alpha stays 1 over opaque

# Every uniform the Python side sets, per program file. tests/test_render_shaders.py checks
# that each one exists in its compiled program; _set() refuses names not listed here.
UNIFORMS: dict[str, tuple[str, ...]] = {
    "heatmap.glsl": ("u_field_rect", "u_field", "u_lut", "u_field_texels", "u_center",
                     "u_gain"),
    "contour.glsl": ("u_field_rect", "u_field", "u_level", "u_width_px", "u_color",
                     "u_field_texels"),
    "points.glsl": ("u_t", "u_radius_px", "u_color"),
    "kites.glsl": ("u_t", "u_scale", "u_normalize", "u_max_len", "u_half_width_px",
                   "u_color"),
    "segments.glsl": ("u_width_px", "u_round_caps", "u_skip_every", "u_color"),
    "manifold.glsl": ("u_alpha", "u_cells", "u_color"),
    "trails.glsl": ("u_width_px", "u_color"),
    "flow.glsl": ("u_field_rect", "u_field", "u_field_texels", "u_grid", "u_half_width_px",
                  "u_color"),
    "glide.glsl": ("u_t",),
}
GLIDES = ("fake", "grad_d", "grad_g")  # the buffers that glide, each with a "<name>_prev" twin
VIEW_BLOCK = "View"   # every program uses the std140 View block at binding 0
VIEW_BINDING = 0
FIELD_UNIT, LUT_UNIT, ALPHA_UNIT, OPTIMAL_UNIT = 0, 1, 2, 3
OPTIMAL_RES = 128  # the largest D* grid a view holds (set_optimal)
FLOW_CELL_PX = 28.0  # the flow layer puts one arrow per this many logical pixels
TRAIL_SEGMENTS = 4096  # the most trail steps a view holds (set_trails)


def ease_cubic_in_out(t: float) -> float:
    """d3.easeCubic, the default easing of GAN Lab's dot transitions."""
    t = min(max(t, 0.0), 1.0) * 2.0
    return 0.5 * t * t * t if t <= 1.0 else 0.5 * ((t - 2.0) ** 3 + 2.0)


def ease_cubic_out(t: float) -> float:
    """d3.easeCubicOut: starts at full speed, so re-targeting every frame keeps things moving."""
    t = min(max(t, 0.0), 1.0)
    return 1.0 - (1.0 - t) ** 3


class _Stream:
    """A float32 GL buffer of fixed capacity (rows x width), written in place from row 0; it is
    never reallocated, so its GL name can be registered with CUDA once."""

    def __init__(self, ctx: moderngl.Context, width: int, capacity: int, what: str) -> None:
        self.width, self.capacity, self.what = width, max(int(capacity), 1), what
        self.buffer = ctx.buffer(reserve=self.capacity * width * 4)
        self.count = 0

    def write(self, data: np.ndarray) -> None:
        arr = np.ascontiguousarray(data, np.float32).reshape(-1, self.width)
        if arr.shape[0] > self.capacity:
            raise ValueError(f"FrameData.{self.what} has {arr.shape[0]} rows; this view holds "
                             f"at most {self.capacity} (its ViewCapacity)")
        if arr.size:
            self.buffer.write(arr)
        self.count = arr.shape[0]

    def target(self) -> GlTarget:
        return GlTarget(self.buffer.glo, "buffer", (self.capacity, self.width))

    def release(self) -> None:
        self.buffer.release()


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
                 transition_s: float = 0.25, capacity: ViewCapacity | None = None) -> None:
        self.ctx = ctx
        self._owns_shaders = shaders is None
        self.shaders = shaders if shaders is not None else ShaderLibrary(ctx)
        self.transition_s = float(transition_s)
        self.capacity = cap = capacity if capacity is not None else ViewCapacity()
        for name in UNIFORMS:       # compile everything up front: errors surface here
            self.shaders.program(name)

        self._ubo = ctx.buffer(reserve=32)
        self._lut_key: tuple = (view_style().ramp, 1.0)
        self._lut = ctx.texture((256, 1), 4, ramp_lut(*self._lut_key).tobytes())
        self._lut.filter = (moderngl.LINEAR, moderngl.LINEAR)
        self._lut.repeat_x = self._lut.repeat_y = False
        f4 = np.float32
        self._quad = ctx.buffer(np.array([0, 0, 1, 0, 0, 1, 1, 1], f4))        # field rect
        self._sprite = ctx.buffer(np.array([-1, -1, 1, -1, -1, 1, 1, 1], f4))  # disc quad
        self._strip = ctx.buffer(np.array([-1, 0, 1, 0, -1, 1, 1, 1], f4))     # kite/segment

        mesh_rows = (cap.manifold_cells + 1) ** 2
        self._streams = s = {
            "real": _Stream(ctx, 2, cap.real, "real"), "noise": _Stream(ctx, 2, cap.fake, "noise"),
            "mesh": _Stream(ctx, 2, mesh_rows, "manifold"),
            "glide": _Stream(ctx, 2, cap.fake, "fake"),  # transform feedback's output
            "midline": _Stream(ctx, 4, 1, "midline"), "unit": _Stream(ctx, 4, 4, "unit"),
            "trails": _Stream(ctx, 5, TRAIL_SEGMENTS, "trails")}
        for key in GLIDES:
            s[key] = _Stream(ctx, 2, cap.fake, key)
            s[key + "_prev"] = _Stream(ctx, 2, cap.fake, key)
        s["midline"].write(np.array([[0.0, 0.5, 1.0, 0.5]], f4))
        s["unit"].write(np.array([[0, 0, 1, 0], [1, 0, 1, 1], [1, 1, 0, 1], [0, 1, 0, 0]], f4))
        self._field_tex = self._texture_r32f(cap.field_res, moderngl.LINEAR)
        self._alpha_tex = self._texture_r32f(cap.manifold_cells, moderngl.NEAREST)
        self._optimal_tex = self._texture_r32f(OPTIMAL_RES, moderngl.LINEAR)
        self._optimal_texels = 0  # the D* grid now in _optimal_tex (0: none)
        self._value_scale = (0.5, 1.0)  # (centre, gain) of the field's values: set_value_scale
        self._optimal_bounds = (0.0, 0.0, 1.0, 1.0)
        self._index = ctx.buffer(reserve=6 * cap.manifold_cells ** 2 * 4)
        # transform feedback draws (with rasterisation off) still need a complete framebuffer
        # bound; a headless context may have none between renders
        self._tf_target = ctx.renderbuffer((1, 1))
        self._tf_fbo = ctx.framebuffer(color_attachments=[self._tf_target])
        self._field_texels = 0
        self._cells = 0             # cells of the 2-D manifold mesh now in "mesh" (0: none)
        self._poly_points = 0       # points of the 1-D manifold polyline now in "mesh"
        self._vaos: dict[str, moderngl.VertexArray] = {}
        self._vao_generation = -1
        self._vao_cells = -1        # the mesh layout the grid/polyline VAOs are bound for

        self.frame: FrameData | None = None
        self._field_bounds = (0.0, 0.0, 1.0, 1.0)
        self._anim_start: float | None = None
        self._t = 1.0                            # eased transition progress at the last draw
        self._ease = ease_cubic_in_out
        self._glide_counts: dict[str, int] | None = None  # set by begin_update

    def targets(self) -> ViewTargets:
        """The GL objects this view draws the engine's results from, fixed for its life (see
        frame.ViewTargets), each with this view's host upload into it."""
        s = self._streams
        out = {k: replace(s[k].target(), write=s[k].write) for k in (*GLIDES, "mesh")}
        for key, tex in (("field", self._field_tex), ("manifold_alpha", self._alpha_tex)):
            out[key] = GlTarget(tex.glo, "texture", (tex.height, tex.width),
                                partial(self._write_corner, tex, what=key))
        return ViewTargets(self.capacity, out)

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
            "flow": self._vao("flow.glsl", [(self._strip, "2f", "in_corner")]),
            "trails": self._vao("trails.glsl", [(self._strip, "2f", "in_corner"),
                                                (s["trails"], "2f 2f 1f/i", "in_a", "in_b",
                                                 "in_age")]),
            "manifold": self._vao("manifold.glsl", [(s["mesh"], "2f", "in_pos")],
                                  index=self._index),
            "midline": self._vao("segments.glsl", [(self._strip, "2f", "in_corner"),
                                                   (s["midline"], "2f 2f/i", "in_a", "in_b")]),
            "unit": self._vao("segments.glsl", [(self._strip, "2f", "in_corner"),
                                                (s["unit"], "2f 2f/i", "in_a", "in_b")]),
        }
        for key, prev, new in (("real", "real", "real"), ("fake", "fake_prev", "fake"),
                               ("noise", "noise", "noise"), ("mesh_dots", "mesh", "mesh")):
            v[key] = self._vao("points.glsl", [(self._sprite, "2f", "in_corner"),
                                               (s[prev], inst, "in_prev"),
                                               (s[new], inst, "in_pos")])
        for key, g in (("kites_d", "grad_d"), ("kites_g", "grad_g")):
            v[key] = self._vao("kites.glsl", [(self._strip, "2f", "in_corner"),
                                              (s["fake_prev"], inst, "in_prev"),
                                              (s["fake"], inst, "in_pos"),
                                              (s[g + "_prev"], inst, "in_prev_grad"),
                                              (s[g], inst, "in_grad")])
        for key in GLIDES:
            v["glide_" + key] = self._vao("glide.glsl", [(s[key + "_prev"], "2f", "in_prev"),
                                                         (s[key], "2f", "in_pos")])
        self._vaos = v
        self._vao_generation = self.shaders.generation
        self._vao_cells = -1

    def _mesh_segments(self) -> None:
        """The grid lines (2-D noise) or the polyline (1-D) as instanced segments read from the
        manifold's vertex buffer itself: in_b is bound at an offset from in_a."""
        n = self._cells if self._cells else self._poly_points
        if n == self._vao_cells:
            return
        for key in ("grid_rows", "grid_cols", "poly"):
            if key in self._vaos:
                self._vaos.pop(key).release()
        mesh = self._streams["mesh"].buffer
        prog = self._prog("segments.glsl")

        def pair(offset_b: int) -> moderngl.VertexArray:
            vao = self._vao("segments.glsl", [(self._strip, "2f", "in_corner")])
            vao.bind(prog["in_a"].location, "f", mesh, "2f", offset=0, stride=8, divisor=1)
            vao.bind(prog["in_b"].location, "f", mesh, "2f", offset=offset_b, stride=8,
                     divisor=1)
            return vao

        if self._cells:  # (i, j)-(i, j+1) along rows, (i, j)-(i+1, j) across them
            self._vaos["grid_rows"] = pair(8)
            self._vaos["grid_cols"] = pair(8 * (self._cells + 1))
        elif self._poly_points:
            self._vaos["poly"] = pair(8)
        self._vao_cells = n

    def reload_shaders(self) -> list:
        """Recompile the shaders from disk (F5); failures keep the last good programs and are
        returned as ShaderError objects."""
        errors = self.shaders.reload()
        self._vao_generation = -1
        return errors

    # ---- uploads ----
    def _texture_r32f(self, size: int, filt: int) -> moderngl.Texture:
        tex = self.ctx.texture((size, size), 1, dtype="f4")
        tex.repeat_x = tex.repeat_y = False
        tex.filter = (filt, filt)
        return tex

    @staticmethod
    def _write_corner(tex: moderngl.Texture, data: np.ndarray, what: str) -> None:
        """Write an (n, n) array into the lower-left corner of a fixed-size texture."""
        h, w = data.shape
        if h > tex.height or w > tex.width:
            raise ValueError(f"FrameData.{what} is {h} x {w}; this view holds at most "
                             f"{tex.height} x {tex.width} (its ViewCapacity)")
        tex.write(np.ascontiguousarray(data, np.float32), viewport=(0, 0, w, h))

    def set_optimal(self, field: np.ndarray | None,
                    bounds: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0)) -> None:
        """The optimal discriminator D* over ``bounds`` ((n, n), row 0 at the bottom; at most
        OPTIMAL_RES), drawn by the ``optimal`` layer as its 0.5 line; None forgets it."""
        if field is None:
            self._optimal_texels = 0
            return
        self._write_corner(self._optimal_tex, field, "optimal")
        self._optimal_texels = int(field.shape[0])
        self._optimal_bounds = tuple(float(v) for v in bounds)

    def set_value_scale(self, center: float = 0.5, gain: float = 1.0) -> None:
        """How the field's values map to the heatmap's ramp: t = 0.5 + (value - center) *
        gain; the D = center line is the contour. The default shows a probability as it is;
        a critic's raw scores are shown on a diverging scale around ``center``."""
        if not (np.isfinite(center) and np.isfinite(gain) and gain > 0):
            raise ValueError(f"value scale ({center!r}, {gain!r}): finite, gain > 0")
        self._value_scale = (float(center), float(gain))

    def set_trails(self, paths) -> None:
        """Paths of pinned samples to draw with the ``trails`` layer: a list of (k, 2) arrays,
        oldest point first; each step fades with its age. At most TRAIL_SEGMENTS steps in
        all (the oldest are dropped)."""
        rows = []
        for path in paths:
            p = np.asarray(path, np.float32).reshape(-1, 2)
            if len(p) < 2:
                continue
            age = np.linspace(1.0, 0.0, len(p) - 1, dtype=np.float32)
            rows.append(np.column_stack([p[:-1], p[1:], age]))
        seg = np.concatenate(rows) if rows else np.zeros((0, 5), np.float32)
        self._streams["trails"].write(seg[-TRAIL_SEGMENTS:])

    def update(self, frame: FrameData, time_s: float | None = None) -> None:
        """Upload ``frame`` into this view's fixed buffers. Fake samples and kites glide from
        where they are on screen at ``time_s`` (the same clock ``draw`` gets) to their new
        places; without ``time_s`` they start from where they were last drawn and the clock
        starts at the next ``draw``.

        A transition that is re-targeted mid-way (e.g. training updates every frame) eases
        out from its current position, so the samples move continuously instead of
        restarting from rest each frame. This is ``begin_update(time_s)``, ``upload(frame)``,
        ``end_update(frame, time_s)``: an engine that writes into ``targets()`` itself runs
        between the first and the last instead of ``upload``."""
        if frame.resident is not None:
            raise ValueError("this FrameData is resident (the engine wrote its arrays into the "
                             "view): call begin_update before and end_update after "
                             "engine.frame instead of update")
        self._check(frame)
        self.begin_update(time_s)
        self.upload(frame)
        self.end_update(frame, time_s)

    @staticmethod
    def _check(frame: FrameData) -> None:
        if frame.resident is None and (np.ndim(frame.field) != 2 or np.size(frame.field) == 0):
            raise ValueError("FrameData.field must be a non-empty (N, N) array, got "
                             f"{np.shape(frame.field)}")

    def upload(self, frame: FrameData) -> None:
        """Write ``frame``'s host arrays into this view's GL objects (between begin_update
        and end_update). Refuses, before writing anything, arrays beyond the capacity."""
        self._check(frame)
        s, cap = self._streams, self.capacity
        mesh = np.asarray(frame.manifold, np.float32)
        field = np.asarray(frame.field, np.float32)
        for what, n, top in (("fake", len(frame.fake), cap.fake),
                             ("real", len(frame.real), cap.real),
                             ("manifold", mesh.size // 2, s["mesh"].capacity)):
            if n > top:
                raise ValueError(f"FrameData.{what} has {n} rows; this view holds at most "
                                 f"{top} (its ViewCapacity)")
        if field.shape[0] > cap.field_res or field.shape[1] > cap.field_res:
            raise ValueError(f"FrameData.field is {field.shape[0]} x {field.shape[1]}; this "
                             f"view holds at most {cap.field_res} x {cap.field_res} (its "
                             "ViewCapacity)")
        self._write_corner(self._field_tex, field, "field")
        for key in GLIDES:
            s[key].write(getattr(frame, key))
        s["mesh"].write(mesh.reshape(-1, 2))
        if frame.noise_dim == 2 and mesh.size:
            n = mesh.shape[0] - 1
            alpha = np.asarray(frame.manifold_alpha, np.float32).reshape(n, n)
            self._write_corner(self._alpha_tex, alpha, "manifold_alpha")

    def update_from(self, produce: Callable[[ViewTargets], FrameData],
                    time_s: float | None = None) -> FrameData:
        """Update from ``produce(targets)``: an engine that writes into this view's GL objects
        itself returns a resident FrameData; otherwise its host arrays are uploaded here.
        Returns the frame."""
        return update_views({0: self}, lambda targets: {0: produce(targets[0])}, time_s)[0]

    def begin_update(self, time_s: float | None = None) -> None:
        """Before new positions are written: fix where the gliding samples are now (at
        ``time_s``) as the start of the next glide, on the GPU."""
        if time_s is not None and self._anim_start is not None:
            self._t = self.progress(time_s)
        if self._vao_generation != self.shaders.generation:
            self._build_vaos()
        s, t = self._streams, self._t
        self._glide_counts = {k: s[k].count for k in GLIDES}
        glide, bound = self._streams["glide"], None
        for key in GLIDES:
            new, prev = s[key], s[key + "_prev"]
            if not new.count or t <= 0.0:       # nothing shown yet, or still at the start
                continue
            if t >= 1.0:                        # settled: the glide starts from the target
                self.ctx.copy_buffer(prev.buffer, new.buffer, new.count * 8)
            else:                               # mid-flight: from where it is now
                if bound is None:
                    bound = self.ctx.fbo
                    self._tf_fbo.use()
                self._set("glide.glsl", u_t=t)
                self._vaos["glide_" + key].transform(glide.buffer, moderngl.POINTS,
                                                     vertices=new.count)
                self.ctx.copy_buffer(prev.buffer, glide.buffer, new.count * 8)
        if bound is not None:
            bound.use()

    def end_update(self, frame: FrameData, time_s: float | None = None) -> None:
        """After the frame's values were written (by ``upload`` or, for a resident frame, by
        the engine into ``targets()``): take the fixed sets (real samples, noise) from the
        host, adopt the frame's sizes and start the glide."""
        if self._glide_counts is None:
            raise RuntimeError("LayeredView.end_update without begin_update")
        s, res = self._streams, frame.resident
        s["real"].write(frame.real)
        noise = np.asarray(frame.noise, np.float32)
        if noise.ndim == 2 and noise.shape[1] == 1:
            noise = np.concatenate([noise, np.full_like(noise, 0.5)], axis=1)
        s["noise"].write(noise[:, :2] if noise.size else np.zeros((0, 2), np.float32))
        if res is not None:  # the engine wrote these: take their sizes from it
            for key in GLIDES:
                s[key].count = res.fake
            field_res, cells = res.field_res, res.manifold_cells
            s["mesh"].count = (cells + 1) ** frame.noise_dim
        else:
            field_res = np.shape(frame.field)[0]
            cells = np.shape(frame.manifold)[0] - 1
        retarget = 0.0 < self._t < 1.0
        for key in GLIDES:  # a new set of samples (or the first) does not glide
            if s[key].count != self._glide_counts[key] or self._glide_counts[key] == 0:
                self.ctx.copy_buffer(s[key + "_prev"].buffer, s[key].buffer,
                                     max(s[key].count, 1) * 8)
        self._glide_counts = None
        self._field_texels = field_res
        self._field_bounds = tuple(float(b) for b in frame.field_bounds)
        if frame.noise_dim == 2 and s["mesh"].count:
            if cells != self._cells:
                self._index.write(_cell_indices(cells))
            self._cells, self._poly_points = cells, 0
        else:
            self._cells, self._poly_points = 0, max(s["mesh"].count - 1, 0)
        self._anim_start = float(time_s) if time_s is not None else None
        self._t = 0.0 if self.transition_s > 0 else 1.0
        self._ease = ease_cubic_out if retarget else ease_cubic_in_out
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

    def _begin(self, viewport: Iterable[int], view: View,
               background: tuple[float, float, float, float]) -> tuple[int, int]:
        vp = tuple(int(v) for v in viewport)
        if len(vp) == 2:
            vp = (0, 0) + vp
        if len(vp) != 4 or vp[2] <= 0 or vp[3] <= 0:
            raise ValueError(f"viewport must be (w, h) or (x, y, w, h) with w, h > 0: {viewport}")
        if self._vao_generation != self.shaders.generation:
            self._build_vaos()
        self._mesh_segments()
        ctx = self.ctx
        ctx.viewport = vp
        ctx.clear(*background, viewport=vp)
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
        style = view_style(layers.palette, layers.theme)
        w, h = self._begin(viewport, view, style.background)
        if self.frame is None:
            return
        if time_s is not None and self._anim_start is None:
            self._anim_start = float(time_s)
        self._t = t = self.progress(time_s)
        s, vaos = self._streams, self._vaos
        radius = layers.radius_px((w, h)) * style.dot_scale
        dpi = layers.dpi_scale
        line = dpi * style.line_scale

        if layers.heatmap or layers.contour or layers.flow:
            filt = moderngl.NEAREST if layers.blocky else moderngl.LINEAR
            self._field_tex.filter = (filt, filt)
            self._field_tex.use(FIELD_UNIT)
        if layers.heatmap:
            self._use_ramp(style)
            self._set("heatmap.glsl", u_field_rect=self._field_bounds, u_field=FIELD_UNIT,
                      u_lut=LUT_UNIT, u_field_texels=(self._field_texels,) * 2,
                      u_center=self._value_scale[0], u_gain=self._value_scale[1])
            vaos["heatmap"].render(moderngl.TRIANGLE_STRIP)
        if layers.contour:
            self._field_tex.filter = (moderngl.LINEAR, moderngl.LINEAR)
            self._set("contour.glsl", u_field_rect=self._field_bounds, u_field=FIELD_UNIT,
                      u_level=self._value_scale[0], u_width_px=1.5 * line,
                      u_color=style.contour,
                      u_field_texels=(self._field_texels,) * 2)
            vaos["contour"].render(moderngl.TRIANGLE_STRIP)
        if layers.optimal and self._optimal_texels:
            self._optimal_tex.use(OPTIMAL_UNIT)
            self._set("contour.glsl", u_field_rect=self._optimal_bounds, u_field=OPTIMAL_UNIT,
                      u_level=0.5, u_width_px=2.0 * line, u_color=style.optimal,
                      u_field_texels=(self._optimal_texels,) * 2)
            vaos["contour"].render(moderngl.TRIANGLE_STRIP)
        if layers.flow and self._field_texels:
            self._field_tex.filter = (moderngl.LINEAR, moderngl.LINEAR)
            grid = int(min(max(min(w, h) / (FLOW_CELL_PX * dpi), 4), 64))
            self._set("flow.glsl", u_field_rect=self._field_bounds, u_field=FIELD_UNIT,
                      u_field_texels=(self._field_texels,) * 2, u_grid=grid,
                      u_half_width_px=1.6 * line, u_color=style.flow)
            vaos["flow"].render(moderngl.TRIANGLE_STRIP, instances=grid * grid)
        x0, y0, x1, y1 = view.bounds
        if x0 < -0.01 or y0 < -0.01 or x1 > 1.01 or y1 > 1.01:  # zoomed out: GAN Lab's square
            self._set("segments.glsl", u_width_px=1.0 * line, u_round_caps=False,
                      u_skip_every=0, u_color=style.unit)
            vaos["unit"].render(moderngl.TRIANGLE_STRIP, instances=4)
        if layers.real and s["real"].count:
            self._set("points.glsl", u_t=1.0, u_radius_px=radius, u_color=style.real)
            vaos["real"].render(moderngl.TRIANGLE_STRIP, instances=s["real"].count)
        if layers.gradients and s["fake"].count:
            src = "grad_d" if layers.gradient_source == "d" else "grad_g"
            if s[src].count == s["fake"].count:
                scale = (layers.gradient_unit_length if layers.gradient_normalize
                         else layers.gradient_scale)
                cap = (layers.gradient_cap if layers.gradient_source == "g"
                       and not layers.gradient_normalize else 0.0)
                self._set("kites.glsl", u_t=t, u_scale=scale, u_max_len=cap,
                          u_normalize=bool(layers.gradient_normalize),
                          u_half_width_px=0.4 * radius / style.dot_scale * style.line_scale,
                          u_color=style.gradient)
                vaos["kites_" + layers.gradient_source].render(
                    moderngl.TRIANGLE_STRIP, instances=s["fake"].count)
        if layers.trails and s["trails"].count:
            self._set("trails.glsl", u_width_px=max(0.6 * radius, 1.5 * line),
                      u_color=style.fake[:3] + (0.9,))
            vaos["trails"].render(moderngl.TRIANGLE_STRIP, instances=s["trails"].count)
        if layers.fake and s["fake"].count:
            self._set("points.glsl", u_t=t, u_radius_px=radius, u_color=style.fake)
            vaos["fake"].render(moderngl.TRIANGLE_STRIP, instances=s["fake"].count)
        if layers.manifold:
            self._draw_manifold(radius, line, style)

    def _use_ramp(self, style: ViewStyle) -> None:
        """Bind the heatmap's LUT for ``style`` (rewritten only when the ramp changes)."""
        key = (style.ramp, style.ramp_gamma)
        if key != self._lut_key:
            self._lut.write(ramp_lut(*key).tobytes())
            self._lut_key = key
        self._lut.use(LUT_UNIT)

    def _draw_manifold(self, radius: float, line: float, style: ViewStyle) -> None:
        vaos, n = self._vaos, self._cells
        if n:
            self._alpha_tex.use(ALPHA_UNIT)
            self._set("manifold.glsl", u_alpha=ALPHA_UNIT, u_cells=n, u_color=style.manifold)
            vaos["manifold"].render(moderngl.TRIANGLES, vertices=6 * n * n)
            # (i, j)-(i+1, j): every pair is a grid line
            self._set("segments.glsl", u_width_px=1.0 * line, u_round_caps=False,
                      u_skip_every=0, u_color=style.grid)
            vaos["grid_cols"].render(moderngl.TRIANGLE_STRIP, instances=n * (n + 1))
            # (i, j)-(i, j+1): the pair joining a row's end to the next row's start is not
            self._set("segments.glsl", u_skip_every=n + 1)
            vaos["grid_rows"].render(moderngl.TRIANGLE_STRIP, instances=(n + 1) ** 2 - 1)
        elif self._poly_points:
            self._set("segments.glsl", u_width_px=max(0.75 * radius, line), u_round_caps=True,
                      u_skip_every=0, u_color=style.manifold_line)
            vaos["poly"].render(moderngl.TRIANGLE_STRIP, instances=self._poly_points)
            self._set("points.glsl", u_t=1.0, u_radius_px=max(0.5 * radius, line),
                      u_color=style.manifold_dot)
            vaos["mesh_dots"].render(moderngl.TRIANGLE_STRIP,
                                     instances=self._streams["mesh"].count)

    def draw_noise(self, viewport: Iterable[int], layers: Layers | None = None) -> None:
        """Draw the noise-space thumbnail: the fixed latent samples in [0,1]^2, or on a
        mid-line for a 1-D latent (GAN Lab's 50 px "noise" node)."""
        layers = layers if layers is not None else Layers()
        w, h = self._begin(viewport, View((-0.05, -0.05, 1.05, 1.05)),
                           view_style(layers.palette, layers.theme).background)
        if self.frame is None:
            return
        dpi = layers.dpi_scale
        radius = (layers.point_size * dpi if layers.point_size is not None
                  else min(max(min(w, h) / (50.0 * dpi), 1.0), 4.0) * dpi)
        if self.frame.noise_dim == 1:
            self._set("segments.glsl", u_width_px=1.0 * dpi, u_round_caps=False,
                      u_skip_every=0, u_color=NOISE_LINE_COLOR)
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
                    self._field_tex, self._alpha_tex, self._optimal_tex, self._index,
                    self._tf_fbo,
                    self._tf_target):
            if obj is not None:
                obj.release()
        if self._owns_shaders:
            self.shaders.release()


def update_views(views: Mapping[int, LayeredView],
                 produce: Callable[[dict[int, ViewTargets]], Mapping[int, FrameData]],
                 time_s: float | None = None) -> dict[int, FrameData]:
    """Update several views (keyed by run) from one ``produce({run: targets})`` call that
    returns {run: FrameData}: an engine computes every run's frame at once and may write into
    the views' GL objects itself (resident frames); otherwise the host arrays are uploaded."""
    for view in views.values():
        view.begin_update(time_s)
    frames = produce({k: v.targets() for k, v in views.items()})
    out = {}
    for k, view in views.items():
        frame = frames[k]
        if frame.resident is None:
            view.upload(frame)
        view.end_update(frame, time_s)
        out[k] = frame
    return out
