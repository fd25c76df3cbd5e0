"""What the browser tests share: a JupyterLab server on 127.0.0.1 and a notebook page in Debian's
Chromium driven by Playwright (never ``playwright install``: the system Chromium is used).

Every wait is on a condition with a bounded timeout. Screenshots and logs go to
``test-artifacts/``.
"""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ROOT = pathlib.Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
EVIL = "<img src=x onerror=window.__pwned=1>"
STARTUP_S = 90  # JupyterLab's server start
RUN_S = int(os.environ.get("WB_BROWSER_RUN_S", "120"))  # kernel start, import jax, the cells

requires_chromium = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM) and os.environ.get("CI", "").lower() not in ("true", "1"),
        reason=f"{CHROMIUM} is missing (apt-get install chromium); CI=true never skips",
    ),
]


def notebook(cells: Sequence[str]) -> dict[str, Any]:
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
            for i, src in enumerate(cells)
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


@contextlib.contextmanager
def jupyter_lab(
    root: pathlib.Path,
    name: str,
    cells: Sequence[str],
    extra_args: Sequence[str] = (),
    settings: dict[str, dict[str, Any]] | None = None,
) -> Iterator[tuple[str, str]]:
    """Writes ``name`` (a notebook of ``cells``) into ``root`` and serves ``root`` with JupyterLab
    (with ``extra_args`` added to its command line, and the user ``settings`` of each plugin,
    ``{"@scope/package:plugin": {...}}``); yields (base URL, token)."""
    (root / name).write_text(json.dumps(notebook(cells)))
    token = secrets.token_hex(16)
    port = _free_port()
    env = {**os.environ, "JUPYTER_PLATFORM_DIRS": "1", "PYTHONUNBUFFERED": "1"}
    env["JUPYTER_CONFIG_DIR"] = str(root / ".jupyter-config")
    env["JUPYTER_RUNTIME_DIR"] = str(root / ".jupyter-runtime")
    env.pop("JUPYTER_PATH", None)
    # No "get notified about Jupyter news?" toast over the screenshots.
    news = root / ".lab-settings" / "@jupyterlab" / "apputils-extension"
    news.mkdir(parents=True)
    (news / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    for plugin, values in (settings or {}).items():
        package, _, file = plugin.partition(":")
        where = root / ".lab-settings" / package
        where.mkdir(parents=True, exist_ok=True)
        (where / f"{file}.jupyterlab-settings").write_text(json.dumps(values))
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
            *extra_args,
        ],
        cwd=root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{base}/api/status?token={token}", proc, root / "lab.log", STARTUP_S)
        yield base, token
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)
        log.close()


@contextlib.contextmanager
def notebook_page(
    lab: tuple[str, str],
    root: pathlib.Path,
    name: str,
    *,
    rendered_js: str,
    what: str,
    default_timeout_ms: int,
    console: list[str] | None = None,
) -> Iterator[Any]:
    """Opens notebook ``name`` in Chromium, runs all its cells and waits until ``rendered_js``
    holds; yields the Playwright page. The server log is kept as ``test-artifacts/<name>.log``;
    the page's console messages are appended to ``console`` when given."""
    from playwright.sync_api import sync_playwright

    base, token = lab
    ARTIFACTS.mkdir(exist_ok=True)
    stem = pathlib.Path(name).stem
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
            if console is not None:
                pg.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
            pg.set_default_timeout(default_timeout_ms)
            pg.goto(f"{base}/lab/tree/{name}?token={token}")
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
                pg.wait_for_function(rendered_js, timeout=RUN_S * 1000)
            except Exception:
                pg.screenshot(path=str(ARTIFACTS / f"failure-{stem}.png"))
                outputs = pg.locator(".jp-OutputArea").all_text_contents()
                pytest.fail(f"the {what} did not render; cell outputs: {outputs}"[:4000])
            yield pg
        finally:
            browser.close()
            log = root / "lab.log"
            if log.exists():
                (ARTIFACTS / f"jupyter-lab-{stem}.log").write_text(log.read_text())


def notebook_fixtures(
    name: str,
    cells: Sequence[str],
    *,
    rendered_js: str,
    what: str,
    default_timeout_ms: int = 60_000,
) -> tuple[Any, Any, Any]:
    """The module-scoped fixtures of a browser test module, ``lab, console, page = ...``: one
    JupyterLab serving notebook ``name`` of ``cells``, the page's console messages, and the
    page with every cell run and ``rendered_js`` holding (see ``notebook_page``)."""

    @pytest.fixture(scope="module")
    def lab(tmp_path_factory: Any) -> Iterator[Any]:
        root = tmp_path_factory.mktemp("lab")
        with jupyter_lab(root, name, cells) as served:
            yield served, root

    @pytest.fixture(scope="module")
    def console(lab: Any) -> list[str]:
        return []

    @pytest.fixture(scope="module")
    def page(lab: Any, console: list[str]) -> Iterator[Any]:
        served, root = lab
        with notebook_page(
            served,
            root,
            name,
            rendered_js=rendered_js,
            what=what,
            default_timeout_ms=default_timeout_ms,
            console=console,
        ) as pg:
            yield pg

    return lab, console, page
