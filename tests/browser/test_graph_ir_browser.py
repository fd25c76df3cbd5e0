"""The IR and the graph side by side in the ``%%reactant`` inspector, linked both ways (issue 24
item 4: the IR -> graph link went one way, and the line and its node were never on screen
together). In the graph tab, "IR beside the graph" draws an IR view beside the viewer: a line
clicked there highlights its node in the graph (panned into view), a node clicked in the graph
selects its lines there (scrolled into view); both stay on the screen.
"""

from __future__ import annotations

from tests.browser.lab_session import ARTIFACTS, notebook_fixtures, requires_chromium

pytestmark = requires_chromium

WAIT_MS = 30_000
STEPS = 40  # ops before the last: the jaxpr is longer than its box, the last line out of view

CELLS = [
    "%load_ext workbench\nimport jax, jax.numpy as jnp\nx = jnp.arange(3.0)",
    f"def deep(y):\n    for i in range({STEPS}):\n        y = jnp.sin(y) * 1.01\n"
    "    return jnp.sum(jnp.cos(y))",
    "%%reactant --views result,jaxpr,hlo,graph\ndeep(x)",
]

lab, console, page = notebook_fixtures(
    "graph_ir.ipynb",
    CELLS,
    rendered_js="() => document.querySelectorAll('.wb-inspector').length >= 1",
    what="inspector",
)

# Whether element `el` is drawn inside the window and inside box `within` (both on screen).
SHOWN_JS = """([el, within]) => {
  const r = el.getBoundingClientRect();
  const w = within.getBoundingClientRect();
  const mid = [r.x + r.width / 2, r.y + r.height / 2];
  return r.width > 0 && mid[0] >= Math.max(0, w.left)
    && mid[0] <= Math.min(window.innerWidth, w.right)
    && mid[1] >= Math.max(0, w.top) && mid[1] <= Math.min(window.innerHeight, w.bottom);
}"""


def _side_by_side(page, view: str = "jaxpr"):
    insp = page.locator(".wb-inspector").first
    insp.locator(".wb-tab[data-view='graph']").click()
    insp.locator("select.wb-beside-select").select_option(view)
    viewer = insp.locator(".wb-side-by-side .wb-graph[data-settled='true']")
    viewer.wait_for(timeout=WAIT_MS)
    insp.scroll_into_view_if_needed()
    return insp, viewer, insp.locator(f".wb-beside[data-view='{view}'] pre")


def _shown(page, el, within) -> bool:
    return bool(page.evaluate(SHOWN_JS, [el.element_handle(), within.element_handle()]))


def test_a_line_beside_the_graph_highlights_its_node_in_view(page):
    insp, viewer, pre = _side_by_side(page)
    line = pre.locator(".wb-line.wb-linked").filter(has_text="cos").first
    line.scroll_into_view_if_needed()
    line.click()
    lit = viewer.locator(".wb-node.wb-highlight[data-primitive='cos']")
    lit.wait_for(timeout=WAIT_MS)
    page.wait_for_function(
        SHOWN_JS, arg=[lit.element_handle(), viewer.locator("svg.wb-canvas").element_handle()]
    )
    assert "wb-selected" in (line.get_attribute("class") or "")
    assert _shown(page, line, pre)  # the line is still there, beside its node
    insp.screenshot(path=str(ARTIFACTS / "graph-ir-line-to-node.png"))


def test_a_node_in_the_graph_selects_its_lines_beside_it(page):
    insp, viewer, pre = _side_by_side(page)
    pre.evaluate("(el) => { el.scrollTop = 0; }")  # the last lines out of view
    viewer.locator("button.wb-fit").click()
    node = viewer.locator(".wb-node[data-primitive='cos']").first
    node_id = node.get_attribute("data-id")
    node.scroll_into_view_if_needed()  # where the user sees it, to click it
    node.dispatch_event("click")
    selected = pre.locator(".wb-line.wb-selected")
    selected.wait_for(timeout=WAIT_MS)
    assert "cos" in (selected.text_content() or "")
    # Scrolled into view inside its box, and the node (highlighted) on screen beside it.
    page.wait_for_function(SHOWN_JS, arg=[selected.element_handle(), pre.element_handle()])
    assert viewer.get_attribute("data-highlighted") == "1"
    lit = viewer.locator(".wb-node.wb-highlight")
    assert lit.get_attribute("data-id") == node_id
    assert _shown(page, lit, viewer.locator("svg.wb-canvas"))
    insp.screenshot(path=str(ARTIFACTS / "graph-ir-node-to-line.png"))
    # And a node that no line of this view computes (an argument: the jaxpr's header links it).
    arg = viewer.locator(".wb-node[data-kind='argument']").first
    arg.dispatch_event("click")
    page.wait_for_function(
        "(pre) => /lambda/.test((pre.querySelector('.wb-line.wb-selected') || {}).textContent)",
        arg=pre.element_handle(),
        timeout=WAIT_MS,
    )  # the program's header, which names the arguments


def test_no_error_in_the_console(console):
    assert not [m for m in console if m.startswith("error")], console
