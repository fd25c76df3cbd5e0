"""The trade-off explorer's Python side: its table, progress, slider observer and fallbacks.

Oracles: ``wb.tradeoffs`` for the table and ``wb.checkpoint_schedule`` for the timeline, in the
widget's traits and in the static SVG fallback alike.
"""

from __future__ import annotations

import html
import re
import sys

import jax.numpy as jnp
import pytest

import workbench as wb
from workbench._src.loops import schedules as sch
from workbench._src.notebook import tradeoff_widget as tw

EVIL = "<img src=x onerror=window.__pwned=1>"


def body(i, y):
    return jnp.sin(y) * 0.9 + 0.01 * i


KINDS = {
    sch.Advance: "advance",
    sch.Tape: "tape",
    sch.Snapshot: "snapshot",
    sch.Restore: "restore",
    sch.Recompute: "recompute",
    sch.ReverseStep: "reverse",
}


def oracle_actions(steps, s):
    out = []
    for a in wb.checkpoint_schedule(steps, wb.Binomial(s)).actions:
        kind = KINDS[type(a)]
        if kind in ("advance", "tape"):
            out.append([kind, a.start, a.stop])
        elif kind in ("snapshot", "restore"):
            out.append([kind, a.slot, a.step])
        else:
            out.append([kind, a.step, a.step])
    return out


@pytest.mark.parametrize(
    ("steps", "schemes"),
    [(16, None), (64, None), (10, [False, True, wb.Binomial(2)]), (1, None)],
)
def test_rows_are_the_tradeoffs_table(steps, schemes):
    ex = wb.tradeoff_explorer(body, jnp.zeros(5), steps, schemes=schemes, measure=False)
    table = wb.tradeoffs(body, jnp.zeros(5), steps, schemes=schemes, measure=False)
    assert [r["scheme"] for r in ex.rows] == [repr(r.scheme) for r in table.rows]
    for got, want in zip(ex.rows, table.rows, strict=True):
        assert got["evaluations"] == want.evaluations
        assert got["theory_bytes"] == want.theory_bytes
        assert got["snapshots"] == want.snapshots and got["taped_steps"] == want.taped_steps
        assert got["measured_temp_bytes"] is None and got["seconds"] is None
    assert ex.carry_bytes == table.carry_bytes
    assert ex.step_residual_bytes == table.step_residual_bytes
    assert ex.table is not None and ex.table.rows == table.rows
    assert ex.progress["done"] == ex.progress["total"] == len(table.rows)


def test_progress_is_reported_for_each_scheme():
    seen = []
    ex = tw.TradeoffExplorer(32)
    ex.observe(lambda change: seen.append(dict(change["new"])), names="progress")
    ex.compute(body, jnp.zeros(3), [False, True, wb.Binomial(2)], measure=False)
    assert [(p["done"], p["total"]) for p in seen] == [(0, 3), (1, 3), (2, 3), (3, 3), (3, 3)]
    assert seen[-2]["label"] == "Binomial(snapshots=2)"  # the last scheme computed
    assert seen[-1]["label"] == ""  # then done: the progress line names no scheme any more


@pytest.mark.parametrize(("steps", "s"), [(16, 1), (16, 3), (50, 4), (7, 7), (200, 5)])
def test_slider_recomputes_the_schedule(steps, s):
    ex = wb.tradeoff_explorer(body, jnp.zeros(3), steps, schemes=[False], measure=False)
    ex.set_state({"snapshots": s})  # what the front end sends when the slider moves
    plan = wb.checkpoint_schedule(steps, wb.Binomial(s))
    assert ex.snapshots == s
    assert ex.timeline["actions"] == oracle_actions(steps, s)
    assert ex.timeline["evaluations"] == plan.evaluations
    assert ex.timeline["used_snapshots"] == plan.snapshots
    assert ex.timeline["scheme"] == repr(wb.Binomial(s)) and ex.timeline["note"] == ""


def test_slider_is_clamped_to_its_range():
    ex = tw.TradeoffExplorer(100)
    assert ex.max_snapshots == tw.MAX_SLIDER_SNAPSHOTS and ex.snapshots == 10
    ex.snapshots = 10_000
    assert ex.snapshots == ex.max_snapshots
    ex.snapshots = 0
    assert ex.snapshots == 1
    assert tw.TradeoffExplorer(3).max_snapshots == 3


def test_timeline_is_bounded_with_a_note(monkeypatch):
    long = tw.timeline_data(tw.MAX_TIMELINE_STEPS + 1, 4)
    assert long["actions"] == [] and "2,000 steps" in long["note"]
    assert long["evaluations"] == wb.checkpoint_schedule(2001, wb.Binomial(4)).evaluations
    monkeypatch.setattr(tw, "MAX_TIMELINE_ACTIONS", 10)
    cut = tw.timeline_data(100, 2)
    assert len(cut["actions"]) == 10 and cut["note"].startswith("Showing the first 10 of")
    assert cut["actions"] == oracle_actions(100, 2)[:10]


def test_measured_points():
    ex = wb.tradeoff_explorer(body, jnp.zeros(64), 16, schemes=[False, wb.Binomial(2)])
    assert all(r["measured_temp_bytes"] is not None for r in ex.rows)
    assert all(r["seconds"] is not None and r["seconds"] > 0 for r in ex.rows)


def test_background_computation_and_its_errors():
    ex = wb.tradeoff_explorer(body, jnp.zeros(3), 8, measure=False, background=True)
    assert ex.wait(timeout=120).rows and ex.error == ""

    def broken(i, y):
        raise RuntimeError("boom in the body")

    bad = wb.tradeoff_explorer(broken, jnp.zeros(3), 8, measure=False, background=True)
    with pytest.raises(RuntimeError, match="boom"):
        bad.wait(timeout=120)
    assert "boom in the body" in bad.error
    assert "Tradeoffs failed" in bad.to_text()


def test_fallbacks_show_the_table_escaped():
    def named(i, y):
        return jnp.cos(y)

    named.__name__ = EVIL
    ex = wb.tradeoff_explorer(named, jnp.zeros(3), 16, measure=False)
    bundle = ex._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert "application/vnd.jupyter.widget-view+json" in data
    assert repr(ex.table) in data["text/plain"] and EVIL in data["text/plain"]
    assert "Chosen: Binomial(snapshots=4)" in data["text/plain"]
    assert EVIL not in data["text/html"] and html.escape(EVIL) in data["text/html"]


def svg_group(svg, gid):
    """The text of the SVG group ``<g id=gid>``, nested groups included."""
    start = svg.index(f'<g id="{gid}"')
    depth = 0
    for m in re.finditer(r"<g\b|</g>", svg[start:]):
        depth += -1 if m.group() == "</g>" else 1
        if depth == 0:
            return svg[start : start + m.end()]
    raise AssertionError(f"unclosed group {gid}")


def marks(svg, gid):
    """How many marks the group draws: each is a ``<use>`` of a shape defined once, or a
    ``<path>`` of its own (Matplotlib picks per artist)."""
    group = re.sub(r"<defs>.*?</defs>", "", svg_group(svg, gid), flags=re.S)
    return group.count("<use") + group.count("<path")


def test_static_svg_draws_every_scheme_and_the_chosen_plan():
    schemes = [False, True, wb.Binomial(2), wb.Binomial(4), wb.Binomial(8)]
    ex = wb.tradeoff_explorer(body, jnp.zeros(5), 40, schemes=schemes, measure=False)
    ex.set_state({"snapshots": 3})
    page = ex.to_html()
    assert page.count("<svg") == 1 and "<?xml" not in page and "DOCTYPE" not in page
    svg = page[page.index("<svg") : page.index("</svg>")]
    # A marker per scheme, in the group of its family.
    assert marks(svg, "wb-theory-binomial") == 3
    assert marks(svg, "wb-theory-periodic") == 1
    assert marks(svg, "wb-theory-store-all") == 1
    assert 'id="wb-measured"' not in svg  # measure=False: nothing measured to draw
    for r in wb.tradeoffs(body, jnp.zeros(5), 40, schemes=schemes, measure=False).rows:
        if isinstance(r.scheme, bool):
            label = "periodic (sqrt N)" if r.scheme else "store all"
        else:
            label = f"Binomial({r.scheme.snapshots})"
        assert f">{label}<" in svg
    # The timeline is the Binomial(3) plan, action by action kind.
    plan = wb.checkpoint_schedule(40, wb.Binomial(3))
    counts = {kind: 0 for kind in KINDS.values()}
    for a in plan.actions:
        counts[KINDS[type(a)]] += 1
    assert marks(svg, "wb-restore") == counts["restore"]
    assert marks(svg, "wb-snapshot") == counts["snapshot"]
    for kind in ("advance", "tape", "reverse"):  # one segment (a <path>) per action
        if counts[kind]:
            assert marks(svg, f"wb-{kind}") == counts[kind], kind
    assert "chosen: Binomial(snapshots=3)" in svg
    assert marks(svg, "wb-chosen") == 1
    assert ex.to_html() == page  # the same explorer gives the same bytes


def test_static_svg_shows_measured_points():
    ex = wb.tradeoff_explorer(body, jnp.zeros(8), 12, schemes=[False, wb.Binomial(2)])
    svg = ex.to_html()
    assert marks(svg, "wb-measured") == 2


def test_static_svg_waits_for_the_table_and_needs_matplotlib(monkeypatch):
    waiting = tw.TradeoffExplorer(16, title="t")
    assert "<svg" not in waiting.to_html() and "computing" in waiting.to_html()
    ex = wb.tradeoff_explorer(body, jnp.zeros(3), 16, schemes=[False], measure=False)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if it were not installed
    page = ex.to_html()
    assert "<svg" not in page and html.escape(repr(ex.table)) in page


@pytest.mark.parametrize("steps", [0, -3, 2.5, True])
def test_bad_steps_name_the_fix(steps):
    with pytest.raises(ValueError, match=r"wb\.fori_loop\(0, steps, body, init\)"):
        wb.tradeoff_explorer(body, jnp.zeros(3), steps)


def test_static_svg_uses_a_log_axis_where_bytes_span_more_than_ten_times():
    wide = wb.tradeoff_explorer(body, jnp.zeros(64), 200, measure=False)
    spans = [r["theory_bytes"] for r in wide.rows]
    assert max(spans) > 10 * min(spans)
    assert "bytes kept (log scale)" in wide.to_html()
    narrow = wb.tradeoff_explorer(body, jnp.zeros(64), 200, schemes=[True], measure=False)
    assert "(log scale)" not in narrow.to_html() and "bytes kept" in narrow.to_html()
