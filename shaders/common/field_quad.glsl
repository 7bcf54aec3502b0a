// common/field_quad.glsl: vertex stage shared by the programs that cover the discriminator
// field's rectangle (heatmap.glsl, contour.glsl). Include-only: no #version here.
//
// in_corner   (0,0) (1,0) (0,1) (1,1) as a triangle strip
// u_field_rect  data-space (x0, y0, x1, y1) covered by the field texture
uniform vec4 u_field_rect;
in vec2 in_corner;
out vec2 v_uv;

void main() {
    v_uv = in_corner;
    gl_Position = world_to_clip(mix(u_field_rect.xy, u_field_rect.zw, in_corner));
}
