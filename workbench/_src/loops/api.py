"""``wb.fori_loop`` and ``wb.while_loop``: ``jax.lax``'s loops with checkpointed reverse mode.

What each scheme becomes:

- ``False``: ``lax.fori_loop`` / ``lax.while_loop`` (a ``while_loop`` with ``max_steps`` is a
  masked ``lax.scan``, which reverse mode can store): JAX's own rules, store-all.
- ``True`` / ``Periodic(p)`` on a ``fori_loop``: a scan over segments, each under
  ``jax.checkpoint`` (``periodic.py``): JAX's own rules.
- ``Binomial(s)`` / ``MemoryBudget(b)``, and every scheme of a ``while_loop``: the
  ``checkpointed_loop`` primitive (``primitive.py``), whose rules keep Revolve's schedule under
  every transformation (``jax.jvp``, ``jax.grad``, ``jax.vmap``, ``jax.jit``, ``jax.hessian``, in
  any order and nesting). Its trip count is static (Python bounds), traced (bounds known only
  when the program runs: Revolve's plan is then made at run time), or learnt by the loop
  (``while_loop``).

No scheme depends on which transformation is applied: the loop is the same equation in every
mode, so a ``wb.jit`` function is traced once and serves them all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from workbench._src.errors import (
    ArgumentError,
    NotCallableError,
    OutputError,
    check_takes,
    describe,
    refuse_non_arrays,
)
from workbench._src.loops import periodic
from workbench._src.loops.binding import loop
from workbench._src.loops.carry import check_body, check_body_keeps_carry
from workbench._src.loops.schedules import resolve
from workbench._src.loops.schemes import (
    Binomial,
    CheckpointingError,
    MemoryBudget,
    Periodic,
    Scheme,
    check_scheme,
    snapshots_for_budget,
    sqrt_period,
)


def fori_loop(
    lower: Any,
    upper: Any,
    body: Callable[[Any, Any], Any],
    init: Any,
    *,
    checkpointing: Scheme = False,
    mincut: bool = False,
    max_steps: int | None = None,
) -> Any:
    """``jax.lax.fori_loop`` whose reverse mode stores every step, or only a few snapshots.

    Args:
      lower, upper: the loop runs ``body(i, carry)`` for ``lower <= i < upper``; integers
        (Python, NumPy or JAX), known when tracing or not.
      body: ``(i, carry) -> carry``, with the carry's structure, shapes and dtypes unchanged.
      init: the initial carry (any pytree).
      checkpointing: ``False`` (store every step), ``True`` (periodic, about sqrt(N)
        snapshots), ``wb.Periodic(p)``, ``wb.Binomial(s)`` (Revolve: the fewest recomputations
        for s snapshots) or ``wb.MemoryBudget(bytes)``. ``True`` and ``Periodic`` need a trip
        count known when tracing; ``Binomial`` and ``MemoryBudget`` also take bounds known only
        at run time (Revolve's plan is then made by the program).
      mincut: per step, keep only what is expensive to recompute (matrix products) and the
        step's input; recompute the rest in the backward pass (store-all and periodic schemes).
      max_steps: an upper bound on the trip count, for bounds known only at run time: the loop
        stops there, in every mode (as ``wb.while_loop``'s). ``True`` and ``Periodic`` need it
        then, to size their snapshots; ``Binomial`` and ``MemoryBudget`` keep at most
        ``min(s, max_steps)`` snapshots with it.

    Returns:
      The final carry.

    What composes: every scheme gives the derivatives of the plain loop under ``jax.jvp``,
    ``jax.grad`` / ``jax.vjp``, ``jax.linearize``, ``jax.jacfwd`` / ``jax.jacrev``,
    ``jax.hessian``, ``jax.vmap``, ``jax.jit``, ``jax.checkpoint``, the workbench's modes, and
    their nestings (forward over reverse, reverse over forward, reverse over reverse), and inside
    ``lax.scan`` or another checkpointed loop. Only what reverse mode keeps, and how often it
    recomputes, depends on the scheme (``wb.checkpoint_schedule`` tells): ``Binomial(s)`` keeps
    ``s`` snapshots and follows Revolve's plan exactly, and its backward pass is again a
    checkpointed loop, so second derivatives keep snapshots too.

    >>> import jax, jax.numpy as jnp, workbench as wb
    >>> f = lambda x: wb.fori_loop(0, 9, lambda i, y: y * x, x, checkpointing=wb.Binomial(3))
    >>> float(wb.gradient(wb.Reverse, f, jnp.float32(1.1))[0])  # d/dx x**10 = 10 x**9
    23.579...
    >>> float(jax.hessian(f)(jnp.float32(1.1)))  # 90 x**8
    192.9...
    """
    scheme = check_scheme(checkpointing)
    check_body(body, "wb.fori_loop")
    _check_bounds(lower, upper)
    max_steps = _check_max_steps(max_steps, "wb.fori_loop")
    index = _index_example(lower, upper)
    init = check_body_keeps_carry(body, index, init, "wb.fori_loop")
    lo, hi = _static_int(lower), _static_int(upper)
    if lo is not None and hi is not None and max_steps is not None:
        hi = min(hi, lo + max_steps)
        upper = hi
    dynamic = lo is None or hi is None
    if lo is not None and hi is not None:
        _check_trip_count(hi - lo, scheme, mincut)
    if scheme is False and not mincut and not (dynamic and max_steps is not None):
        return lax.fori_loop(lower, upper, body, init)
    step_body = periodic.mincut_body(body) if mincut else body
    if dynamic:
        steps = jnp.maximum(jnp.asarray(upper) - jnp.asarray(lower), 0)
        if max_steps is not None:
            steps = jnp.minimum(steps, max_steps)
        idx_dtype = jnp.result_type(index)

        def indexed(k: Any, x: Any) -> Any:
            return step_body(jnp.asarray(lower, idx_dtype) + k.astype(idx_dtype), x)

        if scheme is False:
            if max_steps is None:  # store-all: JAX's own loop (reverse mode needs a bound)
                return lax.fori_loop(lower, upper, step_body, init)
            return periodic.bounded_loop(indexed, lambda k, x: k < steps, init, max_steps)
        if scheme is True or isinstance(scheme, Periodic):
            if max_steps is None:
                raise CheckpointingError(
                    f"wb.fori_loop: checkpointing={checkpointing!r} keeps a snapshot every p "
                    f"steps, but the bounds are only known when the program runs "
                    f"(lower={describe(lower)}, upper={describe(upper)}), so the number of "
                    "snapshots has no bound to size them by. Pass max_steps=... (an upper bound "
                    "on the trip count), use checkpointing=wb.Binomial(s), which plans for any "
                    "trip count at run time, or pass Python ints (mark them static in jit)."
                )
            period = sqrt_period(max_steps) if scheme is True else scheme.period
            return periodic.periodic_bounded_loop(
                indexed, lambda k, x: k < steps, init, max_steps, period
            )
        snapshots = _bounded(_snapshots(scheme, init), max_steps)
        return _checkpointed(body, lower, init, snapshots, steps=steps)
    assert lo is not None and hi is not None
    n = hi - lo
    if n <= 0 or scheme is False:
        return lax.fori_loop(lower, upper, step_body, init)
    scheme = resolve(scheme, n, _carry_bytes(init))
    if isinstance(scheme, Periodic):
        return periodic.periodic_loop(step_body, lower, n, scheme.period, init)
    assert isinstance(scheme, Binomial)
    return _checkpointed(body, lower, init, scheme.snapshots, length=n)


def while_loop(
    cond: Callable[[Any], Any],
    body: Callable[[Any], Any],
    init: Any,
    *,
    checkpointing: Scheme = False,
    max_steps: int | None = None,
) -> Any:
    """``jax.lax.while_loop`` that reverse mode can differentiate.

    Args:
      cond: ``carry -> bool``.
      body: ``carry -> carry``, with the carry's structure, shapes and dtypes unchanged.
      init: the initial carry.
      checkpointing: ``False`` stores every step, which needs ``max_steps`` for reverse mode
        (the loop runs as a masked scan of ``max_steps`` steps); ``wb.Binomial(s)`` or
        ``wb.MemoryBudget(bytes)`` keep ``s`` snapshots whatever the trip count (online: the
        trip count is learnt by the forward pass; reverse mode then follows Revolve's plan for
        it, one forward sweep more than the offline optimum); ``True`` is
        ``Binomial(ceil(sqrt(max_steps)))``.
      max_steps: an upper bound on the trip count; the loop stops there, in every mode.

    Returns:
      The final carry.

    What composes: as ``wb.fori_loop``; every transformation and nesting gives the derivatives
    of the plain loop, and ``max_steps`` holds in all of them.

    >>> import jax.numpy as jnp, workbench as wb
    >>> f = lambda x: wb.while_loop(lambda y: y < 100.0, lambda y: y * x, x,
    ...                             checkpointing=wb.Binomial(3))
    >>> wb.gradient(wb.Reverse, f, jnp.float32(2.0))[0]  # x**7 = 128 > 100: d/dx = 7 x**6
    Array(448., dtype=float32)
    """
    scheme = check_scheme(checkpointing)
    check_body(body, "wb.while_loop", "body(carry) -> carry")
    if not callable(cond):
        raise NotCallableError(
            f"wb.while_loop needs cond to be a function, cond(carry) -> bool, but received "
            f"{describe(cond)}, which is not callable. Pass the function itself (e.g. lambda c: "
            "c < 10.0)."
        )
    check_takes("wb.while_loop", cond, 1, "cond(carry) -> bool", "Wrap it: lambda c: g(c).")
    init = check_body_keeps_carry(lambda i, c: body(c), 0, init, "wb.while_loop")
    _check_cond(cond, init)
    max_steps = _check_max_steps(max_steps, "wb.while_loop")
    if max_steps is not None and max_steps > INDEX_MAX and scheme is not False:
        raise CheckpointingError(
            f"wb.while_loop: max_steps={max_steps} is more steps than a checkpointed loop can "
            f"count: its step counter is int32 (at most {INDEX_MAX} steps). Give a smaller "
            "max_steps, or split the loop into an outer and an inner loop."
        )
    if scheme is False and max_steps is None:
        return lax.while_loop(cond, body, init)
    if scheme is False:
        assert max_steps is not None
        return _masked_scan(cond, body, init, max_steps)
    if isinstance(scheme, Periodic):
        if max_steps is None:
            raise CheckpointingError(
                "wb.while_loop: Periodic(p) keeps a snapshot every p steps, so without a bound "
                "on the trip count the number of snapshots has none either. Pass max_steps=... "
                "(an upper bound on the trip count), or use checkpointing=wb.Binomial(s), which "
                "keeps s snapshots for any trip count."
            )
        return periodic.periodic_bounded_loop(
            lambda k, x: body(x), lambda k, x: cond(x), init, max_steps, scheme.period
        )
    if scheme is True:
        if max_steps is None:
            raise CheckpointingError(
                "wb.while_loop: checkpointing=True sizes about sqrt(N) snapshots, but the trip "
                "count N is unknown. Pass max_steps=..., or choose the snapshots: "
                "checkpointing=wb.Binomial(s)."
            )
        snapshots = sqrt_period(max_steps)
    else:
        snapshots = _bounded(_snapshots(scheme, init), max_steps)
    return _checkpointed(lambda i, c: body(c), 0, init, snapshots, cond=cond, max_steps=max_steps)


def _checkpointed(
    body: Callable[[Any, Any], Any],
    lower: Any,
    init: Any,
    snapshots: int,
    *,
    length: int | None = None,
    steps: Any = None,
    cond: Callable[[Any], Any] | None = None,
    max_steps: int | None = None,
) -> Any:
    """The loop as a ``checkpointed_loop`` equation, on the flattened carry."""
    bound = length if length is not None else max_steps
    if bound is not None:  # no more snapshots than steps
        snapshots = max(1, min(snapshots, bound))
    if snapshots > INDEX_MAX:  # slots are int32 indices (an OverflowError while tracing)
        raise CheckpointingError(
            f"a checkpointed loop of unbounded length can keep at most {INDEX_MAX} snapshots "
            f"(its snapshot slots are int32), but {snapshots} were asked for. Pass max_steps=... "
            "(a loop never keeps more snapshots than steps) or fewer snapshots: "
            "checkpointing=wb.Binomial(s)."
        )
    leaves, treedef = jax.tree_util.tree_flatten(init)
    leaves = [jnp.asarray(v) for v in leaves]

    def step(k: Any, x: list[Any]) -> list[Any]:
        out = body(k + lower, jax.tree_util.tree_unflatten(treedef, x))
        return [
            lax.convert_element_type(o, v.dtype)
            for o, v in zip(jax.tree_util.tree_leaves(out), leaves, strict=True)
        ]

    keep_going = None
    if cond is not None:
        user_cond = cond

        def keep_going(k: Any, x: list[Any]) -> Any:
            return jnp.asarray(user_cond(jax.tree_util.tree_unflatten(treedef, x)))

    carry, _ = loop(
        step,
        leaves,
        snapshots=snapshots,
        length=length,
        steps=steps,
        cond=keep_going,
        max_steps=max_steps,
    )
    return jax.tree_util.tree_unflatten(treedef, carry)


def _snapshots(scheme: Any, init: Any) -> int:
    if isinstance(scheme, MemoryBudget):
        return snapshots_for_budget(scheme.bytes, _carry_bytes(init))
    assert isinstance(scheme, Binomial)
    return scheme.snapshots


INDEX_MAX = int(np.iinfo(np.int32).max)  # the checkpointed loop's step counter is int32


def _check_trip_count(n: int, scheme: Any, mincut: bool) -> None:
    """A trip count the loop's counter can hold (int32 for checkpointed loops; lax's own loops
    count in the bounds' dtype, int64 only where 64-bit mode is on)."""
    lax_counts_it = scheme is False and not mincut and jax.config.read("jax_enable_x64")
    if n > INDEX_MAX and not lax_counts_it:
        raise CheckpointingError(
            f"wb.fori_loop: a trip count of {n} steps is more than the loop's step counter "
            f"can count (int32: at most {INDEX_MAX} steps), with checkpointing={scheme!r}. "
            "Split the loop into an outer and an inner loop (each under 2**31 steps)"
            + ("." if scheme is not False else ", or turn on 64-bit mode (JAX_ENABLE_X64=1).")
        )


def _bounded(snapshots: int, max_steps: int | None) -> int:
    """No more snapshots than steps: a loop of at most ``max_steps`` steps never stores more."""
    return snapshots if max_steps is None else max(1, min(snapshots, max_steps))


def _check_max_steps(max_steps: Any, where: str) -> int | None:
    if max_steps is None:
        return None
    if isinstance(max_steps, bool) or not isinstance(max_steps, int | np.integer) or max_steps < 0:
        raise CheckpointingError(
            f"{where}: max_steps must be a non-negative int or None, got {describe(max_steps)}."
        )
    return int(max_steps)


def _masked_scan(
    cond: Callable[[Any], Any], body: Callable[[Any], Any], init: Any, max_steps: int
) -> Any:
    def step(state: Any, _: Any) -> Any:
        x, running = state
        running = running & cond(x)
        return (lax.cond(running, body, lambda c: c, x), running), None

    (x, _), _ = lax.scan(step, (init, jnp.bool_(True)), None, length=max_steps)
    return x


def _check_cond(cond: Callable[[Any], Any], init: Any) -> None:
    def checked(carry: Any) -> Any:
        out = cond(carry)
        refuse_non_arrays("wb.while_loop", "cond", out, "cond returns a boolean scalar.")
        return out

    out = jax.eval_shape(checked, init)
    if not (hasattr(out, "shape") and out.shape == () and out.dtype == jnp.bool_):
        raise OutputError(
            f"wb.while_loop: cond must return a boolean scalar (e.g. y < 10.0), but it returned "
            f"{describe(out)}. Reduce it (jnp.all(...), jnp.any(...)) or compare a scalar."
        )


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | np.integer):
        return True
    dtype = getattr(value, "dtype", None)
    return (
        dtype is not None
        and np.shape(value) == ()
        and jnp.issubdtype(dtype, jnp.integer)
        and not jnp.issubdtype(dtype, jnp.bool_)
    )


def _check_bounds(lower: Any, upper: Any) -> None:
    for name, value in (("lower", lower), ("upper", upper)):
        if not _is_integer(value):
            raise ArgumentError(
                f"wb.fori_loop: {name} must be an integer scalar (a Python, NumPy or JAX int), "
                f"but received {describe(value)}. Round it first (e.g. int(...), or "
                "x.astype(jnp.int32) for a traced value); for a loop until a condition holds, "
                "use wb.while_loop."
            )


def _index_example(lower: Any, upper: Any) -> Any:
    """A value typed as ``lax.fori_loop``'s index for these bounds (weakly typed for Python
    ints)."""
    # abstract values: jnp.asarray(0) would be a host-to-device transfer (transfer_guard)
    for bound in (lower, upper):
        if not isinstance(bound, int | np.integer):
            if isinstance(bound, jax.Array):
                return bound
            return jax.ShapeDtypeStruct(np.shape(bound), jnp.result_type(bound))
    return jax.ShapeDtypeStruct((), jnp.result_type(int), weak_type=True)


def _static_int(value: Any) -> int | None:
    if isinstance(value, jax.core.Tracer):
        return None
    try:
        return int(np.asarray(value))
    except (TypeError, ValueError):
        return None


def _carry_bytes(init: Any) -> int:
    return sum(
        int(np.prod(np.shape(v))) * jnp.result_type(v).itemsize
        for v in jax.tree_util.tree_leaves(init)
    )
