"""Strong zero against the plain gradient: the same function, compiled both ways, in one run.

Two workloads: a two-layer MLP loss (tanh hidden layer, batch 256, float32) and a 10,000-step
``lax.scan`` (``sin(c) * x + 0.5 c`` on a 1000-wide float32 carry). Target: a time ratio of at
most 1.15. The table also says how far apart the two gradients are, in ulps (smooth functions:
strong zero changes no value, but may change XLA's summation order in a dot).

    .venv/bin/python benchmarks/bench_strong_zero.py [--quick] [--results PATH]
"""

from __future__ import annotations

import functools
import sys

import jax
import jax.numpy as jnp
import numpy as np
from _report import (
    RATIO_HEADERS,
    RATIO_NOTE,
    Table,
    compare,
    ratio_row,
    run_main,
)

import workbench as wb

TITLE = "Strong zero: set_strong_zero(Reverse) against Reverse"
TARGET = 1.15


def mlp_loss(params, x, y):
    w1, b1, w2, b2 = params
    h = jnp.tanh(x @ w1 + b1)
    return jnp.mean((h @ w2 + b2 - y) ** 2)


def scan_loss(x, c0, steps):
    def body(c, _):
        return jnp.sin(c) * x + 0.5 * c, None

    c, _ = jax.lax.scan(body, c0, None, length=steps)
    return jnp.sum(c)


def _mlp(quick: bool):
    d_in, hidden, d_out, batch = (16, 32, 4, 32) if quick else (64, 256, 10, 256)
    k = jax.random.split(jax.random.key(0), 6)
    params = (
        jax.random.normal(k[0], (d_in, hidden), jnp.float32) / np.float32(np.sqrt(d_in)),
        jnp.zeros(hidden, jnp.float32),
        jax.random.normal(k[1], (hidden, d_out), jnp.float32) / np.float32(np.sqrt(hidden)),
        jnp.zeros(d_out, jnp.float32),
    )
    x = jax.random.normal(k[2], (batch, d_in), jnp.float32)
    y = jax.random.normal(k[3], (batch, d_out), jnp.float32)
    label = f"MLP loss (in {d_in}, hidden {hidden}, out {d_out}, batch {batch}, float32)"

    def grad(mode):
        return wb.jit(lambda p, x, y: wb.gradient(mode, mlp_loss, p, wb.Const(x), wb.Const(y))[0])

    return label, grad, (params, x, y)


def _scan(quick: bool):
    steps, width = (100, 64) if quick else (10_000, 1000)
    x = jnp.linspace(0.1, 0.9, width, dtype=jnp.float32)
    c0 = jnp.full(width, 0.3, jnp.float32)
    label = f"lax.scan, {steps:,} steps, float32[{width}] carry"

    def grad(mode):
        return wb.jit(lambda x, c0: wb.gradient(mode, lambda x, c: scan_loss(x, c, steps), x, c0))

    return label, grad, (x, c0)


def max_ulp_difference(a, b) -> int:
    """Largest distance in units in the last place between two pytrees of float arrays."""
    worst = 0
    for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b), strict=True):
        x, y = np.asarray(x), np.asarray(y)
        assert x.dtype == y.dtype and x.shape == y.shape
        as_int = {4: np.int32, 8: np.int64}[x.dtype.itemsize]
        xi, yi = x.view(as_int).astype(np.int64), y.view(as_int).astype(np.int64)
        # Map the sign-magnitude encoding onto a monotonic integer line.
        xi = np.where(xi < 0, np.iinfo(as_int).min - xi, xi)
        yi = np.where(yi < 0, np.iinfo(as_int).min - yi, yi)
        worst = max(worst, int(np.max(np.abs(xi - yi))) if x.size else 0)
    return worst


def run(quick: bool = False) -> list[Table]:
    repeats = 7 if quick else 41
    sz = wb.set_strong_zero(wb.Reverse)
    rows, calls, agreement = [], [], []
    for label, grad, args in (_mlp(quick), _scan(quick)):
        ours, plain = grad(sz), grad(wb.Reverse)
        ulps = max_ulp_difference(ours(*args), plain(*args))
        agreement.append(f"{label}: " + ("bit for bit" if ulps == 0 else f"{ulps} ulp at most"))
        c = compare(
            functools.partial(ours, *args),
            functools.partial(plain, *args),
            labels=("set_strong_zero(Reverse)", "Reverse"),
            repeats=repeats,
        )
        rows.append(ratio_row(label, c, TARGET))
        calls.append(c.calls_per_repeat)
    table = Table(
        title="Compiled gradient with strong zero / without (same function, same inputs)",
        headers=RATIO_HEADERS,
        rows=rows,
        notes=[
            "Both gradients are wb.jit-compiled. Agreement of the two gradients: "
            + "; ".join(agreement)
            + (
                ". "
                if all(a.endswith("bit for bit") for a in agreement)
                else " (a dot whose output XLA would fold into a transpose is kept apart by the "
                "strong-zero guard, which can change the summation order). "
            )
            + f"{repeats} interleaved repeats; calls per repeat: "
            + ", ".join(map(str, calls))
            + ". "
            + RATIO_NOTE.replace("raw JAX", "the plain gradient"),
        ],
    )
    return [table]


def main(argv: list[str] | None = None) -> int:
    return run_main(__doc__, TITLE, run, argv)


if __name__ == "__main__":
    sys.exit(main())
