"""Activities as Equinox-style modules: frozen dataclasses validated once, at construction, and
pytrees whose non-array payloads are static data (so ``jit`` takes ``Const("tanh")``)."""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import workbench as wb
from tests.tolerances import FLOAT, tol
from workbench import Active, BatchDuplicated, Const, Duplicated, Forward, Reverse

x3 = jnp.array([-1.0, 0.5, 2.0], FLOAT)
ACTIVATIONS = {"tanh": jnp.tanh, "relu": jax.nn.relu}


def fresh(text: str) -> str:
    """An equal string that is a new object (literals are interned, which would hide identity)."""
    return "".join(list(text))


def net(x, c):
    """Reads the activation from a static payload: a string or a dict of options."""
    name = c if isinstance(c, str) else c["act"]
    return jnp.sum(ACTIVATIONS[name](x) * (1.0 if isinstance(c, str) else c.get("scale", 1.0)))


def analytic_grad(x, name, scale=1.0):
    x = np.asarray(x)
    return scale * (1.0 - np.tanh(x) ** 2 if name == "tanh" else (x > 0).astype(x.dtype))


def all_activities():
    return [
        Const(x3),
        Const("tanh"),
        Const({"act": "relu", "w": x3}),
        Active(x3),
        Duplicated(x3, jnp.ones_like(x3)),
        BatchDuplicated(x3, wb.onehot(x3)),
    ]


# Frozen, validated once.


@pytest.mark.parametrize("a", all_activities(), ids=repr)
def test_activities_are_frozen_dataclasses(a):
    assert dataclasses.is_dataclass(a)
    with pytest.raises(dataclasses.FrozenInstanceError, match=r"immutable.*cannot set 'val'"):
        a.val = x3
    with pytest.raises(AttributeError, match=r"dataclasses\.replace"):
        a.other = 1
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot delete 'val'"):
        del a.val


def test_replace_builds_a_new_activity_and_validates_it_again():
    d = Duplicated(x3, jnp.ones_like(x3))
    e = dataclasses.replace(d, dval=2 * jnp.ones_like(x3))
    assert e is not d and d.dval[0] == 1.0 and e.dval[0] == 2.0
    with pytest.raises(wb.ActivityError, match=r"the shadow has shape \(4,\), the primal \(3,\)"):
        dataclasses.replace(d, dval=jnp.ones(4, FLOAT))


def test_a_shadow_mismatch_is_still_refused_at_construction():
    with pytest.raises(wb.ActivityError, match=r"Duplicated: the shadow has shape \(4,\)"):
        Duplicated(x3, jnp.ones(4, FLOAT))
    with pytest.raises(wb.ActivityError, match=r"BatchDuplicated: the lane 1 has dtype int32"):
        BatchDuplicated(x3, (jnp.ones_like(x3), jnp.ones(3, jnp.int32)))
    with pytest.raises(wb.ActivityError, match="an activity inside an activity"):
        Const(Const("tanh"))
    with pytest.raises(wb.ActivityError, match="received the mode Reverse"):
        Active(Reverse)


def test_unflattening_does_not_validate():
    """JAX rebuilds pytrees with placeholder leaves; only construction validates."""
    for a in all_activities():
        placeholders = jax.tree.map(lambda _: None, a)
        assert type(placeholders) is type(a)
        shapes = jax.tree.map(lambda v: jax.ShapeDtypeStruct(v.shape, v.dtype), a)
        assert jax.tree.structure(shapes) == jax.tree.structure(a)


# Equality and hashing.


def test_equality_is_identity_of_arrays_and_value_of_static_parts():
    dx = jnp.ones_like(x3)
    assert Duplicated(x3, dx) == Duplicated(x3, dx)
    assert hash(Duplicated(x3, dx)) == hash(Duplicated(x3, dx))
    assert Duplicated(x3, dx) != Duplicated(x3, jnp.ones_like(x3))  # equal values, other array
    assert Const(x3) != Active(x3) and Const(x3) != x3
    assert Const("tanh") == Const(fresh("tanh")) and hash(Const("tanh")) == hash(Const("tanh"))
    assert Const("tanh") != Const("relu")
    assert Const({"act": "relu"}) == Const({"act": fresh("relu")})
    options = {"act": "relu", "w": x3}
    assert Const(options) == Const(dict(options))  # the same array
    assert Const(options) != Const({"act": "relu", "w": jnp.array(x3)})  # an equal copy
    assert len({Const("tanh"), Const(fresh("tanh")), Const("relu")}) == 2


def test_an_unhashable_static_payload_is_compared_by_identity():
    tags = {"a", "b"}  # a set: unhashable, and a leaf to JAX
    assert Const(tags) == Const(tags) and hash(Const(tags)) == hash(Const(tags))
    assert Const(tags) != Const(set(tags))
    text = np.array(["a", "b"])  # an array of text: not traceable, unhashable
    assert Const(text) == Const(text) and Const(text) != Const(text.copy())


# Pytrees.


def test_pytree_round_trip():
    for a in all_activities():
        leaves, treedef = jax.tree_util.tree_flatten(a)
        again = jax.tree_util.tree_unflatten(treedef, leaves)
        assert type(again) is type(a) and again == a
        doubled = jax.tree.map(lambda v: 2 * v, a)
        for got, want in zip(jax.tree.leaves(doubled), leaves, strict=True):
            np.testing.assert_array_equal(got, 2 * np.asarray(want))
    paths = [
        jax.tree_util.keystr(p)
        for p, _ in jax.tree_util.tree_leaves_with_path(
            Duplicated({"w": x3}, {"w": jnp.ones_like(x3)})
        )
    ]
    assert paths == [".val['w']", ".dval['w']"]


def test_a_const_keeps_only_its_array_leaves_as_children():
    options = {"act": "relu", "f": jnp.sin, "w": x3, "n": 3}
    c = Const(options)
    leaves = jax.tree.leaves(c)
    assert len(leaves) == 2 and leaves[1] is x3 and leaves[0] == 3
    back = jax.tree.map(lambda v: v, c)
    assert back.val["act"] == "relu" and back.val["f"] is jnp.sin and back.val["w"] is x3
    assert jax.tree.leaves(Const("tanh")) == [] and jax.tree.leaves(Const(jnp.tanh)) == []
    assert jax.tree.leaves(Const(x3)) == [x3]


# Under jit and the workbench's transformations.


@pytest.mark.parametrize("jit", [jax.jit, wb.jit], ids=["jax.jit", "wb.jit"])
@pytest.mark.parametrize("payload", ["tanh", {"act": "relu", "scale": 2.0}], ids=["str", "dict"])
def test_a_non_array_const_crosses_jit(jit, payload):
    f = jit(lambda x, c: net(x, c.val))
    name = payload if isinstance(payload, str) else payload["act"]
    scale = 1.0 if isinstance(payload, str) else 2.0
    want = scale * np.sum(np.asarray(ACTIVATIONS[name](np.asarray(x3))))
    np.testing.assert_allclose(f(x3, Const(payload)), want, *tol(FLOAT))


def test_a_function_const_crosses_jit():
    f = jax.jit(lambda x, c: c.val(x))
    np.testing.assert_allclose(f(x3, Const(jnp.cos)), np.cos(np.asarray(x3)), *tol(FLOAT))


@pytest.mark.parametrize("payload", ["tanh", {"act": "relu", "scale": 2.0}], ids=["str", "dict"])
@pytest.mark.parametrize("mode", [Forward, Reverse], ids=repr)
def test_gradient_with_a_static_const_matches_the_analytic_derivative(mode, payload):
    name = payload if isinstance(payload, str) else payload["act"]
    scale = 1.0 if isinstance(payload, str) else 2.0
    want = analytic_grad(x3, name, scale)
    (g, none) = wb.gradient(mode, net, x3, Const(payload))
    assert none is None
    np.testing.assert_allclose(g, want, *tol(FLOAT))
    raw = jax.grad(net)(x3, payload)  # raw JAX's gradient, the payload closed over
    np.testing.assert_allclose(g, raw, *tol(FLOAT))
    jitted = jax.jit(lambda x, c: wb.gradient(mode, net, x, c)[0])
    np.testing.assert_allclose(jitted(x3, Const(payload)), want, *tol(FLOAT))


def test_forward_autodiff_through_wb_jit_with_a_static_const():
    f = wb.jit(lambda d, c: wb.autodiff(Forward, net, d, c)[0])
    t = f(Duplicated(x3, jnp.ones_like(x3)), Const("tanh"))
    np.testing.assert_allclose(t, np.sum(analytic_grad(x3, "tanh")), *tol(FLOAT))


# Retracing: only when the static payload changes.


@pytest.mark.parametrize("jit", [jax.jit, wb.jit], ids=["jax.jit", "wb.jit"])
def test_jit_retraces_only_when_the_static_payload_changes(jit):
    traces = []

    def body(x, c):
        traces.append(c.val)
        return net(x, c.val)

    f = jit(body)
    f(x3, Const("tanh"))
    f(2 * x3, Const(fresh("tanh")))  # an equal string, another object, new array values
    assert len(traces) == 1
    f(x3, Const("relu"))
    assert len(traces) == 2
    f(x3, Const({"act": "relu", "scale": 2.0}))
    f(x3, Const({"act": fresh("relu"), "scale": 3.0}))  # scale is an array leaf: traced
    assert len(traces) == 3
    f(x3, Const({"act": "tanh", "scale": 2.0}))
    assert len(traces) == 4
    f(x3, Const({"act": "tanh"}))  # another structure (no scale)
    assert len(traces) == 5


def test_jit_retraces_for_an_equal_copy_of_an_unhashable_payload():
    traces = []

    def body(x, c):
        traces.append(c.val)
        return x * len(c.val)

    f = jax.jit(body)
    tags = {"a", "b"}
    f(x3, Const(tags))
    f(x3, Const(tags))
    assert len(traces) == 1  # the same object: no retrace
    f(x3, Const(set(tags)))
    assert len(traces) == 2  # an equal copy: hashed by identity, traced again (documented)
