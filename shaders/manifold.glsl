#version 330 core
// # Manifold: the generator's deformed noise grid, each cell filled with u_color at its own
// opacity. One instance per mesh vertex (u_rows rows per slot, the slot's n = Slot.misc.w):
// row k = i * (n + 1) + j is cell (i, j) with corners (i, j), (i+1, j), (i+1, j+1), (i, j+1),
// bound as in_p00 / in_p10 / in_p11 / in_p01 (the mesh buffer at offsets 0, n+1, n+2, 1
// rows), drawn as the two triangles (i,j)-(i+1,j)-(i+1,j+1) and (i,j)-(i+1,j+1)-(i,j+1); the
// last column's rows (j = n) are not cells. Its opacity is texel (j, i) of the slot's tile of
// u_alpha.
// Inputs: in_corner (per vertex: 0 = (i,j), 1 = (i+1,j), 2 = (i+1,j+1), 3 = (i,j+1)),
//         in_p00/in_p10/in_p11/in_p01 (per instance), u_alpha (R32F atlas, n x n per tile),
//         u_alpha_tile (texels per tile side), u_alpha_columns (tiles per atlas row),
//         u_color (rgb used; alpha comes from u_alpha), View block.
#include common/view.glsl

#if defined VERTEX_SHADER
// ---- vertex shader ----
in float in_corner;
in vec2 in_p00;
in vec2 in_p10;
in vec2 in_p11;
in vec2 in_p01;
flat out ivec2 v_cell;

void main() {
    int n = int(u_slots[min(gl_InstanceID / max(u_rows, 1), MAX_SLOTS - 1)].misc.w);
    if (!begin_instance() || n <= 0 || g_row % (n + 1) == n) {
        cull();
        v_cell = ivec2(0);
        return;
    }
    v_cell = ivec2(g_row % (n + 1), g_row / (n + 1));  // (j, i)
    int c = int(in_corner);
    vec2 p = c == 0 ? in_p00 : c == 1 ? in_p10 : c == 2 ? in_p11 : in_p01;
    gl_Position = world_to_clip(p);
}

#elif defined FRAGMENT_SHADER
// ---- fragment shader ----
uniform sampler2D u_alpha;
uniform int u_alpha_tile;
uniform int u_alpha_columns;
uniform vec4 u_color;
flat in ivec2 v_cell;
out vec4 f_color;

void main() {
    ivec2 tile = ivec2(v_slot % u_alpha_columns, v_slot / u_alpha_columns) * u_alpha_tile;
    float a = texelFetch(u_alpha, tile + v_cell, 0).r;
    f_color = vec4(u_color.rgb, clamp(a, 0.0, 1.0));
}
#endif
