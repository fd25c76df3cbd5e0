"""Strong zero: Enzyme's ``set_strong_zero`` as a transformation of JAX's derivative jaxprs.

With strong zero on, a product whose derivative factor is exactly zero is zero, even when the
other factor is inf or NaN. The gradient of ``min(1, 1/x)`` at 0 is then ``-0.0`` instead of NaN,
with no "double where" in the user's code.

What is transformed is only the derivative computation, never the primal one: the backward
jaxpr of ``jax.vjp`` (reverse mode; primal values enter it as residual constants) or the jaxpr of
``jax.jvp`` (forward mode; primal and tangent equations side by side). A dataflow pass marks which
values depend on the tangent or cotangent ("derivative values"); the rules of
``strong_zero_rules.py`` rewrite the products between a derivative value and a primal one, and
every equation on primal values alone is evaluated untouched. The semantics (which zero wins in
which mode) are documented there.

Where no inf or NaN is involved, the derivative is the plain one up to rounding: at most 4 units
in the last place of the largest entry of each result, because the guards can change which
multiply-adds XLA fuses and in which order it sums (a forward-mode product rule; a matrix product,
which XLA 0.11.2+ sums in another order under the ``dot_general`` guard's ``cond``). In reverse
mode through elementwise products (``mul``, ``div``) it is bit for bit, compiled or not.
``tests/test_strong_zero.py`` checks exactly this.

Primitives that hold jaxprs are walked through their registrations (``internals.regions``):
calls (``jit``, ``closed_call``/``eval_jaxpr``, ``checkpoint``, ``custom_jvp_call``,
``custom_vjp_call``) are inlined (the result is a derivative computation that is evaluated, so
their own derivative rules are not needed); ``scan``, ``while``, ``cond`` and the workbench's
checkpointed loop are rebuilt by their registration on transformed bodies, so the compiled
program keeps its loops. Which inputs of a body are derivative values follows from how they bind
to the equation's (a loop's carry: a fixed point). A primitive with a nested jaxpr that cannot be
opened (``shard_map``, one not registered) is evaluated as is, with a warning, because strong
zero cannot reach inside it.

Layout follows ``jax/_src/ad_checkpoint.py``: the entry point first, then the implementation.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.extend.core as jex
from jax.extend import source_info_util as siu

from workbench._src.ad.strong_zero_rules import RULES
from workbench._src.internals import jaxprs, regions

# ---------------------------------------------------------------------------------------------
# Entry point


def strong_zero(
    fn: Callable[..., Any], direction: str, derivative_args: Sequence[bool] | None = None
) -> Callable[..., Any]:
    """Returns ``fn`` with strong-zero products between derivative and primal values.

    Where no inf or NaN is involved the result is ``fn``'s up to rounding (at most 4 units in
    the last place of the largest entry); bit for bit in reverse mode through elementwise
    products (see the module docstring).

    Args:
      fn: a derivative computation: the pullback from ``jax.vjp``, or a function that calls
        ``jax.jvp`` (its primal computation is left as it is).
      direction: ``"reverse"`` or ``"forward"``; selects the semantics of
        ``strong_zero_rules.py``.
      derivative_args: for each positional argument of ``fn``, whether it is a derivative
        value (a tangent or cotangent); all of them if ``None``.
    """
    if direction not in ("forward", "reverse"):
        raise ValueError(f"direction must be 'forward' or 'reverse', got {direction!r}")

    def transformed(*args: Any) -> Any:
        closed, out_shape = jax.make_jaxpr(fn, return_shape=True)(*args)
        marks = [True] * len(args) if derivative_args is None else derivative_args
        flat_args, flags = [], []
        for arg, mark in zip(args, marks, strict=True):
            leaves = jax.tree_util.tree_leaves(arg)
            flat_args += leaves
            flags += [mark] * len(leaves)
        jaxpr, consts = jaxprs.open_jaxpr(closed)
        outs, _ = evaluate_jaxpr(jaxpr, consts, flat_args, flags, direction)
        return jax.tree_util.tree_unflatten(jax.tree_util.tree_structure(out_shape), outs)

    return transformed


# ---------------------------------------------------------------------------------------------
# Implementation: an interpreter that tracks which values are derivative values.


def evaluate_jaxpr(
    jaxpr: Any,
    consts: Sequence[Any],
    args: Sequence[Any],
    arg_flags: Sequence[bool],
    direction: str,
) -> tuple[list[Any], list[bool]]:
    """Evaluates an open jaxpr with strong zero; returns its outputs and which of them are
    derivative values (``arg_flags`` says which arguments are)."""
    env: dict[Any, Any] = {}
    flags: dict[Any, bool] = {}

    def read(v: Any) -> Any:
        return v.val if isinstance(v, jex.Literal) else env[v]

    def flag(v: Any) -> bool:
        return False if isinstance(v, jex.Literal) else flags[v]

    for v, c in zip(jaxpr.constvars, consts, strict=True):
        env[v], flags[v] = c, False
    for v, a, f in zip(jaxpr.invars, args, arg_flags, strict=True):
        env[v], flags[v] = a, f

    for eqn in jaxpr.eqns:
        invals = [read(v) for v in eqn.invars]
        in_flags = [flag(v) for v in eqn.invars]
        # Keep each equation's name stack (e.g. transpose(jvp(f))), so that the transformed
        # program still tells backward ops from forward ones (introspection reads it).
        with siu.user_context(
            eqn.source_info.traceback,
            name_stack=siu.current_name_stack() + eqn.source_info.name_stack,
        ):
            outs, out_flags = _eval_eqn(eqn, invals, in_flags, direction)
        for v, val, f in zip(eqn.outvars, outs, out_flags, strict=True):
            if not isinstance(v, jex.DropVar):
                env[v], flags[v] = val, f
    return [read(v) for v in jaxpr.outvars], [flag(v) for v in jaxpr.outvars]


def analyze_jaxpr(jaxpr: Any, in_flags: Sequence[bool]) -> list[bool]:
    """Which outputs of an open ``jaxpr`` are derivative values, given which inputs are."""
    flags: dict[Any, bool] = {v: False for v in jaxpr.constvars}
    flags.update(zip(jaxpr.invars, in_flags, strict=True))

    def flag(v: Any) -> bool:
        return False if isinstance(v, jex.Literal) else flags[v]

    for eqn in jaxpr.eqns:
        fs = [flag(v) for v in eqn.invars]
        region = regions.region_of(eqn.primitive)
        if not any(fs):
            out = [False] * len(eqn.outvars)
        elif region is not None and region.opens:
            out = _region_flags(eqn, region.subs(eqn), fs)[1]
        else:
            out = [True] * len(eqn.outvars)
        for v, f in zip(eqn.outvars, out, strict=True):
            if not isinstance(v, jex.DropVar):
                flags[v] = f
    return [flag(v) for v in jaxpr.outvars]


def _eval_eqn(
    eqn: Any, invals: list[Any], in_flags: list[bool], direction: str
) -> tuple[list[Any], list[bool]]:
    prim, n_out = eqn.primitive, len(eqn.outvars)
    if not any(in_flags):  # purely primal: evaluate untouched
        return _bind(eqn, invals), [False] * n_out
    rule = RULES.get(prim)
    if rule is not None:
        return rule(direction, invals, in_flags, **eqn.params), [True] * n_out
    region = regions.region_of(prim)
    if region is not None and region.opens:
        return _nested(eqn, region, invals, in_flags, direction)
    if any(True for _ in jaxprs.jaxprs_in_params(eqn.params)):
        warnings.warn(
            f"strong zero cannot look inside the primitive {prim.name!r}; it is evaluated with "
            "ordinary products, so an inf or NaN inside it can still reach the derivative.",
            stacklevel=2,
        )
    return _bind(eqn, invals), [True] * n_out


def _bind(eqn: Any, invals: list[Any]) -> list[Any]:
    bind_params = eqn.primitive.get_bind_params(eqn.params)
    subfuns: list[Any] = []
    if isinstance(bind_params, tuple):  # older JAX returned (subfuns, params)
        subfuns, bind_params = bind_params
    with eqn.ctx.manager:
        out = eqn.primitive.bind(*subfuns, *invals, **bind_params)
    return list(out) if eqn.primitive.multiple_results else [out]


# Primitives that hold jaxprs (``internals.regions``): calls inlined, others rebuilt on their
# jaxprs evaluated with strong zero.


def _nested(
    eqn: Any, region: regions.Region, invals: list[Any], in_flags: list[bool], direction: str
) -> tuple[list[Any], list[bool]]:
    subs = region.subs(eqn)
    if region.call:
        return evaluate_jaxpr(subs[0].jaxpr, subs[0].consts, invals, in_flags, direction)
    sub_flags, out_flags = _region_flags(eqn, subs, in_flags)

    def body(sub: regions.SubJaxpr, flags: list[bool]) -> regions.Body:
        def run(state: Any, index: Any, *xs: Any) -> tuple[list[Any], Any]:
            return evaluate_jaxpr(sub.jaxpr, sub.consts, list(xs), flags, direction)[0], state

        return run

    assert region.rebuild is not None  # region.opens
    bodies = [body(s, f) for s, f in zip(subs, sub_flags, strict=True)]
    outs, _ = region.rebuild(eqn, invals, bodies, None)
    return list(outs), out_flags


def _region_flags(
    eqn: Any, subs: Sequence[regions.SubJaxpr], in_flags: Sequence[bool]
) -> tuple[list[list[bool]], list[bool]]:
    """Which inputs of each sub-jaxpr, and which outputs of the equation, are derivative values.
    A loop's carry is one where it is on entry or where a step makes it so: a fixed point."""
    outer = {id(v): f for v, f in zip(eqn.invars, in_flags, strict=True)}
    where = {id(v): m for m, v in enumerate(eqn.outvars)}
    looped = any(s.carried for s in subs)
    out = [False] * len(eqn.outvars)
    while True:
        new, per_sub = list(out), []
        for sub in subs:
            flags = [a is not None and outer.get(id(a), False) for a in sub.inputs]
            for i, m in enumerate(sub.carried):
                if m is not None:
                    flags[i] = flags[i] or out[m]
                    new[m] = new[m] or flags[i]  # a loop that runs no step gives its input
            per_sub.append(flags)
            for a, f in zip(sub.outputs, analyze_jaxpr(sub.jaxpr, flags), strict=True):
                if f and a is not None:
                    new[where[id(a)]] = True
        if not looped or new == out:
            return per_sub, new
        out = new
