"""Run by tests/test_memory.py in a fresh process: create and close N trade-off explorers of a
new loop body each (as a notebook re-running the cell does), or compile and run the same
gradients with raw JAX; print the resident memory still grown (MB) after they are dropped and
how many explorers are still alive.

    python tests/leak_tradeoffs.py explorer|table|jax [calls]
"""

import sys
import weakref
from typing import Any

import jax
import jax.numpy as jnp
from jax import lax
from leak_rss import rss

import workbench as wb

STEPS = 16


def make_body(k: int) -> Any:
    scale = jnp.float32(1.0 + k * 1e-3)
    return lambda i, y: jnp.sin(y) * scale


def call(which: str, k: int) -> Any:
    body, init = make_body(k), jnp.linspace(0.0, 1.0, 64, dtype=jnp.float32)
    if which == "explorer":
        ex = wb.tradeoff_explorer(body, init, STEPS, background=False)
        ex.close()
        return ex
    if which == "table":
        return wb.tradeoffs(body, init, STEPS)
    for remat in (False, True, True, True):  # store-all, periodic, Binomial(2), Binomial(4)
        step = jax.checkpoint(body) if remat else body
        loss = lambda c, step=step: jnp.sum(lax.fori_loop(0, STEPS, step, c))
        compiled = jax.jit(jax.grad(loss)).lower(init).compile()
        compiled.memory_analysis()
        for _ in range(6):
            jax.block_until_ready(compiled(init))
    return None


def main(which: str, calls: int) -> None:
    for k in range(3):  # warm up
        call(which, -1 - k)
    base = rss()
    refs = []
    for k in range(calls):
        out = call(which, k)
        if out is not None:
            refs.append(weakref.ref(out))
        del out
    left = (rss() - base) / 1e6
    print(left, sum(r() is not None for r in refs))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 20)
