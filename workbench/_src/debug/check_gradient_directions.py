"""``check_gradient``'s random directions: the check's shared context, the directional
derivatives against finite differences and the other mode, and the derivative's bend within the
step (not smooth here, or wrong?)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from workbench._src.ad import arguments
from workbench._src.ad.modes import Mode
from workbench._src.debug import finite_differences as fdiff

ROUGH_MARGIN = 2.0  # how far the slope's jumps within the step may move the differences
RETRIES = 2  # new directions drawn where one is not smooth here
UNRESOLVED = 0.5  # a resolution at which a 2x error could pass: inconclusive
# Where the derivative's bend is sampled, in steps: from well inside the step to twice it
# (kinks are dense in a relu network: one sample may miss them).
BEND_AT = (1 / 8, 1 / 4, 1 / 2, 1.0, 2.0)
BOOST = 30.0  # the most a small-gradient leaf's part of a shared direction is scaled up


@dataclasses.dataclass
class _Leaf:
    name: str
    position: int  # index among the differentiated arguments
    index: int  # index among that argument's leaves
    x: Any  # the leaf (a JAX array)


def _flat(derivs: Sequence[Any]) -> list[np.ndarray]:
    return [np.asarray(leaf) for d in derivs for leaf in jax.tree_util.tree_leaves(d)]


def _filled(p: Any, value: float) -> Any:
    # Made by NumPy and put on the device: no compiled fill per shape.
    return jax.device_put(np.full(np.shape(p), value, np.dtype(jnp.result_type(p))))


def _zeros(primals: Any) -> Any:
    return jax.tree_util.tree_map(lambda p: _filled(p, 0), primals)


def _widened(v: np.ndarray, real: np.dtype) -> np.ndarray:
    return v.astype(np.result_type(real, np.complex64) if np.iscomplexobj(v) else real)


def _as_f64(a: Any) -> np.ndarray:
    a = np.asarray(a)
    return a.astype(np.complex128 if np.iscomplexobj(a) else np.float64, copy=False)


def _dot(g: np.ndarray, v: np.ndarray) -> float:
    """<g, v> in the gradient's convention: Re(conj(g) v) summed (df/da va + df/db vb)."""
    return float(np.real(np.vdot(_as_f64(g), _as_f64(v))))


def _scale(g: np.ndarray | None, v: np.ndarray) -> float:
    """The size of the rounding that <g, v> carries from g's elements: ||g * v||_2."""
    if g is None:
        return 0.0
    return float(np.linalg.norm(_as_f64(g) * _as_f64(v)))


@dataclasses.dataclass
class _Context:
    split: arguments.BoundCall
    along: Callable[..., Any]
    jvp_fn: Callable[..., Any] | None
    grad_fn: Callable[..., Any] | None  # the reverse gradient, compiled: (value, derivs)
    jvp_raw: Callable[..., Any] | None  # the jvp, to trace inside another program
    leaf_ids: dict[str, int]  # a leaf's index among all, by its name
    plain: Mode
    value0: float
    echo: float | None  # value0, where the differences' program runs in its precision
    fd: np.dtype  # what the differences run in
    noise: np.dtype  # what f resolves
    zeros: tuple[Any, Any]  # tangents: in the arguments' dtypes, and widened to ``fd``
    ours: list[np.ndarray | None]  # per leaf: the checked mode's gradient (None: jvps only)
    other: list[np.ndarray | None]  # per leaf: the other mode's, where it ran whole
    rounding: list[np.ndarray | None]  # per leaf: the gradient's own rounding, measured
    # The narrowest float the checked gradient computes in, where below the arguments' (the
    # widened program of a bfloat16 model casting its logits to float32 under x64): its rounding.
    floor: np.dtype | None = None
    center: Any = None  # f(x) as ``along`` computes it (the differences' zero step), once


def _rtol(floor: np.dtype | None, dtype: Any) -> tuple[float, float]:
    """``fdiff.own_rtol`` of a derivative in ``dtype`` computed through values as narrow as
    ``floor``."""
    real = fdiff.real_dtype(dtype)
    if floor is not None and floor.itemsize < real.itemsize:
        real = floor
    return fdiff.own_rtol(real)


@dataclasses.dataclass
class _Directions:
    count: int
    ours: list[float] = dataclasses.field(default_factory=list)
    fd: list[float] = dataclasses.field(default_factory=list)
    errors: list[float] = dataclasses.field(default_factory=list)  # |ours - fd|
    allowed: list[float] = dataclasses.field(default_factory=list)
    magnitudes: list[float] = dataclasses.field(default_factory=list)  # for relative errors
    failed: list[bool] = dataclasses.field(default_factory=list)
    rough: list[bool] = dataclasses.field(default_factory=list)  # not smooth here: no verdict
    kinked: list[bool] = dataclasses.field(default_factory=list)  # not smooth, within bounds
    terms: list[list[float]] = dataclasses.field(default_factory=list)  # per array: ||g_a v_a||
    modes_errors: list[float] = dataclasses.field(default_factory=list)
    modes_allowed: list[float] = dataclasses.field(default_factory=list)
    shared: int = 1  # how many arrays the directions move at once


def _directions(
    ctx: _Context, group: list[_Leaf], ids: list[int], count: int, rng: np.random.Generator
) -> _Directions:
    """``count`` random directions moving every array of ``group`` at once (leaf ``ids``)."""
    xs = [_as_f64(leaf.x) for leaf in group]
    scales = [_element_scale(x) for x in xs]
    # In float64 once (each direction reads them twice or three times).
    ours64 = [None if ctx.ours[n] is None else _as_f64(ctx.ours[n]) for n in ids]
    other64 = [None if ctx.other[n] is None else _as_f64(ctx.other[n]) for n in ids]
    rounding64 = [None if ctx.rounding[n] is None else _as_f64(ctx.rounding[n]) for n in ids]
    grads = [o if o is not None else t for o, t in zip(ours64, other64, strict=True)]
    # Each array's part scaled so that each adds about as much to <g, v>: a wrong rule in a
    # small array is then not lost among the large ones.
    sizes = [_scale(g, s) if g is not None else 1.0 for g, s in zip(grads, scales, strict=True)]
    top_size = max(sizes)
    weights = [min(BOOST, top_size / a) if a > 0 else BOOST for a in sizes]
    if len(group) == 1:
        weights = [1.0]
    own, top = _rtol(ctx.floor, np.result_type(*[leaf.x.dtype for leaf in group]))
    h = fdiff.base_step(ctx.noise)
    # Where a direction needed a longer step (f's rounding did not resolve the differences at
    # the base step), the next starts there; where a longer one was tried and did not help, the
    # next does not try it: rounding is f's and its scale's, the same along every direction of
    # one norm (a shorter step is for a kink along one direction: each tries its own).
    start, longer = 1.0, True
    out = _Directions(count, shared=len(group))
    for _ in range(count):
        for attempt in range(1 + RETRIES):
            vs = []
            for leaf, s, w in zip(group, scales, weights, strict=True):
                z = rng.standard_normal(leaf.x.shape)
                if jnp.iscomplexobj(leaf.x):
                    z = z + 1j * rng.standard_normal(leaf.x.shape)
                # Each element moves by about h * max(|x_i|, rms(x)): the step balances
                # truncation against rounding. Held in the leaf's dtype, exactly.
                vs.append(np.asarray(z * s * w).astype(np.dtype(leaf.x.dtype)))
            on_device = [jax.device_put(v) for v in vs]
            tangents = _set_leaves(ctx.zeros[0], group, on_device)
            wide = _set_leaves(
                ctx.zeros[1],
                group,
                [
                    d  # already in the differences' dtype: the same array
                    if _widened(v.reshape(-1)[:0], ctx.fd).dtype == v.dtype
                    else jax.device_put(_widened(v, ctx.fd))
                    for v, d in zip(vs, on_device, strict=True)
                ],
            )
            jvp = (
                None
                if ctx.jvp_fn is None
                else float(np.real(np.asarray(ctx.jvp_fn(ctx.split.primals, tangents))))
            )
            v64 = [_as_f64(v) for v in vs]
            ours = _sum_dots(ours64, v64, jvp)
            other = _sum_dots(other64, v64, None)
            if other is None and ctx.plain.is_reverse:
                other = jvp
            assert ours is not None
            terms = [_scale(g, v) for g, v in zip(grads, v64, strict=True)]
            scale = float(np.linalg.norm(terms)) if any(terms) else abs(ours)
            rounding = 2 * float(
                np.linalg.norm([_scale(r, v) for r, v in zip(rounding64, v64, strict=True)])
            )

            def evaluate(k: float, wide: Any = wide) -> np.ndarray:
                if ctx.center is None:
                    zero = jax.device_put(np.zeros((), ctx.fd))
                    ctx.center = ctx.along(ctx.split.primals, ctx.zeros[1], zero)
                return fdiff.steps(ctx.along, ctx.split.primals, wide, h * k, ctx.center)

            size = max(abs(ours), scale)
            asked: list[float] = []

            def counted(k: float, asked: list[float] = asked) -> np.ndarray:
                asked.append(k)
                return evaluate(k)

            est = fdiff.refine(
                counted, h, fdiff.WANTED * size, ctx.value0, ctx.noise, ctx.echo, start, longer
            )
            if float(est.step) > h * start * 1.5:
                start = float(est.step) / h
            elif any(k > start for k in asked):
                longer = False
            fd = float(est.value)
            allowed = float(est.tol) + own * scale + top * abs(ours) + rounding
            error = abs(ours - fd)
            rough = False
            if error > allowed:
                # Does the derivative itself move, within the step, beyond a straight line?
                # Then f is not smooth here (kinks closer than the step: the differences give
                # its mean slope over the step, not the slope at x); else the gradient is wrong.
                def explains(bend: float, error: float = error, allowed: float = allowed) -> bool:
                    return error <= allowed + ROUGH_MARGIN * bend

                bend = _bend(ctx, group, ids, vs, tangents, float(est.step), ours, jvp, explains)
                rough = bend is not None and explains(bend)
            if not rough or attempt == RETRIES:
                break  # a verdict, or out of tries: not smooth here along any
        out.ours.append(ours)
        out.fd.append(fd)
        out.errors.append(error)
        out.allowed.append(allowed)
        out.magnitudes.append(max(abs(ours), abs(fd), scale))
        out.failed.append(error > allowed and not rough)
        out.rough.append(rough)
        out.kinked.append(bool(est.rough))
        out.terms.append(terms)
        if other is not None:
            out.modes_errors.append(abs(ours - other))
            out.modes_allowed.append(2 * own * scale + rounding + np.finfo(np.float64).tiny)
    return out


def _shift(primals: Any, group: list[_Leaf], vs: list[np.ndarray], t: float) -> Any:
    """``primals + t v``, ``v`` at the ``group``'s leaves (the others unmoved), in the primals'
    dtypes: on the host, no program compiled for it (a compiled shift cost a compile per
    model's shapes: a tenth of a relu MLP's check)."""
    moved = []
    for leaf, v in zip(group, vs, strict=True):
        x = np.asarray(leaf.x)
        moved.append(jax.device_put((x + np.asarray(t, x.dtype) * v).astype(x.dtype)))
    return _set_leaves(primals, group, moved)


def _bend(
    ctx: _Context,
    group: list[_Leaf],
    ids: list[int],
    vs: list[np.ndarray],
    tangents: Any,
    step: float,
    ours: float,
    at0: float | None = None,
    enough: Callable[[float], bool] | None = None,
) -> float | None:
    """How far the derivative along ``v`` bends within the step beyond what a smooth ``f``
    explains (``_kinks`` of ``f'(t) + f'(-t) - 2 f'(0)`` at ``BEND_AT``): the slope's
    jumps where kinks lie within the step. A wrong rule scales the derivative everywhere
    alike: it bends no more. ``None``: no derivative to evaluate. The pairs of distances are
    read from the widest in; where ``enough`` holds of the largest bend so far (it explains the
    error, and a larger one would too), the rest are not evaluated."""

    def slope(t: float) -> float:
        moved = _shift(ctx.split.primals, group, vs, t)
        if ctx.jvp_fn is not None:
            return float(np.real(np.asarray(ctx.jvp_fn(moved, tangents))))
        assert ctx.grad_fn is not None
        flat = _flat(ctx.grad_fn(*moved)[1])
        return sum(_dot(flat[n], v) for n, v in zip(ids, vs, strict=True))

    if ctx.jvp_fn is None and ctx.grad_fn is None:
        return None
    if at0 is None:  # the jvp at x, where not at hand
        at0 = slope(0.0) if ctx.jvp_fn is not None else ours
    bent: dict[float, float] = {}
    worst: float | None = None
    for i in reversed(range(len(BEND_AT) - 1)):
        for t in BEND_AT[i : i + 2]:
            if t not in bent:
                bent[t] = slope(t * step) + slope(-t * step) - 2 * at0
        kink = float(_kinks(bent[BEND_AT[i]], bent[BEND_AT[i + 1]]))
        worst = kink if worst is None else float(np.maximum(worst, kink))  # NaN propagates
        if enough is not None and enough(worst):
            break
    return worst


def _sum_dots(gs: list[np.ndarray | None], vs: list[np.ndarray], default: float | None) -> Any:
    if any(g is None for g in gs):
        return default
    return sum(_dot(g, v) for g, v in zip(gs, vs, strict=True) if g is not None)


def _resolution(d: _Directions, k: int) -> float:
    """How small a relative error of array ``k``'s part the directions could catch."""
    tiny = np.finfo(np.float64).tiny
    if d.shared == 1:
        return float(np.max(np.asarray(d.allowed) / np.maximum(np.asarray(d.magnitudes), tiny)))
    terms = np.asarray([t[k] for t in d.terms])
    return float(np.max(np.asarray(d.allowed) / np.maximum(terms, tiny)))


def _element_scale(x: np.ndarray) -> np.ndarray:
    """How far each element of ``x`` may move, per unit step: ``max(|x_i|, rms(x))``, or 1 where
    ``x`` is all zero (a weight matrix moves relative to its weights, not by 1)."""
    a = np.abs(x)
    rms = float(np.sqrt(np.mean(a**2))) if a.size else 0.0
    return np.maximum(a, rms if rms > 0 and np.isfinite(rms) else 1.0)


def _set_leaves(zeros: Sequence[Any], group: Sequence[_Leaf], vs: Sequence[Any]) -> tuple[Any, ...]:
    """Tangents: ``vs`` at the ``group``'s leaves, ``zeros`` elsewhere."""
    tangents = list(zeros)
    for leaf, v in zip(group, vs, strict=True):
        leaves, treedef = jax.tree_util.tree_flatten(tangents[leaf.position])
        leaves[leaf.index] = v
        tangents[leaf.position] = jax.tree_util.tree_unflatten(treedef, leaves)
    return tuple(tangents)


def _one_leaf(zeros: Sequence[Any], leaf: _Leaf, v: Any) -> tuple[Any, ...]:
    return _set_leaves(zeros, [leaf], [v])


def _kinks(bent: Any, bent2: Any) -> Any:
    """The part of the derivative's bend that a smooth f's does not explain: ``t^2 f'''`` at
    one distance is a quarter of it at twice that; a jump of the slope is the same at both."""
    return np.abs(bent - bent2 / 4) * 4 / 3
