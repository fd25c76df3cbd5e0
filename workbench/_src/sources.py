"""Where code came from, in the user's terms.

JAX records each equation's source as a file, line and column. Code typed in a notebook lives in
files IPython makes up (``/tmp/ipykernel_41/2750143.py``), which mean nothing to the person who
typed it; IPython's own tracebacks say ``cell [3], line 8``. Every report and view that shows a
source line (graph, residuals, messages) says it this one way.
"""

from __future__ import annotations

import sys

from workbench._src.internals.private_jax import Source


def cell_number(filename: str) -> int | None:
    """The execution count of the notebook cell IPython compiled as ``filename``, if any.

    IPython is never imported here: only a running shell has cells.
    """
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    names = getattr(getattr(shell, "compile", None), "_filename_map", None)
    if isinstance(names, dict) and filename in names:
        return int(names[filename])
    return None


def source_text(source: Source | None) -> str:
    """``"cell [3], line 8 (loss)"`` for code run in a notebook cell (IPython's name for it, as
    in its tracebacks), else JAX's ``file.py:8:12 (loss)``; ``""`` for none.

    >>> source_text(Source("model.py", 8, 12, "loss"))
    'model.py:8:12 (loss)'
    """
    if source is None:
        return ""
    cell = cell_number(source.file)
    if cell is not None:
        return f"cell [{cell}], line {source.line} ({source.function})"
    return str(source)
