"""The graph model and the memory report, checked against JAX's own answers.

Structure, not exact text: JAX's printing changes between versions. Oracles: the equations of
``jax.make_jaxpr`` (counted recursively), their name stacks as JAX prints them,
``jax.ad_checkpoint.print_saved_residuals`` (its printed output, captured), and the compiled
program's ``memory_analysis()`` / ``cost_analysis()``.
"""

from __future__ import annotations

import contextlib
import io
import pathlib
from collections import Counter
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import pytest
from jax.ad_checkpoint import checkpoint_name, print_saved_residuals
from jax.extend import core as jcore

import workbench as wb
from workbench._src.introspect import Graph, graph_from_jaxpr, hlo_ops, memory_report

X = jnp.arange(3.0) + 0.5


# --------------------------------------------------------------------------------------------
# Functions under test


def f_flat(x, y):
    return jnp.sum(jnp.sin(x) * y)


def f_scoped(x):
    a = jnp.sin(x) * x
    with jax.named_scope("blk"):
        b = jnp.cos(a)
    return jnp.sum(b * x)


@jax.jit
def _g(x):
    return jnp.sin(x) * 2


def f_jit(x):
    return jnp.sum(_g(x) ** 2)


def f_scan(x):
    def body(c, _):
        return jnp.sin(c) * x, None

    c, _ = jax.lax.scan(body, x, None, length=5)
    return jnp.sum(c)


def f_remat(x):
    return jnp.sum(jax.checkpoint(lambda y: jnp.sin(jnp.sin(y)))(x))


def f_cond(x):
    return jnp.sum(jax.lax.cond(x[0] > 0, jnp.sin, jnp.cos, x) * x)


def f_named(x):
    y = checkpoint_name(jnp.sin(x), "sy")
    return jnp.sum(jnp.sin(y))


@jax.custom_vjp
def _cv(x):
    return jnp.sin(x)


_cv.defvjp(lambda x: (jnp.sin(x), jnp.cos(x)), lambda r, g: (g * r,))


def f_custom_vjp(x):
    return jnp.sum(_cv(x) * x)


def f_policy(x):
    policy = jax.checkpoint_policies.save_only_these_names("a")
    h = jax.checkpoint(lambda y: jnp.sin(checkpoint_name(jnp.sin(y), "a")), policy=policy)
    return jnp.sum(h(x))


def f_pytree(params, x):
    return jnp.sum(jnp.tanh(params["w"] * x) + params["b"])


# (name, function, arguments, region kinds the gradient's graph holds beside the program)
CASES: list[tuple[str, Callable[..., Any], tuple[Any, ...], dict[str, int]]] = [
    ("flat", f_flat, (X, X + 1), {}),
    ("named_scope", f_scoped, (X,), {"named_scope": 2}),
    ("jit", f_jit, (X,), {"jit": 2}),
    ("scan", f_scan, (X,), {"scan": 2}),
    ("remat", f_remat, (X,), {"remat": 1, "named_scope": 1}),
    ("cond", f_cond, (X,), {"cond": 2, "branch": 4}),
    ("checkpoint_name", f_named, (X,), {}),
    # The rule's forward function (a lambda of this file) is the user's: a call of its own.
    ("custom_vjp", f_custom_vjp, (X,), {"function": 1}),
    ("remat_policy", f_policy, (X,), {"remat": 1, "named_scope": 1}),
    ("pytree", f_pytree, ({"w": X, "b": X[0]}, X), {}),
]
IDS = [c[0] for c in CASES]


def grad_jaxpr(f: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    argnums = tuple(range(len(args)))
    return jax.make_jaxpr(jax.grad(f, argnums=argnums))(*args)


def jax_residuals(f: Callable[..., Any], args: tuple[Any, ...]) -> list[tuple[str, str]]:
    """What print_saved_residuals prints, one (aval, provenance) pair a line."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        print_saved_residuals(f, *args)
    return [tuple(line.split(" ", 1)) for line in buf.getvalue().splitlines() if line]  # type: ignore[misc]


def leaf_eqns(jaxpr: Any) -> list[Any]:
    """Every equation that holds no jaxpr, recursively (the oracle for op nodes)."""
    out = []
    for e in jaxpr.eqns:
        subs = list(jcore.jaxprs_in_params(e.params))
        if subs:
            for s in subs:
                out += leaf_eqns(s)
        else:
            out.append(e)
    return out


def transforms_phase(eqn: Any, outer: str = "") -> str:
    """Phase from the name stack as JAX prints it: the first transform named decides."""
    text = outer + str(eqn.source_info.name_stack)
    t, j = text.find("transpose("), text.find("jvp(")
    if t < 0 and j < 0:
        return "primal"
    if j < 0 or 0 <= t < j:
        return "backward"
    return "forward"


# --------------------------------------------------------------------------------------------
# Graph model


@pytest.mark.parametrize(("name", "f", "args", "regions"), CASES, ids=IDS)
def test_graph_has_a_node_per_equation_and_the_regions_of_the_program(
    name: str, f: Callable[..., Any], args: tuple[Any, ...], regions: dict[str, int]
) -> None:
    closed = grad_jaxpr(f, args)
    g = graph_from_jaxpr(closed)
    leaves = leaf_eqns(closed.jaxpr)
    assert [n.primitive for n in g.ops] == [e.primitive.name for e in leaves]
    kinds = Counter(n.kind for n in g.nodes)
    assert kinds["argument"] == len(closed.jaxpr.invars)
    assert kinds["result"] == len(closed.jaxpr.outvars)
    assert dict(Counter(r.kind for r in g.regions if r.kind != "program")) == regions
    assert g.count("ops").get("backward", 0) > 0 and g.count("ops").get("forward", 0) > 0


@pytest.mark.parametrize(("name", "f", "args", "regions"), CASES, ids=IDS)
def test_graph_is_well_formed(
    name: str, f: Callable[..., Any], args: tuple[Any, ...], regions: dict[str, int]
) -> None:
    g = graph_from_jaxpr(grad_jaxpr(f, args))
    node_ids = [n.id for n in g.nodes]
    region_ids = [r.id for r in g.regions]
    assert len(set(node_ids)) == len(node_ids) and len(set(region_ids)) == len(region_ids)
    assert not set(node_ids) & set(region_ids)
    for n in g.nodes:
        assert n.region in region_ids
    for r in g.regions:
        assert r.parent is None or r.parent in region_ids
    phases = {n.id: n.phase for n in g.nodes}
    for e in g.edges:
        assert e.source in phases and e.target in phases
        src, dst = phases[e.source], phases[e.target]
        expected = (
            "backward" if src == "backward" else "residual" if dst == "backward" else "forward"
        )
        assert e.kind == expected, e
    # A region's phase is that of the equation that holds it; its nodes follow it.
    for n in g.ops:
        region = g.region(n.region)
        if region.kind != "program" and region.phase == "backward":
            assert n.phase == "backward"


def test_flat_graph_phases_and_edges_match_the_jaxpr() -> None:
    closed = grad_jaxpr(f_flat, (X, X + 1))
    g = graph_from_jaxpr(closed)
    eqns = closed.jaxpr.eqns
    assert [n.phase for n in g.ops] == [transforms_phase(e) for e in eqns]
    # One edge per (value, consuming equation) and one per result.
    pairs = sum(len({v for v in e.invars if not isinstance(v, jcore.Literal)}) for e in eqns)
    results = sum(not isinstance(v, jcore.Literal) for v in closed.jaxpr.outvars)
    assert len(g.edges) == pairs + results
    assert [e.source for e in g.edges if e.target == "main/0"] == ["main/in0"]


@pytest.mark.parametrize(("name", "f", "args", "regions"), CASES, ids=IDS)
def test_residual_edges_start_at_the_residuals(
    name: str, f: Callable[..., Any], args: tuple[Any, ...], regions: dict[str, int]
) -> None:
    g = graph_from_jaxpr(grad_jaxpr(f, args))
    residual_sources = {(e.source, e.output) for e in g.edges if e.kind == "residual"}
    assert residual_sources
    for src, _ in residual_sources:
        assert g.node(src).phase != "backward"
    # Every backward node is reached from a residual or another backward node.
    fed = {e.target for e in g.edges if e.kind in ("residual", "backward")}
    for n in g.ops:
        if n.phase == "backward" and any(e.target == n.id for e in g.edges):
            assert n.id in fed


def test_scan_residual_edges_run_from_the_forward_body_to_the_backward_body() -> None:
    g = graph_from_jaxpr(grad_jaxpr(f_scan, (X,)))
    loops = {r.id: r for r in g.regions if r.kind == "scan"}
    forward, backward = sorted(loops, key=lambda rid: loops[rid].phase == "backward")
    assert loops[forward].phase == "forward" and loops[backward].phase == "backward"
    assert dict(loops[forward].params)["length"] == "5"
    assert dict(loops[forward].params)["num_carry"] == "1"  # read from ft_in on JAX 0.11+
    crossing = [
        e
        for e in g.edges
        if e.kind == "residual"
        and g.node(e.source).region == forward
        and g.node(e.target).region == backward
    ]
    assert {g.node(e.source).primitive for e in crossing} == {"sin", "cos"}


def test_named_scopes_are_regions_split_by_phase() -> None:
    g = graph_from_jaxpr(grad_jaxpr(f_scoped, (X,)))
    scopes = [r for r in g.regions if r.kind == "named_scope"]
    assert sorted((r.name, r.phase) for r in scopes) == [("blk", "backward"), ("blk", "forward")]
    for r in scopes:
        _, nodes = g.children(r.id)
        assert nodes and all(n.phase == r.phase for n in nodes)
        assert all("blk" in n.name_stack for n in nodes)


def test_remat_marks_recomputed_nodes_in_the_backward_pass() -> None:
    g = graph_from_jaxpr(grad_jaxpr(f_remat, (X,)))
    recomputed = [n for n in g.ops if n.recomputed]
    assert recomputed and all(n.phase == "backward" for n in recomputed)
    assert "sin" in {n.primitive for n in recomputed}
    assert any(n.primitive == "sin" and not n.recomputed for n in g.ops)


def test_nodes_carry_shapes_dtypes_parameters_and_source_lines() -> None:
    f = lambda x: jnp.sum(x.astype(jnp.float32) ** 2, axis=1)
    g = graph_from_jaxpr(jax.make_jaxpr(f)(jnp.ones((2, 3), jnp.int32)))
    convert, power, reduce = g.ops
    assert (str(convert.inputs[0]), str(convert.outputs[0])) == ("i32[2,3]", "f32[2,3]")
    assert convert.outputs[0].shape == (2, 3) and convert.outputs[0].nbytes == 24
    assert dict(power.params)["y"] == "2"
    assert dict(reduce.params)["axes"] == "(1,)"
    assert reduce.source is not None and reduce.source.file == __file__
    assert reduce.source.line == f.__code__.co_firstlineno


def test_graph_ids_are_stable_across_traces() -> None:
    def trace() -> Graph:
        return graph_from_jaxpr(grad_jaxpr(lambda x: f_scan(x) + f_cond(x), (X,)))

    a, b = trace(), trace()
    assert a == b
    assert [n.id for n in a.nodes] == [n.id for n in b.nodes]
    assert a.node("main/in0").name == "x"
    assert a.region("main").kind == "program"


def test_second_derivative_tags_by_the_outer_derivative() -> None:
    inner = jax.grad(lambda x: jnp.sum(jnp.sin(x) ** 3))
    closed = jax.make_jaxpr(jax.grad(lambda x: jnp.sum(inner(x))))(X)
    g = graph_from_jaxpr(closed)
    assert [n.phase for n in g.ops] == [transforms_phase(e) for e in closed.jaxpr.eqns]
    # The inner gradient's backward pass runs in the outer forward pass.
    assert any(n.phase == "forward" and n.name_stack.startswith("jvp(transpose(") for n in g.ops)


def test_graph_lookup_errors_name_the_nearest_ids() -> None:
    g = graph_from_jaxpr(grad_jaxpr(f_flat, (X, X)))
    with pytest.raises(KeyError, match=r"No node with id 'main/99'.*Did you mean"):
        g.node("main/99")
    with pytest.raises(ValueError, match=r"Graph.count received 'things': it counts 'ops'"):
        g.count("things")  # an OptionError, a ValueError (tests/test_errors.py)
    with pytest.raises(TypeError, match=r"graph_from_jaxpr needs a jaxpr, but received a str"):
        graph_from_jaxpr("not a jaxpr")


# --------------------------------------------------------------------------------------------
# Memory report


@pytest.mark.parametrize(("name", "f", "args", "regions"), CASES, ids=IDS)
def test_residuals_match_print_saved_residuals(
    name: str, f: Callable[..., Any], args: tuple[Any, ...], regions: dict[str, int]
) -> None:
    report = memory_report(grad_jaxpr(f, args))
    ours = sorted((str(r.aval), r.source) for r in report.residuals)
    assert ours == sorted(jax_residuals(f, args))
    assert report.residual_bytes == sum(r.aval.nbytes for r in report.residuals)


def test_residuals_are_those_the_backward_pass_reads() -> None:
    # JAX lists what jax.vjp keeps; the gradient's own backward pass may read fewer (relu's
    # zeros are rebuilt in the backward pass): ours is the subset the program really keeps.
    f = lambda x: jnp.sum(jax.nn.relu(x) * x)
    ours = Counter((str(r.aval), r.source) for r in memory_report(grad_jaxpr(f, (X,))).residuals)
    theirs = Counter(jax_residuals(f, (X,)))
    assert ours and not ours - theirs


def test_residuals_point_at_their_producers_and_consumers() -> None:
    closed = grad_jaxpr(f_flat, (X, X + 1))
    g = graph_from_jaxpr(closed)
    report = memory_report(closed)
    for r in report.residuals:
        producer = g.node(r.producer)
        assert producer.phase != "backward"
        assert r.consumers and all(g.node(c).phase == "backward" for c in r.consumers)
        assert {(e.source, e.target) for e in g.edges if e.source == r.producer} >= {
            (r.producer, c) for c in r.consumers
        }


def test_loop_residuals_are_stacked_and_totalled_per_loop() -> None:
    report = memory_report(grad_jaxpr(f_scan, (X,)))
    stacked = [r for r in report.residuals if r.loop is not None]
    assert len(stacked) == 2 and all(r.aval.shape == (5, 3) for r in stacked)
    assert {r.detail.split(" from ")[0] for r in stacked} == {
        "stacked over 5 steps; in the body: output of sin",
        "stacked over 5 steps; in the body: output of cos",
    }
    (loop,) = report.loops
    assert (loop.kind, loop.length, loop.count) == ("scan", 5, 2)
    assert loop.nbytes == sum(r.nbytes for r in stacked) == 2 * 5 * 3 * X.dtype.itemsize
    assert loop.per_step_nbytes == loop.nbytes // 5


def test_no_residuals_without_a_backward_pass() -> None:
    report = memory_report(jax.make_jaxpr(f_flat)(X, X))
    assert report.residuals == () and report.loops == () and report.residual_bytes == 0
    assert "no backward pass" in repr(report)


def test_compiled_memory_is_xla_memory_analysis() -> None:
    f = jax.grad(f_scan)
    compiled = jax.jit(f).lower(X).compile()
    report = memory_report(jax.make_jaxpr(f)(X), compiled)
    stats = compiled.memory_analysis()
    c = report.compiled
    assert c is not None
    assert (c.argument_bytes, c.output_bytes, c.alias_bytes, c.temp_bytes) == (
        stats.argument_size_in_bytes,
        stats.output_size_in_bytes,
        stats.alias_size_in_bytes,
        stats.temp_size_in_bytes,
    )
    if jax.default_backend() == "cpu":
        assert c.peak_bytes == stats.peak_memory_in_bytes
        assert any("only arguments and outputs" in note for note in c.notes)


def test_memory_report_rejects_what_is_not_a_jaxpr() -> None:
    with pytest.raises(TypeError, match=r"memory_report needs a jaxpr, but received a function"):
        memory_report(f_flat)


# --------------------------------------------------------------------------------------------
# Optimized HLO, tagged forward and backward


def test_optimized_hlo_ops_are_tagged_by_their_op_name() -> None:
    text = jax.jit(jax.grad(f_scoped)).lower(X).compile().as_text()
    ops = hlo_ops(text).ops
    tagged = [op for op in ops if op.phase is not None]
    assert {op.phase for op in tagged} >= {"forward", "backward"}
    for op in tagged:
        first_t, first_j = op.op_name.find("transpose("), op.op_name.find("jvp(")
        if first_t >= 0 and (first_j < 0 or first_t < first_j):
            assert op.phase == "backward", op
        elif first_j >= 0:
            assert op.phase == "forward", op
    # The backward pass of sin(x) * x multiplies by cos; the forward pass computes sin.
    assert any(op.opcode == "sine" and op.phase == "forward" for op in ops)
    assert any(op.opcode == "negate" and op.phase == "backward" for op in ops)
    assert sum(op.entry for op in ops) >= 1
    assert "forward" in repr(hlo_ops(text))


def test_optimized_hlo_of_a_plain_function_has_no_backward_ops() -> None:
    ops = hlo_ops(jax.jit(f_flat).lower(X, X).compile().as_text()).ops
    assert ops and {op.phase for op in ops} <= {"primal", None}


def test_numpy_scalar_parameters_print_as_python_numbers() -> None:
    # jnp.sum(x, axis=np.int64(1)) and jnp.sum(x, axis=1) trace to equal parameters; whichever
    # is traced first, both must print as (1,).
    import numpy as np

    from workbench._src.introspect.structure import op_params

    for axis in (np.int64(1), 1):
        eqn = jax.make_jaxpr(lambda x, a=axis: jnp.sum(x, axis=a))(jnp.ones((2, 3))).eqns[-1]
        assert dict(op_params(eqn))["axes"] == "(1,)"


# --------------------------------------------------------------------------------------------
# The user's own functions (issue 24): equations grouped by the calls that made them


def _inner(h):
    return jnp.sin(h) * 2.0


def _outer(h):
    return _inner(h) + jnp.cos(h)


def _twice(x):
    return _outer(_outer(x))  # two calls on one line: two regions


def _looped(x):
    for _ in range(3):
        x = _outer(x)
    return jnp.sum(x)


def _calls(g, name, phase=None):
    return [
        r
        for r in g.regions
        if r.kind == "function" and r.name == name and (phase is None or r.phase == phase)
    ]


def test_equations_are_grouped_by_the_users_calls_each_call_a_region() -> None:
    g = graph_from_jaxpr(jax.make_jaxpr(jax.grad(_looped))(X))
    outer_f, inner_f = _calls(g, "_outer", "forward"), _calls(g, "_inner", "forward")
    assert len(outer_f) == 3 and len(inner_f) == 3  # a region per call, not one for all
    assert len(_calls(g, "_outer", "backward")) == 3
    # Each call of _inner sits in its own call of _outer, which sits in the program.
    assert {r.parent for r in inner_f} == {r.id for r in outer_f}
    assert all(r.parent == "main" for r in outer_f)
    # The ops are where the source says: sin in _inner, cos in _outer (not in _inner).
    region = {r.id: r for r in g.regions}
    for n in g.ops:
        if n.source is not None and n.primitive in ("sin", "cos") and n.phase == "forward":
            assert region[n.region].name == n.source.function, (n.primitive, n.region)
    # The call's source is the line that called it.
    assert all(r.source is not None and r.source.function == "_looped" for r in outer_f)
    # No region for the traced function itself: it is the program.
    assert not _calls(g, "_looped")


def test_two_calls_on_one_line_are_two_regions() -> None:
    g = graph_from_jaxpr(jax.make_jaxpr(_twice)(X))
    assert len(_calls(g, "_outer")) == 2 and len(_calls(g, "_inner")) == 2
    ops = {n.id: n for n in g.ops}
    for r in _calls(g, "_outer"):
        assert sum(1 for n in ops.values() if n.region == r.id and n.primitive == "cos") == 1


def _layer(x, p):
    return jnp.tanh(x * p["w"] + p["b"])


def test_the_leaves_of_a_large_pytree_are_grouped_where_it_branches() -> None:
    params = [{"w": X, "b": X[0]} for _ in range(10)]

    def loss(params, x):
        for p in params:
            x = _layer(x, p)
        return jnp.sum(x)

    g = graph_from_jaxpr(jax.make_jaxpr(jax.grad(loss))(params, X))
    args = {n.name: n for n in g.nodes if n.kind == "argument"}
    # A region per layer's arrays (params[3]: its w and b), each leaf keeping its Python path.
    region = args["params[3]['w']"].region
    assert region == args["params[3]['b']"].region == "main:arguments:params[3]"
    assert len({n.region for n in args.values() if n.name.startswith("params")}) == 10
    assert args["x"].region == "main"  # a single array stays in the program
    results = [n for n in g.nodes if n.kind == "result"]
    assert len({n.region for n in results}) == 10
    assert all(n.region.startswith("main:results:") for n in results)
    # Small pytrees stay in the program, as before.
    small = graph_from_jaxpr(jax.make_jaxpr(jax.grad(loss))(params[:2], X))
    assert {n.region for n in small.nodes if n.kind != "op"} == {"main"}

    # A function defined inside another is named by its own name; a method by Class.method.
    class Layer:
        def __call__(self, x, p):
            def act(y):
                return jnp.tanh(y)

            return act(x * p["w"] + p["b"])

    def by_class(params, x):
        for p in params:
            x = Layer()(x, p)
        return jnp.sum(x)

    g = graph_from_jaxpr(jax.make_jaxpr(jax.grad(by_class))(params, X))
    names = {r.name for r in g.regions if r.kind == "function"}
    assert names == {"Layer.__call__", "act"}, names

    # Read by ops outside any call of the user's (an MLP written as one loop), the leaves stay
    # beside their ops: grouped, they would pull the layers together.
    def flat(params, x):
        for p in params:
            x = jnp.tanh(x * p["w"] + p["b"])
        return jnp.sum(x)

    g = graph_from_jaxpr(jax.make_jaxpr(jax.grad(flat))(params, X))
    assert {n.region for n in g.nodes if n.kind != "op"} == {"main"}
    assert not [r for r in g.regions if r.kind in ("arguments", "results")]


def test_a_group_read_in_calls_is_kept_beside_leaves_read_outside_them() -> None:
    """A model's pytree mixes leaves its top level reads (an embedding) with its layers' arrays,
    read inside calls (GPT-2's ``params['wte']`` beside ``params['blocks']``): the layers'
    group is kept; the embedding stays beside its op (the whole pytree was left ungrouped)."""
    params = {"emb": X, "blocks": [{"w": X, "b": X[0]} for _ in range(10)]}

    def loss(params, x):
        x = x * params["emb"]
        for p in params["blocks"]:
            x = _layer(x, p)
        return jnp.sum(x)

    g = graph_from_jaxpr(jax.make_jaxpr(jax.grad(loss))(params, X))
    args = {n.name: n for n in g.nodes if n.kind == "argument"}
    assert args["params['emb']"].region == "main"
    blocks = {n.region for name, n in args.items() if name.startswith("params['blocks']")}
    assert blocks == {"main:arguments:params['blocks']"}


@pytest.mark.parametrize("steps", [7, 50, 100])
@pytest.mark.parametrize("snapshots", [2, 3, 4])
def test_a_checkpointed_loop_is_one_loop_of_the_users_count_and_scheme(steps, snapshots) -> None:
    """Issue 24 item 3: Revolve's sweeps are drawn as the loop the user wrote: its trip count
    (the oracle: the count given to wb.fori_loop) and its scheme, the schedule inside."""

    def f(x):
        body = lambda i, y: jnp.sin(y) * x
        return jnp.sum(wb.fori_loop(0, steps, body, x, checkpointing=wb.Binomial(snapshots)))

    g = graph_from_jaxpr(jax.make_jaxpr(jax.grad(f))(X))
    loops = [r for r in g.regions if r.kind == "loop" and r.name == "checkpointed"]
    assert [r.phase for r in loops] == ["forward", "backward"]
    for r in loops:
        p = dict(r.params)
        assert p["trip count"] == str(steps) and p["scheme"] == f"Binomial({snapshots})"
        assert r.parent == "main"
    assert not any(r.kind == "named_scope" and "revolve" in r.name for r in g.regions)
    # The schedule's own loops are inside, as its detail.
    inner = [r for r in g.regions if r.parent == loops[0].id and r.kind == "loop"]
    assert inner and all(dict(r.params)["trip count"] != str(steps) for r in inner)
    # Beside the loop, only the user's ops: the workbench's own (the rules' sum of the loop's
    # cotangents) are inside it, so no "wb internals" box sits beside it.
    package = str(pathlib.Path(wb.__file__).parent)
    top = [n for n in g.ops if n.region == "main"]
    assert top and not [n for n in top if n.source and n.source.file.startswith(package)]
    # The viewer starts with the loop closed: one box per pass.
    from workbench._src.notebook.graph_picture import initial_expanded

    assert not {r.id for r in loops} & set(initial_expanded(g))
