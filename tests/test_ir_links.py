"""Links from IR lines to graph nodes (``workbench/_src/notebook/ir_links.py``).

Oracles: the printed jaxpr itself (the line a node links to names its primitive), the graph model
(every op node is reachable from some line; region equations link to their region), the
optimized HLO's own opcodes (``sine`` is the instruction of ``sin``), and the IR texts' own
structure, parsed here independently (a computation called by a fusion or a while links to what
its callers link to; a while to a loop region; a function the module calls to its calls).
"""

from __future__ import annotations

import re

import jax
import jax.numpy as jnp
import pytest

import workbench as wb
from tests import graph_programs
from workbench._src.errors import FallbackWarning
from workbench._src.introspect import inspect
from workbench._src.notebook import ir_links
from workbench._src.notebook.inspector import Inspector
from workbench._src.notebook.views import MAX_VIEW_LINES, Gradients, build_views


def sin_times_x(x):
    return jnp.sin(x) * x


def jit_call(x):
    return jnp.sum(jax.jit(jnp.cos)(jnp.sin(x) * x))


def scan_loop(x):
    def body(c, xi):
        return c * jnp.sin(xi), c

    c, ys = jax.lax.scan(body, 1.0, x)
    return c + jnp.sum(ys)


def two_calls(x):  # one jaxpr printed once ("let lambda = ..."), called at two sites
    h = jax.jit(lambda y: y * 2.0)
    return jnp.sum(h(x) + h(jnp.cos(x)))


def long_inner(x):  # a nested jaxpr of more than ten equations is printed at the top
    def inner(y):
        for i in range(12):
            y = jnp.sin(y) + i
        return y

    return jnp.sum(jax.jit(inner)(x))


def cond_remat(x):
    x = jax.lax.cond(jnp.sum(x) > 0, jnp.cos, jnp.sin, x)
    x = jax.checkpoint(lambda y: jnp.exp(jnp.sin(y)))(x)
    return jnp.sum(jax.nn.relu(x))


def control_flow(x):
    _, x = jax.lax.while_loop(lambda c: c[0] < 3, lambda c: (c[0] + 1, jnp.tanh(c[1])), (0, x))
    return cond_remat(x)


CASES = [
    ("sin*x", sin_times_x, None),
    ("jit call", jit_call, None),
    ("scan", scan_loop, None),
    ("grad of jit call", jit_call, wb.Reverse),
    ("grad of scan", scan_loop, wb.Reverse),
    ("two call sites", two_calls, None),
    ("long nested jaxpr", long_inner, None),
    ("grad of cond, remat, custom_jvp", cond_remat, wb.Reverse),
    ("while, cond, remat", control_flow, None),
]


def _inspect(f, mode):
    return inspect(f, jnp.arange(3.0) + 0.5, mode=mode, runs=0)


def _jaxpr_links(ins):
    """The jaxpr view's links, as the inspector sends them (``{line: [ids]}``)."""
    (view,) = build_views(["jaxpr"], 1.0, ins)
    return view.text.splitlines(), {int(k): v for k, v in view.links.items()}


@pytest.mark.parametrize(("case", "f", "mode"), CASES, ids=[c[0] for c in CASES])
def test_jaxpr_lines_link_to_the_nodes_they_print(case, f, mode):
    ins = _inspect(f, mode)
    lines, found = _jaxpr_links(ins)
    nodes = {n.id: n for n in ins.graph.nodes}
    regions = {r.id: r for r in ins.graph.regions}
    assert sorted(found) == list(range(len(lines)))  # every line links, by construction
    first_line: dict[str, int] = {}
    for i, ids in sorted(found.items()):
        assert ids, i
        for nid in ids:
            assert nid in nodes or nid in regions, f"line {i} links to an unknown id {nid!r}"
            first_line.setdefault(nid, i)
    # The first line of each op node is its equation: it prints the primitive, bound by " = "
    # (or, for an equation without outputs, first on its line).
    for nid, i in first_line.items():
        if nid in nodes and nodes[nid].kind == "op":
            prim = nodes[nid].primitive
            assert re.search(rf"(^|= )\s*{re.escape(prim)}(\[|\s|$)", lines[i]), (
                f"line {i} ({lines[i].strip()!r}) links to {nid}, a {prim}"
            )
    # Every node of the graph is reachable from some line (arguments from the header,
    # results from the last line).
    assert set(nodes) <= set(first_line), f"not linked: {sorted(set(nodes) - set(first_line))}"
    # Equations of the program print in order: the first lines of main/i increase with i.
    top = sorted(
        (int(nid.split("/")[1]), i)
        for nid, i in first_line.items()
        if re.fullmatch(r"main/\d+", nid)
    )
    assert [i for _, i in top] == sorted(i for _, i in top)


@pytest.mark.parametrize(
    ("f", "mode", "head", "kind"),
    [
        (jit_call, None, r"= jit\[", "jit"),
        (scan_loop, None, r"= scan\[", "scan"),
        (jit_call, wb.Reverse, r"= jit\[", "jit"),
        (cond_remat, wb.Reverse, r"= cond\[", "cond"),
        (control_flow, None, r"= while\[", "while"),
        (control_flow, None, r"= remat2\[", "remat"),
    ],
)
def test_region_equations_link_to_their_region(f, mode, head, kind):
    ins = _inspect(f, mode)
    lines, found = _jaxpr_links(ins)
    heads = [i for i, line in enumerate(lines) if re.search(head, line)]
    expected = [r.id for r in ins.graph.regions if r.kind == kind]
    assert heads and len(heads) == len(expected)
    assert [found[i] for i in heads] == [[rid] for rid in expected]
    # The lines printed under it (its jaxprs, indented further) link to it, to its jaxprs'
    # regions (a while's cond and body) or to nodes inside it.
    inner = {n.id: n.region for n in ins.graph.nodes}

    def indent(line):
        return len(line) - len(line.lstrip(" "))

    for i, rid in zip(heads, expected, strict=True):
        end = next(j for j in range(i + 1, len(lines)) if indent(lines[j]) <= indent(lines[i]))
        assert end > i + 1
        for j in range(i + 1, end):
            for nid in found[j]:
                assert nid == rid or nid.startswith(rid), (j, nid, rid)
                if nid in inner:
                    assert inner[nid].startswith(rid)


def test_a_jaxpr_called_at_two_sites_is_printed_at_each():
    """JAX's printer defines it once (``let lambda = { ... }``); the workbench prints it at each
    call site, each copy linked to that site's nodes."""
    ins = _inspect(two_calls, None)
    lines, found = _jaxpr_links(ins)
    mul = [i for i, line in enumerate(lines) if re.search(r"= mul ", line)]
    sites = [n.id for n in ins.graph.ops if n.primitive == "mul"]
    assert len(sites) == 2 and [found[i] for i in mul] == [[s] for s in sites]


def test_header_and_in_lines_link_to_arguments_and_results():
    ins = _inspect(jit_call, None)
    lines, found = _jaxpr_links(ins)
    assert lines[0].startswith("{ lambda ") and found[0] == ["main/in0"]
    assert lines[-1].strip().startswith("in (") and found[len(lines) - 1] == ["main/out0"]


# Optimized HLO: the primitive each of these instructions comes from (an independent table).
PRIMITIVES = {"sine": "sin", "cosine": "cos", "multiply": "mul"}


@pytest.mark.parametrize(("f", "mode"), [(jit_call, None), (jit_call, wb.Reverse)])
def test_hlo_instructions_link_to_nodes_of_their_primitive(f, mode):
    ins = _inspect(f, mode)
    lines = ins.hlo.text.splitlines()
    found = ir_links.hlo_links(ins.hlo.text, ins.graph)
    nodes = {n.id: n for n in ins.graph.nodes}
    assert found
    checked = 0
    for i, ids in found.items():
        m = re.search(r"=\s*\S+\s+([\w\-]+)\(", lines[i])
        if m is None or "op_name=" not in lines[i]:  # a header, or linked by what it serves
            continue
        opcode = m.group(1)
        if opcode in PRIMITIVES:  # (XLA turns some ops into others, e.g. neg into a constant)
            assert all(nodes[nid].primitive == PRIMITIVES[opcode] for nid in ids), lines[i]
            checked += 1
    assert checked >= 3
    # The plain sine instruction links to sin nodes, and only to those of its pass.
    sine = [i for i, line in enumerate(lines) if re.search(r"= f(32|64)\[3\]\{0\} sine\(", line)]
    assert sine
    for i in sine:
        assert found[i] and all(nodes[n].primitive == "sin" for n in found[i])


def test_hlo_parameter_links_to_the_argument():
    ins = _inspect(jit_call, None)
    lines = ins.hlo.text.splitlines()
    found = ir_links.hlo_links(ins.hlo.text, ins.graph)
    params = [i for i, line in enumerate(lines) if 'parameter(0), metadata={op_name="x"}' in line]
    argument = next(n for n in ins.graph.nodes if n.kind == "argument")
    assert argument.name == "x" and len(params) == 1  # XLA names the entry parameter x
    assert found[params[0]] == [argument.id]


def test_inspector_sends_the_links_of_its_views():
    ins = _inspect(jit_call, wb.Reverse)
    views = build_views(["result", "jaxpr", "stablehlo", "hlo", "graph"], 1.0, ins)
    w = Inspector.of("t", views, ins)
    assert set(w.links) == {"jaxpr", "stablehlo", "hlo"}
    ids = {n.id for n in ins.graph.nodes} | {r.id for r in ins.graph.regions}
    jaxpr_lines = views[1].text.splitlines()
    for view, table in w.links.items():
        assert all(k.isdigit() and set(v) <= ids for k, v in table.items()), view
    sin = next(n for n in ins.graph.ops if n.primitive == "sin")
    line = next(int(k) for k, v in w.links["jaxpr"].items() if sin.id in v)
    assert "sin" in jaxpr_lines[line]


def test_links_never_break_the_inspector():
    ins = _inspect(sin_times_x, None)
    views = build_views(["jaxpr", "hlo"], 1.0, ins)

    class Broken:
        graph = None  # not a graph: the HLO's links cannot be found, the view has none

    # ... and says why (a JAX that lowers programs differently would show here, not go unseen).
    with pytest.warns(FallbackWarning, match=r"hlo view's links .*AttributeError"):
        found = ir_links.links(Broken(), views)  # type: ignore[arg-type]
    assert set(found) == {"jaxpr"}  # the jaxpr's links are its own: never searched for


def test_links_per_line_are_bounded(monkeypatch):
    ins = inspect(lambda x, y: x * y, 1.0, 2.0, runs=0)
    views = build_views(["jaxpr"], 1.0, ins)
    assert ir_links.links(ins, views)["jaxpr"]["0"] == ["main/in0", "main/in1"]  # the header
    monkeypatch.setattr(ir_links, "MAX_IDS", 1)
    assert ir_links.links(ins, views)["jaxpr"]["0"] == ["main/in0"]


@pytest.mark.parametrize(
    ("case", "f"),
    [("jit call", jit_call), ("scan", scan_loop), ("cond, remat, custom_jvp", cond_remat)],
)
def test_with_grad_the_programs_ir_links_to_its_ops_in_the_forward_pass(case, f):
    """``%%reactant --grad``: the graph tab draws the gradient's program, so the program's
    jaxpr and optimized HLO lines link to the same ops in the gradient's forward pass."""
    ins = _inspect(f, None)
    grad = _inspect(f, wb.Reverse)
    ids = ir_links.forward_ids(ins.graph, grad.graph)
    gnodes = {n.id: n for n in grad.graph.nodes}
    gregions = {r.id: r for r in grad.graph.regions}
    # Each op of the program has its counterpart, one to one: the same primitive, computed in
    # the forward pass (not recomputed in the backward pass); each region one of its kind.
    assert len(set(ids.values())) == len(ids)
    for n in ins.graph.ops:
        m = gnodes[ids[n.id]]
        assert (m.primitive, m.phase, m.recomputed) == (n.primitive, "forward", False), n.id
        assert m.source == n.source
    for r in ins.graph.regions:  # (the forward pass inlines a remat: no region of its own)
        if r.id in ids:
            assert gregions[ids[r.id]].kind == r.kind and gregions[ids[r.id]].phase != "backward"
    assert len([r for r in ins.graph.regions if r.id not in ids]) <= 1
    # The inspector sends them: every line that linked to the program's graph links to the
    # gradient's, to ops of the primitive it prints; every op of the program is reachable.
    views = build_views(["result", "jaxpr", "hlo", "graph", "grad"], 1.0, ins)
    w = Inspector.of("t", views, ins, grad)
    assert {"jaxpr", "hlo"} <= set(w.links)
    own = ir_links.links(ins, views)
    for view in ("jaxpr", "hlo"):
        for k, linked in own[view].items():
            want = list(dict.fromkeys(ids[i] for i in linked if i in ids))
            assert w.links[view].get(k, []) == want[: ir_links.MAX_IDS], (view, k)
            assert set(want) <= set(gnodes) | set(gregions)
        assert set(w.links[view]) <= set(own[view])
    lines = views[1].text.splitlines()
    reached = set()
    for k, linked in w.links["jaxpr"].items():
        for i in linked:
            reached.add(i)
            if i in gnodes and gnodes[i].kind == "op":
                assert gnodes[i].primitive in lines[int(k)]
    assert {ids[n.id] for n in ins.graph.ops} <= reached
    # The gradient view's jaxpr links to the gradient's graph (drawn), every line of it.
    views = build_views(["jaxpr", "grad"], 1.0, ins, Gradients({"x": jnp.ones(3)}, grad))
    w = Inspector.of("t", views, ins, grad)
    grad_lines = views[1].text.splitlines()
    start = grad_lines.index("# jaxpr of the whole gradient computation (forward and backward)")
    assert sorted(int(k) for k in w.links["grad"]) == list(range(start + 1, len(grad_lines)))
    for k, linked in w.links["grad"].items():
        assert set(linked) <= set(gnodes) | set(gregions)
        for i in linked:
            if gnodes.get(i) and gnodes[i].kind == "op":
                assert gnodes[i].primitive in grad_lines[int(k)]
    # Without the gradient drawn, the gradient view's lines link to nothing.
    assert "grad" not in Inspector.of("t", views, ins).links


def test_reactant_grad_links_the_programs_ir_to_the_graph_it_draws():
    """End to end: ``%%reactant --grad x`` in IPython. The graph tab draws the gradient's
    program; a line of the jaxpr or optimized HLO tab links to nodes of that graph, in its
    forward pass, of the primitive the line computes."""
    from IPython.utils.capture import capture_output

    from tests.ipython_shell import shared_shell

    shell = shared_shell()
    shell.user_ns.update(jax=jax, jnp=jnp, x=jnp.arange(3.0) + 0.5, w=jnp.ones(3) * 2.0)
    with capture_output(display=False):
        r = shell.run_cell("%%reactant --grad x\njnp.sum(jax.jit(jnp.cos)(jnp.sin(x) * w))")
    assert r.error_in_exec is None and r.error_before_exec is None
    res = r.result
    w = res.widget()
    drawn = {n.id: n for n in res.gradients.inspection.graph.nodes}
    assert [row[0] for row in w.graph["nodes"]] == list(drawn)  # the graph tab: the gradient's
    for view in ("jaxpr", "hlo"):
        lines = next(v["text"] for v in w.views if v["name"] == view).splitlines()
        linked = {int(k): ids for k, ids in w.links[view].items()}
        sin = [
            k
            for k, ids in linked.items()
            if any(drawn.get(i) and drawn[i].primitive == "sin" for i in ids)
        ]
        assert sin, view
        for k, ids in linked.items():
            for i in ids:
                if i in drawn and drawn[i].kind == "op":
                    assert drawn[i].phase == "forward", (view, lines[k])
                    if view == "jaxpr":
                        assert drawn[i].primitive in lines[k]
    w.close()


LOOPS = ("scan", "while", "loop")  # the kinds of region a loop is (an HLO while)


@pytest.mark.parametrize("mode", [None, wb.Reverse], ids=["program", "gradient"])
@pytest.mark.parametrize("name", list(graph_programs.PROGRAMS))
def test_every_line_of_every_ir_tab_links_to_the_graph(name, mode):
    """Issue 25's acceptance test: for the programs the graph viewer is checked on, each line
    of the inspector's jaxpr, StableHLO and optimized HLO tabs (but the blank ones) links to
    nodes (or regions) of the graph it draws, and every node of that graph is linked from some
    line of the jaxpr tab."""
    f, args = graph_programs.call(name)
    ins = inspect(f, *args, mode=mode, runs=0)
    views = build_views(["jaxpr", "stablehlo", "hlo", "graph"], 1.0, ins)
    w = Inspector.of("t", views, ins)
    nodes = {n.id: n for n in ins.graph.nodes}
    regions = {r.id: r for r in ins.graph.regions}
    ids = set(nodes) | set(regions)
    (root,) = [r.id for r in ins.graph.regions if r.parent is None]
    texts = {v.name: v.text.splitlines() for v in views}
    for view in ("jaxpr", "stablehlo", "hlo"):
        lines = texts[view]
        shown = min(len(lines), MAX_VIEW_LINES)  # past it, a line counts the rest
        links = {int(k): v for k, v in w.links[view].items()}
        assert sorted(links) == [i for i in range(shown) if lines[i].strip()], view
        for k, linked in links.items():
            assert linked and set(linked) <= ids, (view, k, lines[k])
    lines = texts["jaxpr"]
    links = {int(k): v for k, v in w.links["jaxpr"].items()}
    first: dict[str, int] = {}
    for k, linked in sorted(links.items()):
        for i in linked:
            first.setdefault(i, k)
    for i, k in first.items():  # an op's first line is its equation's: "... = sin a"
        if nodes.get(i) and nodes[i].kind == "op":
            assert f"= {nodes[i].primitive}" in lines[k] or lines[k].lstrip().startswith(
                nodes[i].primitive
            ), (k, lines[k], i)
    if len(lines) <= MAX_VIEW_LINES:
        assert set(nodes) <= set(first)
    _check_hlo_structure(texts["hlo"], {int(k): v for k, v in w.links["hlo"].items()}, regions)
    _check_stablehlo_structure(
        texts["stablehlo"], {int(k): v for k, v in w.links["stablehlo"].items()}, regions
    )
    # What links only to the whole program is the module, the entry computation's (or main
    # function's) header and end, or a constant nobody uses: nothing with a place of its own.
    for view, structural in (
        ("hlo", r"^(HloModule |ENTRY |})"),
        ("stablehlo", r"^\s*(module |}|%\S+ = stablehlo\.constant )"),
    ):
        for k, linked in w.links[view].items():
            if linked == [root]:
                assert re.match(structural, texts[view][int(k)]), (view, texts[view][int(k)])


def _check_hlo_structure(lines, links, regions):
    """A computation's header and end link to what the instructions that call it link to; a
    while instruction (and so its body and condition) to loop regions."""
    headers = {}
    for i, line in enumerate(lines):
        m = re.match(r"^(?:ENTRY )?%?([^\s(]+) \(.*\{$", line)
        if m:
            headers[m.group(1)] = i
    callers = {}
    for i, line in enumerate(lines):
        if i not in links:
            continue
        for name in re.findall(r"(?:calls|body|condition|to_apply)=%?([\w.\-]+)", line):
            callers.setdefault(headers[name], []).append(i)
        if re.search(r"\) while\(", line):
            assert all(regions[r].kind in LOOPS for r in links[i]), line
    for h, calls in callers.items():
        if h in links:
            want = list(dict.fromkeys(r for c in calls for r in links[c]))
            assert links[h] == want[: ir_links.MAX_IDS], lines[h]
            end = next(j for j in range(h, len(lines)) if lines[j] == "}")
            assert links.get(end, links[h]) == links[h]


def _check_stablehlo_structure(lines, links, regions):
    """A function the module calls links to its calls; a while (its line and its regions'
    lines) to loop regions."""
    calls = {}
    for i, line in enumerate(lines):
        for name in re.findall(r"call @([\w.$\-]+)\(", line):
            calls.setdefault(name, []).append(i)
        if re.search(r"= stablehlo\.while\(", line) and i in links:
            assert all(regions[r].kind in LOOPS for r in links[i]), line
            assert links.get(i + 1) == links[i] and lines[i + 1].strip() == "cond {"
    for i, line in enumerate(lines):
        m = re.match(r"^\s*func\.func private @([\w.$\-]+)\(", line)
        if m and i in links:
            want = list(dict.fromkeys(r for c in calls[m.group(1)] for r in links[c]))
            assert links[i] == want[: ir_links.MAX_IDS], line


def test_stablehlo_links_come_only_from_a_located_text_that_lines_up():
    """StableHLO's links are read from the module printed with its locations; a located text
    whose lines are not the shown text's (another module, a JAX that prints differently) gives
    no links, with a warning saying so, never links to the wrong lines."""
    import dataclasses

    from workbench._src.introspect.stages import IRText

    ins = _inspect(jit_call, None)
    text, located = ins.stablehlo.text, ins.stablehlo.located
    assert ir_links.stablehlo_links(text, located, ins.graph)
    other = _inspect(scan_loop, None).stablehlo.located
    assert ir_links.stablehlo_links(text, other, ins.graph) is None
    shifted = located.replace("\n", "\n\n", 1)  # one line more: nothing lines up any more
    assert ir_links.stablehlo_links(text, shifted, ins.graph) is None
    # The sine op's line links to the sin node (its location names it).
    found = ir_links.stablehlo_links(text, located, ins.graph)
    (sine,) = [i for i, line in enumerate(text.splitlines()) if "stablehlo.sine" in line]
    assert [n.primitive for n in ins.graph.ops if n.id in found[sine]] == ["sin"]
    broken = dataclasses.replace(ins, stablehlo=IRText("stablehlo", text, located=other))
    views = build_views(["stablehlo", "hlo"], 1.0, broken)
    with pytest.warns(FallbackWarning, match=r"stablehlo view's links .*does not line up"):
        out = ir_links.links(broken, views)
    assert set(out) == {"hlo"}
