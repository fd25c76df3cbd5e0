"""Introspection cost: the graph model and memory report of a large gradient, against tracing.

The program is the gradient (``wb.gradient(wb.Reverse, ...)``) of a deep MLP written as a Python
loop over layers, about 20,000 equations in one jaxpr. Building the graph model and the memory
report from its jaxpr is timed against ``jax.make_jaxpr`` of the same function (a fresh function
object each time, so JAX's trace cache does not answer). Targets: a time ratio of at most 3 and
under 2 s on the machine that runs it.

    .venv/bin/python benchmarks/bench_introspect.py [--quick] [--results PATH]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from _report import (
    RATIO_HEADERS,
    Table,
    compare,
    format_time,
    ratio_row,
    run_main,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.models

import workbench as wb
from tests.models.zoo import build as build_model
from workbench._src.introspect import graph_from_jaxpr, memory_report

TITLE = "Introspection: graph model and memory report of a deep MLP's gradient"
TARGET_RATIO = 3.0
TARGET_SECONDS = 2.0
WIDTH = 8


def mlp(params: list[tuple[jax.Array, jax.Array]], x: jax.Array) -> jax.Array:
    h = x
    for w, b in params:
        h = jnp.tanh(w @ h + b)
    return jnp.sum(h)


def problem(layers: int) -> tuple[Any, tuple[Any, ...]]:
    rng = np.random.default_rng(0)
    params = [
        (
            jnp.asarray(rng.normal(size=(WIDTH, WIDTH)) / WIDTH, jnp.float32),
            jnp.zeros(WIDTH, jnp.float32),
        )
        for _ in range(layers)
    ]
    return params, jnp.ones(WIDTH, jnp.float32)


def trace(params: Any, x: Any) -> Any:
    # A fresh function each call: make_jaxpr caches traces per function object.
    return jax.make_jaxpr(lambda p, x: wb.gradient(wb.Reverse, mlp, p, wb.Const(x)))(params, x)


def build(jaxpr: Any) -> tuple[Any, Any]:
    return graph_from_jaxpr(jaxpr), memory_report(jaxpr)


def run(quick: bool = False) -> list[Table]:
    """Times both contenders; returns two tables. ``quick``: a small MLP, few repeats."""
    layers = 60 if quick else 2200
    repeats = 3 if quick else 7
    params, x = problem(layers)
    start = time.perf_counter()
    jaxpr = trace(params, x)
    first_trace = time.perf_counter() - start
    graph, report = build(jaxpr)

    cases = [
        (
            "graph + memory report of the traced gradient vs jax.make_jaxpr of it",
            compare(
                lambda: build(jaxpr),
                lambda: trace(params, x),
                labels=("graph_from_jaxpr + memory_report", "jax.make_jaxpr"),
                repeats=repeats,
                warmup=1,
                calls_per_repeat=1,
            ),
        ),
        (
            "end to end: make_jaxpr, then graph + memory report, vs make_jaxpr alone",
            compare(
                lambda: build(trace(params, x)),
                lambda: trace(params, x),
                labels=("make_jaxpr + graph + memory", "jax.make_jaxpr"),
                repeats=repeats,
                warmup=1,
                calls_per_repeat=1,
            ),
        ),
    ]
    ratios = Table(
        title=f"Graph model and memory report, {len(jaxpr.jaxpr.eqns):,} equations",
        headers=RATIO_HEADERS,
        rows=[_row(name, c) for name, c in cases],
        notes=[
            f"One call per repeat, {repeats} interleaved repeats after one warm-up call each "
            "(the first trace took " + format_time(first_trace) + "). The garbage collector is "
            "off while timing, for both contenders (the graph builder pauses it itself). Time "
            "ratios (below 1: ours faster): of the two medians; the median and interquartile "
            "range of the per-repeat ratios (each repeat times both back to back, so drifts in "
            "machine load cancel); and of the fastest repeats. Speed is reported, never asserted.",
        ],
    )
    build_median = cases[0][1].median_a
    sizes = Table(
        title="What was built",
        headers=(
            "MLP layers (width 8)",
            "equations",
            "graph nodes",
            "graph edges (forward / backward / residual)",
            "residuals",
            "residual bytes",
            "graph + memory report (median)",
            f"under {TARGET_SECONDS:.0f} s",
        ),
        rows=[
            (
                layers,
                f"{len(jaxpr.jaxpr.eqns):,}",
                f"{len(graph.nodes):,}",
                " / ".join(
                    f"{graph.count('edges').get(k, 0):,}"
                    for k in ("forward", "backward", "residual")
                ),
                f"{len(report.residuals):,}",
                f"{report.residual_bytes:,}",
                format_time(build_median),
                "yes" if build_median < TARGET_SECONDS else "no",
            )
        ],
    )
    return [ratios, sizes, _inspect_models(quick)]


INSPECT_TARGET = 1.1


def _inspect_models(quick: bool) -> Table:
    """``wb.inspect(loss, ..., mode=wb.Reverse)`` (its default: no runs) against raw JAX's
    ``jax.jit(jax.grad(loss)).lower(...).compile()``, on the zoo's MLP and GPT; a fresh function
    each call (cold caches), alternated, medians."""
    size = "small" if quick else "bench"
    repeats = 1 if quick else 3
    rows = []
    for name in ("mlp", "gpt_float32"):
        m = build_model(name, size)
        ours, theirs = [], []
        for _ in range(repeats):

            def loss(*a: Any, m: Any = m) -> Any:  # fresh: no cache answers
                return m.loss(*a)

            start = time.perf_counter()
            wb.inspect(loss, m.params, *(wb.Const(c) for c in m.constants), mode=wb.Reverse)
            ours.append(time.perf_counter() - start)

            def loss2(*a: Any, m: Any = m) -> Any:
                return m.loss(*a)

            start = time.perf_counter()
            jax.jit(jax.grad(loss2)).lower(m.params, *m.constants).compile()
            theirs.append(time.perf_counter() - start)
        a, b = float(np.median(ours)), float(np.median(theirs))
        rows.append(
            [
                f"{name} ({m.parameters:,} parameters)",
                format_time(a),
                format_time(b),
                f"**{a / b:.2f}**",
                f"<= {INSPECT_TARGET:g}",
                "yes" if a / b <= INSPECT_TARGET else "no",
            ]
        )
    return Table(
        title="wb.inspect of the gradient vs jax.jit(jax.grad(f)).lower(...).compile()",
        headers=("model", "wb.inspect (runs=0)", "lower + compile", "ratio", "target", "within"),
        rows=rows,
        notes=[
            f"Medians of {repeats} cold calls each (a fresh function per call), alternated. "
            "wb.inspect traces, lowers and compiles the same gradient program; its reports (graph, "
            "memory, cost, HLO) are made when first read (bench_models.py times reading them "
            "too); since runs=0 is its default it does not run it. "
            "Speed is reported, never asserted.",
        ],
    )


def _row(name: str, c: Any) -> list[str]:
    row = ratio_row(name, c, TARGET_RATIO)
    # Calls take seconds here: show calls/s with decimals rather than rounded to 0.
    row[3], row[4] = f"{1 / c.median_a:.2f}", f"{1 / c.median_b:.2f}"
    return row


def main(argv: list[str] | None = None) -> int:
    return run_main(__doc__, TITLE, run, argv)


if __name__ == "__main__":
    sys.exit(main())
