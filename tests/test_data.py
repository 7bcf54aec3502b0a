"""Datasets and noise against GAN Lab's formulas (§1, §2); the atlas walk and fresh batches."""

import numpy as np
import pytest

from glgan.compute.data import DataError, sample_noise, sample_real, validate_drawn
from glgan.compute.philox import Stream
from glgan.compute.sampling import FRESH_CHUNK, SampleStream

N = 200_000


@pytest.fixture
def rng():
    return 123  # the seed of the Philox streams


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


def counting_draw(slots, stream, starts, n):
    """Sample i of run s is (1000 s + start + i, stream): easy to follow."""
    idx = np.asarray(starts, float) + np.arange(n)
    base = 1000.0 * np.asarray(slots, float)[:, None] + idx
    return np.stack([base, np.full_like(base, float(stream))], axis=-1)


def test_atlas_walks_cyclically_in_contiguous_batches():
    s = SampleStream(counting_draw, 2, 1, 4, 10, False, (7, 8), np.float64)
    s.load([0], [0])
    seen = []
    for _ in range(3):
        dst = np.zeros((1, 2, 4))
        s.take(dst, None)
        seen.append(dst[0, 0])
    # GAN Lab: batch i starts at (i * B) mod size, counting from i = 1
    np.testing.assert_array_equal(seen[0], [4, 5, 6, 7])
    np.testing.assert_array_equal(seen[1], [8, 9, 0, 1])
    np.testing.assert_array_equal(seen[2], [2, 3, 4, 5])
    assert s.counters()[0] == 3


@pytest.mark.parametrize("lockstep", [True, False])
def test_runs_walk_their_own_atlas_and_only_active_runs_advance(lockstep):
    s = SampleStream(counting_draw, 2, 2, 4, 10, False, (7, 8), np.float64)
    s.load([0, 1], [0, 0])
    s.begin(lockstep)
    dst = np.zeros((2, 2, 4))
    s.take(dst, np.array([True, True]))
    np.testing.assert_array_equal(dst[:, 0], [[4, 5, 6, 7], [1004, 1005, 1006, 1007]])
    s.begin(False)  # an inactive run keeps its place
    s.take(dst, np.array([True, False]))
    s.take(dst, np.array([True, True]))
    np.testing.assert_array_equal(dst[:, 0], [[2, 3, 4, 5], [1008, 1009, 1000, 1001]])
    s.end()
    np.testing.assert_array_equal(s.counters(), [3, 2])


@pytest.mark.parametrize("lockstep", [True, False])
def test_fresh_batches_follow_the_stream_across_chunks(lockstep):
    s = SampleStream(counting_draw, 2, 1, 3, 10, True, (7, 8), np.float64)
    s.load([0], [0])
    s.begin(lockstep)
    got = []
    for _ in range(FRESH_CHUNK + 5):  # past the first chunk
        s.reserve(1)
        dst = np.zeros((1, 2, 3))
        s.take(dst, None)
        got.append(dst[0].copy())
    got = np.concatenate(got, axis=1)
    np.testing.assert_array_equal(got[0], np.arange(3 * (FRESH_CHUNK + 5)))  # never repeated
    assert (got[1] == 8).all()  # drawn from the fresh stream


def test_fresh_stream_numbers_do_not_depend_on_chunking():
    a = sample_real("ring", 300, 5, stream=Stream.REAL_FRESH, start=0)
    b = np.concatenate([sample_real("ring", 100, 5, stream=Stream.REAL_FRESH, start=k * 100)
                        for k in range(3)])
    np.testing.assert_array_equal(a, b)
    seeds = np.array([[5], [6]], np.uint64)
    both = sample_noise("gaussian", 2, 300, seeds, stream=Stream.NOISE_FRESH,
                        start=np.array([[0], [0]]))
    np.testing.assert_array_equal(both[0], sample_noise("gaussian", 2, 300, 5,
                                                        stream=Stream.NOISE_FRESH))
    assert not np.array_equal(both[0], both[1])
