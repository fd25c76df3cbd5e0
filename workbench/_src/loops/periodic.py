"""Periodic checkpointing with JAX's own rematerialization: a snapshot every ``period`` steps.

The loop becomes a scan over segments of ``period`` steps, each segment under ``jax.checkpoint``:
the forward pass keeps only each segment's input (the snapshots), and the backward pass recomputes
one segment at a time, taped, before reversing it. Every step is evaluated twice in reverse mode;
the snapshots and one taped segment are kept. A trip count that ``period`` does not divide ends
with a shorter segment. Forward mode needs nothing special: ``jax.checkpoint`` has a JVP.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from workbench._src.arrays import constant

Body = Callable[[Any, Any], Any]


def periodic_loop(body: Body, lower: int, n: int, period: int, init: Any) -> Any:
    def segment(carry: Any, start: Any, length: int) -> Any:
        return lax.fori_loop(0, length, lambda j, c: body(start + j, c), carry)

    full, rest = divmod(n, period)
    carry = init
    if full:
        taped_segment = jax.checkpoint(lambda c, start: segment(c, start, period))
        # int32 starts: a segment's index is int32, as the checkpointed loop's, whatever x64 says
        starts = constant(lower + period * np.arange(full), jnp.int32)
        carry, _ = lax.scan(lambda c, start: (taped_segment(c, start), None), carry, starts)
    if rest:
        last = jax.checkpoint(lambda c, start: segment(c, start, rest))
        carry = last(carry, constant(lower + full * period, jnp.int32))
    return carry


def mincut_body(body: Body) -> Body:
    """Per step, keep only the step's input and the products of matrix multiplications (which
    are expensive to recompute); everything elementwise is recomputed in the backward pass."""
    return jax.checkpoint(body, policy=jax.checkpoint_policies.dots_saveable)


def periodic_bounded_loop(
    body: Body,
    keep_going: Callable[[Any, Any], Any],
    init: Any,
    max_steps: int,
    period: int,
) -> Any:
    """A loop whose trip count is known only when it runs (a traced bound, or a condition),
    at most ``max_steps``, with a snapshot every ``period`` steps.

    A snapshot needs only the count of steps so far: the loop is the periodic loop of
    ``max_steps`` steps in which step ``k`` runs ``body(k, x)`` only while ``keep_going(k, x)``
    has held at every step so far (a ``lax.cond``; once the loop has stopped, every further
    step, and every further segment, leaves the carry as it is without evaluating the body).
    Reverse mode keeps ``ceil(max_steps / period)`` snapshots (a stopped segment's is its input)
    and one taped segment; it evaluates each step that ran twice, as ``periodic_loop``.
    """

    def step(k: Any, state: Any) -> Any:
        x, running = state
        running = running & keep_going(k, x)
        return lax.cond(running, lambda x: body(k, x), lambda x: x, x), running

    def segment(state: Any, start: Any, length: int) -> Any:
        def run(state: Any) -> Any:
            return lax.fori_loop(0, length, lambda j, s: step(start + j, s), state)

        return lax.cond(state[1], run, lambda s: s, state)

    full, rest = divmod(max_steps, period)
    state = (init, jnp.bool_(True))
    if full:
        taped_segment = jax.checkpoint(lambda s, start: segment(s, start, period))
        starts = period * jnp.arange(full, dtype=jnp.int32)
        state, _ = lax.scan(lambda s, start: (taped_segment(s, start), None), state, starts)
    if rest:
        last = jax.checkpoint(lambda s, start: segment(s, start, rest))
        state = last(state, jnp.int32(full * period))
    return state[0]


def bounded_loop(
    body: Body, keep_going: Callable[[Any, Any], Any], init: Any, max_steps: int
) -> Any:
    """Store-all for a trip count known only when the loop runs, at most ``max_steps``: a
    ``lax.scan`` of ``max_steps`` steps (which reverse mode can store), step ``k`` running
    ``body(k, x)`` only while ``keep_going(k, x)`` has held at every step so far."""

    def step(state: Any, k: Any) -> Any:
        x, running = state
        running = running & keep_going(k, x)
        return (lax.cond(running, lambda x: body(k, x), lambda x: x, x), running), None

    ks = jnp.arange(max_steps, dtype=jnp.int32)
    return lax.scan(step, (init, jnp.bool_(True)), ks)[0][0]
