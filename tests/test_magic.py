"""``%%reactant`` and ``%reactant`` in a real IPython shell: results, flags, misuse, user errors."""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import traitlets
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output

import workbench as wb
from tests.ipython_shell import shared_shell
from tests.tolerances import FLOAT, tol
from workbench._src.notebook import html
from workbench._src.notebook.inspector import Inspector
from workbench._src.notebook.magic import ReactantResult
from workbench._src.notebook.views import VIEWS, View, build_views

ROOT = pathlib.Path(__file__).resolve().parents[1]
EVIL = "<img src=x onerror=window.__pwned=1>"


@pytest.fixture(scope="module")
def shell():
    return shared_shell()


@pytest.fixture
def ip(shell):
    shell.user_ns.update(
        jax=jax, jnp=jnp, np=np, x=jnp.arange(3.0) + 0.5, w=jnp.ones(3) * 2.0, scale=3.0
    )
    for name in ("step", "y", "z"):
        shell.user_ns.pop(name, None)
    return shell


def cell(ip, line, body):
    """Runs ``%%reactant line`` on ``body``; returns the ExecutionResult, its output and the
    displayed result."""
    with capture_output(display=False) as out:
        r = ip.run_cell(f"%%reactant {line}\n{body}")
    return r, out.stdout + out.stderr


def run(ip, line, body):
    r, text = cell(ip, line, body)
    assert r.error_in_exec is None and r.error_before_exec is None, text
    assert isinstance(r.result, ReactantResult), text
    return r.result


def names(res):
    return [v.name for v in res.views]


# --------------------------------------------------------------------------------------------
# Results


def test_cell_result_and_default_views(ip):
    res = run(ip, "", "y = 2.0\njnp.sin(x) * y + w")
    expected = jnp.sin(ip.user_ns["x"]) * 2.0 + ip.user_ns["w"]
    np.testing.assert_allclose(res.value, expected)
    assert list(res.inputs) == ["x", "w"]  # arrays are traced, y (a float) is a constant
    # every view but grad, sharding (the program runs on one device) and nans (not asked for)
    assert names(res) == [v for v in VIEWS if v not in ("grad", "sharding", "nans")]
    text = {v.name: v.text for v in res.views}
    assert "sin" in text["jaxpr"] and "stablehlo.sine" in text["stablehlo"]
    assert text["hlo"].startswith("HloModule")
    assert text["timing"].startswith("Timing:")
    assert "Cost (XLA)" in text["cost"] and "Graph:" in text["graph"]
    assert all(not v.note for v in res.views)
    assert ip.user_ns["y"] == 2.0  # the cell's statements ran in the namespace


def test_views_come_from_the_inspection(ip):
    res = run(ip, "", "jnp.sum(jnp.sin(x) * w)")
    text = {v.name: v.text for v in res.views}
    assert text["jaxpr"] == res.inspection.jaxpr.text
    assert text["stablehlo"] == res.inspection.stablehlo.text.rstrip("\n")


def test_line_magic_keeps_the_expression_verbatim(ip):
    with capture_output():
        line = '--views result,jaxpr jnp.sum(x * scale) - jnp.float64(float("1"))'
        r = ip.run_cell(f"%reactant {line}")
    assert r.error_in_exec is None
    res = r.result
    assert names(res) == ["result", "jaxpr"]
    np.testing.assert_allclose(res.value, jnp.sum(ip.user_ns["x"] * 3.0) - 1.0)
    assert list(res.inputs) == ["x"]


def test_cell_without_an_expression_runs_and_shows_nothing(ip):
    r, _ = cell(ip, "", "z = jnp.sum(x)")
    assert r.result is None and r.error_in_exec is None
    np.testing.assert_allclose(ip.user_ns["z"], jnp.sum(ip.user_ns["x"]))


def test_namespace_kept_and_unchanged(ip):
    x = ip.user_ns["x"]
    before = np.asarray(x).copy()
    keys = set(ip.user_ns)
    run(ip, "--grad x --compile step", "jnp.sum(x ** 2)")
    assert ip.user_ns["x"] is x
    np.testing.assert_array_equal(np.asarray(x), before)
    assert set(ip.user_ns) - keys == {"step"}


def test_mimebundle_has_html_and_text_fallbacks(ip):
    res = run(ip, "--views result,jaxpr", "jnp.cos(x)")
    bundle = res._repr_mimebundle_()
    assert "<details" in bundle["text/html"] and "jaxpr" in bundle["text/plain"]
    assert bundle["text/plain"].startswith("%%reactant: cell(x)")
    assert "model_id" in bundle["application/vnd.jupyter.widget-view+json"]


# --------------------------------------------------------------------------------------------
# Flags


@pytest.mark.parametrize("views", [["jaxpr"], ["result", "memory", "cost"], list(VIEWS)])
def test_views_flag(ip, views):
    res = run(ip, f"--views {','.join(views)}", "jnp.sum(jnp.sin(x))")
    assert names(res) == views


def test_no_optimize_leaves_out_the_optimized_hlo(ip):
    res = run(ip, "--no-optimize", "jnp.sin(x)")
    assert "hlo" not in names(res) and "stablehlo" in names(res)


def test_timed_reports_compile_time_and_median(ip):
    res = run(ip, "--timed --runs 3", "jnp.sin(x)")
    assert res.inspection.timing.runs == 3 and res.inspection.timing.run_median_s is not None
    timing = next(v.text for v in res.views if v.name == "timing")
    assert re.search(r"compile .+, run .+ \(median of 3\)", timing)
    untimed = run(ip, "", "jnp.sin(x)")
    assert untimed.inspection.timing.runs == 0


@pytest.mark.parametrize("device", ["cpu", "0"])
def test_device_flag(ip, device):
    res = run(ip, f"--device {device}", "jnp.sin(x)")
    assert {d.platform for d in res.value.devices()} == {"cpu"}


def test_compile_binds_a_callable_that_runs(ip):
    run(ip, "--compile step", "jnp.sin(x) * w")
    step = ip.user_ns["step"]
    assert isinstance(step, wb.Compiled)
    a, b = jnp.ones(3), jnp.full(3, 4.0)
    np.testing.assert_allclose(step(a, b), jnp.sin(a) * b)


def test_grad_equals_wb_gradient(ip):
    res = run(ip, "--grad x,w", "jnp.sum(jnp.sin(x) * w) * scale")
    x, w = ip.user_ns["x"], ip.user_ns["w"]
    expected = wb.gradient(wb.Reverse, lambda x, w: jnp.sum(jnp.sin(x) * w) * 3.0, x, w)
    np.testing.assert_allclose(res.gradients.values["x"], expected[0])
    np.testing.assert_allclose(res.gradients.values["w"], expected[1])
    assert names(res)[-1] == "grad"
    grad_text = next(v.text for v in res.views if v.name == "grad")
    assert "d(expression)/dx" in grad_text and "backward" in grad_text


def test_containers_of_arrays_are_traced_inputs(ip):
    w, x = jnp.array([1.0, 2.0, 3.0]), ip.user_ns["x"]
    ip.user_ns["params"] = {"w": w, "b": [jnp.array(0.5)]}
    ip.user_ns["mixed"] = (jnp.ones(3), "label")  # not only arrays: a constant
    expr = "jnp.sum(jnp.sin(params['w']) * x) + params['b'][0] + len(mixed[1])"
    res = run(ip, "--grad params", expr)
    assert list(res.inputs) == ["params", "x"]  # in order of appearance; `mixed` is a constant
    np.testing.assert_allclose(res.value, jnp.sum(jnp.sin(w) * x) + 0.5 + 5)
    grad = res.gradients.values["params"]  # analytic: d/dw = cos(w) x, d/db = 1
    np.testing.assert_allclose(grad["w"], jnp.cos(w) * x)
    np.testing.assert_allclose(grad["b"][0], 1.0)


def test_a_cell_compiles_its_program_once_and_its_gradient_once(ip):
    compiles = []

    def listener(event, duration, **kwargs):
        if event == "/jax/core/compile/backend_compile_duration":
            compiles.append(event)

    jax.monitoring.register_event_duration_secs_listener(listener)
    try:
        run(ip, "--views result", "jnp.sum(jnp.tanh(x) * w) * 7.0")
        plain = len(compiles)
        res = run(ip, "--views result --grad x", "jnp.sum(jnp.tanh(x) * w) * 5.0")
    finally:
        jax.monitoring.unregister_event_duration_listener(listener)
    assert plain == 1
    assert len(compiles) - plain == 2  # the expression, and its gradient program
    x, w = ip.user_ns["x"], ip.user_ns["w"]
    rtol, atol = tol(x.dtype)
    np.testing.assert_allclose(res.gradients.values["x"], 5.0 * w / jnp.cosh(x) ** 2, rtol, atol)


def test_grad_of_some_inputs_only(ip):
    res = run(ip, "--grad w", "jnp.sum(jnp.sin(x) * w)")
    assert list(res.gradients.values) == ["w"]
    np.testing.assert_allclose(res.gradients.values["w"], jnp.sin(ip.user_ns["x"]))


def test_help_documents_the_flags(ip):
    doc = ip.find_cell_magic("reactant").__doc__
    flags = ("--views", "--no-optimize", "--device", "--timed", "--runs", "--compile", "--grad")
    assert all(flag in doc for flag in flags)
    assert "--grad" in ip.find_line_magic("reactant").__doc__


# --------------------------------------------------------------------------------------------
# Misuse: one-line UsageError


MISUSE = [
    ("--vews jaxpr", "jnp.sin(x)", r"unknown flag --vews\. Did you mean --views\?"),
    ("--tmed", "jnp.sin(x)", r"unknown flag --tmed\. Did you mean --timed\?"),
    ("--views jaxp", "jnp.sin(x)", r"--views got 'jaxp'.*Did you mean jaxpr\?"),
    ("--views ,", "jnp.sin(x)", r"--views needs a comma-separated list"),
    ("--device gpx", "jnp.sin(x)", r"--device takes cpu, gpu, tpu.*Did you mean gpu\?"),
    ("--device 99", "jnp.sin(x)", r"--device 99 is out of range"),
    ("--compile 1abc", "jnp.sin(x)", r"--compile needs a Python name"),
    ("--compile", "jnp.sin(x)", r"expected one argument"),
    ("--grad xx", "jnp.sum(x)", r"--grad got 'xx'.*Did you mean x\?"),
    ("--grad x", "jnp.sin(x)", r"--grad needs a real scalar expression.*\(3,\)"),
    ("--grad x", "z = 1", r"--grad needs the cell to end with an expression"),
    ("--runs 3", "jnp.sin(x)", r"add --timed"),
    ("--timed --runs 0", "jnp.sin(x)", r"--runs needs 1 or more"),
    ("--no-optimize --views hlo", "jnp.sin(x)", r"--no-optimize leaves out the optimized HLO"),
    ("extra", "jnp.sin(x)", r"unrecognized arguments: extra"),
]


@pytest.mark.parametrize(("line", "body", "match"), MISUSE)
def test_misuse_raises_one_line_usage_error(ip, line, body, match):
    with pytest.raises(UsageError, match=match) as info:
        ip.run_cell_magic("reactant", line, body)
    assert "\n" not in str(info.value)


def test_missing_device_kind_is_a_clear_error(ip):
    missing = next(k for k in ("tpu", "gpu") if not _has(k))
    with pytest.raises(UsageError, match=rf"no {missing} device \(it sees .*cpu"):
        ip.run_cell_magic("reactant", f"--device {missing}", "jnp.sin(x)")


def _has(kind):
    try:
        return bool(jax.devices(kind))
    except RuntimeError:
        return False


def test_line_magic_misuse(ip):
    with pytest.raises(UsageError, match="needs an expression"):
        ip.run_line_magic("reactant", "--timed")
    with pytest.raises(UsageError, match="Did you mean --grad"):
        ip.run_line_magic("reactant", "--gradd x jnp.sum(x)")


def test_misuse_in_a_cell_shows_one_line_and_keeps_the_kernel(ip):
    r, text = cell(ip, "--vews jaxpr", "jnp.sin(x)")
    assert isinstance(r.error_in_exec, UsageError)
    assert "Traceback" not in text
    assert run(ip, "", "jnp.sin(x)").value.shape == (3,)


# --------------------------------------------------------------------------------------------
# Errors in user code


@pytest.mark.parametrize(
    ("body", "line_shown", "error"),
    [
        ("a = 1\nb = undefined_name + 1\njnp.sin(x)", "b = undefined_name + 1", NameError),
        ("a = 1\njnp.sin(x) @ jnp.ones(4)", "jnp.sin(x) @ jnp.ones(4)", TypeError),
        ("a = 1\njnp.sin(x) +", "jnp.sin(x) +", SyntaxError),
    ],
)
def test_user_errors_show_the_users_line_not_ours(ip, body, line_shown, error):
    r, text = cell(ip, "", body)
    assert line_shown in text
    assert "workbench/_src" not in text and "magic.py" not in text
    if error is not SyntaxError:
        assert isinstance(r.error_in_exec, error)
    assert r.result is None
    assert run(ip, "", "jnp.sin(x)").value.shape == (3,)  # the shell goes on


def test_user_error_leaves_the_namespace(ip):
    x = ip.user_ns["x"]
    cell(ip, "--compile step", "jnp.sin(x) @ jnp.ones(4)")
    assert ip.user_ns["x"] is x and "step" not in ip.user_ns


# --------------------------------------------------------------------------------------------
# Views, fallbacks, widget


def test_a_failing_view_shows_a_note_and_keeps_the_result(ip):
    res = run(ip, "", "jnp.sin(x)")

    def broken() -> str:
        raise RuntimeError("renderer exploded\nsecond line")

    views = build_views(["result", "graph"], res.value, res.inspection, overrides={"graph": broken})
    assert views[0].text and not views[0].note
    assert views[1].note == "This view failed: RuntimeError: renderer exploded"
    assert "renderer exploded" in html.to_html("t", views)


def test_user_strings_are_escaped(ip):
    ip.user_ns["EVIL"] = EVIL
    res = run(ip, "--views result,hlo", "f = jax.named_scope(EVIL)(jnp.sin)\nf(x)")
    assert EVIL in next(v.text for v in res.views if v.name == "hlo")
    page = res._repr_mimebundle_()["text/html"]
    assert "<img" not in page and "&lt;img src=x onerror=window.__pwned=1&gt;" in page
    evil_view = View("result", EVIL, "text", EVIL, EVIL)
    assert "<img" not in html.to_html(EVIL, [evil_view])


def test_html_fallback_draws_the_graph_where_dot_exists(ip, monkeypatch):
    from workbench._src.notebook import graph_picture

    if graph_picture.shutil.which("dot") is None:
        pytest.skip("the `dot` program is not installed (.ci/run installs Graphviz)")
    ip.user_ns["EVIL"] = EVIL
    res = run(ip, "--views result,graph", "f = jax.named_scope(EVIL)(jnp.sin)\nf(x) * x")
    page = res._repr_mimebundle_()["text/html"]
    graph_part = page[page.index('data-view="graph"') :]
    # Graphviz's drawing, and the legend's (forward, backward, residual edges) above it.
    assert graph_part.count("<svg") == 2 and "<?xml" not in page
    assert graph_part.count('<svg class="wb-legend-picture"') == 1 and "residual" in graph_part
    # One SVG node per graph node (Graphviz names them by our ids); the scope name escaped.
    assert graph_part.count('class="node"') == len(res.inspection.graph.nodes)
    assert "<img" not in page and "&lt;img src=x" in graph_part
    monkeypatch.setattr(graph_picture.shutil, "which", lambda name: None)  # no `dot`: text only
    assert "<svg" not in res._repr_mimebundle_()["text/html"]


def test_inspector_widget_traits(ip):
    res = run(ip, "", "jnp.sin(x)")
    w = res.widget()
    assert isinstance(w, Inspector)
    assert [v["name"] for v in w.views] == names(res)
    assert w.selected == "result" and w.compare == ["jaxpr", "hlo"]
    assert {"views", "selected", "compare", "title", "links", "ir_selection"} <= set(w.keys)
    # The graph tab is the graph viewer, driven by the same traits as wb.graph's widget.
    assert {"graph", "expanded", "viewport", "edges", "search", "highlight"} <= set(w.keys)


def test_inspector_graph_tab_draws_the_programs_graph(ip):
    res = run(ip, "--grad x", "jnp.sum(jax.jit(jnp.cos)(jnp.sin(x) * w))")
    w = res.widget()
    # With --grad, the graph tab draws the gradient's program: forward and backward passes.
    gradient = res.gradients.inspection
    model = gradient.graph
    assert {"forward", "backward"} <= set(model.count("ops"))
    assert [row[0] for row in w.graph["nodes"]] == [n.id for n in model.nodes]
    assert [row[2] for row in w.graph["nodes"]] == [n.primitive for n in model.nodes]
    assert [row[0] for row in w.graph["regions"]] == [r.id for r in model.regions]
    kept = sum(row[10] for row in w.graph["nodes"]) + sum(row[6] for row in w.graph["regions"])
    assert kept == gradient.memory.residual_bytes > 0
    # A small graph opens with every region expanded, as wb.graph's widget does.
    assert set(w.expanded) == {r.id for r in model.regions if r.parent is not None}
    # The state the browser changes lands in the traits (and a new view is drawn from them).
    state = {"expanded": [], "viewport": {"x": 3.0, "y": 1.0, "k": 0.5}, "highlight": ["main/0"]}
    w.set_state(state)
    assert {k: w.get_state()[k] for k in state} == state


def test_inspector_graph_of_a_large_program(ip, monkeypatch):
    from workbench._src.notebook import graph_picture, inspector

    monkeypatch.setattr(graph_picture, "LARGE_GRAPH", 3)
    res = run(ip, "", "jnp.sum(jax.jit(jnp.cos)(jnp.sin(x) * w))")
    assert len(res.inspection.graph.nodes) > 3
    w = res.widget()
    assert w.graph["nodes"] and w.expanded == []  # large graphs open collapsed
    monkeypatch.setattr(inspector, "INSPECTOR_MAX_NODES", 3)
    w = res.widget()  # too large for the inspector: its graph tab shows the view's text
    assert "nodes" not in w.graph and w.graph["too_large"] == len(res.inspection.graph.nodes)
    assert "Graph:" in next(v["text"] for v in w.views if v["name"] == "graph")


def test_ir_lines_link_to_graph_nodes(ip):
    res = run(ip, "", "jnp.sum(jnp.sin(x) * w)")
    w = res.widget()
    lines = next(v["text"] for v in w.views if v["name"] == "jaxpr").splitlines()
    nodes = {n.id: n for n in res.inspection.graph.nodes}
    linked = {int(k): ids for k, ids in w.links["jaxpr"].items()}
    assert {n.id for n in res.inspection.graph.ops} <= {i for ids in linked.values() for i in ids}
    assert sorted(linked) == list(range(len(lines)))  # every line, the header and "in" too
    for k, ids in linked.items():  # (the header links to the arguments, "in" to the results)
        assert all(nodes[i].primitive in lines[k] for i in ids if nodes[i].kind == "op")
    # Selecting a line in the browser sets the highlight to its ids; an unknown id is refused.
    line = next(k for k, ids in linked.items() if nodes[ids[0]].primitive == "sin")
    w.set_state({"ir_selection": {"view": "jaxpr", "line": line}, "highlight": linked[line]})
    assert [nodes[i].primitive for i in w.highlight] == ["sin"]
    with pytest.raises(traitlets.TraitError, match="is none of"):
        w.highlight = ["main/999"]


def test_a_failed_graph_view_sends_no_graph(ip):
    res = run(ip, "", "jnp.sin(x)")

    def broken() -> str:
        raise RuntimeError("no graph today")

    views = build_views(["result", "graph"], res.value, res.inspection, overrides={"graph": broken})
    w = Inspector.of("t", views, res.inspection)
    assert w.graph == {} and views[1].note


# --------------------------------------------------------------------------------------------
# Sharding: a program over several devices


SHARDED_SETUP = """
from jax.sharding import NamedSharding, PartitionSpec as P
mesh = jax.make_mesh((4, 2), ("data", "model"))
xs = jax.device_put(jnp.arange(32.0).reshape(8, 4), NamedSharding(mesh, P("data", "model")))
params = {"w": jax.device_put(jnp.arange(4.0), NamedSharding(mesh, P("model")))}
"""


def _sharded_facts(shell) -> dict:
    """Runs ``%%reactant`` on a program over a 4 x 2 mesh; returns what it showed and, from raw
    JAX, where each device's shard of the argument lies (JSON, so a subprocess can send it)."""
    shell.run_cell(SHARDED_SETUP)
    res = run(shell, "", "jnp.sum(jnp.sin(xs) * 2.0, axis=0)")
    xs = shell.user_ns["xs"]
    widget_views = {v["name"]: v for v in res.widget().views}
    shards = {
        f"{d.platform}:{d.id}": [[idx[0].start or 0, idx[1].start or 0]]
        for d, idx in xs.sharding.devices_indices_map(xs.shape).items()
    }
    view = next(v for v in res.views if v.name == "sharding")
    # A dict of arrays on the (Explicit-axes) mesh is a traced input too, never a constant.
    tree = run(shell, "--views result,sharding", "jnp.sum(xs * params['w'], axis=1)")
    tree_view = next(v for v in tree.views if v.name == "sharding")
    return {
        "tree_inputs": list(tree.inputs),
        "tree_value": np.asarray(tree.value).tolist(),
        "tree_expected": (np.asarray(xs) @ np.arange(4.0)).tolist(),
        "tree_arguments": [a["name"] for a in tree_view.data["arguments"]],
        "views": names(res),
        "text": view.text,
        "data": view.data,
        "widget_data": widget_views["sharding"]["data"],
        "shards": shards,
        "value": np.asarray(res.value).tolist(),
        "expected": np.asarray(jnp.sum(jnp.sin(xs) * 2.0, axis=0)).tolist(),
    }


_SUBPROCESS = f"""
import json, sys
sys.path.insert(0, {str(ROOT)!r})
import jax
import workbench
from tests.test_magic import _sharded_facts
ip = start_ipython()
ip.run_line_magic("load_ext", "workbench")
ip.user_ns.update(jax=jax, jnp=jax.numpy)
print("FACTS=" + json.dumps(_sharded_facts(ip)))
"""


@pytest.fixture(scope="module")
def sharded(shell):
    if len(jax.devices()) >= 8 and not os.environ.get("WB_TEST_SHARDING_SUBPROCESS"):
        shell.user_ns.update(jax=jax, jnp=jnp, np=np)
        return _sharded_facts(shell)
    # This process has too few devices (they are fixed once JAX starts): 8 host devices in a
    # fresh interpreter.
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=8"}
    env.pop("WB_TEST_SHARDING_SUBPROCESS", None)
    out = subprocess.run(
        [sys.executable, "-c", _SUBPROCESS], env=env, capture_output=True, text=True, timeout=300
    )
    line = next((x for x in out.stdout.splitlines() if x.startswith("FACTS=")), None)
    assert line is not None, out.stdout[-2000:] + out.stderr[-4000:]
    return json.loads(line[len("FACTS=") :])


def test_sharding_view_is_shown_for_a_program_over_several_devices(sharded):
    views = sharded["views"]
    assert "sharding" in views and views.index("sharding") == views.index("graph") + 1
    np.testing.assert_allclose(sharded["value"], sharded["expected"])
    assert sharded["text"].startswith("Sharding: 8 devices")
    assert "PartitionSpec('data', 'model')" in sharded["text"]


def test_sharding_view_data_is_a_grid_of_each_devices_block(sharded):
    data = sharded["data"]
    assert sharded["widget_data"] == data  # what the widget receives
    assert len(data["devices"]) == 8 and data["mesh"] == [["data", 4], ["model", 2]]
    (xs,) = [a for a in data["arguments"] if a["name"] == "xs"]
    assert xs["shape"] == [8, 4] and not xs["replicated"]
    # Raw JAX's shards: each device's block starts at its slice; the grid puts it there.
    starts = {tuple(s[0]) for s in sharded["shards"].values()}
    assert len(starts) == 8 == (len(xs["rows"]) - 1) * (len(xs["cols"]) - 1)
    for name, [[r0, c0]] in sharded["shards"].items():
        i, j = xs["rows"].index(r0), xs["cols"].index(c0)
        assert xs["cells"][i][j] == [data["devices"].index(name)]
    # float64 with JAX_ENABLE_X64=1, float32 without (jnp.arange(32.0)); one eighth each
    assert xs["bytes_per_device"] == 8 * 4 * FLOAT.itemsize // 8
    # Summing over the sharded axis 0 moves data between devices.
    assert data["collectives"] and all(c["kind"] for c in data["collectives"])
    assert set(data["memory_per_device"]) >= {"argument_bytes", "total_bytes"}


def test_a_dict_of_sharded_arrays_is_a_traced_input(sharded):
    assert sharded["tree_inputs"] == ["xs", "params"]
    np.testing.assert_allclose(sharded["tree_value"], sharded["tree_expected"])
    assert sharded["tree_arguments"] == ["xs", "params['w']"]


def test_sharding_view_on_one_device_on_request(ip):
    res = run(ip, "--views result,sharding", "jnp.sin(x)")
    view = res.views[1]
    assert view.name == "sharding" and not view.note
    assert view.text.startswith("Sharding: 1 device")
    assert len(view.data["devices"]) == 1
    (arg,) = view.data["arguments"]
    assert arg["replicated"] and arg["cells"] == [[[0]]]
    assert "Sharding: 1 device" in html.to_html("t", res.views)  # the text fallback


def test_sharding_data_is_bounded():
    from workbench._src.notebook import views as views_module

    class Report:
        def to_json(self):
            grid = {"rows": list(range(101)), "cols": [0, 1], "cells": [[[0]]] * 100}
            arrays = [{"name": f"a{i}", **grid} for i in range(70)]
            return {"arguments": arrays, "outputs": [], "collectives": [{}] * 250}

    data = views_module.sharding_data(Report())
    assert len(data["arguments"]) == views_module.MAX_SHARDING_ARRAYS
    assert data["left_out"] == {"arguments": 6, "collectives": 50}
    a = data["arguments"][0]
    assert len(a["rows"]) == views_module.MAX_SHARDING_BLOCKS + 1 and a["clipped"] == [100, 1]
    assert len(a["cells"]) == views_module.MAX_SHARDING_BLOCKS


def test_the_memory_view_carries_its_tables_notes_in_full(ip):
    """Issue 24: the memory tab was plain text, its notes cut off; the inspector draws tables
    from the view's data (extensions/inspector/memory.js)."""
    res = run(ip, "--grad x", "jnp.sum(jnp.sin(x) * x) * scale")
    view = next(v for v in res.views if v.name == "memory")
    data = view.data
    memory = res.gradients.inspection.memory  # the gradient's program: its residuals
    assert [r["value"] for r in data["residuals"]] == [str(r.aval) for r in memory.residuals]
    assert sum(r["bytes"] for r in data["residuals"]) == data["residual_bytes"] > 0
    assert all(r["source"] for r in data["residuals"]) and data["left_out"] == 0
    compiled = memory.compiled
    assert compiled is not None and data["compiled"]["notes"] == list(compiled.notes)
    assert dict(data["compiled"]["rows"])["temp"] == compiled.temp_bytes
    assert "Residuals:" in view.text  # the text stays, for pages without the widget
