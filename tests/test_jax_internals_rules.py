"""The JAX internals the checkpointed loop's rules rest on (``workbench._src.internals.rules``).

Each test checks one assumption and fails naming it and the installed JAX, so that a JAX release
that moves it is caught here, before a derivative through a checkpointed loop changes.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from workbench._src.internals import rules

VERSION = f"jax {jax.__version__}"


def test_rule_registries_exist() -> None:
    from jax.interpreters import ad, batching, mlir
    from jax.interpreters import partial_eval as pe

    for module, names in [
        (
            ad,
            [
                "primitive_jvps",
                "primitive_transposes",
                "Zero",
                "UndefinedPrimal",
                "zeros_like_aval",
                "instantiate_zeros",
                "is_undefined_primal",
            ],
        ),
        (batching, ["primitive_batchers"]),
        (mlir, ["register_lowering", "lower_fun"]),
        (
            pe,
            [
                "custom_partial_eval_rules",
                "partial_eval_jaxpr_custom_rules",
                "dce_jaxpr",
                "JaxprTracer",
            ],
        ),
        (
            jax.extend.core,
            [
                "Primitive",
                "ClosedJaxpr",
                "jaxpr_as_fun",
                "new_jaxpr_eqn",
                "Var",
                "DropVar",
                "set_current_trace",
            ],
        ),
    ]:
        missing = [n for n in names if not hasattr(module, n)]
        assert not missing, f"{VERSION}: {module.__name__} no longer has {missing}"


def test_partial_eval_splits_known_and_unknown_with_residuals_first() -> None:
    """``partial_eval_jaxpr``: known takes the known inputs and returns the known outputs then
    the residuals; unknown takes the residuals then the unknown inputs."""
    closed = jax.make_jaxpr(lambda a, b: (jnp.cos(a), jnp.sin(a) * b))(1.0, 2.0)
    known, unknown, out_uk, res = rules.partial_eval_jaxpr(closed, [False, True], False)
    assert out_uk == [False, True], f"{VERSION}: out_unknowns {out_uk}"
    assert len(known.in_avals) == 1 and len(known.out_avals) == 1 + len(res), (
        f"{VERSION}: the known jaxpr is no longer (known inputs) -> (known outputs, residuals)"
    )
    a, b = 0.3, 2.0
    outs = rules.jaxpr_as_fun(known)(a)
    (product,) = rules.jaxpr_as_fun(unknown)(*outs[1:], b)
    np.testing.assert_allclose(outs[0], np.cos(a), rtol=1e-6)
    np.testing.assert_allclose(
        product,
        np.sin(a) * b,
        rtol=1e-6,
        err_msg=(f"{VERSION}: the unknown jaxpr no longer takes (residuals, unknown inputs)"),
    )


def test_dependent_outputs_follow_each_primitives_rule() -> None:
    """A JVP's primal outputs do not depend on its tangents, even through a nested loop."""

    def jvp_of_loop(x, dx):
        f = lambda x: jax.lax.fori_loop(0, 3, lambda i, y: jnp.sin(y), x)
        return jax.jvp(f, (x,), (dx,))

    closed = jax.make_jaxpr(jvp_of_loop)(1.0, 1.0)
    assert rules.dependent_outputs(closed, [False, True]) == [False, True], VERSION


def test_a_custom_partial_eval_rule_serves_jax_vjp() -> None:
    """jax.vjp linearizes a primitive without a linearization rule by its JVP, partially
    evaluated with ``pe.custom_partial_eval_rules``; the loop's rule relies on being asked."""
    calls = []
    probe = rules.Primitive("workbench_probe")
    probe.multiple_results = True

    def partial_eval(trace, *tracers, **params):
        calls.append([rules.known_value(t) is not None for t in tracers])
        return rules.stage(trace, probe, tracers, params)

    rules.register_rules(
        probe,
        impl=lambda x, dx: [x * dx],
        abstract_eval=lambda x, dx: ([x], set()),
        lowering=lambda x, dx: [x * dx],
        jvp=lambda p, t: (probe.bind(*p), [probe.bind(p[0], rules.instantiate(t[1]))[0]]),
        transpose=lambda cts, x, dx: [None, cts[0] * x],
        batch=lambda args, dims: (probe.bind(*args), [dims[0]]),
        partial_eval=partial_eval,
    )
    f = lambda x: probe.bind(3.0, x)[0]
    _, pullback = jax.vjp(f, 2.0)
    assert calls, f"{VERSION}: jax.vjp no longer calls pe.custom_partial_eval_rules"
    assert [True, False] in calls, f"{VERSION}: known/unknown tracers as {calls}"
    np.testing.assert_allclose(pullback(1.0)[0], 3.0)


def test_transpose_rules_get_undefined_primals_and_symbolic_zeros() -> None:
    seen = {}
    probe = rules.Primitive("workbench_probe_transpose")

    def transpose(ct, x, y):
        seen["linear"] = [rules.is_undefined(x), rules.is_undefined(y)]
        seen["ct_is_array"] = not rules.is_zero(ct)
        return [ct * y, None]

    probe.def_impl(lambda x, y: x * y)
    probe.def_abstract_eval(lambda x, y: x)
    from jax.interpreters import ad

    ad.deflinear2  # noqa: B018 - present in every version checked
    ad.primitive_transposes[probe] = transpose
    ad.primitive_jvps[probe] = lambda p, t: (probe.bind(*p), probe.bind(t[0], p[1]))
    jax.grad(lambda x: probe.bind(x, 4.0))(2.0)
    assert seen["linear"] == [True, False], f"{VERSION}: {seen}"


@pytest.mark.parametrize("value", [1.0, 3, np.float32(2.0)])
def test_aval_of_values_and_literals(value) -> None:
    aval = rules.aval_of(value)
    assert aval.shape == () and aval.dtype == jnp.asarray(value).dtype, VERSION
    assert rules.scalar_aval(jnp.int32).dtype == jnp.int32


def test_closed_jaxpr_round_trip() -> None:
    closed = jax.make_jaxpr(lambda x: x * jnp.arange(3.0))(1.0)
    jaxpr, consts = rules.open_jaxpr(closed)
    again = rules.close(jaxpr, consts)
    np.testing.assert_allclose(rules.jaxpr_as_fun(again)(2.0)[0], [0.0, 2.0, 4.0])
