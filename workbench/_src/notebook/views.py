"""The inspector's views: each is text built from an ``Inspection``, never recomputed.

A view that fails to build becomes a ``View`` with a short ``note`` and no text, so one broken
renderer never hides the result or the other views.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from workbench._src.introspect import text as _text
from workbench._src.introspect.inspection import Inspection

MAX_VIEW_LINES = 2000  # what one view sends to the browser; the rest is counted, not shown

# name -> (tab title, kind). "ir" views are highlighted and can be compared side by side.
VIEWS: dict[str, tuple[str, str]] = {
    "result": ("result", "text"),
    "jaxpr": ("jaxpr", "ir"),
    "stablehlo": ("StableHLO", "ir"),
    "hlo": ("optimized HLO", "ir"),
    "graph": ("graph", "text"),
    "memory": ("memory", "text"),
    "cost": ("cost", "text"),
    "timing": ("timing", "text"),
    "grad": ("gradient", "ir"),
}


@dataclasses.dataclass(frozen=True)
class View:
    """One tab of the inspector.

    Attributes:
      name: a key of ``VIEWS``.
      title: the tab's label.
      kind: ``"ir"`` (highlighted, comparable) or ``"text"``.
      text: the content (bounded), ``""`` when the view failed.
      note: ``""``, or a short note saying why the view could not be built.
    """

    name: str
    title: str
    kind: str
    text: str
    note: str = ""

    def to_json(self) -> dict[str, str]:
        """The view as the widget's ``views`` trait holds it."""
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class Gradients:
    """The ``--grad`` part of a ``%%reactant`` result: values and the derivative program."""

    values: Mapping[str, Any]
    inspection: Inspection | None


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


def _grad_text(g: Gradients) -> str:
    lines = []
    for name, value in g.values.items():
        lines.append(f"d(expression)/d{name} =")
        lines.append("  " + repr(np.asarray(value)).replace("\n", "\n  "))
    ins = g.inspection
    if ins is not None:
        lines.append("")
        lines.append(_text.render_memory(ins.memory, 40))
        if ins.backward is not None:
            lines.append("")
            lines.append(ins.backward.text)
        lines.append("")
        lines.append("# jaxpr of the whole gradient computation (forward and backward)")
        lines.append(ins.jaxpr.text)
    return "\n".join(lines)


def _builders(value: Any, ins: Inspection, grads: Gradients | None) -> dict[str, Callable[[], str]]:
    def cost() -> str:
        return _text.render_cost(ins.cost) + "\n" + _text.render_hlo_ops(ins.hlo_ops)

    def grad() -> str:
        if grads is None:
            return "No gradient asked for: pass --grad x,y to see d(expression)/dx and /dy."
        return _grad_text(grads)

    return {
        "result": lambda: describe_value(value),
        "jaxpr": lambda: ins.jaxpr.text,
        "stablehlo": lambda: ins.stablehlo.text,
        "hlo": lambda: ins.hlo.text,
        "graph": lambda: _text.render_graph(ins.graph, 200),
        "memory": lambda: _text.render_memory(ins.memory, 100),
        "cost": cost,
        "timing": lambda: _text.render_timing(ins.timing),
        "grad": grad,
    }


def build_views(
    names: list[str],
    value: Any,
    ins: Inspection,
    grads: Gradients | None = None,
    overrides: Mapping[str, Callable[[], str]] | None = None,
) -> list[View]:
    """The views called ``names``, each built on its own: one that raises becomes a note.

    ``overrides`` replaces a view's builder (the tests use it to break one view on purpose).
    """
    builders = {**_builders(value, ins, grads), **(overrides or {})}
    out = []
    for name in names:
        title, kind = VIEWS[name]
        try:
            body = _text.truncate(builders[name](), MAX_VIEW_LINES)
        except Exception as e:  # a renderer must never break the cell
            first = str(e).splitlines()[0] if str(e) else ""
            out.append(
                View(name, title, kind, "", f"This view failed: {type(e).__name__}: {first}")
            )
            continue
        out.append(View(name, title, kind, body))
    return out
