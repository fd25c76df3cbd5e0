"""The public entry points of the notebook widgets, ``wb.graph`` and ``wb.tradeoff_explorer``.

They import the widget modules (and with them ``anywidget`` and ``ipywidgets``) only when called,
so ``import workbench`` stays as quick as it was.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from workbench._src.debug.nans import NanReport, register_view
from workbench._src.errors import FallbackWarning, OptionError
from workbench._src.loops.carry import check_body

if TYPE_CHECKING:
    from workbench._src.ad.modes import Mode
    from workbench._src.notebook.graph_widget import GraphWidget
    from workbench._src.notebook.tradeoff_widget import TradeoffExplorer


def graph(
    f: Callable[..., Any], *args: Any, mode: Mode | None = None, nans: bool = False
) -> GraphWidget:
    """The interactive graph of ``f(*args)`` (or, with ``mode``, of its derivative).

    Traces the program once (no compilation) and builds the graph model and its residuals, the
    same model as ``wb.inspect(f, *args, mode=mode).graph``. In a notebook the widget draws it:
    pan (drag) and zoom (wheel), regions (jit calls, loops, remat, named scopes) that collapse
    and expand on click, forward / backward / residual edges in their own colours, hover for
    shapes, dtypes and the source line, search by name. Graphs of more than 300 nodes start with
    their regions collapsed.

    Args:
      f: the function.
      *args: its arguments (arrays or pytrees of arrays); with ``mode``, wrap the ones not to
        differentiate in ``wb.Const``.
      mode: ``None`` for ``f`` itself, or ``wb.Reverse`` / ``wb.Forward`` / ... for the program
        that computes ``wb.gradient(mode, f, *args)`` (forward, backward and residual edges).
      nans: also run ``wb.explain_nans`` on the program drawn (compiled and run once,
        instrumented) and mark, in red, the node that made its first NaN (or inf), the node that
        made the inf it met, their way to the outputs and the residual edges that carried it;
        the view opens on the origin. The report is the widget's ``report``.

    Returns:
      A ``GraphWidget``. Its ``expanded``, ``viewport``, ``edges`` and ``search`` traits hold
      what the user changed in the browser; ``.model`` is the graph model.

    >>> import jax.numpy as jnp, workbench as wb
    >>> w = wb.graph(lambda x: jnp.sum(jnp.sin(x) * x), jnp.ones(3), mode=wb.Reverse)
    >>> sorted({row[2] for row in w.graph["edges"]})
    ['b', 'f', 'r']
    """
    try:
        if nans:
            from workbench._src.notebook.nan_views import graph_with_nans
        else:
            from workbench._src.notebook.graph_widget import graph_widget  # loads anywidget
    except ImportError as e:
        from workbench._src.notebook.graph_picture import StaticGraph, graph_model

        _widgets_missing(e, "wb.graph", "the graph's picture (Graphviz) and its text")
        return StaticGraph(*graph_model(f, args, mode))  # type: ignore[return-value]
    if nans:
        return graph_with_nans(f, *args, mode=mode)
    return graph_widget(f, *args, mode=mode)


def _widgets_missing(error: ImportError, where: str, instead: str) -> None:
    """A notebook tool whose widget library cannot be imported shows its static view, and says
    so once per call: the view still comes out, and the message says what to install."""
    warnings.warn(
        f"{where}: the widget library could not be imported ({type(error).__name__}: {error}); "
        f"showing {instead} instead of the interactive view. Install the workbench's "
        "dependencies (pip install anywidget ipywidgets) and restart the kernel for it.",
        FallbackWarning,
        stacklevel=3,
    )


def tradeoff_explorer(
    body: Callable[[Any, Any], Any],
    init: Any,
    steps: int,
    schemes: Sequence[Any] | None = None,
    measure: bool = True,
    *,
    background: bool | None = None,
) -> TradeoffExplorer:
    """An interactive explorer of the memory / recomputation trade-off of one loop.

    Shows the memory-vs-recomputation curve (``wb.tradeoffs``: theory and measured points) of
    store-all, periodic and binomial checkpointing, a progress bar while the schemes compile, a
    slider for the number of snapshots and the ``Binomial(s)`` schedule for the slider's value
    drawn as a timeline of its actions.

    Args:
      body, init, steps: the loop, as for ``wb.fori_loop(0, steps, body, init)``.
      schemes: the ``checkpointing`` values to compare (default: store-all, periodic and
        ``Binomial(2, 4, ...)``, as ``wb.tradeoffs``).
      measure: compile each scheme's gradient and measure its temp bytes and time (``False``:
        the theory only, instant).
      background: compute the table in a background thread so that the widget, and its
        progress bar, show at once; default: only in a Jupyter kernel whose front end draws the
        workbench's widgets (elsewhere nobody would see the progress, and an executed notebook
        keeps the finished table). ``.wait()`` joins the thread.

    Returns:
      A ``TradeoffExplorer``; ``.table`` is the ``Tradeoffs`` table once computed.

    >>> import jax.numpy as jnp, workbench as wb
    >>> ex = wb.tradeoff_explorer(lambda i, y: jnp.sin(y), jnp.zeros(4), 16, measure=False)
    >>> [r["evaluations"] for r in ex.rows], ex.timeline["scheme"]
    ([16, 32, 61, 43], 'Binomial(snapshots=4)')
    """
    check_body(body, "tradeoff_explorer")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise OptionError(
            f"tradeoff_explorer needs a positive int number of steps, got {steps!r}: pass "
            "the loop's trip count, as for wb.fori_loop(0, steps, body, init)."
        )
    try:
        from workbench._src.notebook.tradeoff_widget import TradeoffExplorer  # loads anywidget
    except ImportError as e:
        from workbench._src.loops.tradeoffs import tradeoffs

        _widgets_missing(e, "wb.tradeoff_explorer", "wb.tradeoffs' table")
        return tradeoffs(body, init, steps, schemes=schemes, measure=measure)  # type: ignore[return-value]

    name = getattr(body, "__name__", type(body).__name__)
    widget = TradeoffExplorer(steps, title=f"Checkpointing {name} over {steps:,} steps")
    return widget.fill(body, init, schemes, measure, background)


def _report_graph(report: NanReport) -> GraphWidget:
    # The view module (and anywidget with it) loads when a report's graph is asked for.
    from workbench._src.notebook.nan_views import report_graph

    return report_graph(report)


# ``NanReport.graph()`` draws through this view: ``debug`` imports nothing of ``notebook``.
register_view("graph", _report_graph)
