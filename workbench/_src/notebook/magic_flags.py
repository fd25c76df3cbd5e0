"""``%%reactant``'s flags read from its line: names checked (a near miss says which flag was
meant), lists of views split, ``--grad``'s names checked against what the expression reads.

The flags themselves are declared with IPython's ``magic_arguments`` in ``magic.py``, so that
``%%reactant?`` documents them; this module reads a line against them.
"""

from __future__ import annotations

import ast
import difflib
import re
from collections.abc import Sequence
from typing import Any

import jax
import numpy as np
from IPython.core.error import UsageError
from IPython.core.magic_arguments import parse_argstring

from workbench._src.ad.activities import differentiated_part, is_random_key
from workbench._src.errors import describe
from workbench._src.leaves import is_inexact_dtype


def option_strings(magic: Any) -> dict[str, bool]:
    """Every flag of ``magic`` -> whether it takes a value."""
    parser = magic.parser
    out = {}
    for action in parser._actions:
        for opt in action.option_strings:
            out[opt] = action.nargs != 0
    return out


def guess(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.5)
    return f" Did you mean {close[0]}?" if close else ""


def check_flag_names(magic: Any, tokens: Sequence[str], where: str) -> None:
    known = option_strings(magic)
    for tok in tokens:
        if tok.startswith("-") and not re.fullmatch(r"-?\d+", tok):
            name = tok.split("=", 1)[0]
            if name not in known:
                long = [k for k in known if k.startswith("--")]
                raise UsageError(
                    f"{where}: unknown flag {name}.{guess(name, long)} See {where}? for the flags."
                )


def parse(magic: Any, line: str, where: str) -> Any:
    tokens = line.split()
    check_flag_names(magic, tokens, where)
    try:
        return parse_argstring(magic, line)
    except UsageError as e:
        message = " ".join(str(e).split())
        raise UsageError(f"{where}: {message}. See {where}? for the flags.") from None


def split_line(magic: Any, line: str) -> tuple[str, str]:
    """``%reactant``'s line split into its leading flags and the expression after them
    (the expression is kept verbatim: quotes, spaces and operators included)."""
    known = option_strings(magic)
    pos = 0
    flags = []
    while True:
        m = re.match(r"\s*(\S+)", line[pos:])
        if m is None:
            break
        tok = m.group(1)
        name = tok.split("=", 1)[0]
        if not tok.startswith("--") and name not in known:
            break
        flags.append(tok)
        pos += m.end()
        if known.get(name) and "=" not in tok:
            v = re.match(r"\s*(\S+)", line[pos:])
            if v is not None:
                flags.append(v.group(1))
                pos += v.end()
    return " ".join(flags), line[pos:].strip()


def names(text: str | None, flag: str, choices: Sequence[str], where: str) -> list[str]:
    if text is None:
        return []
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise UsageError(f"{where}: {flag} needs a comma-separated list, e.g. {flag} x,y.")
    for n in names:
        if n not in choices:
            raise UsageError(
                f"{where}: {flag} got {n!r}, which is not one of: {', '.join(choices)}."
                f"{guess(n, choices)}"
            )
    return names


def check_differentiable(name: str, value: Any, names: Sequence[str], where: str) -> None:
    """Refuses ``--grad name`` when ``name`` holds only random keys or integers (a legacy
    ``jax.random.PRNGKey`` is ``uint32``): nothing there has a derivative."""

    leaves = jax.tree_util.tree_leaves(differentiated_part(value))

    def inexact(v: Any) -> bool:
        dtype = getattr(v, "dtype", None)
        return is_inexact_dtype(np.asarray(v).dtype if dtype is None else dtype)

    if any(not is_random_key(v) and inexact(v) for v in leaves):
        return
    others = [n for n in names if n != name]
    keep = f" (--grad {','.join(others)})" if others else ""
    if any(is_random_key(v) for v in leaves):
        what = f"a random key ({describe(value)}), which has no derivative"
        fix = f"Leave {name} out of --grad{keep}: the program takes it as a constant."
    else:
        what = f"integers ({describe(value)}), which have no derivative"
        fix = (
            f"Leave {name} out of --grad{keep} (a legacy jax.random.PRNGKey is uint32: the "
            f"program takes it as a constant), or make it floating point to differentiate "
            f"with respect to it ({name} = {name}.astype(jnp.float32))."
        )
    raise UsageError(f"{where}: --grad got {name!r}, but {name} holds {what}. {fix}")


def grad_names(
    text: str, node: ast.expr, names: Sequence[str], ns: dict[str, Any], where: str
) -> list[str]:
    """``--grad``'s names: each must be an array input of the cell's last expression (a
    variable it reads that holds an array). A name that is not says what it is instead."""
    wanted = [n.strip() for n in text.split(",") if n.strip()]
    if not wanted:
        raise UsageError(f"{where}: --grad needs a comma-separated list, e.g. --grad x,y.")
    read = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    inputs = ", ".join(names) if names else "none"
    for n in wanted:
        if n in names:
            check_differentiable(n, ns[n], names, where)
            continue
        hint = ""
        if n not in ns:
            why = f"--grad got {n!r}, but no variable {n} is defined."
            hint = guess(n, names)
        elif not names:
            raise UsageError(
                f"{where}: --grad got {n!r}, but the cell's last expression reads no array "
                "variables: it is a constant of the compiled program, with nothing to "
                f"differentiate. Make it read the arrays to differentiate (e.g. jnp.sum({n} ** 2) "
                f"with {n} = jnp.asarray(...)), or drop --grad."
            )
        elif n not in read:
            why = (
                f"--grad got {n!r}, but the cell's last expression does not read {n}: --grad "
                "differentiates that expression with respect to arrays it reads."
            )
        else:
            why = (
                f"--grad got {n!r}, but {n} holds a {type(ns[n]).__name__}, not an array, so "
                f"the expression treats it as a constant; make it an array ({n} = "
                f"jnp.asarray({n})) to differentiate with respect to it."
            )
        raise UsageError(f"{where}: {why} The expression's array inputs: {inputs}.{hint}")
    return wanted
