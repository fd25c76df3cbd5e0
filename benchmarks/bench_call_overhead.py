"""Call overhead: ``wb.jit`` against ``jax.jit``, and ``wb.compile`` against JAX's AOT object.

The function is tiny (``x * 2 + 1`` on three float32 numbers), so the time per call is the
dispatch cost of the wrapper, not the computation. Target: a time ratio of at most 1.05.

    .venv/bin/python benchmarks/bench_call_overhead.py [--quick] [--results PATH]
"""

from __future__ import annotations

import functools
import sys

import jax
import jax.numpy as jnp
import numpy as np
from _report import (
    RATIO_HEADERS,
    RATIO_NOTE,
    Table,
    compare,
    ratio_row,
    run_main,
)

import workbench as wb

TITLE = "Call overhead: wb.jit and wb.compile against raw JAX"
TARGET = 1.05


def tiny(x: jax.Array) -> jax.Array:
    return x * 2 + 1


def run(quick: bool = False) -> list[Table]:
    """Measures both pairs; returns one table. ``quick``: fewer, shorter repeats."""
    repeats = 7 if quick else 301
    batch_seconds = 0.002 if quick else 0.003
    x = jnp.asarray(np.array([1.0, 2.0, 3.0], np.float32))

    ours_jit = wb.jit(tiny)
    raw_jit = jax.jit(tiny)
    raw_jit_copy = jax.jit(tiny)
    ours_aot = wb.compile(tiny, x)
    raw_aot = jax.jit(tiny).lower(x).compile()
    expected = np.asarray(raw_jit(x))
    for fn in (ours_jit, ours_aot, raw_aot):
        np.testing.assert_array_equal(np.asarray(fn(x)), expected)

    def case(name: str, ours, raw, labels: tuple[str, str]):
        timed = compare(
            functools.partial(ours, x),
            functools.partial(raw, x),
            labels=labels,
            repeats=repeats,
            batch_seconds=batch_seconds,
        )
        return name, timed

    cases = [
        case("wb.jit(f)(x) vs jax.jit(f)(x)", ours_jit, raw_jit, ("wb.jit", "jax.jit")),
        case(
            "wb.compile(f, x)(x) vs jax.jit(f).lower(x).compile()(x)",
            ours_aot,
            raw_aot,
            ("wb.compile", "jax AOT Compiled"),
        ),
        case(
            "control: jax.jit(f)(x) vs a second jax.jit(f)(x)",
            raw_jit_copy,
            raw_jit,
            ("jax.jit", "jax.jit"),
        ),
    ]
    table = Table(
        title="Call overhead of a tiny function (x * 2 + 1, float32[3])",
        headers=RATIO_HEADERS,
        rows=[
            ratio_row(name, c, None if name.startswith("control") else TARGET) for name, c in cases
        ],
        notes=[
            f"Both contenders warmed up (compilation excluded), then timed over {repeats} "
            "interleaved repeats in alternating order, blocking on every output; medians of "
            "the per-call times. Calls per repeat: "
            + ", ".join(f"{c.calls_per_repeat}" for _, c in cases)
            + ". "
            + RATIO_NOTE,
        ],
    )
    return [table]


def main(argv: list[str] | None = None) -> int:
    return run_main(__doc__, TITLE, run, argv)


if __name__ == "__main__":
    sys.exit(main())
