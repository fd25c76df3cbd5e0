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
