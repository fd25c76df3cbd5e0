"""``explain_nans`` on the cases it misjudged or crashed on (issue 26 item 4, issue 22 item 8):
an inf that comes in through an argument, a custom_vjp's backward rule, JAX's own NaN debugging
switched on, ``jax.disable_jit``, a NaN made inside an installed library, and the loop named for
every checkpointing scheme."""

from __future__ import annotations

import inspect
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import workbench as wb

HERE = __file__


def line_of(marker: str) -> int:
    """The line of this file that holds ``marker`` (a comment), for the reports' lines."""
    lines = Path(HERE).read_text().splitlines()
    (n,) = [i + 1 for i, text in enumerate(lines) if marker in text and "line_of" not in text]
    return n


def test_an_inf_that_comes_in_through_an_argument_is_named_with_its_element():
    report = wb.explain_nans(lambda x: jnp.sum(x - x), jnp.array([jnp.inf, 1.0]), mode=None)
    assert report.origin.primitive == "sub" and report.origin.values() == "inf - inf"
    assert report.inf_origin is None and report.entered == ("x[0]", "inf")
    assert "the inf it met came in through the argument x[0]: x[0] = inf" in str(report)
    assert report.to_json()["entered"] == ["x[0]", "inf"]


def test_a_nan_passed_in_is_named_too_in_a_pytree_argument():
    params = {"a": jnp.ones(2), "b": jnp.array([[1.0, 2.0], [3.0, jnp.nan]])}
    report = wb.explain_nans(lambda p: jnp.sum(p["a"]) + jnp.sum(p["b"]), params, mode=None)
    assert report.origin is None and report.entered == ("p['b'][1, 1]", "nan")
    assert "no equation made it: it came in through the argument p['b'][1, 1]" in str(report)


def test_an_inf_made_by_an_equation_is_not_blamed_on_the_arguments():
    report = wb.explain_nans(lambda x: jnp.sum(jnp.log(x) * 0.0), jnp.array([0.0, 1.0]), mode=None)
    assert report.inf_origin.primitive == "log" and report.entered is None


@pytest.mark.parametrize("mode", [wb.Reverse, wb.ReverseWithPrimal], ids=repr)
def test_a_custom_vjp_whose_backward_rule_makes_the_nan(mode):
    @jax.custom_vjp
    def f(x):
        return jnp.sin(x)

    f.defvjp(lambda x: (jnp.sin(x), x), lambda x, g: (g * jnp.sqrt(-x),))
    report = wb.explain_nans(lambda x: jnp.sum(f(x)), jnp.array([1.0, 2.0]), mode=mode)
    assert report.origin.primitive == "sqrt" and report.origin.phase == "backward"
    assert report.origin.values() == "sqrt(-1.0)"
    text = str(report)  # the report renders (it raised AttributeError on a None origin)
    assert "sqrt made a NaN from sqrt(-1.0)" in text and report.origin.source is not None


def test_a_backward_rule_that_returns_a_nan_directly_does_not_crash():
    @jax.custom_vjp
    def f(x):
        return jnp.sin(x)

    f.defvjp(lambda x: (jnp.sin(x), x), lambda x, g: (jnp.full_like(x, jnp.nan),))
    report = wb.explain_nans(lambda x: jnp.sum(f(x)), jnp.array([1.0, 2.0]), mode=wb.Reverse)
    assert report.found and "derivative of x (nan)" in str(report)
    report._repr_html_()
    report.to_json()


def test_jax_debug_nans_on_does_not_stop_the_search_and_stays_on():
    f = lambda x: jnp.sum(jnp.log(x) * 0.0)
    with jax.debug_nans(True):
        report = wb.explain_nans(f, jnp.array([0.0, 1.0]), mode=wb.Reverse)
        assert jax.config.jax_debug_nans  # the user's setting, as it was
        with pytest.raises(FloatingPointError):  # and still in force outside the search
            jax.jit(f)(jnp.array([0.0, 1.0]))
    assert report.origin.primitive == "mul" and report.inf_origin.primitive == "log"
    assert not jax.config.jax_debug_nans


def test_jax_debug_infs_on_does_not_stop_the_search():
    with jax.debug_infs(True):
        report = wb.explain_nans(lambda x: jnp.sum(jnp.exp(x)), jnp.array([1000.0]), mode=None)
        assert jax.config.jax_debug_infs
    assert report.origin.primitive == "exp" and report.origin.kind == "inf"


def test_under_disable_jit_explain_nans_compile_and_inspect_work():
    f = lambda x: jnp.sum(jnp.log(x))
    x = jnp.array([0.0, 2.0])
    with jax.disable_jit():
        report = wb.explain_nans(f, x, mode=wb.Reverse)
        compiled = wb.compile(f, jnp.array([1.0, 2.0]))
        ins = wb.inspect(f, jnp.array([1.0, 2.0]), mode=wb.Reverse)
        graph = wb.graph(f, x, mode=wb.Reverse, nans=True)
        assert jax.config.jax_disable_jit  # the user's setting, as it was
    assert report.origin.primitive == "log" and report.origin.kind == "inf"
    np.testing.assert_allclose(float(compiled(jnp.array([1.0, 2.0]))), np.log(2.0), rtol=1e-6)
    assert ins.graph.count("ops")["backward"] > 0
    assert graph.report.origin.primitive == "log"


def test_a_nan_made_inside_an_installed_library_names_the_users_line_too():
    eqx = pytest.importorskip("equinox")
    lin = eqx.nn.Linear(3, 2, key=jax.random.key(0))
    lin = eqx.tree_at(lambda m: m.weight, lin, lin.weight.at[0, 0].set(jnp.inf))

    def loss(x):
        return jnp.sum(lin(x))  # mark: library call

    report = wb.explain_nans(loss, jnp.zeros(3), mode=None)
    o = report.origin
    assert o.primitive == "dot_general" and "equinox" in o.source
    assert o.caller is not None and o.caller.startswith(f"{HERE}:{line_of('# mark: library call')}")
    assert o.caller.endswith("loss)")
    assert f"called from your line {o.caller}" in str(report)


def test_a_nan_made_in_the_users_own_code_has_no_caller():
    report = wb.explain_nans(lambda x: jnp.sum(jnp.log(x)), jnp.array([-1.0]), mode=None)
    assert report.origin.caller is None and "called from" not in str(report)


SCHEMES = [False, True, wb.Binomial(3), wb.Periodic(4)]


@pytest.mark.parametrize("scheme", SCHEMES, ids=repr)
@pytest.mark.parametrize("mode", [None, wb.Reverse], ids=repr)
def test_the_loop_is_named_for_every_checkpointing_scheme(scheme, mode):
    def run(x):
        body = lambda k, c: jnp.where(k == 7, jnp.log(c - c), c * 1.01)
        return jnp.sum(wb.fori_loop(0, 20, body, x, checkpointing=scheme))  # mark: loop

    report = wb.explain_nans(run, jnp.ones(3), mode=mode)
    # The -inf is made at step 7, where the where takes log(c - c) = log(0) (at every other
    # step log(0) is made too and dropped by the where: steps are checked at their boundaries,
    # so the step that passes it on is the one named). The primal's origin is that inf; a
    # derivative's NaN (-inf - -inf, where the -inf carried on meets itself) names it as the inf
    # the NaN met.
    o = report.origin if mode is None else report.inf_origin
    assert o.primitive == "log" and o.kind == "inf" and o.iteration == 7
    assert o.loop is not None and o.loop.startswith(f"{HERE}:{line_of('# mark: loop')}:")
    assert o.loop.endswith("run)")
    if mode is not None:
        assert report.origin.kind == "nan" and report.origin.primitive == "sub"
        assert report.origin.operands == (-np.inf, -np.inf)


def test_the_signature_keeps_mode_a_keyword():
    assert (
        inspect.signature(wb.explain_nans).parameters["mode"].kind is inspect.Parameter.KEYWORD_ONLY
    )


def test_a_nan_made_by_a_custom_vjp_backward_rule_names_the_rule_and_its_line() -> None:
    """Issue 26: JAX traces a custom_vjp's bwd under the call's source line, so the report named
    only the caller's line; it now names the backward rule (function and file:line) too."""
    import inspect as _inspect

    @jax.custom_vjp
    def f(x: jax.Array) -> jax.Array:
        return jnp.sin(x)

    def f_fwd(x: jax.Array) -> tuple[jax.Array, jax.Array]:
        return jnp.sin(x), x

    def f_bwd(x: jax.Array, g: jax.Array) -> tuple[jax.Array]:
        return (g * jnp.log(x - 10.0),)

    f.defvjp(f_fwd, f_bwd)
    report = wb.explain_nans(lambda x: jnp.sum(f(x)), jnp.ones(3), mode=wb.Reverse)
    o = report.origin
    assert o is not None and (o.primitive, o.phase) == ("log", "backward")
    line = _inspect.getsourcelines(f_bwd)[1]
    assert o.rule is not None and o.rule.startswith("f_bwd at ")
    assert o.rule.endswith(f"test_explain_nans_cases.py:{line}"), o.rule
    assert f"in the backward rule {o.rule} of the jax.custom_vjp called on this line" in str(report)
    # The primal's own NaN (no rule involved) names none.
    primal = wb.explain_nans(lambda x: jnp.sum(jnp.log(x - 10.0)), jnp.ones(3), mode=wb.Reverse)
    assert primal.origin is not None and primal.origin.rule is None
