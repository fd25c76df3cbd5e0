"""A small GPT-2-style transformer in pure JAX for the debugging tools' tests and benchmarks:
token and position embeddings, pre-norm blocks of causal multi-head attention and a GELU MLP, a
tied read-out; in bfloat16 or float32 (layer norms and softmax in float32, as is common)."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp


def layer_norm(h: jax.Array, p: dict[str, jax.Array]) -> jax.Array:
    h32 = h.astype(jnp.float32)
    mean = jnp.mean(h32, -1, keepdims=True)
    var = jnp.var(h32, -1, keepdims=True)
    return ((h32 - mean) * jax.lax.rsqrt(var + 1e-5)).astype(h.dtype) * p["g"] + p["b"]


def attention(h: jax.Array, p: dict[str, jax.Array], heads: int) -> jax.Array:
    t, d = h.shape[-2:]
    q, k, v = jnp.split(h @ p["wqkv"], 3, axis=-1)
    split = lambda a: a.reshape(*a.shape[:-1], heads, d // heads).swapaxes(-2, -3)
    q, k, v = split(q), split(k), split(v)
    scores = (q @ k.swapaxes(-1, -2)) / jnp.sqrt(jnp.asarray(d // heads, h.dtype))
    causal = jnp.tril(jnp.ones((t, t), bool))
    scores = jnp.where(causal, scores, jnp.asarray(-1e9, scores.dtype))
    weights = jax.nn.softmax(scores.astype(jnp.float32), axis=-1).astype(h.dtype)
    return (weights @ v).swapaxes(-2, -3).reshape(*h.shape) @ p["wo"]


def block(h: jax.Array, p: dict[str, Any], heads: int) -> jax.Array:
    h = h + attention(layer_norm(h, p["ln1"]), p["attn"], heads)
    return h + jax.nn.gelu(layer_norm(h, p["ln2"]) @ p["mlp"]["w1"]) @ p["mlp"]["w2"]


def init(layers: int, d: int, seq: int, vocab: int, dtype: Any, seed: int = 0) -> dict[str, Any]:
    keys = iter(jax.random.split(jax.random.key(seed), 4 * layers + 2))
    normal = lambda shape: (0.02 * jax.random.normal(next(keys), shape)).astype(dtype)
    norm = lambda: {"g": jnp.ones((d,), dtype), "b": jnp.zeros((d,), dtype)}
    return {
        "wte": normal((vocab, d)),
        "wpe": normal((seq, d)),
        "blocks": [
            {
                "ln1": norm(),
                "attn": {"wqkv": normal((d, 3 * d)), "wo": normal((d, d))},
                "ln2": norm(),
                "mlp": {"w1": normal((d, 4 * d)), "w2": normal((4 * d, d))},
            }
            for _ in range(layers)
        ],
        "ln_f": norm(),
    }


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
