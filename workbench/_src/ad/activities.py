"""Activities: how each argument takes part in differentiation (Enzyme's activity annotations).

``Const(x)``                  no derivative with respect to ``x``.
``Active(x)``                 reverse mode: the derivative with respect to ``x`` is returned.
``Duplicated(x, dx)``         forward: ``dx`` is the tangent; reverse: ``dx`` is the shadow, and
                              ``dx + derivative`` is returned (Enzyme accumulates in place; JAX
                              arrays are immutable, so here the sum is returned instead).
``BatchDuplicated(x, dxs)``   like ``Duplicated`` with several shadows (lanes) at once.

Activities are frozen and hashable (by the identity of what they wrap) and are pytrees, so they can
be passed through ``jax.jit``/``wb.jit`` like any argument. A shadow that does not match its
primal in structure, shape or dtype is rejected at construction.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from workbench._src.errors import (
    ActivityError,
    NotDifferentiableError,
    describe,
    placement,
    shape_dtype,
)

_ARRAY_LEAVES = (jax.Array, np.ndarray, np.generic, bool, int, float, complex)


class Activity:
    """Base class of the four activities."""

    __slots__ = ()
    val: Any

    def _fields(self) -> tuple[Any, ...]:
        raise NotImplementedError

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable; build a new one instead.")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Activity) or type(self) is not type(other):
            return False
        return all(a is b for a, b in zip(self._fields(), other._fields(), strict=True))

    def __hash__(self) -> int:
        return hash((type(self), *map(id, self._fields())))


def _set(obj: Activity, **fields: Any) -> None:
    for name, value in fields.items():
        object.__setattr__(obj, name, value)


def _reject_modes_and_activities(value: Any, cls: str) -> None:
    from workbench._src.ad.modes import Mode

    if isinstance(value, Mode):
        raise ActivityError(
            f"{cls}(...) wraps an argument value, but received the mode {value!r}. "
            f"The mode is the first argument of autodiff/gradient: wb.autodiff({value!r}, f, "
            f"{cls}(x), ...)."
        )
    if isinstance(value, Activity):
        raise ActivityError(
            f"{cls}(...) received {value!r}, an activity inside an activity. "
            f"Wrap the plain value once: {cls}(x)."
        )


def is_random_key(value: Any) -> bool:
    """A ``jax.random.key`` (or an array of them, traced or not): never differentiated, so
    ``gradient`` and ``jacobian`` take an unwrapped key as ``Const``. A legacy
    ``jax.random.PRNGKey`` is a plain ``uint32`` array, which cannot be told from data."""
    dtype = getattr(value, "dtype", None)
    return dtype is not None and jax.dtypes.issubdtype(dtype, jax.dtypes.prng_key)


def check_differentiable(value: Any, what: str) -> None:
    """Raises unless ``value`` is a pytree of float or complex arrays/scalars."""
    leaves = jax.tree_util.tree_leaves(value)
    if not leaves:
        raise NotDifferentiableError(
            f"{what} holds no arrays ({describe(value)}), so there is nothing to differentiate. "
            "Pass an array or a pytree (tuple, list, dict) of arrays, or mark it Const(...)."
        )
    for leaf in leaves:
        if not isinstance(leaf, _ARRAY_LEAVES):
            raise NotDifferentiableError(
                f"{what} contains {describe(leaf)}, which is not an array or number. "
                "Differentiated arguments must be arrays or pytrees of arrays; convert it with "
                "wb.to_rarray(...) or mark the argument Const(...) so it is passed through as is."
            )
        if is_random_key(leaf):
            raise NotDifferentiableError(
                f"{what} holds a random key ({describe(leaf)}), which has no derivative. Pass "
                "the key as an argument of its own, unwrapped or in Const(key): gradient and "
                "jacobian never differentiate a key argument, and autodiff takes plain "
                "arguments as Const."
            )
        dtype = np.result_type(leaf) if not hasattr(leaf, "dtype") else np.dtype(leaf.dtype)
        if dtype.kind in "OUSV":  # objects, text, raw bytes: not numbers at all
            raise NotDifferentiableError(
                f"{what} is {describe(leaf)}, an array of {_kind_of(dtype)}, not of numbers: it "
                "has no derivative. Convert it to a float array (np.asarray(x, np.float32)) if "
                "it holds numbers, or mark it Const(...) to pass it through as is."
            )
        if not jnp.issubdtype(dtype, jnp.inexact):
            kind = "boolean" if dtype == np.bool_ else "integer"
            legacy_key = ""
            if dtype == np.uint32 and np.shape(leaf)[-1:] == (2,):
                legacy_key = (
                    " If it is a legacy jax.random.PRNGKey, wrap it in Const(key), or make keys "
                    "with jax.random.key, which gradient takes as Const by itself."
                )
            raise NotDifferentiableError(
                f"{what} has dtype {dtype.name} ({describe(leaf)}): {kind} values have no "
                "derivative. Convert it to floating point first (x.astype(jnp.float32)), or "
                f"mark it Const(...) if it should not be differentiated.{legacy_key}"
            )


def _kind_of(dtype: np.dtype) -> str:
    return {"O": "Python objects", "U": "text", "S": "bytes", "V": "raw records"}[dtype.kind]


def _match_shadow(primal: Any, shadow: Any, cls: str, label: str) -> Any:
    """Checks ``shadow`` against ``primal`` leaf by leaf; returns it, Python scalars cast."""
    p_def = jax.tree_util.tree_structure(primal)
    s_leaves, s_def = jax.tree_util.tree_flatten(shadow)
    same_structure = bool(p_def == s_def)  # type: ignore[operator]  # PyTreeDef stub lacks __eq__
    if not same_structure:
        raise ActivityError(
            f"{cls}: the {label} has structure {s_def}, but the primal has {p_def}. "
            f"Pass a {label} with the primal's structure, e.g. jax.tree.map(jnp.zeros_like, x)."
        )
    matched = []
    for p, s in zip(jax.tree_util.tree_leaves(primal), s_leaves, strict=True):
        if not isinstance(s, _ARRAY_LEAVES):
            raise ActivityError(
                f"{cls}: the {label} contains {describe(s)}, not an array. "
                f"Pass an array shaped like the primal ({shape_dtype(p)})."
            )
        p_dtype = np.dtype(p.dtype) if hasattr(p, "dtype") else np.result_type(p)
        if isinstance(s, bool | int | float | complex) and np.shape(p) == ():
            s = jnp.asarray(s, dtype=p_dtype)  # a Python scalar takes the primal's dtype, as in JAX
        if np.shape(s) != np.shape(p):
            raise ActivityError(
                f"{cls}: the {label} has shape {np.shape(s)}, the primal {np.shape(p)}. "
                f"Pass a {label} shaped like the primal, e.g. jnp.ones_like(x)."
            )
        s_dtype = np.dtype(s.dtype) if hasattr(s, "dtype") else np.result_type(s)
        if s_dtype != p_dtype:
            raise ActivityError(
                f"{cls}: the {label} has dtype {s_dtype.name}, the primal {p_dtype.name} "
                f"(shape {np.shape(p)}). Pass a {label} with the primal's dtype, "
                f"e.g. dx.astype(x.dtype)."
            )
        _check_placement(p, s, cls, label)
        matched.append(s)
    return jax.tree_util.tree_unflatten(s_def, matched)


def _check_placement(primal: Any, shadow: Any, cls: str, label: str) -> None:
    """A shadow committed to other devices than its (committed) primal cannot meet it in one
    program: JAX would fail later with "incompatible devices". A shadow that is not committed
    (``jnp.ones(n)``) moves to the primal's sharding when used, as does one on the same devices."""
    concrete = [
        isinstance(v, jax.Array) and not isinstance(v, jax.core.Tracer) for v in (primal, shadow)
    ]
    if not all(concrete) or not (primal.committed and shadow.committed):
        return
    if primal.sharding.device_set == shadow.sharding.device_set:
        return
    raise ActivityError(
        f"{cls}: the {label} ({shape_dtype(shadow)}) is {placement(shadow)}, but the primal is "
        f"{placement(primal)}. A {label} lives where its primal lives (Enzyme's shadow has the "
        f"primal's layout). Put it there: wb.to_rarray(dx, sharding=x.sharding), or make it from "
        f"the primal (jnp.ones_like(x) keeps x's sharding)."
    )


class Const(Activity):
    """An argument that is not differentiated. Any value may be wrapped."""

    __slots__ = ("val",)
    val: Any

    def __init__(self, val: Any) -> None:
        _reject_modes_and_activities(val, "Const")
        _set(self, val=val)

    def _fields(self) -> tuple[Any, ...]:
        return (self.val,)

    def __repr__(self) -> str:
        return f"Const({describe(self.val)})"


class Active(Activity):
    """An argument whose derivative reverse mode returns."""

    __slots__ = ("val",)
    val: Any

    def __init__(self, val: Any) -> None:
        _reject_modes_and_activities(val, "Active")
        check_differentiable(val, "Active(...)")
        _set(self, val=val)

    def _fields(self) -> tuple[Any, ...]:
        return (self.val,)

    def __repr__(self) -> str:
        return f"Active({describe(self.val)})"


class Duplicated(Activity):
    """An argument with a shadow: the tangent in forward mode, the accumulator in reverse mode."""

    __slots__ = ("dval", "val")
    val: Any
    dval: Any

    def __init__(self, val: Any, dval: Any) -> None:
        _reject_modes_and_activities(val, "Duplicated")
        check_differentiable(val, "Duplicated(...)")
        _set(self, val=val, dval=_match_shadow(val, dval, "Duplicated", "shadow"))

    def _fields(self) -> tuple[Any, ...]:
        return (self.val, self.dval)

    def __repr__(self) -> str:
        return f"Duplicated({describe(self.val)}, {_describe_tree(self.dval)})"


class BatchDuplicated(Activity):
    """An argument with several shadows (lanes), differentiated in one vectorized pass."""

    __slots__ = ("dval", "val")
    val: Any
    dval: tuple[Any, ...]

    def __init__(self, val: Any, dval: Any) -> None:
        _reject_modes_and_activities(val, "BatchDuplicated")
        check_differentiable(val, "BatchDuplicated(...)")
        if not isinstance(dval, tuple | list) or len(dval) == 0:
            raise ActivityError(
                f"BatchDuplicated needs a non-empty tuple of shadows (one per lane), but received "
                f"{describe(dval)}. Pass e.g. BatchDuplicated(x, wb.onehot(x)) or "
                "BatchDuplicated(x, (dx1, dx2)); for a single shadow use Duplicated(x, dx)."
            )
        shapes = [jax.tree.map(np.shape, lane) for lane in dval]
        if any(s != shapes[0] for s in shapes):
            listing = ", ".join(f"lane {i}: {s}" for i, s in enumerate(shapes))
            raise ActivityError(
                f"BatchDuplicated: the lanes have different shapes ({listing}). Every lane is a "
                f"shadow of the same primal ({jax.tree.map(np.shape, val)}); pass lanes of that "
                "shape."
            )
        lanes = tuple(
            _match_shadow(val, lane, "BatchDuplicated", f"lane {i}") for i, lane in enumerate(dval)
        )
        _set(self, val=val, dval=lanes)

    @property
    def width(self) -> int:
        return len(self.dval)

    def _fields(self) -> tuple[Any, ...]:
        return (self.val, *self.dval)

    def __repr__(self) -> str:
        return f"BatchDuplicated({describe(self.val)}, <{self.width} lanes>)"


def _describe_tree(x: Any) -> str:
    leaves = jax.tree_util.tree_leaves(x)
    return describe(leaves[0]) if len(leaves) == 1 else describe(x)


# Activities are pytrees so that they can cross jax.jit boundaries. Unflattening skips validation:
# JAX rebuilds pytrees with placeholder leaves (tracers, None, sentinels) in many places.
def _unflatten(cls: type[Activity], names: tuple[str, ...], aux: Any, children: Any) -> Activity:
    obj = object.__new__(cls)
    if cls is BatchDuplicated:
        _set(obj, val=children[0], dval=tuple(children[1:]))
    else:
        _set(obj, **dict(zip(names, children, strict=True)))
    return obj


def _flatten(a: Activity) -> tuple[tuple[Any, ...], None]:
    return a._fields(), None


def _unflattener(cls: type[Activity], names: tuple[str, ...]) -> Any:
    return lambda aux, children: _unflatten(cls, names, aux, children)


class _Static:
    """A ``Const`` payload that is not an array (a string, a dict of options, an object): carried
    as static pytree data, so ``jit`` passes it through instead of tracing it. Compared by
    identity (jit's cache needs hashing; many payloads are unhashable)."""

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Static) and other.value is self.value

    def __hash__(self) -> int:
        return id(self.value)


def _is_array_payload(value: Any) -> bool:
    leaves = jax.tree_util.tree_leaves(value)
    return all(
        isinstance(leaf, jax.Array | np.ndarray | np.generic | bool | int | float | complex)
        and (is_random_key(leaf) or _dtype_of(leaf).kind not in "OUSV")
        for leaf in leaves
    )


def _dtype_of(leaf: Any) -> np.dtype:
    return np.dtype(leaf.dtype) if hasattr(leaf, "dtype") else np.result_type(leaf)


def _flatten_const(c: Const) -> tuple[tuple[Any, ...], _Static | None]:
    return ((c.val,), None) if _is_array_payload(c.val) else ((), _Static(c.val))


def _unflatten_const(aux: _Static | None, children: Any) -> Const:
    obj = object.__new__(Const)
    _set(obj, val=children[0] if aux is None else aux.value)
    return obj


jax.tree_util.register_pytree_node(Const, _flatten_const, _unflatten_const)

for _cls, _names in (
    (Active, ("val",)),
    (Duplicated, ("val", "dval")),
    (BatchDuplicated, ("val", "dval")),
):
    jax.tree_util.register_pytree_node(_cls, _flatten, _unflattener(_cls, _names))
