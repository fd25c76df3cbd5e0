"""Activities: how each argument takes part in differentiation (Enzyme's activity annotations).

``Const(x)``                  no derivative with respect to ``x``.
``Active(x)``                 reverse mode: the derivative with respect to ``x`` is returned.
``Duplicated(x, dx)``         forward: ``dx`` is the tangent; reverse: ``dx`` is the shadow, and
                              ``dx + derivative`` is returned (Enzyme accumulates in place; JAX
                              arrays are immutable, so here the sum is returned instead).
``BatchDuplicated(x, dxs)``   like ``Duplicated`` with several shadows (lanes) at once.

Activities follow Equinox's module pattern (``activity_base.py``): frozen dataclasses, validated
once when built (a shadow that does not match its primal in structure, shape, dtype or placement
is rejected then), and pytrees, so they pass through ``jax.jit``/``wb.jit`` like any argument.
A ``Const``'s non-array payload (a string, a dict of options, a function) is static data there.
Equal when of one class with the same structure, the same static parts (by value when hashable)
and the very same arrays (by identity); hashed to match.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import jax
import jax.numpy as jnp
import numpy as np

from workbench._src.ad.activity_base import Activity, Static, build_unvalidated, register_activity
from workbench._src.ad.model_arguments import split_model, traced_leaves
from workbench._src.ad.modes import Mode
from workbench._src.errors import (
    ActivityError,
    NotDifferentiableError,
    describe,
    placement,
    shape_dtype,
)
from workbench._src.leaves import (
    ARRAY_TYPES,
    dtype_of,
    holds_numbers,
    is_random_key,
    kind_in_words,
)


class _NoValue:
    """The value of an activity built with none (a refusal that says what the activity wraps,
    not Python's "missing 1 required positional argument: 'val'")."""

    def __repr__(self) -> str:
        return "no value"


_NO_VALUE: Any = _NoValue()

_EXAMPLES = {
    "Const": "Const(x)",
    "Active": "Active(x)",
    "Duplicated": "Duplicated(x, dx)",
    "BatchDuplicated": "BatchDuplicated(x, (dx1, dx2))",
}


def _reject_modes_and_activities(value: Any, cls: str) -> None:
    if value is _NO_VALUE:
        raise ActivityError(
            f"{cls}() received no value. An activity wraps one argument of the function you "
            f"differentiate: pass it as {_EXAMPLES[cls]}, e.g. "
            f"wb.autodiff(wb.Reverse, f, {_EXAMPLES[cls]})."
        )
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


def _check_primal(value: Any, cls: str) -> None:
    """The primal of an activity that is differentiated: not a mode or activity, and arrays
    (a model's differentiated part, for a model)."""
    _reject_modes_and_activities(value, cls)
    check_differentiable(differentiated_part(value), f"{cls}(...)")


def differentiated_part(value: Any) -> Any:
    """What of ``value`` is differentiated: all of it, or a model's part by its library's
    convention (``model_arguments``); a shadow or tangent has this part's structure."""
    model = split_model(value)
    return value if model is None else model.differentiated


def check_differentiable(value: Any, what: str) -> None:
    """Raises unless ``value`` is a pytree of float or complex arrays/scalars."""
    leaves = jax.tree_util.tree_leaves(value)
    if not leaves:
        raise NotDifferentiableError(
            f"{what} holds no arrays ({describe(value)}), so there is nothing to differentiate. "
            "Pass an array or a pytree (tuple, list, dict) of arrays, or mark it Const(...)."
        )
    for leaf in leaves:
        if not isinstance(leaf, ARRAY_TYPES):
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
        dtype = dtype_of(leaf)
        if not holds_numbers(dtype):  # objects, text, bytes, records: not numbers at all
            raise NotDifferentiableError(
                f"{what} is {describe(leaf)}, an array of {kind_in_words(dtype)}, not of "
                "numbers: it has no derivative. Convert it to a float array "
                "(np.asarray(x, np.float32)) if it holds numbers, or mark it Const(...) to pass "
                "it through as is."
            )
        if not jnp.issubdtype(dtype, jnp.inexact):
            kind = "boolean" if dtype == np.bool_ else "integer"
            legacy_key = ""
            if dtype == np.uint32 and tuple(getattr(leaf, "shape", ()))[-1:] == (2,):
                legacy_key = (
                    " If it is a legacy jax.random.PRNGKey, wrap it in Const(key), or make keys "
                    "with jax.random.key, which gradient takes as Const by itself."
                )
            raise NotDifferentiableError(
                f"{what} has dtype {dtype.name} ({describe(leaf)}): {kind} values have no "
                "derivative. Convert it to floating point first (x.astype(jnp.float32)), or "
                f"mark it Const(...) if it should not be differentiated.{legacy_key}"
            )


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
        if not isinstance(s, ARRAY_TYPES):
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


@register_activity
@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class Const(Activity):
    """An argument that is not differentiated. Any value may be wrapped.

    Its array leaves (arrays, tracers, Python numbers, random keys) are the pytree's children, so
    ``jit`` traces them; every other leaf (a string, a function, an object, an array of text) is
    static aux data (``activity_base.Static``): ``jit`` passes it through as it is and traces
    again only when it changes. ``Const(jnp.tanh)``, ``Const("tanh")`` and
    ``Const({"act": "relu", "scale": 2.0})`` cross ``jit`` (the last with ``scale`` traced).
    """

    val: Any = _NO_VALUE
    # Where val's non-array leaves are (None: it has none). Decided once, when the Const is built,
    # and carried through flatten/unflatten, so that a Const JAX rebuilds with placeholder leaves
    # keeps the structure of the one the user built.
    _static: ClassVar[_StaticLeaves | None] = None

    def __post_init__(self) -> None:
        _reject_modes_and_activities(self.val, "Const")
        leaves, treedef = jax.tree_util.tree_flatten(self.val)
        statics = tuple(
            None if traced else Static(leaf)
            for leaf, traced in zip(leaves, traced_leaves(self.val), strict=True)
        )
        if any(s is not None for s in statics):
            object.__setattr__(self, "_static", _StaticLeaves(treedef, statics))

    def _tree_flatten(self) -> tuple[tuple[Any, ...], _StaticLeaves | None]:
        part = self._static
        if part is None:
            return (self.val,), None
        leaves = part.treedef.flatten_up_to(self.val)
        return (tuple(x for x, s in zip(leaves, part.statics, strict=True) if s is None),), part

    @classmethod
    def _tree_unflatten(cls, aux: _StaticLeaves | None, children: Any) -> Const:
        (val,) = children
        if aux is None:
            return build_unvalidated(cls, val=val)
        arrays = iter(val)
        leaves = [next(arrays) if s is None else s.value for s in aux.statics]
        return build_unvalidated(cls, val=aux.treedef.unflatten(leaves), _static=aux)

    def __repr__(self) -> str:
        return f"Const({describe(self.val)})"


@dataclasses.dataclass(frozen=True)
class _StaticLeaves:
    """The static part of a ``Const``: the payload's structure and, per leaf, ``None`` (an array
    leaf, a pytree child) or the ``Static`` leaf itself. Part of ``jit``'s cache key.

    The children of a ``Const`` with a static part are its array leaves in a tuple, so their key
    paths read ``.val[0]``, ``.val[1]``, ... (positions among the array leaves)."""

    treedef: Any
    statics: tuple[Static | None, ...]


@register_activity
@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class Active(Activity):
    """An argument whose derivative reverse mode returns."""

    val: Any = _NO_VALUE

    def __post_init__(self) -> None:
        _check_primal(self.val, "Active")

    def __repr__(self) -> str:
        return f"Active({describe(self.val)})"


class _NoShadow:
    """The shadow of a ``Duplicated``/``BatchDuplicated`` built without one (a refusal that
    says what a shadow is, not Python's "missing 1 required positional argument")."""

    def __repr__(self) -> str:
        return "no shadow"


_NO_SHADOW: Any = _NoShadow()


def _refuse_no_shadow(cls: str, val: Any, dval: Any, example: str) -> None:
    if dval is _NO_SHADOW:
        raise ActivityError(
            f"{cls} needs a shadow beside the value, {example}, but received only "
            f"{describe(val)}. The shadow is the tangent in forward mode (e.g. jnp.ones_like(x)) "
            "and the accumulator the gradient is added into in reverse mode "
            "(jnp.zeros_like(x)). For the derivative alone, pass the value bare or as "
            "Active(x)."
        )


@register_activity
@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class Duplicated(Activity):
    """An argument with a shadow: the tangent in forward mode, the accumulator in reverse mode."""

    val: Any = _NO_VALUE
    dval: Any = _NO_SHADOW

    def __post_init__(self) -> None:
        _check_primal(self.val, "Duplicated")
        _refuse_no_shadow("Duplicated", self.val, self.dval, "Duplicated(x, dx)")
        dval = _match_shadow(differentiated_part(self.val), self.dval, "Duplicated", "shadow")
        object.__setattr__(self, "dval", dval)

    def __repr__(self) -> str:
        return f"Duplicated({describe(self.val)}, {_describe_tree(self.dval)})"


@register_activity
@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class BatchDuplicated(Activity):
    """An argument with several shadows (lanes), differentiated in one vectorized pass."""

    val: Any = _NO_VALUE
    dval: tuple[Any, ...] = _NO_SHADOW

    def __post_init__(self) -> None:
        val, dval = self.val, self.dval
        _check_primal(val, "BatchDuplicated")
        _refuse_no_shadow(
            "BatchDuplicated",
            val,
            dval,
            "a tuple of them, one per lane: BatchDuplicated(x, (dx1, dx2))",
        )
        if not isinstance(dval, tuple | list) or len(dval) == 0:
            raise ActivityError(
                f"BatchDuplicated needs a non-empty tuple of shadows (one per lane), but received "
                f"{describe(dval)}. Pass e.g. BatchDuplicated(x, wb.onehot(x)) or "
                "BatchDuplicated(x, (dx1, dx2)); for a single shadow use Duplicated(x, dx)."
            )
        primal = differentiated_part(val)
        shapes = [jax.tree.map(np.shape, lane) for lane in dval]
        if any(s != shapes[0] for s in shapes):
            listing = ", ".join(f"lane {i}: {s}" for i, s in enumerate(shapes))
            raise ActivityError(
                f"BatchDuplicated: the lanes have different shapes ({listing}). Every lane is a "
                f"shadow of the same primal ({jax.tree.map(np.shape, primal)}); pass lanes of that "
                "shape."
            )
        lanes = tuple(
            _match_shadow(primal, lane, "BatchDuplicated", f"lane {i}")
            for i, lane in enumerate(dval)
        )
        object.__setattr__(self, "dval", lanes)

    @property
    def width(self) -> int:
        return len(self.dval)

    def __repr__(self) -> str:
        return f"BatchDuplicated({describe(self.val)}, <{self.width} lanes>)"


def _describe_tree(x: Any) -> str:
    leaves = jax.tree_util.tree_leaves(x)
    return describe(leaves[0]) if len(leaves) == 1 else describe(x)
