"""Every AD example of the Reactant.jl + Enzyme.jl tutorial, with the tutorial's numbers.

The expected values are the ones the tutorial prints (reference/reactant-autodiff-tutorial.txt),
which are also the analytic values; each example also runs under wb.jit as the tutorial's @jit.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import workbench as wb
from workbench import (
    BatchDuplicated,
    Const,
    Duplicated,
    Forward,
    ForwardWithPrimal,
    Reverse,
    ReverseWithPrimal,
)


def square(x):
    return x**2


def sum_abs2(x):
    return jnp.sum(jnp.abs(x) ** 2)


def f32(*values):
    return wb.to_rarray(np.array(values, np.float32))


@pytest.fixture(params=["eager", "jit"])
def run(request):
    """Runs a function eagerly or under wb.jit (the tutorial's @jit)."""
    return (lambda f, *a: f(*a)) if request.param == "eager" else (lambda f, *a: wb.jit(f)(*a))


def test_forward_mode(run):
    x = f32(3.0, 4.0, 5.0)
    (tangent,) = run(lambda x: wb.autodiff(Forward, square, Duplicated(x, jnp.ones_like(x))), x)
    np.testing.assert_array_equal(tangent, [6.0, 8.0, 10.0])
    assert tangent.dtype == jnp.float32


def test_forward_mode_with_primal(run):
    x = f32(3.0, 4.0, 5.0)
    tangent, primal = run(
        lambda x: wb.autodiff(ForwardWithPrimal, square, Duplicated(x, jnp.ones_like(x))), x
    )
    np.testing.assert_array_equal(primal, [9.0, 16.0, 25.0])
    np.testing.assert_array_equal(tangent, [6.0, 8.0, 10.0])


def test_forward_gradient(run):
    (grad,) = run(lambda x: wb.gradient(Forward, sum_abs2, x), f32(1.0, 2.0, 3.0))
    np.testing.assert_array_equal(grad, [2.0, 4.0, 6.0])


def test_reverse_gradient(run):
    (grad,) = run(lambda x: wb.gradient(Reverse, lambda x: jnp.sum(x**3), x), f32(1.0, 2.0, 3.0))
    np.testing.assert_array_equal(grad, [3.0, 12.0, 27.0])


def test_reverse_with_primal(run):
    result = run(
        lambda x: wb.gradient(ReverseWithPrimal, lambda x: jnp.sum(x**3), x), f32(1.0, 2.0, 3.0)
    )
    assert float(result.val) == 36.0
    np.testing.assert_array_equal(result.derivs[0], [3.0, 12.0, 27.0])


def test_multi_argument(run):
    def multi_arg_func(x, y):
        return jnp.sum(x * y**2)

    dx, dy = run(lambda x, y: wb.gradient(Reverse, multi_arg_func, x, y), f32(1, 2), f32(3, 4))
    np.testing.assert_array_equal(dx, [9.0, 16.0])
    np.testing.assert_array_equal(dy, [6.0, 16.0])


def test_vector_mode(run):
    x = wb.to_rarray(np.arange(1, 5, dtype=np.float32))
    onehot_vectors = wb.jit(wb.onehot)(x)
    (lanes,) = run(
        lambda x, oh: wb.autodiff(Forward, sum_abs2, BatchDuplicated(x, oh)), x, onehot_vectors
    )
    assert isinstance(lanes, tuple) and len(lanes) == 4
    np.testing.assert_array_equal(np.stack(lanes), [2.0, 4.0, 6.0, 8.0])


@pytest.mark.float64
def test_nested_second_derivative(run):
    def power4(x):
        return x**4

    def first_deriv(x):
        return wb.gradient(Reverse, power4, x)[0]

    def second_deriv(x):
        return wb.gradient(Reverse, first_deriv, x)[0]

    result = run(second_deriv, wb.to_rarray(3.1))
    assert result.dtype == jnp.float64
    # The tutorial prints 115.32000000000002; analytically 12 * 3.1**2.
    np.testing.assert_allclose(float(result), 115.32000000000002, rtol=1e-15)
    np.testing.assert_allclose(float(result), 12 * 3.1**2, rtol=1e-15)


def test_division_by_zero_regular_gradient_is_nan(run):
    # The tutorial's "regular gradient" row; strong zero is its own issue.
    (grad,) = run(
        lambda x: wb.gradient(Reverse, lambda x: jnp.minimum(1.0, 1 / x), x), wb.to_rarray(0.0)
    )
    assert np.isnan(float(grad))


@pytest.mark.float64
def test_ignore_derivatives(run):
    def func_with_ignore(x):
        ignored_sum = wb.ignore_derivatives(jnp.sum(x))
        return jnp.sum(x**2) + ignored_sum

    (grad,) = run(
        lambda x: wb.gradient(Reverse, func_with_ignore, x), wb.to_rarray(np.array([1.0, 2, 3]))
    )
    assert grad.dtype == jnp.float64
    np.testing.assert_array_equal(grad, [2.0, 4.0, 6.0])


@pytest.mark.float64
def test_complex_gradient_follows_enzyme(run):
    z = wb.to_rarray(np.array([1.0 + 2.0j, 3.0 + 4.0j]))
    (grad,) = run(lambda z: wb.gradient(Reverse, sum_abs2, z), z)
    assert grad.dtype == jnp.complex128
    np.testing.assert_array_equal(grad, [2.0 + 4.0j, 6.0 + 8.0j])
    # JAX's own convention is the conjugate.
    np.testing.assert_array_equal(jax.grad(sum_abs2)(z), np.conj([2.0 + 4.0j, 6.0 + 8.0j]))


def test_training_step_decreases_loss_and_matches_jax():
    """The tutorial's network and compiled training step (random data cannot match Julia's)."""
    rng = np.random.default_rng(0)
    x = wb.to_rarray(rng.random((10, 32), dtype=np.float32))
    y = wb.to_rarray(
        2 * np.sum(np.asarray(x) ** 2, axis=0, keepdims=True)
        + rng.random((1, 32), dtype=np.float32) * np.float32(0.001)
    )
    params = [
        wb.to_rarray(rng.random(s, dtype=np.float32)) for s in [(20, 10), (1, 20), (20,), (1,)]
    ]

    def neural_net(x, w1, w2, b1, b2):
        h = jnp.tanh(w1 @ x + b1[:, None])
        return w2 @ h + b2[:, None]

    def loss(x, y, w1, w2, b1, b2):
        return jnp.sum(jnp.abs(neural_net(x, w1, w2, b1, b2) - y) ** 2)

    def train_step(x, y, w1, w2, b1, b2, lr):
        result = wb.gradient(ReverseWithPrimal, loss, Const(x), Const(y), w1, w2, b1, b2)
        val, derivs = result.val, result.derivs
        assert derivs[0] is None and derivs[1] is None
        new = [p - lr * d for p, d in zip((w1, w2, b1, b2), derivs[2:], strict=True)]
        return val, *new

    lr = np.float32(0.001)
    step = wb.compile(train_step, x, y, *params, lr)

    def reference_step(x, y, w1, w2, b1, b2, lr):
        val, grads = jax.value_and_grad(loss, argnums=(2, 3, 4, 5))(x, y, w1, w2, b1, b2)
        return val, *[p - lr * g for p, g in zip((w1, w2, b1, b2), grads, strict=True)]

    reference = jax.jit(reference_step)
    ours, theirs = list(params), list(params)
    losses = []
    for _ in range(100):
        val, *ours = step(x, y, *ours, lr)
        ref_val, *theirs = reference(x, y, *theirs, lr)
        np.testing.assert_allclose(val, ref_val, rtol=1e-5)
        losses.append(float(val))
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    assert losses[-1] < losses[0]
