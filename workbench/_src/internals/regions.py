"""The primitives that hold jaxprs, each registered once: what the graph, strong zero and
``explain_nans`` need to walk into them and to rebuild them.

A registration (``Region``) says, for one primitive:

- ``subs``: its jaxprs, each with the equation's atoms its inputs and outputs bind to
  (``SubJaxpr``), and for a loop which output each carried input takes after a step;
- ``kind``: the kind of region the graph shows it as (``"scan"``, ``"jit"``, ``"loop"``, ...);
- ``loop``: whether its body runs once per step (the graph draws it once; ``explain_nans``
  reports the step);
- ``call``: whether it evaluates its only jaxpr on its operands unchanged (inlining that jaxpr
  computes the same values);
- ``rebuild``: how to compute the equation with its jaxprs replaced by Python functions
  (strong zero's transformed bodies, ``explain_nans``' instrumented ones), threading a state
  through every run of a body; ``None`` where it cannot be rebuilt (left as it is);
- ``params``: the parameters a reader wants to see (a loop's length).

JAX's primitives are registered here; the workbench's checkpointed loop registers itself from
``workbench._src.loops`` (internals never imports the loops).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import jax.numpy as jnp
from jax import lax

from workbench._src.internals import jaxprs, params
from workbench._src.internals import primitives as prims

RegionKind = str  # "jit", "scan", "while", "cond", "remat", "custom_jvp", "loop", ...


@dataclasses.dataclass(frozen=True)
class SubJaxpr:
    """A jaxpr nested in an equation, with the equation's atoms its inputs and outputs bind to.

    ``inputs[i]`` is the outer atom that feeds ``jaxpr.invars[i]`` (``None`` where none does, as
    a loop's step counter); ``outputs[j]`` is the outer variable that ``jaxpr.outvars[j]``
    produces (``None`` where it produces nothing outside, as a ``while`` condition's predicate).
    ``carried[i]``, for a loop, is the index of the equation's output whose value input ``i``
    takes after a step (``None`` for one that stays; empty: no input is carried).
    ``fixed[i]``, for a loop, whether input ``i`` is one of the loop's constants (the same value
    at every step; empty: none is).
    """

    jaxpr: Any  # jax.extend.core.Jaxpr
    consts: Sequence[Any]
    name: str  # "body", "cond", "branch 0", or "" for the only sub-jaxpr
    inputs: Sequence[Any]
    outputs: Sequence[Any]
    carried: Sequence[int | None] = ()
    fixed: Sequence[bool] = ()


# body(state, index, *inputs) -> (outputs, state): one run of a replaced jaxpr. ``index``: the
# step (a traced integer) in a loop, ``None`` elsewhere.
Body = Callable[..., tuple[Sequence[Any], Any]]
# rebuild(eqn, operands, bodies, state) -> (outputs, state); ``bodies`` in ``subs``' order.
# ``state`` is ``None`` where there is nothing to thread (a rebuild may then keep its primitive).
Rebuild = Callable[[Any, list[Any], list[Body], Any], tuple[list[Any], Any]]


@dataclasses.dataclass(frozen=True)
class Region:
    """How the workbench walks into and rebuilds one primitive that holds jaxprs (see the
    module docstring)."""

    kind: RegionKind
    subs: Callable[[Any], list[SubJaxpr]]
    loop: bool = False
    call: bool = False
    rebuild: Rebuild | None = None
    params: Callable[[Any], list[tuple[str, str]]] | None = None

    @property
    def opens(self) -> bool:
        """Whether strong zero and ``explain_nans`` can run its jaxprs themselves."""
        return self.call or self.rebuild is not None


REGIONS: dict[Any, Region] = {}
# Primitives seen without nested jaxprs: most equations skip the search of their parameters.
_plain_primitives: set[Any] = set()


def register(primitive: Any, region: Region) -> None:
    """Registers a primitive that holds jaxprs (once; a second registration replaces it)."""
    REGIONS[primitive] = region
    _plain_primitives.discard(primitive)


def region_of(primitive: Any) -> Region | None:
    return REGIONS.get(primitive)


def loop_kinds() -> frozenset[RegionKind]:
    """The kinds of the registered loops (the front end draws their body once)."""
    return frozenset(r.kind for r in REGIONS.values() if r.loop)


def region_kind(eqn: Any) -> RegionKind:
    """The kind of region an equation that holds jaxprs opens; its primitive's name for one
    not registered."""
    region = REGIONS.get(eqn.primitive)
    return region.kind if region is not None else str(eqn.primitive.name)


def region_params(eqn: Any) -> tuple[tuple[str, str], ...]:
    """The parameters of a region that a reader wants to see (a loop's length, a jit's name)."""
    region = REGIONS.get(eqn.primitive)
    if region is None or region.params is None:
        return ()
    return tuple(region.params(eqn))


def sub_jaxprs(eqn: Any) -> list[SubJaxpr] | None:
    """The nested jaxprs of ``eqn`` with their bindings; ``[]`` for a plain primitive, ``None``
    for an unregistered one whose jaxprs bind in a way not known here (left opaque)."""
    prim = eqn.primitive
    if prim in _plain_primitives:
        return []
    region = REGIONS.get(prim)
    if region is not None:
        return region.subs(eqn)
    found = _operands_to_results(eqn)
    if found == []:
        _plain_primitives.add(prim)
    return found


def _operands_to_results(eqn: Any) -> list[SubJaxpr] | None:
    """The one jaxpr of ``eqn`` if it takes the equation's operands and gives its outputs; ``[]``
    for none, ``None`` for other bindings."""
    found = list(jaxprs.jaxprs_in_params(eqn.params))
    if not found:
        return []
    if len(found) == 1:
        jaxpr, consts = jaxprs.open_jaxpr(found[0])
        if len(jaxpr.invars) == len(eqn.invars) and len(jaxpr.outvars) == len(eqn.outvars):
            return [SubJaxpr(jaxpr, consts, "", eqn.invars, eqn.outvars)]
    return None


def only_jaxpr(find: Callable[[Any], Any]) -> Callable[[Any], list[SubJaxpr]]:
    """``subs`` of a primitive whose one jaxpr (``find(eqn)``) takes the equation's operands and
    gives its outputs."""

    def subs(eqn: Any) -> list[SubJaxpr]:
        return [SubJaxpr(*jaxprs.open_jaxpr(find(eqn)), "", eqn.invars, eqn.outvars)]

    return subs


def carries(before: int, count: int) -> list[int | None]:
    """``SubJaxpr.carried`` of a loop jaxpr whose inputs ``before:before + count`` are the
    carry, given as the equation's first ``count`` outputs."""
    return [None] * before + list(range(count))


# --------------------------------------------------------------------------------------------
# JAX's primitives


def _call(
    kind: RegionKind, describe: Callable[[Any], list[tuple[str, str]]] | None = None
) -> Region:
    return Region(kind, only_jaxpr(params.called_jaxpr), call=True, params=describe)


def _jit_params(eqn: Any) -> list[tuple[str, str]]:
    name = params.jit_name(eqn.params)
    return [("name", name)] if name else []


def _remat_params(eqn: Any) -> list[tuple[str, str]]:
    policy = params.remat_policy(eqn.params)
    return [("policy", getattr(policy, "__name__", str(policy)))]


register(prims.JIT, _call("jit", _jit_params))
register(prims.CLOSED_CALL, _call("call"))
register(prims.CALL, _call("call"))
register(prims.REMAT, _call("remat", _remat_params))
# A custom_jvp / custom_vjp call evaluates its primal function (its rules matter only to a
# derivative, which JAX has already taken where there is one).
register(prims.CUSTOM_JVP, _call("custom_jvp"))
register(prims.CUSTOM_VJP, _call("custom_vjp"))
# Its jaxpr sees per-device blocks: walked by the graph, not inlined or rebuilt.
register(prims.SHARD_MAP, Region("shard_map", lambda eqn: _operands_to_results(eqn) or []))


# scan: operands consts + carry + xs; outputs carry + ys.


def _scan_subs(eqn: Any) -> list[SubJaxpr]:
    nc, nk = params.scan_layout(eqn.params)
    carried = carries(nc, nk) + [None] * (len(eqn.invars) - nc - nk)
    fixed = [True] * nc + [False] * (len(eqn.invars) - nc)
    body = jaxprs.open_jaxpr(params.scan_body(eqn.params))
    return [SubJaxpr(*body, "", eqn.invars, eqn.outvars, carried, fixed)]


def _scan(eqn: Any, ins: list[Any], bodies: list[Body], state: Any) -> tuple[list[Any], Any]:
    nc, nk = params.scan_layout(eqn.params)
    options = params.scan_call_options(eqn.params)
    consts, init, xs = ins[:nc], ins[nc : nc + nk], ins[nc + nk :]
    length, reverse = int(options["length"]), bool(options["reverse"])

    def step(carry: Any, x: Any) -> Any:
        k, st, c = carry
        index = (length - 1 - k) if reverse else k  # the scan's index, not the run's count
        outs, st = bodies[0](st, index, *consts, *c, *x)
        return (k + 1, st, list(outs[:nk])), list(outs[nk:])

    (_, state, carry), ys = lax.scan(step, (jnp.int32(0), state, list(init)), list(xs), **options)
    return [*carry, *ys], state


def _scan_params(eqn: Any) -> list[tuple[str, str]]:
    options = params.scan_call_options(eqn.params)
    return [
        ("length", str(options["length"])),
        ("reverse", str(options["reverse"])),
        ("num_carry", str(params.scan_layout(eqn.params).num_carry)),
    ]


register(prims.SCAN, Region("scan", _scan_subs, loop=True, rebuild=_scan, params=_scan_params))


# while: operands cond_consts + body_consts + carry; outputs carry.


def _while_subs(eqn: Any) -> list[SubJaxpr]:
    nc, nb, cond_jaxpr, body_jaxpr = params.while_layout(eqn.params)
    carry = eqn.invars[nc + nb :]
    cond = SubJaxpr(
        *jaxprs.open_jaxpr(cond_jaxpr),
        "cond",
        [*eqn.invars[:nc], *carry],
        [None],
        carries(nc, len(carry)),
        [True] * nc + [False] * len(carry),
    )
    body = SubJaxpr(
        *jaxprs.open_jaxpr(body_jaxpr),
        "body",
        [*eqn.invars[nc : nc + nb], *carry],
        eqn.outvars,
        carries(nb, len(carry)),
        [True] * nb + [False] * len(carry),
    )
    return [cond, body]


def _while(eqn: Any, ins: list[Any], bodies: list[Body], state: Any) -> tuple[list[Any], Any]:
    nc, nb, _, _ = params.while_layout(eqn.params)
    cc, bc, init = ins[:nc], ins[nc : nc + nb], ins[nc + nb :]

    def more(s: Any) -> Any:  # the condition's state is dropped: a while_loop's cond gives a bool
        return bodies[0](s[1], s[0], *cc, *s[2])[0][0]

    def step(s: Any) -> Any:
        k, st, carry = s
        outs, st = bodies[1](st, k, *bc, *carry)
        return (k + 1, st, list(outs))

    _, state, carry = lax.while_loop(more, step, (jnp.int32(0), state, list(init)))
    return list(carry), state


register(prims.WHILE, Region("while", _while_subs, loop=True, rebuild=_while))


# cond: operands index + branch operands.


def _cond_subs(eqn: Any) -> list[SubJaxpr]:
    _, ops = params.split_cond_operands(eqn.invars)
    return [
        SubJaxpr(*jaxprs.open_jaxpr(br), f"branch {k}", ops, eqn.outvars)
        for k, br in enumerate(params.cond_branches(eqn.params))
    ]


def _cond(eqn: Any, ins: list[Any], bodies: list[Body], state: Any) -> tuple[list[Any], Any]:
    index, ops = params.split_cond_operands(ins)

    def branch(body: Body) -> Callable[..., Any]:
        def run(st: Any, *xs: Any) -> Any:
            outs, st = body(st, None, *xs)
            return list(outs), st

        return run

    outs, state = lax.switch(index, [branch(b) for b in bodies], state, *ops)
    return list(outs), state


def _cond_params(eqn: Any) -> list[tuple[str, str]]:
    return [("branches", str(len(params.cond_branches(eqn.params))))]


register(prims.COND, Region("cond", _cond_subs, rebuild=_cond, params=_cond_params))
