"""``wb.explain_nans`` against compiling and running the gradient once, beside ``checkify``.

Issue 16's target: on a 10,000-step loop and on a 20-layer MLP gradient, ``explain_nans`` costs
at most 5x compiling and running the gradient once. ``jax.experimental.checkify`` with
``nan_checks`` (compiled and run on the same gradient) is timed beside it. Every contender is a
fresh function per run, so no cache answers it; the three are timed back to back, in turn.

The loop multiplies a float32 vector by 1.01 per step, from 1: it overflows near step 8,900,
so ``explain_nans`` finds the origin (two instrumented runs: search, then capture) and tries a
remedy. The MLP is finite: one instrumented run, "none found".

    .venv/bin/python benchmarks/bench_nans.py [--quick] [--results PATH]
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from _report import Table, format_time, run_main
from jax.experimental import checkify

import workbench as wb

TITLE = "explain_nans against compiling and running the gradient"
TARGET = 5.0
WIDTH = 64


def loop_problem(steps: int) -> tuple[Callable[..., Any], tuple[Any, ...]]:
    def grows(x: Any) -> Any:
        return jnp.sum(wb.fori_loop(0, steps, lambda k, c: c * 1.01, x))

    return grows, (jnp.ones(8, jnp.float32),)


def mlp_problem(layers: int) -> tuple[Callable[..., Any], tuple[Any, ...]]:
    rng = np.random.default_rng(0)
    params = [
        (
            jnp.asarray(rng.normal(size=(WIDTH, WIDTH)) / np.sqrt(WIDTH), jnp.float32),
            jnp.zeros(WIDTH, jnp.float32),
        )
        for _ in range(layers)
    ]

    def mlp(params: Any, x: Any) -> Any:
        h = x
        for w, b in params:
            h = jnp.tanh(w @ h + b)
        return jnp.sum(h**2)

    return mlp, (params, wb.Const(jnp.ones(WIDTH, jnp.float32)))


def _time(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    jax.block_until_ready(out) if not isinstance(out, wb.NanReport) else None
    return time.perf_counter() - start, out


def _contenders(f: Callable[..., Any], args: tuple[Any, ...]) -> dict[str, Callable[[], Any]]:
    def gradient_once() -> Any:
        def grad(*a: Any) -> Any:  # fresh: no cache answers
            return wb.gradient(wb.Reverse, f, *a)

        return jax.jit(grad)(*args)

    def checkified() -> Any:
        def grad(*a: Any) -> Any:
            return wb.gradient(wb.Reverse, f, *a)

        err, out = jax.jit(checkify.checkify(grad, errors=checkify.nan_checks))(*args)
        err.get()  # what a user reads: the first NaN's primitive and line, or None
        return out

    def explained() -> Any:
        def g(*a: Any) -> Any:  # fresh: no cache answers
            return f(*a)

        return wb.explain_nans(g, *args, mode=wb.Reverse)

    return {"gradient": gradient_once, "checkify": checkified, "explain": explained}


def run(quick: bool = False) -> list[Table]:
    steps = 1000 if quick else 10_000
    layers = 5 if quick else 20
    repeats = 1 if quick else 3
    rows = []
    notes = []
    for name, (f, args) in [
        (f"{steps:,}-step wb.fori_loop (overflows)", loop_problem(steps)),
        (f"{layers}-layer MLP, width {WIDTH} (finite)", mlp_problem(layers)),
    ]:
        times: dict[str, list[float]] = {"gradient": [], "checkify": [], "explain": []}
        report = None
        for _ in range(repeats):
            for key, fn in _contenders(f, args).items():
                t, out = _time(fn)
                times[key].append(t)
                if key == "explain":
                    report = out
        med = {k: statistics.median(v) for k, v in times.items()}
        ratio = med["explain"] / med["gradient"]
        assert report is not None
        found = (
            f"{report.origin.primitive}, {report.origin.phase}, iteration {report.origin.iteration}"
            if report.found and report.origin is not None
            else "none found"
        )
        rows.append(
            [
                name,
                format_time(med["gradient"]),
                format_time(med["explain"]),
                f"**{ratio:.2f}**",
                f"<= {TARGET:g}",
                "yes" if ratio <= TARGET else "no",
                format_time(med["checkify"]),
                f"{med['checkify'] / med['gradient']:.2f}",
                found,
            ]
        )
        notes.append(
            f"{name}: all runs gradient "
            + ", ".join(f"{t:.2f}" for t in times["gradient"])
            + " s; explain_nans "
            + ", ".join(f"{t:.2f}" for t in times["explain"])
            + " s; checkify "
            + ", ".join(f"{t:.2f}" for t in times["checkify"])
            + " s."
        )
    table = Table(
        title="explain_nans vs compiling and running the gradient once (mode=wb.Reverse)",
        headers=(
            "program",
            "gradient: jit, compile, run",
            "explain_nans",
            "ratio",
            "target",
            "within target",
            "checkify nan_checks: jit, compile, run",
            "ratio (checkify)",
            "explain_nans found",
        ),
        rows=rows,
        notes=[
            f"Medians of {repeats} runs, each contender a fresh function (trace, compile, run), "
            "timed back to back in turn. explain_nans includes tracing the gradient's jaxpr, "
            "compiling and running the instrumented program (once more when something is "
            "found outside a loop, to capture the origin's operands; a loop body's are "
            "captured by the search itself) and trying a remedy. checkify names "
            "a primitive and line only (no pass, iteration, cause or remedy). Speed is "
            "reported, never asserted.",
            *notes,
        ],
    )
    return [table]


def main(argv: list[str] | None = None) -> int:
    return run_main(__doc__, TITLE, run, argv)


if __name__ == "__main__":
    sys.exit(main())
