"""Where a NaN is made, on the graph: ``NanReport.path``, ``wb.graph(..., nans=True)`` and
``%%reactant --nans`` (issue 16, item 2).

Oracles: the graph model of the program searched (``graph_from_jaxpr``, built independently of
the search) for the ids, edges and their kinds; the functions' arithmetic for which value is not
finite (``1 / 0`` meets ``min`` and leaves a finite 1; ``0 ** -2``, the derivative's factor, is the
inf the backward ``0 * inf`` meets); NumPy for the loop's overflow step.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import workbench as wb
from tests.ipython_shell import run_reactant as run
from tests.ipython_shell import shared_shell
from workbench.introspect import graph_from_jaxpr

F32_MAX = float(np.finfo(np.float32).max)


def min_recip(x):
    return jnp.minimum(1.0, 1.0 / x)


def guarded_sqrt(x):
    return jnp.where(x > 0, jnp.sqrt(x), 0.0)


def overflow_loop(x):
    return wb.fori_loop(0, 100, lambda k, c: c * 10.0, x, checkpointing=wb.Binomial(4))


def graph_of(report):
    return graph_from_jaxpr(report.program)


def reaches(graph, start, goal):
    succ = {}
    for e in graph.edges:
        succ.setdefault(e.source, set()).add(e.target)
    seen, todo = {start}, [start]
    while todo:
        n = todo.pop()
        if n == goal:
            return True
        for m in succ.get(n, ()):
            if m not in seen:
                seen.add(m)
                todo.append(m)
    return False


@pytest.mark.parametrize("wrap", [lambda f: f, wb.jit], ids=["plain", "wb.jit"])
def test_path_of_the_backward_nan_names_the_residual_that_carried_the_inf(wrap):
    report = wb.explain_nans(wrap(min_recip), jnp.float32(0.0), mode=wb.Reverse)
    g = graph_of(report)
    p = report.path
    origin = g.node(p.origin)
    assert origin.primitive == "mul" and origin.phase == "backward"
    assert p.origin == report.origin.node
    # The inf the NaN met is one the forward pass made and kept for the backward pass. Which one
    # is JAX's rule for div: up to JAX 0.12.0 the derivative's own factor 0 ** -2 (an
    # integer_pow), from 0.12.1 the quotient 1 / 0 itself, reused by the rule. Either way an
    # inf made in the forward pass that reached the backward NaN through a residual edge.
    source = g.node(p.source)
    assert source.phase == "forward" and source.primitive in ("div", "integer_pow", "pow")
    made_inf = [n for n in g.nodes if n.phase == "forward" and n.primitive == source.primitive]
    assert source in made_inf
    assert report.inf_origin.primitive == source.primitive
    assert report.inf_origin.node == p.source
    kinds = {(e.source, e.target): e.kind for e in g.edges}
    assert kinds[(p.source, p.origin)] == "residual"
    # (JAX 0.12.1's rule keeps more than one forward value on the way: each a residual edge.)
    assert (p.source, p.origin) in p.residual
    assert all(kinds[e] == "residual" for e in p.residual)
    # The way goes on to the derivative's output, and every edge on it is one of the graph's.
    derivative = next(n.id for n in g.nodes if n.kind == "result" and n.id.endswith("out1"))
    assert derivative in p.nodes and reaches(g, p.origin, derivative)
    assert all(e in kinds for e in p.edges)
    assert all(a in p.nodes and b in p.nodes for a, b in p.edges)
    # The primal's output (finite 1.0) is not on the way.
    value = next(n.id for n in g.nodes if n.kind == "result" and n.id.endswith("out0"))
    assert value not in p.nodes


@pytest.mark.parametrize(
    "f, x",
    [(jnp.log, -1.0), (jnp.sqrt, -4.0), (lambda x: x / x, 0.0)],
    ids=["log(-1)", "sqrt(-4)", "0/0"],
)
def test_a_nan_from_finite_operands_met_no_inf(f, x):
    report = wb.explain_nans(f, jnp.float32(x), mode=None)
    assert report.found and report.origin.kind == "nan"
    assert all(np.isfinite(v) for v in report.origin.operands)
    assert report.inf_origin is None and report.path.source is None
    assert report.path.residual == ()


def test_path_out_of_a_checkpointed_loop():
    report = wb.explain_nans(overflow_loop, jnp.float32(10.0), mode=wb.Reverse)
    g = graph_of(report)
    origin = g.node(report.path.origin)
    assert origin.primitive == "mul" and report.origin.iteration == next(
        k for k in range(100) if 10.0 ** (k + 2) > F32_MAX
    )
    # The origin sits inside the loop's region, and its way leaves the loop for an output.
    regions = {r.id: r for r in g.regions}
    r = regions[origin.region]
    while r.kind != "loop" and r.parent is not None:
        r = regions[r.parent]
    assert r.kind == "loop"
    outs = [n for n in report.path.nodes if g.node(n).kind == "result"]
    assert outs and all(reaches(g, origin.id, o) for o in outs)


def test_graph_with_nans_marks_the_program_it_draws():
    w = wb.graph(min_recip, jnp.float32(0.0), mode=wb.Reverse, nans=True)
    model = w.model
    m = w.marks
    assert model.node(m["origin"]).primitive == "mul"
    assert model.node(m["origin"]).phase == "backward"
    assert w.highlight == [m["origin"]]
    ids = {n.id for n in model.nodes}
    assert set(m["nodes"]) <= ids and m["source"] in ids
    assert m["label"] == "NaN made here (mul, backward)"
    # The same program as wb.graph draws without nans: the marks fit the plain graph too.
    plain = wb.graph(min_recip, jnp.float32(0.0), mode=wb.Reverse)
    assert [n.id for n in plain.model.nodes] == [n.id for n in model.nodes]
    assert w.report.origin.node == m["origin"]
    assert str(w.report) in w.to_text()
    assert "explain_nans (Reverse)" in w.to_html()


def test_graph_with_nans_on_a_finite_program_marks_nothing():
    w = wb.graph(min_recip, jnp.float32(2.0), mode=wb.Reverse, nans=True)
    assert w.marks == {} and w.highlight == []
    assert not w.report.found


def test_report_graph_and_json():
    report = wb.explain_nans(guarded_sqrt, jnp.float32(0.0), mode=wb.Reverse)
    w = report.graph()
    assert w.marks["origin"] == report.path.origin
    data = report.to_json()
    assert data["found"] and data["origin"]["primitive"] == report.origin.primitive
    assert data["path"]["origin"] == report.path.origin
    assert data["remedy"]["name"] == "double where" and data["remedy"]["verified"] is True
    assert data["text"] == str(report)
    import json

    json.dumps(data)  # plain data, as the widget's trait sends it
    hand_made = wb.NanReport(False, None, None, None, (), "primal")
    with pytest.raises(wb.WorkbenchError, match=r"no program to draw.*wb\.explain_nans"):
        hand_made.graph()


# --------------------------------------------------------------------------------------------
# %%reactant --nans


@pytest.fixture(scope="module")
def shell():
    return shared_shell()


@pytest.fixture
def ip(shell):
    shell.user_ns.update(jnp=jnp, x=jnp.array([0.0, 1.0, 4.0], jnp.float32), w=jnp.ones(3))
    return shell


def test_reactant_nans_adds_the_view_and_marks_the_graph_tab(ip):
    res = run(ip, "--nans", "jnp.log(x - 1.0)")
    names = [v.name for v in res.views]
    assert names[:2] == ["result", "nans"]
    view = res.views[1]
    assert view.data["found"] and view.data["origin"]["primitive"] == "log"
    assert view.data["origin"]["source"].startswith("cell [")
    assert view.text == str(res.nans)
    w = res.widget()
    # The report's ids are those of the graph tab's graph: the program the inspection drew.
    assert w._graph_model.node(w.marks["origin"]).primitive == "log"
    assert w.highlight == [w.marks["origin"]]


def test_reactant_grad_nans_searches_the_gradient_program(ip):
    res = run(ip, "--grad x --nans", "jnp.sum(jnp.where(x > 0, jnp.sqrt(x), 0.0) * w)")
    assert res.nans.mode == "Reverse"
    assert res.nans.remedy.name == "double where" and res.nans.remedy.verified
    w = res.widget()
    origin = w._graph_model.node(w.marks["origin"])
    assert origin.phase == "backward"
    assert w.marks["residual"], "the inf of sqrt's derivative is kept for the backward pass"
    # The gradient itself (NaN at 0) is the output named on the way.
    assert np.isnan(np.asarray(res.gradients.values["x"])[0])
    assert [o[0] for o in res.nans.outputs if o[1] != "finite"] == ["derivative of x"]


def test_reactant_nans_on_a_finite_expression(ip):
    res = run(ip, "--nans", "jnp.sum(jnp.sin(x))")
    view = next(v for v in res.views if v.name == "nans")
    assert view.data["found"] is False and "none found" in view.text
    assert res.widget().marks == {}


def test_reactant_nans_view_without_the_flag_says_how(ip):
    res = run(ip, "--views result,nans", "jnp.sum(x)")
    view = next(v for v in res.views if v.name == "nans")
    assert view.data is not None and view.data["found"] is False  # asked for by name: it ran


def test_a_failing_search_is_a_note_not_a_dead_cell(ip, monkeypatch):
    from workbench._src.notebook import magic

    def boom(*a, **k):
        raise RuntimeError("instrumented program too large")

    monkeypatch.setattr(magic, "explain_traced", boom)
    res = run(ip, "--nans", "jnp.log(x)")
    view = next(v for v in res.views if v.name == "nans")
    assert "RuntimeError: instrumented program too large" in view.note
    assert res.nans is None and res.widget().marks == {}


@pytest.mark.parametrize("budget", [0, None], ids=["capture run", "captured by the search"])
def test_the_operands_at_the_loops_first_overflow(budget, monkeypatch):
    """The operands the report shows are those of the step that overflowed, whether the search
    captured them itself (loop bodies, within nans.CAPTURE_BYTES) or a second run did."""
    from workbench._src.debug import nans

    if budget is not None:
        monkeypatch.setattr(nans.interpreter, "CAPTURE_BYTES", budget)

    def run(x):
        return wb.fori_loop(0, 100, lambda k, c: c * 10.0, x)

    report = wb.explain_nans(run, jnp.float32(10.0), mode=None)
    c, step = np.float32(10.0), 0  # NumPy's float32 steps, up to the one that overflows
    with np.errstate(over="ignore"):
        while np.isfinite(c * np.float32(10.0)):
            c, step = c * np.float32(10.0), step + 1
    assert report.origin.iteration == step
    assert report.origin.operands == (float(c), 10.0)


# --------------------------------------------------------------------------------------------
# The search composes with JAX's transformations inside the function (matrix: program x mode)


@jax.custom_jvp
def _log_with_rule(x):
    return jnp.log(x)


@_log_with_rule.defjvp
def _log_with_rule_jvp(primals, tangents):
    (x,), (dx,) = primals, tangents
    return jnp.log(x), dx / x


COMPOSED = {
    "vmap": (lambda x: jnp.sum(jax.vmap(min_recip)(x)), [0.0, 1.0]),
    "checkpoint": (lambda x: jnp.sum(jax.checkpoint(min_recip)(x)), [0.0, 1.0]),
    "custom_jvp": (lambda x: jnp.sum(_log_with_rule(x) * 0.0 + _log_with_rule(x)), [0.0, 1.0]),
    "grad inside": (lambda x: jnp.sum(jax.grad(lambda y: jnp.sum(jnp.sqrt(y)))(x)), [0.0, 1.0]),
    "scan": (
        lambda x: jnp.sum(jax.lax.scan(lambda c, _: (c * 1e20, None), x, None, length=5)[0]),
        [1.0, 2.0],
    ),
    "nested wb.jit": (wb.jit(lambda x: jnp.sum(wb.jit(min_recip)(x))), [0.0, 1.0]),
    "smooth under vmap": (lambda x: jnp.sum(jax.vmap(jnp.sin)(x)), [0.0, 1.0]),
}


def _raw(f, x, mode):
    """Raw JAX's value of what explain_nans searches: f, its gradient or its Jacobian."""
    if mode is None:
        return f(x)
    return jax.grad(f)(x) if mode.is_reverse else jax.jacfwd(f)(x)


@pytest.mark.parametrize(
    "mode", [None, wb.Reverse, wb.Forward], ids=["primal", "Reverse", "Forward"]
)
@pytest.mark.parametrize("case", list(COMPOSED))
@pytest.mark.parametrize(
    "dtype",
    [
        pytest.param(jnp.float32, marks=pytest.mark.float32_twin),
        pytest.param(jnp.float64, marks=pytest.mark.float64),
    ],
    ids=["float32", "float64"],
)
def test_the_search_composes_with_jax_transformations(case, mode, dtype):
    f, values = COMPOSED[case]
    x = jnp.asarray(values, dtype)
    report = wb.explain_nans(f, x, mode=mode)
    # Oracle: raw JAX's value (and, with a mode, its derivative) holds a non-finite number
    # exactly when the search finds one.
    outs = [np.asarray(f(x))] + ([] if mode is None else [np.asarray(_raw(f, x, mode))])
    assert report.found == (not all(np.isfinite(o).all() for o in outs))
    if not report.found:
        assert report.path is None and report.graph().marks == {}
        return
    # Its origin and way are nodes (or regions) of the program searched, and reach an output.
    g = graph_of(report)
    ids = {n.id for n in g.nodes} | {r.id for r in g.regions}
    assert report.path.origin in ids and set(report.path.nodes) <= ids
    assert any(g.node(n).kind == "result" for n in report.path.nodes)
    assert report.graph().marks["origin"] == report.origin.node


@pytest.mark.parametrize(
    "transform", [jax.jit, jax.vmap, jax.grad], ids=["jax.jit", "jax.vmap", "jax.grad"]
)
@pytest.mark.parametrize("tool", ["explain_nans", "check_gradient"])
def test_the_tools_called_inside_a_transformation_say_so(tool, transform):
    run = getattr(wb, tool)

    def inside(x):
        run(min_recip, x, mode=wb.Reverse)
        return jnp.sum(x)

    x = jnp.ones(2, jnp.float32) if transform is jax.vmap else jnp.float32(1.0)
    with pytest.raises(
        wb.WorkbenchError,
        match=rf"{tool} runs the program itself.*argument 0 holds a traced float32\[\].*"
        r"inside a JAX transformation.*Call it outside",
    ):
        transform(inside)(x)


def test_the_static_fallback_marks_the_way_too():
    """An exported page shows Graphviz's drawing: the origin and the source say what was made
    there, and the way is drawn in the marks' red, as the live view does."""
    import shutil

    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed: the fallback is the text")
    w = wb.graph(min_recip, jnp.float32(0.0), mode=wb.Reverse, nans=True)
    page = w.to_html()
    assert "NaN made here (mul, backward)" in page and "inf made here" in page
    assert page.count("#b00020") >= len(w.marks["nodes"]) + len(w.marks["edges"])
    plain = wb.graph(min_recip, jnp.float32(0.0), mode=wb.Reverse).to_html()
    assert "#b00020" not in plain and "made here" not in plain
