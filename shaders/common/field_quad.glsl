// common/field_quad.glsl: vertex stage shared by the programs that cover a field's rectangle
// (heatmap.glsl, contour.glsl), one instance per slot. Include-only: no #version here.
//
// in_corner   (0,0) (1,0) (0,1) (1,1) as a triangle strip
// u_source    0: D's field (the slot's field_rect), 1: the optimal discriminator D*
// v_info      the field's (texels, tile origin x, tile origin y, level/centre), v_gain the
//             value-scale gain: handed to the fragment stage once per quad (flat)
uniform int u_source;
in vec2 in_corner;
out vec2 v_uv;
flat out vec4 v_info;
flat out float v_gain;

void main() {
    if (!begin_instance()) {
        cull();
        v_uv = vec2(0.0);
        v_info = vec4(0.0);
        v_gain = 0.0;
        return;
    }
    v_info = u_source == 1 ? u_slots[g_slot].optimal : u_slots[g_slot].field;
    v_gain = u_slots[g_slot].misc.x;
    vec4 r = u_source == 1 ? u_slots[g_slot].optimal_rect : u_slots[g_slot].field_rect;
    v_uv = in_corner;
    gl_Position = world_to_clip(mix(r.xy, r.zw, in_corner));
}
