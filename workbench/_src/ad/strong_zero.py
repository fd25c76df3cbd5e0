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

The interpreter recurses into nested jaxprs: ``jit``/``closed_call``, ``checkpoint`` (remat),
``custom_jvp_call``/``custom_vjp_call`` are inlined (the result is a derivative computation that
is evaluated, so their own derivative rules are not needed); ``scan``, ``while`` and ``cond`` are
rebuilt with ``lax.scan``/``lax.while_loop``/``lax.switch`` on transformed bodies, so the compiled
program keeps its loops. A primitive with a nested jaxpr that is not in that list is evaluated as
is, with a warning, because strong zero cannot reach inside it.

Layout follows ``jax/_src/ad_checkpoint.py``: the entry point first, then the implementation.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.extend.core as jex
from jax import lax
from jax.extend import source_info_util as siu

from workbench._src.ad.strong_zero_rules import RULES

# ---------------------------------------------------------------------------------------------
# Entry point


def strong_zero(
    fn: Callable[..., Any], direction: str, derivative_args: Sequence[bool] | None = None
) -> Callable[..., Any]:
    """Returns ``fn`` with strong-zero products between derivative and primal values.

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
        outs, _ = _eval(closed.jaxpr, closed.consts, flat_args, flags, direction)
        return jax.tree_util.tree_unflatten(jax.tree_util.tree_structure(out_shape), outs)

    return transformed


# ---------------------------------------------------------------------------------------------
# Implementation: an interpreter that tracks which values are derivative values.

_INLINED = {
    "pjit",
    "jit",
    "closed_call",
    "core_call",
    "remat2",
    "checkpoint",
    "custom_jvp_call",
    "custom_vjp_call",
    "custom_vjp_call_jaxpr",
    "custom_lin",
}
_SUBJAXPR_KEYS = ("jaxpr", "call_jaxpr", "fun_jaxpr")


def _inner(params: dict[str, Any]) -> tuple[Any, list[Any]]:
    """(open jaxpr, consts) of a call-like equation."""
    for key in _SUBJAXPR_KEYS:
        sub = params.get(key)
        if isinstance(sub, jex.ClosedJaxpr):
            return sub.jaxpr, list(sub.consts)
        if isinstance(sub, jex.Jaxpr):
            return sub, []
    raise LookupError


def _eval(
    jaxpr: Any,
    consts: Sequence[Any],
    args: Sequence[Any],
    arg_flags: Sequence[bool],
    direction: str,
) -> tuple[list[Any], list[bool]]:
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


def _eval_eqn(
    eqn: Any, invals: list[Any], in_flags: list[bool], direction: str
) -> tuple[list[Any], list[bool]]:
    prim, params = eqn.primitive, eqn.params
    n_out = len(eqn.outvars)
    if not any(in_flags):  # purely primal: evaluate untouched
        return _bind(eqn, invals), [False] * n_out
    if prim in RULES:
        return RULES[prim](direction, invals, in_flags, **params), [True] * n_out
    if prim.name == "scan":
        return _scan(params, invals, in_flags, direction)
    if prim.name == "while":
        return _while(params, invals, in_flags, direction)
    if prim.name == "cond":
        return _cond(params, invals, in_flags, direction)
    if prim.name in _INLINED:
        jaxpr, consts = _inner(params)
        return _eval(jaxpr, consts, invals, in_flags, direction)
    if any(True for _ in jex.jaxprs_in_params(params)):
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


def _carry_flags(body: Any, before: list[bool], carry: list[bool], after: list[bool]) -> list[bool]:
    """Fixed point: a carry is a derivative value if it is one on entry or the body makes it one."""
    while True:
        out = _analyze(body, [*before, *carry, *after])
        new = [a or b for a, b in zip(carry, out[: len(carry)], strict=True)]
        if new == carry:
            return carry
        carry = new


def _scan(
    params: dict[str, Any], invals: list[Any], in_flags: list[bool], direction: str
) -> tuple[list[Any], list[bool]]:
    nc, nk = params["num_consts"], params["num_carry"]
    body = params["jaxpr"]
    consts, init, xs = invals[:nc], invals[nc : nc + nk], invals[nc + nk :]
    c_flags, x_flags = in_flags[:nc], in_flags[nc + nk :]
    k_flags = _carry_flags(body.jaxpr, c_flags, in_flags[nc : nc + nk], x_flags)
    body_flags = [*c_flags, *k_flags, *x_flags]

    def step(carry: list[Any], x: list[Any]) -> tuple[list[Any], list[Any]]:
        outs, _ = _eval(body.jaxpr, body.consts, [*consts, *carry, *x], body_flags, direction)
        return outs[:nk], outs[nk:]

    carry, ys = lax.scan(
        step,
        list(init),
        list(xs),
        length=params["length"],
        reverse=params["reverse"],
        unroll=params["unroll"],
    )
    y_flags = _analyze(body.jaxpr, body_flags)[nk:]
    return [*carry, *ys], [*k_flags, *y_flags]


def _while(
    params: dict[str, Any], invals: list[Any], in_flags: list[bool], direction: str
) -> tuple[list[Any], list[bool]]:
    cn, bn = params["cond_nconsts"], params["body_nconsts"]
    cond, body = params["cond_jaxpr"], params["body_jaxpr"]
    cond_consts, body_consts, init = invals[:cn], invals[cn : cn + bn], invals[cn + bn :]
    cc_flags, bc_flags = in_flags[:cn], in_flags[cn : cn + bn]
    k_flags = _carry_flags(body.jaxpr, bc_flags, in_flags[cn + bn :], [])

    def cond_fn(carry: Any) -> Any:
        return _eval(
            cond.jaxpr, cond.consts, [*cond_consts, *carry], [*cc_flags, *k_flags], direction
        )[0][0]

    def body_fn(carry: Any) -> Any:
        return _eval(
            body.jaxpr, body.consts, [*body_consts, *carry], [*bc_flags, *k_flags], direction
        )[0]

    return list(lax.while_loop(cond_fn, body_fn, list(init))), k_flags


def _cond(
    params: dict[str, Any], invals: list[Any], in_flags: list[bool], direction: str
) -> tuple[list[Any], list[bool]]:
    index, operands, op_flags = invals[0], invals[1:], in_flags[1:]
    branches = params["branches"]

    def branch_fn(br: Any) -> Callable[..., list[Any]]:
        return lambda *ops: _eval(br.jaxpr, br.consts, list(ops), op_flags, direction)[0]

    outs = lax.switch(index, [branch_fn(br) for br in branches], *operands)
    out_flags = [
        any(fs) for fs in zip(*(_analyze(br.jaxpr, op_flags) for br in branches), strict=True)
    ]
    return list(outs), out_flags


def _analyze(jaxpr: Any, in_flags: Sequence[bool]) -> list[bool]:
    """Which outputs of ``jaxpr`` are derivative values, given which inputs are."""
    flags: dict[Any, bool] = {v: False for v in jaxpr.constvars}
    flags.update(zip(jaxpr.invars, in_flags, strict=True))

    def flag(v: Any) -> bool:
        return False if isinstance(v, jex.Literal) else flags[v]

    for eqn in jaxpr.eqns:
        fs = [flag(v) for v in eqn.invars]
        name, params = eqn.primitive.name, eqn.params
        if not any(fs):
            out = [False] * len(eqn.outvars)
        elif name == "scan":
            nc, nk = params["num_consts"], params["num_carry"]
            body = params["jaxpr"].jaxpr
            k = _carry_flags(body, fs[:nc], fs[nc : nc + nk], fs[nc + nk :])
            out = [*k, *_analyze(body, [*fs[:nc], *k, *fs[nc + nk :]])[nk:]]
        elif name == "while":
            cn, bn = params["cond_nconsts"], params["body_nconsts"]
            out = _carry_flags(params["body_jaxpr"].jaxpr, fs[cn : cn + bn], fs[cn + bn :], [])
        elif name == "cond":
            per_branch = [_analyze(br.jaxpr, fs[1:]) for br in params["branches"]]
            out = [any(b) for b in zip(*per_branch, strict=True)]
        elif name in _INLINED:
            out = _analyze(_inner(params)[0], fs)
        else:
            out = [True] * len(eqn.outvars)
        for v, f in zip(eqn.outvars, out, strict=True):
            if not isinstance(v, jex.DropVar):
                flags[v] = f
    return [flag(v) for v in jaxpr.outvars]
