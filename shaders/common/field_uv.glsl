// common/field_uv.glsl: the helper of the programs that sample a field texture (heatmap.glsl,
// contour.glsl, flow.glsl). Include-only: no #version here.
//
// A field texture is an atlas of fixed capacity (registered with CUDA once): each slot owns a
// tile, and a frame's N x N field fills the lower-left corner of its tile. field_uv maps the
// quad's 0..1 coordinates onto that corner, clamped to its outer texel centres so linear
// filtering never reads past it (what CLAMP_TO_EDGE did for a texture of exactly N x N).
// info  (N, tile origin x, tile origin y, -): the slot's Slot.field or Slot.optimal
vec2 field_uv(sampler2D tex, vec2 uv, vec4 info) {
    vec2 texel = clamp(uv * info.x, vec2(0.5), vec2(info.x - 0.5)) + info.yz;
    return texel / vec2(textureSize(tex, 0));
}
