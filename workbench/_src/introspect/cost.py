"""Cost and timing: XLA's cost analysis of the compiled program, and how long each stage took.

XLA's ``cost_analysis()`` counts the body of a loop once, not once per step (a 10,000-step scan
of a 4-flop body reports about 4 flops per step's worth, once). ``Cost.notes`` names the loops of
the program, with their lengths, so the numbers are read correctly.
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from collections.abc import Callable
from typing import Any

from workbench._src.introspect import text
from workbench._src.introspect.structure import loop_kinds


@dataclasses.dataclass(frozen=True)
class Cost:
    """XLA's cost analysis of a compiled program.

    Attributes:
      flops, transcendentals, bytes_accessed: XLA's totals (``None`` where the backend gives none).
      raw: every entry of ``cost_analysis()``, sorted by key.
      loops: ids of the graph's loop regions, whose bodies XLA counted once.
      notes: how to read the numbers (loop bodies counted once).
    """

    flops: float | None
    transcendentals: float | None
    bytes_accessed: float | None
    raw: tuple[tuple[str, float], ...] = ()
    loops: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return render_cost(self)


@dataclasses.dataclass(frozen=True)
class Timing:
    """Seconds spent tracing, lowering, compiling, and running the compiled program.

    Attributes:
      trace_s, lower_s, compile_s: wall time of each stage.
      run_median_s: median wall time of one run (waiting for the outputs), ``None`` if not run.
      runs: number of timed runs (after one untimed warm-up run).
      run_times_s: each timed run.
    """

    trace_s: float
    lower_s: float
    compile_s: float
    run_median_s: float | None = None
    runs: int = 0
    run_times_s: tuple[float, ...] = ()

    def __repr__(self) -> str:
        return render_timing(self)


def cost_report(compiled: Any, graph: Any = None) -> Cost:
    """XLA's cost analysis of ``compiled``, with a note for each loop of ``graph``.

    Args:
      compiled: a compiled program (``jax.jit(f).lower(*args).compile()``).
      graph: optionally the program's ``Graph``, to name the loops XLA counted once.

    Returns:
      A ``Cost``.

    >>> import jax, jax.numpy as jnp
    >>> from workbench.introspect import cost_report
    >>> cost_report(jax.jit(jnp.sin).lower(jnp.ones(4)).compile()).transcendentals
    4.0
    """
    try:
        analysis = compiled.cost_analysis()
    except Exception:  # some backends do not implement it
        analysis = None
    if isinstance(analysis, list | tuple):  # older JAX: one dict per device program
        analysis = analysis[0] if analysis else None
    raw = {str(k): float(v) for k, v in (analysis or {}).items()}
    loops: list[str] = []
    notes: list[str] = []
    if graph is not None:
        kinds = loop_kinds()
        for r in graph.regions:
            if r.kind in kinds:
                loops.append(r.id)
        if loops:
            described = []
            for rid in loops[:5]:
                r = graph.region(rid)
                length = dict(r.params).get("length")
                described.append(f"{r.kind} [{rid}]" + (f" of length {length}" if length else ""))
            more = f" and {len(loops) - 5} more" if len(loops) > 5 else ""
            notes.append(
                "XLA counts each loop body once, not once per step: "
                + ", ".join(described)
                + more
                + ". Multiply a body's cost by its trip count for the true total."
            )
    if analysis is None:
        notes.append("This backend gives no cost analysis.")
    return Cost(
        flops=raw.get("flops"),
        transcendentals=raw.get("transcendentals"),
        bytes_accessed=raw.get("bytes accessed"),
        raw=tuple(sorted(raw.items())),
        loops=tuple(loops),
        notes=tuple(notes),
    )


def time_runs(call: Callable[[], Any], runs: int) -> tuple[float | None, tuple[float, ...]]:
    """Median and all wall times of ``runs`` calls of ``call`` (after one warm-up), waiting for
    the outputs each time."""
    import jax

    if runs <= 0:
        return None, ()
    jax.block_until_ready(call())
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        jax.block_until_ready(call())
        times.append(time.perf_counter() - start)
    return statistics.median(times), tuple(times)


# --------------------------------------------------------------------------------------------
# Text (a report renders itself; introspect/text.py has the shared formatting)


def render_cost(c: Cost) -> str:
    def num(x: float | None) -> str:
        return "n/a" if x is None else f"{x:,.0f}"

    lines = [
        f"Cost (XLA): {num(c.flops)} flops, {num(c.transcendentals)} transcendentals, "
        f"{text.format_bytes(c.bytes_accessed)} accessed"
    ]
    lines += [f"  note: {note}" for note in c.notes]
    return "\n".join(lines)


def render_timing(t: Timing) -> str:
    run = (
        f"run {text.format_seconds(t.run_median_s)} (median of {t.runs})"
        if t.run_median_s is not None
        else "not run"
    )
    return (
        f"Timing: trace {text.format_seconds(t.trace_s)}, lower {text.format_seconds(t.lower_s)}, "
        f"compile {text.format_seconds(t.compile_s)}, {run}"
    )
