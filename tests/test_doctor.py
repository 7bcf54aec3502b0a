"""``glgan doctor``: the prepared check writes every step's results into one folder and says
plainly what failed (here: the CPU path, and --gpu on a machine without a GPU)."""

import json

import pytest

from glgan.cli import main
from glgan.compute.backend import cupy_status

HAS_GPU = cupy_status()[0] is not None


def test_doctor_checks_the_cpu_path_into_one_folder(tmp_path, capsys):
    assert main(["doctor", "--out", str(tmp_path / "d"), "--quick"]) == 0
    out = tmp_path / "d"
    for name in ("environment.json", "compile.json", "tests.xml", "tests.log", "bench.jsonl",
                 "summary.json"):
        assert (out / name).is_file(), name
    summary = json.loads((out / "summary.json").read_text())
    assert [s["step"] for s in summary] == ["environment", "compile", "tests", "bench"]
    assert all(s["status"] == "ok" for s in summary), summary
    bench = [json.loads(line) for line in (out / "bench.jsonl").read_text().splitlines()]
    assert {b["case"] for b in bench} >= {"gaussians", "large_5x100", "gaussians_runs16"}
    table = capsys.readouterr().out.splitlines()
    assert table[0].startswith("glgan doctor (cpu)") and len(table) == 5  # the table is last


@pytest.mark.skipif(HAS_GPU, reason="a usable GPU is present")
def test_doctor_gpu_without_a_gpu_says_why_and_fails(tmp_path, capsys):
    assert main(["doctor", "--gpu", "--out", str(tmp_path), "--quick", "--budget", "60"]) == 1
    summary = json.loads((tmp_path / "summary.json").read_text())
    env = summary[0]
    assert env["status"] == "failed" and "no usable NVIDIA GPU" in env["error"]
    assert "Traceback" not in capsys.readouterr().err


def test_doctor_refuses_a_bad_budget(capsys):
    assert main(["doctor", "--out", "/tmp/x", "--budget", "0"]) == 2
    assert "--budget=0.0" in capsys.readouterr().err


def test_doctor_runs_every_file_that_holds_gpu_or_kernel_tests():
    import re
    from pathlib import Path

    from glgan.doctor import KERNEL_TEST_FILES

    here = Path(__file__).parent
    pattern = re.compile(r"pytest\.mark\.(gpu|cudasim)\b")
    marked = {p.name for p in here.glob("test_*.py") if p.name != Path(__file__).name
              and pattern.search(p.read_text())}
    assert "test_cudasim_train.py" in marked
    assert marked <= set(KERNEL_TEST_FILES), marked - set(KERNEL_TEST_FILES)
