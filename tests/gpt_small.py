"""The zoo's GPT-2-style transformer (``tests/models/gpt.py``: its layer norm, attention and
blocks) at a small vocabulary, as a ``(loss, params, tokens)`` triple for the debugging tools'
tests and benchmarks; in bfloat16 or float32."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from tests.models.gpt import attention, block, layer_norm
from tests.models.gpt import init as _init

__all__ = ["attention", "block", "build", "init", "layer_norm"]


def init(layers: int, d: int, seq: int, vocab: int, dtype: Any, seed: int = 0) -> dict[str, Any]:
    """The zoo transformer's parameters (``tests/models/gpt.py``) at a small vocabulary."""
    return _init(layers, d, seq, dtype, jax.random.key(seed), vocab=vocab)


def build(
    layers: int = 4,
    d: int = 64,
    heads: int = 4,
    seq: int = 16,
    batch: int = 2,
    vocab: int = 512,
    dtype: Any = jnp.float32,
    block_fn: Any = block,
) -> tuple[Any, dict[str, Any], jax.Array]:
    """(loss(params, tokens), params, tokens)."""
    params = init(layers, d, seq, vocab, dtype)
    tokens = jax.random.randint(jax.random.key(1), (batch, seq + 1), 0, vocab)

    def loss(params: dict[str, Any], tokens: jax.Array) -> jax.Array:
        t = tokens.shape[-1] - 1
        h = params["wte"][tokens[:, :-1]] + params["wpe"][:t]
        for p in params["blocks"]:
            h = block_fn(h, p, heads)
        logits = (layer_norm(h, params["ln_f"]) @ params["wte"].T).astype(jnp.float32)
        logp = jax.nn.log_softmax(logits)
        return -jnp.mean(jnp.take_along_axis(logp, tokens[:, 1:, None], -1))

    return loss, params, tokens
