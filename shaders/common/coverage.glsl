// common/coverage.glsl: analytic anti-aliasing helpers (pixel coverage from a distance in px).
// Include-only: no #version here.

// Coverage of a band of half-width `hw` px at distance `d` px from its centre line.
// Bands thinner than one pixel are drawn one pixel wide with proportionally less ink,
// so hair-lines fade instead of breaking up into dashes.
float band_coverage(float d, float hw) {
    float he = max(hw, 0.5);
    return clamp(he + 0.5 - d, 0.0, 1.0) * (hw / he);
}

// Coverage of a disc of radius `r` px at distance `d` px from its centre.
float disc_coverage(float d, float r) {
    return clamp(r + 0.5 - d, 0.0, 1.0);
}
