"""Checkpointing schemes: what ``checkpointing=`` accepts, validated with errors that name the fix.

``False``              store every step (plain reverse mode through ``lax.scan``).
``True``               periodic, with about sqrt(N) snapshots (any N, not only perfect squares).
``Periodic(p)``        a snapshot every ``p`` steps; each segment is recomputed once, taped.
``Binomial(s)``        ``s`` snapshots placed as Revolve places them: the fewest recomputations
                       for ``s`` snapshots (Griewank 1992; Griewank & Walther 2000).
``MemoryBudget(b)``    the fewest recomputations whose snapshots fit ``b`` bytes.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from workbench._src.errors import WorkbenchError, describe


class CheckpointingError(WorkbenchError, ValueError):
    """A checkpointing scheme that cannot work for this loop."""


@dataclasses.dataclass(frozen=True)
class Periodic:
    """A snapshot every ``period`` steps; in reverse, each segment is recomputed once, taped."""

    period: int

    def __post_init__(self) -> None:
        _positive_int(self.period, "Periodic(period)", "Periodic(10)")


@dataclasses.dataclass(frozen=True)
class Binomial:
    """``snapshots`` stored states (the initial one included), placed optimally (Revolve)."""

    snapshots: int

    def __post_init__(self) -> None:
        _positive_int(self.snapshots, "Binomial(snapshots)", "Binomial(10)")


@dataclasses.dataclass(frozen=True)
class MemoryBudget:
    """At most ``bytes`` for snapshots; the fewest recomputations that fit."""

    bytes: int

    def __post_init__(self) -> None:
        _positive_int(self.bytes, "MemoryBudget(bytes)", "MemoryBudget(64 * 2**20)")


Scheme = Periodic | Binomial | MemoryBudget | bool


def _positive_int(value: Any, what: str, example: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise CheckpointingError(
            f"{what} must be a positive integer, but received {describe(value)}. "
            f"Pass a count of at least 1, e.g. {example}; use checkpointing=False to store "
            "every step instead."
        )


def check_scheme(checkpointing: Any) -> Scheme:
    if isinstance(checkpointing, bool | Periodic | Binomial | MemoryBudget):
        return checkpointing
    raise CheckpointingError(
        f"checkpointing must be False, True, wb.Periodic(p), wb.Binomial(s) or "
        f"wb.MemoryBudget(bytes), but received {describe(checkpointing)}."
    )


def sqrt_period(n: int) -> int:
    """The period of ``checkpointing=True``: ceil(sqrt(N)), so both the snapshots (N / p) and the
    taped segment (p steps) are about sqrt(N), for every N."""
    return max(1, math.isqrt(n - 1) + 1) if n > 1 else 1


def snapshots_for_budget(budget: int, snapshot_bytes: int) -> int:
    """The most snapshots a budget holds; more snapshots never cost more recomputation."""
    if budget < snapshot_bytes:
        raise CheckpointingError(
            f"MemoryBudget({budget}) is smaller than one snapshot of the loop's carry "
            f"({snapshot_bytes} bytes), and reverse mode needs at least the initial state. "
            f"Give at least {snapshot_bytes} bytes, or use checkpointing=False."
        )
    return budget // snapshot_bytes
