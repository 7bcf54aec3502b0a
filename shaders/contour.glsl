#version 330 core
// # Contour: an anti-aliased iso-line of a field, one instanced quad per slot: D's field at the
// slot's value-scale centre (Slot.field.w: 0.5 for a probability), or D* (u_source = 1) at 0.5.
// The distance to the line in pixels is |v - level| / fwidth(v), so the line keeps a constant
// screen width at any zoom. Inputs: u_field (R32F atlas, sampled LINEAR), u_source, u_width_px,
// u_color, View block.
#include common/view.glsl

#if defined VERTEX_SHADER
// ---- vertex shader ----
#include common/field_quad.glsl

#elif defined FRAGMENT_SHADER
// ---- fragment shader ----
#include common/coverage.glsl
#include common/field_uv.glsl
uniform sampler2D u_field;
uniform float u_width_px;
uniform vec4 u_color;
in vec2 v_uv;
flat in vec4 v_info;   // the slot's Slot.field (or Slot.optimal for D*)
out vec4 f_color;

void main() {
    float v = texture(u_field, field_uv(u_field, v_uv, v_info)).r - v_info.w;
    // no line where the field is undefined (NaN: D* far from every sample) or flat exactly
    // at the level (an undecided plateau is not a boundary)
    // (exactly flat: a critic's tiny scores still vary, so no absolute threshold)
    if (isnan(v) || isinf(v) || fwidth(v) == 0.0) discard;
    float dist_px = abs(v) / max(fwidth(v), 1e-7);
    float cov = band_coverage(dist_px, 0.5 * u_width_px);
    if (cov <= 0.0) discard;
    f_color = vec4(u_color.rgb, u_color.a * cov);
}
#endif
