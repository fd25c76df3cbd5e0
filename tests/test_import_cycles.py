"""Every ``workbench._src`` module imports on its own, first, in a fresh interpreter.

An import circle shows only when the circle is entered at a particular module ("cannot import
name ... partially initialized module"), so each module is imported as the first of the workbench
(``workbench`` cleared from ``sys.modules`` between them), in one subprocess for all of them.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import workbench._src

# Each module imported in a fresh interpreter: CI runs this in its floor run only (.ci/run).
pytestmark = pytest.mark.floor_only

ROOT = Path(__file__).resolve().parent.parent

IMPORT_EACH = """
import importlib, json, sys, traceback

failed = {}
for name in json.loads(sys.argv[1]):
    for key in [k for k in sys.modules if k == "workbench" or k.startswith("workbench.")]:
        del sys.modules[key]
    try:
        importlib.import_module(name)
    except Exception:
        failed[name] = traceback.format_exc(limit=-4)
print(json.dumps(failed))
"""


def src_modules() -> list[str]:
    found = pkgutil.walk_packages(workbench._src.__path__, "workbench._src.")
    return sorted(m.name for m in found)


def test_each_src_module_imports_alone_in_a_fresh_interpreter():
    modules = src_modules()
    assert "workbench._src.errors" in modules and "workbench._src.ad.activities" in modules
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_EACH, json.dumps(modules)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    failed = json.loads(done.stdout.strip().splitlines()[-1])
    assert not failed, "\n\n".join(f"{name}:\n{tb}" for name, tb in failed.items())


def test_the_shared_text_formatting_imports_no_report():
    """Issue 25: ``introspect/text.py`` imported every report type (for type checking) while
    every report imported it: a circle. Each report renders itself now; ``text.py`` imports
    nothing of the workbench."""
    import ast

    tree = ast.parse((ROOT / "workbench" / "_src" / "introspect" / "text.py").read_text())
    imported = [
        node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
    ] + [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    ]
    assert not [m for m in imported if m.startswith("workbench")], imported
