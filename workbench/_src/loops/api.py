"""``wb.fori_loop`` and ``wb.while_loop``: ``jax.lax``'s loops with checkpointed reverse mode."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from workbench._src.ad.forward_context import in_forward_mode
from workbench._src.errors import describe
from workbench._src.loops import binomial, periodic
from workbench._src.loops.carry import Split, check_body_keeps_carry, split_step
from workbench._src.loops.schedules import resolve
from workbench._src.loops.schemes import (
    Binomial,
    CheckpointingError,
    MemoryBudget,
    Periodic,
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
    checkpointing: Any = False,
    mincut: bool = False,
) -> Any:
    """``jax.lax.fori_loop`` whose reverse mode stores every step, or only a few snapshots.

    Args:
      lower, upper: the loop runs ``body(i, carry)`` for ``lower <= i < upper``.
      body: ``(i, carry) -> carry``, with the carry's structure, shapes and dtypes unchanged.
      init: the initial carry (any pytree).
      checkpointing: ``False`` (store every step), ``True`` (periodic, about sqrt(N)
        snapshots), ``wb.Periodic(p)``, ``wb.Binomial(s)`` (Revolve: the fewest recomputations
        for s snapshots) or ``wb.MemoryBudget(bytes)``. Any scheme but ``False`` needs a trip
        count known when tracing (Python ints, or concrete arrays).
      mincut: per step, keep only what is expensive to recompute (matrix products) and the
        step's input; recompute the rest in the backward pass.

    Returns:
      The final carry. Derivatives in every mode equal those of the plain loop; only what reverse
      mode keeps, and how often it recomputes, changes (``wb.checkpoint_schedule`` tells).

    >>> import jax, jax.numpy as jnp, workbench as wb
    >>> f = lambda x: wb.fori_loop(0, 9, lambda i, y: y * x, x, checkpointing=True)
    >>> wb.gradient(wb.Reverse, f, wb.to_rarray(1.1))[0]  # d/dx x**10 = 10 x**9
    Array(23.57947691, dtype=float64)
    """
    scheme = check_scheme(checkpointing)
    _check_body(body, "wb.fori_loop")
    check_body_keeps_carry(body, _as_index(lower), init, "wb.fori_loop")
    if in_forward_mode() or (scheme is False and not mincut):
        return lax.fori_loop(lower, upper, body, init)
    lo, hi = _static_int(lower), _static_int(upper)
    if lo is None or hi is None:
        raise CheckpointingError(
            f"wb.fori_loop: checkpointing={checkpointing!r}{' with mincut' if mincut else ''} "
            f"needs a trip count known when tracing, but the bounds are traced values "
            f"(lower={describe(lower)}, upper={describe(upper)}). Pass Python ints (or mark them "
            "static in jit), or use wb.while_loop(..., checkpointing=wb.Binomial(s)), which "
            "learns the trip count at run time."
        )
    n = hi - lo
    if n <= 0:
        return init
    step_body = periodic.mincut_body(body) if mincut else body
    if scheme is False:
        return lax.fori_loop(lo, hi, step_body, init)
    scheme = resolve(scheme, n, _carry_bytes(init))
    if isinstance(scheme, Periodic):
        return periodic.periodic_loop(step_body, lo, n, scheme.period, init)
    assert isinstance(scheme, Binomial)
    return _binomial(body, lo, n, scheme.snapshots, init)


def _binomial(
    body: Callable[[Any, Any], Any], lower: int, n: int, snapshots: int, init: Any
) -> Any:
    convert, consts = jax.closure_convert(body, jnp.int64(lower), init)
    carry, consts_split = Split(init), Split(list(consts))
    step = split_step(carry, consts_split, convert, lower)
    xf, xi = binomial.binomial_loop(
        step, n, snapshots, (carry.floats, carry.others), (consts_split.floats, consts_split.others)
    )
    return carry.merge(xf, xi)


def while_loop(
    cond: Callable[[Any], Any],
    body: Callable[[Any], Any],
    init: Any,
    *,
    checkpointing: Any = False,
    max_steps: int | None = None,
) -> Any:
    """``jax.lax.while_loop`` that reverse mode can differentiate.

    Args:
      cond: ``carry -> bool``.
      body: ``carry -> carry``, with the carry's structure, shapes and dtypes unchanged.
      init: the initial carry.
      checkpointing: ``False`` stores every step, which needs ``max_steps`` (the loop runs as a
        masked scan of ``max_steps`` steps); ``wb.Binomial(s)`` or ``wb.MemoryBudget(bytes)``
        keep ``s`` snapshots whatever the trip count (online: the trip count is learnt by the
        forward pass; reverse mode then follows Revolve's plan for it, one forward sweep more
        than the offline optimum); ``True`` is ``Binomial(ceil(sqrt(max_steps)))``.
      max_steps: an upper bound on the trip count; the loop stops there.

    Returns:
      The final carry.

    >>> import jax.numpy as jnp, workbench as wb
    >>> f = lambda x: wb.while_loop(lambda y: y < 100.0, lambda y: y * x, x,
    ...                             checkpointing=wb.Binomial(3))
    >>> wb.gradient(wb.Reverse, f, wb.to_rarray(2.0))[0]  # x**7 = 128 > 100: d/dx = 7 x**6
    Array(448., dtype=float64)
    """
    scheme = check_scheme(checkpointing)
    _check_body(body, "wb.while_loop")
    if not callable(cond):
        raise TypeError(f"wb.while_loop needs cond to be a function, got {describe(cond)}.")
    check_body_keeps_carry(lambda i, c: body(c), 0, init, "wb.while_loop")
    if max_steps is not None and (
        isinstance(max_steps, bool) or not isinstance(max_steps, int) or max_steps < 0
    ):
        raise CheckpointingError(
            f"wb.while_loop: max_steps must be a non-negative int or None, got "
            f"{describe(max_steps)}."
        )
    if in_forward_mode() or (scheme is False and max_steps is None):
        return lax.while_loop(cond, body, init)
    if scheme is False:
        assert max_steps is not None
        return _masked_scan(cond, body, init, max_steps)
    if isinstance(scheme, Periodic):
        raise CheckpointingError(
            "wb.while_loop: Periodic(p) needs the trip count in advance to place its snapshots. "
            "Use checkpointing=wb.Binomial(s), which keeps s snapshots for any trip count, or "
            "wb.fori_loop with a known trip count."
        )
    if scheme is True:
        if max_steps is None:
            raise CheckpointingError(
                "wb.while_loop: checkpointing=True sizes about sqrt(N) snapshots, but the trip "
                "count N is unknown. Pass max_steps=..., or choose the snapshots: "
                "checkpointing=wb.Binomial(s)."
            )
        snapshots = sqrt_period(max_steps)
    elif isinstance(scheme, MemoryBudget):
        snapshots = snapshots_for_budget(scheme.bytes, _carry_bytes(init))
    else:
        snapshots = scheme.snapshots
    return _online_binomial(cond, body, init, snapshots, max_steps)


def _online_binomial(
    cond: Callable[[Any], Any],
    body: Callable[[Any], Any],
    init: Any,
    snapshots: int,
    max_steps: int | None,
) -> Any:
    convert, consts = jax.closure_convert(lambda i, c: body(c), jnp.int64(0), init)
    cond_convert, cond_consts = jax.closure_convert(cond, init)
    carry, consts_split = Split(init), Split(list(consts))
    step = split_step(carry, consts_split, convert, 0)
    # cond's constants have no derivative: closed over as values of the enclosing trace.
    cond_values = [jax.lax.stop_gradient(c) for c in cond_consts]

    def keep_going(x: Any, _consts: Any) -> Any:
        return cond_convert(carry.merge(*x), *cond_values)

    xf, xi = binomial.online_binomial_loop(
        step,
        keep_going,
        snapshots,
        (carry.floats, carry.others),
        (consts_split.floats, consts_split.others),
        max_steps,
    )
    return carry.merge(xf, xi)


def _masked_scan(
    cond: Callable[[Any], Any], body: Callable[[Any], Any], init: Any, max_steps: int
) -> Any:
    def step(state: Any, _: Any) -> Any:
        x, running = state
        running = running & cond(x)
        return (lax.cond(running, body, lambda c: c, x), running), None

    (x, _), _ = lax.scan(step, (init, jnp.bool_(True)), None, length=max_steps)
    return x


def _check_body(body: Any, where: str) -> None:
    if not callable(body):
        raise TypeError(f"{where} needs body to be a function, but received {describe(body)}.")


def _as_index(bound: Any) -> Any:
    return jnp.asarray(bound, dtype=jnp.int64) if isinstance(bound, int) else bound


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
