"""Source lines in the reports say where the user's code is, as IPython does: a notebook cell is
``cell [N], line L``, not the file IPython made up for it (``/tmp/ipykernel_41/27501.py``)."""

from __future__ import annotations

import jax.numpy as jnp
import pytest

import workbench as wb
from tests.ipython_shell import shared_shell
from workbench._src.internals.private_jax import Source
from workbench._src.sources import source_text


@pytest.fixture(scope="module")
def shell():
    return shared_shell()


CELL = """\
import jax.numpy as jnp
import workbench as wb

def loss(x):
    y = jnp.sin(x)
    return jnp.sum(y * x)

report = wb.inspect(loss, jnp.ones(3, jnp.float32), mode=wb.Reverse, runs=0)
"""


def test_reports_name_the_cell_and_line_of_a_notebook_function(shell) -> None:
    result = shell.run_cell(CELL)
    assert result.success, result.error_in_exec
    count = result.execution_count
    report = shell.user_ns["report"]
    # sin is on line 5 of the cell, the product on line 6: the residuals the backward pass keeps
    # are their outputs, and the graph's nodes carry the same places.
    sources = " ".join(r.source for r in report.memory.residuals)
    assert f"output of sin from cell [{count}], line 5 (loss)" in sources
    assert "ipykernel" not in sources and "/tmp/" not in sources
    graph_text = report.graph.to_text(max_lines=200)
    assert f"cell [{count}], line 5 (loss)" in graph_text
    assert "/tmp/" not in graph_text


def test_outside_a_notebook_a_source_is_jax_own_words() -> None:
    assert source_text(Source("model.py", 8, 12, "loss")) == "model.py:8:12 (loss)"
    assert source_text(Source("model.py", 8, 0, "loss")) == "model.py:8 (loss)"
    assert source_text(None) == ""
    # A file IPython did not make keeps its path, in a shell too.
    report = wb.inspect(
        lambda x: jnp.sum(jnp.sin(x) * x), jnp.ones(2, jnp.float32), mode=wb.Reverse, runs=0
    )
    sin = [r for r in report.memory.residuals if r.source.startswith("output of sin")]
    assert sin and __file__ in sin[0].source
