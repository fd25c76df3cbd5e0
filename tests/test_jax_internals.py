"""The assumptions about JAX's internals that ``workbench/_src/internals`` holds, one test each.

Each test fails naming the installed JAX and what changed ("jax 0.13.0: scan params have neither
num_consts nor ft_in"), so that a JAX release that moves something is caught here, before a
feature (strong zero, the graph, the memory report, IR links) silently degrades. The private
introspection routes are checked in ``test_jax_internals_private.py``, the rule registries of
the workbench's own primitives in ``test_jax_internals_rules.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import jax
import jax.extend.core as jex
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

from workbench._src.errors import JaxInternalsError
from workbench._src.internals import jaxprs, lowering, params, regions
from workbench._src.internals import primitives as prims

VERSION = f"jax {jax.__version__}"


# --------------------------------------------------------------------------------------------
# Primitive identities


def test_every_primitive_the_workbench_treats_specially_is_there_under_a_known_name() -> None:
    problems = prims.missing()
    assert not problems, "\n".join(problems)
    # The table is the whole list: everything strong zero and the graph match on is in it.
    listed = {prims.FOUND[key] for key in prims.KNOWN}
    for table, what in [
        (set(regions.REGIONS) - _own_primitives(), "regions.REGIONS"),
        (set(params._CALLED_JAXPR), "params._CALLED_JAXPR"),
    ]:
        unlisted = sorted(p.name for p in table - listed)
        assert not unlisted, (
            f"{what} matches primitives that primitives.KNOWN does not list: {unlisted}"
        )


def _own_primitives() -> set[Any]:
    """Primitives of the workbench itself (a checkpointed loop) in the registry of regions."""
    from workbench._src.loops.binding import checkpointed_loop_p

    return {checkpointed_loop_p}


def _closed_call(x: Any) -> Any:
    """What called traced functions become (``closed_call``; ``eval_jaxpr`` from 0.11.1)."""
    traced = jax.jit(lambda y: jnp.minimum(1.0, 1 / y)).trace(1.0)
    return traced(x)


@jax.custom_jvp
def _custom_jvp(x: Any) -> Any:
    return jnp.sin(x)


_custom_jvp.defjvp(lambda p, t: (jnp.sin(p[0]), jnp.cos(p[0]) * t[0]))


@jax.custom_vjp
def _custom_vjp(x: Any) -> Any:
    return jnp.sin(x)


_custom_vjp.defvjp(lambda x: (jnp.sin(x), x), lambda x, g: (jnp.cos(x) * g,))


def _shard_map(x: Any) -> Any:
    from jax.sharding import PartitionSpec

    mesh = jax.make_mesh((1,), ("i",), devices=jax.devices()[:1])
    return jax.shard_map(
        lambda y: y * 2, mesh=mesh, in_specs=PartitionSpec(), out_specs=PartitionSpec()
    )(x)


# Each construct that puts a jaxpr inside an equation, with the region kind the workbench gives it.
CONSTRUCTS: list[tuple[str, Callable[[Any], Any], str]] = [
    ("jax.jit", lambda x: jax.jit(jnp.sin)(x), "jit"),
    ("jax.jit(f).trace(x) called", _closed_call, "call"),
    ("jax.checkpoint", lambda x: jax.checkpoint(jnp.sin)(x), "remat"),
    ("lax.scan", lambda x: lax.scan(lambda c, _: (jnp.sin(c), c), x, length=2)[0], "scan"),
    ("lax.fori_loop", lambda x: lax.fori_loop(0, 2, lambda i, c: jnp.sin(c), x), "scan"),
    ("lax.while_loop", lambda x: lax.while_loop(lambda c: c < 1, jnp.sin, x), "while"),
    ("lax.cond", lambda x: lax.cond(x > 0, jnp.sin, jnp.cos, x), "cond"),
    ("lax.switch", lambda x: lax.switch(1, [jnp.sin, jnp.cos, jnp.tan], x), "cond"),
    ("jax.custom_jvp", _custom_jvp, "custom_jvp"),
    ("jax.custom_vjp", _custom_vjp, "custom_vjp"),
    ("jax.shard_map", lambda x: _shard_map(x), "shard_map"),
]


def _equations(jaxpr: Any) -> Iterator[Any]:
    for eqn in jaxpr.eqns:
        yield eqn
        for sub in jaxprs.jaxprs_in_params(eqn.params):
            yield from _equations(jaxprs.open_jaxpr(sub)[0])


def _nested(f: Callable[[Any], Any], *transforms: Callable[..., Any]) -> set[Any]:
    """The primitives holding jaxprs in the jaxprs of ``f`` and of its derivatives."""
    x = jnp.float64(0.5)
    programs = [jax.make_jaxpr(f)(x)]
    for t in transforms:
        programs.append(jax.make_jaxpr(t(f))(x))
    return {
        eqn.primitive
        for closed in programs
        for eqn in _equations(jaxprs.open_jaxpr(closed)[0])
        if any(True for _ in jaxprs.jaxprs_in_params(eqn.params))
    }


def _jvp(f: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda x: jax.jvp(f, (x,), (jnp.ones_like(x),))


def _pullback(f: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda x: jax.vjp(f, x)[1](jnp.ones_like(f(x)))


@pytest.mark.parametrize(("construct", "f", "kind"), CONSTRUCTS, ids=[c[0] for c in CONSTRUCTS])
def test_each_construct_gives_a_primitive_the_workbench_knows(construct, f, kind) -> None:
    differentiable = construct not in ("lax.while_loop", "jax.shard_map")
    found = _nested(f, _jvp, *([_pullback] if differentiable else []))
    unknown = sorted(p.name for p in found if regions.region_of(p) is None)
    assert not unknown, (
        f"{VERSION}: {construct} (or its derivative) now appears as the primitive(s) {unknown}, "
        "which workbench/_src/internals/primitives.py does not know: strong zero cannot see "
        "inside them (it warns) and the graph shows them as opaque regions. Add them there."
    )
    kinds = {regions.REGIONS[p].kind for p in _nested(f)}
    if construct == "jax.jit(f).trace(x) called" and not kinds:
        return  # JAX 0.10 inlines a called trace: no equation at all
    assert kind in kinds, f"{VERSION}: {construct} gives regions {kinds}, expected {kind!r}"


def test_strong_zero_reaches_inside_every_nested_primitive_but_shard_map() -> None:
    closed = sorted(p.name for p, r in regions.REGIONS.items() if not r.opens)
    assert closed == [prims.SHARD_MAP.name], f"strong zero cannot open {closed}"


# --------------------------------------------------------------------------------------------
# Parameter layouts


def _is_call(eqn: Any) -> bool:
    region = regions.region_of(eqn.primitive)
    return region is not None and region.call


def _only(closed: Any, primitive: Any) -> Any:
    found = [e for e in _equations(jaxprs.open_jaxpr(closed)[0]) if e.primitive is primitive]
    assert found, f"{VERSION}: no {primitive.name} equation in\n{closed}"
    return found[0]


def test_scan_layout_splits_consts_carry_and_xs() -> None:
    a, b = jnp.ones(3), jnp.ones(3) * 2

    def f(c1, c2, c3, xs):
        def body(carry, x):
            p, q, r = carry
            return (p * a + x, q * b, r + x), (p * x, q)

        return lax.scan(body, (c1, c2, c3), xs, reverse=True)

    xs = jnp.ones((4, 3))
    eqn = _only(jax.make_jaxpr(f)(a, b, a, xs), prims.SCAN)
    layout = params.scan_layout(eqn.params)
    body, _ = jaxprs.open_jaxpr(params.scan_body(eqn.params))
    # Two constants (a, b), three carries, one xs; outputs: three carries, two ys.
    assert layout == (2, 3), f"{VERSION}: scan_layout read {layout}, the scan has 2 consts, 3 carry"
    assert len(eqn.invars) == len(body.invars) == 2 + 3 + 1, f"{VERSION}: scan operands moved"
    assert len(eqn.outvars) == len(body.outvars) == 3 + 2, f"{VERSION}: scan outputs moved"
    options = params.scan_call_options(eqn.params)
    assert options["length"] == 4 and options["reverse"] is True, f"{VERSION}: {options}"
    assert params.loop_length(eqn) == 4


def test_scan_layout_of_a_transposed_scan() -> None:
    """The backward pass's scan (its layout parameters are built by JAX's transpose rule)."""

    def loss(x):
        return jnp.sum(lax.scan(lambda c, w: (jnp.sin(c) * w, c), x, jnp.arange(3.0))[1])

    closed = jax.make_jaxpr(jax.grad(loss))(0.5)
    scans = [e for e in _equations(jaxprs.open_jaxpr(closed)[0]) if e.primitive is prims.SCAN]
    assert len(scans) == 2, f"{VERSION}: expected a forward and a backward scan"
    for eqn in scans:
        nc, nk = params.scan_layout(eqn.params)
        body, _ = jaxprs.open_jaxpr(params.scan_body(eqn.params))
        assert nc + nk <= len(eqn.invars) and nk <= len(body.outvars), (
            f"{VERSION}: scan_layout read {(nc, nk)} for a scan of {len(eqn.invars)} operands"
        )
        # The carry goes round: its outputs have the carry inputs' types.
        carry_in = [v.aval for v in body.invars[nc : nc + nk]]
        carry_out = [v.aval for v in body.outvars[:nk]]
        assert [a.strip_weak_type() for a in carry_in] == [
            a.strip_weak_type() for a in carry_out
        ], f"{VERSION}: scan_layout's carry {carry_in} does not go round as {carry_out}"


def test_an_unknown_scan_layout_says_what_changed() -> None:
    with pytest.raises(JaxInternalsError, match=r"jax .*: scan params have neither num_consts nor"):
        params.scan_layout({"length": 3, "jaxpr": None})
    # The layout of JAX 0.10 is read wherever it appears.
    assert params.scan_layout({"num_consts": 2, "num_carry": 1}) == (2, 1)


def test_while_layout() -> None:
    k, m = jnp.float64(3.0), jnp.float64(2.0)

    def f(x, i):
        return lax.while_loop(lambda c: c[1] < k, lambda c: (c[0] * m, c[1] + 1), (x, i))

    eqn = _only(jax.make_jaxpr(f)(1.0, 0.0), prims.WHILE)
    cn, bn, cond, body = params.while_layout(eqn.params)
    cond_jaxpr, _ = jaxprs.open_jaxpr(cond)
    body_jaxpr, _ = jaxprs.open_jaxpr(body)
    assert (cn, bn) == (1, 1), f"{VERSION}: while_layout read {(cn, bn)} (1 cond and 1 body const)"
    assert len(eqn.invars) == cn + bn + 2 == len(cond_jaxpr.invars) + bn, f"{VERSION}: {eqn}"
    assert len(body_jaxpr.invars) == bn + 2 and len(body_jaxpr.outvars) == 2, f"{VERSION}: {eqn}"


def test_cond_layout() -> None:
    eqn = _only(
        jax.make_jaxpr(lambda x, y: lax.switch(1, [lambda a, b: a, jnp.add, jnp.multiply], x, y))(
            1.0, 2.0
        ),
        prims.COND,
    )
    index, operands = params.split_cond_operands(eqn.invars)
    branches = params.cond_branches(eqn.params)
    assert len(branches) == 3, f"{VERSION}: cond_branches read {len(branches)} of 3 branches"
    assert np.issubdtype(index.aval.dtype, np.integer), f"{VERSION}: a cond's index moved"
    for br in branches:
        assert len(jaxprs.open_jaxpr(br)[0].invars) == len(operands) == 2, f"{VERSION}: {eqn}"


@pytest.mark.parametrize(
    ("construct", "f"),
    [c[:2] for c in CONSTRUCTS if c[2] in ("jit", "call", "remat", "custom_jvp", "custom_vjp")],
    ids=[c[0] for c in CONSTRUCTS if c[2] in ("jit", "call", "remat", "custom_jvp", "custom_vjp")],
)
def test_each_call_evaluates_its_jaxpr_on_all_its_operands(construct, f) -> None:
    x = 0.7
    closed = jax.make_jaxpr(f)(x)
    calls = [e for e in _equations(jaxprs.open_jaxpr(closed)[0]) if _is_call(e)]
    if construct == "jax.jit(f).trace(x) called" and not calls:
        return  # JAX 0.10 inlines a called trace
    assert calls, f"{VERSION}: {construct} no longer gives a call equation:\n{closed}"
    eqn = calls[0]
    jaxpr, consts = jaxprs.open_jaxpr(params.called_jaxpr(eqn))
    assert len(jaxpr.invars) == len(eqn.invars), (
        f"{VERSION}: the jaxpr of {eqn.primitive.name} takes {len(jaxpr.invars)} inputs for its "
        f"{len(eqn.invars)} operands: inlining it (strong zero) would be wrong"
    )
    (out,) = jex.jaxpr_as_fun(jex.ClosedJaxpr(jaxpr, consts))(x)
    np.testing.assert_allclose(out, f(x), err_msg=f"{VERSION}: {construct}'s jaxpr computes else")


def test_named_parameters() -> None:
    from jax.ad_checkpoint import checkpoint_name

    def g(x):
        return jnp.sin(x)

    policy = jax.checkpoint_policies.nothing_saveable

    def f(x):
        y = checkpoint_name(jax.jit(g)(x), "h")
        return jax.checkpoint(jnp.cos, policy=policy)(y)

    closed = jax.make_jaxpr(f)(1.0)
    assert params.jit_name(_only(closed, prims.JIT).params) == "g", f"{VERSION}: jit's name moved"
    name = params.checkpoint_name(_only(closed, prims.CHECKPOINT_NAME).params)
    assert name == "h", f"{VERSION}: checkpoint_name's name moved"
    got = params.remat_policy(_only(closed, prims.REMAT).params)
    assert got is policy, f"{VERSION}: checkpoint's policy moved ({got})"


# --------------------------------------------------------------------------------------------
# Jaxpr classes


def test_jaxpr_classes() -> None:
    one_class = jex.ClosedJaxpr is jex.Jaxpr
    assert one_class == jaxprs.CLOSED_IS_JAXPR
    big = jnp.arange(1000.0)  # a constant, not a literal
    closed = jax.make_jaxpr(lambda x: x * big + 1)(1.0)
    assert jaxprs.is_jaxpr(closed) and not jaxprs.is_jaxpr([closed])
    jaxpr, consts = jaxprs.open_jaxpr(closed)
    assert isinstance(jaxpr, jex.Jaxpr), f"{VERSION}: an opened jaxpr is a {type(jaxpr)}"
    assert len(jaxpr.constvars) == len(consts) == 1 and len(jaxpr.invars) == 1, (
        f"{VERSION}: a jaxpr's constants are no longer its constvars' values "
        f"({len(jaxpr.constvars)} constvars, {len(consts)} consts)"
    )
    # An open jaxpr (remat's parameter) opens to itself, without constants.
    remat = _only(jax.make_jaxpr(jax.checkpoint(jnp.sin))(1.0), prims.REMAT)
    inner = params.called_jaxpr(remat)
    opened, inner_consts = jaxprs.open_jaxpr(inner)
    assert len(inner_consts) == len(opened.constvars) == 0 and len(opened.eqns) == 1, (
        f"{VERSION}: remat's jaxpr opens to {len(opened.constvars)} constvars, "
        f"{len(inner_consts)} consts, {len(opened.eqns)} equations (expected 0, 0, 1)"
    )
    with pytest.raises(TypeError, match="expected a jaxpr"):
        jaxprs.open_jaxpr("not a jaxpr")


def test_new_jaxpr_runs() -> None:
    closed = jax.make_jaxpr(lambda x, y: jnp.sin(x) * y)(1.0, 2.0)
    jaxpr, _ = jaxprs.open_jaxpr(closed)
    built = jaxprs.new_jaxpr(
        jaxpr.invars,
        jaxpr.outvars,
        jaxpr.eqns,
        jaxpr.effects,
        traced_for="test",
        source="here",
        arg_names=["x", "y"],
    )
    (out,) = jex.jaxpr_as_fun(built)(0.5, 3.0)
    np.testing.assert_allclose(out, np.sin(0.5) * 3.0)


# --------------------------------------------------------------------------------------------
# What the lowering leaves in the compiled program (notebook/ir_links.py)


def test_lowered_scope_words() -> None:
    def g(x):
        return jnp.sin(x) * 2

    def f(x):
        y = lax.scan(lambda c, _: (jnp.sin(c) * x, None), x, length=3)[0]
        z = lax.while_loop(lambda c: c < 10, lambda c: c * 2 + jnp.cos(c), y)
        w = lax.cond(z > 0, jnp.exp, jnp.log1p, z)
        v = jax.checkpoint(lambda a: jnp.tanh(a) * a)(w)
        return jax.jit(g)(v)

    text = jax.jit(f).lower(1.0).compile().as_text()
    op_names = set(re.findall(r'op_name="([^"]*)"', text))
    said = {w for name in op_names for w in re.findall(r"[^/()]+", name)}
    expected = {
        "scan and while": lowering.SCOPE_WORDS["scan"] + lowering.SCOPE_WORDS["while"],
        "cond": (*lowering.SCOPE_WORDS["cond"], lowering.cond_branch_word(1)),
        "checkpoint": lowering.SCOPE_WORDS["remat"],
        "a while's parts": tuple(lowering.WHILE_PART_WORDS.values()),
        "jit(g)": (lowering.JIT_WORD, "g"),
    }
    for construct, words in expected.items():
        gone = [w for w in words if w not in said]
        assert not gone, (
            f"{VERSION}: the lowering of {construct} no longer leaves {gone} in op_name "
            f"(it leaves {sorted(said)}): the optimized HLO's links to the graph break"
        )
    lasts = {name.rsplit("/", 1)[-1] for name in op_names}
    for op in lowering.REGION_OPS:
        assert op in lasts, f"{VERSION}: no instruction's op_name ends in {op!r} ({sorted(lasts)})"


def test_a_checkpointed_loop_lowers_to_a_while() -> None:
    """``lowering.SCOPE_WORDS["loop"]`` and ``REGION_OPS``: the ``checkpointed_loop``
    primitive lowers to an HLO ``while`` whose body's instructions say ``while/body``, as a
    scan's do (the IR tabs link them to the loop's region)."""
    import workbench as wb

    def f(x):
        return wb.fori_loop(0, 5, lambda i, c: jnp.sin(c), x, checkpointing=wb.Binomial(2))

    text = jax.jit(f).lower(1.0).compile().as_text()
    op_names = set(re.findall(r'op_name="([^"]*)"', text))
    for part in lowering.WHILE_PART_WORDS.values():
        words = (*lowering.SCOPE_WORDS["loop"], part)
        assert any(all(w in re.findall(r"[^/()]+", n) for w in words) for n in op_names), (
            f"{VERSION}: a checkpointed loop no longer lowers under {words} ({op_names})"
        )
    loop_ops = [op for op, kinds in lowering.REGION_OPS.items() if "loop" in kinds]
    assert loop_ops and any(n.rsplit("/", 1)[-1] in loop_ops for n in op_names), op_names


def test_single_device_sharding_is_spelled_as_this_jax_spells_it():
    """JAX 0.12.1 deprecates ``jax.sharding.SingleDeviceSharding`` (reading it warns) for
    ``is_single_device_sharding``/``make_single_device_sharding``; the workbench reads the new
    names where they exist (``internals/shardings.py``), so nothing warns."""
    import warnings

    import jax.numpy as jnp

    from workbench._src.internals import shardings

    print("this JAX spells it", "the new way" if shardings.NEW_SPELLING else "as a class")
    d = jax.devices()[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = shardings.single_device(d)
        assert shardings.is_single_device(s)
        assert shardings.is_single_device(jax.device_put(jnp.ones(2), d).sharding)
