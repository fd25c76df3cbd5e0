"""Checkpoint schedules as plain data: counts against Revolve's formula and a brute-force
optimum, and every plan replayed by a symbolic executor that checks it reverses the loop."""

import math
from functools import lru_cache

import pytest

import workbench as wb
from workbench._src.loops.schedules import (
    Advance,
    Recompute,
    Restore,
    ReverseStep,
    Snapshot,
    Tape,
    optimal_advances,
    revolve_split,
)


@lru_cache(None)
def brute_force_advances(n, s):
    """The least advances to reverse n steps with s snapshots (the start one included), by
    trying every first checkpoint position: an oracle independent of Revolve's closed form."""
    if n == 1:
        return 0
    if s == 1:
        return n * (n - 1) // 2
    return min(
        m + brute_force_advances(n - m, s - 1) + brute_force_advances(m, s) for m in range(1, n)
    )


def replay(plan, n):
    """Runs a plan on symbolic states (the step index each state is at); checks that every step
    is reversed once, last to first, from the right state. Returns the snapshot slots used."""
    state, slots, taped, reversed_steps = 0, {}, [], []
    for action in plan.actions:
        if isinstance(action, Snapshot):
            assert state == action.step
            slots[action.slot] = state
        elif isinstance(action, Restore):
            assert slots[action.slot] == action.step
            state = action.step
        elif isinstance(action, Advance):
            assert state == action.start
            state = action.stop
        elif isinstance(action, Tape):
            assert state == action.start
            taped.extend(range(action.start, action.stop))
            state = action.stop
        elif isinstance(action, Recompute):
            assert taped and taped[-1] == action.step
        elif isinstance(action, ReverseStep):
            assert taped and taped[-1] == action.step, (taped, action)
            taped.pop()
            reversed_steps.append(action.step)
    assert reversed_steps == list(reversed(range(n)))
    return set(slots)


@pytest.mark.parametrize("s", [1, 2, 3, 4, 5])
def test_revolve_formula_is_the_brute_force_optimum(s):
    for n in range(1, 70):
        assert optimal_advances(n, s) == brute_force_advances(n, s), (n, s)


@pytest.mark.parametrize(
    ("n", "s", "advances"), [(1000, 10, 3636), (1000, 32, 2405), (1000, 63, 1935), (1000, 5, 6284)]
)
def test_binomial_plan_matches_the_published_counts(n, s, advances):
    plan = wb.checkpoint_schedule(n, wb.Binomial(s))
    assert (plan.advances, plan.taped, plan.evaluations) == (advances, n, advances + n)


PRIMES = [2, 3, 5, 7, 11, 13, 31, 97, 101, 997]


@pytest.mark.parametrize("s", [1, 2, 3, 4, 7, 10, 50, 2000])
def test_binomial_plans_are_optimal_and_valid(s):
    for n in [1, 4, 6, 8, 9, 10, 15, 16, 20, 64, 100, 127, 128, 500, 1000, *PRIMES]:
        plan = wb.checkpoint_schedule(n, wb.Binomial(s))
        assert plan.advances == optimal_advances(n, s), (n, s)
        if n < 70 and s <= 5:
            assert plan.advances == brute_force_advances(n, s)
        assert len(replay(plan, n)) == plan.snapshots <= min(s, n)
        assert plan.taped_steps == 1


def test_revolve_split_never_leaves_a_segment_empty():
    for s in range(1, 12):
        for n in range(2, 400):
            assert 1 <= revolve_split(n, s) <= n - 1


@pytest.mark.parametrize("n", [1, 2, 7, 10, 16, 17, 97, 1000, 1001])
def test_true_is_periodic_with_about_sqrt_n_snapshots(n):
    plan = wb.checkpoint_schedule(n, True)
    period = math.ceil(math.sqrt(n))
    assert plan.snapshots == math.ceil(n / period)
    assert plan.snapshots <= math.isqrt(n) + 2
    assert plan.taped_steps == min(period, n)
    assert plan.evaluations == 2 * n
    replay(plan, n)


@pytest.mark.parametrize(("n", "p"), [(10, 3), (9, 3), (1, 5), (97, 10), (5, 1)])
def test_periodic_plans(n, p):
    plan = wb.checkpoint_schedule(n, wb.Periodic(p))
    assert plan.snapshots == -(-n // p)
    assert plan.evaluations == 2 * n and plan.advances == n
    replay(plan, n)


@pytest.mark.parametrize("mincut", [False, True])
def test_store_all(mincut):
    plan = wb.checkpoint_schedule(12, False, mincut=mincut)
    assert plan.snapshots == 0 and plan.taped_steps == 12
    assert plan.evaluations == (24 if mincut else 12)
    replay(plan, 12)


def test_memory_budget_picks_the_most_snapshots_that_fit():
    plan = wb.checkpoint_schedule(1000, wb.MemoryBudget(10 * 4000 + 3999), snapshot_bytes=4000)
    assert plan.snapshots == 10
    assert plan.advances == 3636


@pytest.mark.parametrize(
    ("make", "pattern"),
    [
        (
            lambda: wb.Binomial(0),
            r"Binomial\(snapshots\) must be a positive integer.*Binomial\(10\)",
        ),
        (lambda: wb.Periodic(-2), r"Periodic\(period\) must be a positive integer"),
        (lambda: wb.Binomial(2.5), r"received a Python float \(2.5\)"),
        (lambda: wb.MemoryBudget(0), r"MemoryBudget\(bytes\) must be a positive integer"),
        (
            lambda: wb.checkpoint_schedule(10, wb.MemoryBudget(100), snapshot_bytes=4000),
            r"MemoryBudget\(100\) is smaller than one snapshot.*4000 bytes",
        ),
        (lambda: wb.checkpoint_schedule(10, "sqrt"), r"checkpointing must be False, True"),
        (lambda: wb.checkpoint_schedule(10, wb.MemoryBudget(100)), r"pass snapshot_bytes="),
    ],
)
def test_scheme_errors(make, pattern):
    with pytest.raises(wb.CheckpointingError, match=pattern):
        make()


def test_schedule_text_is_truncated():
    text = wb.checkpoint_schedule(1000, wb.Binomial(10)).describe(limit=5)
    assert text.count("\n") == 6 and "more actions" in text


def test_a_million_step_schedule_costs_kilobytes_until_iterated():
    """Issue 17: checkpoint_schedule(10**6, Binomial(10)) built 4.35 million action objects
    (5.5 s, about 800 MB). Its costs are now counted by a memoized recursion and its actions
    made when iterated."""
    import tracemalloc

    tracemalloc.start()
    try:
        plan = wb.checkpoint_schedule(10**6, wb.Binomial(10))
        costs = (plan.advances, plan.taped, plan.snapshots, len(plan.actions))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 * 2**20
    assert plan.advances == optimal_advances(10**6, 10)
    assert costs[1:] == (10**6, 10, 4_353_352)
    assert plan.actions[:2] == (Snapshot(0, 0), Advance(0, revolve_split(10**6, 10)))
    assert plan.actions[-1] == ReverseStep(0)


@pytest.mark.parametrize(
    "scheme",
    [wb.Binomial(1), wb.Binomial(3), wb.Binomial(64), True, wb.Periodic(7), False],
    ids=repr,
)
@pytest.mark.parametrize("mincut", [False, True])
def test_counted_costs_equal_the_iterated_actions(scheme, mincut):
    for n in (0, 1, 2, 5, 37, 1000):
        plan = wb.checkpoint_schedule(n, scheme, mincut=mincut)
        actions = list(plan.actions)
        assert len(actions) == len(plan.actions)
        assert plan.advances == sum(a.stop - a.start for a in actions if isinstance(a, Advance))
        assert plan.taped == sum(a.stop - a.start for a in actions if isinstance(a, Tape))
        assert plan.recomputed == sum(isinstance(a, Recompute) for a in actions)
        assert plan.snapshots == len({a.slot for a in actions if isinstance(a, Snapshot)})
        alive = most = 0
        for a in actions:
            alive += (a.stop - a.start) if isinstance(a, Tape) else -isinstance(a, ReverseStep)
            most = max(most, alive)
        assert plan.taped_steps == most
        assert tuple(actions[3:9]) == plan.actions[3:9]


def test_numpy_trip_counts_are_taken():
    import numpy as np

    assert wb.checkpoint_schedule(np.int64(10), wb.Binomial(3)).advances == optimal_advances(10, 3)
    with pytest.raises(
        wb.CheckpointingError, match=r"non-negative integer.*received a Python float"
    ):
        wb.checkpoint_schedule(10.0, wb.Binomial(3))


def test_tradeoffs_refuses_a_body_that_changes_the_carry_even_unmeasured():
    import jax.numpy as jnp

    with pytest.raises(wb.CheckpointingError, match=r"wb.tradeoffs: the body changes the carry"):
        wb.tradeoffs(lambda i, y: jnp.concatenate([y, y]), jnp.zeros(3), 10, measure=False)


def test_the_schedule_action_is_not_named_as_the_mode():
    """Issue 25: ``workbench.schedules.Reverse`` (an action) and ``wb.Reverse`` (a mode) shared
    a name; ``from workbench.schedules import *`` shadowed the mode. The action is
    ``ReverseStep``."""
    import workbench.schedules as schedules

    assert not hasattr(schedules, "Reverse") and "Reverse" not in schedules.__all__
    assert isinstance(wb.Reverse, wb.Mode)
    assert repr(ReverseStep(3)) == "ReverseStep(step=3)"
