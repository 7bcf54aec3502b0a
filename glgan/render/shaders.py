"""ShaderLibrary: loads the single-file GLSL programs in ``shaders/`` and compiles them.

Owns the shader directory lookup (the one place it is resolved), ``#include`` expansion with a
line map back to the original files, compile-error messages naming file and line, and
``reload()`` that keeps the last good program when an edited shader fails to compile.
It holds no GL state beyond the programs it compiled for the context it was given.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

import moderngl

from glgan.errors import UserError

log = logging.getLogger(__name__)

# Stage macro -> moderngl.Context.program keyword. A file defines a stage by testing the macro.
STAGES = {
    "VERTEX_SHADER": "vertex_shader",
    "GEOMETRY_SHADER": "geometry_shader",
    "FRAGMENT_SHADER": "fragment_shader",
}
_INCLUDE = re.compile(r'^\s*#\s*include\s+[<"]?([^>"\s]+)[>"]?\s*$')
_VERSION = re.compile(r"^\s*#\s*version\b")
# "// varyings: a b": outputs a transform-feedback program captures (vertex stage only)
_VARYINGS = re.compile(r"^\s*//\s*varyings:\s*(.+?)\s*$", re.M)
# Driver log line numbers: Mesa "0:12(5): error", NVIDIA "0(12) : error", AMD "ERROR: 0:12: ..."
_LOG_LINE = re.compile(
    r"^(?:(\d+):(\d+)\(\d+\)\s*:"              # Mesa    0:12(5): error: ...
    r"|(\d+)\((\d+)\)\s*:"                      # NVIDIA  0(12) : error C0000: ...
    r"|(?:ERROR|WARNING):\s*(\d+):(\d+)\s*:)"     # others  ERROR: 0:12: ...
    r"\s*(.*)$"
)


MAX_SHADER_BYTES = 1 << 20


class ShaderError(UserError):
    """A program failed to load or compile. ``str(err)`` starts with ``file:line:``.

    Attributes:
        path: the ``.glsl`` file (include or main) the first error points into, if known.
        line: 1-based line in ``path``, if known.
        log: the driver's raw log.
    """

    def __init__(self, message: str, path: Path | None = None, line: int | None = None,
                 log: str = "") -> None:
        super().__init__(message)
        self.path = path
        self.line = line
        self.log = log


@dataclass
class _Source:
    """One stage's preprocessed source plus, for each of its lines, (file, line) of origin."""

    text: str
    origin: list[tuple[Path, int]]


class ShaderLibrary:
    """Compiles and caches ``shaders/<name>`` programs for one moderngl context.

    ``program(name, defines)`` compiles once and caches; ``reload()`` recompiles every cached
    program from disk and bumps ``generation`` when anything changed, so holders of vertex
    arrays know to rebuild them. Programs replaced by a reload are kept alive until
    ``release()`` so vertex arrays built on them never dangle.
    """

    def __init__(self, ctx: moderngl.Context, shader_dir: str | Path | None = None) -> None:
        self.ctx = ctx
        self.shader_dir = Path(shader_dir) if shader_dir is not None else self.default_dir()
        self.generation = 0
        self._programs: dict[tuple[str, tuple[tuple[str, str], ...]], moderngl.Program] = {}
        self._retired: list[moderngl.Program] = []

    @staticmethod
    def default_dir() -> Path:
        """``$GLGAN_SHADER_DIR`` if set; else ``glgan/shaders`` inside an installed package
        (the wheel carries the repository's ``shaders/`` there); else ``<repo root>/shaders``
        next to the package (a checkout or an editable install)."""
        env = os.environ.get("GLGAN_SHADER_DIR")
        if env:
            return Path(env)
        installed = Path(__file__).resolve().parents[1] / "shaders"
        if installed.is_dir():
            return installed
        return Path(__file__).resolve().parents[2] / "shaders"

    # ---- preprocessing ----
    def names(self) -> list[str]:
        """Every program file (``*.glsl`` at the top of the shader dir; includes live below)."""
        return sorted(p.name for p in self.shader_dir.glob("*.glsl"))

    def _read(self, path: Path) -> list[str]:
        if path.exists() and not path.is_file():  # a FIFO or device would block or never end
            raise ShaderError(f"{path}: not a regular file", path=path)
        try:
            if path.stat().st_size > MAX_SHADER_BYTES:
                raise ShaderError(f"{path}: larger than a shader can be "
                                  f"({MAX_SHADER_BYTES >> 10} KiB)", path=path)
            return path.read_text(encoding="utf-8").splitlines()
        except UnicodeDecodeError as e:
            raise ShaderError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})",
                              path=path) from None
        except OSError as e:
            raise ShaderError(f"{path}: cannot read shader: {e}", path=path) from None

    def _expand(self, path: Path, out: list[str], origin: list[tuple[Path, int]],
                seen: set[Path], stack: tuple[Path, ...]) -> None:
        """Append ``path``'s lines to ``out``, expanding ``#include`` (each file once)."""
        for lineno, line in enumerate(self._read(path), start=1):
            m = _INCLUDE.match(line)
            if m is None:
                out.append(line)
                origin.append((path, lineno))
                continue
            inc = (self.shader_dir / m.group(1)).resolve()
            if inc in stack:
                raise ShaderError(f"{path}:{lineno}: include cycle through {m.group(1)}",
                                  path=path, line=lineno)
            if not inc.is_file():
                raise ShaderError(f"{path}:{lineno}: include not found: {m.group(1)}",
                                  path=path, line=lineno)
            out.append(f"// begin {m.group(1)}")
            origin.append((path, lineno))
            if inc not in seen:
                seen.add(inc)
                self._expand(inc, out, origin, seen, stack + (inc,))

    def preprocess(self, name: str, stage: str,
                   defines: dict[str, object] | None = None) -> _Source:
        """Source of one stage (``"VERTEX_SHADER"`` ...) of ``shaders/<name>`` with includes
        expanded and ``#define <stage>`` plus ``defines`` inserted right after ``#version``."""
        path = (self.shader_dir / name).resolve()
        lines: list[str] = []
        origin: list[tuple[Path, int]] = []
        self._expand(path, lines, origin, {path}, (path,))
        vi = next((i for i, s in enumerate(lines) if s.strip()), 0)
        if not _VERSION.match(lines[vi] if lines else ""):
            raise ShaderError(f"{path}:1: first line must be #version", path=path, line=1)
        extra = [f"#define {stage}"] + [f"#define {k} {v}" for k, v in (defines or {}).items()]
        at = origin[vi]
        lines[vi + 1:vi + 1] = extra
        origin[vi + 1:vi + 1] = [at] * len(extra)
        return _Source("\n".join(lines) + "\n", origin)

    def stages(self, name: str) -> list[str]:
        """The stage macros that ``shaders/<name>`` (or its includes) tests for."""
        path = (self.shader_dir / name).resolve()
        lines: list[str] = []
        self._expand(path, lines, [], {path}, (path,))
        text = "\n".join(lines)
        return [s for s in STAGES if re.search(rf"\bdefined\s*\(?\s*{s}\b", text)]

    # ---- compiling ----
    def compile(self, name: str, defines: dict[str, object] | None = None) -> moderngl.Program:
        """Compile ``shaders/<name>`` now (no cache). Raises ShaderError naming file and line."""
        stages = self.stages(name)
        if "VERTEX_SHADER" not in stages:
            path = self.shader_dir / name
            raise ShaderError(f"{path}:1: no '#if defined VERTEX_SHADER' section", path=path,
                              line=1)
        sources = {s: self.preprocess(name, s, defines) for s in stages}
        varyings = _VARYINGS.search(sources["VERTEX_SHADER"].text)
        extra = {"varyings": varyings.group(1).split()} if varyings else {}
        try:
            return self.ctx.program(**{STAGES[s]: src.text for s, src in sources.items()},
                                    **extra)
        except moderngl.Error as e:
            raise self._map_error(name, str(e), sources) from None

    def _map_error(self, name: str, log_text: str, sources: dict[str, _Source]) -> ShaderError:
        """Rewrite the driver's log so each line number points into the right .glsl file."""
        by_kw = {STAGES[s]: src for s, src in sources.items()}
        stage_kw = None
        first: tuple[Path, int] | None = None
        out = []
        for raw in log_text.splitlines():
            if raw.strip() in by_kw:
                stage_kw = raw.strip()
                continue
            m = _LOG_LINE.match(raw.strip())
            src = by_kw.get(stage_kw) if stage_kw else None
            if m and src is not None:
                n = int(m.group(2) or m.group(4) or m.group(6))
                path, line = src.origin[min(max(n, 1), len(src.origin)) - 1]
                first = first or (path, line)
                out.append(f"{path}:{line}: [{stage_kw}] {m.group(7)}")
            elif raw.strip() == "GLSL Compiler failed":
                continue
            elif raw.strip() and not raw.startswith("===") and raw.strip() != "Program":
                out.append(f"{self.shader_dir / name}: {raw.strip()}")
        path, line = first if first else (self.shader_dir / name, None)
        return ShaderError("\n".join(out) or log_text, path=path, line=line, log=log_text)

    def program(self, name: str, defines: dict[str, object] | None = None) -> moderngl.Program:
        """The cached program for ``shaders/<name>`` with ``defines``, compiled on first use."""
        key = (name, tuple(sorted((k, str(v)) for k, v in (defines or {}).items())))
        prog = self._programs.get(key)
        if prog is None:
            prog = self.compile(name, defines)
            self._programs[key] = prog
        return prog

    def reload(self) -> list[ShaderError]:
        """Recompile every cached program from disk. A program that fails keeps its last good
        version; its error is logged and returned. Bumps ``generation`` if any changed."""
        errors: list[ShaderError] = []
        changed = False
        for key in list(self._programs):
            name, defs = key
            try:
                new = self.compile(name, dict(defs))
            except ShaderError as e:
                log.error("shader reload failed, keeping the last good program:\n%s", e)
                errors.append(e)
                continue
            self._retired.append(self._programs[key])
            self._programs[key] = new
            changed = True
        if changed:
            self.generation += 1
        return errors

    def release(self) -> None:
        """Release every program this library compiled (current and retired)."""
        for prog in list(self._programs.values()) + self._retired:
            prog.release()
        self._programs.clear()
        self._retired.clear()
