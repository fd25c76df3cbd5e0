"""The graph's picture without a widget: Graphviz's drawing of a graph model, and the object
``wb.graph`` returns where the widget libraries are missing.

The widget (``graph_widget.py``) shows this picture where no front end draws it (an exported
page, a terminal); where ``anywidget`` or ``ipywidgets`` cannot be imported, ``wb.graph`` returns
a ``StaticGraph`` of the same model, with a warning, instead of failing. Nothing here imports a
widget library.
"""

from __future__ import annotations

import html
import shutil
import subprocess
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from workbench._src.compile import jit, traced_for
from workbench._src.introspect.graph import Graph, Source, graph_from_jaxpr, render_graph
from workbench._src.introspect.inspection import _program
from workbench._src.introspect.memory import Residual, residuals
from workbench._src.introspect.structure import RECOMPUTED_SCOPE, loop_kinds
from workbench._src.sources import in_workbench

LARGE_GRAPH = 300  # more nodes than this: the viewer starts with every region collapsed
DOT_MAX_BOXES = 150  # the static SVG fallback draws views of up to this many boxes
DOT_TIMEOUT_S = 5.0  # and gives Graphviz this long


def is_internal(source: Source | None) -> bool:
    """Whether an op comes from the workbench's own code rather than the user's (the
    bookkeeping of a checkpointing schedule, say): the viewer groups such ops in a box of their
    own, closed at first, as tracebacks hide library frames."""
    return source is not None and in_workbench(source.file)


def initial_expanded(model: Graph) -> list[str]:
    """The regions drawn open at first: all of them but the repeats of a loop, or none for a
    graph of more than ``LARGE_GRAPH`` nodes (it starts collapsed and stays responsive).

    A loop whose body does what the body of an earlier loop beside it does (the same user ops,
    in the same pass and region: the sweeps of a checkpointing schedule, say) starts closed, so
    that each body is drawn once; its box says its trip count, and a click opens it. A
    checkpointed loop's gradient (``graph._as_loops``) starts closed: one box that says the
    loop's trip count and scheme, its schedule inside."""
    if len(model.nodes) > LARGE_GRAPH:
        return []
    parent = {r.id: r.parent for r in model.regions}
    body: dict[str, list[str]] = {}
    for n in model.nodes:
        if n.kind == "op" and not is_internal(n.source):
            rid: str | None = n.region
            while rid is not None:
                body.setdefault(rid, []).append(n.primitive)
                rid = parent.get(rid)
    seen: set[tuple[str | None, str, tuple[str, ...]]] = set()
    loops = loop_kinds()
    out = []
    for r in model.regions:
        if r.parent is None:
            continue
        if any(k == "schedule" for k, _ in r.params):
            continue  # a checkpointed loop is one box; its schedule is its detail, inside
        if r.kind in loops and body.get(r.id):
            key = (r.parent, r.phase, tuple(body[r.id]))
            if key in seen:
                continue  # drawn once already: starts closed
            seen.add(key)
        out.append(r.id)
    return out


def _legend_svg() -> str:
    """The legend of Graphviz's drawing, as the live view's: a line per kind of edge."""
    items = [("#1f77b4", "", "forward value"), ("#d62728", "", "backward value")]
    items.append(("#ff7f0e", ' stroke-dasharray="5 3"', "residual"))
    parts, x = [], 4
    for colour, dash, label in items:
        parts.append(
            f'<line x1="{x}" y1="9" x2="{x + 22}" y2="9" stroke="{colour}" stroke-width="1.5"'
            f'{dash}/><path d="M{x + 22},5L{x + 30},9L{x + 22},13z" fill="{colour}"/>'
            f'<text x="{x + 34}" y="13" font-size="11" font-family="sans-serif">{label}</text>'
        )
        x += 34 + 7 * len(label) + 14
    return (
        f'<svg class="wb-legend-picture" xmlns="http://www.w3.org/2000/svg" width="{x}" '
        f'height="18" viewBox="0 0 {x} 18">{"".join(parts)}</svg>'
    )


LEGEND_SVG = _legend_svg()


def visible_boxes(model: Graph, expanded: Iterable[str]) -> tuple[dict[str, str], set[str]]:
    """What a view with the regions ``expanded`` open draws, as the viewer draws it
    (``extensions/graph/visible.js``, ``visibleGraph``): each node's box (its own id, or the id of
    the outermost collapsed region holding it), and the open regions drawn around boxes."""
    parent = {r.id: r.parent for r in model.regions}
    opened = set(expanded)
    collapsed_above: dict[str, str | None] = {}

    def rep(rid: str) -> str | None:  # the outermost collapsed region holding rid, or None
        if rid in collapsed_above:
            return collapsed_above[rid]
        up = parent.get(rid)
        out: str | None = None
        if up is not None:
            above = rep(up)
            out = above if above is not None else (None if rid in opened else rid)
        collapsed_above[rid] = out
        return out

    box = {}
    for n in model.nodes:
        r = rep(n.region)
        box[n.id] = n.id if r is None else r
    clusters = set()
    for n in model.nodes:
        rid: str | None = n.region if box[n.id] == n.id else parent.get(box[n.id])
        while rid is not None and parent.get(rid) is not None and rid not in clusters:
            clusters.add(rid)
            rid = parent.get(rid)
    return box, clusters


def graphviz_svg(
    model: Graph,
    max_boxes: int = DOT_MAX_BOXES,
    expanded: Iterable[str] | None = None,
    timeout: float = DOT_TIMEOUT_S,
    marks: Mapping[str, Any] | None = None,
) -> str | None:
    """The graph drawn by Graphviz's ``dot`` as an ``<svg>`` element, with the regions
    ``expanded`` open (default: ``initial_expanded``) and the others drawn as one box, and the
    ``marks`` trait's NaN origin, source and way in red, as the live view draws them; ``None``
    when the ``graphviz`` package or the ``dot`` program is missing, when the view has more than
    ``max_boxes`` boxes, or when ``dot`` takes longer than ``timeout`` seconds.

    Graphviz escapes the labels it writes into the SVG; labels are passed as plain strings.
    """
    if shutil.which("dot") is None:
        return None
    try:
        import graphviz
    except ImportError:
        return None
    box, clusters = visible_boxes(
        model, initial_expanded(model) if expanded is None else list(expanded)
    )
    shown = set(box.values())
    if len(shown) > max_boxes:
        return None
    colours = {"forward": "#1f77b4", "backward": "#d62728", "residual": "#ff7f0e"}
    # Bounded effort: one network-simplex pass for ranks and positions, little crossing
    # minimisation. Unbounded, dot takes minutes on a chain of scopes with residuals across it
    # (144 boxes: over 20 s), and 0.2 s so.
    effort = {"mclimit": "0.1", "nslimit": "1", "nslimit1": "1"}
    dot = graphviz.Digraph(graph_attr={"rankdir": "TB", **effort}, node_attr={"shape": "box"})
    regions = {r.id: r for r in model.regions}
    children: dict[str | None, list[str]] = {}
    for r in model.regions:
        if r.id in clusters:
            children.setdefault(r.parent, []).append(r.id)
    members: dict[str, list[str]] = {}  # box -> the cluster (or program) drawn around it
    for node in model.nodes:
        b = box[node.id]
        home = node.region if b == node.id else regions[b].parent
        members.setdefault(home or "", []).append(b)
    labels = {n.id: n.name or n.primitive for n in model.nodes}
    counts: dict[str, int] = {}
    for b in box.values():
        counts[b] = counts.get(b, 0) + 1

    def label(b: str) -> str:
        if b in labels:
            return labels[b]
        detail = loop_detail(regions[b])
        return f"▸ {region_title(regions[b])}\n{detail + ', ' if detail else ''}{counts[b]} ops"

    marks = marks or {}
    marked = {box[n] for n in marks.get("nodes", []) if n in box}
    said = {box.get(marks.get("source", "")): marks.get("source_label", "inf made here")}
    said[box.get(marks.get("origin", ""))] = marks.get("label", "made here")
    red = "#b00020"

    def fill(parent: Any, region_id: str) -> None:
        for b in dict.fromkeys(members.get(region_id, [])):
            text = label(b) + (f"\n{said[b]}" if b in said else "")
            look = {"color": red, "penwidth": "2"} if b in marked or b in said else {}
            if b in said:
                look |= {"style": "filled", "fillcolor": "#ffd7dc", "fontcolor": red}
            parent.node(_dot_id(b), label=_dot_label(text), **look)
        for child in children.get(region_id, []):
            with parent.subgraph(name="cluster_" + _dot_id(child)) as sub:
                r = regions[child]
                sub.attr(label=_dot_label(region_title(r)))
                fill(sub, child)

    root = next(r.id for r in model.regions if r.parent is None)
    fill(dot, root)
    on_way = {(box.get(a), box.get(b)) for a, b in marks.get("edges", [])}
    seen: set[tuple[str, str, str]] = set()
    for e in model.edges:
        src, dst = box.get(e.source), box.get(e.target)
        if src is None or dst is None or src == dst or (src, dst, e.kind) in seen:
            continue
        seen.add((src, dst, e.kind))
        style = "dashed" if e.kind == "residual" else "solid"  # as the live view draws them
        way = {"color": red, "penwidth": "2.5"} if (src, dst) in on_way else {}
        dot.edge(_dot_id(src), _dot_id(dst), **{"color": colours[e.kind], "style": style, **way})
    try:
        out = subprocess.run(
            ["dot", "-Tsvg"], input=dot.source.encode(), capture_output=True, timeout=timeout
        )
    except (OSError, subprocess.TimeoutExpired):  # a broken install, or too slow: the text
        return None
    if out.returncode != 0:
        return None
    svg = out.stdout.decode("utf-8")
    return svg[svg.find("<svg") :]  # no XML prolog or DOCTYPE: it is embedded in HTML


def _param(region: Any, key: str) -> str:
    return next((str(v) for k, v in region.params if k == key), "")


def region_title(region: Any) -> str:
    """A region's name as the views show it: a loop as "↻ loop", a multiplication sign and its
    trip count; remat's recomputation in plain words; the backward pass said. Written here only:
    the live view draws the titles ``graph_widget.graph_data`` sends (``title``)."""
    name = region.label
    recompute = region.kind == "named_scope" and region.label == RECOMPUTED_SCOPE
    if recompute:
        name = "recompute"
    elif region.kind == "remat":
        name = "checkpoint (remat)"
    elif region.kind in loop_kinds():
        n = _param(region, "length") or _param(region, "trip count")
        what = "loop" if region.kind == "loop" else region.kind
        name = f"↻ {what} \u00d7{n}" if n.isdigit() else f"↻ {what}"
    if region.phase == "backward" and not recompute:
        name += " (backward)"
    return str(name)


def loop_detail(region: Any) -> str:
    """A loop's second line: its scheme and snapshots (sent to the live view as ``detail``)."""
    if region.kind not in loop_kinds():
        return ""
    n = _param(region, "length") or _param(region, "trip count")
    scheme, snaps = _param(region, "scheme"), _param(region, "snapshots")
    parts = [n] if n and not n.isdigit() else []
    parts += [scheme] if scheme else []
    if snaps and snaps not in scheme:
        parts.append(f"{snaps} snapshot{'' if snaps == '1' else 's'}")
    if _param(region, "reverse") == "True":
        parts.append("reversed")
    return " · ".join(parts)


def _dot_id(node_id: str) -> str:
    return "n" + "".join(c if c.isalnum() else "_" for c in node_id)


def _dot_label(text: str) -> str:
    # Graphviz reads backslash escapes in labels; the SVG it writes escapes <, > and &. A label
    # that looks like "<...>" would be read as an HTML-like label (its markup dropped): nohtml
    # keeps it a plain string.
    import graphviz

    return graphviz.nohtml(text.replace("\\", "\\\\"))


def graph_model(
    f: Callable[..., Any], args: tuple[Any, ...], mode: Any
) -> tuple[Graph, tuple[Residual, ...], str]:
    """``f(*args)``'s (or with ``mode`` its derivative's) graph model, residuals and name,
    traced once without compiling."""
    program, traced_args, name = _program("graph", f, args, mode)
    with traced_for("wb.graph"):
        closed = jit(program).trace(*traced_args).jaxpr
    return graph_from_jaxpr(closed), residuals(closed), name


def static_html(
    model: Graph,
    title: str,
    expanded: Iterable[str] | None,
    marks: Mapping[str, Any] | None,
    text: str,
) -> str:
    """Graphviz's SVG of the view with ``expanded`` open, with its legend, where ``dot`` can
    draw it; else ``text`` (never empty: a missing or broken ``dot`` leaves the outline)."""
    head = f"<div><strong>{html.escape(title)}</strong></div>" if title else ""
    svg = graphviz_svg(model, expanded=expanded, marks=marks)
    if svg is not None:
        return f'<div class="wb-graph-static">{head}{LEGEND_SVG}{svg}</div>'
    return f'<div class="wb-graph-static">{head}<pre>{html.escape(text)}</pre></div>'


class ModelText:
    """What the widget and its static stand-in share: the graph model and its text."""

    _model: Graph

    @property
    def model(self) -> Graph:
        """The graph model drawn."""
        return self._model

    def to_text(self, max_lines: int = 200) -> str:
        """The text rendering of the graph (the ``text/plain`` fallback)."""
        return render_graph(self._model, max_lines)


class StaticGraph(ModelText):
    """``wb.graph``'s result where the widget libraries are missing: the same graph model,
    shown as its picture (``static_html``) and its text."""

    def __init__(self, model: Graph, residuals: Iterable[Residual] = (), title: str = "") -> None:
        self._model = model
        self.residuals = list(residuals)
        self.title = title
        self.expanded = initial_expanded(model)

    def to_html(self) -> str:
        return static_html(self._model, self.title, self.expanded, None, self.to_text())

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, str]:
        return {"text/html": self.to_html(), "text/plain": self.to_text()}

    def __repr__(self) -> str:
        return self.to_text()
