#version 330 core
// # Points: anti-aliased discs, one instanced quad per sample (real, fake, noise, manifold dots).
// Each instance moves from in_prev to in_pos as u_t goes 0 -> 1 (the fake-sample transition is
// done here on the GPU; static sets bind the same buffer to both).
// Inputs: in_corner (per vertex, +-1), in_prev/in_pos (per instance, data space),
//         u_t, u_radius_px, u_color (straight alpha), View block.
#include common/view.glsl

#if defined VERTEX_SHADER
// ---- vertex shader ----
uniform float u_t;
uniform float u_radius_px;
in vec2 in_corner;
in vec2 in_prev;
in vec2 in_pos;
out vec2 v_offset_px;

void main() {
    // settled (u_t = 1): exactly the new position (mix rounds a + (b - a) * 1 off b)
    vec2 centre = world_to_px(u_t >= 1.0 ? in_pos : mix(in_prev, in_pos, u_t));
    v_offset_px = in_corner * (u_radius_px + 1.0);
    gl_Position = px_to_clip(centre + v_offset_px);
}

#elif defined FRAGMENT_SHADER
// ---- fragment shader ----
#include common/coverage.glsl
uniform float u_radius_px;
uniform vec4 u_color;
in vec2 v_offset_px;
out vec4 f_color;

void main() {
    float cov = disc_coverage(length(v_offset_px), u_radius_px);
    if (cov <= 0.0) discard;
    f_color = vec4(u_color.rgb, u_color.a * cov);
}
#endif
