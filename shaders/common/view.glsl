// common/view.glsl: the View uniform block shared by every layered-view program (binding 0),
// plus the helpers that place an instance in its slot's cell. Include-only: no #version here.
//
// A layered view holds up to MAX_SLOTS runs ("slots"); one draw call draws a layer for every
// slot shown (a compare grid), each slot into its own cell of the framebuffer, clipped to it
// by gl_ClipDistance[0..3] (the caller enables GL_CLIP_DISTANCE0..3). An instanced draw has
// u_rows instances per slot (its buffers hold u_rows rows per slot, slot s from row
// s * u_rows); instance k belongs to slot k / u_rows, row k % u_rows, and rows at or past
// u_count[slot] draw nothing (u_count = 0: the slot is not drawn). A packed buffer's rows
// name their slot instead (begin_slot).
//
// u_frame     the GL viewport (x, y, w, h) in framebuffer pixels
// u_slots[s]  the slot's Slot (below), written by the Python side (layered_view.SLOT_FLOATS)
#define MAX_SLOTS 16
struct Slot {
    vec4 rect;          // the data-space rectangle shown in the cell, aspect-corrected
                        // (glgan.render.view.View.effective_bounds)
    vec4 cell;          // the cell (x, y, w, h) in framebuffer pixels
    vec4 field_rect;    // the data-space rectangle D's field texture covers
    vec4 field;         // (texels in use N, tile origin x, tile origin y, value-scale centre)
    vec4 optimal_rect;  // the data-space rectangle D*'s texture covers
    vec4 optimal;       // (texels in use, tile origin x, tile origin y, 0.5)
    vec4 misc;          // (value-scale gain, kites' normalised length (0: as the draw says),
                        //  glide progress t, cells n)
};
layout(std140) uniform View {
    vec4 u_frame;
    Slot u_slots[MAX_SLOTS];
};

#if defined VERTEX_SHADER
uniform int u_rows;               // instances per slot in this draw
uniform int u_count[MAX_SLOTS];   // instances in use per slot (0: not drawn)
out float gl_ClipDistance[4];
flat out int v_slot;
int g_slot = 0;                   // this instance's slot and row (set by begin_instance)
int g_row = 0;

// Find this instance's slot and row; false: an unused row, draw nothing (call cull()).
bool begin_instance() {
    int slot = gl_InstanceID / max(u_rows, 1);
    g_slot = min(slot, MAX_SLOTS - 1);
    g_row = gl_InstanceID - slot * max(u_rows, 1);
    v_slot = g_slot;
    return slot < MAX_SLOTS && g_row < u_count[g_slot];
}

// For a packed buffer whose rows name their slot themselves (trails): this instance is in
// ``slot``; false: that slot is not drawn (u_count[slot] = 0; call cull()).
bool begin_slot(int slot) {
    g_slot = clamp(slot, 0, MAX_SLOTS - 1);
    g_row = 0;
    v_slot = g_slot;
    return slot >= 0 && slot < MAX_SLOTS && u_count[g_slot] > 0;
}

// This vertex draws nothing: outside the clip volume and every clip plane.
void cull() {
    gl_Position = vec4(0.0, 0.0, 2.0, 1.0);
    for (int i = 0; i < 4; ++i) gl_ClipDistance[i] = -1.0;
}

// data-space point -> pixels from the slot's cell's bottom-left corner
vec2 world_to_px(vec2 p) {
    vec4 r = u_slots[g_slot].rect;
    return (p - r.xy) / (r.zw - r.xy) * u_slots[g_slot].cell.zw;
}

// pixels from the cell's bottom-left corner -> clip space (and the distances to the cell's
// four edges, so nothing is drawn outside it)
vec4 px_to_clip(vec2 px) {
    vec4 c = u_slots[g_slot].cell;
    gl_ClipDistance[0] = px.x;
    gl_ClipDistance[1] = c.z - px.x;
    gl_ClipDistance[2] = px.y;
    gl_ClipDistance[3] = c.w - px.y;
    return vec4((px + c.xy - u_frame.xy) / u_frame.zw * 2.0 - 1.0, 0.0, 1.0);
}

vec4 world_to_clip(vec2 p) {
    return px_to_clip(world_to_px(p));
}

#elif defined FRAGMENT_SHADER
flat in int v_slot;
#endif
