"""Enzyme's convention for derivatives with respect to complex numbers.

For a real-valued f of z = a + ib, Enzyme returns df/da + i df/db. JAX's ``grad``/``vjp`` return
df/da - i df/db, the conjugate, so the workbench conjugates reverse-mode cotangents of complex
inputs. Forward mode needs no conversion: a tangent is a direction, the same in both conventions.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp


def from_jax_cotangent(cotangent: Any) -> Any:
    """JAX's cotangent for an input -> Enzyme's derivative (conjugate complex leaves)."""
    return jax.tree.map(lambda c: jnp.conj(c) if jnp.iscomplexobj(c) else c, cotangent)


def is_complex(tree: Any) -> bool:
    return any(jnp.iscomplexobj(leaf) for leaf in jax.tree_util.tree_leaves(tree))
