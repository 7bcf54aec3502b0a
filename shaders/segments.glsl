#version 330 core
// # Segments: anti-aliased line segments, one instanced quad per segment (manifold grid lines,
// the 1-D manifold polyline, the noise view's mid-line). u_round_caps = true gives capsules
// (joins of a polyline look continuous); false gives butt ends (grid lines).
// Grid lines and the polyline read the manifold's vertex buffer itself, in_b bound at an
// offset from in_a (the next vertex, or the next row); u_skip_every = n + 1 drops row i
// when (i + 1) % (n + 1) == 0: the pair that would join the end of a row to the next row.
// One draw for every slot (u_rows rows per slot).
// Inputs: in_corner (per vertex: x = side -1/+1, y = 0 at a / 1 at b), in_a/in_b (per instance,
//         data space), u_width_px, u_round_caps, u_skip_every (0: none), u_color, View block.
#include common/view.glsl

#if defined VERTEX_SHADER
// ---- vertex shader ----
uniform float u_width_px;
uniform bool u_round_caps;
uniform int u_skip_every;
in vec2 in_corner;
in vec2 in_a;
in vec2 in_b;
out vec2 v_local;        // (distance along from a, signed distance across) in px
flat out float v_len;

void main() {
    if (!begin_instance() || (u_skip_every > 0 && (g_row + 1) % u_skip_every == 0)) {
        cull();
        v_local = vec2(0.0);
        v_len = 0.0;
        return;
    }
    vec2 a = world_to_px(in_a);
    vec2 b = world_to_px(in_b);
    float len = length(b - a);
    vec2 dir = len > 1e-6 ? (b - a) / len : vec2(1.0, 0.0);
    vec2 nrm = vec2(-dir.y, dir.x);
    float ext = max(0.5 * u_width_px, 0.5) + 1.0;
    float cap = u_round_caps ? ext : 0.0;
    float along = mix(-cap, len + cap, in_corner.y);
    float across = in_corner.x * ext;
    v_local = vec2(along, across);
    v_len = len;
    gl_Position = px_to_clip(a + dir * along + nrm * across);
}

#elif defined FRAGMENT_SHADER
// ---- fragment shader ----
#include common/coverage.glsl
uniform float u_width_px;
uniform bool u_round_caps;
uniform vec4 u_color;
in vec2 v_local;
flat in float v_len;
out vec4 f_color;

void main() {
    float d = abs(v_local.y);
    if (u_round_caps) {
        float past = max(max(-v_local.x, v_local.x - v_len), 0.0);
        d = length(vec2(past, v_local.y));
    }
    float cov = band_coverage(d, 0.5 * u_width_px);
    if (cov <= 0.0) discard;
    f_color = vec4(u_color.rgb, u_color.a * cov);
}
#endif
