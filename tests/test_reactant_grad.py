"""``%%reactant --grad``: the graph and memory views show the gradient's program (forward and
backward passes), and a name ``--grad`` cannot take says why (issue 15).

Oracles: ``wb.inspect(..., mode=wb.Reverse)`` of the same expression, for the views; the
namespace, for the messages.
"""

from __future__ import annotations

import jax.numpy as jnp
import pytest
from IPython.core.error import UsageError

import workbench as wb
from tests.ipython_shell import run_reactant as run
from tests.ipython_shell import shared_shell
from workbench._src.introspect.graph import render_graph
from workbench._src.introspect.memory import render_memory


@pytest.fixture(scope="module")
def shell():
    return shared_shell()


@pytest.fixture
def ip(shell):
    shell.user_ns.update(jnp=jnp, x=jnp.arange(3.0) + 0.5, W=jnp.ones(3), h=2.0, unused=jnp.ones(2))
    shell.user_ns.update(X20=jnp.ones(3))
    return shell


def test_graph_and_memory_views_show_the_gradients_program(ip):
    res = run(ip, "--grad x", "jnp.sum(jnp.sin(x) * W)")
    W = ip.user_ns["W"]
    oracle = wb.inspect(
        lambda x, W: jnp.sum(jnp.sin(x) * W), ip.user_ns["x"], wb.Const(W), mode=wb.Reverse, runs=0
    )
    views = {v.name: v for v in res.views}
    shown = res.gradients.inspection.graph
    assert views["graph"].text == render_graph(shown, 200)
    assert shown.count("ops") == oracle.graph.count("ops")
    assert {"forward", "backward"} <= set(shown.count("ops"))
    assert shown.count("edges") == oracle.graph.count("edges")
    memory = views["memory"].text
    assert memory == render_memory(res.gradients.inspection.memory, 100)
    assert "Residuals:" in memory and "no backward pass" not in memory
    # The inspector's graph tab draws it, and the gradient view's jaxpr links to it.
    w = res.widget()
    ids = {row[0] for row in w.graph["nodes"]}
    assert ids == {n.id for n in res.gradients.inspection.graph.nodes}
    # The program's own IR views link to the same graph (its ops in the gradient's forward pass).
    assert {"grad", "jaxpr", "hlo"} <= set(w.links) and w.links["grad"] and w.links["jaxpr"]
    regions = {row[0] for row in w.graph["regions"]}
    for lines in w.links.values():
        assert all(i in ids | regions for linked in lines.values() for i in linked)
    grad_lines = views["grad"].text.splitlines()
    for k, linked in w.links["grad"].items():
        assert all(i in ids for i in linked)
        assert int(k) > grad_lines.index(
            "# jaxpr of the whole gradient computation (forward and backward)"
        )


def test_without_grad_the_views_are_the_programs(ip):
    res = run(ip, "", "jnp.sum(jnp.sin(x) * W)")
    views = {v.name: v for v in res.views}
    assert views["graph"].text == render_graph(res.inspection.graph, 200)
    assert set(res.inspection.graph.count("ops")) == {"primal"}


@pytest.mark.parametrize(
    ("line", "body", "match"),
    [
        # Not defined: a close array input is suggested.
        ("--grad xx", "jnp.sum(x)", r"no variable xx is defined\. .*inputs: x\. Did you mean x\?"),
        # Defined, but not read by the last expression: said so, and no guess.
        ("--grad unused", "jnp.sum(x)", r"does not read unused: .*inputs: x\.$"),
        # Read, but a Python float: a constant, and how to make it an array.
        ("--grad h", "jnp.sum(x * h)", r"h holds a float, not an array.*jnp\.asarray\(h\)"),
        # No array input at all (the old message read "not one of: .").
        ("--grad x", "jnp.sum(jnp.ones(3))", r"reads no array variables: it is a constant"),
        # A defined array the expression does not read is never "meant" as another name.
        ("--grad W", "jnp.sum(X20)", r"does not read W: .*inputs: X20\.$"),
        ("--grad ,", "jnp.sum(x)", r"--grad needs a comma-separated list"),
    ],
)
def test_grad_says_why_it_cannot_take_a_name(ip, line, body, match):
    with pytest.raises(UsageError, match=match) as info:
        ip.run_cell_magic("reactant", line, body)
    assert "\n" not in str(info.value) and "not one of" not in str(info.value)
