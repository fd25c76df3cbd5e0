"""Splitting a loop's carry and constants into differentiated (floating) and other leaves."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from workbench._src.errors import describe, shape_dtype
from workbench._src.loops.schemes import CheckpointingError


class Split:
    """Leaves of a pytree sorted into floating-point ones and the rest, and back."""

    def __init__(self, tree: Any):
        leaves, self.treedef = jax.tree_util.tree_flatten(tree)
        self.is_float = [jnp.issubdtype(jnp.result_type(v), jnp.inexact) for v in leaves]
        self.floats = [jnp.asarray(v) for v, f in zip(leaves, self.is_float, strict=True) if f]
        self.others = [jnp.asarray(v) for v, f in zip(leaves, self.is_float, strict=True) if not f]

    def parts(self, tree: Any) -> tuple[list[Any], list[Any]]:
        leaves = jax.tree_util.tree_leaves(tree)
        return (
            [v for v, f in zip(leaves, self.is_float, strict=True) if f],
            [v for v, f in zip(leaves, self.is_float, strict=True) if not f],
        )

    def merge(self, floats: Any, others: Any) -> Any:
        fi, oi = iter(floats), iter(others)
        leaves = [next(fi) if f else next(oi) for f in self.is_float]
        return jax.tree_util.tree_unflatten(self.treedef, leaves)


def split_step(
    carry: Split, consts_split: Split, convert: Callable[..., Any], lower: int
) -> Callable[[Any, Any, Any], Any]:
    """A closure-converted body ``convert(i, carry, *consts)`` as a step on split parts, the form
    the executors of ``binomial.py`` take."""

    def step(i: Any, x: Any, consts: Any) -> Any:
        out = convert(i + lower, carry.merge(*x), *consts_split.merge(*consts))
        return tuple(carry.parts(out))

    return step


def check_body_keeps_carry(
    body: Callable[[Any, Any], Any], index: Any, init: Any, where: str
) -> None:
    """The body must return a carry of the same structure, shapes and dtypes (as lax requires)."""
    out = jax.eval_shape(body, index, init)
    in_leaves, in_def = jax.tree_util.tree_flatten(init)
    out_leaves, out_def = jax.tree_util.tree_flatten(out)
    if not bool(in_def == out_def):  # type: ignore[operator]  # PyTreeDef stub lacks __eq__
        raise CheckpointingError(
            f"{where}: the body returns a carry of structure {out_def}, but the loop started with "
            f"{in_def}. Return the same structure every step (e.g. the same tuple or dict)."
        )
    for a, b in zip(in_leaves, out_leaves, strict=True):
        a_aval = jax.ShapeDtypeStruct(jnp.shape(a), jnp.result_type(a))
        if a_aval.shape != b.shape or a_aval.dtype != b.dtype:
            raise CheckpointingError(
                f"{where}: the body changes the carry from {shape_dtype(a_aval)} to "
                f"{shape_dtype(b)}. A loop's carry keeps its shape and dtype; cast inside the "
                f"body (e.g. .astype({a_aval.dtype.name})) or start from an init of the "
                f"final shape. (Received init {describe(a)}.)"
            )
