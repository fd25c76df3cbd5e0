"""What ``internals/params.called_function`` reads: the name JAX's debug info gives the function
a call equation evaluates (``custom_vjp_call``'s ``call_jaxpr``: closed up to JAX 0.10, open from
0.11). If this fails, JAX moved ``debug_info.func_src_info``; the custom_vjp message in forward
mode (``ad/derivatives.py``) then names only the line of the call."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from workbench._src.internals import params
from workbench._src.internals import primitives as prims


@jax.custom_vjp
def clipped(x):
    return jnp.sin(x)


clipped.defvjp(lambda x: (jnp.sin(x), x), lambda x, g: (g,))


def test_a_custom_vjp_call_names_its_function_and_where_it_is_defined() -> None:
    (eqn,) = jax.make_jaxpr(clipped)(1.0).jaxpr.eqns
    assert eqn.primitive is prims.CUSTOM_VJP
    name = params.called_function(eqn)
    assert name is not None, f"jax {jax.__version__}: no func_src_info on the called jaxpr"
    assert name.startswith("clipped at ") and "test_jax_internals_names.py:" in name, name
