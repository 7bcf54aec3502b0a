#version 330 core
// # Manifold: the generator's deformed noise grid, each cell filled with u_color at its own
// opacity. Drawn as indexed triangles, two per cell in row-major cell order, so the cell of a
// fragment is gl_PrimitiveID / 2 and its opacity is texel (cell % n, cell / n) of u_alpha.
// Inputs: in_pos (per vertex, the (n+1)^2 G outputs), u_alpha (R32F, n x n), u_cells (= n),
//         u_color (rgb used; alpha comes from u_alpha), View block.
#include common/view.glsl

#if defined VERTEX_SHADER
// ---- vertex shader ----
in vec2 in_pos;

void main() {
    gl_Position = world_to_clip(in_pos);
}

#elif defined FRAGMENT_SHADER
// ---- fragment shader ----
uniform sampler2D u_alpha;
uniform int u_cells;
uniform vec4 u_color;
out vec4 f_color;

void main() {
    int cell = gl_PrimitiveID / 2;
    float a = texelFetch(u_alpha, ivec2(cell % u_cells, cell / u_cells), 0).r;
    f_color = vec4(u_color.rgb, clamp(a, 0.0, 1.0));
}
#endif
