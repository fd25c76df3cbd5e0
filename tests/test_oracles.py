"""Every derivative the workbench returns, checked against independent oracles.

Oracles: raw ``jax.jvp`` / ``jax.grad`` / ``jax.jacfwd`` / ``jax.jacrev`` / ``jax.hessian``, central
finite differences (float64 / complex128 only), ``jax.test_util.check_grads`` and analytic values.
Nothing here is a number copied from the workbench's own output.

The tests are tables crossed with modes, activity patterns and dtypes (like JAX's grad_test_spec):

- ``REAL_SCALAR_FNS``: real scalar outputs (gradient, reverse mode); ``VECTOR_FNS`` add non-scalar,
  tuple and dict outputs (forward mode, jacobian). Arguments are arrays, dicts and tuples of arrays.
- Activity patterns are strings of codes applied cyclically to the arguments: ``A`` Active, ``D``
  Duplicated (random nonzero shadow), ``B1``..``B3`` BatchDuplicated with that many lanes, ``C``
  Const, ``U`` unwrapped (Const for autodiff, differentiated for gradient/jacobian).
- Complex inputs use Enzyme's convention: the derivative is df/da + i df/db = conj(jax.grad).
- Nested derivatives: second and third derivatives in every combination of Forward/Reverse, also
  under ``wb.jit`` and ``jax.vmap``.

Cost: eager JAX compiles every primitive once per shape and dtype, which dominates the run time.
So shapes are few and shared, the compiled primitives are kept between the tests of this module,
float64 runs each table's full cross product and float32 a representative part, the Jacobian
oracles are jitted once per function (``_oracle``), and the heaviest nested cases run under
``wb.jit`` (their eager counterparts are the scalar second and third derivatives).
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import zlib
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.test_util import check_grads

import workbench as wb
from tests.tolerances import FD_EPS, FD_TOL, FLOAT, assert_close, tol

# --------------------------------------------------------------------------------------------------
# Function tables
# --------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Fn:
    """A test function and the specs of its arguments.

    A spec is a shape tuple (an array), a dict of specs, or a list of specs (a tuple pytree).
    """

    name: str
    f: Callable[..., Any]
    specs: tuple[Any, ...]
    scalar: bool

    def __repr__(self) -> str:
        return self.name


def _square_sum(x):
    return jnp.sum(0.5 * x**2 + 3.0 * x)


def _sin_cos(x):
    return jnp.sum(jnp.sin(x) * jnp.cos(x))


def _exp_log(x):
    return jnp.sum(jnp.exp(0.5 * x) * jnp.log1p(x**2)) + jax.nn.logsumexp(x)


def _reductions(x):
    return jnp.max(x) + jnp.prod(1.0 + 0.1 * x) + jnp.var(x) + jnp.mean(jnp.sum(x**2, axis=0))


def _matmul(w, x):
    return jnp.sum(jnp.tanh(w @ x))


def _mlp(params, x):
    h = jnp.tanh(params["w1"] @ x + params["b1"])
    return jnp.sum(jnp.tanh(params["w2"] @ h) ** 2)


def _tuple_arg(ab, c):
    a, b = ab
    return jnp.sum(a * b) * c + jnp.sum(jnp.sin(a)) * c**2


def _multi_arg(x, y, s):
    return jnp.sum(x * y) * s + jnp.sum(jnp.exp(s * x)) + jnp.sum(jnp.cos(y))


def _elementwise(x):
    return jnp.sin(x) * x + jnp.exp(-(x**2))


def _matvec(w, x):
    return w @ x + jnp.tanh(x[:2])


def _tuple_out(x, y):
    return x * y, jnp.sum(jnp.sin(x)) * y[0], jnp.outer(x[:2], y)


def _dict_out(params, x):
    h = jnp.tanh(params["w1"] @ x + params["b1"])
    return {"h": h, "s": jnp.sum(x**2) * params["b1"][0], "m": jnp.outer(h, x)}


def _matrix_out(x):
    return jnp.outer(x, jnp.sin(x[:2]))


# Shapes are few ((), (3,), (2, 3)) and mostly non-square, so that a transposed Jacobian layout
# shows, and so that eager primitives compiled for one test are reused by the next.
MLP_SPEC = {"w1": (2, 3), "b1": (2,), "w2": (3, 2)}

REAL_SCALAR_FNS = [
    Fn("square_sum", _square_sum, ((3,),), True),
    Fn("sin_cos", _sin_cos, ((2, 3),), True),
    Fn("exp_log", _exp_log, ((3,),), True),
    Fn("reductions", _reductions, ((2, 3),), True),
    Fn("matmul", _matmul, ((2, 3), (3,)), True),
    Fn("mlp", _mlp, (MLP_SPEC, (3,)), True),
    Fn("tuple_arg", _tuple_arg, ([(3,), (3,)], ()), True),
    Fn("multi_arg", _multi_arg, ((3,), (3,), ()), True),
]
VECTOR_FNS = [
    Fn("elementwise", _elementwise, ((3,),), False),
    Fn("matvec", _matvec, ((2, 3), (3,)), False),
    Fn("tuple_out", _tuple_out, ((3,), (3,)), False),
    Fn("dict_out", _dict_out, (MLP_SPEC, (3,)), False),
    Fn("matrix_out", _matrix_out, ((3,),), False),
]
ALL_FNS = REAL_SCALAR_FNS + VECTOR_FNS


def _named(*names: str) -> list[Fn]:
    return [fn for fn in ALL_FNS if fn.name in names]


# Forward mode: every vector function plus the scalar ones with pytree or several arguments (the
# one-argument scalar functions are covered by the gradient and agreement tests).
FORWARD_FNS = _named("mlp", "tuple_arg", "multi_arg") + VECTOR_FNS
# float32 runs elementwise functions, one with a pytree argument and one with tuple outputs.
F32_SCALAR_FNS = _named("sin_cos", "mlp")
F32_VECTOR_FNS = _named("elementwise")
F32_FORWARD_FNS = _named("mlp", "tuple_out")
# jacobian (float64): matrix-vector, tuple and dict outputs, and a scalar one with a pytree argument
# (matrix_out's and elementwise's Jacobians are checked column by column in the onehot test).
JACOBIAN_FNS = _named("matvec", "tuple_out", "dict_out", "mlp")

REAL_DTYPES = [np.float32, np.float64]
FORWARD_MODES = [wb.Forward, wb.ForwardWithPrimal]
REVERSE_MODES = [wb.Reverse, wb.ReverseWithPrimal]
ALL_MODES = FORWARD_MODES + REVERSE_MODES
F32, F64 = np.float32, np.float64

# Tables: for each dtype, (functions, activity patterns) pairs. A pattern's codes are applied
# cyclically to the arguments (see the module docstring). float64 runs the full cross product,
# float32 a representative part (eager JAX compiles each new shape and dtype; that is the cost).
REVERSE_PATTERNS = [
    ("A",),
    ("D",),
    ("B1",),
    ("B3",),
    ("A", "C"),
    ("D", "U"),
    ("U", "B3"),
    ("A", "D", "B3"),
]
REVERSE_TABLE = {
    F64: [(REAL_SCALAR_FNS, REVERSE_PATTERNS)],
    F32: [(F32_SCALAR_FNS, [("A",), ("A", "D", "B3")])],
}
FORWARD_TABLE = {
    F64: [(FORWARD_FNS, [("D",), ("B3",), ("U", "B3")]), (_named("dict_out"), [("B1", "C")])],
    F32: [(F32_FORWARD_FNS, [("D",), ("U", "B3")])],
}
GRADIENT_TABLE = {
    F64: [(REAL_SCALAR_FNS, [("U",), ("C", "U")])],
    F32: [(F32_SCALAR_FNS, [("U",)])],
}
JACOBIAN_TABLE = {
    F64: [(JACOBIAN_FNS, [("U",)]), (_named("dict_out"), [("C", "U")])],
    F32: [(F32_VECTOR_FNS, [("U",)])],
}
DIFFERENTIATED = {"A", "D", "B1", "B2", "B3"}


def _codes_for(fn: Fn, pattern: Sequence[str]) -> tuple[str, ...]:
    return tuple(pattern[i % len(pattern)] for i in range(len(fn.specs)))


def _cases(table: dict[Any, list[Any]], diff: set[str], modes: Sequence[wb.Mode]) -> list[Any]:
    """(fn, codes, dtype, mode) cases, deduplicated, keeping those that differentiate something.

    The plain modes run every pattern; the ``...WithPrimal`` ones (the same derivative code, the
    primal returned as well) the first and the last pattern of each part of the table.
    """
    seen, out = set(), []
    for dtype, parts in table.items():
        for fns, patterns in parts:
            for fn in fns:
                for j, pattern in enumerate(patterns):
                    codes = _codes_for(fn, pattern)
                    key = (fn.name, codes, dtype)
                    if key in seen or not set(codes) & diff:
                        continue
                    seen.add(key)
                    for mode in modes:
                        if mode.with_primal and j not in (0, len(patterns) - 1):
                            continue
                        name = f"{fn.name}-{''.join(codes)}-{np.dtype(dtype).name}-{mode!r}"
                        out.append(pytest.param(fn, codes, dtype, mode, id=name))
    return out


CASE_ARGS = ("fn", "codes", "dtype", "mode")
REVERSE_CASES = _cases(REVERSE_TABLE, DIFFERENTIATED, REVERSE_MODES)
FORWARD_CASES = _cases(FORWARD_TABLE, DIFFERENTIATED, FORWARD_MODES)
GRADIENT_CASES = _cases(GRADIENT_TABLE, {"U"}, ALL_MODES)
JACOBIAN_CASES = _cases(JACOBIAN_TABLE, {"U"}, ALL_MODES)
JACOBIAN_KEYS = {(p.values[0].name, p.values[2]) for p in JACOBIAN_CASES}
AGREE_CASES = [  # the cases of the gradient and jacobian tables, "U" pattern
    pytest.param(fn, dtype, id=f"{fn.name}-{np.dtype(dtype).name}")
    for dtype, fns in ((F64, ALL_FNS), (F32, F32_SCALAR_FNS + F32_VECTOR_FNS))
    for fn in fns
]

# --------------------------------------------------------------------------------------------------
# Helpers: inputs, activities, oracles, assertions
# --------------------------------------------------------------------------------------------------


def _rng(*keys: Any) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(repr(keys).encode()))


def _build(spec: Any, rng: np.random.Generator, dtype: Any) -> Any:
    if isinstance(spec, dict):
        return {k: _build(v, rng, dtype) for k, v in spec.items()}
    if isinstance(spec, list):
        return tuple(_build(s, rng, dtype) for s in spec)
    x = 0.8 * rng.standard_normal(spec)
    if np.issubdtype(dtype, np.complexfloating):
        x = x + 0.8j * rng.standard_normal(spec)
    return jnp.asarray(x, dtype=dtype)


def _args(fn: Fn, dtype: Any) -> list[Any]:
    rng = _rng(fn.name, np.dtype(dtype).name)
    return [_build(s, rng, dtype) for s in fn.specs]


def _like(tree: Any, rng: np.random.Generator) -> Any:
    """A random nonzero tree shaped and typed like ``tree``."""

    def leaf(x: jax.Array) -> jax.Array:
        v = 0.5 + rng.random(x.shape)
        if jnp.iscomplexobj(x):
            v = v - 1j * (0.5 + rng.random(x.shape))
        return jnp.asarray(v * rng.choice([-1.0, 1.0], x.shape), x.dtype)

    return jax.tree.map(leaf, tree)


def _lanes(code: str) -> int:
    return int(code[1:]) if code.startswith("B") else 0


def _wrap(codes: Sequence[str], vals: Sequence[Any], rng: np.random.Generator) -> list[Any]:
    """The activity for each argument, per its code."""
    out: list[Any] = []
    for code, x in zip(codes, vals, strict=True):
        if code == "A":
            out.append(wb.Active(x))
        elif code == "D":
            out.append(wb.Duplicated(x, _like(x, rng)))
        elif code.startswith("B"):
            out.append(wb.BatchDuplicated(x, tuple(_like(x, rng) for _ in range(_lanes(code)))))
        elif code == "C":
            out.append(wb.Const(x))
        else:
            assert code == "U"
            out.append(x)
    return out


def _closure(f: Callable[..., Any], vals: Sequence[Any], positions: Sequence[int]):
    """``g(*diff_vals)``: ``f`` with the arguments at ``positions`` replaced, the rest fixed."""

    def g(*diff_vals: Any) -> Any:
        full = list(vals)
        for i, v in zip(positions, diff_vals, strict=True):
            full[i] = v
        return f(*full)

    return g


def _enzyme(jax_grad: Any) -> Any:
    """JAX's gradient -> Enzyme's convention (df/da + i df/db): conjugate complex leaves."""
    return jax.tree.map(lambda g: jnp.conj(g) if jnp.iscomplexobj(g) else g, jax_grad)


@functools.cache
def _oracle(kind: str, f: Callable[..., Any], argnums: Any) -> Callable[..., Any]:
    """A raw-JAX derivative of ``f``, built once per (kind, f, argnums) and reused across tests.

    ``"grad"``: ``jax.value_and_grad``; ``"jacfwd"``/``"jacrev"``: the Jacobian for one argnum;
    ``"jvp"``: ``(vals, tangents) -> (primal, tangent)`` for the arguments at ``argnums``.
    Gradients and jvps run eagerly: their primitives are those the workbench's eager calls have
    just compiled, so they cost little. Jacobians have lane shapes of their own, so they are jitted.
    """
    if kind == "grad":
        return jax.value_and_grad(f, argnums=argnums)
    if kind in ("jacfwd", "jacrev"):
        return jax.jit(getattr(jax, kind)(f, argnums=argnums))
    assert kind == "jvp"

    def jvp(vals: Sequence[Any], tangents: Sequence[Any]) -> Any:
        primals = tuple(vals[i] for i in argnums)
        return jax.jvp(_closure(f, vals, argnums), primals, tuple(tangents))

    return jvp


def _oracle_grads(f: Callable[..., Any], vals: Sequence[Any], positions: Sequence[int]):
    """Primal and Enzyme-convention gradients w.r.t. ``positions``, from ``jax.value_and_grad``."""
    primal, grads = _oracle("grad", f, tuple(positions))(*vals)
    return primal, [_enzyme(g) for g in grads]


def _only(result: Any, mode: wb.Mode) -> Any:
    """The derivatives of a gradient/jacobian result, checking its type for the mode."""
    if mode.with_primal:
        assert isinstance(result, wb.GradientResult)
        return result.derivs
    assert type(result) is tuple
    return result


def _assert_plain(tree: Any) -> None:
    """Every leaf is a concrete jax.Array (not a NumPy array, Python number or tracer)."""
    for leaf in jax.tree_util.tree_leaves(tree):
        assert isinstance(leaf, jax.Array), type(leaf)
        assert not isinstance(leaf, jax.core.Tracer), type(leaf)


def _assert_matches(actual: Any, expected: Any) -> None:
    """Values within the dtype tolerance, same structure, same dtype per leaf, plain arrays."""
    assert_close(actual, expected)
    _assert_plain(actual)
    for a, e in zip(
        jax.tree_util.tree_leaves(actual), jax.tree_util.tree_leaves(expected), strict=True
    ):
        assert np.dtype(a.dtype) == np.dtype(e.dtype), f"dtype {a.dtype} vs {e.dtype}"


def _assert_fd_close(actual: Any, expected: Any) -> None:
    a_leaves, a_def = jax.tree_util.tree_flatten(actual)
    e_leaves, e_def = jax.tree_util.tree_flatten(expected)
    assert a_def == e_def, f"structure differs: {a_def} vs {e_def}"
    for a, e in zip(a_leaves, e_leaves, strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(e), rtol=FD_TOL, atol=FD_TOL)


def _shift(tree: Any, direction: Any, h: Any) -> Any:
    return jax.tree.map(lambda x, d: x + h * d, tree, direction)


def _fd_directional(f: Callable[..., Any], vals: Sequence[Any], tangents: Sequence[Any]) -> Any:
    """Central difference of ``f`` along ``tangents`` (``None`` for a fixed argument)."""
    jf = jax.jit(f)

    def at(h: float) -> Any:
        return jf(
            *[v if t is None else _shift(v, t, h) for v, t in zip(vals, tangents, strict=True)]
        )

    return jax.tree.map(lambda p, m: (p - m) / (2 * FD_EPS), at(FD_EPS), at(-FD_EPS))


def _fd_gradient(f: Callable[..., Any], vals: Sequence[Any], i: int) -> Any:
    """Central-difference gradient of a real scalar ``f`` w.r.t. argument ``i``, element by element;
    complex elements give df/da + i df/db."""
    leaves, treedef = jax.tree_util.tree_flatten(vals[i])
    grads = []
    for k, leaf in enumerate(leaves):
        units = [1.0, 1j] if jnp.iscomplexobj(leaf) else [1.0]
        g = np.zeros(leaf.shape, leaf.dtype)
        for idx in np.ndindex(leaf.shape):
            for unit in units:
                e = [jnp.zeros_like(x) for x in leaves]
                e[k] = e[k].at[idx].set(unit)
                tangents = [None] * len(vals)
                tangents[i] = jax.tree_util.tree_unflatten(treedef, e)
                g[idx] += unit * float(_fd_directional(f, vals, tangents))
        grads.append(jnp.asarray(g))
    return jax.tree_util.tree_unflatten(treedef, grads)


# --------------------------------------------------------------------------------------------------
# autodiff: forward mode
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(CASE_ARGS, FORWARD_CASES)
def test_forward_autodiff_matches_jvp(fn, codes, dtype, mode):
    vals = _args(fn, dtype)
    acts = _wrap(codes, vals, _rng(fn.name, codes))
    positions = tuple(i for i, c in enumerate(codes) if c in DIFFERENTIATED)
    jvp = _oracle("jvp", fn.f, positions)

    result = wb.autodiff(mode, fn.f, *acts)

    assert type(result) is tuple and len(result) == (2 if mode.with_primal else 1)
    width = max(_lanes(c) for c in codes)
    if width:
        lanes = [[acts[i].dval[k] for i in positions] for k in range(width)]
        expected = tuple(jvp(vals, lane)[1] for lane in lanes)
        assert type(result[0]) is tuple and len(result[0]) == width
    else:
        expected = jvp(vals, [acts[i].dval for i in positions])[1]
    _assert_matches(result[0], expected)
    if mode.with_primal:
        _assert_matches(result[1], fn.f(*vals))


@pytest.mark.parametrize("fn", FORWARD_FNS, ids=repr)
@pytest.mark.float64
def test_forward_autodiff_matches_finite_differences(fn):
    vals = _args(fn, np.float64)
    tangents = [_like(v, _rng(fn.name, "fd")) for v in vals]
    acts = [wb.Duplicated(v, t) for v, t in zip(vals, tangents, strict=True)]
    (tangent,) = wb.autodiff(wb.Forward, fn.f, *acts)
    _assert_fd_close(tangent, _fd_directional(fn.f, vals, tangents))


@pytest.mark.parametrize("dtype", REAL_DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("fn", [f for f in FORWARD_FNS if len(f.specs) == 1], ids=repr)
def test_forward_onehot_lanes_are_jacfwd_columns(fn, dtype):
    (x,) = _args(fn, dtype)
    (lanes,) = wb.autodiff(wb.Forward, fn.f, wb.BatchDuplicated(x, wb.onehot(x)))
    jac = _oracle("jacfwd", fn.f, 0)(x)
    assert len(lanes) == x.size
    for k, idx in enumerate(np.ndindex(x.shape)):
        _assert_matches(lanes[k], jax.tree.map(lambda j, idx=idx: j[(..., *idx)], jac))


# --------------------------------------------------------------------------------------------------
# autodiff: reverse mode
# --------------------------------------------------------------------------------------------------


def _reverse_expected(acts: Sequence[Any], positions: Sequence[int], grads: Sequence[Any]):
    """What reverse-mode autodiff returns per argument, from the oracle's gradients: the gradient
    (Active), shadow + gradient (Duplicated, each lane of BatchDuplicated), None (Const)."""
    expected: list[Any] = [None] * len(acts)
    for i, grad in zip(positions, grads, strict=True):
        a = acts[i]
        if isinstance(a, wb.Active):
            expected[i] = grad
        elif isinstance(a, wb.Duplicated):
            expected[i] = jax.tree.map(jnp.add, a.dval, grad)
        else:
            expected[i] = tuple(jax.tree.map(jnp.add, lane, grad) for lane in a.dval)
    return expected


@pytest.mark.parametrize(CASE_ARGS, REVERSE_CASES)
def test_reverse_autodiff_matches_grad(fn, codes, dtype, mode):
    vals = _args(fn, dtype)
    acts = _wrap(codes, vals, _rng(fn.name, codes))
    positions = [i for i, c in enumerate(codes) if c in DIFFERENTIATED]
    primal, grads = _oracle_grads(fn.f, vals, positions)

    result = wb.autodiff(mode, fn.f, *acts)

    assert type(result) is tuple and len(result) == (2 if mode.with_primal else 1)
    expected = _reverse_expected(acts, positions, grads)
    derivs = result[0]
    assert type(derivs) is tuple and len(derivs) == len(vals)
    for i, c in enumerate(codes):
        if c not in DIFFERENTIATED:
            assert derivs[i] is None
    _assert_matches(derivs, tuple(expected))
    if mode.with_primal:
        _assert_matches(result[1], primal)


# --------------------------------------------------------------------------------------------------
# gradient and jacobian
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(CASE_ARGS, GRADIENT_CASES)
def test_gradient_matches_grad(fn, codes, dtype, mode):
    vals = _args(fn, dtype)
    args = _wrap(codes, vals, _rng())
    positions = [i for i, c in enumerate(codes) if c == "U"]
    primal, grads = _oracle_grads(fn.f, vals, positions)
    expected: list[Any] = [None] * len(vals)
    for i, grad in zip(positions, grads, strict=True):
        expected[i] = grad

    result = wb.gradient(mode, fn.f, *args)

    derivs = _only(result, mode)
    _assert_matches(derivs, tuple(expected))  # also: each gradient leaf has its input's dtype
    for d, v in zip(derivs, vals, strict=True):
        if d is not None:
            assert jax.tree.map(lambda a: a.dtype, d) == jax.tree.map(lambda a: a.dtype, v)
    if mode.with_primal:
        _assert_matches(result.val, primal)


@pytest.mark.parametrize("direction", [wb.Forward, wb.Reverse], ids=repr)
@pytest.mark.parametrize("fn", REAL_SCALAR_FNS, ids=repr)
@pytest.mark.float64
def test_gradient_matches_finite_differences(fn, direction):
    vals = _args(fn, np.float64)
    derivs = wb.gradient(direction, fn.f, *vals)
    _assert_fd_close(derivs, tuple(_fd_gradient(fn.f, vals, i) for i in range(len(vals))))


@pytest.mark.parametrize(CASE_ARGS, JACOBIAN_CASES)
def test_jacobian_matches_jacfwd_and_jacrev(fn, codes, dtype, mode):
    vals = _args(fn, dtype)
    args = _wrap(codes, vals, _rng())
    kind = "jacfwd" if mode.is_forward else "jacrev"
    expected = tuple(
        _oracle(kind, fn.f, i)(*vals) if c == "U" else None for i, c in enumerate(codes)
    )

    result = wb.jacobian(mode, fn.f, *args)

    _assert_matches(_only(result, mode), expected)
    if mode.with_primal:
        _assert_matches(result.val, fn.f(*vals))


@pytest.mark.parametrize(("fn", "dtype"), AGREE_CASES)
def test_forward_and_reverse_agree(fn, dtype):
    """Forward- and reverse-mode gradients (scalar functions) and Jacobians agree."""
    vals = _args(fn, dtype)
    if fn.scalar:
        grad_fwd = wb.gradient(wb.Forward, fn.f, *vals)
        _assert_matches(grad_fwd, wb.gradient(wb.Reverse, fn.f, *vals))
    if (fn.name, dtype) in JACOBIAN_KEYS:
        jac_fwd = wb.jacobian(wb.Forward, fn.f, *vals)
        _assert_matches(jac_fwd, wb.jacobian(wb.Reverse, fn.f, *vals))
        if fn.scalar:  # a scalar function's Jacobian is its gradient
            _assert_matches(jac_fwd, grad_fwd)


@pytest.mark.parametrize("mode", ALL_MODES, ids=repr)
@pytest.mark.float64
def test_mixed_precision_derivative_dtypes(mode):
    """A float32 argument of a float64 function: its gradient is float32 (as jax.grad's), its
    Jacobian entry has the promoted dtype (as jax.jacfwd's)."""
    rng = _rng("mixed")
    x = jnp.asarray(rng.standard_normal(3), jnp.float32)
    y = jnp.asarray(rng.standard_normal(3), jnp.float64)

    def f(x, y):
        return jnp.sum(jnp.sin(x) * y)

    grads = _only(wb.gradient(mode, f, x, y), mode)
    _assert_matches(grads, jax.grad(f, argnums=(0, 1))(x, y))
    assert grads[0].dtype == jnp.float32 and grads[1].dtype == jnp.float64

    def g(x, y):
        return jnp.sin(x) * y

    jacs = _only(wb.jacobian(mode, g, x, y), mode)
    expected = jax.jacfwd(g, argnums=(0, 1))(x, y)
    assert jacs[0].dtype == jnp.float64 and expected[0].dtype == jnp.float64
    # Reverse mode rounds the cotangent to the float32 input, so compare at float32 precision.
    _assert_matches(jacs[0].astype(jnp.float32), expected[0].astype(jnp.float32))
    _assert_matches(jacs[1], expected[1])


@pytest.mark.parametrize("mode", ALL_MODES, ids=repr)
def test_python_float_argument(mode):
    """A Python float is JAX's float: float64 with 64-bit mode on, float32 without."""
    x = 0.7
    derivs = _only(wb.gradient(mode, lambda x: x**3 * jnp.sin(x), x), mode)
    expected = 3 * x**2 * np.sin(x) + x**3 * np.cos(x)
    _assert_plain(derivs)
    assert derivs[0].dtype == FLOAT
    np.testing.assert_allclose(derivs[0], expected, rtol=tol(FLOAT)[0])


# --------------------------------------------------------------------------------------------------
# Complex inputs (Enzyme's convention: df/da + i df/db = conj(jax.grad))
# --------------------------------------------------------------------------------------------------


def _abs2(z):
    return jnp.sum(jnp.abs(z) ** 2)


def _re_zw(z, w):
    return jnp.sum(jnp.real(z * jnp.conj(w)))


def _abs(z):
    return jnp.sum(jnp.abs(z))


def _complex_mixed(z, x):
    return jnp.sum(jnp.real(jnp.sin(z)) * x) + jnp.sum(jnp.imag(z) ** 2 * jnp.exp(x))


COMPLEX_FNS = [
    Fn("abs2", _abs2, ((3,),), True),
    Fn("re_zw", _re_zw, ((3,), (3,)), True),
    Fn("abs", _abs, ((2, 3),), True),
    Fn("complex_mixed", _complex_mixed, ((3,), (3,)), True),
]
COMPLEX_DTYPES = [np.complex64, np.complex128]
# Analytic Enzyme-convention gradients, where simple.
COMPLEX_ANALYTIC = {
    "abs2": lambda z: (2 * z,),
    "re_zw": lambda z, w: (w, z),
    "abs": lambda z: (z / jnp.abs(z),),
}


def _complex_args(fn: Fn, dtype: Any) -> list[Any]:
    """Complex arguments; the second argument of complex_mixed is real of the matching width."""
    vals = _args(fn, dtype)
    if fn.name == "complex_mixed":
        vals[1] = jnp.real(vals[1])
    return vals


@functools.cache
def _split_oracle(f: Callable[..., Any]) -> Callable[..., Any]:
    """``vals -> (primal, jax_grads, by_definition)``: ``jax.value_and_grad`` (JAX's convention),
    and df/da + i df/db per argument by definition, from jax.grad of f(a + ib) w.r.t. the real a
    and b (no conjugation convention involved)."""

    def derivs(*vals: Any) -> tuple[Any, ...]:
        primal, grads = jax.value_and_grad(f, argnums=tuple(range(len(vals))))(*vals)
        out = []
        for i, z in enumerate(vals):
            if not jnp.iscomplexobj(z):
                out.append(jax.grad(f, argnums=i)(*vals))
                continue

            def h(a, b, i=i):
                return _closure(f, vals, [i])(a + 1j * b)

            ga, gb = jax.grad(h, argnums=(0, 1))(jnp.real(z), jnp.imag(z))
            out.append((ga + 1j * gb).astype(z.dtype))
        return primal, grads, tuple(out)

    return jax.jit(derivs)


COMPLEX_GRADIENT_CASES = [
    pytest.param(fn, dtype, id=f"{fn.name}-{np.dtype(dtype).name}")
    for dtype in COMPLEX_DTYPES
    for fn in (COMPLEX_FNS if dtype == np.complex128 else COMPLEX_FNS[:1])
]


@pytest.mark.parametrize("mode", ALL_MODES, ids=repr)
@pytest.mark.parametrize(("fn", "dtype"), COMPLEX_GRADIENT_CASES)
def test_complex_gradient_is_conj_of_jax_grad(fn, dtype, mode):
    vals = _complex_args(fn, dtype)
    primal, grads, by_definition = _split_oracle(fn.f)(*vals)

    result = wb.gradient(mode, fn.f, *vals)

    derivs = _only(result, mode)
    _assert_matches(derivs, _enzyme(grads))
    _assert_matches(derivs, by_definition)
    if fn.name in COMPLEX_ANALYTIC:
        _assert_matches(derivs, COMPLEX_ANALYTIC[fn.name](*vals))
    if mode.with_primal:
        _assert_matches(result.val, primal)


@pytest.mark.parametrize("fn", COMPLEX_FNS, ids=repr)
@pytest.mark.float64
def test_complex_gradient_matches_finite_differences(fn):
    vals = _complex_args(fn, np.complex128)
    expected = tuple(_fd_gradient(fn.f, vals, i) for i in range(len(vals)))
    for direction in (wb.Forward, wb.Reverse):
        _assert_fd_close(wb.gradient(direction, fn.f, *vals), expected)


@pytest.mark.parametrize("dtype", COMPLEX_DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("codes", [("A",), ("D",), ("B3",), ("D", "C")], ids="".join)
@pytest.mark.parametrize("fn", COMPLEX_FNS, ids=repr)
def test_complex_reverse_autodiff(fn, codes, dtype):
    vals = _complex_args(fn, dtype)
    codes = _codes_for(fn, codes)
    acts = _wrap(codes, vals, _rng(fn.name, codes))
    positions = [i for i, c in enumerate(codes) if c in DIFFERENTIATED]
    _, grads = _oracle_grads(fn.f, vals, tuple(positions))
    expected = _reverse_expected(acts, positions, grads)
    (derivs,) = wb.autodiff(wb.Reverse, fn.f, *acts)
    _assert_matches(derivs, tuple(expected))


@pytest.mark.parametrize("dtype", COMPLEX_DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("fn", COMPLEX_FNS, ids=repr)
def test_complex_forward_autodiff_matches_jvp(fn, dtype):
    """A tangent is a direction, so there is no convention to convert; and it pairs with the
    Enzyme-convention gradient g through the real inner product: sum(Re(conj(g) * dz))."""
    vals = _complex_args(fn, dtype)
    rng = _rng(fn.name, "cfwd")
    tangents = [_like(v, rng) for v in vals]
    acts = [wb.Duplicated(v, t) for v, t in zip(vals, tangents, strict=True)]

    tangent, primal = wb.autodiff(wb.ForwardWithPrimal, fn.f, *acts)

    positions = tuple(range(len(vals)))
    _assert_matches(tangent, _oracle("jvp", fn.f, positions)(vals, tangents)[1])
    _assert_matches(primal, fn.f(*vals))
    # Enzyme's gradient pairs with a direction through the real inner product Re(conj(g) dz).
    grads = wb.gradient(wb.Reverse, fn.f, *vals)
    pairing = sum(jnp.sum(jnp.real(jnp.conj(g) * t)) for g, t in zip(grads, tangents, strict=True))
    _assert_matches(tangent, pairing.astype(tangent.dtype))


def _real_of_complex(z):
    return jnp.concatenate([jnp.real(z) * jnp.imag(z), jnp.abs(z) ** 2])


def _complex_of_real(x):
    return jnp.exp(1j * x) * x


@jax.jit
def _complex_input_jacobian_oracle(z):
    a, b = jnp.real(z), jnp.imag(z)
    ja = jax.jacfwd(lambda a: _real_of_complex(a + 1j * b))(a)
    jb = jax.jacfwd(lambda b: _real_of_complex(a + 1j * b))(b)
    return (ja + 1j * jb).astype(z.dtype)


@pytest.mark.parametrize("dtype", COMPLEX_DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("mode", ALL_MODES, ids=repr)
def test_complex_input_jacobian(mode, dtype):
    """Real vector output of a complex input: J = dJ/da + i dJ/db, by definition."""
    z = _build((3,), _rng("cjac"), dtype)
    (jac,) = _only(wb.jacobian(mode, _real_of_complex, z), mode)
    _assert_matches(jac, _complex_input_jacobian_oracle(z))
    _assert_matches(jac, _enzyme(_oracle("jacrev", _real_of_complex, 0)(z)))


@pytest.mark.parametrize("dtype", REAL_DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("mode", ALL_MODES, ids=repr)
def test_complex_output_jacobian(mode, dtype):
    """Complex output of a real input: J = J_re + i J_im, as jax.jacfwd gives it."""
    x = _build((3,), _rng("cout"), dtype)
    result = wb.jacobian(mode, _complex_of_real, x)
    _assert_matches(_only(result, mode), (_oracle("jacfwd", _complex_of_real, 0)(x),))
    if mode.with_primal:
        _assert_matches(result.val, _complex_of_real(x))


@pytest.mark.parametrize("dtype", COMPLEX_DTYPES, ids=lambda d: np.dtype(d).name)
def test_complex_to_complex_forward_autodiff(dtype):
    """Forward mode pushes a complex tangent through a holomorphic map: dz**2 = 2 z dz."""
    rng = _rng("holo")
    z = _build((3,), rng, dtype)
    dz = _like(z, rng)
    (tangent,) = wb.autodiff(wb.Forward, lambda z: z**2, wb.Duplicated(z, dz))
    _assert_matches(tangent, jax.jvp(lambda z: z**2, (z,), (dz,))[1])
    _assert_matches(tangent, 2 * z * dz)


# --------------------------------------------------------------------------------------------------
# Nested derivatives
# --------------------------------------------------------------------------------------------------


def _sin_exp(x):
    return jnp.sin(x) * jnp.exp(x)


def _sin_exp_derivs(x: float) -> tuple[float, float, float]:
    """(f', f'', f''') of sin(x) * exp(x), analytically."""
    e, s, c = np.exp(x), np.sin(x), np.cos(x)
    return e * (s + c), 2 * e * c, 2 * e * (c - s)


def _d(mode: wb.Mode, f: Callable[..., Any]) -> Callable[..., Any]:
    """x -> the derivative of f at x from wb.gradient in ``mode`` (any variant)."""

    def df(x: Any) -> Any:
        return _only(wb.gradient(mode, f, x), mode)[0]

    return df


NESTED_PAIRS = [
    pytest.param(outer, inner, id=f"{outer!r}-over-{inner!r}")
    for outer, inner in itertools.product([wb.Forward, wb.Reverse], ALL_MODES)
]
PLAIN_PAIRS = [p for p in NESTED_PAIRS if not p.values[1].with_primal]
NESTED_TRIPLES = [
    pytest.param(m3, m2, m1, id=f"{m3!r}-{m2!r}-{m1!r}")
    for m3, m2, m1 in itertools.product([wb.Forward, wb.Reverse], repeat=3)
]
X0 = 0.7
XS = np.linspace(-1.0, 1.5, 4)
_D2_SIN_EXP = jax.jit(jax.vmap(jax.grad(jax.grad(_sin_exp))))
_D3_SIN_EXP = jax.jit(jax.vmap(jax.grad(jax.grad(jax.grad(_sin_exp)))))


def _analytic(order: int, xs: Any, dtype: Any) -> jax.Array:
    return jnp.asarray([_sin_exp_derivs(float(x))[order - 1] for x in np.ravel(xs)], dtype)


@pytest.mark.parametrize(
    ("outer", "inner", "dtype"),
    [pytest.param(*p.values, F64, id=f"{p.id}-float64") for p in NESTED_PAIRS]
    + [pytest.param(*p.values, F32, id=f"{p.id}-float32") for p in PLAIN_PAIRS],
)
def test_second_derivative(outer, inner, dtype):
    x = jnp.asarray(X0, dtype)
    d2 = _d(outer, _d(inner, _sin_exp))(x)
    _assert_matches(d2, _D2_SIN_EXP(x[None])[0])
    _assert_matches(d2, _analytic(2, X0, dtype)[0])


@pytest.mark.parametrize(("m3", "m2", "m1"), [NESTED_TRIPLES[i] for i in (0, 2, 5, 7)])
def test_third_derivative(m3, m2, m1):
    """Eager, for the pure and alternating nestings (all eight run in the vmap-of-jit test)."""
    x = jnp.asarray(X0, np.float64)
    d3 = _d(m3, _d(m2, _d(m1, _sin_exp)))(x)
    _assert_matches(d3, _D3_SIN_EXP(x[None])[0])
    _assert_matches(d3, _analytic(3, X0, np.float64)[0])


@pytest.mark.parametrize(("outer", "inner"), PLAIN_PAIRS)
def test_second_derivative_under_jit_and_vmap(outer, inner):
    d2 = _d(outer, _d(inner, _sin_exp))
    xs = jnp.asarray(XS)
    _assert_matches(wb.jit(d2)(xs[1]), _analytic(2, XS[1], np.float64)[0])
    got = jax.vmap(d2)(xs)
    _assert_matches(got, _D2_SIN_EXP(xs))
    _assert_matches(got, _analytic(2, XS, np.float64))


@pytest.mark.parametrize(
    ("m3", "m2", "m1", "dtype"),
    [pytest.param(*p.values, F64, id=f"{p.id}-float64") for p in NESTED_TRIPLES]
    + [pytest.param(*p.values, F32, id=f"{p.id}-float32") for p in NESTED_TRIPLES[::7]],
)
def test_third_derivative_under_vmap_of_jit(m3, m2, m1, dtype):
    d3 = wb.jit(_d(m3, _d(m2, _d(m1, _sin_exp))))
    xs = jnp.asarray(XS, dtype)
    got = jax.vmap(d3)(xs)
    _assert_matches(got, _D3_SIN_EXP(xs))
    _assert_matches(got, _analytic(3, XS, dtype))


def _hess_fn(x):
    w = jnp.arange(6.0, dtype=x.dtype).reshape(2, 3) / 5 - 0.5
    return jnp.sum(jnp.tanh(w @ x) ** 2) + jnp.sum(jnp.sin(x) * x**2)


_HESSIAN = jax.jit(jax.hessian(_hess_fn))
_HVP = jax.jit(lambda x, v: jax.jvp(jax.grad(_hess_fn), (x,), (v,))[1])


@pytest.mark.parametrize("dtype", REAL_DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize(("outer", "inner"), PLAIN_PAIRS)
def test_hessian_jacobian_of_gradient_under_jit(outer, inner, dtype):
    x = _build((3,), _rng("hess"), dtype)
    hessian = wb.jit(lambda x: _only(wb.jacobian(outer, _d(inner, _hess_fn), x), outer)[0])
    _assert_matches(hessian(x), _HESSIAN(x))


@pytest.mark.parametrize(
    ("outer", "inner", "dtype"),
    [pytest.param(*p.values, F64, id=f"{p.id}-float64") for p in PLAIN_PAIRS]
    + [pytest.param(*PLAIN_PAIRS[1].values, F32, id=f"{PLAIN_PAIRS[1].id}-float32")],
)
def test_hessian_vector_product_with_autodiff(outer, inner, dtype):
    """Outer autodiff over the inner directional derivative <grad f(x), v>, every mode pair;
    under wb.jit, and eager for forward-over-reverse in float64."""
    rng = _rng("hvp")
    x, v, u = (_build((3,), rng, dtype) for _ in range(3))

    def directional(x):
        if inner.is_forward:
            return wb.autodiff(inner, _hess_fn, wb.Duplicated(x, v))[0]
        (derivs,) = wb.autodiff(inner, _hess_fn, wb.Active(x))
        return jnp.vdot(derivs[0], v)

    def outer_derivative(x):
        if outer.is_forward:  # along u: u^T H v
            return wb.autodiff(outer, directional, wb.Duplicated(x, u))[0]
        return wb.autodiff(outer, directional, wb.Active(x))[0][0]  # H v

    eager = dtype == np.float64 and outer.is_forward and inner.is_reverse
    got = (outer_derivative if eager else wb.jit(outer_derivative))(x)
    hvp = _HVP(x, v)
    _assert_matches(got, jnp.vdot(u, hvp) if outer.is_forward else hvp)


@pytest.mark.parametrize(("outer", "inner"), PLAIN_PAIRS)
def test_mixed_partials_through_const(outer, inner):
    """d/dy of grad_x f(x, y) where y is Const for the inner gradient: the outer derivative must
    still flow through it (Const means no derivative at this level only). Under wb.jit."""
    rng = _rng("mixed-partials")
    x, y, s = _build((3,), rng, np.float64), _build((3,), rng, np.float64), 0.3

    def grad_x(y):
        derivs = _only(wb.gradient(inner, _multi_arg, x, wb.Const(y), wb.Const(s)), inner)
        assert derivs[1] is None and derivs[2] is None
        return derivs[0]

    (mixed,) = wb.jit(lambda y: _only(wb.jacobian(outer, grad_x, y), outer))(y)
    expected = jax.jit(jax.jacfwd(jax.grad(_multi_arg, argnums=0), argnums=1))(x, y, s)
    _assert_matches(mixed, expected)


@pytest.mark.parametrize(("outer", "inner"), PLAIN_PAIRS)
def test_nested_complex_gradient(outer, inner):
    """The Enzyme-convention gradient of |grad|^2 for f = sum|z|^2: grad = 2z, so 8z; in raw JAX,
    conj(jax.grad) of the same function written with jax.grad (JAX's own convention inside).
    Under wb.jit."""
    z = _build((3,), _rng("nested-complex"), np.complex128)

    def sq_norm_of_grad(z):
        return jnp.sum(jnp.abs(_d(inner, _abs2)(z)) ** 2)

    got = wb.jit(_d(outer, sq_norm_of_grad))(z)
    _assert_matches(got, 8 * z)
    expected = jnp.conj(jax.grad(lambda z: jnp.sum(jnp.abs(jnp.conj(jax.grad(_abs2)(z))) ** 2))(z))
    _assert_matches(got, expected)


@pytest.mark.parametrize("inner", [wb.Forward, wb.Reverse], ids=repr)
@pytest.mark.float64
def test_nested_derivatives_match_finite_differences(inner):
    """jax's first and second derivatives of wb.gradient (so the second and third derivatives of
    the function), checked against finite differences by jax.test_util.check_grads."""
    x = _build((3,), _rng("check_grads"), np.float64)
    grad = wb.jit(_d(inner, _hess_fn))
    outer = ("rev",) if inner.is_forward else ("fwd",)  # the mixed nestings; same ones are cheaper
    check_grads(grad, (x,), order=2, modes=outer, eps=FD_EPS, atol=FD_TOL, rtol=FD_TOL)


# --------------------------------------------------------------------------------------------------
# Composition with jax.jit / wb.jit / jax.vmap
# --------------------------------------------------------------------------------------------------


JIT_FNS = [fn for fn in REAL_SCALAR_FNS if fn.name in ("mlp", "multi_arg")]
JIT_CASES = [  # each mode once, under each jit, with a pytree and a multi-argument function
    pytest.param(JIT_FNS[0], jax.jit, wb.Forward, id="mlp-jax.jit-Forward"),
    pytest.param(JIT_FNS[1], wb.jit, wb.ForwardWithPrimal, id="multi_arg-wb.jit-ForwardWithPrimal"),
    pytest.param(JIT_FNS[1], jax.jit, wb.Reverse, id="multi_arg-jax.jit-Reverse"),
    pytest.param(JIT_FNS[0], wb.jit, wb.ReverseWithPrimal, id="mlp-wb.jit-ReverseWithPrimal"),
]


@pytest.mark.parametrize(("fn", "jit", "mode"), JIT_CASES)
def test_gradient_under_jit(fn, jit, mode):
    vals = _args(fn, np.float32)
    _, grads = _oracle_grads(fn.f, vals, tuple(range(len(vals))))
    result = jit(lambda *a: wb.gradient(mode, fn.f, *a))(*vals)
    _assert_matches(_only(result, mode), tuple(grads))
    if mode.with_primal:
        _assert_matches(result.val, fn.f(*vals))


@pytest.mark.parametrize("mode", [wb.Forward, wb.ReverseWithPrimal], ids=repr)
@pytest.mark.parametrize("fn", JIT_FNS[:1], ids=repr)
def test_gradient_under_jit_of_vmap(fn, mode):
    batch = [_args(dataclasses.replace(fn, name=f"{fn.name}{k}"), np.float64) for k in range(3)]
    stacked = jax.tree.map(lambda *xs: jnp.stack(xs), *batch)
    got = jax.jit(jax.vmap(lambda *a: _only(wb.gradient(mode, fn.f, *a), mode)))(*stacked)
    expected = jax.jit(jax.vmap(jax.grad(fn.f, argnums=tuple(range(len(fn.specs))))))(*stacked)
    _assert_matches(got, expected)


@pytest.mark.parametrize(
    ("mode", "transform"), [(wb.ForwardWithPrimal, "jit"), (wb.Reverse, "jit-of-vmap")], ids=str
)
def test_jacobian_under_jit_and_vmap(mode, transform):
    (fn,) = _named("dict_out")
    vals = _args(fn, np.float64)

    def jac(*a):
        return _only(wb.jacobian(mode, fn.f, *a), mode)

    if transform == "jit":
        expected = tuple(_oracle("jacfwd", fn.f, i)(*vals) for i in range(2))
        _assert_matches(jax.jit(jac)(*vals), expected)
    else:
        xs = jnp.stack([vals[1], 2 * vals[1]])
        got = jax.jit(jax.vmap(lambda x: jac(vals[0], x)[1]))(xs)
        _assert_matches(got, jax.vmap(lambda x: _oracle("jacrev", fn.f, 1)(vals[0], x))(xs))


@pytest.mark.parametrize("mode", ALL_MODES, ids=repr)
def test_activities_cross_jit_boundary(mode):
    """Activities are pytrees: they can be jax.jit arguments, and derivatives stay correct."""
    fn = next(f for f in REAL_SCALAR_FNS if f.name == "multi_arg")
    vals = _args(fn, np.float64)
    rng = _rng("jit-activities")
    dx, dy, ds = (_like(v, rng) for v in vals)
    run = jax.jit(lambda *acts: wb.autodiff(mode, fn.f, *acts))

    if mode.is_forward:
        acts = (wb.Duplicated(vals[0], dx), wb.Duplicated(vals[1], dy), wb.Const(vals[2]))
        _assert_matches(run(*acts)[0], _oracle("jvp", fn.f, (0, 1))(vals, (dx, dy))[1])
        lanes = (
            wb.BatchDuplicated(vals[0], (dx, -dx)),
            vals[1],
            wb.BatchDuplicated(vals[2], (ds, ds)),
        )
        jvp = _oracle("jvp", fn.f, (0, 2))
        expected = tuple(jvp(vals, t)[1] for t in ((dx, ds), (-dx, ds)))
        _assert_matches(run(*lanes)[0], expected)
    else:
        acts = (wb.Active(vals[0]), wb.Duplicated(vals[1], dy), wb.Const(vals[2]))
        _, (gx, gy) = _oracle("grad", fn.f, (0, 1))(*vals)
        _assert_matches(run(*acts)[0], (gx, dy + gy, None))
    if mode.with_primal:
        _assert_matches(run(*acts)[1], fn.f(*vals))


@pytest.mark.parametrize("direction", [wb.Forward, wb.Reverse], ids=repr)
def test_autodiff_under_vmap(direction):
    """Activities built inside an (eager) jax.vmap, per batch element."""
    rng = _rng("vmap-autodiff")
    xs, dxs = _build((4, 2, 3), rng, np.float64), _build((4, 2, 3), rng, np.float64)

    def per_example(x, dx):
        result = wb.autodiff(direction, _sin_cos, wb.Duplicated(x, dx))
        return result[0] if direction.is_forward else result[0][0]

    got = jax.vmap(per_example)(xs, dxs)
    if direction.is_forward:
        expected = jax.vmap(lambda x, dx: _oracle("jvp", _sin_cos, (0,))([x], [dx])[1])(xs, dxs)
    else:
        expected = dxs + jax.vmap(lambda x: _oracle("grad", _sin_cos, 0)(x)[1])(xs)
    _assert_matches(got, expected)
