"""How the widgets show themselves (``html.show``), what they hold on to, and what they send.

- Two outputs per widget: its view (empty until a front end says it draws the widgets, then
  live, the outputs shown so far included) and its picture (the static fallback, or the live
  view's own drawing once drawn): an exported notebook shows the picture, with or without its
  saved widget state.
- Once a front end is known to draw them, no fallback is built before the view is drawn.
- A drawing sent by a view is kept only if nothing in it can run or load (``safe_svg``).
- Each kind of widget's code is sent once per kernel (``WidgetCode``); ELK in a message.
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


def _views_and_pictures(published):
    """The outputs ``show`` published first (not updates), as (view, picture) pairs."""
    first = [(b, did) for b, did, up in published if not up]
    return list(zip(first[::2], first[1::2], strict=True))


def test_static_until_a_front_end_speaks_then_live(front_end):
    state, published = front_end
    w = wb.graph(loss, jnp.arange(3.0), mode=wb.Reverse)
    w._ipython_display_()
    # Two outputs: the view (empty until a front end draws widgets) and its picture.
    (((view, vid), (picture, pid)),) = _views_and_pictures(published)
    assert view == html.VIEW_PLACEHOLDER and WIDGET_VIEW not in picture
    assert picture["text/html"].startswith('<div class="wb-fallback">')
    assert "wb-graph-static" in picture["text/html"] and picture["text/plain"] == w.to_text()
    assert "forward value" in picture["text/html"]  # the legend
    # The front end loads the widget's module: the view's output becomes the live view; the
    # picture stays (pages without widgets show it; the live view's loader hides it).
    _says_live(w)
    assert state.live and state.waiting == {}
    bundle, again, update = published[-1]
    assert update and again == vid
    assert bundle[WIDGET_VIEW]["model_id"] == w.model_id and "text/html" not in bundle
    assert w.pictures() == {pid: True}


def test_once_live_no_fallback_is_built_before_the_view_is_drawn(front_end, monkeypatch):
    state, published = front_end
    state.live = True
    built = []
    real = gw.GraphWidget.to_html

    def counted(self):
        built.append(self)
        return real(self)

    monkeypatch.setattr(gw.GraphWidget, "to_html", counted)
    w = wb.graph(loss, jnp.arange(3.0), mode=wb.Reverse)
    w._ipython_display_()
    (((view, _), (picture, pid)),) = _views_and_pictures(published)
    assert view[WIDGET_VIEW]["model_id"] == w.model_id and picture == html.PICTURE_PLACEHOLDER
    assert built == []
    # The view says it is drawn, without a drawing: the placeholder gets the fallback, once.
    w._handle_custom_msg({"type": html.DRAWN_MESSAGE}, [])
    w._handle_custom_msg({"type": html.DRAWN_MESSAGE}, [])
    updates = [(b, did) for b, did, up in published if up]
    assert [did for _, did in updates] == [pid] and len(built) == 1
    assert "wb-graph-static" in updates[0][0]["text/html"]


SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" class="wb-picture" width="10" height="10">'
    '<style>.wb-node rect { fill: #ddf4ff; }</style><defs><marker id="a"/></defs>'
    '<g class="wb-node"><rect/><text>sin &lt;img src=x onerror=1&gt;</text></g>'
    '<path class="wb-edge" marker-end="url(#a)" d="M0,0L1,1"/></svg>'
)


def test_the_live_drawing_becomes_the_picture(front_end):
    state, published = front_end
    state.live = True
    w = wb.graph(loss, jnp.arange(3.0), mode=wb.Reverse)
    w._ipython_display_()
    ((_, (_, pid)),) = _views_and_pictures(published)
    w._handle_custom_msg({"type": html.DRAWN_MESSAGE, "svg": SVG}, [])
    bundle, did, update = published[-1]
    assert update and did == pid
    assert SVG in bundle["text/html"] and bundle["text/html"].startswith(
        '<div class="wb-fallback">'
    )
    assert "<strong>loss</strong>" in bundle["text/html"]
    # A newer drawing (the user opened a region) replaces it.
    newer = SVG.replace('width="10"', 'width="12"')
    w._handle_custom_msg({"type": html.DRAWN_MESSAGE, "svg": newer}, [])
    assert newer in published[-1][0]["text/html"]


@pytest.mark.parametrize(
    "bad",
    [
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg"><g onclick="alert(1)"/></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><div/></foreignObject></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
        '<use x:href="http://evil/x.svg#a"/></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(http://evil/a.css);</style>'
        "</svg>",
        '<svg xmlns="http://www.w3.org/2000/svg"><rect fill="url(http://evil/p)"/></svg>',
        "<svg><unclosed></svg>",
        "<div>not svg</div>",
        None,
        42,
    ],
)
def test_a_drawing_with_anything_active_is_refused(bad, front_end):
    """A drawing goes into the notebook as HTML: anything that could run or load is refused,
    and the picture is the static fallback instead."""
    assert html.safe_svg(bad) is None
    state, published = front_end
    state.live = True
    w = wb.graph(loss, jnp.arange(3.0))
    w._ipython_display_()
    w._handle_custom_msg({"type": html.DRAWN_MESSAGE, "svg": bad}, [])
    bundle = published[-1][0]
    assert bad is None or str(bad) not in bundle["text/html"]
    assert "wb-graph-static" in bundle["text/html"]


def test_safe_svg_keeps_a_drawing_with_escaped_user_text():
    assert html.safe_svg(SVG) == SVG


def test_every_waiting_output_becomes_live(front_end):
    state, published = front_end
    widgets = [wb.graph(loss, jnp.arange(3.0)) for _ in range(3)]
    for w in widgets:
        w._ipython_display_()
    ids = [view[1] for view, _ in _views_and_pictures(published)]
    assert len(set(ids)) == 3 and len(state.waiting) == 3
    _says_live(widgets[-1])  # one front end speaks for all
    updated = {did: b[WIDGET_VIEW]["model_id"] for b, did, up in published if up}
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
    pairs = _views_and_pictures(published)
    assert all(WIDGET_VIEW not in b for b, _, _ in published)
    assert "<details" in pairs[0][1][0]["text/html"] and "<svg" in pairs[1][1][0]["text/html"]
    _says_live(ex)
    assert {b[WIDGET_VIEW]["model_id"] for b, _, up in published if up} == {
        insp.model_id,
        ex.model_id,
    }


def test_each_kind_of_widget_sends_its_code_once_per_kernel(front_end):
    """A widget's module is the loader; its code is one ``WidgetCode`` per kind, referred to
    by every widget of that kind once shown live: a saved widget state holds it once."""
    _, _ = front_end
    a, b = wb.graph(loss, jnp.arange(3.0)), wb.graph(loss, jnp.arange(4.0))
    insp = Inspector.of("t", [View("result", "result", "text", "42")])
    for w in (a, b, insp):
        assert w._esm == html.static_text("loader.js") and len(w._esm) < 3000
        assert w._code is None
        w._ipython_display_()
    _says_live(a)
    assert a._code is b._code is html.widget_code("graph") and a._code.comm is not None
    assert insp._code is html.widget_code("inspector") is not a._code
    assert a.get_state()["_code"] == f"IPY_MODEL_{a._code.model_id}"
    assert a._code.source == html.static_text("graph.js")
    assert a._code.css == html.static_text("graph.css")


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
def test_twenty_displays_then_close_free_the_widgets(kind):
    """Issue 17: anywidget's file watcher held every widget whose ``_esm`` was a path (50 of 50
    displayed). Twenty, not fifty: each display of the trade-off explorer draws its Matplotlib
    picture twice (about 0.5 s each), and the check needs only more than one."""
    make = {
        "graph": lambda: wb.graph(loss, jnp.arange(3.0), mode=wb.Reverse),
        "inspector": lambda: Inspector.of("t", [View("result", "result", "text", "42")]),
        "tradeoffs": lambda: wb.tradeoff_explorer(
            lambda i, y: jnp.sin(y), jnp.zeros(3), 8, measure=False, background=False
        ),
    }[kind]
    assert _alive(_display_and_close(make, 20)) <= 1


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
        _esm = gw.STATIC / "loader.js"

    refs = _display_and_close(lambda: PathWidget(wb.graph(loss, jnp.ones(2)).model), 5)
    assert _alive(refs) == 5


@pytest.mark.usefixtures("front_end")  # no front end has spoken yet; bundles are recorded
def test_layout_engine_is_shared_only_by_live_views_and_sends_elk_as_a_message(monkeypatch):
    a = wb.graph(loss, jnp.arange(3.0))
    b = wb.graph(loss, jnp.arange(4.0))
    insp = Inspector.of("t", [View("result", "result", "text", "42")])
    # Shown static (no front end draws widgets: nbconvert --execute), no viewer refers to it.
    for w in (a, b, insp):
        w._ipython_display_()
        assert w._layout is None
    _says_live(a)  # now they are shown live: each refers to the one engine
    engine = gw.layout_engine()
    assert a._layout is b._layout is insp._layout is engine
    assert a.get_state()["_layout"] == f"IPY_MODEL_{engine.model_id}"
    # ELK (1.6 MB) is in no widget's state (a saved notebook keeps states): the engine sends it
    # in a message when a viewer asks for it.
    states = [w.get_state() for w in (engine, a, b, insp)]
    assert all(len(repr(s)) < 200_000 for s in states)
    sent = []
    monkeypatch.setattr(
        engine, "send", lambda content, buffers=None: sent.append((content, buffers))
    )
    engine._handle_custom_msg({"type": gw.ELK_REQUEST}, [])
    ((content, buffers),) = sent
    assert content == {"type": gw.ELK_ANSWER} and buffers[0] == gw.elk_worker()
    assert len(buffers[0]) > 1_000_000 and b"org.eclipse.elk" in buffers[0]
    engine._handle_custom_msg({"type": "something else"}, [])
    assert len(sent) == 1
    engine.close()  # a closed engine is made again for the next viewer
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
