"""Run by tests/test_memory.py in a fresh process: jit 20 closures over 16 MB arrays, drop them,
and print how many are still alive and how much the resident memory grew (MB).

    python tests/leak_jit_closures.py wb|jax
"""

import gc
import sys
import weakref

import jax
import jax.numpy as jnp

import workbench as wb


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def main(which: str) -> None:
    jit = wb.jit if which == "wb" else jax.jit
    x = jnp.ones(4)
    jit(lambda v: v * 2)(x)
    gc.collect()
    base = rss()
    refs = []
    for k in range(20):
        big = jnp.ones(2_000_000) * k
        f = lambda v, big=big: v * big[:4]
        refs.append(weakref.ref(f))
        jit(f)(x)
        del f, big
    gc.collect()
    print(sum(r() is not None for r in refs), (rss() - base) / 1e6)


if __name__ == "__main__":
    main(sys.argv[1])
