"""The inspector widget: a thin ``anywidget.AnyWidget`` over the views.

Its front end is ``workbench/static/inspector.js``, bundled from ``extensions/inspector/index.js``
(``npm run build``); the bundle ships in the wheel, so no npm is needed at run time. Its graph tab
is the graph viewer itself (``extensions/graph/index.js``, bundled in), drawn from the inspector's
own graph traits (``GraphTraits``: the same names as ``GraphWidget``'s), so the expanded regions
and the viewport survive tab switches and re-renders.

Selecting a line of an IR view (clicking it, or the arrow keys) sets ``highlight`` to the graph
ids that line shows (``ir_links``); the graph tab draws them distinctly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import anywidget
import traitlets

from workbench._src.notebook.graph_widget import STATIC as STATIC
from workbench._src.notebook.graph_widget import GraphTraits, graph_data, initial_expanded
from workbench._src.notebook.views import View

if TYPE_CHECKING:
    from workbench._src.introspect.inspection import Inspection

# Graphs of more nodes than this are shown as the graph view's text in the inspector (the data
# of 5,000 equations is about 0.6 MiB); wb.graph draws larger ones on their own.
INSPECTOR_MAX_NODES = 5000


class Inspector(GraphTraits, anywidget.AnyWidget):
    """Tabs for the views of one program; IR highlighted; two stages side by side; the graph.

    Traits (synced with the browser): ``title``; ``views``, a list of ``View.to_json()``;
    ``selected``, the shown view's name (or ``"compare"``); ``compare``, the two IR views
    compared side by side; ``links``, ``{view name: {line index: [graph ids]}}``;
    ``ir_selection``, ``{"view", "line"}`` of the selected IR line (``{}``: none); and the graph
    viewer's traits (``GraphTraits``: ``graph``, ``expanded``, ``viewport``, ``edges``,
    ``search``, ``highlight``). ``graph`` is ``{}`` when the graph tab shows its text instead.
    """

    _esm = STATIC / "inspector.js"
    title = traitlets.Unicode("").tag(sync=True)
    views = traitlets.List(traitlets.Dict()).tag(sync=True)
    selected = traitlets.Unicode("").tag(sync=True)
    compare = traitlets.List(traitlets.Unicode()).tag(sync=True)
    links = traitlets.Dict().tag(sync=True)
    ir_selection = traitlets.Dict().tag(sync=True)

    @classmethod
    def of(
        cls, title: str, views: Sequence[View], inspection: Inspection | None = None
    ) -> Inspector:
        """An inspector showing ``views``, the first one selected, the first and last IR
        views set up for comparison. With the ``inspection`` the views came from, the graph
        tab draws its graph (up to ``INSPECTOR_MAX_NODES`` nodes; larger graphs start
        collapsed past ``graph_widget.LARGE_GRAPH``) and IR lines link to graph nodes."""
        ir = [v.name for v in views if v.kind == "ir"]
        extra: dict[str, Any] = {}
        if inspection is not None:
            extra = _graph_state(title, views, inspection)
        return cls(
            title=title,
            views=[v.to_json() for v in views],
            selected=views[0].name if views else "",
            compare=[ir[0], ir[-1]] if ir else [],
            **extra,
        )


def _graph_state(title: str, views: Sequence[View], ins: Inspection) -> dict[str, Any]:
    """The graph traits and the IR links for ``views``; a part that cannot be built is left
    out (the graph tab then shows its text), never breaking the inspector."""
    from workbench._src.notebook import ir_links

    out: dict[str, Any] = {}
    if any(v.name == "graph" and not v.note for v in views):
        model = ins.graph
        if len(model.nodes) <= INSPECTOR_MAX_NODES:
            try:
                # No title of its own: the inspector's is above it.
                out["graph"] = graph_data(model, ins.memory.residuals)
                out["expanded"] = initial_expanded(model)
            except Exception:  # a renderer must never break the cell: the text is shown
                out.pop("graph", None)
        else:
            out["graph"] = {"too_large": len(model.nodes), "limit": INSPECTOR_MAX_NODES}
    out["links"] = ir_links.links(ins, views)
    return out
