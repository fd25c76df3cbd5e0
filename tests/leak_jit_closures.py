"""Run by tests/test_memory.py in a fresh process: jit 20 closures over 16 MB arrays, drop them,
and print how many functions are still alive, how much the resident memory grew (MB) and how
many of the 16 MB arrays JAX still holds.

    python tests/leak_jit_closures.py wb|jax
"""

import sys
import weakref

import jax
import jax.numpy as jnp
from leak_rss import rss

import workbench as wb


def main(which: str) -> None:
    jit = wb.jit if which == "wb" else jax.jit
    x = jnp.ones(4)
    jit(lambda v: v * 2)(x)
    base = rss()
    refs = []
    for k in range(20):
        big = jnp.ones(2_000_000) * k
        f = lambda v, big=big: v * big[:4]
        refs.append(weakref.ref(f))
        jit(f)(x)
        del f, big
    held = sum(a.size == 2_000_000 for a in jax.live_arrays())
    print(sum(r() is not None for r in refs), (rss() - base) / 1e6, held)


if __name__ == "__main__":
    main(sys.argv[1])
