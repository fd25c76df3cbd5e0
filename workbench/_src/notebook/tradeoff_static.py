"""The trade-off explorer's static picture: the curve and the chosen schedule as one SVG.

Exported notebooks, nbconvert and front ends without widgets see this instead of the interactive
explorer. It is drawn by Matplotlib (the notebook extra installs it) from the explorer's traits,
with the same marks as the widget: store-all, periodic and binomial schemes as dots at (forward
evaluations, bytes kept), measured temp bytes as squares, the chosen ``Binomial(s)`` as a diamond,
and its plan as a timeline of advances, tapes, snapshots, restores and reverse steps.

Text is kept as SVG text (``svg.fonttype: none``), math parsing is off, and the SVG carries no
date and fixed ids, so the same explorer always gives the same bytes. Matplotlib escapes every
string it writes into the SVG.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

LOG_RATIO = 10  # a logarithmic y axis where the bytes span more than this (as the widget)
# The widget's colours (extensions/tradeoffs/tradeoffs.css), so both pictures read the same.
FAMILY_COLOURS = {"store all": "#57606a", "periodic": "#2da44e", "binomial": "#0969da"}
CHOSEN_COLOUR = "#bf3989"
ACTION_COLOURS = {
    "advance": "#8c959f",
    "tape": "#2da44e",
    "snapshot": "#0969da",
    "restore": "#8250df",
    "recompute": "#fb8500",
    "reverse": "#cf222e",
}


def family(scheme: str) -> str:
    """``"store all"``, ``"periodic"`` or ``"binomial"`` for a row's ``scheme`` text."""
    if scheme.startswith("Binomial"):
        return "binomial"
    return "store all" if scheme == "False" else "periodic"


def tradeoff_svg(
    rows: Sequence[Mapping[str, Any]],
    timeline: Mapping[str, Any],
    carry_bytes: int,
    step_residual_bytes: int,
    title: str = "",
) -> str | None:
    """The curve of ``rows`` (the explorer's ``rows`` trait) above the timeline of ``timeline``
    (its ``timeline`` trait), as SVG text; ``None`` when Matplotlib is missing or there are no
    rows yet. ``carry_bytes`` and ``step_residual_bytes`` place the chosen schedule on the
    curve: it keeps its snapshots of the carry and its taped steps' residuals."""
    if not rows:
        return None
    try:
        from matplotlib import rc_context
        from matplotlib.figure import Figure
    except ImportError:
        return None
    actions = list(timeline.get("actions") or [])
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "workbench", "font.size": 8}):
        fig = Figure(figsize=(7.0, 5.2 if actions else 2.9), layout="constrained")
        if actions:
            curve, plan = fig.subplots(2, 1, height_ratios=[1.1, 1.0])
            _draw_timeline(plan, actions, int(timeline.get("steps") or 1))
        else:
            curve = fig.subplots(1, 1)
        _draw_curve(curve, rows, timeline, carry_bytes, step_residual_bytes)
        if title:
            fig.suptitle(title, fontsize=9, parse_math=False)
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None})
    svg = buf.getvalue()
    return svg[svg.index("<svg") :]  # drop the XML prolog and DOCTYPE: it sits inside HTML


def _draw_curve(
    ax: Any,
    rows: Sequence[Mapping[str, Any]],
    timeline: Mapping[str, Any],
    carry_bytes: int,
    step_residual_bytes: int,
) -> None:
    binomial = sorted(
        (r for r in rows if family(str(r["scheme"])) == "binomial"),
        key=lambda r: r["evaluations"],
    )
    if len(binomial) > 1:
        ax.plot(
            [r["evaluations"] for r in binomial],
            [r["theory_bytes"] for r in binomial],
            color=FAMILY_COLOURS["binomial"],
            alpha=0.5,
            linewidth=1,
        )
    for kind, colour in FAMILY_COLOURS.items():
        mine = [r for r in rows if family(str(r["scheme"])) == kind]
        if mine:  # one artist (one SVG group) per family: its points are the rows
            ax.scatter(
                [r["evaluations"] for r in mine],
                [r["theory_bytes"] for r in mine],
                s=30,
                color=colour,
                label=kind,
                zorder=3,
                gid=f"wb-theory-{kind.replace(' ', '-')}",
            )
    measured = [r for r in rows if (r.get("measured_temp_bytes") or -1) >= 0]
    if measured:
        ax.scatter(
            [r["evaluations"] for r in measured],
            [r["measured_temp_bytes"] for r in measured],
            s=30,
            marker="s",
            facecolors="none",
            edgecolors=[FAMILY_COLOURS[family(str(r["scheme"]))] for r in measured],
            label="measured temp",
            zorder=3,
            gid="wb-measured",
        )
    for r in rows:
        ax.annotate(
            str(r.get("label") or r["scheme"]),
            (r["evaluations"], r["theory_bytes"]),
            xytext=(5, 4),
            textcoords="offset points",
            fontsize=7,
            annotation_clip=False,
            parse_math=False,
        )
    if timeline.get("scheme"):
        kept = (
            int(timeline.get("used_snapshots") or 0) * carry_bytes
            + int(timeline.get("taped_steps") or 0) * step_residual_bytes
        )
        ax.scatter(
            [timeline["evaluations"]],
            [kept],
            s=70,
            marker="D",
            color=CHOSEN_COLOUR,
            alpha=0.8,
            label=f"chosen: {timeline['scheme']}",
            zorder=4,
            gid="wb-chosen",
        )
    ax.set_xlabel("forward step evaluations (recomputation)")
    ax.set_xlim(left=0)
    values = [r["theory_bytes"] for r in rows] + [m["measured_temp_bytes"] for m in measured]
    positive = [v for v in values if v and v > 0]
    if positive and max(positive) > LOG_RATIO * min(positive):
        # As the widget draws it: on a linear axis every scheme but store-all would sit on 0.
        from matplotlib.ticker import LogLocator

        ax.set_yscale("log", base=2)
        ax.yaxis.set_major_locator(LogLocator(base=2, numticks=8))
        ax.yaxis.set_minor_locator(LogLocator(base=2, subs=(), numticks=1))
        ax.set_ylabel("bytes kept (log scale)")
    else:
        ax.set_ylim(bottom=0)
        ax.set_ylabel("bytes kept")
    ax.yaxis.set_major_formatter(_bytes_formatter())
    ax.legend(loc="upper right", fontsize=7, frameon=False)
    ax.grid(alpha=0.25)


def _draw_timeline(ax: Any, actions: Sequence[Sequence[Any]], steps: int) -> None:
    spans: dict[str, list[tuple[int, int, int]]] = {}
    points: dict[str, list[tuple[int, int]]] = {}
    for i, (kind, a, b) in enumerate(actions):
        if kind in ("advance", "tape"):
            spans.setdefault(kind, []).append((i, int(a), int(b)))
        elif kind in ("snapshot", "restore"):
            points.setdefault(kind, []).append((i, int(b)))
        else:
            spans.setdefault(kind, []).append((i, int(a), int(a) + 1))
    for kind, rows in spans.items():
        ax.vlines(
            [i for i, _, _ in rows],
            [lo for _, lo, _ in rows],
            [hi for _, _, hi in rows],
            color=ACTION_COLOURS[kind],
            linewidth=2.0 if len(actions) < 200 else 0.8,
            alpha=0.6 if kind == "advance" else 0.95,
            label=kind,
            gid=f"wb-{kind}",
        )
    markers = {"snapshot": "o", "restore": "^"}
    for kind, pts in points.items():
        ax.scatter(
            [i for i, _ in pts],
            [step for _, step in pts],
            s=12,
            marker=markers[kind],
            color=ACTION_COLOURS[kind],
            label=kind,
            zorder=3,
            gid=f"wb-{kind}",
        )
    ax.set_xlim(-1, len(actions))
    ax.set_ylim(0, steps)
    ax.set_xlabel(f"action (time), {len(actions)} shown")
    ax.set_ylabel("step")
    ax.legend(loc="upper left", fontsize=7, ncols=6, frameon=False, bbox_to_anchor=(0, 1.15))


def _bytes_formatter() -> Any:
    from matplotlib.ticker import FuncFormatter

    def fmt(value: float, _pos: Any) -> str:
        n = float(value)
        if n < 1024:
            return f"{n:.0f} B"
        for unit in ("KiB", "MiB", "GiB"):
            n /= 1024
            if n < 1024 or unit == "GiB":
                return f"{n:.1f} {unit}" if n < 10 else f"{n:.0f} {unit}"
        return f"{n:.0f} GiB"  # pragma: no cover - the loop returns

    return FuncFormatter(fmt)
