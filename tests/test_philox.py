"""Philox4x32-10 against Random123's known-answer vectors, and the conversions on top."""

import numpy as np
import pytest

from glgan.compute.philox import blocks, box_muller, philox4x32, uniform

# Random123 (kat_vectors): counter[4] key[2] -> output[4]
KAT = [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8), 10),
    ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD), 10),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1), 10),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
     (0x4DFCCABA, 0x190A87F0, 0xC47362BA, 0xB6B5242A), 7),
]


@pytest.mark.parametrize("ctr,key,want,rounds", KAT)
def test_random123_known_answers(ctr, key, want, rounds):
    got = philox4x32(*ctr, *key, rounds=rounds)
    assert tuple(int(w) for w in got) == want


def test_vectorised_blocks_equal_one_at_a_time():
    many = blocks(12345, 3, 2**32 - 2, 5)  # crosses into the counter's high word
    for i in range(5):
        index = 2**32 - 2 + i
        one = philox4x32(index & 0xFFFFFFFF, index >> 32, 3, 0, 12345, 0x676C6761)
        assert tuple(int(v) for v in many[i]) == tuple(int(v) for v in one)
    per_run = blocks(np.array([[1], [2]], np.uint64), 3, np.array([[0], [7]]), 4)
    np.testing.assert_array_equal(per_run[1], blocks(2, 3, 7, 4))


def test_uniforms_are_open_interval_and_float32_exact():
    u = uniform(np.array([0, 1, 511, 512, 0xFFFFFFFF], np.uint64))
    assert u.min() > 0 and u.max() < 1
    np.testing.assert_array_equal(u.astype(np.float32).astype(np.float64), u)
    n1, n2 = box_muller(*uniform(blocks(9, 1, 0, 100_000)[:, :2].T))
    for n in (n1, n2):
        assert abs(n.mean()) < 0.02 and abs(n.std() - 1) < 0.02
    assert abs(np.corrcoef(n1, n2)[0, 1]) < 0.02
