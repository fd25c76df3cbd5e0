"""Where code came from, in the user's terms.

JAX records each equation's source as a file, line and column. Code typed in a notebook lives in
files IPython makes up (``/tmp/ipykernel_41/2750143.py``), which mean nothing to the person who
typed it; IPython's own tracebacks say ``cell [3], line 8``. Every report and view that shows a
source line (graph, residuals, messages) says it this one way.

Which code is the user's is decided here too, once (``is_users``): not JAX's, not the
workbench's, and (unless asked for the workbench's callers only) not an installed library's
(site-packages, the standard library: a Flax layer's line is Flax's). The graph's grouping by
the user's functions, the NaN search's origin lines, the lines named in error messages and
``private_jax``'s frame walks (given this predicate) all read it.
"""

from __future__ import annotations

import contextlib
import functools
import os
import site
import sys
import sysconfig
from typing import Any

import jax

from workbench._src.internals.private_jax import Source

# The workbench's own package directory (``.../workbench/``) and JAX's.
WORKBENCH_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_JAX_DIR = os.path.dirname(os.path.abspath(jax.__file__)) + os.sep


def _installed() -> tuple[str, ...]:
    """The directories installed packages live in (site-packages, the standard library), as
    Python names them and with links resolved (a frame's file is named either way)."""
    paths = sysconfig.get_paths()
    dirs = {paths.get(k) for k in ("purelib", "platlib", "stdlib", "platstdlib")}
    with contextlib.suppress(AttributeError):  # site's functions are missing in some venvs
        dirs.update(site.getsitepackages())
        dirs.add(site.getusersitepackages())
    found = {f(d) for d in dirs if d for f in (os.path.abspath, os.path.realpath)}
    return tuple(sorted(d.rstrip(os.sep) + os.sep for d in found))


_LIBRARY_DIRS = _installed()


@functools.lru_cache(maxsize=4096)
def is_users(filename: str, libraries: bool = True) -> bool:
    """Whether code in ``filename`` is the user's: outside JAX and the workbench and, with
    ``libraries`` (the default), outside the installed packages (site-packages, the standard
    library). ``libraries=False`` asks only whether the workbench's caller wrote it (a loop
    traced by ``wb.fori_loop`` inside an Equinox layer is then the layer's line).

    >>> import os, workbench
    >>> is_users(os.path.join(os.path.dirname(workbench.__file__), "_src", "sources.py"))
    False
    >>> is_users(os.__file__), is_users(os.__file__, libraries=False), is_users("/home/me/a.py")
    (False, True, True)
    """
    name = os.path.abspath(filename) if os.path.isabs(filename) else filename
    names = (name, os.path.realpath(name)) if os.path.isabs(filename) else (name,)
    mine = (WORKBENCH_DIR, _JAX_DIR, *(_LIBRARY_DIRS if libraries else ()))
    return not any(n.startswith(mine) for n in names)


def in_workbench(filename: str) -> bool:
    """Whether ``filename`` is the workbench's own code (its bookkeeping: a checkpointing
    schedule's ops, the frames a warning or a refusal looks past to reach the user's call).

    >>> import os, workbench
    >>> in_workbench(workbench.__file__), in_workbench(os.__file__)
    (True, False)
    """
    return os.path.abspath(filename).startswith(WORKBENCH_DIR)


def in_library(filename: str) -> bool:
    """Whether ``filename`` is an installed library's (Flax, Equinox, the standard library;
    not JAX's or the workbench's): ``is_users`` says no only because of ``libraries``."""
    return is_users(filename, libraries=False) and not is_users(filename)


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


def running_cell_number(shell: Any) -> int:
    """The number of the cell ``shell`` is running, as its prompt shows it (``In [N]``).

    IPython 9 counts a cell before running it (``shell.execution_count`` is N + 1 while cell N
    runs), IPython 8 after (N); the running cell's ``ExecutionResult`` (the display hook's
    ``exec_result``) says N in both. A cell run without history has no number of its own: the
    shell's count then.
    """
    result = getattr(getattr(shell, "displayhook", None), "exec_result", None)
    number = getattr(result, "execution_count", None)
    if isinstance(number, int):
        return number
    return int(shell.execution_count)


def cache_cell(shell: Any, cell: str, magic_line: bool) -> tuple[str, str]:
    """A cell's source and the file IPython caches it under (for its tracebacks and
    ``cell_number``), numbered as the running cell (``running_cell_number``). With
    ``magic_line``, ``cell`` is a cell magic's body: IPython's transforms are applied, and its
    lines are counted from the cell's line 2 (line 1 is the magic's), as the user sees them."""
    pad = "\n" if magic_line else ""
    source = pad + (shell.transform_cell(cell) if magic_line else cell)
    return source, shell.compile.cache(source, running_cell_number(shell), raw_code=pad + cell)


def source_text(source: Source | None) -> str:
    """``"cell [3], line 8 (loss)"`` for code run in a notebook cell (IPython's name for it, as
    in its tracebacks), else JAX's ``file.py:8:12 (loss)``, a package's file named from its
    package (``package_path``); ``""`` for none.

    >>> source_text(Source("model.py", 8, 12, "loss"))
    'model.py:8:12 (loss)'
    """
    if source is None:
        return ""
    cell = cell_number(source.file)
    if cell is not None:
        return f"cell [{cell}], line {source.line} ({source.function})"
    return str(source._replace(file=package_path(source.file)))


@functools.lru_cache(maxsize=1024)
def package_path(filename: str) -> str:
    """A file inside a Python package named from its top-level package, as in an import
    (``equinox/nn/_linear.py``, ``workbench/_src/loops/revolve.py``): where the package is
    installed (a virtual environment, a checkout) says nothing to a reader, and differs from one
    machine to the next. A file outside any package keeps its path.

    >>> import os, workbench
    >>> package_path(os.path.join(os.path.dirname(workbench.__file__), "_src", "sources.py"))
    'workbench/_src/sources.py'
    >>> package_path("/nowhere/model.py")
    '/nowhere/model.py'
    """
    if not os.path.isabs(filename):
        return filename
    top = os.path.dirname(filename)
    if not os.path.isfile(os.path.join(top, "__init__.py")):
        return filename
    while os.path.isfile(os.path.join(os.path.dirname(top), "__init__.py")):
        top = os.path.dirname(top)
    return os.path.relpath(filename, os.path.dirname(top)).replace(os.sep, "/")
