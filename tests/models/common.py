"""What the zoo's models share: random data and the oracles' shape."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np


def count(tree: Any) -> int:
    return int(sum(np.size(leaf) for leaf in jax.tree_util.tree_leaves(tree)))


def random_like(tree: Any, seed: int = 7) -> Any:
    """A random tangent with ``tree``'s structure and dtypes (``None`` leaves stay ``None``)."""
    leaves, treedef = jax.tree_util.tree_flatten(tree)
    keys = jax.random.split(jax.random.key(seed), max(len(leaves), 1))
    out = [
        jax.random.normal(k, jnp.shape(leaf), jnp.float32).astype(jnp.result_type(leaf))
        for k, leaf in zip(keys, leaves, strict=False)
    ]
    return jax.tree_util.tree_unflatten(treedef, out)


def cross_entropy(logits: jax.Array, labels: jax.Array) -> jax.Array:
    logp = jax.nn.log_softmax(logits.astype(jnp.float32), axis=-1)
    return -jnp.mean(jnp.take_along_axis(logp, labels[..., None], axis=-1))


def jax_spec(
    name: str, loss: Any, params: Any, constants: tuple[Any, ...], plain: Any = None
) -> dict[str, Any]:
    """A zoo entry for a plain-JAX model with JAX's own oracles (``jax.grad`` and ``jax.jvp``
    of ``plain``, the same loss written without the workbench; default: ``loss`` itself)."""
    plain = loss if plain is None else plain
    return {
        "name": name,
        "library": "jax",
        "loss": loss,
        "params": params,
        "constants": constants,
        "oracle": jax.jit(jax.grad(plain)),
        "tangent": random_like,
        "jvp_oracle": lambda p, t, *c: jax.jvp(lambda p: plain(p, *c), (p,), (t,))[1],
        "parameters": count(params),
    }
