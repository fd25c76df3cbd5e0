"""Sorting the arguments of autodiff/gradient/jacobian into differentiated and constant ones.

Constant arguments are closed over (so they may be any Python value, as Enzyme's ``Const`` may);
differentiated ones become the inputs of a function ``call`` that JAX transforms.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp

from workbench._src.ad.activities import Activity, check_differentiable
from workbench._src.ad.modes import Mode
from workbench._src.errors import ModeError, describe


@dataclasses.dataclass(frozen=True)
class Split:
    """The differentiated arguments of a call, and a function of just those.

    Attributes:
      positions: argument positions (0-based) of the differentiated arguments, in order.
      primals: their values.
      call: ``call(*primals)`` evaluates ``f`` with the constant arguments filled in.
    """

    positions: tuple[int, ...]
    primals: tuple[Any, ...]
    call: Callable[..., Any]


def check_function(where: str, f: Any) -> None:
    if callable(f) and not isinstance(f, Mode | Activity):
        return
    hint = ""
    if isinstance(f, Activity):
        hint = f" It looks like the function is missing: wb.{where}(mode, f, {f!r}, ...)."
    elif isinstance(f, Mode):
        hint = " The mode is the first argument and appears only once."
    raise TypeError(
        f"{where} needs the function to differentiate as its second argument, but received "
        f"{describe(f)}, which is not callable.{hint} Write wb.{where}(mode, f, *args)."
    )


def reject_modes(where: str, args: Sequence[Any]) -> None:
    for i, a in enumerate(args):
        if isinstance(a, Mode):
            raise ModeError(
                f"{where}: argument {i + 1} is the mode {a!r}; modes are not arguments of the "
                f"function. Pass the mode once, first: wb.{where}({a!r}, f, *args)."
            )


def split(
    f: Callable[..., Any], values: Sequence[Any], differentiated: Sequence[bool], where: str
) -> Split:
    """Builds the function of the differentiated arguments; validates that they can be."""
    positions = tuple(i for i, d in enumerate(differentiated) if d)
    for i in positions:
        check_differentiable(values[i], f"{where}: argument {i + 1}")
    base = list(values)

    def call(*primals: Any) -> Any:
        full = list(base)
        for i, p in zip(positions, primals, strict=True):
            full[i] = p
        return f(*full)

    # Python numbers become arrays (as to_rarray makes them), so that user code and custom rules
    # see array semantics (1 / 0.0 is inf, not a ZeroDivisionError).
    primals = tuple(jax.tree.map(_as_array, values[i]) for i in positions)
    return Split(positions, primals, call)


def _as_array(leaf: Any) -> Any:
    return jnp.asarray(leaf) if isinstance(leaf, bool | int | float | complex) else leaf
