"""Derivatives laid out like their primals when arrays are sharded over several devices.

Enzyme's shadow has its primal's layout. Here that means: the derivative of an argument comes back
with the argument's sharding, and a forward-mode tangent with the output's sharding. JAX mostly
gets there by itself (a cotangent flows back through the same sharded operations), but not
always: forward-mode ``gradient`` assembles the gradient from lanes (replicated), and the
derivative of an argument the output does not depend on is a fresh zero on one device. ``like``
puts such results where the primal is.

On a mesh with ``Explicit`` axes (``jax.make_mesh``'s default), eager operations on sharded arrays
need the mesh in context (``jax.set_mesh``); raw ``jax.grad`` fails without it. ``arguments_mesh``
enters the arguments' mesh for the duration of a workbench call when no mesh is set, so the
workbench differentiates such arrays eagerly as it does under ``jit``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import jax
import numpy as np
from jax.sharding import AxisType, Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

# ---------------------------------------------------------------------------------------------
# API


@contextlib.contextmanager
def arguments_mesh(*trees: Any) -> Iterator[None]:
    """Runs the body with the arguments' mesh set, if they are sharded over explicit axes.

    Does nothing when a mesh is already set, when no argument is sharded over explicit axes,
    when the arguments live on different meshes (JAX then reports the mismatch), or under a
    trace (``jit``), where the shardings are part of the abstract values already.
    """
    mesh = _explicit_mesh(trees)
    if mesh is None or not jax.sharding.get_abstract_mesh().empty:
        yield
        return
    try:
        context = jax.set_mesh(mesh)
    except ValueError:  # set_mesh refuses to run under jit: the trace knows the shardings.
        yield
        return
    with context:
        yield


def like(derivative: Any, primal: Any) -> Any:
    """``derivative`` (a pytree shaped like ``primal``) with each leaf sharded like its primal.

    Concrete arrays are moved (``jax.device_put``) only when their sharding differs. Under a
    trace, a primal sharded over explicit axes fixes the derivative's type (``reshard``); on an
    ``Auto`` mesh the trace does not know the primal's sharding, and ``jit``'s ``out_shardings``
    (or XLA's propagation) decides.
    """
    d_leaves, d_def = jax.tree_util.tree_flatten(derivative)
    p_leaves = jax.tree_util.tree_leaves(primal)
    if len(d_leaves) != len(p_leaves):
        return derivative
    moved = [_like_leaf(d, p) for d, p in zip(d_leaves, p_leaves, strict=True)]
    return jax.tree_util.tree_unflatten(d_def, moved)


def lanes_like(lanes: Any, leaf: Any) -> Any:
    """Lanes stacked on axis 0 (``(k, *leaf.shape)``: tangents or cotangents of ``leaf``), each
    lane sharded like ``leaf``, so that a vectorized jvp/vjp runs distributed as ``leaf`` is."""
    concrete = _is_concrete(leaf) and isinstance(leaf.sharding, NamedSharding)
    if concrete and _is_concrete(lanes):
        return jax.device_put(lanes, _with_lane_axis(leaf.sharding))
    explicit = _explicit_sharding(leaf)
    if explicit is not None:  # under a trace, explicit axes are part of the type
        return jax.sharding.reshard(lanes, _with_lane_axis(explicit))
    if concrete:  # a sharded constant closed over by a trace, on an Auto mesh
        return jax.lax.with_sharding_constraint(lanes, _with_lane_axis(leaf.sharding))
    return lanes


# ---------------------------------------------------------------------------------------------
# Implementation


def _with_lane_axis(s: NamedSharding) -> NamedSharding:
    return NamedSharding(s.mesh, P(None, *s.spec), memory_kind=s.memory_kind)


def _explicit_sharding(x: Any) -> NamedSharding | None:
    """The sharding in ``x``'s type, when its mesh has explicit axes (known under a trace)."""
    if not isinstance(x, jax.Array | jax.core.Tracer):
        return None
    s = jax.typeof(x).sharding
    if isinstance(s, NamedSharding) and AxisType.Explicit in s.mesh.axis_types:
        return s
    return None


def _is_concrete(x: Any) -> bool:
    return isinstance(x, jax.Array) and not isinstance(x, jax.core.Tracer)


def _explicit_mesh(trees: Any) -> Mesh | None:
    meshes = set()
    for leaf in jax.tree_util.tree_leaves(trees):
        if _is_concrete(leaf) and isinstance(leaf.sharding, NamedSharding):
            mesh = leaf.sharding.mesh
            if isinstance(mesh, Mesh) and AxisType.Explicit in mesh.axis_types:
                meshes.add(mesh)
    return meshes.pop() if len(meshes) == 1 else None


def _like_leaf(d: Any, p: Any) -> Any:
    if not (hasattr(d, "shape") and hasattr(p, "shape")) or np.shape(d) != np.shape(p):
        return d
    if _is_concrete(d) and _is_concrete(p):
        if d.sharding.is_equivalent_to(p.sharding, p.ndim):
            return d
        return jax.device_put(d, p.sharding)
    target = _explicit_sharding(p)
    if target is not None:
        if jax.typeof(d).sharding.spec == target.spec:
            return d
        return jax.sharding.reshard(d, target)
    if _is_concrete(p) and isinstance(p.sharding, NamedSharding):
        # A sharded constant closed over by a trace, on an Auto mesh.
        return jax.lax.with_sharding_constraint(d, p.sharding)
    return d
