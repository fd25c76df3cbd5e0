"""The committed widget bundles (workbench/static/*.js) are what their sources build to.

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

# widget -> the sources of extensions/ it must import (the inspector draws the graph viewer)
IMPORTS = {
    "inspector": {"extensions/common/dom.js", "extensions/graph/index.js"},
    "graph": {"extensions/common/dom.js"},
    "tradeoffs": {"extensions/common/dom.js"},
}


@pytest.mark.parametrize("name", sorted(IMPORTS))
def test_committed_bundle_matches_its_sources(name):
    source = ROOT / "extensions" / name / "index.js"
    bundle = (STATIC / f"{name}.js").read_text()
    banner = bundle.splitlines()[0]
    stale = f"workbench/static/{name}.js is stale: run `npm ci && npm run build` and commit it"
    sha = hashlib.sha256(source.read_bytes()).hexdigest()
    assert f"source sha256: {sha}" in banner, stale
    imports = dict(re.findall(r"imports (\S+) \(sha256: ([0-9a-f]+)\)", banner))
    assert IMPORTS[name] <= set(imports)
    for path, digest in imports.items():
        assert hashlib.sha256((ROOT / path).read_bytes()).hexdigest() == digest, stale
    # User strings reach the page through textContent only; anywidget needs a default export.
    assert "innerHTML" not in bundle and "as default" in bundle
