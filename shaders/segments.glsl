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
#include common/coverage.glsl
#include common/segment.glsl

uniform bool u_round_caps;

#if defined VERTEX_SHADER
// ---- vertex shader ----
uniform int u_skip_every;
in vec2 in_a;
in vec2 in_b;

void main() {
    if (!begin_instance() || (u_skip_every > 0 && (g_row + 1) % u_skip_every == 0)) {
        segment_none();
        return;
    }
    gl_Position = segment_position(world_to_px(in_a), world_to_px(in_b), u_round_caps);
}

#elif defined FRAGMENT_SHADER
// ---- fragment shader ----
uniform vec4 u_color;
out vec4 f_color;

void main() {
    float cov = segment_coverage(u_round_caps);
    if (cov <= 0.0) discard;
    f_color = vec4(u_color.rgb, u_color.a * cov);
}
#endif
