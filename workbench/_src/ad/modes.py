"""The four differentiation modes of Enzyme, as small frozen values.

``Forward`` and ``ForwardWithPrimal`` push tangents forward (``jax.jvp``); ``Reverse`` and
``ReverseWithPrimal`` pull a cotangent back (``jax.vjp``). ``set_strong_zero(mode)`` returns the
same mode with Enzyme's strong-zero semantics switched on.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

from workbench._src.ad.activity_base import Activity
from workbench._src.errors import DescribedByRepr, ModeError, describe


@dataclasses.dataclass(frozen=True)
class Mode(DescribedByRepr):
    """A differentiation mode. Use the module constants, not this constructor.

    Attributes:
      direction: ``"forward"`` or ``"reverse"``.
      with_primal: whether the primal result is returned beside the derivative.
      strong_zero: whether a derivative factor that is exactly zero wins over inf/NaN.
    """

    direction: Literal["forward", "reverse"]
    with_primal: bool = False
    strong_zero: bool = False

    def __post_init__(self) -> None:
        if self.direction not in ("forward", "reverse"):
            raise ModeError(
                f"Mode direction must be 'forward' or 'reverse', got {self.direction!r}. "
                "Use one of wb.Forward, wb.ForwardWithPrimal, wb.Reverse, wb.ReverseWithPrimal."
            )

    @property
    def is_forward(self) -> bool:
        return self.direction == "forward"

    @property
    def is_reverse(self) -> bool:
        return self.direction == "reverse"

    @property
    def name(self) -> str:
        return ("Forward" if self.is_forward else "Reverse") + (
            "WithPrimal" if self.with_primal else ""
        )

    def __repr__(self) -> str:
        return f"set_strong_zero({self.name})" if self.strong_zero else self.name


Forward = Mode("forward")
ForwardWithPrimal = Mode("forward", with_primal=True)
Reverse = Mode("reverse")
ReverseWithPrimal = Mode("reverse", with_primal=True)


def set_strong_zero(mode: Mode) -> Mode:
    """Returns ``mode`` with strong zero on: a derivative factor that is exactly zero gives zero,
    even when the other factor of the product is inf or NaN (Enzyme's ``checkedMul``).

    Where no inf or NaN is involved the derivative is the one ``mode`` gives, up to rounding: at
    most 4 units in the last place of the largest entry, as the guards can change which
    multiply-adds XLA fuses and in which order it sums. In reverse mode through elementwise
    products it is bit for bit, compiled or not.

    >>> import workbench as wb
    >>> wb.set_strong_zero(wb.Reverse)
    set_strong_zero(Reverse)
    """
    check_mode(mode, "set_strong_zero")
    return dataclasses.replace(mode, strong_zero=True)


def check_mode(mode: object, where: str) -> Mode:
    """Returns ``mode`` if it is a Mode, else raises an error that names the fix."""
    if isinstance(mode, Mode):
        return mode
    hint = (
        " An activity wraps an argument; the mode comes first: "
        f"wb.{where}(wb.Reverse, f, {mode!r}, ...)."
        if isinstance(mode, Activity)
        else ""
    )
    raise ModeError(
        f"{where} needs a mode as its first argument (wb.Forward, wb.ForwardWithPrimal, "
        f"wb.Reverse or wb.ReverseWithPrimal), but received {describe(mode)}.{hint}"
    )
