"""A GPT-2-style transformer in pure JAX: token and position embeddings, ``layers`` pre-norm
blocks of causal multi-head attention and a GELU MLP, a tied read-out over a 50,257-token
vocabulary. Written as plain functions (``attention``, ``mlp``, ``block``), as many code bases
are; in bfloat16 (the default of many of them) or float32."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from tests.models.common import cross_entropy, jax_spec

VOCAB = 50257
SIZES = {  # layers, width, heads, sequence length, batch
    "test": (4, 64, 4, 16, 2),
    "bench": (4, 128, 4, 64, 4),
    "small": (2, 32, 2, 8, 1),
}


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
    out = (weights @ v).swapaxes(-2, -3).reshape(*h.shape)
    return out @ p["wo"]


def mlp(h: jax.Array, p: dict[str, jax.Array]) -> jax.Array:
    return jax.nn.gelu(h @ p["w1"]) @ p["w2"]


def block(h: jax.Array, p: dict[str, Any], heads: int) -> jax.Array:
    h = h + attention(layer_norm(h, p["ln1"]), p["attn"], heads)
    return h + mlp(layer_norm(h, p["ln2"]), p["mlp"])


def gpt(params: dict[str, Any], tokens: jax.Array, heads: int) -> jax.Array:
    t = tokens.shape[-1]
    h = params["wte"][tokens] + params["wpe"][:t]
    for p in params["blocks"]:
        h = block(h, p, heads)
    h = layer_norm(h, params["ln_f"])
    return h @ params["wte"].T


def init(
    layers: int, d: int, seq: int, dtype: Any, key: jax.Array, vocab: int = VOCAB
) -> dict[str, Any]:
    keys = iter(jax.random.split(key, 4 * layers + 2))
    normal = lambda shape, scale=0.02: (scale * jax.random.normal(next(keys), shape)).astype(dtype)
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


def build(size: str, dtype_name: str) -> dict[str, Any]:
    layers, d, heads, seq, batch = SIZES[size]
    dtype = jnp.dtype(dtype_name)
    params = init(layers, d, seq, dtype, jax.random.key(0))
    tokens = jax.random.randint(jax.random.key(1), (batch, seq + 1), 0, VOCAB)

    def loss(params: dict[str, Any], tokens: jax.Array) -> jax.Array:
        logits = gpt(params, tokens[:, :-1], heads)
        return cross_entropy(logits, tokens[:, 1:])

    return jax_spec(f"gpt_{dtype_name}", loss, params, (tokens,))
