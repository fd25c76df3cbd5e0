"""The inspector widget: a thin ``anywidget.AnyWidget`` over the views.

Its front end is ``workbench/static/inspector.js``, bundled from ``extensions/inspector/``
(``npm run build``); the bundle ships in the wheel, so no npm is needed at run time. Its graph tab
is the graph viewer itself (``extensions/graph/``, bundled in), drawn from the inspector's own
graph traits (``GraphTraits``: the same names as ``GraphWidget``'s), so the expanded regions and
the viewport survive tab switches and re-renders.

Selecting a line of an IR view (clicking it, or the arrow keys) sets ``highlight`` to the graph
ids that line shows (``ir_links``); the graph tab draws them distinctly.

With ``%%reactant --grad``, the graph tab draws the gradient's program (forward and backward
passes, with the residuals between them) and the lines of the gradient view's jaxpr link to it;
the lines of the program's jaxpr and optimized HLO link to its ops in the forward pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import anywidget
import traitlets

from workbench._src.errors import warn_fallback
from workbench._src.notebook import html, ir_links
from workbench._src.notebook.graph_picture import LEGEND_SVG, graphviz_svg, initial_expanded
from workbench._src.notebook.graph_widget import STATIC as STATIC
from workbench._src.notebook.graph_widget import GraphTraits, graph_data, static_text
from workbench._src.notebook.nan_views import mark_graph
from workbench._src.notebook.views import View

if TYPE_CHECKING:
    from workbench._src.introspect.graph import Graph
    from workbench._src.introspect.inspection import Inspection

# Graphs of more nodes than this are shown as the graph view's text in the inspector (the data
# of 5,000 equations is about 0.6 MiB); wb.graph draws larger ones on their own.
INSPECTOR_MAX_NODES = 5000


class Inspector(GraphTraits, html.LiveDisplay, anywidget.AnyWidget):
    """Tabs for the views of one program; IR highlighted; two stages side by side; the graph.

    Traits (synced with the browser): ``title``; ``views``, a list of ``View.to_json()``;
    ``selected``, the shown view's name (or ``"compare"``); ``compare``, the two IR views
    compared side by side; ``links``, ``{view name: {line index: [graph ids]}}``;
    ``ir_selection``, ``{"view", "line"}`` of the selected IR line (``{}``: none); and the graph
    viewer's traits (``GraphTraits``: ``graph``, ``expanded``, ``viewport``, ``edges``,
    ``search``, ``highlight``). ``graph`` is ``{}`` when the graph tab shows its text instead.
    """

    _esm = static_text("loader.js")
    CODE = "inspector"
    title = traitlets.Unicode("").tag(sync=True)
    views = traitlets.List(traitlets.Dict()).tag(sync=True)
    selected = traitlets.Unicode("").tag(sync=True)
    compare = traitlets.List(traitlets.Unicode()).tag(sync=True)
    links = traitlets.Dict().tag(sync=True)
    ir_selection = traitlets.Dict().tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._graph_model: Graph | None = None

    @classmethod
    def of(
        cls,
        title: str,
        views: Sequence[View],
        inspection: Inspection | None = None,
        gradient: Inspection | None = None,
        nans: Any = None,
    ) -> Inspector:
        """An inspector showing ``views``, the first one selected, the first and last IR
        views set up for comparison. With the ``inspection`` the views came from, the graph
        tab draws its graph (up to ``INSPECTOR_MAX_NODES`` nodes; larger graphs start
        collapsed past ``graph_picture.LARGE_GRAPH``) and IR lines link to graph nodes; with
        the ``gradient``'s inspection (``%%reactant --grad``), the graph tab draws the
        gradient's program instead, and the gradient view's jaxpr lines link to it. With
        ``explain_nans``'s report on the program drawn (``--nans``), the graph tab marks where
        its NaN is made and the way it goes."""
        ir = [v.name for v in views if v.kind == "ir"]
        extra: dict[str, Any] = {}
        model = None
        if inspection is not None:
            extra, model = _graph_state(views, inspection, gradient)
        widget = cls(
            title=title,
            views=[v.to_json() for v in views],
            selected=views[0].name if views else "",
            compare=[ir[0], ir[-1]] if ir else [],
            **extra,
        )
        widget._graph_model = model
        if nans is not None and widget.graph.get("nodes"):
            try:  # marks are an aid: never break the inspector over them
                mark_graph(widget, nans)
            except Exception as e:
                warn_fallback(
                    "The NaN's marks on the graph could not be drawn",
                    e,
                    "the graph is shown without them; the report's text says where it is",
                )
                widget.marks, widget.highlight = {}, []
        return widget

    def _views(self) -> list[View]:
        return [View(**v) for v in self.views]

    def to_text(self) -> str:
        """The ``text/plain`` fallback: every view's text, cut."""
        return html.to_plain(self.title, self._views())

    def to_html(self) -> str:
        """The ``text/html`` fallback: a ``<details>`` per view, the graph drawn by Graphviz
        where ``dot`` exists and the graph is small enough (``graph_picture.graphviz_svg``)."""
        views = self._views()
        pictures = {}
        if self._graph_model is not None and any(v.name == "graph" and not v.note for v in views):
            try:  # a fallback never breaks the display
                svg = graphviz_svg(self._graph_model, expanded=self.expanded, marks=self.marks)
            except Exception as e:
                warn_fallback("Graphviz's picture of the graph failed", e, "its text is shown")
                svg = None
            if svg:
                pictures["graph"] = f'<div class="wb-graph-static">{LEGEND_SVG}{svg}</div>'
        return html.to_html(self.title, views, pictures)


def _graph_state(
    views: Sequence[View], ins: Inspection, gradient: Inspection | None
) -> tuple[dict[str, Any], Graph | None]:
    """The graph traits and the IR links for ``views``, and the graph model drawn; a part that
    cannot be built is left out (the graph tab then shows its text), never breaking the
    inspector."""
    out: dict[str, Any] = {}
    shown = gradient if gradient is not None else ins
    model = None
    if any(v.name == "graph" and not v.note for v in views):
        model = shown.graph
        if len(model.nodes) <= INSPECTOR_MAX_NODES:
            try:
                # No title of its own: the inspector's is above it.
                out["graph"] = graph_data(model, shown.memory.residuals)
                out["expanded"] = initial_expanded(model)
            except Exception as e:  # a renderer must never break the cell: the text is shown
                warn_fallback("The graph tab's data could not be built", e, "it shows its text")
                out.pop("graph", None)
        else:
            out["graph"] = {"too_large": len(model.nodes), "limit": INSPECTOR_MAX_NODES}
    # With --grad, the program's IR views link to its ops in the gradient's forward pass (drawn).
    out["links"] = ir_links.links(ins, views, gradient.graph if gradient is not None else None)
    return out, model
