"""The public surface: modes, activities, to_rarray, jit and compile."""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import workbench as wb
from workbench import Active, BatchDuplicated, Const, Duplicated, Forward, Reverse
from workbench._src.internals.shardings import single_device

MODES = [wb.Forward, wb.ForwardWithPrimal, wb.Reverse, wb.ReverseWithPrimal]


def test_public_api_is_the_design_list():
    design = {
        "to_rarray",
        "Forward",
        "ForwardWithPrimal",
        "Reverse",
        "ReverseWithPrimal",
        "set_strong_zero",
        "Const",
        "Active",
        "Duplicated",
        "BatchDuplicated",
        "autodiff",
        "gradient",
        "jacobian",
        "onehot",
        "ignore_derivatives",
        "jit",
        "compile",
    }
    assert design <= set(wb.__all__)
    assert all(hasattr(wb, name) for name in wb.__all__)


@pytest.mark.parametrize("mode", MODES, ids=repr)
def test_modes_are_frozen_hashable_values(mode):
    assert repr(mode) == mode.name
    assert hash(mode) == hash(dataclasses.replace(mode))
    with pytest.raises(dataclasses.FrozenInstanceError):
        mode.with_primal = not mode.with_primal
    strong = wb.set_strong_zero(mode)
    assert strong.strong_zero and not mode.strong_zero
    assert repr(strong) == f"set_strong_zero({mode.name})"
    assert strong != mode and strong == wb.set_strong_zero(mode)
    assert len({mode, strong, wb.set_strong_zero(mode)}) == 2


def test_activities_are_immutable_hashable_and_print_shapes():
    x = jnp.ones(3, jnp.float32)
    a, b = Duplicated(x, x), Duplicated(x, x)
    assert a == Duplicated(x, a.dval) and hash(a) == hash(Duplicated(x, a.dval))
    assert a != b or a.dval is b.dval
    assert len({a, a}) == 1
    with pytest.raises(AttributeError, match="immutable"):
        a.val = x
    assert repr(a) == "Duplicated(float32[3], float32[3])"
    assert repr(Const(True)) == "Const(a Python bool (True))"
    assert repr(Active(2.0)) == "Active(a Python float (2.0))"
    assert repr(BatchDuplicated(x, wb.onehot(x))) == "BatchDuplicated(float32[3], <3 lanes>)"


def test_python_scalar_shadow_takes_the_primal_dtype():
    d = Duplicated(jnp.float32(2.0), 1.0)
    assert d.dval.dtype == jnp.float32
    assert wb.autodiff(Forward, lambda x: x**3, d)[0] == 12.0


def test_activities_cross_jit_boundaries_as_pytrees():
    x = jnp.array([1.0, 2.0], jnp.float32)
    f = wb.jit(lambda arg: wb.autodiff(Forward, lambda x: jnp.sin(x), arg))
    (t,) = f(Duplicated(x, jnp.ones_like(x)))
    np.testing.assert_allclose(t, jnp.cos(x), rtol=1e-6)
    leaves = jax.tree_util.tree_leaves(BatchDuplicated(x, (x, 2 * x)))
    assert len(leaves) == 3


@pytest.mark.parametrize(
    ("value", "dtype", "shape"),
    [
        (np.array([3.0, 4.0, 5.0], np.float32), np.float32, (3,)),
        pytest.param(np.array([1.0, 2.0]), np.float64, (2,), marks=pytest.mark.float64),
        pytest.param(3.1, np.float64, (), marks=pytest.mark.float64),
        (np.float32(2.0), np.float32, ()),
        (np.arange(4, dtype=np.int32), np.int32, (4,)),
        pytest.param(np.array([1 + 2j]), np.complex128, (1,), marks=pytest.mark.float64),
        (True, np.bool_, ()),
    ],
)
def test_to_rarray_preserves_dtype(value, dtype, shape):
    out = wb.to_rarray(value)
    assert isinstance(out, jax.Array)
    assert out.dtype == dtype and out.shape == shape
    np.testing.assert_array_equal(out, value)


@pytest.mark.float64
def test_to_rarray_pytrees_devices_and_shardings():
    tree = wb.to_rarray({"w": np.ones((2, 2), np.float32), "b": [1.0, 2.0]})
    assert tree["w"].dtype == jnp.float32 and tree["b"][0].dtype == jnp.float64
    cpu = jax.devices()[0]
    assert wb.to_rarray(1.0, device=0).devices() == {cpu}
    assert wb.to_rarray(1.0, device=jax.default_backend()).devices() == {cpu}
    sharding = single_device(cpu)
    assert wb.to_rarray(np.ones(2), sharding=sharding).sharding == sharding
    with pytest.raises(ValueError, match="not both"):
        wb.to_rarray(1.0, device=cpu, sharding=sharding)
    with pytest.raises(ValueError, match="out of range"):
        wb.to_rarray(1.0, device=len(jax.devices()))


def test_jit_decorator_forms_and_static_arguments():
    @wb.jit
    def double(x):
        return 2 * x

    @wb.jit(static_argnums=1)
    def power(x, n):
        return x**n

    assert double(jnp.float32(2)) == 4
    assert power(jnp.float32(2), 3) == 8
    assert power.__name__ == "power"
    assert "stablehlo" in power.lower(jnp.float32(2), 3).as_text()


def test_jit_of_the_same_function_shares_one_compilation():
    traces = []

    def f(x):
        traces.append(1)
        return x + 1

    x = jnp.ones(3)
    wb.jit(f)(x)
    wb.jit(f)(x)
    wb.jit(f)(x + 1)
    assert len(traces) == 1


def test_derivatives_under_jit_do_not_retrace():
    traces = []

    def loss(x):
        traces.append(1)
        return jnp.sum(x**2)

    step = wb.jit(lambda x: wb.gradient(Reverse, loss, x)[0])
    for k in range(3):
        step(jnp.full(3, float(k)))
    assert len(traces) == 1


def test_compile_keeps_every_stage():
    x = jnp.arange(4.0, dtype=jnp.float32)
    c = wb.compile(lambda x: wb.gradient(Reverse, lambda x: jnp.sum(jnp.sin(x)), x)[0], x)
    np.testing.assert_allclose(c(x), jnp.cos(x), rtol=1e-6)
    assert "cos" in str(c.jaxpr)
    assert "stablehlo.cosine" in c.stablehlo()
    assert "cosine" in c.hlo() and "HloModule" in c.hlo()
    assert c.memory_analysis().argument_size_in_bytes == 16
    assert c.cost_analysis()["transcendentals"] >= 4
    assert repr(c).startswith("<wb.Compiled <lambda>(float32[4])")


def test_results_are_plain_jax_arrays():
    x = jnp.array([1.0, 2.0])
    outs = [
        wb.autodiff(Forward, jnp.sin, Duplicated(x, x))[0],
        wb.gradient(Reverse, lambda x: jnp.sum(x), x)[0],
        wb.jacobian(Reverse, jnp.sin, x)[0],
        wb.to_rarray(np.ones(2)),
        *wb.onehot(x),
    ]
    assert all(type(o) is type(x) for o in outs)


def test_inputs_are_not_mutated():
    x = np.array([1.0, 2.0])
    dx = np.array([0.5, 0.25])
    wb.autodiff(Reverse, lambda x: jnp.sum(x**2), Duplicated(x, dx))
    np.testing.assert_array_equal(x, [1.0, 2.0])
    np.testing.assert_array_equal(dx, [0.5, 0.25])
