// common/colormap.glsl: look up a 256x1 colour ramp texture (built by glgan.render.colormaps).
// Include-only: no #version here.

// t in [0,1] -> RGB, sampling texel centres so t=0 and t=1 hit the end stops exactly.
vec3 sample_lut(sampler2D lut, float t) {
    float n = float(textureSize(lut, 0).x);
    float u = (clamp(t, 0.0, 1.0) * (n - 1.0) + 0.5) / n;
    return texture(lut, vec2(u, 0.5)).rgb;
}
