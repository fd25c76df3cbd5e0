"""``ignore_derivatives``: Enzyme's name for ``jax.lax.stop_gradient``."""

from __future__ import annotations

from typing import TypeVar

import jax

from workbench._src.errors import ArgumentError, describe
from workbench._src.leaves import is_array_leaf

T = TypeVar("T")


def ignore_derivatives(x: T) -> T:
    """Returns ``x`` unchanged, with no derivative flowing through it in any mode.

    >>> import jax.numpy as jnp, workbench as wb
    >>> f = lambda x: jnp.sum(x**2) + wb.ignore_derivatives(jnp.sum(x))
    >>> wb.gradient(wb.Reverse, f, jnp.array([1.0, 2.0, 3.0], jnp.float32))
    (Array([2., 4., 6.], dtype=float32),)
    """
    for leaf in jax.tree_util.tree_leaves(x):
        if not is_array_leaf(leaf) or isinstance(leaf, jax.ShapeDtypeStruct):
            raise ArgumentError(
                f"ignore_derivatives takes arrays (or pytrees of arrays), but received "
                f"{describe(leaf)}"
                + (f" inside {describe(x)}" if leaf is not x else "")
                + ". Pass the array whose derivative should be ignored, e.g. "
                "wb.ignore_derivatives(y) inside the function being differentiated."
            )
    return jax.tree.map(jax.lax.stop_gradient, x)
