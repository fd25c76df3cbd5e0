"""Issue 26: Revolve's integers beyond int32 (snapshot counts and trip counts near 2**31)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import pytest

import workbench as wb
from workbench._src.loops import revolve, schedules

M = 2**31 - 1


def test_closed_form_counts_are_exact_python_ints_for_huge_schedules() -> None:
    plan = wb.checkpoint_schedule(10**12, wb.Binomial(10**9))
    # r = 2 repetitions: advances = 2 n - beta(s + 1, 1)
    assert plan.advances == 2 * 10**12 - (10**9 + 2) == 1_998_999_999_998
    assert (plan.snapshots, plan.taped) == (10**9, 10**12)
    assert plan.actions[1] == schedules.Advance(0, 10**9 + 1)
    one = wb.checkpoint_schedule(10**12, wb.Binomial(1))
    r = 10**12 - 1  # one snapshot: every step but the last re-advanced from the start
    assert one.advances == r * 10**12 - (r + 1) * r // 2 == 499_999_999_999_500_000_000_000
    assert one.snapshots == 1 and one.actions[1] == schedules.Advance(0, 10**12 - 1)


@pytest.mark.parametrize(
    ("n", "s"),
    [(100_000, 50_000), (92_682, 46_341), (M, 2**30), (M, 1000), (M, M), (M, 7), (10**9, 3)],
)
def test_compiled_split_matches_the_plan_where_int32_products_wrapped(n: int, s: int) -> None:
    """The compiled split multiplied n * s-sized products in int32: (100000, 50000) split at
    13873 where the plan splits at 1, and (2**31 - 1, 2**30) never returned."""
    assert int(jax.jit(revolve.revolve_split)(n, s)) == schedules.revolve_split(n, s)


def test_compiled_split_matches_the_plan_on_small_counts() -> None:
    pairs = [(n, s) for n in range(2, 40) for s in range(1, 45)]
    got = jax.jit(jax.vmap(revolve.revolve_split))(
        jnp.array([p[0] for p in pairs], jnp.int32), jnp.array([p[1] for p in pairs], jnp.int32)
    )
    assert [int(g) for g in got] == [schedules.revolve_split(*p) for p in pairs]


def _temp(s: int) -> int:
    def loss(x: jax.Array) -> jax.Array:
        y = wb.fori_loop(0, 5, lambda i, c: jnp.sin(c) * 1.1, x, checkpointing=wb.Binomial(s))
        return jnp.sum(y)

    c = jax.jit(jax.grad(loss)).lower(jnp.ones(3)).compile()
    return int(c.memory_analysis().temp_size_in_bytes)


def test_a_five_step_loop_with_a_huge_binomial_keeps_what_binomial_5_keeps() -> None:
    assert _temp(10**9) == _temp(2**31) == _temp(10**12) == _temp(5)


def test_more_snapshots_than_int32_on_an_unbounded_loop_is_refused_clearly() -> None:
    def loss(x: jax.Array) -> jax.Array:
        body = lambda c: c * 1.1
        y = wb.while_loop(lambda c: c[0] < 100.0, body, x, checkpointing=wb.Binomial(2**31))
        return jnp.sum(y)

    with pytest.raises(wb.CheckpointingError, match=r"at most 2147483647 snapshots .*max_steps"):
        jax.grad(loss)(jnp.ones(3))
