"""The introspection reports as plain data: what ``wb.inspect`` and ``wb.graph`` return and hold.

``wb.inspect(f, *args)`` returns an ``Inspection``; its parts are the types here (the graph model,
memory, cost, sharding and HLO reports), each with a bounded text ``repr``. The functions build
one report alone, without compiling more than it needs:

>>> import jax.numpy as jnp
>>> from workbench.introspect import graph_from_jaxpr, Graph
>>> import jax
>>> g = graph_from_jaxpr(jax.make_jaxpr(lambda x: jnp.sin(x) * 2)(jnp.ones(3, jnp.float32)))
>>> isinstance(g, Graph), [n.primitive for n in g.nodes if n.kind == "op"]
(True, ['sin', 'mul'])
"""

# The same names as the internal package, which keeps the one list of them (its __all__).
from workbench._src.introspect import *  # noqa: F403
from workbench._src.introspect import __all__ as __all__
