"""The kernels' resource gate: compile with nvcc for sm_90 and read ptxas' resource report.

Owns the check that every kernel fits the hardware it is written for, without a GPU: no
register spills, registers x threads per block within the 65,536-register file, static shared
memory within 48 KiB. ``resources()`` returns ptxas' numbers per kernel; ``problems()`` says
what is wrong with them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from .emu import EmulatorError, source

REGISTER_FILE = 65536
STATIC_SMEM_LIMIT = 48 * 1024


def nvcc_available() -> bool:
    return shutil.which("nvcc") is not None


def resources(names: list[str], arch: str = "sm_90") -> dict[str, dict[str, int]]:
    """{kernel: {regs, smem, stack, spill_st, spill_ld}} from ``nvcc -cubin --resource-usage``."""
    if not nvcc_available():
        raise EmulatorError("nvcc is not installed: the resource gate cannot run")
    with tempfile.TemporaryDirectory() as tmp:
        unit = Path(tmp) / "kernels.cu"
        unit.write_text(source(names))
        done = subprocess.run(["nvcc", "-cubin", f"-arch={arch}", "--resource-usage",
                               "-o", str(Path(tmp) / "k.cubin"), str(unit)],
                              capture_output=True, text=True)
    if done.returncode:
        raise EmulatorError(f"nvcc could not compile {', '.join(names)}:\n{done.stderr[-4000:]}")
    out: dict[str, dict[str, int]] = {}
    current = None
    for line in done.stderr.splitlines():
        if m := re.search(r"Compiling entry function '(\w+)'", line):
            current = out.setdefault(m[1], {})
        elif current is not None and (m := re.search(
                r"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads",
                line)):
            current.update(stack=int(m[1]), spill_st=int(m[2]), spill_ld=int(m[3]))
        elif current is not None and (m := re.search(r"Used (\d+) registers", line)):
            smem = re.search(r"(\d+) bytes smem", line)
            current.update(regs=int(m[1]), smem=int(smem[1]) if smem else 0)
    return out


def problems(usage: dict[str, int], threads: int) -> list[str]:
    """What is wrong with one kernel's ``usage`` when launched with ``threads`` per block."""
    found = []
    if usage.get("spill_st", 0) or usage.get("spill_ld", 0):
        found.append(f"register spills ({usage['spill_st']} B stored, {usage['spill_ld']} B "
                     "loaded)")
    if usage.get("regs", 0) * threads > REGISTER_FILE:
        found.append(f"{usage['regs']} registers x {threads} threads > {REGISTER_FILE}")
    if usage.get("smem", 0) > STATIC_SMEM_LIMIT:
        found.append(f"{usage['smem']} B static shared memory > {STATIC_SMEM_LIMIT}")
    return found
