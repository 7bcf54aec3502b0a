"""Philox4x32-10: the counter-based random generator behind every random number of glgan.

Owns the generator (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011;
the Random123 reference) and the conversions every backend shares: a block of four 32-bit
words per (key, counter), words to uniform floats, uniforms to normals. Being counter-based,
the n-th number of a stream is a pure function of (seed, stream, n): a CUDA kernel computes
the very same words as this NumPy code, a training state needs no generator state beyond its
counters, and any batch can be drawn again without replaying the ones before it.

Counter layout (four 32-bit words): ``(index & 0xffffffff, index >> 32, stream, attempt)``;
key: ``(seed, KEY_SALT)``. ``stream`` names a purpose (see ``Stream``), ``attempt`` numbers the
redraws of a rejection sampler.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

M0, M1 = 0xD2511F53, 0xCD9E8D57  # Philox4x32 round multipliers
W0, W1 = 0x9E3779B9, 0xBB67AE85  # Weyl key increments (golden ratio, sqrt(3) - 1)
ROUNDS = 10
KEY_SALT = 0x676C6761  # second key word ("glga"): the seed is the first
MASK32 = 0xFFFFFFFF
TWO_PI = 2.0 * np.pi


class Stream(IntEnum):
    """What a stream of random numbers is for (the counter's third word)."""

    G_INIT = 1  # generator weights
    D_INIT = 2  # discriminator weights
    REAL_ATLAS = 3  # GAN Lab's fixed block of real samples (also what the view shows)
    NOISE_ATLAS = 4  # the fixed block of noise samples (its first rows: the fakes shown)
    REAL_FRESH = 5  # real batches when the atlas is off (sample j*B + i of batch j)
    NOISE_FRESH = 6  # noise batches when the atlas is off
    REAL_EVAL = 7  # samples drawn outside training (the default of data.sample_real, e.g.
    NOISE_EVAL = 8  # the dataset thumbnails); the KL/JS sets are the atlas streams' first rows


def philox4x32(c0, c1, c2, c3, k0, k1, rounds: int = ROUNDS) -> tuple[np.ndarray, ...]:
    """Philox4x32 of counter words c0..c3 under key (k0, k1); arrays broadcast together.

    Returns the four output words as uint64 arrays holding 32-bit values.
    """
    c0, c1, c2, c3, k0, k1 = (np.asarray(v, dtype=np.uint64) & np.uint64(MASK32)
                              for v in (c0, c1, c2, c3, k0, k1))
    m0, m1, mask, shift = np.uint64(M0), np.uint64(M1), np.uint64(MASK32), np.uint64(32)
    w0, w1 = np.uint64(W0), np.uint64(W1)
    for r in range(rounds):
        if r:
            k0 = (k0 + w0) & mask
            k1 = (k1 + w1) & mask
        p0 = c0 * m0  # 32 x 32 -> 64 bits: fits uint64 exactly
        p1 = c2 * m1
        c0, c1, c2, c3 = (p1 >> shift) ^ c1 ^ k0, p1 & mask, (p0 >> shift) ^ c3 ^ k1, p0 & mask
    return c0, c1, c2, c3


def blocks(seed: int, stream: int, start: int, n: int, attempt=0) -> np.ndarray:
    """(n, 4) uint64 words: Philox blocks of ``stream`` at indices start .. start+n-1.

    ``seed`` may be an array (runs, 1) to draw the same indices for several seeds at once,
    giving (runs, n, 4); ``start`` then may be a (runs, 1) array too.
    """
    index = np.asarray(start, dtype=np.uint64) + np.arange(n, dtype=np.uint64)
    out = philox4x32(index & np.uint64(MASK32), index >> np.uint64(32), stream, attempt,
                     np.asarray(seed, dtype=np.uint64), KEY_SALT)
    return np.stack(np.broadcast_arrays(*out), axis=-1)


def uniform(words: np.ndarray) -> np.ndarray:
    """32-bit words -> float64 uniforms in the open interval (0, 1), exact in float32:
    (top 23 bits + 0.5) / 2^23. Never 0 (log is finite) and never 1."""
    return ((np.asarray(words, dtype=np.uint64) >> np.uint64(9)).astype(np.float64) + 0.5) \
        * (1.0 / 8388608.0)


def box_muller(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two independent standard normals from two uniforms in (0, 1) (both branches)."""
    radius = np.sqrt(-2.0 * np.log(u))
    angle = TWO_PI * v
    return radius * np.cos(angle), radius * np.sin(angle)
