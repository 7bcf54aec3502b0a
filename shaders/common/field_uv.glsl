// common/field_uv.glsl: fragment-stage helper of the programs that sample D's field texture
// (heatmap.glsl, contour.glsl). Include-only: no #version here.
//
// The field texture has a fixed capacity (it is registered with CUDA once); a frame's N x N
// field fills its lower-left corner. field_uv maps the quad's 0..1 coordinates onto that
// corner, clamped to its outer texel centres so linear filtering never reads past it (what
// CLAMP_TO_EDGE did for a texture of exactly N x N).
// u_field_texels  (N, N): the texels of the corner in use
uniform vec2 u_field_texels;

vec2 field_uv(sampler2D tex, vec2 uv) {
    vec2 texel = clamp(uv * u_field_texels, vec2(0.5), u_field_texels - 0.5);
    return texel / vec2(textureSize(tex, 0));
}
