"""``check_gradient``: a mode's gradient against finite differences and the other mode.

The question a custom rule, a hand-written adjoint or a checkpointed loop raises is "is this
gradient right?". It is answered as ``jax.test_util.check_grads`` and PyTorch's
``gradcheck(fast_mode=True)`` do, in memory that does not grow with the model: along a few random
directions ``v`` per differentiated array, the gradient's directional derivative ``<g, v>``
against central finite differences of ``f`` along ``v``, and against the other mode's
(``<g, v>`` against the jvp along ``v``: the transpose identity ``<u, J v> = <J^T u, v>`` with
``u = 1`` for a scalar ``f``). A direction is drawn per array (zero on the others), so a failure
names the argument and the leaf. On small inputs (and on request, ``elements=True``) each element
is checked too, in chunks, and the report names the worst element and its index.

The finite differences carry their own error estimate (``finite_differences.py``): the tolerance
is that estimate plus the checked gradient's rounding in its dtype, so a 1% error fails in float32
whenever the differences resolve it, and the report says how far they resolve.
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
from workbench._src.ad.gradient import GradientResult, gradient
from workbench._src.ad.modes import Mode, Reverse, check_mode
from workbench._src.debug import finite_differences as fdiff
from workbench._src.debug.check_gradient_report import ArrayCheck, GradientCheck
from workbench._src.debug.concrete import require_concrete
from workbench._src.errors import WorkbenchError, describe, shape_dtype

__all__ = ["ArrayCheck", "GradientCheck", "check_gradient"]

MAX_ELEMENTS = 512  # elements checked one by one per array (the largest and a random sample)
ELEMENTS_AUTO = 4096  # elements checked one by one by default when all arrays hold at most this
DIRECTIONS = 3  # random directions per array
# Elements of perturbed copies an element-wise chunk may hold at once (64 MiB of float32).
CHUNK_BUDGET = 1 << 24
CHUNK = 256  # elements per chunk at most


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
      directions: random directions checked per differentiated array (each costs four
        evaluations of ``f`` and one jvp; memory: one copy of the arguments).
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
    mode = check_mode(mode, "check_gradient")
    require_concrete("check_gradient", args)
    _positive_int("max_elements", max_elements, "how many elements of each array to check")
    _positive_int("directions", directions, "how many random directions per array")
    if elements is not None and not isinstance(elements, bool):
        raise ValueError(
            "check_gradient: elements must be True (check element by element), False (random "
            f"directions only) or None (element by element on small inputs), but got "
            f"{describe(elements)}."
        )
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ValueError(f"check_gradient: seed must be an int, but got {describe(seed)}.")
    try:
        return _check(f, args, mode, directions, elements, max_elements, seed)
    except jax.errors.JaxRuntimeError as e:
        if "RESOURCE_EXHAUSTED" not in str(e) and "out of memory" not in str(e).lower():
            raise
        raise WorkbenchError(
            "check_gradient ran out of memory running f (or its gradient) on these arguments: "
            f"{str(e).splitlines()[0][:300]}. The check itself holds one copy of the "
            "arguments beside what f and its gradient need; "
            + (
                "check element by element on fewer elements (max_elements=...) or not at all "
                "(elements=False)."
                if elements
                else "if wb.gradient(mode, f, *args) alone runs out of memory too, the model "
                "does not fit: check a smaller batch or model."
            )
        ) from None


def _positive_int(name: str, value: Any, what: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(
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
    value: Any = None
    try:
        value, derivs = _jit_gradient(reverse, split)
        g_reverse = _flat(derivs)
    except (WorkbenchError, TypeError, ValueError, NotImplementedError) as e:
        if plain.is_reverse:
            raise
        note = f"{other!r} could not run: {str(e).splitlines()[0]}"
    g_forward: list[np.ndarray] | None = None
    forward = plain if plain.is_forward else other
    if plain.is_forward and by_element:
        value, derivs = _jit_gradient(forward, split)
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
    plain_zeros = _zeros(split.primals)
    zeros = (
        plain_zeros,
        jax.tree_util.tree_map(
            lambda p: jnp.asarray(_widened(np.zeros(np.shape(p), np.dtype(p.dtype)), fd_dtype)),
            plain_zeros,
        ),
    )
    rng = np.random.default_rng(seed)
    checks = []
    for n, leaf in enumerate(leaves):
        if np.size(leaf.x) == 0:
            checks.append(_empty(leaf))
            continue
        ours_g = (
            g_forward[n]
            if g_forward is not None
            else (g_reverse[n] if plain.is_reverse and g_reverse is not None else None)
        )
        other_g = g_reverse[n] if plain.is_forward and g_reverse is not None else None
        dcheck = _directions(
            split,
            leaf,
            directions,
            rng,
            along,
            jvp_fn,
            plain,
            ours_g,
            other_g,
            value0,
            (fd_dtype, noise),
            zeros,
        )
        echeck = None
        if by_element:
            assert ours_g is not None
            echeck = _elements(split, leaf, ours_g, max_elements, rng, value0, (fd_dtype, noise))
            if other_g is None and g_reverse is not None and plain.is_reverse and note == "":
                other_g = _forward_elements(split, leaf, jvp_raw if jvp_fn else None, echeck.chosen)
        checks.append(_combine(leaf, dcheck, echeck, ours_g, other_g))
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


def _jit_gradient(mode: Mode, split: arguments.BoundCall) -> tuple[Any, Any]:
    """(f's value, the gradient) in ``mode``, compiled: the check's own cost is then the
    program's, not one dispatch per operation."""
    with_primal = dataclasses.replace(mode, with_primal=True)

    def grad(*primals: Any) -> Any:
        out = gradient(with_primal, split.call, *primals)
        assert isinstance(out, GradientResult)
        return out.val, out.derivs

    try:
        return jax.jit(grad)(*split.primals)
    except jax.errors.ConcretizationTypeError:  # f needs concrete values: run it as it is
        return grad(*split.primals)


def _flat(derivs: Sequence[Any]) -> list[np.ndarray]:
    return [np.asarray(leaf) for d in derivs for leaf in jax.tree_util.tree_leaves(d)]


def _filled(p: Any, value: float) -> Any:
    # Made by NumPy and put on the device: no compiled fill per shape.
    return jnp.asarray(np.full(np.shape(p), value, np.dtype(jnp.result_type(p))))


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


def _scale(g: np.ndarray, v: np.ndarray) -> float:
    """The size of the rounding that <g, v> carries from g's elements: ||g * v||_2."""
    return float(np.linalg.norm(np.abs(_as_f64(g)) * np.abs(_as_f64(v))))


@dataclasses.dataclass
class _Directions:
    count: int
    ours: list[float]
    fd: list[float]
    errors: list[float]  # |ours - fd|
    allowed: list[float]
    magnitudes: list[float]  # the directional derivative's size, for relative errors
    modes_errors: list[float]
    modes_allowed: list[float]


def _directions(
    split: arguments.BoundCall,
    leaf: _Leaf,
    count: int,
    rng: np.random.Generator,
    along: Callable[..., Any],
    jvp_fn: Callable[..., Any] | None,
    plain: Mode,
    ours_g: np.ndarray | None,
    other_g: np.ndarray | None,
    value0: float,
    precision: tuple[np.dtype, np.dtype],
    zeros: tuple[Any, Any],
) -> _Directions:
    fd, noise = precision  # what the differences run in, and what f resolves
    x = leaf.x
    xn = _as_f64(x)
    own, top = fdiff.own_rtol(x.dtype)
    h = fdiff.base_step(noise)
    out = _Directions(count, [], [], [], [], [], [], [])
    for _ in range(count):
        z = rng.standard_normal(x.shape)
        if jnp.iscomplexobj(x):
            z = z + 1j * rng.standard_normal(x.shape)
        # Each element moves by about h * max(|x_i|, rms(x)): the step balances truncation
        # against rounding in every element. The direction is held in the leaf's dtype, exactly.
        v_np = np.asarray(z * _element_scale(xn)).astype(np.dtype(x.dtype))
        v_leaf = jnp.asarray(v_np)
        v = _as_f64(v_np)
        tangents = _one_leaf(zeros[0], leaf, v_leaf)
        wide = _one_leaf(zeros[1], leaf, jnp.asarray(_widened(v, fd)))
        jvp = (
            None if jvp_fn is None else float(np.real(np.asarray(jvp_fn(split.primals, tangents))))
        )
        ours = _dot(ours_g, v) if ours_g is not None else jvp
        other = _dot(other_g, v) if other_g is not None else (jvp if plain.is_reverse else None)
        assert ours is not None
        g_for_scale = ours_g if ours_g is not None else other_g
        scale = _scale(g_for_scale, v) if g_for_scale is not None else abs(ours)
        size = max(abs(ours), scale)
        best: tuple[float, float] | None = None
        for hh in (h, *(h * k for k in fdiff.LONGER)):
            estimate, spread, fmax = fdiff.quotients(np.asarray(along(split.primals, wide, hh)), hh)
            fd_tol = float(fdiff.tolerance(float(spread), float(fmax), value0, hh, noise, 0.0))
            # A longer step is kept only where it agrees with the shorter one within both
            # tolerances (else it has left the range where its error estimate holds).
            if best is None or (
                fd_tol < best[1] and abs(float(estimate) - best[0]) <= fd_tol + best[1]
            ):
                best = (float(estimate), fd_tol)
            if best[1] <= fdiff.WANTED * size:
                break
            if not fdiff.noisy(float(spread), float(fmax), value0, hh, noise):
                break  # truncation or a kink, not rounding: a longer step would not help
        assert best is not None
        estimate, fd_tol = best
        allowed = fd_tol + own * scale + top * abs(ours)
        out.ours.append(ours)
        out.fd.append(float(estimate))
        out.errors.append(abs(ours - float(estimate)))
        out.allowed.append(float(allowed))
        out.magnitudes.append(max(abs(ours), abs(float(estimate)), scale))
        if other is not None:
            out.modes_errors.append(abs(ours - other))
            out.modes_allowed.append(2 * own * scale + np.finfo(np.float64).tiny)
    return out


def _element_scale(x: np.ndarray) -> np.ndarray:
    """How far each element of ``x`` may move, per unit step: ``max(|x_i|, rms(x))``, or 1 where
    ``x`` is all zero (a weight matrix moves relative to its weights, not by 1)."""
    a = np.abs(x)
    rms = float(np.sqrt(np.mean(a**2))) if a.size else 0.0
    return np.maximum(a, rms if rms > 0 and np.isfinite(rms) else 1.0)


def _one_leaf(zeros: Sequence[Any], leaf: _Leaf, v: Any) -> tuple[Any, ...]:
    """Tangents: ``v`` at ``leaf``, ``zeros`` elsewhere."""
    tangents = list(zeros)
    leaves, treedef = jax.tree_util.tree_flatten(tangents[leaf.position])
    leaves[leaf.index] = v
    tangents[leaf.position] = jax.tree_util.tree_unflatten(treedef, leaves)
    return tuple(tangents)


@dataclasses.dataclass
class _Elements:
    chosen: np.ndarray  # flat indices
    ours: np.ndarray
    fd: np.ndarray
    errors: np.ndarray
    allowed: np.ndarray


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
    split: arguments.BoundCall,
    leaf: _Leaf,
    g: np.ndarray,
    max_elements: int,
    rng: np.random.Generator,
    value0: float,
    precision: tuple[np.dtype, np.dtype],
) -> _Elements:
    fd, noise = precision
    x = leaf.x
    chosen = _chosen(g, max_elements, rng)
    xn = _as_f64(x).ravel()
    h0 = fdiff.base_step(noise)
    h = (h0 * _element_scale(xn)[chosen]).astype(fd)
    at = fdiff.along_elements(split.call, fd, leaf.position, leaf.index)
    complex_x = bool(jnp.iscomplexobj(x))
    fd_values = np.zeros(chosen.size, np.complex128 if complex_x else np.float64)
    step = _chunk(int(x.size))
    ours = _as_f64(g).ravel()[chosen]
    own, top = fdiff.own_rtol(x.dtype)
    largest = float(np.max(np.abs(_as_f64(g)))) if g.size else 0.0
    fd_tol = np.zeros(chosen.size)
    for unit in (1.0, 1j) if complex_x else (1.0,):
        for start in range(0, chosen.size, step):
            part = slice(start, start + step)
            idx = chosen[part]
            # Pad the last chunk to the chunk's size: one compiled program for every chunk.
            pad = step - idx.size if chosen.size > step else 0
            ids = jnp.asarray(np.concatenate([idx, np.repeat(idx[-1:], pad)]))
            best_est: Any = None
            best_tol: Any = None
            for longer in (1.0, *fdiff.LONGER):
                hp = h[part] * longer
                hs = np.concatenate([hp, np.repeat(hp[-1:], pad)])
                vals = np.asarray(at(split.primals, ids, jnp.asarray(hs * unit)))
                est, spr, fm = fdiff.quotients(vals[: idx.size], hp.astype(np.float64))
                tol = fdiff.tolerance(spr, fm, value0, hp.astype(np.float64), noise, 0.0)
                if best_est is None:
                    best_est, best_tol = est, tol
                    # Only the elements whose spread is rounding noise may take a longer step.
                    may = fdiff.noisy(spr, fm, value0, hp.astype(np.float64), noise)
                else:
                    better = may & (tol < best_tol) & (np.abs(est - best_est) <= tol + best_tol)
                    best_est = np.where(better, est, best_est)
                    best_tol = np.where(better, tol, best_tol)
                if np.all(best_tol <= fdiff.WANTED * np.maximum(np.abs(ours[part]), largest)):
                    break
                if not np.any(may):
                    break
            fd_values[part] += best_est * unit
            fd_tol[part] = np.maximum(fd_tol[part], best_tol)
    allowed = fd_tol + own * np.abs(ours) + top * largest
    errors = np.abs(ours - fd_values)
    return _Elements(chosen, ours, fd_values, errors, np.asarray(allowed, np.float64))


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
            out[idx] += np.asarray(batched(jnp.asarray(idx), unit), np.float64) * unit
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
    e: _Elements | None,
    ours_g: np.ndarray | None,
    other_g: np.ndarray | None,
) -> ArrayCheck:
    x = leaf.x
    tiny = np.finfo(np.float64).tiny
    d_err, d_allowed = np.asarray(d.errors), np.asarray(d.allowed)
    d_excess = d_err / np.maximum(d_allowed, tiny)
    d_rel = d_err / np.maximum(np.asarray(d.magnitudes), tiny)
    passed = bool(np.all(d_excess <= 1.0))
    max_abs, max_rel = float(np.max(d_err)), float(np.max(d_rel))
    worst_d = int(np.argmax(d_excess))
    worst: tuple[complex | float, complex | float] = (d.ours[worst_d], d.fd[worst_d])
    worst_index: tuple[int, ...] | None = None
    resolution = float(np.max(d_allowed / np.maximum(np.asarray(d.magnitudes), tiny)))
    checked = 0
    if e is not None:
        e_excess = e.errors / np.maximum(e.allowed, tiny)
        magnitude = np.maximum(np.abs(e.ours), np.abs(e.fd))
        e_rel = e.errors / np.maximum(magnitude, tiny)
        worst_e = int(np.argmax(e_excess))
        checked = int(e.chosen.size)
        max_abs = max(max_abs, float(np.max(e.errors)))
        max_rel = max(max_rel, float(np.max(e_rel)))
        e_passed = bool(np.all(e_excess <= 1.0))
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
    )


def _scalar(v: Any) -> complex | float:
    v = complex(v)
    return v.real if v.imag == 0 else v
