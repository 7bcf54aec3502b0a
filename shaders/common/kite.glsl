// common/kite.glsl: the kite glyph (a thin triangle from a base to a tip, tapering to the
// tip, anti-aliased) shared by kites.glsl (the gradient at each fake sample) and flow.glsl
// (D's gradient field). Include-only: no #version here. Include it once, outside the stage
// sections (after view.glsl and coverage.glsl): the vertex stage gets kite_position(), the
// fragment stage kite_color(); kite_none() culls an instance.
// Inputs: in_corner (per vertex: x = side -1/+1, y = 0 at base / 1 at tip), u_half_width_px.
uniform float u_half_width_px;

#if defined VERTEX_SHADER
in vec2 in_corner;
out vec2 v_local;        // (distance along from the base, signed distance across) in px
flat out float v_len;    // kite length in px

// A culled instance: nothing drawn (the varyings still written).
void kite_none() {
    cull();
    v_local = vec2(0.0);
    v_len = 0.0;
}

// This vertex's clip position for a kite from base_px to tip_px (viewport pixels).
vec4 kite_position(vec2 base_px, vec2 tip_px) {
    float len = length(tip_px - base_px);
    vec2 dir = len > 1e-6 ? (tip_px - base_px) / len : vec2(1.0, 0.0);
    vec2 nrm = vec2(-dir.y, dir.x);
    float along = mix(-1.0, len + 1.0, in_corner.y);
    float across = in_corner.x * (max(u_half_width_px, 0.5) + 1.0);
    v_local = vec2(along, across);
    v_len = len;
    return px_to_clip(base_px + dir * along + nrm * across);
}

#elif defined FRAGMENT_SHADER
in vec2 v_local;
flat in float v_len;

// The kite's straight-alpha colour here (alpha 0 outside; shorter than min_len px: none).
vec4 kite_color(vec4 color, float min_len) {
    if (v_len < min_len) return vec4(0.0);
    float along = v_local.x;
    float hw = u_half_width_px * clamp(1.0 - along / v_len, 0.0, 1.0);  // tapers to the tip
    float cov = band_coverage(abs(v_local.y), hw) * clamp(along + 0.5, 0.0, 1.0);
    return vec4(color.rgb, color.a * cov);
}
#endif
