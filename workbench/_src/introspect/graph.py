"""The graph model of a program: a node per equation, nested regions, tagged edges.

``graph_from_jaxpr`` turns a jaxpr into plain data:

- a ``Node`` per primitive equation (with its parameters, input and output avals, source line, the
  pass it belongs to and the region it sits in), plus a node per argument, constant and result;
- a ``Region`` per nested jaxpr (``jit`` calls, ``scan``/``while``/``cond`` bodies, ``remat``,
  ``custom_jvp``/``custom_vjp``), per ``jax.named_scope``, and per call of one of the user's own
  functions (``kind="function"``: ``attention``, ``block``; from each equation's traceback, the
  frames outside JAX, the workbench and installed libraries; ``_Calls``); an equation that holds
  a jaxpr is a region, not a node, and edges run straight to the equations inside it;
- an ``Edge`` per value passed from one node to another, tagged ``"forward"``, ``"backward"`` or
  ``"residual"`` (computed before the backward pass and consumed by it).

Ids come from structure (see ``structure.py``), so the same program always gives the same graph.
The loop-carried edge from a body's output back to its input is not drawn.

>>> import jax, jax.numpy as jnp
>>> from workbench.introspect import graph_from_jaxpr
>>> g = graph_from_jaxpr(jax.make_jaxpr(jax.grad(lambda x: jnp.sin(x) * x))(1.0))
>>> [n.primitive for n in g.ops]
['sin', 'cos', 'mul', 'mul', 'mul', 'mul', 'add_any']
>>> sorted({e.kind for e in g.edges})
['backward', 'forward', 'residual']
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Sequence
from typing import Any, Literal

from jax.extend import core as jcore

from workbench._src.errors import OptionError
from workbench._src.internals import jaxprs, params, private_jax
from workbench._src.internals import primitives as prims
from workbench._src.introspect import structure, text
from workbench._src.introspect.structure import ROOT, Aval, Phase
from workbench._src.loops.binding import BACKWARD_SCOPE, FORWARD_SCOPE
from workbench._src.sources import in_workbench, is_users, source_text

NodeKind = Literal["op", "argument", "constant", "result"]
EdgeKind = Literal["forward", "backward", "residual"]
Source = private_jax.Source


@dataclasses.dataclass(frozen=True, slots=True)
class Node:
    """One equation (``kind="op"``), or one argument, constant or result of the program.

    Attributes:
      id: stable id from structure, e.g. ``"main/3"`` or ``"main/2/0"`` (see ``structure.py``).
      kind: ``"op"``, ``"argument"``, ``"constant"`` or ``"result"``.
      primitive: the primitive's name (``"sin"``), or the kind for the others.
      name: the argument or result path as JAX names it (``"x"``, ``"params['w']"``); for ops, "".
      phase: ``"primal"``, ``"forward"`` or ``"backward"`` (see ``structure.phase_of``).
      region: id of the innermost region that holds it.
      inputs, outputs: avals of the operands and results.
      params: the parameters that say what it computes, as short text.
      source: the user's source line, or ``None``.
      name_stack: JAX's full name stack, e.g. ``"transpose(jvp(blk))"``.
      recomputed: whether it recomputes a forward value during the backward pass (``remat``).
    """

    id: str
    kind: NodeKind
    primitive: str
    name: str
    phase: Phase
    region: str
    inputs: tuple[Aval, ...]
    outputs: tuple[Aval, ...]
    params: tuple[tuple[str, str], ...] = ()
    source: Source | None = None
    name_stack: str = ""
    recomputed: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class Edge:
    """A value passed from output ``output`` of node ``source`` to node ``target``, where it is
    operand ``input`` (its first use, when the target reads the value more than once)."""

    source: str
    output: int
    target: str
    kind: EdgeKind
    aval: Aval
    input: int = 0

    @property
    def id(self) -> str:
        return f"{self.source}:{self.output}->{self.target}"


@dataclasses.dataclass(frozen=True, slots=True)
class Region:
    """A nested jaxpr or a named scope.

    Attributes:
      id: stable id: ``"main"`` for the program, ``"main/4"`` for the jaxpr of equation 4,
        ``"main/4.1"`` for its second jaxpr (a ``while`` body, a ``cond`` branch),
        ``"main:backward:blk"`` for the backward part of ``jax.named_scope("blk")``.
      kind: ``"program"``, ``"jit"``, ``"scan"``, ``"while"``, ``"cond"``, ``"remat"``,
        ``"custom_jvp"``, ``"custom_vjp"``, ``"branch"`` (one jaxpr of a while/cond),
        ``"named_scope"``, ``"function"`` (one call of a user's function; ``source`` is the
        line that called it), ``"arguments"`` / ``"results"`` (the leaves of one large pytree,
        named by its root: ``params``), or the name of another primitive that holds a jaxpr.
      name: the jitted function's name, the scope's name, ``"body"``, ``"branch 1"``, ...
      parent: the enclosing region's id (``None`` for the program).
      phase: the pass it belongs to.
      params: parameters worth showing (a scan's ``length``, a remat ``policy``).
      source: the user's source line of the equation, if any.
    """

    id: str
    kind: str
    name: str
    parent: str | None
    phase: Phase
    params: tuple[tuple[str, str], ...] = ()
    source: Source | None = None

    @property
    def label(self) -> str:
        if self.kind in ("named_scope", "branch", "function", "arguments", "results"):
            return self.name
        return f"{self.kind}({self.name})" if self.name else self.kind


@dataclasses.dataclass(frozen=True)
class Graph:
    """The graph model of one program. Plain data; ``repr`` is a short summary.

    >>> import jax, jax.numpy as jnp
    >>> from workbench.introspect import graph_from_jaxpr
    >>> graph_from_jaxpr(jax.make_jaxpr(jnp.sin)(1.0))
    Graph: 1 op (1 primal), 1 argument, 1 result; 2 edges (2 forward); 1 region
    """

    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    regions: tuple[Region, ...]

    @functools.cached_property
    def _node_index(self) -> dict[str, Node]:
        return {n.id: n for n in self.nodes}

    @functools.cached_property
    def _region_index(self) -> dict[str, Region]:
        return {r.id: r for r in self.regions}

    def node(self, node_id: str) -> Node:
        """The node with this id (``KeyError`` names the nearest existing ids)."""
        try:
            return self._node_index[node_id]
        except KeyError:
            raise KeyError(_missing("node", node_id, list(self._node_index))) from None

    def region(self, region_id: str) -> Region:
        try:
            return self._region_index[region_id]
        except KeyError:
            raise KeyError(_missing("region", region_id, list(self._region_index))) from None

    @property
    def ops(self) -> tuple[Node, ...]:
        """The equation nodes, in program order."""
        return tuple(n for n in self.nodes if n.kind == "op")

    def count(self, what: str = "ops") -> dict[str, int]:
        """Counts by kind: ``"ops"`` (by phase), ``"edges"`` (by kind), ``"regions"`` (by kind)
        or ``"nodes"`` (by kind)."""
        keys: list[str]
        if what == "ops":
            keys = [n.phase for n in self.nodes if n.kind == "op"]
        elif what == "nodes":
            keys = [n.kind for n in self.nodes]
        elif what == "edges":
            keys = [e.kind for e in self.edges]
        elif what == "regions":
            keys = [r.kind for r in self.regions]
        else:
            raise OptionError(
                f"Graph.count received {what!r}: it counts 'ops' (by pass), 'nodes', 'edges' or "
                "'regions' (by kind). Pass one of them: g.count('ops')."
            )
        out: dict[str, int] = {}
        for k in keys:
            out[k] = out.get(k, 0) + 1
        return out

    def children(self, region_id: str) -> tuple[tuple[Region, ...], tuple[Node, ...]]:
        """The regions and nodes directly inside a region."""
        self.region(region_id)
        return (
            tuple(r for r in self.regions if r.parent == region_id),
            tuple(n for n in self.nodes if n.region == region_id),
        )

    def __repr__(self) -> str:
        return graph_summary(self)

    def to_text(self, max_lines: int = 60) -> str:
        """The summary, the region tree and the first nodes, as text."""
        return render_graph(self, max_lines=max_lines)


def _missing(what: str, key: str, known: Sequence[str]) -> str:
    import difflib

    near = difflib.get_close_matches(key, known, n=3)
    hint = f" Did you mean {', '.join(repr(k) for k in near)}?" if near else ""
    return f"No {what} with id {key!r} in this graph ({len(known)} {what}s).{hint}"


# --------------------------------------------------------------------------------------------
# Building


# A reference to a produced value: (node id, output index, producer phase, aval).
_Ref = tuple[str, int, str, Aval]


def graph_from_jaxpr(
    jaxpr: Any,
    *,
    arg_names: Sequence[str] | None = None,
    result_names: Sequence[str] | None = None,
) -> Graph:
    """Builds the graph model of a jaxpr.

    Args:
      jaxpr: a ``ClosedJaxpr`` (from ``jax.make_jaxpr`` or ``jax.jit(f).trace(...).jaxpr``) or a
        ``Jaxpr``.
      arg_names: names of the flat arguments; default: JAX's own (``debug_info.arg_names``).
      result_names: names of the flat results; default: JAX's ``debug_info.result_paths``.

    Returns:
      A ``Graph``: nodes, edges and regions, with ids derived from structure.

    >>> import jax, jax.numpy as jnp
    >>> from workbench.introspect import graph_from_jaxpr
    >>> g = graph_from_jaxpr(jax.make_jaxpr(lambda x: jnp.cos(jnp.sin(x)))(1.0))
    >>> [(n.id, n.primitive) for n in g.ops]
    [('main/0', 'sin'), ('main/1', 'cos')]
    """
    if not jaxprs.is_jaxpr(jaxpr):
        raise TypeError(
            f"graph_from_jaxpr needs a jaxpr, but received a {type(jaxpr).__name__}. Pass "
            "jax.make_jaxpr(f)(*args) or jax.jit(f).trace(*args).jaxpr, or use "
            "wb.inspect(f, *args).graph."
        )
    inner, consts = jaxprs.open_jaxpr(jaxpr)
    with structure.paused_gc():
        return _Builder().build(inner, consts, arg_names, result_names)


class _Builder:
    def __init__(self) -> None:
        self.nodes: list[Node] = []
        self.edges: list[Edge] = []
        self.regions: list[Region] = []
        self.scope_regions: set[str] = set()
        self.stack_text: dict[tuple[structure.Entry, ...], str] = {}
        self.calls = _Calls(self.regions)
        self.pending_groups: list[Region] = []

    def build(
        self,
        jaxpr: Any,
        consts: Sequence[Any],
        arg_names: Sequence[str] | None,
        result_names: Sequence[str] | None,
    ) -> Graph:
        info = getattr(jaxpr, "debug_info", None)
        if arg_names is None:
            arg_names = _names(getattr(info, "arg_names", None), len(jaxpr.invars), "arg")
        if result_names is None:
            result_names = _names(getattr(info, "result_paths", None), len(jaxpr.outvars), "out")
        self.regions.append(Region(ROOT, "program", _program_name(info), None, "primal"))
        inputs: list[tuple[_Ref, ...]] = []
        for i, v in enumerate(jaxpr.invars):
            nid = f"{ROOT}/in{i}"
            aval = structure.aval_of(v)
            self.nodes.append(
                Node(nid, "argument", "argument", arg_names[i], "primal", ROOT, (), (aval,))
            )
            inputs.append(((nid, 0, "primal", aval),))
        outs = self.walk(jaxpr, consts, ROOT, (), inputs)
        for j, refs in enumerate(outs):
            nid = f"{ROOT}/out{j}"
            avals = (structure.aval_of(jaxpr.outvars[j]),)
            self.nodes.append(
                Node(nid, "result", "result", result_names[j], "primal", ROOT, avals, ())
            )
            self.connect(refs, nid, "primal")
        self.into_sweeps()
        self.group_values()
        return Graph(tuple(self.nodes), tuple(self.edges), tuple(_as_loops(self.regions)))

    def into_sweeps(self) -> None:
        """The workbench's own ops beside a checkpointed loop's sweep (the rules' sum of its
        cotangents, say), whose every operand comes from that sweep, go inside it: the loop is
        one box (``_as_loops``), with no "wb internals" box beside it."""
        sweeps = {
            r.id
            for r in self.regions
            if r.kind == "named_scope" and r.name in (FORWARD_SCOPE, BACKWARD_SCOPE)
        }
        if not sweeps:
            return
        parent = {r.id: r.parent for r in self.regions}

        def sweep_of(rid: str | None) -> str | None:
            while rid is not None and rid not in sweeps:
                rid = parent.get(rid)
            return rid

        where = {n.id: n.region for n in self.nodes}
        operands: dict[str, list[str]] = {}
        for e in self.edges:
            operands.setdefault(e.target, []).append(e.source)
        for i, n in enumerate(self.nodes):
            if n.kind != "op" or n.source is None or not in_workbench(n.source.file):
                continue
            if sweep_of(n.region) is not None:
                continue
            homes = {sweep_of(where[s]) for s in operands.get(n.id, [])}
            home = homes.pop() if len(homes) == 1 else None
            if home is not None:
                self.nodes[i] = dataclasses.replace(n, region=home)

    def group_values(self) -> None:
        """Groups the leaves of each large pytree of arguments (results), more than
        ``GROUP_VALUES``, into a region per entry where the pytree branches (``params[3]``: a
        layer's arrays, beside the layer's call, which the viewer folds with it;
        ``value_groups``), each group whose leaves the user's functions all read (make). Leaves
        read by ops outside any call (an MLP written as one loop, a model's embedding) stay in
        the program, each beside its op: grouped, they would pull the layers together.
        """
        in_call: dict[str, bool] = {}
        for r in self.regions:
            in_call[r.id] = r.kind == "function" or in_call.get(r.parent or "", False)
        where = {n.id: n.region for n in self.nodes}
        ends: dict[str, list[str]] = {}
        for e in self.edges:
            ends.setdefault(e.source, []).append(where[e.target])
            ends.setdefault(e.target, []).append(where[e.source])
        for kind, node_kind in (("arguments", "argument"), ("results", "result")):
            leaves = [(i, n) for i, n in enumerate(self.nodes) if n.kind == node_kind]
            homes = self.value_groups(kind, [n.name for _, n in leaves])
            # A group is kept where every leaf of it is read (made) inside the user's calls.
            kept: dict[str, bool] = {}
            for (_, n), home in zip(leaves, homes, strict=True):
                if home != ROOT:
                    seen = [in_call.get(r, False) for r in ends.get(n.id, [])]
                    kept[home] = kept.get(home, True) and bool(seen) and all(seen)
            used: set[str] = set()
            for (i, n), home in zip(leaves, homes, strict=True):
                if home != ROOT and kept[home]:
                    self.nodes[i] = dataclasses.replace(n, region=home)
                    used.add(home)
            for rid in [r for r in self.pending_groups if r.id in used]:
                self.regions.append(rid)
            self.pending_groups = []

    def value_groups(self, kind: str, names: Sequence[str]) -> list[str]:
        """The region each argument (or result) would go in by the Python path it has: the
        leaves of one large pytree (more than ``GROUP_VALUES``) a region per entry at the first
        level of the path where the pytree branches (``params[3]``); else the program. The
        regions are made in ``pending_groups``, kept where used."""
        self.pending_groups = []
        paths = [_path(n) for n in names]
        count: dict[str, int] = {}
        for root, _ in paths:
            count[root] = count.get(root, 0) + 1
        depth: dict[str, int] = {}
        for root in count:
            if count[root] <= GROUP_VALUES:
                continue
            leaves = [p for r, p in paths if r == root]
            for d in range(1, max(map(len, leaves)) + 1):
                groups = {tuple(p[:d]) for p in leaves}
                if len(groups) > 1:
                    if len(groups) < len(leaves):  # some group holds more than one leaf
                        depth[root] = d
                    break
        homes = []
        for root, parts in paths:
            if root not in depth:
                homes.append(ROOT)
                continue
            label = root + "".join(parts[: depth[root]])
            rid = f"{ROOT}:{kind}:{label}"
            if rid not in self.scope_regions:
                self.scope_regions.add(rid)
                self.pending_groups.append(Region(rid, kind, label, ROOT, "primal"))
            homes.append(rid)
        return homes

    def connect(
        self,
        refs: Sequence[_Ref],
        target: str,
        phase: str,
        seen: set[Any] | None = None,
        operand: int = 0,
    ) -> None:
        for src, k, src_phase, aval in refs:
            if seen is not None:
                key = (src, k)
                if key in seen:
                    continue
                seen.add(key)
            if src_phase == "backward":
                kind: EdgeKind = "backward"
            elif phase == "backward":
                kind = "residual"
            else:
                kind = "forward"
            self.edges.append(Edge(src, k, target, kind, aval, operand))

    def stack_string(self, entries: tuple[structure.Entry, ...]) -> str:
        try:
            return self.stack_text[entries]
        except KeyError:
            pass
        parts: list[str] = []
        for is_transform, name in reversed(entries):
            if is_transform:
                if parts:
                    parts[-1] = f"{name}({parts[-1]})"
                else:
                    parts.append(f"{name}()")
            else:
                parts.append(name)
        joined = "/".join(reversed(parts))
        self.stack_text[entries] = joined
        return joined

    def scope_region(self, region: str, phase: Phase, scopes: tuple[str, ...]) -> str:
        """The innermost named-scope region for ``scopes`` inside ``region`` (created on demand)."""
        parent = region
        for depth in range(1, len(scopes) + 1):
            rid = f"{region}:{phase}:{'/'.join(scopes[:depth])}"
            if rid not in self.scope_regions:
                self.scope_regions.add(rid)
                self.regions.append(Region(rid, "named_scope", scopes[depth - 1], parent, phase))
            parent = rid
        return parent

    def walk(
        self,
        jaxpr: Any,
        consts: Sequence[Any],
        region: str,
        prefix: tuple[structure.Entry, ...],
        inputs: Sequence[tuple[_Ref, ...]],
    ) -> list[tuple[_Ref, ...]]:
        env: dict[Any, tuple[_Ref, ...]] = dict(zip(jaxpr.invars, inputs, strict=True))
        region_phase = structure.phase_of(prefix)
        for i, v in enumerate(jaxpr.constvars):
            nid = f"{region}/const{i}"
            aval = structure.aval_of(v)
            self.nodes.append(
                Node(nid, "constant", "constant", "", region_phase, region, (), (aval,))
            )
            env[v] = ((nid, 0, region_phase, aval),)
        aval_of = structure.aval_of
        is_literal = structure.is_literal
        stacks = structure.StackCache(prefix)
        homes: dict[Any, str] = {}
        calls = self.calls.of_jaxpr(jaxpr)
        split = _scope_split(jaxpr.eqns, stacks, calls)
        for i, eqn in enumerate(jaxpr.eqns):
            info = stacks.info(eqn)
            phase = info.phase
            # The scopes that hold the user's calls, the calls, then the scopes opened inside
            # the innermost call (a library module's, as Equinox names its modules' calls).
            scopes = info.own_scopes
            j = split.get((phase, scopes), 0)
            home = region
            if j:
                key = (region, phase, scopes[:j])
                home = homes.get(key) or homes.setdefault(
                    key, self.scope_region(region, phase, scopes[:j])
                )
            home = self.calls.home(home, phase, calls[i])
            if j < len(scopes):
                key = (home, phase, scopes[j:])
                home = homes.get(key) or homes.setdefault(
                    key, self.scope_region(home, phase, scopes[j:])
                )
            subs = structure.sub_jaxprs(eqn)
            if subs:
                self.enter(eqn, i, subs, region, home, phase, info.entries, env)
                continue
            nid = structure.eqn_id(region, i)
            outs = tuple(map(aval_of, eqn.outvars))
            self.nodes.append(
                Node(
                    nid,
                    "op",
                    eqn.primitive.name,
                    "",
                    phase,
                    home,
                    tuple(map(aval_of, eqn.invars)),
                    outs,
                    structure.op_params(eqn),
                    private_jax.user_frame(eqn.source_info),
                    self.stack_string(info.entries),
                    info.recomputed,
                )
            )
            seen: set[Any] = set()
            for pos, v in enumerate(eqn.invars):
                if not is_literal(v):
                    refs = env.get(v)
                    if refs:
                        self.connect(refs, nid, phase, seen, pos)
            for k, v in enumerate(eqn.outvars):
                env[v] = ((nid, k, phase, outs[k]),)
        return [() if is_literal(v) else env.get(v, ()) for v in jaxpr.outvars]

    def enter(
        self,
        eqn: Any,
        i: int,
        subs: list[structure.SubJaxpr],
        region: str,
        home: str,
        phase: Phase,
        entries: tuple[structure.Entry, ...],
        env: dict[Any, tuple[_Ref, ...]],
    ) -> None:
        rid = structure.eqn_id(region, i)
        kind = structure.region_kind(eqn)
        name = params.jit_name(eqn.params) if eqn.primitive is prims.JIT else ""
        source = private_jax.user_frame(eqn.source_info)
        self.regions.append(
            Region(rid, kind, name, home, phase, structure.region_params(eqn), source)
        )
        for k, sub in enumerate(subs):
            sid = structure.sub_region_id(rid, k, len(subs))
            if sid != rid:
                self.regions.append(Region(sid, "branch", sub.name, rid, phase, (), source))
            ins = [() if structure.is_literal(a) else env.get(a, ()) for a in sub.inputs]
            outs = self.walk(sub.jaxpr, sub.consts, sid, entries, ins)
            for outer, refs in zip(sub.outputs, outs, strict=True):
                if outer is not None and not isinstance(outer, jcore.DropVar):
                    env[outer] = env.get(outer, ()) + refs if k else refs


GROUP_VALUES = 16  # a pytree of more arguments (or results) than this is grouped


def _scope_split(
    eqns: Sequence[Any],
    stacks: structure.StackCache,
    calls: list[tuple[tuple[_Call, int, Source], ...]],
) -> dict[tuple[Phase, tuple[str, ...]], int]:
    """Where the user's calls go among an equation's named scopes, per (pass, scopes): how many
    of its scopes, outermost first, hold calls.

    A scope is opened by one frame and holds what that frame does inside it: a scope whose
    equations all run in the same chain of calls (the same call sites) was opened inside the
    innermost of them, and is drawn inside each call (an Equinox module's ``eqx.nn.Linear``,
    called from the user's ``Block.__call__``: inside that block); a scope whose equations run
    in different calls holds them (``with jax.named_scope("encoder"): h = block(h)``). Scopes
    nest, so the outer ones that hold calls come first."""
    chains: dict[tuple[Phase, tuple[str, ...]], set[tuple[_Call, ...]]] = {}
    for eqn, chain in zip(eqns, calls, strict=True):
        info = stacks.info(eqn)
        sites = tuple(c[0] for c in chain)
        for d in range(1, len(info.own_scopes) + 1):
            chains.setdefault((info.phase, info.own_scopes[:d]), set()).add(sites)
    out: dict[tuple[Phase, tuple[str, ...]], int] = {}
    for eqn in eqns:
        info = stacks.info(eqn)
        key = (info.phase, info.own_scopes)
        if key in out or not info.own_scopes:
            continue
        j = 0
        while j < len(info.own_scopes) and len(chains[(info.phase, info.own_scopes[: j + 1])]) > 1:
            j += 1
        out[key] = j
    return out


def _path(name: str) -> tuple[str, list[str]]:
    """A Python path's root and parts: ``params[3]['wq']`` -> ``("params", ["[3]", "['wq']"])``."""
    parts = re.findall(r"\[[^\]]*\]|\.\w+", name)
    root = (
        name[: len(name) - len("".join(parts))]
        if "".join(parts) and name.endswith("".join(parts))
        else name
    )
    return (root or name), (parts if root else [])


# A call: (function, its file, the caller's file and bytecode offset where it was called).
_Call = tuple[str, str, str, int]


class _Calls:
    """The regions of the user's function calls (``kind="function"``).

    Each equation's user frames (``private_jax.user_call_stack``), relative to its jaxpr: the
    frames every equation of the jaxpr shares (the cell that called ``wb.graph``) and the next
    one (the traced function itself, or a loop's body function: the program or the loop's own
    region) are left out; each frame below is a call. Consecutive equations in the same call
    site and the same pass share its region while the line the call has reached does not go
    back: its bytecode offset (``lasti``) grows as it runs (the backward pass runs the calls'
    ops in reverse: there it shrinks). ``for p in params: h = block(h, p)`` makes a region per
    call, not one for all, and so does ``block(block(h))`` (two call sites). A function whose
    own loop jumps back is split there (a region per iteration, each named by the function)."""

    def __init__(self, regions: list[Region]) -> None:
        self.regions = regions
        self.open: dict[tuple[str, str], list[tuple[_Call, str, int]]] = {}

    @staticmethod
    def of_jaxpr(jaxpr: Any) -> list[tuple[tuple[_Call, int, Source], ...]]:
        """Per equation, its calls below the jaxpr's own function: (call, the offset it has
        reached, the caller's frame)."""
        stacks = [private_jax.user_call_stack(e.source_info, is_users) for e in jaxpr.eqns]
        found = [s for s in stacks if s]
        common = 0
        if found:
            first = found[0]
            while common < len(first) and all(
                len(s) > common and s[common] == first[common] for s in found
            ):
                common += 1
        out = []
        for s in stacks:
            chain = []
            for k in range(common + 1, len(s)):
                (f, lasti), (caller, at) = s[k], s[k - 1]
                chain.append(((f.function, f.file, caller.file, at), lasti, caller))
            out.append(tuple(chain))
        return out

    def home(self, parent: str, phase: Phase, calls: tuple[tuple[_Call, int, Source], ...]) -> str:
        """The region of the innermost of ``calls`` under ``parent`` (made where a new call
        starts), or ``parent`` for none."""
        stack = self.open.setdefault((parent, phase), [])
        home = parent
        for depth, (call, reached, caller) in enumerate(calls):
            if depth < len(stack) and stack[depth][0] == call:
                before = stack[depth][2]
                back = reached > before if phase == "backward" else reached < before
                if not back:
                    home = stack[depth][1]
                    stack[depth] = (call, home, reached)
                    continue
            del stack[depth:]
            rid = f"{parent}:{phase}:call{len(self.regions)}"
            where = Source(caller.file, caller.line, caller.column, caller.function)
            # A method reads Class.method; a function defined in another, by its own name.
            name = call[0].rsplit(".<locals>.", 1)[-1]
            self.regions.append(Region(rid, "function", name, home, phase, (), where))
            stack.append((call, rid, reached))
            home = rid
        del stack[len(calls) :]
        return home


def _as_loops(regions: list[Region]) -> list[Region]:
    """A checkpointed loop's gradient as the user wrote the loop: the scopes its rules open
    around Revolve's sweeps (``revolve_forward_sweep``, ``revolve_backward``: loops of 20, 16,
    9 and 4 steps, the schedule's bookkeeping) become loop regions that say the loop's own trip
    count and scheme (``loop x50 · Binomial(4)``), the schedule inside them as their detail.

    The forward sweep advances to the last step, which is taped apart: its loops' trip counts
    add up to the loop's count less one (checked against the count the user gave for 2 to 4
    snapshots and 7 to 100 steps, ``tests/test_introspect.py``). The k-th backward scope of
    the program reverses the k-th forward sweep from the end. A sweep whose loops' counts are
    not all known keeps its scope."""
    children: dict[str | None, list[Region]] = {}
    for r in regions:
        children.setdefault(r.parent, []).append(r)

    def loops_of(r: Region) -> list[dict[str, str]]:
        return [dict(c.params) for c in children.get(r.id, []) if c.kind in ("loop", "scan")]

    sweeps = [r for r in regions if r.kind == "named_scope" and r.name == FORWARD_SCOPE]
    backs = [r for r in regions if r.kind == "named_scope" and r.name == BACKWARD_SCOPE]
    counts: list[int | None] = []
    for r in sweeps:
        trips = [p.get("trip count", p.get("length", "")) for p in loops_of(r)]
        ok = bool(trips) and all(t.isdigit() for t in trips)
        counts.append(sum(int(t) for t in trips) + 1 if ok else None)
    found = dict(zip((r.id for r in sweeps), counts, strict=True))
    partner: dict[str, str] = {}  # a forward sweep and its reversal, both ways
    if len(backs) == len(sweeps):
        found |= dict(zip((r.id for r in backs), reversed(counts), strict=True))
        for f, b in zip(sweeps, reversed(backs), strict=True):
            partner[f.id], partner[b.id] = b.id, f.id
    by_id = {r.id: r for r in regions}
    out = []
    for r in regions:
        n = found.get(r.id)
        if n is None:
            out.append(r)
            continue
        # The sweeps' loops are Revolve's segments, each with the snapshots left to it (the
        # forward sweep's may all have fewer than the scheme's): the user's scheme is the one
        # with the most, over the sweep and its reversal.
        pair = [r] + ([by_id[partner[r.id]]] if r.id in partner else [])
        inner = [p for q in pair for p in loops_of(q) if str(p.get("snapshots", "")).isdigit()]
        most = max(inner, key=lambda p: int(p["snapshots"]), default={})
        scheme, snaps = most.get("scheme", ""), most.get("snapshots", "")
        what = "forward sweep" if r.name == FORWARD_SCOPE else "reversal"
        params: tuple[tuple[str, str], ...] = (
            ("trip count", str(n)),
            ("scheme", scheme),
            ("snapshots", snaps),
            ("schedule", f"Revolve's {what}, inside"),
        )
        out.append(dataclasses.replace(r, kind="loop", name="checkpointed", params=params))
    return out


def _names(names: Sequence[str] | None, n: int, stem: str) -> list[str]:
    if names is not None and len(names) == n:
        return [str(x) if x else f"{stem}{i}" for i, x in enumerate(names)]
    return [f"{stem}{i}" for i in range(n)]


def _program_name(info: Any) -> str:
    src = getattr(info, "func_src_info", None) or ""
    return str(src).split(" at ")[0] if src else ""


# --------------------------------------------------------------------------------------------
# Text (a report renders itself; introspect/text.py has the shared formatting)


def graph_summary(g: Graph) -> str:
    """One line: ops by phase, arguments, results, edges by kind, regions."""
    nodes = g.count("nodes")
    ops = g.count("ops")
    edges = g.count("edges")
    parts = [f"{text.plural(nodes.get('op', 0), 'op')} ({text.counted(ops, text.PHASES)})"]
    parts.append(text.plural(nodes.get("argument", 0), "argument"))
    if nodes.get("constant"):
        parts.append(text.plural(nodes["constant"], "constant"))
    parts.append(text.plural(nodes.get("result", 0), "result"))
    edge_text = text.plural(len(g.edges), "edge")
    if edges:
        edge_text += f" ({text.counted(edges, text.EDGE_KINDS)})"
    return f"Graph: {', '.join(parts)}; {edge_text}; {text.plural(len(g.regions), 'region')}"


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
            + f": {text.plural(per_region.get(rid, 0), 'node')}"
        )
        for c in children.get(rid, []):
            visit(c, depth + 1)

    for root in children.get(None, []):
        visit(root, 1)
    half = None if max_lines is None else max(5, max_lines // 2)
    lines += text.bounded(tree, half, "regions")
    lines += ["", "Nodes:"]
    shown = g.nodes if half is None else g.nodes[:half]
    for n in shown:
        ins = ", ".join(str(a) for a in n.inputs)
        outs = ", ".join(str(a) for a in n.outputs)
        label = n.primitive if n.kind == "op" else f"{n.kind} {n.name}"
        where = f"  {source_text(n.source)}" if n.source is not None else ""
        line = f"  {n.id}  {label}  ({ins}) -> ({outs})  {n.phase}{where}"
        lines.append(text.cut_line(line, text.MAX_LINE_CHARS))
    if len(shown) < len(g.nodes):
        lines.append(f"... {len(g.nodes) - len(shown)} more nodes not shown")
    return "\n".join(lines)
