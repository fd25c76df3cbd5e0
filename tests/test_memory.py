"""Memory the kernel gets back: what the workbench keeps after the user drops a function."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).with_name("leak_jit_closures.py")


def run(which: str) -> tuple[int, float]:
    out = subprocess.run(
        [sys.executable, str(SCRIPT), which], capture_output=True, text=True, check=True
    ).stdout.split()
    return int(out[0]), float(out[1])


def test_wb_jit_keeps_no_function_alive_and_no_more_memory_than_jax_jit() -> None:
    """Issue 17: wb.jit kept every function it was given alive with its closure (20 of 20,
    +402 MB where jax.jit grew 56 MB): its wrapper cache held the wrapper, which calls the
    function, strongly."""
    alive, grown = run("wb")
    jax_alive, jax_grown = run("jax")
    assert alive == 0 and jax_alive == 0
    assert grown <= 1.25 * jax_grown + 16, (grown, jax_grown)  # 16 MB: one closure's array
