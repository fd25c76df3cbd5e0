"""The one way in: a call of the user's function, bound to its arguments and split once.

``bind`` takes the function and the arguments as the user passed them and returns a
``BoundCall``: per argument, its name (from the function's signature), whether it is
differentiated, and, for a differentiated one, the part that is (its ``primal``) and how to
rebuild the argument from it. Every entry point reads this object, so every tool agrees on what a
model's differentiated part is:

- a plain pytree (an array, a tuple, a dict, a NamedTuple, a dataclass JAX knows) is
  differentiated whole, as ``jax.grad`` does (every leaf a float or complex array or number);
- an Equinox module, or a pytree holding one, by Equinox's convention (its inexact array
  leaves; functions, ints and strings are static), as ``eqx.filter_grad``;
- a Flax NNX module or ``nnx.State`` by Flax's (its ``nnx.Param`` variables), as ``nnx.grad``.

Constant arguments are closed over (so they may be any Python value, as Enzyme's ``Const``
may); the differentiated parts become the inputs of ``BoundCall.call``, which JAX transforms.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp

from workbench._src.ad.activities import Activity, check_differentiable
from workbench._src.ad.model_arguments import ModelParts, split_model
from workbench._src.ad.modes import Mode
from workbench._src.arrays import warn_if_narrowed
from workbench._src.errors import ModeError, NotCallableError, describe
from workbench._src.leaves import PYTHON_SCALARS


@dataclasses.dataclass(frozen=True)
class BoundArgument:
    """One argument of a bound call.

    Attributes:
      position: its position (0-based).
      name: the function's name for it (``"params"``), or ``"argument 2"`` where the signature
        does not say.
      value: the value passed (an activity's ``val``).
      differentiated: whether it is differentiated.
      primal: the differentiated part (arrays only), or ``None``.
      rebuild: ``rebuild(primal)`` is the argument again, with that part.
      library: ``"equinox"`` or ``"flax.nnx"`` for a model split by its library, else ``None``.
      model: how its library split it (``ModelParts``: an NNX module's state and write-back),
        or ``None``.
    """

    position: int
    name: str
    value: Any
    differentiated: bool
    primal: Any = None
    rebuild: Callable[[Any], Any] = dataclasses.field(default=lambda p: p, repr=False)
    library: str | None = None
    model: ModelParts | None = None

    @property
    def keeps_state(self) -> bool:
        """An NNX module: a call updates its state (batch statistics, random streams)."""
        return self.model is not None and self.model.write_back is not None


@dataclasses.dataclass(frozen=True)
class BoundCall:
    """A call ``f(*args)`` split into its differentiated parts and the rest.

    Attributes:
      where: the entry point, for messages (``"gradient(Reverse)"``).
      f: the function.
      arguments: one ``BoundArgument`` per argument.
    """

    where: str
    f: Callable[..., Any]
    arguments: tuple[BoundArgument, ...]

    @property
    def positions(self) -> tuple[int, ...]:
        """Positions (0-based) of the differentiated arguments, in order."""
        return tuple(a.position for a in self.arguments if a.differentiated)

    @property
    def primals(self) -> tuple[Any, ...]:
        """The differentiated parts, in order: what JAX differentiates."""
        return tuple(a.primal for a in self.arguments if a.differentiated)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.arguments)

    def call(self, *primals: Any) -> Any:
        """``f`` with the differentiated parts given and the rest as bound."""
        return self.call_with_state(*primals)[0]

    @property
    def keeps_state(self) -> bool:
        """Whether an argument is an NNX module whose state a call updates (``write_back``)."""
        return any(a.keeps_state for a in self.arguments)

    def call_with_state(self, *primals: Any) -> tuple[Any, tuple[Any, ...]]:
        """``call``'s output, and the state (other than parameters) of each NNX module argument
        after the call: a train-mode call updates it on the copy ``rebuild`` made, and inside
        a transformation it can only leave as an output (``jax.vjp(..., has_aux=True)``)."""
        full = [a.value for a in self.arguments]
        kept = []
        for a, p in zip((a for a in self.arguments if a.differentiated), primals, strict=True):
            full[a.position] = a.rebuild(p)
            if a.keeps_state:
                kept.append((a, full[a.position]))
        out = self.f(*full)
        return out, tuple(a.model.state_of(m) for a, m in kept if a.model and a.model.state_of)

    def write_back(self, states: tuple[Any, ...] | None = None) -> None:
        """Updates each NNX module argument with its state after the call, as ``nnx.grad``
        does, so that a training step advances Dropout's stream and BatchNorm's statistics.
        Without ``states`` (a derivative that did not return them), one more call of ``f``
        computes them (the same values: the derivative's call started from the same state)."""
        if not self.keeps_state:
            return
        if states is None:
            states = self.call_with_state(*self.primals)[1]
        stateful = [a for a in self.arguments if a.keeps_state]
        for a, state in zip(stateful, states, strict=True):
            assert a.model is not None and a.model.write_back is not None
            a.model.write_back(state)


def bind(
    f: Callable[..., Any], values: Sequence[Any], differentiated: Sequence[bool], where: str
) -> BoundCall:
    """Binds ``f`` to ``values``; validates the differentiated ones and splits each once."""
    names = argument_names(f, len(values))
    warn_if_narrowed(list(values), f"wb.{where}", python_numbers=False)
    bound = []
    for i, (v, d) in enumerate(zip(values, differentiated, strict=True)):
        if not d:
            bound.append(BoundArgument(i, names[i], v, False))
            continue
        model = split_model(v)
        if model is not None:
            check_differentiable(
                model.differentiated, f"{where}: argument {i + 1} ({names[i]}, {model.what})"
            )
            part = model.differentiated
            bound.append(
                BoundArgument(i, names[i], v, True, part, model.rebuild, model.library, model)
            )
            continue
        check_differentiable(v, f"{where}: argument {i + 1}")
        # Python numbers become arrays (as to_rarray makes them), so that user code and custom
        # rules see array semantics (1 / 0.0 is inf, not a ZeroDivisionError).
        bound.append(BoundArgument(i, names[i], v, True, jax.tree.map(_as_array, v)))
    return BoundCall(where, f, tuple(bound))


def argument_names(f: Callable[..., Any], n: int) -> list[str]:
    """The names ``f``'s signature gives its first ``n`` positional arguments (``"argument
    3"`` past them, or where Python cannot read the signature)."""
    try:
        params = inspect.signature(f).parameters.values()
        names = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        names = []
    return [names[i] if i < len(names) else f"argument {i + 1}" for i in range(n)]


def check_function(where: str, f: Any) -> None:
    if callable(f) and not isinstance(f, Mode | Activity):
        return
    hint = ""
    if isinstance(f, Activity):
        hint = f" It looks like the function is missing: wb.{where}(mode, f, {f!r}, ...)."
    elif isinstance(f, Mode):
        hint = " The mode is the first argument and appears only once."
    raise NotCallableError(
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


def _as_array(leaf: Any) -> Any:
    return jnp.asarray(leaf) if isinstance(leaf, PYTHON_SCALARS) else leaf
