"""Checkpoint schedules as plain data: plans of actions, tested without tracing.

A plan reverses ``n`` loop steps (step ``k`` maps state ``k`` to state ``k + 1``) with these
actions, in order:

``Advance(start, stop)``   run steps ``start .. stop - 1`` forward, keeping nothing.
``Snapshot(slot, step)``   store state ``step`` in snapshot ``slot``.
``Restore(slot, step)``    load state ``step`` from snapshot ``slot``.
``Tape(start, stop)``      run steps ``start .. stop - 1`` forward, keeping their residuals.
``Recompute(step)``        evaluate taped step ``step`` again from its kept input, for the
                           residuals ``mincut`` did not keep.
``ReverseStep(step)``      pull the cotangent back through taped step ``step`` (no
                           evaluation; not the mode ``wb.Reverse``).

Forward step evaluations are the steps advanced plus the steps taped. For ``Binomial(s)`` the
plan is Revolve's (Griewank 1992, "Achieving logarithmic growth of temporal and spatial
complexity in reverse automatic differentiation"; Griewank & Walther 2000, ACM TOMS Alg. 799):
with beta(s, t) = C(s + t, s) and beta(s, r - 1) < n <= beta(s, r), it advances exactly
r n - beta(s + 1, r - 1) steps, plus the n taping steps, the least any schedule with s snapshots
can do. Its next-checkpoint rule is ``revolve_split``, the one of Alg. 799; the backward pass in
``revolve.py`` runs the very same rule inside the compiled program.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any, overload

import numpy as np

from workbench._src.errors import describe
from workbench._src.loops.schemes import (
    Binomial,
    CheckpointingError,
    MemoryBudget,
    Periodic,
    Scheme,
    check_scheme,
    snapshots_for_budget,
    sqrt_period,
)


@dataclasses.dataclass(frozen=True)
class Advance:
    start: int
    stop: int


@dataclasses.dataclass(frozen=True)
class Snapshot:
    slot: int
    step: int


@dataclasses.dataclass(frozen=True)
class Restore:
    slot: int
    step: int


@dataclasses.dataclass(frozen=True)
class Tape:
    start: int
    stop: int


@dataclasses.dataclass(frozen=True)
class Recompute:
    step: int


@dataclasses.dataclass(frozen=True)
class ReverseStep:
    step: int


Action = Advance | Snapshot | Restore | Tape | Recompute | ReverseStep


class Actions(Sequence[Action]):
    """A plan's actions, made when they are looked at: a schedule of a million steps costs
    kilobytes until it is iterated (its length is counted without making them)."""

    def __init__(self, make: Callable[[], Iterator[Action]], length: int):
        self._make, self._length = make, length

    def __iter__(self) -> Iterator[Action]:
        return self._make()

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: int) -> Action: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Action, ...]: ...

    def __getitem__(self, index: int | slice) -> Action | tuple[Action, ...]:
        if isinstance(index, slice):
            start, stop, step = index.indices(self._length)
            if step > 0:
                return tuple(itertools.islice(self._make(), start, stop, step))
            return tuple(self)[index]
        i = index + self._length if index < 0 else index
        if not 0 <= i < self._length:
            raise IndexError(f"action {index} of a plan of {self._length} actions")
        return next(itertools.islice(self._make(), i, None))

    def __repr__(self) -> str:
        return f"<{self._length:,} actions>"


@dataclasses.dataclass(frozen=True)
class Costs:
    """What a plan costs, counted without making its actions."""

    actions: int
    advances: int
    taped: int
    recomputed: int
    snapshots: int
    taped_steps: int


@dataclasses.dataclass(frozen=True)
class Schedule:
    """A plan and what it costs.

    Attributes:
      steps: the trip count ``n``.
      scheme: the checkpointing scheme it realises.
      actions: the plan (a sequence made lazily, as it is iterated).
      snapshots: the most snapshot slots in use at once.
      taped_steps: the most steps whose residuals are kept at once.
      advances: forward steps run without taping (recomputation).
      recomputed: steps evaluated again from their kept input (``mincut``).
      evaluations: all forward step evaluations (advances + taped + recomputed).
    """

    steps: int
    scheme: Any
    actions: Actions
    costs: Costs = dataclasses.field(repr=False)

    @property
    def advances(self) -> int:
        return self.costs.advances

    @property
    def taped(self) -> int:
        return self.costs.taped

    @property
    def recomputed(self) -> int:
        return self.costs.recomputed

    @property
    def evaluations(self) -> int:
        return self.advances + self.taped + self.recomputed

    @property
    def snapshots(self) -> int:
        return self.costs.snapshots

    @property
    def taped_steps(self) -> int:
        return self.costs.taped_steps

    def evaluation_order(self) -> list[int]:
        """The step of every forward evaluation, in order (what a counter in the body sees)."""
        order: list[int] = []
        for a in self.actions:
            if isinstance(a, Advance | Tape):
                order.extend(range(a.start, a.stop))
            elif isinstance(a, Recompute):
                order.append(a.step)
        return order

    def __repr__(self) -> str:
        return (
            f"Schedule({self.steps} steps, {self.scheme!r}: {self.snapshots} snapshots, "
            f"{self.evaluations} evaluations = {self.advances} advances + {self.taped} taped"
            + (f" + {self.recomputed} recomputed" if self.recomputed else "")
            + ", "
            f"at most {self.taped_steps} taped steps kept)"
        )

    def describe(self, limit: int = 40) -> str:
        """The plan, one action a line; long plans are cut with a count of what was left out."""
        lines = [repr(self)]
        lines += [f"  {a}" for a in self.actions[:limit]]
        if len(self.actions) > limit:
            lines.append(f"  ... {len(self.actions) - limit} more actions")
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Revolve


def beta(s: int, t: int) -> int:
    """beta(s, t) = C(s + t, s): the most steps s snapshots reverse with t repetitions."""
    return math.comb(s + t, s) if t >= 0 else 0


def repetitions(n: int, s: int) -> int:
    """The r with beta(s, r - 1) < n <= beta(s, r) (0 for n <= 1), found by bisection: a few
    dozen binomials even where r is n - 1 (one snapshot)."""
    if n <= 1:
        return 0
    hi = 1
    while beta(s, hi) < n:
        hi *= 2
    lo = hi // 2  # beta(s, lo) < n <= beta(s, hi)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if beta(s, mid) < n:
            lo = mid
        else:
            hi = mid
    return hi


def optimal_advances(n: int, s: int) -> int:
    """Revolve's minimum of forward advances for n steps and s snapshots (taping excluded)."""
    if n <= 1:
        return 0
    r = repetitions(n, s)
    return r * n - beta(s + 1, r - 1)


def revolve_split(n: int, s: int) -> int:
    """How far to advance before the next snapshot, for n steps and s snapshots (Alg. 799).

    The integer arithmetic is written so that ``revolve.py`` can repeat it in ``jnp`` exactly.
    """
    # r: the least with beta(s, r) >= n. The binomials below are beta(s, r - 1),
    # beta(s - 1, r - 1), beta(s - 2, r - 1), beta(s, r - 2), all below n: ``revolve.py``
    # gets them by Pascal's rule from beta(s, r - 1 .. r - 3), so that int32 never overflows.
    reps = repetitions(n, s)
    bino1, bino4 = beta(s, reps - 1), beta(s, reps - 2)
    bino2 = bino1 - bino4
    bino3 = 0 if s == 1 else bino2 - (bino4 - beta(s, reps - 3))
    if n <= bino1 + bino3:
        m = bino4
    elif n >= bino1 + bino2 + bino3:  # beta(s, r) - beta(s - 3, r)
        m = bino1
    else:
        m = n - bino2 - bino3
    return min(max(m, 1), n - 1)


def binomial_actions(n: int, s: int) -> Iterator[Action]:
    """Revolve's plan, generated by the stack machine that ``revolve.py`` runs compiled.

    A segment (start, length, slot, snaps) has its start state in ``slot`` and may use snaps
    slots from there. Its first ``m`` steps are advanced; the rest is reversed first (with one
    snapshot less), then the first part (with the same snapshots).
    """
    yield Snapshot(0, 0)
    stack: list[tuple[int, int, int, int]] = []
    start, length, slot, snaps = 0, n, 0, s
    first = True
    while True:
        if not first:
            if not stack:
                return
            start, length, slot, snaps = stack.pop()
            yield Restore(slot, start)
        first = False
        # The forward chain (and later each popped segment) runs until a single step is left.
        while True:
            m = 0 if length == 1 else revolve_split(length, snaps)
            if m:
                yield Advance(start, start + m)
                stack.append((start, m, slot, snaps))
            if length - m == 1:
                yield Tape(start + m, start + m + 1)
                yield ReverseStep(start + m)
                break
            yield Snapshot(slot + 1, start + m)
            start, length, slot, snaps = start + m, length - m, slot + 1, snaps - 1


def binomial_costs(n: int, s: int) -> Costs:
    """The costs of ``binomial_actions(n, s)`` in closed form, for any n and s in microseconds
    (counting the actions took time quadratic in n with one snapshot).

    With r = ``repetitions(n, s)``: the advances are Revolve's optimum, r n - beta(s + 1, r - 1);
    the plan splits its segments n - 1 times, each an ``Advance`` and a ``Restore`` of the left
    part, and a ``Snapshot`` unless one step is left on the right; one-step right parts number
    ``min(beta(s, r - 1), beta(s, r - 2) + n - beta(s, r - 1))``; every step is taped and
    reversed once; at most ``min(s, n - 1)`` snapshots are in use (1 for one step).
    ``tests/test_schedules.py`` checks each count against the iterated plan."""
    if n == 0:
        return Costs(0, 0, 0, 0, 0, 0)
    if n == 1:
        return Costs(3, 0, 1, 0, 1, 1)  # Snapshot, Tape, ReverseStep
    r = repetitions(n, s)
    one_step_right = min(beta(s, r - 1), beta(s, r - 2) + n - beta(s, r - 1))
    snapshots_taken = (n - 1) - one_step_right
    actions = 1 + 2 * (n - 1) + snapshots_taken + 2 * n
    return Costs(actions, optimal_advances(n, s), n, 0, min(s, n - 1), 1)


def periodic_actions(n: int, period: int) -> Iterator[Action]:
    """A snapshot every ``period`` steps; segments reversed last to first, each taped once."""
    starts = list(range(0, n, period))
    for slot, start in enumerate(starts):
        yield Snapshot(slot, start)
        yield Advance(start, min(start + period, n))
    for slot, start in reversed(list(enumerate(starts))):
        stop = min(start + period, n)
        yield Restore(slot, start)
        yield Tape(start, stop)
        for step in reversed(range(start, stop)):
            yield ReverseStep(step)


def store_all_actions(n: int, mincut: bool = False) -> Iterator[Action]:
    """Tape every step. With ``mincut`` each step keeps only its input and expensive products,
    and the rest of its residuals is recomputed (one more evaluation) just before it is reversed."""
    yield Tape(0, n)
    for step in reversed(range(n)):
        if mincut:
            yield Recompute(step)
        yield ReverseStep(step)


def checkpoint_schedule(
    n: int, checkpointing: Scheme, *, mincut: bool = False, snapshot_bytes: int | None = None
) -> Schedule:
    """The plan that ``wb.fori_loop(0, n, ..., checkpointing=...)`` follows in reverse mode.

    Args:
      n: the trip count.
      checkpointing: ``False``, ``True``, ``Periodic(p)``, ``Binomial(s)`` or ``MemoryBudget(b)``.
      mincut: as ``wb.fori_loop``'s ``mincut`` (only changes the store-all plan).
      snapshot_bytes: the size of one snapshot (the loop's carry), needed for ``MemoryBudget``.

    >>> import workbench as wb
    >>> plan = wb.checkpoint_schedule(1000, wb.Binomial(10))
    >>> plan.advances, plan.taped, plan.snapshots
    (3636, 1000, 10)
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise CheckpointingError(
            f"the trip count must be a non-negative integer (a Python or NumPy int), but "
            f"received {describe(n)}."
        )
    n = int(n)
    scheme = resolve(check_scheme(checkpointing), n, snapshot_bytes)
    make: Callable[[], Iterator[Action]]
    if isinstance(scheme, Binomial):
        snaps = scheme.snapshots
        costs = binomial_costs(n, snaps)
        make = functools.partial(binomial_actions, n, snaps) if n else _no_actions
    elif isinstance(scheme, Periodic):
        p, segments = scheme.period, -(-n // scheme.period)
        costs = Costs(4 * segments + n, n, n, 0, segments, min(p, n))
        make = functools.partial(periodic_actions, n, p)
    else:
        costs = (
            Costs(1 + n * (2 if mincut else 1), 0, n, n if mincut else 0, 0, n)
            if n
            else (Costs(0, 0, 0, 0, 0, 0))
        )
        make = functools.partial(store_all_actions, n, mincut) if n else _no_actions
    return Schedule(n, checkpointing, Actions(make, costs.actions), costs)


def _no_actions() -> Iterator[Action]:
    return iter(())


def resolve(scheme: Any, n: int, snapshot_bytes: int | None) -> Any:
    """``True`` -> ``Periodic(ceil(sqrt(n)))``; ``MemoryBudget`` -> ``Binomial(fitting)``."""
    if scheme is True:
        return Periodic(sqrt_period(n))
    if isinstance(scheme, MemoryBudget):
        if snapshot_bytes is None:
            raise CheckpointingError(
                "MemoryBudget needs the size of one snapshot; pass snapshot_bytes= (the bytes "
                "of the loop's carry) to checkpoint_schedule."
            )
        return Binomial(min(snapshots_for_budget(scheme.bytes, snapshot_bytes), max(n, 1)))
    return scheme
