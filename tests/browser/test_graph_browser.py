"""The graph viewer and the trade-off explorer in a real browser: JupyterLab on 127.0.0.1, Debian's
Chromium, driven by Playwright (never ``playwright install``: the system Chromium is used).

One JupyterLab and one page serve every test (module fixtures), as in
``test_inspector_browser.py``: the notebook is run once, then each test works the widgets. Every
wait is on a condition with a bounded timeout. Screenshots go to ``test-artifacts/``.

The programs of issue 15 (``tests/graph_programs.py``: a 2-layer MLP, a 20-layer MLP, a 20-layer
remat stack with every region open, a loop with binomial checkpointing) are checked from the DOM:
no two sibling boxes overlap; no edge passes through a box that is not its end (nor a region's
header); every label lies inside its box; after "fit" every box is in view, with text at least
9 px high up to 150 boxes; search steps through its matches and pans to each.
"""

from __future__ import annotations

import contextlib
import json
import re

import pytest

from tests import graph_programs
from tests.browser.lab_session import (
    ARTIFACTS,
    EVIL,
    notebook_fixtures,
    requires_chromium,
)

WAIT_MS = 30_000  # one interaction's round trip (browser -> kernel -> browser)
STEP_MS = 3_000  # a search step's redraw, when it opens a region
MIN_TEXT_PX = 9  # text height after "fit", for views of up to LEGIBLE_BOXES boxes
MIN_LABEL_PX = 8  # the shapes on the edges are drawn from this height on
NODE_FONT_PX = 11  # the boxes' text, at scale 1 (graph.css)
SPECK_PX = 4  # texts smaller than this on the screen are left out until the user zooms in
LEGIBLE_BOXES = 150

pytestmark = requires_chromium

CELLS = [
    "import jax, jax.numpy as jnp, workbench as wb\n"
    "def loss(x):\n"
    "    with jax.named_scope('block'):\n"
    "        y = jnp.sin(x) * x\n"
    "    return jnp.sum(jax.jit(jnp.cos)(y))",
    "g = wb.graph(loss, jnp.arange(3.0), mode=wb.Reverse)\ng",
    "ex = wb.tradeoff_explorer(lambda i, y: jnp.sin(y) * 0.9, jnp.zeros(32), 48,\n"
    "    schemes=[False, True, wb.Binomial(2), wb.Binomial(4)])\nex",
    f"evil = jax.named_scope({EVIL!r})(lambda x: jnp.sum(jnp.cos(x) * x))\n"
    "wb.graph(evil, jnp.arange(3.0), mode=wb.Reverse)",
    graph_programs.SOURCE,
    graph_programs.cell("mlp2", "g_mlp2"),
    graph_programs.cell("mlp20", "g_mlp20"),
    graph_programs.cell("remat20", "g_remat20"),
    graph_programs.cell("binomial_loop", "g_binomial_loop"),
    "ex1000 = wb.tradeoff_explorer(lambda i, y: jnp.sin(y), jnp.zeros(1000), 1000,\n"
    "    measure=False)\nex1000",
    "g  # a second view of the same widget: a re-render",
]
# The views of the page, in cell order.
LOSS, EVIL_VIEW, MLP2, MLP20, REMAT20, LOOP, SECOND = range(7)
PROGRAM_VIEWS = {"mlp2": MLP2, "mlp20": MLP20, "remat20": REMAT20, "binomial_loop": LOOP}
FIRST_OP = {
    "mlp2": "dot_general",
    "mlp20": "dot_general",
    "remat20": "tanh",
    "binomial_loop": "sin",
}


lab, console, page = notebook_fixtures(
    "graph.ipynb",
    CELLS,
    rendered_js="""() => document.querySelectorAll('.wb-graph[data-settled="true"]').length >= 7
          && document.querySelectorAll('.wb-tradeoffs[data-rows]').length >= 2""",
    what="widgets",
    default_timeout_ms=WAIT_MS,
)


def _graph(page, index: int = 0):
    return page.locator(".wb-graph").nth(index)


def _ready(widget) -> int:
    return int(widget.get_attribute("data-ready") or "0")


def _wait_redrawn(page, widget, before: int) -> None:
    """Waits for the widget's next drawing with its final layout (a large view is drawn first
    with the quick layout, then with ELK's: ``data-settled``)."""
    handle = widget.element_handle()
    page.wait_for_function(
        "([el, n]) => Number(el.dataset.ready || 0) > n && el.dataset.settled === 'true'",
        arg=[handle, before],
        timeout=WAIT_MS,
    )


def _kernel(page, code: str) -> None:
    """Runs ``code`` in the notebook's kernel (as a cell would, without one)."""
    page.evaluate(
        """async (code) => {
          const k = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
          const reply = await k.requestExecute({ code }).done;
          if (reply.content.status !== 'ok') throw new Error(JSON.stringify(reply.content));
        }""",
        code,
    )


def _shot(page, widget, name: str, keep_pointer: bool = False) -> None:
    if not keep_pointer:  # no tooltip over the picture
        page.mouse.move(0, 0)
    widget.scroll_into_view_if_needed()
    widget.screenshot(path=str(ARTIFACTS / f"{name}.png"))


# --------------------------------------------------------------------------------------------
# Geometry, read from the DOM (screen coordinates: the view's scale does not change what
# overlaps what).

GEOMETRY_JS = """(el) => {
  const rect = (e) => { const r = e.getBoundingClientRect();
    return {x: r.left, y: r.top, w: r.width, h: r.height}; };
  const boxes = [...el.querySelectorAll('.wb-node')].map((g) => ({
    key: g.dataset.key, parent: g.dataset.parent, box: rect(g.querySelector('rect')),
    texts: [...g.querySelectorAll('text')].map(rect),
    font: g.querySelector('text') ? parseFloat(getComputedStyle(g.querySelector('text')).fontSize)
      : null}));
  const clusters = [...el.querySelectorAll('.wb-cluster')].map((g) => ({
    key: g.dataset.key, parent: g.dataset.parent, box: rect(g.querySelector('rect.wb-box')),
    head: rect(g.querySelector('rect.wb-head')),
    texts: [...g.querySelectorAll('text')].map(rect)}));
  const edges = [...el.querySelectorAll('.wb-edges .wb-edge-group')].map((g) => {
    const p = g.querySelector('path.wb-edge');
    const m = p.getScreenCTM();
    const n = p.getTotalLength();
    const pts = [];
    for (let s = 0; s <= n; s += 2) {
      const q = p.getPointAtLength(s);
      pts.push([m.a * q.x + m.c * q.y + m.e, m.b * q.x + m.d * q.y + m.f]);
    }
    return {id: g.dataset.edge, from: g.dataset.from, to: g.dataset.to, pts};
  });
  const layer = el.querySelector('.wb-edge-labels');
  const labels = [...el.querySelectorAll('.wb-edge-labels > g')].map((g) => ({
    edge: g.dataset.edge, box: rect(g.querySelector('rect')), text: rect(g.querySelector('text')),
    font: parseFloat(getComputedStyle(g.querySelector('text')).fontSize)}));
  return {boxes, clusters, edges, labels, canvas: rect(el.querySelector('svg.wb-canvas')),
          scale: Number(el.dataset.scale),
          labels_shown: !!layer && getComputedStyle(layer).display !== 'none'};
}"""


def _overlap(a, b, slack=0.5):
    return (
        a["x"] + slack < b["x"] + b["w"]
        and b["x"] + slack < a["x"] + a["w"]
        and a["y"] + slack < b["y"] + b["h"]
        and b["y"] + slack < a["y"] + a["h"]
    )


def _inside(inner, outer, slack=1.0):
    return (
        inner["x"] >= outer["x"] - slack
        and inner["y"] >= outer["y"] - slack
        and inner["x"] + inner["w"] <= outer["x"] + outer["w"] + slack
        and inner["y"] + inner["h"] <= outer["y"] + outer["h"] + slack
    )


def _strictly_in(pt, box, inset):
    x, y = pt
    return (
        box["x"] + inset < x < box["x"] + box["w"] - inset
        and box["y"] + inset < y < box["y"] + box["h"] - inset
    )


def check_geometry(geo, inset: float = 1.5) -> dict[str, int]:
    """Asserts the acceptance geometry of issue 15 on one drawn view; returns counts."""
    siblings: dict[str, list] = {}
    for item in geo["boxes"] + geo["clusters"]:
        siblings.setdefault(item["parent"], []).append(item)
    pairs = 0
    for items in siblings.values():
        for i, a in enumerate(items):
            for b in items[i + 1 :]:
                pairs += 1
                assert not _overlap(a["box"], b["box"]), f"{a['key']} overlaps {b['key']}"
    clusters = {c["key"]: c for c in geo["clusters"]}
    for item in geo["boxes"] + geo["clusters"]:
        if item["parent"]:
            assert _inside(item["box"], clusters[item["parent"]]["box"]), item["key"]
    for b in geo["boxes"]:
        for t in b["texts"]:
            assert _inside(t, b["box"]), f"the label of {b['key']} spills out of its box"
    for c in geo["clusters"]:
        assert _inside(c["head"], c["box"])
        for t in c["texts"]:
            assert _inside(t, c["box"]), f"the header of {c['key']} spills out of its box"
    obstacles = [(b["key"], b["box"]) for b in geo["boxes"]]
    obstacles += [(c["key"], c["head"]) for c in geo["clusters"]]
    for e in geo["edges"]:
        for key, box in obstacles:
            if key in (e["from"], e["to"]):
                continue
            crossing = next((p for p in e["pts"] if _strictly_in(p, box, inset)), None)
            assert crossing is None, f"edge {e['id']} runs through {key} at {crossing}"
    return {"boxes": len(geo["boxes"]), "clusters": len(geo["clusters"]), "pairs": pairs}


def _distance(pt, box) -> float:
    x, y = pt
    dx = max(0.0, box["x"] - x, x - (box["x"] + box["w"]))
    dy = max(0.0, box["y"] - y, y - (box["y"] + box["h"]))
    return float((dx * dx + dy * dy) ** 0.5)


def check_edge_labels(geo) -> int:
    """The shapes written on the edges, as drawn at a readable zoom: shown (at least
    MIN_LABEL_PX high), each next to its edge, over no box, no header and no other label, its
    text inside its background. Returns how many there are."""
    assert geo["labels_shown"], f"no shapes on the edges at scale {geo['scale']}"
    labels = geo["labels"]
    assert labels, "no edge carries its shape"
    edges = {e["id"]: e for e in geo["edges"]}
    solid = [b["box"] for b in geo["boxes"]] + [c["head"] for c in geo["clusters"]]
    for i, lab in enumerate(labels):
        box = lab["box"]
        assert lab["font"] * geo["scale"] >= MIN_LABEL_PX - 0.05
        assert _inside(lab["text"], box, slack=1.5), f"the shape of {lab['edge']} spills"
        near = min(_distance(p, box) for p in edges[lab["edge"]]["pts"])
        assert near <= 4 * geo["scale"] + 2.5, f"the shape of {lab['edge']} is {near:.0f} px away"
        for other in solid:
            assert not _overlap(box, other), f"the shape of {lab['edge']} covers a box"
        for other in labels[i + 1 :]:
            assert not _overlap(box, other["box"]), f"{lab['edge']}'s and {other['edge']}'s overlap"
    return len(labels)


def check_fit(geo, legible: bool = True) -> float:
    """After "fit": every box in view; with ``legible``, text at least MIN_TEXT_PX high up to
    LEGIBLE_BOXES boxes. Returns the height of the smallest text, in px."""
    canvas = geo["canvas"]
    for item in geo["boxes"] + geo["clusters"]:
        assert _inside(item["box"], canvas), f"{item['key']} is out of view after fit"
    fonts = [b["font"] for b in geo["boxes"] if b["font"] is not None]
    if len(fonts) < len(geo["boxes"]):  # level of detail: texts left out only where specks
        assert geo["scale"] * NODE_FONT_PX < SPECK_PX, "a legible box has no text"
    smallest = min(fonts or [NODE_FONT_PX]) * geo["scale"]
    if legible and len(geo["boxes"]) <= LEGIBLE_BOXES:
        assert smallest >= MIN_TEXT_PX, f"text {smallest:.1f} px high after fit"
    return smallest


def _fit(page, widget):
    widget.locator("button.wb-fit").click()
    page.wait_for_timeout(50)  # the transform is set in the click handler; let it paint


def _full_screen(page, widget, on: bool) -> None:
    is_full = "(el) => document.fullscreenElement === el || el.classList.contains('wb-maximized')"
    if bool(page.evaluate(is_full, widget.element_handle())) != on:
        widget.locator("button.wb-fullscreen").click()
    page.wait_for_function(
        f"(el) => ({is_full.split('=> ')[1]}) === {str(on).lower()}",
        arg=widget.element_handle(),
        timeout=WAIT_MS,
    )
    page.wait_for_timeout(200)  # the frame's new size reaches the view (ResizeObserver)


# --------------------------------------------------------------------------------------------
# The programs of issue 15


@pytest.mark.parametrize("program", list(PROGRAM_VIEWS))
def test_programs_are_drawn_without_overlaps_crossings_or_spills(page, program):
    g = _graph(page, PROGRAM_VIEWS[program])
    if program == "remat20":  # every region open
        before = _ready(g)
        g.locator("button.wb-expand-all").click()
        _wait_redrawn(page, g, before)
    assert g.get_attribute("data-engine") == "elk"
    _fit(page, g)
    _shot(page, g, f"graph-{program}-fit")
    geo = page.evaluate(GEOMETRY_JS, g.element_handle())
    counts = check_geometry(geo)
    # In the notebook's output area: all of it in view, legible up to 150 boxes.
    inline = check_fit(geo)
    # Full screen (the viewer at its largest): all of it in view, and legible up to 150 boxes.
    _full_screen(page, g, True)
    try:
        _fit(page, g)
        page.screenshot(path=str(ARTIFACTS / f"graph-{program}-fullscreen.png"))
        full = check_fit(page.evaluate(GEOMETRY_JS, g.element_handle()))
    finally:
        _full_screen(page, g, False)
    print(
        f"{program}: {counts}, smallest text after fit {inline:.1f} px inline, {full:.1f} px full"
    )
    if program == "remat20":
        assert counts["clusters"] >= 40 and counts["boxes"] > 400
    if program == "binomial_loop":
        loops = g.locator(".wb-cluster[data-role='loop'], .wb-node[data-role='loop']")
        assert loops.count() >= 1 or g.locator(".wb-node[data-primitive]").count() > 0
    # And at a readable scale, where a colleague would look: zoomed in until the shapes on the
    # edges are legible, then to the first user op (search pans).
    canvas = g.locator("svg.wb-canvas")
    canvas.focus()
    while float(g.get_attribute("data-scale") or "0") * 9 < MIN_LABEL_PX:
        canvas.press("+")
    g.locator("input.wb-search").fill(FIRST_OP[program])
    g.locator("input.wb-search").press("Enter")
    page.wait_for_function(
        "(el) => (el.dataset.current || '').startsWith('1/')", arg=g.element_handle()
    )
    assert float(g.get_attribute("data-scale") or "0") * 9 >= MIN_LABEL_PX
    readable = page.evaluate(GEOMETRY_JS, g.element_handle())
    assert all(b["font"] for b in readable["boxes"])  # every box has its texts now
    check_geometry(readable)  # and they lie inside their boxes
    labels = check_edge_labels(readable)
    print(f"{program}: {labels} shapes on edges")
    _shot(page, g, f"graph-{program}-readable")
    g.locator("input.wb-search").fill("")


def test_search_steps_through_the_matches_and_pans_to_each(page):
    g = _graph(page, MLP20)
    g.locator("input.wb-search").fill("tanh")
    page.wait_for_function(
        "(el) => Number(el.dataset.matches || 0) > 0", arg=g.element_handle(), timeout=WAIT_MS
    )
    n = int(g.get_attribute("data-matches") or "0")
    assert n == 20  # one tanh per layer
    canvas = g.locator("svg.wb-canvas").bounding_box()
    seen = []
    for i in range(1, n + 1):
        g.locator("input.wb-search").press("Enter")
        page.wait_for_function(
            "([el, c]) => el.dataset.current === c", arg=[g.element_handle(), f"{i}/{n}"]
        )
        key = g.get_attribute("data-current-key")
        box = g.locator(f".wb-node[data-key='{key}'] rect").bounding_box()
        assert box is not None and canvas is not None
        assert canvas["x"] <= box["x"] and box["x"] + box["width"] <= canvas["x"] + canvas["width"]
        assert (
            canvas["y"] <= box["y"] and box["y"] + box["height"] <= canvas["y"] + canvas["height"]
        )
        seen.append(key)
        if i == 3:
            _shot(page, g, "graph-search-step")
    assert len(set(seen)) == n  # each match visited once
    g.locator("input.wb-search").press("Shift+Enter")  # and back
    page.wait_for_function(
        "([el, c]) => el.dataset.current === c", arg=[g.element_handle(), f"{n - 1}/{n}"]
    )
    assert "of" in (g.locator(".wb-matches").text_content() or "")
    g.locator("input.wb-search").fill("")


def _collapse_the_jit_call(page, g) -> str:
    """Closes the ``jit(cos)`` region of ``loss``'s graph; returns its id."""
    cluster = g.locator(".wb-cluster").filter(has_text="jit(cos)").first
    region = cluster.get_attribute("data-region") or ""
    before = _ready(g)
    cluster.locator("rect.wb-head").click()
    _wait_redrawn(page, g, before)
    g.locator(f".wb-node.wb-collapsed[data-region='{region}']").wait_for(timeout=WAIT_MS)
    return region


def test_search_opens_the_region_that_hides_a_match(page):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    g = _graph(page, LOSS)
    region = _collapse_the_jit_call(page, g)
    g.locator("input.wb-search").fill("cos")
    page.wait_for_function(
        "(el) => Number(el.dataset.matches || 0) > 0", arg=g.element_handle(), timeout=WAIT_MS
    )
    before = _ready(g)
    for _ in range(int(g.get_attribute("data-matches") or "0")):
        g.locator("input.wb-search").press("Enter")  # to the cos inside the jit call
        # A step that opens a region redraws; the next Enter before that redraw would step on
        # (to the region's own match, a box not a node): wait for it, a bounded while.
        with contextlib.suppress(PlaywrightTimeout):
            page.wait_for_function(
                "([el, n]) => Number(el.dataset.ready || 0) > n",
                arg=[g.element_handle(), before],
                timeout=STEP_MS,
            )
        if _ready(g) > before:
            break
    _wait_redrawn(page, g, before)
    assert g.locator(f".wb-cluster[data-region='{region}']").count() == 1  # opened
    lit = g.locator(".wb-node.wb-current")
    lit.wait_for(timeout=WAIT_MS)
    assert lit.get_attribute("data-primitive") == "cos"
    g.locator("input.wb-search").fill("")


# --------------------------------------------------------------------------------------------
# The viewer's controls


def test_graph_draws_nodes_regions_three_kinds_of_edges_and_a_legend(page):
    g = _graph(page)
    assert g.locator(".wb-node[data-id='main/0']").get_attribute("data-primitive") == "sin"
    for kind in "fbr":
        assert g.locator(f".wb-edges path.wb-edge.wb-e-{kind}").count() > 0
    labels = g.locator(".wb-cluster text").all_text_contents()
    assert any("block" in t for t in labels) and any("jit(cos)" in t for t in labels)
    # Backward regions are named apart from forward ones.
    assert any(t.endswith("block (backward)") for t in labels)
    assert g.locator(".wb-node text.wb-sub").filter(has_text="keeps").count() > 0
    # Shapes on the boxes; a legend for the node colours and the three kinds of edges, whose
    # samples are drawn as the edges are (the residual one dashed).
    # f32 or f64: the notebook runs with JAX's 64-bit mode as the kernel has it.
    label = g.locator(".wb-node[data-id='main/0'] text").first.text_content() or ""
    assert re.search(r"f(32|64)\[3\]", label), label
    roles = {e.get_attribute("data-role") for e in g.locator(".wb-legend-item[data-role]").all()}
    assert {"forward", "backward", "recompute", "io", "region", "loop"} <= roles
    for k in "fbr":
        sample = g.locator(f".wb-legend-item[data-edge='{k}'] line")
        edge = g.locator(f".wb-edges path.wb-edge.wb-e-{k}").first
        style = "(e) => [getComputedStyle(e).stroke, getComputedStyle(e).strokeDasharray]"
        assert sample.evaluate(style) == edge.evaluate(style)
    dash = g.locator("path.wb-edge.wb-e-r").first.evaluate(
        "e => getComputedStyle(e).strokeDasharray"
    )
    assert dash not in ("none", "")
    _shot(page, g, "graph-expanded")


def test_region_collapses_and_expands_and_the_state_survives_a_rerender(page):
    g = _graph(page)
    cluster = g.locator(".wb-cluster").filter(has_text="jit(cos)").first
    region = cluster.get_attribute("data-region")
    if g.locator(f".wb-node.wb-collapsed[data-region='{region}']").count() == 0:
        before = _ready(g)
        cluster.locator("rect.wb-head").click()
        _wait_redrawn(page, g, before)
    collapsed = g.locator(f".wb-node.wb-collapsed[data-region='{region}']")
    collapsed.wait_for(state="visible", timeout=WAIT_MS)
    assert g.locator(f".wb-cluster[data-region='{region}']").count() == 0
    _shot(page, g, "graph-collapsed")
    # The second view of the same widget (the last cell) follows: the state is in the model.
    second = page.locator(".wb-graph").last
    page.wait_for_function(
        "([el, r]) => !!el.querySelector(`.wb-node.wb-collapsed[data-region='${r}']`)",
        arg=[second.element_handle(), region],
        timeout=WAIT_MS,
    )
    # Re-run that cell: a fresh view is drawn from the synced traits, still collapsed.
    page.evaluate(
        """() => {
          const panel = window.jupyterapp.shell.currentWidget;
          panel.content.activeCellIndex = panel.content.widgets.length - 1;
          return window.jupyterapp.commands.execute('notebook:run-cell');
        }"""
    )
    page.wait_for_function(
        """(r) => {
          const views = document.querySelectorAll('.wb-graph');
          const last = views[views.length - 1];
          return last && last.dataset.ready
            && !!last.querySelector(`.wb-node.wb-collapsed[data-region='${r}']`);
        }""",
        arg=region,
        timeout=WAIT_MS,
    )
    before = _ready(g)
    collapsed.click()
    _wait_redrawn(page, g, before)
    g.locator(f".wb-cluster[data-region='{region}']").wait_for(timeout=WAIT_MS)
    assert g.locator(f".wb-node.wb-collapsed[data-region='{region}']").count() == 0


def test_hover_speaks_the_users_terms(page):
    g = _graph(page)
    g.locator(".wb-node[data-id='main/0']").hover()
    tip = g.locator(".wb-tooltip")
    tip.wait_for(state="visible", timeout=WAIT_MS)
    text = tip.text_content() or ""
    assert text.startswith("sin") and re.search(r"f(32|64)\[3\]", text), text
    assert "forward pass, in block" in text
    assert "jvp(" not in text and "transpose(" not in text
    # The source is the notebook cell and line (the first cell: `y = jnp.sin(x) * x`).
    assert "from cell [1], line 4 (loss)" in text, text
    _shot(page, g, "graph-hover", keep_pointer=True)
    page.mouse.move(0, 0)


@pytest.mark.parametrize(
    ("mode", "shown", "hidden"), [("forward", "f", "b"), ("backward", "b", "f"), ("both", "r", "")]
)
def test_one_pass_or_both_and_the_pass_is_brought_into_view(page, mode, shown, hidden):
    g = _graph(page, MLP2)
    g.locator(f"button.wb-edges-mode[data-edges='{mode}']").click()
    page.wait_for_function(
        "([el, m]) => el.dataset.edges === m", arg=[g.element_handle(), mode], timeout=WAIT_MS
    )
    shown_js = "(gs) => gs.map((e) => getComputedStyle(e).display !== 'none')"
    assert all(g.locator(f".wb-edges .wb-edge-group.wb-e-{shown}").evaluate_all(shown_js))
    if hidden:
        assert not any(g.locator(f".wb-edges .wb-edge-group.wb-e-{hidden}").evaluate_all(shown_js))
    assert "wb-active" in (g.locator(f"button[data-edges='{mode}']").get_attribute("class") or "")
    if mode != "both":  # every box of the pass asked for is in view
        canvas = g.locator("svg.wb-canvas").bounding_box()
        for box in g.locator(f".wb-node[data-phase='{mode}'] rect").all():
            b = box.bounding_box()
            assert (
                b
                and canvas["x"] - 1 <= b["x"]
                and b["x"] + b["width"] <= canvas["x"] + canvas["width"] + 1
            )
            assert (
                canvas["y"] - 1 <= b["y"]
                and b["y"] + b["height"] <= canvas["y"] + canvas["height"] + 1
            )
    _shot(page, g, f"graph-edges-{mode}")


def test_pan_and_zoom_move_the_viewport_and_zoom_is_bounded(page):
    g = _graph(page, MLP2)
    _fit(page, g)
    fit = float(g.get_attribute("data-scale") or "0")
    view = g.locator("g.wb-viewport")
    start = view.get_attribute("transform")
    box = g.locator("svg.wb-canvas").bounding_box()
    assert box is not None
    cx, cy = box["x"] + box["width"] - 30, box["y"] + box["height"] - 30
    page.mouse.move(cx, cy)
    page.mouse.wheel(0, -300)
    page.wait_for_function(
        "([el, t]) => el.getAttribute('transform') !== t",
        arg=[view.element_handle(), start],
        timeout=WAIT_MS,
    )
    zoomed = view.get_attribute("transform")
    page.mouse.move(cx, cy)
    page.mouse.down()
    page.mouse.move(cx - 80, cy - 40, steps=5)
    page.mouse.up()
    assert view.get_attribute("transform") != zoomed
    for _ in range(30):  # zooming far out stops at half the fitting scale: never a thin line
        page.mouse.wheel(0, 800)
    page.wait_for_timeout(100)
    assert float(g.get_attribute("data-scale") or "0") >= min(0.5, fit / 2) - 1e-3
    _fit(page, g)


def test_canvas_resizes_and_goes_full_screen(page):
    g = _graph(page, MLP2)
    frame = g.locator(".wb-frame")
    assert frame.evaluate("e => getComputedStyle(e).resize") == "vertical"
    before = frame.bounding_box()
    g.locator("button.wb-fullscreen").click()
    page.wait_for_function(
        "(el) => document.fullscreenElement === el || el.classList.contains('wb-maximized')",
        arg=g.element_handle(),
        timeout=WAIT_MS,
    )
    page.wait_for_timeout(200)
    full = frame.bounding_box()
    assert before and full and full["height"] > before["height"]
    _fit(page, g)
    check_fit(page.evaluate(GEOMETRY_JS, g.element_handle()))
    page.screenshot(path=str(ARTIFACTS / "graph-fullscreen.png"))
    g.locator("button.wb-fullscreen").click()
    page.wait_for_function(
        "(el) => document.fullscreenElement !== el && !el.classList.contains('wb-maximized')",
        arg=g.element_handle(),
        timeout=WAIT_MS,
    )
    # Dragging the frame's corner resizes it; a view the user has not moved fits itself again.
    frame.evaluate("e => { e.style.height = '400px'; }")
    page.wait_for_timeout(300)
    geo = page.evaluate(GEOMETRY_JS, g.element_handle())
    assert abs(geo["canvas"]["h"] - 400) < 2
    for item in geo["boxes"]:
        assert _inside(item["box"], geo["canvas"]), item["key"]


def test_the_view_is_saved_as_svg(page, tmp_path):
    g = _graph(page, MLP2)
    with page.expect_download(timeout=WAIT_MS) as info:
        g.locator("button.wb-export").click()
    path = tmp_path / "graph.svg"
    info.value.save_as(path)
    text = path.read_text()
    assert text.startswith("<svg") and 'xmlns="http://www.w3.org/2000/svg"' in text
    assert text.count('class="wb-node"') == int(g.get_attribute("data-visible") or "0")
    assert ".wb-node" in text  # its styles travel with it
    # The shapes on the edges too, whatever the zoom on the page.
    assert text.count('class="wb-edge-label"') > 0
    assert not re.search(r'class="[^"]*wb-labels-small', text)  # not hidden in the file
    (ARTIFACTS / "graph-export.svg").write_text(text)


def test_evil_scope_name_shows_as_text_and_runs_nothing(page):
    g = _graph(page, EVIL_VIEW)
    labels = g.locator(".wb-cluster text").all_text_contents()
    assert any(EVIL in t for t in labels)
    g.locator(".wb-cluster rect.wb-head").first.hover()
    g.locator(".wb-tooltip").wait_for(state="visible", timeout=WAIT_MS)
    assert EVIL in (g.locator(".wb-tooltip").text_content() or "")
    g.locator("input.wb-search").fill("img src")
    page.wait_for_function(
        "(el) => Number(el.dataset.matches || 0) > 0", arg=g.element_handle(), timeout=WAIT_MS
    )
    assert page.locator(".jp-Notebook img[src='x']").count() == 0
    assert page.evaluate("window.__pwned") is None
    _shot(page, g, "graph-evil-scope")


def test_highlight_from_python_opens_its_region_marks_the_node_and_pans(page):
    g = _graph(page)
    _fit(page, g)
    region = _collapse_the_jit_call(page, g)
    # The cos inside the jit call, named by its id from Python.
    _kernel(
        page,
        f"g.highlight = [n.id for n in g.model.ops if n.primitive == 'cos' "
        f"and n.region == {region!r}]",
    )
    lit = g.locator(".wb-node.wb-highlight")
    lit.first.wait_for(timeout=WAIT_MS)
    assert lit.count() == 1 and lit.get_attribute("data-primitive") == "cos"
    assert (lit.get_attribute("data-id") or "").startswith(f"{region}/")
    assert g.locator(f".wb-cluster[data-region='{region}']").count() == 1  # opened for it
    canvas = g.locator("svg.wb-canvas").bounding_box()
    box = lit.bounding_box()
    assert canvas is not None and box is not None
    assert canvas["x"] <= box["x"] and box["x"] + box["width"] <= canvas["x"] + canvas["width"]
    assert canvas["y"] <= box["y"] and box["y"] + box["height"] <= canvas["y"] + canvas["height"]
    # The other view of the same widget shows it too (the highlight is synced state).
    second = page.locator(".wb-graph").last
    page.wait_for_function(
        "(el) => !!el.querySelector('.wb-node.wb-highlight[data-primitive=\"cos\"]')",
        arg=second.element_handle(),
        timeout=WAIT_MS,
    )
    _shot(page, g, "graph-highlight")
    _kernel(page, "g.highlight = []")
    page.wait_for_function(
        "(el) => el.dataset.highlighted === '0'", arg=g.element_handle(), timeout=WAIT_MS
    )


def test_no_deprecation_warning_in_the_console(page, console):
    assert page.locator(".wb-graph[data-ready]").count() >= 7
    warnings = [m for m in console if "eprecat" in m or "direct export" in m.lower()]
    assert warnings == []


# --------------------------------------------------------------------------------------------
# The trade-off explorer


def test_tradeoff_slider_redraws_the_timeline_and_answers_the_arrow_keys(page):
    ex = page.locator(".wb-tradeoffs").first
    assert ex.get_attribute("data-progress") == "4/4"
    assert (ex.locator(".wb-progress-text").text_content() or "") == "all 4 schemes computed"
    assert ex.locator("circle.wb-theory").count() == 4
    assert ex.locator("rect.wb-measured").count() == 4
    assert ex.locator(".wb-chosen").count() == 1
    before = ex.get_attribute("data-timeline") or ""
    marks = ex.locator(".wb-timeline .wb-mark").count()
    assert before.startswith("Binomial(snapshots=6)") and marks > 0
    _shot(page, ex, "tradeoffs-before")
    ex.locator("input.wb-slider").fill("2")
    page.wait_for_function(
        "([el, t]) => el.dataset.timeline !== t && el.dataset.timeline.startsWith("
        "'Binomial(snapshots=2)')",
        arg=[ex.element_handle(), before],
        timeout=WAIT_MS,
    )
    assert ex.locator(".wb-timeline .wb-mark").count() != marks
    assert "Binomial(snapshots=2)" in (ex.locator(".wb-summary").text_content() or "")
    _shot(page, ex, "tradeoffs-after")
    slider = ex.locator("input.wb-slider")
    slider.focus()
    for key, want in [("ArrowRight", 3), ("ArrowUp", 4), ("ArrowLeft", 3), ("Home", 1)]:
        page.keyboard.press(key)
        page.wait_for_function(
            "([el, s]) => el.dataset.timeline.startsWith(`Binomial(snapshots=${s})`)",
            arg=[ex.element_handle(), want],
            timeout=WAIT_MS,
        )


def test_tradeoff_labels_never_overlap_or_clip_and_bytes_go_on_a_log_axis(page):
    ex = page.locator(".wb-tradeoffs").nth(1)  # 1,000 steps, six schemes
    curve = ex.locator("svg.wb-curve")
    assert curve.get_attribute("data-y-scale") == "log"
    geo = curve.evaluate(
        """(svg) => {
          const r = (e) => { const b = e.getBoundingClientRect();
            return {x: b.left, y: b.top, w: b.width, h: b.height}; };
          return {svg: r(svg),
                  labels: [...svg.querySelectorAll('text.wb-point-label')].map(r),
                  points: [...svg.querySelectorAll('.wb-points > *')].map(r),
                  ticks: [...svg.querySelectorAll('text.wb-tick-y')].map((t) => t.textContent)};
        }"""
    )
    assert len(geo["labels"]) >= 5  # six schemes; at most one left out (named in the table)
    for i, a in enumerate(geo["labels"]):
        assert _inside(a, geo["svg"], slack=0), "a label is clipped"
        for b in geo["labels"][i + 1 :]:
            assert not _overlap(a, b), "two labels overlap"
        for p in geo["points"]:
            assert not _overlap(a, p), "a label covers a point"
    for tick in geo["ticks"]:  # round ticks: 1, 10 or 100 of a unit
        assert tick.split()[0] in {"1", "10", "100", "2", "5", "20", "50", "200", "500"}, tick
    # The timeline's marks are visible: at least 2 px wide on the page.
    widths = ex.locator(".wb-timeline rect.wb-mark").evaluate_all(
        "(rs) => rs.slice(0, 200).map((r) => r.getBoundingClientRect().width)"
    )
    assert widths and min(widths) >= 1.5
    _shot(page, ex, "tradeoffs-1000-steps")
    assert json.loads(json.dumps(geo))  # the geometry read is plain data
