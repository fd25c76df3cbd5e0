"""What a checkpointed loop keeps is bounded by the loop, not only by the scheme; schedules of
any size are summarised in closed form; trip counts beyond the step counter are refused.

Oracles: compiled temp bytes of the same loop with as many snapshots as steps; Revolve's counts
computed here from their definition (a brute-force search for r and binomials); plain
``lax.scan`` gradients.
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

import workbench as wb
from tests.tolerances import FLOAT, tol
from workbench._src.loops.schedules import Advance, Snapshot, Tape, binomial_actions

STEPS = 5


def step(i: Any, c: Any) -> Any:
    a, b, k = c
    return jnp.sin(a) * b, b * 1.1 + 0.01 * a, k + 1


def carry(x: Any) -> Any:
    return (x, x * 2.0, jnp.zeros(2, x.dtype))  # 3 x 2 floats: 24 bytes in float32


def fori(scheme: Any) -> Any:
    return lambda x: jnp.sum(wb.fori_loop(0, STEPS, step, carry(x), checkpointing=scheme)[0])


def while_(scheme: Any) -> Any:
    def f(x: Any) -> Any:
        out = wb.while_loop(
            lambda c: c[2][0] < 100.0,
            lambda c: step(0, c),
            carry(x),
            checkpointing=scheme,
            max_steps=STEPS,
        )
        return jnp.sum(out[0])

    return f


def traced(scheme: Any) -> Any:
    def f(x: Any, n: Any) -> Any:
        out = wb.fori_loop(0, n, step, carry(x), checkpointing=scheme, max_steps=STEPS)
        return jnp.sum(out[0])

    return f


def oracle(x: Any) -> Any:
    return jnp.sum(lax.scan(lambda c, i: (step(i, c), None), carry(x), jnp.arange(STEPS))[0][0])


def temp_bytes(f: Any, *args: Any) -> int:
    compiled = jax.jit(jax.grad(f)).lower(*args).compile()
    return compiled.memory_analysis().temp_size_in_bytes


HUGE = [wb.Binomial(10**9), wb.Binomial(10**6), wb.MemoryBudget(10**15)]


@pytest.mark.parametrize("huge", HUGE, ids=repr)
@pytest.mark.parametrize("kind", ["fori", "while", "traced bounds with max_steps"])
def test_a_loop_keeps_no_more_snapshots_than_steps(kind: str, huge: Any) -> None:
    """Issue 26: a 5-step loop with Binomial(10**6) kept 56 MB of temp (Binomial(5): 1,840 B),
    and Binomial(10**9) died with RESOURCE_EXHAUSTED."""
    x = jnp.ones(2, jnp.float32)
    if kind == "traced bounds with max_steps":
        args: tuple[Any, ...] = (x, jnp.int32(STEPS))
        make: Any = traced
    else:
        args, make = (x,), {"fori": fori, "while": while_}[kind]
    assert temp_bytes(make(huge), *args) == temp_bytes(make(wb.Binomial(STEPS)), *args)
    xf = jnp.ones(2, FLOAT)
    got = jax.grad(make(huge))(xf, *args[1:])
    np.testing.assert_allclose(got, jax.grad(oracle)(xf), *tol(FLOAT))


# --- schedules in closed form -----------------------------------------------------------------


def revolve_counts(n: int, s: int) -> tuple[int, int]:
    """(advances, peak snapshots) of Revolve from the definitions (Griewank & Walther 2000):
    r the least with C(s + r, s) >= n, advances r n - C(s + 1 + r - 1, s + 1)."""
    if n <= 1:
        return 0, n
    r = 0
    while math.comb(s + r, s) < n:
        r += 1
    return r * n - math.comb(s + r, s + 1), min(s, n - 1)


@pytest.mark.parametrize("s", [1, 2, 3, 7, 10**6])
def test_ten_million_step_schedules_are_summarised_without_enumerating(s: int) -> None:
    """Issue 26: checkpoint_schedule(10**7, Binomial(1)) and Binomial(2) never returned. Their
    counts are closed forms; the actions are made only when looked at."""
    n = 10**7
    plan = wb.checkpoint_schedule(n, wb.Binomial(s))
    if s <= 2:  # r = n - 1 or about sqrt(2n): the definition's search is affordable
        advances, peak = revolve_counts(n, s)
        assert (plan.advances, plan.snapshots) == (advances, peak)
    if s == 1:
        assert plan.evaluations == n * (n - 1) // 2 + n  # restore, advance to the end, ...
        assert len(plan.actions) == 4 * n - 1
    assert plan.taped == n and plan.taped_steps == 1
    first = plan.actions[:3]
    assert first[0] == Snapshot(0, 0) and isinstance(first[1], Advance)
    assert "evaluations" in repr(plan)


def test_closed_form_counts_equal_the_enumerated_plan() -> None:
    for n in [*range(0, 70), 500, 1237]:
        for s in [*range(1, 25), 64, 10**6]:
            plan = wb.checkpoint_schedule(n, wb.Binomial(s))
            actions = list(binomial_actions(n, s)) if n else []
            advances = sum(a.stop - a.start for a in actions if isinstance(a, Advance))
            slots = len({a.slot for a in actions if isinstance(a, Snapshot)})
            taped = sum(a.stop - a.start for a in actions if isinstance(a, Tape))
            got = (len(plan.actions), plan.advances, plan.snapshots, plan.taped)
            assert got == (len(actions), advances, slots, taped), (n, s)
            assert (plan.advances, plan.snapshots) == revolve_counts(n, s), (n, s)


def test_tradeoffs_refuse_a_measurement_of_billions_of_evaluations() -> None:
    """Issue 26: the trade-off explorer with Binomial(1) at 10**5 steps hung (about 5 * 10**9
    evaluations); the plan says so at once and the measurement is refused."""
    body, init = (lambda i, y: jnp.sin(y)), jnp.zeros(4)
    with pytest.raises(
        wb.CheckpointingError,
        match=r"Binomial\(snapshots=1\) over 100,000 steps would run about 5,000,050,000 step "
        r"evaluations.*measure=False",
    ):
        wb.tradeoffs(body, init, 10**5, schemes=[wb.Binomial(1)])
    theory = wb.tradeoffs(body, init, 10**5, schemes=[wb.Binomial(1)], measure=False)
    assert theory.rows[0].evaluations == 5_000_050_000
    explorer = wb.tradeoff_explorer(body, init, 10**5, [wb.Binomial(1)], measure=False)
    assert explorer.rows[0]["evaluations"] == 5_000_050_000


# --- trip counts beyond the counter -----------------------------------------------------------


@pytest.mark.parametrize("scheme", [wb.Binomial(3), True, wb.Periodic(4)], ids=repr)
def test_a_trip_count_beyond_the_int32_counter_is_refused_clearly(scheme: Any) -> None:
    """Issue 26: 2**40 steps crashed tracing with "OverflowError: Python integer 1099511627776
    out of bounds for int32"."""
    with pytest.raises(
        wb.CheckpointingError,
        match=r"a trip count of 1099511627776 steps is more than the loop's step counter can "
        r"count \(int32: at most 2147483647 steps\).*Split the loop",
    ):
        wb.fori_loop(0, 2**40, lambda i, y: y * 0.5, 1.0, checkpointing=scheme)
    with pytest.raises(wb.CheckpointingError, match=r"max_steps=1099511627776 is more steps"):
        wb.while_loop(
            lambda y: y > 0.0, lambda y: y * 0.5, 1.0, checkpointing=scheme, max_steps=2**40
        )


def test_store_all_beyond_int32_says_what_to_do_where_x64_is_off() -> None:
    if jax.config.read("jax_enable_x64"):
        # lax counts in int64 then: JAX's own loop, nothing refused (not run: 2**40 steps)
        jax.eval_shape(lambda: wb.fori_loop(0, 2**40, lambda i, y: y * 0.5, 1.0))
        return
    with pytest.raises(wb.CheckpointingError, match=r"int32.*JAX_ENABLE_X64=1"):
        wb.fori_loop(0, 2**40, lambda i, y: y * 0.5, 1.0)
