"""The memory report: what the backward pass keeps, and what the compiled program allocates.

A residual is a value computed before the backward pass (by a forward or primal equation, or an
argument) and read by the backward pass. ``residuals`` finds them in the jaxpr of a program that
differentiates, at every level of nesting, and says where each came from in JAX's own words, as
``jax.ad_checkpoint.print_saved_residuals`` does ("from the argument x", "output of sin from
f.py:3:8 (f)"). A residual produced by a loop is stacked over its steps; ``loops`` totals them.

``CompiledMemory`` reads XLA's ``memory_analysis()``. On CPU, XLA's ``peak_memory_in_bytes`` counts
only arguments and outputs, so the report says so and points at ``temp_bytes``, which holds what
the program keeps in between (residuals included).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import jax

from workbench._src.internals import jaxprs, params, private_jax
from workbench._src.internals import primitives as prims
from workbench._src.introspect import structure, text
from workbench._src.introspect.structure import ROOT, Aval
from workbench._src.sources import source_text


@dataclasses.dataclass(frozen=True, slots=True)
class Residual:
    """One value kept for the backward pass.

    Attributes:
      aval: shape and dtype (``str(aval)`` is JAX's ``f32[3]``).
      source: where it came from, in JAX's words: ``"from the argument x"``,
        ``"output of sin from f.py:3:8 (f)"``, ``"output of jitted function 'g' from ..."``,
        ``"named 'h' from ..."`` (``checkpoint_name``).
      producer: graph id of what produced it: an argument node (``"main/in0"``), an equation node,
        or a region (a ``scan`` or ``jit`` equation).
      consumers: graph ids of the backward equations (nodes or regions) that read it.
      region: id of the region (jaxpr) in which it is passed from forward to backward.
      loop: id of the loop region that produced it stacked over its steps, else ``None``.
      detail: for a loop output, what the body computes for each step.
    """

    aval: Aval
    source: str
    producer: str
    consumers: tuple[str, ...]
    region: str
    loop: str | None = None
    detail: str = ""

    @property
    def nbytes(self) -> int:
        return self.aval.nbytes


@dataclasses.dataclass(frozen=True, slots=True)
class LoopResiduals:
    """The residuals one loop produces, stacked over its steps.

    Attributes:
      region: the loop's region id in the graph.
      kind: ``"scan"`` or ``"while"``.
      length: number of steps (``None`` for a while loop).
      count: number of stacked residual arrays.
      nbytes: their total size.
      per_step_nbytes: ``nbytes / length`` (``None`` when the length is unknown).
      source: the loop's source line in JAX's words.
    """

    region: str
    kind: str
    length: int | None
    count: int
    nbytes: int
    per_step_nbytes: int | None
    source: str


@dataclasses.dataclass(frozen=True, slots=True)
class CompiledMemory:
    """XLA's ``memory_analysis()`` of the compiled program, in bytes.

    Attributes:
      argument_bytes, output_bytes, alias_bytes, temp_bytes, generated_code_bytes: as XLA reports.
      peak_bytes: XLA's ``peak_memory_in_bytes`` (on CPU: arguments and outputs only).
      backend: the platform that compiled it (``"cpu"``, ``"gpu"``, ``"tpu"``).
      notes: what to keep in mind reading these numbers.
    """

    argument_bytes: int
    output_bytes: int
    alias_bytes: int
    temp_bytes: int
    generated_code_bytes: int
    peak_bytes: int | None
    backend: str
    notes: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class MemoryReport:
    """Residuals with provenance, per-loop totals, and the compiled program's memory.

    >>> import jax, jax.numpy as jnp
    >>> from workbench.introspect import memory_report
    >>> f = lambda x: jnp.sum(jnp.sin(x) * x)
    >>> report = memory_report(jax.make_jaxpr(jax.grad(f))(jnp.ones(3, jnp.float32)))
    >>> [(str(r.aval), r.source.split(" from ")[0]) for r in report.residuals]
    [('f32[3]', 'from the argument x'), ('f32[3]', 'output of sin'), ('f32[3]', 'output of cos')]
    >>> report.residual_bytes
    36
    """

    residuals: tuple[Residual, ...]
    loops: tuple[LoopResiduals, ...]
    compiled: CompiledMemory | None = None

    @property
    def residual_bytes(self) -> int:
        """Total size of the residuals (each counted once, stacked loop outputs in full)."""
        return sum(r.nbytes for r in self.residuals)

    def __repr__(self) -> str:
        return render_memory(self, max_lines=40)


# --------------------------------------------------------------------------------------------
# Building


def memory_report(jaxpr: Any, compiled: Any = None) -> MemoryReport:
    """The memory report of a program.

    Args:
      jaxpr: its ``ClosedJaxpr`` (or ``Jaxpr``), e.g. ``jax.make_jaxpr(jax.grad(f))(x)``.
      compiled: optionally its compiled form (``jax.jit(f).lower(x).compile()``), for XLA's
        argument, output, alias and temp bytes.

    Returns:
      A ``MemoryReport``.
    """
    found, loops = _find(jaxpr)
    return MemoryReport(found, loops, compiled_memory(compiled))


def residuals(jaxpr: Any) -> tuple[Residual, ...]:
    """The values the backward passes in ``jaxpr`` read from before them, with provenance.

    Listed as ``print_saved_residuals`` lists them: constants, then arguments, then equation
    outputs in program order; residuals of nested jaxprs follow those of their parent.

    >>> import jax, jax.numpy as jnp
    >>> from workbench.introspect import residuals
    >>> found = residuals(jax.make_jaxpr(jax.grad(lambda x: jnp.sin(x) * x))(1.0))
    >>> [r.source.split(" from ")[0] for r in found]
    ['from the argument x', 'output of sin', 'output of cos']
    """
    return _find(jaxpr)[0]


def _find(jaxpr: Any) -> tuple[tuple[Residual, ...], tuple[LoopResiduals, ...]]:
    inner = _open(jaxpr)
    out: list[Residual] = []
    loops: dict[str, Any] = {}
    names = getattr(getattr(inner, "debug_info", None), "arg_names", None)
    with structure.paused_gc():
        _walk(inner, ROOT, (), names, True, out, loops)
        return tuple(out), _loop_totals(out, loops)


def _open(jaxpr: Any) -> Any:
    if jaxprs.is_jaxpr(jaxpr):
        return jaxprs.open_jaxpr(jaxpr)[0]
    raise TypeError(
        f"memory_report needs a jaxpr, but received a {type(jaxpr).__name__}. Pass "
        "jax.make_jaxpr(f)(*args), or use wb.inspect(f, *args).memory."
    )


def _walk(
    jaxpr: Any,
    region: str,
    prefix: tuple[structure.Entry, ...],
    arg_names: Sequence[str] | None,
    top: bool,
    out: list[Residual],
    loops: dict[str, Any],
) -> None:
    region_phase = structure.phase_of(prefix)
    # Where each variable comes from: (0, i) constant, (1, i) argument, (2, i, eqn, phase, k).
    defs: dict[Any, Any] = {}
    for i, v in enumerate(jaxpr.constvars):
        defs[v] = (0, i)
    for i, v in enumerate(jaxpr.invars):
        defs[v] = (1, i)
    consumers: dict[Any, list[str]] = {}
    nested: list[tuple[Any, str, tuple[structure.Entry, ...]]] = []
    stacks = structure.StackCache(prefix)
    for i, eqn in enumerate(jaxpr.eqns):
        info = stacks.info(eqn)
        phase = info.phase
        if phase == "backward":
            cid = f"{region}/{i}"
            for v in eqn.invars:
                if structure.is_literal(v):
                    continue
                d = defs.get(v)
                if d is None:
                    continue
                saved = d[3] != "backward" if d[0] == 2 else region_phase != "backward"
                if saved:
                    users = consumers.setdefault(v, [])
                    if not users or users[-1] != cid:
                        users.append(cid)
        for k, v in enumerate(eqn.outvars):
            defs[v] = (2, i, eqn, phase, k)
        subs = structure.sub_jaxprs(eqn)
        if subs:
            rid = f"{region}/{i}"
            for k, sub in enumerate(subs):
                sid = rid if len(subs) == 1 else f"{rid}.{k}"
                nested.append((sub.jaxpr, sid, info.entries))
    order = sorted(consumers, key=lambda v: (*defs[v][:2], defs[v][-1] if defs[v][0] == 2 else 0))
    for v in order:
        out.append(_residual(v, defs, consumers[v], region, arg_names, top, loops))
    for sub, sid, entries in nested:
        names = getattr(getattr(sub, "debug_info", None), "arg_names", None)
        _walk(sub, sid, entries, names, False, out, loops)


def _residual(
    v: Any,
    defs: dict[Any, Any],
    users: list[str],
    region: str,
    arg_names: Sequence[str] | None,
    top: bool,
    loops: dict[str, Any],
) -> Residual:
    aval = structure.aval_of(v)
    d = defs[v]
    # Like JAX, look through reduce_precision to the value it rounds.
    while d[0] == 2 and d[2].primitive is prims.REDUCE_PRECISION:
        src = d[2].invars[0]
        if structure.is_literal(src) or src not in defs:
            break
        d = defs[src]
    if d[0] == 1:
        i = d[1]
        name = arg_names[i] if arg_names is not None and i < len(arg_names) else None
        source = (
            f"from the argument {name}" if name else f"from the argument at flattened index {i}"
        )
        producer = f"{ROOT}/in{i}" if top else region
        return Residual(aval, source, producer, tuple(users), region)
    if d[0] == 0:
        return Residual(aval, "from a constant", f"{region}/const{d[1]}", tuple(users), region)
    _, i, eqn, _, k = d
    summary = source_text(private_jax.user_frame(eqn.source_info))
    where = f" from {summary}" if summary else ""  # no user frame: JAX's own code made it
    if eqn.primitive is prims.CHECKPOINT_NAME:
        source = f"named '{params.checkpoint_name(eqn.params)}'{where}"
    elif eqn.primitive is prims.JIT:
        source = f"output of jitted function '{params.jit_name(eqn.params)}'{where}"
    else:
        source = f"output of {eqn.primitive.name}{where}"
    producer = f"{region}/{i}"
    if structure.region_kind(eqn) not in structure.loop_kinds():
        return Residual(aval, source, producer, tuple(users), region)
    loops[producer] = eqn
    detail = _loop_detail(eqn, k)
    return Residual(aval, source, producer, tuple(users), region, producer, detail)


def _loop_detail(eqn: Any, index: int) -> str:
    """What the loop body computes for output ``index``, for each step."""
    subs = structure.sub_jaxprs(eqn) or []
    length = params.loop_length(eqn)
    steps = f"stacked over {length} steps" if length is not None else "one per step"
    if not subs or index >= len(subs[-1].jaxpr.outvars):
        return steps
    body = subs[-1].jaxpr
    ov = body.outvars[index]
    for e in body.eqns:
        if ov in e.outvars:
            summary = source_text(private_jax.user_frame(e.source_info))
            where = f" from {summary}" if summary else ""
            return f"{steps}; in the body: output of {e.primitive.name}{where}"
    return f"{steps}; in the body: an input of the step"


def _loop_totals(found: Sequence[Residual], loops: dict[str, Any]) -> tuple[LoopResiduals, ...]:
    """Per-loop totals of the residuals that loops produce, in the order they were found."""
    by_loop: dict[str, list[Residual]] = {}
    for r in found:
        if r.loop is not None:
            by_loop.setdefault(r.loop, []).append(r)
    out = []
    for rid, rs in by_loop.items():
        eqn = loops[rid]
        length = params.loop_length(eqn)
        total = sum(r.nbytes for r in rs)
        per_step = total // length if isinstance(length, int) and length > 0 else None
        where = source_text(private_jax.user_frame(eqn.source_info))
        out.append(
            LoopResiduals(rid, structure.region_kind(eqn), length, len(rs), total, per_step, where)
        )
    return tuple(out)


def compiled_memory(compiled: Any) -> CompiledMemory | None:
    """XLA's memory analysis of a compiled program (``None`` if there is none to read)."""
    if compiled is None:
        return None
    try:
        stats = compiled.memory_analysis()
    except Exception:  # some backends do not implement it
        return None
    if stats is None:
        return None
    backend = jax.default_backend()
    peak = getattr(stats, "peak_memory_in_bytes", None)
    notes = []
    if backend == "cpu":
        notes.append(
            "On CPU, XLA's peak_memory_in_bytes counts only arguments and outputs"
            f"{f' ({peak} bytes here)' if peak is not None else ''}; temp_bytes is what the "
            "program keeps in between, residuals included."
        )
    return CompiledMemory(
        argument_bytes=int(stats.argument_size_in_bytes),
        output_bytes=int(stats.output_size_in_bytes),
        alias_bytes=int(stats.alias_size_in_bytes),
        temp_bytes=int(stats.temp_size_in_bytes),
        generated_code_bytes=int(stats.generated_code_size_in_bytes),
        peak_bytes=None if peak is None else int(peak),
        backend=backend,
        notes=tuple(notes),
    )


# --------------------------------------------------------------------------------------------
# Text (a report renders itself; introspect/text.py has the shared formatting)


def render_memory(m: MemoryReport, max_lines: int | None = 40) -> str:
    """Residuals (size and provenance), per-loop totals and the compiled program's memory."""
    lines = [
        f"Residuals: {text.plural(len(m.residuals), 'array')}, "
        f"{text.format_bytes(m.residual_bytes)}"
        + (" (the program has no backward pass)" if not m.residuals else "")
    ]
    shown = m.residuals if max_lines is None else m.residuals[:max_lines]
    lines += [f"  {r.aval}  {text.format_bytes(r.nbytes)}  {r.source}" for r in shown]
    if len(shown) < len(m.residuals):
        lines.append(f"... {len(m.residuals) - len(shown)} more residuals not shown")
    if m.loops:
        lines.append("Per loop (residuals stacked over the steps):")
        loop_rows = [
            f"  {lp.kind} [{lp.region}] length {lp.length}: {text.plural(lp.count, 'array')}, "
            f"{text.format_bytes(lp.nbytes)}"
            + (f" ({text.format_bytes(lp.per_step_nbytes)} per step)" if lp.per_step_nbytes else "")
            + (f", from {lp.source}" if lp.source else "")
            for lp in m.loops
        ]
        lines += text.bounded(loop_rows, max_lines, "loops")
    c = m.compiled
    if c is not None:
        lines.append(
            f"Compiled ({c.backend}): arguments {text.format_bytes(c.argument_bytes)}, outputs "
            f"{text.format_bytes(c.output_bytes)}, aliased {text.format_bytes(c.alias_bytes)}, "
            "temp "
            f"{text.format_bytes(c.temp_bytes)}, peak {text.format_bytes(c.peak_bytes)}"
        )
        lines += [f"  note: {note}" for note in c.notes]
    return "\n".join(lines)
