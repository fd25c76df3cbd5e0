"""The one entry check of the public functions that take the function first.

``wb.inspect``, ``wb.graph``, ``wb.explain_nans``, ``wb.check_gradient``, ``wb.compile`` and
``wb.jit`` take ``f`` first and the mode, where they take one, as a keyword; ``wb.gradient``,
``wb.jacobian`` and ``wb.autodiff`` take the mode first (``modes.check_mode`` and
``arguments.check_function``). A mistake in the order gets the same error type and the same
first words from every one of them: ``ModeError("<name> takes the function first ...")`` for a
mode where the function goes, ``TypeError("<name> needs a function first ...")`` for anything
else that is not callable.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from workbench._src.ad.activity_base import Activity
from workbench._src.ad.modes import Mode
from workbench._src.errors import ModeError, NotCallableError, describe


def check_function_first(
    where: str,
    f: Any,
    args: Sequence[Any] = (),
    mode: Any = None,
    *,
    takes_mode: bool = True,
    usage: str | None = None,
    needs: str | None = None,
    mode_fix: str | None = None,
    callable_fix: str | None = None,
) -> None:
    """``f`` must be a function (not a mode, not an activity), the keyword ``mode`` a mode or
    ``None``, and no argument a mode. ``takes_mode=False`` for a function without a mode
    keyword (``jit``, ``compile``); ``usage`` is how to call it (``wb.compile(f, *args)``).

    A caller whose function is of a kind (a loop's body) says so in its own words, the first
    words staying the same: ``needs`` what ``f`` must be (``"the loop's body, a function
    body(i, carry) -> carry"``), ``mode_fix`` and ``callable_fix`` what to do instead."""
    usage = usage or f"wb.{where}(f, *args)"
    if isinstance(f, Mode):
        if mode_fix is None:
            mode_fix = (
                f"Write wb.{where}(f, *args, mode={f!r})."
                if takes_mode
                else f"It compiles f as it is: to compile a derivative, differentiate inside it "
                f"({usage.split('(')[0]}(lambda x: wb.gradient({f!r}, f, x)))."
            )
        how = f" ({needs})" if needs else " and the mode as a keyword" if takes_mode else ""
        raise ModeError(
            f"{where} takes the function first{how}, but received the mode {f!r} first. {mode_fix}"
        )
    if not callable(f) or isinstance(f, Activity):
        if needs is None:
            raise NotCallableError(
                f"{where} needs a function first, then its arguments, but received "
                f"{describe(f)}. {callable_fix or f'Write {usage}.'}"
            )
        raise NotCallableError(
            f"{where} needs {needs}, but received {describe(f)}, which is not callable."
            + (f" {callable_fix}" if callable_fix else "")
        )
    if mode is not None and not isinstance(mode, Mode):
        raise ModeError(
            f"{where}(..., mode=) takes wb.Forward, wb.ForwardWithPrimal, wb.Reverse, "
            f"wb.ReverseWithPrimal or None, but received {describe(mode)}. Leave it out to "
            f"use f itself."
        )
    for i, a in enumerate(args):
        if isinstance(a, Mode):
            keyword = f"pass it as a keyword: wb.{where}(f, *args, mode={a!r})"
            raise ModeError(
                f"{where}: argument {i + 1} is the mode {a!r}; "
                + (keyword if takes_mode else "modes are not arguments of the function")
                + "."
            )
