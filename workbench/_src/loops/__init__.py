"""Loops whose reverse mode stores every step, a few snapshots, or what fits a memory budget."""

# Registering with JAX: the checkpointed_loop primitive's rules (primitive.py, batching.py, dce.py;
# the primitive itself is in binding.py), and with the workbench's registry of primitives that
# hold jaxprs (region.py: strong zero, the graph, explain_nans), before any module of this
# package can bind a loop.
from workbench._src.loops import batching as _batching  # noqa: F401  (registers)
from workbench._src.loops import dce as _dce  # noqa: F401  (registers)
from workbench._src.loops import primitive as _primitive  # noqa: F401  (registers)
from workbench._src.loops import region as _region  # noqa: F401  (registers)
