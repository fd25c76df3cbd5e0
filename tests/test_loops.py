"""Checkpointed loops: derivatives equal a plain lax.scan's; evaluations equal the plan's."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

import workbench as wb
from tests.tolerances import FLOAT, assert_close, tol

SCHEMES = [
    False,
    True,
    wb.Periodic(3),
    wb.Binomial(1),
    wb.Binomial(2),
    wb.Binomial(5),
    wb.Binomial(64),
    wb.MemoryBudget(3 * 8 * 4),
]
TRIP_COUNTS = [1, 3, 13, 40]  # one step, fewer steps than snapshots, a prime, more


def counter_body(xs, w):
    """A body that indexes an array by the loop counter and closes over a parameter."""

    def body(i, carry):
        y, k = carry
        return jnp.sin(y) * w + xs[i] * y, k + 1

    return body


def loss(params, n, scheme, mincut=False):
    w, xs, y0 = params
    y, k = wb.fori_loop(
        0, n, counter_body(xs, w), (y0, jnp.int32(0)), checkpointing=scheme, mincut=mincut
    )
    return jnp.sum(y**2) + k


def scan_loss(params, n):
    """The oracle: the same loop as a plain lax.scan."""
    w, xs, y0 = params

    def step(carry, i):
        return counter_body(xs, w)(i, carry), None

    (y, k), _ = lax.scan(step, (y0, jnp.int32(0)), jnp.arange(n))
    return jnp.sum(y**2) + k


@functools.cache
def scan_gradient(n):
    return jax.jit(jax.grad(lambda p: scan_loss(p, n)))(make_params(n))


def make_params(n, width=3, dtype=FLOAT):
    k = jax.random.split(jax.random.key(n), 3)
    return (
        jax.random.uniform(k[0], (width,), dtype, 0.5, 1.0),
        jax.random.uniform(k[1], (n, width), dtype, -0.3, 0.3),
        jax.random.uniform(k[2], (width,), dtype, -1.0, 1.0),
    )


@pytest.mark.parametrize("scheme", SCHEMES, ids=repr)
def test_reverse_mode_equals_plain_scan(scheme):
    for n in TRIP_COUNTS:
        params = make_params(n)
        ours = jax.jit(jax.grad(lambda p, n=n: loss(p, n, scheme)))(params)
        assert_close(ours, scan_gradient(n))


@pytest.mark.parametrize("scheme", [True, wb.Binomial(4)], ids=repr)
def test_float32_and_mincut(scheme):
    n = 17
    params = make_params(n, dtype=jnp.float32)
    expected = jax.grad(lambda p: scan_loss(p, n))(params)
    for mincut in (False, True):
        assert_close(jax.grad(lambda p, m=mincut: loss(p, n, scheme, m))(params), expected)


@pytest.mark.parametrize("scheme", SCHEMES, ids=repr)
@pytest.mark.parametrize("mode", [wb.Forward, wb.Reverse], ids=repr)
def test_workbench_modes_through_every_scheme(scheme, mode):
    n = 11
    params = make_params(n)
    expected = jax.jacfwd(lambda p: scan_loss(p, n))(params)
    ours = wb.gradient(mode, lambda p: loss(p, n, scheme), params)[0]
    assert_close(ours, expected)


def test_forward_over_reverse_and_jit():
    n = 9
    w, xs, y0 = make_params(n)
    inner = lambda w: wb.gradient(wb.Reverse, lambda w: loss((w, xs, y0), n, wb.Binomial(3)), w)[0]
    hessian = wb.jit(lambda w: wb.jacobian(wb.Forward, inner, w)[0])(w)
    assert_close(hessian, jax.hessian(lambda w: scan_loss((w, xs, y0), n))(w))


def count_evaluations(run):
    """Runs ``run(body_wrapper)`` and returns the loop counters the body saw, in order.

    The callback also reads the carry, so that XLA runs it where the step runs: a callback of
    the index alone depends on nothing the loop computes and may be scheduled earlier."""
    seen = []

    def wrap(body):
        def counted(i, carry):
            jax.debug.callback(lambda i, _: seen.append(int(i)), i, jax.tree.leaves(carry)[0])
            return body(i, carry)

        return counted

    run(wrap)
    jax.effects_barrier()
    return seen


@pytest.mark.parametrize(
    ("scheme", "n"),
    [
        (wb.Binomial(3), 20),
        (wb.Binomial(4), 37),
        (wb.Binomial(2), 1),
        (wb.Binomial(10), 100),
        (wb.Binomial(10), 1000),
        (wb.Binomial(50), 13),
        (wb.Periodic(4), 10),
        (True, 17),
        (False, 8),
    ],
    ids=repr,
)
def test_evaluations_follow_the_plan_exactly(scheme, n):
    params = make_params(n)

    def run(wrap):
        def f(p):
            w, xs, y0 = p
            y, _ = wb.fori_loop(
                0, n, wrap(counter_body(xs, w)), (y0, jnp.int32(0)), checkpointing=scheme
            )
            return jnp.sum(y)

        jax.jit(jax.grad(f))(params)

    plan = wb.checkpoint_schedule(n, scheme)
    seen = count_evaluations(run)
    if isinstance(scheme, wb.Binomial):
        assert seen == plan.evaluation_order()  # the recompute order, step by step
    else:  # scan/remat evaluate the same steps; XLA may order independent segments freely
        assert sorted(seen) == sorted(plan.evaluation_order())
    assert len(seen) == plan.evaluations


def test_mincut_keeps_fewer_residuals():
    n, width = 50, 256
    x = jnp.linspace(0.1, 1.0, width)

    def f(y0, x, mincut):
        return jnp.sum(wb.fori_loop(0, n, lambda i, y: jnp.sin(y) * x, y0, mincut=mincut))

    def temp_bytes(mincut):
        grad = jax.jit(jax.grad(lambda y, x: f(y, x, mincut), argnums=(0, 1)))
        return grad.lower(x, x).compile().memory_analysis().temp_size_in_bytes

    plain, cut = temp_bytes(False), temp_bytes(True)
    per_step = width * x.dtype.itemsize
    # d/dy needs cos(y), d/dx needs sin(y): plain reverse keeps both, two arrays a step;
    # min-cut keeps only the step's input y and recomputes sin and cos.
    assert plain >= 1.8 * n * per_step
    assert cut <= 1.3 * n * per_step
    grads = [jax.grad(lambda y, x, m=m: f(y, x, m), argnums=(0, 1))(x, x) for m in (True, False)]
    assert_close(*grads)


@pytest.mark.parametrize("derivative", [jax.grad, jax.hessian], ids=lambda d: d.__name__)
def test_compiled_program_does_not_grow_with_trip_count(derivative):
    def hlo_size(n):
        f = lambda y: jnp.sum(
            wb.fori_loop(0, n, lambda i, y: jnp.sin(y) * 1.1, y, checkpointing=wb.Binomial(10))
        )
        return len(jax.jit(derivative(f)).lower(jnp.ones(4)).compile().as_text())

    assert hlo_size(10_000) <= 1.1 * hlo_size(100)


def temp_bytes(fn, *args):
    return jax.jit(fn).lower(*args).compile().memory_analysis().temp_size_in_bytes


def test_binomial_keeps_its_snapshots_only_in_first_and_second_order():
    """N = 10,000 steps of a float32[1000] carry (4 KB): store-all keeps every step (about
    80 MB); Binomial(10) its 10 snapshots, in the gradient and in a Hessian-vector product."""
    n = 10_000
    x = jnp.linspace(0.1, 1.0, 1000, dtype=jnp.float32)

    def loss(x, scheme):
        return jnp.sum(wb.fori_loop(0, n, lambda i, y: jnp.sin(y) * x, x, checkpointing=scheme))

    grad = lambda scheme: jax.grad(lambda x: loss(x, scheme))
    assert temp_bytes(grad(False), x) >= 70e6
    assert temp_bytes(grad(wb.Binomial(10)), x) <= 2e6
    hvp = lambda x, v: jax.jvp(grad(wb.Binomial(10)), (x,), (v,))[1]
    assert temp_bytes(hvp, x, x) <= 4e6


def test_nested_checkpointed_loops():
    def f(x):
        def outer(i, y):
            return wb.fori_loop(
                0, 5, lambda j, z: jnp.sin(z) * x + 0.01 * j, y, checkpointing=wb.Binomial(2)
            )

        return jnp.sum(wb.fori_loop(0, 6, outer, x, checkpointing=wb.Binomial(3)))

    def plain(x):
        def outer(i, y):
            return lax.fori_loop(0, 5, lambda j, z: jnp.sin(z) * x + 0.01 * j, y)

        return jnp.sum(lax.fori_loop(0, 6, outer, x))

    x = jnp.array([0.3, 0.7])
    assert_close(jax.grad(f)(x), jax.grad(plain)(x))


def test_tutorial_loop_with_checkpointing():
    """The tutorial's f_checkpointing: y .*= x nine times, with and without checkpointing."""

    def f(x, enable):
        return wb.fori_loop(0, 9, lambda i, y: y * x, x, checkpointing=enable)

    x = jnp.array([1.1, 0.9, 1.2])
    for enable in (False, True):
        (jac,) = wb.jacobian(wb.Reverse, f, x, wb.Const(enable))[:1]
        np.testing.assert_allclose(jnp.diag(jac), 10 * x**9, rtol=tol(x.dtype)[0])


@pytest.mark.parametrize(
    "scheme", [wb.Binomial(1), wb.Binomial(3), wb.Binomial(40), wb.MemoryBudget(64), True], ids=repr
)
def test_while_loop_online_binomial(scheme):
    def f(x):
        return wb.while_loop(
            lambda y: y[0] < 50.0, lambda y: y * x + 0.1, x, checkpointing=scheme, max_steps=100
        )

    def plain(x, n):
        return lax.fori_loop(0, n, lambda i, y: y * x + 0.1, x)

    x = jnp.array([1.3, 1.1])
    n = int(
        lax.while_loop(lambda c: c[1][0] < 50.0, lambda c: (c[0] + 1, c[1] * x + 0.1), (0, x))[0]
    )
    np.testing.assert_array_equal(f(x), plain(x, n))
    assert_close(jax.jacrev(f)(x), jax.jacrev(lambda x: plain(x, n))(x))


def test_while_loop_counts_one_sweep_more_than_offline():
    n, seen = 23, []

    def body(c):
        jax.debug.callback(lambda: seen.append(1), ordered=False)
        return c[0] * 1.01, c[1] + 1

    # The step count is an integer's (n steps in any precision), not a float threshold's.
    loop = lambda x: wb.while_loop(lambda c: c[1] < n, body, (x, 0), checkpointing=wb.Binomial(3))
    jax.grad(lambda x: loop(x)[0])(0.5)
    jax.effects_barrier()
    assert len(seen) == n + wb.checkpoint_schedule(n, wb.Binomial(3)).evaluations


def test_while_loop_store_all_needs_max_steps():
    f = lambda x, m: wb.while_loop(lambda y: y < 10.0, lambda y: y * x, x, max_steps=m)
    assert_close(jax.grad(lambda x: f(x, 20))(1.5), jax.grad(lambda x: x**6)(1.5))
    with pytest.raises(ValueError, match="Reverse-mode differentiation does not work"):
        jax.grad(lambda x: f(x, None))(1.5)


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (
            lambda: jax.jit(
                lambda n: wb.fori_loop(0, n, lambda i, y: y, 1.0, checkpointing=wb.Periodic(2))
            )(5),
            r"only known when the program runs.*wb.Binomial\(s\)",
        ),
        (
            lambda: wb.fori_loop(
                0,
                3,
                lambda i, y: y.astype(jnp.float16),
                jnp.ones(2, jnp.float32),
                checkpointing=True,
            ),
            r"changes the carry from float32\[2\] to float16\[2\].*astype",
        ),
        (
            lambda: wb.fori_loop(0, 3, lambda i, y: jnp.ones(3, y.dtype), jnp.ones(2, jnp.float32)),
            r"changes the carry from float32\[2\] to float32\[3\]",
        ),
        (
            lambda: wb.fori_loop(0, 3, lambda i, y: (y, y), jnp.ones(2)),
            r"returns a carry of structure",
        ),
        (
            lambda: wb.fori_loop(
                0,
                3,
                lambda i, y: y,
                jnp.ones(1000, jnp.float32),
                checkpointing=wb.MemoryBudget(100),
            ),
            r"MemoryBudget\(100\) is smaller than one snapshot.*4000 bytes",
        ),
        (
            lambda: wb.while_loop(lambda y: y < 1, lambda y: y, 0.5, checkpointing=wb.Periodic(2)),
            r"Periodic\(p\) keeps a snapshot every p steps.*max_steps.*Binomial\(s\)",
        ),
        (
            lambda: wb.while_loop(lambda y: y < 1, lambda y: y, 0.5, checkpointing=True),
            r"checkpointing=True sizes about sqrt\(N\) snapshots.*max_steps",
        ),
        (
            lambda: wb.fori_loop(0, 3, lambda i, y: y, 1.0, checkpointing="yes"),
            r"checkpointing must be False, True",
        ),
    ],
)
def test_loop_errors(call, pattern):
    with pytest.raises(wb.CheckpointingError, match=pattern):
        call()
