"""Links from the lines of the inspector's IR views to the nodes of its graph.

Selecting an equation in the jaxpr view (or an instruction in the optimized HLO) highlights what
it computes in the graph viewer. This module finds, for each line of an IR text, the ids of the
graph nodes or regions (``graph.py``'s ids, e.g. ``"main/3"``, ``"main/2/0"``) that line shows:

- **jaxpr**: the ``ClosedJaxpr`` is walked in the order JAX's pretty-printer prints it (jaxprs
  used more than once, or nested jaxprs of more than ten equations, first, as ``let name = {...}``
  definitions; then the program, each equation followed by the jaxprs in its parameters, in the
  sorted order of their parameter names), with the ids the graph gives each equation; the walk is
  then aligned with the printed lines by primitive name (``... = sin a``). A line that continues
  an equation (its parameters, the ``]`` closing them) links to that equation; a region's
  equation (``jit[``, ``scan[``) links to the region. A jaxpr printed once but used at several
  call sites links to the equation at every site.
- **optimized HLO**: each instruction's ``metadata={op_name="jit(f)/jvp(blk)/sin"}`` names the
  primitive, the pass (``jvp``/``transpose``) and the scopes and regions (``jit(g)``,
  ``while/body``, ``cond/branch_1_fun``, named scopes) it came from; it links to the graph's
  nodes with that primitive and pass whose enclosing regions all appear in the name, the most
  specific ones only. Several nodes can share one instruction (after CSE and fusion) and one node
  several instructions.
- **StableHLO**: JAX prints it without locations, so it has no links (``{}``).

Everything is plain data; ``links`` gives the ``{view: {line index: [ids]}}`` mapping the
inspector's ``links`` trait sends (line indices as strings, as JSON needs).

>>> import jax, jax.numpy as jnp
>>> from workbench._src.introspect import stages
>>> closed = jax.make_jaxpr(lambda x: jnp.cos(jax.jit(jnp.sin)(x)))(1.0)
>>> text = stages.jaxpr_text(closed)
>>> found = jaxpr_links(closed, text)
>>> for i, line in enumerate(text.splitlines()):
...     print(f"{line.split(':')[0].strip():<22} {found.get(i, '')}".rstrip())
{ lambda ; a
b                      ['main/0']
name=sin               ['main/0']
jaxpr={ lambda ; a     ['main/0/0']
] a                    ['main/0']
c                      ['main/1']
in (c,) }
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from workbench._src.errors import FallbackWarning
from workbench._src.internals import jaxprs, lowering
from workbench._src.introspect import hlo, structure
from workbench._src.introspect.structure import ROOT, eqn_id, sub_region_id

if TYPE_CHECKING:
    from workbench._src.introspect.graph import Graph, Region
    from workbench._src.introspect.inspection import Inspection

MAX_LINES = 2000  # lines linked per view (the inspector shows no more; see views.MAX_VIEW_LINES)
SEARCH_LINES = 200  # how far ahead an equation's printed line is looked for before giving up
SHARED_EQNS = 10  # JAX's printer pulls nested jaxprs of more equations than this to the top
MAX_IDS = 64  # ids sent per line (a jaxpr called at a thousand sites links to its first 64)

Links = dict[int, list[str]]


# --------------------------------------------------------------------------------------------
# jaxpr


def _jaxprs_in_params(params: Mapping[str, Any], order: Iterable[str]) -> Iterator[Any]:
    """The jaxprs in ``params`` (``ClosedJaxpr`` opened), parameter by parameter in ``order``,
    a tuple's in its order: as JAX's printer and its ``jaxprs_in_params`` find them."""
    for found in jaxprs.jaxprs_in_params(params, order):
        yield jaxprs.open_jaxpr(found)[0]


@dataclasses.dataclass(frozen=True)
class _Site:
    """Where a jaxpr sits in the graph: the region its equations are numbered in, or the one
    node that stands for all of them (inside an equation the graph leaves opaque)."""

    region: str | None
    node: str | None = None

    def ids(self, index: int) -> str:
        return self.node if self.node is not None else eqn_id(str(self.region), index)


def _sites(top: Any) -> dict[Any, list[_Site]]:
    """Every place each jaxpr is walked by the graph builder (``graph._Builder.walk``)."""
    sites: dict[Any, list[_Site]] = {}
    stack: list[tuple[Any, _Site]] = [(top, _Site(ROOT))]
    while stack:  # depth first, in program order (so a shared jaxpr's sites come in order)
        jaxpr, site = stack.pop()
        sites.setdefault(jaxpr, []).append(site)
        inside: list[tuple[Any, _Site]] = []
        for i, eqn in enumerate(jaxpr.eqns):
            if site.node is not None:
                inside.extend((j, site) for j in _jaxprs_in_params(eqn.params, eqn.params))
                continue
            subs = structure.sub_jaxprs(eqn)
            if subs is None:  # left opaque: one node stands for everything inside
                node = _Site(None, eqn_id(str(site.region), i))
                inside.extend((j, node) for j in _jaxprs_in_params(eqn.params, eqn.params))
            elif subs:
                rid = eqn_id(str(site.region), i)
                for k, sub in enumerate(subs):
                    inside.append((sub.jaxpr, _Site(sub_region_id(rid, k, len(subs)))))
        stack.extend(reversed(inside))
    return sites


def _shared(top: Any) -> list[Any]:
    """The jaxprs JAX's printer defines once at the top (``let name = { lambda ... }``), in its
    order: those met more than once in its breadth-first walk, and nested ones of more than
    ``SHARED_EQNS`` equations (``jax._src.core.pp_toplevel_jaxpr``)."""
    counts: dict[Any, int] = {}
    queue = [top]
    head = 0
    while head < len(queue):
        jaxpr = queue[head]
        head += 1
        counts[jaxpr] = counts.get(jaxpr, 0) + 1
        if jaxpr is not top and len(jaxpr.eqns) > SHARED_EQNS:
            counts[jaxpr] += 1
        for eqn in jaxpr.eqns:
            queue.extend(_jaxprs_in_params(eqn.params, eqn.params))
    return [j for j, c in counts.items() if c > 1]


@dataclasses.dataclass(frozen=True)
class _Head:
    """One equation as printed: its primitive, whether it binds outputs, its depth of nesting
    in the printed text, and the graph ids it stands for."""

    primitive: str
    binds: bool
    depth: int
    ids: tuple[str, ...]


def _print_order(top: Any) -> list[_Head]:
    """The equations in the order JAX's printer prints them, each with its graph ids."""
    sites = _sites(top)
    shared = _shared(top)
    is_shared = set(shared)
    out: list[_Head] = []

    def visit(jaxpr: Any, depth: int) -> None:
        where = sites.get(jaxpr, [])
        for i, eqn in enumerate(jaxpr.eqns):
            ids = tuple(dict.fromkeys(s.ids(i) for s in where))
            out.append(_Head(eqn.primitive.name, bool(eqn.outvars), depth, ids))
            for sub in _jaxprs_in_params(eqn.params, sorted(eqn.params)):
                if sub not in is_shared:
                    visit(sub, depth + 1)

    for jaxpr in shared:
        visit(jaxpr, 0)
    visit(top, 0)
    return out


_pattern_cache: dict[tuple[str, bool], re.Pattern[str]] = {}


def _head_pattern(primitive: str, binds: bool) -> re.Pattern[str]:
    key = (primitive, binds)
    pattern = _pattern_cache.get(key)
    if pattern is None:
        # "b:f32[] = sin a", or without outputs "debug_callback[...] a" at the start of a line,
        # after "let " or after "; " (equations of a jaxpr printed on one line).
        before = r" = " if binds else r"(?:^\s*|let |; )"
        pattern = re.compile(before + "(" + re.escape(primitive) + r")(?=[\[\s]|$)")
        _pattern_cache[key] = pattern
    return pattern


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def jaxpr_links(closed: Any, text: str, max_lines: int = MAX_LINES) -> Links:
    """``{line index: [graph ids]}`` for the lines of ``text``, the printed ``closed`` jaxpr.

    Args:
      closed: the ``ClosedJaxpr`` (or ``Jaxpr``) the graph was built from.
      text: its printed form (``stages.jaxpr_text(closed)``), the jaxpr view's text.
      max_lines: lines past this many are not linked.

    Returns:
      The ids of the nodes (or regions) each linked line shows, in the graph's id scheme.
    """
    top = jaxprs.open_jaxpr(closed)[0]
    lines = text.splitlines()[:max_lines]
    heads: dict[int, list[_Head]] = {}
    row, col = 0, 0
    for head in _print_order(top):
        pattern = _head_pattern(head.primitive, head.binds)
        for r in range(row, min(len(lines), row + SEARCH_LINES)):
            m = pattern.search(lines[r], col if r == row else 0)
            if m is not None:
                heads.setdefault(r, []).append(head)
                row, col = r, m.end(1)
                break
        # Not found near where the previous one was: left unlinked, the walk goes on.
    out: Links = {}
    open_eqns: list[tuple[_Head, int]] = []  # the equations whose printing the line is inside
    for r, line in enumerate(lines):
        if r in heads:
            ids: list[str] = []
            for head in heads[r]:
                while open_eqns and open_eqns[-1][0].depth >= head.depth:
                    open_eqns.pop()
                open_eqns.append((head, _indent(line)))
                ids.extend(head.ids)
            if ids:
                out[r] = list(dict.fromkeys(ids))
            continue
        # A line that continues an equation: its parameters are indented further, its closing
        # "]" as much as the equation; a jaxpr's "in (...)" closes its last equation.
        indent = _indent(line)
        stripped = line.lstrip(" ")
        while open_eqns:
            start = open_eqns[-1][1]
            if indent > start or (indent == start and stripped.startswith("]")):
                break
            open_eqns.pop()
        if open_eqns and open_eqns[-1][0].ids:
            out[r] = list(open_eqns[-1][0].ids)
    return out


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


def translate(found: Links, ids: Mapping[str, str]) -> Links:
    """``found`` with each id replaced by ``ids[id]``; ids without one dropped."""
    out: Links = {}
    for line, linked in found.items():
        mapped = list(dict.fromkeys(ids[i] for i in linked if i in ids))
        if mapped:
            out[line] = mapped
    return out


# --------------------------------------------------------------------------------------------
# All views


def links(
    ins: Inspection, views: Sequence[Any], gradient: Graph | None = None
) -> dict[str, dict[str, list[str]]]:
    """The ``links`` trait of the inspector: for each IR view of the program (``jaxpr``,
    ``hlo``; ``stablehlo`` has no locations to go by), ``{line index: [graph ids]}`` for the
    view's text. With ``gradient`` (the graph tab draws the gradient's program, ``%%reactant
    --grad``), the lines link to the same ops in the gradient's forward pass (``forward_ids``).
    A view whose links cannot be found gets none; the view itself is unaffected."""
    out: dict[str, dict[str, list[str]]] = {}
    ids = forward_ids(ins.graph, gradient) if gradient is not None else None
    for view in views:
        if not view.text:
            continue
        try:
            if view.name == "jaxpr":
                found = jaxpr_links(ins.closed_jaxpr, view.text)
            elif view.name == "hlo":
                found = hlo_links(view.text, ins.graph)
            else:
                continue
        except Exception as e:  # links are an aid: never break the inspector over them
            first = str(e).splitlines()[0] if str(e) else ""
            warnings.warn(
                f"The {view.name} view's links to the graph could not be found "
                f"({type(e).__name__}: {first}); the view is shown without them. If the "
                "installed JAX prints or lowers programs differently from the versions the "
                "workbench was tested with, tests/test_jax_internals.py says what changed.",
                FallbackWarning,
                stacklevel=2,
            )
            continue
        if ids is not None:
            found = translate(found, ids)
        if found:
            out[view.name] = {str(k): v[:MAX_IDS] for k, v in found.items()}
    return out


__all__ = ["forward_ids", "hlo_links", "jaxpr_links", "links", "translate"]
