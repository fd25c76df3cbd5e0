"""Periodic checkpointing for trip counts known only when the loop runs: ``wb.while_loop`` with
``max_steps`` and ``wb.fori_loop`` with traced bounds (and ``max_steps``). A snapshot every ``p``
steps needs only the count of steps so far; the bound sizes the snapshots.

Oracles: the same body in a plain Python loop of the run-time trip count, differentiated by
``jax.grad`` / ``jax.jvp``; finite differences in float64.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax
from jax.test_util import check_grads

import workbench as wb
from tests.tolerances import FLOAT, tol

MAX = 10


def step(i: Any, y: Any, w: Any) -> Any:
    return jnp.sin(y) * w + 0.05 * jnp.asarray(i, y.dtype)


def python_loop(x: Any, n: int) -> Any:
    w, y = x[0], x[1:]
    for i in range(n):
        y = step(i, y, w)
    return jnp.sum(y * y)


def fori(x: Any, n: Any, scheme: Any) -> Any:
    w, y = x[0], x[1:]
    out = wb.fori_loop(0, n, lambda i, y: step(i, y, w), y, checkpointing=scheme, max_steps=MAX)
    return jnp.sum(out * out)


def while_(x: Any, n: Any, scheme: Any) -> Any:
    w, y = x[0], x[1:]
    _, out = wb.while_loop(
        lambda c: c[0] < n,
        lambda c: (c[0] + 1, step(c[0], c[1], w)),
        (jnp.int32(0), y),
        checkpointing=scheme,
        max_steps=MAX,
    )
    return jnp.sum(out * out)


SCHEMES = [wb.Periodic(1), wb.Periodic(3), wb.Periodic(4), True, wb.Periodic(MAX + 5)]
TRIPS = [0, 1, 3, 5, 7, MAX]  # zero, multiples of 3 and not, the bound itself


@pytest.mark.parametrize("scheme", SCHEMES, ids=repr)
@pytest.mark.parametrize("loop", [fori, while_], ids=["fori traced bounds", "while"])
def test_periodic_with_runtime_trip_count_matches_python_loop(loop: Any, scheme: Any) -> None:
    x = jnp.asarray([0.9, 0.3, -1.2, 2.0], FLOAT)
    v = jnp.asarray([1.0, -0.5, 0.25, 2.0], FLOAT)
    value = jax.jit(lambda x, n: loop(x, n, scheme))
    grad = jax.jit(jax.grad(lambda x, n: loop(x, n, scheme)))
    hvp = jax.jit(lambda x, n: jax.jvp(lambda x: jax.grad(loop)(x, n, scheme), (x,), (v,))[1])
    jvp = jax.jit(lambda x, n: jax.jvp(lambda x: loop(x, n, scheme), (x,), (v,))[1])
    rtol, atol = tol(FLOAT)
    for n in TRIPS:
        t = jnp.int32(n)
        want_hvp = jax.jvp(lambda x, n=n: jax.grad(python_loop)(x, n), (x,), (v,))[1]
        np.testing.assert_allclose(value(x, t), python_loop(x, n), rtol=rtol, atol=atol)
        np.testing.assert_allclose(grad(x, t), jax.grad(python_loop)(x, n), rtol=rtol, atol=atol)
        np.testing.assert_allclose(hvp(x, t), want_hvp, rtol=rtol, atol=atol)
        want_jvp = jax.jvp(lambda x, n=n: python_loop(x, n), (x,), (v,))[1]
        np.testing.assert_allclose(jvp(x, t), want_jvp, rtol=rtol, atol=atol)


def test_periodic_with_runtime_trip_count_under_vmap_each_member_its_own_count() -> None:
    x = jnp.asarray([0.9, 0.3, -1.2, 2.0], FLOAT)
    trips = [0, 4, 7]
    f = lambda n: jax.grad(while_)(x, n, wb.Periodic(3))
    got = jax.jit(jax.vmap(f))(jnp.asarray(trips, jnp.int32))
    want = np.stack([jax.grad(python_loop)(x, n) for n in trips])
    np.testing.assert_allclose(got, want, *tol(FLOAT))


def test_max_steps_stops_a_fori_loop_with_traced_bounds() -> None:
    x = jnp.asarray([0.9, 0.3, -1.2, 2.0], FLOAT)
    for scheme in (False, wb.Periodic(3), wb.Binomial(2)):
        got = jax.jit(jax.grad(lambda x, n, s=scheme: fori(x, n, s)))(x, jnp.int32(MAX + 4))
        np.testing.assert_allclose(got, jax.grad(python_loop)(x, MAX), *tol(FLOAT))


@pytest.mark.float64
def test_periodic_with_runtime_trip_count_against_finite_differences() -> None:
    x = jnp.asarray([0.9, 0.3, -1.2, 2.0], jnp.float64)
    for loop in (fori, while_):
        f = jax.jit(lambda x, loop=loop: loop(x, jnp.int32(7), wb.Periodic(3)))
        check_grads(f, (x,), order=2, modes=["rev", "fwd"], eps=1e-5, atol=1e-5)


def test_periodic_with_runtime_trip_count_keeps_snapshots_not_every_step() -> None:
    """Reverse mode keeps about max_steps / p snapshots and one taped segment: far less than
    store-all (the same bound, ``checkpointing=False``) for a body with residuals per step."""
    width, bound = 2000, 100

    def loss(y: Any, n: Any, scheme: Any) -> Any:
        out = wb.while_loop(
            lambda c: c[0] < n,
            lambda c: (c[0] + 1, jnp.sin(c[1]) * 1.01),
            (jnp.int32(0), y),
            checkpointing=scheme,
            max_steps=bound,
        )[1]
        return jnp.sum(out)

    def temp(scheme: Any) -> int:
        g = jax.jit(jax.grad(lambda y, n: loss(y, n, scheme)))
        compiled = g.lower(jnp.ones(width, jnp.float32), jnp.int32(bound)).compile()
        return compiled.memory_analysis().temp_size_in_bytes

    store_all, periodic = temp(False), temp(wb.Periodic(10))
    row = width * 4
    assert store_all >= bound * row  # one residual per step at least
    assert periodic <= 30 * row, (periodic, store_all)


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (
            lambda: jax.jit(
                lambda n: wb.fori_loop(0, n, lambda i, y: y, 1.0, checkpointing=wb.Periodic(2))
            )(5),
            r"only known when the program runs.*Pass max_steps=.*wb.Binomial\(s\)",
        ),
        (
            lambda: wb.while_loop(lambda y: y < 1, lambda y: y, 0.5, checkpointing=wb.Periodic(2)),
            r"Periodic\(p\) keeps a snapshot every p steps.*Pass max_steps=.*Binomial\(s\)",
        ),
        (
            lambda: wb.fori_loop(0, 3, lambda i, y: y, 1.0, max_steps=-1),
            r"max_steps must be a non-negative int or None, got",
        ),
    ],
)
def test_periodic_without_a_bound_is_refused_saying_what_to_do(call: Any, pattern: str) -> None:
    with pytest.raises(wb.CheckpointingError, match=pattern):
        call()


def test_oracle_is_not_the_workbench() -> None:
    """The Python loop and a lax.scan agree (the oracle itself is sound)."""
    x = jnp.asarray([0.9, 0.3, -1.2, 2.0], FLOAT)
    w, y = x[0], x[1:]
    scanned = lax.scan(lambda y, i: (step(i, y, w), None), y, jnp.arange(5))[0]
    np.testing.assert_allclose(python_loop(x, 5), jnp.sum(scanned * scanned), *tol(FLOAT))
