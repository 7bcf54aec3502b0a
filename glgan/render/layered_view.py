"""LayeredView: GAN Lab's layered distribution view drawn with moderngl, for one run or a grid.

Owns the GL resources of the view and draws them. The view holds up to ``slots`` runs (one
per slot, a compare grid's cells): its buffers hold ``capacity`` rows per slot and its field
textures are atlases with a tile per slot, made once at a fixed ViewCapacity and written in
place, published per slot as ViewTargets so a CUDA engine can write into the very same objects.
``draw_cells`` draws every shown slot with one instanced draw call per layer (each slot into
its own cell of the framebuffer, clipped to it; runs with different manifold mesh sizes take
one mesh draw per size); ``slot(i)`` is one run's view (SlotView), the single-run API the App
and the thumbnails use (the offscreen renderer draws a one-slot view directly). Also owned: the
fake-sample transition per slot (computed on the GPU: the vertex shaders mix previous and new
positions, and a re-targeted glide captures where the samples are by transform feedback), and
the draw order heatmap -> contour -> optimal (D*) -> flow (grad D) -> real -> gradients ->
trails -> fake -> manifold. Takes FrameData (and the optimal discriminator's grid from
``set_optimal``) only; never imports ``glgan.compute``. The caller makes the context current
and binds the target framebuffer.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
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
# (u_rows / u_count: which instances belong to which slot, common/view.glsl.)
SLOTTED = ("u_rows", "u_count")
UNIFORMS: dict[str, tuple[str, ...]] = {
    "heatmap.glsl": (*SLOTTED, "u_field", "u_lut"),
    "contour.glsl": (*SLOTTED, "u_source", "u_field", "u_width_px", "u_color"),
    "points.glsl": (*SLOTTED, "u_glide", "u_radius_px", "u_color"),
    "kites.glsl": (*SLOTTED, "u_scale", "u_normalize", "u_max_len", "u_half_width_px",
                   "u_color"),
    "segments.glsl": (*SLOTTED, "u_width_px", "u_round_caps", "u_skip_every", "u_color"),
    "manifold.glsl": (*SLOTTED, "u_alpha", "u_alpha_tile", "u_alpha_columns", "u_color"),
    "trails.glsl": ("u_count", "u_width_px", "u_color"),  # packed: rows name their slot
    "flow.glsl": (*SLOTTED, "u_field", "u_grid", "u_half_width_px", "u_color"),
    "glide.glsl": ("u_t",),
}
GLIDES = ("fake", "grad_d", "grad_g")  # the buffers that glide, each with a "<name>_prev" twin
VIEW_BLOCK = "View"   # every program uses the std140 View block at binding 0
VIEW_BINDING = 0
MAX_SLOTS = 16        # = MAX_SLOTS in shaders/common/view.glsl (tests check both agree)
SLOT_FLOATS = 28      # one Slot of the View block: 7 vec4
FIELD_UNIT, LUT_UNIT, ALPHA_UNIT, OPTIMAL_UNIT = 0, 1, 2, 3
GL_CLIP_DISTANCE0 = 0x3000  # the cells are clipped by gl_ClipDistance[0..3]
OPTIMAL_RES = 128  # the largest D* grid a slot holds (set_optimal)
FLOW_CELL_PX = 28.0  # the flow layer puts one arrow per this many logical pixels
TRAIL_SEGMENTS = 4096  # the most trail steps a slot holds (set_trails)
MANIFOLD_CORNERS = (0, 1, 2, 0, 2, 3)  # a cell's two triangles (manifold.glsl's in_corner)
MESH_VAO_CACHE = 4  # mesh sizes whose vertex arrays are kept (a grid's runs share one)

Cell = tuple[int, tuple[int, int, int, int]]  # (slot, (x, y, w, h) in framebuffer pixels)


def ease_cubic_in_out(t: float) -> float:
    """d3.easeCubic, the default easing of GAN Lab's dot transitions."""
    t = min(max(t, 0.0), 1.0) * 2.0
    return 0.5 * t * t * t if t <= 1.0 else 0.5 * ((t - 2.0) ** 3 + 2.0)


def ease_cubic_out(t: float) -> float:
    """d3.easeCubicOut: starts at full speed, so re-targeting every frame keeps things moving."""
    t = min(max(t, 0.0), 1.0)
    return 1.0 - (1.0 - t) ** 3


class _Stream:
    """A float32 GL buffer of fixed capacity: ``capacity`` rows x ``width`` per slot (slot s
    from row s * capacity), each slot written in place from its first row, plus ``pad`` rows
    at the end (read past by instances bound at an offset). It is never reallocated, so its GL
    name can be registered with CUDA once."""

    def __init__(self, ctx: moderngl.Context, width: int, capacity: int, what: str,
                 slots: int = 1, pad: int = 0) -> None:
        self.width, self.capacity, self.what = width, max(int(capacity), 1), what
        self.buffer = ctx.buffer(reserve=(self.capacity * slots + pad) * width * 4)
        self.counts = [0] * slots

    def offset(self, slot: int) -> int:
        """Where ``slot``'s rows start, in bytes."""
        return slot * self.capacity * self.width * 4

    def write(self, data: np.ndarray, slot: int = 0) -> None:
        arr = np.ascontiguousarray(data, np.float32).reshape(-1, self.width)
        if arr.shape[0] > self.capacity:
            raise ValueError(f"FrameData.{self.what} has {arr.shape[0]} rows; this view holds "
                             f"at most {self.capacity} (its ViewCapacity)")
        if arr.size:
            self.buffer.write(arr, offset=self.offset(slot))
        self.counts[slot] = arr.shape[0]

    def target(self, slot: int) -> GlTarget:
        return GlTarget(self.buffer.glo, "buffer", (self.capacity, self.width),
                        partial(self.write, slot=slot), offset=(slot * self.capacity, 0))

    def release(self) -> None:
        self.buffer.release()


class _Atlas:
    """An R32F texture with a ``tile`` x ``tile`` tile per slot (tiles in rows of ``columns``);
    a slot's (n, n) array fills the lower-left corner of its tile."""

    def __init__(self, ctx: moderngl.Context, tile: int, slots: int, filt: int, what: str
                 ) -> None:
        self.tile, self.what = int(tile), what
        self.columns = max(1, math.ceil(math.sqrt(slots)))
        rows = max(1, math.ceil(slots / self.columns))
        self.texture = ctx.texture((self.columns * self.tile, rows * self.tile), 1, dtype="f4")
        self.texture.repeat_x = self.texture.repeat_y = False
        self.texture.filter = (filt, filt)

    def origin(self, slot: int) -> tuple[int, int]:
        return (slot % self.columns) * self.tile, (slot // self.columns) * self.tile

    def write(self, data: np.ndarray, slot: int = 0) -> None:
        h, w = data.shape
        if h > self.tile or w > self.tile:
            raise ValueError(f"FrameData.{self.what} is {h} x {w}; this view holds at most "
                             f"{self.tile} x {self.tile} (its ViewCapacity)")
        x, y = self.origin(slot)
        self.texture.write(np.ascontiguousarray(data, np.float32), viewport=(x, y, w, h))

    def target(self, slot: int) -> GlTarget:
        return GlTarget(self.texture.glo, "texture", (self.tile, self.tile),
                        partial(self.write, slot=slot), offset=self.origin(slot))

    def release(self) -> None:
        self.texture.release()


@dataclass
class _Slot:
    """One slot's drawing state (its GL data lives in the view's shared buffers)."""

    frame: FrameData | None = None
    field_texels: int = 0
    field_bounds: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0)
    value_scale: tuple[float, float] = (0.5, 1.0)  # (centre, gain): set_value_scale
    optimal_texels: int = 0  # the D* grid now in the slot's optimal tile (0: none)
    optimal_bounds: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0)
    cells: int = 0           # cells of the 2-D manifold mesh (0: none)
    poly_points: int = 0     # segments of the 1-D manifold polyline
    anim_start: float | None = None
    t: float = 1.0           # eased transition progress at the last draw
    ease: Callable[[float], float] = ease_cubic_in_out
    glide_counts: dict[str, int] | None = None  # set by begin_update


class LayeredView:
    """The layered distribution view on one moderngl context, for up to ``slots`` runs.

    Per slot: ``update(frame, time_s, slot=)`` uploads a FrameData (in place) and
    ``draw(viewport, view, layers, time_s, slot=)`` draws it into the bound framebuffer;
    ``draw_cells(cells, ...)`` draws several slots at once, one draw call per layer. Fake
    samples and their kites glide from where they were drawn last to their new positions over
    ``transition_s`` seconds of ``time_s``. ``slot(i)`` gives slot i's single-run API.
    """

    def __init__(self, ctx: moderngl.Context, shaders: ShaderLibrary | None = None,
                 transition_s: float = 0.25, capacity: ViewCapacity | None = None,
                 slots: int = 1) -> None:
        if isinstance(slots, bool) or not isinstance(slots, (int, np.integer)) or not (
                1 <= slots <= MAX_SLOTS):
            raise ValueError(f"slots={slots!r}: a layered view holds 1 to {MAX_SLOTS} runs")
        slots = int(slots)
        self.ctx = ctx
        self._owns_shaders = shaders is None
        self.shaders = shaders if shaders is not None else ShaderLibrary(ctx)
        self.transition_s = float(transition_s)
        self.capacity = cap = capacity if capacity is not None else ViewCapacity()
        self.slots = slots
        for name in UNIFORMS:       # compile everything up front: errors surface here
            self.shaders.program(name)

        self._ubo = ctx.buffer(reserve=(4 + MAX_SLOTS * SLOT_FLOATS) * 4)
        self._lut_key: tuple = (view_style().ramp, 1.0)
        self._lut = ctx.texture((256, 1), 4, ramp_lut(*self._lut_key).tobytes())
        self._lut.filter = (moderngl.LINEAR, moderngl.LINEAR)
        self._lut.repeat_x = self._lut.repeat_y = False
        f4 = np.float32
        self._quad = ctx.buffer(np.array([0, 0, 1, 0, 0, 1, 1, 1], f4))        # field rect
        self._sprite = ctx.buffer(np.array([-1, -1, 1, -1, -1, 1, 1, 1], f4))  # disc quad
        self._strip = ctx.buffer(np.array([-1, 0, 1, 0, -1, 1, 1, 1], f4))     # kite/segment
        self._corners = ctx.buffer(np.array(MANIFOLD_CORNERS, f4))              # a mesh cell

        n_cap = cap.manifold_cells
        mesh_rows = (n_cap + 1) ** 2
        self._streams = s = {
            "real": _Stream(ctx, 2, cap.real, "real", slots),
            "noise": _Stream(ctx, 2, cap.fake, "noise", slots),
            # the manifold's cells and grid lines read it at offsets up to n + 2 rows
            "mesh": _Stream(ctx, 2, mesh_rows, "manifold", slots, pad=n_cap + 2),
            "glide": _Stream(ctx, 2, cap.fake, "fake"),  # transform feedback's output
            "midline": _Stream(ctx, 4, 1, "midline", slots),
            "unit": _Stream(ctx, 4, 4, "unit", slots),
            # host data, packed: every slot's steps one after another, each row naming its
            # slot (a slot's share of a fixed stride would be culled row by row)
            "trails": _Stream(ctx, 6, TRAIL_SEGMENTS * slots, "trails")}
        for key in GLIDES:
            s[key] = _Stream(ctx, 2, cap.fake, key, slots)
            s[key + "_prev"] = _Stream(ctx, 2, cap.fake, key, slots)
        for i in range(slots):  # the fixed geometry, one copy per slot
            s["midline"].write(np.array([[0.0, 0.5, 1.0, 0.5]], f4), i)
            s["unit"].write(np.array([[0, 0, 1, 0], [1, 0, 1, 1], [1, 1, 0, 1], [0, 1, 0, 0]],
                                     f4), i)
        self._field = _Atlas(ctx, cap.field_res, slots, moderngl.LINEAR, "field")
        self._alpha = _Atlas(ctx, n_cap, slots, moderngl.NEAREST, "manifold_alpha")
        self._optimal = _Atlas(ctx, OPTIMAL_RES, slots, moderngl.LINEAR, "optimal")
        # transform feedback draws (with rasterisation off) still need a complete framebuffer
        # bound; a headless context may have none between renders
        self._tf_target = ctx.renderbuffer((1, 1))
        self._tf_fbo = ctx.framebuffer(color_attachments=[self._tf_target])
        self._vaos: dict[str, moderngl.VertexArray] = {}
        self._mesh_vaos: dict[int, dict[str, moderngl.VertexArray]] = {}  # by cells n
        self._vao_generation = -1
        self._slots = [_Slot() for _ in range(slots)]
        self._trails = [np.zeros((0, 5), np.float32) for _ in range(slots)]
        self._trails_packed = True  # the trails stream holds self._trails

    # ---- per-slot access ----
    def slot(self, i: int) -> SlotView:
        """Slot ``i``'s single-run view (the API of a one-run LayeredView)."""
        self._check_slot(i)
        return SlotView(self, i)

    def _check_slot(self, slot: int) -> _Slot:
        if isinstance(slot, bool) or not isinstance(slot, (int, np.integer)) or not (
                0 <= slot < self.slots):
            raise ValueError(f"slot={slot!r}: this view has slots 0..{self.slots - 1}")
        return self._slots[int(slot)]

    @property
    def frame(self) -> FrameData | None:
        """Slot 0's last frame."""
        return self._slots[0].frame

    def frame_of(self, slot: int) -> FrameData | None:
        return self._check_slot(slot).frame

    def value_scale(self, slot: int = 0) -> tuple[float, float]:
        """(centre, gain) of ``slot``'s field values (set_value_scale)."""
        return self._check_slot(slot).value_scale

    def optimal_texels(self, slot: int = 0) -> int:
        """The side of ``slot``'s D* grid (0: none)."""
        return self._check_slot(slot).optimal_texels

    def trail_steps(self, slot: int = 0) -> int:
        """The trail steps ``slot`` draws."""
        self._check_slot(slot)
        return len(self._trails[slot])

    def clear_slot(self, slot: int) -> None:
        """Forget ``slot``'s run (its frame, trails, D*, scale): it draws nothing until its
        next update."""
        self._check_slot(slot)
        self._slots[slot] = _Slot()
        if len(self._trails[slot]):
            self._trails[slot] = np.zeros((0, 5), np.float32)
            self._trails_packed = False
        for key in ("real", "noise", "mesh", *GLIDES, *(k + "_prev" for k in GLIDES)):
            self._streams[key].counts[slot] = 0

    def targets(self, slot: int = 0) -> ViewTargets:
        """The GL objects ``slot`` draws the engine's results from, fixed for the view's life
        (see frame.ViewTargets), each with this view's host upload into it."""
        self._check_slot(slot)
        s = self._streams
        out = {k: s[k].target(slot) for k in (*GLIDES, "mesh")}
        out["field"] = self._field.target(slot)
        out["manifold_alpha"] = self._alpha.target(slot)
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

    def _vao(self, prog_name: str, content: list) -> moderngl.VertexArray:
        prog = self._prog(prog_name)
        if VIEW_BLOCK in prog:
            prog[VIEW_BLOCK].binding = VIEW_BINDING
        return self.ctx.vertex_array(prog, content)

    def _build_vaos(self) -> None:
        for vao in self._vaos.values():
            vao.release()
        self._release_mesh_vaos()
        s = {k: v.buffer for k, v in self._streams.items()}
        inst = "2f/i"
        v: dict[str, moderngl.VertexArray] = {
            "heatmap": self._vao("heatmap.glsl", [(self._quad, "2f", "in_corner")]),
            "contour": self._vao("contour.glsl", [(self._quad, "2f", "in_corner")]),
            "flow": self._vao("flow.glsl", [(self._strip, "2f", "in_corner")]),
            "trails": self._vao("trails.glsl", [(self._strip, "2f", "in_corner"),
                                                (s["trails"], "2f 2f 1f 1f/i", "in_a",
                                                 "in_b", "in_age", "in_slot")]),
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
        v["poly"] = self._pair(1)  # the 1-D polyline: each mesh vertex to the next
        self._vaos = v
        self._vao_generation = self.shaders.generation

    def _pair(self, rows_b: int) -> moderngl.VertexArray:
        """Segments from each mesh row (in_a) to the row ``rows_b`` further on (in_b): the
        manifold's buffer read at an offset, no copy."""
        mesh, prog = self._streams["mesh"].buffer, self._prog("segments.glsl")
        vao = self._vao("segments.glsl", [(self._strip, "2f", "in_corner")])
        vao.bind(prog["in_a"].location, "f", mesh, "2f", offset=0, stride=8, divisor=1)
        vao.bind(prog["in_b"].location, "f", mesh, "2f", offset=8 * rows_b, stride=8,
                 divisor=1)
        return vao

    def _mesh(self, n: int) -> dict[str, moderngl.VertexArray]:
        """The vertex arrays of an n x n cell mesh: its cells (manifold.glsl reads the four
        corners at row offsets 0, n+1, n+2, 1) and grid lines ((i, j)-(i+1, j): rows n + 1
        apart; (i, j)-(i, j+1): the next row)."""
        if n not in self._mesh_vaos:
            if len(self._mesh_vaos) >= MESH_VAO_CACHE:  # a renderer fed many mesh sizes
                for vao in self._mesh_vaos.pop(next(iter(self._mesh_vaos))).values():
                    vao.release()
            mesh, prog = self._streams["mesh"].buffer, self._prog("manifold.glsl")
            cells = self._vao("manifold.glsl", [(self._corners, "1f", "in_corner")])
            for name, rows in (("in_p00", 0), ("in_p10", n + 1), ("in_p11", n + 2),
                               ("in_p01", 1)):
                cells.bind(prog[name].location, "f", mesh, "2f", offset=8 * rows, stride=8,
                           divisor=1)
            self._mesh_vaos[n] = {"cells": cells, "cols": self._pair(n + 1),
                                  "rows": self._pair(1)}
        return self._mesh_vaos[n]

    def _release_mesh_vaos(self) -> None:
        for group in self._mesh_vaos.values():
            for vao in group.values():
                vao.release()
        self._mesh_vaos.clear()

    def reload_shaders(self) -> list:
        """Recompile the shaders from disk (F5); failures keep the last good programs and are
        returned as ShaderError objects."""
        errors = self.shaders.reload()
        self._vao_generation = -1
        return errors

    # ---- uploads ----
    def set_optimal(self, field: np.ndarray | None,
                    bounds: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0),
                    slot: int = 0) -> None:
        """The optimal discriminator D* over ``bounds`` ((n, n), row 0 at the bottom; at most
        OPTIMAL_RES), drawn by the ``optimal`` layer as its 0.5 line; None forgets it."""
        st = self._check_slot(slot)
        if field is None:
            st.optimal_texels = 0
            return
        self._optimal.write(np.asarray(field, np.float32), slot)
        st.optimal_texels = int(np.shape(field)[0])
        st.optimal_bounds = tuple(float(v) for v in bounds)

    def set_value_scale(self, center: float = 0.5, gain: float = 1.0, slot: int = 0) -> None:
        """How the field's values map to the heatmap's ramp: t = 0.5 + (value - center) *
        gain; the D = center line is the contour. The default shows a probability as it is;
        a critic's raw scores are shown on a diverging scale around ``center``."""
        st = self._check_slot(slot)
        if not (np.isfinite(center) and np.isfinite(gain) and gain > 0):
            raise ValueError(f"value scale ({center!r}, {gain!r}): finite, gain > 0")
        st.value_scale = (float(center), float(gain))

    def set_trails(self, paths, slot: int = 0) -> None:
        """Paths of pinned samples to draw with the ``trails`` layer: a list of (k, 2) arrays,
        oldest point first; each step fades with its age. At most TRAIL_SEGMENTS steps in
        all (the oldest are dropped)."""
        self._check_slot(slot)
        rows = []
        for path in paths:
            p = np.asarray(path, np.float32).reshape(-1, 2)
            if len(p) < 2:
                continue
            age = np.linspace(1.0, 0.0, len(p) - 1, dtype=np.float32)
            rows.append(np.column_stack([p[:-1], p[1:], age]))
        seg = np.concatenate(rows) if rows else np.zeros((0, 5), np.float32)
        self._trails[slot] = seg[-TRAIL_SEGMENTS:]
        self._trails_packed = False

    def update(self, frame: FrameData, time_s: float | None = None, slot: int = 0) -> None:
        """Upload ``frame`` into ``slot``'s part of this view's fixed buffers. Fake samples
        and kites glide from where they are on screen at ``time_s`` (the same clock ``draw``
        gets) to their new places; without ``time_s`` they start from where they were last
        drawn and the clock starts at the next ``draw``.

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
        self.begin_update(time_s, slot)
        self.upload(frame, slot)
        self.end_update(frame, time_s, slot)

    @staticmethod
    def _check(frame: FrameData) -> None:
        if frame.resident is None and (np.ndim(frame.field) != 2 or np.size(frame.field) == 0):
            raise ValueError("FrameData.field must be a non-empty (N, N) array, got "
                             f"{np.shape(frame.field)}")

    def upload(self, frame: FrameData, slot: int = 0) -> None:
        """Write ``frame``'s host arrays into ``slot``'s GL objects (between begin_update
        and end_update). Refuses, before writing anything, arrays beyond the capacity."""
        self._check_slot(slot)
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
        self._field.write(field, slot)
        for key in GLIDES:
            s[key].write(getattr(frame, key), slot)
        s["mesh"].write(mesh.reshape(-1, 2), slot)
        if frame.noise_dim == 2 and mesh.size:
            n = mesh.shape[0] - 1
            self._alpha.write(np.asarray(frame.manifold_alpha, np.float32).reshape(n, n), slot)

    def update_from(self, produce: Callable[[ViewTargets], FrameData],
                    time_s: float | None = None, slot: int = 0) -> FrameData:
        """Update ``slot`` from ``produce(targets)``: an engine that writes into this view's
        GL objects itself returns a resident FrameData; otherwise its host arrays are
        uploaded here. Returns the frame."""
        return update_views({0: self.slot(slot)}, lambda targets: {0: produce(targets[0])},
                            time_s)[0]

    def begin_update(self, time_s: float | None = None, slot: int = 0) -> None:
        """Before ``slot``'s new positions are written: fix where its gliding samples are now
        (at ``time_s``) as the start of the next glide, on the GPU."""
        st = self._check_slot(slot)
        if time_s is not None and st.anim_start is not None:
            st.t = self._progress(st, time_s)
        if self._vao_generation != self.shaders.generation:
            self._build_vaos()
        s, t = self._streams, st.t
        st.glide_counts = {k: s[k].counts[slot] for k in GLIDES}
        glide, bound = s["glide"], None
        for key in GLIDES:
            new, prev = s[key], s[key + "_prev"]
            n, off = new.counts[slot], new.offset(slot)
            if not n or t <= 0.0:               # nothing shown yet, or still at the start
                continue
            if t >= 1.0:                        # settled: the glide starts from the target
                self.ctx.copy_buffer(prev.buffer, new.buffer, n * 8, off, off)
            else:                               # mid-flight: from where it is now
                if bound is None:
                    bound = self.ctx.fbo
                    self._tf_fbo.use()
                self._set("glide.glsl", u_t=t)
                self._vaos["glide_" + key].transform(glide.buffer, moderngl.POINTS,
                                                     vertices=n, first=slot * new.capacity)
                self.ctx.copy_buffer(prev.buffer, glide.buffer, n * 8, 0, off)
        if bound is not None:
            bound.use()

    def end_update(self, frame: FrameData, time_s: float | None = None, slot: int = 0
                   ) -> None:
        """After ``slot``'s values were written (by ``upload`` or, for a resident frame, by
        the engine into ``targets()``): take the fixed sets (real samples, noise) from the
        host, adopt the frame's sizes and start the glide."""
        st = self._check_slot(slot)
        if st.glide_counts is None:
            raise RuntimeError("LayeredView.end_update without begin_update")
        s, res = self._streams, frame.resident
        s["real"].write(frame.real, slot)
        noise = np.asarray(frame.noise, np.float32)
        if noise.ndim == 2 and noise.shape[1] == 1:
            noise = np.concatenate([noise, np.full_like(noise, 0.5)], axis=1)
        s["noise"].write(noise[:, :2] if noise.size else np.zeros((0, 2), np.float32), slot)
        if res is not None:  # the engine wrote these: take their sizes from it
            for key in GLIDES:
                s[key].counts[slot] = res.fake
            field_res, cells = res.field_res, res.manifold_cells
            s["mesh"].counts[slot] = (cells + 1) ** frame.noise_dim
        else:
            field_res = np.shape(frame.field)[0]
            cells = np.shape(frame.manifold)[0] - 1
        retarget = 0.0 < st.t < 1.0
        for key in GLIDES:  # a new set of samples (or the first) does not glide
            n = s[key].counts[slot]
            if n != st.glide_counts[key] or st.glide_counts[key] == 0:
                off = s[key].offset(slot)
                self.ctx.copy_buffer(s[key + "_prev"].buffer, s[key].buffer, max(n, 1) * 8,
                                     off, off)
        st.glide_counts = None
        st.field_texels = field_res
        st.field_bounds = tuple(float(b) for b in frame.field_bounds)
        if frame.noise_dim == 2 and s["mesh"].counts[slot]:
            st.cells, st.poly_points = cells, 0
        else:
            st.cells, st.poly_points = 0, max(s["mesh"].counts[slot] - 1, 0)
        st.anim_start = float(time_s) if time_s is not None else None
        st.t = 0.0 if self.transition_s > 0 else 1.0
        st.ease = ease_cubic_out if retarget else ease_cubic_in_out
        st.frame = frame

    # ---- drawing ----
    def _progress(self, st: _Slot, time_s: float | None) -> float:
        if time_s is None or self.transition_s <= 0:
            return 1.0
        if st.anim_start is None:
            return 0.0
        return st.ease((time_s - st.anim_start) / self.transition_s)

    def progress(self, time_s: float | None, slot: int = 0) -> float:
        """Eased transition progress of ``slot`` in [0, 1] at ``time_s`` (None = finished)."""
        return self._progress(self._check_slot(slot), time_s)

    def animating(self, time_s: float | None, slot: int = 0) -> bool:
        """True while ``slot``'s fake samples are still moving (keep redrawing)."""
        return self.progress(time_s, slot) < 1.0

    @staticmethod
    def _viewport(viewport: Iterable[int]) -> tuple[int, int, int, int]:
        vp = tuple(int(v) for v in viewport)
        if len(vp) == 2:
            vp = (0, 0) + vp
        if len(vp) != 4 or vp[2] <= 0 or vp[3] <= 0:
            raise ValueError(f"viewport must be (w, h) or (x, y, w, h) with w, h > 0: {viewport}")
        return vp

    def _begin(self, cells: Sequence[tuple[int, tuple[int, int, int, int], View]],
               background: tuple[float, float, float, float],
               normalized: Mapping[int, float] | None = None) -> None:
        """Clear each cell, set the GL viewport to their union and write the View block:
        each slot's cell, the data rectangle ``View`` shows in it, its fields, value scale,
        glide progress, mesh and the unit length its kites are normalised to (0: as the
        layers say)."""
        normalized = normalized or {}
        if self._vao_generation != self.shaders.generation:
            self._build_vaos()
        ctx = self.ctx
        x0 = min(c[0] for _, c, _ in cells)
        y0 = min(c[1] for _, c, _ in cells)
        x1 = max(c[0] + c[2] for _, c, _ in cells)
        y1 = max(c[1] + c[3] for _, c, _ in cells)
        ctx.viewport = (x0, y0, x1 - x0, y1 - y0)
        block = np.zeros(4 + MAX_SLOTS * SLOT_FLOATS, np.float32)
        block[:4] = (x0, y0, x1 - x0, y1 - y0)
        for slot, vp, view in cells:
            ctx.clear(*background, viewport=vp)
            st = self._slots[slot]
            fx, fy = self._field.origin(slot)
            ox, oy = self._optimal.origin(slot)
            block[4 + slot * SLOT_FLOATS: 4 + (slot + 1) * SLOT_FLOATS] = (
                *view.effective_bounds(vp[2:]), *vp,
                *st.field_bounds, st.field_texels, fx, fy, st.value_scale[0],
                *st.optimal_bounds, st.optimal_texels, ox, oy, 0.5,
                st.value_scale[1], normalized.get(slot, 0.0), st.t, st.cells)
        self._ubo.write(block)
        self._ubo.bind_to_uniform_block(VIEW_BINDING)
        ctx.disable(moderngl.DEPTH_TEST | moderngl.CULL_FACE)
        ctx.enable(moderngl.BLEND)
        ctx.blend_func = BLEND

    def _instanced(self, vao: moderngl.VertexArray, prog: str, rows: int,
                   counts: Mapping[int, int], mode: int = moderngl.TRIANGLE_STRIP,
                   vertices: int = -1) -> None:
        """One draw of ``vao`` for every slot in ``counts`` (slot -> rows in use): instances
        slot * rows + row, the rows past a slot's count (and the slots not in it) culled; the
        draw ends at the last slot's last row in use (one slot: exactly its rows)."""
        counts = {k: v for k, v in counts.items() if v > 0}
        if not counts:
            return
        per_slot = [0] * MAX_SLOTS
        for k, v in counts.items():
            per_slot[k] = min(int(v), rows)
        self._set(prog, u_rows=rows, u_count=per_slot)
        last = max(counts)
        vao.render(mode, vertices=vertices, instances=last * rows + per_slot[last])

    def draw(self, viewport: Iterable[int], view: View | None = None,
             layers: Layers | None = None, time_s: float | None = None, slot: int = 0
             ) -> None:
        """Draw ``slot`` into the bound framebuffer.

        Args:
            viewport: ``(w, h)`` or ``(x, y, w, h)`` in framebuffer pixels.
            view: the data-space area shown (default: GAN Lab's [0,1]^2).
            layers: which layers and options (default: GAN Lab's defaults).
            time_s: a monotonic clock in seconds driving the fake-sample transition;
                None draws the settled state.
        """
        self.draw_cells([(slot, self._viewport(viewport))], view, layers, time_s)

    def draw_cells(self, cells: Sequence[Cell], view: View | None = None,
                   layers: Layers | None = None, time_s: float | None = None,
                   normalized: Iterable[int] = ()) -> None:
        """Draw several slots, each into its cell ``(slot, (x, y, w, h))`` of the bound
        framebuffer (a compare grid), with one instanced draw call per layer for all of them.
        The dot size and the flow lattice follow the first cell's size (a grid's cells are
        alike). ``normalized``: slots whose gradient kites are drawn normalised to
        ``layers.gradient_unit_length`` whatever ``layers.gradient_normalize`` says (a
        critic's tiny gradients would not show otherwise)."""
        view = view if view is not None else View()
        layers = layers if layers is not None else Layers()
        cells = [(int(k), self._viewport(vp)) for k, vp in cells]
        for k, _ in cells:
            self._check_slot(k)
        if len({k for k, _ in cells}) != len(cells):
            raise ValueError("draw_cells: a slot appears in more than one cell")
        if not cells:
            return
        style = view_style(layers.palette, layers.theme)
        shown = [k for k, _ in cells if self._slots[k].frame is not None]
        for k in shown:
            st = self._slots[k]
            if time_s is not None and st.anim_start is None:
                st.anim_start = float(time_s)
            st.t = self._progress(st, time_s)
        unit = float(layers.gradient_unit_length)
        self._begin([(k, vp, view) for k, vp in cells], style.background,
                    {k: unit for k in normalized})
        if not shown:
            return
        for i in range(4):
            self.ctx.enable_direct(GL_CLIP_DISTANCE0 + i)
        try:
            self._draw_layers(shown, cells[0][1][2:], view, layers, style)
        finally:
            for i in range(4):
                self.ctx.disable_direct(GL_CLIP_DISTANCE0 + i)

    def _draw_layers(self, shown: list[int], size: tuple[int, int], view: View,
                     layers: Layers, style: ViewStyle) -> None:
        w, h = size
        s, vaos, slots = self._streams, self._vaos, self._slots
        radius = layers.radius_px((w, h)) * style.dot_scale
        dpi = layers.dpi_scale
        line = dpi * style.line_scale
        one = {k: 1 for k in shown if slots[k].field_texels}
        if layers.heatmap or layers.contour or layers.flow:
            filt = moderngl.NEAREST if layers.blocky else moderngl.LINEAR
            self._field.texture.filter = (filt, filt)
            self._field.texture.use(FIELD_UNIT)
        if layers.heatmap:
            self._use_ramp(style)
            self._set("heatmap.glsl", u_field=FIELD_UNIT, u_lut=LUT_UNIT)
            self.ctx.disable(moderngl.BLEND)  # opaque: blending it costs a software rasteriser
            self._instanced(vaos["heatmap"], "heatmap.glsl", 1, one)  # ~20% of the layer
            self.ctx.enable(moderngl.BLEND)
        if layers.contour:
            self._field.texture.filter = (moderngl.LINEAR, moderngl.LINEAR)
            self._set("contour.glsl", u_source=0, u_field=FIELD_UNIT, u_width_px=1.5 * line,
                      u_color=style.contour)
            self._instanced(vaos["contour"], "contour.glsl", 1, one)
        if layers.optimal:
            self._optimal.texture.use(OPTIMAL_UNIT)
            self._set("contour.glsl", u_source=1, u_field=OPTIMAL_UNIT,
                      u_width_px=2.0 * line, u_color=style.optimal)
            self._instanced(vaos["contour"], "contour.glsl", 1,
                            {k: 1 for k in shown if slots[k].optimal_texels})
        if layers.flow and one:
            self._field.texture.filter = (moderngl.LINEAR, moderngl.LINEAR)
            grid = int(min(max(min(w, h) / (FLOW_CELL_PX * dpi), 4), 64))
            self._set("flow.glsl", u_field=FIELD_UNIT, u_grid=grid,
                      u_half_width_px=1.6 * line, u_color=style.flow)
            self._instanced(vaos["flow"], "flow.glsl", grid * grid,
                            {k: grid * grid for k in one})
        x0, y0, x1, y1 = view.bounds
        if x0 < -0.01 or y0 < -0.01 or x1 > 1.01 or y1 > 1.01:  # zoomed out: GAN Lab's square
            self._set("segments.glsl", u_width_px=1.0 * line, u_round_caps=False,
                      u_skip_every=0, u_color=style.unit)
            self._instanced(vaos["unit"], "segments.glsl", 4, {k: 4 for k in shown})
        if layers.real:
            self._set("points.glsl", u_glide=False, u_radius_px=radius, u_color=style.real)
            self._instanced(vaos["real"], "points.glsl", s["real"].capacity,
                            {k: s["real"].counts[k] for k in shown})
        if layers.gradients:
            src = "grad_d" if layers.gradient_source == "d" else "grad_g"
            scale = (layers.gradient_unit_length if layers.gradient_normalize
                     else layers.gradient_scale)
            cap = (layers.gradient_cap if layers.gradient_source == "g"
                   and not layers.gradient_normalize else 0.0)
            self._set("kites.glsl", u_scale=scale, u_max_len=cap,
                      u_normalize=bool(layers.gradient_normalize),
                      u_half_width_px=0.4 * radius / style.dot_scale * style.line_scale,
                      u_color=style.gradient)
            self._instanced(vaos["kites_" + layers.gradient_source], "kites.glsl",
                            s["fake"].capacity,
                            {k: s["fake"].counts[k] for k in shown
                             if s[src].counts[k] == s["fake"].counts[k]})
        if layers.trails:
            self._set("trails.glsl", u_width_px=max(0.6 * radius, 1.5 * line),
                      u_color=style.fake[:3] + (0.9,))
            self._draw_trails(shown)
        if layers.fake:
            self._set("points.glsl", u_glide=True, u_radius_px=radius, u_color=style.fake)
            self._instanced(vaos["fake"], "points.glsl", s["fake"].capacity,
                            {k: s["fake"].counts[k] for k in shown})
        if layers.manifold:
            self._draw_manifold(shown, radius, line, style)

    def _draw_trails(self, shown: list[int]) -> None:
        """Every shown slot's trail steps in one draw: the packed stream (rows in slot order,
        each naming its slot), written again only after a set_trails."""
        stream = self._streams["trails"]
        if not self._trails_packed:
            rows = [np.column_stack([t, np.full(len(t), k, np.float32)])
                    for k, t in enumerate(self._trails) if len(t)]
            stream.write(np.concatenate(rows) if rows else np.zeros((0, 6), np.float32))
            self._trails_packed = True
        drawn = [k for k in shown if len(self._trails[k])]
        if not drawn:
            return
        per_slot = [0] * MAX_SLOTS
        for k in drawn:
            per_slot[k] = len(self._trails[k])
        self._set("trails.glsl", u_count=per_slot)
        end = sum(len(t) for t in self._trails[:max(drawn) + 1])  # rows up to the last drawn
        self._vaos["trails"].render(moderngl.TRIANGLE_STRIP, instances=end)

    def _use_ramp(self, style: ViewStyle) -> None:
        """Bind the heatmap's LUT for ``style`` (rewritten only when the ramp changes)."""
        key = (style.ramp, style.ramp_gamma)
        if key != self._lut_key:
            self._lut.write(ramp_lut(*key).tobytes())
            self._lut_key = key
        self._lut.use(LUT_UNIT)

    def _draw_manifold(self, shown: list[int], radius: float, line: float,
                       style: ViewStyle) -> None:
        slots, rows = self._slots, self._streams["mesh"].capacity
        by_cells: dict[int, list[int]] = {}
        for k in shown:
            if slots[k].cells:
                by_cells.setdefault(slots[k].cells, []).append(k)
        for n, group in by_cells.items():  # every run of a grid has the same mesh
            vaos = self._mesh(n)
            self._alpha.texture.use(ALPHA_UNIT)
            self._set("manifold.glsl", u_alpha=ALPHA_UNIT, u_alpha_tile=self._alpha.tile,
                      u_alpha_columns=self._alpha.columns, u_color=style.manifold)
            self._instanced(vaos["cells"], "manifold.glsl", rows,
                            {k: n * (n + 1) for k in group}, moderngl.TRIANGLES,
                            vertices=len(MANIFOLD_CORNERS))
            # (i, j)-(i+1, j): every pair is a grid line
            self._set("segments.glsl", u_width_px=1.0 * line, u_round_caps=False,
                      u_skip_every=0, u_color=style.grid)
            self._instanced(vaos["cols"], "segments.glsl", rows, {k: n * (n + 1) for k in group})
            # (i, j)-(i, j+1): the pair joining a row's end to the next row's start is not
            self._set("segments.glsl", u_skip_every=n + 1)
            self._instanced(vaos["rows"], "segments.glsl", rows,
                            {k: (n + 1) ** 2 - 1 for k in group})
        poly = {k: slots[k].poly_points for k in shown if slots[k].poly_points}
        if poly:
            self._set("segments.glsl", u_width_px=max(0.75 * radius, line), u_round_caps=True,
                      u_skip_every=0, u_color=style.manifold_line)
            self._instanced(self._vaos["poly"], "segments.glsl", rows, poly)
            self._set("points.glsl", u_glide=False, u_radius_px=max(0.5 * radius, line),
                      u_color=style.manifold_dot)
            self._instanced(self._vaos["mesh_dots"], "points.glsl", rows,
                            {k: self._streams["mesh"].counts[k] for k in poly})

    def draw_noise(self, viewport: Iterable[int], layers: Layers | None = None, slot: int = 0
                   ) -> None:
        """Draw ``slot``'s noise-space thumbnail: the fixed latent samples in [0,1]^2, or on a
        mid-line for a 1-D latent (GAN Lab's 50 px "noise" node)."""
        st = self._check_slot(slot)
        layers = layers if layers is not None else Layers()
        vp = self._viewport(viewport)
        self._begin([(slot, vp, View((-0.05, -0.05, 1.05, 1.05)))],
                    view_style(layers.palette, layers.theme).background)
        if st.frame is None:
            return
        w, h = vp[2:]
        dpi = layers.dpi_scale
        radius = (layers.point_size * dpi if layers.point_size is not None
                  else min(max(min(w, h) / (50.0 * dpi), 1.0), 4.0) * dpi)
        for i in range(4):
            self.ctx.enable_direct(GL_CLIP_DISTANCE0 + i)
        try:
            if st.frame.noise_dim == 1:
                self._set("segments.glsl", u_width_px=1.0 * dpi, u_round_caps=False,
                          u_skip_every=0, u_color=NOISE_LINE_COLOR)
                self._instanced(self._vaos["midline"], "segments.glsl", 1, {slot: 1})
            self._set("points.glsl", u_glide=False, u_radius_px=radius, u_color=NOISE_COLOR)
            self._instanced(self._vaos["noise"], "points.glsl", self._streams["noise"].capacity,
                            {slot: self._streams["noise"].counts[slot]})
        finally:
            for i in range(4):
                self.ctx.disable_direct(GL_CLIP_DISTANCE0 + i)

    def release(self) -> None:
        """Release every GL object this view created (the ShaderLibrary too if it made it)."""
        for vao in self._vaos.values():
            vao.release()
        self._vaos.clear()
        self._release_mesh_vaos()
        for st in self._streams.values():
            st.release()
        for atlas in (self._field, self._alpha, self._optimal):
            atlas.release()
        for obj in (self._ubo, self._lut, self._quad, self._sprite, self._strip, self._corners,
                    self._tf_fbo, self._tf_target):
            obj.release()
        if self._owns_shaders:
            self.shaders.release()


class SlotView:
    """One slot of a LayeredView: the single-run API (update, draw, D*, trails, value scale)
    bound to that slot. The view owns the GL objects; ``release()`` only forgets the run."""

    def __init__(self, view: LayeredView, slot: int) -> None:
        self.view, self.index = view, slot

    @property
    def frame(self) -> FrameData | None:
        return self.view.frame_of(self.index)

    @property
    def capacity(self) -> ViewCapacity:
        return self.view.capacity

    @property
    def value_scale(self) -> tuple[float, float]:
        return self.view.value_scale(self.index)

    @property
    def optimal_texels(self) -> int:
        return self.view.optimal_texels(self.index)

    @property
    def trail_steps(self) -> int:
        return self.view.trail_steps(self.index)

    def targets(self) -> ViewTargets:
        return self.view.targets(self.index)

    def update(self, frame: FrameData, time_s: float | None = None) -> None:
        self.view.update(frame, time_s, self.index)

    def upload(self, frame: FrameData) -> None:
        self.view.upload(frame, self.index)

    def begin_update(self, time_s: float | None = None) -> None:
        self.view.begin_update(time_s, self.index)

    def end_update(self, frame: FrameData, time_s: float | None = None) -> None:
        self.view.end_update(frame, time_s, self.index)

    def update_from(self, produce: Callable[[ViewTargets], FrameData],
                    time_s: float | None = None) -> FrameData:
        return self.view.update_from(produce, time_s, self.index)

    def draw(self, viewport: Iterable[int], view: View | None = None,
             layers: Layers | None = None, time_s: float | None = None) -> None:
        self.view.draw(viewport, view, layers, time_s, self.index)

    def draw_noise(self, viewport: Iterable[int], layers: Layers | None = None) -> None:
        self.view.draw_noise(viewport, layers, self.index)

    def set_optimal(self, field: np.ndarray | None,
                    bounds: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0)) -> None:
        self.view.set_optimal(field, bounds, self.index)

    def set_value_scale(self, center: float = 0.5, gain: float = 1.0) -> None:
        self.view.set_value_scale(center, gain, self.index)

    def set_trails(self, paths) -> None:
        self.view.set_trails(paths, self.index)

    def progress(self, time_s: float | None) -> float:
        return self.view.progress(time_s, self.index)

    def animating(self, time_s: float | None) -> bool:
        return self.view.animating(time_s, self.index)

    def reload_shaders(self) -> list:
        return self.view.reload_shaders()

    def release(self) -> None:
        self.view.clear_slot(self.index)


def update_views(views: Mapping[int, LayeredView | SlotView],
                 produce: Callable[[dict[int, ViewTargets]], Mapping[int, FrameData]],
                 time_s: float | None = None) -> dict[int, FrameData]:
    """Update several views (keyed by run; slots of one LayeredView or views of their own)
    from one ``produce({run: targets})`` call that returns {run: FrameData}: an engine computes
    every run's frame at once and may write into the views' GL objects itself (resident
    frames); otherwise the host arrays are uploaded."""
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
