"""Import layering: compute, render, ui and capture never import one another.

Each sub-package has one owner; ``app``/``window``/``cli``/... wire them together. This test
reads the sources with ``ast`` (nothing is imported, so it runs without GL or a GPU) and
checks every import statement, at module level or inside functions, absolute
(``glgan.render.view``, ``from glgan import ui``) or relative (``from ..compute import x``),
plus ``importlib.import_module("glgan....")`` calls with a literal name.

Allowed for every layer: its own sub-package, the shared neutral modules below, and anything
outside glgan. ``KNOWN_VIOLATIONS`` lists the cross-layer imports that exist today; it may only
shrink (a fixed entry left in the list fails the test too).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

PKG_DIR = Path(__file__).resolve().parents[1] / "glgan"
LAYERS = ("compute", "render", "ui", "capture")
# Neutral modules at the top of the package: plain values/helpers that import nothing from
# glgan except one another, so any layer may use them.
SHARED = ("glgan.frame", "glgan.layers", "glgan.palette", "glgan.fileio", "glgan.config",
          "glgan.history", "glgan.settings", "glgan.errors")
# Modules that wire the layers together; no layer may depend on them.
WIRING = ("glgan.app", "glgan.window", "glgan.cli", "glgan.record", "glgan.snapshot",
          "glgan.bench", "glgan.doctor", "glgan.timeline")  # timeline: engine states for app

# Cross-layer imports that exist today: (file, imported module). None: GanConfig and History
# are shared values (glgan/config.py, glgan/history.py). Do not add entries.
KNOWN_VIOLATIONS: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True)
class Import:
    file: str  # relative to the repository root, e.g. glgan/ui/hyper.py
    line: int
    module: str  # absolute dotted name, e.g. glgan.config

    def __str__(self) -> str:
        return f"{self.file}:{self.line} -> {self.module}"


def _module_name(path: Path) -> str:
    rel = path.relative_to(PKG_DIR.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_in_source(source: str, module: str, is_package: bool = False,
                      file: str = "<string>") -> list[Import]:
    """Every module ``source`` (the text of ``module``) imports, as absolute dotted names."""
    package = module if is_package else module.rpartition(".")[0]
    found: list[Import] = []
    for node in ast.walk(ast.parse(source, filename=file)):
        if isinstance(node, ast.Import):
            found += [Import(file, node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                if node.level - 1 >= len(parts):
                    raise AssertionError(f"{file}:{node.lineno}: relative import beyond glgan")
                base = ".".join(parts[: len(parts) - (node.level - 1)])
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module or ""
            if base == "glgan":  # from glgan import ui / from .. import compute
                found += [Import(file, node.lineno, f"glgan.{a.name}") for a in node.names]
            else:
                found.append(Import(file, node.lineno, base))
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            arg = node.args[0]
            if name in ("import_module", "__import__") and isinstance(arg, ast.Constant) \
                    and isinstance(arg.value, str):
                found.append(Import(file, node.lineno, arg.value))
    return found


def imports_in_file(path: Path) -> list[Import]:
    rel = path.relative_to(PKG_DIR.parent).as_posix()
    return imports_in_source(path.read_text(encoding="utf-8"), _module_name(path),
                             is_package=path.name == "__init__.py", file=rel)


def _owner(module: str) -> str | None:
    """The glgan top-level part ``module`` belongs to (``glgan.ui.x`` -> ``glgan.ui``)."""
    parts = module.split(".")
    if parts[0] != "glgan":
        return None
    return ".".join(parts[:2])


def problems(layer: str, imports: list[Import]) -> tuple[list[Import], list[Import]]:
    """(cross-layer imports, other forbidden glgan imports) among a layer's ``imports``."""
    cross, other = [], []
    for imp in imports:
        owner = _owner(imp.module)
        if owner is None or owner == f"glgan.{layer}" or owner in SHARED:
            continue
        if owner.removeprefix("glgan.") in LAYERS:
            cross.append(imp)
        else:  # wiring, the package root (it re-exports compute) or an unclassified module
            other.append(imp)
    return cross, other


def layer_files(layer: str) -> list[Path]:
    return sorted((PKG_DIR / layer).rglob("*.py"))


def layer_imports(layer: str) -> list[Import]:
    return [imp for path in layer_files(layer) for imp in imports_in_file(path)]


@pytest.mark.parametrize("layer", LAYERS)
def test_layer_does_not_import_other_layers(layer):
    assert layer_files(layer), f"no sources found under glgan/{layer}"
    cross, _ = problems(layer, layer_imports(layer))
    new = [imp for imp in cross if (imp.file, imp.module) not in KNOWN_VIOLATIONS]
    assert not new, f"glgan.{layer} imports another layer:\n" + "\n".join(map(str, new))


@pytest.mark.parametrize("layer", LAYERS)
def test_layer_does_not_import_wiring_or_unknown_modules(layer):
    _, other = problems(layer, layer_imports(layer))
    wiring = [imp for imp in other if _owner(imp.module) in WIRING]
    assert not wiring, f"glgan.{layer} imports wiring:\n" + "\n".join(map(str, wiring))
    assert not other, (
        f"glgan.{layer} imports glgan modules that are neither its own, shared ({SHARED}) "
        "nor another layer; classify them in this test:\n" + "\n".join(map(str, other))
    )


def test_known_violations_are_still_present():
    """Fixed cross-layer imports must leave KNOWN_VIOLATIONS, so the list only shrinks."""
    present = set()
    for layer in LAYERS:
        cross, _ = problems(layer, layer_imports(layer))
        present |= {(imp.file, imp.module) for imp in cross}
    stale = sorted(KNOWN_VIOLATIONS - present)
    assert not stale, f"remove from KNOWN_VIOLATIONS (no longer imported): {stale}"


@pytest.mark.parametrize("module", SHARED)
def test_shared_modules_import_only_shared_modules(module):
    path = PKG_DIR.parent / (module.replace(".", "/") + ".py")
    assert path.is_file(), path
    bad = [imp for imp in imports_in_file(path)
           if _owner(imp.module) is not None and _owner(imp.module) not in SHARED]
    assert not bad, f"{module} must stay neutral:\n" + "\n".join(map(str, bad))


def test_wiring_modules_exist():
    for module in WIRING:
        assert (PKG_DIR.parent / (module.replace(".", "/") + ".py")).is_file(), module


def test_every_top_level_module_is_classified():
    top = {f"glgan.{p.stem}" for p in PKG_DIR.glob("*.py")} - {"glgan.__init__", "glgan.__main__"}
    assert top <= set(SHARED) | set(WIRING), sorted(top - set(SHARED) - set(WIRING))


def test_scanner_sees_every_import_form():
    source = '''
import numpy as np
import glgan.render.view as view
from glgan import ui, frame
from glgan.capture.sinks import save_png
from .. import compute
from ..app import App
from . import colormaps
from .shaders import PROGRAM

def later():
    from glgan.compute import config
    import importlib
    return importlib.import_module("glgan.bench")

class Lazy:
    def method(self):
        from ...glgan import layers  # noqa
'''
    # pretend this is glgan/render/example.py (the last import climbs above glgan: error)
    with pytest.raises(AssertionError, match="beyond glgan"):
        imports_in_source(source, "glgan.render.example")
    source = source.rsplit("class Lazy", 1)[0]
    found = imports_in_source(source, "glgan.render.example")
    assert sorted(i.module for i in found if i.module.startswith("glgan")) == sorted([
        "glgan.render.view", "glgan.ui", "glgan.frame", "glgan.capture.sinks", "glgan.compute",
        "glgan.app", "glgan.render", "glgan.render.shaders", "glgan.compute", "glgan.bench",
    ])
    assert [i.line for i in found if i.module == "glgan.compute"] == [6, 12]
    cross, other = problems("render", found)
    assert sorted(i.module for i in cross) == [
        "glgan.capture.sinks", "glgan.compute", "glgan.compute", "glgan.ui"]
    assert sorted(i.module for i in other) == ["glgan.app", "glgan.bench"]
    # in a package's __init__, "." is the package itself
    init = imports_in_source("from .view import View\nfrom ..ui import x\n",
                             "glgan.render", is_package=True)
    assert [i.module for i in init] == ["glgan.render.view", "glgan.ui"]
