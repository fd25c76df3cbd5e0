"""Run by tests/test_memory.py in a fresh process: re-run one ``%%reactant --grad`` cell 50 times
in an IPython shell, as a notebook does (each result stored in ``Out`` and displayed), or run 50
cells that compile the same two programs with JAX itself (the expression and its gradient, kept
in ``Out`` the same way); print the workbench's widgets alive, all widgets alive (each has a
``Layout`` widget), the resident memory grown (MB), and the widgets alive once those are closed.

    python tests/leak_reactant_cells.py reactant|jax [runs]
"""

import gc
import sys

import jax
import jax.numpy as jnp
import numpy as np
from IPython.testing.globalipapp import start_ipython
from IPython.utils.capture import capture_output
from leak_rss import rss

CELLS = {
    "reactant": "%%reactant --grad x\njnp.sum(jnp.sin(x) * w) * 2.0",
    "jax": "f = lambda x, w: jnp.sum(jnp.sin(x) * w) * 2.0\n"
    "(jax.jit(f).lower(x, w).compile(), jax.jit(jax.grad(f)).lower(x, w).compile())",
}


def widgets() -> list:
    """Every ipywidgets widget alive (the workbench's, and the Layout each of them has)."""
    import ipywidgets

    gc.collect()
    return [o for o in gc.get_objects() if isinstance(o, ipywidgets.Widget)]


def ours(found: list) -> int:
    from workbench._src.notebook.html import LiveDisplay

    return sum(isinstance(w, LiveDisplay) for w in found)


def main(which: str, runs: int) -> None:
    ip = start_ipython()
    ip.run_line_magic("load_ext", "workbench")
    x = jnp.arange(3.0, dtype=jnp.float32) + 0.5
    ip.user_ns.update(jax=jax, jnp=jnp, np=np, x=x, w=jnp.ones(3, jnp.float32))

    def run() -> None:
        with capture_output(display=True):
            result = ip.run_cell(CELLS[which], store_history=True)
        assert result.success, result

    run()
    run()
    base = rss()
    for _ in range(runs):
        run()
    grown = (rss() - base) / 1e6
    alive = widgets()
    counts = (ours(alive), len(alive))
    while alive:
        alive.pop().close()
    print(*counts, grown, len(widgets()))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 50)
