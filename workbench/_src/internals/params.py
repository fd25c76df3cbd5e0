"""How the parameters of the primitives in ``primitives.py`` lay out their operands and jaxprs.

Each accessor takes an equation's ``params`` (or the equation) and handles every layout of the
tested JAX range; a layout it does not know raises ``JaxInternalsError`` naming the JAX version,
the primitive and the parameters it found, instead of a ``KeyError`` deep in a feature.

What each relies on (JAX 0.10.2 to 0.12.x):

- ``scan``: operands are ``consts + carry + xs``, outputs ``carry + ys``; the body jaxpr is
  ``jaxpr``. Up to 0.10 the split is ``num_consts``/``num_carry``; from 0.11 it is ``ft_in``, a
  flat tree of three groups ``(consts, carry, xs)`` (and ``ft_out``, ``(carry, ys)``).
  ``length``, ``reverse`` and ``unroll`` say how ``lax.scan`` was called.
- ``while``: operands are ``cond_consts + body_consts + carry``, split by ``cond_nconsts`` and
  ``body_nconsts``; the jaxprs are ``cond_jaxpr`` and ``body_jaxpr``.
- ``cond``: operands are ``index + operands``; ``branches`` holds one jaxpr per branch.
- calls (``jit``, ``closed_call``/``call``/``eval_jaxpr``, ``remat``, ``custom_jvp_call``,
  ``custom_vjp_call``): one jaxpr taking all operands, under ``jaxpr`` or ``call_jaxpr``.
- ``jit``'s ``name``, ``remat``'s ``policy``, ``name`` (checkpoint_name)'s ``name``.
- a call's function by name: the called jaxpr's ``debug_info.func_src_info``,
  ``"clipped at file.py:3"`` (a ``custom_vjp_call``'s ``call_jaxpr``, closed up to 0.10, open
  from 0.11).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import jax

from workbench._src.errors import JaxInternalsError
from workbench._src.internals import primitives as prims

Params = Mapping[str, Any]


def _changed(primitive: str, what: str, params: Params) -> JaxInternalsError:
    return JaxInternalsError(
        f"jax {jax.__version__}: {what} (its params are {sorted(params)}). The workbench reads "
        f"{primitive} equations through workbench/_src/internals/params.py: teach it this "
        "layout (tests/test_jax_internals.py shows what else changed)."
    )


def _param(primitive: str, params: Params, key: str) -> Any:
    try:
        return params[key]
    except KeyError:
        raise _changed(primitive, f"{primitive} params have no {key!r}", params) from None


# --------------------------------------------------------------------------------------------
# scan


class ScanLayout(NamedTuple):
    """How a ``scan`` splits its operands: ``consts + carry + xs``."""

    num_consts: int
    num_carry: int


def scan_layout(params: Params) -> ScanLayout:
    """``(num_consts, num_carry)`` of a ``scan`` equation, in either parameter layout.

    >>> import jax
    >>> eqn = jax.make_jaxpr(lambda c, x: jax.lax.scan(lambda c, x: (c * x, c), c, x))(
    ...     1.0, jax.numpy.ones(3)).jaxpr.eqns[0]
    >>> scan_layout(eqn.params)
    ScanLayout(num_consts=0, num_carry=1)
    """
    if "num_consts" in params and "num_carry" in params:  # JAX <= 0.10
        return ScanLayout(int(params["num_consts"]), int(params["num_carry"]))
    if "ft_in" in params:  # JAX 0.11+: a flat tree of (consts, carry, xs)
        try:
            groups = params["ft_in"].unpack()
            return ScanLayout(len(groups[0]), len(groups[1]))
        except (AttributeError, TypeError, IndexError) as e:
            raise _changed(
                "scan", f"scan's ft_in no longer unpacks into (consts, carry, xs): {e}", params
            ) from e
    raise _changed("scan", "scan params have neither num_consts nor ft_in", params)


def scan_body(params: Params) -> Any:
    """The body of a ``scan``: ``(consts, carry, x) -> (carry, y)``, a closed jaxpr."""
    return _param("scan", params, "jaxpr")


def scan_length(params: Params) -> int:
    """The number of steps of a ``scan``."""
    return int(_param("scan", params, "length"))


def scan_call_options(params: Params) -> dict[str, Any]:
    """The keywords of ``lax.scan`` that rebuild this scan: ``length``, ``reverse``, ``unroll``."""
    return {k: _param("scan", params, k) for k in ("length", "reverse", "unroll")}


# --------------------------------------------------------------------------------------------
# while


class WhileLayout(NamedTuple):
    """How a ``while`` splits its operands (``cond_consts + body_consts + carry``), and its
    jaxprs (closed): ``cond(cond_consts, carry) -> bool``, ``body(body_consts, carry) -> carry``."""

    cond_nconsts: int
    body_nconsts: int
    cond: Any
    body: Any


def while_layout(params: Params) -> WhileLayout:
    return WhileLayout(
        int(_param("while", params, "cond_nconsts")),
        int(_param("while", params, "body_nconsts")),
        _param("while", params, "cond_jaxpr"),
        _param("while", params, "body_jaxpr"),
    )


# --------------------------------------------------------------------------------------------
# cond


def cond_branches(params: Params) -> tuple[Any, ...]:
    """The branches of a ``cond`` (closed jaxprs of the operands after the index)."""
    return tuple(_param("cond", params, "branches"))


def split_cond_operands(operands: Sequence[Any]) -> tuple[Any, list[Any]]:
    """``(index, branch operands)`` of a ``cond`` equation's operands."""
    return operands[0], list(operands[1:])


# --------------------------------------------------------------------------------------------
# calls

# The parameter of each call that holds the jaxpr it evaluates on all its operands.
_CALLED_JAXPR = {
    prims.JIT: "jaxpr",
    prims.CLOSED_CALL: "call_jaxpr",
    prims.CALL: "call_jaxpr",
    prims.REMAT: "jaxpr",
    prims.CUSTOM_JVP: "call_jaxpr",
    prims.CUSTOM_VJP: "call_jaxpr",
}


def called_jaxpr(eqn: Any) -> Any:
    """The jaxpr a call equation (``jit``, ``closed_call``, ``remat``, ``custom_jvp_call``, ...)
    evaluates on its operands."""
    try:
        key = _CALLED_JAXPR[eqn.primitive]
    except KeyError:
        raise TypeError(
            f"{eqn.primitive.name} is not one of the calls the workbench knows "
            f"({sorted(p.name for p in _CALLED_JAXPR)})"
        ) from None
    return _param(eqn.primitive.name, eqn.params, key)


def jit_name(params: Params) -> str:
    """The name of the function a ``jit`` equation calls (``""`` if it has none)."""
    return str(params.get("name", ""))


def remat_policy(params: Params) -> Any:
    """The ``jax.checkpoint`` policy of a ``remat`` equation (``None``: save nothing)."""
    return params.get("policy")


def checkpoint_name(params: Params) -> str:
    """The name ``jax.ad_checkpoint.checkpoint_name`` gave a value."""
    return str(_param("name", params, "name"))


def loop_length(eqn: Any) -> int | None:
    """The number of steps of a loop equation, where it is static (a ``scan``), else ``None``."""
    return scan_length(eqn.params) if eqn.primitive is prims.SCAN else None


def called_function(eqn: Any) -> str | None:
    """The function a call equation evaluates, as JAX's debug info names it
    (``"clipped at file.py:3"``), or ``None`` where the jaxpr carries no name."""
    called = getattr(called_jaxpr(eqn), "jaxpr", None) or called_jaxpr(eqn)
    info = getattr(getattr(called, "debug_info", None), "func_src_info", None)
    return str(info) if info else None
