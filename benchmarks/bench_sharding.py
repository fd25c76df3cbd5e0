"""Data-parallel gradient step: ``wb.gradient`` + SGD under ``wb.jit`` against raw JAX, 1-8 devices.

The step differentiates the mean squared error of a two-layer tanh MLP (in 64, hidden 256, out
16, global batch 1024, float32) with ``wb.gradient(wb.Reverse, loss, params, Const(x),
Const(y))`` and applies an SGD update, under ``wb.jit``; raw JAX does the same with ``jax.grad``
under ``jax.jit``. Both get identical ``in_shardings``/``out_shardings``: the batch sharded over
the mesh axis ``'data'``, the parameters replicated, so XLA inserts an all-reduce of the gradient.
For meshes of the first 1, 2, 4 and 8 devices it reports the median step times (interleaved
repeats), their ratio (target: at most 1.05), the per-device memory XLA plans for each program
(temp + argument bytes from ``memory_analysis()``), the collectives each program holds (from the
workbench's own sharding report) and whether the optimized HLO is the same program. Before
timing, it asserts that the gradients and the updated parameters equal raw JAX's.

Run as a script, it asks JAX for 8 host CPU devices (``jax_num_cpu_devices``) before JAX starts
its backends; on an accelerator (or when imported after JAX started, as by ``gpu_check.py``) it
uses the devices there are, so a one-GPU machine reports the one-device row. On a 2-core CPU
the forced host devices share the cores: the times show the overhead of the sharded program, not
a speed-up.

    .venv/bin/python benchmarks/bench_sharding.py [--quick] [--results PATH]
"""

from __future__ import annotations

import contextlib
import functools
import sys
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from _hlo import compare_hlo
from _report import Table, compare, format_time, run_main
from jax.sharding import AxisType, Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

import workbench as wb
from workbench._src.introspect.sharding import sharding_report

TITLE = "Sharding: data-parallel gradient step, wb.gradient + wb.jit against jax.grad + jax.jit"
TARGET = 1.05
HOST_DEVICES = 8
DEVICE_COUNTS = (1, 2, 4, 8)
LR = 0.1
AGREE_F32 = {"rtol": 2e-5, "atol": 2e-6}


def ask_for_host_devices(n: int = HOST_DEVICES) -> None:
    """Asks JAX for ``n`` CPU devices; does nothing once JAX has started its backends."""
    # Once the backends are initialized JAX refuses (RuntimeError): use the devices there are.
    with contextlib.suppress(RuntimeError):
        jax.config.update("jax_num_cpu_devices", n)


# --------------------------------------------------------------------------------------------
# The problem


def loss(params: dict[str, jax.Array], x: jax.Array, y: jax.Array) -> jax.Array:
    h = jnp.tanh(x @ params["w1"] + params["b1"])
    return jnp.mean((h @ params["w2"] + params["b2"] - y) ** 2)


def problem(
    batch: int, d_in: int, hidden: int, d_out: int
) -> tuple[dict[str, jax.Array], jax.Array, jax.Array]:
    rng = np.random.default_rng(0)

    def f32(a: Any) -> jax.Array:
        return jnp.asarray(np.asarray(a, np.float32))

    params = {
        "w1": f32(rng.normal(size=(d_in, hidden)) / np.sqrt(d_in)),
        "b1": f32(np.zeros(hidden)),
        "w2": f32(rng.normal(size=(hidden, d_out)) / np.sqrt(hidden)),
        "b2": f32(np.zeros(d_out)),
    }
    return params, f32(rng.normal(size=(batch, d_in))), f32(rng.normal(size=(batch, d_out)))


def ours_grad(params: Any, x: jax.Array, y: jax.Array) -> Any:
    return wb.gradient(wb.Reverse, loss, params, wb.Const(x), wb.Const(y))[0]


def ours_step(params: Any, x: jax.Array, y: jax.Array) -> Any:
    g = wb.gradient(wb.Reverse, loss, params, wb.Const(x), wb.Const(y))[0]
    return jax.tree_util.tree_map(lambda p, d: p - LR * d, params, g)


def raw_step(params: Any, x: jax.Array, y: jax.Array) -> Any:
    g = jax.grad(loss)(params, x, y)
    return jax.tree_util.tree_map(lambda p, d: p - LR * d, params, g)


# --------------------------------------------------------------------------------------------
# Measuring


def _memory(compiled: Any) -> tuple[int, int]:
    m = compiled.memory_analysis()
    return int(m.temp_size_in_bytes), int(m.argument_size_in_bytes)


def _collectives(compiled: Any) -> str:
    found = sharding_report(compiled).collectives
    kinds: dict[str, int] = {}
    for c in found:
        kinds[c.kind] = kinds.get(c.kind, 0) + 1
    return ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) or "none"


def _assert_close(got: Any, expected: Any) -> None:
    for g, e in zip(
        jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(expected), strict=True
    ):
        np.testing.assert_allclose(np.asarray(g), np.asarray(e), **AGREE_F32)


def measure(k: int, sizes: tuple[int, int, int, int], repeats: int, batch_s: float) -> list[str]:
    """One row: the step on a mesh of the first ``k`` devices."""
    mesh = Mesh(np.array(jax.devices()[:k]), ("data",), axis_types=(AxisType.Auto,))
    rep, data = NamedSharding(mesh, P()), NamedSharding(mesh, P("data"))
    params, x, y = problem(*sizes)
    params = jax.device_put(params, rep)
    x, y = jax.device_put(x, data), jax.device_put(y, data)
    shardings = {"in_shardings": (rep, data, data), "out_shardings": rep}

    # A fast wrong answer must not pass: the gradients and the steps equal raw JAX's.
    _assert_close(
        wb.jit(ours_grad, **shardings)(params, x, y), jax.jit(jax.grad(loss))(params, x, y)
    )
    ours = wb.jit(ours_step, **shardings)
    raw = jax.jit(raw_step, **shardings)
    _assert_close(ours(params, x, y), raw(params, x, y))
    assert ours(params, x, y)["w1"].sharding.is_equivalent_to(rep, 2)

    c_ours = ours.lower(params, x, y).compile()
    c_raw = raw.lower(params, x, y).compile()
    (t_ours, a_ours), (t_raw, a_raw) = _memory(c_ours), _memory(c_raw)
    same = compare_hlo(c_ours.as_text(), c_raw.as_text()).identical
    c = compare(
        functools.partial(ours, params, x, y),
        functools.partial(raw, params, x, y),
        labels=("wb", "jax"),
        repeats=repeats,
        batch_seconds=batch_s,
    )
    lo, hi = c.paired_quartiles
    verdict = "yes" if c.ratio <= TARGET else ("unclear (within noise)" if lo <= TARGET else "no")
    return [
        str(k),
        format_time(c.median_a),
        format_time(c.median_b),
        f"**{c.ratio:.3f}**",
        f"{c.paired_median:.3f} [{lo:.3f}, {hi:.3f}]",
        f"<= {TARGET:.2f}",
        verdict,
        f"{t_ours + a_ours:,} ({t_ours:,} + {a_ours:,})",
        f"{t_raw + a_raw:,} ({t_raw:,} + {a_raw:,})",
        f"{_collectives(c_ours)} / {_collectives(c_raw)}",
        "yes" if same else "no",
    ]


def run(quick: bool = False) -> list[Table]:
    """One table, a row per device count that this machine has."""
    sizes = (64, 16, 32, 8) if quick else (1024, 64, 256, 16)
    repeats = 5 if quick else 41
    batch_s = 0.002 if quick else 0.02
    available = len(jax.devices())
    counts = [k for k in DEVICE_COUNTS if k <= available]
    rows = [measure(k, sizes, repeats, batch_s) for k in counts]
    skipped = [k for k in DEVICE_COUNTS if k > available]
    batch, d_in, hidden, d_out = sizes
    return [
        Table(
            title="Data-parallel gradient step per device count",
            headers=[
                "devices",
                "ours (median / step)",
                "raw JAX (median / step)",
                "time ratio ours/JAX (of medians)",
                "paired ratio: median [IQR]",
                "target",
                "within target",
                "ours bytes per device: temp + arguments",
                "raw JAX bytes per device: temp + arguments",
                "collectives ours / raw",
                "same optimized HLO",
            ],
            rows=rows,
            notes=[
                f"MLP {d_in} -> {hidden} (tanh) -> {d_out}, global batch {batch} float32 sharded "
                "over 'data', parameters replicated, mean squared error, SGD step; both "
                "programs jitted with the same in/out shardings on a mesh of the first k "
                f"devices of {available} ({jax.default_backend()}). Gradients and updated "
                "parameters asserted equal to raw JAX's (rtol 2e-5) before timing. Timed over "
                f"{repeats} interleaved repeats in alternating order, blocking on every "
                "output; memory is XLA's memory_analysis() of the per-device program; "
                "collectives are read from the optimized HLO by the workbench's sharding "
                "report. Speed is reported, never asserted."
                + (f" Not run (not enough devices): {skipped}." if skipped else "")
            ],
        )
    ]


def main(argv: list[str] | None = None) -> int:
    ask_for_host_devices()
    return run_main(__doc__, TITLE, run, argv)


if __name__ == "__main__":
    sys.exit(main())
