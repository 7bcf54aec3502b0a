#version 330 core
// # Glide: where each moving sample is on screen now, computed on the GPU by transform
// feedback (no fragment stage). When new positions arrive mid-transition, this is written to
// the "prev" buffer so the next transition starts exactly where the samples are (no jump).
// The same mix as points.glsl / kites.glsl at the same eased u_t.
// Inputs: in_prev, in_pos (per vertex), u_t. Output: out_pos (captured).
// varyings: out_pos

#if defined VERTEX_SHADER
// ---- vertex shader ----
uniform float u_t;
in vec2 in_prev;
in vec2 in_pos;
out vec2 out_pos;

void main() {
    out_pos = mix(in_prev, in_pos, u_t);
}
#endif
