"""The JAX internal the checkpointed loop's dead-code rule rests on: ``pe.dce_jaxpr`` consults
``pe.dce_rules[primitive](used_outputs, eqn)`` and takes its ``(used_inputs, new equation or
None)``. A JAX release that changes that contract fails here, naming it, before a loop keeps
(or loses) carries silently."""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax.interpreters import partial_eval as pe

from workbench._src.internals import rules

VERSION = f"jax {jax.__version__}"


def test_dce_jaxpr_calls_a_registered_rule_and_takes_its_answer() -> None:
    prim = rules.Primitive("wb_test_two_outputs")
    prim.multiple_results = True
    prim.def_impl(lambda a, b: [a * 2.0, b * 3.0])
    prim.def_abstract_eval(lambda a, b: [a, b])
    calls = []

    def rule(used_outputs, eqn):
        calls.append(list(used_outputs))
        if used_outputs[1]:
            return [True, True], eqn
        new = rules.new_eqn(eqn.invars[:1], eqn.outvars[:1], single, {}, eqn.effects, eqn)
        return [True, False], new

    single = rules.Primitive("wb_test_one_output")
    single.multiple_results = True
    single.def_impl(lambda a: [a * 2.0])
    single.def_abstract_eval(lambda a: [a])
    rules.register_dce(prim, rule)
    try:
        closed = jax.make_jaxpr(lambda a, b: prim.bind(a, b)[0])(jnp.ones(2), jnp.ones(3))
        pruned, _ = rules.dce(closed, [True])
        used = rules.used_inputs(closed, [True])
    finally:
        del pe.dce_rules[prim]
    assert calls and calls[0] == [True, False], f"{VERSION}: dce_rules gets (used_outputs, eqn)"
    names = [e.primitive.name for e in pruned.jaxpr.eqns]
    assert names == ["wb_test_one_output"], f"{VERSION}: dce_jaxpr takes the rule's equation"
    assert used == [True, False], f"{VERSION}: dce_jaxpr takes the rule's used inputs"


def test_the_checkpointed_loop_has_a_dce_rule() -> None:
    import workbench  # noqa: F401  (registers)
    from workbench._src.loops.binding import checkpointed_loop_p

    assert checkpointed_loop_p in pe.dce_rules, f"{VERSION}: pe.dce_rules moved"
