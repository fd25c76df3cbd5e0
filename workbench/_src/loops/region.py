"""The checkpointed loop in the registry of primitives that hold jaxprs (``internals.regions``):
its body and condition, how to rebuild it on replaced ones, and what the graph shows of it.
Registered when the loops are imported (internals never imports the loops)."""

from __future__ import annotations

import dataclasses
from typing import Any

import jax
import jax.numpy as jnp
from jax import lax

from workbench._src.internals import jaxprs, regions
from workbench._src.loops.binding import Loop, checkpointed_loop_p


def _subs(eqn: Any) -> list[regions.SubJaxpr]:
    """The body (and condition). Their first input is the step counter, which no outer value
    feeds (``None``); the body gives the carry, not the step count (the last output)."""
    loop = Loop(**eqn.params)
    cc, bc, carry = loop.split(eqn.invars)
    body = regions.SubJaxpr(
        *jaxprs.open_jaxpr(loop.body),
        "body",
        [None, *bc, *carry],
        eqn.outvars[:-1],
        regions.carries(1 + len(bc), len(carry)),
        [False] + [True] * len(bc) + [False] * len(carry),
    )
    if loop.cond is None:
        return [body]
    cond = regions.SubJaxpr(
        *jaxprs.open_jaxpr(loop.cond),
        "cond",
        [None, *cc, *carry],
        [None],
        regions.carries(1 + len(cc), len(carry)),
        [False] + [True] * len(cc) + [False] * len(carry),
    )
    return [cond, body]


def _rebuild(
    eqn: Any, ins: list[Any], bodies: list[regions.Body], state: Any
) -> tuple[list[Any], Any]:
    spec = Loop(**eqn.params)
    cc, bc, init = spec.split(ins)
    *cond, body = bodies
    if state is None:
        # Nothing to thread: the loop re-bound on the new jaxprs keeps its checkpointing (a
        # reverse pass through Revolve's backward loops, a tangent loop).
        def traced(run: regions.Body, avals: Any) -> Any:
            return jax.make_jaxpr(lambda k, *xs: list(run(None, k, k, *xs)[0]))(*avals)

        new = dataclasses.replace(
            spec,
            body=traced(body, spec.body.in_avals),
            cond=traced(cond[0], spec.cond.in_avals) if cond else spec.cond,
        )
        carry, steps = new.bind(cc, bc, init)
        return [*carry, steps], None
    # A state to thread (explain_nans' records): a plain loop, run forward only.
    k0 = jnp.zeros((), spec.body.in_avals[0].dtype)

    def step(s: Any) -> Any:
        k, st, carry = s
        outs, st = body(st, k, k, *bc, *carry)
        return (k + 1, st, list(outs))

    if cond:

        def more(s: Any) -> Any:
            ok = cond[0](s[1], s[0], s[0], *cc, *s[2])[0][0]
            return ok if spec.max_steps is None else ok & (s[0] < spec.max_steps)
    else:
        n = spec.length if spec.count == "static" else cc[0]

        def more(s: Any) -> Any:
            return s[0] < n

    steps, state, carry = lax.while_loop(more, step, (k0, state, list(init)))
    return [*carry, jnp.asarray(steps, jnp.int32)], state


def _params(eqn: Any) -> list[tuple[str, str]]:
    loop = Loop(**eqn.params)
    count = {"static": str(loop.length), "dynamic": "known at run time"}.get(
        loop.count,
        "while the condition holds"
        + (f", at most {loop.max_steps}" if loop.max_steps is not None else ""),
    )
    return [
        ("trip count", count),
        ("scheme", f"Binomial({loop.snapshots})"),
        ("snapshots", str(loop.snapshots)),
    ]


regions.register(
    checkpointed_loop_p,
    regions.Region("loop", _subs, loop=True, rebuild=_rebuild, params=_params),
)
