"""Strong zero inside a checkpointed loop: the loop is rebuilt on its body transformed by strong
zero, so a reverse pass (Revolve's backward loops) or a tangent loop keeps its checkpointing and
its guards. Registered with ``strong_zero.register_nested`` when the loops are imported."""

from __future__ import annotations

import dataclasses
from typing import Any

import jax

from workbench._src.ad import strong_zero
from workbench._src.internals import rules
from workbench._src.loops.primitive import Loop, checkpointed_loop_p


def _carry_flags(spec: Loop, in_flags: list[bool]) -> tuple[list[bool], list[bool], list[bool]]:
    _, bc_flags, x_flags = spec.split(in_flags)
    body = rules.open_jaxpr(spec.body)[0]
    # The body's inputs are (k, *body consts, *carry): the counter is never a derivative value.
    x_flags = strong_zero.carry_flags(body, [False, *bc_flags], list(x_flags), [])
    return [False] * spec.num_cond_consts, list(bc_flags), x_flags


def _analyze(eqn: Any, in_flags: list[bool]) -> list[bool]:
    _, _, x_flags = _carry_flags(Loop(**eqn.params), in_flags)
    return [*x_flags, False]


def _evaluate(
    eqn: Any, invals: list[Any], in_flags: list[bool], direction: str
) -> tuple[list[Any], list[bool]]:
    spec = Loop(**eqn.params)
    _, bc_flags, x_flags = _carry_flags(spec, in_flags)
    body, consts = rules.open_jaxpr(spec.body)
    body_flags = [False, *bc_flags, *x_flags]

    def guarded(*args: Any) -> list[Any]:
        return strong_zero.evaluate_jaxpr(body, consts, list(args), body_flags, direction)[0]

    guarded_spec = dataclasses.replace(spec, body=jax.make_jaxpr(guarded)(*spec.body.in_avals))
    cc, bc, init = spec.split(invals)
    carry, steps = guarded_spec.bind(cc, bc, init)
    return [*carry, steps], [*x_flags, False]


strong_zero.register_nested(checkpointed_loop_p, _evaluate, _analyze)
