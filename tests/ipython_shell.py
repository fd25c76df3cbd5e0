"""One IPython shell for every test module that runs cells (tests/test_magic.py and others).

``IPython.testing.globalipapp.start_ipython`` starts the shell once per process and returns
``None`` on later calls, so each module asks here instead.
"""

from __future__ import annotations

from IPython import get_ipython
from IPython.testing.globalipapp import start_ipython


def shared_shell():
    """The process's test shell (started on first use), with the workbench's magic loaded."""
    ip = start_ipython() or get_ipython()
    ip.run_line_magic("load_ext", "workbench")
    return ip
