"""The report of ``explain_nans``: ``Origin``, ``Remedy``, ``NanPath``, ``NanReport``, and their
text and HTML renderers."""

import dataclasses
import html
from collections.abc import Callable
from typing import Any

import numpy as np

from workbench._src.errors import WorkbenchError

# --------------------------------------------------------------------------------------------
# The report


@dataclasses.dataclass(frozen=True)
class Origin:
    """One equation that made a non-finite value.

    Attributes:
      primitive: the primitive's name (``mul``, ``div``, ``log``).
      kind: ``"nan"`` (a NaN from NaN-free operands) or ``"inf"`` (an inf from finite ones).
      phase: ``"primal"``, ``"forward"`` (a derivative's forward or tangent pass, which computes
        the primal too) or ``"backward"`` (the transposed pass).
      source: the user's line, ``file:line:column (function)`` (``cell [3], line 5 (f)`` for code
        typed in a notebook cell), or ``None``.
      line: the line number alone, or ``None``.
      name_stack: JAX's name stack of the equation (``transpose()/jvp()``).
      iteration: the first loop iteration where it happened, ``None`` outside loops.
      loop: the source line of the innermost loop around it, ``None`` outside loops.
      operands: the operands' values at the first non-finite element, where captured.
      element: the index of that element in the output.
      node: the id of its node (or of the region that holds it) in the graph of the program
        searched (``NanReport.graph()``), e.g. ``"main/3/0"``.
      caller: where ``source`` is inside an installed library (a Flax or Equinox layer), the
        user's own line that called it (the innermost frame outside installed packages, JAX and
        the workbench); else ``None``.
      rule: where the backward pass ran a ``jax.custom_vjp``'s backward rule called at
        ``source``, that rule, ``f_bwd at file:line`` (JAX traces it under the call's line, so
        ``source`` alone names the caller); else ``None``.
    """

    primitive: str
    kind: str
    phase: str
    source: str | None
    line: int | None
    name_stack: str
    iteration: int | None
    loop: str | None
    operands: tuple[float, ...] | None = None
    element: tuple[int, ...] | None = None
    node: str | None = None
    caller: str | None = None
    rule: str | None = None

    def values(self) -> str:
        """The operands that made it, as ``0.0 * inf``."""
        if self.operands is None:
            return ""
        vals = [_num(v) for v in self.operands]
        sym = _SYMBOLS.get(self.primitive)
        if sym and len(vals) == 2:
            return f"{vals[0]} {sym} {vals[1]}"
        return f"{self.primitive}({', '.join(vals)})"


@dataclasses.dataclass(frozen=True)
class Remedy:
    """A fix that fits the pattern: its ``name``, what to write (``advice``), whether running it
    gave finite results (``verified``; ``None``: not run) and those results (``result``)."""

    name: str
    advice: str
    verified: bool | None
    result: str = ""


@dataclasses.dataclass(frozen=True)
class NanPath:
    """Where the non-finite value goes, in the graph of the program searched (ids of
    ``NanReport.graph()``'s nodes).

    Attributes:
      origin: the node (or region) that made it.
      source: the node that made the inf the origin met (``NanReport.inf_origin``), or ``None``.
      nodes: the nodes on a path from the source or the origin to a non-finite output.
      edges: ``(from, to)`` node ids of the edges between those nodes.
      residual: the residual edges (kept by the forward pass for the backward pass) that carry
        the source's inf to the origin.
    """

    origin: str
    source: str | None
    nodes: tuple[str, ...]
    edges: tuple[tuple[str, str], ...]
    residual: tuple[tuple[str, str], ...]

    def to_json(self) -> dict[str, Any]:
        """The marks as the graph viewer's ``marks`` trait takes them."""
        return {
            "origin": self.origin,
            "source": self.source or "",
            "nodes": list(self.nodes),
            "edges": [list(e) for e in self.edges],
            "residual": [list(e) for e in self.residual],
        }


@dataclasses.dataclass(frozen=True)
class NanReport:
    """What ``explain_nans`` found. Read by name.

    Attributes:
      found: whether a non-finite value reaches an output.
      origin: the first equation that made the kind of value the outputs hold (a NaN, else an
        inf); ``None`` when none found.
      inf_origin: for a NaN, the first equation that made an inf (the residual that usually
        carries it into the NaN); ``None`` when no inf was made.
      remedy: a fix that fits, checked by running it where it can be; ``None`` when none fits.
      outputs: ``(name, "nan" | "inf" | "finite", largest finite magnitude)`` per output.
      mode: the mode's name, or ``"primal"``.
      path: the origin, the source of its inf and their way to the outputs as graph ids
        (``NanPath``), or ``None`` when none found.
      entered: where a non-finite value came in through an argument, when no equation made the
        inf (or NaN) the origin met: ``(argument and element, "nan" | "inf")``, e.g.
        ``("x[0]", "inf")``; ``None`` otherwise.
    """

    found: bool
    origin: Origin | None
    inf_origin: Origin | None
    remedy: Remedy | None
    outputs: tuple[tuple[str, str, float], ...]
    mode: str
    path: NanPath | None = None
    program: Any = dataclasses.field(default=None, repr=False, compare=False)
    entered: tuple[str, str] | None = None

    def __str__(self) -> str:
        return _text(self)

    def _repr_html_(self) -> str:
        return _html(self)

    def to_json(self) -> dict[str, Any]:
        """The report as plain data (the inspector's NaN tab draws it)."""
        return {
            "found": self.found,
            "mode": self.mode,
            "origin": None if self.origin is None else _origin_json(self.origin),
            "inf_origin": None if self.inf_origin is None else _origin_json(self.inf_origin),
            "remedy": None if self.remedy is None else dataclasses.asdict(self.remedy),
            "outputs": [list(o) for o in self.outputs],
            "path": None if self.path is None else self.path.to_json(),
            "entered": None if self.entered is None else list(self.entered),
            "text": _text(self),
        }

    def graph(self) -> Any:
        """The graph viewer of the program searched, with the origin, the source of its inf,
        their path to the outputs and the residual edges that carry it marked (the regions that
        hold the origin open, the view on it). Drawn by the notebook layer's view (``debug``
        imports nothing of ``notebook``; the view registers itself when ``workbench`` loads)."""
        if self.program is None:
            raise WorkbenchError(
                "This NanReport has no program to draw (it was built by hand); make it with "
                "wb.explain_nans(f, *args, mode=...)."
            )
        view = _VIEWS.get("graph")
        if view is None:
            raise WorkbenchError(
                "No graph view is loaded to draw this NanReport: import workbench (its notebook "
                "layer registers the view), or draw it with wb.graph(f, *args, nans=True)."
            )
        return view(self)


# The views that draw a report, registered by the notebook layer (``notebook/api.py``).
_VIEWS: dict[str, Callable[[NanReport], Any]] = {}


def register_view(name: str, view: Callable[[NanReport], Any]) -> None:
    """Registers ``view(report)`` as the way to draw a report (``"graph"``: ``report.graph()``)."""
    _VIEWS[name] = view


def _origin_json(o: Origin) -> dict[str, Any]:
    out = dataclasses.asdict(o)
    out["values"] = o.values()
    out["operands"] = None if o.operands is None else [_num(v) for v in o.operands]
    return out


_SYMBOLS = {"mul": "*", "div": "/", "add": "+", "sub": "-", "pow": "**"}


def _num(v: float) -> str:
    return repr(float(v)) if np.isfinite(v) else str(float(v))


# --------------------------------------------------------------------------------------------
# Renderers


def _describe(o: Origin) -> list[str]:
    made = "a NaN" if o.kind == "nan" else "an inf"
    vals = o.values()
    lines = [
        f"  operation: {o.primitive} made {made}" + (f" from {vals}" if vals else ""),
        f"  pass:      {o.phase}" + (f"  [{o.name_stack}]" if o.name_stack else ""),
        f"  line:      {o.source or '(not known)'}",
    ]
    if o.caller is not None:
        lines.append(f"  called from your line {o.caller}")
    if o.rule is not None:
        lines.append(f"  in the backward rule {o.rule} of the jax.custom_vjp called on this line")
    if o.iteration is not None and o.phase == "backward":
        lines.append(
            f"  iteration: run {o.iteration} (from 0) of this line in the backward pass, which "
            f"takes the steps of the loop at {o.loop or '(not known)'} last to first"
        )
    elif o.iteration is not None:
        lines.append(f"  iteration: {o.iteration} of the loop at {o.loop or '(not known)'}")
    if o.element:
        lines.append(f"  element:   {o.element}")
    return lines


def _text(r: NanReport) -> str:
    head = f"explain_nans ({r.mode}): "
    if not r.found:
        lines = [head + "none found, every output is finite; largest magnitudes:"]
        lines += [f"  {name}: {big:.6g}" for name, _, big in r.outputs]
        return "\n".join(lines)
    bad = ", ".join(f"{n} ({k})" for n, k, _ in r.outputs if k != "finite")
    lines = [head + f"non-finite: {bad}"]
    if r.origin is None and r.entered is None:
        lines.append("  no equation made it: it came in through an argument or a constant")
    elif r.origin is None:
        assert r.entered is not None
        lines.append(f"  no equation made it: it came in through the argument {r.entered[0]}")
    else:
        lines.append("first made here:")
        lines += _describe(r.origin)
    if r.inf_origin is not None:
        lines.append("the inf it met was first made here:")
        lines += _describe(r.inf_origin)
    elif r.entered is not None and r.origin is not None:
        name, kind = r.entered
        lines.append(f"the {kind} it met came in through the argument {name}: {name} = {kind}")
    if r.remedy is not None:
        v = {True: "verified", False: "tried, still not finite", None: "not run"}[r.remedy.verified]
        lines.append(f"remedy ({r.remedy.name}, {v}): {r.remedy.advice}")
        if r.remedy.result:
            lines.append(f"  with it: {r.remedy.result}")
    return "\n".join(lines)


def _html(r: NanReport) -> str:
    color = "#b00020" if r.found else "#1b5e20"
    return (
        f'<pre class="wb-explain-nans" style="white-space:pre-wrap;border-left:3px solid '
        f'{color};padding-left:6px">{html.escape(_text(r))}</pre>'
    )
