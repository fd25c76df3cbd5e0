"""The graph viewer and the trade-off explorer in a real browser: JupyterLab on 127.0.0.1, Debian's
Chromium, driven by Playwright (never ``playwright install``: the system Chromium is used).

One JupyterLab and one page serve every test (module fixtures), as in
``test_inspector_browser.py``: the notebook is run once, then each test works the widgets. Every
wait is on a condition with a bounded timeout. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import pytest

from tests.browser.lab_session import (
    ARTIFACTS,
    EVIL,
    jupyter_lab,
    notebook_page,
    requires_chromium,
)

WAIT_MS = 30_000  # one interaction's round trip (browser -> kernel -> browser)

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
    # No scopes, 244 nodes: drawn expanded, and its residual edges (from each forward layer to
    # its backward layer) span too many ranks for dagre: the layered layout.
    "def chain(x):\n"
    "    for _ in range(30):\n"
    "        x = jnp.tanh(x * 1.01 + 0.1)\n"
    "    return jnp.sum(x)\n"
    "wb.graph(chain, jnp.ones(4), mode=wb.Reverse)",
    "g  # a second view of the same widget: a re-render",
]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("lab")
    with jupyter_lab(root, "graph.ipynb", CELLS) as served:
        yield served, root


@pytest.fixture(scope="module")
def page(lab):
    served, root = lab
    with notebook_page(
        served,
        root,
        "graph.ipynb",
        rendered_js="""() => document.querySelectorAll('.wb-graph[data-ready]').length >= 4
          && document.querySelector('.wb-tradeoffs[data-rows="4"]')""",
        what="widgets",
        default_timeout_ms=WAIT_MS,
    ) as pg:
        yield pg


def _graph(page, index: int = 0):
    return page.locator(".wb-graph").nth(index)


def _ready(widget) -> int:
    return int(widget.get_attribute("data-ready") or "0")


def _wait_redrawn(page, widget, before: int) -> None:
    handle = widget.element_handle()
    page.wait_for_function(
        "([el, n]) => Number(el.dataset.ready || 0) > n", arg=[handle, before], timeout=WAIT_MS
    )


def test_graph_draws_nodes_regions_and_three_kinds_of_edges(page):
    g = _graph(page)
    assert g.locator(".wb-node[data-id='main/0']").get_attribute("data-primitive") == "sin"
    for kind in "fbr":
        assert g.locator(f".wb-edge.wb-e-{kind}").count() > 0
    labels = g.locator(".wb-cluster text").all_text_contents()
    assert any("block" in t for t in labels) and any("jit(cos)" in t for t in labels)
    assert g.locator(".wb-node text.wb-bytes").count() > 0  # residual bytes on their producers
    g.screenshot(path=str(ARTIFACTS / "graph-expanded.png"))


def test_region_collapses_and_expands_and_the_state_survives_a_rerender(page):
    g = _graph(page)
    cluster = g.locator(".wb-cluster").filter(has_text="jit(cos)").first
    region = cluster.get_attribute("data-region")
    before = _ready(g)
    cluster.locator("rect.wb-head").click()
    _wait_redrawn(page, g, before)
    collapsed = g.locator(f".wb-node.wb-collapsed[data-region='{region}']")
    collapsed.wait_for(state="visible", timeout=WAIT_MS)
    assert g.locator(f".wb-cluster[data-region='{region}']").count() == 0
    page.mouse.move(0, 0)
    g.screenshot(path=str(ARTIFACTS / "graph-collapsed.png"))
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


def test_hover_shows_primitive_shapes_dtypes_and_source(page):
    g = _graph(page)
    g.locator(".wb-node[data-id='main/0']").hover()
    tip = g.locator(".wb-tooltip")
    tip.wait_for(state="visible", timeout=WAIT_MS)
    text = tip.text_content() or ""
    assert text.startswith("sin") and "f64[3]" in text and "phase: forward" in text
    source = text.split("source: ", 1)[1].splitlines()[0]
    assert source.endswith(":4:12 (loss)")  # the cell's `y = jnp.sin(x) * x`
    g.screenshot(path=str(ARTIFACTS / "graph-hover.png"))
    page.mouse.move(0, 0)


@pytest.mark.parametrize(
    ("mode", "shown", "hidden"), [("forward", "f", "b"), ("backward", "b", "f"), ("both", "r", "")]
)
def test_edge_toggle_shows_one_pass_or_both(page, mode, shown, hidden):
    g = _graph(page)
    g.locator(f"button.wb-edges-mode[data-edges='{mode}']").click()
    page.wait_for_function(
        "([el, m]) => el.dataset.edges === m", arg=[g.element_handle(), mode], timeout=WAIT_MS
    )
    assert g.locator(f".wb-edge.wb-e-{shown}").first.is_visible()
    if hidden:
        assert not g.locator(f".wb-edge.wb-e-{hidden}").first.is_visible()
    assert "wb-active" in (g.locator(f"button[data-edges='{mode}']").get_attribute("class") or "")
    g.screenshot(path=str(ARTIFACTS / f"graph-edges-{mode}.png"))


def test_search_highlights_matches(page):
    g = _graph(page)
    g.locator("input.wb-search").fill("cos")
    page.wait_for_function(
        "(el) => Number(el.dataset.matches || 0) > 0", arg=g.element_handle(), timeout=WAIT_MS
    )
    assert g.locator(".wb-node.wb-match").count() >= 1
    assert "match" in (g.locator(".wb-matches").text_content() or "")
    g.screenshot(path=str(ARTIFACTS / "graph-search.png"))
    g.locator("input.wb-search").fill("")
    page.wait_for_function(
        "(el) => el.dataset.matches === '0'", arg=g.element_handle(), timeout=WAIT_MS
    )


def test_pan_and_zoom_move_the_viewport(page):
    g = _graph(page)
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


def test_tradeoff_slider_redraws_the_timeline(page):
    ex = page.locator(".wb-tradeoffs").first
    assert ex.get_attribute("data-progress") == "4/4"
    assert ex.locator("circle.wb-theory").count() == 4
    assert ex.locator("rect.wb-measured").count() == 4
    assert ex.locator(".wb-chosen").count() == 1
    before = ex.get_attribute("data-timeline") or ""
    marks = ex.locator(".wb-timeline .wb-mark").count()
    assert before.startswith("Binomial(snapshots=6)") and marks > 0
    ex.screenshot(path=str(ARTIFACTS / "tradeoffs-before.png"))
    ex.locator("input.wb-slider").fill("2")
    page.wait_for_function(
        "([el, t]) => el.dataset.timeline !== t && el.dataset.timeline.startsWith("
        "'Binomial(snapshots=2)')",
        arg=[ex.element_handle(), before],
        timeout=WAIT_MS,
    )
    assert ex.locator(".wb-timeline .wb-mark").count() != marks
    assert "Binomial(snapshots=2)" in (ex.locator(".wb-summary").text_content() or "")
    ex.screenshot(path=str(ARTIFACTS / "tradeoffs-after.png"))


def test_evil_scope_name_shows_as_text_and_runs_nothing(page):
    g = _graph(page, 1)
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
    g.screenshot(path=str(ARTIFACTS / "graph-evil-scope.png"))


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


def test_highlight_from_python_opens_its_region_marks_the_node_and_pans(page):
    g = _graph(page)
    g.locator("button.wb-fit").click()  # earlier tests panned and zoomed
    cluster = g.locator(".wb-cluster").filter(has_text="jit(cos)").first
    region = cluster.get_attribute("data-region")
    before = _ready(g)
    cluster.locator("rect.wb-head").click()
    _wait_redrawn(page, g, before)
    g.locator(f".wb-node.wb-collapsed[data-region='{region}']").wait_for(timeout=WAIT_MS)
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
    page.mouse.move(0, 0)
    g.screenshot(path=str(ARTIFACTS / "graph-highlight.png"))
    _kernel(page, "g.highlight = []")
    page.wait_for_function(
        "(el) => el.dataset.highlighted === '0'", arg=g.element_handle(), timeout=WAIT_MS
    )


# For every drawn edge: its number of segments (path commands after the first "M"), and whether a
# point sampled along it (every 3 px) lies inside a node's box other than at its ends.
EDGES_JS = """(el) => {
  const boxes = [...el.querySelectorAll('.wb-node')].map((g) => {
    const m = g.transform.baseVal.consolidate().matrix;
    const r = g.querySelector('rect');
    return [m.e, m.f, m.e + r.width.baseVal.value, m.f + r.height.baseVal.value];
  });
  return [...el.querySelectorAll('path.wb-edge')].map((p) => {
    const segments = (p.getAttribute('d').match(/[LQC]/g) || []).length;
    const length = p.getTotalLength();
    let crosses = false;
    for (let s = 0; s <= length && !crosses; s += 3) {
      const q = p.getPointAtLength(s);
      crosses = boxes.some(([x0, y0, x1, y1]) =>
        q.x > x0 + 2 && q.x < x1 - 2 && q.y > y0 + 2 && q.y < y1 - 2);
    }
    return { kind: p.classList.contains('wb-e-r') ? 'r' : 'other', segments, crosses };
  });
}"""


def test_layered_layout_routes_long_edges_around_the_boxes(page):
    g = _graph(page, 2)
    assert g.get_attribute("data-engine") == "layered" and g.get_attribute("data-nodes") == "244"
    edges = page.evaluate(EDGES_JS, g.element_handle())
    # A straight line from a forward layer to its backward layer would cross every box between
    # (the chain is one column): such edges are bent, and no edge runs through a box.
    assert any(e["kind"] == "r" and e["segments"] > 1 for e in edges)
    assert [e for e in edges if e["crosses"]] == []
    g.locator("button.wb-fit").click()
    g.screenshot(path=str(ARTIFACTS / "graph-layered-long-edges.png"))
