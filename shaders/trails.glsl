#version 330 core
// # Trails: the paths of pinned fake samples over their last epochs, one instanced capsule per
// step of a path, fading with age (age 0 = now, 1 = the oldest kept step), so a class can
// follow single samples as G moves them. One draw for every slot (u_rows rows per slot).
// Inputs: in_corner (per vertex: x = side -1/+1, y = 0 at a / 1 at b), in_a/in_b/in_age (per
//         instance, data space; age in [0, 1]), u_width_px, u_color, View block.
#include common/view.glsl

#if defined VERTEX_SHADER
// ---- vertex shader ----
uniform float u_width_px;
in vec2 in_corner;
in vec2 in_a;
in vec2 in_b;
in float in_age;
out vec2 v_local;        // (distance along from a, signed distance across) in px
flat out float v_len;
flat out float v_fade;

void main() {
    if (!begin_instance()) {
        cull();
        v_local = vec2(0.0);
        v_len = 0.0;
        v_fade = 0.0;
        return;
    }
    vec2 a = world_to_px(in_a);
    vec2 b = world_to_px(in_b);
    float len = length(b - a);
    vec2 dir = len > 1e-6 ? (b - a) / len : vec2(1.0, 0.0);
    vec2 nrm = vec2(-dir.y, dir.x);
    float ext = max(0.5 * u_width_px, 0.5) + 1.0;
    float along = mix(-ext, len + ext, in_corner.y);
    v_local = vec2(along, in_corner.x * ext);
    v_len = len;
    v_fade = 1.0 - clamp(in_age, 0.0, 1.0);
    gl_Position = px_to_clip(a + dir * along + nrm * in_corner.x * ext);
}

#elif defined FRAGMENT_SHADER
// ---- fragment shader ----
#include common/coverage.glsl
uniform float u_width_px;
uniform vec4 u_color;
in vec2 v_local;
flat in float v_len;
flat in float v_fade;
out vec4 f_color;

void main() {
    float past = max(max(-v_local.x, v_local.x - v_len), 0.0);
    float cov = band_coverage(length(vec2(past, v_local.y)), 0.5 * u_width_px);
    if (cov <= 0.0) discard;
    f_color = vec4(u_color.rgb, u_color.a * v_fade * v_fade * cov);
}
#endif
