"""The workbench's own primitives meet JAX's transformation machinery here, and only here.

A primitive of the workbench (the checkpointed loop) carries its own derivative, batching and
partial-evaluation rules, as JAX's ``scan`` and ``checkpoint`` do. Registering such rules, and the
few pieces of JAX's tracing machinery those rules read (symbolic zeros, undefined primals, the
tracers of partial evaluation, splitting a jaxpr into known and unknown parts), are JAX internals:
some are public in ``jax.interpreters`` / ``jax.extend``, some only in ``jax._src``, and their
signatures move between releases. Every such use goes through a function of this module, which
knows each JAX version's route; ``tests/test_jax_internals_rules.py`` checks each route by name,
so that a JAX release that moves one fails there, saying what moved, instead of a derivative
silently changing.

What the rules rely on, with the JAX versions that have it (0.10.2 to 0.12.x checked):

- ``jax.interpreters.ad``: ``primitive_jvps``, ``primitive_transposes`` (rule(cts, *args)
  with ``UndefinedPrimal`` for linear inputs, returning one cotangent or ``None`` per input),
  ``Zero``, ``zeros_like_aval``, ``instantiate_zeros``, ``is_undefined_primal``.
- ``jax.interpreters.batching.primitive_batchers`` (rule(args, dims) -> (outs, out_dims)).
- ``jax.interpreters.mlir``: ``register_lowering``, ``lower_fun``.
- ``jax.interpreters.partial_eval``: ``custom_partial_eval_rules`` (rule(trace, *tracers)),
  ``partial_eval_jaxpr_custom_rules`` (rule(saveable, unknowns, instantiated, eqn)),
  ``dce_rules`` (rule(used_outputs, eqn) -> (used_inputs, eqn or None)), ``dce_jaxpr``;
  ``partial_eval_jaxpr_nounits``, public from 0.11, private
  (``jax._src.interpreters.partial_eval``) in 0.10; the tracers' ``pval`` and the trace's
  ``new_const`` / ``default_process_primitive``.
- ``jax.extend.core``: ``Primitive``, ``ClosedJaxpr``, ``jaxpr_as_fun``, ``new_jaxpr_eqn``,
  ``Var``, ``DropVar``, ``set_current_trace``. From 0.11 ``ClosedJaxpr`` is ``Jaxpr`` itself
  (a jaxpr carries its constants); ``jaxprs.open_jaxpr`` hides the difference.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.extend.core as jex
import jax.numpy as jnp
from jax.interpreters import ad, batching, mlir
from jax.interpreters import partial_eval as pe

from workbench._src.internals.jaxprs import open_jaxpr

# Public from JAX 0.11; in 0.10 the same function is private.
_partial_eval_jaxpr_nounits: Any = getattr(pe, "partial_eval_jaxpr_nounits", None)
if _partial_eval_jaxpr_nounits is None:  # JAX 0.10
    from jax._src.interpreters import partial_eval as _private_pe

    _partial_eval_jaxpr_nounits = _private_pe.partial_eval_jaxpr_nounits

Primitive = jex.Primitive
ClosedJaxpr = jex.ClosedJaxpr
jaxpr_as_fun = jex.jaxpr_as_fun
set_current_trace = jex.set_current_trace
UndefinedPrimal = ad.UndefinedPrimal
Zero = ad.Zero

# The types JAX's partial-evaluation trace hands a custom rule (for isinstance checks in tests).
PartialEvalTracer = pe.JaxprTracer


# ---------------------------------------------------------------------------------------------
# Registering rules


def register_rules(
    prim: Any,
    *,
    impl: Callable[..., Any],
    abstract_eval: Callable[..., Any],
    lowering: Callable[..., Any],
    jvp: Callable[..., Any],
    transpose: Callable[..., Any],
    batch: Callable[..., Any] | None = None,
    partial_eval: Callable[..., Any] | None = None,
    partial_eval_custom: Callable[..., Any] | None = None,
) -> None:
    """Registers every rule of a primitive with JAX.

    ``lowering`` is a traceable function of the operands (and params) that computes the
    primitive; it becomes the MLIR lowering through ``mlir.lower_fun``.
    """
    prim.def_impl(impl)
    prim.def_effectful_abstract_eval(abstract_eval)
    mlir.register_lowering(prim, mlir.lower_fun(lowering, multiple_results=prim.multiple_results))
    ad.primitive_jvps[prim] = jvp
    ad.primitive_transposes[prim] = transpose
    if batch is not None:
        register_batching(prim, batch)
    if partial_eval is not None:
        pe.custom_partial_eval_rules[prim] = partial_eval
    if partial_eval_custom is not None:
        pe.partial_eval_jaxpr_custom_rules[prim] = partial_eval_custom


def register_batching(prim: Any, batch: Callable[..., Any]) -> None:
    """``batch(args, dims, **params) -> (outs, out_dims)``, the rule of ``jax.vmap``."""
    batching.primitive_batchers[prim] = batch


def register_dce(prim: Any, rule: Callable[[list[bool], Any], tuple[list[bool], Any]]) -> None:
    """A dead-code rule, as JAX gives ``scan``, ``while`` and ``remat``: ``rule(used_outputs,
    eqn) -> (used_inputs, new_eqn or None)``, called by ``pe.dce_jaxpr`` (which ``jax.jit``,
    ``jax.linearize``/``jax.vjp`` and ``jax.checkpoint`` run on the jaxprs they make).

    JAX 0.12 calls the rule with the inputs' liveness too, ``(used_outputs, live_inputs,
    eqn)`` (for mutable references; the loop holds none), JAX 0.10 without it: the rule
    registered takes the equation last either way."""

    def adapted(used_outputs: list[bool], *rest: Any) -> tuple[list[bool], Any]:
        return rule(used_outputs, rest[-1])

    pe.dce_rules[prim] = adapted


def equation_parts(eqn: Any) -> tuple[list[Any], list[Any], dict[str, Any], Any]:
    """An equation's ``(invars, outvars, params, effects)``."""
    return list(eqn.invars), list(eqn.outvars), dict(eqn.params), eqn.effects


# ---------------------------------------------------------------------------------------------
# Symbolic zeros and undefined primals


def is_zero(tangent: Any) -> bool:
    """A symbolic zero tangent or cotangent (JAX passes these instead of arrays of zeros)."""
    return type(tangent) is ad.Zero


def zero(aval: Any) -> Any:
    """The symbolic zero tangent of a primal of ``aval``."""
    return ad.Zero(aval.to_tangent_aval())


def zeros(aval: Any) -> Any:
    """An array of zeros of ``aval``, sharded as it says (an explicit-mesh type included)."""
    return ad.zeros_like_aval(aval)


def instantiate(tangent: Any) -> Any:
    """An array for a tangent that may be a symbolic zero."""
    return ad.instantiate_zeros(tangent)


def is_undefined(x: Any) -> bool:
    """A linear input of a transpose rule (its value is what the rule solves for)."""
    return ad.is_undefined_primal(x)


def aval_of(x: Any) -> Any:
    """The abstract value of an array, tracer, undefined primal or symbolic zero."""
    if isinstance(x, ad.UndefinedPrimal | ad.Zero):
        return x.aval
    return jax.typeof(x)


def scalar_aval(dtype: Any) -> Any:
    """The abstract value of a scalar (made without computing anything: abstract evaluation may
    run where no trace is current)."""
    return jax.core.ShapedArray((), jnp.dtype(dtype))


# ---------------------------------------------------------------------------------------------
# Jaxprs


def weak_cache(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Caches ``fn(jaxpr, *key)`` for as long as ``jaxpr`` lives (a jaxpr is hashed by identity,
    so an ordinary cache would keep every jaxpr, and what it closes over, alive forever)."""
    table: weakref.WeakKeyDictionary[Any, dict[Any, Any]] = weakref.WeakKeyDictionary()

    @functools.wraps(fn)
    def cached(jaxpr: Any, *key: Any) -> Any:
        try:
            entries = table.setdefault(jaxpr, {})
        except TypeError:  # not weakly referenceable: no cache
            return fn(jaxpr, *key)
        try:
            return entries[key]
        except KeyError:
            out = entries[key] = fn(jaxpr, *key)
            return out

    cached.live_keys = lambda: len(table)  # type: ignore[attr-defined]  # for leak tests
    return cached


def close(jaxpr: Any, consts: Sequence[Any]) -> Any:
    """A closed jaxpr of an open one and values for its constant variables."""
    return jex.ClosedJaxpr(jaxpr, list(consts))


def partial_eval_jaxpr(
    closed: Any, unknowns: Sequence[bool], instantiate: bool | Sequence[bool]
) -> tuple[Any, Any, list[bool], list[Any]]:
    """JAX's split of a closed jaxpr by data dependence: ``(known, unknown, out_unknowns,
    residual_avals)``. ``known`` maps the known inputs to the known outputs and the residuals;
    ``unknown`` maps residuals and unknown inputs to the unknown outputs. Each primitive is split
    by its own partial-evaluation rule (a nested loop keeps its primal part known)."""
    known, unknown, out_uk, res_avals = _partial_eval_jaxpr_nounits(
        closed, list(unknowns), instantiate
    )
    return known, unknown, list(out_uk), list(res_avals)


def dependent_outputs(closed: Any, inputs: Sequence[bool]) -> list[bool]:
    """Which outputs of ``closed`` depend on the flagged inputs, as JAX's partial evaluation
    decides it (by each primitive's rule, so the primal outputs of a JVP never depend on its
    tangents)."""
    flags = tuple(bool(f) for f in inputs)
    if not any(flags):
        return [False] * len(closed.out_avals)
    return list(_dependent_outputs(closed, flags))


@weak_cache
def _dependent_outputs(closed: Any, inputs: tuple[bool, ...]) -> tuple[bool, ...]:
    return tuple(partial_eval_jaxpr(closed, inputs, False)[2])


def dce(closed: Any, used_outputs: Sequence[bool]) -> tuple[Any, list[bool]]:
    """``closed`` with only the used outputs and what they need; also which inputs stay used
    (the returned jaxpr keeps every input)."""
    jaxpr, consts = open_jaxpr(closed)
    pruned, used_inputs = pe.dce_jaxpr(jaxpr, list(used_outputs), instantiate=True)
    return jex.ClosedJaxpr(pruned, consts), list(used_inputs)


def used_inputs(closed: Any, used_outputs: Sequence[bool]) -> list[bool]:
    """Which inputs of ``closed`` the used outputs read (dead code aside)."""
    jaxpr, _ = open_jaxpr(closed)
    return list(pe.dce_jaxpr(jaxpr, list(used_outputs), instantiate=False)[1])


def effects_of(closed: Any) -> Any:
    return closed.effects


# ---------------------------------------------------------------------------------------------
# Partial evaluation: the tracers a custom rule receives


def known_value(tracer: Any) -> Any:
    """The value of a partial-evaluation tracer whose value is known, else ``None``."""
    return tracer.pval.get_known()


def stage(trace: Any, prim: Any, operands: Sequence[Any], params: dict[str, Any]) -> list[Any]:
    """Stages ``prim`` into the unknown part of ``trace`` (its outputs are unknown tracers).
    Known operands may be given as values: they become residuals."""
    tracers = [
        x if isinstance(x, pe.JaxprTracer) and x._trace is trace else trace.new_const(x)
        for x in operands
    ]
    out = trace.default_process_primitive(prim, tracers, params)
    return list(out) if prim.multiple_results else [out]


# The jaxpr-level form of partial evaluation (``pe.partial_eval_jaxpr_custom``, used by
# ``jax.checkpoint`` and by scan's partial evaluation under remat) works on equations.


def new_eqn(
    invars: Sequence[Any],
    outvars: Sequence[Any],
    prim: Any,
    params: dict[str, Any],
    effects: Any,
    like: Any,
) -> Any:
    """A new equation, with the source information and context of equation ``like``."""
    return jex.new_jaxpr_eqn(
        list(invars), list(outvars), prim, params, effects, like.source_info, like.ctx
    )


def new_var(aval: Any) -> Any:
    return jex.Var(aval)


def drop_var(aval: Any) -> Any:
    return jex.DropVar(aval)


def is_var(atom: Any) -> bool:
    """A variable (not a literal) of a jaxpr."""
    return isinstance(atom, jex.Var) and not isinstance(atom, jex.DropVar)


def policy_saves(
    saveable: Callable[..., Any], prim: Any, avals: Sequence[Any], params: Any
) -> bool:
    """Whether a ``jax.checkpoint`` policy saves the outputs of an equation (``True``/
    ``Saveable``/an offload) rather than recomputing them (``False``/``Recompute``)."""
    case = saveable(prim, *avals, **params)
    if isinstance(case, bool):
        return case
    return type(case).__name__ != "RecomputeType"
