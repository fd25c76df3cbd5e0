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
from jax import lax

Body = Callable[[Any, Any], Any]


def periodic_loop(body: Body, lower: int, n: int, period: int, init: Any) -> Any:
    def segment(carry: Any, start: Any, length: int) -> Any:
        return lax.fori_loop(0, length, lambda j, c: body(start + j, c), carry)

    full, rest = divmod(n, period)
    carry = init
    if full:
        taped_segment = jax.checkpoint(lambda c, start: segment(c, start, period))
        # int32 starts: a segment's index is int32, as the checkpointed loop's, whatever x64 says
        starts = lower + period * jnp.arange(full, dtype=jnp.int32)
        carry, _ = lax.scan(lambda c, start: (taped_segment(c, start), None), carry, starts)
    if rest:
        last = jax.checkpoint(lambda c, start: segment(c, start, rest))
        carry = last(carry, jnp.asarray(lower + full * period, jnp.int32))
    return carry


def mincut_body(body: Body) -> Body:
    """Per step, keep only the step's input and the products of matrix multiplications (which
    are expensive to recompute); everything elementwise is recomputed in the backward pass."""
    return jax.checkpoint(body, policy=jax.checkpoint_policies.dots_saveable)
