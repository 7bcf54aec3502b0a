#version 330 core
// # Kites: GAN Lab's gradient glyphs, a thin triangle per fake sample from the sample p
// (base, half-width u_half_width_px) to the tip p + v, where v = g * u_scale, or
// g / |g| * u_scale when u_normalize is set (g / |g| * Slot.misc.y, without u_max_len, when
// the slot's Slot.misc.y > 0: a critic's kites); u_max_len > 0 (data units) bends long kites
// softly to at most that length (|v| -> m * tanh(|v| / m): short ones keep their length, so
// -dL_G/dx, huge where D(x) is near 0, stays readable). Position and gradient both move from their
// previous to their new values with the slot's t (Slot.misc.z), in step with points.glsl.
// One draw for every slot (u_rows rows per slot).
// Inputs: in_corner (per vertex: x = side -1/+1, y = 0 at base / 1 at tip),
//         in_prev/in_pos, in_prev_grad/in_grad (per instance), u_scale, u_normalize, u_max_len,
//         u_half_width_px, u_color, View block.
#include common/view.glsl
#include common/coverage.glsl
#include common/kite.glsl

#if defined VERTEX_SHADER
// ---- vertex shader ----
uniform float u_scale;
uniform bool u_normalize;
uniform float u_max_len;
in vec2 in_prev;
in vec2 in_pos;
in vec2 in_prev_grad;
in vec2 in_grad;

void main() {
    if (!begin_instance()) {
        kite_none();
        return;
    }
    float t = u_slots[g_slot].misc.z;
    vec2 p = t >= 1.0 ? in_pos : mix(in_prev, in_pos, t);  // settled: exact
    vec2 g = t >= 1.0 ? in_grad : mix(in_prev_grad, in_grad, t);
    float unit = u_slots[g_slot].misc.y;  // > 0: this slot's kites normalised to it
    bool normalize = u_normalize || unit > 0.0;
    float max_len = unit > 0.0 ? 0.0 : u_max_len;
    vec2 v = (normalize ? g * inversesqrt(dot(g, g) + 1e-8) : g) * (unit > 0.0 ? unit : u_scale);
    float reach = length(v);
    if (max_len > 0.0 && reach > 1e-12) {
        v *= max_len * tanh(reach / max_len) / reach;
    }
    gl_Position = kite_position(world_to_px(p), world_to_px(p + v));
}

#elif defined FRAGMENT_SHADER
// ---- fragment shader ----
uniform vec4 u_color;
out vec4 f_color;

void main() {
    f_color = kite_color(u_color, 0.5);
    if (f_color.a <= 0.0) discard;
}
#endif
