"""The compiled executor of Revolve plans: one ``custom_vjp``, a fixed-size snapshot buffer.

The plan is not stored: the compiled program regenerates it with the stack machine of
``schedules.binomial_actions`` (same next-checkpoint rule, ``revolve_split``, in ``jnp``), so the
program's size depends on neither the trip count nor the number of snapshots. The forward pass
advances the top-level chain and tapes the last step (Revolve's "firsturn"); the backward pass
pops segments off a stack of at most ``snapshots + 1`` entries, advancing, snapshotting and
reversing single steps.

``binomial_loop`` reverses a loop of known length; ``online_binomial_loop`` one whose length is
known only when the forward loop has run (``while_loop``): it stores the initial state, counts the
steps, and runs the whole Revolve plan in the backward pass, so it costs one forward sweep more
than the offline optimum.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.custom_derivatives import SymbolicZero, custom_vjp_primal_tree_values

# step(i, (xf, xi), (cf, ci)) -> (xf, xi): the carry and the constants, each split into its
# floating-point leaves (differentiated) and the others (ints, bools: carried, not differentiated).
Step = Callable[[Any, Any, Any], Any]

_START, _LENGTH, _SLOT, _SNAPS = range(4)


def revolve_split(n: Any, s: Any) -> Any:
    """``schedules.revolve_split`` in ``jnp``: the same integer arithmetic. Operands are never
    negative, so truncating ``lax.div`` is Python's ``//`` (and compiles smaller than jnp's)."""
    n, s = jnp.asarray(n, jnp.int64), jnp.asarray(s, jnp.int64)
    one = jnp.int64(1)

    def div(a: Any, b: Any) -> Any:
        return lax.div(a, jnp.maximum(b, one))

    def grow(state: Any) -> Any:
        reps, span = state
        reps = reps + 1
        return reps, div(span * (reps + s), reps)

    reps, span = lax.while_loop(lambda st: st[1] < n, grow, (jnp.int64(0), one))
    bino1 = div(span * reps, s + reps)
    bino2 = jnp.where(s > 1, div(bino1 * s, s + reps - 1), 1)
    bino3 = jnp.where(s == 1, 0, jnp.where(s > 2, div(bino2 * (s - 1), s + reps - 2), 1))
    bino4 = div(bino2 * (reps - 1), s)
    bino5 = jnp.where(s < 3, 0, jnp.where(s > 3, div(bino3 * (s - 2), reps), 1))
    m = jnp.where(n <= bino1 + bino3, bino4, jnp.where(n >= span - bino5, bino1, n - bino2 - bino3))
    return jnp.minimum(jnp.maximum(m, 1), n - 1)


def _advance(step: Step, consts: Any, x: Any, start: Any, stop: Any) -> Any:
    return lax.fori_loop(start, stop, lambda i, c: step(i, c, consts), x)


def _no_cotangent(values: Any) -> Any:
    return jax.tree.map(lambda v: np.zeros(np.shape(v), jax.dtypes.float0), values)


class _Constants:
    """The loop's constants: floating ones ``cf``, the others ``ci``, and (static) which floating
    ones the derivative needs (``custom_vjp``'s ``perturbed``).

    Only those get cotangents: the others enter each taped step as constants. Besides skipping
    work, this keeps the executor to what ``lax.scan`` differentiates; e.g. JAX 0.10 cannot
    transpose ``table[i] * carry`` with a traced ``i`` and a carry sharded over explicit mesh
    axes, which a body that indexes a constant table by the loop counter does.
    """

    def __init__(self, cf: list[Any], ci: list[Any], active: tuple[bool, ...]):
        self.cf, self.ci, self.active = list(cf), list(ci), active

    @property
    def values(self) -> tuple[list[Any], list[Any]]:
        return self.cf, self.ci

    def differentiated(self) -> list[Any]:
        return [c for c, a in zip(self.cf, self.active, strict=True) if a]

    def with_differentiated(self, values: list[Any]) -> tuple[list[Any], list[Any]]:
        it = iter(values)
        return [next(it) if a else c for c, a in zip(self.cf, self.active, strict=True)], self.ci

    def cotangents(self, differentiated: list[Any]) -> list[Any]:
        """Per floating constant: its cotangent, or None (zero) where none was asked for."""
        it = iter(differentiated)
        return [next(it) if a else None for a in self.active]


jax.tree_util.register_pytree_node(
    _Constants,
    lambda c: ((c.cf, c.ci), c.active),
    lambda active, children: _Constants(children[0], children[1], active),
)


def _zeros_for_symbolic(ct: list[Any], like: list[Any]) -> list[Any]:
    """Cotangents with symbolic zeros made concrete, shaped and sharded like ``like``."""
    return [
        jnp.zeros_like(v) if isinstance(c, SymbolicZero) else c
        for c, v in zip(ct, like, strict=True)
    ]


class _Machine:
    """The stack machine over a snapshot buffer; methods are traced, never run in Python.

    Buffer and stack each have one spare row at the end: a write that is not wanted goes there.
    Writing unconditionally (instead of under a ``cond``) lets XLA update them in place; a
    conditional update copies the whole buffer on every write.
    """

    def __init__(self, step: Step, consts: _Constants, slots: int):
        self.step, self.consts, self.slots = step, consts, slots
        self.spare_slot, self.spare_row = slots, slots + 1

    def empty_buffer(self, x0: Any) -> Any:
        # Every row starts as x0 (row 0 is x0; the others are written before they are read).
        # Broadcasting x0, rather than writing it into zeros, gives the buffer x0's sharding on
        # each row: with a carry sharded over devices each device keeps only its shard of every
        # snapshot, and explicit-axis meshes accept the row writes (zeros would be replicated).
        return jax.tree.map(lambda v: jnp.broadcast_to(v[None], (self.slots + 1, *v.shape)), x0)

    def empty_stack(self) -> Any:
        return jnp.zeros((self.slots + 2, 4), jnp.int64), jnp.int64(0)

    def push(self, stack: Any, sp: Any, entry: Any, when: Any = True) -> tuple[Any, Any]:
        stack = stack.at[jnp.where(when, sp, self.spare_row)].set(jnp.stack(entry))
        return stack, sp + jnp.where(when, 1, 0)

    def advance_segment(self, x: Any, seg: Any) -> tuple[Any, Any]:
        """Advances the first m steps of a segment; returns (state at start + m, m)."""
        start, length, _, snaps = seg
        m = jnp.where(length == 1, 0, revolve_split(length, snaps))
        return _advance(self.step, self.consts.values, x, start, start + m), m

    def store(self, buf: Any, slot: Any, x: Any, when: Any = True) -> Any:
        slot = jnp.where(when, slot, self.spare_slot)
        return jax.tree.map(lambda b, v: b.at[slot].set(v), buf, x)

    def tape_and_reverse(self, k: Any, x: Any, ct_xf: Any) -> tuple[Any, Any]:
        """Cotangents of (state, differentiated constants) through step k."""
        xi, c = x[1], self.consts
        _, pullback, _ = jax.vjp(
            lambda xf, dc: self.step(k, (xf, xi), c.with_differentiated(dc)),
            x[0],
            c.differentiated(),
            has_aux=True,
        )
        return pullback(ct_xf)

    def backward(self, buf: Any, stack: Any, sp: Any, ct_x: Any, ct_c: Any) -> tuple[Any, Any]:
        """Pops segments until none is left; returns the cotangents of (x0, differentiated
        constants)."""

        def body(state: Any) -> Any:
            buf, stack, sp, ct_x, ct_c = state
            sp = sp - 1
            start, length, slot, snaps = (stack[sp, i] for i in range(4))
            x = jax.tree.map(lambda b: b[slot], buf)
            x, m = self.advance_segment(x, (start, length, slot, snaps))
            stack, sp = self.push(stack, sp, (start, m, slot, snaps), when=m >= 1)
            right = length - m
            snap = right > 1
            buf = self.store(buf, slot + 1, x, when=snap)
            stack, sp = self.push(stack, sp, (start + m, right, slot + 1, snaps - 1), when=snap)

            def tape(operands: Any) -> Any:
                ct_x, ct_c, x = operands
                ct_x, dc = self.tape_and_reverse(start + m, x, ct_x)
                return ct_x, jax.tree.map(jnp.add, ct_c, dc)

            ct_x, ct_c = lax.cond(snap, lambda ops: (ops[0], ops[1]), tape, (ct_x, ct_c, x))
            return buf, stack, sp, ct_x, ct_c

        state = lax.while_loop(lambda st: st[2] > 0, body, (buf, stack, sp, ct_x, ct_c))
        return state[3], state[4]


def binomial_loop(step: Step, n: int, snapshots: int, x0: Any, consts: Any) -> Any:
    """Runs ``x = step(i, x, consts)`` for i in 0..n-1; reverse mode follows Revolve's plan."""
    slots = max(1, min(snapshots, n))

    @jax.custom_vjp
    def run(xf: Any, xi: Any, cf: Any, ci: Any) -> Any:
        return _advance(step, (cf, ci), (xf, xi), 0, n)

    def fwd(xf: Any, xi: Any, cf: Any, ci: Any) -> Any:
        active = tuple(c.perturbed for c in cf)
        xf, xi, cf, ci = custom_vjp_primal_tree_values((xf, xi, cf, ci))
        x0, consts = (xf, xi), _Constants(cf, ci, active)
        machine = _Machine(step, consts, slots)
        buf = machine.empty_buffer(x0)
        stack, sp = machine.empty_stack()

        def chain(state: Any) -> Any:  # the forward sweep: advance, push, snapshot, until 1 left
            x, start, length, slot, snaps, buf, stack, sp = state
            x, m = machine.advance_segment(x, (start, length, slot, snaps))
            stack, sp = machine.push(stack, sp, (start, m, slot, snaps))
            right = length - m
            more = right > 1
            buf = machine.store(buf, slot + 1, x, when=more)
            return (
                x,
                start + m,
                right,
                jnp.where(more, slot + 1, slot),
                jnp.where(more, snaps - 1, snaps),
                buf,
                stack,
                sp,
            )

        i64 = jnp.int64
        init = (x0, i64(0), i64(n), i64(0), i64(slots), buf, stack, sp)
        x, last, _, _, _, buf, stack, sp = lax.while_loop(lambda st: st[2] > 1, chain, init)
        y, pullback, yi = jax.vjp(
            lambda xf, dc: step(last, (xf, x[1]), consts.with_differentiated(dc)),
            x[0],
            consts.differentiated(),
            has_aux=True,
        )
        return (y, yi), (buf, stack, sp, pullback, consts)

    def bwd(residuals: Any, ct: Any) -> Any:
        buf, stack, sp, pullback, consts = residuals
        ct_xf, ct_dc = pullback(_zeros_for_symbolic(ct[0], [b[0] for b in buf[0]]))
        ct_xf, ct_dc = _Machine(step, consts, slots).backward(buf, stack, sp, ct_xf, ct_dc)
        return ct_xf, _no_cotangent(x0[1]), consts.cotangents(ct_dc), _no_cotangent(consts.ci)

    run.defvjp(fwd, bwd, symbolic_zeros=True)
    return run(x0[0], x0[1], consts[0], consts[1])


def online_binomial_loop(
    step: Step,
    cond: Callable[[Any, Any], Any],
    snapshots: int,
    x0: Any,
    consts: Any,
    max_steps: int | None = None,
) -> Any:
    """``while cond(x, consts): x = step(i, x, consts)``, reversed with ``snapshots`` snapshots.

    The forward pass keeps only the initial state and the step count n; the backward pass runs
    Revolve's plan for n (the forward sweep included), computed in the program at run time.
    """
    slots = max(1, snapshots)

    def loop(x0: Any, consts: Any) -> tuple[Any, Any]:
        def keep_going(state: Any) -> Any:
            i, x = state
            ok = cond(x, consts)
            return ok if max_steps is None else ok & (i < max_steps)

        return lax.while_loop(
            keep_going, lambda st: (st[0] + 1, step(st[0], st[1], consts)), (jnp.int64(0), x0)
        )

    @jax.custom_vjp
    def run(xf: Any, xi: Any, cf: Any, ci: Any) -> Any:
        return loop((xf, xi), (cf, ci))[1]

    def fwd(xf: Any, xi: Any, cf: Any, ci: Any) -> Any:
        active = tuple(c.perturbed for c in cf)
        xf, xi, cf, ci = custom_vjp_primal_tree_values((xf, xi, cf, ci))
        n, y = loop((xf, xi), (cf, ci))
        return y, ((xf, xi), n, _Constants(cf, ci, active))

    def bwd(residuals: Any, ct: Any) -> Any:
        x0, n, consts = residuals
        machine = _Machine(step, consts, slots)
        stack, sp = machine.empty_stack()
        snaps = jnp.minimum(jnp.int64(slots), n)
        stack, sp = machine.push(stack, sp, (jnp.int64(0), n, jnp.int64(0), snaps), when=n > 0)
        ct_dc = [jnp.zeros_like(c) for c in consts.differentiated()]
        ct_y = _zeros_for_symbolic(ct[0], x0[0])
        ct_xf, ct_dc = machine.backward(machine.empty_buffer(x0), stack, sp, ct_y, ct_dc)
        return ct_xf, _no_cotangent(x0[1]), consts.cotangents(ct_dc), _no_cotangent(consts.ci)

    run.defvjp(fwd, bwd, symbolic_zeros=True)
    return run(x0[0], x0[1], consts[0], consts[1])
