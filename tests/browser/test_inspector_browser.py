"""The ``%%reactant`` inspector in a real browser: JupyterLab on 127.0.0.1, Debian's Chromium,
driven by Playwright (never ``playwright install``: the system Chromium is used).

One JupyterLab and one page serve every test (module fixtures): the notebook is run once, then
each test looks at the rendered inspector. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import json
import os
import pathlib
import secrets
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

CHROMIUM = "/usr/bin/chromium"
ROOT = pathlib.Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
EVIL = "<img src=x onerror=window.__pwned=1>"
STARTUP_S = 90  # JupyterLab's server start
# kernel start, import jax, compile three cells
RUN_S = int(os.environ.get("WB_BROWSER_RUN_S", "120"))

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM) and os.environ.get("CI", "").lower() not in ("true", "1"),
        reason=f"{CHROMIUM} is missing (apt-get install chromium); CI=true never skips",
    ),
]

CELLS = [
    "%load_ext workbench\nimport jax, jax.numpy as jnp\nx = jnp.arange(3.0)",
    "%%reactant --grad x\ny = 2.0\njnp.sum(jnp.sin(x) * y)",
    f"evil = jax.named_scope({EVIL!r})(jnp.cos)\nEVIL = {EVIL!r}",
    "%%reactant --views result,hlo\nevil(x) * 2",
]


def _notebook() -> dict:
    return {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": f"cell{i}",
                "metadata": {},
                "outputs": [],
                "source": src,
            }
            for i, src in enumerate(CELLS)
        ],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(url: str, proc: subprocess.Popen, log: pathlib.Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = "\n".join(log.read_text().splitlines()[-15:])
            raise RuntimeError(f"jupyter lab exited with {proc.returncode}:\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.25)  # poll interval of a bounded wait on the server
    raise TimeoutError(f"jupyter lab did not answer {url} within {timeout} s")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("lab")
    (root / "inspector.ipynb").write_text(json.dumps(_notebook()))
    token = secrets.token_hex(16)
    port = _free_port()
    env = {**os.environ, "JUPYTER_PLATFORM_DIRS": "1", "PYTHONUNBUFFERED": "1"}
    env["JUPYTER_CONFIG_DIR"] = str(root / ".jupyter-config")
    env["JUPYTER_RUNTIME_DIR"] = str(root / ".jupyter-runtime")
    env.pop("JUPYTER_PATH", None)
    # No "get notified about Jupyter news?" toast over the screenshots.
    settings = root / ".lab-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    env["JUPYTERLAB_SETTINGS_DIR"] = str(root / ".lab-settings")
    log = open(root / "lab.log", "w")  # noqa: SIM115 - closed at teardown
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--allow-root",  # CI runs as root
            f"--port={port}",
            "--ip=127.0.0.1",
            f"--ServerApp.token={token}",
            f"--ServerApp.root_dir={root}",
            "--ServerApp.open_browser=False",
            "--LabApp.expose_app_in_browser=True",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ],
        cwd=root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{base}/api/status?token={token}", proc, root / "lab.log", STARTUP_S)
        yield base, token, root
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)
        log.close()


@pytest.fixture(scope="module")
def page(lab):
    from playwright.sync_api import sync_playwright

    base, token, root = lab
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            pg = browser.new_page(viewport={"width": 1400, "height": 1000})
            pg.set_default_timeout(60_000)
            pg.goto(f"{base}/lab/tree/inspector.ipynb?token={token}")
            pg.wait_for_function(
                "() => window.jupyterapp && document.querySelector('.jp-Notebook .jp-Cell')",
                timeout=STARTUP_S * 1000,
            )
            pg.wait_for_function(
                """() => {
                  const w = window.jupyterapp.shell.currentWidget;
                  const k = w && w.sessionContext && w.sessionContext.session
                    && w.sessionContext.session.kernel;
                  return k && k.status === 'idle';
                }""",
                timeout=STARTUP_S * 1000,
            )
            pg.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
            try:
                pg.wait_for_function(
                    "() => document.querySelectorAll('.wb-inspector').length >= 2",
                    timeout=RUN_S * 1000,
                )
            except Exception:
                pg.screenshot(path=str(ARTIFACTS / "failure-notebook.png"))
                outputs = pg.locator(".jp-OutputArea").all_text_contents()
                pytest.fail(f"the inspectors did not render; cell outputs: {outputs}"[:4000])
            yield pg
        finally:
            browser.close()
            log = root / "lab.log"
            if log.exists():
                (ARTIFACTS / "jupyter-lab.log").write_text(log.read_text())


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
