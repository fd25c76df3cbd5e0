"""Notebooks saved from JupyterLab, exported to HTML, show every view offline (issue 24).

JupyterLab (its widget state saved with the notebook, ``saveState``) runs notebook 11 and a
notebook of three graphs, draws every widget and saves. ``jupyter nbconvert --to html`` of the
saved file (no execution) is opened in Debian's Chromium with every request off the page refused:
with the saved widget state, nbconvert draws each widget's output with the widget manager from a
CDN (blank offline), so each view is followed by its picture (``html.show``): the live view's own
drawing for ``wb.graph`` (same layout, colours and legend), the fallback for the others. The same
file without its widget state (JupyterLab's default) shows the same pictures. The three graphs'
notebook grows by at most 200 KB when saved (no layout engine's source in the state; each
widget's code once).
"""

from __future__ import annotations

import contextlib
import json
import pathlib
import shutil
import subprocess
import sys
import time

import pytest

from tests.browser.lab_session import (
    ARTIFACTS,
    CHROMIUM,
    ROOT,
    jupyter_lab,
    notebook,
    notebook_page,
    requires_chromium,
)

pytestmark = requires_chromium

NB11 = "11_magic_and_widgets.ipynb"
THREE = "three_graphs.ipynb"
THREE_CELLS = [
    "import jax, jax.numpy as jnp, workbench as wb\n"
    "def loss(x):\n"
    "    with jax.named_scope('block'):\n"
    "        y = jnp.sin(x) * x\n"
    "    return jnp.sum(jnp.cos(y))",
    "wb.graph(loss, jnp.arange(3.0), mode=wb.Reverse)",
    "def mlp(ws, x):\n"
    "    for w in ws:\n"
    "        x = jnp.tanh(x @ w)\n"
    "    return jnp.sum(x)\n"
    "wb.graph(mlp, [jnp.ones((4, 4))] * 4, jnp.ones(4), mode=wb.Reverse)",
    "wb.graph(lambda x: jnp.sum(jnp.exp(x) / (1 + x * x)), jnp.ones(5), mode=wb.Reverse)",
]
SAVE_STATE = {"@jupyter-widgets/jupyterlab-manager:plugin": {"saveState": True}}
GROWTH_BOUND = 200_000
SAVE_S = 60
EXPORT_S = 300
STATE = "application/vnd.jupyter.widget-state+json"


def _widget_outputs(path) -> int:
    """How many widget outputs the committed notebook has (its pictures, made by nbconvert)."""
    nb = json.loads(path.read_text())
    count = 0
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            page = "".join(out.get("data", {}).get("text/html", ""))
            count += page.startswith('<div class="wb-fallback">')
    return count


def _all_drawn(n: int) -> str:
    """JS: the kernel is idle, ``n`` live views are drawn, and the picture after each is filled
    (a graph viewer's with its own drawing)."""
    return f"""() => {{
      const w = window.jupyterapp.shell.currentWidget;
      const k = w && w.sessionContext.session && w.sessionContext.session.kernel;
      if (!k || k.status !== 'idle') return false;
      const lives = [...document.querySelectorAll('.jp-OutputArea-child .wb-live')];
      if (lives.length < {n}) return false;
      return lives.every((el) => {{
        const next = el.closest('.jp-OutputArea-child').nextElementSibling;
        const pic = next && next.querySelector('.wb-fallback');
        if (!pic || !pic.children.length) return false;
        return !el.querySelector(':scope > .wb-graph') || pic.querySelector('.wb-graph-drawn');
      }});
    }}"""


def _save(pg, path) -> None:
    before = path.stat().st_mtime
    pg.evaluate("window.jupyterapp.commands.execute('docmanager:save')")
    deadline = time.monotonic() + SAVE_S
    while time.monotonic() < deadline:
        if path.stat().st_mtime != before and STATE in path.read_text():
            return
        time.sleep(0.5)  # poll interval of a bounded wait on the file
    raise TimeoutError(f"{path.name} was not saved with its widget state in {SAVE_S} s")


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """Runs a notebook in its own JupyterLab (which saves widget state), waits for its views and
    their pictures, saves it: ``saved(name) -> (path, size before)``."""
    done = {}

    def run(name: str):
        if name in done:
            return done[name]
        root = tmp_path_factory.mktemp(pathlib.Path(name).stem)
        with jupyter_lab(root, THREE, THREE_CELLS, settings=SAVE_STATE) as served:
            path = root / name
            if name == NB11:
                shutil.copy(ROOT / "notebooks" / NB11, path)
            else:
                path.write_text(json.dumps(notebook(THREE_CELLS), indent=1))
            size = path.stat().st_size
            n = _widget_outputs(ROOT / "notebooks" / NB11) if name == NB11 else 3
            with notebook_page(
                served,
                root,
                name,
                rendered_js=_all_drawn(n),
                what=f"views of {name} and their pictures",
                default_timeout_ms=60_000,
            ) as pg:
                shot = ARTIFACTS / f"saved-live-{path.stem}.png"
                pg.screenshot(path=str(shot), full_page=True)
                # Live, the pictures are hidden: only the views are seen.
                assert pg.locator(".jp-OutputArea-child .wb-fallback:visible").count() == 0
                _save(pg, path)
        done[name] = (path, size)
        return done[name]

    return run


def _export(path, suffix: str, strip_state: bool = False):
    nb = json.loads(path.read_text())
    if strip_state:
        nb["metadata"].pop("widgets", None)
    src = path.with_name(f"{path.stem}-{suffix}.ipynb")
    src.write_text(json.dumps(nb))
    run = subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", src.name],
        cwd=path.parent,
        capture_output=True,
        text=True,
        timeout=EXPORT_S,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return src.with_suffix(".html")


@contextlib.contextmanager
def offline_browser():
    """Chromium for the exported pages (opened after the notebooks are saved: Playwright's
    sync API runs one session at a time)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            yield b
        finally:
            b.close()


def _offline(browser, path):
    context = browser.new_context(viewport={"width": 1200, "height": 1000}, offline=True)
    page = context.new_page()
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    page.wait_for_timeout(500)  # the page's own scripts (the CDN's loader fails at once)
    return page


def _check_pictures(page, n: int, graphs: int) -> None:
    pictures = page.locator(".wb-fallback")
    assert pictures.count() == n
    for i in range(n):
        pic = pictures.nth(i)
        assert pic.is_visible() and (pic.bounding_box() or {}).get("height", 0) > 20
        # A picture is drawn (SVG); an inspector showing only the result has just its text.
        views = pic.locator("details[data-view]")
        if views.count() and not pic.locator("details[data-view='graph']").count():
            assert pic.locator("details[data-view='result'] pre").count() == 1
        else:
            assert pic.locator("svg").count() >= 1
    # wb.graph's pictures are the live view's drawing: its boxes, edges and legend.
    drawn = page.locator(".wb-graph-drawn svg.wb-picture")
    assert drawn.count() == graphs
    for i in range(graphs):
        svg = drawn.nth(i)
        assert svg.locator("g.wb-node").count() >= 5
        assert svg.locator("path.wb-edge.wb-e-f").count() > 0
        assert svg.locator("path.wb-edge.wb-e-b").count() > 0
        legend = svg.locator(".wb-legend-picture").text_content() or ""
        assert "forward value" in legend and "backward value" in legend
        # Styled as live: a forward box's fill is the live view's light blue, not black.
        fill = svg.locator("g.wb-node[data-role='forward'] rect").first.evaluate(
            "(r) => getComputedStyle(r).fill"
        )
        assert fill == "rgb(221, 244, 255)", fill


def test_notebook_11_saved_with_its_widget_state_shows_every_view_offline(saved):
    path, _ = saved(NB11)
    with offline_browser() as browser:
        _check_notebook_11(path, browser)


def _check_notebook_11(path, browser):
    nb = json.loads(path.read_text())
    state = json.dumps(nb["metadata"]["widgets"][STATE])
    assert "org.eclipse.elk" not in state  # no layout engine in the saved state
    n = _widget_outputs(ROOT / "notebooks" / NB11)
    assert n >= 4  # two inspectors, the graph, the trade-off explorer
    page = _offline(browser, _export(path, "state"))
    # nbconvert drew the views with the widget manager (blank offline): the pictures show.
    assert page.locator("script[type='application/vnd.jupyter.widget-view+json']").count() == n
    _check_pictures(page, n, graphs=1)
    insp = page.locator(".wb-inspector-static").first
    insp.locator("details[data-view='graph'] > summary").click()
    graph = insp.locator("details[data-view='graph'] svg")
    assert graph.count() >= 2 and graph.last.locator("g.node").count() >= 5
    assert "forward value" in (insp.locator(".wb-legend-picture").first.text_content() or "")
    trade = page.locator(".wb-tradeoffs-static svg")
    assert trade.count() == 1 and "Binomial" in (trade.text_content() or "")
    page.screenshot(path=str(ARTIFACTS / "saved-export-notebook-11.png"), full_page=True)
    page.locator(".wb-graph-drawn").first.screenshot(path=str(ARTIFACTS / "saved-export-graph.png"))


def test_three_graphs_saved_grow_the_notebook_by_at_most_200_kb(saved):
    path, before = saved(THREE)
    grown = path.stat().st_size - before
    nb = json.loads(path.read_text())
    state = json.dumps(nb["metadata"]["widgets"][STATE])
    assert "org.eclipse.elk" not in state
    assert grown <= GROWTH_BOUND, f"saving grew the notebook by {grown:,} bytes"
    (ARTIFACTS / "saved-three-graphs-growth.txt").write_text(f"{grown}\n")
    with offline_browser() as browser:
        for suffix, strip in (("state", False), ("nostate", True)):
            page = _offline(browser, _export(path, suffix, strip_state=strip))
            _check_pictures(page, 3, graphs=3)
            shot = ARTIFACTS / f"saved-export-three-{suffix}.png"
            page.screenshot(path=str(shot), full_page=True)
