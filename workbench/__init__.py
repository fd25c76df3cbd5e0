"""Workbench: a Jupyter-first workbench for differentiable programming on JAX.

The API follows Reactant.jl + Enzyme.jl (modes, activities, ``autodiff``, ``gradient``), returned
functionally. Importing the workbench changes no JAX configuration: it works the same with
``jax_enable_x64`` on or off. For float64 as in Julia, turn it on at the top of the program:
``jax.config.update("jax_enable_x64", True)``.
"""

from workbench import introspect as introspect  # the reports' types, public
from workbench import schedules as schedules  # a checkpoint schedule's actions, public
from workbench._src.ad.activities import Active as Active
from workbench._src.ad.activities import BatchDuplicated as BatchDuplicated
from workbench._src.ad.activities import Const as Const
from workbench._src.ad.activities import Duplicated as Duplicated
from workbench._src.ad.autodiff import autodiff as autodiff
from workbench._src.ad.basis import onehot as onehot
from workbench._src.ad.gradient import GradientResult as GradientResult
from workbench._src.ad.gradient import gradient as gradient
from workbench._src.ad.gradient import jacobian as jacobian
from workbench._src.ad.ignore import ignore_derivatives as ignore_derivatives
from workbench._src.ad.modes import Forward as Forward
from workbench._src.ad.modes import ForwardWithPrimal as ForwardWithPrimal
from workbench._src.ad.modes import Mode as Mode
from workbench._src.ad.modes import Reverse as Reverse
from workbench._src.ad.modes import ReverseWithPrimal as ReverseWithPrimal
from workbench._src.ad.modes import set_strong_zero as set_strong_zero
from workbench._src.arrays import PrecisionWarning as PrecisionWarning
from workbench._src.arrays import to_rarray as to_rarray
from workbench._src.compile import Compiled as Compiled
from workbench._src.compile import compile as compile
from workbench._src.compile import jit as jit
from workbench._src.debug.check_gradient import GradientCheck as GradientCheck
from workbench._src.debug.check_gradient import check_gradient as check_gradient
from workbench._src.debug.nans import NanReport as NanReport
from workbench._src.debug.nans import explain_nans as explain_nans
from workbench._src.errors import ActivityError as ActivityError
from workbench._src.errors import ArgumentError as ArgumentError
from workbench._src.errors import CompiledCallError as CompiledCallError
from workbench._src.errors import ModeError as ModeError
from workbench._src.errors import NotCallableError as NotCallableError
from workbench._src.errors import NotDifferentiableError as NotDifferentiableError
from workbench._src.errors import OptionError as OptionError
from workbench._src.errors import OutOfMemoryError as OutOfMemoryError
from workbench._src.errors import OutputError as OutputError
from workbench._src.errors import TracedValueError as TracedValueError
from workbench._src.errors import WorkbenchError as WorkbenchError
from workbench._src.errors import checked_signature as _checked_signature
from workbench._src.introspect import Inspection as Inspection
from workbench._src.introspect import IRText as IRText
from workbench._src.introspect import code_hlo as code_hlo
from workbench._src.introspect import code_xla as code_xla
from workbench._src.introspect import inspect as inspect
from workbench._src.loops.api import fori_loop as fori_loop
from workbench._src.loops.api import while_loop as while_loop
from workbench._src.loops.schedules import Schedule as Schedule
from workbench._src.loops.schedules import checkpoint_schedule as checkpoint_schedule
from workbench._src.loops.schemes import Binomial as Binomial
from workbench._src.loops.schemes import CheckpointingError as CheckpointingError
from workbench._src.loops.schemes import MemoryBudget as MemoryBudget
from workbench._src.loops.schemes import Periodic as Periodic
from workbench._src.loops.tradeoffs import Tradeoffs as Tradeoffs
from workbench._src.loops.tradeoffs import tradeoffs as tradeoffs
from workbench._src.notebook.api import graph as graph
from workbench._src.notebook.api import tradeoff_explorer as tradeoff_explorer

__version__ = "0.1.0.dev0"

# Python's own refusal of a call's arguments ("gradient() got an unexpected keyword argument
# 'wrt'") said in the workbench's words (errors.checked_signature): every public function.
for _name in (
    "autodiff", "check_gradient", "checkpoint_schedule", "code_hlo", "code_xla", "compile",
    "explain_nans", "fori_loop", "gradient", "graph", "ignore_derivatives", "inspect",
    "jacobian", "jit", "onehot", "set_strong_zero", "to_rarray", "tradeoff_explorer",
    "tradeoffs", "while_loop",
):  # fmt: skip
    globals()[_name] = _checked_signature(globals()[_name])
del _name


def load_ipython_extension(ipython: object) -> None:
    """``%load_ext workbench``: registers the ``%%reactant`` and ``%reactant`` magics."""
    from workbench._src.notebook.magic import load_ipython_extension as load

    load(ipython)


__all__ = [
    "Active",
    "ActivityError",
    "ArgumentError",
    "BatchDuplicated",
    "Binomial",
    "CheckpointingError",
    "Compiled",
    "CompiledCallError",
    "Const",
    "Duplicated",
    "Forward",
    "ForwardWithPrimal",
    "GradientCheck",
    "GradientResult",
    "IRText",
    "Inspection",
    "MemoryBudget",
    "Mode",
    "ModeError",
    "NanReport",
    "NotCallableError",
    "NotDifferentiableError",
    "OptionError",
    "OutOfMemoryError",
    "OutputError",
    "Periodic",
    "PrecisionWarning",
    "Reverse",
    "ReverseWithPrimal",
    "Schedule",
    "TracedValueError",
    "Tradeoffs",
    "WorkbenchError",
    "autodiff",
    "check_gradient",
    "checkpoint_schedule",
    "code_hlo",
    "code_xla",
    "compile",
    "explain_nans",
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
