"""The cell's last expression as a program: which names it reads are its inputs (arrays,
pytrees of arrays, models), the function of them that evaluates it, and what it may return.

``%%reactant`` (``magic.py``) runs the cell, then compiles its last expression with these; a
name that holds anything else is a compile-time constant, as Reactant traces structs of arrays
and keeps the rest.
"""

from __future__ import annotations

import ast
import asyncio
import builtins
import inspect as _pyinspect
import re
from collections.abc import Callable
from typing import Any

import jax
import numpy as np
from IPython.core.error import UsageError

from workbench._src.ad.model_arguments import is_model
from workbench._src.errors import describe, warn_fallback
from workbench._src.leaves import holds_numbers

# IPython's output history: _, __, ___, _5, _i, _ii, _iii, _i5, _oh, _dh, _ih.
IPYTHON_NAMES = re.compile(r"_{1,3}|_i{1,3}|_i?\d+|_oh|_dh|_ih")


def is_array_data(value: Any) -> bool:
    """An array, a pytree of arrays (dicts, lists, NamedTuples, optax states) or a model (Equinox,
    Flax NNX): the values a ``%%reactant`` cell traces, as Reactant traces structs of arrays."""

    if isinstance(value, jax.Array):
        return True
    if isinstance(value, np.ndarray):  # NumPy arrays of objects or text are constants
        return holds_numbers(value.dtype)
    if is_model(value):
        return True
    if value is None or isinstance(value, bool | int | float | complex | str | type):
        return False
    try:
        leaves = jax.tree_util.tree_leaves(value)
    except Exception as e:  # a container JAX cannot flatten is a constant like any other value
        warn_fallback(
            f"A {type(value).__name__} the expression reads could not be flattened by "
            "jax.tree_util",
            e,
            "it becomes a constant of the compiled program instead of an input. Hold its "
            "arrays in a dict with string keys, a list or a tuple to have them traced",
        )
        return False
    if len(leaves) == 1 and leaves[0] is value:  # not a container: a constant
        return False
    return bool(leaves) and all(
        isinstance(v, jax.Array) or (isinstance(v, np.ndarray) and holds_numbers(v.dtype))
        for v in leaves
    )


def free_arrays(node: ast.expr, ns: dict[str, Any]) -> list[str]:
    """The names the expression reads that hold arrays (or containers of arrays) in ``ns``,
    in order of appearance."""
    out: list[str] = []
    for n in ast.walk(node):
        if not (isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)) or n.id in out:
            continue
        if is_array_data(ns.get(n.id)):
            out.append(n.id)
    # ast.walk is breadth-first; order by position in the source instead
    pos: dict[str, tuple[int, int]] = {}
    for n in ast.walk(node):
        if isinstance(n, ast.Name) and n.id in out:
            pos.setdefault(n.id, (n.lineno, n.col_offset))
            pos[n.id] = min(pos[n.id], (n.lineno, n.col_offset))
    return sorted(out, key=lambda k: pos[k])


def expression_function(
    node: ast.expr, filename: str, ns: dict[str, Any], names: list[str], where: str
) -> Callable[..., Any]:
    """A function of ``names`` that evaluates the expression; the namespace is read, never
    written (the expression runs in a copy of it). A value that is not arrays (a string, an
    object) is refused with a message: it cannot be a compiled program's result."""
    code = compile(ast.Expression(body=node), filename, "eval")

    def cell(*arrays: Any) -> Any:
        scope = dict(ns)
        scope.update(zip(names, arrays, strict=True))
        scope.setdefault("__builtins__", builtins)
        out = eval(code, scope)
        check_result(out, node, where)
        return out

    cell.__signature__ = _pyinspect.Signature(  # type: ignore[attr-defined]
        [_pyinspect.Parameter(n, _pyinspect.Parameter.POSITIONAL_OR_KEYWORD) for n in names]
    )
    return cell


def statements(body: list[ast.stmt], filename: str, shell: Any, where: str) -> Callable[[], Any]:
    """The cell's statements (all but the last expression) compiled, as a thunk that runs them in
    the user namespace. A top-level ``await`` (valid in a notebook cell) runs on IPython's loop
    runner, as a plain cell's, where no event loop is running in this thread (a terminal IPython);
    inside a running loop (a Jupyter kernel runs cells on its own) a cell magic cannot wait for a
    coroutine, and the cell is refused before it runs, saying where to put the ``await``."""
    code = compile(
        ast.Module(body=body, type_ignores=[]),
        filename,
        "exec",
        flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT,
    )
    if not code.co_flags & _pyinspect.CO_COROUTINE:
        return lambda: exec(code, shell.user_ns)
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # no loop runs here: IPython's runner may start one, as for any cell
        return lambda: shell.loop_runner(eval(code, shell.user_ns))
    node = next(
        n for n in ast.walk(ast.Module(body=body, type_ignores=[])) if isinstance(n, _AWAITS)
    )
    raise UsageError(
        f"{where}: line {node.lineno} awaits ({ast.unparse(node)}), but this kernel runs the "
        f"cell on its event loop and {where} runs its statements while that loop waits for "
        "it, so nothing awaited could finish. Run the awaiting lines in a plain cell above "
        f"(e.g. {_awaited_example(node)}), then {where} on the values they gave."
    )


_AWAITS = (ast.Await, ast.AsyncFor, ast.AsyncWith)


def _awaited_example(node: ast.AST) -> str:
    if isinstance(node, ast.Await):
        return f"v = {ast.unparse(node)}"
    return ast.unparse(node).splitlines()[0].rstrip(":") + ": ..."


def refuse_await(node: ast.expr, where: str) -> None:
    """Refuses an ``await`` in the cell's last expression: it becomes a traced program, and a
    program JAX traces runs synchronously (nothing in it can wait for a coroutine)."""
    found = next((n for n in ast.walk(node) if isinstance(n, ast.Await)), None)
    if found is None:
        return
    raise UsageError(
        f"{where}: the cell's last expression awaits ({ast.unparse(found)}), but {where} "
        "compiles that expression into a program, which JAX traces by calling it: nothing in it "
        f"can wait for a coroutine. Await in a statement first (v = {ast.unparse(found)}; in "
        f"a plain cell above when the kernel runs an event loop), then end the cell with an "
        "expression of v."
    )


CONSTANT = "hold it in a Python number, which the cell treats as a constant,"


def check_result(out: Any, node: ast.expr, where: str) -> None:
    """Raises ``UsageError`` unless the expression's value is arrays (or numbers)."""

    for leaf in jax.tree_util.tree_leaves(out):
        if isinstance(leaf, bool | int | float | complex | np.generic | jax.Array) or (
            isinstance(leaf, np.ndarray) and holds_numbers(leaf.dtype)
        ):
            continue
        said = ""
        if isinstance(node, ast.Name) and IPYTHON_NAMES.fullmatch(node.id):
            said = f" ({node.id}: one of IPython's names for earlier inputs and outputs)"
        text = describe(leaf)
        if "\n" in text:  # a value with a long repr (a ReactantResult): its type
            text = f"a {type(leaf).__name__}"
        raise UsageError(
            f"{where}: the cell's last expression{said} gave {text}, not an array: "
            f"{where} compiles that expression into a program, whose results are arrays. End "
            f"the cell with an expression of arrays (e.g. jnp.sum(x)), or run it without "
            f"{where} to show any other value."
        )
