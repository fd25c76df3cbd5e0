"""The remedies ``explain_nans`` proposes, each checked by running it where it can be."""

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from workbench._src.ad.activities import Const
from workbench._src.ad.gradient import gradient
from workbench._src.ad.model_arguments import pack, unpack
from workbench._src.ad.modes import Mode, set_strong_zero
from workbench._src.debug.nans.equations import _user_line
from workbench._src.debug.nans.report import Origin, Remedy, _num
from workbench._src.internals import jaxprs, regions, rules
from workbench._src.internals import primitives as prims
from workbench._src.sources import source_text

# --------------------------------------------------------------------------------------------
# Remedies


def _remedy(
    f: Callable[..., Any],
    args: Sequence[Any],
    mode: Mode | None,
    origin: Origin | None,
    inf_origin: Origin | None,
) -> Remedy | None:
    if origin is None:
        return None
    if (
        mode is not None
        and origin.kind == "nan"
        and origin.phase in ("forward", "backward")
        and origin.primitive in prims.names(prims.PRODUCTS)
        and origin.operands is not None
        and any(v == 0 for v in origin.operands)
    ):
        where_fix = _double_where(f, args, mode)
        if where_fix is not None and where_fix.verified:
            return where_fix
        if mode.strong_zero:
            return None
        ok, result = _try(lambda: gradient(set_strong_zero(mode), f, *args))
        return Remedy(
            "strong zero",
            f"a zero derivative factor meets {origin.values()}: with "
            f"wb.set_strong_zero({mode.name}) the zero wins",
            ok,
            result,
        )
    if (
        origin.kind == "nan"
        and origin.phase != "backward"
        and inf_origin is not None
        and inf_origin.phase != "backward"
        and inf_origin.primitive not in prims.names(prims.POLES)
    ):
        where = "" if inf_origin.iteration is None else f" at iteration {inf_origin.iteration}"
        return Remedy(
            "safe form",
            f"the inf this NaN was made from overflowed in {inf_origin.primitive}{where}: "
            "rescale or clip the values (a saturating function, a smaller step), or use a "
            "stable form (log1p, logsumexp)",
            None,
        )
    if origin.kind == "inf" and origin.phase != "backward":
        return Remedy(
            "safe form",
            f"{origin.primitive} overflows: rescale or clip its operands, or use a stable form "
            "(log1p, logsumexp, a smaller step)",
            None,
        )
    if origin.kind == "nan" and origin.phase != "backward":
        return Remedy(
            "domain",
            f"{origin.primitive} is undefined at {origin.values() or 'its operand'}: keep its "
            "operand in the domain (a double where: jnp.where on the operand, not only on the "
            "result), or use wb.ignore_derivatives where its derivative is not wanted",
            None,
        )
    return None


def _try(fn: Callable[[], Any]) -> tuple[bool, str]:
    try:
        out = jax.device_get(fn())
    except Exception as e:  # a remedy that fails is reported, not raised
        return False, f"{type(e).__name__}: {e}"
    leaves = [np.asarray(x) for x in jax.tree_util.tree_leaves(out)]
    ok = all(np.isfinite(x).all() for x in leaves if np.issubdtype(x.dtype, np.inexact))
    return ok, ", ".join(_short(x) for x in leaves)


def _short(x: np.ndarray) -> str:
    if x.size == 1:
        return _num(float(np.real(x.reshape(()))))
    return f"{x.dtype}{list(x.shape)}"


def _double_where(f: Callable[..., Any], args: Sequence[Any], mode: Mode) -> Remedy | None:
    """The double where: in ``f``'s primal program, a ``select_n`` picks a singular function's
    result; run the derivative with that function's operand set to 1 where it is not picked."""
    values = [a.val if isinstance(a, Const) else a for a in args]
    wrapped = [Const(x) if isinstance(a, Const) else x for a, x in zip(args, values, strict=True)]
    # Traced on the arrays alone (a model's functions and ints stay as they are: pack), so the
    # program's inputs are the flat arrays of the arguments, in order.
    traced = jax.make_jaxpr(lambda *a: f(*unpack(a)))(*pack(values))
    jaxpr, consts = jaxprs.open_jaxpr(traced)
    flat, in_ids, out_ids = _flatten(jaxpr)
    producer: dict[Any, int] = {}
    for n, (_, _, outs) in enumerate(flat):
        for o in outs:
            producer[id(o)] = n
    for eqn, ins, _ in flat:
        if eqn.primitive is not prims.SELECT_N or len(ins) != 3:
            continue
        pred = ins[0]
        for case, v in enumerate(ins[1:]):
            found = producer.get(id(v))
            if found is None or flat[found][0].primitive not in prims.SINGULAR:
                continue
            i = found
            if producer.get(id(pred), -1) > i:
                continue  # the guard is computed after the function: no rewrite here
            fix = (i, pred, case)

            def fixed(*a: Any, fix: Any = fix) -> Any:
                arrays = jax.tree_util.tree_leaves(pack(a))
                return _eval_flat(flat, in_ids, out_ids, [*consts, *arrays], fix)

            def fixed_derivative(fixed: Callable[..., Any] = fixed) -> Any:
                return gradient(mode, fixed, *wrapped)

            ok, result = _try(fixed_derivative)
            prim = flat[i][0].primitive.name
            src = _user_line(flat[i][0].source_info)
            return Remedy(
                "double where",
                f"jnp.where guards {prim}'s result but not its operand (at {source_text(src)}), "
                f"and {prim}'s "
                "derivative is not finite where the guard discards it: guard the operand too, "
                f"x_safe = jnp.where(cond, x, 1.0); jnp.where(cond, {prim}(x_safe), ...)",
                ok,
                result,
            )
    return None


class _Lit:
    def __init__(self, val: Any):
        self.val = val


def _flatten(jaxpr: Any) -> tuple[list[Any], list[Any], list[Any]]:
    """The equations of ``jaxpr`` with calls inlined, as ``(eqn, in refs, out refs)``; a ref is
    a fresh object per variable, or a ``_Lit``."""
    flat: list[Any] = []

    def walk(j: Any, refs: dict[Any, Any]) -> None:
        def ref(v: Any) -> Any:
            return refs[v] if rules.is_var(v) else _Lit(v.val)

        for eqn in j.eqns:
            ins = [ref(v) for v in eqn.invars]
            region = regions.region_of(eqn.primitive)
            if region is not None and region.call:
                (called,) = region.subs(eqn)
                sub, sub_consts = called.jaxpr, called.consts
                inner: dict[Any, Any] = {}
                inner.update(zip(sub.constvars, map(_Lit, sub_consts), strict=True))
                inner.update(zip(sub.invars, ins, strict=True))
                walk(sub, inner)
                for v, o in zip(eqn.outvars, sub.outvars, strict=True):
                    refs[v] = inner[o] if rules.is_var(o) else _Lit(o.val)
                continue
            outs = [object() for _ in eqn.outvars]
            refs.update(zip(eqn.outvars, outs, strict=True))
            flat.append((eqn, ins, outs))

    in_refs = [object() for _ in (*jaxpr.constvars, *jaxpr.invars)]
    top = dict(zip([*jaxpr.constvars, *jaxpr.invars], in_refs, strict=True))
    walk(jaxpr, top)
    out_refs = [top[v] if rules.is_var(v) else _Lit(v.val) for v in jaxpr.outvars]
    return flat, in_refs, out_refs


def _eval_flat(
    flat: list[Any], in_refs: list[Any], out_refs: list[Any], inputs: Sequence[Any], fix: Any
) -> Any:
    i_fix, pred, case = fix
    env: dict[int, Any] = {id(r): x for r, x in zip(in_refs, inputs, strict=True)}

    def read(r: Any) -> Any:
        return r.val if isinstance(r, _Lit) else env[id(r)]

    for i, (eqn, ins_refs, outs_refs) in enumerate(flat):
        ins = [read(r) for r in ins_refs]
        if i == i_fix:
            x = ins[0]
            cases = [jnp.ones_like(x), jnp.ones_like(x)]
            cases[case] = x
            ins[0] = lax.select_n(jnp.broadcast_to(read(pred), jnp.shape(x)), *cases)
        outs = eqn.primitive.bind(*ins, **eqn.params)
        if not eqn.primitive.multiple_results:
            outs = [outs]
        env.update({id(r): o for r, o in zip(outs_refs, outs, strict=True)})
    out = [read(r) for r in out_refs]
    return out[0] if len(out) == 1 else out
