#version 330 core
// # Kites: GAN Lab's gradient glyphs, a thin triangle per fake sample from the sample p
// (base, half-width u_half_width_px) to the tip p + v, where v = g * u_scale, or
// g / |g| * u_scale when u_normalize is set; u_max_len > 0 (data units) bends long kites
// softly to at most that length (|v| -> m * tanh(|v| / m): short ones keep their length, so
// -dL_G/dx, huge where D(x) is near 0, stays readable). Position and gradient both move from their
// previous to their new values with u_t, in step with points.glsl.
// Inputs: in_corner (per vertex: x = side -1/+1, y = 0 at base / 1 at tip),
//         in_prev/in_pos, in_prev_grad/in_grad (per instance), u_t, u_scale, u_normalize, u_max_len,
//         u_half_width_px, u_color, View block.
#include common/view.glsl

#if defined VERTEX_SHADER
// ---- vertex shader ----
uniform float u_t;
uniform float u_scale;
uniform bool u_normalize;
uniform float u_max_len;
uniform float u_half_width_px;
in vec2 in_corner;
in vec2 in_prev;
in vec2 in_pos;
in vec2 in_prev_grad;
in vec2 in_grad;
out vec2 v_local;        // (distance along from the base, signed distance across) in px
flat out float v_len;    // kite length in px

void main() {
    vec2 p = u_t >= 1.0 ? in_pos : mix(in_prev, in_pos, u_t);  // settled: exact
    vec2 g = u_t >= 1.0 ? in_grad : mix(in_prev_grad, in_grad, u_t);
    vec2 v = (u_normalize ? g * inversesqrt(dot(g, g) + 1e-8) : g) * u_scale;
    float reach = length(v);
    if (u_max_len > 0.0 && reach > 1e-12) {
        v *= u_max_len * tanh(reach / u_max_len) / reach;
    }
    vec2 base = world_to_px(p);
    vec2 tip = world_to_px(p + v);
    float len = length(tip - base);
    vec2 dir = len > 1e-6 ? (tip - base) / len : vec2(1.0, 0.0);
    vec2 nrm = vec2(-dir.y, dir.x);
    float along = mix(-1.0, len + 1.0, in_corner.y);
    float across = in_corner.x * (max(u_half_width_px, 0.5) + 1.0);
    v_local = vec2(along, across);
    v_len = len;
    gl_Position = px_to_clip(base + dir * along + nrm * across);
}

#elif defined FRAGMENT_SHADER
// ---- fragment shader ----
#include common/coverage.glsl
uniform float u_half_width_px;
uniform vec4 u_color;
in vec2 v_local;
flat in float v_len;
out vec4 f_color;

void main() {
    if (v_len < 0.5) discard;
    float along = v_local.x;
    float hw = u_half_width_px * clamp(1.0 - along / v_len, 0.0, 1.0);  // tapers to the tip
    float cov = band_coverage(abs(v_local.y), hw) * clamp(along + 0.5, 0.0, 1.0);
    if (cov <= 0.0) discard;
    f_color = vec4(u_color.rgb, u_color.a * cov);
}
#endif
