// common/colormap.glsl: look up a 256x1 colour ramp texture (built by glgan.palette).
// Include-only: no #version here.

// t in [0,1] -> RGB: the nearest of the ramp's texels (a 256-entry ramp steps by 1/255, below
// what a display shows); texelFetch skips filtering, which costs a software rasteriser.
vec3 sample_lut(sampler2D lut, float t) {
    int n = textureSize(lut, 0).x;
    int i = int(clamp(t, 0.0, 1.0) * float(n - 1) + 0.5);
    return texelFetch(lut, ivec2(i, 0), 0).rgb;
}
