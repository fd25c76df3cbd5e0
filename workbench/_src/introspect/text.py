"""Text renderers for the introspection data: they format, and never compute anything.

Every renderer is bounded: long IR and long listings are cut with a count of what was left out,
so printing the report of a program with a hundred thousand equations stays instant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench._src.sources import source_text

if TYPE_CHECKING:
    from workbench._src.introspect.cost import Cost, Timing
    from workbench._src.introspect.graph import Graph
    from workbench._src.introspect.hlo import HloProgram
    from workbench._src.introspect.inspection import Inspection
    from workbench._src.introspect.memory import MemoryReport
    from workbench._src.introspect.sharding import ArrayLayout, ShardingReport

MAX_IR_LINES = 400
MAX_LINE_CHARS = 300
PHASES = ("primal", "forward", "backward")
EDGE_KINDS = ("forward", "backward", "residual")


def truncate(
    text: str, max_lines: int | None = MAX_IR_LINES, max_line_chars: int = MAX_LINE_CHARS
) -> str:
    """``text`` cut to ``max_lines`` lines of at most ``max_line_chars`` characters, with a
    count of what was left out (``None``: no line limit).

    >>> print(truncate("a\\nb\\nc\\nd", max_lines=2))
    a
    b
    ... 2 more lines not shown (4 in all)
    """
    lines = text.splitlines()
    shown = lines if max_lines is None else lines[:max_lines]
    out = [_cut(line, max_line_chars) for line in shown]
    if len(shown) < len(lines):
        out.append(f"... {len(lines) - len(shown)} more lines not shown ({len(lines)} in all)")
    return "\n".join(out)


def _cut(line: str, limit: int) -> str:
    if len(line) <= limit:
        return line
    return f"{line[:limit]} ... ({len(line) - limit} more characters)"


def bounded(lines: list[str], max_lines: int | None, what: str = "lines") -> list[str]:
    """The first ``max_lines`` of ``lines`` and a count of the rest."""
    if max_lines is None or len(lines) <= max_lines:
        return lines
    return [*lines[:max_lines], f"... {len(lines) - max_lines} more {what} not shown"]


def format_bytes(n: float | None) -> str:
    """``1536`` -> ``"1.5 KiB"``; bytes below 1 KiB are exact."""
    if n is None:
        return "n/a"
    n = float(n)
    if abs(n) < 1024:
        return f"{int(n)} B"
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        n /= 1024
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.1f} {unit}"
    raise AssertionError("unreachable")  # pragma: no cover


def format_seconds(s: float | None) -> str:
    if s is None:
        return "n/a"
    if s < 1e-3:
        return f"{s * 1e6:.1f} µs"
    if s < 1:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.3f} s"


def _counts(counts: dict[str, int], order: tuple[str, ...]) -> str:
    keys = [k for k in order if k in counts] + sorted(k for k in counts if k not in order)
    return ", ".join(f"{counts[k]} {k}" for k in keys)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# --------------------------------------------------------------------------------------------
# Graph


def graph_summary(g: Graph) -> str:
    """One line: ops by phase, arguments, results, edges by kind, regions."""
    nodes = g.count("nodes")
    ops = g.count("ops")
    edges = g.count("edges")
    parts = [f"{_plural(nodes.get('op', 0), 'op')} ({_counts(ops, PHASES)})"]
    parts.append(_plural(nodes.get("argument", 0), "argument"))
    if nodes.get("constant"):
        parts.append(_plural(nodes["constant"], "constant"))
    parts.append(_plural(nodes.get("result", 0), "result"))
    edge_text = _plural(len(g.edges), "edge")
    if edges:
        edge_text += f" ({_counts(edges, EDGE_KINDS)})"
    return f"Graph: {', '.join(parts)}; {edge_text}; {_plural(len(g.regions), 'region')}"


def render_graph(g: Graph, max_lines: int | None = 60) -> str:
    """The summary, the region tree, and one line per node (bounded)."""
    lines = [graph_summary(g), "", "Regions:"]
    children: dict[str | None, list[str]] = {}
    for r in g.regions:
        children.setdefault(r.parent, []).append(r.id)
    per_region: dict[str, int] = {}
    for n in g.nodes:
        per_region[n.region] = per_region.get(n.region, 0) + 1
    tree: list[str] = []

    def visit(rid: str, depth: int) -> None:
        r = g.region(rid)
        extra = ", ".join(f"{k}={v}" for k, v in r.params)
        tree.append(
            f"{'  ' * depth}{r.label} [{r.id}] {r.phase}"
            + (f" ({extra})" if extra else "")
            + f": {_plural(per_region.get(rid, 0), 'node')}"
        )
        for c in children.get(rid, []):
            visit(c, depth + 1)

    for root in children.get(None, []):
        visit(root, 1)
    half = None if max_lines is None else max(5, max_lines // 2)
    lines += bounded(tree, half, "regions")
    lines += ["", "Nodes:"]
    shown = g.nodes if half is None else g.nodes[:half]
    for n in shown:
        ins = ", ".join(str(a) for a in n.inputs)
        outs = ", ".join(str(a) for a in n.outputs)
        label = n.primitive if n.kind == "op" else f"{n.kind} {n.name}"
        where = f"  {source_text(n.source)}" if n.source is not None else ""
        line = f"  {n.id}  {label}  ({ins}) -> ({outs})  {n.phase}{where}"
        lines.append(_cut(line, MAX_LINE_CHARS))
    if len(shown) < len(g.nodes):
        lines.append(f"... {len(g.nodes) - len(shown)} more nodes not shown")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Memory


def render_memory(m: MemoryReport, max_lines: int | None = 40) -> str:
    """Residuals (size and provenance), per-loop totals and the compiled program's memory."""
    lines = [
        f"Residuals: {_plural(len(m.residuals), 'array')}, {format_bytes(m.residual_bytes)}"
        + (" (the program has no backward pass)" if not m.residuals else "")
    ]
    shown = m.residuals if max_lines is None else m.residuals[:max_lines]
    lines += [f"  {r.aval}  {format_bytes(r.nbytes)}  {r.source}" for r in shown]
    if len(shown) < len(m.residuals):
        lines.append(f"... {len(m.residuals) - len(shown)} more residuals not shown")
    if m.loops:
        lines.append("Per loop (residuals stacked over the steps):")
        loop_rows = [
            f"  {lp.kind} [{lp.region}] length {lp.length}: {_plural(lp.count, 'array')}, "
            f"{format_bytes(lp.nbytes)}"
            + (f" ({format_bytes(lp.per_step_nbytes)} per step)" if lp.per_step_nbytes else "")
            + (f", from {lp.source}" if lp.source else "")
            for lp in m.loops
        ]
        lines += bounded(loop_rows, max_lines, "loops")
    c = m.compiled
    if c is not None:
        lines.append(
            f"Compiled ({c.backend}): arguments {format_bytes(c.argument_bytes)}, outputs "
            f"{format_bytes(c.output_bytes)}, aliased {format_bytes(c.alias_bytes)}, temp "
            f"{format_bytes(c.temp_bytes)}, peak {format_bytes(c.peak_bytes)}"
        )
        lines += [f"  note: {note}" for note in c.notes]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Cost, timing, HLO


def render_cost(c: Cost) -> str:
    def num(x: float | None) -> str:
        return "n/a" if x is None else f"{x:,.0f}"

    lines = [
        f"Cost (XLA): {num(c.flops)} flops, {num(c.transcendentals)} transcendentals, "
        f"{format_bytes(c.bytes_accessed)} accessed"
    ]
    lines += [f"  note: {note}" for note in c.notes]
    return "\n".join(lines)


def render_timing(t: Timing) -> str:
    run = (
        f"run {format_seconds(t.run_median_s)} (median of {t.runs})"
        if t.run_median_s is not None
        else "not run"
    )
    return (
        f"Timing: trace {format_seconds(t.trace_s)}, lower {format_seconds(t.lower_s)}, "
        f"compile {format_seconds(t.compile_s)}, {run}"
    )


def render_hlo_ops(h: HloProgram) -> str:
    counts = h.count()
    return (
        f"Optimized HLO: {_plural(len(h.ops), 'instruction')} ({_counts(counts, PHASES)}; "
        "phase read from each instruction's op_name metadata)"
    )


# --------------------------------------------------------------------------------------------
# Sharding

MAX_GRID_BLOCKS = 16


def device_ranges(indices: tuple[int, ...] | list[int]) -> str:
    """``[0, 1, 2, 5]`` -> ``"0-2,5"``.

    >>> device_ranges([0, 1, 2, 5]), device_ranges([]), device_ranges([3])
    ('0-2,5', '-', '3')
    """
    out: list[str] = []
    run: list[int] = []
    for i in sorted(indices):
        if run and i == run[-1] + 1:
            run.append(i)
            continue
        if run:
            out.append(f"{run[0]}-{run[-1]}" if len(run) > 2 else ",".join(map(str, run)))
        run = [i]
    if run:
        out.append(f"{run[0]}-{run[-1]}" if len(run) > 2 else ",".join(map(str, run)))
    return ",".join(out) or "-"


def render_array_grid(a: ArrayLayout) -> list[str]:
    """An ASCII grid of ``a``'s blocks (dimension 0 down, 1 across), each cell naming the
    devices that hold it, as ``jax.debug.visualize_array_sharding`` draws it."""
    n_rows, n_cols = len(a.rows) - 1, len(a.cols) - 1
    rows = range(min(n_rows, MAX_GRID_BLOCKS))
    cols = range(min(n_cols, MAX_GRID_BLOCKS))
    labels = [[device_ranges(a.cells[i][j]) for j in cols] for i in rows]
    width = max([len(x) for row in labels for x in row] + [1]) + 2
    gutter = [f"{a.rows[i]}:{a.rows[i + 1]}" for i in rows]
    gw = max(len(g) for g in gutter)
    rule = " " * (gw + 1) + "+" + "+".join("-" * width for _ in cols) + "+"
    lines = [rule]
    for i, row in enumerate(labels):
        lines.append(f"{gutter[i]:>{gw}} |" + "|".join(x.center(width) for x in row) + "|")
        lines.append(rule)
    if n_cols > len(cols):
        lines[1] += f" ... {n_cols - len(cols)} more columns of blocks"
    if n_rows > len(rows):
        lines.append(f"{'':>{gw}}  ... {n_rows - len(rows)} more rows of blocks")
    return lines


def render_sharding(r: ShardingReport, max_lines: int | None = 60) -> str:
    """Devices and mesh, a grid per argument and output, the collectives, memory per device."""
    n = len(r.devices)
    if n == 1:
        return (
            f"Sharding: 1 device ({r.devices[0]}); every array lives on it whole; "
            f"{_plural(len(r.collectives), 'collective')}"
        )
    mesh = " x ".join(f"{name}={size}" for name, size in r.mesh) or "no mesh"
    shown_devices = ", ".join(r.devices) if n <= 8 else f"{r.devices[0]} ... {r.devices[-1]}"
    lines = [
        f"Sharding: {n} devices ({shown_devices}); mesh {mesh}; "
        "grid cells name devices by their index in that list"
    ]
    for title, arrays in (("Arguments", r.arguments), ("Outputs", r.outputs)):
        lines.append(f"{title}:")
        for a in arrays:
            dims = ",".join(map(str, a.shape))
            how = "replicated" if a.replicated else "sharded"
            lines.append(
                f"  {a.name}  {a.dtype}[{dims}]  {a.spec}  {how}, "
                f"{format_bytes(a.bytes_per_device)} per device" + (f"; {a.note}" if a.note else "")
            )
            if a.spec != "unused":
                lines += ["    " + g for g in render_array_grid(a)]
    moved = sum(c.bytes for c in r.collectives)
    by_phase: dict[str, int] = {}
    for c in r.collectives:
        by_phase[c.phase or "untagged"] = by_phase.get(c.phase or "untagged", 0) + 1
    lines.append(
        f"Collectives: {len(r.collectives)}"
        + (
            f" ({_counts(by_phase, PHASES)}; results {format_bytes(moved)} per device)"
            if r.collectives
            else " (no cross-device communication)"
        )
    )
    rows = [
        f"  {c.name}  {c.kind}  {c.shape}  {format_bytes(c.bytes)}  {c.phase or '-'}  "
        f"groups {c.groups}"
        for c in r.collectives
    ]
    lines += [_cut(x, MAX_LINE_CHARS) for x in bounded(rows, max_lines, "collectives")]
    m = r.memory_per_device
    lines.append(
        f"Memory per device (XLA): arguments {format_bytes(m['argument_bytes'])}, outputs "
        f"{format_bytes(m['output_bytes'])}, temp {format_bytes(m['temp_bytes'])}, total "
        f"{format_bytes(m['total_bytes'])}"
        if m
        else "Memory per device: not reported by this backend"
    )
    return "\n".join(bounded(lines, max_lines))


# --------------------------------------------------------------------------------------------
# The whole inspection


def render_inspection(i: Inspection, max_lines: int | None = 40) -> str:
    """Every section, each bounded by ``max_lines``."""
    mode = f", mode={i.mode!r}" if i.mode is not None else ""
    parts = [f"wb.inspect({i.name}{mode})"]
    parts.append(render_timing(i.timing))
    parts.append(render_cost(i.cost))
    parts.append(render_memory(i.memory, max_lines))
    parts.append(graph_summary(i.graph))
    parts.append(render_hlo_ops(i.hlo_ops))
    parts.append(render_sharding(i.sharding, max_lines))
    stages = [i.jaxpr, i.stablehlo, i.hlo] + ([i.derivative] if i.derivative else [])
    for ir in stages:
        parts.append(f"--- {ir.stage} ({_plural(ir.line_count, 'line')}) ---")
        parts.append(truncate(ir.text, max_lines))
    return "\n".join(parts)
