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

from workbench._src.introspect import ArrayLayout as ArrayLayout
from workbench._src.introspect import Aval as Aval
from workbench._src.introspect import Collective as Collective
from workbench._src.introspect import CompiledMemory as CompiledMemory
from workbench._src.introspect import Cost as Cost
from workbench._src.introspect import Edge as Edge
from workbench._src.introspect import Graph as Graph
from workbench._src.introspect import HloOp as HloOp
from workbench._src.introspect import HloProgram as HloProgram
from workbench._src.introspect import Inspection as Inspection
from workbench._src.introspect import IRText as IRText
from workbench._src.introspect import LoopResiduals as LoopResiduals
from workbench._src.introspect import MemoryReport as MemoryReport
from workbench._src.introspect import Node as Node
from workbench._src.introspect import Region as Region
from workbench._src.introspect import Residual as Residual
from workbench._src.introspect import ShardingReport as ShardingReport
from workbench._src.introspect import Timing as Timing
from workbench._src.introspect import backward_jaxpr as backward_jaxpr
from workbench._src.introspect import cost_report as cost_report
from workbench._src.introspect import graph_from_jaxpr as graph_from_jaxpr
from workbench._src.introspect import hlo_ops as hlo_ops
from workbench._src.introspect import memory_report as memory_report
from workbench._src.introspect import residuals as residuals
from workbench._src.introspect import sharding_report as sharding_report

__all__ = [
    "ArrayLayout",
    "Aval",
    "Collective",
    "CompiledMemory",
    "Cost",
    "Edge",
    "Graph",
    "HloOp",
    "HloProgram",
    "IRText",
    "Inspection",
    "LoopResiduals",
    "MemoryReport",
    "Node",
    "Region",
    "Residual",
    "ShardingReport",
    "Timing",
    "backward_jaxpr",
    "cost_report",
    "graph_from_jaxpr",
    "hlo_ops",
    "memory_report",
    "residuals",
    "sharding_report",
]
