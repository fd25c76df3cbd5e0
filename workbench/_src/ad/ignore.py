"""``ignore_derivatives``: Enzyme's name for ``jax.lax.stop_gradient``."""

from __future__ import annotations

from typing import TypeVar

import jax

T = TypeVar("T")


def ignore_derivatives(x: T) -> T:
    """Returns ``x`` unchanged, with no derivative flowing through it in any mode.

    >>> import jax.numpy as jnp, workbench as wb
    >>> f = lambda x: jnp.sum(x**2) + wb.ignore_derivatives(jnp.sum(x))
    >>> wb.gradient(wb.Reverse, f, jnp.array([1.0, 2.0, 3.0]))
    (Array([2., 4., 6.], dtype=float64),)
    """
    return jax.tree.map(jax.lax.stop_gradient, x)
