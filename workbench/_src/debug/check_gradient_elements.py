"""``check_gradient`` element by element: the chosen elements' derivatives against finite
differences (in chunks of perturbed copies) and the other mode's."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from workbench._src.ad import arguments
from workbench._src.debug import finite_differences as fdiff
from workbench._src.debug.check_gradient_directions import (
    BEND_AT,
    ROUGH_MARGIN,
    _as_f64,
    _Context,
    _element_scale,
    _kinks,
    _Leaf,
    _one_leaf,
    _rtol,
    _set_leaves,
    _zeros,
)

# Elements of perturbed copies an element-wise chunk may hold at once (64 MiB of float32).
CHUNK_BUDGET = 1 << 24
CHUNK = 256  # elements per chunk at most


@dataclasses.dataclass
class _Elements:
    chosen: np.ndarray  # flat indices
    ours: np.ndarray
    fd: np.ndarray
    errors: np.ndarray
    allowed: np.ndarray
    rough: np.ndarray  # not smooth here: outside the bound, by what the slope's jumps explain
    kinked: np.ndarray  # not smooth here, and within the (first-order) bound


def _chosen(g: np.ndarray, max_elements: int, rng: np.random.Generator) -> np.ndarray:
    """Flat indices to check: all, or the largest derivatives and a random sample."""
    n = g.size
    if n <= max_elements:
        return np.arange(n)
    largest = np.argsort(-np.abs(g.ravel()), kind="stable")[: max_elements // 2]
    rest = np.setdiff1d(np.arange(n), largest)
    sample = rng.choice(rest, size=max_elements - largest.size, replace=False)
    return np.sort(np.concatenate([largest, sample]))


def _chunk(size: int) -> int:
    """Elements per chunk: perturbed copies of the array bounded by ``CHUNK_BUDGET`` elements."""
    return max(1, min(CHUNK, CHUNK_BUDGET // max(size, 1)))


def _elements(
    ctx: _Context, leaf: _Leaf, n: int, max_elements: int, rng: np.random.Generator
) -> _Elements:
    g = ctx.ours[n]
    assert g is not None
    x = leaf.x
    chosen = _chosen(g, max_elements, rng)
    xn = _as_f64(x).ravel()
    h0 = fdiff.base_step(ctx.noise)
    h = (h0 * _element_scale(xn)[chosen]).astype(ctx.fd)
    at = fdiff.along_elements(ctx.split.call, ctx.fd, leaf.position, leaf.index)
    complex_x = bool(jnp.iscomplexobj(x))
    fd_values = np.zeros(chosen.size, np.complex128 if complex_x else np.float64)
    step = _chunk(int(x.size))
    ours = _as_f64(g).ravel()[chosen]
    own, top = _rtol(ctx.floor, x.dtype)
    largest = float(np.max(np.abs(_as_f64(g)))) if g.size else 0.0
    fd_tol = np.zeros(chosen.size)
    steps = np.zeros(chosen.size)
    kinked = np.zeros(chosen.size, bool)
    for unit in (1.0, 1j) if complex_x else (1.0,):
        for start in range(0, chosen.size, step):
            part = slice(start, start + step)
            idx = chosen[part]
            # Pad the last chunk to the chunk's size: one compiled program for every chunk.
            pad = step - idx.size if chosen.size > step else 0
            ids = jax.device_put(np.concatenate([idx, np.repeat(idx[-1:], pad)]))
            hp = h[part].astype(np.float64)

            def evaluate(
                k: float, ids: Any = ids, hp: Any = hp, pad: int = pad, unit: Any = unit
            ) -> np.ndarray:
                hs = np.concatenate([hp * k, np.repeat(hp[-1:] * k, pad)]).astype(ctx.fd)
                vals = np.asarray(at(ctx.split.primals, ids, jax.device_put(hs * unit)))
                return vals[: vals.shape[0] - pad]

            wanted = fdiff.WANTED * np.maximum(np.abs(ours[part]), largest)
            est = fdiff.refine(evaluate, hp, wanted, ctx.value0, ctx.noise, ctx.echo)
            fd_values[part] += est.value * unit
            fd_tol[part] = np.maximum(fd_tol[part], est.tol)
            steps[part] = est.step
            kinked[part] |= est.rough
    allowed = fd_tol + own * np.abs(ours) + top * largest
    measured = ctx.rounding[n]
    if measured is not None:
        allowed = allowed + 2 * measured.ravel()[chosen]
    errors = np.abs(ours - fd_values)
    rough = np.zeros(chosen.size, bool)
    failing = np.flatnonzero(errors > allowed)
    if failing.size:  # not smooth here, or wrong? (``_bend``)
        bend = _element_bend(ctx, leaf, chosen[failing], steps[failing])
        if bend is not None:
            rough[failing] = errors[failing] <= allowed[failing] + ROUGH_MARGIN * bend
    allowed = np.asarray(allowed, np.float64)
    return _Elements(chosen, ours, fd_values, errors, allowed, rough, kinked & ~rough)


def _element_bend(
    ctx: _Context, leaf: _Leaf, idx: np.ndarray, steps: np.ndarray
) -> np.ndarray | None:
    """``_bend`` of each element ``idx`` along its own axis (steps ``steps``), batched; ``None``
    where there is no derivative to evaluate."""
    if jnp.iscomplexobj(leaf.x) or (ctx.jvp_raw is None and ctx.grad_fn is None):
        return None
    x = leaf.x
    n = ctx.leaf_ids[leaf.name]

    def one(i: Any, t: Any) -> Any:
        moved = x.reshape(-1).at[i].add(t.astype(x.dtype)).reshape(x.shape)
        primals = _set_leaves(ctx.split.primals, [leaf], [moved])
        if ctx.jvp_raw is not None:
            e = jnp.zeros(x.size, x.dtype).at[i].set(1).reshape(x.shape)
            return jnp.real(ctx.jvp_raw(primals, _set_leaves(ctx.zeros[0], [leaf], [e])))
        assert ctx.grad_fn is not None
        derivs = ctx.grad_fn(*primals)[1]
        return jnp.real(jax.tree_util.tree_leaves(derivs)[n].reshape(-1)[i])

    batched = jax.jit(jax.vmap(jax.vmap(one, in_axes=(None, 0)), in_axes=(0, 0)))
    out = np.zeros(idx.size)
    chunk = _chunk(int(x.size))
    for start in range(0, idx.size, chunk):
        part = slice(start, start + chunk)
        at = np.asarray(BEND_AT)
        h = steps[part, None] * np.concatenate([[0.0], at, -at])
        s = np.asarray(batched(jax.device_put(idx[part]), jax.device_put(h)), np.float64)
        k = at.size
        bent = s[:, 1 : k + 1] + s[:, k + 1 :] - 2 * s[:, :1]
        out[part] = np.max(_kinks(bent[:, :-1], bent[:, 1:]), axis=1)
    return out


def _forward_elements(
    split: arguments.BoundCall, leaf: _Leaf, jvp_fn: Callable[..., Any] | None, chosen: np.ndarray
) -> np.ndarray | None:
    """The forward mode's derivative at the ``chosen`` elements (a jvp along each, batched);
    a full-size array with the others zero."""
    if jvp_fn is None:
        return None
    x = leaf.x
    out = np.zeros(x.size, np.complex128 if jnp.iscomplexobj(x) else np.float64)
    step = _chunk(int(x.size))

    def one(i: Any, unit: Any) -> Any:
        v = jnp.zeros(x.size, x.dtype).at[i].set(unit).reshape(x.shape)
        return jnp.real(jvp_fn(split.primals, _one_leaf(_zeros(split.primals), leaf, v)))

    batched = jax.jit(jax.vmap(one, in_axes=(0, None)))
    for unit in (1.0, 1j) if jnp.iscomplexobj(x) else (1.0,):
        for start in range(0, chosen.size, step):
            idx = chosen[start : start + step]
            out[idx] += (
                np.asarray(batched(jax.device_put(idx), jax.device_put(unit)), np.float64) * unit
            )
    return out.reshape(x.shape)
