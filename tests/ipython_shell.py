"""One IPython shell for every test module that runs cells (tests/test_magic.py and others).

``IPython.testing.globalipapp.start_ipython`` starts the shell once per process and returns
``None`` on later calls, so each module asks here instead.
"""

from __future__ import annotations

from IPython import get_ipython
from IPython.testing.globalipapp import start_ipython
from IPython.utils.capture import capture_output


def shared_shell():
    """The process's test shell (started on first use), with the workbench's magic loaded."""
    ip = start_ipython() or get_ipython()
    ip.run_line_magic("load_ext", "workbench")
    return ip


def run_reactant(ip, line, body):
    """Runs ``%%reactant line`` on ``body`` (output captured); returns the cell's result, asserting
    that the cell raised nothing."""
    with capture_output():
        r = ip.run_cell(f"%%reactant {line}\n{body}")
    assert r.error_in_exec is None and r.error_before_exec is None, (
        r.error_in_exec or r.error_before_exec
    )
    return r.result
