// common/segment.glsl: the anti-aliased line segment (a quad from a to b, butt ends or round
// caps) shared by segments.glsl (grid lines, the 1-D polyline, the noise mid-line) and
// trails.glsl (pinned samples' paths). Include-only: no #version here. Include it once,
// outside the stage sections (after view.glsl and coverage.glsl): the vertex stage gets
// segment_position() and segment_none(), the fragment stage segment_coverage().
// Inputs: in_corner (per vertex: x = side -1/+1, y = 0 at a / 1 at b), u_width_px.
uniform float u_width_px;

#if defined VERTEX_SHADER
in vec2 in_corner;
out vec2 v_local;        // (distance along from a, signed distance across) in px
flat out float v_len;    // segment length in px

// This vertex's clip position for a segment from a_px to b_px (cell pixels), extended by the
// cap when round_caps.
vec4 segment_position(vec2 a_px, vec2 b_px, bool round_caps) {
    float len = length(b_px - a_px);
    vec2 dir = len > 1e-6 ? (b_px - a_px) / len : vec2(1.0, 0.0);
    vec2 nrm = vec2(-dir.y, dir.x);
    float ext = max(0.5 * u_width_px, 0.5) + 1.0;
    float cap = round_caps ? ext : 0.0;
    float along = mix(-cap, len + cap, in_corner.y);
    float across = in_corner.x * ext;
    v_local = vec2(along, across);
    v_len = len;
    return px_to_clip(a_px + dir * along + nrm * across);
}

// A culled instance: nothing drawn (the varyings still written).
void segment_none() {
    cull();
    v_local = vec2(0.0);
    v_len = 0.0;
}

#elif defined FRAGMENT_SHADER
in vec2 v_local;
flat in float v_len;

// Coverage of this fragment by the segment (round caps: a capsule).
float segment_coverage(bool round_caps) {
    float d = abs(v_local.y);
    if (round_caps) {
        float past = max(max(-v_local.x, v_local.x - v_len), 0.0);
        d = length(vec2(past, v_local.y));
    }
    return band_coverage(d, 0.5 * u_width_px);
}
#endif
