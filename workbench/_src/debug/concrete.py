"""The debugging tools run the program themselves, on the values they are given: they refuse
traced values (a call inside ``jax.jit``, ``jax.grad``, ``jax.vmap``) with a message that says so,
instead of JAX's error from deep inside the run."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax

from workbench._src.errors import WorkbenchError


def require_concrete(where: str, args: Sequence[Any]) -> None:
    """Raises ``WorkbenchError`` naming the first argument that holds a JAX tracer."""
    for i, arg in enumerate(args):
        for leaf in jax.tree_util.tree_leaves(arg):
            if isinstance(leaf, jax.core.Tracer):
                aval = getattr(leaf, "aval", None)
                what = f"a traced {aval.str_short()}" if aval is not None else "a traced value"
                raise WorkbenchError(
                    f"{where} runs the program itself, on the values it is given, but argument "
                    f"{i} holds {what}: {where} was called inside a JAX transformation "
                    "(jax.jit, jax.grad, jax.vmap, ...). Call it outside the transformation, on "
                    "concrete arrays: it compiles and runs what it checks by itself."
                )
