"""The checkpoint trade-off explorer: ``wb.tradeoff_explorer(body, init, steps)``.

A thin ``anywidget.AnyWidget`` over ``wb.tradeoffs`` and ``wb.checkpoint_schedule``. Its front
end, ``workbench/static/tradeoffs.js`` (from ``extensions/tradeoffs/index.js``), draws the
memory-vs-recomputation curve (theory and measured points for store-all, periodic and binomial
schedules), a progress bar while the schemes compile, a slider for the number of snapshots, and
the ``Binomial(s)`` schedule for the slider's ``s`` as a timeline of its actions. The schedule is
computed here, in Python, by an observer of the ``snapshots`` trait.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable, Sequence
from typing import Any

import anywidget
import traitlets

from workbench._src.loops.schedules import (
    Advance,
    Recompute,
    Restore,
    ReverseStep,
    Snapshot,
    Tape,
    checkpoint_schedule,
)
from workbench._src.loops.schemes import Binomial
from workbench._src.loops.tradeoffs import Tradeoffs, default_schemes, tradeoffs
from workbench._src.notebook.graph_widget import static_text
from workbench._src.notebook.html import FRONT_END, LiveDisplay
from workbench._src.notebook.tradeoff_static import tradeoff_svg

MAX_TIMELINE_STEPS = 2000  # longer loops: the timeline is not drawn (a note says so)
MAX_TIMELINE_ACTIONS = 6000  # longer plans: the timeline shows the first ones (a note says so)
MAX_SLIDER_SNAPSHOTS = 64


# A schedule action as a timeline row [kind, a, b]: the attributes that give a and b.
_TIMELINE_ROW: dict[type, tuple[str, str, str]] = {
    Advance: ("advance", "start", "stop"),
    Tape: ("tape", "start", "stop"),
    Snapshot: ("snapshot", "slot", "step"),
    Restore: ("restore", "slot", "step"),
    Recompute: ("recompute", "step", "step"),
    ReverseStep: ("reverse", "step", "step"),
}


def timeline_data(steps: int, snapshots: int, snapshot_bytes: int = 0) -> dict[str, Any]:
    """The ``Binomial(snapshots)`` plan for ``steps`` steps as the ``timeline`` trait holds it.

    ``actions`` are rows ``[kind, a, b]``: ``["advance", start, stop]``, ``["tape", start,
    stop]``, ``["snapshot", slot, step]``, ``["restore", slot, step]``, ``["recompute", step,
    step]``, ``["reverse", step, step]``.

    >>> d = timeline_data(4, 1)
    >>> d["evaluations"], [a[0] for a in d["actions"]][:3]
    (10, ['snapshot', 'advance', 'tape'])
    """
    plan = checkpoint_schedule(steps, Binomial(snapshots), snapshot_bytes=snapshot_bytes)
    out: dict[str, Any] = {
        "steps": steps,
        "snapshots": snapshots,
        "scheme": repr(plan.scheme),
        "evaluations": plan.evaluations,
        "used_snapshots": plan.snapshots,
        "taped_steps": plan.taped_steps,
        "total_actions": len(plan.actions),
        "note": "",
        "actions": [],
    }
    if steps > MAX_TIMELINE_STEPS:
        out["note"] = (
            f"The timeline is drawn for loops of up to {MAX_TIMELINE_STEPS:,} steps; this one has "
            f"{steps:,} ({len(plan.actions):,} actions). The curve above still shows its costs."
        )
        return out
    rows: list[list[Any]] = []
    for a in plan.actions[:MAX_TIMELINE_ACTIONS]:
        kind, first, second = _TIMELINE_ROW[type(a)]
        rows.append([kind, getattr(a, first), getattr(a, second)])
    out["actions"] = rows
    if len(plan.actions) > MAX_TIMELINE_ACTIONS:
        out["note"] = (
            f"Showing the first {MAX_TIMELINE_ACTIONS:,} of {len(plan.actions):,} actions."
        )
    return out


def rows_data(t: Tradeoffs) -> list[dict[str, Any]]:
    """The rows of a ``Tradeoffs`` table as the ``rows`` trait holds them."""
    return [
        {
            "scheme": repr(r.scheme),
            "label": _label(r.scheme),
            "snapshots": r.snapshots,
            "taped_steps": r.taped_steps,
            "evaluations": r.evaluations,
            "theory_bytes": r.theory_bytes,
            "measured_temp_bytes": r.measured_temp_bytes,
            "seconds": r.seconds,
            "failure": r.failure,
        }
        for r in t.rows
    ]


class TradeoffExplorer(LiveDisplay, anywidget.AnyWidget):
    """Memory against recomputation for the checkpointing schemes of one loop.

    Traits (synced with the browser): ``title``; ``steps``; ``carry_bytes`` and
    ``step_residual_bytes`` (what a snapshot and a taped step keep); ``rows`` (the table of
    ``wb.tradeoffs``, one dict per scheme); ``progress`` (``{"done", "total", "label"}`` while
    the schemes compile); ``error`` (why the table could not be made, or ``""``);
    ``snapshots`` (the slider); ``max_snapshots``; ``timeline`` (``timeline_data`` for the
    slider's value, recomputed whenever it moves).
    """

    _esm = static_text("loader.js")
    CODE = "tradeoffs"
    title = traitlets.Unicode("").tag(sync=True)
    steps = traitlets.Int(1).tag(sync=True)
    carry_bytes = traitlets.Int(0).tag(sync=True)
    step_residual_bytes = traitlets.Int(0).tag(sync=True)
    rows = traitlets.List(traitlets.Dict()).tag(sync=True)
    progress = traitlets.Dict().tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)
    snapshots = traitlets.Int(1).tag(sync=True)
    max_snapshots = traitlets.Int(1).tag(sync=True)
    timeline = traitlets.Dict().tag(sync=True)

    def __init__(self, steps: int, snapshots: int | None = None, title: str = "") -> None:
        top = max(1, min(MAX_SLIDER_SNAPSHOTS, steps))
        first = snapshots if snapshots is not None else max(1, min(top, _isqrt(steps)))
        super().__init__(steps=steps, max_snapshots=top, title=title)
        self._table: Tradeoffs | None = None
        self._thread: threading.Thread | None = None
        self._failure: Exception | None = None
        self.snapshots = max(1, min(top, first))
        if not self.timeline:
            self._update_timeline({"new": self.snapshots})

    @traitlets.validate("snapshots")
    def _clamp(self, proposal: dict[str, Any]) -> int:
        value = int(proposal["value"])
        return max(1, min(self.max_snapshots, value))

    @traitlets.observe("snapshots")
    def _update_timeline(self, change: Any) -> None:
        self.timeline = timeline_data(self.steps, int(change["new"]), self.carry_bytes)

    @property
    def table(self) -> Tradeoffs | None:
        """The ``Tradeoffs`` table, once computed."""
        return self._table

    def compute(
        self,
        body: Callable[[Any, Any], Any],
        init: Any,
        schemes: Sequence[Any] | None,
        measure: bool,
    ) -> None:
        """Runs ``wb.tradeoffs`` and fills ``rows``, reporting each scheme in ``progress``."""
        chosen = list(schemes) if schemes is not None else default_schemes(self.steps)
        self.progress = {"done": 0, "total": len(chosen), "label": "starting"}

        def report(done: int, total: int, scheme: Any) -> None:
            self.progress = {"done": done, "total": total, "label": repr(scheme)}

        try:
            table = tradeoffs(
                body, init, self.steps, schemes=chosen, measure=measure, on_progress=report
            )
        except Exception as e:
            self.error = f"{type(e).__name__}: {e}"
            raise
        self._table = table
        self.carry_bytes = table.carry_bytes
        self.step_residual_bytes = table.step_residual_bytes
        self.rows = rows_data(table)
        self._update_timeline({"new": self.snapshots})
        self.progress = {"done": len(table.rows), "total": len(chosen), "label": ""}

    def start(self, body: Callable[..., Any], init: Any, schemes: Any, measure: bool) -> None:
        """``compute`` in a background thread, so the widget shows its progress bar."""

        def work() -> None:
            try:
                self.compute(body, init, schemes, measure)
            except Exception as e:  # shown in the widget through the error trait
                self._failure = e

        self._thread = threading.Thread(target=work, name="wb-tradeoffs", daemon=True)
        self._thread.start()

    def fill(
        self,
        body: Callable[[Any, Any], Any],
        init: Any,
        schemes: Sequence[Any] | None,
        measure: bool,
        background: bool | None,
    ) -> TradeoffExplorer:
        """``compute``, or ``start`` where ``background`` says so; returns the widget.
        ``background=None``: in the background only where a front end draws the progress bar;
        elsewhere (nbconvert --execute, nbval) the cell waits, so its fallback shows the final
        table."""
        if background is None:
            background = _in_kernel() and FRONT_END.live
        if background:
            self.start(body, init, schemes, measure)
        else:
            self.compute(body, init, schemes, measure)
        return self

    def wait(self, timeout: float | None = None) -> TradeoffExplorer:
        """Waits for a background computation (``background=True``) and returns the widget;
        raises what the computation raised."""
        if self._thread is not None:
            self._thread.join(timeout)
        if self._failure is not None:
            raise self._failure
        return self

    def to_text(self) -> str:
        """The ``text/plain`` fallback: the title, the ``Tradeoffs`` table, the chosen schedule."""
        head = f"{self.title}\n" if self.title else ""
        if self.error:
            return f"{head}Tradeoffs failed: {self.error}"
        if self._table is None:
            p = self.progress
            done, total = p.get("done", 0), p.get("total", "?")
            return f"{head}Tradeoffs: computing ({done} of {total} schemes)"
        t = self.timeline
        return (
            f"{head}{self._table!r}\nChosen: {t.get('scheme')}: {t.get('evaluations'):,} "
            f"evaluations, {t.get('used_snapshots')} snapshots"
        )

    def to_html(self) -> str:
        """The ``text/html`` fallback: the curve and the chosen schedule drawn as SVG (once the
        table exists and Matplotlib is installed), above the text of ``to_text``."""
        svg = None
        if self._table is not None and not self.error:
            svg = tradeoff_svg(
                self.rows, self.timeline, self.carry_bytes, self.step_residual_bytes, self.title
            )
        text = f'<pre class="wb-tradeoffs-text">{html.escape(self.to_text())}</pre>'
        return f'<div class="wb-tradeoffs-static">{svg or ""}{text}</div>'


def _label(scheme: Any) -> str:
    """A scheme's name on the curve: short, as the user writes it (``Binomial(4)``)."""
    if scheme is False:
        return "store all"
    if scheme is True:
        return "periodic (sqrt N)"
    if isinstance(scheme, Binomial):
        return f"Binomial({scheme.snapshots})"
    return repr(scheme)


def _isqrt(n: int) -> int:
    import math

    return math.isqrt(n)


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None
