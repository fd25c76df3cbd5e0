"""``check_gradient``: a mode's gradient against finite differences and the other mode.

The question a custom rule, a hand-written adjoint or a checkpointed loop raises is "is this
gradient right?". It is answered as ``jax.test_util.check_grads`` and PyTorch's
``gradcheck(fast_mode=True)`` do, in memory that does not grow with the model: along a few random
directions ``v`` per differentiated array, the gradient's directional derivative ``<g, v>``
against central finite differences of ``f`` along ``v``, and against the other mode's
(``<g, v>`` against the jvp along ``v``: the transpose identity ``<u, J v> = <J^T u, v>`` with
``u = 1`` for a scalar ``f``). The directions move every array at once first (each array's part
scaled so that it adds about as much as the others: the cost of checking one array); each array
is checked along its own directions (zero on the others) where they fail or do not resolve its
part, so a failure names the argument and the leaf. On small inputs (and on request,
``elements=True``) each element is checked too, in chunks, and the report names the worst
element and its index.

The finite differences carry their own error estimate (``finite_differences.py``): the tolerance
is that estimate plus the checked gradient's rounding in its dtype (measured against float64
where the differences run in it), so a 1% error fails in float32 whenever the differences
resolve it, and the report says how far they resolve. Outside it, the checked derivative is
evaluated within the step: where it bends there beyond what a smooth ``f`` explains (relu kinks
closer than any step float32 resolves), ``f`` is "not smooth here" along that direction: another
is drawn, and the array is not failed for it. A wrong rule scales the derivative alike
everywhere and still fails. An array resolved no better than 0.5 is "inconclusive" (a chaotic
loop in float32), not failed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from workbench._src.ad import arguments, derivatives
from workbench._src.ad.activities import Activity, Const, is_random_key
from workbench._src.ad.autodiff import check_real_scalar_output
from workbench._src.ad.entry import check_function_first
from workbench._src.ad.gradient import GradientResult, gradient
from workbench._src.ad.modes import Mode, Reverse, check_mode
from workbench._src.debug import finite_differences as fdiff
from workbench._src.debug.check_gradient_report import ArrayCheck, GradientCheck
from workbench._src.debug.concrete import require_concrete
from workbench._src.errors import (
    OptionError,
    OutOfMemoryError,
    WorkbenchError,
    describe,
    shape_dtype,
)

__all__ = ["ArrayCheck", "GradientCheck", "check_gradient"]

MAX_ELEMENTS = 512  # elements checked one by one per array (the largest and a random sample)
ELEMENTS_AUTO = 4096  # elements checked one by one by default when all arrays hold at most this
DIRECTIONS = 3  # random directions per array
# Elements of perturbed copies an element-wise chunk may hold at once (64 MiB of float32).
CHUNK_BUDGET = 1 << 24
CHUNK = 256  # elements per chunk at most
ROUGH_MARGIN = 2.0  # how far the slope's jumps within the step may move the differences
RETRIES = 2  # new directions drawn where one is not smooth here
UNRESOLVED = 0.5  # a resolution at which a 2x error could pass: inconclusive
# Where the derivative's bend is sampled, in steps: from well inside the step to twice it
# (kinks are dense in a relu network: one sample may miss them).
BEND_AT = (1 / 8, 1 / 4, 1 / 2, 1.0, 2.0)
BOOST = 30.0  # the most a small-gradient leaf's part of a shared direction is scaled up


def check_gradient(
    f: Callable[..., Any],
    *args: Any,
    mode: Mode = Reverse,
    directions: int = DIRECTIONS,
    elements: bool | None = None,
    max_elements: int = MAX_ELEMENTS,
    seed: int = 0,
) -> GradientCheck:
    """Checks ``wb.gradient(mode, f, *args)`` against central finite differences and the other
    mode, along random directions (any size of model), and element by element on small inputs.

    Args:
      f: a function returning one real scalar.
      *args: its arguments; wrap those not to differentiate in ``Const`` (a random key is never
        differentiated), as for ``wb.gradient``.
      mode: the mode to check (``wb.Reverse`` by default, ``wb.Forward``, or with strong zero).
      directions: random directions checked (each costs seven evaluations of ``f``, more where
        rounding or kinks call for other steps, and one jvp; memory: one copy of the
        arguments), over all the arrays at once first, then per array where needed.
      elements: check element by element too: ``None`` (default) when the differentiated arrays
        hold at most 4096 elements in all, ``True`` always (``max_elements`` per array), ``False``
        never.
      max_elements: elements checked per array, element by element: all of them up to this many,
        else the largest derivatives and a random sample (the report says how many).
      seed: the seed of the random directions and samples.

    Returns:
      A ``GradientCheck``: true when every array passes; its text (and, in a notebook, its
      table) names each array's verdict, its worst error, and (element by element) its index.

    >>> import jax.numpy as jnp, workbench as wb
    >>> report = wb.check_gradient(lambda x: jnp.sum(jnp.sin(x) * x), jnp.arange(3.0))
    >>> report.passed, [a.name for a in report.arrays]
    (True, ['x'])
    """
    check_function_first("check_gradient", f, args)  # its mode= has no None: check_mode
    mode = check_mode(mode, "check_gradient")
    require_concrete("check_gradient", args)
    _positive_int("max_elements", max_elements, "how many elements of each array to check")
    _positive_int("directions", directions, "how many random directions per array")
    if elements is not None and not isinstance(elements, bool):
        raise OptionError(
            "check_gradient: elements must be True (check element by element), False (random "
            f"directions only) or None (element by element on small inputs), but got "
            f"{describe(elements)}."
        )
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise OptionError(f"check_gradient: seed must be an int, but got {describe(seed)}.")
    try:
        return _check(f, args, mode, directions, elements, max_elements, seed)
    except jax.errors.JaxRuntimeError as e:
        if "RESOURCE_EXHAUSTED" not in str(e) and "out of memory" not in str(e).lower():
            raise
        raise OutOfMemoryError(
            "check_gradient ran out of memory running f (or its gradient) on these arguments: "
            f"{str(e).splitlines()[0][:300]}. The check itself holds one copy of the "
            "arguments beside what f and its gradient need; "
            + (
                "check element by element on fewer elements (max_elements=...) or not at all "
                "(elements=False)."
                if elements
                else "if wb.gradient(mode, f, *args) alone runs out of memory too, the model "
                "does not fit: check a smaller batch or model, or keep fewer values for the "
                "backward pass (a loop's checkpointing=wb.Binomial(s); wb.inspect(f, *args, "
                "mode=wb.Reverse) shows what the gradient keeps)."
            )
        ) from e


def _positive_int(name: str, value: Any, what: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise OptionError(
            f"check_gradient: {name} must be a positive int ({what}), but got {describe(value)}."
        )


@dataclasses.dataclass
class _Leaf:
    name: str
    position: int  # index among the differentiated arguments
    index: int  # index among that argument's leaves
    x: Any  # the leaf (a JAX array)


def _check(
    f: Callable[..., Any],
    args: Sequence[Any],
    mode: Mode,
    directions: int,
    elements: bool | None,
    max_elements: int,
    seed: int,
) -> GradientCheck:
    plain = dataclasses.replace(mode, with_primal=False)
    other = dataclasses.replace(plain, direction="reverse" if plain.is_forward else "forward")
    values = [a.val if isinstance(a, Activity) else a for a in args]
    differentiated = [not isinstance(a, Const) and not is_random_key(a) for a in args]
    if not any(differentiated):  # as wb.gradient says it
        gradient(plain, f, *args)
    split = arguments.bind(f, values, differentiated, "check_gradient")
    names = split.names
    leaves: list[_Leaf] = []
    for position, i in enumerate(split.positions):
        for k, (path, leaf) in enumerate(
            jax.tree_util.tree_leaves_with_path(split.primals[position])
        ):
            leaves.append(_Leaf(names[i] + jax.tree_util.keystr(path), position, k, leaf))
    total = sum(int(np.size(leaf.x)) for leaf in leaves)
    by_element = total <= ELEMENTS_AUTO if elements is None else elements
    fd_dtype = fdiff.fd_dtype(np.result_type(*[leaf.x.dtype for leaf in leaves]))

    # The checked mode's gradient (the whole of it, one reverse pass, or forward lanes in chunks
    # where elements are checked), and the other mode's where it can run.
    note = ""
    reverse = plain if plain.is_reverse else other
    g_reverse: list[np.ndarray] | None = None
    grad_fn: Callable[..., Any] | None = None
    value: Any = None
    try:
        value, derivs, grad_fn = _jit_gradient(reverse, split)
        g_reverse = _flat(derivs)
    except (WorkbenchError, TypeError, ValueError, NotImplementedError) as e:
        if plain.is_reverse:
            raise
        note = f"{other!r} could not run: {str(e).splitlines()[0]}"
    g_forward: list[np.ndarray] | None = None
    forward = plain if plain.is_forward else other
    if plain.is_forward and by_element:
        value, derivs, _ = _jit_gradient(forward, split)
        g_forward = _flat(derivs)
    if value is None:
        value = jax.jit(split.call)(*split.primals)
        check_real_scalar_output(value, "check_gradient")
    value0 = float(np.real(np.asarray(value)))
    jvp_raw = _jvp(forward, split)
    jvp_fn: Callable[..., Any] | None = None
    try:  # JAX refuses some jvps (a custom_vjp) only when lowering them
        ones = jax.tree_util.tree_map(lambda p: _filled(p, 1), split.primals)
        jvp_fn = jax.jit(jvp_raw).lower(split.primals, ones).compile()
    except (WorkbenchError, TypeError, ValueError, NotImplementedError) as e:
        if plain.is_forward:
            raise
        jvp_fn, note = None, f"{other!r} could not run: {str(e).splitlines()[0]}"
    other_or_none: Mode | None = None if note else other

    along = fdiff.along(split.call, fd_dtype)
    noise = fdiff.noise_dtype(split.call, split.primals, fd_dtype)
    same_precision = fdiff.real_dtype(np.asarray(value).dtype) == noise and all(
        fdiff.real_dtype(leaf.x.dtype) == fd_dtype for leaf in leaves
    )
    plain_zeros = _zeros(split.primals)
    wide_zeros = jax.tree_util.tree_map(
        lambda p: jax.device_put(_widened(np.zeros(np.shape(p), np.dtype(p.dtype)), fd_dtype)),
        plain_zeros,
    )
    ctx = _Context(
        split,
        along,
        jvp_fn,
        grad_fn,
        jvp_raw if jvp_fn is not None else None,
        {leaf.name: n for n, leaf in enumerate(leaves)},
        plain,
        value0,
        value0 if same_precision else None,
        fd_dtype,
        noise,
        (plain_zeros, wide_zeros),
        [],
        [],
        [],
    )
    for n in range(len(leaves)):
        ctx.ours.append(
            g_forward[n]
            if g_forward is not None
            else (g_reverse[n] if plain.is_reverse and g_reverse is not None else None)
        )
        ctx.other.append(g_reverse[n] if plain.is_forward and g_reverse is not None else None)
    ctx.rounding = _rounding(reverse, split, leaves, g_reverse, fd_dtype)
    rng = np.random.default_rng(seed)
    live = [n for n, leaf in enumerate(leaves) if np.size(leaf.x)]
    own: dict[int, tuple[_Directions, int]] = {}
    if not by_element and len(live) > 1:
        # One set of directions over every array first (the cost of one array); each array on
        # its own only where they fail, or do not resolve that array's part.
        shared = _directions(ctx, [leaves[n] for n in live], live, directions, rng)
        clean = not any(shared.failed) and not any(shared.rough)
        for k, n in enumerate(live):
            if clean and _resolution(shared, k) < UNRESOLVED:
                own[n] = (shared, k)
    checks = []
    for n, leaf in enumerate(leaves):
        if np.size(leaf.x) == 0:
            checks.append(_empty(leaf))
            continue
        if n in own:
            dcheck, k = own[n]
        else:
            dcheck, k = _directions(ctx, [leaf], [n], directions, rng), 0
        echeck = None
        ours_g, other_g = ctx.ours[n], ctx.other[n]
        if by_element:
            assert ours_g is not None
            echeck = _elements(ctx, leaf, n, max_elements, rng)
            if other_g is None and g_reverse is not None and plain.is_reverse and note == "":
                other_g = _forward_elements(split, leaf, jvp_raw if jvp_fn else None, echeck.chosen)
        checks.append(_combine(leaf, dcheck, k, echeck, ours_g, other_g))
    return GradientCheck(
        mode=plain,
        value=value0,
        arrays=tuple(checks),
        fd_dtype=np.result_type(
            fd_dtype, *[np.complex64 for leaf in leaves if jnp.iscomplexobj(leaf.x)]
        ).name,
        other_mode=other_or_none,
        note=note,
    )


# --------------------------------------------------------------------------------------------
# The derivatives


def _jit_gradient(
    mode: Mode, split: arguments.BoundCall, primals: Any = None
) -> tuple[Any, Any, Callable[..., Any]]:
    """(f's value, the gradient, the function that computed them) in ``mode``, compiled: the
    check's own cost is then the program's, not one dispatch per operation."""
    with_primal = dataclasses.replace(mode, with_primal=True)

    def grad(*primals: Any) -> Any:
        out = gradient(with_primal, split.call, *primals)
        assert isinstance(out, GradientResult)
        return out.val, out.derivs

    primals = split.primals if primals is None else primals
    try:
        fn = jax.jit(grad)
        return (*fn(*primals), fn)
    except jax.errors.ConcretizationTypeError:  # f needs concrete values: run it as it is
        return (*grad(*primals), grad)


def _flat(derivs: Sequence[Any]) -> list[np.ndarray]:
    return [np.asarray(leaf) for d in derivs for leaf in jax.tree_util.tree_leaves(d)]


def _filled(p: Any, value: float) -> Any:
    # Made by NumPy and put on the device: no compiled fill per shape.
    return jax.device_put(np.full(np.shape(p), value, np.dtype(jnp.result_type(p))))


def _zeros(primals: Any) -> Any:
    return jax.tree_util.tree_map(lambda p: _filled(p, 0), primals)


def _jvp(mode: Mode, split: arguments.BoundCall) -> Callable[..., Any]:
    def jvp(primals: Any, tangents: Any) -> Any:
        return derivatives.push(mode, split.call, tuple(primals), tuple(tangents))[1]

    return jvp


def _widened(v: np.ndarray, real: np.dtype) -> np.ndarray:
    return v.astype(np.result_type(real, np.complex64) if np.iscomplexobj(v) else real)


def _as_f64(a: Any) -> np.ndarray:
    a = np.asarray(a)
    return a.astype(np.complex128 if np.iscomplexobj(a) else np.float64)


def _dot(g: np.ndarray, v: np.ndarray) -> float:
    """<g, v> in the gradient's convention: Re(conj(g) v) summed (df/da va + df/db vb)."""
    return float(np.sum(np.real(np.conj(_as_f64(g)) * _as_f64(v))))


def _scale(g: np.ndarray | None, v: np.ndarray) -> float:
    """The size of the rounding that <g, v> carries from g's elements: ||g * v||_2."""
    if g is None:
        return 0.0
    return float(np.linalg.norm(np.abs(_as_f64(g)) * np.abs(_as_f64(v))))


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


def _rounding(
    mode: Mode,
    split: arguments.BoundCall,
    leaves: Sequence[_Leaf],
    g: list[np.ndarray] | None,
    fd: np.dtype,
) -> list[np.ndarray | None]:
    """Where the differences run in a wider dtype than the arguments (x64 on, float32
    arguments), the gradient's own rounding, measured: it against the same gradient on the
    widened arguments. A chaotic loop amplifies rounding far beyond a few ulp; a wrong rule is
    as wrong in float64, so this never hides one."""
    none: list[np.ndarray | None] = [None] * len(leaves)
    narrow = any(fdiff.real_dtype(leaf.x.dtype).itemsize < fd.itemsize for leaf in leaves)
    if g is None or not narrow:
        return none
    try:
        _, derivs, _ = _jit_gradient(mode, split, fdiff.widen(split.primals, fd))
    except (WorkbenchError, TypeError, ValueError, NotImplementedError):
        return none
    return [np.abs(_as_f64(a) - _as_f64(b)) for a, b in zip(g, _flat(derivs), strict=True)]


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
    grads = [ctx.ours[n] if ctx.ours[n] is not None else ctx.other[n] for n in ids]
    # Each array's part scaled so that each adds about as much to <g, v>: a wrong rule in a
    # small array is then not lost among the large ones.
    sizes = [_scale(g, s) if g is not None else 1.0 for g, s in zip(grads, scales, strict=True)]
    top_size = max(sizes)
    weights = [min(BOOST, top_size / a) if a > 0 else BOOST for a in sizes]
    if len(group) == 1:
        weights = [1.0]
    own, top = fdiff.own_rtol(np.result_type(*[leaf.x.dtype for leaf in group]))
    h = fdiff.base_step(ctx.noise)
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
            tangents = _set_leaves(ctx.zeros[0], group, [jax.device_put(v) for v in vs])
            wide = _set_leaves(
                ctx.zeros[1], group, [jax.device_put(_widened(_as_f64(v), ctx.fd)) for v in vs]
            )
            jvp = (
                None
                if ctx.jvp_fn is None
                else float(np.real(np.asarray(ctx.jvp_fn(ctx.split.primals, tangents))))
            )
            ours = _sum_dots([ctx.ours[n] for n in ids], vs, jvp)
            other = _sum_dots([ctx.other[n] for n in ids], vs, None)
            if other is None and ctx.plain.is_reverse:
                other = jvp
            assert ours is not None
            terms = [_scale(g, v) for g, v in zip(grads, vs, strict=True)]
            scale = float(np.linalg.norm(terms)) if any(terms) else abs(ours)
            rounding = 2 * float(
                np.linalg.norm([_scale(ctx.rounding[n], v) for n, v in zip(ids, vs, strict=True)])
            )

            def evaluate(k: float, wide: Any = wide) -> np.ndarray:
                return np.asarray(ctx.along(ctx.split.primals, wide, jax.device_put(h * k)))

            size = max(abs(ours), scale)
            est = fdiff.refine(evaluate, h, fdiff.WANTED * size, ctx.value0, ctx.noise, ctx.echo)
            fd = float(est.value)
            allowed = float(est.tol) + own * scale + top * abs(ours) + rounding
            error = abs(ours - fd)
            rough = False
            if error > allowed:
                # Does the derivative itself move, within the step, beyond a straight line?
                # Then f is not smooth here (kinks closer than the step: the differences give
                # its mean slope over the step, not the slope at x); else the gradient is wrong.
                bend = _bend(ctx, group, ids, vs, tangents, float(est.step), ours)
                rough = bend is not None and error <= allowed + ROUGH_MARGIN * bend
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


def _bend(
    ctx: _Context,
    group: list[_Leaf],
    ids: list[int],
    vs: list[np.ndarray],
    tangents: Any,
    step: float,
    ours: float,
) -> float | None:
    """How far the derivative along ``v`` bends within the step beyond what a smooth ``f``
    explains (``_kinks`` of ``f'(t) + f'(-t) - 2 f'(0)`` at ``BEND_AT``): the slope's
    jumps where kinks lie within the step. A wrong rule scales the derivative everywhere
    alike: it bends no more. ``None``: no derivative to evaluate."""

    def slope(t: float) -> float:
        moved = jax.tree_util.tree_map(
            lambda p, v: jnp.asarray(p + t * v, jnp.result_type(p)), ctx.split.primals, tangents
        )
        if ctx.jvp_fn is not None:
            return float(np.real(np.asarray(ctx.jvp_fn(moved, tangents))))
        assert ctx.grad_fn is not None
        flat = _flat(ctx.grad_fn(*moved)[1])
        return sum(_dot(flat[n], v) for n, v in zip(ids, vs, strict=True))

    if ctx.jvp_fn is None and ctx.grad_fn is None:
        return None
    at0 = slope(0.0) if ctx.jvp_fn is not None else ours
    bent = np.asarray([slope(t * step) + slope(-t * step) - 2 * at0 for t in BEND_AT])
    return float(np.max(_kinks(bent[:-1], bent[1:])))


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
    own, top = fdiff.own_rtol(x.dtype)
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


def _kinks(bent: Any, bent2: Any) -> Any:
    """The part of the derivative's bend that a smooth f's does not explain: ``t^2 f'''`` at
    one distance is a quarter of it at twice that; a jump of the slope is the same at both."""
    return np.abs(bent - bent2 / 4) * 4 / 3


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


# --------------------------------------------------------------------------------------------
# The verdict of one array


def _empty(leaf: _Leaf) -> ArrayCheck:
    return ArrayCheck(
        name=leaf.name,
        aval=shape_dtype(leaf.x),
        checked=0,
        size=0,
        max_abs_error=0.0,
        max_rel_error=0.0,
        worst_index=None,
        worst=None,
        passed=True,
        directions=0,
        note="empty: nothing to check",
    )


def _combine(
    leaf: _Leaf,
    d: _Directions,
    k: int,
    e: _Elements | None,
    ours_g: np.ndarray | None,
    other_g: np.ndarray | None,
) -> ArrayCheck:
    """Array ``leaf``'s verdict, from directions ``d`` (its part ``k`` where they move several
    arrays at once) and its elements ``e``."""
    x = leaf.x
    tiny = np.finfo(np.float64).tiny
    d_err, d_allowed = np.asarray(d.errors), np.asarray(d.allowed)
    d_excess = d_err / np.maximum(d_allowed, tiny)
    d_rel = d_err / np.maximum(np.asarray(d.magnitudes), tiny)
    passed = not any(d.failed)
    rough = int(sum(r or k for r, k in zip(d.rough, d.kinked, strict=True)))
    max_abs, max_rel = float(np.max(d_err)), float(np.max(d_rel))
    worst_d = int(np.argmax(d_excess))
    worst: tuple[complex | float, complex | float] = (d.ours[worst_d], d.fd[worst_d])
    worst_index: tuple[int, ...] | None = None
    resolution = _resolution(d, k)
    smooth = sum(d.rough) < d.count  # some direction gave a verdict
    checked = 0
    if e is not None:
        e_excess = e.errors / np.maximum(e.allowed, tiny)
        magnitude = np.maximum(np.abs(e.ours), np.abs(e.fd))
        e_rel = e.errors / np.maximum(magnitude, tiny)
        worst_e = int(np.argmax(e_excess))
        checked = int(e.chosen.size)
        max_abs = max(max_abs, float(np.max(e.errors)))
        max_rel = max(max_rel, float(np.max(e_rel)))
        e_passed = bool(np.all((e_excess <= 1.0) | e.rough))
        rough += int(np.sum(e.rough | e.kinked))
        smooth = smooth or not bool(np.all(e.rough))
        # The element is the more useful pointer: name it unless only a direction failed.
        if e_passed or not passed or e_excess[worst_e] >= d_excess[worst_d]:
            worst = (_scalar(e.ours[worst_e]), _scalar(e.fd[worst_e]))
            worst_index = (
                tuple(int(k) for k in np.unravel_index(e.chosen[worst_e], x.shape))
                if x.ndim
                else ()
            )
        passed = passed and e_passed
    modes_err = modes_ok = None
    if d.modes_errors:
        modes_err = float(np.max(d.modes_errors))
        modes_ok = bool(np.all(np.asarray(d.modes_errors) <= np.asarray(d.modes_allowed)))
    if e is not None and ours_g is not None and other_g is not None:
        own, top = fdiff.own_rtol(x.dtype)
        a, b = _as_f64(ours_g).ravel()[e.chosen], _as_f64(other_g).ravel()[e.chosen]
        diff = np.abs(a - b)
        largest = float(np.max(np.abs(_as_f64(ours_g))))
        ok = bool(np.all(diff <= 2 * (own * np.abs(a) + top * largest) + tiny))
        modes_err = max(modes_err or 0.0, float(np.max(diff)))
        modes_ok = ok and modes_ok is not False
    return ArrayCheck(
        name=leaf.name,
        aval=shape_dtype(x),
        checked=checked,
        size=int(x.size),
        max_abs_error=max_abs,
        max_rel_error=max_rel,
        worst_index=worst_index,
        worst=worst,
        passed=passed,
        directions=d.count,
        resolution=resolution,
        modes_max_abs_error=modes_err,
        modes_passed=modes_ok,
        shared=d.shared if d.shared > 1 else 0,
        rough=rough,
        inconclusive=passed and (not smooth or resolution >= UNRESOLVED),
    )


def _scalar(v: Any) -> complex | float:
    v = complex(v)
    return v.real if v.imag == 0 else v
