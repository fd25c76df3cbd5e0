"""The ``%%reactant`` inspector in a real browser: JupyterLab on 127.0.0.1, Debian's Chromium,
driven by Playwright (never ``playwright install``: the system Chromium is used).

One JupyterLab and one page serve every test (module fixtures): the notebook is run once, then
each test looks at the rendered inspector. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

from tests.browser.lab_session import (
    ARTIFACTS,
    EVIL,
    notebook_fixtures,
    requires_chromium,
)

pytestmark = requires_chromium

WAIT_MS = 30_000  # one interaction's round trip (browser -> kernel -> browser)

CELLS = [
    # Eight CPU devices for the sharding view: set before the kernel's first computation.
    "%load_ext workbench\nimport jax, jax.numpy as jnp\n"
    'jax.config.update("jax_num_cpu_devices", 8)\nx = jnp.arange(3.0)',
    "%%reactant --grad x\ny = 2.0\njnp.sum(jnp.sin(x) * y)",
    f"evil = jax.named_scope({EVIL!r})(jnp.cos)\nEVIL = {EVIL!r}",
    "%%reactant --views result,hlo\nevil(x) * 2",
    # A program with a region (a jit call) for the graph tab and the IR links.
    "%%reactant --views result,jaxpr,hlo,graph\njnp.sum(jax.jit(jnp.cos)(jnp.sin(x) * x))",
    # An argument sharded over a 4 x 2 mesh of the eight devices.
    "from jax.sharding import NamedSharding, PartitionSpec as P\n"
    'mesh = jax.make_mesh((4, 2), ("data", "model"))\n'
    'xs = jax.device_put(jnp.arange(32.0).reshape(8, 4), NamedSharding(mesh, P("data", "model")))\n'
    "len(jax.devices())",
    "%%reactant\njnp.sum(jnp.sin(xs) * 2.0, axis=0)",
]
GRAPH = 2  # the inspector of the graph cell
SHARDED = 3  # the inspector of the sharded program


lab, console, page = notebook_fixtures(
    "inspector.ipynb",
    CELLS,
    rendered_js="() => document.querySelectorAll('.wb-inspector').length >= 4",
    what="inspectors",
)


def _inspector(page, index: int):
    return page.locator(".wb-inspector").nth(index)


def test_inspector_renders_every_view(page):
    insp = _inspector(page, 0)
    tabs = [t.get_attribute("data-view") for t in insp.locator(".wb-tab").all()]
    expected = ["result", "jaxpr", "stablehlo", "hlo", "graph", "memory", "cost", "timing", "grad"]
    assert tabs == [*expected, "compare"]
    checks = {
        "result": "Array(",
        "jaxpr": "sin",
        "stablehlo": "stablehlo.sine",
        "hlo": "HloModule",
        "memory": "Residuals:",
        "cost": "Cost (XLA)",
        "timing": "Timing:",
        "grad": "d(expression)/dx",
    }
    for name, needle in checks.items():
        insp.locator(f".wb-tab[data-view='{name}']").click()
        # The memory tab is tables (issue 24); the others are text.
        inner = "" if name == "memory" else " pre"
        view = insp.locator(f".wb-body .wb-view[data-view='{name}']{inner}")
        view.wait_for()
        assert needle in view.text_content()
        assert "wb-active" in insp.locator(f".wb-tab[data-view='{name}']").get_attribute("class")
        insp.screenshot(path=str(ARTIFACTS / f"inspector-{name}.png"))
    # The graph tab is the interactive viewer (the text outline is the fallback).
    insp.locator(".wb-tab[data-view='graph']").click()
    viewer = insp.locator(".wb-view[data-view='graph'] .wb-graph[data-ready]")
    viewer.wait_for(timeout=WAIT_MS)
    assert viewer.locator(".wb-node[data-primitive='sin']").count() >= 1
    assert viewer.locator(".wb-edge.wb-e-f").count() > 0


def _graph_tab(page, insp):
    """Shows the graph tab of ``insp``; returns the viewer once drawn."""
    insp.locator(".wb-tab[data-view='graph']").click()
    viewer = insp.locator(".wb-view[data-view='graph'] .wb-graph[data-ready]")
    viewer.wait_for(timeout=WAIT_MS)
    return viewer


def _redrawn(page, viewer, before: int) -> None:
    page.wait_for_function(
        "([el, n]) => Number(el.dataset.ready || 0) > n",
        arg=[viewer.element_handle(), before],
        timeout=WAIT_MS,
    )


def test_graph_tab_is_the_viewer_and_keeps_its_state_across_tabs(page):
    insp = _inspector(page, GRAPH)
    viewer = _graph_tab(page, insp)
    assert viewer.locator("svg.wb-canvas").count() == 1
    assert viewer.locator(".wb-node[data-primitive='sin']").count() == 1
    cluster = viewer.locator(".wb-cluster").filter(has_text="jit(cos)").first
    region = cluster.get_attribute("data-region")
    page.mouse.move(0, 0)
    insp.screenshot(path=str(ARTIFACTS / "inspector-graph.png"))
    # Collapse the jit region in the viewer.
    before = int(viewer.get_attribute("data-ready") or "0")
    cluster.locator("rect.wb-head").click()
    _redrawn(page, viewer, before)
    collapsed = f".wb-node.wb-collapsed[data-region='{region}']"
    viewer.locator(collapsed).wait_for(timeout=WAIT_MS)
    assert viewer.locator(f".wb-cluster[data-region='{region}']").count() == 0
    # Another tab and back: a fresh view of the graph tab, drawn from the synced state.
    insp.locator(".wb-tab[data-view='jaxpr']").click()
    insp.locator(".wb-view[data-view='jaxpr'] pre").wait_for()
    assert insp.locator(".wb-graph").count() == 0
    viewer = _graph_tab(page, insp)
    assert viewer.locator(collapsed).count() == 1
    assert viewer.locator(f".wb-cluster[data-region='{region}']").count() == 0
    # Expand it again: the viewer opens the region in place.
    before = int(viewer.get_attribute("data-ready") or "0")
    viewer.locator(collapsed).click()
    _redrawn(page, viewer, before)
    viewer.locator(f".wb-cluster[data-region='{region}']").wait_for(timeout=WAIT_MS)


def _select_line(insp, view: str, needle: str):
    """Clicks the first linked line of ``view`` that contains ``needle``; returns it."""
    insp.locator(f".wb-tab[data-view='{view}']").click()
    line = insp.locator(f".wb-view[data-view='{view}'] .wb-line.wb-linked").filter(has_text=needle)
    line.first.click()
    return line.first


def test_selecting_an_equation_highlights_its_node(page):
    insp = _inspector(page, GRAPH)
    line = _select_line(insp, "jaxpr", "= sin ")
    page.wait_for_function(
        "(el) => el.classList.contains('wb-selected')", arg=line.element_handle(), timeout=WAIT_MS
    )
    assert line.get_attribute("aria-selected") == "true"
    insp.screenshot(path=str(ARTIFACTS / "inspector-ir-selected.png"))
    viewer = _graph_tab(page, insp)
    lit = viewer.locator(".wb-node.wb-highlight")
    lit.first.wait_for(timeout=WAIT_MS)
    assert lit.count() == 1
    assert lit.get_attribute("data-primitive") == "sin"
    assert lit.get_attribute("data-highlight") == "true"
    # The viewport was panned so the highlighted node is in view.
    canvas = viewer.locator("svg.wb-canvas").bounding_box()
    box = lit.bounding_box()
    assert canvas is not None and box is not None
    assert canvas["x"] <= box["x"] and box["x"] + box["width"] <= canvas["x"] + canvas["width"]
    assert canvas["y"] <= box["y"] and box["y"] + box["height"] <= canvas["y"] + canvas["height"]
    page.mouse.move(0, 0)
    insp.screenshot(path=str(ARTIFACTS / "inspector-ir-highlight.png"))
    # Pan it out of sight; selecting the same line again brings it back into view.
    start = (canvas["x"] + 40, canvas["y"] + 40)
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(start[0] + 900, start[1] + 500, steps=8)
    page.mouse.up()
    moved = lit.bounding_box()
    assert moved is not None and moved["x"] > canvas["x"] + canvas["width"] - 10
    _select_line(insp, "jaxpr", "= sin ")
    viewer = _graph_tab(page, insp)
    lit = viewer.locator(".wb-node.wb-highlight")
    lit.first.wait_for(timeout=WAIT_MS)
    box = lit.bounding_box()
    assert box is not None
    assert canvas["x"] <= box["x"] and box["x"] + box["width"] <= canvas["x"] + canvas["width"]


def test_selecting_an_equation_inside_a_collapsed_region_opens_it(page):
    insp = _inspector(page, GRAPH)
    viewer = _graph_tab(page, insp)
    cluster = viewer.locator(".wb-cluster").filter(has_text="jit(cos)").first
    region = cluster.get_attribute("data-region")
    before = int(viewer.get_attribute("data-ready") or "0")
    cluster.locator("rect.wb-head").click()
    _redrawn(page, viewer, before)
    viewer.locator(f".wb-node.wb-collapsed[data-region='{region}']").wait_for(timeout=WAIT_MS)
    # The cos inside the jit call's jaxpr, in the jaxpr view; then the graph tab.
    _select_line(insp, "jaxpr", "= cos ")
    viewer = _graph_tab(page, insp)
    lit = viewer.locator(".wb-node.wb-highlight[data-primitive='cos']")
    lit.wait_for(timeout=WAIT_MS)
    assert viewer.locator(f".wb-cluster[data-region='{region}']").count() == 1  # opened
    assert (lit.get_attribute("data-id") or "").startswith(f"{region}/")


def test_keyboard_and_hlo_lines_select_too(page):
    insp = _inspector(page, GRAPH)
    insp.locator(".wb-tab[data-view='jaxpr']").click()
    first = insp.locator(".wb-view[data-view='jaxpr'] .wb-line.wb-linked").first
    first.click()  # selects it, and focuses it for the keys
    page.wait_for_function(
        "(el) => el.classList.contains('wb-selected')", arg=first.element_handle(), timeout=WAIT_MS
    )
    page.keyboard.press("ArrowDown")
    second = insp.locator(".wb-view[data-view='jaxpr'] .wb-line.wb-linked").nth(1)
    page.wait_for_function(
        "(el) => el.classList.contains('wb-selected')", arg=second.element_handle(), timeout=WAIT_MS
    )
    assert "wb-selected" not in (first.get_attribute("class") or "")
    # An optimized-HLO instruction (the cosine XLA emits for the jit call's cos).
    _select_line(insp, "hlo", " cosine(")
    viewer = _graph_tab(page, insp)
    lit = viewer.locator(".wb-node.wb-highlight")
    lit.first.wait_for(timeout=WAIT_MS)
    assert {lit.nth(i).get_attribute("data-primitive") for i in range(lit.count())} == {"cos"}


def test_ir_is_highlighted(page):
    insp = _inspector(page, 0)
    insp.locator(".wb-tab[data-view='stablehlo']").click()
    pre = insp.locator(".wb-view[data-view='stablehlo'] pre")
    assert pre.locator("span.tok-op").count() > 0
    assert pre.locator("span.tok-type").count() > 0


def test_compare_two_stages_side_by_side(page):
    insp = _inspector(page, 0)
    insp.locator(".wb-tab[data-view='compare']").click()
    grid = insp.locator(".wb-compare")
    grid.wait_for()
    left = grid.locator(".wb-view").nth(0)
    right = grid.locator(".wb-view").nth(1)
    assert left.get_attribute("data-view") == "jaxpr"
    assert right.get_attribute("data-view") == "grad"
    insp.locator("select.wb-compare-right").select_option("hlo")
    insp.locator(".wb-compare .wb-view[data-view='hlo']").wait_for()
    insp.locator("select.wb-compare-left").select_option("stablehlo")
    insp.locator(".wb-compare .wb-view[data-view='stablehlo']").wait_for()
    lbox, rbox = left.bounding_box(), right.bounding_box()
    assert lbox is not None and rbox is not None
    assert lbox["x"] + lbox["width"] <= rbox["x"] + 1  # side by side, left first
    box = insp.bounding_box()
    assert box is not None and rbox["x"] + rbox["width"] <= box["x"] + box["width"] + 1
    assert "stablehlo.sine" in left.text_content() and "HloModule" in right.text_content()
    insp.screenshot(path=str(ARTIFACTS / "inspector-compare.png"))


def test_scope_names_show_as_text_and_run_nothing(page):
    insp = _inspector(page, 1)
    insp.locator(".wb-tab[data-view='hlo']").click()
    pre = insp.locator(".wb-view[data-view='hlo'] pre")
    pre.wait_for()
    assert EVIL in pre.text_content()
    assert page.locator(".jp-Notebook img[src='x']").count() == 0
    assert page.evaluate("window.__pwned") is None
    insp.screenshot(path=str(ARTIFACTS / "inspector-escaped-scope.png"))


def test_sharding_tab_draws_a_grid_of_blocks_per_array(page):
    insp = _inspector(page, SHARDED)
    tabs = [t.get_attribute("data-view") for t in insp.locator(".wb-tab").all()]
    assert "sharding" in tabs and tabs.index("sharding") == tabs.index("graph") + 1
    insp.locator(".wb-tab[data-view='sharding']").click()
    view = insp.locator(".wb-view.wb-sharding[data-view='sharding']")
    view.wait_for(timeout=WAIT_MS)
    card = view.locator(".wb-arrays[data-kind='arguments'] .wb-array[data-name='xs']")
    grid = card.locator("svg.wb-grid")
    # 8 x 4 over a 4 x 2 mesh: 4 row blocks of 2 rows, 2 column blocks of 2 columns, one device
    # each, every device once.
    assert grid.get_attribute("data-blocks") == "8"
    blocks = grid.locator("g.wb-block")
    assert blocks.count() == 8
    held = sorted(blocks.nth(i).get_attribute("data-devices") for i in range(8))
    assert held == [str(d) for d in range(8)]
    labels = sorted(grid.locator("text").all_text_contents())
    assert labels == [str(d) for d in range(8)]
    # Blocks are sized by their boundaries: equal blocks, laid out 4 down and 2 across.
    boxes = [blocks.nth(i).locator("rect").bounding_box() for i in range(8)]
    assert (
        len({round(b["width"]) for b in boxes}) == 1
        and len({round(b["height"]) for b in boxes}) == 1
    )
    assert len({round(b["x"]) for b in boxes}) == 2 and len({round(b["y"]) for b in boxes}) == 4
    # The 1-D output, sharded over "model" (2 devices per block): its 2 blocks run across.
    out = view.locator(".wb-arrays[data-kind='outputs'] .wb-array svg.wb-grid g.wb-block")
    assert out.count() == 2
    oboxes = [out.nth(i).locator("rect").bounding_box() for i in range(2)]
    assert oboxes[0]["y"] == oboxes[1]["y"] and oboxes[0]["x"] < oboxes[1]["x"]
    assert [out.nth(i).get_attribute("data-devices") for i in range(2)] == ["0,2,4,6", "1,3,5,7"]
    assert view.locator("table.wb-collectives tbody tr").count() >= 1
    assert view.locator("table.wb-memory tbody tr").count() == 1
    page.mouse.move(0, 0)
    insp.screenshot(path=str(ARTIFACTS / "inspector-sharding.png"))


def test_grad_shows_the_gradients_graph_and_memory_forward_and_backward(page):
    insp = _inspector(page, 0)  # %%reactant --grad x
    viewer = _graph_tab(page, insp)
    page.wait_for_function(
        "(el) => el.dataset.settled === 'true'", arg=viewer.element_handle(), timeout=WAIT_MS
    )
    for phase in ("forward", "backward"):
        assert viewer.locator(f".wb-node[data-phase='{phase}']").count() > 0
    for kind in "fbr":
        assert viewer.locator(f".wb-edges path.wb-edge.wb-e-{kind}").count() > 0
    page.mouse.move(0, 0)
    insp.screenshot(path=str(ARTIFACTS / "inspector-grad-graph.png"))
    # "backward only": the backward pass, in view, its boxes connected (no loose boxes).
    viewer.locator("button.wb-edges-mode[data-edges='backward']").click()
    canvas = viewer.locator("svg.wb-canvas").bounding_box()
    backward = viewer.locator(".wb-node[data-phase='backward'] rect").all()
    for rect in backward:
        b = rect.bounding_box()
        assert b and canvas["x"] - 1 <= b["x"] <= canvas["x"] + canvas["width"]
        assert canvas["y"] - 1 <= b["y"] <= canvas["y"] + canvas["height"]
    ends = set()
    for group in viewer.locator(".wb-edges .wb-edge-group.wb-e-b").all():
        ends |= {group.get_attribute("data-from"), group.get_attribute("data-to")}
    keys = {
        n.get_attribute("data-key") for n in viewer.locator(".wb-node[data-phase='backward']").all()
    }
    assert keys <= ends
    insp.screenshot(path=str(ARTIFACTS / "inspector-grad-backward-only.png"))
    viewer.locator("button.wb-edges-mode[data-edges='both']").click()
    insp.locator(".wb-tab[data-view='memory']").click()
    memory_view = insp.locator(".wb-view[data-view='memory']")
    memory = memory_view.text_content() or ""
    assert "Residuals:" in memory and "no backward pass" not in memory
    # A table: a row per residual (value, bytes, where it came from), XLA's notes in full.
    rows = memory_view.locator("table.wb-residuals tbody tr")
    assert rows.count() >= 1 and "cell [" in (rows.first.text_content() or "")
    for note in memory_view.locator(".wb-mem-note").all():
        box = note.bounding_box() or {}
        assert box.get("width", 0) <= (memory_view.bounding_box() or {}).get("width", 0) + 1


def test_grad_view_lines_link_to_the_gradients_graph(page):
    insp = _inspector(page, 0)
    line = _select_line(insp, "grad", "= cos ")
    page.wait_for_function(
        "(el) => el.classList.contains('wb-selected')", arg=line.element_handle(), timeout=WAIT_MS
    )
    viewer = _graph_tab(page, insp)
    lit = viewer.locator(".wb-node.wb-highlight")
    lit.first.wait_for(timeout=WAIT_MS)
    assert {lit.nth(i).get_attribute("data-primitive") for i in range(lit.count())} == {"cos"}


def test_no_deprecation_warning_in_the_console(page, console):
    assert page.locator(".wb-inspector").count() >= 4
    assert [m for m in console if "eprecat" in m or "direct export" in m.lower()] == []
