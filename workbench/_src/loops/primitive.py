"""``checkpointed_loop``: a loop as a JAX primitive, so that its checkpointing holds under every
transformation, in any order and nesting.

JAX's own ``scan`` and ``checkpoint`` carry their derivative rules with them; this primitive does
the same for a loop reversed by Revolve. An equation binds ``[*cond_consts, *body_consts,
*init]`` and returns ``[*final_carry, steps]`` (``steps``: how many times the body ran, int32).
The body is a closed jaxpr ``(k, *body_consts, *carry) -> carry`` of the step counter ``k``
(int32, from 0); how many steps run is one of

``static``    ``length`` steps, known when tracing (``wb.fori_loop`` with Python bounds);
``dynamic``   as many as the one cond constant says (traced bounds, and the loops reverse mode
              makes itself);
``while``     while ``cond(k, *cond_consts, *carry)`` holds, and at most ``max_steps``.

The rules:

- JVP: the same loop on the JVP of the body; the tangent carry runs beside the primal one and
  nothing is stored.
- Partial evaluation (``jax.linearize``, ``jax.vjp``, and what runs them): the known part of the
  carry runs as a loop of its own; the unknown part (the tangents) is staged as a loop that takes
  only the known inputs as residuals (the initial carry and the constants), plus, for a
  ``static`` loop, the snapshots of Revolve's first forward sweep (``revolve.forward_sweep``).
  Nothing per step is kept.
- Transpose: Revolve's backward pass (``revolve.py``): recompute forward from a snapshot, then
  pull the cotangent back through one step at a time. That backward pass is itself made of
  ``checkpointed_loop`` equations (and ``lax.cond``), so it is differentiable in both modes
  again: Hessians, Hessian-vector products, reverse over reverse.
- Batching: the loop of the batched body; a condition that differs across the batch runs until
  every member is done, each one's carry frozen once its own condition fails.
- Lowering: ``lax.fori_loop`` / ``lax.while_loop`` on the body.

Every use of JAX's tracing machinery goes through ``workbench._src.internals.rules``.
"""

from __future__ import annotations

import dataclasses
import functools
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from workbench._src.internals import private_jax, rules
from workbench._src.loops import dce, revolve
from workbench._src.loops.binding import (
    BACKWARD_SCOPE,
    FORWARD_SCOPE,
    INDEX,
    Loop,
    checkpointed_loop_p,
)


def _merge(full: Sequence[Any], mask: Sequence[bool], subset: Sequence[Any]) -> list[Any]:
    """``full`` with the masked entries replaced, in order, by ``subset``."""
    it = iter(subset)
    out = [next(it) if m else f for f, m in zip(full, mask, strict=True)]
    assert next(it, None) is None
    return out


def _pick(values: Sequence[Any], mask: Sequence[bool], keep: bool = True) -> list[Any]:
    return [v for v, m in zip(values, mask, strict=True) if bool(m) == keep]


def _zeros(aval: Any) -> Any:
    return rules.zeros(aval)


def _is_float(aval: Any) -> bool:
    return jnp.issubdtype(aval.dtype, jnp.inexact)


# ---------------------------------------------------------------------------------------------
# Evaluation: abstract, eager, lowered


def _abstract_eval(*_avals: Any, **params: Any) -> Any:
    spec = Loop(**params)
    effects = rules.effects_of(spec.body)
    if spec.cond is not None:
        effects = effects | rules.effects_of(spec.cond)
    return [*spec.body.out_avals, rules.scalar_aval(INDEX)], effects


def _run(*operands: Any, **params: Any) -> list[Any]:
    """The loop itself: what the compiled program runs."""
    spec = Loop(**params)
    cc, bc, init = spec.split(operands)
    body = rules.jaxpr_as_fun(spec.body)

    def step(k: Any, x: Any) -> Any:
        return tuple(body(k, *bc, *x))

    if spec.count == "static":
        assert spec.length is not None
        x = lax.fori_loop(0, spec.length, step, tuple(init))
        return [*x, INDEX(spec.length)]
    if spec.count == "dynamic":
        n = cc[0]

        def more(state: Any) -> Any:
            return state[0] < n
    else:
        cond = rules.jaxpr_as_fun(spec.cond)

        def more(state: Any) -> Any:
            k, x = state
            ok = cond(k, *cc, *x)[0]
            return ok if spec.max_steps is None else ok & (k < spec.max_steps)

    k, x = lax.while_loop(more, lambda s: (s[0] + 1, step(*s)), (0, tuple(init)))
    return [*x, jnp.asarray(k, INDEX)]


def _impl(*operands: Any, **params: Any) -> Any:
    """Eager evaluation: the lowered loop, compiled once per equation (as JAX does for lax's
    loops). The cache is keyed by the body jaxpr and dropped with it."""
    spec = Loop(**params)
    key = tuple(sorted((k, v) for k, v in params.items() if k != "body"))
    fn = _impl_cache(spec.body, key)
    return fn(*operands)


@rules.weak_cache
def _impl_cache(body: Any, key: tuple[Any, ...]) -> Any:
    # The compiled loop refers to its body weakly: an entry that held the body (its key) would
    # keep it, and itself, alive for ever. The body lives while the entry can be found.
    body_ref = weakref.ref(body)
    params = dict(key)

    def run(*operands: Any) -> list[Any]:
        return _run(*operands, body=body_ref(), **params)

    return jax.jit(run)


# ---------------------------------------------------------------------------------------------
# JVP


def _jvp(primals: Sequence[Any], tangents: Sequence[Any], **params: Any) -> Any:
    spec = Loop(**params)
    cc, bc, init = spec.split(primals)
    _, dbc, dinit = spec.split(tangents)
    bc_avals, x_avals = spec.body_const_avals, spec.carry_avals
    bc_nz = [not rules.is_zero(t) and _is_float(a) for t, a in zip(dbc, bc_avals, strict=True)]
    x_nz = [not rules.is_zero(t) and _is_float(a) for t, a in zip(dinit, x_avals, strict=True)]
    x_nz = _carry_closure(spec, bc_nz, x_nz, only_floats=True)
    if not any(bc_nz) and not any(x_nz):
        outs = checkpointed_loop_p.bind(*primals, **params)
        return outs, [rules.zero(rules.aval_of(o)) for o in outs]
    jvp_spec = dataclasses.replace(
        spec,
        body=_jvp_body(spec.body, spec.num_body_consts, tuple(bc_nz), tuple(x_nz)),
        cond=None
        if spec.cond is None
        else _cond_ignoring(spec.cond, tuple(a.to_tangent_aval() for a in _pick(x_avals, x_nz))),
        num_body_consts=spec.num_body_consts + sum(bc_nz),
    )
    dbc_in = _pick(dbc, bc_nz)
    dx_in = [rules.instantiate(t) for t in _pick(dinit, x_nz)]
    carry, steps = jvp_spec.bind(cc, [*bc, *dbc_in], [*init, *dx_in])
    primal_out, tangent_nz = carry[: len(init)], iter(carry[len(init) :])
    tangent_out = [
        next(tangent_nz) if nz else rules.zero(rules.aval_of(p))
        for p, nz in zip(primal_out, x_nz, strict=True)
    ]
    return [*primal_out, steps], [*tangent_out, rules.zero(rules.aval_of(steps))]


def _carry_closure(
    spec: Loop, const_flags: Sequence[bool], carry_flags: Sequence[bool], only_floats: bool = False
) -> list[bool]:
    """Fixed point: a carry is flagged if it is flagged on entry or the body makes it depend on a
    flagged constant or carry (tangents that are nonzero, values unknown, members batched)."""
    flags = list(carry_flags)
    while True:
        out = rules.dependent_outputs(spec.body, [False, *const_flags, *flags])
        new = [
            f or (o and (not only_floats or _is_float(a)))
            for f, o, a in zip(flags, out, spec.carry_avals, strict=True)
        ]
        if new == flags:
            return flags
        flags = new


@rules.weak_cache
def _jvp_body(body: Any, nb: int, bc_nz: tuple[bool, ...], x_nz: tuple[bool, ...]) -> Any:
    """``(k, *bc, *dbc_nz, *x, *dx_nz) -> (*x', *dx'_nz)``: the body and its JVP, side by side."""
    fn = rules.jaxpr_as_fun(body)
    avals = body.in_avals
    bc_avals, x_avals = list(avals[1 : 1 + nb]), list(avals[1 + nb :])
    n_dbc = sum(bc_nz)

    def jvp_fn(k: Any, *args: Any) -> list[Any]:
        bc, dbc = args[:nb], args[nb : nb + n_dbc]
        x, dx = args[nb + n_dbc : nb + n_dbc + len(x_avals)], args[nb + n_dbc + len(x_avals) :]

        def f(bc_nz_vals: list[Any], x_nz_vals: list[Any]) -> list[Any]:
            return fn(k, *_merge(bc, bc_nz, bc_nz_vals), *_merge(x, x_nz, x_nz_vals))

        outs, douts = jax.jvp(f, (_pick(bc, bc_nz), _pick(x, x_nz)), (list(dbc), list(dx)))
        return [*outs, *_pick(douts, x_nz)]

    tangent = lambda avals, mask: [a.to_tangent_aval() for a in _pick(avals, mask)]
    return jax.make_jaxpr(jvp_fn)(
        avals[0], *bc_avals, *tangent(bc_avals, bc_nz), *x_avals, *tangent(x_avals, x_nz)
    )


@rules.weak_cache
def _cond_ignoring(cond: Any, extra_avals: tuple[Any, ...]) -> Any:
    """``cond`` with more carries (tangents) that it does not read."""
    fn = rules.jaxpr_as_fun(cond)
    avals = list(cond.in_avals)
    n = len(avals) - 1
    return jax.make_jaxpr(lambda k, *args: fn(k, *args[:n]))(avals[0], *avals[1:], *extra_avals)


# ---------------------------------------------------------------------------------------------
# Partial evaluation: the known carry runs now; the unknown one is staged, with residuals


def _split_known(
    spec: Loop, cc_uk: Sequence[bool], bc_uk: Sequence[bool], x_uk: Sequence[bool]
) -> list[bool] | None:
    """Which carries are unknown once the body has spread the unknown inputs; ``None`` when the
    loop cannot be split (its trip count depends on an unknown value)."""
    if any(cc_uk):
        return None
    x_uk = _carry_closure(spec, bc_uk, x_uk)
    if spec.cond is not None and rules.dependent_outputs(spec.cond, [False, *cc_uk, *x_uk])[0]:
        return None
    return x_uk


@rules.weak_cache
def _known_body(body: Any, nb: int, bc_uk: tuple[bool, ...], x_uk: tuple[bool, ...]) -> Any:
    """``(k, *known bc, *known x) -> known x'``: the part of the body that needs no unknown."""
    fn = rules.jaxpr_as_fun(body)
    bc_avals, x_avals = list(body.in_avals[1 : 1 + nb]), list(body.in_avals[1 + nb :])
    nbk = len(bc_avals) - sum(bc_uk)

    def known(k: Any, *args: Any) -> list[Any]:
        bc = _merge([_zeros(a) for a in bc_avals], [not u for u in bc_uk], args[:nbk])
        x = _merge([_zeros(a) for a in x_avals], [not u for u in x_uk], args[nbk:])
        return _pick(fn(k, *bc, *x), x_uk, keep=False)

    closed = jax.make_jaxpr(known)(
        body.in_avals[0], *_pick(bc_avals, bc_uk, False), *_pick(x_avals, x_uk, False)
    )
    return rules.dce(closed, [True] * len(closed.out_avals))[0]


@rules.weak_cache
def _known_cond(cond: Any, nc: int, x_uk: tuple[bool, ...]) -> Any:
    fn = rules.jaxpr_as_fun(cond)
    avals = list(cond.in_avals)
    x_avals = avals[1 + nc :]

    def known(k: Any, *args: Any) -> Any:
        x = _merge([_zeros(a) for a in x_avals], [not u for u in x_uk], args[nc:])
        return fn(k, *args[:nc], *x)

    closed = jax.make_jaxpr(known)(avals[0], *avals[1 : 1 + nc], *_pick(x_avals, x_uk, False))
    return rules.dce(closed, [True])[0]


def known_part(spec: Loop, bc_uk: Sequence[bool], x_uk: Sequence[bool]) -> Loop:
    """The loop over the known carries alone."""
    return dataclasses.replace(
        spec,
        body=_known_body(spec.body, spec.num_body_consts, tuple(bc_uk), tuple(x_uk)),
        cond=None
        if spec.cond is None
        else _known_cond(spec.cond, spec.num_cond_consts, tuple(x_uk)),
        num_body_consts=spec.num_body_consts - sum(bc_uk),
    )


def counted(spec: Loop, steps: Any) -> tuple[Loop, list[Any]]:
    """A ``while`` loop as a ``dynamic`` one of the trip count its known part found, so that
    what is staged (and later reversed) runs exactly as many steps, and knows how many."""
    if spec.count != "while":
        return spec, []
    return dataclasses.replace(
        spec, count="dynamic", cond=None, max_steps=None, num_cond_consts=1
    ), [steps]


def _partial_eval(trace: Any, *tracers: Any, **params: Any) -> list[Any]:
    spec = Loop(**params)
    known = [rules.known_value(t) for t in tracers]
    unknown = [v is None for v in known]
    if not any(unknown):
        return checkpointed_loop_p.bind(*known, **params)
    # A known operand may be a Python scalar (a literal of the trace): an array of its type.
    known = _as_arrays(known, _abstract_eval_avals(spec))
    cc_uk, bc_uk, x_uk0 = spec.split(unknown)
    x_uk = _split_known(spec, cc_uk, bc_uk, x_uk0)
    if x_uk is None or all(x_uk):
        return rules.stage(trace, checkpointed_loop_p, tracers, params)
    if spec.count == "static" and spec.length:
        return _partial_eval_with_sweep(trace, spec, tracers, known, bc_uk, x_uk)
    cc, bc, init = spec.split(known)
    x_known, steps = known_part(spec, bc_uk, x_uk).bind(
        cc, _pick(bc, bc_uk, False), _pick(init, x_uk, False)
    )
    staged_spec, staged_cc = counted(spec, steps)
    cc_t, bc_t, init_t = spec.split(tracers)
    # Only the known carries the unknown ones need are staged (and kept as residuals).
    keep = dce.needed_carries(staged_spec, x_uk)
    if not all(keep):
        staged_spec = dce.restricted(staged_spec, [True] * spec.num_body_consts, keep)
    staged = rules.stage(
        trace,
        checkpointed_loop_p,
        [*(staged_cc or cc_t), *bc_t, *_pick(init_t, keep)],
        staged_spec.params,
    )
    staged_x = iter(staged[:-1])
    known_x = iter(x_known)
    x_out = []
    for k, u in zip(keep, x_uk, strict=True):
        value = next(staged_x) if k else None
        x_out.append(value if u else next(known_x))
    return [*x_out, steps]


def _partial_eval_custom(
    saveable: Any, unks_in: Sequence[bool], inst_in: Sequence[bool], eqn: Any
) -> tuple[Any, Any, list[bool], list[bool], list[Any]]:
    """The jaxpr-level form of ``_partial_eval`` (``jax.checkpoint``, scan under remat): the
    known carry in an equation of its own; the unknown carry staged with the known inputs as
    residuals. A loop of known inputs is saved or recomputed as the remat policy says."""
    spec = Loop(**eqn.params)
    n_out = len(eqn.outvars)
    effects = _abstract_eval(*[v.aval for v in eqn.invars], **eqn.params)[1]

    def residuals(invars: Sequence[Any], unknown: Sequence[bool], inst: Sequence[bool]) -> list:
        return [
            v
            for v, u, i in zip(invars, unknown, inst, strict=True)
            if rules.is_var(v) and not u and not i
        ]

    if not any(unks_in):
        avals = [v.aval for v in eqn.invars]
        if effects or rules.policy_saves(saveable, checkpointed_loop_p, avals, eqn.params):
            return eqn, None, [False] * n_out, [False] * n_out, []
        return eqn, eqn, [False] * n_out, [True] * n_out, residuals(eqn.invars, unks_in, inst_in)
    cc_uk, bc_uk, x_uk0 = spec.split(unks_in)
    x_uk = _split_known(spec, cc_uk, bc_uk, x_uk0)
    if x_uk is None or all(x_uk):
        return None, eqn, [True] * n_out, [True] * n_out, residuals(eqn.invars, unks_in, inst_in)
    cc_v, bc_v, x_v = spec.split(eqn.invars)
    x_out, steps_out = list(eqn.outvars[:-1]), eqn.outvars[-1]
    steps_var = steps_out if rules.is_var(steps_out) else rules.new_var(steps_out.aval)
    known_spec = known_part(spec, bc_uk, x_uk)
    known_eqn = rules.new_eqn(
        [*cc_v, *_pick(bc_v, bc_uk, False), *_pick(x_v, x_uk, False)],
        [*_pick(x_out, x_uk, False), steps_var],
        checkpointed_loop_p,
        known_spec.params,
        _abstract_eval(**known_spec.params)[1],
        eqn,
    )
    staged_spec, staged_cc = counted(spec, steps_var)
    staged_in = [*(staged_cc or cc_v), *bc_v, *x_v]
    staged_unknown = [*([False] * len(staged_cc) if staged_cc else cc_uk), *bc_uk, *x_uk0]
    staged_inst = [*([False] * len(staged_cc) if staged_cc else spec.split(inst_in)[0])]
    staged_inst += [*spec.split(inst_in)[1], *spec.split(inst_in)[2]]
    staged_outs = [v if u else rules.drop_var(v.aval) for v, u in zip(x_out, x_uk, strict=True)]
    staged_eqn = rules.new_eqn(
        staged_in,
        [*staged_outs, rules.drop_var(steps_out.aval)],
        checkpointed_loop_p,
        staged_spec.params,
        effects,
        eqn,
    )
    return (
        known_eqn,
        staged_eqn,
        [*x_uk, False],
        [*x_uk, False],
        residuals(staged_in, staged_unknown, staged_inst),
    )


# A loop of static length is linearized with Revolve's first forward sweep done at once: the
# known part advances to the last step storing the plan's snapshots, and runs the last step
# keeping its residuals; what is staged (``checkpointed_loop_resume``) takes those snapshots and
# residuals, so the backward pass goes on where the sweep stopped and the whole derivative
# evaluates the body exactly as often as Revolve's plan says.

checkpointed_loop_resume_p = rules.Primitive("checkpointed_loop_resume")
checkpointed_loop_resume_p.multiple_results = True


@private_jax.weak_cache_key  # a param held weakly by JAX's caches (it holds jaxprs)
@dataclasses.dataclass(frozen=True)
class Resume:
    """The static part of a ``checkpointed_loop_resume`` equation. Operands:
    ``[*snapshot buffer (a stack of snapshots per known carry), *known body consts, *residuals
    of the last step, *unknown body consts, *unknown initial carry]``; outputs: the unknown
    final carry."""

    loop: Loop  # the original static loop
    bc_uk: tuple[bool, ...]
    x_uk: tuple[bool, ...]
    last_step: Any  # ClosedJaxpr: (*residuals, *unknown bc, *unknown x) -> unknown x'
    num_residuals: int
    stack: tuple[tuple[int, int, int, int], ...]  # segments the sweep left, bottom first

    @property
    def params(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def split(self, operands: Sequence[Any]) -> tuple[list[Any], ...]:
        nk = len(self.x_uk) - sum(self.x_uk)
        nbk = len(self.bc_uk) - sum(self.bc_uk)
        ops = list(operands)
        buf, rest = ops[:nk], ops[nk:]
        known_bc, rest = rest[:nbk], rest[nbk:]
        res, rest = rest[: self.num_residuals], rest[self.num_residuals :]
        lin_bc, lin_x = rest[: sum(self.bc_uk)], rest[sum(self.bc_uk) :]
        return buf, known_bc, res, lin_bc, lin_x


@rules.weak_cache
def _split_step(body: Any, nb: int, bc_uk: tuple[bool, ...], x_uk: tuple[bool, ...]) -> Any:
    """JAX's split of one step: known ``(k, *known bc, *known x) -> (*known x', *res)``, linear
    ``(*res, *unknown bc, *unknown x) -> unknown x'``."""
    known, lin, out_uk, res_avals = rules.partial_eval_jaxpr(
        body, [False, *bc_uk, *x_uk], list(x_uk)
    )
    assert out_uk == list(x_uk), (out_uk, x_uk)
    return known, lin, len(res_avals)


def _partial_eval_with_sweep(
    trace: Any, spec: Loop, tracers: Sequence[Any], known: Sequence[Any], bc_uk: Any, x_uk: Any
) -> list[Any]:
    _, bc, init = spec.split(known)
    _, bc_t, init_t = spec.split(tracers)
    known_bc, x0 = _pick(bc, bc_uk, False), _pick(init, x_uk, False)
    known_body = rules.jaxpr_as_fun(
        _known_body(spec.body, spec.num_body_consts, tuple(bc_uk), tuple(x_uk))
    )
    k_dtype = spec.body.in_avals[0].dtype

    def advance(k: Any, x: list[Any]) -> list[Any]:
        return known_body(lax.convert_element_type(k, k_dtype), *known_bc, *x)

    assert spec.length is not None
    known_step, last_step, num_res = _split_step(
        spec.body, spec.num_body_consts, tuple(bc_uk), tuple(x_uk)
    )
    with jax.named_scope(FORWARD_SCOPE):
        x, last, buf, stack = revolve.sweep(advance, spec.length, spec.snapshots, x0)
        outs = rules.jaxpr_as_fun(known_step)(jnp.asarray(last, k_dtype), *known_bc, *x)
    x_known, res = outs[: len(x0)], outs[len(x0) :]
    # The backward pass advances only the known carries the unknown ones need: only their
    # snapshots are kept (as residuals).
    keep = dce.needed_carries(spec, x_uk)
    staged_spec = spec
    if not all(keep):
        staged_spec = dce.restricted(spec, [True] * spec.num_body_consts, keep)
        buf = _pick(buf, _pick(keep, x_uk, False))
    staged_uk = tuple(_pick(x_uk, keep))
    resume = Resume(staged_spec, tuple(bc_uk), staged_uk, last_step, num_res, tuple(stack))
    operands = [*buf, *known_bc, *res]
    operands += [*_pick(bc_t, bc_uk), *_pick(init_t, x_uk)]
    staged = iter(rules.stage(trace, checkpointed_loop_resume_p, operands, resume.params))
    known_out = iter(x_known)
    x_out = [next(staged) if u else next(known_out) for u in x_uk]
    return [*x_out, np.asarray(spec.length, INDEX)]  # no transfer (transfer_guard)


def _resume_as_loop(*operands: Any, **params: Any) -> list[Any]:
    """What the staged equation computes, as a plain loop from the first snapshot (for every
    use but reversal: evaluation, JVP, batching)."""
    resume = Resume(**params)
    buf, known_bc, _, lin_bc, lin_x = resume.split(operands)
    spec = resume.loop
    bc = _merge(_fill_known(spec.body_const_avals, resume.bc_uk, known_bc), resume.bc_uk, lin_bc)
    x0 = _merge(_fill_known(spec.carry_avals, resume.x_uk, [b[0] for b in buf]), resume.x_uk, lin_x)
    carry, _ = spec.bind([], bc, x0)
    return _pick(carry, resume.x_uk)


def _resume_abstract_eval(*avals: Any, **params: Any) -> Any:
    resume = Resume(**params)
    return _pick(resume.loop.body.out_avals, resume.x_uk), rules.effects_of(resume.loop.body)


def _resume_jvp(primals: Sequence[Any], tangents: Sequence[Any], **params: Any) -> Any:
    tangents = [rules.instantiate(t) for t in tangents]
    return jax.jvp(functools.partial(_resume_as_loop, **params), list(primals), tangents)


def _resume_batch(args: Sequence[Any], dims: Sequence[Any], **params: Any) -> Any:
    out = jax.vmap(functools.partial(_resume_as_loop, **params), in_axes=list(dims))(*args)
    return out, [0] * len(out)


def _resume_partial_eval(trace: Any, *tracers: Any, **params: Any) -> Any:
    with rules.set_current_trace(trace):
        return _resume_as_loop(*tracers, **params)


def _resume_transpose(cts: Sequence[Any], *operands: Any, **params: Any) -> list[Any]:
    resume = Resume(**params)
    spec = resume.loop
    arrays = [x if rules.is_undefined(x) else jnp.asarray(x) for x in operands]
    buf, known_bc, res, lin_bc, lin_x = resume.split(arrays)
    bc = _merge(_fill_known(spec.body_const_avals, resume.bc_uk, known_bc), resume.bc_uk, lin_bc)
    steps = _Steps(spec.body, bc, resume.bc_uk, resume.x_uk)
    last = rules.jaxpr_as_fun(resume.last_step)

    def last_step(lin_bc_v: list[Any], lin_x_v: list[Any]) -> list[Any]:
        return last(*res, *lin_bc_v, *lin_x_v)

    with jax.named_scope(BACKWARD_SCOPE):
        ct_x, ct_bc = _linear_transpose(
            last_step, steps.lin_bc_avals, steps.lin_x_avals, _cotangents(cts, steps.lin_x_avals)
        )
        ct_x0, ct_bc = revolve.backward(
            steps.advance,
            steps.reverse,
            n=spec.length,
            snapshots=spec.snapshots,
            x0=[b[0] for b in buf],
            ct_x=ct_x,
            ct_consts=ct_bc,
            resume=(buf, resume.stack),
        )
    known_operands = len(operands) - len(lin_bc) - len(lin_x)
    out = [None] * known_operands + list(ct_bc)
    out += [ct if rules.is_undefined(x) else None for ct, x in zip(ct_x0, lin_x, strict=True)]
    return out


# ---------------------------------------------------------------------------------------------
# Transpose: Revolve's backward pass


class _Steps:
    """One step of a loop whose operands are partly linear (the transpose rule's undefined
    primals): ``advance`` runs the known carry, ``reverse`` pulls a cotangent of the linear
    carry back through the step (``jax.linear_transpose`` at the step's known state)."""

    def __init__(self, body: Any, bc: Sequence[Any], bc_lin: Sequence[bool], x_lin: Sequence[bool]):
        self.fn = rules.jaxpr_as_fun(body)
        self.k_dtype = body.in_avals[0].dtype
        nb = len(bc)
        self.bc, self.bc_lin, self.x_lin = list(bc), list(bc_lin), list(x_lin)
        self.x_avals = list(body.in_avals[1 + nb :])
        self.lin_bc_avals = _pick(body.in_avals[1 : 1 + nb], bc_lin)
        self.lin_x_avals = _pick(self.x_avals, x_lin)
        self.known_body = _known_body(body, nb, tuple(bc_lin), tuple(x_lin))

    def full(self, k: Any, xk: Sequence[Any], lin_bc: Sequence[Any], lin_x: Sequence[Any]) -> Any:
        x = _merge(_fill_known(self.x_avals, self.x_lin, xk), self.x_lin, lin_x)
        bc = _merge(self.bc, self.bc_lin, lin_bc)
        return self.fn(lax.convert_element_type(k, self.k_dtype), *bc, *x)

    def advance(self, k: Any, xk: list[Any]) -> list[Any]:
        # The known part alone, dead code removed: the linear part of a JVP body may hold
        # equations that only a transposition may evaluate (a custom_vjp's ``custom_lin``).
        known = rules.jaxpr_as_fun(self.known_body)
        k = lax.convert_element_type(k, self.k_dtype)
        return list(known(k, *_pick(self.bc, self.bc_lin, keep=False), *xk))

    def reverse(self, k: Any, xk: list[Any], ct: list[Any]) -> tuple[list[Any], list[Any]]:
        def linear(lin_bc: list[Any], lin_x: list[Any]) -> list[Any]:
            return _pick(self.full(k, xk, lin_bc, lin_x), self.x_lin)

        return _linear_transpose(linear, self.lin_bc_avals, self.lin_x_avals, ct)

    def zero_consts(self) -> list[Any]:
        return [_zeros(a) for a in self.lin_bc_avals]


def _linear_transpose(
    linear: Callable[[list[Any], list[Any]], list[Any]],
    bc_avals: Sequence[Any],
    x_avals: Sequence[Any],
    ct: Sequence[Any],
) -> tuple[list[Any], list[Any]]:
    """(ct of the linear carry, ct of the linear constants) of ``linear(bc, x)``."""
    # The avals themselves (not ShapeDtypeStructs): they carry the explicit-mesh sharding.
    ct_bc, ct_x = jax.linear_transpose(linear, list(bc_avals), list(x_avals))(list(ct))
    return list(ct_x), list(ct_bc)


def _cotangents(cts: Sequence[Any], avals: Sequence[Any]) -> list[Any]:
    return [_zeros(a) if rules.is_zero(ct) else ct for ct, a in zip(cts, avals, strict=True)]


def _transpose(cts: Sequence[Any], *operands: Any, **params: Any) -> list[Any]:
    spec = Loop(**params)
    cc, bc, init = spec.split(_as_arrays(operands, _abstract_eval_avals(spec)))
    if any(rules.is_undefined(c) for c in cc):  # pragma: no cover - a trip count is never linear
        raise NotImplementedError("checkpointed_loop: the trip count cannot be linear")
    bc_lin = [rules.is_undefined(b) for b in bc]
    x_undefined = [rules.is_undefined(x) for x in init]
    x_lin = _carry_closure(spec, bc_lin, x_undefined)
    x0 = _pick(init, x_lin, False)
    if spec.count == "static":
        n: Any = spec.length
    elif spec.count == "dynamic":
        n = cc[0]
    else:  # a while loop staged by something else than our rules: count its steps first
        _, n = known_part(spec, bc_lin, x_lin).bind(cc, _pick(bc, bc_lin, False), x0)
    steps = _Steps(spec.body, bc, bc_lin, x_lin)
    with jax.named_scope(BACKWARD_SCOPE):
        ct_x0, ct_bc = revolve.backward(
            steps.advance,
            steps.reverse,
            n=n,
            snapshots=spec.snapshots,
            x0=x0,
            ct_x=_cotangents(_pick(cts[: len(init)], x_lin), steps.lin_x_avals),
            ct_consts=steps.zero_consts(),
        )
    return [None] * len(cc) + _scatter(ct_bc, bc_lin, bc_lin) + _scatter(ct_x0, x_lin, x_undefined)


def _abstract_eval_avals(spec: Loop) -> list[Any]:
    """The operands' types: cond consts (the trip count), body consts, carry."""
    cc = [rules.scalar_aval(INDEX)] if spec.count == "dynamic" else []
    if spec.count == "while":
        cc = list(spec.cond.in_avals[1 : 1 + spec.num_cond_consts])
    return [*cc, *spec.body_const_avals, *spec.carry_avals]


def _as_arrays(values: Sequence[Any], avals: Sequence[Any]) -> list[Any]:
    """Known operands as arrays of their types: a transpose rule may receive a literal (a Python
    scalar) where partial evaluation kept a constant."""
    return [
        x if x is None or rules.is_undefined(x) or hasattr(x, "shape") else jnp.asarray(x, a.dtype)
        for x, a in zip(values, avals, strict=True)
    ]


def _scatter(cts: Sequence[Any], lin: Sequence[bool], wanted: Sequence[bool]) -> list[Any]:
    """One entry per operand: its cotangent where it is linear and wanted, else ``None``."""
    it = iter(cts)
    out = []
    for is_lin, want in zip(lin, wanted, strict=True):
        ct = next(it) if is_lin else None
        out.append(ct if want else None)
    return out


def _fill(values: Sequence[Any], lin: Sequence[bool], lin_values: Sequence[Any]) -> list[Any]:
    """The operands with the linear ones (undefined primals) replaced by ``lin_values``."""
    return _merge(values, lin, lin_values)


def _fill_known(avals: Sequence[Any], lin: Sequence[bool], known: Sequence[Any]) -> list[Any]:
    return _merge([None] * len(avals), [not m for m in lin], known)


# ---------------------------------------------------------------------------------------------


def _own_constants(rule: Any) -> Any:
    """``rule`` with host-to-device transfers allowed: run eagerly (a vjp outside ``jit``), its
    steps, slots and stack rows are the workbench's Python ints, which
    ``jax.transfer_guard("disallow")`` would refuse; the user's arrays are already on device."""

    @functools.wraps(rule)
    def run(*args: Any, **params: Any) -> Any:
        with jax.transfer_guard_host_to_device("allow"):
            return rule(*args, **params)

    return run


rules.register_rules(
    checkpointed_loop_p,
    impl=_impl,
    abstract_eval=_abstract_eval,
    lowering=_run,
    jvp=_jvp,
    transpose=_own_constants(_transpose),
    partial_eval=_own_constants(_partial_eval),
    partial_eval_custom=_partial_eval_custom,
)
rules.register_rules(
    checkpointed_loop_resume_p,
    impl=_own_constants(_resume_as_loop),
    abstract_eval=_resume_abstract_eval,
    lowering=_resume_as_loop,
    jvp=_resume_jvp,
    transpose=_own_constants(_resume_transpose),
    batch=_resume_batch,
    partial_eval=_own_constants(_resume_partial_eval),
)
