"""Dead code of a ``checkpointed_loop``: a carry nobody reads disappears from the loop, and with
it the snapshots reverse mode would keep of it (JAX gives ``scan``, ``while`` and ``remat`` such
a rule; without one a loop stays whole wherever one of its outputs is used).

A carry is needed when an output that is used reads it, directly or through other carries, or
when the condition of a ``while`` loop reads it (the trip count depends on it); a body constant
when a needed carry's step reads it. The loop is rebuilt on the needed carries and constants; a
loop none of whose outputs is used (the trip count included) and that has no effects is dropped.
A loop with effects (a ``jax.debug.callback`` in its body) is kept whole: every step's effect
must happen. Registered with ``rules.register_dce`` when ``workbench._src.loops`` is imported.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import jax

from workbench._src.internals import rules
from workbench._src.loops.binding import Loop, checkpointed_loop_p


def needed_carries(spec: Loop, wanted: Sequence[bool]) -> list[bool]:
    """The carries the wanted ones need (and, for a ``while`` loop, its condition): a fixed
    point of the body's dependences. Every carry where the body has effects (each step must
    run as the plan says, e.g. a ``jax.debug.callback`` counting evaluations)."""
    nb, nc = spec.num_body_consts, spec.num_cond_consts
    if rules.effects_of(spec.body):
        return [True] * len(wanted)
    flags = [bool(w) for w in wanted]
    if spec.count == "while":
        cond_used = rules.used_inputs(spec.cond, [True])
        flags = [f or u for f, u in zip(flags, cond_used[1 + nc :], strict=True)]
    while any(flags):
        used = rules.used_inputs(spec.body, flags)
        new = [f or u for f, u in zip(flags, used[1 + nb :], strict=True)]
        if new == flags:
            break
        flags = new
    return flags


@rules.weak_cache
def restrict(closed: Any, keep_in: tuple[bool, ...], keep_out: tuple[bool, ...]) -> Any:
    """``closed`` on the kept inputs, giving the kept outputs (the inputs left out must be
    unread by those outputs: they are filled with zeros, which dead-code removal then drops)."""
    fn = rules.jaxpr_as_fun(closed)
    avals = list(closed.in_avals)

    def kept(*args: Any) -> list[Any]:
        it = iter(args)
        full = [next(it) if k else rules.zeros(a) for a, k in zip(avals, keep_in, strict=True)]
        outs = fn(*full)
        return [o for o, k in zip(outs, keep_out, strict=True) if k]

    staged = jax.make_jaxpr(kept)(*[a for a, k in zip(avals, keep_in, strict=True) if k])
    return rules.dce(staged, [True] * len(staged.out_avals))[0]


def restricted(spec: Loop, keep_bc: Sequence[bool], keep_x: Sequence[bool]) -> Loop:
    """The loop on the kept body constants and carries (``keep_x`` closed under
    ``needed_carries``; ``keep_bc`` holding every constant their steps read)."""
    nc = spec.num_cond_consts
    body = restrict(spec.body, (True, *keep_bc, *keep_x), tuple(keep_x))
    cond = spec.cond
    if cond is not None:
        cond = restrict(cond, (True, *[True] * nc, *keep_x), (True,))
    return dataclasses.replace(spec, body=body, cond=cond, num_body_consts=sum(keep_bc))


def dce_rule(used_outputs: list[bool], eqn: Any) -> tuple[list[bool], Any]:
    invars, outvars, params, effects = rules.equation_parts(eqn)
    spec = Loop(**params)
    if effects:  # every step's effect must happen: keep the loop whole
        return [True] * len(invars), eqn
    used_x, used_steps = [bool(u) for u in used_outputs[:-1]], bool(used_outputs[-1])
    if not any(used_x) and not used_steps:
        return [False] * len(invars), None
    keep_x = needed_carries(spec, used_x)
    nb = spec.num_body_consts
    body_used = rules.used_inputs(spec.body, keep_x)
    keep_bc = [bool(u) for u in body_used[1 : 1 + nb]]
    if all(keep_x) and all(keep_bc):
        return [True] * len(invars), eqn
    new_spec = restricted(spec, keep_bc, keep_x)
    cc_v, bc_v, x_v = spec.split(invars)
    new_invars = [*cc_v, *_pick(bc_v, keep_bc), *_pick(x_v, keep_x)]
    new_outvars = [*_pick(outvars[:-1], keep_x), outvars[-1]]
    new_eqn = rules.new_eqn(
        new_invars, new_outvars, checkpointed_loop_p, new_spec.params, effects, eqn
    )
    return [True] * len(cc_v) + keep_bc + keep_x, new_eqn


def _pick(values: Sequence[Any], keep: Sequence[bool]) -> list[Any]:
    return [v for v, k in zip(values, keep, strict=True) if k]


rules.register_dce(checkpointed_loop_p, dce_rule)
