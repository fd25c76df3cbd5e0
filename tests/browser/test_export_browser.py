"""Exported notebooks show the views without a network (issue 15).

``jupyter nbconvert --execute --to html`` of the teaching notebooks 10 and 11, opened in Debian's
Chromium with every request off the page's own file refused: the pages show the graph (Graphviz's
SVG), the inspector's views and the final trade-off curve, not widget outputs that need the widget
manager from a CDN. Under nbconvert no front end draws widgets, so the widgets show their static
fallbacks (``html.show``), and the trade-off explorer computes its table before the cell ends.
"""

from __future__ import annotations

import pathlib
import shutil
import subprocess
import sys

import pytest

from tests.browser.lab_session import ARTIFACTS, CHROMIUM, ROOT, requires_chromium

pytestmark = requires_chromium

NOTEBOOKS = ["10_seeing_the_ir.ipynb", "11_magic_and_widgets.ipynb"]
EXPORT_S = 600


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """The two notebooks executed and exported to HTML: {name: path}."""
    out = tmp_path_factory.mktemp("export")
    pages = {}
    for name in NOTEBOOKS:
        shutil.copy(ROOT / "notebooks" / name, out / name)
        run = subprocess.run(
            [sys.executable, "-m", "jupyter", "nbconvert", "--execute", "--to", "html", name],
            cwd=out,
            capture_output=True,
            text=True,
            timeout=EXPORT_S,
        )
        assert run.returncode == 0, run.stderr[-3000:]
        pages[name] = out / name.replace(".ipynb", ".html")
    return pages


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield b
        b.close()


def offline_page(browser, path: pathlib.Path):
    """``path`` opened with the network off: every request not for the file itself refused."""
    context = browser.new_context(viewport={"width": 1200, "height": 1000}, offline=True)
    page = context.new_page()
    refused: list[str] = []

    def route(r):
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            refused.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, refused


def test_notebook_11_shows_graph_inspector_and_final_curve_offline(exported, browser):
    page, refused = offline_page(browser, exported["11_magic_and_widgets.ipynb"])
    # Nothing drawn depends on the CDN: its scripts were refused, and no output waits for them.
    assert page.locator("script[type='application/vnd.jupyter.widget-view+json']").count() == 0
    # wb.graph: Graphviz's drawing of the gradient, a box per node, forward and backward edges.
    graph = page.locator(".wb-graph-static").filter(has_text="loss")  # wb.graph(loss, ...)
    assert graph.count() == 1
    assert graph.locator("svg g.node").count() >= 10
    for colour in ("#1f77b4", "#d62728", "#ff7f0e"):  # forward, backward, residual
        assert graph.locator(f"svg g.edge path[stroke='{colour}']").count() > 0
    graph.scroll_into_view_if_needed()
    graph.screenshot(path=str(ARTIFACTS / "export-graph.png"))
    # %%reactant --grad: every view, the graph drawn (the gradient's, with its backward pass).
    insp = page.locator(".wb-inspector-static").first
    views = [s.text_content() for s in insp.locator("details > summary").all()]
    for title in ("result", "jaxpr", "StableHLO", "optimized HLO", "graph", "memory", "gradient"):
        assert title in views
    insp.locator("details[data-view='graph'] > summary").click()
    insp.locator("details[data-view='memory'] > summary").click()
    drawn = insp.locator("details[data-view='graph'] svg:not(.wb-legend-picture)")  # not the legend
    assert insp.locator("details[data-view='graph'] svg.wb-legend-picture").is_visible()
    assert drawn.is_visible() and drawn.locator("g.node").count() >= 5
    assert drawn.locator("g.edge path[stroke='#d62728']").count() > 0  # the backward pass
    memory = insp.locator("details[data-view='memory'] pre").text_content() or ""
    assert "Residuals:" in memory
    insp.screenshot(path=str(ARTIFACTS / "export-inspector.png"))
    # The trade-off explorer: the final curve and its table, not "computing".
    trade = page.locator(".wb-tradeoffs-static").first
    assert trade.locator("svg").count() == 1
    text = trade.text_content() or ""
    assert "computing" not in text and "Chosen: Binomial" in text
    assert "(log scale)" in (trade.locator("svg").text_content() or "")
    trade.scroll_into_view_if_needed()
    trade.screenshot(path=str(ARTIFACTS / "export-tradeoffs.png"))
    page.screenshot(path=str(ARTIFACTS / "export-notebook-11.png"), full_page=True)
    assert all(not u.startswith("file:") for u in refused)


def test_notebook_10_shows_its_reports_offline(exported, browser):
    page, _ = offline_page(browser, exported["10_seeing_the_ir.ipynb"])
    outputs = " ".join(page.locator(".jp-OutputArea-output").all_text_contents())
    assert "Residuals" in outputs and "Graph:" in outputs and "HloModule" in outputs
    page.screenshot(path=str(ARTIFACTS / "export-notebook-10.png"), full_page=True)
