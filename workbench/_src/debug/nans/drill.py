"""The search's records, searched step by step: the search run checks each loop at its steps'
boundaries (``interpreter._marks``), not equation by equation, so that a loop costs a few
reductions per step and one copy of its body, not an instrumented copy of every equation in
each of its sweeps. Where the first non-finite value of a kind was made in a loop's step, that
one step is then run again, alone and instrumented equation by equation, from the clock and the
inputs recorded at its start (a loop nested in it is checked at its boundaries again, and so on
down). The clock and the group counts go on through the checked steps as they would through
instrumented ones, so the times and iterations read are those a whole instrumented run gives.
"""

from collections.abc import Sequence
from typing import Any

from workbench._src.debug.nans.equations import _BIG, EqnId, _opened
from workbench._src.debug.nans.interpreter import _run
from workbench._src.internals import regions


class Records:
    """The records of one search (``interpreter._run``'s entries), with the steps searched as
    they are read: ``first(kind)`` and ``get((eid, kind))`` search the step that holds what
    they look for, where a loop's check stands for it."""

    def __init__(
        self,
        jaxpr: Any,
        consts: Sequence[Any],
        args: Sequence[Any],
        groups: dict[EqnId, int],
    ):
        self.jaxpr, self.consts, self.args, self.groups = jaxpr, consts, args, groups
        self.flat, self.outputs = _run(jaxpr, consts, args, None, groups)
        # The steps searched: body prefix -> (its jaxpr, its inputs, its start).
        self.searched: dict[EqnId, tuple[regions.SubJaxpr, list[Any], Any]] = {}

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
        """The entry ``key``; for an equation in a loop's body, its step searched first where
        the loop's check says one made a value of that kind."""
        eid, kind = key
        found = self.flat.get(key)
        if kind in ("nan", "inf") and (found is None or int(found[0]) >= _BIG):
            for n in range(2, len(eid), 2):  # bodies: (loop, k), (loop, k, eqn, k), ...
                mark = self.flat.get((eid[:n], "mark_" + kind))
                if mark is not None and mark[0] < _BIG:
                    self._search(eid[:n], kind)
                    return self.get(key)
        return found

    def capture(self, eid: EqnId) -> Any:
        """What ``eid`` took and made at its first firing: captured by the search where it fit,
        else read back from the values the search run kept, else by a run that captures it
        alone (of the step that holds it, where it is in one)."""
        caps = self.flat.get((eid, "cap"))
        if caps is None and not self._in_step(eid):
            caps = self.flat[((), "kept")].capture(eid)
        if caps is not None:
            return caps
        prefix = self._in_step(eid)
        if prefix is None:
            return _run(self.jaxpr, self.consts, self.args, eid)[0]
        sub, args, start = self.searched[prefix]
        return _run(sub.jaxpr, sub.consts, args, eid, self.groups, prefix, start)[0]

    def _in_step(self, eid: EqnId) -> EqnId | None:
        """The innermost searched step that holds ``eid``."""
        found = None
        for n in range(2, len(eid), 2):
            if eid[:n] in self.searched:
                found = eid[:n]
        return found

    def _search(self, prefix: EqnId, kind: str) -> None:
        """Runs the step of the body ``prefix`` that first made a value of ``kind``, instrumented,
        and puts its records of that kind where the loop's check was."""
        self.flat.pop((prefix, "mark_" + kind))
        start = self.flat.pop((prefix, "start_" + kind))[1]
        constants = iter(self.flat[(prefix, "consts_" + kind)])
        sub = _sub_at(self.jaxpr, prefix)
        varying = iter(start["xs"])
        fixed = list(sub.fixed) or [False] * len(sub.jaxpr.invars)
        args = [next(constants) if f else next(varying) for f in fixed]
        begin = (start["clock"], start["step"])
        flat, _ = _run(sub.jaxpr, sub.consts, args, None, self.groups, prefix, begin)
        self.searched.setdefault(prefix, (sub, args, begin))
        # Each equation's records of either kind: the earliest (a step searched for a NaN may
        # have made an inf before it, that its NaN hid from the loop's check); the loops in it
        # checked, this kind's only (the other kind's first step may be another one).
        for (eid, k), val in flat.items():
            if k in ("nan", "inf"):
                old = self.flat.get((eid, k))
                if old is None or int(val[0]) < int(old[0]):
                    self.flat[(eid, k)] = val
            elif k in ("mark_" + kind, "start_" + kind, "consts_" + kind):
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
