"""Smoke runs of the benchmark scripts: each runs in ``--quick`` mode and prints its tables.

Speed is never a test: nothing here looks at a time or a ratio. The quick runs append to a file
in a temporary directory (``WORKBENCH_BENCH_RESULTS``), never to ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "benchmarks"

sys.path.insert(0, str(BENCH))
import _hlo  # noqa: E402
import _report  # noqa: E402

SCRIPTS = {
    "bench_call_overhead.py": ["Call overhead of a tiny function"],
    "bench_zero_cost_gradients.py": [
        "Optimized HLO: the same program?",
        "Run time of the compiled gradients",
    ],
    "bench_strong_zero.py": ["Compiled gradient with strong zero / without"],
    "bench_loops.py": ["Memory and time of the gradient", "Program size", "Equinox"],
    "bench_schedules.py": ["Schedules summarised without enumerating", "refusing a huge"],
    "bench_introspect.py": [
        "Graph model and memory report",
        "What was built",
        "wb.inspect of the gradient vs jax.jit(jax.grad(f)).lower(...).compile()",
    ],
    "bench_inspector.py": ["Inspector.of vs wb.inspect"],
    "bench_nans.py": ["explain_nans vs compiling and running the gradient once"],
    "bench_debug.py": [
        "check_gradient vs compiling and running the gradient once",
        "explain_nans vs compiling and running the gradient once",
    ],
    "bench_graph_viewer.py": ["Cell to interactive graph"],
    "bench_sharding.py": ["Data-parallel gradient step per device count"],
    "bench_models.py": ["Gradient step per call", "wb.inspect(loss"],
    "gpu_check.py": [
        "Call overhead",
        "Optimized HLO",
        "strong zero / without",
        "Data-parallel gradient step",
    ],
}


def _run(script: str, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, **{_report.RESULTS_ENV: str(tmp_path / "RESULTS.md")})
    return subprocess.run(
        [sys.executable, str(BENCH / script), "--quick", *extra],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def _has_table(text: str) -> bool:
    lines = text.splitlines()
    return any(a.startswith("| ") and b.startswith("|---") for a, b in itertools.pairwise(lines))


# CI runs each script once (.ci/run): these in the newest-JAX run, the rest in the floor run.
NEWEST_RUN = {"bench_debug.py", "bench_models.py", "bench_introspect.py", "gpu_check.py"}


@pytest.mark.parametrize(
    "script",
    [
        pytest.param(
            s, marks=pytest.mark.newest_only if s in NEWEST_RUN else pytest.mark.floor_only
        )
        for s in sorted(SCRIPTS)
    ],
)
def test_quick_run_prints_tables_and_appends_to_the_given_file(script: str, tmp_path: Path) -> None:
    extra = ("--out", str(tmp_path / "report.md")) if script == "gpu_check.py" else ()
    proc = _run(script, tmp_path, *extra)
    assert proc.returncode == 0, f"{script} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    assert _has_table(proc.stdout), proc.stdout
    for title in SCRIPTS[script]:
        assert title in proc.stdout
    results = (tmp_path / "RESULTS.md").read_text(encoding="utf-8")
    assert results.startswith("# Benchmark results")
    assert "(quick run)" in results and "- command: `" in results and _has_table(results)
    if script == "bench_sharding.py":  # the script asks JAX for 8 host devices: every row ran
        assert all(f"\n| {k} | " in proc.stdout for k in (1, 2, 4, 8)), proc.stdout
    if script == "gpu_check.py":
        checks = re.search(r"Core checks: (\d+) of (\d+) passed", proc.stdout)
        assert checks and checks.group(1) == checks.group(2), proc.stdout
        report = (tmp_path / "report.md").read_text(encoding="utf-8")
        assert "Devices (default backend:" in report and _has_table(report)


def test_quick_runs_append_only_to_a_file_named_explicitly(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(_report.RESULTS_ENV, raising=False)
    assert _report.results_path(None, quick=True) is None
    assert _report.results_path(None, quick=False) == _report.DEFAULT_RESULTS
    assert _report.results_path(tmp_path / "r.md", quick=True) == tmp_path / "r.md"
    monkeypatch.setenv(_report.RESULTS_ENV, str(tmp_path / "env.md"))
    assert _report.results_path(None, quick=True) == tmp_path / "env.md"


_HLO_A = """\
HloModule jit_loss, entry_computation_layout={(f32[3]{0}, /*index=1*/f32[3]{0})->f32[3]{0}}

FileNames
1 "/home/user/a.py"

StackFrames
1 {file_location_id=1 parent_frame_id=1}

%fused_computation.3 (param_0.1: f32[3]) -> f32[3] {
  %param_0.1 = f32[3]{0} parameter(0)
  ROOT %sin.7 = f32[3]{0} sine(%param_0.1), metadata={op_name="jit(loss)/sin" stack_frame_id=1}
}

ENTRY %main.5 (x.1: f32[3], y.2: f32[3]) -> f32[3] {
  %x.1 = f32[3]{0} parameter(0), metadata={op_name="x"}
  %y.2 = f32[3]{0} parameter(1), metadata={op_name="y"}
  %f.1 = f32[3]{0} fusion(%x.1), kind=kLoop, calls=%fused_computation.3
  ROOT %add.9 = f32[3]{0} add(%f.1, %y.2), metadata={op_name="jit(loss)/add{x}"}
}
"""


def test_hlo_normalizer_ignores_names_metadata_and_locations() -> None:
    renamed = (
        _HLO_A.replace("jit_loss", "jit__lambda")
        .replace("x.1", "p.4")
        .replace("y.2", "q.3")
        .replace("sin.7", "sin.2")
        .replace("%f.1", "%split.3")
        .replace("fused_computation.3", "fused_computation.8")
        .replace("/home/user/a.py", "/elsewhere/b.py")
        .replace('op_name="jit(loss)/sin"', 'op_name="jit(<lambda>)/jvp()/sin"')
    )
    assert _hlo.compare_hlo(_HLO_A, renamed).identical
    changed = _HLO_A.replace("add(%f.1, %y.2)", "multiply(%f.1, %y.2)")
    cmp = _hlo.compare_hlo(_HLO_A, changed)
    assert not cmp.identical
    assert (cmp.only_in_a, cmp.only_in_b) == (1, 1)
    assert any("multiply" in line for line in cmp.first_differences)
