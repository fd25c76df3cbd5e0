"""The model's own structure in a real browser (issue 24 item 2): a 12-layer model written as
plain functions (``tests/graph_programs.py``, ``transformer``: ``block(h, p)`` calls
``attention(h, p)``) is drawn grouped by the user's functions, its first view a few legible
boxes with the 12 layers folded into one box that says x12; opened level by level, every level
is drawn without overlaps or edges through boxes (``test_graph_browser.check_geometry``), and
search finds the functions by name; with four layers open, each pass runs one way (no
zig-zag). A 50-step ``wb.fori_loop`` with ``Binomial(4)`` (item 3) is one loop box per pass that
says 50 and its scheme; Revolve's schedule is inside it.
"""

from __future__ import annotations

import re
from itertools import pairwise

from tests import graph_programs
from tests.browser.lab_session import ARTIFACTS, notebook_fixtures, requires_chromium
from tests.browser.test_graph_browser import GEOMETRY_JS, _fit, _kernel, _ready, check_geometry

pytestmark = requires_chromium

WAIT_MS = 60_000
MAX_FIRST_BOXES = 40
MIN_TEXT_PX = 8
COLUMN = 0.5  # a pass's open blocks: centres within this part of a block's width

LOOP_CELL = (
    "def looped(x):\n"
    "    body = lambda i, y: jnp.sin(y) * x\n"
    "    return jnp.sum(wb.fori_loop(0, 50, body, x, checkpointing=wb.Binomial(4)))\n"
    "gl = wb.graph(looped, jnp.ones(3), mode=wb.Reverse)\ngl"
)
CELLS = [graph_programs.SOURCE, graph_programs.cell("blocks12", "g"), LOOP_CELL]

lab, console, page = notebook_fixtures(
    "structure.ipynb",
    CELLS,
    rendered_js="() => document.querySelectorAll('.wb-graph[data-settled=\"true\"]').length >= 2",
    what="12-layer model's graph",
    default_timeout_ms=WAIT_MS,
)


def _open(page, g, label: str, but: str | None = None) -> None:
    """Clicks the closed box labelled ``label`` (and not ``but``) and waits for the new
    drawing."""
    before = _ready(g)
    box = g.locator(".wb-node.wb-collapsed").filter(has_text=label)
    if but:
        box = box.filter(has_not_text=but)
    box = box.first
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
    assert any(re.search(r"params\[\d+\]\['wq'\]", t) for t in names), names[:5]


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


def test_a_checkpointed_loop_is_one_box_with_its_count_and_scheme(page):
    g = page.locator(".wb-graph").nth(1)
    _check_level(page, g, "loop-first-view")
    loops = g.locator(".wb-node.wb-collapsed[data-kind='loop']")
    texts = loops.all_text_contents()
    forward = [t for t in texts if "(backward)" not in t]
    assert len(forward) == 1 and "\u00d750" in forward[0] and "Binomial(4)" in forward[0], texts
    assert len(texts) == 2  # and its reversal, in the backward pass
    # The schedule is not the first thing seen: no sweep, no loop of the schedule's counts.
    labels = g.locator(".wb-node > text:first-of-type, .wb-cluster .wb-head-title")
    shown = " | ".join(labels.all_text_contents())
    assert "revolve" not in shown and "\u00d720" not in shown and "internals" not in shown, shown
    # The schedule is its detail: opened, Revolve's sweep (loops of 20, 16, 9, 4 steps).
    _open(page, g, "\u00d750", but="backward")
    _check_level(page, g, "loop-opened")
    inner = " ".join(g.locator(".wb-cluster .wb-head-title, .wb-node").all_text_contents())
    assert "\u00d720" in inner, inner[:300]


def test_a_click_on_a_residual_edge_selects_it_and_its_ends(page):
    """Issue 24 item 4: clicking a residual edge did nothing. A redraw between the two clicks
    (here: a region hidden in a closed one opened, which draws the same boxes again) keeps
    the selection, so the second click unselects it (it once selected it again: flaky)."""
    g = page.locator(".wb-graph").nth(1)
    g.locator("button.wb-collapse-all").click()
    # The collapse's own drawing: the click starts it (wb-busy) before it returns.
    page.wait_for_function(
        "(el) => el.dataset.settled === 'true' && !el.querySelector('.wb-cluster')"
        " && !el.querySelector('.wb-frame.wb-busy')",
        arg=g.element_handle(),
        timeout=WAIT_MS,
    )
    edge = g.locator(".wb-edge-group.wb-e-r").first
    edge_id = edge.get_attribute("data-edge")
    edge.locator("path.wb-edge-hit").dispatch_event("click")
    assert g.get_attribute("data-selected-edge") == edge_id
    assert g.locator(".wb-edge-group.wb-selected").count() >= 1
    assert g.locator(".wb-node.wb-selected").count() == 2  # both ends
    words = g.locator(".wb-selection").text_content() or ""
    assert words.startswith("residual") and "loop" in words, words
    g.screenshot(path=str(ARTIFACTS / "structure-residual-selected.png"))
    before = _ready(g)
    _kernel(
        page, "gl.expanded = [r.id for r in gl.model.regions if r.parent not in (None, 'main')][:1]"
    )
    page.wait_for_function(
        "([el, n]) => Number(el.dataset.ready || 0) > n && el.dataset.settled === 'true'",
        arg=[g.element_handle(), before],
        timeout=WAIT_MS,
    )
    assert g.get_attribute("data-selected-edge") == edge_id  # kept by the redraw
    assert g.locator(".wb-node.wb-selected").count() == 2
    edge.locator("path.wb-edge-hit").dispatch_event("click")  # again: unselected
    assert g.get_attribute("data-selected-edge") == ""
    assert g.locator(".wb-selected").count() == 0


# The centres (screen px) of the open top-level regions of a pass, by region id.
CENTRES_JS = """([el, phase]) => Object.fromEntries(
  [...el.querySelectorAll(`.wb-cluster[data-phase="${phase}"][data-parent=""]`)].map((c) => {
    const r = c.querySelector('rect.wb-box').getBoundingClientRect();
    return [c.dataset.region, [r.x + r.width / 2, r.y + r.height / 2, r.width]];
  }))"""


def test_open_layers_run_one_way_in_each_pass(page):
    """Issue 24: the forward pass zig-zagged (layer 1 right, layer 2 left), and then, with
    several layers open, stepped a whole layer's width aside per layer (a diagonal staircase:
    each layer's residuals ran down past the next layers, which made way for them). With four
    blocks open in each pass, the forward blocks go down the layout in program order, the
    backward blocks up it (laid out reversed), each pass a column: its blocks' centres within
    half a block's width of each other."""
    g = page.locator(".wb-graph").first
    before = _ready(g)
    _kernel(
        page,
        "ids = {ph: [r.id for r in g.model.regions if r.label == 'block' and r.phase == ph][:4]\n"
        "       for ph in ('forward', 'backward')}\n"
        "g.expanded = ids['forward'] + ids['backward']\n"
        "g.search = ''",
    )
    page.wait_for_function(
        "([el, n]) => Number(el.dataset.ready || 0) > n && el.dataset.settled === 'true'",
        arg=[g.element_handle(), before],
        timeout=WAIT_MS,
    )
    _check_level(page, g, "four-layers-open")
    ids = page.evaluate(
        "(el) => [...el.querySelectorAll('.wb-cluster')].map((c) => c.dataset.region)",
        g.element_handle(),
    )
    order = {rid: i for i, rid in enumerate(ids)}  # drawn in program order
    passes = {}
    for phase in ("forward", "backward"):
        centres = page.evaluate(CENTRES_JS, [g.element_handle(), phase])
        passes[phase] = [centres[rid] for rid in sorted(centres, key=order.__getitem__)]
    forward, backward = passes["forward"], passes["backward"]
    assert len(forward) == len(backward) == 4, passes
    # Along the layout direction (down): the forward pass in program order, the backward pass
    # against it (the first backward block is the last layer's).
    assert all(a[1] < b[1] for a, b in pairwise(forward)), forward
    assert all(a[1] > b[1] for a, b in pairwise(backward)), backward
    # A column per pass: the centres within half the widest block's width (they were 1,500 px
    # apart for blocks 400 px wide).
    for phase, centres in passes.items():
        xs = [c[0] for c in centres]
        widest = max(c[2] for c in centres)
        assert max(xs) - min(xs) <= COLUMN * widest, (phase, xs, widest)


DRAWING_JS = """(el) => {
  const all = (sel, f) => [...el.querySelectorAll(sel)].map(f).sort();
  const at = (r) => ['x', 'y', 'width', 'height'].map((k) => r.getAttribute(k));
  return {
    boxes: all('.wb-node', (g) => [g.dataset.key, g.getAttribute('transform'), g.textContent]),
    clusters: all('.wb-cluster > rect.wb-box', (r) => [r.parentNode.dataset.key, ...at(r)]),
    edges: all('.wb-edges path', (p) => p.getAttribute('d')),
  };
}"""


def _collapse(page, g) -> None:
    before = _ready(g)
    g.locator("button.wb-collapse-all").click()
    page.wait_for_function(
        "([el, n]) => Number(el.dataset.ready || 0) > n && el.dataset.settled === 'true'",
        arg=[g.element_handle(), before],
        timeout=WAIT_MS,
    )


def _wait_prepared(page, g, label: str) -> None:
    """Waits until the opening of the closed box labelled ``label`` is laid out ahead."""
    box = g.locator(".wb-node.wb-collapsed").filter(has_text=label).first
    rid = box.get_attribute("data-region")
    page.wait_for_function(
        "([el, rid]) => (el.dataset.preparedRegions || '').split(' ').includes(rid)",
        arg=[g.element_handle(), rid],
    )


def _ahead(g) -> int:
    return int(g.get_attribute("data-drawn-ahead") or "0")


def test_an_opening_laid_out_ahead_draws_what_the_click_lays_out(page):
    """Issue 24: the viewer lays out the opening of the folded boxes while the user reads the
    view (in ELK's worker), so that the click draws at once: that drawing is the one the click
    lays out itself (boxes, regions and edges where they are), and clean."""
    g = page.locator(".wb-graph").first
    handle = g.element_handle()
    g.evaluate("(el) => { el.dataset.prepareAhead = 'off'; }")  # nothing laid out ahead
    try:
        _collapse(page, g)
        before = _ahead(g)
        _open(page, g, "block \u00d712")
        assert _ahead(g) == before  # laid out after the click
        laid_now = page.evaluate(DRAWING_JS, handle)
    finally:
        g.evaluate("(el) => { delete el.dataset.prepareAhead; }")
    _collapse(page, g)  # the first view again: its folded boxes' openings are laid out ahead
    _wait_prepared(page, g, "block \u00d712")
    _open(page, g, "block \u00d712")
    assert _ahead(g) == before + 1  # drawn as laid out ahead
    assert page.evaluate(DRAWING_JS, handle) == laid_now
    _check_level(page, g, "block-opened-ahead")
    # A closed box the pointer rests on is laid out ahead too (attention, not folded).
    g.locator(".wb-node.wb-collapsed").filter(has_text="attention").first.hover()
    _wait_prepared(page, g, "attention")
    _open(page, g, "attention")
    assert _ahead(g) == before + 2
    _check_level(page, g, "attention-opened-ahead")
