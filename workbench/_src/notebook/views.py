"""The inspector's views: each is text built from an ``Inspection``, never recomputed.

A view that fails to build becomes a ``View`` with a short ``note`` and no text, so one broken
renderer never hides the result or the other views. A view can also carry structured ``data``
(JSON) that the widget draws, its text being the fallback: the sharding view sends
``ShardingReport.to_json()`` (bounded) and draws a grid of blocks per array; the NaN-origin view
``NanReport.to_json()``; the result and gradient views ``{"treescope": html}``, their arrays as
treescope draws them (``array_html``), shown above the text.

An IR view of a jaxpr the graph was built from carries its ``links``: the graph ids of its lines,
from the anchors the workbench's printer records (``jaxpr_text``), never found by searching the
text. A view's content that could not be made is a ``Failed`` value saying why.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench._src.errors import shape_dtype, warn_fallback
from workbench._src.introspect import text as _text
from workbench._src.introspect.cost import render_cost, render_timing
from workbench._src.introspect.graph import render_graph
from workbench._src.introspect.hlo import render_hlo_ops
from workbench._src.introspect.inspection import Inspection
from workbench._src.introspect.memory import render_memory
from workbench._src.introspect.sharding import render_sharding

if TYPE_CHECKING:
    from workbench._src.debug.nans.report import NanReport

MAX_VIEW_LINES = 2000  # what one view sends to the browser; the rest is counted, not shown
MAX_SHARDING_ARRAYS = 64  # arguments (and outputs) whose grids the sharding view sends
MAX_SHARDING_BLOCKS = 32  # rows (and columns) of blocks sent per array
MAX_COLLECTIVES = 200  # collectives listed

# name -> (tab title, kind). "ir" views are highlighted and can be compared side by side.
VIEWS: dict[str, tuple[str, str]] = {
    "result": ("result", "text"),
    "jaxpr": ("jaxpr", "ir"),
    "stablehlo": ("StableHLO", "ir"),
    "hlo": ("optimized HLO", "ir"),
    "graph": ("graph", "text"),
    "sharding": ("sharding", "text"),
    "memory": ("memory", "text"),
    "cost": ("cost", "text"),
    "timing": ("timing", "text"),
    "grad": ("gradient", "ir"),
    "nans": ("NaN origin", "text"),
}


Links = dict[str, list[str]]  # {line index (a string, as JSON has it): [graph ids]}


@dataclasses.dataclass(frozen=True)
class Failed:
    """Content that could not be made (the NaN search that stopped, say), and why: the view
    that shows it becomes a note."""

    why: str

    @classmethod
    def of(cls, e: Exception) -> Failed:
        first = str(e).splitlines()[0] if str(e) else ""
        return cls(f"{type(e).__name__}: {first}")


@dataclasses.dataclass(frozen=True)
class View:
    """One tab of the inspector.

    Attributes:
      name: a key of ``VIEWS``.
      title: the tab's label.
      kind: ``"ir"`` (highlighted, comparable) or ``"text"``.
      text: the content (bounded), ``""`` when the view failed; the fallback of ``data``.
      note: ``""``, or a short note saying why the view could not be built.
      data: structured content the widget draws (JSON), or ``None``: instead of the text
        (sharding, NaN origin), or above it (``{"treescope": html}``: the result's and the
        gradients' arrays).
      links: the graph ids each line of the text shows, for the lines printed from a jaxpr
        the graph was built from (the jaxpr view; the gradient view's jaxpr, to the gradient's
        graph); ``{}`` elsewhere. Sent in the inspector's ``links`` trait, not with the view.
    """

    name: str
    title: str
    kind: str
    text: str
    note: str = ""
    data: dict[str, Any] | None = None
    links: Links = dataclasses.field(default_factory=dict, compare=False)

    def to_json(self) -> dict[str, Any]:
        """The view as the widget's ``views`` trait holds it (its links go in ``links``)."""
        out = dataclasses.asdict(self)
        del out["links"]
        return out


@dataclasses.dataclass(frozen=True)
class Gradients:
    """The ``--grad`` part of a ``%%reactant`` result: values and the derivative program."""

    values: Mapping[str, Any]
    inspection: Inspection | None


def array_html(value: Any) -> str | None:
    """``value`` (an array or a pytree of arrays) as treescope draws it, a standalone HTML page
    fragment (its script inline, no network): a heatmap of each array with its NaN and inf
    marked, and a summary (shape, dtype, range, how many NaN / inf). ``None`` where treescope is
    not installed or cannot draw it (the view's text stands alone)."""
    try:
        import treescope
    except ImportError:
        return None
    try:
        # Scoped: the workbench sets no global treescope (or IPython) configuration.
        with treescope.active_autovisualizer.set_scoped(treescope.ArrayAutovisualizer()):
            return str(treescope.render_to_html(value, compressed=True))
    except Exception as e:  # the text is shown instead
        warn_fallback(
            "treescope could not draw the arrays", e, "the inspector shows their text instead"
        )
        return None


def describe_value(value: Any) -> str:
    """The result as text: its value, then shape, dtype and device for each array leaf."""
    import jax

    leaves = jax.tree_util.tree_leaves(value)
    lines = [_text.truncate(repr(value), 200)]
    for leaf in leaves[:20]:
        if hasattr(leaf, "shape") and hasattr(leaf, "dtype"):
            devices = getattr(leaf, "devices", None)
            where = ""
            if callable(devices):
                where = " on " + ", ".join(sorted(str(d) for d in devices()))
            lines.append(f"{leaf.dtype}{list(leaf.shape)}{where}")
    return "\n".join(lines)


_GRADIENT_LEAVES_SHOWN = 40  # a model's gradient: this many leaves as text, then a count


# What a builder makes: text, text with the graph ids of its lines, or why it could not.
Made = str | tuple[str, dict[int, list[str]]] | Failed


def _grad_text(g: Gradients) -> Made:
    import jax

    lines = []
    for name, value in g.values.items():
        leaves = jax.tree_util.tree_leaves_with_path(value)
        if len(leaves) == 1 and not leaves[0][0]:  # one array, not a tree
            lines.append(f"d(expression)/d{name} =")
            lines.append("  " + repr(np.asarray(value)).replace("\n", "\n  "))
            continue
        # A pytree or a model (its gradient an Equinox module, an nnx.State): leaf by leaf,
        # each named by its path, as the tree view draws it.
        lines.append(f"d(expression)/d{name}: {type(value).__name__} of {len(leaves)} arrays")
        for path, leaf in leaves[:_GRADIENT_LEAVES_SHOWN]:
            head = f"  {name}{jax.tree_util.keystr(path)}: {shape_dtype(leaf)} = "
            lines.append(head + _text.truncate(repr(np.asarray(leaf)), 3, 160).replace("\n", " "))
        if len(leaves) > _GRADIENT_LEAVES_SHOWN:
            lines.append(f"  ... and {len(leaves) - _GRADIENT_LEAVES_SHOWN} more arrays")
    ins = g.inspection
    if ins is not None:
        lines.append("")
        lines.append(render_memory(ins.memory, 40))
        if ins.backward is not None:
            lines.append("")
            lines.append(ins.backward.text)
        lines.append("")
        lines.append("# jaxpr of the whole gradient computation (forward and backward)")
        # Its lines link to the gradient's graph, which the graph tab draws with --grad.
        links = _anchored(ins.jaxpr.anchors, len("\n".join(lines).splitlines()))
        lines.append(ins.jaxpr.text)
        return "\n".join(lines), links
    return "\n".join(lines)


def _anchored(anchors: Any, offset: int = 0) -> dict[int, list[str]]:
    return {i + offset: list(a.ids) for a in anchors for i in range(a.start, a.stop)}


def _builders(
    value: Any, ins: Inspection, grads: Gradients | None, nans: NanReport | Failed | None = None
) -> dict[str, Callable[[], Made]]:
    def cost() -> str:
        return render_cost(ins.cost) + "\n" + render_hlo_ops(ins.hlo_ops)

    # With --grad, the graph and memory views show the gradient's program: forward and
    # backward passes and the residuals between them.
    shown = grads.inspection if grads is not None and grads.inspection is not None else ins

    def grad() -> Made:
        if grads is None:
            return "No gradient asked for: pass --grad x,y to see d(expression)/dx and /dy."
        return _grad_text(grads)

    def nan_origin() -> Made:
        if nans is None:
            return "No NaN search asked for: pass --nans to find where a NaN or inf is made."
        return nans if isinstance(nans, Failed) else str(nans)

    return {
        "result": lambda: describe_value(value),
        "jaxpr": lambda: (ins.jaxpr.text, _anchored(ins.jaxpr.anchors)),
        "stablehlo": lambda: ins.stablehlo.text,
        "hlo": lambda: ins.hlo.text,
        "graph": lambda: render_graph(shown.graph, 200),
        "sharding": lambda: render_sharding(ins.sharding, 200),
        "memory": lambda: render_memory(shown.memory, 100),
        "cost": cost,
        "timing": lambda: render_timing(ins.timing),
        "grad": grad,
        "nans": nan_origin,
    }


def sharding_data(report: Any) -> dict[str, Any]:
    """``report.to_json()`` bounded for the widget: at most ``MAX_SHARDING_ARRAYS`` arrays of
    each kind, ``MAX_SHARDING_BLOCKS`` rows and columns of blocks per array and
    ``MAX_COLLECTIVES`` collectives; ``"left_out"`` counts what was cut, and an array whose grid
    was cut says so in ``"clipped"``."""
    data = report.to_json()
    left_out: dict[str, int] = {}
    for key, limit in (
        ("arguments", MAX_SHARDING_ARRAYS),
        ("outputs", MAX_SHARDING_ARRAYS),
        ("collectives", MAX_COLLECTIVES),
    ):
        if len(data[key]) > limit:
            left_out[key] = len(data[key]) - limit
            data[key] = data[key][:limit]
    for array in (*data["arguments"], *data["outputs"]):
        n = MAX_SHARDING_BLOCKS
        if len(array["rows"]) > n + 1 or len(array["cols"]) > n + 1:
            array["clipped"] = [len(array["rows"]) - 1, len(array["cols"]) - 1]
            array["rows"] = array["rows"][: n + 1]
            array["cols"] = array["cols"][: n + 1]
            array["cells"] = [row[:n] for row in array["cells"][:n]]
    data["left_out"] = left_out
    return data


MAX_MEMORY_ROWS = 200  # residual rows the memory table shows (the text says the rest)


def memory_data(m: Any) -> dict[str, Any]:
    """The memory view as tables for the inspector (issue 24: was text, its notes cut off):
    residuals (value, bytes, where it came from), the loops' stacked residuals, XLA's numbers
    and their notes, in full."""
    rows = [
        {"value": str(r.aval), "bytes": r.nbytes, "source": r.source}
        for r in m.residuals[:MAX_MEMORY_ROWS]
    ]
    loops = [
        {
            "loop": f"{lp.kind} [{lp.region}]",
            "length": lp.length,
            "arrays": lp.count,
            "bytes": lp.nbytes,
            "per_step": lp.per_step_nbytes,
            "source": lp.source or "",
        }
        for lp in m.loops
    ]
    c = m.compiled
    compiled = None
    if c is not None:
        compiled = {
            "backend": c.backend,
            "rows": [
                ["arguments", c.argument_bytes],
                ["outputs", c.output_bytes],
                ["aliased", c.alias_bytes],
                ["temp", c.temp_bytes],
                ["peak", c.peak_bytes],
            ],
            "notes": list(c.notes),
        }
    return {
        "residual_bytes": m.residual_bytes,
        "residuals": rows,
        "left_out": max(0, len(m.residuals) - len(rows)),
        "loops": loops,
        "compiled": compiled,
    }


def _arrays(value: Any) -> dict[str, Any] | None:
    html = array_html(value)
    return None if html is None else {"treescope": html}


def _data_builders(
    value: Any,
    ins: Inspection,
    grads: Gradients | None = None,
    nans: NanReport | Failed | None = None,
) -> dict[str, Callable[[], dict[str, Any] | None]]:
    shown = grads.inspection if grads is not None and grads.inspection is not None else ins
    out: dict[str, Callable[[], dict[str, Any] | None]] = {
        "sharding": lambda: sharding_data(ins.sharding),
        "result": lambda: _arrays(value),
        "memory": lambda: memory_data(shown.memory),
    }
    if grads is not None:
        out["grad"] = lambda: _arrays(dict(grads.values))
    if nans is not None and not isinstance(nans, Failed):
        out["nans"] = nans.to_json
    return out


def build_views(
    names: list[str],
    value: Any,
    ins: Inspection,
    grads: Gradients | None = None,
    overrides: Mapping[str, Callable[[], Made]] | None = None,
    nans: NanReport | Failed | None = None,
) -> list[View]:
    """The views called ``names``, each built on its own: one that raises becomes a note.

    ``overrides`` replaces a view's builder (the tests use it to break one view on purpose).
    ``nans``: ``explain_nans``'s ``NanReport`` for the NaN-origin view (or ``Failed``: why the
    search stopped, which the view then says).
    """
    builders = {**_builders(value, ins, grads, nans), **(overrides or {})}
    data_builders = _data_builders(value, ins, grads, nans)
    out = []
    for name in names:
        title, kind = VIEWS[name]
        try:
            made = builders[name]()
        except Exception as e:  # a renderer must never break the cell
            made = Failed.of(e)
        if isinstance(made, Failed):
            out.append(View(name, title, kind, "", f"This view failed: {made.why}"))
            continue
        text, lines = made if isinstance(made, tuple) else (made, {})
        body = _text.truncate(text, MAX_VIEW_LINES)
        links = {str(i): ids for i, ids in lines.items() if i < MAX_VIEW_LINES}
        data = None
        if name in data_builders and name not in (overrides or {}):
            try:
                data = data_builders[name]()
            except Exception as e:  # the text is shown instead
                warn_fallback(
                    f"The {name} view's data for the inspector could not be built",
                    e,
                    "the view shows its text instead",
                )
                data = None
        out.append(View(name, title, kind, body, data=data, links=links))
    return out
