"""Python and NumPy scalars in a checkpointed loop's carry, under every scheme, loop kind and
transformation (and nesting): every scalar type at once in one carry (``int``, ``float``,
``bool``, ``complex``, NumPy's), each one read by the step, the floats and complexes carrying
derivatives. A weakly typed initial carry (a Python scalar) takes the body's dtype, as
``lax.fori_loop`` gives it.

Oracle: the same body and initial carry on a plain ``lax.scan``, transformed by JAX itself.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

import workbench as wb
from tests.tolerances import FLOAT, tol

N = 4
SCALARS = (0, 0.0, True, 1j, np.float32(1.0), np.int32(2), np.bool_(True), np.complex64(0.5j))


def body(i: Any, carry: Any) -> Any:
    y, n, f, b, c, nf, ni, nb, nc = carry
    s = jnp.sum(y)
    y = jnp.sin(y) * jnp.where(b, 1.1, 0.9) + 0.01 * n + 0.02 * jnp.real(c) + 0.03 * nf
    y = y + 0.01 * f + 0.01 * ni + jnp.where(nb, 0.05, 0.0) + 0.02 * jnp.imag(nc)
    return (
        y,
        n + 1,
        f * 0.9 + 0.1 * s,
        jnp.logical_not(b),
        c * 0.8 + s,
        (nf * 0.5 + 0.1 * s).astype(jnp.result_type(nf)),  # NumPy scalars: strong dtypes
        ni + 2,
        nb,
        (nc * 0.7 + (0.2j if jnp.iscomplexobj(nc) else 0.2) * s).astype(jnp.result_type(nc)),
    )


def loss(final: Any) -> Any:
    y, n, f, b, c, nf, ni, nb, nc = final
    total = jnp.sum(y * y) + f + jnp.abs(c) ** 2 + nf + jnp.real(nc) * jnp.imag(nc)
    return total + 0.01 * (n + ni) + jnp.where(b & nb, 1.0, 0.0)


def oracle(x: Any, scalars: tuple[Any, ...] = SCALARS) -> Any:
    final = lax.scan(lambda c, i: (body(i, c), None), (x, *scalars), jnp.arange(N))[0]
    return loss(final)


# The same kinds of scalar without complex ones (whose places hold real values)
REAL_SCALARS = (0, 0.0, True, 0.25, np.float32(1.0), np.int32(2), np.bool_(True), np.float32(0.5))


SCHEMES = {
    "False": False,
    "True": True,
    "Periodic(3)": wb.Periodic(3),
    "Binomial(2)": wb.Binomial(2),
    "MemoryBudget": wb.MemoryBudget(2**16),
    "mincut": "mincut",
}


def loop(scheme: str, kind: str, scalars: tuple[Any, ...] = SCALARS) -> Callable[[Any], Any]:
    chosen = SCHEMES[scheme]
    mincut = chosen == "mincut"
    checkpointing = False if mincut else chosen

    def fori(x: Any, upper: Any, max_steps: Any = None) -> Any:
        init = (x, *scalars)
        return loss(
            wb.fori_loop(
                0,
                upper,
                body,
                init,
                checkpointing=checkpointing,
                mincut=mincut,
                max_steps=max_steps,
            )
        )

    if kind == "static":
        return lambda x: fori(x, N)
    if kind == "dynamic":
        run = jax.jit(lambda x, n: fori(x, n, max_steps=N + 2))
        return lambda x: run(x, jnp.int32(N))

    def while_(x: Any) -> Any:
        final = wb.while_loop(
            lambda c: c[1] < N,
            lambda c: body(c[1], c),
            (x, *scalars),
            checkpointing=checkpointing,
            max_steps=N + 2,
        )
        return loss(final)

    return while_


def transforms(f: Callable[[Any], Any]) -> dict[str, Any]:
    """Each transformation of ``f``: the value, the gradient and the jvp as a user runs them
    eagerly (op by op), the others staged together in one ``jax.jit``. Run eagerly, each cell
    compiled every loop primitive on its own (about 400 compiles a loop, 20 s in CI); staged,
    the transformations' rules are the same and the compiles a third."""
    x = jnp.asarray([0.3, -1.2, 0.8], FLOAT)
    v = jnp.asarray([1.0, 0.5, -2.0], FLOAT)
    xs = jnp.stack([x, 2 * x])
    eager = {"value": f(x), "jax.grad": jax.grad(f)(x), "jax.jvp": jax.jvp(f, (x,), (v,))[1]}
    staged = jax.jit(
        lambda x, v, xs: {
            "jax.jit": f(x),
            "jax.grad(jax.jit)": jax.grad(jax.jit(f))(x),
            "jax.vmap(jax.grad)": jax.vmap(jax.grad(f))(xs),
            "grad of grad": jax.grad(lambda x: jnp.sum(jnp.sin(jax.grad(f)(x))))(x),
            "jax.remat(jax.grad)": jax.remat(jax.grad(f))(x),
            "hvp": jax.jvp(jax.grad(f), (x,), (v,))[1],
        }
    )(x, v, xs)
    return {**eager, **staged}


def grad_of_grad_of_remat(f: Callable[[Any], Any]) -> dict[str, Any]:
    """Run on a carry without complex leaves: with one that carries a derivative, JAX's remat
    keeps the loop's final complex carry as a residual and rounds it with reduce_precision,
    which refuses complex (noted in the CHANGELOG)."""
    x = jnp.asarray([0.3, -1.2, 0.8], FLOAT)
    grad_remat = jax.grad(jax.remat(f))
    return {
        "real scalars: grad of grad of remat": jax.grad(lambda x: jnp.sum(jnp.sin(grad_remat(x))))(
            x
        )
    }


@functools.cache
def oracle_values() -> dict[str, Any]:
    out = transforms(oracle)
    out.update(grad_of_grad_of_remat(lambda x: oracle(x, REAL_SCALARS)))
    return out


CASES = [
    pytest.param(scheme, kind, id=f"{scheme}-{kind}")
    for scheme in SCHEMES
    for kind in ("static", "dynamic", "while")
    if not (scheme == "mincut" and kind == "while")  # wb.while_loop has no mincut
]


@pytest.mark.loop_matrix
@pytest.mark.parametrize(("scheme", "kind"), CASES)
def test_python_and_numpy_scalars_in_carry_match_lax_scan(scheme: str, kind: str) -> None:
    got, want = transforms(loop(scheme, kind)), oracle_values()
    got.update(grad_of_grad_of_remat(loop(scheme, kind, REAL_SCALARS)))
    # float32's tolerance in both modes: the NumPy float32 / complex64 leaves round every step
    # to float32, in whichever order each side adds the contributions.
    rtol, atol = tol(np.float32)
    bad = [
        f"{name}: {np.asarray(got[name])} != oracle {np.asarray(want[name])}"
        for name in want
        if not np.allclose(np.asarray(got[name]), np.asarray(want[name]), rtol=rtol, atol=atol)
    ]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("scheme", [False, True, wb.Periodic(2), wb.Binomial(2)], ids=repr)
def test_weakly_typed_init_takes_the_body_dtype_as_lax_does(scheme: Any) -> None:
    """A Python float carried through a float32 body: float32, whatever 64-bit mode says (lax's
    rule for a weakly typed initial carry), not a refusal."""
    body = lambda i, y: y * jnp.float32(1.5)
    got = wb.fori_loop(0, 3, body, 1.0, checkpointing=scheme)
    want = lax.fori_loop(0, 3, body, 1.0)
    assert got.dtype == want.dtype == jnp.float32
    assert float(got) == float(want) == 1.5**3
    grad = jax.grad(lambda a: wb.fori_loop(0, 3, lambda i, y: y * a, 1.0, checkpointing=scheme))
    np.testing.assert_allclose(grad(jnp.float32(1.5)), 3 * 1.5**2, rtol=1e-6)
    step = lambda y: y * jnp.float32(1.5)
    wb_while = wb.while_loop(lambda y: y < 3.0, step, 1.0, checkpointing=scheme, max_steps=10)
    lax_while = lax.while_loop(lambda y: y < 3.0, step, 1.0)
    assert wb_while.dtype == lax_while.dtype == jnp.float32 and float(wb_while) == float(lax_while)


def test_a_strong_dtype_change_is_still_refused() -> None:
    with pytest.raises(wb.CheckpointingError, match=r"changes the carry from float32\[\] to"):
        wb.fori_loop(0, 3, lambda i, y: y.astype(jnp.float16), jnp.float32(1.0))


def _jax_remat_rounds_complex_residuals() -> bool:
    """Whether this JAX's remat still rounds every saved inexact residual with
    ``reduce_precision`` (jax PR 22244), which refuses complex dtypes: the smallest pure-JAX
    program that shows it, no workbench involved."""

    def f(x: Any) -> Any:
        z = jnp.exp(1j * x) * (x + 0.5j)
        return jnp.sum(jnp.real(z * z))

    saving = jax.checkpoint(f, policy=jax.checkpoint_policies.everything_saveable)
    try:
        jax.grad(saving)(jnp.asarray([0.3, -1.2], jnp.float32))
    except TypeError as e:
        return "reduce_precision does not accept dtype complex" in str(e)
    return False


@pytest.mark.loop_matrix
@pytest.mark.parametrize("scheme", ["False", "True", "Periodic(3)", "Binomial(2)", "MemoryBudget"])
def test_complex_carry_under_grad_of_grad_of_remat_follows_jax(scheme: str) -> None:
    """Grad of grad of ``jax.remat`` with a complex carry that carries a derivative. Where a
    scheme's rule keeps the complex carry as a residual of the remat (Binomial, MemoryBudget),
    JAX rounds it with ``reduce_precision``, which refuses complex (a JAX bug, shown above on a
    program with no loop). So: the value equals the plain ``lax.scan``'s, or, only while this
    JAX has the bug, the loop fails with JAX's own error (never a silent value). Once JAX
    accepts complex residuals, every scheme must equal the oracle."""
    x = jnp.asarray([0.3, -1.2, 0.8], FLOAT)

    def grad_grad_remat(f: Callable[[Any], Any]) -> Any:
        grad_remat = jax.grad(jax.remat(f))
        return jax.grad(lambda x: jnp.sum(jnp.sin(grad_remat(x))))(x)

    try:
        got = grad_grad_remat(loop(scheme, "static"))
    except TypeError as e:
        if not _jax_remat_rounds_complex_residuals():
            raise
        assert "reduce_precision does not accept dtype complex" in str(e)
        return
    rtol, atol = tol(np.float32)
    np.testing.assert_allclose(got, grad_grad_remat(oracle), rtol=rtol, atol=atol)
