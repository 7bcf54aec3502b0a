#version 330 core
// # Points: anti-aliased discs, one instanced quad per sample (real, fake, noise, manifold dots).
// One draw for every slot (u_rows rows per slot). With u_glide each instance moves from in_prev
// to in_pos as its slot's t (Slot.misc.z) goes 0 -> 1 (the fake-sample transition is done here
// on the GPU); static sets bind the same buffer to both and draw at t = 1.
// Inputs: in_corner (per vertex, +-1), in_prev/in_pos (per instance, data space),
//         u_glide, u_radius_px, u_color (straight alpha), View block.
#include common/view.glsl

#if defined VERTEX_SHADER
// ---- vertex shader ----
uniform bool u_glide;
uniform float u_radius_px;
in vec2 in_corner;
in vec2 in_prev;
in vec2 in_pos;
out vec2 v_offset_px;

void main() {
    if (!begin_instance()) {
        cull();
        v_offset_px = vec2(0.0);
        return;
    }
    float t = u_glide ? u_slots[g_slot].misc.z : 1.0;
    // settled (t = 1): exactly the new position (mix rounds a + (b - a) * 1 off b)
    vec2 centre = world_to_px(t >= 1.0 ? in_pos : mix(in_prev, in_pos, t));
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
