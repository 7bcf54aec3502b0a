#version 330 core
// # Trails: the paths of pinned fake samples over their last epochs, one instanced capsule per
// step of a path, fading with age (age 0 = now, 1 = the oldest kept step), so a class can
// follow single samples as G moves them. One draw for every slot: the steps of all slots
// packed one after another, each naming its slot (in_slot).
// Inputs: in_corner (per vertex: x = side -1/+1, y = 0 at a / 1 at b), in_a/in_b/in_age/in_slot
//         (per instance, data space; age in [0, 1]), u_width_px, u_color, View block.
#include common/view.glsl
#include common/coverage.glsl
#include common/segment.glsl

#if defined VERTEX_SHADER
// ---- vertex shader ----
in vec2 in_a;
in vec2 in_b;
in float in_age;
in float in_slot;
flat out float v_fade;

void main() {
    v_fade = 1.0 - clamp(in_age, 0.0, 1.0);
    if (!begin_slot(int(in_slot + 0.5))) {
        segment_none();
        return;
    }
    gl_Position = segment_position(world_to_px(in_a), world_to_px(in_b), true);
}

#elif defined FRAGMENT_SHADER
// ---- fragment shader ----
uniform vec4 u_color;
flat in float v_fade;
out vec4 f_color;

void main() {
    float cov = segment_coverage(true);
    if (cov <= 0.0) discard;
    f_color = vec4(u_color.rgb, u_color.a * v_fade * v_fade * cov);
}
#endif
