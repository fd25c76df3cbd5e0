"""The base of the activities: Equinox's module pattern, without Equinox.

An activity is a frozen dataclass (``@dataclasses.dataclass(frozen=True)``): it is validated once,
when it is built (``__post_init__``), and assigning to it afterwards raises
``dataclasses.FrozenInstanceError``. Each activity class is a pytree whose children are its fields
(``register_activity``), so it crosses ``jax.jit``, ``jax.vmap`` and the rest like any argument.

Why not ``jax.tree_util.register_dataclass``: in every JAX release the workbench supports (0.10.2
to 0.12), its unflatten calls the constructor, so ``__post_init__`` would validate JAX's
placeholder leaves (``None``, sentinels, tracers) every time JAX rebuilds a tree. Here, as in
Equinox, unflattening sets the fields directly and validates nothing.

Equality and hashing (what ``==``, ``hash``, sets, dict keys and ``jit``'s cache see): two
activities are equal when they have the same class, the same pytree structure (static parts
included, see ``Static``) and the very same array leaves (``is``; arrays have no boolean ``==``).
So ``Duplicated(x, dx) == Duplicated(x, dx)`` for the same ``x`` and ``dx``, and an activity built
again from equal but distinct arrays is a different one.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, TypeVar

import jax
import numpy as np

from workbench._src.errors import DescribedByRepr

_A = TypeVar("_A", bound="Activity")


class Static:
    """A non-array part of a pytree node's payload, carried as static aux data: ``jit`` does not
    trace it, and traces again exactly when it changes.

    A hashable value is compared by value (``==`` between values of the same type) and hashed by
    ``hash``: ``Const("tanh")`` built twice is one cache entry. An unhashable value (a ``set``, a
    NumPy array of text, an object with ``__eq__`` but no ``__hash__``) is compared and hashed by
    identity: the same object is the same static value, an equal copy is a new one (``jit`` traces
    again). Containers JAX knows (tuples, lists, dicts) never get here whole: their non-array
    leaves do, so ``Const({"act": "relu"})`` built twice is also one cache entry.
    """

    __slots__ = ("_hash", "value")

    def __init__(self, value: Any) -> None:
        self.value = value
        try:
            self._hash: int | None = hash((type(value), value))
        except TypeError:
            self._hash = None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Static):
            return False
        if self.value is other.value:
            return True
        if self._hash is None or self._hash != other._hash:
            return False
        if type(self.value) is not type(other.value):
            return False
        try:
            equal = self.value == other.value
        except Exception:  # a user's __eq__ that fails: not provably equal, so trace again
            return False
        return bool(equal) if isinstance(equal, bool | np.bool_) else False

    def __hash__(self) -> int:
        return id(self.value) if self._hash is None else self._hash

    def __repr__(self) -> str:
        return f"Static({self.value!r})"


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class Activity(DescribedByRepr):
    """Base class of the four activities (see ``activities.py``)."""

    val: Any  # the argument's value (the primal); every activity has it

    # The dataclass fields of the concrete class, in order: its pytree children (set by
    # register_activity).
    _children: ClassVar[tuple[str, ...]] = ()

    def __eq__(self, other: object) -> bool:
        if type(self) is not type(other):
            return False
        leaves, treedef = jax.tree_util.tree_flatten(self)
        other_leaves, other_treedef = jax.tree_util.tree_flatten(other)
        return bool(treedef == other_treedef) and all(  # type: ignore[operator]  # stub lacks __eq__
            a is b for a, b in zip(leaves, other_leaves, strict=True)
        )

    def __hash__(self) -> int:
        leaves, treedef = jax.tree_util.tree_flatten(self)
        try:
            structure = hash(treedef)
        except TypeError:  # a user's pytree node inside with unhashable aux data
            structure = hash(type(self))
        return hash((structure, *map(id, leaves)))

    # The pytree protocol. Subclasses with a static part (Const) override both methods.
    def _tree_flatten(self) -> tuple[tuple[Any, ...], Any]:
        return tuple(getattr(self, name) for name in self._children), None

    @classmethod
    def _tree_unflatten(cls: type[_A], aux: Any, children: Any) -> _A:
        del aux
        return build_unvalidated(cls, **dict(zip(cls._children, children, strict=True)))


def build_unvalidated(cls: type[_A], **fields: Any) -> _A:
    """An instance of ``cls`` with these fields, without ``__init__`` (no validation)."""
    obj = object.__new__(cls)
    for name, value in fields.items():
        object.__setattr__(obj, name, value)
    return obj


def _refuse_assignment(self: Activity, name: str, value: Any) -> None:
    raise dataclasses.FrozenInstanceError(
        f"{type(self).__name__} is immutable (a frozen dataclass): cannot set {name!r}. Build a "
        f"new one instead, e.g. dataclasses.replace(a, {name}=...), which validates it again."
    )


def _refuse_deletion(self: Activity, name: str) -> None:
    raise dataclasses.FrozenInstanceError(
        f"{type(self).__name__} is immutable (a frozen dataclass): cannot delete {name!r}."
    )


def register_activity(cls: type[_A]) -> type[_A]:
    """Finishes an activity class (decorate above ``@dataclasses.dataclass(frozen=True, ...)``):
    an assignment error that says what to do, and the pytree registration from its fields."""
    cls._children = tuple(f.name for f in dataclasses.fields(cls))
    setattr(cls, "__setattr__", _refuse_assignment)  # noqa: B010  # replaces the dataclass's
    setattr(cls, "__delattr__", _refuse_deletion)  # noqa: B010

    def flatten_with_keys(a: _A) -> tuple[tuple[tuple[Any, Any], ...], Any]:
        children, aux = a._tree_flatten()
        keys = map(jax.tree_util.GetAttrKey, cls._children)
        return tuple(zip(keys, children, strict=True)), aux

    jax.tree_util.register_pytree_with_keys(
        cls, flatten_with_keys, cls._tree_unflatten, flatten_func=cls._tree_flatten
    )
    return cls
