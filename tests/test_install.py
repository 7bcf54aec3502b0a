"""Install anywhere: the wheel carries the shaders (from the top-level shaders/ folder), the
kernel sources, the emulator header and GAN Lab's pretrained models, and an installed glgan
renders a snapshot outside the repository."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import tomllib

REPO = Path(__file__).resolve().parents[1]


def test_every_package_is_listed_for_the_wheel():
    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
                 ["packages"])
    found = {".".join(p.parent.relative_to(REPO).parts) for p in (REPO / "glgan").rglob(
        "__init__.py")}
    assert found <= listed, f"add to pyproject.toml [tool.setuptools] packages: {found - listed}"


def test_the_installed_wheel_works_outside_the_repository(tmp_path):
    wheels, target = tmp_path / "wheels", tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(REPO), "-w",
                    str(wheels)], check=True, capture_output=True, timeout=600)
    (wheel,) = wheels.glob("glgan-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shaders = {f"glgan/shaders/{p.relative_to(REPO / 'shaders')}"
               for p in (REPO / "shaders").rglob("*.glsl")}
    kernels = {f"glgan/compute/cuda/{p.name}" for p in (REPO / "glgan/compute/cuda").glob("*.cu")}
    assert shaders and shaders <= names and kernels <= names
    assert {"glgan/compute/cuda/emu/cuda_cpu.h", "glgan/ui/imgui.glsl",
            "glgan/assets/pretrained/pretrained_gaussians.json"} <= names
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                    str(target), str(wheel)], check=True, capture_output=True, timeout=300)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = dict(os.environ, PYTHONPATH=str(target))
    env.pop("GLGAN_SHADER_DIR", None)
    where = subprocess.run([sys.executable, "-c", "import glgan; print(glgan.__file__)"],
                           cwd=elsewhere, env=env, capture_output=True, text=True, check=True)
    assert where.stdout.strip().startswith(str(target))  # the installed copy, not the checkout
    done = subprocess.run([sys.executable, "-m", "glgan", "snapshot", "--epochs", "10",
                           "--size", "64x64", "--out", "shot.png"], cwd=elsewhere, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (elsewhere / "shot.png").stat().st_size > 0
