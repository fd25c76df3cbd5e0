"""Layers with their own derivative rules (``jax.custom_vjp``, ``jax.custom_jvp``) inside the
body of a checkpointed loop, under every scheme, loop kind and transformation.

The oracle is the same body, with the same custom rule, on a plain ``lax.scan`` differentiated by
JAX itself: the custom rules here deliberately differ from the true derivative (a ``custom_vjp``
whose backward pass halves or clips the cotangent, a ``custom_jvp`` whose tangent is scaled), so
a loop that differentiated the layer's primal code instead of using its rule disagrees.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

import workbench as wb
from tests.tolerances import FLOAT, tol

N = 5  # the trip count of every loop here


# --- layers whose rule is not the derivative of their primal code -----------------------------


@jax.custom_vjp
def half_vjp(x: Any) -> Any:
    return jnp.sin(x)


def _half_fwd(x: Any) -> Any:
    return jnp.sin(x), x


def _half_bwd(x: Any, g: Any) -> Any:
    return (0.5 * g * jnp.cos(x),)


half_vjp.defvjp(_half_fwd, _half_bwd)


@jax.custom_vjp
def clipped_vjp(x: Any) -> Any:
    return jnp.sin(x)


def _clip_fwd(x: Any) -> Any:
    return jnp.sin(x), x


def _clip_bwd(x: Any, g: Any) -> Any:
    return (jnp.clip(g * jnp.cos(x), -0.1, 0.1),)


clipped_vjp.defvjp(_clip_fwd, _clip_bwd)


@jax.custom_jvp
def scaled_jvp(x: Any) -> Any:
    return jnp.sin(x)


@scaled_jvp.defjvp
def _scaled_jvp_rule(primals: Any, tangents: Any) -> Any:
    (x,), (t,) = primals, tangents
    return jnp.sin(x), 0.5 * jnp.cos(x) * t


LAYERS = {"custom_vjp": half_vjp, "clipped custom_vjp": clipped_vjp, "custom_jvp": scaled_jvp}
SECOND_ORDER = {"custom_vjp", "custom_jvp"}  # clipping has no useful second derivative


def make_body(layer: Callable[[Any], Any]) -> Callable[[Any, Any], Any]:
    def body(i: Any, y: Any) -> Any:
        return layer(y) * 1.3 + 0.1 * y * y + 0.01 * jnp.asarray(i, y.dtype)

    return body


def oracle(layer: Callable[[Any], Any]) -> Callable[[Any], Any]:
    body = make_body(layer)

    def f(x: Any) -> Any:
        return jnp.sum(lax.scan(lambda y, i: (body(i, y), None), x, jnp.arange(N))[0])

    return f


# --- the loops --------------------------------------------------------------------------------

SCHEMES = {
    "False": False,
    "True": True,
    "Periodic(2)": wb.Periodic(2),
    "Binomial(2)": wb.Binomial(2),
    "MemoryBudget": "budget",  # two snapshots of the carry
    "mincut": "mincut",
}
KINDS = ["static", "dynamic", "while"]

# Which (scheme, kind) pairs the workbench refuses, and why (each refusal is tested elsewhere).
NOT_A_LOOP = {("mincut", "while"): "wb.while_loop has no mincut"}


def workbench_loop(layer: Callable[[Any], Any], scheme: str, kind: str) -> Callable[[Any], Any]:
    body = make_body(layer)

    def checkpointing(x: Any) -> Any:
        chosen = SCHEMES[scheme]
        if chosen == "budget":
            return wb.MemoryBudget(2 * x.size * x.dtype.itemsize)
        if chosen == "mincut":
            return False
        return chosen

    def fori(x: Any, upper: Any, max_steps: Any = None) -> Any:
        return wb.fori_loop(
            0,
            upper,
            body,
            x,
            checkpointing=checkpointing(x),
            mincut=scheme == "mincut",
            max_steps=max_steps,
        )

    if kind == "static":
        return lambda x: jnp.sum(fori(x, N))
    if kind == "dynamic":
        # The trip count is an argument of a jitted function: known only when the program runs,
        # with a bound known when tracing (which store-all and Periodic need).
        run = jax.jit(lambda x, n: fori(x, n, max_steps=N + 3))
        return lambda x: jnp.sum(run(x, jnp.int32(N)))

    def while_(x: Any) -> Any:
        _, y = wb.while_loop(
            lambda c: c[0] < N,
            lambda c: (c[0] + 1, body(c[0], c[1])),
            (jnp.int32(0), x),
            checkpointing=checkpointing(x),
            max_steps=N + 3,
        )
        return jnp.sum(y)

    return while_


X = np.array([0.3, 1.0, 2.0])
V = np.array([1.0, -2.0, 0.5])


# Each set of transformations: the gradients a user runs eagerly (op by op) run so, the others
# staged together in one jax.jit. Run eagerly, each cell compiled every loop primitive on its
# own; staged, the transformations' rules are the same and the compiles far fewer.


def reverse_transforms(f: Callable[[Any], Any], second_order: bool) -> dict[str, Any]:
    x, v = jnp.asarray(X, FLOAT), jnp.asarray(V, FLOAT)
    eager = {"jax.grad": jax.grad(f)(x), "wb.gradient(Reverse)": wb.gradient(wb.Reverse, f, x)[0]}

    def staged(x: Any, v: Any) -> dict[str, Any]:
        out = {
            "jax.grad(jax.jit)": jax.grad(jax.jit(f))(x),
            "jax.jit(jax.grad)": jax.jit(jax.grad(f))(x),
            "jax.vjp": jax.vjp(f, x)[1](jnp.ones((), FLOAT))[0],
        }
        if second_order:
            out["hvp (jvp of grad)"] = jax.jvp(jax.grad(f), (x,), (v,))[1]
            out["grad of grad"] = jax.grad(lambda x: jnp.sum(jax.grad(f)(x) ** 2))(x)
            out["jax.jit(hessian)"] = jax.jit(jax.hessian(f))(x)
        return out

    return {**eager, **jax.jit(staged)(x, v)}


def forward_transforms(f: Callable[[Any], Any], second_order: bool) -> dict[str, Any]:
    x, v = jnp.asarray(X, FLOAT), jnp.asarray(V, FLOAT)
    eager = {
        "jax.jvp": jax.jvp(f, (x,), (v,))[1],
        "wb.gradient(Forward)": wb.gradient(wb.Forward, f, x)[0],
    }

    def staged(x: Any, v: Any) -> dict[str, Any]:
        out = {"jax.jit(jax.jvp)": jax.jvp(f, (x,), (v,))[1]}
        if second_order:
            out["grad of jvp"] = jax.grad(lambda x: jax.jvp(f, (x,), (v,))[1])(x)
        return out

    return {**eager, **jax.jit(staged)(x, v)}


def compare(got: dict[str, Any], want: dict[str, Any]) -> None:
    rtol, atol = tol(FLOAT)
    bad = []
    for name in want:
        if not np.allclose(np.asarray(got[name]), np.asarray(want[name]), rtol=rtol, atol=atol):
            bad.append(f"{name}: {np.asarray(got[name])} != oracle {np.asarray(want[name])}")
    assert not bad, "\n".join(bad)


CASES = [
    pytest.param(layer, scheme, kind, id=f"{layer}-{scheme}-{kind}")
    for layer in LAYERS
    for scheme in SCHEMES
    for kind in KINDS
    if (scheme, kind) not in NOT_A_LOOP
]


@pytest.mark.loop_matrix
@pytest.mark.parametrize(("layer", "scheme", "kind"), CASES)
def test_custom_rule_in_loop_body_matches_lax_scan(layer: str, scheme: str, kind: str) -> None:
    f = workbench_loop(LAYERS[layer], scheme, kind)
    g = oracle(LAYERS[layer])
    second = layer in SECOND_ORDER
    compare(reverse_transforms(f, second), reverse_transforms(g, second))
    if layer == "custom_jvp":
        compare(forward_transforms(f, True), forward_transforms(g, True))


@pytest.mark.parametrize("scheme", [s for s in SCHEMES if s != "mincut"])
def test_forward_mode_through_custom_vjp_body_is_refused_naming_custom_vjp(scheme: str) -> None:
    """JAX cannot take a JVP of a ``custom_vjp`` function; through a loop the refusal stays
    JAX's own, naming custom_vjp (never a confusing error of the loop's rules)."""
    x, v = jnp.asarray(X, FLOAT), jnp.asarray(V, FLOAT)
    for kind in ("static", "while"):
        f = workbench_loop(half_vjp, scheme, kind)
        with pytest.raises(TypeError, match="custom_vjp"):
            jax.jvp(f, (x,), (v,))


def test_custom_vjp_bwd_is_what_reverse_mode_runs() -> None:
    """The clipped rule changes the gradient (so the matrix above can tell the rule from the
    primal's derivative)."""
    x = jnp.asarray(X, FLOAT)
    clipped = jax.grad(oracle(clipped_vjp))(x)
    plain = jax.grad(oracle(jnp.sin))(x)
    assert not np.allclose(clipped, plain, rtol=1e-3)
