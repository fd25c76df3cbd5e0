"""The model zoo: the workbench's compiled gradient and ``wb.inspect`` against raw JAX's.

For each model of ``tests/models/zoo.py`` (at its benchmark size: the 784-1024-1024-10 MLP, an
Equinox MLP and GRU RNN, a Flax NNX CNN, a 4-layer GPT-2-style transformer in float32 and
bfloat16, a 100-step leapfrog N-body of 256 bodies checkpointed with ``Binomial(10)``):

1. the gradient step ``wb.jit(lambda p, *c: wb.gradient(wb.Reverse, loss, p, *Const(c))[0])``
   against the library's own compiled gradient (``jax.jit(jax.grad(loss))``,
   ``eqx.filter_jit(eqx.filter_grad(loss))``, ``nnx.jit(nnx.grad(loss))``), per call, after
   compiling (target: <= 1.05);
2. ``wb.inspect(loss, p, *Const(c), mode=wb.Reverse)`` against
   ``jax.jit(jax.grad(loss)).lower(...).compile()`` on the same model, each from a cold cache
   (``jax.clear_caches()`` before each), the medians of a few alternating runs (target: <= 1.1).

    .venv/bin/python benchmarks/bench_models.py [--quick] [--results PATH]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import equinox as eqx
import jax
import numpy as np
from _report import RATIO_HEADERS, RATIO_NOTE, Table, compare, format_time, ratio_row, run_main
from flax import nnx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.models

import workbench as wb
from tests.models.zoo import ZooModel, build

TITLE = "The model zoo: compiled gradient and wb.inspect against raw JAX"
STEP_TARGET = 1.05
INSPECT_TARGET = 1.1
MODELS = (
    "mlp",
    "equinox_mlp",
    "equinox_gru",
    "nnx_cnn_eval",
    "gpt_float32",
    "gpt_bfloat16",
    "nbody",
)


def _raw_gradient(m: ZooModel):
    """The library's own compiled gradient of the model (what a user of it would write)."""
    if m.library == "equinox":
        return eqx.filter_jit(eqx.filter_grad(m.loss))
    if m.library == "flax.nnx":
        return nnx.jit(nnx.grad(m.loss))
    return jax.jit(jax.grad(m.loss))


def _lower_compile(m: ZooModel) -> None:
    """Raw JAX's ahead-of-time path for the same gradient program."""
    if m.library == "equinox":
        dynamic, static = eqx.partition(m.params, eqx.is_inexact_array)
        grad = jax.grad(lambda d, *c: m.loss(eqx.combine(d, static), *c))
        jax.jit(grad).lower(dynamic, *m.constants).compile()
    elif m.library == "flax.nnx":
        graphdef, params, rest = nnx.split(m.params, nnx.Param, ...)
        grad = jax.grad(lambda p, *c: m.loss(nnx.merge(graphdef, p, rest), *c))
        jax.jit(grad).lower(params, *m.constants).compile()
    else:
        jax.jit(jax.grad(m.loss)).lower(m.params, *m.constants).compile()


def _check(ours, theirs) -> None:
    for a, b in zip(
        jax.tree_util.tree_leaves(ours), jax.tree_util.tree_leaves(theirs), strict=True
    ):
        a64, b64 = np.asarray(a, np.float64), np.asarray(b, np.float64)
        scale = float(np.max(np.abs(b64))) + 1e-30
        assert float(np.max(np.abs(a64 - b64))) <= 2e-2 * scale, "gradients differ"


def run(quick: bool = False) -> list[Table]:
    size = "small" if quick else "bench"
    repeats, inspect_runs = (5, 1) if quick else (41, 3)
    step_rows, inspect_rows = [], []
    # The quick run (the smoke test's) times three small models, one of each library.
    for name in ("mlp", "equinox_mlp", "nnx_cnn_eval") if quick else MODELS:
        m = build(name, size)
        consts = tuple(wb.Const(c) for c in m.constants)
        ours = wb.jit(lambda p, *c, m=m: wb.gradient(wb.Reverse, m.loss, p, *map(wb.Const, c))[0])
        raw = _raw_gradient(m)
        _check(ours(*m.args), raw(*m.args))
        timed = compare(
            lambda ours=ours, m=m: ours(*m.args),
            lambda raw=raw, m=m: raw(*m.args),
            labels=("wb.jit(wb.gradient)", "library's jit(grad)"),
            repeats=repeats,
            batch_seconds=0.05 if not quick else 0.005,
        )
        step_rows.append(ratio_row(f"{name} ({m.parameters:,} parameters)", timed, STEP_TARGET))

        ours_s, read_s, raw_s = [], [], []
        for i in range(inspect_runs):
            order = ("ours", "raw") if i % 2 == 0 else ("raw", "ours")
            for who in order:
                jax.clear_caches()
                start = time.perf_counter()
                if who == "ours":
                    report = wb.inspect(m.loss, m.params, *consts, mode=wb.Reverse)
                    ours_s.append(time.perf_counter() - start)
                    report.to_text()  # reads every report, as a displayed inspection does
                    read_s.append(time.perf_counter() - start)
                else:
                    _lower_compile(m)
                    raw_s.append(time.perf_counter() - start)
        ratio = statistics.median(ours_s) / statistics.median(raw_s)
        read_ratio = statistics.median(read_s) / statistics.median(raw_s)
        inspect_rows.append(
            [
                name,
                format_time(statistics.median(ours_s)),
                format_time(statistics.median(raw_s)),
                f"**{ratio:.2f}**",
                f"<= {INSPECT_TARGET}",
                "yes" if ratio <= INSPECT_TARGET else "no",
                f"{format_time(statistics.median(read_s))} ({read_ratio:.2f}x)",
            ]
        )
    return [
        Table(
            title=(
                "Gradient step per call: wb.jit(wb.gradient) vs the library's jit(grad) "
                f"({size} sizes)"
            ),
            headers=RATIO_HEADERS,
            rows=step_rows,
            notes=[
                "Per model, the same loss and data; raw is jax.jit(jax.grad), "
                "eqx.filter_jit(eqx.filter_grad) or nnx.jit(nnx.grad). Gradients checked equal "
                "before timing. " + RATIO_NOTE
            ],
        ),
        Table(
            title=(
                "wb.inspect(loss, ..., mode=wb.Reverse) vs "
                "jax.jit(jax.grad(loss)).lower().compile()"
            ),
            headers=(
                "model",
                "wb.inspect",
                "lower + compile",
                "ratio",
                "target",
                "within target",
                "wb.inspect and every report read (to_text)",
            ),
            rows=inspect_rows,
            notes=[
                f"Medians of {inspect_runs} alternating runs each, every run from a cold cache "
                "(jax.clear_caches()). wb.inspect with its defaults: it traces, lowers and "
                "compiles once; its graph, memory, cost, HLO and sharding reports are made when "
                "first read, which the last column adds (what a displayed inspection costs)."
            ],
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    return run_main(__doc__, TITLE, run, argv)


if __name__ == "__main__":
    sys.exit(main())
