"""Checkpoint schedules as plain data: the plans ``wb.checkpoint_schedule`` returns.

``wb.checkpoint_schedule(n, scheme)`` gives a ``Schedule``; its ``actions`` are these classes, in
order (a lazy sequence: a plan of a million steps costs kilobytes until it is iterated):

>>> import workbench as wb
>>> from workbench.schedules import Advance, ReverseStep, Snapshot
>>> plan = wb.checkpoint_schedule(4, wb.Binomial(1))
>>> plan.actions[0], plan.actions[1]
(Snapshot(slot=0, step=0), Advance(start=0, stop=3))
>>> sum(isinstance(a, ReverseStep) for a in plan.actions)
4
"""

from workbench._src.loops.schedules import Action as Action
from workbench._src.loops.schedules import Actions as Actions
from workbench._src.loops.schedules import Advance as Advance
from workbench._src.loops.schedules import Costs as Costs
from workbench._src.loops.schedules import Recompute as Recompute
from workbench._src.loops.schedules import Restore as Restore
from workbench._src.loops.schedules import ReverseStep as ReverseStep
from workbench._src.loops.schedules import Schedule as Schedule
from workbench._src.loops.schedules import Snapshot as Snapshot
from workbench._src.loops.schedules import Tape as Tape
from workbench._src.loops.schedules import beta as beta
from workbench._src.loops.schedules import checkpoint_schedule as checkpoint_schedule
from workbench._src.loops.schedules import optimal_advances as optimal_advances

__all__ = [
    "Action",
    "Actions",
    "Advance",
    "Costs",
    "Recompute",
    "Restore",
    "ReverseStep",
    "Schedule",
    "Snapshot",
    "Tape",
    "beta",
    "checkpoint_schedule",
    "optimal_advances",
]
