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
  specific ones only (or, for an instruction of the lowering's own, such as a loop's counter,
  to the most specific region the name shows). Several nodes can share one instruction (after
  CSE and fusion) and one node several instructions.
- **StableHLO**: the same names, read from the module printed with its locations
  (``IRText.located``, lined up with the text shown); an op inside a function the module calls
  has its name relative to the call's, which is prefixed.
- **Every other line** links to what it serves, never to nothing: an instruction without
  metadata (or whose name matches nothing) to the instructions shown that use its value, else
  to those it uses, else to the computation (or op, or function) around it; a computation's
  header and closing line to the instructions that call it (a fused computation to its
  fusion, a loop's body to the loop); the module's header, the entry computation and what is
  left to the root region (the whole program). Only blank lines link to nothing. This is the
  nearest honest answer, not a claim that the line computes the node: a fusion's parameter
  stands for a value its fused ops read.

Everything is plain data; ``links`` gives the ``{view: {line index: [ids]}}`` mapping the
inspector's ``links`` trait sends (line indices as strings, as JSON needs).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
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
# Name stacks to graph ids

_WORDS = re.compile(r"[^/()]+")  # the words of a name-stack component
_SCHEDULE = "schedule"  # the parameter of a loop the graph groups from Revolve's scopes


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
            lowered_to_while = parent.kind in lowering.REGION_OPS["while"]
            word = lowering.WHILE_PART_WORDS.get(r.name) if lowered_to_while else None
            return {word} if word else set()
        if r.kind == "loop" and _SCHEDULE in dict(r.params):
            return set()  # the graph's loop around Revolve's sweeps (graph._as_loops): no while
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


class _Places:
    """The graph, indexed by what a name stack (``jit(f)/jvp(blk)/while/body/sin``) says: the
    primitive and pass of an op, and the words of the regions around it."""

    def __init__(self, graph: Graph) -> None:
        words = _region_words(graph)
        self.root = next((r.id for r in graph.regions if r.parent is None), ROOT)
        # (primitive, pass) -> {the words its enclosing regions say: [ids]}. Grouped by words,
        # so a line is matched against each distinct place once, not against every node (a
        # program of 20,000 equations has a few dozen places; node by node was quadratic).
        self.ops: dict[tuple[str, str], dict[frozenset[str], list[str]]] = {}
        for n in graph.nodes:
            if n.kind == "op":
                self.ops.setdefault((n.primitive, n.phase), {}).setdefault(
                    words[n.region], []
                ).append(n.id)
        for r in graph.regions:
            for prim, kinds in lowering.REGION_OPS.items():
                if r.kind in kinds and r.parent is not None:
                    self.ops.setdefault((prim, r.phase), {}).setdefault(words[r.parent], []).append(
                        r.id
                    )
        # The regions a name stack can name: those that add words to their parent's.
        self.scopes: dict[str, dict[frozenset[str], list[str]]] = {}
        parents = {r.id: r.parent for r in graph.regions}
        for r in graph.regions:
            parent = parents[r.id]
            if parent is not None and words[r.id] != words[parent]:
                self.scopes.setdefault(r.phase, {}).setdefault(words[r.id], []).append(r.id)
        self.arguments = {n.name: n.id for n in graph.nodes if n.kind == "argument"}
        self.cache: dict[str, list[str]] = {}

    def named(self, op_name: str) -> list[str]:
        """``find``, once per name stack (many lines share one)."""
        found = self.cache.get(op_name)
        if found is None:
            found = self.cache[op_name] = self.find(op_name)
        return found

    def find(self, op_name: str) -> list[str]:
        """The graph ids an instruction of name stack ``op_name`` was lowered from: the nodes
        of its primitive (the last part) and pass whose enclosing regions all show in the name
        (the most specific ones); else the most specific region the name shows (an instruction
        of the lowering's own, a loop's counter, say); else nothing."""
        parts = hlo.name_stack_parts(op_name)
        if len(parts) == 1:
            return []
        said: set[str] = set()
        for part in parts[1:-1]:
            said.update(_WORDS.findall(part))
        phase = hlo.phase_of_op_name(op_name)
        found = _most_specific(self.ops.get((parts[-1], phase), {}), said)
        if found:
            return found
        said.update(_WORDS.findall(parts[-1]))
        return _most_specific(self.scopes.get(phase, {}), said)


def _most_specific(places: Mapping[frozenset[str], list[str]], said: set[str]) -> list[str]:
    matching = [w for w in places if w <= said]
    if not matching:
        return []
    best = max(len(w) for w in matching)
    return [nid for w in matching if len(w) == best for nid in places[w]]


class _Resolver:
    """Each line's ids: its own (``own(i)``), else those of the first of its ``fallback(i)``
    groups of lines that links to more than the root (an instruction: the instructions that
    use it, then those it uses, then its computation's header; a header: the instructions
    that call it), else the program's root region. Lazy and memoized (a big program's lines
    past those shown are read only where a shown line needs them); a cycle ends at the root."""

    def __init__(
        self,
        root: str,
        own: Callable[[int], list[str]],
        fallback: Callable[[int], Sequence[Sequence[int]]],
    ) -> None:
        self.root, self.own, self.fallback = root, own, fallback
        self.memo: dict[int, list[str]] = {}

    def ids(self, i: int) -> list[str]:
        if i in self.memo:
            return self.memo[i]
        self.memo[i] = [self.root]  # what a cycle sees
        found = list(self.own(i))[:MAX_IDS]
        for group in () if found else self.fallback(i):
            union: dict[str, None] = {}
            for j in group:  # (at most MAX_IDS: no more are sent)
                union.update((k, None) for k in self.ids(j) if k != self.root)
                if len(union) >= MAX_IDS:
                    break
            found = list(union)[:MAX_IDS]
            if found:
                break
        self.memo[i] = found or [self.root]
        return self.memo[i]


# --------------------------------------------------------------------------------------------
# Optimized HLO

_TOKEN = re.compile(r"%?([A-Za-z_][\w.\-]*)")
# The attributes that name the computations an instruction calls.
_CALLS = re.compile(
    r"\b(?:calls|to_apply|body|condition|true_computation|false_computation|select|scatter"
    r"|branch_computations|called_computations)="
)
_CALLED = re.compile(_CALLS.pattern + r"(\{[^}]*\}|%?[\w.\-]+)")


def hlo_links(text: str, graph: Graph, max_lines: int = MAX_LINES) -> Links:
    """``{line index: [graph ids]}`` for every line of an optimized HLO ``text`` but the blank
    ones.

    - An instruction with ``op_name`` metadata links to the graph's nodes with its primitive
      (the last part of its ``op_name``) and pass whose enclosing regions all show in the
      ``op_name`` (the most specific ones, when several do); a ``while`` or conditional to the
      loop or ``cond`` regions; a parameter named like an argument to that argument. One whose
      primitive has no node (the lowering's own: a loop counter's ``add``) links to the most
      specific region its ``op_name`` names.
    - Anything else (an instruction without metadata, one whose name matches nothing) links to
      what the shown instructions that use its value link to, else to what those it uses do,
      else to what its computation does; a computation (its header and closing line) to what
      the instructions that call it (``calls=``, ``body=``, ``to_apply=``, ...) link to: a
      fused computation to its fusion's node, a loop's body to the loop. The entry
      computation and the module's header stand for the whole program: the root region.

    Only the first ``max_lines`` lines are linked; past them the text is read for its
    structure only (and the names of the calls a shown computation needs).
    """
    places = _Places(graph)
    lines = text.splitlines()
    shown = min(len(lines), max_lines)
    header: dict[str, int] = {}  # computation -> its header line
    home = [-1] * len(lines)  # a line of a computation -> its header line
    callers: dict[str, list[int]] = {}  # computation -> the lines that call it
    current = -1
    for i, line in enumerate(lines):  # the structure, cheaply: every line is looked at once
        if line[:1] in (" ", "\t"):
            home[i] = current
            if (
                "calls=" in line
                or "to_apply=" in line
                or "body=" in line
                or "computation" in line
                or "select=" in line
            ) and _CALLS.search(line) is not None:
                for called in _CALLED.finditer(line):
                    for name in _TOKEN.findall(called.group(1)):
                        callers.setdefault(name, []).append(i)
        elif line.startswith("}"):
            home[i], current = current, -1
        elif (head := hlo.COMPUTATION.match(line)) is not None:
            current = header[head.group(2)] = home[i] = i
    entry = {i for i, line in enumerate(lines) if line.startswith("ENTRY")}
    parsed: dict[int, tuple[str, str, str, str] | None] = {}

    def instruction(i: int) -> tuple[str, str, str, str] | None:
        if i not in parsed:
            parsed[i] = hlo.instruction(lines[i]) if lines[i][:1] in (" ", "\t") else None
        return parsed[i]

    def own(i: int) -> list[str]:
        if (home[i] == i and i in entry) or home[i] < 0:
            return [places.root]  # the entry computation, the module's header: the program
        found = instruction(i)
        op_name = hlo.op_name_of(lines[i]) if found is not None else None
        if found is None or op_name is None:
            return []
        if found[2] == "parameter" and op_name in places.arguments:
            return [places.arguments[op_name]]
        return places.named(op_name)

    # Which shown instruction uses which: the data flow of the lines shown (a line past them is
    # linked by its own name or by its computation).
    users: dict[int, list[int]] = {}
    operands: dict[int, list[int]] = {}
    defined: dict[tuple[int, str], int] = {}
    for i in range(shown):
        if (found := instruction(i)) is not None:
            defined[(home[i], found[0])] = i
            for word in _TOKEN.findall(found[3].split(", metadata=")[0]):
                j = defined.get((home[i], word))
                if j is not None and j != i:
                    users.setdefault(j, []).append(i)
                    operands.setdefault(i, []).append(j)
    names = {i: name for name, i in header.items()}

    def fallback(i: int) -> list[list[int]]:
        h = home[i]
        if h == i:  # a computation's header: what calls it
            return [callers.get(names[i], [])]
        if h < 0:
            return []
        return [users.get(i, []), operands.get(i, []), [h]]

    resolve = _Resolver(places.root, own, fallback)
    return {i: resolve.ids(i) for i in range(shown) if lines[i].strip()}


# --------------------------------------------------------------------------------------------
# StableHLO

_LOC_DEF = re.compile(r"^#(loc\d*) = loc\((.*)\)\s*$")
_NAME_LOC = re.compile(r'^"((?:[^"\\]|\\.)*)"(?:\(|$)')  # "name"(child) or "name"; not "file":1:2
_FUNC = re.compile(r"^\s*func\.func\s+(?:\w+\s+)*@([\w.$\-]+)\(")
_CALL = re.compile(r"\bcall\s+@([\w.$\-]+)\(")
_DEFINES = re.compile(r"^\s*(%[\w.$\-]+(?::\d+)?(?:\s*,\s*%[\w.$\-]+(?::\d+)?)*)\s*=")
_VALUE = re.compile(r"%([\w.$\-]+)")


def _locs(line: str) -> list[tuple[int, int, str]]:
    """The ``loc(...)`` of a line of MLIR printed with its locations: ``(start, end, what is
    inside)`` each, ``start`` at the space before it."""
    out = []
    k = line.find(" loc(")
    while k >= 0:
        end = k + 4 + hlo.bracketed(line[k + 4 :], "(", ")")
        out.append((k, end, line[k + 5 : end - 1]))
        k = line.find(" loc(", end)
    return out


def _loc_names(located: list[str]) -> dict[str, str]:
    """``{alias: name stack}`` for the ``#locN = loc("name"(...))`` definitions that name one."""
    out = {}
    for line in located:
        m = _LOC_DEF.match(line)
        if m and (name := _NAME_LOC.match(m.group(2))) is not None:
            out[m.group(1)] = name.group(1)
    return out


def stablehlo_links(
    text: str, located: str, graph: Graph, max_lines: int = MAX_LINES
) -> Links | None:
    """``{line index: [graph ids]}`` for every line of the StableHLO ``text`` but the blank
    ones, read from ``located``, the same module printed with its locations
    (``as_text(debug_info=True)``; ``None`` where its lines do not line up with ``text``'s).

    An op's location names its name stack as the HLO's ``op_name`` does (``hlo_links``); an op
    inside a function the module calls (``func.call @f``) has a name relative to the call's,
    which is prefixed. A function's arguments named like the program's link to them. An op
    with regions (``stablehlo.while``: its line, ``cond {``, ``} do {``, the closing line
    that holds its location) links as one; a line whose location names nothing (``unknown``, a
    constant of the lowering's own) links to the op or function around it; a function to the
    calls of it; the module and the entry function to the root region.
    """
    places = _Places(graph)
    plain = text.splitlines()
    lines = [line for line in located.splitlines() if not _LOC_DEF.match(line)]
    if len(lines) != len(plain):
        return None
    names = _loc_names(located.splitlines())
    own_name: dict[int, str] = {}
    own: dict[int, list[str]] = {}
    fallback: dict[int, list[list[int]]] = {}
    func_of: dict[int, str] = {}  # op line -> the function it is in
    closers: dict[str, int] = {}  # function -> its closing line
    calls: dict[str, list[int]] = {}  # function -> the lines that call it
    stack: list[tuple[list[int], str | None]] = []  # open ops: (their lines, a function's name)
    inside: dict[int, list[int]] = {}  # a line -> the lines of the op or function around it
    defined: dict[tuple[str, str], int] = {}  # (function, SSA value) -> the line defining it
    used: dict[int, set[str]] = {}  # a line defining values -> the values it uses
    function: str | None = None
    for i, line in enumerate(lines):
        if i < max_lines:  # a line shown: every location taken out, checked against the text
            found = _locs(line)
            bare = line
            for start, end, _ in reversed(found):
                bare = bare[:start] + bare[end:]
            if bare.rstrip() != plain[i].rstrip():
                return None
        else:  # past them only the structure and the last location count (a big module)
            start = line.rfind(" loc(") if line.endswith(")") else -1
            last = _locs(line[start:]) if start >= 0 else []
            if last and last[0][1] == len(line) - start:
                found, bare = [(start, len(line), last[0][2])], line[:start]
            else:
                found, bare = [], line
        if not bare.strip():
            continue
        trailing = found[-1][2] if found and found[-1][1] == len(line.rstrip()) else None
        if trailing is not None:
            name = names.get(trailing[1:]) if trailing.startswith("#") else None
            if name is None and (m := _NAME_LOC.match(trailing)) is not None:
                name = m.group(1)
            if name is not None:
                own_name[i] = name
        if function is not None:
            func_of[i] = function
        for m in _CALL.finditer(bare):
            calls.setdefault(m.group(1), []).append(i)
        stripped = bare.strip()
        if stripped.endswith("{") and not stripped.startswith("}"):
            f = _FUNC.match(bare)
            group = [i]
            if f is None and stack and i - 1 not in own_name and i - 1 in func_of:
                group.insert(0, i - 1)  # "%0 = stablehlo.while(...)" before its "cond {"
                inside.pop(i - 1, None)
            stack.append((group, f.group(1) if f else None))
            if f is not None:
                function = f.group(1)
                arguments = [
                    places.arguments[m.group(1)]
                    for _, _, inside in found
                    if (m := _NAME_LOC.match(inside)) and m.group(1) in places.arguments
                ]
                if arguments:
                    own[i] = arguments
        elif stripped.startswith("}") and stripped.endswith("{") and stack:
            stack[-1][0].append(i)
        elif stripped.startswith("}") and stack:
            group, fn = stack.pop()
            if fn is not None:
                closers[fn], function = i, None
                own_name.pop(i, None)  # a function's own location says no more than its calls
            elif not stack:  # the module
                own[i] = [places.root]
            for j in group:
                fallback[j] = [[i]]
            continue
        if stack and i not in stack[-1][0]:
            inside[i] = stack[-1][0]
        if i in func_of and i < max_lines:
            d = _DEFINES.match(bare)
            for value in _VALUE.findall(d.group(1)) if d else ():
                defined[(func_of[i], value)] = i
            used[i] = set(_VALUE.findall(bare[d.end() :] if d else bare))
    users: dict[int, list[int]] = {}
    operands: dict[int, list[int]] = {}
    for i, values in used.items():
        for value in values:
            k = defined.get((func_of[i], value))
            if k is not None and k != i:
                users.setdefault(k, []).append(i)
                operands.setdefault(i, []).append(k)
    for i, group in inside.items():  # the op or function around: its closing line
        around = [[fallback[group[0]][0][0]]] if group[0] in fallback else []
        fallback[i] = [users.get(i, []), operands.get(i, []), *around]
    prefixes: dict[str, str] = {}

    def full(i: int) -> str:
        """The name stack of line ``i`` as the whole program's (prefixed inside a function
        the module calls)."""
        fn = func_of.get(i)
        name = own_name[i]
        if fn is None or fn not in calls:
            return name
        if fn not in prefixes:
            prefixes[fn] = ""  # what a recursive call sees
            caller = calls[fn][0]
            prefixes[fn] = full(caller) if caller in own_name else ""
        return f"{prefixes[fn]}/{name}" if prefixes[fn] else name

    for fn, i in closers.items():
        fallback[i] = [calls.get(fn, [])]
    named = {i: full(i) for i in own_name if i not in own}
    resolve = _Resolver(
        places.root,
        lambda i: own.get(i) or (places.named(named[i]) if i in named else []),
        lambda i: fallback.get(i, []),
    )
    return {i: resolve.ids(i) for i, line in enumerate(plain[:max_lines]) if line.strip()}


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
    anchors), the optimized HLO's and StableHLO's found from their name stacks (``hlo_links``,
    ``stablehlo_links``; every line but the blank ones). With ``gradient`` (the graph tab
    draws the gradient's program, ``%%reactant --grad``), the program's lines link to the same
    ops in the gradient's forward pass (``forward_ids``), and the gradient view's jaxpr to the
    gradient's graph; without it, the gradient view's lines (to a graph not drawn) link to
    nothing. A view whose links cannot be found gets none; the view itself is unaffected."""
    out: dict[str, dict[str, list[str]]] = {}
    ids = forward_ids(ins.graph, gradient) if gradient is not None else None
    for view in views:
        if not view.text:
            continue
        found: Mapping[str, list[str]]
        if view.name in ("hlo", "stablehlo"):
            try:  # from the whole text (the view's is cut): a computation's callers come last
                lines = (
                    hlo_links(ins.hlo.text, ins.graph)
                    if view.name == "hlo"
                    else stablehlo_links(ins.stablehlo.text, ins.stablehlo.located, ins.graph)
                )
                if lines is None:
                    raise ValueError(
                        "the StableHLO printed with its locations does not line up with the "
                        "StableHLO shown"
                    )
                found = {str(k): v for k, v in lines.items()}
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


__all__ = ["forward_ids", "hlo_links", "links", "stablehlo_links", "translate"]
