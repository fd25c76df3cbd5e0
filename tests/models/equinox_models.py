"""Equinox models passed whole: an ``eqx.nn.MLP`` (its activations are leaves), and a GRU RNN
(``eqx.nn.GRUCell`` scanned over a sequence, a linear head, and an int field of its own)."""

from __future__ import annotations

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp

from tests.models.common import count, random_like


def _spec(name: str, loss: Any, model: Any, constants: tuple[Any, ...]) -> dict[str, Any]:
    """A zoo entry for an Equinox model, with Equinox's own oracles: ``eqx.filter_grad``, and
    ``jax.jvp`` over ``eqx.partition``'s halves."""

    def jvp_oracle(model: Any, tangent: Any, *constants: Any) -> Any:
        dynamic, static = eqx.partition(model, eqx.is_inexact_array)
        return jax.jvp(lambda d: loss(eqx.combine(d, static), *constants), (dynamic,), (tangent,))[
            1
        ]

    return {
        "name": name,
        "library": "equinox",
        "loss": loss,
        "params": model,
        "constants": constants,
        "parameters": count(eqx.filter(model, eqx.is_inexact_array)),
        "oracle": eqx.filter_jit(eqx.filter_grad(loss)),
        "tangent": lambda m: random_like(eqx.filter(m, eqx.is_inexact_array)),
        "jvp_oracle": jvp_oracle,
    }


def mlp_loss(model: eqx.nn.MLP, x: jax.Array, y: jax.Array) -> jax.Array:
    return jnp.mean((jax.vmap(model)(x) - y) ** 2)


def build_mlp(size: str) -> dict[str, Any]:
    width = {"test": 64, "bench": 512, "small": 8}[size]
    model = eqx.nn.MLP(16, 4, width, 3, activation=jax.nn.gelu, key=jax.random.key(0))
    x = jax.random.normal(jax.random.key(1), (32, 16), jnp.float32)
    y = jax.random.normal(jax.random.key(2), (32, 4), jnp.float32)
    return _spec("equinox_mlp", mlp_loss, model, (x, y))


class GRURNN(eqx.Module):
    """A GRU over a sequence, then a linear read-out of the last hidden state."""

    cell: eqx.nn.GRUCell
    head: eqx.nn.Linear
    hidden: int  # a Python int leaf: static by Equinox's convention

    def __init__(self, features: int, hidden: int, out: int, key: jax.Array) -> None:
        k1, k2 = jax.random.split(key)
        self.cell = eqx.nn.GRUCell(features, hidden, key=k1)
        self.head = eqx.nn.Linear(hidden, out, key=k2)
        self.hidden = hidden

    def __call__(self, xs: jax.Array) -> jax.Array:
        def step(h: jax.Array, x: jax.Array) -> tuple[jax.Array, None]:
            return self.cell(x, h), None

        # (the cell's dtype: with 64-bit mode on, Equinox initialises its weights in float64)
        h0 = jnp.zeros((self.hidden,), jnp.result_type(xs.dtype, self.cell.weight_hh.dtype))
        h, _ = jax.lax.scan(step, h0, xs)
        return self.head(h)


def gru_loss(model: GRURNN, xs: jax.Array, y: jax.Array) -> jax.Array:
    return jnp.mean((jax.vmap(model)(xs) - y) ** 2)


def build_gru(size: str) -> dict[str, Any]:
    hidden, steps = {"test": (32, 20), "bench": (128, 100), "small": (8, 5)}[size]
    model = GRURNN(8, hidden, 2, jax.random.key(0))
    xs = jax.random.normal(jax.random.key(1), (4, steps, 8), jnp.float32)
    y = jax.random.normal(jax.random.key(2), (4, 2), jnp.float32)
    return _spec("equinox_gru", gru_loss, model, (xs, y))
