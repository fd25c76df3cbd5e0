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

Primitives that hold jaxprs are handled by the table ``NESTED`` (primitive -> ``NestedRule``):
calls (``jit``, ``closed_call``/``eval_jaxpr``, ``checkpoint``, ``custom_jvp_call``,
``custom_vjp_call``) are inlined (the result is a derivative computation that is evaluated, so
their own derivative rules are not needed); ``scan``, ``while`` and ``cond`` are rebuilt with
``lax.scan``/``lax.while_loop``/``lax.switch`` on transformed bodies, so the compiled program
keeps its loops. ``register_nested`` adds a primitive (the workbench's own loop primitive
registers itself there). A primitive with a nested jaxpr that is not in the table is evaluated as
is, with a warning, because strong zero cannot reach inside it. Which primitive is which, and how
their parameters are laid out, comes from ``workbench._src.internals``.

Layout follows ``jax/_src/ad_checkpoint.py``: the entry point first, then the implementation.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.extend.core as jex
from jax import lax
from jax.extend import source_info_util as siu

from workbench._src.ad.strong_zero_rules import RULES
from workbench._src.internals import jaxprs, params
from workbench._src.internals import primitives as prims

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
# Primitives that hold jaxprs


@dataclasses.dataclass(frozen=True)
class NestedRule:
    """How strong zero handles the equations of a primitive that holds jaxprs.

    Attributes:
      evaluate: ``(eqn, operands, is_derivative, direction) -> (outputs, out_is_derivative)``;
        computes the equation with strong zero inside its jaxprs (``evaluate_jaxpr`` on them).
        Called only when some operand is a derivative value.
      analyze: ``(eqn, is_derivative) -> out_is_derivative``; which outputs are derivative
        values, computing nothing (``analyze_jaxpr`` on its jaxprs).
    """

    evaluate: Callable[[Any, list[Any], list[bool], str], tuple[list[Any], list[bool]]]
    analyze: Callable[[Any, list[bool]], list[bool]]


NESTED: dict[Any, NestedRule] = {}


def register_nested(
    primitive: Any,
    evaluate: Callable[[Any, list[Any], list[bool], str], tuple[list[Any], list[bool]]],
    analyze: Callable[[Any, list[bool]], list[bool]],
) -> None:
    """Lets strong zero reach inside the jaxprs of ``primitive`` (see ``NestedRule``)."""
    NESTED[primitive] = NestedRule(evaluate, analyze)


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
        nested = NESTED.get(eqn.primitive)
        if not any(fs):
            out = [False] * len(eqn.outvars)
        elif nested is not None:
            out = nested.analyze(eqn, fs)
        else:
            out = [True] * len(eqn.outvars)
        for v, f in zip(eqn.outvars, out, strict=True):
            if not isinstance(v, jex.DropVar):
                flags[v] = f
    return [flag(v) for v in jaxpr.outvars]


def carry_flags(body: Any, before: list[bool], carry: list[bool], after: list[bool]) -> list[bool]:
    """Which loop carries are derivative values: those that are on entry or that the ``body``
    (an open jaxpr of ``before + carry + after`` whose first outputs are the carry) makes so; a
    fixed point."""
    while True:
        out = analyze_jaxpr(body, [*before, *carry, *after])
        new = [a or b for a, b in zip(carry, out[: len(carry)], strict=True)]
        if new == carry:
            return carry
        carry = new


def _eval_eqn(
    eqn: Any, invals: list[Any], in_flags: list[bool], direction: str
) -> tuple[list[Any], list[bool]]:
    prim, n_out = eqn.primitive, len(eqn.outvars)
    if not any(in_flags):  # purely primal: evaluate untouched
        return _bind(eqn, invals), [False] * n_out
    rule = RULES.get(prim)
    if rule is not None:
        return rule(direction, invals, in_flags, **eqn.params), [True] * n_out
    nested = NESTED.get(prim)
    if nested is not None:
        return nested.evaluate(eqn, invals, in_flags, direction)
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


# Calls: the called jaxpr is inlined.


def _call(
    eqn: Any, invals: list[Any], in_flags: list[bool], direction: str
) -> tuple[list[Any], list[bool]]:
    jaxpr, consts = jaxprs.open_jaxpr(params.called_jaxpr(eqn))
    return evaluate_jaxpr(jaxpr, consts, invals, in_flags, direction)


def _call_flags(eqn: Any, in_flags: list[bool]) -> list[bool]:
    return analyze_jaxpr(jaxprs.open_jaxpr(params.called_jaxpr(eqn))[0], in_flags)


for _prim in prims.CALLS:
    register_nested(_prim, _call, _call_flags)


# scan: operands consts + carry + xs; outputs carry + ys.


def _scan_flags(eqn: Any, in_flags: list[bool]) -> list[bool]:
    nc, nk = params.scan_layout(eqn.params)
    body = jaxprs.open_jaxpr(params.scan_body(eqn.params))[0]
    c_flags, x_flags = in_flags[:nc], in_flags[nc + nk :]
    k_flags = carry_flags(body, c_flags, in_flags[nc : nc + nk], x_flags)
    return [*k_flags, *analyze_jaxpr(body, [*c_flags, *k_flags, *x_flags])[nk:]]


def _scan(
    eqn: Any, invals: list[Any], in_flags: list[bool], direction: str
) -> tuple[list[Any], list[bool]]:
    nc, nk = params.scan_layout(eqn.params)
    body, body_consts = jaxprs.open_jaxpr(params.scan_body(eqn.params))
    consts, init, xs = invals[:nc], invals[nc : nc + nk], invals[nc + nk :]
    c_flags, x_flags = in_flags[:nc], in_flags[nc + nk :]
    k_flags = carry_flags(body, c_flags, in_flags[nc : nc + nk], x_flags)
    body_flags = [*c_flags, *k_flags, *x_flags]

    def step(carry: list[Any], x: list[Any]) -> tuple[list[Any], list[Any]]:
        outs, _ = evaluate_jaxpr(body, body_consts, [*consts, *carry, *x], body_flags, direction)
        return outs[:nk], outs[nk:]

    carry, ys = lax.scan(step, list(init), list(xs), **params.scan_call_options(eqn.params))
    y_flags = analyze_jaxpr(body, body_flags)[nk:]
    return [*carry, *ys], [*k_flags, *y_flags]


register_nested(prims.SCAN, _scan, _scan_flags)


# while: operands cond_consts + body_consts + carry; outputs carry.


def _while_flags(eqn: Any, in_flags: list[bool]) -> list[bool]:
    cn, bn, _, body = params.while_layout(eqn.params)
    return carry_flags(jaxprs.open_jaxpr(body)[0], in_flags[cn : cn + bn], in_flags[cn + bn :], [])


def _while(
    eqn: Any, invals: list[Any], in_flags: list[bool], direction: str
) -> tuple[list[Any], list[bool]]:
    cn, bn, cond_closed, body_closed = params.while_layout(eqn.params)
    cond, cond_jaxpr_consts = jaxprs.open_jaxpr(cond_closed)
    body, body_jaxpr_consts = jaxprs.open_jaxpr(body_closed)
    cond_consts, body_consts, init = invals[:cn], invals[cn : cn + bn], invals[cn + bn :]
    cc_flags, bc_flags = in_flags[:cn], in_flags[cn : cn + bn]
    k_flags = _while_flags(eqn, in_flags)

    def cond_fn(carry: Any) -> Any:
        args, flags = [*cond_consts, *carry], [*cc_flags, *k_flags]
        return evaluate_jaxpr(cond, cond_jaxpr_consts, args, flags, direction)[0][0]

    def body_fn(carry: Any) -> Any:
        args, flags = [*body_consts, *carry], [*bc_flags, *k_flags]
        return evaluate_jaxpr(body, body_jaxpr_consts, args, flags, direction)[0]

    return list(lax.while_loop(cond_fn, body_fn, list(init))), k_flags


register_nested(prims.WHILE, _while, _while_flags)


# cond: operands index + branch operands.


def _cond_flags(eqn: Any, in_flags: list[bool]) -> list[bool]:
    _, op_flags = params.split_cond_operands(in_flags)
    per_branch = [
        analyze_jaxpr(jaxprs.open_jaxpr(br)[0], op_flags) for br in params.cond_branches(eqn.params)
    ]
    return [any(fs) for fs in zip(*per_branch, strict=True)]


def _cond(
    eqn: Any, invals: list[Any], in_flags: list[bool], direction: str
) -> tuple[list[Any], list[bool]]:
    index, operands = params.split_cond_operands(invals)
    _, op_flags = params.split_cond_operands(in_flags)

    def branch_fn(branch: Any) -> Callable[..., list[Any]]:
        jaxpr, consts = jaxprs.open_jaxpr(branch)
        return lambda *ops: evaluate_jaxpr(jaxpr, consts, list(ops), op_flags, direction)[0]

    branches = [branch_fn(br) for br in params.cond_branches(eqn.params)]
    return list(lax.switch(index, branches, *operands)), _cond_flags(eqn, in_flags)


register_nested(prims.COND, _cond, _cond_flags)
