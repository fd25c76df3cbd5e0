"""Where a NaN is made, seen in a real browser (issue 16, item 2): ``wb.graph(..., nans=True)``
marks the node that made the NaN, the node that made the inf it met, their way to the output and
the residual edge that carried the inf; ``%%reactant --grad x --nans`` renders its NaN-origin tab,
whose button opens the graph tab on the marked node. JupyterLab on 127.0.0.1, Debian's Chromium
driven by Playwright (never ``playwright install``). Screenshots go to ``test-artifacts/``.

Oracles: the graph model the Python side built (ids, primitives, the edge kinds), read back from
the same kernel; geometry from the DOM.
"""

from __future__ import annotations

import json

from tests.browser.lab_session import ARTIFACTS, notebook_fixtures, requires_chromium
from tests.graph_programs import SOURCE, nan_cell

pytestmark = requires_chromium

WAIT_MS = 30_000

CELLS = [
    "%load_ext workbench\n" + SOURCE,
    nan_cell("g"),
    # What the Python side marked, printed for the test to read back.
    "import json\nprint('MARKS=' + json.dumps(g.marks))",
    "x = jnp.array([0.0, 1.0, 4.0])",
    "%%reactant --grad x --nans\njnp.sum(jnp.where(x > 0, jnp.sqrt(x), 0.0))",
]


lab, console, page = notebook_fixtures(
    "nans.ipynb",
    CELLS,
    rendered_js="() => document.querySelector('.wb-graph[data-engine]') !== null && "
    "document.querySelector('.wb-inspector') !== null && "
    "[...document.querySelectorAll('.jp-OutputArea-output')].some("
    "o => o.innerText.includes('MARKS='))",
    what="the marked graph and the inspector",
)


def _marks(page):
    text = page.locator(".jp-OutputArea-output", has_text="MARKS=").first.inner_text()
    return json.loads(text.split("MARKS=", 1)[1].strip().splitlines()[0])


def _in_view(page, element, canvas) -> None:
    box, frame = element.bounding_box(), canvas.bounding_box()
    assert box and frame
    for x, w in (("x", "width"), ("y", "height")):
        assert frame[x] - 1 <= box[x] and box[x] + box[w] <= frame[x] + frame[w] + 1


def test_the_origin_its_source_and_their_way_are_marked_and_in_view(page):
    marks = _marks(page)
    g = page.locator(".wb-graph").first
    page.wait_for_function(
        "(el) => Number(el.dataset.nanMarked || 0) > 0", arg=g.element_handle(), timeout=WAIT_MS
    )
    origin = g.locator(".wb-node.wb-nan-origin")
    assert origin.count() == 1
    assert origin.get_attribute("data-id") == marks["origin"]
    assert origin.get_attribute("data-primitive") == "mul"
    assert origin.get_attribute("data-phase") == "backward"
    source = g.locator(".wb-node.wb-nan-source")
    assert source.count() == 1 and source.get_attribute("data-id") == marks["source"]
    # Every node on the way is a marked box; every edge on the way a marked, drawn edge.
    marked = {el.get_attribute("data-id") for el in g.locator(".wb-node.wb-nan-path").all()}
    assert marked == set(marks["nodes"])
    assert g.locator(".wb-edges > .wb-edge-group.wb-nan-edge").count() == len(marks["edges"])
    residual = g.locator(".wb-edges > .wb-edge-group.wb-nan-residual")
    assert residual.count() == len(marks["residual"]) == 1
    assert "wb-e-r" in (residual.get_attribute("class") or "")
    # The boxes say what was made there, inside the box; the view opened on the origin.
    assert "NaN made here (mul, backward)" in (origin.locator("text.wb-sub").text_content() or "")
    assert "inf made here" in (source.locator("text.wb-sub").text_content() or "")
    canvas = g.locator("svg.wb-canvas")
    _in_view(page, origin, canvas)
    assert g.locator(".wb-legend-item[data-role='nan']").is_visible()
    # The marked edges are drawn in the marks' colour, wider than the others.
    widths = page.evaluate(
        """(el) => [...el.querySelectorAll('.wb-edges > .wb-edge-group')].map(g => [
            g.classList.contains('wb-nan-edge'),
            parseFloat(getComputedStyle(g.querySelector('path.wb-edge')).strokeWidth)])""",
        g.element_handle(),
    )
    on = [w for m, w in widths if m]
    off = [w for m, w in widths if not m]
    assert on and off and min(on) > max(off)
    g.screenshot(path=str(ARTIFACTS / "nans-graph-marked.png"))


def test_the_inspectors_nan_tab_renders_and_opens_the_graph_on_the_origin(page):
    insp = page.locator(".wb-inspector").first
    tabs = [t.get_attribute("data-view") for t in insp.locator(".wb-tab").all()]
    assert tabs[:2] == ["result", "nans"]
    insp.locator(".wb-tab[data-view='nans']").click()
    card = insp.locator(".wb-view.wb-nans")
    card.wait_for(timeout=WAIT_MS)
    assert card.get_attribute("data-found") == "true"
    text = card.inner_text().lower()
    assert "derivative of x" in text and "backward" in text
    assert "double where" in text and "verified" in text
    assert "cell [" in text  # the user's cell, not IPython's file name
    card.screenshot(path=str(ARTIFACTS / "nans-inspector-tab.png"))
    insp.locator("button.wb-nans-show").click()
    g = insp.locator(".wb-graph")
    g.wait_for(timeout=WAIT_MS)
    page.wait_for_function(
        "(el) => el.querySelector('.wb-node.wb-nan-origin') !== null",
        arg=g.element_handle(),
        timeout=WAIT_MS,
    )
    assert insp.locator(".wb-tab.wb-active").get_attribute("data-view") == "graph"
    origin = g.locator(".wb-node.wb-nan-origin")
    assert origin.get_attribute("data-phase") == "backward"
    _in_view(page, origin, g.locator("svg.wb-canvas"))
    assert g.locator(".wb-edges > .wb-edge-group.wb-nan-residual").count() >= 1
    g.screenshot(path=str(ARTIFACTS / "nans-inspector-graph.png"))


def test_arrays_are_drawn_by_treescope_in_the_result_and_gradient_tabs(page):
    """Issue 16, item 4: the result's and the gradient's arrays as treescope draws them, in a
    sandboxed frame sized to its content."""
    insp = page.locator(".wb-inspector").first
    for tab in ("result", "grad"):
        insp.locator(f".wb-tab[data-view='{tab}']").click()
        frame_el = insp.locator(f".wb-view[data-view='{tab}'] iframe.wb-arrays")
        frame_el.wait_for(timeout=WAIT_MS)
        assert frame_el.get_attribute("sandbox") == "allow-scripts"  # no access to the page
        page.wait_for_function(
            "(el) => el.dataset.drawn === 'true'", arg=frame_el.element_handle(), timeout=WAIT_MS
        )
        assert frame_el.bounding_box()["height"] > 30
        frame = frame_el.element_handle().content_frame()
        frame.wait_for_selector("treescope-container", state="attached", timeout=WAIT_MS)
        insp.screenshot(path=str(ARTIFACTS / f"nans-inspector-{tab}-arrays.png"))
    # The gradient at x = 0 is NaN (sqrt's derivative met the where): treescope's summary says.
    text = frame.evaluate(
        "() => [...document.querySelectorAll('treescope-container')]"
        ".map(c => c.shadowRoot ? c.shadowRoot.textContent : c.textContent).join(' ')"
    )
    assert "nan" in text.lower()
