"""Fallbacks that keep a cell working when an optional part fails say so (``FallbackWarning``).

Each of these once swallowed any exception: a JAX release that broke the route behind it would
have gone unseen. Now each warns with the cause and still never breaks the cell. (IR links:
``test_ir_links.py::test_links_never_break_the_inspector``.)
"""

from __future__ import annotations

import jax.numpy as jnp
import pytest

import workbench as wb
from workbench._src.errors import FallbackWarning
from workbench._src.internals import private_jax
from workbench._src.notebook import cell_expression, views


def test_view_data_that_fails_warns_and_the_text_is_shown(monkeypatch):
    def broken(report):
        raise RuntimeError("no grid today")

    monkeypatch.setattr(views, "sharding_data", broken)
    ins = wb.inspect(lambda x: jnp.sum(x * 2), jnp.ones(4), runs=0)
    with pytest.warns(FallbackWarning, match=r"sharding view's data .*RuntimeError: no grid"):
        (view,) = views.build_views(["sharding"], None, ins)
    assert view.data is None and view.text and not view.note


def test_a_container_jax_cannot_flatten_warns_and_becomes_a_constant():
    mixed_keys = {1: jnp.ones(2), "a": jnp.ones(2)}  # keys JAX cannot sort
    with pytest.warns(FallbackWarning, match=r"A dict the expression reads could not be flattened"):
        assert not cell_expression.is_array_data(mixed_keys)
    assert cell_expression.is_array_data({"a": jnp.ones(2), "b": [jnp.ones(3)]})


def test_private_routes_that_fail_warn_and_fall_back():
    not_compiled = object()
    with pytest.warns(FallbackWarning, match=r"optimized module as StableHLO .*AttributeError"):
        assert private_jax.optimized_stablehlo(not_compiled, None) is None
    with pytest.warns(FallbackWarning, match=r"device assignment .*AttributeError"):
        assert private_jax.executable_devices(not_compiled) is None


_WITHOUT_WIDGETS = """
import sys, warnings
sys.modules["anywidget"] = None  # as if it were not installed
sys.modules["ipywidgets"] = None
import jax.numpy as jnp, workbench as wb
from workbench._src.errors import FallbackWarning
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    g = wb.graph(lambda x: jnp.sum(jnp.sin(x) * x), jnp.ones(3), mode=wb.Reverse)
    t = wb.tradeoff_explorer(lambda i, y: jnp.sin(y), jnp.ones(3), 16, measure=False)
said = [str(w.message) for w in caught if issubclass(w.category, FallbackWarning)]
bundle = g._repr_mimebundle_()
print(len(said), said[0].split(";")[0] if said else "")
print("sin" in bundle["text/plain"], "<svg" in bundle["text/html"])
print([r.evaluations for r in t.rows])
"""


def test_without_the_widget_libraries_the_views_fall_back_with_a_warning():
    """Reported: with anywidget or ipywidgets missing, wb.graph and the trade-off explorer
    raised a bare ModuleNotFoundError. Now each shows its static view (the graph's picture and
    text; wb.tradeoffs' table) and says what to install. In a fresh interpreter, where the
    libraries are blocked before the workbench loads."""
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", _WITHOUT_WIDGETS], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-2000:]
    count, graph, rows = out.stdout.strip().splitlines()
    assert count.startswith("2 wb.graph: the widget library could not be imported (ModuleNotF")
    assert graph == "True True" or graph == "True False"  # the SVG where dot exists
    expected = wb.tradeoffs(lambda i, y: jnp.sin(y), jnp.ones(3), 16, measure=False)
    assert rows == str([r.evaluations for r in expected.rows])


def test_a_broken_dot_leaves_the_graph_text(monkeypatch, tmp_path):
    """Reported: a broken ``dot`` on PATH left the static graph empty. The picture falls back
    to the graph's text outline."""
    import os

    broken = tmp_path / "dot"
    broken.write_text("#!/bin/sh\necho 'dot: broken' >&2\nexit 1\n")
    broken.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    g = wb.graph(lambda x: jnp.sum(jnp.sin(x) * x), jnp.ones(3), mode=wb.Reverse)
    html = g.to_html()
    assert "<svg" not in html.split("wb-legend")[0] and "sin" in html and "<pre>" in html


def test_every_fallback_says_so_in_one_form(monkeypatch):
    """Issue 25: the inspector swallowed failures silently in four places, and "the first line
    of the exception plus a warning" was written six times. One ``warn_fallback`` says what
    failed, why, and what is shown instead; here the inspector's static picture."""
    from workbench._src.notebook import inspector

    def broken(*args, **kwargs):
        raise RuntimeError("no dot today")

    ins = wb.inspect(lambda x: jnp.sum(jnp.sin(x)), jnp.ones(3), runs=0)
    widget = inspector.Inspector.of("f", views.build_views(["graph"], None, ins), ins)
    monkeypatch.setattr(inspector, "graphviz_svg", broken)
    with pytest.warns(FallbackWarning, match=r"^Graphviz's picture .*\(RuntimeError: no dot"):
        html = widget.to_html()
    assert "sin" in html
