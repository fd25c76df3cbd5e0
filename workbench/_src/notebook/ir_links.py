"""Links from the lines of the inspector's IR views to the nodes of its graph.

Selecting an equation in the jaxpr view (or an instruction in the optimized HLO) highlights what
it computes in the graph viewer. The links of a line are the ids of the graph nodes or regions
(``graph.py``'s ids, e.g. ``"main/3"``, ``"main/2/0"``) it shows:

- **jaxpr**: the workbench prints the jaxpr itself (``introspect/jaxpr_text.py``), walking it as
  the graph builder does, and records each line's ids as it prints it; the view carries them
  (``View.links``). Nothing here reads the text. A region's equation (``jit[``, ``scan[``) and
  its nested jaxpr's header and ``in`` lines link to the region; the program's header to its
  arguments, its ``in`` line to its results. The gradient view's jaxpr (``--grad``) carries
  links to the gradient's graph the same way.
- **optimized HLO**: each instruction's ``metadata={op_name="jit(f)/jvp(blk)/sin"}`` names the
  primitive, the pass (``jvp``/``transpose``) and the scopes and regions (``jit(g)``,
  ``while/body``, ``cond/branch_1_fun``, named scopes) it came from; it links to the graph's
  nodes with that primitive and pass whose enclosing regions all appear in the name, the most
  specific ones only. Several nodes can share one instruction (after CSE and fusion) and one node
  several instructions.
- **StableHLO**: JAX prints it without locations, so it has no links (``{}``).

Everything is plain data; ``links`` gives the ``{view: {line index: [ids]}}`` mapping the
inspector's ``links`` trait sends (line indices as strings, as JSON needs).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from workbench._src.errors import warn_fallback
from workbench._src.internals import lowering
from workbench._src.introspect import hlo
from workbench._src.introspect.structure import ROOT

if TYPE_CHECKING:
    from workbench._src.introspect.graph import Graph, Region
    from workbench._src.introspect.inspection import Inspection
    from workbench._src.notebook.views import View

MAX_LINES = 2000  # lines linked per view (the inspector shows no more; see views.MAX_VIEW_LINES)
MAX_IDS = 64  # ids sent per line (a jaxpr called at a thousand sites links to its first 64)

Links = dict[int, list[str]]
K = TypeVar("K")


# --------------------------------------------------------------------------------------------
# Optimized HLO

_WORDS = re.compile(r"[^/()]+")  # the words of a name-stack component


def _region_words(graph: Graph) -> dict[str, frozenset[str]]:
    """For each region, the words the name stacks of the instructions lowered from inside it
    hold: ``jit(g)`` for a ``jit`` call, ``while`` for loops, ``cond`` and ``branch_1_fun`` for a
    ``cond`` branch, ``checkpoint`` for ``remat``, a named scope's name, and its parents'."""
    regions = {r.id: r for r in graph.regions}
    memo: dict[str, frozenset[str]] = {}

    def own(r: Region) -> set[str]:
        if r.kind == "jit":
            return {lowering.JIT_WORD, *_WORDS.findall(r.name)}
        if r.kind == "named_scope":
            return set(_WORDS.findall(r.name))
        if r.kind == "branch" and r.parent is not None:
            parent = regions[r.parent]
            if parent.kind == "cond" and r.name.startswith("branch "):
                return {lowering.cond_branch_word(r.name.split(" ", 1)[1])}
            word = lowering.WHILE_PART_WORDS.get(r.name) if parent.kind == "while" else None
            return {word} if word else set()
        return set(lowering.SCOPE_WORDS.get(r.kind, ()))

    def words(rid: str) -> frozenset[str]:
        if rid in memo:
            return memo[rid]
        chain: list[Region] = []
        cur: str | None = rid
        while cur is not None and cur not in memo:
            r = regions[cur]
            chain.append(r)
            cur = r.parent
        acc = memo[cur] if cur is not None else frozenset()
        for r in reversed(chain):
            acc = acc | own(r)
            memo[r.id] = acc
        return memo[rid]

    for r in graph.regions:
        words(r.id)
    return memo


def hlo_links(text: str, graph: Graph, max_lines: int = MAX_LINES) -> Links:
    """``{line index: [graph ids]}`` for the instructions of an optimized HLO ``text``.

    An instruction links to the graph's nodes with its primitive (the last part of its
    ``op_name``) and pass whose enclosing regions all show in the ``op_name`` (the most specific
    ones, when several do); a ``while`` or conditional to the loop or ``cond`` regions; a
    parameter named like an argument to that argument.
    """
    words = _region_words(graph)
    # (primitive, pass) -> {the words its enclosing regions say: [ids]}. Grouped by words, so a
    # line is matched against each distinct place once, not against every node (a program of
    # 20,000 equations has a few dozen places; matching node by node was quadratic).
    by_prim: dict[tuple[str, str], dict[frozenset[str], list[str]]] = {}
    for n in graph.nodes:
        if n.kind == "op":
            by_prim.setdefault((n.primitive, n.phase), {}).setdefault(words[n.region], []).append(
                n.id
            )
    for r in graph.regions:
        for prim, kinds in lowering.REGION_OPS.items():
            if r.kind in kinds and r.parent is not None:
                by_prim.setdefault((prim, r.phase), {}).setdefault(words[r.parent], []).append(r.id)
    arguments = {n.name: n.id for n in graph.nodes if n.kind == "argument"}
    out: Links = {}
    for i, line in enumerate(text.splitlines()[:max_lines]):
        op_name = hlo.op_name_of(line)
        if op_name is None:
            continue
        parts = hlo.name_stack_parts(op_name)
        if len(parts) == 1:
            parsed = hlo.instruction(line)
            if parsed is not None and parsed[2] == "parameter" and op_name in arguments:
                out[i] = [arguments[op_name]]
            continue
        said = set()
        for part in parts[1:-1]:
            said.update(_WORDS.findall(part))
        places = by_prim.get((parts[-1], hlo.phase_of_op_name(op_name)), {})
        matching = [w for w in places if w <= said]
        if matching:
            best = max(len(w) for w in matching)
            out[i] = [nid for w in matching if len(w) == best for nid in places[w]]
    return out


# --------------------------------------------------------------------------------------------
# The program's ops in its gradient's forward pass (``%%reactant --grad``)


def forward_ids(program: Graph, gradient: Graph) -> dict[str, str]:
    """``{id in program: id in gradient}``: each op (argument, region) of ``program`` and the
    same one in the forward pass of ``gradient``, the graph of its derivative's program.

    Regions correspond by kind and name under corresponding parents, in order; arguments by
    name; ops by primitive and source line inside corresponding regions (or, for a region the
    forward pass inlines, such as ``remat``'s, inside the one around it), in order (the forward
    pass computes the program's ops in the program's order; the extra ops it makes for the
    backward pass, such as ``cos`` beside ``sin``, have no counterpart and are left out). Ops
    recomputed in the backward pass (remat) are not the forward pass's.
    """
    out: dict[str, str] = {}
    groot = next((r.id for r in gradient.regions if r.parent is None), ROOT)
    proot = next((r.id for r in program.regions if r.parent is None), ROOT)
    out[proot] = groot
    gregions: dict[tuple[str | None, str, str], list[str]] = {}
    for r in gradient.regions:
        if r.parent is not None and r.phase != "backward":
            gregions.setdefault((r.parent, r.kind, r.name), []).append(r.id)
    taken: dict[tuple[str | None, str, str], int] = {}
    for r in program.regions:  # parents come before their regions
        if r.parent is None or r.parent not in out:
            continue
        key = (out[r.parent], r.kind, r.name)
        i = taken.get(key, 0)
        found = gregions.get(key, [])
        if i < len(found):
            out[r.id] = found[i]
            taken[key] = i + 1
    parents = {r.id: r.parent for r in program.regions}

    def home(rid: str | None) -> str | None:
        """The counterpart of region ``rid``, or of the nearest region around it that has one
        (the forward pass inlines some regions: a ``remat``'s ops are plain ops there)."""
        while rid is not None and rid not in out:
            rid = parents.get(rid)
        return out[rid] if rid is not None else None

    gops: dict[tuple[str, str, str, Any], list[str]] = {}
    for n in gradient.nodes:
        if n.kind == "argument":
            gops.setdefault((n.kind, n.name, "", None), []).append(n.id)
        elif n.kind == "op" and n.phase != "backward" and not n.recomputed:
            gops.setdefault((n.kind, n.primitive, n.region, _line(n)), []).append(n.id)
    used: dict[tuple[str, str, str, Any], int] = {}
    for n in program.nodes:
        op: tuple[str, str, str, Any]
        if n.kind == "argument":
            op = (n.kind, n.name, "", None)
        elif n.kind == "op" and home(n.region) is not None:
            op = (n.kind, n.primitive, str(home(n.region)), _line(n))
        else:
            continue
        i = used.get(op, 0)
        same = gops.get(op, [])
        if i < len(same):
            out[n.id] = same[i]
            used[op] = i + 1
    return out


def _line(n: Any) -> tuple[str, int] | None:
    return (n.source.file, n.source.line) if n.source is not None else None


def translate(found: Mapping[K, list[str]], ids: Mapping[str, str]) -> dict[K, list[str]]:
    """``found`` with each id replaced by ``ids[id]``; ids without one dropped."""
    out: dict[K, list[str]] = {}
    for line, linked in found.items():
        mapped = list(dict.fromkeys(ids[i] for i in linked if i in ids))
        if mapped:
            out[line] = mapped
    return out


# --------------------------------------------------------------------------------------------
# All views


def links(
    ins: Inspection, views: Sequence[View], gradient: Graph | None = None
) -> dict[str, dict[str, list[str]]]:
    """The ``links`` trait of the inspector: for each IR view of the program, ``{line index:
    [graph ids]}`` for the view's text: the jaxpr's from its ``View.links`` (its printer's
    anchors), the optimized HLO's found from its metadata (``stablehlo`` has no locations to go
    by). With ``gradient`` (the graph tab draws the gradient's program, ``%%reactant --grad``),
    the program's lines link to the same ops in the gradient's forward pass (``forward_ids``),
    and the gradient view's jaxpr to the gradient's graph; without it, the gradient view's
    lines (to a graph not drawn) link to nothing. A view whose links cannot be found gets
    none; the view itself is unaffected."""
    out: dict[str, dict[str, list[str]]] = {}
    ids = forward_ids(ins.graph, gradient) if gradient is not None else None
    for view in views:
        if not view.text:
            continue
        found: Mapping[str, list[str]]
        if view.name == "hlo":
            try:
                found = {str(k): v for k, v in hlo_links(view.text, ins.graph).items()}
            except Exception as e:  # links are an aid: never break the inspector over them
                warn_fallback(
                    f"The {view.name} view's links to the graph could not be found",
                    e,
                    "the view is shown without them. If the installed JAX lowers programs "
                    "differently from the versions the workbench was tested with, "
                    "tests/test_jax_internals.py says what changed",
                )
                continue
        elif view.name == "grad":  # printed from the gradient's program: its graph's ids
            found = view.links if gradient is not None else {}
        else:
            found = view.links
        if ids is not None and view.name != "grad":
            found = translate(found, ids)
        if found:
            out[view.name] = {k: v[:MAX_IDS] for k, v in found.items()}
    return out


__all__ = ["forward_ids", "hlo_links", "links", "translate"]
