"""The graph viewer's Python side: the data it sends, its synced state, its fallbacks.

Oracles: the introspection graph model itself (``wb.inspect(...).graph``) and its memory
report's residuals; the browser side is tested in ``tests/browser/test_graph_browser.py``.
"""

from __future__ import annotations

import html
import json
import pathlib
import re

import jax
import jax.numpy as jnp
import pytest
import traitlets

import workbench as wb
from workbench._src.introspect import graph_from_jaxpr, residuals
from workbench._src.notebook import graph_picture as gp
from workbench._src.notebook import graph_widget as gw
from workbench._src.sources import source_text

EVIL = "<img src=x onerror=window.__pwned=1>"


def loss(x):
    with jax.named_scope("block"):
        y = jnp.sin(x) * x
    return jnp.sum(jax.jit(jnp.cos)(y))


def evil(x):
    with jax.named_scope(EVIL):
        return jnp.sum(jnp.sin(x) * x)


def deep(x):
    for i in range(120):
        with jax.named_scope(f"layer{i}"):
            x = jnp.tanh(x * 1.01 + 0.1)
    return jnp.sum(x)


CASES = [
    ("primal", loss, None),
    ("reverse", loss, wb.Reverse),
    ("forward", loss, wb.Forward),
    ("evil scope", evil, wb.Reverse),
]


def in_workbench(source):
    """Whether a source line is in the workbench's own code (not the user's)."""
    package = pathlib.Path(wb.__file__).resolve().parent
    return source is not None and pathlib.Path(source.file).resolve().is_relative_to(package)


def decode(data):
    """The rows of ``graph_data`` as dicts of plain values, read by the field table the data
    carries (``fields``: name and coding of each column, as ``graph_data``'s docstring defines
    the codings); independent of the viewer's reading (``extensions/graph/format.js``)."""
    strings = data["strings"]
    region_ids = [row[0] for row in data["regions"]]

    def value(code, v):
        if code == "s":
            return strings[v]
        if code == "s*":
            return [strings[i] for i in v]
        if code == "r":
            return None if v is None else region_ids[v]
        if code == "kv":
            return [(strings[k], strings[x]) for k, x in v]
        assert code in ("", "n"), code
        return v

    def rows(key):
        fields = data["fields"][key]
        return [
            {name: value(code, v) for (name, code), v in zip(fields, row, strict=True)}
            for row in data[key]
        ]

    return rows("nodes"), rows("regions"), rows("edges")


@pytest.mark.parametrize(("case", "f", "mode"), CASES, ids=[c[0] for c in CASES])
def test_graph_data_is_the_graph_model(case, f, mode):
    x = jnp.arange(3.0)
    w = wb.graph(f, x, mode=mode)
    oracle = wb.inspect(f, x, mode=mode, runs=0)
    model = oracle.graph
    data = w.graph
    assert json.loads(json.dumps(data)) == data  # JSON-able as sent
    nodes, regions, edges = decode(data)
    src = source_text  # the notebook cell, or a package-relative file:line
    assert nodes == [
        {
            "id": n.id,
            "kind": n.kind,
            "primitive": n.primitive,
            "name": n.name,
            "phase": n.phase,
            "region": n.region,
            "inputs": [a.text for a in n.inputs],
            "outputs": [a.text for a in n.outputs],
            "source": src(n.source),
            "name_stack": n.name_stack,
            "residual_bytes": nodes[i]["residual_bytes"],  # checked below, against the memory
            "recomputed": int(n.recomputed),
            "internal": int(n.kind == "op" and in_workbench(n.source)),
        }
        for i, n in enumerate(model.nodes)
    ]
    assert regions == [
        {
            "id": r.id,
            "kind": r.kind,
            "label": r.label,
            "parent": r.parent,
            "phase": r.phase,
            "source": src(r.source),
            "residual_bytes": regions[i]["residual_bytes"],
            "params": list(r.params),
            "internal": int(
                r.parent is not None and r.kind not in gw.loop_kinds() and in_workbench(r.source)
            ),
            "title": gp.region_title(r),
            "detail": gp.loop_detail(r),
        }
        for i, r in enumerate(model.regions)
    ]
    ids = [n.id for n in model.nodes]
    codes = {"forward": "f", "backward": "b", "residual": "r"}
    assert [(ids[e["source"]], ids[e["target"]], e["kind"], e["aval"]) for e in edges] == [
        (e.source, e.target, codes[e.kind], e.aval.text) for e in model.edges
    ]
    assert data["summary"] == repr(model) and data["format"] == gw.FORMAT
    # Residual bytes sit on the nodes (or regions) that produce them.
    kept = {}
    for r in oracle.memory.residuals:
        kept[r.producer] = kept.get(r.producer, 0) + r.nbytes
    shown = {n["id"]: n["residual_bytes"] for n in nodes if n["residual_bytes"]}
    shown.update({r["id"]: r["residual_bytes"] for r in regions if r["residual_bytes"]})
    assert shown == kept
    assert sum(shown.values()) == oracle.memory.residual_bytes
    if mode is wb.Reverse:
        assert {e["kind"] for e in edges} == {"f", "b", "r"}


def test_graph_data_rows_follow_the_documented_fields():
    closed = jax.make_jaxpr(jax.grad(lambda x: jnp.sin(x) * x))(1.0)
    data = gw.graph_data(graph_from_jaxpr(closed), residuals(closed))
    assert data["fields"] == {k: [list(f) for f in v] for k, v in gw.FIELDS.items()}
    assert all(len(row) == len(gw.NODE_FIELDS) for row in data["nodes"])
    assert all(len(row) == len(gw.REGION_FIELDS) for row in data["regions"])
    assert all(len(row) == len(gw.EDGE_FIELDS) for row in data["edges"])
    sin = next(row for row in decode(data)[0] if row["primitive"] == "sin")
    assert sin["source"].startswith(__file__ + ":")


def test_repeated_strings_are_sent_once():
    w = wb.graph(deep, jnp.arange(3.0), mode=wb.Reverse)
    data = w.graph
    strings = data["strings"]
    assert strings[0] == "" and len(set(strings)) == len(strings)
    # The same graph with every string written into its rows, as the format was before the
    # string table: the table makes the rows that repeat strings (nodes and edges: kinds,
    # phases, shapes, sources) at most half as large, the whole JSON with it at least 1.5x
    # smaller (a region's id and label are its own and stay plain).
    nodes, regions, edges = decode(data)
    rows = lambda dicts: [list(d.values()) for d in dicts]
    plain = {**data, "nodes": rows(nodes), "regions": rows(regions), "edges": rows(edges)}
    del plain["strings"]
    size = lambda d, *keys: len(json.dumps([d[k] for k in keys]))
    assert 2 * (size(data, "nodes", "edges") + size(data, "strings")) < size(
        plain, "nodes", "edges"
    )
    assert 1.5 * len(json.dumps(data)) < len(json.dumps(plain))
    # Ids stay plain strings: what `highlight` takes and the inspector's IR links name.
    assert [row[0] for row in data["nodes"]] == [n.id for n in w.model.nodes]
    assert [row[0] for row in data["regions"]] == [r.id for r in w.model.regions]


def test_small_graphs_start_expanded_and_large_ones_collapsed():
    small = wb.graph(loss, jnp.arange(3.0), mode=wb.Reverse)
    assert set(small.expanded) == {r.id for r in small.model.regions if r.parent is not None}
    large = wb.graph(deep, jnp.arange(3.0), mode=wb.Reverse)
    assert len(large.model.nodes) > gp.LARGE_GRAPH
    assert large.expanded == []
    assert len(large.graph["regions"]) > 200


def test_a_loop_that_repeats_an_earlier_loops_body_starts_closed():
    """Binomial checkpointing sweeps the loop's body in several loops (x20, x14, x5 for 40
    steps and 3 snapshots), inside the checkpointed loop's own box (``loop x40``, one per pass),
    which starts closed (issue 24); inside it, the first sweep loop is open, the repeats closed
    (each body drawn once); the backward loops, and loops of different bodies, open."""
    from tests import graph_programs

    fn, args = graph_programs.call("binomial_loop")
    w = wb.graph(fn, *args, mode=wb.Reverse)
    outer = [r for r in w.model.regions if r.kind == "loop" and r.name == "checkpointed"]
    assert [dict(r.params)["trip count"] for r in outer] == ["40", "40"]
    loops = [r for r in w.model.regions if r.kind == "loop" and r not in outer]
    forward = [r.id for r in loops if r.phase == "forward"]
    assert len(forward) == 3
    assert forward[0] in w.expanded and not set(forward[1:]) & set(w.expanded)
    assert all(r.id in w.expanded for r in loops if r.phase == "backward")
    # Every region that is not a repeated loop, nor the checkpointed loop's box, is open.
    shut = {r.id for r in w.model.regions if r.parent is not None} - set(w.expanded)
    assert shut == set(forward[1:]) | {r.id for r in outer}
    w.close()

    def two_loops(x):
        y = jax.lax.fori_loop(0, 3, lambda i, y: jnp.sin(y), x)
        z = jax.lax.fori_loop(0, 3, lambda i, z: jnp.cos(z) * y, y)
        w2 = jax.lax.fori_loop(0, 4, lambda i, y: jnp.sin(y), z)
        return jnp.sum(w2)

    v = wb.graph(two_loops, jnp.ones(3))
    kinds = {r.id: r.kind for r in v.model.regions if r.parent is not None}
    loops2 = [rid for rid, k in kinds.items() if k in gw.loop_kinds()]
    assert len(loops2) == 3
    # The cos loop differs from the sin loop before it: open; the second sin loop repeats it.
    assert loops2[0] in v.expanded and loops2[1] in v.expanded and loops2[2] not in v.expanded
    v.close()


def test_browser_state_lives_in_synced_traits():
    w = wb.graph(loss, jnp.arange(3.0), mode=wb.Reverse)
    synced = set(w.keys)
    assert {"graph", "expanded", "viewport", "edges", "search", "highlight"} <= synced
    # What the front end sends (a comm "update" message) lands in the traits.
    sin = next(n.id for n in w.model.ops if n.primitive == "sin")
    state = {
        "expanded": ["main/3"],
        "viewport": {"x": 10.0, "y": -4.0, "k": 0.5, "focus": f'["{sin}"]'},
        "edges": "backward",
        "search": "sin",
        "highlight": [sin, "main/3"],
    }
    w.set_state(state)
    assert w.expanded == ["main/3"] and w.viewport == state["viewport"]
    assert w.edges == "backward" and w.search == "sin" and w.highlight == [sin, "main/3"]
    # ... and is what a new view of the widget (a re-render) is sent.
    sent = w.get_state()
    assert {k: sent[k] for k in state} == state


def test_highlight_takes_ids_of_the_graph_and_names_near_ones():
    w = wb.graph(loss, jnp.arange(3.0), mode=wb.Reverse)
    ids = [n.id for n in w.model.nodes] + [r.id for r in w.model.regions]
    w.highlight = [ids[1], w.model.regions[-1].id]  # a node and a region
    with pytest.raises(traitlets.TraitError, match=r"'main/99' is none of .*Did you mean"):
        w.highlight = ["main/99"]
    assert w.highlight == [ids[1], w.model.regions[-1].id]  # unchanged by the refused value


def test_edge_mode_is_checked_and_names_the_choices():
    w = wb.graph(loss, jnp.arange(3.0))
    with pytest.raises(traitlets.TraitError, match="'both', 'forward', 'backward'"):
        w.edges = "sideways"


def test_fallbacks_escape_user_strings(monkeypatch):
    monkeypatch.setattr(gp.shutil, "which", lambda name: None)  # no `dot`: the text fallback
    w = wb.graph(evil, jnp.arange(3.0), mode=wb.Reverse)
    assert any(row[2] == EVIL for row in w.graph["regions"])  # sent as data, unescaped
    bundle = w._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert "application/vnd.jupyter.widget-view+json" in data
    assert data["text/plain"] == w.model.to_text(200)
    assert EVIL in data["text/plain"]
    assert EVIL not in data["text/html"] and html.escape(EVIL) in data["text/html"]
    assert "<pre>" in data["text/html"]


def test_svg_fallback_when_dot_exists():
    pytest.importorskip("graphviz")
    if gp.shutil.which("dot") is None:
        pytest.skip("the `dot` program is not installed")
    w = wb.graph(evil, jnp.arange(3.0), mode=wb.Reverse)
    svg = gp.graphviz_svg(w.model)
    assert svg is not None and "<svg" in svg
    assert EVIL not in svg and "&lt;img" in svg


def _dot_boxes(svg):
    """The boxes Graphviz drew (one ``<g class="node">`` per box), by their titles."""
    return re.findall(r'<g id="node\d+" class="node">\s*<title>([^<]*)</title>', svg)


def test_svg_fallback_draws_the_view_the_widget_opens_with():
    if gp.shutil.which("dot") is None:
        pytest.skip("the `dot` program is not installed")

    # A graph over LARGE_GRAPH nodes opens with its regions collapsed; so does its picture:
    # one box per region, not one per equation (Graphviz takes 17 s on 367 equations).
    def scoped(x):  # 50 scoped layers: about 400 equations in 100 regions
        for i in range(50):
            with jax.named_scope(f"layer{i}"):
                x = jnp.tanh(x * 1.01 + 0.1)
        return jnp.sum(x)

    w = wb.graph(scoped, jnp.arange(3.0), mode=wb.Reverse)
    assert w.expanded == [] and len(w.model.nodes) > gp.LARGE_GRAPH
    box, clusters = gp.visible_boxes(w.model, w.expanded)
    shown = set(box.values())
    assert len(shown) <= gp.DOT_MAX_BOXES and clusters == set()
    svg = gp.graphviz_svg(w.model, expanded=w.expanded)
    assert svg is not None and len(_dot_boxes(svg)) == len(shown)
    # Opening every region would draw every node: over the limit, so no picture (the text).
    everything = [r.id for r in w.model.regions if r.parent is not None]
    assert gp.graphviz_svg(w.model, expanded=everything) is None
    assert gp.graphviz_svg(w.model, max_boxes=1) is None


def test_svg_fallback_of_a_long_chain_of_scopes_is_drawn_within_its_time_limit():
    """Residual edges across a chain of 70 scopes: unbounded, dot took over 20 s (past the
    fallback's DOT_TIMEOUT_S, so no picture); with bounded effort it draws it."""
    if gp.shutil.which("dot") is None:
        pytest.skip("the `dot` program is not installed")

    def chain(x):
        for i in range(70):
            with jax.named_scope(f"layer{i}"):
                x = jnp.tanh(x * 1.01 + 0.1)
        return jnp.sum(x)

    w = wb.graph(chain, jnp.arange(3.0), mode=wb.Reverse)
    box, _ = gp.visible_boxes(w.model, w.expanded)
    assert 100 < len(set(box.values())) <= gp.DOT_MAX_BOXES
    svg = gp.graphviz_svg(w.model, expanded=w.expanded)
    assert svg is not None and len(_dot_boxes(svg)) == len(set(box.values()))
    assert "stroke-dasharray" in svg  # residual edges dashed, as in the live view


def test_visible_boxes_match_the_regions_opened():
    w = wb.graph(loss, jnp.arange(3.0), mode=wb.Reverse)
    model = w.model
    every = [r.id for r in model.regions if r.parent is not None]
    box, clusters = gp.visible_boxes(model, every)
    assert all(box[n.id] == n.id for n in model.nodes) and clusters == set(every)
    box, clusters = gp.visible_boxes(model, [])
    top = {r.id for r in model.regions if r.parent == "main"}
    assert clusters == set() and {b for b in box.values() if b in top} == top
    for n in model.nodes:  # each node is drawn in the outermost region holding it, or itself
        if n.region == "main":
            assert box[n.id] == n.id
        else:
            outer = n.region
            while model.region(outer).parent != "main":
                outer = model.region(outer).parent
            assert box[n.id] == outer


def test_graph_names_the_fix_for_a_bad_call():
    with pytest.raises(Exception, match="graph"):
        wb.graph("not a function", jnp.ones(3))


def test_the_front_ends_fixtures_are_in_the_format_sent_now():
    """The Node unit tests (extensions/*/tests) read fixtures that tests/js_fixtures.py wrote;
    they must be in the format graph_data writes now (rerun that script after changing it)."""
    from tests import js_fixtures

    for name, make in js_fixtures.FIXTURES.items():
        committed = json.loads((js_fixtures.OUT / name).read_text())
        fresh = make()
        assert committed.keys() == fresh.keys(), name
        if "graph" in fresh:
            for key in ("format", "fields"):
                assert committed["graph"][key] == fresh["graph"][key], f"{name}: {key}"
            decode(committed["graph"])  # every row reads by the current field table
        else:
            assert committed["rows"][0].keys() == fresh["rows"][0].keys(), name


def test_the_static_picture_names_a_checkpointed_loop_as_the_live_view_does():
    """Issue 24: Graphviz's picture labelled a checkpointed loop "loop(checkpointed) (446)";
    the live view says "↻ loop", a multiplication sign and 50, and "Binomial(4)". The picture
    says the same (its trip count and scheme, in both passes)."""
    import re

    if gp.shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed")
    steps = 50
    f = lambda x: jnp.sum(
        wb.fori_loop(0, steps, lambda i, c: jnp.sin(c) * 1.01, x, checkpointing=wb.Binomial(4))
    )
    svg = gp.graphviz_svg(wb.graph(f, jnp.ones(3), mode=wb.Reverse).model)
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert texts.count(f"▸ ↻ loop \u00d7{steps}") == 1
    assert texts.count(f"▸ ↻ loop \u00d7{steps} (backward)") == 1
    assert sum(t.startswith("Binomial(4), ") for t in texts) == 2
    assert not any("checkpointed" in t for t in texts)


def test_region_titles_are_sent_with_the_data_written_once():
    """Issue 24: the regions' titles and loop lines were written twice, in Python (the static
    picture) and in the front end; now the data carries them and the front end draws them."""

    def looped(x):
        body = lambda i, y: jnp.sin(y) * x
        return jnp.sum(wb.fori_loop(0, 50, body, x, checkpointing=wb.Binomial(4)))

    _, regions, _ = decode(wb.graph(looped, jnp.ones(3), mode=wb.Reverse).graph)
    said = {(r["title"], r["detail"]) for r in regions if r["detail"]}
    assert ("\u21bb loop \u00d750", "Binomial(4)") in said, said
    assert ("\u21bb loop \u00d750 (backward)", "Binomial(4)") in said, said
    # Every region has a title; only loops have a second line.
    assert all(r["title"] for r in regions)
    assert all(not r["detail"] for r in regions if r["kind"] not in gw.loop_kinds())
