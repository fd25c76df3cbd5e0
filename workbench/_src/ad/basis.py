"""Standard-basis tangents: ``onehot`` (public) and the stacked lanes that forward-mode
``gradient``/``jacobian`` push through one vectorized ``jvp`` (as ``jax.jacfwd`` does)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from workbench._src.errors import ArgumentError, OptionError, describe


def onehot(x: Any) -> tuple[jax.Array, ...]:
    """The standard basis of ``x``'s space: a tuple of ``x.size`` arrays shaped like ``x``.

    Use it with ``BatchDuplicated`` to get every partial derivative in one forward pass.

    >>> import jax.numpy as jnp, workbench as wb
    >>> wb.onehot(jnp.zeros(2, jnp.float32))
    (Array([1., 0.], dtype=float32), Array([0., 1.], dtype=float32))
    """
    if not (hasattr(x, "shape") and hasattr(x, "dtype")) and not isinstance(x, float | complex):
        raise ArgumentError(
            f"onehot needs one array (or a float), but received {describe(x)}. For a pytree, "
            "call it per leaf: jax.tree.map(wb.onehot, tree)."
        )
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.inexact):
        raise ArgumentError(
            f"onehot builds tangents, which must be floating point, but received "
            f"{describe(x)}. Convert first: wb.onehot(x.astype(jnp.float32))."
        )
    eye = jnp.eye(x.size, dtype=x.dtype).reshape((x.size, *x.shape))
    return tuple(eye[i] for i in range(x.size))


def lane_count(leaves: Sequence[Any]) -> int:
    """Lanes needed for ``leaves``: one per real element, two (real, imaginary) per complex one."""
    return sum(np.size(leaf) * (2 if jnp.iscomplexobj(leaf) else 1) for leaf in leaves)


def stacked_basis(leaves: Sequence[Any]) -> list[jax.Array]:
    """For each leaf, an array (lanes, *leaf.shape): together, the standard basis of all leaves."""
    if any(isinstance(leaf, jax.core.Tracer) for leaf in leaves):
        return _stacked_basis(leaves)
    # Eagerly, jnp.eye transfers its Python bounds to the device, which
    # jax.transfer_guard("disallow") refuses: a compiled program builds the basis instead.
    specs = tuple(jax.ShapeDtypeStruct(np.shape(leaf), jnp.result_type(leaf)) for leaf in leaves)
    return _compiled_basis(specs)


def _stacked_basis(leaves: Sequence[Any]) -> list[jax.Array]:
    n = lane_count(leaves)
    if not any(jnp.iscomplexobj(leaf) for leaf in leaves):
        # As jax.jacfwd builds it (one identity, split by columns), so the program is the same.
        eye = jnp.eye(n, dtype=jnp.result_type(*leaves))
        out, offset = [], 0
        for leaf in leaves:
            size = np.size(leaf)
            block = eye[:, offset : offset + size].astype(jnp.result_type(leaf))
            out.append(block.reshape((n, *np.shape(leaf))))
            offset += size
        return out
    out, offset = [], 0
    for leaf in leaves:
        shape, size, dtype = np.shape(leaf), np.size(leaf), jnp.result_type(leaf)
        block = jnp.eye(n, size, k=-offset, dtype=dtype)
        offset += size
        if jnp.iscomplexobj(leaf):
            block = block + 1j * jnp.eye(n, size, k=-offset, dtype=dtype)
            offset += size
        out.append(block.reshape((n, *shape)))
    return out


_compiled_basis = jax.jit(_stacked_basis, static_argnums=0)


def unstack_lanes(
    lanes: jax.Array, leaves: Sequence[Any], lead_shape: tuple[int, ...]
) -> list[Any]:
    """Inverse of ``stacked_basis`` on the lane axis (axis 0) of ``lanes``.

    ``lanes`` has shape (lanes, *lead_shape); returns per leaf an array (*lead_shape, *leaf.shape).
    Complex leaves combine their real and imaginary lanes as d/da + i d/db (Enzyme's convention).
    """
    out, offset = [], 0
    for leaf in leaves:
        shape, size = np.shape(leaf), np.size(leaf)
        part = lanes[offset : offset + size]
        offset += size
        if jnp.iscomplexobj(leaf):
            part = part + 1j * lanes[offset : offset + size]
            offset += size
        part = jnp.moveaxis(part, 0, -1) if lead_shape else part
        out.append(part.reshape((*lead_shape, *shape)))
    return out


# Lanes x input elements that one chunk of forward (or reverse) lanes may hold: 2^24 (64 MiB of
# float32 tangents), so that memory does not grow with the input past this.
CHUNK_ELEMENTS = 1 << 24
AUTO = "auto"


def check_chunk(chunk: Any, where: str) -> None:
    """Raises ``ValueError`` unless ``chunk`` is a positive int, ``None`` or ``"auto"``."""
    if chunk is None or (chunk == AUTO and isinstance(chunk, str)):
        return
    if isinstance(chunk, int) and not isinstance(chunk, bool) and chunk >= 1:
        return
    raise OptionError(
        f"{where}: chunk must be a positive int (how many tangent lanes to push at once), "
        f"'auto' (lanes x input elements kept under {CHUNK_ELEMENTS:,}) or None (every lane at "
        f"once, as jax.jacfwd), but got {describe(chunk)}."
    )


def chunk_size(chunk: Any, lanes: int, elements: int) -> int:
    """Lanes per chunk: ``chunk`` resolved (``None``: all ``lanes``; ``"auto"``: as many as keep
    ``lanes x elements`` under ``CHUNK_ELEMENTS``), at most ``lanes``, at least 1."""
    if chunk is None:
        return max(lanes, 1)
    if isinstance(chunk, str):
        chunk = max(1, CHUNK_ELEMENTS // max(elements, 1))
    return max(1, min(int(chunk), lanes))


def basis_rows(leaves: Sequence[Any], start: Any, count: int) -> list[jax.Array]:
    """Lanes ``start .. start + count`` of ``stacked_basis(leaves)``, built from the lane index
    (``start`` may be traced); lanes past the last are zero. For each leaf, ``(count, *shape)``."""
    lane = start + jnp.arange(count)
    out, offset = [], 0
    for leaf in leaves:
        shape, size, dtype = np.shape(leaf), np.size(leaf), jnp.result_type(leaf)
        element = jnp.arange(size)
        block = (lane[:, None] == offset + element[None, :]).astype(dtype)
        offset += size
        if jnp.iscomplexobj(leaf):
            block = block + 1j * (lane[:, None] == offset + element[None, :]).astype(dtype)
            offset += size
        out.append(block.reshape((count, *shape)))
    return out


def map_chunks(one: Callable[[Any], tuple[Any, Any]], lanes: int, size: int) -> tuple[Any, Any]:
    """``one(start) -> (aux, lanes start .. start + size on axis 0 of every leaf)`` over every
    chunk, in one ``lax.map``: (the first chunk's ``aux``, the lanes concatenated and cut to
    ``lanes``)."""
    count = -(-lanes // size)
    starts = jnp.arange(count, dtype=jnp.int32) * size
    aux, stacked = jax.lax.map(one, starts)
    first = jax.tree_util.tree_map(lambda a: a[0], aux)
    return first, jax.tree_util.tree_map(
        lambda a: a.reshape((count * size, *a.shape[2:]))[:lanes], stacked
    )
