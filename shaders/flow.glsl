#version 330 core
// # Flow: D's gradient field across the plane, one arrow (a kite, as kites.glsl draws them) at
// the centre of each cell of a u_grid x u_grid lattice over the field rectangle, pointing along
// grad D(x): where the generator would push a sample at that point (every GAN loss moves fakes
// up D's slope). The gradient is taken from the field texture itself by central differences
// one texel apart, so it costs no engine work and follows resident (GPU-written) fields too.
// Length: at most 0.85 of a cell, saturating with the change of D across a cell
// (tanh(|grad D| * cell / 0.1)); flat regions get no arrow.
// One instanced draw for every slot: u_rows = u_grid^2 arrows per slot.
// Inputs: in_corner (per vertex: x = side -1/+1, y = 0 at base / 1 at tip), u_field (R32F
//         atlas: the slot's tile, Slot.field), Slot.field_rect, u_grid, u_half_width_px,
//         u_color, View block.
#include common/view.glsl
#include common/coverage.glsl
#include common/kite.glsl

#if defined VERTEX_SHADER
// ---- vertex shader ----
#include common/field_uv.glsl
uniform sampler2D u_field;
uniform int u_grid;

float field_at(vec2 uv) {
    return textureLod(u_field, field_uv(u_field, uv, u_slots[g_slot].field), 0.0).r;
}

void main() {
    if (!begin_instance()) {
        kite_none();
        return;
    }
    int i = g_row % u_grid;
    int j = g_row / u_grid;
    vec4 rect = u_slots[g_slot].field_rect;
    vec2 uv = (vec2(i, j) + 0.5) / float(u_grid);
    vec2 size = rect.zw - rect.xy;
    vec2 du = vec2(1.0) / max(vec2(u_slots[g_slot].field.x), vec2(2.0));
    vec2 g_uv = vec2(field_at(uv + vec2(du.x, 0.0)) - field_at(uv - vec2(du.x, 0.0)),
                     field_at(uv + vec2(0.0, du.y)) - field_at(uv - vec2(0.0, du.y))) / (2.0 * du);
    vec2 g = g_uv / size;                                  // per data unit
    float cell = min(size.x, size.y) / float(u_grid);
    float mag = length(g);
    float reach = 0.85 * cell * tanh(mag * cell / 0.1);
    vec2 p = rect.xy + uv * size;
    vec2 dir = mag > 1e-9 ? g / mag : vec2(1.0, 0.0);
    // centred on the cell
    gl_Position = kite_position(world_to_px(p - 0.5 * reach * dir),
                                world_to_px(p + 0.5 * reach * dir));
}

#elif defined FRAGMENT_SHADER
// ---- fragment shader ----
uniform vec4 u_color;
out vec4 f_color;

void main() {
    f_color = kite_color(u_color, 1.5);  // flat regions: no arrow
    if (f_color.a <= 0.0) discard;
}
#endif
