"""Introspection: IR stages, the forward/backward graph, memory and cost, as plain data.

Data flows one way: ``ad`` (transformations) -> ``introspect`` (this package: data) -> ``notebook``
(views). Nothing here displays anything; every type has a bounded text ``repr``.
"""

from workbench._src.introspect.cost import Cost as Cost
from workbench._src.introspect.cost import Timing as Timing
from workbench._src.introspect.cost import cost_report as cost_report
from workbench._src.introspect.graph import Edge as Edge
from workbench._src.introspect.graph import Graph as Graph
from workbench._src.introspect.graph import Node as Node
from workbench._src.introspect.graph import Region as Region
from workbench._src.introspect.graph import graph_from_jaxpr as graph_from_jaxpr
from workbench._src.introspect.hlo import Collective as Collective
from workbench._src.introspect.hlo import HloOp as HloOp
from workbench._src.introspect.hlo import HloProgram as HloProgram
from workbench._src.introspect.hlo import hlo_ops as hlo_ops
from workbench._src.introspect.inspection import Inspection as Inspection
from workbench._src.introspect.inspection import code_hlo as code_hlo
from workbench._src.introspect.inspection import code_xla as code_xla
from workbench._src.introspect.inspection import inspect as inspect
from workbench._src.introspect.memory import CompiledMemory as CompiledMemory
from workbench._src.introspect.memory import LoopResiduals as LoopResiduals
from workbench._src.introspect.memory import MemoryReport as MemoryReport
from workbench._src.introspect.memory import Residual as Residual
from workbench._src.introspect.memory import memory_report as memory_report
from workbench._src.introspect.memory import residuals as residuals
from workbench._src.introspect.sharding import ArrayLayout as ArrayLayout
from workbench._src.introspect.sharding import ShardingReport as ShardingReport
from workbench._src.introspect.sharding import sharding_report as sharding_report
from workbench._src.introspect.stages import IRText as IRText
from workbench._src.introspect.stages import backward_jaxpr as backward_jaxpr
from workbench._src.introspect.structure import Aval as Aval

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
    "code_hlo",
    "code_xla",
    "cost_report",
    "graph_from_jaxpr",
    "hlo_ops",
    "inspect",
    "memory_report",
    "residuals",
    "sharding_report",
]
