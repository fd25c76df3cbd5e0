"""Central finite differences with their own error estimate, for ``check_gradient``.

Each difference quotient is taken at three steps, ``D(h)``, ``D(2h)``, ``D(4h)``, all central:
``D(h) = (f(x + h v) - f(x - h v)) / 2h``. The Richardson combination
``R(h) = (4 D(h) - D(2h)) / 3`` is the estimate (truncation O(h^4)), and ``|R(h) - R(2h)|``
(fifteen times the truncation error of ``R(h)``, plus the rounding noise of both) bounds its
error, together with a floor for the rounding of ``f`` itself: ``eps * max|f| / h``. The step
starts at ``eps^(1/3)``; where rounding keeps the differences from resolving 1e-3, steps 8 and
64 times longer are tried in turn (none past half an element's scale), each kept only where it
is tighter and agrees with the shorter. ``eps`` is that of the precision ``f`` answers in: a
function that casts to float32 inside (``logits.astype(jnp.float32)``) answers in float32 even on
float64 arguments, one that computes in bfloat16 inside answers in bfloat16. The tolerance a
checked derivative gets is that bound plus the checked derivative's own rounding, in its own
dtype; nothing else. So a float32 gradient that is wrong by 1% fails whenever the differences
resolve better than 1%, and the report says how well they resolved.

Where ``f`` is not smooth at the step's scale (relu kinks crossed, chaos) the differences do not
shrink as h^2: Richardson's correction is as large as what it corrects, and the estimate is
``D(h)`` with a first-order bound (``quotients``); a shorter step is tried then, a longer one
never kept. A kink much closer to ``x`` than the step leaves consistent differences that average
the slopes on its two sides: ``check_gradient`` tells it from a wrong gradient by the checked
derivative's bend within the step.

Differences run in float64 where JAX's 64-bit mode is on (every floating input widened), else in
float32 (bfloat16 and float16 inputs widened to it), else in the input's own dtype.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from workbench._src.internals import jaxprs

# f's rounding, in units of eps * max|f|, that a difference quotient divides by the step.
ROUNDING = 8.0
# The checked derivative's own rounding, relative (to the element, to the largest element), by
# the dtype it is computed in. Low precisions get what their eps allows: a 2x error still fails.
OWN_RTOL = {
    np.dtype(np.float64): (1e-10, 1e-12),
    np.dtype(np.float32): (1e-4, 1e-5),
    np.dtype(jnp.bfloat16): (0.25, 0.02),
    np.dtype(np.float16): (0.1, 0.01),
}
# The points, as multiples of the step.
STEPS = (1.0, -1.0, 2.0, -2.0, 4.0, -4.0, 0.0)
LONGER = (8.0, 64.0)  # the longer steps tried, in turn, while ``WANTED`` is not resolved
SHORTER = (1 / 8, 1 / 64)  # the shorter ones, in turn, where a step crossed a kink
WANTED = 1e-3
# The longest step, relative to each element's scale: a longer one leaves the neighbourhood the
# derivative describes, and its spread no longer bounds its error (bfloat16 noise would call for
# steps of 1.6 and 13 scales; float32's 64x is 0.3).
MAX_MOVE = 0.5
NOISE = 4.0  # a spread within this many rounding floors is rounding noise


def real_dtype(dtype: Any) -> np.dtype:
    """The real dtype of ``dtype`` (float32 for complex64)."""
    return np.dtype(np.finfo(np.dtype(dtype)).dtype)


def fd_dtype(dtype: Any) -> np.dtype:
    """The real dtype the differences run in for an input of ``dtype``."""
    if bool(jax.config.read("jax_enable_x64")):
        return np.dtype(np.float64)
    real = real_dtype(dtype)
    return real if real.itemsize >= 4 else np.dtype(np.float32)


def noise_dtype(call: Callable[..., Any], primals: Any, real: np.dtype) -> np.dtype:
    """The precision ``f`` answers in on arguments widened to ``real``: ``real``, or the
    narrowest float it computes in where that is lower (a cast inside ``f``: its output's, or
    bfloat16 arithmetic inside that widening the arguments does not reach)."""
    return noise_of(jax.make_jaxpr(call)(*widen(primals, real)), real)


def noise_of(closed: Any, real: np.dtype) -> np.dtype:
    """``noise_dtype`` from a jaxpr of ``f`` on arguments widened to ``real`` (``along``'s
    trace: ``f`` is not traced again for it)."""
    lowest = lowest_float(closed) or real
    return lowest if lowest.itemsize < real.itemsize else real


def lowest_float(closed: Any) -> np.dtype | None:
    """The narrowest floating dtype of any value a jaxpr (and the jaxprs inside it) computes."""
    lowest: np.dtype | None = None

    def walk(jaxpr: Any) -> None:
        nonlocal lowest
        for eqn in jaxpr.eqns:
            for v in eqn.outvars:
                dtype = getattr(getattr(v, "aval", None), "dtype", None)
                if dtype is None or not jnp.issubdtype(dtype, jnp.inexact):
                    continue
                found = real_dtype(dtype)
                if lowest is None or found.itemsize < lowest.itemsize:
                    lowest = found
            for sub in jaxprs.jaxprs_in_params(eqn.params):
                walk(jaxprs.open_jaxpr(sub)[0])

    walk(jaxprs.open_jaxpr(closed)[0])
    return lowest


def own_rtol(dtype: Any) -> tuple[float, float]:
    """(relative to an element, relative to the largest element) rounding of a derivative."""
    return OWN_RTOL.get(real_dtype(dtype), (1e-4, 1e-5))


def base_step(dtype: np.dtype) -> float:
    return float(np.finfo(dtype).eps) ** (1 / 3)


def widen(tree: Any, real: np.dtype) -> Any:
    """Every floating (complex) leaf of ``tree`` in ``real`` (its complex counterpart)."""

    def one(v: Any) -> Any:
        dt = getattr(v, "dtype", None)
        if dt is None:
            return v
        if jnp.issubdtype(dt, jnp.floating) and np.dtype(dt) != real:
            return jnp.asarray(v, real)
        if jnp.issubdtype(dt, jnp.complexfloating):
            return jnp.asarray(v, np.result_type(real, np.complex64))
        return v

    return jax.tree_util.tree_map(one, tree)


def widen_at_once(tree: Any, real: np.dtype) -> Any:
    """``widen`` of ``tree``'s inexact array leaves in one compiled program (eagerly, each leaf
    shape compiled a conversion of its own: 7 for a GPT's parameters); its other leaves as
    they are."""
    leaves, treedef = jax.tree_util.tree_flatten(tree)
    picked = [
        k
        for k, v in enumerate(leaves)
        if getattr(v, "dtype", None) is not None and jnp.issubdtype(v.dtype, jnp.inexact)
    ]
    if not picked:
        return tree
    wide = jax.jit(lambda xs: widen(xs, real))([leaves[k] for k in picked])
    for k, v in zip(picked, wide, strict=True):
        leaves[k] = v
    return jax.tree_util.tree_unflatten(treedef, leaves)


ROUGH = 0.25  # Richardson's correction this large against the first difference: not O(h^2)


@dataclasses.dataclass
class Estimate:
    """Differences at one step (arrays, or floats for one direction)."""

    value: Any  # the estimate of the directional derivative
    tol: Any  # its error bound: the differences' own, plus f's rounding over the step
    rough: Any  # not smooth at the step's scale (a kink crossed, or chaos): first order
    noisy: Any  # the spread is rounding noise: a longer step would help
    step: Any  # the step ``h``


def quotients(
    values: np.ndarray, h: Any, f0: float, fd: np.dtype, echo: float | None = None
) -> Estimate:
    """From ``f`` at the ``STEPS`` (last axis): the estimate and its error bound.

    Where ``f`` is smooth at the step's scale the differences shrink as h^2 and the Richardson
    estimate's error is bounded by ``|R(h) - R(2h)|``. Where the step crosses kinks (relu, max)
    or ``f`` varies faster than the step (chaos) they shrink as h or not at all: Richardson's
    correction is then as large as the difference it corrects, and the estimate is ``D(h)``,
    bounded by ``|D(h) - D(2h)| + |D(2h) - D(4h)| / 2`` (twice its error if that is linear in h)
    plus half the jump of the one-sided slopes (``f`` at ``x`` itself, the last point): a kink
    much closer than the step (central differences average the slopes on its two sides).
    ``echo``: ``f(x)`` as another program of the same precision computed it (the gradient's):
    how far the two disagree is rounding too (a chaotic loop amplifies it far beyond eps).
    """
    v = np.asarray(values, np.float64)
    d1 = (v[..., 0] - v[..., 1]) / (2 * h)
    d2 = (v[..., 2] - v[..., 3]) / (4 * h)
    d4 = (v[..., 4] - v[..., 5]) / (8 * h)
    r1, r2 = (4 * d1 - d2) / 3, (4 * d2 - d4) / 3
    spread = np.abs(r1 - r2)
    fmax = np.max(np.abs(v), axis=-1)
    floor = ROUNDING * float(np.finfo(fd).eps) * np.maximum(fmax, abs(f0)) / h
    if echo is not None:
        floor = floor + 2 * np.abs(v[..., 6] - echo) / h
    # The one-sided slopes' difference: h f'' where f is smooth, the slope's jump where a kink
    # lies within the step (central differences average the slopes on its two sides).
    a1 = np.abs(v[..., 0] + v[..., 1] - 2 * v[..., 6]) / h
    rough = (spread > ROUGH * np.abs(d1 - d2)) & (spread > NOISE * floor)
    err = np.where(rough, np.abs(d1 - d2) + np.abs(d2 - d4) / 2 + a1 / 2, spread)
    # A point that is not finite (a step off f's domain) leaves no estimate: infinite error.
    bad = ~np.all(np.isfinite(v), axis=-1)
    return Estimate(
        value=np.where(bad, 0.0, np.where(rough, d1, r1)),
        tol=np.where(bad, np.inf, err + floor),
        rough=rough & ~bad,
        noisy=spread <= NOISE * floor,
        step=h * np.ones_like(d1),
    )


def refine(
    evaluate: Callable[[float], np.ndarray],
    h: Any,
    wanted: Any,
    f0: float,
    fd: np.dtype,
    echo: float | None = None,
    start: float = 1.0,
    longer: bool = True,
) -> Estimate:
    """The tightest estimate over a ladder of steps: ``evaluate(k)`` gives ``f`` at the
    ``STEPS`` multiples of ``k * h``, from ``k = start`` (the ladder's multiples of it; no
    longer ones unless ``longer``). Longer steps where rounding keeps the differences from
    resolving ``wanted``; shorter ones where the step crossed a kink (fewer kinks, as far as
    rounding allows). A step is kept only where it is tighter and agrees with the kept one
    within both bounds (else it has left the range where its bound holds). A shorter step whose
    rounding floor (``ROUNDING * eps * |f(x)| / step``, a lower bound of its tolerance) is
    already no tighter than the kept one's tolerance is not evaluated: it could not be kept."""
    best = quotients(evaluate(start), h * start, f0, fd, echo)
    longer, shorter = best.noisy & longer, best.rough
    for rung in (*LONGER, *SHORTER):
        k = start * rung
        if k * base_step(fd) > MAX_MOVE:
            continue
        may = (longer if rung > 1 else shorter) & (best.tol > wanted)
        if rung < 1:  # f's rounding alone at the shorter step: it cannot be tighter, skip it
            may = may & (ROUNDING * float(np.finfo(fd).eps) * abs(f0) / (h * k) < best.tol)
        if not np.any(may):
            continue
        e = quotients(evaluate(k), h * k, f0, fd, echo)
        better = may & (e.tol < best.tol) & (np.abs(e.value - best.value) <= e.tol + best.tol)
        if rung > 1:  # a longer step is for rounding where f is smooth: not smooth there, it left
            better = better & ~e.rough
        best = Estimate(
            *(np.where(better, n, o) for n, o in zip(_fields(e), _fields(best), strict=True))
        )
        if rung > 1:
            longer = longer & e.noisy  # truncation now, not rounding: longer would not help
    return best


def _fields(e: Estimate) -> tuple[Any, ...]:
    return (e.value, e.tol, e.rough, e.noisy, e.step)


def along(call: Callable[..., Any], real: np.dtype) -> Any:  # a jitted function
    """A jitted ``(primals, tangents, s) -> f(primals + s tangents)`` in ``real``, at one point
    ``s`` (a scalar of ``real``): one program of ``f``'s size, called at each point ``steps``
    asks for (a program of the seven points compiled a loop of them, and evaluated ``f(x)``
    again at every step). One copy of the arguments at once."""

    def at(primals: Any, tangents: Any, s: Any) -> Any:
        wide = widen(primals, real)
        moved = jax.tree_util.tree_map(lambda p, t: p + s * t, wide, tangents)
        return jnp.real(call(*moved)).astype(real)

    return jax.jit(at)


def steps(at: Callable[..., Any], primals: Any, tangents: Any, h: float, center: Any) -> np.ndarray:
    """``f`` at the ``STEPS`` multiples of ``h`` along ``tangents`` (``at`` from ``along``), in
    ``STEPS`` order: every call dispatched before any is read. ``center``: ``f(x)`` (``STEPS``'
    zero), the same whatever the direction: computed once by the caller."""
    real = np.dtype(np.asarray(center).dtype)
    outs = [
        at(primals, tangents, jax.device_put(np.asarray(s * h, real))) if s else center
        for s in STEPS
    ]
    return np.asarray([np.asarray(o) for o in outs])


def along_elements(
    call: Callable[..., Any], real: np.dtype, position: int, path_index: int
) -> Callable[..., Any]:
    """A compiled ``(primals, indices, steps) -> f`` at each ``STEPS`` multiple of ``steps[k]``
    added to element ``indices[k]`` of one leaf (``position``-th primal, ``path_index``-th leaf),
    vectorized over ``k``: shape ``(k, len(STEPS))``."""

    def at(primals: Any, indices: Any, steps: Any) -> Any:
        wide = widen(primals, real)
        leaves, treedef = jax.tree_util.tree_flatten(wide[position])
        leaf = leaves[path_index]

        def one(i: Any, h: Any) -> Any:
            def step(s: Any) -> Any:
                moved = leaf.reshape(-1).at[i].add(s * h).reshape(leaf.shape)
                new = list(leaves)
                new[path_index] = moved
                args = list(wide)
                args[position] = jax.tree_util.tree_unflatten(treedef, new)
                return jnp.real(call(*args)).astype(real)

            return jax.lax.map(step, jnp.asarray(STEPS, leaf.dtype))

        return jax.vmap(one)(indices, steps)

    return jax.jit(at)
