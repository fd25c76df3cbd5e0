"""Jaxpr objects: telling them apart, opening them, finding them in parameters, building them.

Up to JAX 0.10 a ``ClosedJaxpr`` wraps a ``Jaxpr`` and the values of its constant variables.
From 0.11 they are one class (``jax.extend.core.ClosedJaxpr is jax.extend.core.Jaxpr``): a jaxpr
carries its constants, its ``constvars`` are the inputs that have values, and ``.jaxpr`` returns
the jaxpr itself. Code that asks ``isinstance(x, ClosedJaxpr)`` before ``isinstance(x, Jaxpr)``
takes every jaxpr for a closed one on 0.11 and tells them apart on 0.10; these functions answer
the same on both.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import jax.extend.core as jex

# JAX 0.11+: one class. Read once; ``tests/test_jax_internals.py`` checks it against the classes.
CLOSED_IS_JAXPR: bool = jex.ClosedJaxpr is jex.Jaxpr
_JAXPR_TYPES: tuple[type, ...] = (jex.ClosedJaxpr, jex.Jaxpr)


def is_jaxpr(x: Any) -> bool:
    """A jaxpr, closed or open, of any JAX version."""
    return isinstance(x, _JAXPR_TYPES)


def open_jaxpr(x: Any) -> tuple[Any, list[Any]]:
    """``(jaxpr, consts)``: the jaxpr, whose ``constvars`` take ``consts`` and whose ``invars``
    take the operands, whether ``x`` is a ``ClosedJaxpr`` of JAX 0.10, an open ``Jaxpr`` (no
    constants) or a jaxpr of 0.11+ that carries its constants.

    >>> import jax, jax.numpy as jnp
    >>> jaxpr, consts = open_jaxpr(jax.make_jaxpr(lambda x: x * jnp.arange(3.0))(1.0))
    >>> len(jaxpr.constvars) == len(consts), len(jaxpr.invars)
    (True, 1)
    """
    if not CLOSED_IS_JAXPR and isinstance(x, jex.ClosedJaxpr):
        return x.jaxpr, list(x.consts)
    if isinstance(x, jex.Jaxpr):
        return x, list(getattr(x, "consts", ()))  # a JAX 0.10 Jaxpr has none
    raise TypeError(
        f"expected a jaxpr (jax.extend.core.Jaxpr or ClosedJaxpr), but received a "
        f"{type(x).__name__}; pass jax.make_jaxpr(f)(*args) or jax.jit(f).trace(*args).jaxpr."
    )


def jaxprs_in_params(
    params: Mapping[str, Any], order: Iterable[str] | None = None
) -> Iterator[Any]:
    """The jaxprs among an equation's parameters, as found (closed or open), parameter by
    parameter in ``order`` (default: the parameters' own order), a tuple's in its order."""
    for key in params if order is None else order:
        value = params[key]
        for v in value if isinstance(value, tuple) else (value,):
            if isinstance(v, _JAXPR_TYPES):
                yield v


def holds_jaxpr(value: Any) -> bool:
    """A parameter value that is a jaxpr or a tuple holding one (a ``cond``'s branches)."""
    if isinstance(value, tuple):
        return any(isinstance(v, _JAXPR_TYPES) for v in value)
    return isinstance(value, _JAXPR_TYPES)


def new_jaxpr(
    invars: Sequence[Any],
    outvars: Sequence[Any],
    eqns: Sequence[Any],
    effects: Any,
    *,
    traced_for: str,
    source: str,
    arg_names: Sequence[str],
) -> Any:
    """A closed jaxpr without constants of the given variables and equations, with debug info
    that names what it is (``traced_for``), where it came from and its arguments."""
    info = jex.DebugInfo(traced_for, source, tuple(arg_names), None)
    jaxpr = jex.Jaxpr((), list(invars), list(outvars), list(eqns), frozenset(effects), info)
    return jex.ClosedJaxpr(jaxpr, ())
