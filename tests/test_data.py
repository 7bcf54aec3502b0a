"""Datasets and noise against GAN Lab's formulas (§1, §2); the atlas walk."""

import numpy as np
import pytest

from glgan.compute.data import Atlas, DataError, sample_noise, sample_real, validate_drawn

N = 200_000


@pytest.fixture
def rng():
    return np.random.default_rng(123)


def test_line_is_the_segment_with_small_jitter(rng):
    x = sample_real("line", N, rng)
    # x = 0.8 - 0.75 r, y = 0.6 + 0.3 r  ->  y = 0.6 + 0.3 (0.8 - x) / 0.75 off by the jitter
    resid = x[:, 1] - (0.6 + 0.4 * (0.8 - x[:, 0]))
    assert abs(resid.mean()) < 1e-3
    assert resid.std() == pytest.approx(np.sqrt(0.01**2 + (0.4 * 0.01) ** 2), rel=0.03)
    np.testing.assert_allclose(x.mean(0), [0.8 - 0.375, 0.6 + 0.15], atol=3e-3)


def test_gaussians_mixture_moments(rng):
    x = sample_real("gaussians", N, rng)
    left = x[:, 0] < 0.5 - 0.0  # rough split; check by the known component moments instead
    del left
    mean = 0.5 * np.array([0.3, 0.7]) + 0.5 * np.array([0.7, 0.4])
    np.testing.assert_allclose(x.mean(0), mean, atol=3e-3)
    var_x = 0.5 * (0.1**2 + 0.3**2) + 0.5 * (0.05**2 + 0.7**2) - mean[0] ** 2
    var_y = 0.5 * (0.1**2 + 0.7**2) + 0.5 * (0.2**2 + 0.4**2) - mean[1] ** 2
    np.testing.assert_allclose(x.var(0), [var_x, var_y], rtol=0.02)


def test_ring_is_an_ellipse(rng):
    x = sample_real("ring", N, rng)
    u, v = (x[:, 0] - 0.5) / 0.3, (x[:, 1] - 0.45) / 0.25
    r = np.sqrt(u**2 + v**2)
    assert abs(np.median(r) - 1.0) < 0.01
    np.testing.assert_allclose(x.mean(0), [0.5, 0.45], atol=3e-3)


def test_disjoint_three_blobs_with_ganlab_probabilities(rng):
    x = sample_real("disjoint", N, rng)
    centres = np.array([[0.35, 0.75], [0.75, 0.6], [0.45, 0.35]])
    nearest = np.argmin(((x[:, None, :] - centres[None]) ** 2).sum(-1), axis=1)
    np.testing.assert_allclose(np.bincount(nearest) / N, [0.333, 0.333, 0.334], atol=5e-3)
    for k in range(3):
        np.testing.assert_allclose(x[nearest == k].std(0), [0.025, 0.025], rtol=0.03)


def test_drawn_points_become_small_gaussians(rng):
    pts = np.array([[0.2, 0.2], [0.8, 0.6]])
    x = sample_real("drawn", N, rng, pts)
    near0 = np.linalg.norm(x - pts[0], axis=1) < 0.15
    assert near0.mean() == pytest.approx(0.5, abs=0.01)
    np.testing.assert_allclose(x[near0].std(0), [0.02, 0.02], rtol=0.03)


@pytest.mark.parametrize("bad,match", [
    (np.zeros((0, 2)), "empty"), (np.zeros((3, 3)), "shape"), ([[0.1, np.nan]], "NaN"),
    ([["a", "b"]], "not numeric"),
])
def test_bad_drawn_points_are_refused(bad, match):
    with pytest.raises(DataError, match=match):
        validate_drawn(bad)


def test_drawn_dataset_without_points_is_refused(rng):
    with pytest.raises(DataError, match="draw some first"):
        sample_real("drawn", 10, rng)


def test_noise_ranges_and_moments(rng):
    u = sample_noise("uniform", 2, N, rng)
    assert u.min() >= 0 and u.max() < 1 and abs(u.mean() - 0.5) < 3e-3
    g = sample_noise("gaussian", 1, N, rng)
    assert g.shape == (N, 1) and g.min() >= 0 and g.max() <= 1
    assert abs(g.mean() - 0.5) < 3e-3
    # N(0.5, 0.25) truncated at 2 sigma has std 0.25 * 0.8796
    assert g.std() == pytest.approx(0.25 * 0.8796, rel=0.01)


def test_atlas_walks_cyclically_in_contiguous_batches(rng):
    seen = []
    atlas = Atlas(lambda n: np.arange(n * 2, dtype=float).reshape(n, 2), 10, 4)
    for _ in range(5):
        batch = atlas.next()
        assert batch.base is not None  # a view, not a copy
        seen.append(batch[:, 0] // 2)
    # GAN Lab: batch i starts at (i * B) mod size, counting from i = 1
    np.testing.assert_array_equal(seen[0], [4, 5, 6, 7])
    np.testing.assert_array_equal(seen[1], [8, 9, 0, 1])
    np.testing.assert_array_equal(seen[2], [2, 3, 4, 5])


def test_fresh_atlas_redraws_after_each_pass(rng):
    atlas = Atlas(lambda n: rng.random((n, 2)), 8, 4, fresh=True)
    first_pass = atlas.data[:8].copy()
    atlas.next()
    atlas.next()  # wraps: a new block is drawn
    assert not np.array_equal(first_pass, atlas.data[:8])
