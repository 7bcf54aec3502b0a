// common/field_quad.glsl: vertex stage shared by the programs that cover a field's rectangle
// (heatmap.glsl, contour.glsl), one instance per slot. Include-only: no #version here.
//
// in_corner   (0,0) (1,0) (0,1) (1,1) as a triangle strip
// u_source    0: D's field (the slot's field_rect), 1: the optimal discriminator D*
uniform int u_source;
in vec2 in_corner;
out vec2 v_uv;

void main() {
    if (!begin_instance()) {
        cull();
        v_uv = vec2(0.0);
        return;
    }
    vec4 r = u_source == 1 ? u_slots[g_slot].optimal_rect : u_slots[g_slot].field_rect;
    v_uv = in_corner;
    gl_Position = world_to_clip(mix(r.xy, r.zw, in_corner));
}
