"""Run by tests/test_forward_chunks.py in a fresh process: ``wb.gradient(Forward, f, x)`` on a
20,000-element input (all lanes at once would hold 20,000 x 20,000 float32 tangents, 1.6 GB);
print the largest error against ``jax.grad`` (relative to the gradient's largest element) and
the peak resident memory the call added (MB).

    python tests/leak_forward_chunks.py [chunk]
"""

import json
import sys

import jax
import jax.numpy as jnp
import numpy as np
from leak_rss import peak, reset_peak, rss

import workbench as wb

N = 20_000


def f(x: jax.Array) -> jax.Array:
    return jnp.sum(jnp.sin(x) * jnp.cumsum(x)) + jnp.sum(x**2) * 1e-3


def main(chunk: str) -> None:
    x = jnp.linspace(-1.0, 1.0, N, dtype=jnp.float32)
    oracle = np.asarray(jax.grad(f)(x))
    base = rss()
    reset_peak()
    kwargs = {} if chunk == "default" else {"chunk": int(chunk)}
    (g,) = wb.gradient(wb.Forward, f, x, **kwargs)
    g = np.asarray(g)
    extra = (peak() - base) / 1e6
    error = float(np.max(np.abs(g - oracle)) / np.max(np.abs(oracle)))
    print(json.dumps({"error": error, "extra_mb": extra}))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "default")
