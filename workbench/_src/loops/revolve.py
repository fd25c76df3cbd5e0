"""Revolve's backward pass, built from ``checkpointed_loop`` equations so that it is itself
differentiable in both modes (a Hessian through a checkpointed loop differentiates this).

The plan is not stored: the program regenerates it with the stack machine of
``schedules.binomial_actions`` (same next-checkpoint rule, ``revolve_split``, in ``jnp``), so its
size depends on neither the trip count nor the number of snapshots. A segment ``(start, length,
slot, snaps)`` has its first state in snapshot ``slot`` and may use ``snaps`` slots from there.
Each pop restores the segment's first state, advances its first ``m`` steps, pushes that left part
back, then either snapshots and pushes the right part or, when one step is left, tapes and
reverses that step. The pops run as a ``while`` loop until the stack is empty; the advances as
loops of a traced length. Both are ``checkpointed_loop``s, and so is everything their own
reversal makes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax.numpy as jnp
from jax import lax

from workbench._src.loops import schedules
from workbench._src.loops.binding import INDEX, loop

# advance(k, x) -> x after step k; reverse(k, x, ct) -> (ct before step k, ct of the constants)
Advance = Callable[[Any, list[Any]], list[Any]]
Reverse = Callable[[Any, list[Any], list[Any]], tuple[list[Any], list[Any]]]


def _where(c: Any, a: Any, b: Any) -> Any:
    """``jnp.where`` on int32 scalars as one ``select`` (``jnp.where`` is a jitted call that
    would clutter the program's graph with a region per use)."""
    return lax.select(jnp.asarray(c, bool), jnp.asarray(a, INDEX), jnp.asarray(b, INDEX))


def revolve_split(n: Any, s: Any) -> Any:
    """``schedules.revolve_split`` in ``jnp`` (int32), without overflow for any n, s < 2**31.

    The binomials it needs, beta(s, r - 1), beta(s, r - 2) and beta(s, r - 3), are all below n;
    the others come from them by Pascal's rule (differences, never products). Only the count up
    to r multiplies, exactly (gcd first) and saturating at int32's max, which is >= n. (The
    products of Alg. 799 wrapped for n * s beyond 2**31: a wrong split, or a loop that never
    ended.)"""
    n = jnp.asarray(n, INDEX)
    one = INDEX(1)
    # s >= n - 1 splits as s = n - 1 does; so s + r <= n never overflows
    s = lax.min(jnp.asarray(s, INDEX), lax.max(n - 1, one))

    def grow(state: Any) -> Any:
        reps, span, b1, b2, _ = state
        reps = reps + 1
        g = _gcd(span, reps)  # span * (s + reps) / reps is exact: divide before multiplying
        a, b = lax.div(span, g), lax.div(s + reps, lax.div(reps, g))
        over = a > lax.div(INDEX(_INDEX_MAX), b)
        return reps, _where(over, _INDEX_MAX, a * b), span, b1, b2

    zero = INDEX(0)
    state = (zero, one, zero, zero, zero)  # r, beta(s, r), beta(s, r - 1), r - 2, r - 3
    _, _, bino1, bino4, b3 = lax.while_loop(lambda st: st[1] < n, grow, state)
    bino2 = bino1 - bino4  # beta(s - 1, r - 1)
    bino3 = _where(s == 1, 0, bino2 - (bino4 - b3))  # beta(s - 2, r - 1)
    m = _where(
        n - bino1 <= bino3,
        bino4,
        _where(n - bino1 - bino2 >= bino3, bino1, n - bino2 - bino3),
    )
    return lax.min(lax.max(m, one), n - 1)


_INDEX_MAX = 2**31 - 1


def _gcd(a: Any, b: Any) -> Any:
    """Euclid's gcd of positive int32 scalars (``jnp.gcd`` is a jitted call: a graph region)."""
    step = lambda ab: (ab[1], lax.rem(ab[0], ab[1]))
    return lax.while_loop(lambda ab: ab[1] != 0, step, (a, b))[0]


class _Stack:
    """Segments ``(start, length, slot, snaps)`` in an int32 array with one spare row at the end:
    a push that is not wanted writes there (an unconditional write is updated in place)."""

    def __init__(self, slots: int):
        self.spare = slots + 1

    def empty(self) -> tuple[Any, Any]:
        return jnp.zeros((self.spare + 1, 4), INDEX), INDEX(0)

    def push(self, stack: Any, sp: Any, entry: Sequence[Any], when: Any = True) -> Any:
        row = jnp.stack([jnp.asarray(e, INDEX) for e in entry])
        stack = stack.at[_where(when, sp, self.spare)].set(row)
        return stack, sp + _where(when, 1, 0)


class _Snapshots:
    """Snapshot rows of the carry, one spare row at the end for writes that are not wanted.

    Every row starts as ``x0``: broadcasting it (rather than writing into zeros) gives each row
    ``x0``'s sharding, so that with a carry sharded over devices each device keeps only its shard
    of every snapshot."""

    def __init__(self, slots: int):
        self.spare = slots

    def empty(self, x0: Sequence[Any]) -> list[Any]:
        return [jnp.broadcast_to(v[None], (self.spare + 1, *jnp.shape(v))) for v in x0]

    def store(self, buf: list[Any], slot: Any, x: Sequence[Any], when: Any = True) -> list[Any]:
        slot = _where(when, slot, self.spare)
        return [b.at[slot].set(v) for b, v in zip(buf, x, strict=True)]

    @staticmethod
    def load(buf: list[Any], slot: Any) -> list[Any]:
        return [b[slot] for b in buf]


def backward(
    advance: Advance,
    reverse: Reverse,
    *,
    n: Any,
    snapshots: int,
    x0: Sequence[Any],
    ct_x: Sequence[Any],
    ct_consts: Sequence[Any],
    resume: tuple[Sequence[Any], Sequence[tuple[int, int, int, int]]] | None = None,
) -> tuple[list[Any], list[Any]]:
    """Pulls ``ct_x`` (the cotangent of the state after ``n`` steps) back to the initial state,
    with at most ``snapshots`` stored states; returns ``(ct of x0, ct_consts + the constants'
    cotangents)``. ``n`` may be a Python int or a traced int32.

    ``resume``: the snapshots and stack that Revolve's first forward sweep left (``sweep``), its
    last step already reversed; the pass then goes on from there instead of from ``x0``."""
    slots = max(1, snapshots)
    stack_ops, snap_ops = _Stack(slots), _Snapshots(slots)
    stack, sp = stack_ops.empty()
    if resume is None:
        n = jnp.asarray(n, INDEX)
        buf = snap_ops.empty(x0)
        stack, sp = stack_ops.push(stack, sp, (0, n, 0, lax.min(INDEX(slots), n)), when=n > 0)
    else:
        buf, entries = list(resume[0]), resume[1]
        for entry in entries:
            stack, sp = stack_ops.push(stack, sp, entry)
    nx, nct = len(x0), len(ct_x)

    def pop(_: Any, state: list[Any]) -> list[Any]:
        buf, (stack, sp) = state[:nx], state[nx : nx + 2]
        ct_x, ct_c = state[nx + 2 : nx + 2 + nct], state[nx + 2 + nct :]
        sp = sp - 1
        start, length, slot, snaps = (stack[sp, i] for i in range(4))
        x = snap_ops.load(buf, slot)
        m = _where(length == 1, INDEX(0), revolve_split(length, snaps))
        x = advance_steps(advance, x, start, m, slots)
        stack, sp = stack_ops.push(stack, sp, (start, m, slot, snaps), when=m >= 1)
        right = length - m
        snap = right > 1
        buf = snap_ops.store(buf, slot + 1, x, when=snap)
        stack, sp = stack_ops.push(stack, sp, (start + m, right, slot + 1, snaps - 1), when=snap)

        def tape(operands: Any) -> Any:
            ct_x, ct_c, x = operands
            ct_prev, dc = reverse(start + m, list(x), list(ct_x))
            return ct_prev, [a + b for a, b in zip(ct_c, dc, strict=True)]

        ct_x, ct_c = lax.cond(snap, lambda ops: (list(ops[0]), list(ops[1])), tape, (ct_x, ct_c, x))
        return [*buf, stack, sp, *ct_x, *ct_c]

    state, _ = loop(
        pop,
        [*buf, stack, sp, *ct_x, *ct_consts],
        cond=lambda k, state: state[nx + 1] > 0,
        snapshots=slots,
    )
    return list(state[nx + 2 : nx + 2 + nct]), list(state[nx + 2 + nct :])


def advance_steps(advance: Advance, x: list[Any], start: Any, m: Any, snapshots: int) -> list[Any]:
    """The state after steps ``start .. start + m - 1`` (``m`` traced)."""
    if not x:
        return x
    out, _ = loop(lambda k, x: advance(start + k, x), x, steps=m, snapshots=snapshots)
    return out


def sweep(
    advance: Advance, n: int, snapshots: int, x0: list[Any]
) -> tuple[list[Any], int, list[Any], list[tuple[int, int, int, int]]]:
    """Revolve's first forward sweep over a loop of ``n`` (static) steps: advances to the last
    step, storing the snapshots the plan stores on the way. Returns the state before the last
    step, that step's index, the snapshot buffer (slot 0 is ``x0``) and the stack of segments
    left for the backward pass, as ``backward(resume=...)`` takes them."""
    slots = max(1, min(snapshots, n))
    snap_ops = _Snapshots(max(1, snapshots))
    buf, stack = snap_ops.empty(x0), []
    x, start, length, slot, snaps = list(x0), 0, n, 0, slots
    while length > 1:
        m = schedules.revolve_split(length, snaps)
        x = _advance_static(advance, x, start, m, snapshots)
        stack.append((start, m, slot, snaps))
        start, length = start + m, length - m
        if length > 1:
            buf = snap_ops.store(buf, slot + 1, x)
            slot, snaps = slot + 1, snaps - 1
    return x, start, buf, stack


def _advance_static(advance: Advance, x: list[Any], start: int, m: int, snapshots: int) -> list:
    out, _ = loop(lambda k, x: advance(start + k, x), x, length=m, snapshots=snapshots)
    return out
