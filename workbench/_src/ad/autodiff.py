"""``autodiff``: Enzyme's ``autodiff(mode, f, args...)`` with activities, on jvp/vjp.

Results are returned functionally (JAX arrays are immutable): where Enzyme accumulates into a
``Duplicated`` shadow in reverse mode, ``autodiff`` returns ``shadow + derivative``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from workbench._src.ad import arguments, derivatives, sharding
from workbench._src.ad.activities import Active, Activity, BatchDuplicated, Const, Duplicated
from workbench._src.ad.complex_convention import from_jax_cotangent
from workbench._src.ad.modes import Mode, check_mode
from workbench._src.arrays import constant
from workbench._src.errors import ActivityError, OutputError, describe, shape_dtype
from workbench._src.leaves import is_array_leaf


def autodiff(mode: Mode, f: Callable[..., Any], *args: Any) -> tuple[Any, ...]:
    """Differentiates ``f`` at ``args`` in the given mode, with Enzyme's activities.

    Args:
      mode: ``Forward``, ``ForwardWithPrimal``, ``Reverse`` or ``ReverseWithPrimal`` (optionally
        through ``set_strong_zero``).
      f: the function. Its output may be any pytree in forward mode; in reverse mode it must be a
        real scalar.
      *args: the arguments of ``f``, each wrapped in an activity (``Const``, ``Active``,
        ``Duplicated``, ``BatchDuplicated``); an unwrapped argument is ``Const``.

    Returns:
      ``Forward``: ``(tangent,)``, or ``(tuple_of_tangents,)`` with ``BatchDuplicated``, one a lane.
      ``ForwardWithPrimal``: ``(tangent, primal)``.
      ``Reverse``: ``(derivs,)``, a tuple with one entry per argument: the derivative for
      ``Active``, the shadow plus the derivative for ``Duplicated`` (a tuple of them, one per lane,
      for ``BatchDuplicated``), ``None`` for ``Const``.
      ``ReverseWithPrimal``: ``(derivs, primal)``.

    >>> import jax.numpy as jnp, workbench as wb
    >>> x = jnp.array([3.0, 4.0, 5.0], jnp.float32)
    >>> wb.autodiff(wb.Forward, lambda x: x**2, wb.Duplicated(x, jnp.ones_like(x)))
    (Array([ 6.,  8., 10.], dtype=float32),)
    >>> wb.autodiff(wb.Reverse, lambda x, y: jnp.sum(x * y), wb.Active(x), wb.Const(x))
    ((Array([3., 4., 5.], dtype=float32), None),)
    """
    mode = check_mode(mode, "autodiff")
    arguments.check_function("autodiff", f)
    arguments.reject_modes("autodiff", args)
    with sharding.arguments_mesh(args), derivatives.explaining_out_of_memory(f"autodiff({mode!r})"):
        if mode.is_forward:
            return _forward(mode, f, args)
        return _reverse(mode, f, args)


def _values(args: Sequence[Any]) -> list[Any]:
    return [a.val if isinstance(a, Activity) else a for a in args]


def _forward(mode: Mode, f: Callable[..., Any], args: Sequence[Any]) -> tuple[Any, ...]:
    for i, a in enumerate(args):
        if isinstance(a, Active):
            raise ActivityError(
                f"autodiff({mode!r}): argument {i + 1} is {a!r}, but Active is for reverse mode: "
                "forward mode needs a tangent to push. Pass Duplicated(x, dx) with a tangent dx "
                "(e.g. jnp.ones_like(x)), or use wb.gradient(wb.Forward, f, x)."
            )
    dup = [isinstance(a, Duplicated) for a in args]
    batch = [isinstance(a, BatchDuplicated) for a in args]
    if not any(dup) and not any(batch):
        raise ActivityError(
            f"autodiff({mode!r}): every argument is Const ({_listing(args)}), so there is no "
            "tangent to push. Wrap the arguments to differentiate as Duplicated(x, dx) or "
            "BatchDuplicated(x, dxs)."
        )
    if any(dup) and any(batch):
        raise ActivityError(
            f"autodiff({mode!r}): mixes Duplicated and BatchDuplicated ({_listing(args)}). "
            "In one call every differentiated argument has the same number of lanes: wrap all of "
            "them in BatchDuplicated (repeat a tangent, or use zeros, for the Duplicated one)."
        )
    split = arguments.bind(
        f, _values(args), [d or b for d, b in zip(dup, batch, strict=True)], f"autodiff({mode!r})"
    )
    # Enzyme's shadow has its primal's layout: a tangent made on one device (jnp.ones(n)) moves to
    # where its sharded primal is, so that the tangent program is distributed like the primal one.
    pairs = zip(split.positions, split.primals, strict=True)
    shadows = [_shadow_like(args[i], p) for i, p in pairs]
    if any(batch):
        widths = {len(s) for s in shadows}
        if len(widths) > 1:
            raise ActivityError(
                f"autodiff({mode!r}): BatchDuplicated arguments have different numbers of lanes "
                f"({sorted(widths)}); all must have the same width."
            )
        (width,) = widths
        stacked = tuple(jax.tree.map(lambda *lanes: jnp.stack(lanes), *s) for s in shadows)
        call = array_outputs(split.call, f"autodiff({mode!r})")
        primal, tangents = derivatives.push_lanes(mode, call, split.primals, stacked)
        tangent: Any = tuple(
            sharding.like(jax.tree.map(lambda t, k=k: t[k], tangents), primal) for k in range(width)
        )
    else:
        call = array_outputs(split.call, f"autodiff({mode!r})")
        primal, tangent = derivatives.push(mode, call, split.primals, tuple(shadows))
        tangent = sharding.like(tangent, primal)  # a tangent has its output's layout
    split.write_back()  # an NNX module's state after the call (jvp returned none)
    return (tangent, primal) if mode.with_primal else (tangent,)


def _shadow_like(a: Activity, primal: Any) -> Any:
    if isinstance(a, BatchDuplicated):
        return tuple(sharding.like(lane, primal) for lane in a.dval)
    assert isinstance(a, Duplicated)
    return sharding.like(a.dval, primal)


def _reverse(mode: Mode, f: Callable[..., Any], args: Sequence[Any]) -> tuple[Any, ...]:
    differentiated = [isinstance(a, Active | Duplicated | BatchDuplicated) for a in args]
    if not any(differentiated):
        raise ActivityError(
            f"autodiff({mode!r}): every argument is Const ({_listing(args)}), so no derivative "
            "is asked for. Wrap the arguments to differentiate as Active(x) or Duplicated(x, dx)."
        )
    split = arguments.bind(f, _values(args), differentiated, f"autodiff({mode!r})")
    primal, cotangents = value_and_cotangents(mode, split, f"autodiff({mode!r})")
    derivs: list[Any] = [None] * len(args)
    for i, p, ct in zip(split.positions, split.primals, cotangents, strict=True):
        a = args[i]
        if isinstance(a, Active):
            derivs[i] = sharding.like(ct, p)  # a derivative has its argument's layout
        elif isinstance(a, Duplicated):
            derivs[i] = sharding.like(jax.tree.map(jnp.add, a.dval, ct), p)
        else:
            assert isinstance(a, BatchDuplicated)
            derivs[i] = tuple(sharding.like(jax.tree.map(jnp.add, lane, ct), p) for lane in a.dval)
    return (tuple(derivs), primal) if mode.with_primal else (tuple(derivs),)


def value_and_cotangents(
    mode: Mode, split: arguments.BoundCall, where: str
) -> tuple[Any, tuple[Any, ...]]:
    """Primal and the Enzyme-convention derivatives of a real scalar function (one vjp). An NNX
    module argument's updated state comes out of the same vjp and is written back."""
    states = None
    if split.keeps_state:
        primal, vjp_fn, states = derivatives.pull_with_aux(
            mode, array_outputs(split.call_with_state, where, aux=True), split.primals
        )
    else:
        primal, vjp_fn = derivatives.pull(mode, array_outputs(split.call, where), split.primals)
    check_real_scalar_output(primal, where)
    cotangents = vjp_fn(constant(1, primal.dtype))
    split.write_back(states)
    return primal, tuple(from_jax_cotangent(ct) for ct in cotangents)


def check_real_scalar_output(out: Any, where: str) -> None:
    """A gradient (and reverse mode, which seeds the output with 1.0) needs a single real
    floating scalar."""
    forward = "Forward" in where
    several = (
        f"wb.jacobian({where.split('(')[1][:-1]}, f, ...) for several outputs"
        if forward or where.startswith("gradient")
        else "wb.Forward or wb.jacobian for several outputs"
    )
    needs = "a gradient needs" if forward else "reverse mode needs"
    if not (hasattr(out, "shape") and hasattr(out, "dtype")):
        raise OutputError(
            f"{where}: {needs} the function to return one real scalar, but it returned "
            f"{describe(out)}. Return a single scalar (e.g. the loss), or use {several}."
        )
    dtype = np.dtype(out.dtype)
    if jnp.issubdtype(dtype, jnp.complexfloating):
        raise OutputError(
            f"{where}: the output is complex ({shape_dtype(out)}); {needs} a real scalar. "
            "Return a real quantity (jnp.real(z), jnp.abs(z)**2), or use wb.jacobian for "
            "complex outputs."
        )
    if not jnp.issubdtype(dtype, jnp.floating):
        raise OutputError(
            f"{where}: the output has dtype {dtype.name} ({shape_dtype(out)}), which has no "
            "derivative. Return a floating-point value (e.g. x.astype(jnp.float32)) computed "
            "from the inputs."
        )
    if out.shape != ():
        raise OutputError(
            f"{where}: {needs} a scalar output, but the output has shape "
            f"{tuple(out.shape)} ({shape_dtype(out)}). Reduce it (e.g. .sum()), or use "
            f"{several}."
        )


def as_output_array(out: Any) -> Any:
    """A Python number returned by the function (a constant on some path, as
    ``{1: 1.0}.get(k, x)``) is an array output whose derivative is zero, as in Enzyme and
    ``jax.grad``."""
    return jnp.asarray(out) if isinstance(out, float | int) and not isinstance(out, bool) else out


def array_outputs(
    call: Callable[..., Any], where: str = "", *, aux: bool = False
) -> Callable[..., Any]:
    """``call`` with Python-number outputs as arrays (``as_output_array``); an output that is not
    an array or a number (a string, an object) is refused in the workbench's words, where JAX
    would say "Argument 's' of type <class 'str'> is not a valid JAX type". With ``aux``,
    ``call`` returns (output, aux) and only the output is checked."""

    def checked(*args: Any) -> Any:
        if aux:
            out, extra = call(*args)
            return checked_output(out), extra
        return checked_output(call(*args))

    def checked_output(out: Any) -> Any:
        for path, leaf in jax.tree_util.tree_leaves_with_path(out):
            if not is_array_leaf(leaf) or isinstance(leaf, jax.ShapeDtypeStruct):
                at = f" at {jax.tree_util.keystr(path)}" if path else ""
                raise OutputError(
                    f"{where or 'the derivative'}: the function returned {describe(leaf)}{at}, "
                    "which is not an array or a number, so it has no derivative. Return arrays "
                    "(or a pytree of them): compute the value with jax.numpy, and return other "
                    f"results from a separate function. Output: {describe(out)}."
                )
        return jax.tree.map(as_output_array, out)

    return checked


def _listing(args: Sequence[Any]) -> str:
    return ", ".join(repr(a) if isinstance(a, Const) else describe(a) for a in args) or "none"
