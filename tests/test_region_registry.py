"""The registry of primitives that hold jaxprs (``internals.regions``): a primitive defined here,
registered once, is walked by strong zero, the graph and ``explain_nans`` with no other change.

Oracles: the same functions without the primitive (its jaxpr inlined), the analytic derivative,
what each feature does with the primitive before it is registered, and the kinds of the
registered loops.
"""

from __future__ import annotations

import inspect
import warnings

import jax
import jax.extend.core as jex
import jax.numpy as jnp
import numpy as np
import pytest
from jax.interpreters import ad, batching, mlir

import workbench as wb
from workbench._src.internals import regions
from workbench._src.notebook import graph_widget as gw

# --------------------------------------------------------------------------------------------
# A primitive that evaluates a closed jaxpr; each derivative rule binds it again on a jaxpr built
# from its own, so derivatives keep the primitive too (their 0 * inf is inside it).

my_call_p = jex.Primitive("my_call")
my_call_p.multiple_results = True


def my_call(f, *args):
    closed = jax.make_jaxpr(f)(*args)
    (out,) = my_call_p.bind(*args, jaxpr=closed)
    return out


def _specs(avals):
    return [jax.ShapeDtypeStruct(a.shape, a.dtype) for a in avals]


def _run(*args, jaxpr):
    return jex.jaxpr_as_fun(jaxpr)(*args)


def _jvp(primals, tangents, *, jaxpr):
    tangents = [ad.instantiate_zeros(t) for t in tangents]
    n = len(primals)

    def tangent_out(*a):
        return jax.jvp(jex.jaxpr_as_fun(jaxpr), a[:n], a[n:])[1]

    specs = _specs(jaxpr.in_avals)
    tangent_jaxpr = jax.make_jaxpr(tangent_out)(*specs, *specs)
    outs = my_call_p.bind(*primals, jaxpr=jaxpr)
    return outs, my_call_p.bind(*primals, *tangents, jaxpr=tangent_jaxpr)


def _transpose(cts, *args, jaxpr):
    linear = [ad.is_undefined_primal(a) for a in args]
    known = [a for a, lin in zip(args, linear, strict=True) if not lin]
    cts = [ad.instantiate_zeros(c) for c in cts]
    avals = jaxpr.in_avals
    lin_specs = _specs([a for a, lin in zip(avals, linear, strict=True) if lin])

    def back(*known_and_cts):
        k, c = known_and_cts[: len(known)], known_and_cts[len(known) :]

        def f(*xs):
            it, kt = iter(xs), iter(k)
            return jex.jaxpr_as_fun(jaxpr)(*[next(it) if lin else next(kt) for lin in linear])

        return jax.linear_transpose(f, *lin_specs)(list(c))

    known_specs = _specs([a for a, lin in zip(avals, linear, strict=True) if not lin])
    back_jaxpr = jax.make_jaxpr(back)(*known_specs, *_specs(jaxpr.out_avals))
    outs = iter(my_call_p.bind(*known, *cts, jaxpr=back_jaxpr))
    return [next(outs) if lin else None for lin in linear]


def _batch(args, dims, *, jaxpr):
    size = next(a.shape[d] for a, d in zip(args, dims, strict=True) if d is not None)
    args = [a if d is None else jnp.moveaxis(a, d, 0) for a, d in zip(args, dims, strict=True)]
    axes = [None if d is None else 0 for d in dims]
    specs = [
        jax.ShapeDtypeStruct(a.shape if d is None else (size, *a.shape), a.dtype)
        for a, d in zip(jaxpr.in_avals, dims, strict=True)
    ]
    batched = jax.make_jaxpr(jax.vmap(jex.jaxpr_as_fun(jaxpr), in_axes=axes))(*specs)
    outs = my_call_p.bind(*args, jaxpr=batched)
    return outs, [0] * len(outs)


my_call_p.def_impl(_run)
my_call_p.def_abstract_eval(lambda *avals, jaxpr: list(jaxpr.out_avals))
mlir.register_lowering(my_call_p, mlir.lower_fun(_run, multiple_results=True))
ad.primitive_jvps[my_call_p] = _jvp
ad.primitive_transposes[my_call_p] = _transpose
batching.primitive_batchers[my_call_p] = _batch

MY_REGION = regions.Region(
    "my_region", regions.only_jaxpr(lambda eqn: eqn.params["jaxpr"]), call=True
)


@pytest.fixture
def registered():
    """The one registration (undone after the test, so that other tests see JAX's own)."""
    regions.register(my_call_p, MY_REGION)
    yield
    del regions.REGIONS[my_call_p]


def line_of(fn, text):
    lines, start = inspect.getsourcelines(fn)
    return start + next(k for k, line in enumerate(lines) if text in line)


# --------------------------------------------------------------------------------------------
# Strong zero


def min_recip(x):
    return jnp.minimum(1.0, 1.0 / x)


def inside(x):
    return my_call(min_recip, x)


SZ_MODES = [wb.set_strong_zero(wb.Reverse), wb.set_strong_zero(wb.Forward)]


@pytest.mark.parametrize("mode", SZ_MODES, ids=repr)
def test_strong_zero_reaches_inside_the_registered_primitive(mode, registered):
    plain = wb.Reverse if mode.is_reverse else wb.Forward
    assert np.isnan(wb.gradient(plain, inside, 0.0)[0]), "the plain gradient must be NaN"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "strong zero cannot look inside" warning
        got = wb.jit(lambda x: wb.gradient(mode, inside, x)[0])(0.0)
    # Oracle: the same function without the primitive.
    assert got == wb.gradient(mode, min_recip, 0.0)[0] == 0.0
    assert np.signbit(got) == np.signbit(wb.gradient(mode, min_recip, 0.0)[0])
    # Away from 0: the analytic derivative of 1/x.
    np.testing.assert_allclose(wb.gradient(mode, inside, 2.0)[0], -0.25, rtol=1e-6)


def test_strong_zero_without_the_registration_cannot_reach_inside():
    """What the registration changes: unregistered, the primitive is evaluated as it is."""
    with pytest.warns(UserWarning, match="cannot look inside the primitive 'my_call'"):
        got = wb.gradient(wb.set_strong_zero(wb.Reverse), inside, 0.0)[0]
    assert np.isnan(got)


# --------------------------------------------------------------------------------------------
# The graph


def sin_twice(x):
    return my_call(lambda y: (jnp.sin(y) * 2.0).sum(), x)


def test_the_graph_nests_the_equations_in_a_region_of_the_registered_kind(registered):
    x = jnp.arange(3.0)
    graph = wb.inspect(sin_twice, x, mode=wb.Reverse, runs=0).graph
    kinds = {r.id: r.kind for r in graph.regions}
    mine = {rid for rid, kind in kinds.items() if kind == "my_region"}
    # The primal call, its tangent's and its transpose's (each rule binds the primitive).
    assert mine, kinds
    inner = sorted(n.primitive for n in graph.nodes if n.kind == "op" and n.region in mine)
    outside = {n.primitive for n in graph.nodes if n.kind == "op" and n.region not in mine}
    # Oracle: the ops of the function's own jaxpr are inside, none is outside.
    assert {"sin", "mul"} <= set(inner)
    assert not outside & {"sin", "cos"}, outside
    assert "my_call" not in {n.primitive for n in graph.nodes}


# --------------------------------------------------------------------------------------------
# explain_nans


def sqrt_inside(x):
    return my_call(lambda y: jnp.sqrt(y - 2.0) * 3.0, x)


def sqrt_plain(x):
    return jnp.sqrt(x - 2.0) * 3.0


def test_explain_nans_finds_a_nan_made_inside_at_the_users_line(registered):
    report = wb.explain_nans(sqrt_inside, jnp.float32(1.0), mode=wb.Reverse)
    assert report.origin is not None
    assert report.origin.line == line_of(sqrt_inside, "jnp.sqrt(y - 2.0)")
    # Oracle: the same search without the primitive.
    plain = wb.explain_nans(sqrt_plain, jnp.float32(1.0), mode=wb.Reverse)
    assert (
        (report.origin.primitive, report.origin.kind, report.origin.phase)
        == (
            plain.origin.primitive,
            plain.origin.kind,
            plain.origin.phase,
        )
        == ("sqrt", "nan", plain.origin.phase)
    )
    # Its node is inside a region of the registered kind in the graph of the program searched.
    graph = report.graph().model
    kinds = {r.id: r.kind for r in graph.regions}
    region = next((n.region for n in graph.nodes if n.id == report.origin.node), None)
    assert kinds.get(region) == "my_region", (report.origin.node, kinds)


# --------------------------------------------------------------------------------------------
# The loop kinds the front end reads


def test_the_loop_kinds_sent_to_the_front_end_are_the_registrys():
    data = wb.graph(lambda x: jax.lax.fori_loop(0, 2, lambda i, c: c * 2.0, x), 1.0).graph
    assert data["loop_kinds"] == sorted(regions.loop_kinds())
    # Oracle: the kinds of the loops registered (JAX's scan and while, the workbench's loop).
    assert (
        set(data["loop_kinds"])
        == {r.kind for p, r in regions.REGIONS.items() if r.loop}
        >= {"scan", "while", "loop"}
    )
    assert gw.loop_kinds() == regions.loop_kinds()
