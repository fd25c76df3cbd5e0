"""How the widgets show themselves (``html.show``), what they hold on to, and what they send.

- Static fallbacks until a front end says it draws the widgets, then live views, the outputs
  shown so far included (an exported notebook shows the fallbacks; JupyterLab the widgets).
- Once a front end is known to draw them, fallbacks are never built (they never delay a view).
- 50 displays of a widget, then ``close()``, leave at most one widget alive (issue 17): no
  widget is held by anywidget's file watcher, by the display registry or by the layout engine.
- ELK's worker is sent once per kernel (one ``LayoutEngine`` shared by every viewer).

Oracles: the bundles IPython publishes (recorded), ``weakref`` and ``gc`` for liveness.
"""

from __future__ import annotations

import gc
import weakref

import jax.numpy as jnp
import pytest
from IPython.core.formatters import DisplayFormatter
from IPython.utils.capture import capture_output

import workbench as wb
from workbench._src.notebook import graph_widget as gw
from workbench._src.notebook import html
from workbench._src.notebook import tradeoff_widget as tw
from workbench._src.notebook.inspector import Inspector
from workbench._src.notebook.views import View

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.fixture
def front_end(monkeypatch):
    """A fresh ``FRONT_END`` (no front end has spoken yet), and every bundle published, recorded
    as (bundle, display_id, update)."""
    fresh = html._FrontEnd()
    monkeypatch.setattr(html, "FRONT_END", fresh)
    monkeypatch.setattr(tw, "FRONT_END", fresh)
    published = []
    monkeypatch.setattr(
        html, "_publish", lambda bundle, did, update=False: published.append((bundle, did, update))
    )
    return fresh, published


def loss(x):
    return jnp.sum(jnp.sin(x) * x)


def _says_live(widget):
    """What a widget's front end sends when it loads (extensions/*/index.js, initialize)."""
    widget._handle_custom_msg({"type": html.LIVE_MESSAGE}, [])


def test_static_until_a_front_end_speaks_then_live(front_end):
    state, published = front_end
    w = wb.graph(loss, jnp.arange(3.0), mode=wb.Reverse)
    w._ipython_display_()
    ((bundle, did, update),) = published
    assert WIDGET_VIEW not in bundle and not update
    assert "wb-graph-static" in bundle["text/html"] and bundle["text/plain"] == w.to_text()
    # The front end loads the widget's module: the output shown becomes the live view.
    _says_live(w)
    assert state.live and state.waiting == {}
    bundle, again, update = published[-1]
    assert update and again == did
    assert bundle[WIDGET_VIEW]["model_id"] == w.model_id and "text/html" not in bundle


def test_once_live_no_fallback_is_built(front_end, monkeypatch):
    state, published = front_end
    state.live = True

    def slow(self):
        raise AssertionError("the static fallback was built for a live front end")

    monkeypatch.setattr(gw.GraphWidget, "to_html", slow)
    w = wb.graph(loss, jnp.arange(3.0), mode=wb.Reverse)
    w._ipython_display_()
    ((bundle, _, update),) = published
    assert not update and bundle[WIDGET_VIEW]["model_id"] == w.model_id


def test_every_waiting_output_becomes_live(front_end):
    state, published = front_end
    widgets = [wb.graph(loss, jnp.arange(3.0)) for _ in range(3)]
    for w in widgets:
        w._ipython_display_()
    ids = [did for _, did, _ in published]
    assert len(set(ids)) == 3 and len(state.waiting) == 3
    _says_live(widgets[-1])  # one front end speaks for all
    updated = {did: b[WIDGET_VIEW]["model_id"] for b, did, up in published[3:] if up}
    assert updated == {did: w.model_id for did, w in zip(ids, widgets, strict=True)}


def test_a_widget_closed_before_the_front_end_speaks_keeps_its_static_output(front_end):
    _, published = front_end
    shut, kept = wb.graph(loss, jnp.arange(3.0)), wb.graph(loss, jnp.arange(4.0))
    shut._ipython_display_()
    kept._ipython_display_()
    shut.close()
    _says_live(kept)
    updated = [b[WIDGET_VIEW]["model_id"] for b, _, up in published if up]
    assert updated == [kept.model_id]


def test_inspector_and_explorer_show_the_same_way(front_end):
    _, published = front_end
    insp = Inspector.of("t", [View("result", "result", "text", "42")])
    insp._ipython_display_()
    ex = wb.tradeoff_explorer(lambda i, y: jnp.sin(y), jnp.zeros(3), 8, measure=False)
    ex._ipython_display_()
    assert all(WIDGET_VIEW not in b for b, _, _ in published)
    assert "<details" in published[0][0]["text/html"] and "<svg" in published[1][0]["text/html"]
    _says_live(ex)
    assert {b[WIDGET_VIEW]["model_id"] for b, _, up in published if up} == {
        insp.model_id,
        ex.model_id,
    }


def test_explorer_waits_for_its_table_where_no_front_end_draws_it(front_end, monkeypatch):
    state, _ = front_end
    monkeypatch.setattr(tw, "_in_kernel", lambda: True)
    # No front end has spoken (nbconvert --execute): computed before the cell ends, so the
    # fallback shows the final curve, not "computing".
    ex = wb.tradeoff_explorer(lambda i, y: jnp.sin(y), jnp.zeros(3), 8, measure=False)
    assert ex.table is not None and "computing" not in ex.to_text()
    assert ex.progress == {"done": len(ex.rows), "total": len(ex.rows), "label": ""}
    # A live front end draws the progress bar: the table is computed in the background.
    state.live = True
    ex = wb.tradeoff_explorer(lambda i, y: jnp.sin(y), jnp.zeros(3), 8, measure=False)
    assert ex._thread is not None
    ex.wait()
    assert ex.table is not None


def _alive(refs):
    gc.collect()
    return sum(r() is not None for r in refs)


@pytest.mark.parametrize("kind", ["graph", "inspector", "tradeoffs"])
def test_fifty_displays_then_close_free_the_widgets(kind):
    """Issue 17: anywidget's file watcher held every widget whose ``_esm`` was a path."""
    make = {
        "graph": lambda: wb.graph(loss, jnp.arange(3.0), mode=wb.Reverse),
        "inspector": lambda: Inspector.of("t", [View("result", "result", "text", "42")]),
        "tradeoffs": lambda: wb.tradeoff_explorer(
            lambda i, y: jnp.sin(y), jnp.zeros(3), 8, measure=False, background=False
        ),
    }[kind]
    assert _alive(_display_and_close(make, 50)) <= 1


def _display_and_close(make, times):
    refs = []
    for _ in range(times):
        w = make()
        with capture_output():
            DisplayFormatter().format(w)  # as IPython displays a cell's result
            w._ipython_display_()
        w.close()
        refs.append(weakref.ref(w))
        del w
    return refs


def test_the_leak_check_sees_a_widget_whose_module_is_a_path():
    """The check above is not vacuous: with ``_esm`` a path (as before), every widget lives."""

    class PathWidget(gw.GraphWidget):
        _esm = gw.STATIC / "graph.js"

    refs = _display_and_close(lambda: PathWidget(wb.graph(loss, jnp.ones(2)).model), 5)
    assert _alive(refs) == 5


@pytest.mark.usefixtures("front_end")  # no front end has spoken yet; bundles are recorded
def test_layout_engine_is_sent_once_shared_and_only_to_live_views():
    a = wb.graph(loss, jnp.arange(3.0))
    b = wb.graph(loss, jnp.arange(4.0))
    insp = Inspector.of("t", [View("result", "result", "text", "42")])
    # Shown static (no front end draws widgets: nbconvert --execute), no viewer gets ELK, so
    # a notebook run that way keeps no 1.6 MB of it in its widget state.
    for w in (a, b, insp):
        w._ipython_display_()
        assert w._layout is None
    _says_live(a)  # now they are shown live: each refers to the one engine
    assert a._layout is b._layout is insp._layout is gw.layout_engine()
    assert a.get_state()["_layout"] == f"IPY_MODEL_{gw.layout_engine().model_id}"
    # ELK (1.6 MB) is in the engine's state, once; each viewer's module is small.
    assert len(gw.layout_engine().source) > 1_000_000
    assert len(a.get_state()["_esm"]) < 200_000
    gw.layout_engine().close()  # a closed engine is made again for the next viewer
    c = wb.graph(loss, jnp.arange(3.0))
    c._ipython_display_()
    assert c._layout is gw.layout_engine() and c._layout.comm is not None


def test_sources_name_the_notebook_cell(monkeypatch):
    """IPython compiles each cell under a file name it maps to the cell's number (its
    tracebacks say "Cell In[3], line 2"); the graph says "cell [3], line 2" the same way."""
    import types

    import IPython

    cell_file = "/tmp/ipykernel_4242/1234567.py"
    shell = types.SimpleNamespace(compile=types.SimpleNamespace(_filename_map={cell_file: 3}))
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    ns = {"jnp": jnp}
    exec(compile("def f(x):\n    y = jnp.sin(x)\n    return jnp.sum(y)", cell_file, "exec"), ns)
    g = wb.graph(ns["f"], jnp.arange(3.0))
    sin = next(row for row in g.graph["nodes"] if row[2] == "sin")
    assert g.graph["strings"][sin[8]] == "cell [3], line 2 (f)"
    monkeypatch.setattr(IPython, "get_ipython", lambda: None)  # outside a notebook: the file
    g = wb.graph(ns["f"], jnp.arange(3.0))
    sin = next(row for row in g.graph["nodes"] if row[2] == "sin")
    assert g.graph["strings"][sin[8]].startswith(f"{cell_file}:2:")
