"""The programs the graph viewer is checked on, as users inspect them (issue 15): a 2-layer MLP, a
20-layer MLP (about 370 nodes in its gradient), a 20-layer stack of ``jax.checkpoint`` (remat)
layers, a loop with binomial checkpointing (``wb.fori_loop(..., checkpointing=wb.Binomial(3))``),
a ``lax.scan``, and a 12-layer model written as plain functions (``attention(h, p)``,
``block(h, p)``; issue 24). Shared by the Python tests, the browser tests, the benchmark and
the fixture writer of the front end's unit tests (``tests/js_fixtures.py``).

``SOURCE`` is the same definitions as text, for notebook cells.
"""

from __future__ import annotations

from typing import Any

SOURCE = """\
import jax, jax.numpy as jnp, workbench as wb

def mlp(params, x):
    for W, b in params:
        x = jnp.tanh(x @ W + b)
    return jnp.sum(x)

def remat_stack(params, x):
    layer = jax.checkpoint(lambda x, W, b: jnp.tanh(x @ W + b))
    for W, b in params:
        x = layer(x, W, b)
    return jnp.sum(x)

def binomial_loop(x):
    y = wb.fori_loop(0, 40, lambda i, y: jnp.sin(y) * x, x, checkpointing=wb.Binomial(3))
    return jnp.sum(y)

def scan_loop(x):
    y, _ = jax.lax.scan(lambda c, _: (jnp.sin(c) * x, None), x, None, length=20)
    return jnp.sum(y)

def layers(n, width=16, inputs=8):
    sizes = [inputs] + [width] * n
    return [(jnp.full((a, b), 0.1), jnp.zeros(b)) for a, b in zip(sizes, sizes[1:])]

def min_recip(x):
    return jnp.sum(jnp.minimum(1.0, 1.0 / x))

def layer_norm(h):
    m = jnp.mean(h, axis=-1, keepdims=True)
    return (h - m) / jnp.sqrt(jnp.mean((h - m) ** 2, axis=-1, keepdims=True) + 1e-5)

def attention(h, p):
    q, k, v = h @ p["wq"], h @ p["wk"], h @ p["wv"]
    s = q @ k.T / 4.0
    a = jnp.exp(s - jnp.max(s, axis=-1, keepdims=True))
    return (a / jnp.sum(a, axis=-1, keepdims=True)) @ v @ p["wo"]

def block(h, p):
    h = h + attention(layer_norm(h), p)
    return h + jnp.tanh(layer_norm(h) @ p["w1"]) @ p["w2"]

def transformer(params, x):
    h = x
    for p in params:
        h = block(h, p)
    return jnp.sum(h * h)

def blocks(n, d=16, s=8):
    def w(a, b, k):
        return jnp.full((a, b), 0.02 * (1 + k))
    names = ("wq", "wk", "wv", "wo")
    return [{**{m: w(d, d, i) for i, m in enumerate(names)}, "w1": w(d, 2 * d, 5),
             "w2": w(2 * d, d, 6)} for _ in range(n)], jnp.ones((s, d))
"""

# name -> (function name, argument expressions) as the notebook cells and tests call them
PROGRAMS: dict[str, tuple[str, str]] = {
    "mlp2": ("mlp", "layers(2), jnp.ones((4, 8))"),
    "mlp20": ("mlp", "layers(20), jnp.ones((4, 8))"),
    "remat20": ("remat_stack", "layers(20), jnp.ones((4, 8))"),
    "binomial_loop": ("binomial_loop", "jnp.ones(3)"),
    "scan_loop": ("scan_loop", "jnp.ones(3)"),
    # issue 24: a 12-layer model written as plain functions (attention, block), 6 arrays a layer
    "blocks12": ("transformer", "*blocks(12)"),
}


# The program whose gradient is NaN (at x = 0: the tutorial's min(1, 1/x)), for the NaN marks.
NAN_PROGRAM = ("min_recip", "jnp.array([0.0, 0.5, 2.0])")


def nan_cell(var: str = "g") -> str:
    """A notebook cell drawing the NaN program's gradient with its NaN marked."""
    fn, args = NAN_PROGRAM
    return f"{var} = wb.graph({fn}, {args}, mode=wb.Reverse, nans=True)\n{var}"


def namespace() -> dict[str, Any]:
    """The definitions of ``SOURCE``, executed."""
    ns: dict[str, Any] = {}
    exec(compile(SOURCE, __file__, "exec"), ns)
    return ns


def call(name: str) -> tuple[Any, tuple[Any, ...]]:
    """The function and the arguments of program ``name``."""
    ns = namespace()
    fn, args = PROGRAMS[name]
    return ns[fn], eval(f"({args},)", ns)


def cell(name: str, var: str = "g") -> str:
    """A notebook cell drawing program ``name``'s gradient with ``wb.graph``."""
    fn, args = PROGRAMS[name]
    return f"{var} = wb.graph({fn}, {args}, mode=wb.Reverse)\n{var}"
