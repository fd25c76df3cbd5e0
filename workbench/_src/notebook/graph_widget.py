"""The interactive graph viewer: ``wb.graph(f, *args, mode=None)``.

A thin ``anywidget.AnyWidget`` whose ``graph`` trait carries the introspection graph model
(``workbench._src.introspect.graph``) as plain JSON, made by ``graph_data`` without recomputing
anything. The front end, ``workbench/static/graph.js`` (bundled from ``extensions/graph/index.js``
with ``@dagrejs/dagre``), lays the graph out in the browser and draws it as SVG: pan and zoom,
regions that collapse and expand, forward / backward / residual edges, hover, search.

The state a user changes in the browser lives in synced traits, so it survives a re-render:
``expanded`` (ids of the open regions), ``viewport`` (pan and zoom), ``edges`` (which edges are
drawn), ``search`` and ``highlight`` (node or region ids drawn distinctly; the viewer opens the
regions that hold them and pans to them). ``GraphTraits`` holds these traits, so that the
inspector (``inspector.py``), which draws the same viewer in its graph tab, has them too.

Exported notebooks and front ends without widgets see ``_repr_mimebundle_``'s fallbacks: an SVG
made by Graphviz's ``dot`` when the ``graphviz`` package and the ``dot`` program exist, else the
text rendering of the graph; every user string is escaped.
"""

from __future__ import annotations

import difflib
import html
import pathlib
import shutil
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import anywidget
import traitlets

from workbench._src.compile import jit
from workbench._src.introspect import text as _text
from workbench._src.introspect.graph import Graph, graph_from_jaxpr
from workbench._src.introspect.inspection import _program
from workbench._src.introspect.memory import Residual, residuals
from workbench._src.notebook.html import StaticFallbacks

STATIC = pathlib.Path(__file__).resolve().parents[2] / "static"
LARGE_GRAPH = 300  # more nodes than this: the viewer starts with every region collapsed
DOT_MAX_NODES = 400  # the static SVG fallback is drawn for graphs up to this size
EDGE_MODES = ("both", "forward", "backward")

# Field order of the rows in graph_data()["nodes"], ["regions"] and ["edges"].
NODE_FIELDS = (
    "id",
    "kind",  # string index
    "primitive",
    "name",  # string index
    "phase",  # string index
    "region",  # region index
    "inputs",  # list of string indices (aval texts)
    "outputs",  # list of string indices (aval texts)
    "source",  # string index
    "name_stack",  # string index
    "residual_bytes",
)
REGION_FIELDS = (
    "id",
    "kind",  # string index
    "label",
    "parent",  # region index, or None for the program
    "phase",  # string index
    "source",  # string index
    "residual_bytes",
)
EDGE_FIELDS = ("source", "target", "kind", "aval")  # node index, node index, letter, string index
_EDGE_CODES = {"forward": "f", "backward": "b", "residual": "r"}


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

    Nodes, regions and edges are rows (lists) in the order of ``NODE_FIELDS``, ``REGION_FIELDS``
    and ``EDGE_FIELDS``. The strings that repeat from row to row (kinds, phases, aval texts,
    source lines, name stacks) are sent once, in ``strings``, and rows hold their index
    (``""`` is index 0); a node names its region, and a region its parent, by region index; an
    edge names its ends by node index and its kind by one letter (``f``orward, ``b``ackward,
    ``r``esidual). Ids, primitives, argument names and region labels stay plain strings.
    ``residual_bytes`` is what the residuals produced by a node (or by a region, for a loop's
    stacked residuals) keep for the backward pass. For a 50,000-equation gradient this is
    about a third of the JSON that plain strings in every row take.

    >>> import jax, jax.numpy as jnp
    >>> from workbench._src.introspect import graph_from_jaxpr
    >>> d = graph_data(graph_from_jaxpr(jax.make_jaxpr(jnp.sin)(1.0)))
    >>> [row[2] for row in d["nodes"]], [e[:3] for e in d["edges"]]
    (['argument', 'sin', 'result'], [[0, 1, 'f'], [1, 2, 'f']])
    >>> [d["strings"][e[3]] for e in d["edges"]], d["strings"][d["nodes"][1][4]]
    (['f64[]', 'f64[]'], 'primal')
    """
    kept: dict[str, int] = {}
    for r in residuals:
        kept[r.producer] = kept.get(r.producer, 0) + r.nbytes
    index = {n.id: i for i, n in enumerate(graph.nodes)}
    region_index = {r.id: i for i, r in enumerate(graph.regions)}
    string = _Strings()
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
            string(str(n.source)) if n.source is not None else 0,
            string(n.name_stack),
            kept.get(n.id, 0),
        ]
        for n in graph.nodes
    ]
    regions = [
        [
            r.id,
            string(r.kind),
            r.label,
            region_index.get(r.parent) if r.parent is not None else None,
            string(r.phase),
            string(str(r.source)) if r.source is not None else 0,
            kept.get(r.id, 0),
        ]
        for r in graph.regions
    ]
    edges = [
        [index[e.source], index[e.target], _EDGE_CODES[e.kind], string(e.aval.text)]
        for e in graph.edges
        if e.source in index and e.target in index
    ]
    return {
        "title": title,
        "summary": repr(graph),
        "strings": string.table(),
        "nodes": nodes,
        "regions": regions,
        "edges": edges,
    }


def initial_expanded(model: Graph) -> list[str]:
    """The regions drawn open at first: all of them, or none for a graph of more than
    ``LARGE_GRAPH`` nodes (it starts collapsed and stays responsive)."""
    if len(model.nodes) > LARGE_GRAPH:
        return []
    return [r.id for r in model.regions if r.parent is not None]


class GraphTraits(traitlets.HasTraits):
    """The synced state of a graph viewer (``GraphWidget``, and the inspector's graph tab).

    ``graph`` (``graph_data``'s dict); ``expanded`` (ids of the regions drawn open; the program
    itself is always open); ``viewport`` (``{"x", "y", "k"}``: pan and zoom, ``{}`` to fit the
    graph; the viewer adds ``"focus"``, the highlight it last panned to); ``edges``
    (``"both"``, ``"forward"`` or ``"backward"``); ``search`` (highlights nodes and regions
    whose name contains it); ``highlight`` (ids of nodes or regions drawn distinctly: the viewer
    opens the regions that hold them and pans to them).
    """

    graph = traitlets.Dict().tag(sync=True)
    expanded = traitlets.List(traitlets.Unicode()).tag(sync=True)
    viewport = traitlets.Dict().tag(sync=True)
    edges = traitlets.Unicode("both").tag(sync=True)
    search = traitlets.Unicode("").tag(sync=True)
    highlight = traitlets.List(traitlets.Unicode()).tag(sync=True)

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


class GraphWidget(StaticFallbacks, GraphTraits, anywidget.AnyWidget):
    """The interactive view of one program's graph model.

    Traits (synced with the browser): those of ``GraphTraits``: ``graph``, ``expanded``,
    ``viewport``, ``edges``, ``search`` and ``highlight``.
    """

    _esm = STATIC / "graph.js"

    def __init__(self, model: Graph, residuals: Iterable[Residual] = (), title: str = "") -> None:
        data = graph_data(model, residuals, title)
        super().__init__(graph=data, expanded=initial_expanded(model))
        self._model = model

    @property
    def model(self) -> Graph:
        """The graph model drawn."""
        return self._model

    def to_text(self, max_lines: int = 200) -> str:
        """The text rendering of the graph (the ``text/plain`` fallback)."""
        return _text.render_graph(self._model, max_lines)

    def to_html(self) -> str:
        """The ``text/html`` fallback: Graphviz's SVG where ``dot`` exists, else the text."""
        title = html.escape(self.graph.get("title", ""))
        head = f"<div><strong>{title}</strong></div>" if title else ""
        svg = graphviz_svg(self._model)
        if svg is not None:
            return f'<div class="wb-graph-static">{head}{svg}</div>'
        return f'<div class="wb-graph-static">{head}<pre>{html.escape(self.to_text())}</pre></div>'


def graphviz_svg(model: Graph, max_nodes: int = DOT_MAX_NODES) -> str | None:
    """The graph drawn by Graphviz's ``dot`` as an ``<svg>`` element, or ``None`` when the
    ``graphviz`` package or the ``dot`` program is missing or the graph has more than
    ``max_nodes`` nodes.

    Graphviz escapes the labels it writes into the SVG; labels are passed as plain strings.
    """
    if len(model.nodes) > max_nodes or shutil.which("dot") is None:
        return None
    try:
        import graphviz
    except ImportError:
        return None
    colours = {"forward": "#1f77b4", "backward": "#d62728", "residual": "#ff7f0e"}
    dot = graphviz.Digraph(graph_attr={"rankdir": "TB"}, node_attr={"shape": "box"})
    clusters: dict[str | None, Any] = {None: dot}
    children: dict[str | None, list[str]] = {}
    for r in model.regions:
        children.setdefault(r.parent, []).append(r.id)

    def fill(parent: Any, region_id: str) -> None:
        for n in model.nodes:
            if n.region == region_id:
                label = n.name or n.primitive
                parent.node(_dot_id(n.id), label=_dot_label(label))
        for child in children.get(region_id, []):
            with parent.subgraph(name="cluster_" + _dot_id(child)) as sub:
                sub.attr(label=_dot_label(model.region(child).label))
                fill(sub, child)

    for root in children.get(None, []):
        fill(clusters[None], root)
    for e in model.edges:
        dot.edge(_dot_id(e.source), _dot_id(e.target), color=colours[e.kind])
    try:
        svg = str(dot.pipe(format="svg").decode("utf-8"))
    except Exception:  # a broken Graphviz install: fall back to the text
        return None
    return svg[svg.find("<svg") :]  # no XML prolog or DOCTYPE: it is embedded in HTML


def _dot_id(node_id: str) -> str:
    return "n" + "".join(c if c.isalnum() else "_" for c in node_id)


def _dot_label(text: str) -> str:
    # Graphviz reads backslash escapes in labels; the SVG it writes escapes <, > and &. A label
    # that looks like "<...>" would be read as an HTML-like label (its markup dropped): nohtml
    # keeps it a plain string.
    import graphviz

    return graphviz.nohtml(text.replace("\\", "\\\\"))


def graph_widget(f: Callable[..., Any], *args: Any, mode: Any = None) -> GraphWidget:
    """``wb.graph``: traces ``f(*args)`` (or its derivative, with ``mode``) once, without
    compiling, and returns the widget of its graph model and residuals."""
    program, traced_args, name = _program("graph", f, args, mode)
    closed = jit(program).trace(*traced_args).jaxpr
    return GraphWidget(graph_from_jaxpr(closed), residuals(closed), title=name)
