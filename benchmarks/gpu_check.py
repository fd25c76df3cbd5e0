"""Core checks and benchmarks on whatever device JAX sees (GPU, TPU or CPU), as one report.

Runs the tutorial's examples with their numbers (forward, reverse, multi-argument, vector mode,
nested, strong zero, ignore_derivatives, complex) and the agreement of ``wb.gradient`` with raw
``jax.grad`` on an MLP, then the call-overhead, zero-cost-gradient, strong-zero and sharding
(data-parallel step on as many of 1, 2, 4, 8 devices as the machine has) benchmarks. Writes one
Markdown report (``--out``, default ``benchmarks/gpu_report.md``) with the device, each check's
result and the benchmark tables, and appends the tables to ``benchmarks/RESULTS.md``. Exits 1 if
a check fails. A full run takes about a minute on this 2-core CPU, less on a GPU; ``--quick`` is a
smoke run.

    .venv/bin/python benchmarks/gpu_check.py [--quick] [--out PATH] [--results PATH]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import _report
import bench_call_overhead
import bench_sharding
import bench_strong_zero
import bench_zero_cost_gradients as zero_cost
import jax
import jax.numpy as jnp
import numpy as np
from _report import Table

import workbench as wb

# The tutorial's checks are float64, as in Julia; the workbench never turns 64-bit mode on, so
# this script, an application, does (the benchmarks' own arrays are float32 explicitly).
jax.config.update("jax_enable_x64", True)

DEFAULT_OUT = _report.BENCH_DIR / "gpu_report.md"

# Analytic results are exact in float32 up to rounding; derivatives from two programs agree to
# float32 / float64 rounding.
F32 = {"rtol": 1e-6, "atol": 1e-6}
F64 = {"rtol": 1e-12, "atol": 1e-12}
AGREE_F32 = {"rtol": 2e-5, "atol": 2e-6}


# --------------------------------------------------------------------------------------------
# Checks: each returns what it got, printable, and raises (AssertionError) on a wrong result.


def _close(got: Any, expected: Any, dtype: Any, tol: dict[str, float]) -> None:
    """``got`` equals ``expected`` within ``tol``: same tuple/dict structure, shapes, ``dtype``."""
    if isinstance(got, tuple | list):
        assert isinstance(expected, tuple | list), f"got a tuple, expected {expected!r}"
        assert len(got) == len(expected), f"{len(got)} results, expected {len(expected)}"
        for g, e in zip(got, expected, strict=True):
            _close(g, e, dtype, tol)
        return
    if isinstance(got, dict):
        assert isinstance(expected, dict), f"got a dict, expected {expected!r}"
        assert got.keys() == expected.keys(), f"keys {sorted(got)}, expected {sorted(expected)}"
        for k in got:
            _close(got[k], expected[k], dtype, tol)
        return
    g, e = np.asarray(got), np.asarray(expected)
    assert g.dtype == np.dtype(dtype), f"dtype {g.dtype}, expected {np.dtype(dtype)}"
    assert g.shape == e.shape, f"shape {g.shape}, expected {e.shape}"
    np.testing.assert_allclose(g, e, **tol)


def _show(x: Any) -> str:
    def one(a: Any) -> str:
        a = np.asarray(a)
        return np.array2string(a, separator=", ") if a.ndim else repr(a.item())

    if isinstance(x, tuple | list):
        return "(" + ", ".join(_show(v) for v in x) + ")"
    return one(x)


def check_forward() -> str:
    x = wb.to_rarray(np.array([3.0, 4.0, 5.0], np.float32))
    sq_fwd = wb.jit(
        lambda x: wb.autodiff(wb.Forward, lambda v: v * v, wb.Duplicated(x, jnp.ones_like(x)))[0]
    )
    got = sq_fwd(x)
    _close(got, [6.0, 8.0, 10.0], np.float32, F32)
    return _show(got)


def check_forward_with_primal() -> str:
    x = wb.to_rarray(np.array([3.0, 4.0, 5.0], np.float32))
    f = wb.jit(
        lambda x: wb.autodiff(
            wb.ForwardWithPrimal, lambda v: v * v, wb.Duplicated(x, jnp.ones_like(x))
        )
    )
    tangent, primal = f(x)
    _close((tangent, primal), ([6.0, 8.0, 10.0], [9.0, 16.0, 25.0]), np.float32, F32)
    return f"{_show(tangent)}, {_show(primal)}"


def check_forward_gradient() -> str:
    x = wb.to_rarray(np.array([1.0, 2.0, 3.0], np.float32))
    (got,) = wb.jit(lambda x: wb.gradient(wb.Forward, lambda v: jnp.sum(v * v), x))(x)
    _close(got, [2.0, 4.0, 6.0], np.float32, F32)
    return _show(got)


def check_reverse_gradient() -> str:
    x = wb.to_rarray(np.array([1.0, 2.0, 3.0], np.float32))

    def loss(v: jax.Array) -> jax.Array:
        return jnp.sum(v**3)

    (grad,) = wb.jit(lambda x: wb.gradient(wb.Reverse, loss, x))(x)
    res = wb.jit(lambda x: wb.gradient(wb.ReverseWithPrimal, loss, x))(x)
    _close(grad, [3.0, 12.0, 27.0], np.float32, F32)
    _close((res.val, res.derivs[0]), (36.0, [3.0, 12.0, 27.0]), np.float32, F32)
    return f"{_show(grad)}; value {_show(res.val)}"


def check_multi_arg() -> str:
    x = wb.to_rarray(np.array([1.0, 2.0], np.float32))
    y = wb.to_rarray(np.array([3.0, 4.0], np.float32))
    got = wb.jit(lambda x, y: wb.gradient(wb.Reverse, lambda a, b: jnp.sum(a * b**2), x, y))(x, y)
    _close(got, ([9.0, 16.0], [6.0, 16.0]), np.float32, F32)
    return _show(got)


def check_vector_mode() -> str:
    x = wb.to_rarray(np.arange(1, 5, dtype=np.float32))
    onehot = wb.jit(wb.onehot)(x)
    (got,) = wb.jit(
        lambda x, dx: wb.autodiff(wb.Forward, lambda v: jnp.sum(v * v), wb.BatchDuplicated(x, dx))
    )(x, onehot)
    assert isinstance(got, tuple) and len(got) == 4, f"expected 4 lanes, got {got!r}"
    _close(got, (2.0, 4.0, 6.0, 8.0), np.float32, F32)
    return _show(got)


def check_second_derivative() -> str:
    x = wb.to_rarray(3.1)

    def first_deriv(v: jax.Array) -> jax.Array:
        return wb.gradient(wb.Reverse, lambda u: u**4, v)[0]

    got = wb.jit(lambda v: wb.gradient(wb.Reverse, first_deriv, v)[0])(x)
    _close(got, 12 * 3.1**2, np.float64, F64)
    return _show(got)


def check_strong_zero() -> str:
    x = wb.to_rarray(0.0)

    def div_by_zero(v: jax.Array) -> jax.Array:
        return jnp.minimum(1.0, 1 / v)

    (regular,) = wb.jit(lambda v: wb.gradient(wb.Reverse, div_by_zero, v))(x)
    (strong,) = wb.jit(lambda v: wb.gradient(wb.set_strong_zero(wb.Reverse), div_by_zero, v))(x)
    assert np.isnan(np.asarray(regular)), f"plain Reverse gave {regular}, expected NaN"
    _close(strong, 0.0, np.float64, F64)
    assert np.signbit(np.asarray(strong)), f"strong zero gave {strong}, expected -0.0"
    return f"{_show(regular)}, {_show(strong)}"


def check_ignore_derivatives() -> str:
    x = wb.to_rarray(np.array([1.0, 2.0, 3.0]))

    def f(v: jax.Array) -> jax.Array:
        return jnp.sum(v**2) + wb.ignore_derivatives(jnp.sum(v))

    (got,) = wb.jit(lambda x: wb.gradient(wb.Reverse, f, x))(x)
    _close(got, [2.0, 4.0, 6.0], np.float64, F64)
    return _show(got)


def check_complex() -> str:
    z = wb.to_rarray(np.array([1.0 + 2.0j, 3.0 + 4.0j]))
    (got,) = wb.jit(lambda z: wb.gradient(wb.Reverse, lambda v: jnp.sum(jnp.abs(v) ** 2), z))(z)
    _close(got, [2.0 + 4.0j, 6.0 + 8.0j], np.complex128, F64)
    return _show(got)


def check_mlp_agrees_with_jax() -> str:
    p, x, y = zero_cost.mlp_problem(zero_cost.FULL)
    ours = wb.jit(zero_cost.ours_reverse)(p, x, y)
    raw = jax.jit(jax.grad(zero_cost.mlp_loss))(p, x, y)
    _close(ours, raw, np.float32, AGREE_F32)
    val, derivs = wb.jit(zero_cost.ours_reverse_with_primal)(p, x, y)
    raw_val, raw_grad = jax.jit(jax.value_and_grad(zero_cost.mlp_loss))(p, x, y)
    _close((val, derivs), (raw_val, raw_grad), np.float32, AGREE_F32)
    err = max(
        float(np.max(np.abs(np.asarray(a) - np.asarray(b))))
        for a, b in zip(
            jax.tree_util.tree_leaves(ours), jax.tree_util.tree_leaves(raw), strict=True
        )
    )
    return f"max abs difference {err:.2e}"


# (name, expected as shown in the report, check)
CHECKS: list[tuple[str, str, Callable[[], str]]] = [
    ("forward: square at [3, 4, 5]", "[6, 8, 10]", check_forward),
    (
        "forward with primal: square at [3, 4, 5]",
        "tangent [6, 8, 10], primal [9, 16, 25]",
        check_forward_with_primal,
    ),
    ("forward gradient: sum(x^2) at [1, 2, 3]", "[2, 4, 6]", check_forward_gradient),
    (
        "reverse gradient: sum(x^3) at [1, 2, 3]",
        "[3, 12, 27]; with primal: value 36",
        check_reverse_gradient,
    ),
    (
        "multi-argument: sum(x * y^2) at x = [1, 2], y = [3, 4]",
        "([9, 16], [6, 16])",
        check_multi_arg,
    ),
    (
        "vector mode: onehot lanes of sum(x^2) at [1, 2, 3, 4]",
        "(2, 4, 6, 8)",
        check_vector_mode,
    ),
    ("nested: second derivative of x^4 at 3.1", "115.32 (float64)", check_second_derivative),
    (
        "strong zero: min(1, 1/x) at 0, Reverse then set_strong_zero(Reverse)",
        "nan, -0.0",
        check_strong_zero,
    ),
    (
        "ignore_derivatives: sum(x^2) + ignored sum(x)",
        "[2, 4, 6] (float64)",
        check_ignore_derivatives,
    ),
    (
        "complex: sum(abs2(z)) at [1+2i, 3+4i]",
        "[2+4j, 6+8j] (Enzyme's convention; jax.grad gives the conjugate)",
        check_complex,
    ),
    (
        "MLP: wb.gradient(Reverse / ReverseWithPrimal) against jax.grad / jax.value_and_grad",
        "equal within rtol 2e-5, atol 2e-6",
        check_mlp_agrees_with_jax,
    ),
]


@dataclasses.dataclass(frozen=True)
class CheckResult:
    name: str
    passed: bool
    expected: str
    got: str


def run_checks() -> list[CheckResult]:
    results = []
    for name, expected, fn in CHECKS:
        try:
            results.append(CheckResult(name, True, expected, fn()))
        except Exception as e:
            first = (str(e).strip().splitlines() or [type(e).__name__])[0]
            results.append(CheckResult(name, False, expected, f"{type(e).__name__}: {first}"))
            traceback.print_exc()
    return results


# --------------------------------------------------------------------------------------------
# Report


def device_table() -> Table:
    rows = []
    for d in jax.devices():
        memory = ""
        try:
            stats = d.memory_stats() or {}
            if "bytes_limit" in stats:
                memory = f"{stats['bytes_limit'] / 2**30:.1f} GiB"
        except Exception:  # CPU devices report no memory stats
            pass
        rows.append([d.id, d.platform, d.device_kind, memory])
    return Table(
        title=f"Devices (default backend: {jax.default_backend()})",
        headers=["id", "platform", "kind", "memory limit"],
        rows=rows,
    )


def checks_table(results: list[CheckResult]) -> Table:
    passed = sum(r.passed for r in results)
    return Table(
        title=f"Core checks: {passed} of {len(results)} passed",
        headers=["check", "expected", "got", "result"],
        rows=[[r.name, r.expected, r.got, "pass" if r.passed else "**FAIL**"] for r in results],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    _report.add_common_args(parser)
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="report file (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    start = time.perf_counter()

    results = run_checks()
    tables = [checks_table(results)]
    failures = [r for r in results if not r.passed]
    for module in (bench_call_overhead, zero_cost, bench_strong_zero, bench_sharding):
        try:
            tables += module.run(quick=args.quick)
        except Exception as e:
            traceback.print_exc()
            failures.append(CheckResult(module.__name__, False, "", repr(e)))
            tables.append(
                Table(
                    title=f"{module.__name__}: FAILED",
                    headers=["error"],
                    rows=[[f"{type(e).__name__}: {e}"]],
                )
            )

    backend = jax.default_backend()
    kind = jax.devices()[0].device_kind
    title = f"GPU check on {backend} ({kind})"
    elapsed = time.perf_counter() - start
    summary = Table(
        title="Summary",
        headers=["checks passed", "benchmarks", "wall time"],
        rows=[
            [
                f"{len(results) - sum(not r.passed for r in results)} / {len(results)}",
                "quick" if args.quick else "full",
                f"{elapsed:.1f} s",
            ]
        ],
    )
    report = _report.render(title, [summary, device_table(), *tables], quick=args.quick)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("# Workbench device check\n\n" + report, encoding="utf-8")
    _report.emit(
        title, tables, quick=args.quick, results=_report.results_path(args.results, args.quick)
    )
    print(f"report written to {args.out}")
    if failures:
        print(f"FAILED: {', '.join(r.name for r in failures)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
