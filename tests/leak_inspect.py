"""Run by tests/test_memory.py in a fresh process: inspect the gradient of a 40-layer MLP N times,
keeping every report (as IPython's ``Out`` keeps what each displayed cell gave), or compile the
same two programs (the loss and its gradient) N times with ``jax.jit(...).lower(...).compile()``,
kept the same way; print the resident memory grown (MB), then drop them all and print the memory
still grown and how many reports are still alive.

    python tests/leak_inspect.py wb|jax [calls]
"""

import sys
import weakref
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from leak_rss import rss

import workbench as wb

LAYERS, WIDTH = 40, 16


def loss(params: Any, x: jax.Array) -> jax.Array:
    h = x
    for w, b in params:
        h = jnp.tanh(w @ h + b)
    return jnp.sum(h)


def main(which: str, calls: int) -> None:
    rng = np.random.default_rng(0)
    params = [
        (
            jnp.asarray(rng.normal(size=(WIDTH, WIDTH)) / WIDTH, jnp.float32),
            jnp.zeros(WIDTH, jnp.float32),
        )
        for _ in range(LAYERS)
    ]
    x = jnp.ones(WIDTH, jnp.float32)

    def call() -> Any:
        if which == "wb":
            return wb.inspect(loss, params, wb.Const(x), mode=wb.Reverse, runs=1)
        return (
            jax.jit(loss).lower(params, x).compile(),
            jax.jit(jax.grad(loss)).lower(params, x).compile(),
        )

    kept = [call(), call()]  # warm up
    base = rss()
    kept += [call() for _ in range(calls)]
    grown = (rss() - base) / 1e6
    refs = [weakref.ref(r) for r in kept] if which == "wb" else []
    kept.clear()
    left = (rss() - base) / 1e6
    print(grown, left, sum(r() is not None for r in refs))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 20)
