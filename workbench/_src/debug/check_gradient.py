"""``check_gradient``: a mode's gradient against central finite differences and the other mode.

The question a custom rule, a hand-written adjoint or a checkpointed loop raises is "is this
gradient right?". ``jax.test_util.check_grads`` answers it in tests, by raising with a dump of
numbers along random directions. This answers it in a notebook, element by element: for each
differentiated array, the worst element, its index, its error against finite differences and
against the other mode, and a verdict under tolerances that follow the dtype.

Finite differences are central, ``(f(x + h e_i) - f(x - h e_i)) / 2h``, one element at a time
(batched with ``jax.vmap``), with a step per element, ``h_i = eps^(1/3) max(|x_i|, 1)``, which
balances truncation against rounding. They run in float64 where JAX's 64-bit mode is on (float32
arguments are widened for them), else in the argument's own dtype, and the report says which.
An element passes when its error is within the finite differences' own error bound: a relative
part (truncation, ``rtol``) plus the rounding of the two evaluations divided by the step.
"""

from __future__ import annotations

import dataclasses
import html
import inspect as _pyinspect
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from workbench._src.ad.activities import Activity, Const, is_random_key
from workbench._src.ad.gradient import GradientResult, gradient
from workbench._src.ad.modes import Mode, Reverse, check_mode
from workbench._src.debug.concrete import require_concrete
from workbench._src.errors import WorkbenchError, describe, shape_dtype

# Relative error the finite differences themselves may make (their truncation, O(h^2)), by the
# precision they run in; and how far the two modes may differ (rounding only: they compute the
# same derivative, summed in other orders).
_FD_RTOL = {np.dtype(np.float64): 1e-6, np.dtype(np.float32): 2e-2}
_MODES_RTOL = {np.dtype(np.float64): 1e-9, np.dtype(np.float32): 1e-3}
# The checked gradient's own rounding, in its dtype: relative to each element, and to the
# array's largest element (a small element of a long sum carries the big ones' rounding).
_GRAD_RTOL = {np.dtype(np.float64): (1e-10, 1e-12), np.dtype(np.float32): (1e-4, 1e-5)}
_ROUNDING = 64.0  # rounding of f, in units of eps * |f|, that the difference quotient amplifies
MAX_ELEMENTS = 512  # elements checked per array (the largest derivatives and a random sample)
CHUNK = 256  # perturbed evaluations per vmapped call


@dataclasses.dataclass(frozen=True)
class ArrayCheck:
    """The check of one differentiated array (an argument, or a leaf of one).

    Attributes:
      name: the argument's name and path in it (``params[3][0]``).
      aval: its shape and dtype (``float32[8,8]``).
      checked: how many elements were checked, of ``size``.
      size: its number of elements.
      max_abs_error, max_rel_error: the largest errors against finite differences.
      worst_index: the index of the element furthest outside its tolerance (or of the largest
        error, when every element passes).
      worst: ``(this mode's derivative, finite differences)`` at ``worst_index``.
      passed: whether every checked element is within tolerance of the finite differences.
      modes_max_abs_error: the largest difference from the other mode (``None``: not run).
      modes_passed: whether the two modes agree (``None``: not run).
    """

    name: str
    aval: str
    checked: int
    size: int
    max_abs_error: float
    max_rel_error: float
    worst_index: tuple[int, ...]
    worst: tuple[complex | float, complex | float]
    passed: bool
    modes_max_abs_error: float | None = None
    modes_passed: bool | None = None


@dataclasses.dataclass(frozen=True)
class GradientCheck:
    """What ``check_gradient`` found: one ``ArrayCheck`` per differentiated array.

    Attributes:
      mode: the mode checked.
      value: ``f`` at the arguments.
      arrays: the checks, in argument order.
      fd_dtype: the precision the finite differences ran in.
      other_mode: the mode compared against (``None`` when it could not run).
      note: why the other mode did not run, or "".
    """

    mode: Mode
    value: float
    arrays: tuple[ArrayCheck, ...]
    fd_dtype: str
    other_mode: Mode | None
    note: str = ""

    @property
    def passed(self) -> bool:
        return all(a.passed and a.modes_passed is not False for a in self.arrays)

    @property
    def failures(self) -> tuple[ArrayCheck, ...]:
        return tuple(a for a in self.arrays if not a.passed or a.modes_passed is False)

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return _text(self)

    def __repr__(self) -> str:
        return _text(self)

    def _repr_html_(self) -> str:
        return _html(self)


def check_gradient(
    f: Callable[..., Any], *args: Any, mode: Mode = Reverse, max_elements: int = MAX_ELEMENTS
) -> GradientCheck:
    """Checks ``wb.gradient(mode, f, *args)`` against central finite differences and the other
    mode, array by array and element by element.

    Args:
      f: a function returning one real scalar.
      *args: its arguments; wrap those not to differentiate in ``Const`` (a random key is never
        differentiated), as for ``wb.gradient``.
      mode: the mode to check (``wb.Reverse`` by default, ``wb.Forward``, or with strong zero).
      max_elements: elements checked per array: all of them up to this many, else the ones
        with the largest derivatives and a random sample (the report says how many).

    Returns:
      A ``GradientCheck``: true when every array passes; its text (and, in a notebook, its
      table) names each array's worst element, its index and its errors.

    >>> import jax.numpy as jnp, workbench as wb
    >>> report = wb.check_gradient(lambda x: jnp.sum(jnp.sin(x) * x), jnp.arange(3.0))
    >>> report.passed, [a.name for a in report.arrays]
    (True, ['x'])
    """
    mode = check_mode(mode, "check_gradient")
    require_concrete("check_gradient", args)
    if not isinstance(max_elements, int) or isinstance(max_elements, bool) or max_elements < 1:
        raise ValueError(
            "check_gradient: max_elements must be a positive int (how many elements of each "
            f"array to check), but got {describe(max_elements)}."
        )
    plain = dataclasses.replace(mode, with_primal=False)
    ours = _derivs(plain, f, args)
    other = dataclasses.replace(plain, direction="reverse" if plain.is_forward else "forward")
    note = ""
    try:
        theirs: tuple[Any, ...] | None = _derivs(other, f, args)
    except (WorkbenchError, TypeError, ValueError, NotImplementedError) as e:
        theirs, note = None, f"{other!r} could not run: {str(e).splitlines()[0]}"
        other_or_none: Mode | None = None
    else:
        other_or_none = other

    differentiated = [
        i for i, a in enumerate(args) if not isinstance(a, Const) and not is_random_key(a)
    ]
    names = _argument_names(f, len(args))
    x64 = bool(jax.config.read("jax_enable_x64"))
    leaves: list[tuple[str, int, Any]] = []  # (name, argument index, leaf path)
    for i in differentiated:
        value = args[i].val if isinstance(args[i], Activity) else args[i]
        for path, _ in jax.tree_util.tree_leaves_with_path(value):
            leaves.append((names[i] + jax.tree_util.keystr(path), i, path))
    values = [a.val if isinstance(a, Activity) else a for a in args]
    value0 = float(np.asarray(f(*values)))
    fd_dtype = np.dtype(np.float64) if x64 else None
    checks = []
    rng = np.random.default_rng(0)
    for name, i, path in leaves:
        x = np.asarray(_at(values[i], path))
        g = np.asarray(_at(ours[i], path))
        g_other = None if theirs is None else np.asarray(_at(theirs[i], path))
        dtype = fd_dtype or np.dtype(x.dtype)
        if np.iscomplexobj(x):
            dtype = np.result_type(dtype, np.complex64)
        checks.append(
            _check_array(f, values, i, path, name, x, g, g_other, dtype, max_elements, rng, value0)
        )
    used = fd_dtype or np.result_type(*[np.asarray(_at(values[i], p)) for _, i, p in leaves])
    return GradientCheck(
        mode=plain,
        value=value0,
        arrays=tuple(checks),
        fd_dtype=np.dtype(used).name,
        other_mode=other_or_none,
        note=note,
    )


# --------------------------------------------------------------------------------------------


def _derivs(mode: Mode, f: Callable[..., Any], args: Sequence[Any]) -> tuple[Any, ...]:
    out = gradient(mode, f, *args)
    return out.derivs if isinstance(out, GradientResult) else out


def _argument_names(f: Callable[..., Any], n: int) -> list[str]:
    try:
        params = list(_pyinspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        params = []
    names = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return [names[i] if i < len(names) else f"args[{i}]" for i in range(n)]


def _at(tree: Any, path: Any) -> Any:
    """The leaf of ``tree`` at ``path`` (a path from ``tree_leaves_with_path``)."""
    return dict(jax.tree_util.tree_leaves_with_path(tree))[path]


def _replace_at(tree: Any, path: Any, leaf: Any) -> Any:
    flat, treedef = jax.tree_util.tree_flatten_with_path(tree)
    return jax.tree_util.tree_unflatten(treedef, [leaf if p == path else v for p, v in flat])


def _chosen(g: np.ndarray, max_elements: int, rng: np.random.Generator) -> np.ndarray:
    """Flat indices to check: all, or the largest derivatives and a random sample."""
    n = g.size
    if n <= max_elements:
        return np.arange(n)
    largest = np.argsort(-np.abs(g.ravel()), kind="stable")[: max_elements // 2]
    rest = np.setdiff1d(np.arange(n), largest)
    sample = rng.choice(rest, size=max_elements - largest.size, replace=False)
    return np.sort(np.concatenate([largest, sample]))


def _check_array(
    f: Callable[..., Any],
    values: list[Any],
    i: int,
    path: Any,
    name: str,
    x: np.ndarray,
    g: np.ndarray,
    g_other: np.ndarray | None,
    dtype: np.dtype,
    max_elements: int,
    rng: np.random.Generator,
    value0: float,
) -> ArrayCheck:
    real = np.dtype(np.finfo(dtype).dtype)
    eps = float(np.finfo(real).eps)
    chosen = _chosen(g, max_elements, rng)
    xw = x.astype(dtype).ravel()
    h = (eps ** (1 / 3)) * np.maximum(np.abs(xw), 1.0).astype(real)
    h = ((xw + h) - xw).real.astype(real)  # a step the dtype holds exactly

    def at(leaf: Any) -> Any:
        arr = jnp.asarray(leaf).reshape(x.shape)
        args = list(values)
        args[i] = _replace_at(values[i], path, arr)
        if dtype != x.dtype:  # widen every floating input too, so f runs in dtype throughout
            args = [_widen(a, real) for a in args]
        return jnp.real(f(*args))

    batched = jax.jit(jax.vmap(at))
    directions = [1.0] + ([1j] if np.iscomplexobj(xw) else [])
    fd = np.zeros(chosen.size, np.complex128 if np.iscomplexobj(xw) else np.float64)
    scale = np.zeros(chosen.size)
    for d in directions:
        for start in range(0, chosen.size, CHUNK):
            idx = chosen[start : start + CHUNK]
            step = np.zeros((idx.size, xw.size), dtype=xw.dtype)
            step[np.arange(idx.size), idx] = h[idx] * d
            plus = np.asarray(batched(xw[None, :] + step), np.float64)
            minus = np.asarray(batched(xw[None, :] - step), np.float64)
            quotient = (plus - minus) / (2 * h[idx])
            fd[start : start + idx.size] += quotient * (1 if d == 1.0 else 1j)
            scale[start : start + idx.size] = np.maximum(
                scale[start : start + idx.size],
                np.maximum(np.abs(plus), np.abs(minus)) / h[idx],
            )
    ours = g.ravel()[chosen].astype(fd.dtype)
    err = np.abs(ours - fd)
    magnitude = np.maximum(np.abs(ours), np.abs(fd))
    rtol = _FD_RTOL.get(real, 2e-2)
    # Rounding: f's own, in the precision the differences ran in, amplified by 1 / step; and
    # the checked gradient's own, in its dtype (float32 checked by float64 differences).
    own, top = _GRAD_RTOL.get(np.dtype(np.finfo(x.dtype).dtype), (1e-4, 1e-5))
    largest = float(np.max(np.abs(g))) if g.size else 0.0
    allowed = rtol * magnitude + _ROUNDING * eps * scale + own * magnitude + top * largest
    excess = err / np.maximum(allowed, np.finfo(np.float64).tiny)
    worst = int(np.argmax(excess))
    rel = err / np.maximum(magnitude, np.finfo(np.float64).tiny)
    modes_err = modes_ok = None
    if g_other is not None:
        diff = np.abs(g.ravel() - g_other.ravel())
        top = np.max(np.abs(g)) if g.size else 0.0
        mrtol = _MODES_RTOL.get(np.dtype(np.finfo(x.dtype).dtype), 1e-3)
        modes_err = float(np.max(diff)) if diff.size else 0.0
        modes_ok = bool(np.all(diff <= mrtol * (np.abs(g.ravel()) + top) + np.finfo(x.dtype).tiny))
    index = tuple(int(k) for k in np.unravel_index(chosen[worst], x.shape)) if x.ndim else ()
    return ArrayCheck(
        name=name,
        aval=shape_dtype(x),
        checked=int(chosen.size),
        size=int(x.size),
        max_abs_error=float(np.max(err)) if err.size else 0.0,
        max_rel_error=float(np.max(rel)) if rel.size else 0.0,
        worst_index=index,
        worst=(_scalar(ours[worst]), _scalar(fd[worst])),
        passed=bool(np.all(excess <= 1.0)),
        modes_max_abs_error=modes_err,
        modes_passed=modes_ok,
    )


def _widen(tree: Any, real: np.dtype) -> Any:
    def widen(v: Any) -> Any:
        dt = getattr(v, "dtype", None)
        if dt is not None and jnp.issubdtype(dt, jnp.floating):
            return jnp.asarray(v, real)
        if dt is not None and jnp.issubdtype(dt, jnp.complexfloating):
            return jnp.asarray(v, np.result_type(real, np.complex64))
        return v

    return jax.tree_util.tree_map(widen, tree)


def _scalar(v: Any) -> complex | float:
    v = complex(v)
    return v.real if v.imag == 0 else v


# --------------------------------------------------------------------------------------------
# Renderers


def _verdict(a: ArrayCheck) -> str:
    if not a.passed:
        return "FAILED against finite differences"
    if a.modes_passed is False:
        return "FAILED against the other mode"
    return "ok"


def _text(r: GradientCheck) -> str:
    head = (
        f"check_gradient({r.mode!r}): {'passed' if r.passed else 'FAILED'}; f = {r.value:.6g}; "
        f"finite differences in {r.fd_dtype}"
        + (f", compared with {r.other_mode!r}" if r.other_mode else "")
    )
    lines = [head]
    if r.note:
        lines.append(f"  ({r.note})")
    for a in r.arrays:
        sampled = "" if a.checked == a.size else f" ({a.checked} of {a.size} elements)"
        idx = "[" + ", ".join(map(str, a.worst_index)) + "]"
        ours, fd = a.worst
        modes = (
            ""
            if a.modes_max_abs_error is None
            else f"; other mode differs by {a.modes_max_abs_error:.3g}"
        )
        lines.append(
            f"  {a.name} {a.aval}{sampled}: {_verdict(a)}; max error {a.max_abs_error:.3g} "
            f"(relative {a.max_rel_error:.3g}); worst at {idx}: {ours:.8g} vs finite "
            f"differences {fd:.8g}{modes}"
        )
    return "\n".join(lines)


def _html(r: GradientCheck) -> str:
    e = html.escape
    rows = []
    for a in r.arrays:
        ours, fd = a.worst
        ok = a.passed and a.modes_passed is not False
        colour = "#1a7f37" if ok else "#cf222e"
        rows.append(
            "<tr>"
            f"<td><code>{e(a.name)}</code></td><td><code>{e(a.aval)}</code></td>"
            f"<td style='color:{colour}'>{e(_verdict(a))}</td>"
            f"<td>{a.max_abs_error:.3g}</td><td>{a.max_rel_error:.3g}</td>"
            f"<td><code>{e(str(list(a.worst_index)))}</code></td>"
            f"<td>{e(f'{ours:.8g}')}</td><td>{e(f'{fd:.8g}')}</td>"
            f"<td>{'' if a.modes_max_abs_error is None else f'{a.modes_max_abs_error:.3g}'}</td>"
            f"<td>{a.checked} / {a.size}</td></tr>"
        )
    head = e(_text(r).splitlines()[0])
    note = f"<div><i>{e(r.note)}</i></div>" if r.note else ""
    return (
        f"<div class='wb-check-gradient'><b>{head}</b>{note}"
        "<table><tr><th>array</th><th>shape</th><th>verdict</th><th>max abs error</th>"
        "<th>max rel error</th><th>worst element</th><th>this mode</th>"
        "<th>finite differences</th><th>other mode differs by</th><th>checked</th></tr>"
        + "".join(rows)
        + "</table></div>"
    )
