"""Writes the fixtures of the widgets' Node unit tests (``extensions/*/test/``): the graph viewer's
data (``graph_data``) for the programs of ``graph_programs.py`` and the trade-off explorer's
traits, exactly as the Python side sends them, so that ``node --test`` checks the front end
against the real format without a browser. ``tests/test_graph_widget.py`` checks that the
committed fixtures are in the format the Python side writes now.

    .venv/bin/python tests/js_fixtures.py          # rewrite extensions/test-fixtures/*.json
"""

from __future__ import annotations

import json
import pathlib
import sys
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parents[1]
OUT = ROOT / "extensions" / "test-fixtures"
sys.path.insert(0, str(ROOT))

from tests import graph_programs  # noqa: E402


def graph_fixture(name: str, expand_all: bool = False) -> dict[str, Any]:
    """``{"graph", "expanded"}`` of ``wb.graph`` on program ``name``'s gradient; file paths made
    relative to the repository, so the fixture is the same on every machine."""
    import workbench as wb

    fn, args = graph_programs.call(name)
    w = wb.graph(fn, *args, mode=wb.Reverse)
    data = json.loads(json.dumps(w.graph))
    prefix = str(ROOT) + "/"
    data["strings"] = [s.replace(prefix, "") for s in data["strings"]]
    expanded = [r.id for r in w.model.regions if r.parent is not None] if expand_all else w.expanded
    w.close()
    return {"program": name, "graph": data, "expanded": expanded}


def nan_fixture() -> dict[str, Any]:
    """``{"graph", "marks"}`` of ``wb.graph(..., nans=True)`` on the NaN program's gradient."""
    import workbench as wb

    ns = graph_programs.namespace()
    fn, args = graph_programs.NAN_PROGRAM
    w = wb.graph(ns[fn], *eval(f"({args},)", ns), mode=wb.Reverse, nans=True)
    data = json.loads(json.dumps(w.graph))
    prefix = str(ROOT) + "/"
    data["strings"] = [s.replace(prefix, "") for s in data["strings"]]
    out = {"program": fn, "graph": data, "expanded": w.expanded, "marks": dict(w.marks)}
    w.close()
    return out


def tradeoff_fixture() -> dict[str, Any]:
    """The trade-off explorer's traits on a 1,000-step loop (theory only, as drawn)."""
    import jax.numpy as jnp

    import workbench as wb

    ex = wb.tradeoff_explorer(lambda i, y: jnp.sin(y), jnp.zeros(1000), 1000, measure=False)
    state = {k: getattr(ex, k) for k in ("title", "steps", "carry_bytes", "step_residual_bytes")}
    state |= {"rows": ex.rows, "progress": ex.progress, "timeline": ex.timeline}
    ex.close()
    return json.loads(json.dumps(state))


FIXTURES = {
    "mlp2.json": lambda: graph_fixture("mlp2"),
    "mlp20.json": lambda: graph_fixture("mlp20"),
    "remat20.json": lambda: graph_fixture("remat20", expand_all=True),
    "scan_loop.json": lambda: graph_fixture("scan_loop"),
    "binomial_loop.json": lambda: graph_fixture("binomial_loop"),
    "blocks12.json": lambda: graph_fixture("blocks12"),
    "tradeoffs1000.json": tradeoff_fixture,
    "nan_marks.json": nan_fixture,
}


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name, make in FIXTURES.items():
        (OUT / name).write_text(json.dumps(make(), separators=(",", ":")) + "\n")
        print(f"wrote {OUT.relative_to(ROOT) / name}")


if __name__ == "__main__":
    main()
