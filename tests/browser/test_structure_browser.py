"""The model's own structure in a real browser (issue 24 item 2): a 12-layer model written as
plain functions (``tests/graph_programs.py``, ``transformer``: ``block(h, p)`` calls
``attention(h, p)``) is drawn grouped by the user's functions, its first view a few legible
boxes with the 12 layers folded into one box that says x12; opened level by level, every level
is drawn without overlaps or edges through boxes (``test_graph_browser.check_geometry``), and
search finds the functions by name.
"""

from __future__ import annotations

from tests import graph_programs
from tests.browser.lab_session import ARTIFACTS, notebook_fixtures, requires_chromium
from tests.browser.test_graph_browser import GEOMETRY_JS, _fit, _ready, check_geometry

pytestmark = requires_chromium

WAIT_MS = 60_000
MAX_FIRST_BOXES = 40
MIN_TEXT_PX = 8

CELLS = [graph_programs.SOURCE, graph_programs.cell("blocks12", "g")]

lab, console, page = notebook_fixtures(
    "structure.ipynb",
    CELLS,
    rendered_js="() => document.querySelector('.wb-graph[data-settled=\"true\"]')",
    what="12-layer model's graph",
    default_timeout_ms=WAIT_MS,
)


def _open(page, g, label: str) -> None:
    """Clicks the closed box labelled ``label`` and waits for the new drawing."""
    before = _ready(g)
    box = g.locator(".wb-node.wb-collapsed").filter(has_text=label).first
    box.click()
    page.wait_for_function(
        "([el, n]) => Number(el.dataset.ready || 0) > n && el.dataset.settled === 'true'",
        arg=[g.element_handle(), before],
        timeout=WAIT_MS,
    )


def _check_level(page, g, name: str) -> dict:
    _fit(page, g)
    geo = page.evaluate(GEOMETRY_JS, g.element_handle())
    counts = check_geometry(geo)
    g.screenshot(path=str(ARTIFACTS / f"structure-{name}.png"))
    return {"geo": geo, **counts}


def test_first_view_is_the_models_functions_with_the_layers_folded(page):
    g = page.locator(".wb-graph").first
    assert int(g.get_attribute("data-nodes") or "0") > 1500
    level = _check_level(page, g, "first-view")
    assert level["boxes"] <= MAX_FIRST_BOXES, f"{level['boxes']} boxes in the first view"
    # Legible at fit: every box's text at least 8 px high on the screen.
    scale = float(g.get_attribute("data-scale") or "0")
    fonts = [b["font"] for b in level["geo"]["boxes"]]
    assert all(fonts) and min(fonts) * scale >= MIN_TEXT_PX, f"text {min(fonts) * scale:.1f} px"
    labels = g.locator(".wb-node").all_text_contents()
    assert any("block" in t and "\u00d712" in t for t in labels), labels
    assert any("block (backward)" in t and "\u00d712" in t for t in labels), labels
    assert any(t.startswith("\u25b8 params") for t in labels), labels


def test_every_level_opened_is_drawn_cleanly_and_names_the_users_functions(page):
    g = page.locator(".wb-graph").first
    _open(page, g, "block \u00d712")  # the first call of block: its functions inside
    level = _check_level(page, g, "block-opened")
    texts = " ".join(g.locator(".wb-node, .wb-cluster").all_text_contents())
    assert "attention" in texts and "block \u00d711" in texts
    _open(page, g, "attention")  # and attention's ops
    level = _check_level(page, g, "attention-opened")
    assert level["clusters"] >= 2
    ops = g.locator(".wb-node[data-primitive='dot_general']")
    assert ops.count() >= 5  # attention's products: q, k, v, scores, values, out
    _open(page, g, "params")  # the arguments, by their Python paths
    _check_level(page, g, "params-opened")
    names = g.locator(".wb-node[data-kind='argument']").all_text_contents()
    assert any("params[0]['wq']" in t for t in names), names[:5]


def test_search_finds_the_users_functions(page):
    g = page.locator(".wb-graph").first
    search = g.locator("input.wb-search")
    search.fill("attention")
    search.press("Enter")
    page.wait_for_function(
        "(el) => Number(el.dataset.matches || 0) >= 24", arg=g.element_handle(), timeout=WAIT_MS
    )
    assert g.locator(".wb-match").count() >= 1
    search.fill("")
