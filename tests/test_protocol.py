"""Nothing outside glgan/compute reaches past the GanEngine Protocol.

Statically: modules outside ``glgan/compute`` import only the compute modules that form its
public face (the interface, its state value, data errors and samples, imported data, model
files, backends, training diagnoses, the optimal discriminator from samples),
never a concrete engine, batch, network, optimiser or random stream. Dynamically: every engine
the app, the CLI, snapshot and record build is wrapped so that touching any attribute the
Protocol does not declare fails, and each of them is driven end to end."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import numpy as np
import pytest

from glgan.compute.api import GanEngine

ROOT = Path(__file__).resolve().parents[1] / "glgan"
PUBLIC = {"api", "backend", "data", "dataimport", "diagnose", "inspect", "modelio", "optimal",
          "state"}
PROTOCOL = {n for n in dir(GanEngine) if not n.startswith("_")}


def compute_imports(path: Path) -> list[tuple[int, str]]:
    """(line, compute module) for every import of glgan.compute.X in ``path``."""
    tree = ast.parse(path.read_text(), str(path))
    package = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts[:-1])
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            names = [mod] + [f"{mod}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[:2] == ["glgan", "compute"] and len(parts) > 2:
                out.append((node.lineno, parts[2]))
    return out


def outside_modules():
    return [p for p in ROOT.rglob("*.py") if "compute" not in p.relative_to(ROOT).parts]


def test_outside_compute_only_the_public_modules_are_imported():
    bad = [f"{p.relative_to(ROOT.parent)}:{line} -> glgan.compute.{mod}"
           for p in outside_modules() for line, mod in compute_imports(p)
           if mod not in PUBLIC and mod[0].islower() and mod not in ("__init__",)]
    assert not bad, "reaches past the engine interface:\n" + "\n".join(bad)


def test_the_import_check_can_fail(tmp_path):
    sample = ROOT / "ui" / "_probe_for_test.py"
    try:
        sample.write_text("from glgan.compute.engine import BatchedEngine\n"
                          "from ..compute import batch\n")
        found = [m for _, m in compute_imports(sample)]
        assert "engine" in found and "batch" in found
    finally:
        sample.unlink()


class ProtocolOnly:
    """An engine that refuses every attribute GanEngine does not declare."""

    def __init__(self, engine):
        object.__setattr__(self, "_engine", engine)

    def __getattr__(self, name):
        if name not in PROTOCOL:
            raise AttributeError(f"{name!r} is not part of the GanEngine Protocol")
        return getattr(object.__getattribute__(self, "_engine"), name)

    def __setattr__(self, name, value):
        raise AttributeError(f"setting {name!r}: engines are changed through their methods")


@pytest.fixture
def strict_engines(monkeypatch):
    """Every engine built from now on (by make_engine, whoever calls it) is ProtocolOnly."""
    from glgan.compute import engine as engine_mod

    real = engine_mod.BatchedEngine
    built = []

    def build(*args, **kwargs):
        built.append(ProtocolOnly(real(*args, **kwargs)))
        return built[-1]

    monkeypatch.setattr(engine_mod, "BatchedEngine", build)
    return built


def test_the_wrapper_refuses_what_the_protocol_lacks(strict_engines):
    from glgan.compute.api import make_engine

    eng = make_engine()
    assert isinstance(eng, ProtocolOnly) and eng.run_count == 1
    with pytest.raises(AttributeError, match="_batches"):
        eng._batches  # noqa: B018


def test_cli_train_compare_save_and_load_use_only_the_protocol(strict_engines, tmp_path,
                                                               capsys):
    from glgan.cli import main

    assert main(["train", "--epochs", "20", "--json", "--quiet",
                 "--compare", "d_lr=0.01,0.1", "--save", str(tmp_path / "m")]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert [r["varied"]["d_lr"] for r in out["runs"]] == [0.01, 0.1]
    assert main(["train", "--epochs", "5", "--json", "--quiet", "--load",
                 str(tmp_path / "m.glgan"), "--set", "g_lr=0.01"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert [r["epoch"] for r in out["runs"]] == [25, 25]
    assert len(strict_engines) == 2


def test_snapshot_uses_only_the_protocol(strict_engines, tmp_path, gl_ctx):
    from glgan.config import preset
    from glgan.snapshot import snapshot

    path = snapshot(preset("ring"), epochs=30, size=(64, 64), out=tmp_path / "s.png")
    assert path.is_file() and len(strict_engines) == 1


def test_app_uses_only_the_protocol(strict_engines, gl_ctx, tmp_path):
    from glgan.app import App
    from glgan.config import GanConfig
    from glgan.ui import commands as cmd

    size = (960, 600)
    app = App(gl_ctx, size, None, out_dir=tmp_path)  # GAN Lab's pretrained start
    fbo = gl_ctx.simple_framebuffer(size, components=4)
    try:
        script = [[cmd.Play()], [cmd.SetEpochsPerFrame(5)], [cmd.Pause()],
                  [cmd.Step("d")], [cmd.Step("g")], [cmd.Step("both")],
                  [cmd.SetConfig(app.config.replace(d_lr=0.03))],
                  [cmd.SetConfig(app.config.replace(g_neurons=5))],
                  [cmd.SelectDataset("ring")], [cmd.RestorePreset()], [cmd.Reset()],
                  [cmd.UsePretrained(True)], [cmd.UsePretrained(False)],
                  [cmd.ApplyDrawing(np.array([[0.3, 0.3], [0.6, 0.6]]))],
                  [cmd.SetSlowMotion(True, 4.0)], [cmd.TrainPhase("d")],
                  [cmd.TrainPhase("g")], [cmd.FitView("samples")]]
        for commands in script:
            app.apply(commands)
            app.render(fbo, 1 / 60)
        assert not app.ui.error, app.ui.error
        assert app.config.dataset == "drawn" and len(strict_engines) == 1
        assert app.config == GanConfig.from_dict(app.config.to_dict())
    finally:
        app.close()
        fbo.release()
