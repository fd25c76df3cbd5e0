"""The names JAX's lowering leaves in a compiled program, by kind of region.

XLA keeps each instruction's ``op_name`` (``jit(f)/jvp(blk)/while/body/sin``): the name stack
of the equation it was lowered from, with the scope each enclosing primitive's lowering pushes.
``notebook/ir_links.py`` reads these words to find which region of the graph (``structure.py``'s
kinds) an instruction of the optimized HLO came from. Checked in ``tests/test_jax_internals.py``
(JAX 0.10.2 to 0.12.x): a scan lowers to an HLO ``while`` whose scopes are ``while/body``, a
``cond`` to a ``conditional`` under ``cond/branch_<k>_fun``, ``jax.checkpoint`` under
``checkpoint``, a ``jit`` call of ``g`` under ``jit(g)``.
"""

from __future__ import annotations

# The words the lowering of each kind of region pushes onto the name stack.
SCOPE_WORDS: dict[str, tuple[str, ...]] = {
    "scan": ("while",),
    "while": ("while",),
    "loop": ("while",),  # the checkpointed loop lowers to a while (loops/primitive.py)
    "cond": ("cond",),
    "remat": ("checkpoint",),
}

# A jit region's words: this one and the called function's name, as in ``jit(g)``.
JIT_WORD = "jit"

# The scope of each of a while's two jaxprs, by the name the graph gives its sub-region.
WHILE_PART_WORDS: dict[str, str] = {"cond": "cond", "body": "body"}


def cond_branch_word(k: int | str) -> str:
    """The scope of branch ``k`` of a ``cond``: ``branch_1_fun``."""
    return f"branch_{k}_fun"


# The op_name's last part for the instruction a region lowers to, and the kinds that give it.
REGION_OPS: dict[str, tuple[str, ...]] = {"while": ("scan", "while", "loop"), "cond": ("cond",)}
