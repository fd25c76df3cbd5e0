"""Arguments that are models: what of an Equinox module or a Flax NNX module is differentiated.

Each library has its own convention, and its own functions to split a model by it; the
workbench calls them rather than reimplementing them:

- Equinox: the inexact array leaves are differentiated, every other leaf (functions, ints,
  strings, ``None``) is static (``eqx.partition(model, eqx.is_inexact_array)``, as
  ``eqx.filter_grad``); the derivative is a module of the same class with ``None`` at every
  static leaf. The convention holds for any argument that holds a module (a tuple of modules, a
  dict with one).
- Flax NNX: a module's ``nnx.Param`` variables are differentiated (``nnx.split(module,
  nnx.Param, ...)``, merged again inside the transformation, as ``nnx.grad``); the derivative is
  an ``nnx.State`` of them, as ``nnx.grad`` returns; a train-mode call's updates of the rest
  (batch statistics, random-stream counts) are written back to the module, as ``nnx.grad``
  does. An ``nnx.State`` (say, from ``nnx.split``) is split the same way
  (``nnx.split_state``): its ``nnx.Param`` entries are differentiated, the rest is static, and
  the user's state is left as it was.

Neither library is imported here: a value is one of theirs only if the library is already
imported (it made the value), so ``import workbench`` stays free of both.
"""

from __future__ import annotations

import dataclasses
import functools
import sys
import weakref
from collections.abc import Callable, Container, Sequence
from typing import Any

import jax
import numpy as np

from workbench._src.ad.activity_base import Static
from workbench._src.leaves import is_array_leaf
from workbench._src.sources import is_users


@dataclasses.dataclass(frozen=True)
class ModelParts:
    """An argument split by its library's convention.

    Attributes:
      library: ``"equinox"`` or ``"flax.nnx"``.
      differentiated: the part to differentiate, a pytree of arrays (an Equinox module with
        ``None`` at static leaves; an ``nnx.State`` of the parameters).
      rebuild: ``rebuild(differentiated)`` is the argument again (with the given parts).
      what: the convention in words, for messages (``"its nnx.Param variables"``).
      state_of: for an NNX module, ``state_of(rebuilt)`` is its state other than the parameters
        (batch statistics, random-stream counts) after a call has updated it; else ``None``.
      write_back: for an NNX module, ``write_back(state)`` updates the user's module with it (as
        ``nnx.grad`` does: a train-mode step advances Dropout's stream and BatchNorm's
        statistics); else ``None``.
    """

    library: str
    differentiated: Any
    rebuild: Callable[[Any], Any]
    what: str
    state_of: Callable[[Any], Any] | None = None
    write_back: Callable[[Any], None] | None = None


def _equinox() -> Any:
    return sys.modules.get("equinox")


def _nnx() -> Any:
    return sys.modules.get("flax.nnx")


def is_equinox_module(x: Any) -> bool:
    eqx = _equinox()
    return eqx is not None and isinstance(x, eqx.Module)


def is_nnx_module(x: Any) -> bool:
    nnx = _nnx()
    return nnx is not None and isinstance(x, nnx.Module)


def is_nnx_state(x: Any) -> bool:
    nnx = _nnx()
    return nnx is not None and isinstance(x, nnx.State)


def holds_equinox_module(value: Any) -> bool:
    """Whether ``value`` is, or holds, an Equinox module (then Equinox's convention applies)."""
    if _equinox() is None:
        return False
    try:
        leaves = jax.tree_util.tree_leaves(value, is_leaf=is_equinox_module)
    except Exception:  # a container JAX cannot flatten (a dict with unsortable keys) holds none
        return False
    return any(is_equinox_module(leaf) for leaf in leaves)


def is_model(value: Any) -> bool:
    """An argument split by its library's convention rather than JAX's."""
    return is_nnx_module(value) or is_nnx_state(value) or holds_equinox_module(value)


def split_model(value: Any) -> ModelParts | None:
    """``value`` split by its library's convention, or ``None`` for a plain pytree."""
    if is_nnx_module(value):
        nnx = _nnx()
        graphdef, params, rest = nnx.split(value, nnx.Param, ...)
        return ModelParts(
            "flax.nnx",
            params,
            lambda p: _scoped(nnx.merge(graphdef, p, _fresh(rest))),
            "its nnx.Param variables",
            state_of=lambda module: nnx.state(module, nnx.Not(nnx.Param)),
            write_back=lambda state: _update_if_changed(value, rest, state),
        )
    if is_nnx_state(value):
        nnx = _nnx()
        params, rest = nnx.split_state(value, nnx.Param, ...)
        return ModelParts(
            "flax.nnx",
            params,
            lambda p: nnx.merge_state(p, _fresh(rest)),
            "its nnx.Param entries",
        )
    if holds_equinox_module(value):
        eqx = _equinox()
        dynamic, static = eqx.partition(value, eqx.is_inexact_array)
        return ModelParts(
            "equinox",
            dynamic,
            lambda d: eqx.combine(d, static),
            "its floating-point array leaves (eqx.is_inexact_array)",
        )
    return None


_scope_names: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()


def _scoped(module: Any) -> Any:
    """``module`` (a copy ``rebuild`` just made, traced) with each call of a library submodule
    (``nnx.Linear``, ``nnx.Conv`` inside the user's module) in a ``jax.named_scope`` of its
    attribute path (``blocks[0].linear``), as Equinox names its modules' calls: the graph then
    draws each as a box (the user's own modules are boxes already, by their calls). Only the
    copy's classes change (to a subclass whose ``__call__`` opens the scope); a name stack is
    metadata, so nothing computed changes."""
    nnx = _nnx()
    for path, sub in nnx.iter_modules(module):
        cls = type(sub)
        code = getattr(cls.__call__, "__code__", None) if callable(sub) else None
        if not path or code is None or is_users(code.co_filename):
            continue
        try:
            _scope_names[sub] = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
        except TypeError:  # unhashable (an nnx.List): a container, not a layer
            continue
        if cls not in _scoped_made:  # a module rebuilt from a rebuilt one has its class
            sub.__class__ = _scoped_class(cls)
    return module


_scoped_classes: dict[type, type] = {}
_scoped_made: set[type] = set()


def _scoped_class(cls: type) -> type:
    """``cls`` with its ``__call__`` in the named scope of the instance's path (made once)."""
    if cls in _scoped_classes:
        return _scoped_classes[cls]
    call = cls.__call__

    @functools.wraps(call)
    def __call__(self: Any, *args: Any, **kwargs: Any) -> Any:
        name = _scope_names.get(self)
        if not name:
            return call(self, *args, **kwargs)
        with jax.named_scope(name.lstrip(".")):
            return call(self, *args, **kwargs)

    out = _scoped_classes[cls] = type(
        cls.__name__,
        (cls,),
        {"__call__": __call__, "__module__": cls.__module__, "__qualname__": cls.__qualname__},
    )
    _scoped_made.add(out)
    return out


def _update_if_changed(module: Any, before: Any, after: Any) -> None:
    """``nnx.update(module, after)`` where the call changed a leaf of the state (train mode). An
    eval-mode call changes none, and is then also free to run under a transformation that
    closes over the module (``jax.vmap``), where NNX refuses any update from inside."""
    old, new = jax.tree_util.tree_leaves(before), jax.tree_util.tree_leaves(after)
    if len(old) != len(new) or any(a is not b for a, b in zip(old, new, strict=True)):
        _nnx().update(module, after)


def _fresh(state: Any) -> Any:
    """A copy of an NNX state with new variables, made where it is called: a train-mode module
    updates its batch statistics and random streams in place, and NNX refuses to update a
    variable made outside the transformation (``TraceContextError``); nnx.grad copies likewise."""
    return jax.tree.map(lambda leaf: leaf, state)


class TracedModel:
    """An argument holding an Equinox module, as ``jit`` takes it: its arrays are the children
    (traced), every other leaf static aux data, as ``eqx.filter_jit`` splits it (Equinox's
    ``is_array``: JAX and NumPy arrays are traced; functions, ints, floats and strings are
    static). The static part is the tree's structure and a tuple of its non-array leaves, compared
    by hash and ``==`` in C (as Equinox's own ``hashable_partition`` keys ``filter_jit``'s cache;
    comparing whole modules would run Equinox's ``tree_equal`` on every call). ``pack`` wraps
    arguments so; the traced function ``unpack``s them."""

    __slots__ = ("arrays", "static")

    def __init__(self, arrays: list[Any], static: Static) -> None:
        self.arrays = arrays  # the leaves in order, None where a leaf is static
        self.static = static  # Static((treedef, the leaves in order, None where an array is))

    def combine(self) -> Any:
        treedef, statics = self.static.value
        leaves = [s if a is None else a for a, s in zip(self.arrays, statics, strict=True)]
        return jax.tree_util.tree_unflatten(treedef, leaves)


jax.tree_util.register_pytree_with_keys(
    TracedModel,
    lambda t: (((jax.tree_util.GetAttrKey("arrays"), t.arrays),), t.static),
    lambda static, children: TracedModel(next(iter(children)), static),
    flatten_func=lambda t: ((t.arrays,), t.static),
)

_EQX_ARRAYS = (jax.Array, np.ndarray, np.generic)  # what eqx.is_array takes


def pack(args: Sequence[Any], skip: Container[int] = ()) -> tuple[Any, ...]:
    """``args`` with each that holds an Equinox module wrapped as a ``TracedModel`` (positions in
    ``skip``, static arguments, are left as they are)."""
    eqx = _equinox()
    if eqx is None:
        return tuple(args)
    packed = []
    for i, a in enumerate(args):
        if i in skip or isinstance(a, TracedModel):
            pass
        elif isinstance(a, eqx.Module) or holds_equinox_module(a):
            leaves, treedef = jax.tree_util.tree_flatten(a)
            arrays = [x if isinstance(x, _EQX_ARRAYS) else None for x in leaves]
            statics = tuple(None if isinstance(x, _EQX_ARRAYS) else x for x in leaves)
            a = TracedModel(arrays, Static((treedef, statics)))
        packed.append(a)
    return tuple(packed)


def unpack(args: Sequence[Any]) -> tuple[Any, ...]:
    """The inverse of ``pack``, inside the traced function."""
    return tuple(a.combine() if isinstance(a, TracedModel) else a for a in args)


def traced_leaves(value: Any) -> list[bool]:
    """For ``Const``: per leaf of ``value`` (in ``tree_leaves`` order), whether ``jit`` traces it
    (else it is static). JAX's rule (``is_array_leaf``) outside models; inside an Equinox module,
    Equinox's (``eqx.is_array``: Python numbers there are static, as ``eqx.filter_jit`` has it)."""
    if not holds_equinox_module(value):
        return [is_array_leaf(leaf) for leaf in jax.tree_util.tree_leaves(value)]
    eqx = _equinox()
    flags: list[bool] = []
    for part in jax.tree_util.tree_leaves(value, is_leaf=is_equinox_module):
        if is_equinox_module(part):
            flags += [bool(eqx.is_array(leaf)) for leaf in jax.tree_util.tree_leaves(part)]
        else:
            flags.append(is_array_leaf(part))
    return flags
