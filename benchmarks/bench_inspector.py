"""The inspector widget of a large program, against inspecting it.

``%%reactant`` shows its result in an inspector (``Inspector.of``): the views' texts, the graph
model and the links from IR lines to graph nodes. Building it must stay small beside what
``wb.inspect`` itself costs (tracing, lowering and XLA's compile). Issue 17 measured, on a
gradient of about 20,000 equations, ``Inspector.of`` taking as long as all of ``wb.inspect``
(10.7 s against 9.6 s): linking each optimized-HLO line scanned every graph node of its
primitive. Target: ``Inspector.of`` at most 10% of ``wb.inspect`` (``runs=0``: no timed runs).

    .venv/bin/python benchmarks/bench_inspector.py [--quick] [--results PATH]
"""

from __future__ import annotations

import sys
import time
from typing import Any

import bench_introspect
from _report import Table, format_time, run_main
from bench_introspect import WIDTH, problem  # the same deep MLP's gradient

import workbench as wb
from workbench._src.notebook.inspector import Inspector
from workbench._src.notebook.magic import DEFAULT_VIEWS
from workbench._src.notebook.views import build_views

TITLE = "Inspector of a large program, against wb.inspect"
TARGET_FRACTION = 0.10


def run(quick: bool = False) -> list[Table]:
    layers = 40 if quick else 2200
    repeats = 1 if quick else 3
    params, x = problem(layers)
    rows, fractions = [], []
    for _ in range(repeats):
        # A fresh function each time, so that JAX's caches answer neither contender.
        def grad(p: Any, x: Any) -> Any:
            return wb.gradient(wb.Reverse, bench_introspect.mlp, p, wb.Const(x))

        start = time.perf_counter()
        ins = wb.inspect(grad, params, x, runs=0)
        inspect_s = time.perf_counter() - start
        value = ins.compiled(params, x)
        start = time.perf_counter()
        views = build_views(list(DEFAULT_VIEWS), value, ins)
        widget = Inspector.of("grad", views, ins)
        inspector_s = time.perf_counter() - start
        links = sum(len(v) for v in widget.links.values()) if widget.links else 0
        widget.close()
        fractions.append(inspector_s / inspect_s)
        rows.append(
            [
                f"{len(ins.closed_jaxpr.jaxpr.eqns):,}",
                f"{len(ins.hlo.text.splitlines()):,}",
                f"{links:,}",
                format_time(inspect_s),
                format_time(inspector_s),
                f"{inspector_s / inspect_s:.3f}",
            ]
        )
    worst = max(fractions)
    table = Table(
        title=f"Inspector.of vs wb.inspect, gradient of a {layers}-layer MLP (width {WIDTH})",
        headers=(
            "jaxpr equations",
            "optimized HLO lines",
            "IR lines linked to the graph",
            "wb.inspect (trace, lower, compile)",
            "build_views + Inspector.of",
            "fraction",
        ),
        rows=rows,
        notes=[
            f"{repeats} runs, each on a fresh function (no cache answers). Inspector.of builds "
            "the views' texts, the graph model and the IR-to-graph links (jaxpr and optimized "
            f"HLO, up to the {2000} lines a view shows). Target: at most "
            f"{TARGET_FRACTION:.0%} of wb.inspect; worst run {worst:.3f} "
            f"({'met' if worst <= TARGET_FRACTION else 'missed'}). Speed is reported, never "
            "asserted.",
        ],
    )
    return [table]


def main(argv: list[str] | None = None) -> int:
    return run_main(__doc__, TITLE, run, argv)


if __name__ == "__main__":
    sys.exit(main())
