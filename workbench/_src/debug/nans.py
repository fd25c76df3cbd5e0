"""``explain_nans``: where the first non-finite value of a derivative (or a primal) is made.

The program to explain is traced to a jaxpr (the derivative's, with the primal beside it, so both
are searched) and run once by an instrumented interpreter *under* ``jax.jit``: every equation is
evaluated as JAX would, and beside it a few scalars record whether it made a NaN from NaN-free
operands, or an inf from finite ones, and when (a clock of evaluated equations) and, inside a loop,
at which iteration. Loops (``scan``, ``while``, the workbench's ``checkpointed_loop``) are rebuilt
with the instrumented body and carry those scalars, so the search is one compiled program, not an
op-by-op Python loop over the steps.

Which equation is *the* origin: if an output holds a NaN, the first equation (in time) that made
a NaN; else the first that made an inf. A NaN is usually made from an inf met somewhere (``0 *
inf``, ``inf - inf``): the first equation that made an inf is reported beside it (the residual
that carried it). A second run captures the origin's operands at its first firing, to say which
values made it; a remedy that fits the pattern is tried by running it.

Every assumption about JAX's internals goes through ``workbench._src.internals``.
"""

from __future__ import annotations

import dataclasses
import html
import os
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from workbench._src.ad.activities import Const
from workbench._src.ad.arguments import argument_names
from workbench._src.ad.gradient import gradient
from workbench._src.ad.model_arguments import pack, unpack
from workbench._src.ad.modes import Mode, check_mode, set_strong_zero
from workbench._src.arrays import warn_if_narrowed
from workbench._src.debug.concrete import require_concrete
from workbench._src.errors import WorkbenchError
from workbench._src.internals import jaxprs, params, private_jax, rules
from workbench._src.internals import primitives as prims
from workbench._src.introspect import structure
from workbench._src.introspect.graph import graph_from_jaxpr
from workbench._src.loops.primitive import Loop, checkpointed_loop_p
from workbench._src.sources import source_text

_BIG = int(np.iinfo(np.int32).max)
# The workbench's own files: a line there (a loop's, traced by wb.fori_loop) is not the user's.
_WORKBENCH = (os.path.dirname(os.path.dirname(os.path.dirname(__file__))) + os.sep,)


def _user_line(source_info: Any) -> private_jax.Source | None:
    return private_jax.user_frame_outside(source_info, _WORKBENCH)


_NO_ITER = -1
# What the search run may keep of the operands it captures (see _Ctx), in bytes.
CAPTURE_BYTES = 1 << 20
# XLA options of the instrumented program's compile (Lowered.compile's compiler_options).
QUICK_COMPILE = {"xla_backend_optimization_level": 0}

# --------------------------------------------------------------------------------------------
# The report


@dataclasses.dataclass(frozen=True)
class Origin:
    """One equation that made a non-finite value.

    Attributes:
      primitive: the primitive's name (``mul``, ``div``, ``log``).
      kind: ``"nan"`` (a NaN from NaN-free operands) or ``"inf"`` (an inf from finite ones).
      phase: ``"primal"``, ``"forward"`` (a derivative's forward or tangent pass, which computes
        the primal too) or ``"backward"`` (the transposed pass).
      source: the user's line, ``file:line:column (function)`` (``cell [3], line 5 (f)`` for code
        typed in a notebook cell), or ``None``.
      line: the line number alone, or ``None``.
      name_stack: JAX's name stack of the equation (``transpose()/jvp()``).
      iteration: the first loop iteration where it happened, ``None`` outside loops.
      loop: the source line of the innermost loop around it, ``None`` outside loops.
      operands: the operands' values at the first non-finite element, where captured.
      element: the index of that element in the output.
      node: the id of its node (or of the region that holds it) in the graph of the program
        searched (``NanReport.graph()``), e.g. ``"main/3/0"``.
    """

    primitive: str
    kind: str
    phase: str
    source: str | None
    line: int | None
    name_stack: str
    iteration: int | None
    loop: str | None
    operands: tuple[float, ...] | None = None
    element: tuple[int, ...] | None = None
    node: str | None = None

    def values(self) -> str:
        """The operands that made it, as ``0.0 * inf``."""
        if self.operands is None:
            return ""
        vals = [_num(v) for v in self.operands]
        sym = _SYMBOLS.get(self.primitive)
        if sym and len(vals) == 2:
            return f"{vals[0]} {sym} {vals[1]}"
        return f"{self.primitive}({', '.join(vals)})"


@dataclasses.dataclass(frozen=True)
class Remedy:
    """A fix that fits the pattern: its ``name``, what to write (``advice``), whether running it
    gave finite results (``verified``; ``None``: not run) and those results (``result``)."""

    name: str
    advice: str
    verified: bool | None
    result: str = ""


@dataclasses.dataclass(frozen=True)
class NanPath:
    """Where the non-finite value goes, in the graph of the program searched (ids of
    ``NanReport.graph()``'s nodes).

    Attributes:
      origin: the node (or region) that made it.
      source: the node that made the inf the origin met (``NanReport.inf_origin``), or ``None``.
      nodes: the nodes on a path from the source or the origin to a non-finite output.
      edges: ``(from, to)`` node ids of the edges between those nodes.
      residual: the residual edges (kept by the forward pass for the backward pass) that carry
        the source's inf to the origin.
    """

    origin: str
    source: str | None
    nodes: tuple[str, ...]
    edges: tuple[tuple[str, str], ...]
    residual: tuple[tuple[str, str], ...]

    def to_json(self) -> dict[str, Any]:
        """The marks as the graph viewer's ``marks`` trait takes them."""
        return {
            "origin": self.origin,
            "source": self.source or "",
            "nodes": list(self.nodes),
            "edges": [list(e) for e in self.edges],
            "residual": [list(e) for e in self.residual],
        }


@dataclasses.dataclass(frozen=True)
class NanReport:
    """What ``explain_nans`` found. Read by name.

    Attributes:
      found: whether a non-finite value reaches an output.
      origin: the first equation that made the kind of value the outputs hold (a NaN, else an
        inf); ``None`` when none found.
      inf_origin: for a NaN, the first equation that made an inf (the residual that usually
        carries it into the NaN); ``None`` when no inf was made.
      remedy: a fix that fits, checked by running it where it can be; ``None`` when none fits.
      outputs: ``(name, "nan" | "inf" | "finite", largest finite magnitude)`` per output.
      mode: the mode's name, or ``"primal"``.
      path: the origin, the source of its inf and their way to the outputs as graph ids
        (``NanPath``), or ``None`` when none found.
    """

    found: bool
    origin: Origin | None
    inf_origin: Origin | None
    remedy: Remedy | None
    outputs: tuple[tuple[str, str, float], ...]
    mode: str
    path: NanPath | None = None
    program: Any = dataclasses.field(default=None, repr=False, compare=False)

    def __str__(self) -> str:
        return _text(self)

    def _repr_html_(self) -> str:
        return _html(self)

    def to_json(self) -> dict[str, Any]:
        """The report as plain data (the inspector's NaN tab draws it)."""
        return {
            "found": self.found,
            "mode": self.mode,
            "origin": None if self.origin is None else _origin_json(self.origin),
            "inf_origin": None if self.inf_origin is None else _origin_json(self.inf_origin),
            "remedy": None if self.remedy is None else dataclasses.asdict(self.remedy),
            "outputs": [list(o) for o in self.outputs],
            "path": None if self.path is None else self.path.to_json(),
            "text": _text(self),
        }

    def graph(self) -> Any:
        """The graph viewer of the program searched, with the origin, the source of its inf,
        their path to the outputs and the residual edges that carry it marked (the regions that
        hold the origin open, the view on it)."""
        # The widget module (and anywidget with it) loads when a graph is asked for, not with
        # `import workbench`.
        from workbench._src.notebook.graph_widget import GraphWidget

        if self.program is None:
            raise WorkbenchError(
                "This NanReport has no program to draw (it was built by hand); make it with "
                "wb.explain_nans(f, *args, mode=...)."
            )
        w = GraphWidget(graph_from_jaxpr(self.program), title=f"explain_nans ({self.mode})")
        mark_graph(w, self)
        return w


def mark_graph(widget: Any, report: NanReport) -> None:
    """Marks ``report``'s path in a graph viewer of the program it searched (``GraphWidget``,
    or the inspector's graph tab) and brings its origin into view."""
    if report.path is None:
        return
    o = report.origin
    assert o is not None  # a path has an origin
    made = "NaN" if o.kind == "nan" else "inf"
    where = "" if o.iteration is None else f", iteration {o.iteration}"
    label = f"{made} made here ({o.primitive}, {o.phase}{where})"
    widget.marks = {**report.path.to_json(), "label": label, "source_label": "inf made here"}
    widget.highlight = [report.path.origin]


def _origin_json(o: Origin) -> dict[str, Any]:
    out = dataclasses.asdict(o)
    out["values"] = o.values()
    out["operands"] = None if o.operands is None else [_num(v) for v in o.operands]
    return out


_SYMBOLS = {"mul": "*", "div": "/", "add": "+", "sub": "-", "pow": "**"}


def _num(v: float) -> str:
    return repr(float(v)) if np.isfinite(v) else str(float(v))


# --------------------------------------------------------------------------------------------
# Entry point


def explain_nans(f: Callable[..., Any], *args: Any, mode: Mode | None = None) -> NanReport:
    """Where the first non-finite value of ``f``'s derivative (or of ``f`` with ``mode=None``)
    is made, why, and a remedy checked by running it.

    Args:
      f: the function, as for ``wb.gradient``.
      *args: its arguments; ``wb.Const(...)`` marks those not differentiated.
      mode: ``wb.Forward``, ``wb.Reverse`` (and their variants), or ``None`` for the primal
        alone. The primal result is searched in every mode.

    Returns:
      A ``NanReport``: ``print`` it, or show it in a notebook.
    """
    if isinstance(f, Mode):
        raise WorkbenchError(
            f"explain_nans takes the function first and the mode as a keyword, but received the "
            f"mode {f!r} first. Write wb.explain_nans(f, *args, mode={f!r})."
        )
    if not callable(f):
        raise WorkbenchError(
            f"explain_nans needs a function to explain, but received a {type(f).__name__}. "
            "Write wb.explain_nans(f, *args, mode=wb.Reverse)."
        )
    if mode is not None:
        mode = check_mode(mode, "explain_nans")
    require_concrete("explain_nans", args)
    program, flat_args, out_names = _program(f, args, mode)
    closed = jax.make_jaxpr(program)(*flat_args)
    return explain_program(
        closed,
        flat_args,
        out_names,
        "primal" if mode is None else mode.name,
        lambda origin, inf_origin: _remedy(f, args, mode, origin, inf_origin),
    )


def explain_program(
    closed: Any,
    flat_args: Sequence[Any],
    out_names: Sequence[str],
    mode_name: str,
    remedy: Callable[[Origin | None, Origin | None], Remedy | None] = lambda o, i: None,
    graph: Any = None,
) -> NanReport:
    """``explain_nans`` on a traced program: ``closed`` (a ``ClosedJaxpr``) run on
    ``flat_args``, its outputs named ``out_names``. The ids in the report's ``path`` are those
    of ``graph_from_jaxpr(closed)``, so a viewer already drawing that graph (the inspector's
    graph tab, ``wb.graph``) can mark them; ``graph``: that graph, where the caller has built
    it already."""
    jaxpr, consts = jaxprs.open_jaxpr(closed)
    index = _Index()
    index.scan(jaxpr, (), (), (), structure.ROOT)

    records, outs = _run(jaxpr, consts, flat_args, None, index.groups())
    outputs = tuple(_summary(n, o) for n, o in zip(out_names, outs, strict=True))
    kinds = {k for _, k, _ in outputs}
    if kinds == {"finite"}:
        return NanReport(False, None, None, None, outputs, mode_name, None, closed)
    want = "nan" if "nan" in kinds else "inf"
    first = _first(records, want)
    # The graph model of the program (``graph``, where the caller has it already): the way the
    # values go, read once for the inf met and the path.
    flow = _Flow(graph_from_jaxpr(closed) if graph is None else graph)
    origin = inf_origin = None
    source: EqnId | None = None
    if first is not None:
        eid, it = first
        caps = records.get((eid, "cap"))
        if caps is None:  # not captured by the search: run again, capturing only it
            caps = _run(jaxpr, consts, flat_args, eid)[0]
        origin = index.origin(eid, want, it, caps)
        if want == "nan":
            met = _inf_met(index, flow, records, eid, caps)
            if met is not None:
                source = met[0]
                inf_origin = index.origin(met[0], "inf", met[1])
    bad = [j for j, (_, k, _) in enumerate(outputs) if k != "finite"]
    path = None if origin is None else _path(flow, index, origin, source, bad)
    return NanReport(
        True, origin, inf_origin, remedy(origin, inf_origin), outputs, mode_name, path, closed
    )


def _program(
    f: Callable[..., Any], args: Sequence[Any], mode: Mode | None
) -> tuple[Callable[..., Any], list[Any], list[str]]:
    """A function of the flat array arguments returning the flat outputs, and their names."""
    values = [a.val if isinstance(a, Const) else a for a in args]
    is_const = [isinstance(a, Const) for a in args]
    warn_if_narrowed(values, "wb.explain_nans", python_numbers=False)
    # A model's arrays are searched; its functions, ints and strings stay as they are (pack).
    leaves, treedef = jax.tree_util.tree_flatten(pack(values))
    names: list[str] = []
    arg_names = argument_names(f, len(args))

    def flat(*xs: Any) -> list[Any]:
        vals = unpack(jax.tree_util.tree_unflatten(treedef, xs))
        wrapped = [Const(v) if c else v for v, c in zip(vals, is_const, strict=True)]
        if mode is None:
            parts = [("value", f(*vals))]  # Const marks nothing without a derivative
        else:
            res: Any = gradient(dataclasses.replace(mode, with_primal=True), f, *wrapped)
            parts = [("value", res.val)]
            parts += [
                (f"derivative of {arg_names[i]}", d)
                for i, d in enumerate(res.derivs)
                if d is not None
            ]
        out: list[Any] = []
        names.clear()
        for name, tree in parts:
            for path, leaf in jax.tree_util.tree_flatten_with_path(tree)[0]:
                names.append(name + jax.tree_util.keystr(path))
                out.append(leaf)
        return out

    return flat, [jnp.asarray(x) for x in leaves], names


def _summary(name: str, x: Any) -> tuple[str, str, float]:
    a = np.asarray(x)
    if not np.issubdtype(a.dtype, np.inexact):
        return (name, "finite", float(np.max(np.abs(a), initial=0)))
    fin = np.isfinite(a)
    kind = "nan" if np.isnan(a).any() else "inf" if not fin.all() else "finite"
    big = float(np.max(np.abs(a[fin]), initial=0.0))
    return (name, kind, big)


# --------------------------------------------------------------------------------------------
# Static facts about each equation

EqnId = tuple[int, ...]


@dataclasses.dataclass
class _Site:
    eqn: Any
    phase: str
    stack: str
    loops: tuple[Any, ...]  # the loop equations around it, outermost first
    node: str  # its id in graph_from_jaxpr's graph (or that of the region that holds it)


class _Index:
    """Every equation the interpreter runs (not those it opens), by id: the path of equation
    and sub-jaxpr indices from the top; and beside it the id the graph model gives it."""

    def __init__(self) -> None:
        self.sites: dict[EqnId, _Site] = {}
        self.by_node: dict[str, EqnId] = {}

    def scan(
        self,
        jaxpr: Any,
        prefix: EqnId,
        loops: tuple[Any, ...],
        entries: Any,
        region: str | None,
        outer: str = structure.ROOT,
    ) -> None:
        """``region``: the graph's id of this jaxpr (``None`` where the graph does not open it
        as the interpreter does); ``outer``: the id of the nearest region the graph knows."""
        for i, eqn in enumerate(jaxpr.eqns):
            eid = (*prefix, i)
            node = structure.eqn_id(region, i) if region is not None else outer
            full = tuple(entries) + tuple(structure.entries_of(eqn))
            subs = _subs(eqn)
            if subs is None:
                stack = "/".join(f"{n}()" if t else n for t, n in full)
                self.sites[eid] = _Site(eqn, structure.phase_of(full), stack, loops, node)
                if region is not None:
                    self.by_node[node] = eid
                continue
            inner = loops + ((eqn,) if _is_loop(eqn) else ())
            ids = _graph_sub_ids(eqn, subs, node) if region is not None else [None] * len(subs)
            for k, sub in enumerate(subs):
                self.scan(jaxprs.open_jaxpr(sub)[0], (*eid, k), inner, full, ids[k], node)

    def groups(self) -> dict[EqnId, int]:
        """A group per (line, primitive, pass, occurrence in its jaxpr) of the equations inside
        loops."""
        keys: dict[Any, int] = {}
        seen: dict[Any, int] = {}  # occurrences of a key in one jaxpr (a JVP body has two muls)
        out: dict[EqnId, int] = {}
        for eid, site in self.sites.items():
            if site.loops:
                src = _user_line(site.eqn.source_info)
                key = (None if src is None else str(src), site.eqn.primitive, site.phase)
                nth = seen[(eid[:-1], key)] = seen.get((eid[:-1], key), -1) + 1
                out[eid] = keys.setdefault((*key, nth), len(keys))
        return out

    def origin(self, eid: EqnId, kind: str, it: int, caps: Any = None) -> Origin:
        site = self.sites[eid]
        src = _user_line(site.eqn.source_info)
        loop_src = None
        if site.loops:
            ls = _user_line(site.loops[-1].source_info)
            loop_src = None if ls is None else source_text(ls)
        operands = element = None
        if caps:
            operands, element = _element(caps["ins"], caps["out"], kind)
        return Origin(
            site.eqn.primitive.name,
            kind,
            site.phase,
            None if src is None else source_text(src),
            None if src is None else src.line,
            site.stack,
            it if site.loops else None,
            loop_src,
            operands,
            element,
            site.node,
        )


def _graph_sub_ids(eqn: Any, subs: Sequence[Any], node: str) -> list[str | None]:
    """The graph's region id of each jaxpr the interpreter opens (``structure.sub_jaxprs``
    opens a ``while``'s condition too, so the k-th here need not be the k-th there)."""
    theirs = structure.sub_jaxprs(eqn) or []
    out: list[str | None] = []
    for sub in subs:
        j = jaxprs.open_jaxpr(sub)[0]
        k = next((m for m, x in enumerate(theirs) if x.jaxpr is j), None)
        out.append(None if k is None else structure.sub_region_id(node, k, len(theirs)))
    return out


# --------------------------------------------------------------------------------------------
# The way of the non-finite value through the graph


class _Flow:
    """The graph's edges both ways, and the nodes a region id stands for."""

    def __init__(self, graph: Any):
        self.graph = graph
        self.preds: dict[str, list[Any]] = {}
        self.succs: dict[str, list[str]] = {}
        for e in graph.edges:
            self.preds.setdefault(e.target, []).append(e)
            self.succs.setdefault(e.source, []).append(e.target)
        self.parent = {r.id: r.parent for r in graph.regions}

    def members(self, gid: str) -> set[str]:
        """``gid`` itself if it is a node; else the nodes inside the region ``gid``."""
        if gid in self.graph._node_index:
            return {gid}
        out = set()
        for n in self.graph.nodes:
            r: str | None = n.region
            while r is not None and r != gid:
                r = self.parent.get(r)
            if r == gid:
                out.add(n.id)
        return out

    def reach(self, start: set[str], forward: bool) -> set[str]:
        seen = set(start)
        todo = list(start)
        while todo:
            n = todo.pop()
            nxt = self.succs.get(n, []) if forward else [e.source for e in self.preds.get(n, [])]
            for m in nxt:
                if m not in seen:
                    seen.add(m)
                    todo.append(m)
        return seen

    def eid_of(self, index: _Index, gid: str) -> EqnId | None:
        """The interpreter's equation for a graph node (that of the region that holds it, where
        the interpreter runs the region as one equation: a ``custom_jvp`` call)."""
        if gid in index.by_node:
            return index.by_node[gid]
        r: str | None = self.graph.node(gid).region if gid in self.graph._node_index else None
        while r is not None:
            if r in index.by_node:
                return index.by_node[r]
            r = self.parent.get(r)
        return None


def _inf_met(
    index: _Index, flow: _Flow, records: dict[Any, Any], eid: EqnId, caps: Any
) -> tuple[EqnId, int] | None:
    """The equation that made the inf a NaN's origin met: walking back from the origin's
    non-finite operands, the first (in time) equation that made an inf from finite operands.
    ``None`` when every operand was finite (``sqrt(-1)``, ``0 / 0``: no inf was met)."""
    ins = caps.get("ins", []) if caps else []
    bad = {
        k
        for k, x in enumerate(ins)
        if np.issubdtype(np.asarray(x).dtype, np.inexact) and not np.isfinite(x).all()
    }
    if not bad:
        return None
    node = index.sites[eid].node
    exact = node in flow.graph._node_index
    start = {
        e.source
        for t in flow.members(node)
        for e in flow.preds.get(t, [])
        if not exact or e.input in bad
    }
    found: list[tuple[int, EqnId, int]] = []
    seen = set(start)
    todo = list(start)
    while todo:
        n = todo.pop()
        m = flow.eid_of(index, n)
        rec = records.get((m, "inf")) if m is not None else None
        if rec is not None and int(rec[0]) < _BIG:
            found.append((int(rec[0]), m, int(rec[1])))  # type: ignore[arg-type]
            continue  # made from finite operands: nothing before it carried this inf
        for e in flow.preds.get(n, []):
            if e.source not in seen:
                seen.add(e.source)
                todo.append(e.source)
    if found:
        _, m, it = min(found)
        return m, it
    # The inf came around a loop's carry (edges the graph does not draw): the first made.
    return _first(records, "inf")


def _path(
    flow: _Flow, index: _Index, origin: Origin, source: EqnId | None, bad_outputs: Sequence[int]
) -> NanPath:
    graph = flow.graph
    assert origin.node is not None
    here = flow.members(origin.node)
    results = {f"{structure.ROOT}/out{j}" for j in bad_outputs}
    on = flow.reach(here, True) & flow.reach(results, False)
    chain: set[str] = set()
    src = None
    if source is not None:
        src = index.sites[source].node
        chain = flow.reach(flow.members(src), True) & flow.reach(here, False)
        on |= chain
    on |= here
    edges: list[tuple[str, str]] = []
    residual: list[tuple[str, str]] = []
    for e in graph.edges:
        if e.source in on and e.target in on and (e.source, e.target) not in edges:
            edges.append((e.source, e.target))
            if e.kind == "residual" and e.source in chain and e.target in chain:
                residual.append((e.source, e.target))
    order = {n.id: i for i, n in enumerate(graph.nodes)}
    nodes = tuple(sorted(on, key=lambda n: order.get(n, -1)))
    return NanPath(origin.node, src, nodes, tuple(edges), tuple(residual))


def _element(
    ins: Sequence[Any], outs: Sequence[Any], kind: str
) -> tuple[tuple[float, ...] | None, tuple[int, ...] | None]:
    """The operands at the first bad element of the first bad output (scalars broadcast)."""
    for o in outs:
        o = np.asarray(o)
        if not np.issubdtype(o.dtype, np.inexact):
            continue
        bad = np.isnan(o) if kind == "nan" else np.isinf(o)
        if not bad.any():
            continue
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        vals = []
        for x in ins:
            x = np.asarray(x)
            if x.shape == o.shape:
                vals.append(float(np.real(x[idx])))
            elif x.size == 1:
                vals.append(float(np.real(x.reshape(()))))
            else:
                return None, idx
        return tuple(vals), idx
    return None, None


def _is_loop(eqn: Any) -> bool:
    return eqn.primitive in (prims.SCAN, prims.WHILE, checkpointed_loop_p)


def _subs(eqn: Any) -> list[Any] | None:
    """The jaxprs the interpreter opens for this equation, or ``None`` to run it as it is."""
    p = eqn.primitive
    if p is prims.SCAN:
        return [params.scan_body(eqn.params)]
    if p is prims.WHILE:
        return [params.while_layout(eqn.params).body]
    if p is prims.COND:
        return list(params.cond_branches(eqn.params))
    if p is checkpointed_loop_p:
        return [Loop(**eqn.params).body]
    if p in prims.CALLS:
        # A custom_jvp / custom_vjp call evaluates its primal function (its rules matter only
        # to a derivative, which JAX has already taken where there is one); binding the call
        # itself would need the functions JAX traced it from.
        return [params.called_jaxpr(eqn)]
    return None


# --------------------------------------------------------------------------------------------
# The instrumented interpreter
#
# Records: per jaxpr (its id prefix), ``(prefix, "nan")`` and ``(prefix, "inf")`` map to
# ``(times, iterations)``, arrays over the jaxpr's equations that ``levels[prefix]`` lists, of
# each one's first firing (time ``_BIG``: never); for the target, ``(eid, "cap")`` maps to
# ``(time, {"ins": operands, "out": outputs})`` at its first firing. Arrays, not a scalar per
# equation, keep the instrumented program small to compile.


class _Ctx:
    def __init__(
        self, target: EqnId | None, groups: dict[EqnId, int] | None = None, budget: int = 0
    ):
        self.target = target
        # The search run also captures the operands of the loop bodies' equations at their
        # first firing, while their bytes fit in ``budget``: for an origin in a loop they are
        # then at hand, without a second compile and run of the loop. (Outside loops, capturing
        # every equation's operands costs the compiler more than a second, targeted run.)
        self.budget = budget
        self.captured: set[EqnId] = set()
        self.levels: dict[EqnId, list[EqnId]] = {}
        # A loop's iteration is counted per group of equations (same line, primitive and pass):
        # Revolve runs one loop as several (segments whose body adds the segment's start), so
        # the count of runs of the body's line, not a loop's own counter, is the step index.
        self.groups = groups or {}
        self.num_groups = max(self.groups.values(), default=-1) + 1


def _captures(ctx: _Ctx, eid: EqnId, ins: Sequence[Any], outs: Sequence[Any]) -> bool:
    """Whether the search run captures ``eid``'s operands (the same answer each time a body is
    traced again)."""
    if ctx.target is not None:
        return False
    if eid in ctx.captured:
        return True
    size = sum(int(np.prod(np.shape(x))) * jnp.result_type(x).itemsize for x in (*ins, *outs))
    if size > ctx.budget:
        return False
    ctx.budget -= size
    ctx.captured.add(eid)
    return True


def _worst(x: Any) -> Any:
    """The worst of a value's elements: 0 (all finite), 1 (an inf, no NaN), 2 (a NaN). A traced
    int32, or a Python int where it is known when tracing (non-floats, literals), so that the
    instrumentation folds it away."""
    if not jnp.issubdtype(jnp.result_type(x), jnp.inexact):
        return 0
    if isinstance(x, (int, float, complex, np.ndarray, np.generic)):
        a = np.asarray(x)
        return 2 if np.isnan(a).any() else 0 if np.isfinite(a).all() else 1
    # One reduction, not two.
    return jnp.max(jnp.where(jnp.isnan(x), 2, (~jnp.isfinite(x)).astype(jnp.int32)), initial=0)


def _merge(old: dict[Any, Any], new: dict[Any, Any]) -> dict[Any, Any]:
    """Keeps, per entry, the earlier firing."""
    out = dict(old)
    for key, val in new.items():
        if key not in out:
            out[key] = val
            continue
        earlier = val[0] < out[key][0]
        out[key] = jax.tree_util.tree_map(lambda a, b, e=earlier: jnp.where(e, a, b), val, out[key])
    return out


def _fills(template: dict[Any, Any]) -> dict[Any, Any]:
    """Records that never fired, of the template's structure."""
    out: dict[Any, Any] = {}
    for key, val in template.items():
        if key[1] == "cap":
            out[key] = (
                jnp.int32(_BIG),
                jax.tree_util.tree_map(lambda a: jnp.zeros(a.shape, a.dtype), val[1]),
            )
        else:
            out[key] = (
                jnp.full(val[0].shape, _BIG, jnp.int32),
                jnp.full(val[1].shape, _NO_ITER, jnp.int32),
            )
    return out


def _eval(
    ctx: _Ctx,
    jaxpr: Any,
    consts: Sequence[Any],
    args: Sequence[Any],
    prefix: EqnId,
    clock: Any,
    it: Any,
) -> tuple[list[Any], dict[Any, Any], Any]:
    env: dict[Any, Any] = {}

    def read(v: Any) -> Any:
        return env[v] if rules.is_var(v) else v.val

    # The worst of each value read (see _worst), by slot; slots 0, 1, 2 hold those constants.
    # Each equation records the slots of its operands and results, and whether it made a NaN or
    # an inf is worked out for all of them at once at the end: a few vector operations, not a
    # dozen scalar ones per equation (the compiler's time is most of the search's).
    worst: list[Any] = [0, 1, 2]
    slots: dict[Any, int] = {}

    def slot(v: Any, value: Any = None) -> int:
        if not rules.is_var(v):
            return int(_worst(v.val))
        if v not in slots:
            w = _worst(env[v] if value is None else value)
            if isinstance(w, int):
                slots[v] = w
            else:
                slots[v] = len(worst)
                worst.append(w)
        return slots[v]

    def fired(ins: list[int], outs: list[int]) -> Any:
        """Whether one equation made a NaN or an inf (for the captures)."""
        i = jnp.max(jnp.stack([jnp.asarray(worst[k], jnp.int32) for k in [0, *ins]]))
        o = jnp.max(jnp.stack([jnp.asarray(worst[k], jnp.int32) for k in [0, *outs]]))
        return ((i < 2) & (o == 2)) | ((i == 0) & (o == 1))

    env.update(zip(jaxpr.constvars, consts, strict=True))
    env.update(zip(jaxpr.invars, args, strict=True))
    rec: dict[Any, Any] = {}
    level_ids: list[EqnId] = []
    level_ins: list[list[int]] = []
    level_outs: list[list[int]] = []
    # An equation's time is a traced base (the clock when this stretch began) plus how many
    # equations ran since: the bases are few, the counts known when tracing.
    bases: list[Any] = [clock[0]]
    level_base: list[int] = []
    level_tick: list[int] = []
    tick = 0
    level_iter: list[Any] = []
    in_loop = not isinstance(it, int)
    pending: dict[int, int] = {}  # runs of each group in this stretch, not yet in the counts

    def flush(clock: Any) -> Any:
        """The clock now (the time from the bases and ticks; the group counts with the
        runs not yet added)."""
        counts = clock[1]
        if pending:
            step = np.zeros(ctx.num_groups, np.int32)
            for g, n in pending.items():
                step[g] = n
            counts = counts + jnp.asarray(step)
            pending.clear()
        return bases[-1] + tick, counts

    for i, eqn in enumerate(jaxpr.eqns):
        eid = (*prefix, i)
        ins = [read(v) for v in eqn.invars]
        subs = _subs(eqn)
        if subs is not None:
            clock = flush(clock)
            outs, sub_rec, clock = _enter(ctx, eqn, subs, ins, eid, clock, it)
            rec = _merge(rec, sub_rec)
            env.update(zip(eqn.outvars, outs, strict=True))
            bases.append(clock[0])
            tick = 0
            continue
        outs = eqn.primitive.bind(*ins, **eqn.params)
        if not eqn.primitive.multiple_results:
            outs = [outs]
        tick += 1
        env.update(zip(eqn.outvars, outs, strict=True))
        if (eqn.primitive in prims.MOVES or ctx.target is not None) and eid != ctx.target:
            # Moves values only: makes nothing non-finite (its results' worst is read when
            # needed); or, in the capture run, not the target: only the target is instrumented.
            continue
        out_slots = [slot(v, o) for v, o in zip(eqn.outvars, outs, strict=True)]
        if all(k == 0 for k in out_slots) and eid != ctx.target:
            # No float result (a counter, a comparison): it cannot make a NaN or an inf.
            continue
        in_slots = [slot(v) for v in eqn.invars]
        level_ids.append(eid)
        level_ins.append(in_slots)
        level_outs.append(out_slots)
        level_base.append(len(bases) - 1)
        level_tick.append(tick)
        if in_loop:
            g = ctx.groups.get(eid)
            if g is None:
                level_iter.append(jnp.asarray(it, jnp.int32))
            else:
                level_iter.append(clock[1][g] + pending.get(g, 0))
                pending[g] = pending.get(g, 0) + 1
        if eid == ctx.target or (in_loop and _captures(ctx, eid, ins, outs)):
            rec[(eid, "cap")] = (
                jnp.where(fired(in_slots, out_slots), bases[-1] + tick, _BIG),
                {"ins": list(ins), "out": list(outs)},
            )
    if level_ids:
        ctx.levels[prefix] = level_ids
        w = jnp.stack([jnp.asarray(x, jnp.int32) for x in worst])
        in_max = w[_padded(level_ins)].max(axis=1)
        out_max = w[_padded(level_outs)].max(axis=1)
        made_nan = (in_max < 2) & (out_max == 2)
        made_inf = (in_max == 0) & (out_max == 1)
        clocks = jnp.stack(bases)[np.asarray(level_base)] + np.asarray(level_tick, np.int32)
        its = jnp.stack(level_iter) if in_loop else jnp.full(len(level_ids), _NO_ITER, jnp.int32)
        rec[(prefix, "nan")] = (jnp.where(made_nan, clocks, _BIG), its)
        rec[(prefix, "inf")] = (jnp.where(made_inf, clocks, _BIG), its)
    return [read(v) for v in jaxpr.outvars], rec, flush(clock)


def _padded(rows: list[list[int]]) -> np.ndarray:
    """The rows as one index array, padded with slot 0 (the constant 0: finite, so it changes
    no maximum)."""
    out = np.zeros((len(rows), max(1, *map(len, rows))), np.int32)
    for r, row in enumerate(rows):
        out[r, : len(row)] = row
    return out


def _enter(
    ctx: _Ctx,
    eqn: Any,
    subs: list[Any],
    ins: list[Any],
    eid: EqnId,
    clock: Any,
    it: Any,
) -> tuple[list[Any], dict[Any, Any], Any]:
    """An equation that holds jaxprs: calls are inlined, branches and loops rebuilt around the
    instrumented sub-jaxprs."""
    p = eqn.primitive
    if p is prims.COND:
        index, ops = params.split_cond_operands(ins)

        def branch(k: int) -> Callable[..., Any]:
            def run(clk: Any, *xs: Any) -> Any:
                j, c = jaxprs.open_jaxpr(subs[k])
                return _eval(ctx, j, c, xs, (*eid, k), clk, it)

            return run

        template: dict[Any, Any] = {}
        for k in range(len(subs)):
            template.update(jax.eval_shape(branch(k), clock, *ops)[1])

        def padded(k: int) -> Callable[..., Any]:
            def run(clk: Any, *xs: Any) -> Any:
                outs, rec, clk = branch(k)(clk, *xs)
                blank = _fills(template)
                return outs, {key: rec.get(key, blank[key]) for key in template}, clk

            return run

        outs, rec, clock = lax.switch(index, [padded(k) for k in range(len(subs))], clock, *ops)
        return list(outs), rec, clock

    if p in prims.CALLS:
        j, c = jaxprs.open_jaxpr(subs[0])
        return _eval(ctx, j, c, ins, (*eid, 0), clock, it)

    if p is prims.SCAN:
        nc, ncarry = params.scan_layout(eqn.params)
        opts = params.scan_call_options(eqn.params)
        consts, init, xs = ins[:nc], ins[nc : nc + ncarry], ins[nc + ncarry :]
        j, c = jaxprs.open_jaxpr(subs[0])
        length = int(opts["length"])
        reverse = bool(opts["reverse"])

        def body(k: Any, clk: Any, carry: Sequence[Any], x: Sequence[Any]) -> Any:
            outs, rec, clk = _eval(ctx, j, c, [*consts, *carry, *x], (*eid, 0), clk, k)
            return outs[:ncarry], outs[ncarry:], rec, clk

        x_avals = [jax.ShapeDtypeStruct(a.shape[1:], a.dtype) for a in xs]
        template = jax.eval_shape(body, jnp.int32(0), clock, init, x_avals)[2]

        def step(state: Any, x: Any) -> Any:
            k, clk, carry, rec = state
            kk = (length - 1 - k) if reverse else k
            carry, ys, new, clk = body(kk, clk, carry, x)
            return (k + 1, clk, list(carry), _merge(rec, new)), ys

        state0 = (jnp.int32(0), clock, list(init), _fills(template))
        (_, clock, carry, rec), ys = lax.scan(
            step, state0, list(xs), length=length, reverse=reverse
        )
        return [*carry, *ys], rec, clock

    if p is prims.WHILE:
        lay = params.while_layout(eqn.params)
        cc = ins[: lay.cond_nconsts]
        bc = ins[lay.cond_nconsts : lay.cond_nconsts + lay.body_nconsts]
        init = ins[lay.cond_nconsts + lay.body_nconsts :]
        bj, bcon = jaxprs.open_jaxpr(subs[0])
        cond_fun = rules.jaxpr_as_fun(lay.cond)

        def wbody(k: Any, clk: Any, carry: Sequence[Any]) -> Any:
            return _eval(ctx, bj, bcon, [*bc, *carry], (*eid, 0), clk, k)

        template = jax.eval_shape(wbody, jnp.int32(0), clock, init)[1]

        def wstep(state: Any) -> Any:
            k, clk, carry, rec = state
            carry, new, clk = wbody(k, clk, carry)
            return (k + 1, clk, list(carry), _merge(rec, new))

        _, clock, carry, rec = lax.while_loop(
            lambda s: cond_fun(*cc, *s[2])[0],
            wstep,
            (jnp.int32(0), clock, list(init), _fills(template)),
        )
        return list(carry), rec, clock

    if p is checkpointed_loop_p:
        spec = Loop(**eqn.params)
        cc, bc, init = spec.split(ins)
        bj, bcon = jaxprs.open_jaxpr(spec.body)
        k_dtype = spec.body.in_avals[0].dtype

        def lbody(k: Any, clk: Any, carry: Sequence[Any]) -> Any:
            return _eval(ctx, bj, bcon, [k, *bc, *carry], (*eid, 0), clk, k)

        k0 = jnp.zeros((), k_dtype)
        template = jax.eval_shape(lbody, k0, clock, init)[1]

        def lstep(state: Any) -> Any:
            k, clk, carry, rec = state
            carry, new, clk = lbody(k, clk, carry)
            return (k + 1, clk, list(carry), _merge(rec, new))

        if spec.count == "while":
            cfun = rules.jaxpr_as_fun(spec.cond)

            def more(state: Any) -> Any:
                ok = cfun(state[0], *cc, *state[2])[0]
                return ok if spec.max_steps is None else ok & (state[0] < spec.max_steps)
        else:
            n = spec.length if spec.count == "static" else cc[0]

            def more(state: Any) -> Any:
                return state[0] < n

        steps, clock, carry, rec = lax.while_loop(
            more, lstep, (k0, clock, list(init), _fills(template))
        )
        return [*carry, jnp.asarray(steps, jnp.int32)], rec, clock

    raise AssertionError(f"no rule to open {p}")  # pragma: no cover - _subs decides


def _run(
    jaxpr: Any,
    consts: Sequence[Any],
    args: Sequence[Any],
    target: EqnId | None,
    groups: dict[EqnId, int] | None = None,
) -> tuple[Any, list[Any]]:
    """Compiles and runs the instrumented program once: its records (or, with a target, what it
    captured at the target's first firing) and its outputs."""

    ctx = _Ctx(target, groups, CAPTURE_BYTES if target is None else 0)

    def go(consts: Sequence[Any], args: Sequence[Any]) -> Any:
        clock = (jnp.int32(0), jnp.zeros(ctx.num_groups, jnp.int32))
        outs, rec, _ = _eval(ctx, jaxpr, consts, args, (), clock, _NO_ITER)
        if target is not None:
            rec = rec.get((target, "cap"), (jnp.int32(_BIG), {}))[1]
        return rec, outs

    lowered = jax.jit(go).trace(list(consts), list(args)).lower()
    try:
        # Run once: the compiler's time counts, the program's speed hardly (LLVM at -O0 halves
        # the compile of a loop's instrumented body on CPU). For this one program only. Its
        # values can differ from the user's compiled program's in the last bit (another
        # compile, as any re-run under checkify or jax_debug_nans is).
        compiled = lowered.compile(QUICK_COMPILE)
    except Exception:  # a backend that does not take the option: the default compile
        compiled = lowered.compile()
    rec, outs = compiled(list(consts), list(args))
    rec = jax.device_get(rec)
    if target is not None:
        return rec, outs
    # One entry per equation: (eid, kind) -> (time, iteration); (eid, "cap") -> what the
    # search captured of it, for those it captured.
    flat: dict[Any, Any] = {}
    for (prefix, kind), val in rec.items():
        if kind == "cap":
            flat[(prefix, kind)] = val[1]
            continue
        for eid, t, k in zip(ctx.levels[prefix], *val, strict=True):
            flat[(eid, kind)] = (t, k)
    return flat, outs


def _first(records: dict[Any, Any], kind: str) -> tuple[EqnId, int] | None:
    best: tuple[int, EqnId, int] | None = None
    for (eid, k), val in records.items():
        if k != kind:
            continue
        t, it = int(val[0]), int(val[1])
        if t < _BIG and (best is None or t < best[0]):
            best = (t, eid, it)
    return None if best is None else (best[1], best[2])


# --------------------------------------------------------------------------------------------
# Remedies


def _remedy(
    f: Callable[..., Any],
    args: Sequence[Any],
    mode: Mode | None,
    origin: Origin | None,
    inf_origin: Origin | None,
) -> Remedy | None:
    if origin is None:
        return None
    if (
        mode is not None
        and origin.kind == "nan"
        and origin.phase in ("forward", "backward")
        and origin.primitive in prims.names(prims.PRODUCTS)
        and origin.operands is not None
        and any(v == 0 for v in origin.operands)
    ):
        where_fix = _double_where(f, args, mode)
        if where_fix is not None and where_fix.verified:
            return where_fix
        if mode.strong_zero:
            return None
        ok, result = _try(lambda: gradient(set_strong_zero(mode), f, *args))
        return Remedy(
            "strong zero",
            f"a zero derivative factor meets {origin.values()}: with "
            f"wb.set_strong_zero({mode.name}) the zero wins",
            ok,
            result,
        )
    if (
        origin.kind == "nan"
        and origin.phase != "backward"
        and inf_origin is not None
        and inf_origin.phase != "backward"
        and inf_origin.primitive not in prims.names(prims.POLES)
    ):
        where = "" if inf_origin.iteration is None else f" at iteration {inf_origin.iteration}"
        return Remedy(
            "safe form",
            f"the inf this NaN was made from overflowed in {inf_origin.primitive}{where}: "
            "rescale or clip the values (a saturating function, a smaller step), or use a "
            "stable form (log1p, logsumexp)",
            None,
        )
    if origin.kind == "inf" and origin.phase != "backward":
        return Remedy(
            "safe form",
            f"{origin.primitive} overflows: rescale or clip its operands, or use a stable form "
            "(log1p, logsumexp, a smaller step)",
            None,
        )
    if origin.kind == "nan" and origin.phase != "backward":
        return Remedy(
            "domain",
            f"{origin.primitive} is undefined at {origin.values() or 'its operand'}: keep its "
            "operand in the domain (a double where: jnp.where on the operand, not only on the "
            "result), or use wb.ignore_derivatives where its derivative is not wanted",
            None,
        )
    return None


def _try(fn: Callable[[], Any]) -> tuple[bool, str]:
    try:
        out = jax.device_get(fn())
    except Exception as e:  # a remedy that fails is reported, not raised
        return False, f"{type(e).__name__}: {e}"
    leaves = [np.asarray(x) for x in jax.tree_util.tree_leaves(out)]
    ok = all(np.isfinite(x).all() for x in leaves if np.issubdtype(x.dtype, np.inexact))
    return ok, ", ".join(_short(x) for x in leaves)


def _short(x: np.ndarray) -> str:
    if x.size == 1:
        return _num(float(np.real(x.reshape(()))))
    return f"{x.dtype}{list(x.shape)}"


def _double_where(f: Callable[..., Any], args: Sequence[Any], mode: Mode) -> Remedy | None:
    """The double where: in ``f``'s primal program, a ``select_n`` picks a singular function's
    result; run the derivative with that function's operand set to 1 where it is not picked."""
    values = [a.val if isinstance(a, Const) else a for a in args]
    wrapped = [Const(x) if isinstance(a, Const) else x for a, x in zip(args, values, strict=True)]
    # Traced on the arrays alone (a model's functions and ints stay as they are: pack), so the
    # program's inputs are the flat arrays of the arguments, in order.
    traced = jax.make_jaxpr(lambda *a: f(*unpack(a)))(*pack(values))
    jaxpr, consts = jaxprs.open_jaxpr(traced)
    flat, in_ids, out_ids = _flatten(jaxpr)
    producer: dict[Any, int] = {}
    for n, (_, _, outs) in enumerate(flat):
        for o in outs:
            producer[id(o)] = n
    for eqn, ins, _ in flat:
        if eqn.primitive is not prims.SELECT_N or len(ins) != 3:
            continue
        pred = ins[0]
        for case, v in enumerate(ins[1:]):
            found = producer.get(id(v))
            if found is None or flat[found][0].primitive not in prims.SINGULAR:
                continue
            i = found
            if producer.get(id(pred), -1) > i:
                continue  # the guard is computed after the function: no rewrite here
            fix = (i, pred, case)

            def fixed(*a: Any, fix: Any = fix) -> Any:
                arrays = jax.tree_util.tree_leaves(pack(a))
                return _eval_flat(flat, in_ids, out_ids, [*consts, *arrays], fix)

            def fixed_derivative(fixed: Callable[..., Any] = fixed) -> Any:
                return gradient(mode, fixed, *wrapped)

            ok, result = _try(fixed_derivative)
            prim = flat[i][0].primitive.name
            src = _user_line(flat[i][0].source_info)
            return Remedy(
                "double where",
                f"jnp.where guards {prim}'s result but not its operand (at {source_text(src)}), "
                f"and {prim}'s "
                "derivative is not finite where the guard discards it: guard the operand too, "
                f"x_safe = jnp.where(cond, x, 1.0); jnp.where(cond, {prim}(x_safe), ...)",
                ok,
                result,
            )
    return None


class _Lit:
    def __init__(self, val: Any):
        self.val = val


def _flatten(jaxpr: Any) -> tuple[list[Any], list[Any], list[Any]]:
    """The equations of ``jaxpr`` with calls inlined, as ``(eqn, in refs, out refs)``; a ref is
    a fresh object per variable, or a ``_Lit``."""
    flat: list[Any] = []

    def walk(j: Any, refs: dict[Any, Any]) -> None:
        def ref(v: Any) -> Any:
            return refs[v] if rules.is_var(v) else _Lit(v.val)

        for eqn in j.eqns:
            ins = [ref(v) for v in eqn.invars]
            subs = _subs(eqn)
            if eqn.primitive in prims.CALLS and subs is not None:
                sub, sub_consts = jaxprs.open_jaxpr(subs[0])
                inner: dict[Any, Any] = {}
                inner.update(zip(sub.constvars, map(_Lit, sub_consts), strict=True))
                inner.update(zip(sub.invars, ins, strict=True))
                walk(sub, inner)
                for v, o in zip(eqn.outvars, sub.outvars, strict=True):
                    refs[v] = inner[o] if rules.is_var(o) else _Lit(o.val)
                continue
            outs = [object() for _ in eqn.outvars]
            refs.update(zip(eqn.outvars, outs, strict=True))
            flat.append((eqn, ins, outs))

    in_refs = [object() for _ in (*jaxpr.constvars, *jaxpr.invars)]
    top = dict(zip([*jaxpr.constvars, *jaxpr.invars], in_refs, strict=True))
    walk(jaxpr, top)
    out_refs = [top[v] if rules.is_var(v) else _Lit(v.val) for v in jaxpr.outvars]
    return flat, in_refs, out_refs


def _eval_flat(
    flat: list[Any], in_refs: list[Any], out_refs: list[Any], inputs: Sequence[Any], fix: Any
) -> Any:
    i_fix, pred, case = fix
    env: dict[int, Any] = {id(r): x for r, x in zip(in_refs, inputs, strict=True)}

    def read(r: Any) -> Any:
        return r.val if isinstance(r, _Lit) else env[id(r)]

    for i, (eqn, ins_refs, outs_refs) in enumerate(flat):
        ins = [read(r) for r in ins_refs]
        if i == i_fix:
            x = ins[0]
            cases = [jnp.ones_like(x), jnp.ones_like(x)]
            cases[case] = x
            ins[0] = lax.select_n(jnp.broadcast_to(read(pred), jnp.shape(x)), *cases)
        outs = eqn.primitive.bind(*ins, **eqn.params)
        if not eqn.primitive.multiple_results:
            outs = [outs]
        env.update({id(r): o for r, o in zip(outs_refs, outs, strict=True)})
    out = [read(r) for r in out_refs]
    return out[0] if len(out) == 1 else out


# --------------------------------------------------------------------------------------------
# Renderers


def _describe(o: Origin) -> list[str]:
    made = "a NaN" if o.kind == "nan" else "an inf"
    vals = o.values()
    lines = [
        f"  operation: {o.primitive} made {made}" + (f" from {vals}" if vals else ""),
        f"  pass:      {o.phase}" + (f"  [{o.name_stack}]" if o.name_stack else ""),
        f"  line:      {o.source or '(not known)'}",
    ]
    if o.iteration is not None and o.phase == "backward":
        lines.append(
            f"  iteration: run {o.iteration} (from 0) of this line in the backward pass, which "
            f"takes the steps of the loop at {o.loop or '(not known)'} last to first"
        )
    elif o.iteration is not None:
        lines.append(f"  iteration: {o.iteration} of the loop at {o.loop or '(not known)'}")
    if o.element:
        lines.append(f"  element:   {o.element}")
    return lines


def _text(r: NanReport) -> str:
    head = f"explain_nans ({r.mode}): "
    if not r.found:
        lines = [head + "none found, every output is finite; largest magnitudes:"]
        lines += [f"  {name}: {big:.6g}" for name, _, big in r.outputs]
        return "\n".join(lines)
    bad = ", ".join(f"{n} ({k})" for n, k, _ in r.outputs if k != "finite")
    lines = [head + f"non-finite: {bad}"]
    if r.origin is None:
        lines.append("  no equation made it: it came in through an argument or a constant")
    else:
        lines.append("first made here:")
        lines += _describe(r.origin)
    if r.inf_origin is not None:
        lines.append("the inf it met was first made here:")
        lines += _describe(r.inf_origin)
    if r.remedy is not None:
        v = {True: "verified", False: "tried, still not finite", None: "not run"}[r.remedy.verified]
        lines.append(f"remedy ({r.remedy.name}, {v}): {r.remedy.advice}")
        if r.remedy.result:
            lines.append(f"  with it: {r.remedy.result}")
    return "\n".join(lines)


def _html(r: NanReport) -> str:
    color = "#b00020" if r.found else "#1b5e20"
    return (
        f'<pre class="wb-explain-nans" style="white-space:pre-wrap;border-left:3px solid '
        f'{color};padding-left:6px">{html.escape(_text(r))}</pre>'
    )
