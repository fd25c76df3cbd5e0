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

bfloat16 (float16) arguments in reverse mode (``check_gradient_widened.py``): the rules are
checked as above on the same program with its arguments widened to the differences' dtype, and
the bfloat16 gradient against the widened one's, element by element, within bfloat16's rounding.
"""

from __future__ import annotations

import concurrent.futures
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
from workbench._src.debug import check_gradient_widened as widened
from workbench._src.debug import finite_differences as fdiff
from workbench._src.debug.check_gradient_directions import (
    UNRESOLVED,
    _as_f64,
    _Context,
    _Directions,
    _directions,
    _filled,
    _flat,
    _Leaf,
    _resolution,
    _widened,
    _zeros,
)
from workbench._src.debug.check_gradient_elements import _elements, _forward_elements
from workbench._src.debug.check_gradient_report import ArrayCheck, GradientCheck
from workbench._src.debug.check_gradient_verdict import _combine, _empty
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
      directions: random directions checked (each costs six evaluations of ``f``, more where
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
    leaves = _leaves(split)
    total = sum(int(np.size(leaf.x)) for leaf in leaves)
    by_element = total <= ELEMENTS_AUTO if elements is None else elements
    fd_dtype = fdiff.fd_dtype(np.result_type(*[leaf.x.dtype for leaf in leaves]))

    # The checked mode's gradient (the whole of it, one reverse pass, or forward lanes in chunks
    # where elements are checked), and the other mode's where it can run.
    note = ""
    reverse = plain if plain.is_reverse else other
    forward = plain if plain.is_forward else other
    g_reverse: list[np.ndarray] | None = None
    grad_fn: Callable[..., Any] | None = None
    value: Any = None
    # A bfloat16 (float16) program's rules are checked on the program widened to ``fd_dtype``,
    # and its gradient against the widened one's (``check_gradient_widened``): the widened
    # program's gradient and jvp compile on worker threads while the checked one compiles.
    narrow_dtype = widened.narrow([leaf.x.dtype for leaf in leaves])
    pool = concurrent.futures.ThreadPoolExecutor(2, thread_name_prefix="check_gradient")
    try:
        ahead = (
            _Widened(reverse, forward, split, fd_dtype, pool)
            if plain.is_reverse and narrow_dtype is not None
            else None
        )
        try:
            value, derivs, grad_fn = _jit_gradient(reverse, split)
            g_reverse = _flat(derivs)
        except (WorkbenchError, TypeError, ValueError, NotImplementedError) as e:
            if plain.is_reverse:
                raise
            note = f"{other!r} could not run: {str(e).splitlines()[0]}"
        floor: np.dtype | None = None
        narrow_leaves, narrow_g = leaves, g_reverse
        wide = ahead.gradient() if ahead is not None and g_reverse is not None else None
        if wide is None:
            narrow_dtype, ahead = None, None
        else:
            split, value, g_reverse, grad_fn, floor = wide
            leaves = _leaves(split)
        g_forward: list[np.ndarray] | None = None
        if plain.is_forward and by_element:
            value, derivs, _ = _jit_gradient(forward, split)
            g_forward = _flat(derivs)
        if value is None:
            value = jax.jit(split.call)(*split.primals)
            check_real_scalar_output(value, "check_gradient")
        value0 = float(np.real(np.asarray(value)))
        jvp_raw = _jvp(forward, split) if ahead is None else ahead.jvp_raw
        jvp_fn: Callable[..., Any] | None = None
        try:
            if ahead is not None:
                jvp_fn = ahead.jvp()
            else:
                jvp_fn = _lowered_jvp(jvp_raw, split.primals).compile()
        except (WorkbenchError, TypeError, ValueError, NotImplementedError) as e:
            if plain.is_forward:
                raise
            jvp_fn, note = None, f"{other!r} could not run: {str(e).splitlines()[0]}"
    finally:  # nothing waits on a compile no longer wanted (an error above)
        pool.shutdown(wait=False, cancel_futures=True)
    other_or_none: Mode | None = None if note else other

    plain_zeros = _zeros(split.primals)
    wide_zeros = jax.tree_util.tree_map(
        lambda p: jax.device_put(_widened(np.zeros(np.shape(p), np.dtype(p.dtype)), fd_dtype)),
        plain_zeros,
    )
    along = fdiff.along(split.call, fd_dtype)  # its trace (shared with its calls) gives noise
    traced = along.trace(split.primals, wide_zeros, np.zeros((), fd_dtype))
    noise = fdiff.noise_of(traced.jaxpr, fd_dtype)
    same_precision = fdiff.real_dtype(np.asarray(value).dtype) == noise and all(
        fdiff.real_dtype(leaf.x.dtype) == fd_dtype for leaf in leaves
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
        floor,
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
        checks.append(_combine(leaf, dcheck, k, echeck, ours_g, other_g, floor))
    for n, check in enumerate(checks):
        measured, g = ctx.rounding[n], ctx.ours[n] if ctx.ours[n] is not None else ctx.other[n]
        if measured is not None and g is not None and measured.size and not check.note:
            largest = float(np.max(np.abs(_as_f64(g))))
            top = float(np.max(measured))
            checks[n] = dataclasses.replace(
                check, own_rounding=top / largest if largest > 0 else (np.inf if top else 0.0)
            )
    if narrow_dtype is not None:
        assert narrow_g is not None and g_reverse is not None
        for n, check in enumerate(checks):
            if check.note:  # empty
                continue
            worst, relative, ok = widened.compare(narrow_g[n], g_reverse[n], narrow_dtype)
            checks[n] = dataclasses.replace(
                check,
                aval=shape_dtype(narrow_leaves[n].x),
                widened_max_abs_error=worst,
                widened_max_rel_error=relative,
                widened_passed=ok,
            )
    return GradientCheck(
        mode=plain,
        value=value0,
        arrays=tuple(checks),
        fd_dtype=np.result_type(
            fd_dtype, *[np.complex64 for leaf in leaves if jnp.iscomplexobj(leaf.x)]
        ).name,
        other_mode=other_or_none,
        note=note,
        widened=narrow_dtype.name if narrow_dtype is not None else "",
    )


def _leaves(split: arguments.BoundCall) -> list[_Leaf]:
    names = split.names
    leaves: list[_Leaf] = []
    for position, i in enumerate(split.positions):
        for k, (path, leaf) in enumerate(
            jax.tree_util.tree_leaves_with_path(split.primals[position])
        ):
            leaves.append(_Leaf(names[i] + jax.tree_util.keystr(path), position, k, leaf))
    return leaves


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


# (the widened call, f's value, the gradient, the jitted gradient, the narrowest float in it)
WidenedGradient = tuple[
    arguments.BoundCall, Any, list[np.ndarray], Callable[..., Any], np.dtype | None
]


class _Widened:
    """The program with its differentiated arguments widened to ``fd``, its gradient (in
    ``mode``) and its jvp (in ``forward``) traced and lowered when made and compiled on a
    worker thread meanwhile (``pool``): beside the checked program's own compile, on a second
    core. ``gradient()``: (its call, f's value, the gradient, the jitted gradient, the narrowest
    float the gradient computes in where below ``fd``), or ``None`` where it still computes
    below float32 (a cast inside ``f`` or a rule), or cannot be traced on its own (it needs
    concrete values). ``jvp()``: the compiled jvp (raises what lowering or compiling it
    raised)."""

    def __init__(
        self,
        mode: Mode,
        forward: Mode,
        split: arguments.BoundCall,
        fd: np.dtype,
        pool: concurrent.futures.Executor,
    ):
        self.split = _widened_split(split, fd)
        self.fd = fd
        with_primal = dataclasses.replace(mode, with_primal=True)
        wide = self.split

        def grad(*primals: Any) -> Any:
            out = gradient(with_primal, wide.call, *primals)
            assert isinstance(out, GradientResult)
            return out.val, out.derivs

        self.fn = jax.jit(grad)  # to trace again inside another program (``_bend``)
        self.lowest: np.dtype | None = None
        self.compiled: concurrent.futures.Future[Any] | None = None
        try:
            traced = self.fn.trace(*wide.primals)
            self.lowest = fdiff.lowest_float(traced.jaxpr)
            if self.lowest is None or self.lowest.itemsize >= widened.NARROW:
                self.compiled = pool.submit(traced.lower().compile)
        except (jax.errors.ConcretizationTypeError, WorkbenchError, TypeError, ValueError):
            pass
        self.jvp_raw = _jvp(forward, wide)
        self.jvp_compiled: concurrent.futures.Future[Any] | None = None
        self.jvp_error: BaseException | None = None
        try:
            self.jvp_compiled = pool.submit(_lowered_jvp(self.jvp_raw, wide.primals).compile)
        except (WorkbenchError, TypeError, ValueError, NotImplementedError) as e:
            self.jvp_error = e

    def gradient(self) -> WidenedGradient | None:
        if self.compiled is None:
            return None
        try:
            value, derivs = self.compiled.result()(*self.split.primals)
        except (jax.errors.ConcretizationTypeError, WorkbenchError, TypeError, ValueError):
            return None
        lowest = self.lowest
        floor = lowest if lowest is not None and lowest.itemsize < self.fd.itemsize else None
        return self.split, value, _flat(derivs), self.fn, floor

    def jvp(self) -> Any:
        if self.jvp_error is not None:
            raise self.jvp_error
        assert self.jvp_compiled is not None
        return self.jvp_compiled.result()


def _widened_split(split: arguments.BoundCall, fd: np.dtype) -> arguments.BoundCall:
    """``split`` with its differentiated arguments widened to ``fd``."""
    return dataclasses.replace(
        split,
        arguments=tuple(
            dataclasses.replace(a, primal=fdiff.widen_at_once(a.primal, fd))
            if a.differentiated
            else a
            for a in split.arguments
        ),
    )


def _lowered_jvp(jvp: Callable[..., Any], primals: Any) -> Any:
    """``jvp`` jitted and lowered at ``primals``: JAX refuses some jvps (a custom_vjp) only when
    lowering them, so this raises what the compiled jvp would."""
    ones = jax.tree_util.tree_map(lambda p: _filled(p, 1), primals)
    return jax.jit(jvp).lower(primals, ones)


def _jvp(mode: Mode, split: arguments.BoundCall) -> Callable[..., Any]:
    def jvp(primals: Any, tangents: Any) -> Any:
        return derivatives.push(mode, split.call, tuple(primals), tuple(tangents))[1]

    return jvp


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
