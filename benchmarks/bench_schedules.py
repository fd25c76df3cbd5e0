"""Checkpoint schedules: how long summarising a plan takes, whatever its size.

``wb.checkpoint_schedule(n, wb.Binomial(s))`` gives a plan's counts (evaluations, advances, peak
snapshots, number of actions) in closed form and makes its actions only when iterated. Issue 26:
``checkpoint_schedule(10**7, Binomial(1))`` and ``Binomial(2)`` never returned, and
``(10**4, Binomial(1))`` took time quadratic in n. Each row: the summary (the call and every
count) and the first 1,000 actions, median of a few runs; target: the summary of 10**7 steps in
under a second. ``wb.tradeoffs`` refusing to measure a plan of billions of evaluations is timed
too (it reads the plan's count before compiling anything).

    .venv/bin/python benchmarks/bench_schedules.py [--quick] [--results PATH]
"""

from __future__ import annotations

import itertools
import statistics
import sys
import time

import jax.numpy as jnp
from _report import Table, format_time, run_main

import workbench as wb

TITLE = "Checkpoint schedules: closed-form summaries"


def _median(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(quick: bool = False) -> list[Table]:
    repeats = 3 if quick else 7
    table = Table(
        "Schedules summarised without enumerating",
        [
            "steps",
            "scheme",
            "evaluations",
            "peak snapshots",
            "actions",
            "summary",
            "first 1,000 actions",
            "target",
            "within target",
        ],
    )
    sizes = [10**4, 10**7] if quick else [10**4, 10**6, 10**7, 10**9]
    for n, s in itertools.product(sizes, [1, 2, 10, 10**6]):
        scheme = wb.Binomial(s)

        def summary(n=n, scheme=scheme):
            plan = wb.checkpoint_schedule(n, scheme)
            return plan.evaluations, plan.snapshots, len(plan.actions), repr(plan)

        def first(n=n, scheme=scheme):
            return list(itertools.islice(wb.checkpoint_schedule(n, scheme).actions, 1000))

        evaluations, peak, actions, _ = summary()
        t_summary, t_first = _median(summary, repeats), _median(first, repeats)
        table.rows.append(
            [
                f"{n:,}",
                repr(scheme),
                f"{evaluations:,}",
                peak,
                f"{actions:,}",
                format_time(t_summary),
                format_time(t_first),
                "< 1 s" if n == 10**7 else "",
                ("yes" if t_summary < 1 else "no") if n == 10**7 else "",
            ]
        )
    table.notes.append(
        "Before (issue 26): (10**7, Binomial(1)) and (10**7, Binomial(2)) did not return; "
        "(10**4, Binomial(1)) was quadratic in n. Speed is reported, never asserted in tests."
    )
    refusal = Table("wb.tradeoffs refusing a huge measurement", ["call", "time to the refusal"])

    def refuse():
        try:
            wb.tradeoffs(lambda i, y: jnp.sin(y), jnp.zeros(4), 10**5, schemes=[wb.Binomial(1)])
        except wb.CheckpointingError:
            return
        raise AssertionError("not refused")

    refusal.rows.append(
        ["tradeoffs(sin, zeros(4), 10**5, [Binomial(1)])", format_time(_median(refuse, repeats))]
    )
    return [table, refusal]


def main(argv: list[str] | None = None) -> int:
    return run_main(__doc__, TITLE, run, argv)


if __name__ == "__main__":
    sys.exit(main())
