"""A loop body keeps its carry: the same structure, shapes and dtypes every step."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
from jax import lax

from workbench._src.ad.entry import check_function_first
from workbench._src.errors import check_takes, describe, refuse_non_arrays, shape_dtype
from workbench._src.loops.schemes import CheckpointingError


def check_body(body: Any, where: str, signature: str = "body(i, carry) -> carry") -> None:
    """The one entry check (``ad/entry.py``) in a loop's words: ``body`` is the loop's body."""
    check_function_first(
        where,
        body,
        needs=f"the loop's body, a function {signature}",
        mode_fix=(
            "A loop takes no mode: it is differentiated in whatever mode the function that "
            f"runs it is (wb.gradient({body!r}, f, x))."
        ),
        callable_fix=(
            "Pass the function itself (jnp.sin, not 'sin'; a lambda for a body that ignores "
            "an argument)."
        ),
    )
    one = signature.startswith("body(carry)")
    check_takes(
        where,
        body,
        1 if one else 2,
        signature,
        "Wrap it: lambda c: f(c)."
        if one
        else "Wrap it: lambda i, c: f(c) for a body that ignores the step index i.",
    )


def _returning_arrays(body: Callable[[Any, Any], Any], where: str) -> Callable[[Any, Any], Any]:
    def checked(i: Any, carry: Any) -> Any:
        out = body(i, carry)
        refuse_non_arrays(where, "the body", out, "A loop's carry is arrays (or a pytree of them).")
        return out

    return checked


def check_body_keeps_carry(
    body: Callable[[Any, Any], Any], index: Any, init: Any, where: str
) -> Any:
    """The body must return a carry of the same structure, shapes and dtypes (as lax requires).

    Returns ``init``, each weakly typed leaf (a Python scalar, or a value derived from one only)
    whose dtype the body changes promoted to the body's, as ``lax.fori_loop`` does: ``1.0`` (a
    float64 where 64-bit mode is on) carried through a float32 body is a float32 carry."""
    check_body(body, where)
    out = jax.eval_shape(_returning_arrays(body, where), index, init)
    in_leaves, in_def = jax.tree_util.tree_flatten(init)
    out_leaves, out_def = jax.tree_util.tree_flatten(out)
    if not bool(in_def == out_def):  # type: ignore[operator]  # PyTreeDef stub lacks __eq__
        raise CheckpointingError(
            f"{where}: the body returns a carry of structure {out_def}, but the loop started with "
            f"{in_def}. Return the same structure every step (e.g. the same tuple or dict)."
        )
    promoted = [_promote_weak(a, b) for a, b in zip(in_leaves, out_leaves, strict=True)]
    if any(p is not a for p, a in zip(promoted, in_leaves, strict=True)):
        init = jax.tree_util.tree_unflatten(in_def, promoted)
        in_leaves = promoted
        out_leaves = jax.tree_util.tree_leaves(jax.eval_shape(body, index, init))
    for a, b in zip(in_leaves, out_leaves, strict=True):
        a_aval = jax.ShapeDtypeStruct(jnp.shape(a), jnp.result_type(a))
        if a_aval.shape != b.shape or a_aval.dtype != b.dtype:
            raise CheckpointingError(
                f"{where}: the body changes the carry from {shape_dtype(a_aval)} to "
                f"{shape_dtype(b)}. A loop's carry keeps its shape and dtype; cast inside the "
                f"body (e.g. .astype({a_aval.dtype.name})) or start from an init of the "
                f"final shape. (Received init {describe(a)}.)"
            )
    return init


def _promote_weak(value: Any, out: Any) -> Any:
    """``value`` in the type lax gives a weakly typed initial carry whose dtype the body
    changes (JAX's promotion of the two), else ``value`` itself."""
    aval = jax.typeof(value)
    if not aval.weak_type or aval.dtype == out.dtype or aval.shape != out.shape:
        return value
    return lax.convert_element_type(value, jnp.result_type(value, out.dtype))
