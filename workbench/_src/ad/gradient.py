"""``gradient`` and ``jacobian``: every partial derivative at once, in forward or reverse mode.

Unwrapped arguments are differentiated and ``Const(x)`` ones are not (Enzyme's ``gradient``).
Forward mode pushes one lane per input element through a single vectorized ``jax.jvp`` (as
``jax.jacfwd`` does); reverse mode pulls one lane per output element back through ``jax.vjp``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from workbench._src.ad import arguments, basis, derivatives, sharding
from workbench._src.ad.activities import Activity, Const, is_random_key
from workbench._src.ad.autodiff import (
    array_outputs,
    check_real_scalar_output,
    value_and_cotangents,
)
from workbench._src.ad.complex_convention import from_jax_cotangent, is_complex
from workbench._src.ad.modes import Mode, check_mode
from workbench._src.errors import ActivityError, OutputError, describe, shape_dtype


@dataclasses.dataclass(frozen=True)
class GradientResult:
    """What ``gradient`` and ``jacobian`` return in ``...WithPrimal`` modes.

    Read it by name, as Julia's ``(; val, derivs) = ...`` does: ``res.val``, ``res.derivs``.
    It cannot be unpacked by position, because ``val, derivs = res`` and Enzyme's field order
    ``(derivs, val)`` disagree, and a silent swap is worse than an error.

    Attributes:
      derivs: one entry per argument, ``None`` for ``Const`` arguments.
      val: the primal result of the function.
    """

    derivs: tuple[Any, ...]
    val: Any

    def __iter__(self) -> Any:
        raise TypeError(
            "GradientResult is read by name, not unpacked: write res = wb.gradient(...), then "
            "res.val and res.derivs (Julia's (; val, derivs) = ... also matches by name)."
        )


jax.tree_util.register_pytree_node(
    GradientResult,
    lambda r: ((r.derivs, r.val), None),
    lambda _, children: GradientResult(*children),
)


def gradient(
    mode: Mode, f: Callable[..., Any], *args: Any, chunk: int | str | None = basis.AUTO
) -> tuple[Any, ...] | GradientResult:
    """The gradient of a real scalar function with respect to each unwrapped argument.

    Args:
      mode: ``Reverse`` (one backward pass) or ``Forward`` (one lane per input element), or their
        ``...WithPrimal`` variants.
      f: a function returning one real scalar.
      *args: its arguments; wrap those not to differentiate in ``Const``. A random key
        (``jax.random.key``) is never differentiated: unwrapped, it is taken as ``Const``.
      chunk: forward mode's lanes pushed at once (Enzyme's chunk size), in one ``lax.map`` over
        the chunks: ``"auto"`` (default) keeps lanes x input elements under 2^24, so memory is
        bounded by the chunk; an int sets it; ``None`` pushes every lane at once (as
        ``jax.jacfwd``). Reverse mode needs no lanes and ignores it.

    Returns:
      A tuple with one entry per argument, shaped like it (``None`` for ``Const``); with a
      ``...WithPrimal`` mode, a ``GradientResult`` with ``.derivs`` and ``.val``. For complex
      arguments the entry is df/da + i df/db (Enzyme's convention; ``jax.grad`` gives its
      conjugate).

    >>> import jax.numpy as jnp, workbench as wb
    >>> x = jnp.array([1.0, 2.0, 3.0], jnp.float32)
    >>> wb.gradient(wb.Reverse, lambda x: jnp.sum(x**3), x)
    (Array([ 3., 12., 27.], dtype=float32),)
    >>> wb.gradient(wb.ReverseWithPrimal, lambda x: jnp.sum(x**3), x).val
    Array(36., dtype=float32)
    """
    # Each entry has its argument's layout (forward mode assembles it from replicated lanes).
    return _entries(
        "gradient",
        mode,
        f,
        args,
        reverse=value_and_cotangents,
        place=lambda d, p, _: sharding.like(d, p),
        scalar=True,
        chunk=chunk,
    )


def jacobian(
    mode: Mode, f: Callable[..., Any], *args: Any, chunk: int | str | None = basis.AUTO
) -> tuple[Any, ...] | GradientResult:
    """The Jacobian of ``f`` with respect to each unwrapped argument; any output pytree.

    Each entry has the output's structure, and each output leaf holds an array (or the argument's
    pytree of arrays) of shape ``output_leaf.shape + argument_leaf.shape``, as ``jax.jacfwd``.
    ``chunk`` is as for ``gradient``: lanes (one per input element in forward mode, per output
    element in reverse mode) pushed or pulled at once, ``"auto"``, an int, or ``None`` for all.

    >>> import jax.numpy as jnp, workbench as wb
    >>> wb.jacobian(wb.Forward, lambda x: x**2, jnp.array([1.0, 2.0], jnp.float32))
    (Array([[2., 0.],
           [0., 4.]], dtype=float32),)
    """
    return _entries(
        "jacobian",
        mode,
        f,
        args,
        reverse=lambda m, s, w: _reverse_lanes(m, s, w, chunk=chunk),
        place=_scalar_rows_like,
        scalar=False,
        chunk=chunk,
    )


def _entries(
    name: str,
    mode: Mode,
    f: Callable[..., Any],
    args: Sequence[Any],
    *,
    reverse: Callable[[Mode, arguments.BoundCall, str], tuple[Any, Sequence[Any]]],
    place: Callable[[Any, Any, Any], Any],
    scalar: bool,
    chunk: int | str | None = basis.AUTO,
) -> tuple[Any, ...] | GradientResult:
    """``gradient``'s or ``jacobian``'s entries: ``reverse(mode, split, where)`` in reverse mode,
    lanes of tangents in forward mode (``scalar``: a scalar output, one lane per input element);
    ``place(entry, argument, primal_out)`` lays each entry out."""
    mode, split = _prepare(mode, f, args, name)
    where = f"{name}({mode!r})"
    basis.check_chunk(chunk, where)
    with sharding.arguments_mesh(split.primals), derivatives.explaining_out_of_memory(where):
        if mode.is_reverse:
            primal, derivs = reverse(mode, split, where)
        else:
            primal, derivs = _forward_lanes(mode, split, where, scalar=scalar, chunk=chunk)
        if not (mode.is_reverse and reverse is value_and_cotangents):  # that one wrote back
            split.write_back()
        derivs = [place(d, p, primal) for d, p in zip(derivs, split.primals, strict=True)]
    return _result(mode, len(args), split.positions, derivs, primal)


def _scalar_rows_like(entry: Any, argument: Any, primal: Any) -> Any:
    """The rows of a Jacobian entry that belong to scalar outputs have the argument's shape: they
    get its layout, as gradients do. Other rows (output shape + argument shape) keep JAX's."""
    return jax.tree.map(
        lambda y, row: sharding.like(row, argument) if np.shape(y) == () else row, primal, entry
    )


def _prepare(
    mode: Any, f: Any, args: Sequence[Any], where: str
) -> tuple[Mode, arguments.BoundCall]:
    mode = check_mode(mode, where)
    arguments.check_function(where, f)
    arguments.reject_modes(where, args)
    for i, a in enumerate(args):
        if isinstance(a, Activity) and not isinstance(a, Const):
            raise ActivityError(
                f"{where}: argument {i + 1} is {a!r}, but {where.split('(')[0]} differentiates "
                "plain arguments and takes no shadows. Pass the value itself (x, not "
                f"{type(a).__name__}(x, ...)) and wrap the others in Const(...), or use "
                "wb.autodiff for activities."
            )
    # A random key is never differentiated: unwrapped, it is taken as Const (its entry None).
    differentiated = [not isinstance(a, Const) and not is_random_key(a) for a in args]
    if not any(differentiated):
        raise ActivityError(
            f"{where}: every argument is Const, so there is nothing to differentiate. "
            "Leave the arguments to differentiate unwrapped."
        )
    values = [a.val if isinstance(a, Const) else a for a in args]
    return mode, arguments.bind(f, values, differentiated, where)


def _result(
    mode: Mode, n_args: int, positions: Sequence[int], derivs: Sequence[Any], primal: Any
) -> tuple[Any, ...] | GradientResult:
    full: list[Any] = [None] * n_args
    for i, d in zip(positions, derivs, strict=True):
        full[i] = d
    return GradientResult(tuple(full), primal) if mode.with_primal else tuple(full)


def _check_no_complex_to_complex(split: arguments.BoundCall, primal: Any, where: str) -> None:
    if is_complex(split.primals) and is_complex(primal):
        raise OutputError(
            f"{where}: both an input and the output are complex. Without holomorphy there is no "
            "single complex Jacobian; differentiate jnp.real(f) and jnp.imag(f) separately, or "
            "for a holomorphic f use jax.jacfwd(f, holomorphic=True)."
        )


def _forward_lanes(
    mode: Mode,
    split: arguments.BoundCall,
    where: str,
    *,
    scalar: bool,
    chunk: int | str | None = basis.AUTO,
) -> tuple[Any, list[Any]]:
    """Vectorized jvps over the standard basis of every differentiated argument: all lanes at
    once (as ``jax.jacfwd``), or ``chunk`` lanes at a time in one ``lax.map``."""
    in_leaves, in_defs = [], []
    for p in split.primals:
        leaves, treedef = jax.tree_util.tree_flatten(p)
        in_leaves.append(leaves)
        in_defs.append(treedef)
    flat_in = [leaf for leaves in in_leaves for leaf in leaves]

    def tangents_of(lanes: list[Any]) -> tuple[Any, ...]:
        stacked = [sharding.lanes_like(t, leaf) for t, leaf in zip(lanes, flat_in, strict=True)]
        tangents, k = [], 0
        for leaves, treedef in zip(in_leaves, in_defs, strict=True):
            tangents.append(jax.tree_util.tree_unflatten(treedef, stacked[k : k + len(leaves)]))
            k += len(leaves)
        return tuple(tangents)

    call = array_outputs(split.call, where)
    n = basis.lane_count(flat_in)
    size = basis.chunk_size(chunk, n, sum(int(np.size(leaf)) for leaf in flat_in))
    if size >= n:
        tangents = tangents_of(basis.stacked_basis(flat_in))
        primal, lanes = derivatives.push_lanes(mode, call, split.primals, tangents)
    else:

        def one(start: Any) -> tuple[Any, Any]:
            tangents = tangents_of(basis.basis_rows(flat_in, start, size))
            return derivatives.push_lanes(mode, call, split.primals, tangents)

        primal, lanes = basis.map_chunks(one, n, size)
    if scalar:
        check_real_scalar_output(primal, where)
    else:
        _check_outputs_floating(primal, where)
        _check_no_complex_to_complex(split, primal, where)
    out_leaves, out_def = jax.tree_util.tree_flatten(lanes)
    primal_leaves = jax.tree_util.tree_leaves(primal)
    per_out = [
        basis.unstack_lanes(ol, flat_in, np.shape(pl))
        for ol, pl in zip(out_leaves, primal_leaves, strict=True)
    ]
    derivs = []
    k = 0
    for leaves, treedef in zip(in_leaves, in_defs, strict=True):

        def entry(j: int, leaves: list[Any] = leaves, treedef: Any = treedef, k: int = k) -> Any:
            parts = [
                _cast(per_out[j][k + m], leaves[m], primal_leaves[j], scalar)
                for m in range(len(leaves))
            ]
            return jax.tree_util.tree_unflatten(treedef, parts)

        derivs.append(
            jax.tree_util.tree_unflatten(out_def, [entry(j) for j in range(len(per_out))])
        )
        k += len(leaves)
    return primal, derivs


def _reverse_lanes(
    mode: Mode, split: arguments.BoundCall, where: str, *, chunk: int | str | None = basis.AUTO
) -> tuple[Any, list[Any]]:
    """Vectorized vjps over the standard basis of the output (complex outputs split re/im): all
    lanes at once, or ``chunk`` lanes at a time in one ``lax.map``."""
    primal, vjp_fn = derivatives.pull(mode, array_outputs(split.call, where), split.primals)
    _check_outputs_floating(primal, where)
    _check_no_complex_to_complex(split, primal, where)
    out_leaves, out_def = jax.tree_util.tree_flatten(primal)
    if not out_leaves:  # nothing to differentiate (f returned None or an empty tuple)
        return primal, [primal for _ in split.primals]
    if is_complex(primal):
        # Real inputs, complex output: J = J_re + i J_im, each from a real vjp.
        def split_call(*p: Any) -> list[Any]:
            return [
                jnp.stack([jnp.real(y), jnp.imag(y)]) if jnp.iscomplexobj(y) else y
                for y in jax.tree_util.tree_leaves(split.call(*p))
            ]

        real_out, vjp_fn = derivatives.pull(mode, split_call, split.primals)
    else:
        real_out = out_leaves

    def pull_lanes(lanes: list[Any]) -> Any:
        stacked = [sharding.lanes_like(t, y) for t, y in zip(lanes, real_out, strict=True)]
        return jax.vmap(vjp_fn)(
            list(stacked) if is_complex(primal) else jax.tree_util.tree_unflatten(out_def, stacked)
        )

    n = basis.lane_count(real_out)
    inputs = sum(int(np.size(leaf)) for leaf in jax.tree_util.tree_leaves(split.primals))
    size = basis.chunk_size(chunk, n, inputs)
    if size >= n:
        cotangent_lanes = pull_lanes(basis.stacked_basis(real_out))
    else:  # chunks of output lanes in one lax.map: memory bounded by the chunk
        _, cotangent_lanes = basis.map_chunks(
            lambda start: (None, pull_lanes(basis.basis_rows(real_out, start, size))), n, size
        )
    derivs = []
    for p, lanes in zip(split.primals, cotangent_lanes, strict=True):
        in_leaves, in_def = jax.tree_util.tree_flatten(p)
        lane_leaves = jax.tree_util.tree_leaves(from_jax_cotangent(lanes))
        per_out_leaf = []
        for j, (y, ry) in enumerate(zip(out_leaves, real_out, strict=True)):
            offset = sum(np.size(r) for r in real_out[:j])
            parts = []
            for leaf, lane in zip(in_leaves, lane_leaves, strict=True):
                block = lane[offset : offset + np.size(ry)].reshape(
                    (*np.shape(ry), *np.shape(leaf))
                )
                if jnp.iscomplexobj(y):
                    block = block[0] + 1j * block[1]
                parts.append(_cast(block, leaf, y, scalar=False))
            per_out_leaf.append(jax.tree_util.tree_unflatten(in_def, parts))
        derivs.append(jax.tree_util.tree_unflatten(out_def, per_out_leaf))
    return primal, derivs


def _check_outputs_floating(primal: Any, where: str) -> None:
    for leaf in jax.tree_util.tree_leaves(primal):
        if not jnp.issubdtype(jnp.result_type(leaf), jnp.inexact):
            raise OutputError(
                f"{where}: an output has dtype {jnp.result_type(leaf)} ({shape_dtype(leaf)}), "
                "which has no derivative. Return only floating-point outputs (wrap integer ones "
                f"in a separate function). Output: {describe(primal)}."
            )


def _cast(d: jax.Array, in_leaf: Any, out_leaf: Any, scalar: bool) -> jax.Array:
    # A gradient has its input's dtype (as in reverse mode and jax.grad); a Jacobian entry the
    # promoted dtype of input and output (a complex output makes a real input's Jacobian complex).
    in_dtype = jnp.result_type(in_leaf)
    dtype = in_dtype if scalar else jnp.result_type(in_dtype, jnp.result_type(out_leaf))
    return d.astype(dtype)
