"""Dead code in checkpointed loops: a carry nobody reads disappears, with the snapshots reverse
mode would keep of it.

Oracles: the jaxpr after JAX's dead-code elimination (through the internals fence); the compiled
temp bytes of the same loop written without the unused carry; gradients of a plain ``lax.scan``.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

import workbench as wb
from tests.tolerances import FLOAT, tol
from workbench._src.internals import rules

WIDE = 20_000  # the unused carry: 80 kB a snapshot in float32
STEPS = 50


def body(i: Any, c: Any) -> Any:
    y, big = c
    return jnp.sin(y) * 1.01 + 0.001 * jnp.asarray(i, y.dtype), jnp.cos(big) + 1.0


def with_unused(kind: str, scheme: Any) -> Any:
    """The loop with a big carry whose final value nobody reads."""

    def f(x: Any, big: Any, n: Any = STEPS) -> Any:
        if kind == "while":
            _, y, _ = wb.while_loop(
                lambda c: c[0] < n,
                lambda c: (c[0] + 1, *body(c[0], c[1:])),
                (0, x, big),
                checkpointing=scheme,
                max_steps=STEPS,
            )
        else:
            y, _ = wb.fori_loop(0, n, body, (x, big), checkpointing=scheme)
        return jnp.sum(y * y)

    return f


def without(kind: str, scheme: Any) -> Any:
    """The same loop written without the big carry."""

    def f(x: Any, big: Any, n: Any = STEPS) -> Any:
        step = lambda i, y: body(i, (y, y[:1]))[0]
        if kind == "while":
            _, y = wb.while_loop(
                lambda c: c[0] < n,
                lambda c: (c[0] + 1, step(c[0], c[1])),
                (0, x),
                checkpointing=scheme,
                max_steps=STEPS,
            )
        else:
            y = wb.fori_loop(0, n, step, x, checkpointing=scheme)
        return jnp.sum(y * y)

    return f


def oracle(x: Any) -> Any:
    y = lax.scan(lambda y, i: (body(i, (y, y[:1]))[0], None), x, jnp.arange(STEPS))[0]
    return jnp.sum(y * y)


SCHEMES = [wb.Binomial(4), wb.MemoryBudget(10**6)]
KINDS = ["static", "traced bounds", "while"]


def grad_fn(kind: str, f: Any) -> tuple[Any, tuple[Any, ...]]:
    x, big = jnp.ones(4, jnp.float32), jnp.ones(WIDE, jnp.float32)
    if kind == "traced bounds":
        return jax.jit(jax.grad(f)), (x, big, jnp.int32(STEPS))
    return jax.jit(jax.grad(f)), (x, big)


@pytest.mark.parametrize("scheme", SCHEMES, ids=repr)
@pytest.mark.parametrize("kind", KINDS)
def test_an_unused_carry_costs_no_memory_in_the_gradient(kind: str, scheme: Any) -> None:
    def temp(f: Any) -> int:
        g, args = grad_fn(kind, f)
        return g.lower(*args).compile().memory_analysis().temp_size_in_bytes

    kept, alone = temp(with_unused(kind, scheme)), temp(without(kind, scheme))
    assert kept <= alone + 4 * WIDE, (kept, alone)  # not one snapshot of the big carry more


@pytest.mark.parametrize("scheme", SCHEMES, ids=repr)
@pytest.mark.parametrize("kind", KINDS)
def test_gradients_with_an_unused_carry_match_lax_scan(kind: str, scheme: Any) -> None:
    x, big = jnp.linspace(-1.0, 1.0, 4, dtype=FLOAT), jnp.ones(WIDE, FLOAT)
    f = with_unused(kind, scheme)
    if kind == "traced bounds":
        got = jax.jit(jax.grad(f))(x, big, jnp.int32(STEPS))
    else:
        got = jax.grad(f)(x, big)
    np.testing.assert_allclose(got, jax.grad(oracle)(x), *tol(FLOAT))
    hvp = jax.jvp(lambda x: jax.grad(f)(x, big), (x,), (jnp.ones_like(x),))[1]
    want = jax.jvp(jax.grad(oracle), (x,), (jnp.ones_like(x),))[1]
    np.testing.assert_allclose(hvp, want, *tol(FLOAT))


def loop_equations(jaxpr: Any) -> list[Any]:
    return [e for e in jaxpr.eqns if e.primitive.name == "checkpointed_loop"]


@pytest.mark.parametrize("kind", KINDS)
def test_dead_code_elimination_drops_the_unused_carry_from_the_loop(kind: str) -> None:
    x, big = jnp.ones(4, jnp.float32), jnp.ones(WIDE, jnp.float32)
    f = with_unused(kind, wb.Binomial(3))
    args = (x, big) if kind != "traced bounds" else (x, big, jnp.int32(STEPS))
    closed = jax.make_jaxpr(f)(*args)
    (before,) = loop_equations(closed.jaxpr)
    assert any(v.aval.shape == (WIDE,) for v in before.invars)
    pruned, _ = rules.dce(closed, [True])
    used = rules.used_inputs(closed, [True])
    (after,) = loop_equations(pruned.jaxpr)
    assert not any(v.aval.shape == (WIDE,) for v in [*after.invars, *after.outvars])
    body_prims = {e.primitive.name for e in after.params["body"].jaxpr.eqns}
    assert "cos" not in body_prims and "sin" in body_prims
    assert used[1] is False  # the big carry's initial value is not read any more
    np.testing.assert_allclose(
        rules.jaxpr_as_fun(pruned)(*args)[0], rules.jaxpr_as_fun(closed)(*args)[0], rtol=1e-6
    )


def test_a_carry_the_condition_reads_is_kept() -> None:
    def f(x: Any, big: Any) -> Any:
        y, _ = wb.while_loop(
            lambda c: jnp.sum(c[1]) < 1e9,  # the trip count depends on the big carry
            lambda c: body(0, c),
            (x, big),
            checkpointing=wb.Binomial(3),
            max_steps=STEPS,
        )
        return jnp.sum(y)

    closed = jax.make_jaxpr(f)(jnp.ones(4), jnp.ones(WIDE))
    pruned, _ = rules.dce(closed, [True])
    (after,) = loop_equations(pruned.jaxpr)
    assert any(v.aval.shape == (WIDE,) for v in after.invars)


def test_a_loop_with_effects_is_kept_whole() -> None:
    seen = []

    def f(x: Any) -> Any:
        def step(i: Any, c: Any) -> Any:
            jax.debug.callback(lambda v: seen.append(1), i)
            return body(i, c)

        y, _ = wb.fori_loop(0, 3, step, (x, jnp.ones(7)), checkpointing=wb.Binomial(2))
        return jnp.sum(y)

    closed = jax.make_jaxpr(f)(jnp.ones(4))
    pruned, _ = rules.dce(closed, [True])
    (after,) = loop_equations(pruned.jaxpr)
    assert any(v.aval.shape == (7,) for v in after.invars)
    jax.grad(f)(jnp.ones(4))
    jax.effects_barrier()
    # Revolve's plan for 3 steps and 2 snapshots, its first forward sweep included: 2 + 3
    assert len(seen) == wb.checkpoint_schedule(3, wb.Binomial(2)).evaluations == 5


def test_a_loop_nobody_reads_is_dropped() -> None:
    def f(x: Any) -> Any:
        wb.fori_loop(0, 5, body, (x, x), checkpointing=wb.Binomial(2))
        return jnp.sum(x)

    closed = jax.make_jaxpr(f)(jnp.ones(4))
    pruned, _ = rules.dce(closed, [True])
    assert loop_equations(closed.jaxpr) and not loop_equations(pruned.jaxpr)


def test_eager_loops_do_not_keep_their_bodies_alive() -> None:
    """An eagerly run loop compiles once per body and caches it while the body lives; the cache
    entry held its own key (the body), so every eager loop's body stayed alive for ever."""
    import gc

    from workbench._src.loops import primitive

    gc.collect()
    before = primitive._impl_cache.live_keys()
    for k in range(5):
        w = jnp.float32(k + 1)
        out = wb.fori_loop(0, 3, lambda i, y, w=w: y * w, jnp.ones(3), checkpointing=wb.Binomial(2))
        np.testing.assert_allclose(out, np.full(3, float(k + 1) ** 3))
    gc.collect()
    assert primitive._impl_cache.live_keys() <= before
