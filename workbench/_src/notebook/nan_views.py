"""The NaN-origin report (``explain_nans``) in the views: ``wb.graph(..., nans=True)`` and the
``%%reactant --nans`` tab.

Both search the very program the viewer draws (``nans.explain_program`` on its jaxpr), so the
report's graph ids are those of the graph on screen: the viewer marks the node that made the
first non-finite value, its way to the outputs and the residual that carried an inf into it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import jax

from workbench._src.ad.arguments import argument_names
from workbench._src.ad.modes import Mode
from workbench._src.compile import jit, traced_for
from workbench._src.debug import nans
from workbench._src.introspect.graph import graph_from_jaxpr
from workbench._src.introspect.inspection import _program
from workbench._src.introspect.memory import residuals
from workbench._src.notebook.graph_widget import GraphWidget

_RESULT = re.compile(r"result\[(\d+)\](.*)")


def output_names(closed: Any, mode: Mode | None, arg_names: Sequence[str]) -> list[str]:
    """The names of a program's flat outputs, in the words of the report: ``value...`` for
    ``f`` itself, ``derivative of x...`` for the entries of ``wb.gradient``'s tuple."""
    info = getattr(closed.jaxpr, "debug_info", None)
    paths = list(getattr(info, "result_paths", None) or [])
    n = len(closed.jaxpr.outvars)
    if len(paths) != n:
        paths = [f"result[{i}]" for i in range(n)]
    if mode is None:
        return [re.sub(r"^result", "value", str(p)) for p in paths]
    out = []
    for p in paths:
        m = _RESULT.fullmatch(str(p))
        if m is None:
            out.append(str(p))
            continue
        i = int(m.group(1))
        name = arg_names[i] if i < len(arg_names) else f"argument {i}"
        out.append(f"derivative of {name}{m.group(2)}")
    return out


def explain_traced(
    closed: Any,
    flat_args: Sequence[Any],
    f: Callable[..., Any],
    args: Sequence[Any],
    mode: Mode | None,
    graph: Any = None,
) -> nans.NanReport:
    """``explain_nans`` of ``f(*args)`` (its derivative, with ``mode``) on the program already
    traced as ``closed`` taking ``flat_args``; ``graph``: its graph model, where built already."""
    arg_names = argument_names(f, len(args))
    return nans.explain_program(
        closed,
        flat_args,
        output_names(closed, mode, arg_names),
        "primal" if mode is None else mode.name,
        lambda origin, inf_origin: nans._remedy(f, args, mode, origin, inf_origin),
        graph,
    )


class NanGraphWidget(GraphWidget):
    """A ``GraphWidget`` with ``explain_nans``'s findings marked (``wb.graph(..., nans=True)``).

    Attributes:
      report: the ``NanReport`` of the program drawn; its text heads the text fallbacks.
    """

    def __init__(self, model: Any, kept: Any, title: str, report: nans.NanReport) -> None:
        super().__init__(model, kept, title=title)
        self.report = report
        mark_graph(self, report)

    def to_text(self, max_lines: int = 200) -> str:
        return f"{self.report}\n\n{super().to_text(max_lines)}"

    def to_html(self) -> str:
        return self.report._repr_html_() + super().to_html()


def graph_with_nans(f: Callable[..., Any], *args: Any, mode: Any = None) -> NanGraphWidget:
    """``wb.graph(f, *args, mode=mode, nans=True)``: the graph viewer of the program, with
    ``explain_nans``'s findings on that very program marked on it."""
    program, traced_args, name = _program("graph", f, args, mode)
    with traced_for("wb.graph"):
        closed = jit(program).trace(*traced_args).jaxpr
    model = graph_from_jaxpr(closed)
    report = explain_traced(closed, jax.tree_util.tree_leaves(traced_args), f, args, mode, model)
    return NanGraphWidget(model, residuals(closed), name, report)


def mark_graph(widget: Any, report: nans.NanReport) -> None:
    """Marks ``report``'s path in a graph viewer of the program it searched (``GraphWidget``,
    or the inspector's graph tab) and brings its origin into view."""
    if report.path is None:
        return
    o = report.origin
    assert o is not None  # a path has an origin
    made = "NaN" if o.kind == "nan" else "inf"
    where = "" if o.iteration is None else f", iteration {o.iteration}"
    label = f"{made} made here ({o.primitive}, {o.phase}{where})"
    widget.marks = {**report.path.to_json(), "label": label, "source_label": "inf made here"}
    widget.highlight = [report.path.origin]


def report_graph(report: nans.NanReport) -> GraphWidget:
    """``report.graph()``: the graph viewer of the program ``report`` searched, marked."""
    w = GraphWidget(graph_from_jaxpr(report.program), title=f"explain_nans ({report.mode})")
    mark_graph(w, report)
    return w
