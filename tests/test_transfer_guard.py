"""Issue 26: under ``jax.transfer_guard("disallow")`` the workbench's entry points, given arrays
already on the device, make no implicit host-to-device transfer of their own (its constants:
the reverse seed, the forward basis, loop indices, Revolve's steps and slots)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import workbench as wb


def f(x: jax.Array) -> jax.Array:
    return jnp.sum(jnp.sin(x) * x)


def loop(scheme: Any) -> Callable[[jax.Array], jax.Array]:
    return lambda x: jnp.sum(wb.fori_loop(0, 5, lambda i, c: jnp.sin(c), x, checkpointing=scheme))


def while_loss(x: jax.Array) -> jax.Array:
    y = wb.while_loop(lambda c: c[0] < 3.0, lambda c: c * 1.5, x, checkpointing=wb.Binomial(2))
    return jnp.sum(y)


CASES: dict[str, Callable[[jax.Array], Any]] = {
    "gradient Reverse": lambda x: wb.gradient(wb.Reverse, f, x)[0],
    "gradient Forward": lambda x: wb.gradient(wb.Forward, f, x)[0],
    "jit": lambda x: wb.jit(f)(x),
    "fori_loop Binomial, eager": lambda x: loop(wb.Binomial(2))(x),
    "gradient of fori_loop Binomial": lambda x: wb.gradient(wb.Reverse, loop(wb.Binomial(2)), x)[0],
    "gradient of fori_loop True": lambda x: wb.gradient(wb.Reverse, loop(True), x)[0],
    "gradient of while_loop": lambda x: wb.gradient(wb.Reverse, while_loss, x)[0],
    "inspect runs=0": lambda x: wb.inspect(f, x, mode=wb.Reverse, runs=0).graph,
}


@pytest.mark.parametrize("name", list(CASES))
def test_entry_points_work_under_a_disallowing_transfer_guard(name: str) -> None:
    x = jnp.linspace(0.5, 1.5, 3, dtype=jnp.float32)  # on device before the guard
    expected = CASES[name](x)
    with jax.transfer_guard("disallow"):
        got = CASES[name](x)
    if isinstance(expected, jax.Array):
        np.testing.assert_allclose(np.asarray(got), np.asarray(expected), rtol=1e-6)


def nan_at_negative(x: jax.Array) -> jax.Array:
    return jnp.sum(jnp.log(x - 1.0))  # NaN where x < 1


def tradeoffs_table(x: jax.Array) -> list[tuple[int, int, int]]:
    table = wb.tradeoffs(lambda i, c: jnp.sin(c), x, 6, schemes=[False, wb.Binomial(2)], runs=1)
    return [(r.snapshots, r.taped_steps, r.evaluations) for r in table.rows]


# Tools that read their own results: what they report, compared with the same call unguarded.
REPORTS: dict[str, Callable[[jax.Array], Any]] = {
    "compile": lambda x: wb.compile(f, x)(x),
    "compile of a gradient": lambda x: wb.compile(lambda y: wb.gradient(wb.Reverse, f, y)[0], x)(x),
    "explain_nans": lambda x: (
        (r := wb.explain_nans(nan_at_negative, x)).found,
        r.origin.primitive if r.origin else None,
    ),
    "explain_nans Reverse": lambda x: (
        (r := wb.explain_nans(nan_at_negative, x, mode=wb.Reverse)).found,
        r.origin.primitive if r.origin else None,
    ),
    "check_gradient": lambda x: wb.check_gradient(f, x).passed,
    "check_gradient Forward": lambda x: wb.check_gradient(f, x, mode=wb.Forward).passed,
    "check_gradient elements": lambda x: wb.check_gradient(f, x, elements=True).passed,
    "check_gradient complex": lambda x: (
        wb.check_gradient(
            lambda z: jnp.sum(jnp.abs(jnp.sin(z)) ** 2), x.astype(jnp.complex64), elements=True
        ).passed
    ),
    "tradeoffs": tradeoffs_table,
    "inspect timed": lambda x: wb.inspect(f, x, runs=1).graph is not None,
}


@pytest.mark.parametrize("name", list(REPORTS))
def test_tools_that_read_results_work_under_a_disallowing_transfer_guard(name: str) -> None:
    x = jnp.linspace(0.5, 1.5, 3, dtype=jnp.float32)
    expected = REPORTS[name](x)
    with jax.transfer_guard("disallow"):
        got = REPORTS[name](x)
    if isinstance(expected, jax.Array):
        np.testing.assert_allclose(np.asarray(got), np.asarray(expected), rtol=1e-6)
    else:
        assert got == expected
    if name.startswith("explain_nans"):
        assert expected[0] and expected[1] in ("log", "sub"), expected  # it found the NaN
    if name.startswith("check_gradient"):
        assert expected is True


def test_a_reactant_cell_works_under_a_disallowing_transfer_guard() -> None:
    from tests.ipython_shell import run_reactant, shared_shell

    ip = shared_shell()
    x = jnp.linspace(0.5, 1.5, 3, dtype=jnp.float32)
    ip.user_ns.update(jnp=jnp, xg=x)
    with jax.transfer_guard("disallow"):
        r = run_reactant(ip, "--grad xg --nans", "jnp.sum(jnp.sin(xg) * xg)")
    np.testing.assert_allclose(r.value, jnp.sum(jnp.sin(x) * x), rtol=1e-6)
    expected = jax.grad(lambda y: jnp.sum(jnp.sin(y) * y))(x)
    np.testing.assert_allclose(r.gradients.values["xg"], expected, rtol=1e-6)
