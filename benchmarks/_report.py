"""Shared helpers for the benchmarks: fair ratios measured in one run, and Markdown reports.

Benchmarks are ratios (ours / raw JAX) measured in one process, never timed tests (DESIGN.md,
section 6). ``compare`` times two contenders fairly: both are warmed up first (compilation is
excluded), then timed in alternating order over many repeats, each repeat a batch of calls that
waits for its outputs (``jax.block_until_ready``); the ratio is of the two medians.

``emit`` prints the tables with the date, the command, the versions and the machine, and appends
them to ``benchmarks/RESULTS.md`` (or to the file named by ``--results`` or the environment
variable ``WORKBENCH_BENCH_RESULTS``). A ``--quick`` run appends nowhere unless a path is given,
so smoke runs leave RESULTS.md alone.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import gc
import os
import platform
import shlex
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
DEFAULT_RESULTS = BENCH_DIR / "RESULTS.md"
RESULTS_ENV = "WORKBENCH_BENCH_RESULTS"

RESULTS_HEADER = """\
# Benchmark results

Ratios measured in one run (ours / raw JAX), appended by the scripts in `benchmarks/`, newest at
the bottom. Each section names the command, the versions and the machine that produced it. A time
ratio below 1 means the workbench was faster; differences of a few percent are within run-to-run
noise (see the paired-ratio quartiles).
"""


# --------------------------------------------------------------------------------------------
# Command line


def parse_args(description: str, argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The common flags: ``--quick`` (smoke run) and ``--results PATH`` (where to append)."""
    parser = argparse.ArgumentParser(description=description)
    add_common_args(parser)
    return parser.parse_args(argv)


def add_common_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: smaller sizes and fewer repeats; appends nowhere unless --results or "
        f"${RESULTS_ENV} names a file",
    )
    parser.add_argument(
        "--results",
        type=Path,
        default=None,
        help=f"Markdown file to append the tables to (default: ${RESULTS_ENV}, else "
        "benchmarks/RESULTS.md; a --quick run appends only to a file named explicitly)",
    )


def results_path(cli_value: Path | None, quick: bool) -> Path | None:
    """Where to append: ``--results``, else ``$WORKBENCH_BENCH_RESULTS``, else RESULTS.md.

    A quick run appends only to a file named explicitly (flag or environment variable).
    """
    if cli_value is not None:
        return cli_value
    env = os.environ.get(RESULTS_ENV)
    if env:
        return Path(env)
    return None if quick else DEFAULT_RESULTS


def command_line() -> str:
    """The command that is running, as typed from the repository root."""
    exe = Path(sys.executable)
    try:
        python = str(exe.relative_to(REPO_ROOT))
    except ValueError:
        python = "python"
    script = Path(sys.argv[0]).resolve() if sys.argv and sys.argv[0] else None
    if script is not None and script.is_file():
        try:
            shown = str(script.relative_to(REPO_ROOT))
        except ValueError:
            shown = str(script)
        return shlex.join([python, shown, *sys.argv[1:]])
    return shlex.join([python, *sys.argv])


# --------------------------------------------------------------------------------------------
# Versions and machine


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.lower().startswith(("model name", "hardware", "cpu model")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def environment() -> dict[str, str]:
    """Versions (python, jax, jaxlib, numpy, workbench) and machine (platform, CPU, devices)."""
    import jax
    import jaxlib
    import numpy as np

    import workbench

    devices = jax.devices()
    kinds: dict[str, int] = {}
    for d in devices:
        kinds[d.device_kind] = kinds.get(d.device_kind, 0) + 1
    return {
        "python": platform.python_version(),
        "jax": jax.__version__,
        "jaxlib": jaxlib.__version__,
        "numpy": np.__version__,
        "workbench": getattr(workbench, "__version__", "unknown"),
        "platform": f"{platform.system()} {platform.release()} {platform.machine()}",
        "cpu": _cpu_model(),
        "cores": str(os.cpu_count() or "unknown"),
        "backend": jax.default_backend(),
        "devices": ", ".join(f"{n} x {kind}" for kind, n in kinds.items()),
    }


def environment_lines(env: dict[str, str] | None = None) -> list[str]:
    env = env or environment()
    return [
        f"versions: Python {env['python']}, jax {env['jax']}, jaxlib {env['jaxlib']}, "
        f"numpy {env['numpy']}, workbench {env['workbench']}",
        f"machine: {env['platform']}; CPU {env['cpu']}, {env['cores']} cores; "
        f"JAX backend {env['backend']} ({env['devices']})",
    ]


# --------------------------------------------------------------------------------------------
# Tables


@dataclasses.dataclass
class Table:
    """A Markdown table with a title and optional notes (free Markdown printed after it)."""

    title: str
    headers: Sequence[str]
    rows: list[Sequence[Any]] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)

    def markdown(self) -> str:
        def cell(v: Any) -> str:
            return str(v).replace("|", "\\|").replace("\n", " ")

        lines = [f"### {self.title}", ""]
        lines.append("| " + " | ".join(cell(h) for h in self.headers) + " |")
        lines.append("|" + "|".join("---" for _ in self.headers) + "|")
        lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in self.rows]
        if self.notes:
            lines.append("")
            lines += self.notes
        return "\n".join(lines)


def render(
    title: str, tables: Sequence[Table], *, command: str | None = None, quick: bool = False
) -> str:
    """One report section: title, date (UTC), command, versions, machine, then the tables."""
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    head = [f"## {title}{' (quick run)' if quick else ''}", ""]
    head += [f"- date: {now}", f"- command: `{command or command_line()}`"]
    head += [f"- {line}" for line in environment_lines()]
    return "\n".join(head) + "\n\n" + "\n\n".join(t.markdown() for t in tables) + "\n"


def append_results(text: str, path: Path) -> None:
    """Appends a section to a results file, creating it with its header if missing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists() or path.stat().st_size == 0
    with open(path, "a", encoding="utf-8") as f:
        if new:
            f.write(RESULTS_HEADER)
        f.write("\n" + text)


def emit(title: str, tables: Sequence[Table], *, quick: bool, results: Path | None = None) -> str:
    """Prints the section and appends it to ``results`` (if given); returns the text."""
    text = render(title, tables, quick=quick)
    print(text)
    if results is not None:
        append_results(text, results)
        print(f"(appended to {results})")
    else:
        print("(quick run: not appended to any results file)")
    return text


def run_main(
    doc: str,
    title: str,
    run: Callable[..., Sequence[Table]],
    argv: Sequence[str] | None = None,
) -> int:
    """What every benchmark's ``main`` does: parse the common flags (the description is the
    first line of ``doc``), ``run(quick=...)``, then ``emit`` the tables where they belong."""
    args = parse_args(doc.splitlines()[0], argv)
    emit(
        title,
        run(quick=args.quick),
        quick=args.quick,
        results=results_path(args.results, args.quick),
    )
    return 0


# --------------------------------------------------------------------------------------------
# Timing


@dataclasses.dataclass(frozen=True)
class Comparison:
    """Per-call times of two contenders from interleaved repeats (seconds, one per repeat)."""

    label_a: str
    label_b: str
    times_a: tuple[float, ...]
    times_b: tuple[float, ...]
    calls_per_repeat: int

    @property
    def median_a(self) -> float:
        return statistics.median(self.times_a)

    @property
    def median_b(self) -> float:
        return statistics.median(self.times_b)

    @property
    def ratio(self) -> float:
        """Time ratio a / b of the medians (below 1: a is faster)."""
        return self.median_a / self.median_b

    @property
    def paired_ratios(self) -> list[float]:
        """Per-repeat ratios a_i / b_i: each pair ran back to back, so slow drifts cancel."""
        return sorted(a / b for a, b in zip(self.times_a, self.times_b, strict=True))

    @property
    def paired_median(self) -> float:
        return statistics.median(self.paired_ratios)

    @property
    def paired_quartiles(self) -> tuple[float, float]:
        """25th and 75th percentiles of the paired ratios: the run-to-run noise of the ratio."""
        r = self.paired_ratios
        if len(r) < 4:
            return r[0], r[-1]
        q = statistics.quantiles(r, n=4)
        return q[0], q[2]

    @property
    def min_ratio(self) -> float:
        """Ratio of the fastest repeats: interference from other processes only adds time."""
        return min(self.times_a) / min(self.times_b)


def _run_batch(fn: Callable[[], Any], n: int) -> float:
    import jax

    start = time.perf_counter()
    for _ in range(n):
        jax.block_until_ready(fn())
    return time.perf_counter() - start


def compare(
    a: Callable[[], Any],
    b: Callable[[], Any],
    *,
    labels: tuple[str, str] = ("ours", "jax"),
    repeats: int = 41,
    warmup: int = 5,
    batch_seconds: float = 0.02,
    calls_per_repeat: int | None = None,
) -> Comparison:
    """Times ``a()`` against ``b()`` fairly in one run.

    Both are called ``warmup`` times first (so compilation and first-call costs are excluded).
    Each repeat then times a batch of ``calls_per_repeat`` calls of each contender, in alternating
    order (a, b on even repeats; b, a on odd ones), waiting for every output with
    ``jax.block_until_ready``. The batch size is chosen so that a batch takes about
    ``batch_seconds``. The garbage collector is off while timing, as in ``timeit``.
    """
    for _ in range(warmup):
        _run_batch(a, 1)
        _run_batch(b, 1)
    if calls_per_repeat is None:
        # The fastest of a few small batches: robust to a burst of load during calibration.
        probe = max(min(_run_batch(fn, 3) / 3 for _ in range(5)) for fn in (a, b))
        calls_per_repeat = max(1, min(100_000, round(batch_seconds / max(probe, 1e-9))))
    times_a: list[float] = []
    times_b: list[float] = []
    gc_was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        for i in range(repeats):
            if i % 2 == 0:
                times_a.append(_run_batch(a, calls_per_repeat) / calls_per_repeat)
                times_b.append(_run_batch(b, calls_per_repeat) / calls_per_repeat)
            else:
                times_b.append(_run_batch(b, calls_per_repeat) / calls_per_repeat)
                times_a.append(_run_batch(a, calls_per_repeat) / calls_per_repeat)
    finally:
        if gc_was_enabled:
            gc.enable()
    return Comparison(labels[0], labels[1], tuple(times_a), tuple(times_b), calls_per_repeat)


def format_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.2f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.3f} ms"
    return f"{seconds:.3f} s"


RATIO_HEADERS = (
    "case",
    "ours (median / call)",
    "raw JAX (median / call)",
    "ours calls/s",
    "raw JAX calls/s",
    "time ratio ours/JAX (of medians)",
    "paired ratio: median [IQR]",
    "ratio of minimums",
    "target",
    "within target",
)

RATIO_NOTE = (
    "Time ratios (below 1: ours faster): of the two medians; the median and interquartile range "
    "of the per-repeat ratios (each repeat times both back to back, so drifts in machine load "
    "cancel); and of the fastest repeats. The control row times raw JAX against a second, "
    "separately jitted copy of itself: its distance from 1 is the noise floor of this run. "
    "Speed is reported, never asserted."
)


def ratio_row(case: str, c: Comparison, target: float | None) -> list[str]:
    """A row of a ``RATIO_HEADERS`` table for ``c`` (a = ours, b = raw JAX); ``None``: control."""
    lo, hi = c.paired_quartiles
    return [
        case,
        f"`{c.label_a}`: {format_time(c.median_a)}",
        f"`{c.label_b}`: {format_time(c.median_b)}",
        f"{1 / c.median_a:,.0f}",
        f"{1 / c.median_b:,.0f}",
        f"**{c.ratio:.3f}**",
        f"{c.paired_median:.3f} [{lo:.3f}, {hi:.3f}]",
        f"{c.min_ratio:.3f}",
        "(control)" if target is None else f"<= {target:.2f}",
        _verdict(c, target),
    ]


def _verdict(c: Comparison, target: float | None) -> str:
    if target is None:
        return ""
    if c.ratio <= target:
        return "yes"
    return "unclear (within noise)" if c.paired_quartiles[0] <= target else "no"
