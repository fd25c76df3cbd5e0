"""Batching of ``checkpointed_loop`` (``jax.vmap``): the loop of the batched body; a condition
that differs across the batch runs until every member is done, each one's carry frozen once its
own condition fails. Registered when ``workbench._src.loops`` is imported."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
from jax import lax

from workbench._src.internals import rules
from workbench._src.loops.binding import INDEX, Loop, checkpointed_loop_p
from workbench._src.loops.primitive import _abstract_eval_avals, _as_arrays, _carry_closure


def _batch(args: Sequence[Any], dims: Sequence[Any], **params: Any) -> tuple[list[Any], list[Any]]:
    spec = Loop(**params)
    size = next(a.shape[d] for a, d in zip(args, dims, strict=True) if d is not None)
    args = [a if d is None else jnp.moveaxis(a, d, 0) for a, d in zip(args, dims, strict=True)]
    args = _as_arrays(args, _abstract_eval_avals(spec))  # Python scalars (literals) as arrays
    batched = [d is not None for d in dims]
    cc, bc, init = spec.split(args)
    cc_b, bc_b, x_b = spec.split(batched)
    x_b = _carry_closure(spec, bc_b, x_b)
    if spec.count == "static":
        cond_b = False
    elif spec.count == "dynamic":
        cond_b = cc_b[0]
    else:
        cond_b = rules.dependent_outputs(spec.cond, [False, *cc_b, *x_b])[0]
    if cond_b:
        x_b = [True] * len(init)
    init = [
        jnp.broadcast_to(x[None], (size, *jnp.shape(x))) if want and not have else x
        for x, want, have in zip(init, x_b, spec.split(batched)[2], strict=True)
    ]
    body = _batched_body(spec.body, spec.num_body_consts, tuple(bc_b), tuple(x_b), size)
    if not cond_b:
        cond = None
        if spec.count == "while":
            cond = _batched_cond(spec.cond, tuple(cc_b), tuple(x_b), size, False)
        out_spec = dataclasses.replace(spec, body=body, cond=cond)
        carry, steps = out_spec.bind(cc, bc, init)
        return [*carry, steps], [0 if b else None for b in x_b] + [None]
    cond = (
        _batched_count_cond(spec.body.in_avals[0], size, tuple(spec.carry_avals), tuple(x_b))
        if spec.count == "dynamic"
        else _batched_cond(spec.cond, tuple(cc_b), tuple(x_b), size, True)
    )
    masked = _masked_body(body, cond, len(cc), spec.num_body_consts, spec.max_steps)
    out_spec = dataclasses.replace(
        spec,
        count="while",
        body=masked,
        cond=_any_running(cond, len(cc), spec.max_steps),
        max_steps=spec.max_steps,
        num_body_consts=len(cc) + spec.num_body_consts,
    )
    steps0 = jnp.zeros((size,), INDEX)
    carry, _ = out_spec.bind(cc, [*cc, *bc], [*init, steps0])
    return list(carry), [0] * len(carry)


def _batched_aval(aval: Any, size: int) -> Any:
    return jax.ShapeDtypeStruct((size, *aval.shape), aval.dtype, weak_type=aval.weak_type)


def _axes(mask: Sequence[bool]) -> list[Any]:
    return [0 if m else None for m in mask]


def _batched_body(
    body: Any, nb: int, bc_b: tuple[bool, ...], x_b: tuple[bool, ...], size: int
) -> Any:
    return _batched(body, nb, bc_b, x_b, size, tuple(_axes(x_b)), False)


def _batched_cond(
    cond: Any, cc_b: tuple[bool, ...], x_b: tuple[bool, ...], size: int, batched_out: bool
) -> Any:
    return _batched(cond, len(cc_b), cc_b, x_b, size, 0 if batched_out else None, True)


@rules.weak_cache
def _batched(
    closed: Any,
    nconsts: int,
    consts_b: tuple[bool, ...],
    x_b: tuple[bool, ...],
    size: int,
    out_axes: Any,
    predicate: bool,
) -> Any:
    """The jaxpr ``(k, *consts, *carry)`` of a body (or, ``predicate``, a condition: its one
    output) vmapped over the batched consts and carry; the counter ``k`` is never batched."""
    fn = rules.jaxpr_as_fun(closed)

    def call(k: Any, consts: Any, x: Any) -> Any:
        out = fn(k, *consts, *x)
        return out[0] if predicate else out

    # out_axes arrives hashable (a tuple, for the cache); the body returns a list.
    out = list(out_axes) if isinstance(out_axes, tuple) else out_axes
    vfn = jax.vmap(call, in_axes=(None, _axes(consts_b), _axes(x_b)), out_axes=out, axis_size=size)
    avals = [
        _batched_aval(a, size) if b else a
        for a, b in zip(closed.in_avals[1:], [*consts_b, *x_b], strict=True)
    ]
    return jax.make_jaxpr(lambda k, *args: vfn(k, list(args[:nconsts]), list(args[nconsts:])))(
        closed.in_avals[0], *avals
    )


@functools.lru_cache(maxsize=256)
def _batched_count_cond(
    k_aval: Any, size: int, x_avals: tuple[Any, ...], x_b: tuple[bool, ...]
) -> Any:
    """``k < n`` for a trip count ``n`` that differs across the batch (the carry unread)."""
    avals = [_batched_aval(a, size) if b else a for a, b in zip(x_avals, x_b, strict=True)]
    return jax.make_jaxpr(lambda k, n, *x: k < n)(
        k_aval, jax.ShapeDtypeStruct((size,), INDEX), *avals
    )


@rules.weak_cache
def _masked_body(body: Any, cond: Any, nc: int, nb: int, max_steps: int | None) -> Any:
    """``(k, *cc, *bc, *x, steps) -> (*x', steps')``: one step for the members whose condition
    still holds (and which have not stopped before); the others keep their carry."""
    fn, running = rules.jaxpr_as_fun(body), rules.jaxpr_as_fun(cond)
    avals = list(body.in_avals)
    cc_avals = list(cond.in_avals[1 : 1 + nc])
    size = cond.out_avals[0].shape[0]

    def masked(k: Any, *args: Any) -> list[Any]:
        cc, bc, x, steps = args[:nc], args[nc : nc + nb], args[nc + nb : -1], args[-1]
        go = running(k, *cc, *x)[0] & (steps == k)
        if max_steps is not None:
            go = go & (k < max_steps)
        new = fn(k, *bc, *x)
        kept = [
            lax.select(jnp.broadcast_to(go.reshape((size,) + (1,) * (v.ndim - 1)), v.shape), a, v)
            for a, v in zip(new, x, strict=True)
        ]
        return [*kept, steps + go.astype(INDEX)]

    return jax.make_jaxpr(masked)(
        avals[0], *cc_avals, *avals[1:], jax.ShapeDtypeStruct((size,), INDEX)
    )


@rules.weak_cache
def _any_running(cond: Any, nc: int, max_steps: int | None) -> Any:
    running = rules.jaxpr_as_fun(cond)
    avals = list(cond.in_avals)
    size = cond.out_avals[0].shape[0]

    def any_running(k: Any, *args: Any) -> Any:
        cc, x, steps = args[:nc], args[nc:-1], args[-1]
        return jnp.any(running(k, *cc, *x)[0] & (steps == k))

    return jax.make_jaxpr(any_running)(avals[0], *avals[1:], jax.ShapeDtypeStruct((size,), INDEX))


rules.register_batching(checkpointed_loop_p, _batch)
