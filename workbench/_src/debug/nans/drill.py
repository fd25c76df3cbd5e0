"""The search's records, searched step by step: the search run checks each loop at its steps'
boundaries (``interpreter._marks``), and each stretch of the top level between loops at its
own, not equation by equation, so that a loop costs a few reductions per step and one copy of
its body, not an instrumented copy of every equation in each of its sweeps. Where the first
non-finite value of a kind was made in a loop's step (or a stretch), that one step is then run
again, alone and instrumented equation by equation, from the clock and the inputs recorded at
its start (a loop in it is checked at its steps' boundaries again, and so on down). The clock
and the group counts go on through the checked steps as they would through instrumented ones,
so the times and iterations read are those a whole instrumented run gives.
"""

from collections.abc import Sequence
from typing import Any

from workbench._src.debug.nans.equations import _BIG, EqnId, Stretch, _opened, stretches
from workbench._src.debug.nans.interpreter import _run, fixed_inputs
from workbench._src.internals import regions

# A step searched again: its jaxpr and consts, its inputs, its start (the clock, the step), and
# the stretch of the top level it is (``None`` for a loop's step).
Searched = tuple[Any, Sequence[Any], list[Any], dict[str, Any], Stretch | None]


class Records:
    """The records of one search (``interpreter._run``'s entries), with the steps searched as
    they are read: ``first(kind)`` and ``get((eid, kind))`` search the step that holds what
    they look for, where a loop's (or a stretch's) check stands for it."""

    def __init__(
        self,
        jaxpr: Any,
        consts: Sequence[Any],
        args: Sequence[Any],
        groups: dict[EqnId, int],
    ):
        self.jaxpr, self.consts, self.args, self.groups = jaxpr, consts, args, groups
        self.stretches = stretches(jaxpr)
        self.flat, self.outputs = _run(jaxpr, consts, args, None, groups, spans=self.stretches)
        self.searched: dict[EqnId, Searched] = {}

    def first(self, kind: str) -> tuple[EqnId, int] | None:
        """The equation that first made a value of ``kind`` (``"nan"`` or ``"inf"``) from
        operands free of it, and its iteration; ``None`` where none did."""
        while True:
            best: tuple[int, EqnId, int, bool] | None = None
            for (eid, k), val in self.flat.items():
                if k not in (kind, "mark_" + kind):
                    continue
                t = int(val[0])
                if t < _BIG and (best is None or t < best[0]):
                    best = (t, eid, int(val[1]), k != kind)
            if best is None:
                return None
            if not best[3]:
                return best[1], best[2]
            self._search(best[1], kind)

    def get(self, key: tuple[EqnId, str]) -> Any:
        """The entry ``key``; for an equation in a loop's body (or a stretch), the step that
        holds it searched first where the check says one made a value of that kind."""
        eid, kind = key
        found = self.flat.get(key)
        if kind in ("nan", "inf") and (found is None or int(found[0]) >= _BIG):
            for prefix in self._holders(eid):
                mark = self.flat.get((prefix, "mark_" + kind))
                if mark is not None and mark[0] < _BIG:
                    self._search(prefix, kind)
                    return self.get(key)
        return found

    def capture(self, eid: EqnId) -> Any:
        """What ``eid`` took and made at its first firing: captured by the search where it fit,
        else read back from the values a run kept, else by a run that captures it alone (of
        the step that holds it, where it is in one)."""
        caps = self.flat.get((eid, "cap"))
        for (_, k), kept in list(self.flat.items()):
            if caps is None and k == "kept":
                caps = kept.capture(eid)
        if caps is not None:
            return caps
        held = [p for p in self._holders(eid) if p in self.searched]
        if not held:
            return _run(self.jaxpr, self.consts, self.args, eid)[0]
        jaxpr, consts, args, start, span = self.searched[held[-1]]
        prefix = () if span is not None else held[-1]
        return _run(jaxpr, consts, args, eid, self.groups, prefix, start, span)[0]

    def _holders(self, eid: EqnId) -> list[EqnId]:
        """The steps that hold ``eid``, outermost first: the stretch of its top-level equation,
        then the loop bodies around it ((loop, k), (loop, k, eqn, k), ...)."""
        out = [(s.start, -1) for s in self.stretches.values() if s.start <= eid[0] < s.stop]
        return out + [eid[:n] for n in range(2, len(eid), 2)]

    def _search(self, prefix: EqnId, kind: str) -> None:
        """Runs the step ``prefix`` that first made a value of ``kind``, instrumented, and puts
        its records where the check was."""
        self.flat.pop((prefix, "mark_" + kind))
        start = self.flat.pop((prefix, "start_" + kind))[1]
        if prefix[-1] == -1:  # a stretch of the top level
            span = self.stretches[prefix[0]]
            searched: Searched = (
                self.jaxpr,
                self.consts,
                start["xs"],
                {"clock": start["clock"]},
                span,
            )
            flat, _ = _run(
                self.jaxpr, self.consts, start["xs"], None, self.groups, (), searched[3], span
            )
        else:
            constants = iter(self.flat[(prefix, "consts_" + kind)])
            sub = _sub_at(self.jaxpr, prefix)
            varying = iter(start["xs"])
            args = [next(constants) if f else next(varying) for f in fixed_inputs(sub)]
            begin = {"clock": start["clock"], "step": start["step"]}
            searched = (sub.jaxpr, sub.consts, args, begin, None)
            flat, _ = _run(sub.jaxpr, sub.consts, args, None, self.groups, prefix, begin)
        self.searched.setdefault(prefix, searched)
        # Each equation's records of either kind: the earliest (a step searched for a NaN may
        # have made an inf before it, that its NaN hid from the check); the loops in it
        # checked, this kind's only (the other kind's first step may be another one).
        for (eid, k), val in flat.items():
            if k in ("nan", "inf"):
                old = self.flat.get((eid, k))
                if old is None or int(val[0]) < int(old[0]):
                    self.flat[(eid, k)] = val
            elif k in ("mark_" + kind, "start_" + kind, "consts_" + kind, "kept"):
                self.flat[(eid, k)] = val
            elif k == "cap":
                self.flat.setdefault((eid, k), val)


def _sub_at(jaxpr: Any, prefix: EqnId) -> regions.SubJaxpr:
    """The jaxpr that ``prefix`` (equation and sub-jaxpr indices from the top) names."""
    sub = None
    for i, k in zip(prefix[::2], prefix[1::2], strict=True):
        opened = _opened(jaxpr.eqns[i])
        assert opened is not None
        sub = opened[k]
        jaxpr = sub.jaxpr
    assert sub is not None
    return sub
