// common/view.glsl: the View uniform block shared by every layered-view program (binding 0),
// plus data <-> pixel <-> clip helpers. Include-only: no #version here.
//
// u_rect      the data-space rectangle (x0, y0, x1, y1) shown in the viewport, already
//             aspect-corrected on the Python side (glgan.render.view.View.effective_bounds)
// u_viewport  the viewport (x, y, w, h) in framebuffer pixels
layout(std140) uniform View {
    vec4 u_rect;
    vec4 u_viewport;
};

// data-space point -> pixels from the viewport's bottom-left corner
vec2 world_to_px(vec2 p) {
    return (p - u_rect.xy) / (u_rect.zw - u_rect.xy) * u_viewport.zw;
}

// pixels from the viewport's bottom-left corner -> clip space
vec4 px_to_clip(vec2 px) {
    return vec4(px / u_viewport.zw * 2.0 - 1.0, 0.0, 1.0);
}

vec4 world_to_clip(vec2 p) {
    return px_to_clip(world_to_px(p));
}
