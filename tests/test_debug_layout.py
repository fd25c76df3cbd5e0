"""The debugging tools' layout (issue 25 item 2): ``debug/`` imports nothing of ``notebook/``
(the NaN marks on the graph are drawn by the views), and no file of it is over 800 lines."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import workbench

DEBUG = Path(workbench.__file__).parent / "_src" / "debug"


def imported_modules(path: Path) -> list[str]:
    """Every module a file imports, at the top or inside a function, absolute or relative."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the file's package
                package = path.relative_to(DEBUG.parent.parent.parent).parent.parts
                base = ".".join(package[: len(package) - node.level + 1])
                names.append(f"{base}.{node.module}" if node.module else base)
            else:
                names.append(node.module or "")
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module":
            names += [a.value for a in node.args if isinstance(a, ast.Constant)]
    return names


def test_debug_imports_nothing_of_notebook():
    files = sorted(DEBUG.rglob("*.py"))
    assert any(f.parent.name == "nans" for f in files)  # the package is read too
    offending = {
        str(f.relative_to(DEBUG)): m
        for f in files
        for m in imported_modules(f)
        if m.startswith("workbench._src.notebook") or m == "workbench.notebook"
    }
    assert offending == {}


def test_the_reader_sees_function_level_imports(tmp_path):
    path = tmp_path / "x.py"
    path.write_text(
        "import importlib\n"
        "def f():\n    from workbench._src.notebook.graph_widget import GraphWidget\n"
        "def g():\n    importlib.import_module('workbench._src.notebook.api')\n"
    )
    assert imported_modules(path) == [
        "importlib",
        "workbench._src.notebook.graph_widget",
        "workbench._src.notebook.api",
    ]


def test_no_debug_file_is_over_800_lines():
    long = {
        str(f.relative_to(DEBUG)): n
        for f in DEBUG.rglob("*.py")
        if (n := len(f.read_text().splitlines())) > 800
    }
    assert long == {}


def test_the_public_names_import_from_where_they_did():
    from workbench._src.debug.nans import (  # noqa: F401
        CAPTURE_BYTES,
        NanReport,
        explain_nans,
        explain_program,
    )

    # wb.explain_nans is the function itself under the signature check (errors.checked_signature)
    assert inspect.unwrap(workbench.explain_nans) is explain_nans
    assert workbench.NanReport is NanReport
