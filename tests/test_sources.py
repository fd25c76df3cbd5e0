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


def test_a_file_inside_a_package_is_named_from_its_package() -> None:
    """CI's notebooks failed on ``/check/work/main/workbench/_src/loops/revolve.py``, stored as
    ``/work/main/...``: where a package is installed differs from machine to machine. A
    checkpointed loop's own equations (the workbench's files) and a library's (Equinox's, in
    site-packages) are named as an import names them."""
    import os

    import equinox

    revolve = os.path.join(os.path.dirname(wb.__file__), "_src", "loops", "revolve.py")
    assert source_text(Source(revolve, 89, 33, "empty")) == (
        "workbench/_src/loops/revolve.py:89:33 (empty)"
    )
    linear = os.path.join(os.path.dirname(equinox.__file__), "nn", "_linear.py")
    assert source_text(Source(linear, 3, 0, "__call__")) == "equinox/nn/_linear.py:3 (__call__)"
    report = wb.inspect(
        lambda x: jnp.sum(
            wb.fori_loop(0, 6, lambda i, c: jnp.sin(c), x, checkpointing=wb.Binomial(2))
        ),
        jnp.ones(2, jnp.float32),
        mode=wb.Reverse,
        runs=0,
    )
    text = report.graph.to_text(max_lines=400)
    assert "workbench/_src/loops/" in text and os.path.dirname(wb.__file__) not in text


def test_no_stored_notebook_output_names_a_path_of_this_machine() -> None:
    """Outputs nbval compares (cells not tagged to be ignored) hold no absolute path: a clean
    clone elsewhere (CI's) would differ there."""
    import json
    import pathlib

    root = pathlib.Path(__file__).resolve().parent.parent
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        for i, cell in enumerate(json.loads(path.read_text())["cells"]):
            tags = cell.get("metadata", {}).get("tags", [])
            if cell["cell_type"] != "code" or {"nbval-ignore-output", "nbval-skip"} & set(tags):
                continue
            outputs = json.dumps(cell.get("outputs", []))
            for machine_path in (str(root), "site-packages", "/tmp/ipykernel"):
                assert machine_path not in outputs, f"{path.name} cell {i}: {machine_path}"


def test_reactant_cells_say_their_prompts_number_and_count_the_magic_line(shell) -> None:
    """Issue 24: under IPython 9 a %%reactant cell's sources said cell [N+1] (IPython 9 counts
    a cell before running it), and their lines left out the magic's line."""
    from IPython.utils.capture import capture_output

    shell.run_cell("import jax.numpy as jnp\nx = jnp.arange(3.0)")
    with capture_output():
        r = shell.run_cell(
            "%%reactant --grad x\na = 2.0\njnp.sum(jnp.sin(x) * a)", store_history=True
        )
    assert r.success, r.error_in_exec
    count = r.execution_count
    graph = r.result.inspection.graph
    sin = [n for n in graph.nodes if n.primitive == "sin"]
    assert sin and all(source_text(n.source).startswith(f"cell [{count}], line 3") for n in sin)
    # The cell after it says its own number too.
    with capture_output():
        r2 = shell.run_cell("%%reactant\njnp.cos(x)", store_history=True)
    cos = [n for n in r2.result.inspection.graph.nodes if n.primitive == "cos"]
    assert r2.execution_count == count + 1
    assert source_text(cos[0].source).startswith(f"cell [{count + 1}], line 2")


@pytest.mark.parametrize(("counted_before", "shell_count"), [(False, 7), (True, 8)])
def test_the_running_cells_number_under_ipython_8_and_9(counted_before, shell_count) -> None:
    """IPython 8 counts a cell after running it (its count is the cell's while it runs), IPython
    9 before (one more): the running cell's ExecutionResult says 7 in both."""
    import types

    from workbench._src.sources import running_cell_number

    result = types.SimpleNamespace(execution_count=7)
    shell = types.SimpleNamespace(
        execution_count=shell_count, displayhook=types.SimpleNamespace(exec_result=result)
    )
    assert running_cell_number(shell) == 7
    # A cell run without history (silent) has no number: the shell's count.
    shell.displayhook.exec_result = types.SimpleNamespace(execution_count=None)
    assert running_cell_number(shell) == shell_count
