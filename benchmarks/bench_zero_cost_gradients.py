"""Zero-cost gradients: ``wb.gradient`` under ``wb.jit`` against ``jax.jit(jax.grad)``/``jacfwd``.

The workbench's Enzyme-style API is a front end: once jitted, the program XLA runs should be the
very program raw JAX builds. For each case this reports whether the optimized HLO is the same
program (``Compiled.as_text()`` compared after normalizing names, metadata and source locations,
see ``_hlo.py``) and the run-time ratio (target: within 1.03).

Cases: reverse mode on a two-layer tanh MLP with a mean squared error loss (in 64, hidden 256,
out 10, batch 256, float32) against ``jax.grad``; the same with the primal
(``ReverseWithPrimal`` against ``jax.value_and_grad``); forward mode (one lane per parameter) on
the loss of a 64-element parameter vector against ``jax.jacfwd``.

    .venv/bin/python benchmarks/bench_zero_cost_gradients.py [--quick] [--results PATH]
"""

from __future__ import annotations

import dataclasses
import functools
import sys
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from _hlo import HloComparison, compare_hlo
from _report import (
    RATIO_HEADERS,
    RATIO_NOTE,
    Comparison,
    Table,
    compare,
    ratio_row,
    run_main,
)

import workbench as wb

TITLE = "Zero-cost gradients: wb.gradient against raw JAX"
TARGET = 1.03

KNOWN_FORWARD_DIFFERENCE = (
    "Why forward mode with several differentiated arrays is not the same program: the "
    "standard-basis tangents are built differently. `workbench/_src/ad/basis.py` "
    "(`stacked_basis`) builds each argument's block directly as `jnp.eye(n, size, k=-offset)`, "
    "an (n, size) slab; `jax.jacfwd` (`_std_basis`) builds the full n x n identity once and "
    "`split`s it per argument. With one argument both are `eye(n)`, and the programs are "
    "identical. The rest (the vmapped jvp, the reductions, and unstacking the lanes, where the "
    "workbench slices and JAX splits, the same HLO slices) is the same; the iota/compare fusions "
    "that make the basis, and everything that uses them, differ."
)


# --------------------------------------------------------------------------------------------
# Problems (also used by gpu_check.py)


@dataclasses.dataclass(frozen=True)
class Sizes:
    inputs: int
    hidden: int
    outputs: int
    batch: int
    params: int  # forward-mode parameter vector


FULL = Sizes(inputs=64, hidden=256, outputs=10, batch=256, params=64)
QUICK = Sizes(inputs=8, hidden=16, outputs=4, batch=16, params=8)


def mlp_loss(p: dict[str, jax.Array], x: jax.Array, y: jax.Array) -> jax.Array:
    """Two-layer MLP (tanh hidden layer), mean squared error."""
    h = jnp.tanh(x @ p["w1"] + p["b1"])
    return jnp.mean((h @ p["w2"] + p["b2"] - y) ** 2)


def mlp_problem(s: Sizes, seed: int = 0) -> tuple[dict[str, jax.Array], jax.Array, jax.Array]:
    rng = np.random.default_rng(seed)

    def f32(a: Any) -> jax.Array:
        return jnp.asarray(np.asarray(a, np.float32))

    params = {
        "w1": f32(rng.standard_normal((s.inputs, s.hidden)) / np.sqrt(s.inputs)),
        "b1": f32(0.1 * rng.standard_normal(s.hidden)),
        "w2": f32(rng.standard_normal((s.hidden, s.outputs)) / np.sqrt(s.hidden)),
        "b2": f32(0.1 * rng.standard_normal(s.outputs)),
    }
    x = f32(rng.standard_normal((s.batch, s.inputs)))
    y = f32(rng.standard_normal((s.batch, s.outputs)))
    return params, x, y


def vector_loss(w: jax.Array, x: jax.Array, y: jax.Array) -> jax.Array:
    """The loss of a parameter vector ``w`` (a one-layer tanh model), for forward mode."""
    return jnp.mean((jnp.tanh(x @ w) - y) ** 2)


def vector_problem(s: Sizes, seed: int = 1) -> tuple[jax.Array, jax.Array, jax.Array]:
    rng = np.random.default_rng(seed)
    w = jnp.asarray((rng.standard_normal(s.params) / np.sqrt(s.params)).astype(np.float32))
    x = jnp.asarray(rng.standard_normal((s.batch, s.params)).astype(np.float32))
    y = jnp.asarray(rng.standard_normal(s.batch).astype(np.float32))
    return w, x, y


def affine_loss(w: jax.Array, b: jax.Array, x: jax.Array, y: jax.Array) -> jax.Array:
    """The same model with a bias: two differentiated arguments (two basis blocks)."""
    return jnp.mean((jnp.tanh(x @ w + b) - y) ** 2)


def ours_reverse(p: Any, x: jax.Array, y: jax.Array) -> Any:
    return wb.gradient(wb.Reverse, mlp_loss, p, wb.Const(x), wb.Const(y))[0]


def ours_reverse_with_primal(p: Any, x: jax.Array, y: jax.Array) -> Any:
    r = wb.gradient(wb.ReverseWithPrimal, mlp_loss, p, wb.Const(x), wb.Const(y))
    return r.val, r.derivs[0]


def ours_forward(w: jax.Array, x: jax.Array, y: jax.Array) -> jax.Array:
    return wb.gradient(wb.Forward, vector_loss, w, wb.Const(x), wb.Const(y))[0]


def ours_forward_two_args(w: jax.Array, b: jax.Array, x: jax.Array, y: jax.Array) -> Any:
    return wb.gradient(wb.Forward, affine_loss, w, b, wb.Const(x), wb.Const(y))[:2]


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    labels: tuple[str, str]
    ours: Callable[..., Any]
    raw: Callable[..., Any]
    args: tuple[Any, ...]


def cases(s: Sizes) -> list[Case]:
    """Each case: a jitted workbench program, the raw JAX one, and their arguments."""
    mlp = mlp_problem(s)
    vec = vector_problem(s)
    shape = f"in {s.inputs}, hidden {s.hidden}, out {s.outputs}, batch {s.batch}, float32"
    return [
        Case(
            f"Reverse, MLP ({shape})",
            ("wb.gradient(Reverse)", "jax.grad"),
            wb.jit(ours_reverse),
            jax.jit(jax.grad(mlp_loss)),
            mlp,
        ),
        Case(
            f"ReverseWithPrimal, MLP ({shape})",
            ("wb.gradient(ReverseWithPrimal)", "jax.value_and_grad"),
            wb.jit(ours_reverse_with_primal),
            jax.jit(jax.value_and_grad(mlp_loss)),
            mlp,
        ),
        Case(
            f"Forward, loss of a {s.params}-vector (batch {s.batch}, float32)",
            ("wb.gradient(Forward)", "jax.jacfwd"),
            wb.jit(ours_forward),
            jax.jit(jax.jacfwd(vector_loss)),
            vec,
        ),
        Case(
            f"Forward, two arguments: {s.params}-vector and scalar bias (batch {s.batch})",
            ("wb.gradient(Forward)", "jax.jacfwd(argnums=(0, 1))"),
            wb.jit(ours_forward_two_args),
            jax.jit(jax.jacfwd(affine_loss, argnums=(0, 1))),
            (vec[0], jnp.float32(0.1), vec[1], vec[2]),
        ),
    ]


# --------------------------------------------------------------------------------------------
# Measurements


def _flops(compiled: Any) -> str:
    try:
        cost = compiled.cost_analysis()
    except Exception:  # not every backend reports costs
        return "n/a"
    if isinstance(cost, list | tuple):
        cost = cost[0] if cost else {}
    flops = (cost or {}).get("flops")
    return "n/a" if flops is None else f"{flops:,.0f}"


def check_agreement(case: Case) -> None:
    """The two programs compute the same numbers (float32 tolerances)."""
    ours = jax.tree_util.tree_leaves(case.ours(*case.args))
    raw = jax.tree_util.tree_leaves(case.raw(*case.args))
    assert len(ours) == len(raw), f"{case.name}: {len(ours)} outputs vs {len(raw)}"
    for a, b in zip(ours, raw, strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=2e-5, atol=2e-6)


def hlo_of(case: Case) -> tuple[Any, Any]:
    return case.ours.lower(*case.args).compile(), case.raw.lower(*case.args).compile()


def run(quick: bool = False) -> list[Table]:
    """Compares the optimized HLO and times each case; returns two tables."""
    s = QUICK if quick else FULL
    repeats = 7 if quick else 201
    batch_seconds = 0.002 if quick else 0.01

    hlo_rows, diff_notes, timing_rows = [], [], []
    measured: list[Comparison] = []
    all_cases = cases(s)
    for case in all_cases:
        check_agreement(case)
        ours_c, raw_c = hlo_of(case)
        cmp: HloComparison = compare_hlo(ours_c.as_text(), raw_c.as_text(), labels=case.labels)
        hlo_rows.append(
            [
                case.name,
                f"`{case.labels[0]}`",
                f"`{case.labels[1]}`",
                "**identical**" if cmp.identical else f"**not identical**: {cmp.summary()}",
                f"{cmp.instructions_a} / {cmp.instructions_b}",
                f"{_flops(ours_c)} / {_flops(raw_c)}",
            ]
        )
        if not cmp.identical:
            if case.name.startswith("Forward, two arguments"):
                diff_notes += [KNOWN_FORWARD_DIFFERENCE, ""]
            diff_notes += [
                f"First differences for {case.name} (normalized, `-` ours, `+` raw JAX):",
                "",
                "```diff",
                *cmp.first_differences,
                "```",
                "",
            ]
        c = compare(
            functools.partial(case.ours, *case.args),
            functools.partial(case.raw, *case.args),
            labels=case.labels,
            repeats=repeats,
            batch_seconds=batch_seconds,
        )
        measured.append(c)
        timing_rows.append(ratio_row(case.name, c, TARGET))

    # Control: the first case's raw JAX program against a second, separately jitted copy.
    first = all_cases[0]
    control_fn = jax.jit(jax.grad(mlp_loss))
    c = compare(
        functools.partial(control_fn, *first.args),
        functools.partial(first.raw, *first.args),
        labels=(first.labels[1], first.labels[1]),
        repeats=repeats,
        batch_seconds=batch_seconds,
    )
    measured.append(c)
    timing_rows.append(ratio_row(f"control: {first.labels[1]} vs itself, MLP", c, None))

    hlo_table = Table(
        title="Optimized HLO: the same program?",
        headers=[
            "case",
            "ours",
            "raw JAX",
            "optimized HLO",
            "instructions ours / JAX",
            "flops ours / JAX",
        ],
        rows=hlo_rows,
        notes=[
            "Both under jit (`wb.jit` / `jax.jit`), compiled for the same arguments; "
            "`Compiled.as_text()` compared after removing the module name, the source-location "
            "tables, `metadata={...}` (op names, stack frames), argument names in signatures "
            "and `/*index=*/` comments, and renaming every instruction and computation by what "
            "it computes (opcode + hash of its normalized operands and attributes), which drops "
            "JAX's op-derived names and numbering suffixes such as `.123` (`benchmarks/_hlo.py`).",
            *(["", *diff_notes] if diff_notes else []),
        ],
    )
    timing_table = Table(
        title="Run time of the compiled gradients",
        headers=RATIO_HEADERS,
        rows=timing_rows,
        notes=[
            f"Warmed up (compilation excluded), then {repeats} interleaved repeats in "
            "alternating order, blocking on every output; medians of the per-call times. "
            "Calls per repeat: "
            + ", ".join(str(c.calls_per_repeat) for c in measured)
            + ". "
            + RATIO_NOTE,
        ],
    )
    return [hlo_table, timing_table]


def main(argv: list[str] | None = None) -> int:
    return run_main(__doc__, TITLE, run, argv)


if __name__ == "__main__":
    sys.exit(main())
