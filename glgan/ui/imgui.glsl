// # Dear ImGui draw program
// Draws ImGui's vertex/index lists: screen-space positions through an orthographic matrix,
// vertex colour (RGBA8, normalised) times one texture (font atlas or a user texture).
// Compiled by glgan/ui/imgui_renderer.py with "#version 330 core" and a stage define prepended.

#if defined VERTEX_SHADER

uniform mat4 u_proj;
in vec2 in_position;
in vec2 in_uv;
in vec4 in_color;
out vec2 v_uv;
out vec4 v_color;

void main() {
    v_uv = in_uv;
    v_color = in_color;
    gl_Position = u_proj * vec4(in_position, 0.0, 1.0);
}

#elif defined FRAGMENT_SHADER

uniform sampler2D u_texture;
in vec2 v_uv;
in vec4 v_color;
out vec4 f_color;

void main() {
    f_color = v_color * texture(u_texture, v_uv);
}

#endif
