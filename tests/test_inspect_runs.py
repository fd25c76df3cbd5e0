"""``wb.inspect`` compiles and reports; it runs the program only when asked (issue 25 item 2:
it ran it five times by default, for a timing nobody had asked for)."""

from __future__ import annotations

import jax
import jax.numpy as jnp

import workbench as wb


def counting():
    calls = []

    def f(x):
        jax.debug.callback(lambda: calls.append(1))
        return jnp.sum(jnp.sin(x))

    return f, calls


def test_inspect_does_not_run_the_program_by_default_and_says_so():
    f, calls = counting()
    report = wb.inspect(f, jnp.ones(3, jnp.float32))
    assert calls == []
    assert report.timing.runs == 0 and report.timing.run_median_s is None
    assert "not run" in repr(report.timing)
    gradient = wb.inspect(f, jnp.ones(3, jnp.float32), mode=wb.Reverse)
    assert calls == [] and gradient.timing.runs == 0


def test_inspect_runs_and_times_on_request():
    f, calls = counting()
    report = wb.inspect(f, jnp.ones(3, jnp.float32), runs=3)
    assert len(calls) == 4  # one warm-up, three timed
    assert report.timing.runs == 3 and report.timing.run_median_s is not None
    assert "(median of 3)" in repr(report.timing)
