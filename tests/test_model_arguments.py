"""What users hand the workbench (issue 22, items 1-4 and 8), each case as it was reported.

Equinox modules with function and int leaves, the static half of ``eqx.partition`` in
``Const``, Flax NNX modules and state, bfloat16 and float16 in every entry point, pytrees of
every kind JAX knows, and float64 NumPy data narrowed with 64-bit mode off. Oracles:
``eqx.filter_grad``, ``nnx.grad``, ``jax.grad``, ``jax.jvp``.
"""

from __future__ import annotations

import dataclasses
import typing
import warnings

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

import workbench as wb
from tests.conftest import X64
from tests.ipython_shell import run_reactant, shared_shell
from workbench._src import arrays


class Scaled(eqx.Module):
    """A user's module with a Python int, a string and a function among its leaves."""

    w: jax.Array
    b: jax.Array
    repeats: int
    name: str
    act: typing.Callable

    def __call__(self, x):
        h = x
        for _ in range(self.repeats):  # the int must be a Python int here (static)
            h = self.act(h * self.w + self.b)
        return jnp.sum(h)


def scaled():
    return Scaled(jnp.linspace(0.5, 1.5, 4), jnp.full((4,), 0.1), 2, "scaled", jnp.tanh)


def loss(model, x):
    return model(x)


X = jnp.linspace(-1.0, 1.0, 4, dtype=jnp.float32)


def assert_same_tree(actual, expected, rtol=1e-6, atol=0.0):
    assert type(actual) is type(expected)
    assert jax.tree_util.tree_structure(actual) == jax.tree_util.tree_structure(expected)
    leaves = zip(
        jax.tree_util.tree_leaves(actual), jax.tree_util.tree_leaves(expected), strict=True
    )
    for a, e in leaves:
        assert a.dtype == e.dtype
        np.testing.assert_allclose(
            np.asarray(a, np.float64), np.asarray(e, np.float64), rtol=rtol, atol=atol
        )


# --------------------------------------------------------------------------------------------
# Item 1: Equinox modules


@pytest.mark.parametrize("mode", [wb.Reverse, wb.Forward])
def test_an_equinox_module_with_int_string_and_function_leaves_is_differentiated_as_filter_grad(
    mode,
):
    g = wb.gradient(mode, loss, scaled(), wb.Const(X))[0]
    expected = eqx.filter_grad(loss)(scaled(), X)
    assert_same_tree(g, expected)
    assert g.repeats is None and g.name is None and g.act is None  # static: None, as Equinox


def test_eqx_nn_mlp_passed_whole_with_its_activation_leaves():
    mlp = eqx.nn.MLP(3, 2, 8, 2, key=jax.random.key(0))
    f = lambda m, x: jnp.sum(m(x) ** 2)
    x = jnp.ones(3)
    assert_same_tree(wb.gradient(wb.Reverse, f, mlp, wb.Const(x))[0], eqx.filter_grad(f)(mlp, x))
    (tangent,) = wb.autodiff(
        wb.Forward,
        f,
        wb.Duplicated(mlp, jax.tree.map(jnp.ones_like, eqx.filter(mlp, eqx.is_array))),
        wb.Const(x),
    )
    dynamic, static = eqx.partition(mlp, eqx.is_inexact_array)
    expected = jax.jvp(
        lambda d: f(eqx.combine(d, static), x), (dynamic,), (jax.tree.map(jnp.ones_like, dynamic),)
    )[1]
    np.testing.assert_allclose(tangent, expected, rtol=1e-6)


def test_wb_jit_takes_a_module_as_eqx_filter_jit_does():
    model = scaled()
    np.testing.assert_allclose(wb.jit(loss)(model, X), loss(model, X), rtol=1e-6)
    step = wb.jit(lambda m, x: wb.gradient(wb.Reverse, loss, m, wb.Const(x))[0])
    assert_same_tree(step(model, X), eqx.filter_grad(loss)(model, X))
    # The static part is compared by value: an equal module does not trace again; another int
    # does, and is read as a Python int (the loop runs 3 times).
    traces = []
    counted = wb.jit(lambda m, x: traces.append(1) or loss(m, x))
    counted(model, X)
    counted(scaled(), X)
    assert len(traces) == 1
    three = eqx.tree_at(lambda m: m.repeats, model, 3)
    np.testing.assert_allclose(counted(three, X), loss(three, X), rtol=1e-6)
    assert len(traces) == 2


def test_the_static_half_of_eqx_partition_in_const_stays_static_everywhere():
    """Reported: after eqx.partition, Const(static) worked for wb.gradient, but wb.jit,
    wb.inspect, wb.graph and wb.explain_nans traced the Python int in it ('Shapes must be 1D
    sequences of concrete values of integer type')."""
    dynamic, static = eqx.partition(scaled(), eqx.is_inexact_array)
    f = lambda d, s, x: loss(eqx.combine(d, s), x)
    expected = jax.grad(f)(dynamic, static, X)
    step = wb.jit(lambda d, s, x: wb.gradient(wb.Reverse, f, d, wb.Const(s), wb.Const(x))[0])
    assert_same_tree(step(dynamic, static, X), expected)
    wrapped = wb.jit(lambda d, s, x: f(d, s.val, x))
    np.testing.assert_allclose(wrapped(dynamic, wb.Const(static), X), f(dynamic, static, X))
    ins = wb.inspect(f, dynamic, wb.Const(static), wb.Const(X), mode=wb.Reverse)
    assert ins.graph.count("ops")["backward"] > 0
    g = wb.graph(f, dynamic, wb.Const(static), wb.Const(X), mode=wb.Reverse)
    assert g.graph["nodes"]
    report = wb.explain_nans(f, dynamic, wb.Const(static), wb.Const(X), mode=wb.Reverse)
    assert not report.found


def test_inspect_graph_and_explain_nans_of_a_bare_module():
    model = scaled()
    assert wb.inspect(loss, model, X).graph.count("ops")["primal"] > 0
    ins = wb.inspect(loss, model, wb.Const(X), mode=wb.Reverse)
    assert ins.graph.count("ops")["backward"] > 0
    assert wb.graph(loss, model, wb.Const(X), mode=wb.Reverse).graph["nodes"]
    assert not wb.explain_nans(loss, model, wb.Const(X), mode=wb.Reverse).found
    compiled = wb.compile(loss, model, X)
    np.testing.assert_allclose(compiled(model, X), loss(model, X), rtol=1e-6)


def test_a_duplicated_shadow_has_the_differentiated_parts_structure():
    model = scaled()
    with pytest.raises(wb.ActivityError, match=r"Duplicated: the shadow has structure"):
        wb.Duplicated(model, jnp.ones(4))
    shadow = eqx.filter(model, eqx.is_inexact_array)
    shadow = jax.tree.map(jnp.ones_like, shadow)
    ((d, _),) = wb.autodiff(wb.Reverse, loss, wb.Duplicated(model, shadow), wb.Const(X))
    expected = jax.tree.map(lambda g: g + 1, eqx.filter_grad(loss)(model, X))
    assert_same_tree(d, expected)


# --------------------------------------------------------------------------------------------
# Item 2: Flax NNX


class Net(nnx.Module):
    def __init__(self, rngs):
        self.linear = nnx.Linear(3, 4, rngs=rngs)
        self.bn = nnx.BatchNorm(4, rngs=rngs)
        self.out = nnx.Linear(4, 1, rngs=rngs)

    def __call__(self, x):
        return self.out(nnx.relu(self.bn(self.linear(x))))


def net_loss(model, x):
    return jnp.mean(model(x) ** 2)


XB = jnp.linspace(-1.0, 1.0, 12, dtype=jnp.float32).reshape(4, 3)


@pytest.mark.parametrize("mode", [wb.Reverse, wb.Forward])
def test_an_nnx_module_gives_its_params_gradient_as_nnx_grad(mode):
    model = Net(nnx.Rngs(0))
    model.eval()
    g = wb.gradient(mode, net_loss, model, wb.Const(XB))[0]
    assert isinstance(g, nnx.State)
    assert_same_tree(g, nnx.grad(net_loss)(model, XB), rtol=1e-5)


class DropNet(Net):
    """Train mode with both kinds of NNX state a call updates: BatchNorm's statistics and
    Dropout's random-stream count."""

    def __init__(self, rngs):
        super().__init__(rngs)
        self.drop = nnx.Dropout(0.5, rngs=rngs)

    def __call__(self, x):
        return self.out(self.drop(nnx.relu(self.bn(self.linear(x)))))


def _gradient_of(entry):
    """Each entry point that differentiates a bare module, as a gradient of ``net_loss``."""
    if entry == "autodiff(Reverse)":
        return lambda m: wb.autodiff(wb.Reverse, net_loss, wb.Active(m), wb.Const(XB))[0][0]
    if entry == "autodiff(Forward)":

        def directional(m):  # the gradient's entry for one parameter, by a one-hot tangent
            params = nnx.state(m, nnx.Param)
            hot = jax.tree.map(jnp.zeros_like, params)
            hot["out"]["bias"].value = jnp.ones_like(hot["out"]["bias"].value)
            return wb.autodiff(wb.Forward, net_loss, wb.Duplicated(m, hot), wb.Const(XB))[0]

        return directional
    mode = {"Reverse": wb.Reverse, "ReverseWithPrimal": wb.ReverseWithPrimal}.get(entry)
    if mode is not None:
        return lambda m: wb.gradient(mode, net_loss, m, wb.Const(XB))
    mode = {"gradient(Forward)": wb.Forward, "jacobian(Reverse)": wb.Reverse}[entry]
    fn = wb.gradient if entry.startswith("gradient") else wb.jacobian
    return lambda m: fn(mode, net_loss, m, wb.Const(XB))[0]


def _updated(model):
    """The state a train-mode call updates (the random key itself stays)."""
    return nnx.state(model, nnx.Any(nnx.BatchStat, nnx.RngCount))


def _unwrap(g):
    return g.derivs[0] if isinstance(g, wb.GradientResult) else g[0] if isinstance(g, tuple) else g


@pytest.mark.parametrize(
    "entry",
    [
        "Reverse",
        "ReverseWithPrimal",
        "gradient(Forward)",
        "jacobian(Reverse)",
        "autodiff(Reverse)",
        "autodiff(Forward)",
    ],
)
def test_a_train_mode_nnx_module_is_updated_as_nnx_grad_updates_it(entry):
    """Reported: a bare NNX module in train mode was merged from a copy and never written back,
    so Dropout drew the same mask at every step and BatchNorm's statistics never moved (a
    training loop silently different from nnx.grad's). Three steps, each checked against
    nnx.grad on a twin module: the gradient, then the state each leaves behind."""
    ours, theirs = DropNet(nnx.Rngs(0)), DropNet(nnx.Rngs(0))
    # Under nnx.jit, as a training step runs (and fast): nnx.jit carries the module's state out.
    step = nnx.jit(_gradient_of(entry))
    oracle = nnx.jit(nnx.grad(net_loss))
    for _ in range(2):
        expected = oracle(theirs, XB)
        got = _unwrap(step(ours))
        if entry == "autodiff(Forward)":
            np.testing.assert_allclose(
                np.sum(np.asarray(got)), expected["out"]["bias"].value.sum(), rtol=1e-5
            )
        else:
            # Round-off zeros (BatchNorm's bias before a mean loss) differ by 1e-7: atol.
            assert_same_tree(got, expected, rtol=1e-5, atol=1e-6)
        assert_same_tree(_updated(ours), _updated(theirs))
    counts = nnx.state(ours, nnx.RngCount)
    assert int(jax.tree.leaves(counts)[0]) == 2  # one mask drawn per step


def test_an_eval_mode_nnx_module_keeps_its_state():
    model = DropNet(nnx.Rngs(0))
    model.eval()
    before = jax.tree.map(np.asarray, _updated(model))
    wb.gradient(wb.Reverse, net_loss, model, wb.Const(XB))
    wb.gradient(wb.Forward, net_loss, model, wb.Const(XB))
    after = jax.tree.map(np.asarray, _updated(model))
    jax.tree.map(np.testing.assert_array_equal, after, before)


def test_nnx_state_from_split_differentiates_its_params_in_train_mode():
    model = Net(nnx.Rngs(0))
    graphdef, state = nnx.split(model)
    f = lambda s, g, x: net_loss(nnx.merge(g, s), x)
    g = wb.gradient(wb.Reverse, f, state, wb.Const(graphdef), wb.Const(XB))[0]
    copy = jax.tree.map(lambda v: v, state)
    expected = nnx.grad(net_loss)(nnx.merge(graphdef, copy), XB)  # batch statistics: train mode
    assert_same_tree(g, expected, rtol=1e-5)
    # The user's state is left as it was (the workbench merges a copy).
    before = jax.tree.map(np.asarray, nnx.split_state(state, nnx.BatchStat, ...)[0])
    wb.gradient(wb.Reverse, f, state, wb.Const(graphdef), wb.Const(XB))
    after = jax.tree.map(np.asarray, nnx.split_state(state, nnx.BatchStat, ...)[0])
    jax.tree.map(np.testing.assert_array_equal, after, before)


def test_reactant_takes_nnx_modules_and_state_as_inputs():
    """Reported: %%reactant refused nnx.State and modules ('make it an array')."""
    model = Net(nnx.Rngs(0))
    model.eval()
    graphdef, state = nnx.split(model)
    ip = shared_shell()
    ip.user_ns.update(net_loss=net_loss, model=model, state=state, graphdef=graphdef, XB=XB)
    ip.user_ns["nnx"] = nnx
    r = run_reactant(ip, "--grad model", "net_loss(model, XB)")
    assert_same_tree(r.gradients.values["model"], nnx.grad(net_loss)(model, XB), rtol=1e-5)
    r = run_reactant(ip, "--grad state", "net_loss(nnx.merge(graphdef, state), XB)")
    assert set(r.inputs) == {"state", "XB"}
    assert isinstance(r.gradients.values["state"], nnx.State)


# --------------------------------------------------------------------------------------------
# Item 3: bfloat16 and float16


LOW = [jnp.bfloat16, jnp.float16]


def low_loss(x):
    return jnp.sum(jnp.sin(x) * x)


@pytest.mark.parametrize("dtype", LOW, ids=["bfloat16", "float16"])
def test_low_precision_floats_are_differentiated_everywhere_with_the_dtype_kept(dtype):
    x = jnp.linspace(0.1, 1.0, 8).astype(dtype)
    expected = jax.grad(low_loss)(x)
    for mode in (wb.Reverse, wb.Forward):
        (g,) = wb.gradient(mode, low_loss, x)
        assert g.dtype == dtype
        np.testing.assert_allclose(
            np.asarray(g, np.float32), np.asarray(expected, np.float32), rtol=2e-2
        )
    ((g,),) = wb.autodiff(wb.Reverse, low_loss, wb.Active(x))
    assert g.dtype == dtype
    (t,) = wb.autodiff(wb.Forward, low_loss, wb.Duplicated(x, jnp.ones_like(x)))
    expected_t = jax.jvp(low_loss, (x,), (jnp.ones_like(x),))[1]
    assert t.dtype == expected_t.dtype
    np.testing.assert_allclose(float(t), float(expected_t), rtol=2e-2)
    (j,) = wb.jacobian(wb.Reverse, lambda x: x * 2, x)
    assert j.dtype == dtype and j.shape == (8, 8)
    jitted = wb.jit(lambda x: wb.gradient(wb.Reverse, low_loss, x)[0])(x)
    assert jitted.dtype == dtype
    ins = wb.inspect(low_loss, x, mode=wb.Reverse)
    assert ins.graph.count("ops")["backward"] > 0
    assert str(jnp.dtype(dtype)) in ins.jaxpr.text
    ip = shared_shell()
    ip.user_ns.update(xl=x, jnp=jnp)
    r = run_reactant(ip, "--grad xl", "jnp.sum(jnp.sin(xl) * xl)")
    assert r.gradients.values["xl"].dtype == dtype


def test_structured_arrays_are_still_refused_as_records_not_numbers():
    records = np.zeros(3, dtype=[("a", np.float32), ("b", np.int32)])
    with pytest.raises(wb.NotDifferentiableError, match=r"an array of raw records, not of numbers"):
        wb.gradient(wb.Reverse, lambda r: 0.0, records)


# --------------------------------------------------------------------------------------------
# Pytrees JAX knows


class Pair(typing.NamedTuple):
    w: jax.Array
    b: jax.Array


@jax.tree_util.register_dataclass
@dataclasses.dataclass
class Params:
    w: jax.Array
    b: jax.Array


@pytest.mark.parametrize(
    "make",
    [
        lambda w, b: Pair(w, b),
        lambda w, b: Params(w, b),
        lambda w, b: {"layer": [w, (b,)]},
    ],
    ids=["NamedTuple", "dataclass", "nested dict/list/tuple"],
)
def test_pytrees_come_back_in_their_own_structure(make):
    p = make(jnp.linspace(0.5, 1.5, 4), jnp.full((4,), 0.25))
    f = lambda p, x: jnp.sum(jnp.tanh(sum(jax.tree_util.tree_leaves(p)) * x))
    expected = jax.grad(f)(p, X)
    for mode in (wb.Reverse, wb.Forward):
        assert_same_tree(wb.gradient(mode, f, p, wb.Const(X))[0], expected)
    assert_same_tree(wb.jit(lambda p: wb.gradient(wb.Reverse, f, p, wb.Const(X))[0])(p), expected)


# --------------------------------------------------------------------------------------------
# Item 8: float64 narrowed with 64-bit mode off


@pytest.fixture
def fresh_warning(monkeypatch):
    monkeypatch.setattr(arrays, "_warned_narrowing", False)


@pytest.mark.skipif(X64, reason="with 64-bit mode on float64 stays float64")
@pytest.mark.parametrize(
    "call",
    [
        lambda x: wb.gradient(wb.Reverse, jnp.sum, x),
        lambda x: wb.autodiff(wb.Reverse, jnp.sum, wb.Active(x)),
        lambda x: wb.jit(jnp.sum)(x),
        lambda x: wb.inspect(jnp.sum, x),
        lambda x: wb.explain_nans(jnp.sum, x),
    ],
    ids=["gradient", "autodiff", "jit", "inspect", "explain_nans"],
)
def test_numpy_float64_narrowed_by_any_entry_point_is_said(call, fresh_warning):
    with pytest.warns(wb.PrecisionWarning, match=r"received float64 data .*became float32") as w:
        call(np.ones(3))
    assert w[0].filename == __file__  # pointed at the user's line, not the workbench's
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        call(np.ones(3))  # once per session
        call(np.ones(3, np.float32))
