"""Strong zero: a zero derivative factor wins over inf/NaN; everything else is untouched.

Oracles: the tutorial's values; the "double where" rewrite that JAX users write by hand (which
gives the gradient strong zero promises, computed by plain jax.grad); plain jax.grad/jvp for
smooth functions (bit for bit); and an elementwise definition of a strong-zero dot product.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

import workbench as wb
from tests.tolerances import FLOAT, tol
from workbench import Forward, Reverse, set_strong_zero
from workbench._src.ad.strong_zero_rules import RULES

SZ_REVERSE, SZ_FORWARD = set_strong_zero(Reverse), set_strong_zero(Forward)
SZ_MODES = [SZ_REVERSE, SZ_FORWARD]


def div_by_zero(x):
    return jnp.minimum(1.0, 1 / x)


def grad_with(mode):
    return lambda f, *a: wb.gradient(mode, f, *a)[0]


@pytest.mark.parametrize("mode", [Reverse, Forward], ids=repr)
def test_plain_modes_keep_nan(mode):
    assert np.isnan(wb.gradient(mode, div_by_zero, 0.0)[0])


def test_tutorial_reverse_is_negative_zero():
    g = wb.gradient(SZ_REVERSE, div_by_zero, wb.to_rarray(0.0))[0]
    assert float(g) == 0.0 and np.signbit(g), "the tutorial prints -0.0"


def test_tutorial_forward_is_zero():
    (t,) = wb.autodiff(SZ_FORWARD, div_by_zero, wb.Duplicated(wb.to_rarray(0.0), 1.0))
    assert float(t) == 0.0


@pytest.mark.parametrize("mode", SZ_MODES, ids=repr)
def test_away_from_the_singularity_it_is_the_ordinary_derivative(mode):
    for x in [0.25, 0.5, 2.0, -3.0]:
        assert wb.gradient(mode, div_by_zero, x)[0] == jax.grad(div_by_zero)(x)


@pytest.mark.parametrize("mode", SZ_MODES, ids=repr)
def test_under_jit_and_vmap(mode):
    xs = jnp.array([0.0, 0.5, 2.0, 0.0, -1.0])
    batched = wb.jit(jax.vmap(lambda x: wb.gradient(mode, div_by_zero, x)[0]))(xs)
    expected = jax.vmap(jax.grad(div_by_zero))(jnp.where(xs == 0, 1.0, xs))
    np.testing.assert_array_equal(batched, jnp.where(xs == 0, 0.0, expected))


# Singular functions guarded by one `where`, against the hand-written "double where" that gives
# the same derivative with plain JAX (the user's workaround that strong zero replaces).
GUARDED = [
    (
        "sqrt",
        lambda x: jnp.where(x > 0, jnp.sqrt(x), 0.0),
        lambda x: jnp.where(x > 0, jnp.sqrt(jnp.where(x > 0, x, 1.0)), 0.0),
    ),
    (
        "log",
        lambda x: jnp.where(x > 0, jnp.log(x), 0.0),
        lambda x: jnp.where(x > 0, jnp.log(jnp.where(x > 0, x, 1.0)), 0.0),
    ),
    (
        "division",
        lambda x: jnp.where(x != 0, 1 / x, 0.0),
        lambda x: jnp.where(x != 0, 1 / jnp.where(x != 0, x, 1.0), 0.0),
    ),
    (
        "x*log(x)",
        lambda x: jnp.where(x > 0, x * jnp.log(x), 0.0),
        lambda x: jnp.where(x > 0, x * jnp.log(jnp.where(x > 0, x, 1.0)), 0.0),
    ),
    (
        "pow",
        lambda x: jnp.where(x > 0, x**0.5 + x**-1, 0.0),
        lambda x: jnp.where(
            x > 0, jnp.where(x > 0, x, 1.0) ** 0.5 + jnp.where(x > 0, x, 1.0) ** -1, 0.0
        ),
    ),
]


@pytest.mark.parametrize("mode", SZ_MODES, ids=repr)
@pytest.mark.parametrize(("name", "f", "double_where"), GUARDED, ids=[g[0] for g in GUARDED])
def test_where_guarded_singularities(mode, name, f, double_where):
    xs = jnp.array([0.0, 0.0, 1.5, 4.0, -2.0])
    loss = lambda x: jnp.sum(f(x))
    assert np.isnan(jax.grad(loss)(xs)).any(), "the plain gradient must be NaN somewhere"
    expected = jax.grad(lambda x: jnp.sum(double_where(x)))(xs)
    np.testing.assert_array_equal(grad_with(mode)(loss, xs), expected)


def mlp_loss(params, x):
    w1, b1, w2 = params
    return jnp.mean(jnp.tanh(x @ w1 + b1) @ w2)


def scan_loss(x):
    def body(c, xi):
        return jnp.sin(c) * xi + 0.5 * c, jnp.cos(c)

    c, ys = lax.scan(body, x, jnp.linspace(0.1, 1.0, 50))
    return c + jnp.sum(ys)


def elementwise_loss(x):
    return jnp.sum(jnp.sin(x) * jnp.exp(-x) / (1 + x**2) + jnp.sqrt(1 + x**2) * jnp.tanh(x))


def _mlp_args():
    k = jax.random.split(jax.random.key(0), 4)
    params = (
        jax.random.normal(k[0], (8, 16)),
        jax.random.normal(k[1], (16,)),
        jax.random.normal(k[2], (16,)),
    )
    return params, wb.Const(jax.random.normal(k[3], (4, 8)))


def _both_gradients(mode, f, args, compiled):
    """(strong zero, plain) gradients of ``f`` at ``args``, compiled with wb.jit or eager."""
    plain = wb.Reverse if mode.is_reverse else wb.Forward
    run = wb.jit if compiled else (lambda g: g)
    ours = run(lambda *a: wb.gradient(mode, f, *a))(*args)
    reference = run(lambda *a: wb.gradient(plain, f, *a))(*args)
    return ours, reference


# The promise (strong_zero.py, set_strong_zero): where no inf or NaN is involved the derivative is
# the plain one up to rounding, at most ROUNDING_ULPS units in the last place of the largest entry
# of each result; in reverse mode through elementwise products, bit for bit, compiled or not.
# (Forward mode: the plain tangent program may fuse a product rule's multiply-add into one FMA
# where the guarded one does not. Matrix products: from JAX 0.11.2 on, XLA sums the MLP's
# reverse-mode product below in another order under jit, 1 ulp off on some entries.)
ROUNDING_ULPS = 4

SMOOTH = [
    ("mlp", mlp_loss, _mlp_args),
    ("scan", scan_loss, lambda: (0.3,)),
    ("elementwise", elementwise_loss, lambda: (jnp.linspace(-2.0, 3.0, 7),)),
]


@pytest.mark.parametrize("compiled", [True, False], ids=["jit", "eager"])
@pytest.mark.parametrize("mode", SZ_MODES, ids=repr)
@pytest.mark.parametrize(("name", "f", "make_args"), SMOOTH, ids=[c[0] for c in SMOOTH])
def test_smooth_functions_are_the_plain_derivative_up_to_rounding(
    mode, compiled, name, f, make_args
):
    args = make_args()
    ours, reference = _both_gradients(mode, f, args, compiled)
    for got, want in zip(jax.tree.leaves(ours), jax.tree.leaves(reference), strict=True):
        want = np.asarray(want)
        bound = ROUNDING_ULPS * np.finfo(want.dtype).eps * np.max(np.abs(want))
        np.testing.assert_allclose(got, want, rtol=0, atol=bound)
    oracle = jax.grad(f)(*(a.val if isinstance(a, wb.Const) else a for a in args))
    for got, want in zip(jax.tree.leaves(ours[0]), jax.tree.leaves(oracle), strict=True):
        rtol, atol = tol(np.asarray(want).dtype)
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


@pytest.mark.parametrize("compiled", [True, False], ids=["jit", "eager"])
def test_reverse_mode_through_elementwise_products_is_bit_for_bit(compiled):
    for _, f, make_args in SMOOTH[1:]:
        ours, reference = _both_gradients(SZ_REVERSE, f, make_args(), compiled)
        np.testing.assert_array_equal(ours[0], reference[0], err_msg=f.__name__)


# Inside nested jaxprs: each function hides the singular min(1, 1/x) inside a construct.
@jax.custom_jvp
def custom_recip(x):
    return 1 / x


custom_recip.defjvp(lambda p, t: (1 / p[0], -t[0] / p[0] ** 2))


@jax.custom_vjp
def vjp_recip(x):
    return 1 / x


vjp_recip.defvjp(lambda x: (1 / x, x), lambda x, g: (-g / x**2,))

NESTED = [
    ("jit", lambda x: jax.jit(div_by_zero)(x)),
    ("checkpoint", lambda x: jax.checkpoint(div_by_zero)(x)),
    (
        "scan",
        lambda x: lax.scan(lambda c, _: (div_by_zero(c) * 0.5 + c, None), x, None, length=2)[0],
    ),
    ("fori_loop", lambda x: lax.fori_loop(0, 2, lambda i, c: div_by_zero(c) + c, x)),
    ("cond", lambda x: lax.cond(x >= 0, div_by_zero, lambda y: 2 * y, x)),
    ("custom_jvp", lambda x: jnp.minimum(1.0, custom_recip(x))),
    ("custom_vjp", lambda x: jnp.minimum(1.0, vjp_recip(x))),
]


@pytest.mark.parametrize("mode", SZ_MODES, ids=repr)
@pytest.mark.parametrize(("name", "f"), NESTED, ids=[n[0] for n in NESTED])
def test_inside_nested_jaxprs(mode, name, f):
    if name == "custom_vjp" and mode.is_forward:
        pytest.skip("custom_vjp functions have no forward mode in JAX")
    plain = wb.Reverse if mode.is_reverse else wb.Forward
    assert np.isnan(wb.gradient(plain, f, 0.0)[0]), "the plain gradient must be NaN"
    g = wb.jit(lambda x: wb.gradient(mode, f, x)[0])(0.0)
    assert np.isfinite(g)
    # Away from 0 it is the plain derivative.
    np.testing.assert_allclose(
        wb.gradient(mode, f, 0.7)[0], wb.gradient(plain, f, 0.7)[0], rtol=1e-15
    )


# Through each construct that puts a jaxpr inside the derivative's jaxpr, on every JAX tested: the
# derivative of min(1, 1/x) at 0, NaN in plain reverse mode, is strong zero's zero with its sign
# (-0.0 in reverse mode), as without the construct.
def _called_trace(f):
    """``f`` called through ``jax.jit(f).trace(x)``: an ``eval_jaxpr`` equation from JAX 0.11.1
    (``closed_call`` before; inlined by 0.10.2)."""
    traced = jax.jit(f).trace(0.0)
    return lambda x: traced(x)


@jax.custom_vjp
def recip_with_while_in_backward(x):
    return 1 / x


def _recip_fwd(x):
    return 1 / x, x


def _recip_bwd(x, g):
    # JAX cannot reverse a while_loop; one in a custom backward pass puts it in the backward jaxpr.
    out, _ = lax.while_loop(lambda c: c[1] < 1, lambda c: (-(c[0] / x**2), c[1] + 1), (g, 0))
    return (out,)


recip_with_while_in_backward.defvjp(_recip_fwd, _recip_bwd)


def _while_loop_case(mode):
    if mode.is_reverse:
        return lambda x: jnp.minimum(1.0, recip_with_while_in_backward(x))
    return lambda x: lax.while_loop(
        lambda c: c[1] < 1, lambda c: (div_by_zero(c[0]), c[1] + 1), (x, 0)
    )[0]


THROUGH = [
    (
        "lax.scan",
        lambda mode: lambda x: lax.scan(lambda c, _: (div_by_zero(c), None), x, length=1)[0],
    ),
    ("fori_loop", lambda mode: lambda x: lax.fori_loop(0, 1, lambda i, c: div_by_zero(c), x)),
    ("while_loop", _while_loop_case),
    ("cond", lambda mode: lambda x: lax.cond(x >= 0, div_by_zero, lambda y: y, x)),
    ("jit(f).trace(x) called", lambda mode: _called_trace(div_by_zero)),
    ("checkpoint", lambda mode: jax.checkpoint(div_by_zero)),
]


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "jit"])
@pytest.mark.parametrize("mode", SZ_MODES, ids=repr)
@pytest.mark.parametrize(("name", "make"), THROUGH, ids=[c[0] for c in THROUGH])
def test_strong_zero_through(mode, compiled, name, make):
    f = make(mode)
    plain = wb.Reverse if mode.is_reverse else wb.Forward
    assert np.isnan(wb.gradient(plain, f, 0.0)[0]), "the plain derivative must be NaN"
    run = wb.jit if compiled else (lambda g: g)
    got = run(lambda x: wb.gradient(mode, f, x)[0])(0.0)
    expected = wb.gradient(mode, div_by_zero, 0.0)[0]
    assert float(got) == 0.0 and np.signbit(got) == np.signbit(expected), (name, got, expected)
    if mode.is_reverse:
        assert np.signbit(got), f"{name}: reverse mode gives -0.0, as the tutorial prints"


def test_forward_mode_through_while_loop():
    def f(x):
        return lax.while_loop(
            lambda c: c[1] < 3, lambda c: (div_by_zero(c[0]) + c[0], c[1] + 1), (x, 0)
        )[0]

    assert np.isnan(wb.gradient(Forward, f, 0.0)[0])
    g = wb.gradient(SZ_FORWARD, f, 0.0)[0]
    assert np.isfinite(g)
    np.testing.assert_allclose(wb.gradient(SZ_FORWARD, f, 0.7)[0], jax.jacfwd(f)(0.7), rtol=1e-14)


def test_batch_duplicated_and_jacobians():
    x = jnp.array([0.0, 2.0, 0.0])
    f = lambda x: jnp.minimum(1.0, 1 / x)
    expected = jnp.diag(jnp.where(x == 0, 0.0, -1 / jnp.where(x == 0, 1.0, x) ** 2))
    (lanes,) = wb.autodiff(SZ_FORWARD, f, wb.BatchDuplicated(x, wb.onehot(x)))
    np.testing.assert_array_equal(jnp.stack(lanes, axis=1), expected)
    for mode in SZ_MODES:
        np.testing.assert_array_equal(wb.jacobian(mode, f, x)[0], expected)


def test_nested_strong_zero_second_derivative():
    f = lambda x: jnp.sin(x) * x**3
    inner = lambda x: wb.gradient(SZ_REVERSE, f, x)[0]
    for outer in SZ_MODES:
        np.testing.assert_allclose(
            wb.gradient(outer, inner, 0.8)[0], jax.grad(jax.grad(f))(0.8), rtol=tol(FLOAT)[0]
        )


# The bilinear rule, checked entry by entry against its definition.
SPECIALS = np.array([0.0, -0.0, 1.5, -2.0, np.inf, -np.inf, np.nan])


def strong_zero_dot_oracle(d, p, direction):
    """sum_j d[i, j] * p[j, k], a term dropped when d (or, forward, p) is exactly zero."""
    with np.errstate(invalid="ignore"):
        terms = d[:, :, None] * p[None, :, :]
        drop = (d == 0)[:, :, None] | ((p == 0)[None] if direction == "forward" else False)
        return np.where(drop, 0.0, terms).sum(axis=1)


@pytest.mark.parametrize("direction", ["reverse", "forward"])
@pytest.mark.parametrize("derivative_first", [True, False])
def test_dot_general_rule_matches_its_definition(direction, derivative_first):
    """In the float dtype of the run (float64 with JAX_ENABLE_X64=1, else float32): the specials'
    products and sums are exact in both, so the oracle is exact too."""
    rng = np.random.default_rng(0)
    params = dict(
        dimension_numbers=(((1,), (0,)), ((), ())),
        precision=None,
        preferred_element_type=FLOAT,
        out_sharding=None,
    )
    flags = [derivative_first, not derivative_first]
    rule = jax.jit(lambda a, b: RULES[lax.dot_general_p](direction, [a, b], flags, **params)[0])
    weights = [0.3, 0.05, 0.2, 0.2, 0.1, 0.1, 0.05]
    for _ in range(20):
        d = rng.choice(SPECIALS, size=(3, 4), p=weights).astype(FLOAT)
        p = rng.choice(SPECIALS, size=(4, 2), p=weights).astype(FLOAT)
        expected = strong_zero_dot_oracle(d, p, direction)
        if derivative_first:
            np.testing.assert_array_equal(rule(d, p), expected)
        else:
            np.testing.assert_array_equal(rule(p.T, d.T), expected.T)


def test_matmul_with_an_infinite_primal_factor():
    w = jnp.array([[1.0, 0.0], [2.0, 4.0]])

    def loss(w):
        return jnp.sum(jnp.minimum(1.0, 1 / w) @ jnp.array([1.0, 2.0]))

    assert np.isnan(wb.gradient(Reverse, loss, w)[0]).any()
    safe = jnp.where(w == 0, 1.0, w)
    expected = jnp.where(
        w == 0,
        0.0,
        jax.grad(lambda w: jnp.sum(jnp.minimum(1.0, 1 / w) @ jnp.array([1.0, 2.0])))(safe),
    )
    np.testing.assert_array_equal(wb.gradient(SZ_REVERSE, loss, w)[0], expected)
