"""The ``checkpointed_loop`` primitive as an object, its parameters (``Loop``) and how a Python
loop body becomes an equation of it (``loop``).

The rules that give the primitive its meaning are in ``primitive.py``; Revolve's backward pass
(``revolve.py``) builds its loops with ``loop``. Both import this module, so that the rules can use
``revolve`` and ``revolve`` can bind the primitive without an import circle. The rules are
registered whenever any module of ``workbench._src.loops`` is imported (the package imports
``primitive``), before any loop can be bound.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp

from workbench._src.internals import private_jax, rules

INDEX = jnp.int32  # trip counts and the schedule's integers

# Named scopes of what the rules add, so that a program's graph and HLO say what they are.
FORWARD_SCOPE = "revolve_forward_sweep"
BACKWARD_SCOPE = "revolve_backward"

checkpointed_loop_p = rules.Primitive("checkpointed_loop")
checkpointed_loop_p.multiple_results = True


@private_jax.weak_cache_key  # a param held weakly by JAX's caches (it holds jaxprs)
@dataclasses.dataclass(frozen=True)
class Loop:
    """The static part of a ``checkpointed_loop`` equation (its params)."""

    body: Any  # ClosedJaxpr: (k, *body_consts, *carry) -> carry
    cond: Any  # ClosedJaxpr (k, *cond_consts, *carry) -> bool[], for count == "while"
    count: str  # "static" | "dynamic" | "while"
    length: int | None  # static
    max_steps: int | None  # while
    snapshots: int  # Revolve's snapshots when the loop is reversed
    num_cond_consts: int
    num_body_consts: int

    @property
    def params(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def split(self, operands: Sequence[Any]) -> tuple[list[Any], list[Any], list[Any]]:
        nc, nb = self.num_cond_consts, self.num_body_consts
        return list(operands[:nc]), list(operands[nc : nc + nb]), list(operands[nc + nb :])

    @property
    def carry_avals(self) -> list[Any]:
        return list(self.body.in_avals[1 + self.num_body_consts :])

    @property
    def body_const_avals(self) -> list[Any]:
        return list(self.body.in_avals[1 : 1 + self.num_body_consts])

    def bind(self, cond_consts: Sequence[Any], body_consts: Sequence[Any], init: Sequence[Any]):
        outs = checkpointed_loop_p.bind(*cond_consts, *body_consts, *init, **self.params)
        return list(outs[:-1]), outs[-1]


# ---------------------------------------------------------------------------------------------
# Tracing Python functions into loop bodies


def _k_aval() -> Any:
    """The step counter's type: a Python int's (a weakly typed int), as ``lax.fori_loop``'s
    index, so that a body sees the index ``lax.fori_loop`` would give it."""
    return rules.aval_of(0)


def trace(fn: Callable[..., Any], *avals: Any) -> tuple[Any, list[Any]]:
    """``fn(k, *args)`` as a closed jaxpr ``(k, *consts, *args)`` whose constants (every value it
    closes over, tracers of enclosing transformations included) are inputs; and those consts."""
    closed = jax.make_jaxpr(fn)(_k_aval(), *avals)
    jaxpr, consts = rules.open_jaxpr(closed)
    if not consts:
        return closed, []
    n = len(consts)

    def with_consts(k: Any, *args: Any) -> Any:
        return rules.jaxpr_as_fun(rules.close(jaxpr, args[:n]))(k, *args[n:])

    hoisted = jax.make_jaxpr(with_consts)(_k_aval(), *map(rules.aval_of, consts), *avals)
    return hoisted, consts


def loop(
    body: Callable[[Any, list[Any]], Sequence[Any]],
    init: Sequence[Any],
    *,
    snapshots: int,
    length: int | None = None,
    steps: Any = None,
    cond: Callable[[Any, list[Any]], Any] | None = None,
    max_steps: int | None = None,
) -> tuple[list[Any], Any]:
    """Binds ``checkpointed_loop`` for a Python ``body(k, carry) -> carry`` (carry: a list of
    arrays). Give ``length`` (static), ``steps`` (a traced trip count) or ``cond(k, carry)``."""
    init = list(init)
    # A loop never stores more snapshots than it has steps: every buffer the rules size by the
    # scheme (Revolve's snapshots, its stack) is bounded by the trip count where it is known
    # when tracing (a static length, a while loop's max_steps). A trip count known only at run
    # time bounds nothing: the scheme's count is kept.
    bound = length if length is not None else max_steps
    if bound is not None:
        snapshots = max(1, min(snapshots, bound))
    avals = [rules.aval_of(x) for x in init]
    body_jaxpr, body_consts = trace(lambda k, *x: list(body(k, list(x))), *avals)
    check_keeps_carry(body_jaxpr, len(body_consts), avals)
    cond_jaxpr, cond_consts = None, []
    if length is not None:
        count = "static"
    elif steps is not None:
        count, cond_consts = "dynamic", [jnp.asarray(steps, INDEX)]
    else:
        assert cond is not None
        count = "while"
        cond_jaxpr, cond_consts = trace(lambda k, *x: cond(k, list(x)), *avals)
    spec = Loop(
        body_jaxpr,
        cond_jaxpr,
        count,
        length,
        max_steps,
        snapshots,
        len(cond_consts),
        len(body_consts),
    )
    return spec.bind(cond_consts, body_consts, init)


def check_keeps_carry(body: Any, num_consts: int, avals: Sequence[Any]) -> None:
    """The body's outputs have the carry's types (an internal invariant of every derived loop)."""
    ins = [(a.shape, a.dtype) for a in avals]
    outs = [(a.shape, a.dtype) for a in body.out_avals]
    if ins != outs:  # pragma: no cover - a bug in a rule, never a user error
        raise AssertionError(f"checkpointed_loop body changes its carry: {ins} -> {outs}")
