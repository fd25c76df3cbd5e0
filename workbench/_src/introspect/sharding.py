"""The sharding report: how a compiled program lays its arrays out across devices.

``sharding_report(compiled)`` reads what JAX and XLA already decided (no recompilation): the
devices the program runs on, the named mesh, each argument's and output's layout as a grid of
blocks (which devices hold which block, as ``jax.debug.visualize_array_sharding`` draws it, but
as data), the collectives in the optimized per-device HLO with their phase (forward, backward)
and device groups, and XLA's memory analysis of the per-device program.

Device indices everywhere (grid cells, collective groups) index ``report.devices``, which is the
program's device assignment: for a ``NamedSharding`` the mesh's devices in row-major order, the
order the HLO's replica groups count in.

``to_json()`` is the schema the notebook's widget reads::

    {"devices": ["cpu:0", ...], "mesh": [["data", 4], ["model", 2]],
     "arguments": [ARRAY, ...], "outputs": [ARRAY, ...],
     "collectives": [{"name", "kind", "shape", "bytes", "groups", "phase"}, ...],
     "memory_per_device": {"argument_bytes", "output_bytes", "temp_bytes", "total_bytes"} or {}}
    ARRAY = {"name", "shape", "dtype", "spec", "replicated", "bytes_per_device",
             "rows", "cols", "cells", "note"}
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import jax
import numpy as np

from workbench._src.internals import private_jax
from workbench._src.internals.shardings import is_single_device
from workbench._src.introspect import text
from workbench._src.introspect.hlo import Collective, collectives
from workbench._src.introspect.memory import CompiledMemory, compiled_memory


@dataclasses.dataclass(frozen=True, slots=True)
class ArrayLayout:
    """One array's layout across the program's devices.

    Attributes:
      name: the argument's path as JAX names it (``x``, ``params['w']``) or the output's
        (``result``, ``result[0]``).
      shape, dtype: the global (logical) array's.
      spec: ``PartitionSpec('data', None)`` (one entry per dimension) for a ``NamedSharding``,
        else the sharding's short text; ``"unused"`` for an argument the program drops.
      replicated: every device holds the whole array.
      bytes_per_device: the size of one device's shard.
      rows, cols: block boundaries along dimensions 0 and 1 (``[0, 1]`` where the array has no
        such dimension).
      cells: ``cells[i][j]``: the sorted indices (into the report's ``devices``) of the devices
        that hold block ``(i, j)``, i.e. ``[rows[i], rows[i+1]) x [cols[j], cols[j+1])``.
      note: what the grid leaves out (dimensions 2 and up), else ``""``.
    """

    name: str
    shape: tuple[int, ...]
    dtype: str
    spec: str
    replicated: bool
    bytes_per_device: int
    rows: tuple[int, ...]
    cols: tuple[int, ...]
    cells: tuple[tuple[tuple[int, ...], ...], ...]
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "shape": list(self.shape),
            "dtype": self.dtype,
            "spec": self.spec,
            "replicated": self.replicated,
            "bytes_per_device": self.bytes_per_device,
            "rows": list(self.rows),
            "cols": list(self.cols),
            "cells": [[list(cell) for cell in row] for row in self.cells],
            "note": self.note,
        }


@dataclasses.dataclass(frozen=True)
class ShardingReport:
    """Devices, mesh, array layouts, collectives and per-device memory of a compiled program.

    Attributes:
      devices: the program's devices as ``platform:id`` (``cpu:0``), in device-assignment order.
      mesh: ``(("data", 4), ("model", 2))``: the named mesh axes and sizes, ``()`` without a mesh.
      arguments, outputs: one ``ArrayLayout`` per array leaf.
      collectives: the cross-device instructions of the optimized HLO (``hlo.Collective``).
      memory: XLA's memory analysis of the per-device program (``None`` if unavailable).

    >>> import jax, jax.numpy as jnp
    >>> from workbench._src.introspect.sharding import sharding_report
    >>> report = sharding_report(jax.jit(lambda x: x * 2).lower(jnp.ones((4, 2))).compile())
    >>> len(report.devices), report.collectives, report.arguments[0].replicated
    (1, (), True)
    >>> report.to_json()["arguments"][0]["rows"]
    [0, 4]
    """

    devices: tuple[str, ...]
    mesh: tuple[tuple[str, int], ...]
    arguments: tuple[ArrayLayout, ...]
    outputs: tuple[ArrayLayout, ...]
    collectives: tuple[Collective, ...]
    memory: CompiledMemory | None

    @property
    def memory_per_device(self) -> dict[str, int]:
        """``argument_bytes``, ``output_bytes``, ``temp_bytes`` and ``total_bytes`` (their sum
        less what outputs alias of arguments), or ``{}`` without a memory analysis."""
        m = self.memory
        if m is None:
            return {}
        return {
            "argument_bytes": m.argument_bytes,
            "output_bytes": m.output_bytes,
            "temp_bytes": m.temp_bytes,
            "total_bytes": m.argument_bytes + m.output_bytes + m.temp_bytes - m.alias_bytes,
        }

    def to_json(self) -> dict[str, Any]:
        """Plain lists, dicts, strings and numbers, as the widget reads them."""
        return {
            "devices": list(self.devices),
            "mesh": [[name, size] for name, size in self.mesh],
            "arguments": [a.to_json() for a in self.arguments],
            "outputs": [a.to_json() for a in self.outputs],
            "collectives": [c.to_json() for c in self.collectives],
            "memory_per_device": self.memory_per_device,
        }

    def to_text(self, max_lines: int | None = 200) -> str:
        return render_sharding(self, max_lines)

    def __repr__(self) -> str:
        return self.to_text(40)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self))


def _out_info(compiled: Any, jaxpr: Any) -> Any:
    """The outputs' shapes and dtypes. ``Compiled.out_info`` asserts that every output has a
    layout, which a program with ordered effects (an ordered ``io_callback``) breaks in JAX 0.10
    (its effect tokens have none); the traced jaxpr knows the same shapes and dtypes."""
    try:
        return compiled.out_info
    except AssertionError:
        if jaxpr is None:
            raise
        structure = jax.tree_util.tree_structure(compiled.output_shardings)
        return jax.tree_util.tree_unflatten(structure, list(jaxpr.out_avals))


def sharding_report(
    compiled: Any,
    *,
    jaxpr: Any = None,
    hlo_text: str | None = None,
    memory: CompiledMemory | None = None,
) -> ShardingReport:
    """The sharding report of a compiled program (``jax.jit(f).lower(...).compile()``).

    Args:
      compiled: JAX's ``Compiled`` object.
      jaxpr: the traced ``ClosedJaxpr`` (``traced.jaxpr``), for the arguments' and outputs'
        names as JAX gives them; without it they are named by their pytree paths.
      hlo_text: ``compiled.as_text()``, if already at hand.
      memory: the ``CompiledMemory`` already read from ``compiled.memory_analysis()``.

    Returns:
      A ``ShardingReport``; nothing is recompiled.
    """
    in_avals, in_tree = jax.tree_util.tree_flatten(compiled.in_avals)
    out_avals, out_tree = jax.tree_util.tree_flatten(_out_info(compiled, jaxpr))
    in_shardings = _leaves(in_tree, compiled.input_shardings)
    out_shardings = _leaves(out_tree, compiled.output_shardings)
    in_names, out_names = _names(jaxpr, compiled, len(in_avals), len(out_avals))

    present = [s for s in (*in_shardings, *out_shardings) if s is not None]
    mesh = next((s.mesh for s in present if isinstance(s, jax.sharding.NamedSharding)), None)
    if mesh is not None and getattr(mesh, "devices", None) is not None:
        devices: tuple[Any, ...] = tuple(np.asarray(mesh.devices).flat)
    else:
        devices = private_jax.executable_devices(compiled) or ()
        if not devices:
            devices = private_jax.executable_devices_public(present)
    index = {d: i for i, d in enumerate(devices)}
    mesh_axes = tuple((str(k), int(v)) for k, v in mesh.shape.items()) if mesh is not None else ()

    if hlo_text is None:
        hlo_text = str(compiled.as_text())
    if memory is None:
        memory = compiled_memory(compiled)
    return ShardingReport(
        devices=tuple(f"{d.platform}:{d.id}" for d in devices),
        mesh=mesh_axes,
        arguments=tuple(
            array_layout(n, a.shape, a.dtype, s, index)
            for n, a, s in zip(in_names, in_avals, _pad(in_shardings, in_avals), strict=True)
        ),
        outputs=tuple(
            array_layout(n, a.shape, a.dtype, s, index)
            for n, a, s in zip(out_names, out_avals, _pad(out_shardings, out_avals), strict=True)
        ),
        collectives=collectives(hlo_text, len(devices)),
        memory=memory,
    )


def array_layout(
    name: str,
    shape: Sequence[int],
    dtype: Any,
    sharding: jax.sharding.Sharding | None,
    index: dict[Any, int],
) -> ArrayLayout:
    """The layout of one array of ``shape`` under ``sharding`` (``None``: the program does not
    use the array); ``index`` maps each device to its position in the report's devices.

    >>> import jax
    >>> from workbench._src.internals.shardings import single_device
    >>> d = jax.devices()[0]
    >>> layout = array_layout("x", (6, 3), "float32", single_device(d), {d: 0})
    >>> layout.rows, layout.cols, layout.cells, layout.bytes_per_device
    ((0, 6), (0, 3), (((0,),),), 72)
    """
    shape = tuple(int(n) for n in shape)
    # A random key's dtype (key<fry>) is JAX's, not NumPy's; it has a name and an itemsize too.
    dt = dtype if hasattr(dtype, "name") and hasattr(dtype, "itemsize") else np.dtype(dtype)
    rows: tuple[int, ...] = (0, shape[0]) if shape else (0, 1)
    cols: tuple[int, ...] = (0, shape[1]) if len(shape) > 1 else (0, 1)
    if sharding is None:
        empty: tuple[tuple[tuple[int, ...], ...], ...] = (((),),)
        return ArrayLayout(
            name, shape, dt.name, "unused", False, 0, rows, cols, empty,
            "not passed to the program: it does not use this argument",
        )  # fmt: skip

    spans: dict[int, list[tuple[int, int]]] = {}  # device index -> (start, stop) per dim 0, 1
    later_sharded = False
    for device, idx in sharding.devices_indices_map(shape).items():
        if device not in index:  # pragma: no cover - a sharding beyond the program's devices
            continue
        full = [_span(idx[k] if k < len(idx) else slice(None), n) for k, n in enumerate(shape)]
        later_sharded |= any(span != (0, n) for span, n in zip(full[2:], shape[2:], strict=True))
        spans[index[device]] = [*full, (0, 1), (0, 1)][:2]
    if shape:
        rows = _boundaries([s[0] for s in spans.values()], shape[0])
    if len(shape) > 1:
        cols = _boundaries([s[1] for s in spans.values()], shape[1])
    cells = tuple(
        tuple(
            tuple(
                sorted(
                    d
                    for d, ((r0, r1), (c0, c1)) in spans.items()
                    if r0 <= rows[i] and rows[i + 1] <= r1 and c0 <= cols[j] and cols[j + 1] <= c1
                )
            )
            for j in range(len(cols) - 1)
        )
        for i in range(len(rows) - 1)
    )
    shard = sharding.shard_shape(shape)
    note = ""
    if len(shape) > 2:
        how = _later_axes(sharding, len(shape)) if later_sharded else "not sharded"
        note = f"dims 2.. not shown ({how})"
    return ArrayLayout(
        name=name,
        shape=shape,
        dtype=dt.name,
        spec=spec_text(sharding, len(shape)),
        replicated=bool(sharding.is_fully_replicated),
        bytes_per_device=math.prod(shard) * dt.itemsize,
        rows=rows,
        cols=cols,
        cells=cells,
        note=note,
    )


def spec_text(sharding: jax.sharding.Sharding, ndim: int) -> str:
    """``PartitionSpec('data', None)`` (padded to ``ndim`` entries) for a ``NamedSharding``,
    else a short description of the sharding.

    >>> import jax
    >>> from jax.sharding import NamedSharding, PartitionSpec as P
    >>> mesh = jax.make_mesh((1,), ("data",))
    >>> spec_text(NamedSharding(mesh, P("data")), 2), spec_text(NamedSharding(mesh, P()), 0)
    ("PartitionSpec('data', None)", 'PartitionSpec()')
    """
    if isinstance(sharding, jax.sharding.NamedSharding):
        entries = list(sharding.spec) + [None] * max(0, ndim - len(sharding.spec))
        return "PartitionSpec(" + ", ".join(_spec_entry(e) for e in entries) + ")"
    if is_single_device(sharding):
        d: Any = next(iter(sharding.device_set))
        return f"SingleDeviceSharding({d.platform}:{d.id})"
    shown = repr(sharding)
    return shown if len(shown) <= 120 else shown[:117] + "..."


# --------------------------------------------------------------------------------------------
# Implementation


def _leaves(tree: Any, shardings: Any) -> list[Any]:
    """One sharding per leaf of ``tree`` (``compiled.input_shardings`` holds ``None`` where jit
    dropped an unused argument)."""
    try:
        return list(tree.flatten_up_to(shardings))
    except (ValueError, TypeError):  # pragma: no cover - JAX changed the trees' structure
        leaves = jax.tree_util.tree_leaves(shardings)
        return leaves if len(leaves) == tree.num_leaves else [None] * tree.num_leaves


def _pad(shardings: list[Any], avals: list[Any]) -> list[Any]:
    """One sharding per aval; a list this module cannot align reads as unknown."""
    if len(shardings) == len(avals):
        return shardings
    return [None] * len(avals)  # pragma: no cover - JAX changed the trees' structure


def _names(jaxpr: Any, compiled: Any, n_in: int, n_out: int) -> tuple[list[str], list[str]]:
    debug = getattr(getattr(jaxpr, "jaxpr", jaxpr), "debug_info", None)
    arg_names = list(getattr(debug, "arg_names", None) or ())
    result_paths = list(getattr(debug, "result_paths", None) or ())
    if len(arg_names) != n_in or not all(arg_names):
        paths = jax.tree_util.tree_flatten_with_path(compiled.in_avals)[0]
        arg_names = [_arg_path(p) for p, _ in paths]
    if len(result_paths) != n_out or not all(result_paths):
        paths = jax.tree_util.tree_flatten_with_path(compiled.out_info)[0]
        result_paths = ["result" + jax.tree_util.keystr(p) for p, _ in paths]
    return [str(n) for n in arg_names], [str(n) for n in result_paths]


def _arg_path(path: tuple[Any, ...]) -> str:
    """A path into ``in_avals`` (a tuple of positional arguments and a dict of keyword ones)
    as a name: ``[0][1]['w']`` -> ``args[1]['w']``; ``[1]['k']`` -> ``k``."""
    head, key = (*path, None, None)[:2]
    if isinstance(head, jax.tree_util.SequenceKey) and isinstance(key, jax.tree_util.SequenceKey):
        return f"args[{key.idx}]" + jax.tree_util.keystr(path[2:])
    if isinstance(key, jax.tree_util.DictKey):  # a keyword argument
        return str(key.key) + jax.tree_util.keystr(path[2:])
    return jax.tree_util.keystr(path)  # pragma: no cover


def _span(s: slice, n: int) -> tuple[int, int]:
    start, stop, _ = s.indices(n)
    return start, stop


def _boundaries(spans: list[tuple[int, int]], n: int) -> tuple[int, ...]:
    points = {0, n}
    for a, b in spans:
        points.update((a, b))
    return tuple(sorted(points))


def _spec_entry(e: Any) -> str:
    if isinstance(e, tuple):
        return "(" + ", ".join(repr(a) for a in e) + ("," if len(e) == 1 else "") + ")"
    return repr(e)


def _later_axes(sharding: jax.sharding.Sharding, ndim: int) -> str:
    if isinstance(sharding, jax.sharding.NamedSharding):
        names: list[str] = []
        for e in list(sharding.spec)[2:ndim]:
            for a in e if isinstance(e, tuple) else (e,):
                if a is not None and isinstance(a, str) and a not in names:
                    names.append(a)
        if names:
            return "sharded over " + ", ".join(repr(a) for a in names)
    return "sharded"


# --------------------------------------------------------------------------------------------
# Text (a report renders itself; introspect/text.py has the shared formatting)

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
            f"{text.plural(len(r.collectives), 'collective')}"
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
                f"{text.format_bytes(a.bytes_per_device)} per device"
                + (f"; {a.note}" if a.note else "")
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
            f" ({text.counted(by_phase, text.PHASES)}; "
            f"results {text.format_bytes(moved)} per device)"
            if r.collectives
            else " (no cross-device communication)"
        )
    )
    rows = [
        f"  {c.name}  {c.kind}  {c.shape}  {text.format_bytes(c.bytes)}  {c.phase or '-'}  "
        f"groups {c.groups}"
        for c in r.collectives
    ]
    lines += [
        text.cut_line(x, text.MAX_LINE_CHARS) for x in text.bounded(rows, max_lines, "collectives")
    ]
    m = r.memory_per_device
    lines.append(
        f"Memory per device (XLA): arguments {text.format_bytes(m['argument_bytes'])}, outputs "
        f"{text.format_bytes(m['output_bytes'])}, temp {text.format_bytes(m['temp_bytes'])}, total "
        f"{text.format_bytes(m['total_bytes'])}"
        if m
        else "Memory per device: not reported by this backend"
    )
    return "\n".join(text.bounded(lines, max_lines))
