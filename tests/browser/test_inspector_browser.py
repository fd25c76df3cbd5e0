"""The ``%%reactant`` inspector in a real browser: JupyterLab on 127.0.0.1, Debian's Chromium,
driven by Playwright (never ``playwright install``: the system Chromium is used).

One JupyterLab and one page serve every test (module fixtures): the notebook is run once, then
each test looks at the rendered inspector. Screenshots go to ``test-artifacts/``.
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

pytestmark = requires_chromium

CELLS = [
    "%load_ext workbench\nimport jax, jax.numpy as jnp\nx = jnp.arange(3.0)",
    "%%reactant --grad x\ny = 2.0\njnp.sum(jnp.sin(x) * y)",
    f"evil = jax.named_scope({EVIL!r})(jnp.cos)\nEVIL = {EVIL!r}",
    "%%reactant --views result,hlo\nevil(x) * 2",
]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("lab")
    with jupyter_lab(root, "inspector.ipynb", CELLS) as served:
        yield served, root


@pytest.fixture(scope="module")
def page(lab):
    served, root = lab
    with notebook_page(
        served,
        root,
        "inspector.ipynb",
        rendered_js="() => document.querySelectorAll('.wb-inspector').length >= 2",
        what="inspectors",
        default_timeout_ms=60_000,
    ) as pg:
        yield pg


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
        "graph": "Graph:",
        "memory": "Residuals:",
        "cost": "Cost (XLA)",
        "timing": "Timing:",
        "grad": "d(expression)/dx",
    }
    for name, needle in checks.items():
        insp.locator(f".wb-tab[data-view='{name}']").click()
        view = insp.locator(f".wb-body .wb-view[data-view='{name}'] pre")
        view.wait_for()
        assert needle in view.text_content()
        assert "wb-active" in insp.locator(f".wb-tab[data-view='{name}']").get_attribute("class")
        insp.screenshot(path=str(ARTIFACTS / f"inspector-{name}.png"))


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
