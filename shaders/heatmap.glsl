#version 330 core
// # Heatmap: the discriminator's D(x) over its field rectangle, coloured with a ramp LUT, one
// instanced quad per slot.
// Inputs: u_field (R32F atlas, the slot's tile's lower-left Slot.field.x texels used, row 0 =
//         bottom; LINEAR = smooth, NEAREST = GAN Lab's blocks), u_lut (256x1 RGBA8 ramp, PRGn
//         by default), View block. The ramp shows t = 0.5 + (value - centre) * gain (Slot.field.w,
//         Slot.misc.x; a probability: 0.5 / 1, the value itself; a Wasserstein critic's raw
//         score: its median / 0.5 over its spread, a diverging scale centred at the median).
#include common/view.glsl

#if defined VERTEX_SHADER
// ---- vertex shader ----
#include common/field_quad.glsl

#elif defined FRAGMENT_SHADER
// ---- fragment shader ----
#include common/colormap.glsl
#include common/field_uv.glsl
uniform sampler2D u_field;
uniform sampler2D u_lut;
in vec2 v_uv;
flat in vec4 v_info;   // the slot's Slot.field
flat in float v_gain;  // and Slot.misc.x
out vec4 f_color;

void main() {
    float d = texture(u_field, field_uv(u_field, v_uv, v_info)).r;
    f_color = vec4(sample_lut(u_lut, 0.5 + (d - v_info.w) * v_gain), 1.0);
}
#endif
