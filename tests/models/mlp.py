"""A plain-JAX MLP as in JAX's MNIST example: 784-1024-1024-10 (1.86M parameters), params a
list of ``{"w", "b"}`` dicts, softmax cross-entropy on a random batch."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from tests.models.common import cross_entropy, jax_spec

SIZES = {"test": (784, 1024, 1024, 10), "bench": (784, 1024, 1024, 10), "small": (16, 32, 10)}


def init(sizes: tuple[int, ...], key: jax.Array) -> list[dict[str, jax.Array]]:
    keys = jax.random.split(key, len(sizes) - 1)
    return [
        {
            "w": jax.random.normal(k, (m, n), jnp.float32) / jnp.sqrt(m),
            "b": jnp.zeros((n,), jnp.float32),
        }
        for k, m, n in zip(keys, sizes[:-1], sizes[1:], strict=True)
    ]


def predict(params: list[dict[str, jax.Array]], x: jax.Array) -> jax.Array:
    for layer in params[:-1]:
        x = jax.nn.relu(x @ layer["w"] + layer["b"])
    return x @ params[-1]["w"] + params[-1]["b"]


def loss(params: list[dict[str, jax.Array]], x: jax.Array, labels: jax.Array) -> jax.Array:
    return cross_entropy(predict(params, x), labels)


def build(size: str) -> dict[str, Any]:
    sizes = SIZES[size]
    params = init(sizes, jax.random.key(0))
    x = jax.random.normal(jax.random.key(1), (32, sizes[0]), jnp.float32)
    labels = jax.random.randint(jax.random.key(2), (32,), 0, sizes[-1])
    return jax_spec("mlp", loss, params, (x, labels))
