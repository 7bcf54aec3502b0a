"""The device's random streams (glgan/compute/cuda/random.cu) against the NumPy engine's, through
the CPU emulation of CUDA (``cudasim``), in three thread orders; and the nvcc resource gate."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from glgan.compute.data import sample_noise, sample_real
from glgan.compute.philox import Stream, blocks

pytestmark = [pytest.mark.cudasim,
              pytest.mark.skipif(shutil.which("g++") is None, reason="cudasim needs g++")]
DATASETS = {"line": 0, "gaussians": 1, "ring": 2, "disjoint": 3, "drawn": 4}
DRAWN = np.array([[0.2, 0.3], [0.7, 0.6], [0.5, 0.9]])


@pytest.fixture(scope="module")
def module():
    from glgan.compute.cuda.emu import CpuModule

    return CpuModule(["random.cu"])


def draw(module, seed, stream, start, n, kind, dataset=0, dim=2, order=0):
    module.set_order(order, seed=3)
    out = np.zeros((n, dim), np.float32)
    words = np.zeros((n, 4), np.uint32)
    drawn = DRAWN.ravel().copy()
    module.get_function("glgan_sample_stream")(
        (3,), (64,), (np.uint32(seed), np.uint32(stream), np.uint64(start), np.int32(n),
                      np.int32(kind), np.int32(dataset), np.int32(dim), drawn,
                      np.int32(len(DRAWN)), out, words))
    assert module.undefined_reads() == 0
    return out, words


@pytest.mark.parametrize("order", [0, 1, 2])
@pytest.mark.parametrize("name", list(DATASETS))
def test_real_samples_match_the_numpy_streams(module, name, order):
    start, n = 2**32 - 300, 20_000  # across the counter's high word; every branch taken
    out, words = draw(module, 12345, Stream.REAL_FRESH, start, n, 0, DATASETS[name],
                      order=order)
    np.testing.assert_array_equal(words, blocks(12345, Stream.REAL_FRESH, start, n))
    ref = sample_real(name, n, 12345, DRAWN, stream=Stream.REAL_FRESH, start=start)
    np.testing.assert_allclose(out, ref.astype(np.float32), rtol=0, atol=1e-7)


@pytest.mark.parametrize("order", [0, 2])
@pytest.mark.parametrize("dist,dim", [("uniform", 1), ("uniform", 2), ("gaussian", 1),
                                      ("gaussian", 2)])
def test_noise_matches_the_numpy_streams_including_redraws(module, dist, dim, order):
    n = 4000  # ~4.5% of Gaussian candidates fall outside 2 sigma and are redrawn
    out, _ = draw(module, 99, Stream.NOISE_ATLAS, 0, n, 1 if dist == "uniform" else 2,
                  dim=dim, order=order)
    ref = sample_noise(dist, dim, n, 99, stream=Stream.NOISE_ATLAS)
    np.testing.assert_allclose(out, ref.astype(np.float32), rtol=0, atol=1e-7)
    assert out.min() >= 0 and out.max() <= 1


def test_the_emulator_checks_argument_types(module):
    k = module.get_function("glgan_sample_stream")

    def args(seed=None, drawn=None):
        seed = np.uint32(7) if seed is None else seed
        drawn = np.zeros(2) if drawn is None else drawn
        return (seed, np.uint32(3), np.uint64(0), np.int32(1), np.int32(0), np.int32(0),
                np.int32(2), drawn, np.int32(1), np.zeros(2, np.float32), np.zeros(4, np.uint32))

    with pytest.raises(TypeError, match="argument 0: pass np.uint32"):
        k((1,), (32,), args(seed=7))
    with pytest.raises(TypeError, match="float32 array for a float64"):
        k((1,), (32,), args(drawn=np.zeros(2, np.float32)))


@pytest.mark.skipif(shutil.which("nvcc") is None, reason="the resource gate needs nvcc")
def test_random_kernels_pass_the_resource_gate():
    from glgan.compute.cuda.gate import problems, resources

    usage = resources(["random.cu"])
    assert set(usage) == {"glgan_sample_stream"}
    for name, u in usage.items():
        assert problems(u, threads=256) == [], name
    assert problems({"regs": 255, "spill_st": 8, "spill_ld": 8, "smem": 60000}, 512) == [
        "register spills (8 B stored, 8 B loaded)", "255 registers x 512 threads > 65536",
        "60000 B static shared memory > 49152"]


def _build_in(cache):
    import os
    import subprocess
    import sys

    code = ("from glgan.compute.cuda.emu import CpuModule\n"
            "m = CpuModule(['random.cu'])\nprint(m.names)")
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, GLGAN_CUDASIM_CACHE=str(cache)))


def test_concurrent_builds_share_one_cache(tmp_path):
    procs = [_build_in(tmp_path) for _ in range(4)]  # an empty cache: all want to build
    results = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [r[1][-500:] for r in results]
    assert len(list(tmp_path.glob("*.so"))) == 1 and not list(tmp_path.glob("*.tmp"))


def test_a_broken_cached_library_is_built_again(tmp_path):
    assert _build_in(tmp_path).wait(timeout=300) == 0
    (lib,) = tmp_path.glob("*.so")
    lib.write_bytes(b"")  # as a crash or a full disk might leave it
    p = _build_in(tmp_path)  # a new process (this one never loaded it)
    out, err = p.communicate(timeout=300)
    assert p.returncode == 0, err[-500:]
    assert "glgan_sample_stream" in out and lib.stat().st_size > 0


def test_build_failures_are_clear_errors_without_a_traceback(tmp_path):
    import os
    import subprocess
    import sys

    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "g++").write_text("#!/bin/sh\necho 'g++: fatal error: no space left' >&2\nexit 1\n")
    (fake / "g++").chmod(0o755)
    env = dict(os.environ, PATH=f"{fake}:{os.environ['PATH']}",
               GLGAN_CUDASIM_CACHE=str(tmp_path / "cache"))
    done = subprocess.run([sys.executable, "-m", "glgan", "train", "--epochs", "1",
                           "--backend", "cudasim"], capture_output=True, text=True, env=env)
    assert done.returncode == 2
    assert "for the CPU failed" in done.stderr and "no space left" in done.stderr
    assert "Traceback" not in done.stderr
    env["GLGAN_CUDASIM_CACHE"] = "/proc/glgan-cache"  # not creatable
    done = subprocess.run([sys.executable, "-m", "glgan", "train", "--epochs", "1",
                           "--backend", "cudasim"], capture_output=True, text=True, env=env)
    assert done.returncode == 2 and "GLGAN_CUDASIM_CACHE" in done.stderr
    assert "Traceback" not in done.stderr
