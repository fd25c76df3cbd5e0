"""Workbench: a Jupyter-first workbench for differentiable programming on JAX.

The API follows Reactant.jl + Enzyme.jl (modes, activities, ``autodiff``, ``gradient``), returned
functionally. Importing the workbench turns on ``jax_enable_x64`` so that float64 stays float64,
as in Julia.
"""

import jax as _jax

_jax.config.update("jax_enable_x64", True)

from workbench._src.ad.activities import Active as Active  # noqa: E402
from workbench._src.ad.activities import BatchDuplicated as BatchDuplicated  # noqa: E402
from workbench._src.ad.activities import Const as Const  # noqa: E402
from workbench._src.ad.activities import Duplicated as Duplicated  # noqa: E402
from workbench._src.ad.autodiff import autodiff as autodiff  # noqa: E402
from workbench._src.ad.basis import onehot as onehot  # noqa: E402
from workbench._src.ad.gradient import GradientResult as GradientResult  # noqa: E402
from workbench._src.ad.gradient import gradient as gradient  # noqa: E402
from workbench._src.ad.gradient import jacobian as jacobian  # noqa: E402
from workbench._src.ad.ignore import ignore_derivatives as ignore_derivatives  # noqa: E402
from workbench._src.ad.modes import Forward as Forward  # noqa: E402
from workbench._src.ad.modes import ForwardWithPrimal as ForwardWithPrimal  # noqa: E402
from workbench._src.ad.modes import Mode as Mode  # noqa: E402
from workbench._src.ad.modes import Reverse as Reverse  # noqa: E402
from workbench._src.ad.modes import ReverseWithPrimal as ReverseWithPrimal  # noqa: E402
from workbench._src.ad.modes import set_strong_zero as set_strong_zero  # noqa: E402
from workbench._src.arrays import to_rarray as to_rarray  # noqa: E402
from workbench._src.compile import Compiled as Compiled  # noqa: E402
from workbench._src.compile import compile as compile  # noqa: E402
from workbench._src.compile import jit as jit  # noqa: E402
from workbench._src.errors import ActivityError as ActivityError  # noqa: E402
from workbench._src.errors import CompiledCallError as CompiledCallError  # noqa: E402
from workbench._src.errors import ModeError as ModeError  # noqa: E402
from workbench._src.errors import NotDifferentiableError as NotDifferentiableError  # noqa: E402
from workbench._src.errors import OutputError as OutputError  # noqa: E402
from workbench._src.errors import TracedValueError as TracedValueError  # noqa: E402
from workbench._src.errors import WorkbenchError as WorkbenchError  # noqa: E402
from workbench._src.introspect import Inspection as Inspection  # noqa: E402
from workbench._src.introspect import IRText as IRText  # noqa: E402
from workbench._src.introspect import code_hlo as code_hlo  # noqa: E402
from workbench._src.introspect import code_xla as code_xla  # noqa: E402
from workbench._src.introspect import inspect as inspect  # noqa: E402
from workbench._src.loops.api import fori_loop as fori_loop  # noqa: E402
from workbench._src.loops.api import while_loop as while_loop  # noqa: E402
from workbench._src.loops.schedules import Schedule as Schedule  # noqa: E402
from workbench._src.loops.schedules import checkpoint_schedule as checkpoint_schedule  # noqa: E402
from workbench._src.loops.schemes import Binomial as Binomial  # noqa: E402
from workbench._src.loops.schemes import CheckpointingError as CheckpointingError  # noqa: E402
from workbench._src.loops.schemes import MemoryBudget as MemoryBudget  # noqa: E402
from workbench._src.loops.schemes import Periodic as Periodic  # noqa: E402
from workbench._src.loops.tradeoffs import Tradeoffs as Tradeoffs  # noqa: E402
from workbench._src.loops.tradeoffs import tradeoffs as tradeoffs  # noqa: E402
from workbench._src.notebook.api import graph as graph  # noqa: E402
from workbench._src.notebook.api import tradeoff_explorer as tradeoff_explorer  # noqa: E402

__version__ = "0.1.0.dev0"


def load_ipython_extension(ipython: object) -> None:
    """``%load_ext workbench``: registers the ``%%reactant`` and ``%reactant`` magics."""
    from workbench._src.notebook.magic import load_ipython_extension as load

    load(ipython)


__all__ = [
    "Active",
    "ActivityError",
    "BatchDuplicated",
    "Binomial",
    "CheckpointingError",
    "Compiled",
    "CompiledCallError",
    "Const",
    "Duplicated",
    "Forward",
    "ForwardWithPrimal",
    "GradientResult",
    "IRText",
    "Inspection",
    "MemoryBudget",
    "Mode",
    "ModeError",
    "NotDifferentiableError",
    "OutputError",
    "Periodic",
    "Reverse",
    "ReverseWithPrimal",
    "Schedule",
    "TracedValueError",
    "Tradeoffs",
    "WorkbenchError",
    "autodiff",
    "checkpoint_schedule",
    "code_hlo",
    "code_xla",
    "compile",
    "fori_loop",
    "gradient",
    "graph",
    "ignore_derivatives",
    "inspect",
    "jacobian",
    "jit",
    "onehot",
    "set_strong_zero",
    "to_rarray",
    "tradeoff_explorer",
    "tradeoffs",
    "while_loop",
]
