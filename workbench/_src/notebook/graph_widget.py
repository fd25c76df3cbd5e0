"""The interactive graph viewer: ``wb.graph(f, *args, mode=None)``.

A thin ``anywidget.AnyWidget`` whose ``graph`` trait carries the introspection graph model
(``workbench._src.introspect.graph``) as plain JSON, made by ``graph_data`` without recomputing
anything. The front end, ``workbench/static/graph.js`` (bundled from ``extensions/graph/``), lays
the graph out in the browser with ELK's layered algorithm (``elkjs``, in a Web Worker) and draws
it as SVG: pan and zoom, regions that collapse and expand, forward / backward / residual edges,
loops drawn once with their trip count, hover, search, SVG export.

ELK's worker (about 1.6 MB of JavaScript) reaches the browser once per kernel, in a message
(not a trait: no saved notebook keeps it) of one ``LayoutEngine`` widget that every viewer
refers to, not once per viewer.

The state a user changes in the browser lives in synced traits, so it survives a re-render:
``expanded`` (ids of the open regions), ``viewport`` (pan and zoom), ``edges`` (which edges are
drawn), ``search`` and ``highlight`` (node or region ids drawn distinctly; the viewer opens the
regions that hold them and pans to them). ``GraphTraits`` holds these traits, so that the
inspector (``inspector.py``), which draws the same viewer in its graph tab, has them too.

Exported notebooks and front ends without widgets see the picture that follows the view
(``html.show``): the live view's own drawing once it has been drawn (same layout, colours,
legend and direction), before that an SVG made by Graphviz's ``dot`` of the view the widget
opens with (``graph_picture.py``: at most ``DOT_MAX_BOXES`` boxes, regions collapsed as the viewer
collapses them),
else the text rendering of the graph; every user string is escaped.
"""

from __future__ import annotations

import difflib
import functools
import html
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import anywidget
import ipywidgets
import traitlets

from workbench._src.introspect.graph import Graph, Source
from workbench._src.introspect.memory import Residual
from workbench._src.introspect.structure import loop_kinds
from workbench._src.notebook.graph_picture import (
    ModelText,
    graph_model,
    initial_expanded,
    is_internal,
    loop_detail,
    region_title,
    static_html,
)
from workbench._src.notebook.html import STATIC, LiveDisplay, fallback, static_text
from workbench._src.sources import source_text

EDGE_MODES = ("both", "forward", "backward")
FORMAT = 2  # graph_data's format; the front end refuses another

# The rows of graph_data()["nodes"], ["regions"] and ["edges"]: (field, coding) in row order.
# Codings: "" the value itself; "s" an index into data["strings"]; "s*" a list of them; "r" an
# index into data["regions"] (None for none); "n" an index into data["nodes"]; "kv" a list of
# [key, value] pairs of string indices. The data carries this table ("fields"), and the front
# end (extensions/graph/format.js) and the tests decode rows by it: it is written here only.
FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "nodes": (
        ("id", ""),
        ("kind", "s"),
        ("primitive", ""),
        ("name", "s"),
        ("phase", "s"),
        ("region", "r"),
        ("inputs", "s*"),  # aval texts
        ("outputs", "s*"),
        ("source", "s"),  # source_text(): the notebook cell and line, or file:line:column
        ("name_stack", "s"),
        ("residual_bytes", ""),
        ("recomputed", ""),  # 1 for a forward value recomputed in the backward pass (remat)
        ("internal", ""),  # 1 for an op the workbench's own code made (a schedule's bookkeeping)
    ),
    "regions": (
        ("id", ""),
        ("kind", "s"),
        ("label", ""),
        ("parent", "r"),
        ("phase", "s"),
        ("source", "s"),
        ("residual_bytes", ""),
        ("params", "kv"),  # a loop's trip count, a remat policy, ...
        ("internal", ""),  # 1 for a region the workbench's own code opened
        # Its name and second line as the views write them (graph_picture.region_title and
        # loop_detail), written here once: the front end draws them as they come.
        ("title", "s"),
        ("detail", "s"),
    ),
    "edges": (
        ("source", "n"),
        ("target", "n"),
        ("kind", ""),  # "f"orward, "b"ackward, "r"esidual
        ("aval", "s"),
    ),
}
NODE_FIELDS = tuple(name for name, _ in FIELDS["nodes"])
REGION_FIELDS = tuple(name for name, _ in FIELDS["regions"])
EDGE_FIELDS = tuple(name for name, _ in FIELDS["edges"])
_EDGE_CODES = {"forward": "f", "backward": "b", "residual": "r"}


@functools.cache
def elk_worker() -> bytes:
    """ELK's worker script (``workbench/static/elk-worker.js``), read once."""
    return (STATIC / "elk-worker.js").read_bytes()


class _Strings:
    """A string table: each distinct string once, rows hold its index ("" is index 0)."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {"": 0}

    def __call__(self, text: str) -> int:
        i = self.index.get(text)
        if i is None:
            i = self.index[text] = len(self.index)
        return i

    def table(self) -> list[str]:
        return list(self.index)  # dicts keep insertion order: position == index


def graph_data(graph: Graph, residuals: Iterable[Residual] = (), title: str = "") -> dict[str, Any]:
    """The graph model as the widget's ``graph`` trait holds it (JSON-able, compact).

    Nodes, regions and edges are rows (lists) whose fields and codings ``FIELDS`` lists, and
    the data carries that table as ``fields``. The strings that repeat from row to row (kinds,
    phases, aval texts, source lines, name stacks) are sent once, in ``strings``, and rows hold
    their index (``""`` is index 0); a node names its region, and a region its parent, by
    region index; an edge names its ends by node index and its kind by one letter (``f``orward,
    ``b``ackward, ``r``esidual). Ids, primitives and region labels stay plain strings.
    ``residual_bytes`` is what the residuals produced by a node (or by a region, for a loop's
    stacked residuals) keep for the backward pass. For a 50,000-equation gradient this is
    about a third of the JSON that plain strings in every row take.

    >>> import jax, jax.numpy as jnp
    >>> from workbench.introspect import graph_from_jaxpr
    >>> d = graph_data(graph_from_jaxpr(jax.make_jaxpr(jnp.sin)(jnp.float32(1.0))))
    >>> [row[2] for row in d["nodes"]], [e[:3] for e in d["edges"]]
    (['argument', 'sin', 'result'], [[0, 1, 'f'], [1, 2, 'f']])
    >>> [d["strings"][e[3]] for e in d["edges"]], d["strings"][d["nodes"][1][4]]
    (['f32[]', 'f32[]'], 'primal')
    """
    kept: dict[str, int] = {}
    for r in residuals:
        kept[r.producer] = kept.get(r.producer, 0) + r.nbytes
    index = {n.id: i for i, n in enumerate(graph.nodes)}
    region_index = {r.id: i for i, r in enumerate(graph.regions)}
    string = _Strings()
    sources: dict[Source | None, int] = {}

    def source(s: Source | None) -> int:
        if s not in sources:
            sources[s] = string(source_text(s))
        return sources[s]

    nodes = [
        [
            n.id,
            string(n.kind),
            n.primitive,
            string(n.name),
            string(n.phase),
            region_index.get(n.region),
            [string(a.text) for a in n.inputs],
            [string(a.text) for a in n.outputs],
            source(n.source),
            string(n.name_stack),
            kept.get(n.id, 0),
            int(n.recomputed),
            int(n.kind == "op" and is_internal(n.source)),
        ]
        for n in graph.nodes
    ]
    # Loops are the user's even where the workbench's code binds them (wb.fori_loop's
    # primitive): never grouped with the workbench's internals.
    loops = loop_kinds()
    regions = [
        [
            r.id,
            string(r.kind),
            r.label,
            region_index.get(r.parent) if r.parent is not None else None,
            string(r.phase),
            source(r.source),
            kept.get(r.id, 0),
            [[string(k), string(v)] for k, v in r.params],
            int(r.parent is not None and r.kind not in loops and is_internal(r.source)),
            string(region_title(r)),
            string(loop_detail(r)),
        ]
        for r in graph.regions
    ]
    edges = [
        [index[e.source], index[e.target], _EDGE_CODES[e.kind], string(e.aval.text)]
        for e in graph.edges
        if e.source in index and e.target in index
    ]
    return {
        "format": FORMAT,
        "fields": {key: [list(f) for f in fields] for key, fields in FIELDS.items()},
        "title": title,
        "summary": repr(graph),
        "strings": string.table(),
        "nodes": nodes,
        "regions": regions,
        "edges": edges,
        "loop_kinds": sorted(loops),  # the registry's (internals.regions), read by model.js
    }


ELK_REQUEST = "wb-elk?"  # what a viewer sends its layout engine (extensions/graph/engine.js)
ELK_ANSWER = "wb-elk"


class LayoutEngine(ipywidgets.Widget):
    """ELK's layout worker, as one widget model without a view: the viewers of a kernel refer
    to it (``GraphTraits._layout``) and ask it for ELK (``{"type": "wb-elk?"}``); it answers
    with the worker's script as the binary buffer of a message, so that the 1.6 MB of ELK reach
    the browser once per page, and never a saved notebook's widget state (a message is not
    state)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.on_msg(_answer_elk)


def _answer_elk(engine: LayoutEngine, content: Any, _buffers: Any) -> None:
    if isinstance(content, dict) and content.get("type") == ELK_REQUEST:
        engine.send({"type": ELK_ANSWER}, buffers=[elk_worker()])


_engine: LayoutEngine | None = None


def layout_engine() -> LayoutEngine:
    """The kernel's ``LayoutEngine`` (made again if it was closed)."""
    global _engine
    if _engine is None or _engine.comm is None:
        _engine = LayoutEngine()
    return _engine


class GraphTraits(traitlets.HasTraits):
    """The synced state of a graph viewer (``GraphWidget``, and the inspector's graph tab).

    ``graph`` (``graph_data``'s dict); ``expanded`` (ids of the regions drawn open; the program
    itself is always open); ``viewport`` (``{"x", "y", "k"}``: pan and zoom, ``{}`` to fit the
    graph; the viewer adds ``"focus"``, the highlight it last panned to); ``edges``
    (``"both"``, ``"forward"`` or ``"backward"``); ``search`` (highlights nodes and regions
    whose name contains it); ``highlight`` (ids of nodes or regions drawn distinctly: the viewer
    opens the regions that hold them and pans to them); ``marks`` (``{}``, or where a non-finite
    value is made and goes, ``NanPath.to_json()``: ``origin``, ``source``, ``nodes``, ``edges``,
    ``residual``, drawn in red); ``_layout``, the ``LayoutEngine``,
    set once the viewer is shown live (``live_bundle``): a notebook run where no front end draws
    widgets (``nbconvert --execute``) never refers to it.
    """

    graph = traitlets.Dict().tag(sync=True)
    expanded = traitlets.List(traitlets.Unicode()).tag(sync=True)
    viewport = traitlets.Dict().tag(sync=True)
    edges = traitlets.Unicode("both").tag(sync=True)
    search = traitlets.Unicode("").tag(sync=True)
    highlight = traitlets.List(traitlets.Unicode()).tag(sync=True)
    marks = traitlets.Dict().tag(sync=True)
    _layout = traitlets.Instance(LayoutEngine, allow_none=True).tag(
        sync=True, **ipywidgets.widget_serialization
    )

    def live_bundle(self) -> dict[str, Any]:
        if self._layout is None:  # the front end draws this viewer: it needs ELK
            self._layout = layout_engine()
        return super().live_bundle()  # type: ignore[misc]

    @traitlets.validate("edges")
    def _check_edges(self, proposal: Mapping[str, Any]) -> str:
        value = proposal["value"]
        if value not in EDGE_MODES:
            raise traitlets.TraitError(
                f"{type(self).__name__}.edges is one of {', '.join(map(repr, EDGE_MODES))}, "
                f"not {value!r}."
            )
        return str(value)

    @traitlets.validate("highlight")
    def _check_highlight(self, proposal: Mapping[str, Any]) -> list[str]:
        value = list(proposal["value"])
        data = self.graph or {}
        known = [row[0] for row in data.get("nodes", [])] + [
            row[0] for row in data.get("regions", [])
        ]
        if not known:
            return value
        ids = set(known)
        for item in value:
            if item not in ids:
                near = difflib.get_close_matches(item, known, n=3)
                hint = f" Did you mean {', '.join(map(repr, near))}?" if near else ""
                raise traitlets.TraitError(
                    f"{type(self).__name__}.highlight takes node or region ids of this graph "
                    f"(such as {known[min(1, len(known) - 1)]!r}), but {item!r} is none of "
                    f"its {len(known)}.{hint}"
                )
        return value


class GraphWidget(GraphTraits, ModelText, LiveDisplay, anywidget.AnyWidget):
    """The interactive view of one program's graph model.

    Traits (synced with the browser): those of ``GraphTraits``: ``graph``, ``expanded``,
    ``viewport``, ``edges``, ``search`` and ``highlight``.
    """

    _esm = static_text("loader.js")
    CODE = "graph"

    def __init__(self, model: Graph, residuals: Iterable[Residual] = (), title: str = "") -> None:
        data = graph_data(model, residuals, title)
        super().__init__(graph=data, expanded=initial_expanded(model))
        self._model = model

    def to_html(self) -> str:
        """The ``text/html`` fallback: Graphviz's SVG of the view the widget opens with, where
        ``dot`` exists and the view is small enough (``graph_picture``); else the text."""
        return static_html(
            self._model, self.graph.get("title", ""), self.expanded, self.marks, self.to_text()
        )

    def picture_bundle(self, drawing: str | None) -> dict[str, Any] | None:
        """The picture of the live view's ``drawing`` (its SVG, with its legend), above the
        text; ``None`` without one."""
        if drawing is None:
            return None
        title = html.escape(self.graph.get("title", ""))
        head = f"<div><strong>{title}</strong></div>" if title else ""
        body = f'<div class="wb-graph-static wb-graph-drawn">{head}{drawing}</div>'
        return {"text/html": fallback(body), "text/plain": self.to_text()}


def graph_widget(f: Callable[..., Any], *args: Any, mode: Any = None) -> GraphWidget:
    """``wb.graph``: traces ``f(*args)`` (or its derivative, with ``mode``) once, without
    compiling, and returns the widget of its graph model and residuals."""
    return GraphWidget(*graph_model(f, args, mode))
