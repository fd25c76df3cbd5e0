"""``wb.tradeoffs``: memory against recomputation for each checkpointing scheme of one loop.

Theory comes from the plans (``schedules.py``): bytes kept = snapshots x carry bytes + the most
taped steps alive x one step's residual bytes; forward evaluations from the plan. Measurement
comes from compiling the loop's gradient for each scheme: XLA's temp bytes (on CPU the reported
peak counts only arguments and outputs, so temp is what the backward pass keeps) and the median
run time. This table is what the notebook's trade-off explorer draws.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from workbench._src.errors import describe, first_line, is_out_of_memory
from workbench._src.loops.api import fori_loop
from workbench._src.loops.carry import check_body, check_body_keeps_carry
from workbench._src.loops.schedules import checkpoint_schedule
from workbench._src.loops.schemes import Binomial, CheckpointingError, check_scheme

# The most step evaluations a measured gradient may cost: Binomial(1) over 10**5 steps would run
# about 5 * 10**9 of them (hours), which the plan says in microseconds.
MAX_MEASURED_EVALUATIONS = 10**7


@dataclasses.dataclass(frozen=True)
class TradeoffRow:
    """One scheme: its plan's costs (theory) and the compiled gradient's (measured)."""

    scheme: Any
    snapshots: int
    taped_steps: int
    evaluations: int
    theory_bytes: int
    measured_temp_bytes: int | None
    seconds: float | None
    # Why the measured gradient could not run (it ran out of memory), or None: the row keeps
    # its theory and its compiled temp bytes, and the other schemes are still measured.
    failure: str | None = None


@dataclasses.dataclass(frozen=True)
class Tradeoffs:
    """The table of ``wb.tradeoffs``; ``rows`` in the order the schemes were given."""

    steps: int
    carry_bytes: int
    step_residual_bytes: int
    rows: tuple[TradeoffRow, ...]

    def __repr__(self) -> str:
        head = (
            f"Tradeoffs: {self.steps} steps; snapshot (carry) {self.carry_bytes:,} B; "
            f"one taped step keeps {self.step_residual_bytes:,} B"
        )
        cols = [
            "scheme",
            "snapshots",
            "taped",
            "evaluations",
            "theory bytes",
            "measured temp",
            "time",
        ]
        body = [
            [
                repr(r.scheme),
                str(r.snapshots),
                str(r.taped_steps),
                f"{r.evaluations:,}",
                f"{r.theory_bytes:,}",
                "-" if r.measured_temp_bytes is None else f"{r.measured_temp_bytes:,}",
                r.failure or ("-" if r.seconds is None else f"{r.seconds * 1e3:.3f} ms"),
            ]
            for r in self.rows
        ]
        widths = [max(len(c), *(len(row[i]) for row in body)) for i, c in enumerate(cols)]
        lines = [head, "  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True))]
        lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in body]
        return "\n".join(lines)


def default_schemes(n: int) -> list[Any]:
    """Store-all, periodic sqrt(N), and binomial with 2, 4, ... snapshots up to about sqrt(N)."""
    schemes: list[Any] = [False, True]
    s = 2
    while s <= max(2, math.isqrt(n)):
        schemes.append(Binomial(s))
        s *= 2
    return schemes


def tradeoffs(
    body: Callable[[Any, Any], Any],
    init: Any,
    steps: int,
    *,
    schemes: Sequence[Any] | None = None,
    measure: bool = True,
    runs: int = 5,
    on_progress: Callable[[int, int, Any], None] | None = None,
    max_evaluations: int = MAX_MEASURED_EVALUATIONS,
) -> Tradeoffs:
    """Memory against recomputation of ``wb.fori_loop(0, steps, body, init, checkpointing=...)``.

    Args:
      body, init, steps: the loop, as for ``wb.fori_loop(0, steps, body, init)``.
      schemes: the ``checkpointing`` values to compare (default: store-all, ``True`` and
        ``Binomial(2, 4, ...)``).
      measure: compile and time each gradient (seconds each); ``False`` gives the theory only.
      max_evaluations: the most step evaluations one measured gradient may cost (its plan
        says how many before anything is compiled); a scheme beyond it is refused, saying
        about how many it would run, instead of running for hours.
      runs: timed runs per scheme (the median is reported).
      on_progress: called as ``on_progress(done, total, scheme)`` after each scheme (a progress
        bar while they compile).

    >>> import jax.numpy as jnp, workbench as wb
    >>> t = wb.tradeoffs(lambda i, y: jnp.sin(y), jnp.zeros(100), 64, measure=False)
    >>> [(r.snapshots, r.evaluations) for r in t.rows]
    [(0, 64), (8, 128), (2, 484), (4, 264), (8, 201)]
    """
    check_body(body, "tradeoffs")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise CheckpointingError(
            f"tradeoffs needs a positive int trip count, got {describe(steps)}."
        )
    chosen = [check_scheme(s) for s in (schemes if schemes is not None else default_schemes(steps))]
    # also when not measured; the index abstract (jnp.asarray(0) would be a transfer)
    index = jax.ShapeDtypeStruct((), jnp.result_type(int), weak_type=True)
    check_body_keeps_carry(body, index, init, "wb.tradeoffs")
    carry_bytes = _nbytes(init)
    residual_bytes = _step_residual_bytes(body, init)
    plans = [checkpoint_schedule(steps, s, snapshot_bytes=carry_bytes) for s in chosen]
    if measure:
        _check_affordable(steps, plans, max_evaluations)
    rows = []
    for k, scheme in enumerate(chosen):
        plan = plans[k]
        temp, seconds, failure = (
            _measure(body, init, steps, scheme, runs) if measure else (None, None, None)
        )
        rows.append(
            TradeoffRow(
                scheme=scheme,
                snapshots=plan.snapshots,
                taped_steps=plan.taped_steps,
                evaluations=plan.evaluations,
                theory_bytes=plan.snapshots * carry_bytes + plan.taped_steps * residual_bytes,
                measured_temp_bytes=temp,
                seconds=seconds,
                failure=failure,
            )
        )
        if on_progress is not None:
            on_progress(k + 1, len(chosen), scheme)
    return Tradeoffs(steps, carry_bytes, residual_bytes, tuple(rows))


def _check_affordable(steps: int, plans: Sequence[Any], limit: int) -> None:
    costly = [p for p in plans if p.evaluations > limit]
    if not costly:
        return
    worst = max(costly, key=lambda p: p.evaluations)
    raise CheckpointingError(
        f"wb.tradeoffs: measuring checkpointing={worst.scheme!r} over {steps:,} steps would run "
        f"about {worst.evaluations:,} step evaluations per gradient (Revolve's count for its "
        f"plan), more than a measured gradient may cost (max_evaluations={limit:,}). Pass "
        "measure=False for the theory alone (instant), leave that scheme out (schemes=[...], "
        "e.g. more snapshots), measure fewer steps, or raise max_evaluations=... if you mean "
        "to wait."
    )


def _nbytes(tree: Any) -> int:
    return sum(
        int(np.prod(np.shape(v))) * jnp.result_type(v).itemsize
        for v in jax.tree_util.tree_leaves(tree)
    )


def _step_residual_bytes(body: Callable[[Any, Any], Any], init: Any) -> int:
    """Bytes one taped step keeps: the residuals in the pullback of one step (abstractly)."""
    pullback = jax.eval_shape(lambda c: jax.vjp(lambda c: body(jnp.asarray(0), c), c)[1], init)
    return sum(
        int(np.prod(v.shape)) * np.dtype(v.dtype).itemsize
        for v in jax.tree_util.tree_leaves(pullback)
    )


def _measure(
    body: Callable[[Any, Any], Any], init: Any, steps: int, scheme: Any, runs: int
) -> tuple[int, float | None, str | None]:
    """The compiled gradient's temp bytes and median run time; a gradient that runs out of
    memory (store-all over a long loop, typically) gives its temp bytes, no time and why."""

    def loss(c: Any) -> Any:
        out = fori_loop(0, steps, body, c, checkpointing=scheme)
        return sum(
            jnp.sum(v)
            for v in jax.tree_util.tree_leaves(out)
            if jnp.issubdtype(v.dtype, jnp.inexact)
        )

    compiled = jax.jit(jax.grad(loss)).lower(init).compile()
    memory = compiled.memory_analysis()
    temp = int(memory.temp_size_in_bytes) if memory is not None else -1
    try:
        jax.block_until_ready(compiled(init))
    except jax.errors.JaxRuntimeError as e:
        if not is_out_of_memory(e):
            raise
        return temp, None, f"out of memory ({first_line(e)})"
    times = []
    for _ in range(max(1, runs)):
        start = time.perf_counter()
        jax.block_until_ready(compiled(init))
        times.append(time.perf_counter() - start)
    return temp, statistics.median(times), None
