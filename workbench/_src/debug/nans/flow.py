"""The way of the non-finite value through the graph: the edges both ways, the inf met on the
way to the NaN, the path to the outputs."""

from collections.abc import Sequence
from typing import Any

import numpy as np

from workbench._src.debug.nans.drill import Records
from workbench._src.debug.nans.equations import _BIG, EqnId, _Index
from workbench._src.debug.nans.report import NanPath, Origin
from workbench._src.introspect import structure

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
    index: _Index, flow: _Flow, records: Records, eid: EqnId, caps: Any
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
    return records.first("inf")


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
    edges: dict[tuple[str, str], None] = {}  # in order, once each (a set's look-up: a long
    residual: list[tuple[str, str]] = []  # path has thousands of edges)
    for e in graph.edges:
        if e.source in on and e.target in on and (e.source, e.target) not in edges:
            edges[(e.source, e.target)] = None
            if e.kind == "residual" and e.source in chain and e.target in chain:
                residual.append((e.source, e.target))
    order = {n.id: i for i, n in enumerate(graph.nodes)}
    nodes = tuple(sorted(on, key=lambda n: order.get(n, -1)))
    return NanPath(origin.node, src, nodes, tuple(edges), tuple(residual))
