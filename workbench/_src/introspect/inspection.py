"""``inspect``, ``code_hlo`` and ``code_xla``: everything the notebook shows about a program.

``inspect(f, *args)`` traces, lowers and compiles ``f`` once (timing each stage) and returns an
``Inspection``: the IR at each stage, the backward or tangent jaxpr, the graph model, the memory
report, XLA's cost analysis and the optimized HLO tagged forward/backward. It is plain data;
``repr`` prints a bounded summary.

With ``mode=``, the program inspected is the derivative computation of a scalar ``f``:
``inspect(f, x, mode=wb.Reverse)`` inspects ``lambda x: wb.gradient(wb.Reverse, f, x)``, so the
graph holds the forward pass, the backward pass and the residuals between them. Without it, ``f``
is inspected as it is; if ``f`` differentiates inside (calls ``wb.gradient``, ``jax.grad``, ...),
its backward pass is found and tagged all the same.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect as _pyinspect
import time
from collections.abc import Callable, Sequence
from typing import Any

import jax

from workbench._src.ad.activities import Activity, Const, is_random_key
from workbench._src.ad.entry import check_function_first
from workbench._src.ad.gradient import gradient
from workbench._src.ad.model_arguments import pack
from workbench._src.ad.modes import Mode
from workbench._src.arrays import warn_if_narrowed
from workbench._src.compile import Compiled, detached, jit, traced_for
from workbench._src.errors import ActivityError, OptionError, describe
from workbench._src.internals import private_jax
from workbench._src.introspect import stages
from workbench._src.introspect import text as _text
from workbench._src.introspect.cost import (
    Cost,
    Timing,
    cost_report,
    render_cost,
    render_timing,
    time_runs,
)
from workbench._src.introspect.graph import Graph, graph_from_jaxpr, graph_summary
from workbench._src.introspect.hlo import HloProgram, hlo_ops, render_hlo_ops
from workbench._src.introspect.memory import MemoryReport, memory_report, render_memory
from workbench._src.introspect.sharding import ShardingReport, render_sharding, sharding_report
from workbench._src.introspect.stages import IRText
from workbench._src.leaves import is_array_leaf


@dataclasses.dataclass(frozen=True, eq=False)
class Inspection:
    """What ``wb.inspect`` returns: plain data about one program, with a bounded text ``repr``.

    ``wb.inspect`` traces, lowers and compiles; each report below is made from the traced
    jaxpr and the compiled program the first time it is read, and kept (so ``wb.inspect``
    itself costs what JAX's lower + compile costs, and a displayed inspection what it shows).

    Attributes:
      name: the function's name.
      mode: the mode whose derivative computation was inspected, or ``None`` (``f`` itself).
      jaxpr: the traced program, printed by the workbench, its lines anchored to the graph.
      stablehlo: StableHLO as JAX lowered it, before XLA's optimizations.
      hlo: the optimized HLO that XLA runs.
      derivative: the backward jaxpr (its inputs are the residuals) for a program that
        differentiates in reverse mode, the tangent jaxpr for ``mode=wb.Forward``, else ``None``.
      graph: the graph model (``Graph``).
      memory: residuals with provenance, per-loop totals, compiled memory (``MemoryReport``).
      cost: XLA's cost analysis (``Cost``).
      timing: trace, lower, compile and run times (``Timing``).
      hlo_ops: the optimized HLO's instructions, each tagged forward/backward (``HloProgram``).
      sharding: devices, mesh, each argument's and output's layout across the devices, the
        collectives and per-device memory (``ShardingReport``; ``.to_json()`` for widgets).
      closed_jaxpr: the ``ClosedJaxpr`` itself, for further JAX work.
      compiled: the inspected program as a ``wb.Compiled``, callable with the arguments that
        were traced (``f``'s own, without ``mode``): the compilation is not repeated to run it.
    """

    name: str
    mode: Mode | None
    stablehlo: IRText
    timing: Timing
    closed_jaxpr: Any = dataclasses.field(repr=False)
    compiled: Compiled | None = dataclasses.field(default=None, repr=False)
    # XLA's executable (what ``compiled`` runs), and the tangent jaxpr of a forward mode, made
    # at once because it traces ``f`` again (an inspection keeps no reference to ``f``).
    _executable: Any = dataclasses.field(default=None, repr=False)
    _tangent: IRText | None = dataclasses.field(default=None, repr=False)

    @functools.cached_property
    def jaxpr(self) -> IRText:
        return stages.jaxpr_ir(self.closed_jaxpr)

    @functools.cached_property
    def _hlo_text(self) -> str:
        return str(self._executable.as_text())

    @functools.cached_property
    def hlo(self) -> IRText:
        return IRText("hlo", stages.readable_hlo(self._hlo_text))

    @functools.cached_property
    def graph(self) -> Graph:
        return graph_from_jaxpr(self.closed_jaxpr)

    @functools.cached_property
    def memory(self) -> MemoryReport:
        return memory_report(self.closed_jaxpr, self._executable)

    @functools.cached_property
    def derivative(self) -> IRText | None:
        if self.mode is not None and self.mode.is_forward:
            return self._tangent
        return _backward(self.closed_jaxpr, self.memory)

    @functools.cached_property
    def cost(self) -> Cost:
        return cost_report(self._executable, self.graph)

    @functools.cached_property
    def hlo_ops(self) -> HloProgram:
        return hlo_ops(self._hlo_text)

    @functools.cached_property
    def sharding(self) -> ShardingReport:
        return sharding_report(
            self._executable,
            jaxpr=self.closed_jaxpr,
            hlo_text=self._hlo_text,
            memory=self.memory.compiled,
        )

    @property
    def backward(self) -> IRText | None:
        """The backward jaxpr, if the program has a backward pass."""
        d = self.derivative
        return d if d is not None and d.stage == "backward jaxpr" else None

    @property
    def tangent(self) -> IRText | None:
        """The tangent jaxpr (``mode=wb.Forward`` or ``wb.ForwardWithPrimal``)."""
        d = self.derivative
        return d if d is not None and d.stage == "tangent jaxpr" else None

    def to_text(self, max_lines: int | None = 200) -> str:
        """Every section as text, each cut to ``max_lines`` lines (``None``: no limit)."""
        return render_inspection(self, max_lines)

    def __repr__(self) -> str:
        return render_inspection(self, 30)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self))


def inspect(
    f: Callable[..., Any], *args: Any, mode: Mode | None = None, runs: int = 0
) -> Inspection:
    """Traces, lowers and compiles ``f(*args)`` and reports on every stage.

    Args:
      f: the function.
      *args: its arguments (arrays or pytrees of arrays). With ``mode``, wrap the arguments not
        to differentiate in ``Const``, as for ``wb.gradient``.
      mode: ``None`` to inspect ``f`` itself; or a mode (``wb.Reverse``, ``wb.Forward``, ...) to
        inspect the computation of ``wb.gradient(mode, f, *args)`` for a real scalar ``f``.
      runs: how many times to run the compiled program for the median run time: 0 (default)
        never runs it (the timing says "not run"); inspecting compiles, it does not time.

    Returns:
      An ``Inspection`` with ``jaxpr``, ``stablehlo``, ``hlo``, ``derivative`` (backward or
      tangent jaxpr), ``graph``, ``memory``, ``cost``, ``timing``, ``hlo_ops`` and
      ``sharding``.

    >>> import jax.numpy as jnp, workbench as wb
    >>> from workbench._src.introspect import inspect
    >>> f = lambda x: jnp.sum(jnp.sin(x) * x)
    >>> report = inspect(f, jnp.ones(3), mode=wb.Reverse, runs=0)
    >>> report.graph.count("ops")
    {'forward': 4, 'backward': 5}
    >>> [r.source.split(" from ")[0] for r in report.memory.residuals]
    ['from the argument x', 'output of sin', 'output of cos']
    """
    if not isinstance(runs, int) or isinstance(runs, bool) or runs < 0:
        raise OptionError(
            f"inspect(..., runs=) takes a count of runs (0 or more), but received "
            f"{describe(runs)}. Pass runs=0 to skip running the program."
        )
    program, traced_args, name = _program("inspect", f, args, mode)

    start = time.perf_counter()
    with traced_for("wb.inspect"):
        traced = jit(program).trace(*traced_args)
    trace_s = time.perf_counter() - start
    start = time.perf_counter()
    lowered = traced.lower()
    lower_s = time.perf_counter() - start
    start = time.perf_counter()
    compiled = lowered.compile()
    compile_s = time.perf_counter() - start
    median, times = time_runs(lambda: compiled(*traced_args), runs)

    stablehlo = str(lowered.as_text())  # the lowered stage itself is not kept (see Compiled)
    return Inspection(
        name=name,
        mode=mode,
        stablehlo=IRText("stablehlo", stablehlo, located=str(lowered.as_text(debug_info=True))),
        timing=Timing(trace_s, lower_s, compile_s, median, len(times), times),
        closed_jaxpr=detached(traced.jaxpr),  # not the lowering's cache key (see detached)
        compiled=Compiled.from_stages(name, traced, lowered, compiled, stablehlo),
        _executable=compiled,
        _tangent=_tangent(f, args) if mode is not None and mode.is_forward else None,
    )


def code_hlo(f: Callable[..., Any], *args: Any, optimize: bool = True) -> IRText:
    """The program as an MLIR module, like Reactant's ``@code_hlo``.

    Args:
      f: the function; ``*args``: its arguments.
      optimize: ``False``: the StableHLO JAX lowers ``f`` to, before any optimization
        (Reactant's ``@code_hlo optimize=false``). ``True``: the module after XLA's optimization
        passes (fusions included), in StableHLO/MHLO syntax; if this JAX cannot convert it, the
        optimized HLO text instead (its ``stage`` then says ``"hlo"``).

    Returns:
      An ``IRText``: it displays as the module (cut to a bounded number of lines, with a count
      of the rest); ``.text`` holds all of it.

    >>> import jax.numpy as jnp
    >>> from workbench._src.introspect import code_hlo
    >>> ir = code_hlo(lambda x: jnp.sin(x) * 2, jnp.ones(3), optimize=False)
    >>> ir.stage, "stablehlo.sine" in ir.text
    ('stablehlo', True)
    """
    program, traced_args, _ = _program("code_hlo", f, args, None)
    with traced_for("wb.code_hlo"):
        lowered = jit(program).trace(*traced_args).lower()
    if not optimize:
        return IRText("stablehlo", str(lowered.as_text()))
    compiled = lowered.compile()
    optimized = private_jax.optimized_stablehlo(compiled, lowered)
    if optimized is None:  # pragma: no cover - depends on the JAX version
        return IRText("hlo", stages.readable_hlo(str(compiled.as_text())))
    return IRText("optimized stablehlo", optimized)


def code_xla(f: Callable[..., Any], *args: Any) -> IRText:
    """The optimized HLO module XLA compiled, like Reactant's ``@code_xla``.

    >>> import jax.numpy as jnp
    >>> from workbench._src.introspect import code_xla
    >>> ir = code_xla(lambda x: jnp.sin(x) * 2, jnp.ones(3))
    >>> ir.stage, ir.text.startswith("HloModule")
    ('hlo', True)
    """
    program, traced_args, _ = _program("code_xla", f, args, None)
    with traced_for("wb.code_xla"):
        compiled = jit(program).trace(*traced_args).lower().compile()
    return IRText("hlo", stages.readable_hlo(str(compiled.as_text())))


# --------------------------------------------------------------------------------------------
# Implementation


def _program(
    where: str, f: Any, args: Sequence[Any], mode: Any
) -> tuple[Callable[..., Any], tuple[Any, ...], str]:
    """The function to trace (a fresh one, so that JAX's trace cache never hides the trace
    time), its traced arguments, and ``f``'s name."""
    _check(where, f, args, mode)
    warn_if_narrowed(list(args), f"wb.{where}", python_numbers=False)
    name = getattr(f, "__name__", type(f).__name__)
    if mode is None:

        @functools.wraps(f)
        def plain(*a: Any) -> Any:
            return f(*a)

        return plain, pack(args), name

    # Const arguments that hold arrays are traced (so they keep their names); others are
    # closed over, as Enzyme's Const may hold any value.
    traced_pos = [i for i, a in enumerate(args) if not isinstance(a, Const) or _is_arrays(a.val)]
    values = [a.val if isinstance(a, Const) else a for a in args]
    is_const = [isinstance(a, Const) for a in args]

    def derivative_of_f(*traced: Any) -> Any:
        full = list(values)
        for i, v in zip(traced_pos, traced, strict=True):
            full[i] = v
        wrapped = [Const(v) if c else v for v, c in zip(full, is_const, strict=True)]
        return gradient(mode, f, *wrapped)

    derivative_of_f.__name__ = name
    signature = _signature(f, traced_pos)
    if signature is not None:
        derivative_of_f.__signature__ = signature  # type: ignore[attr-defined]
    return derivative_of_f, pack([values[i] for i in traced_pos]), name


def _check(where: str, f: Any, args: Sequence[Any], mode: Any) -> None:
    check_function_first(where, f, args, mode)
    for i, a in enumerate(args):
        if not isinstance(a, Activity):
            continue
        if mode is None:
            raise ActivityError(
                f"{where}: argument {i + 1} is {a!r}, but without mode= the arguments are "
                f"passed to f as they are. Pass the plain value, or pass mode=wb.Reverse (or "
                "another mode) to inspect the derivative computation."
            )
        if not isinstance(a, Const):
            raise ActivityError(
                f"{where}: argument {i + 1} is {a!r}, but inspect(..., mode=) differentiates "
                "plain arguments as wb.gradient does. Pass the value itself and wrap the "
                "arguments not to differentiate in Const(...)."
            )


def _is_arrays(value: Any) -> bool:
    leaves = jax.tree_util.tree_leaves(value)
    return bool(leaves) and all(map(is_array_leaf, leaves))


def _signature(f: Any, positions: Sequence[int]) -> _pyinspect.Signature | None:
    """``f``'s signature restricted to the traced positions, so JAX names arguments as ``f``
    does; ``None`` where the positions do not map onto named parameters."""
    try:
        params = list(_pyinspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        return None
    kinds = (_pyinspect.Parameter.POSITIONAL_ONLY, _pyinspect.Parameter.POSITIONAL_OR_KEYWORD)
    if len(params) < (max(positions) + 1 if positions else 0):
        return None
    chosen = [params[i] for i in positions]
    if any(p.kind not in kinds for p in chosen):
        return None
    return _pyinspect.Signature(
        [
            p.replace(kind=_pyinspect.Parameter.POSITIONAL_OR_KEYWORD, default=p.empty)
            for p in chosen
        ]
    )


def _tangent(f: Any, args: Sequence[Any]) -> IRText:
    """The tangent jaxpr of ``f`` at ``args`` (a forward mode's derivative)."""
    # As gradient does: Const arguments and random keys are not differentiated.
    positions = [i for i, a in enumerate(args) if not isinstance(a, Const) and not is_random_key(a)]
    primals = [args[i] for i in positions]
    values = [a.val if isinstance(a, Const) else a for a in args]

    def call(*p: Any) -> Any:
        full = list(values)
        for i, v in zip(positions, p, strict=True):
            full[i] = v
        return f(*full)

    tangent = stages.tangent_jaxpr(call, primals)
    return IRText("tangent jaxpr", stages.jaxpr_text(tangent))


def _backward(closed: Any, mem: MemoryReport) -> IRText | None:
    """The backward jaxpr of a program that differentiates in reverse mode, headed by its
    inputs (the residuals) with their provenance."""
    part = stages.backward_jaxpr(closed)
    if part is None:
        return None
    inputs = [r for r in mem.residuals if r.region == part.region]
    header = [f"# backward pass of region {part.region}; its inputs are the residuals:"]
    if len(inputs) == len(part.jaxpr.jaxpr.invars):
        header += [f"#   {k}: {r.aval} {r.source}" for k, r in enumerate(inputs, 1)]
    else:  # pragma: no cover - the two analyses disagree; show the jaxpr alone
        header = header[:1]
    return IRText("backward jaxpr", "\n".join(header) + "\n" + stages.jaxpr_text(part.jaxpr))


# --------------------------------------------------------------------------------------------
# Text (a report renders itself; introspect/text.py has the shared formatting)


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
        parts.append(f"--- {ir.stage} ({_text.plural(ir.line_count, 'line')}) ---")
        parts.append(_text.truncate(ir.text, max_lines))
    return "\n".join(parts)
