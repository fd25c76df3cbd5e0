"""The committed widget bundles (workbench/static/) are what their sources build to.

Each bundle's first line records the sha256 of its source and of every file of extensions/ it
imports (extensions/build.mjs writes it); this checks them without npm, so a source edited without
a rebuild fails here. ``./dev test`` also rebuilds and compares where npm exists.
"""

from __future__ import annotations

import hashlib
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
STATIC = ROOT / "workbench" / "static"

# widget -> sources of extensions/ its module must import (the inspector draws the graph viewer)
IMPORTS = {
    "inspector": {
        "extensions/common/dom.js",
        "extensions/graph/view.js",
        "extensions/graph/layout.js",
        "extensions/inspector/view.js",
    },
    "graph": {
        "extensions/common/dom.js",
        "extensions/graph/format.js",
        "extensions/graph/model.js",
        "extensions/graph/layout.js",
        "extensions/graph/view.js",
        "extensions/graph/engine.js",
    },
    "tradeoffs": {"extensions/common/dom.js", "extensions/tradeoffs/chart.js"},
}
# Every widget's `_esm`: the loader of the widget's code (html.py, WidgetCode).
LOADER = ROOT / "extensions" / "common" / "loader.js"
STYLE_IMPORTS = {"inspector": {"extensions/graph/graph.css"}, "graph": set(), "tradeoffs": set()}


def _check(out: pathlib.Path, source: pathlib.Path, imports: set[str]) -> str:
    text = out.read_text()
    banner = text.splitlines()[0]
    stale = f"{out.relative_to(ROOT)} is stale: run `npm ci && npm run build` and commit it"
    sha = hashlib.sha256(source.read_bytes()).hexdigest()
    assert f"source sha256: {sha}" in banner, stale
    found = dict(re.findall(r"imports (\S+) \(sha256: ([0-9a-f]+)\)", banner))
    assert imports <= set(found)
    for path, digest in found.items():
        assert hashlib.sha256((ROOT / path).read_bytes()).hexdigest() == digest, stale
    return text


@pytest.mark.parametrize("name", sorted(IMPORTS))
def test_committed_bundle_matches_its_sources(name):
    bundle = _check(STATIC / f"{name}.js", ROOT / "extensions" / name / "index.js", IMPORTS[name])
    # User strings reach the page through textContent only; anywidget wants a default export
    # of {render} and no export named render (its "will likely be deprecated" warning).
    assert "innerHTML" not in bundle and "as default" in bundle
    _one_default_export(bundle)


def _one_default_export(bundle: str) -> None:
    exports = re.findall(r"\bexport\s*\{([^}]*)\}", bundle)
    assert len(exports) == 1 and exports[0].split()[1:] == ["as", "default"], exports


def test_committed_loader_matches_its_source_and_is_small():
    """The loader is stored in every widget's state: a few hundred bytes, one default export."""
    loader = _check(STATIC / "loader.js", LOADER, set())
    body = loader.split("\n", 1)[1]
    assert len(body) < 2000 and "innerHTML" not in body and "import(" in body
    _one_default_export(loader)


@pytest.mark.parametrize("name", sorted(STYLE_IMPORTS))
def test_committed_style_sheet_matches_its_sources(name):
    source = ROOT / "extensions" / name / f"{name}.css"
    css = _check(STATIC / f"{name}.css", source, STYLE_IMPORTS[name])
    assert f".wb-{name}" in css


def test_layout_worker_is_elkjs_as_shipped_once():
    worker = (STATIC / "elk-worker.js").read_text()
    banner, body = worker.split("\n", 1)
    sha = re.search(r"sha256: ([0-9a-f]+)", banner)
    assert sha and hashlib.sha256(body.encode()).hexdigest() == sha.group(1)
    assert "Eclipse Public License" in banner and (STATIC / "elkjs-LICENSE.md").exists()
    # ELK is in no widget bundle: viewers get it once per kernel (graph_widget.LayoutEngine).
    for name in IMPORTS:
        assert "org.eclipse.elk" not in (STATIC / f"{name}.js").read_text()
