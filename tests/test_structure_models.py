"""The graph's structure of models (issue 24): boxes nest as the calls nested.

A named scope opened inside a user's function is drawn inside each call of it (an Equinox
module's ``eqx.nn.Linear`` inside the user's ``Block.__call__``, not the calls inside one shared
scope); a scope that holds several calls holds their boxes. A Flax NNX model's library
submodules (``nnx.Linear`` inside the user's module) are boxes named by their attribute paths,
as Equinox's modules are boxes; the scopes change nothing computed (gradients against
``nnx.grad``) and nothing of the user's model.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

import workbench as wb
from workbench._src.notebook.graph_picture import graph_model, initial_expanded, visible_boxes


def _model(f, *args):
    return graph_model(f, args, wb.Reverse)[0]


def _parents(g):
    by_id = {r.id: r for r in g.regions}
    return by_id, [(r, by_id.get(r.parent)) for r in g.regions if r.parent is not None]


class Block(eqx.Module):
    lin1: eqx.nn.Linear
    lin2: eqx.nn.Linear

    def __init__(self, key):
        k1, k2 = jax.random.split(key)
        self.lin1 = eqx.nn.Linear(4, 4, key=k1)
        self.lin2 = eqx.nn.Linear(4, 4, key=k2)

    def __call__(self, x):
        return self.lin2(jnp.tanh(self.lin1(x)))


class Stack(eqx.Module):
    blocks: list

    def __init__(self, key):
        self.blocks = [Block(k) for k in jax.random.split(key, 3)]

    def __call__(self, x):
        for b in self.blocks:
            x = b(x)
        return jnp.sum(x)


def _call(m, x):
    return m(x)


def test_an_equinox_modules_scope_is_inside_the_users_call_that_made_it():
    g = _model(_call, Stack(jax.random.key(0)), jnp.ones(4))
    _, pairs = _parents(g)
    linears = [(r, up) for r, up in pairs if r.kind == "named_scope" and r.label == "eqx.nn.Linear"]
    blocks = [r for r, _ in pairs if r.kind == "function" and r.label == "Block.__call__"]
    # One Block box per call and pass, each holding its own linears (before: one shared
    # eqx.nn.Linear scope per pass held pieces of every Block call).
    assert sorted(r.phase for r in blocks) == ["backward"] * 3 + ["forward"] * 3
    assert {up.id for _, up in linears} == {b.id for b in blocks}
    assert all(b.parent == "main" for b in blocks)
    assert all(up.phase == r.phase for r, up in linears)
    # Every dot_general (the linears' matmuls) is inside a linear's box.
    by_id = {r.id: r for r in g.regions}
    for n in g.nodes:
        if n.primitive == "dot_general":
            assert by_id[n.region].label == "eqx.nn.Linear", n


def _inner(h):
    return jnp.tanh(h)


def _block(h):
    with jax.named_scope("attn"):
        h = h * 2.0
    return _inner(h) + 1.0


def _encoder(x):
    with jax.named_scope("encoder"):
        for _ in range(3):
            x = _block(x)
    return jnp.sum(x)


def test_a_scope_around_calls_holds_them_and_a_scope_inside_a_function_is_in_each_call():
    g = _model(_encoder, jnp.ones(3))
    for phase in ("forward", "backward"):
        encoder = [r for r in g.regions if r.label == "encoder" and r.phase == phase]
        assert len(encoder) == 1 and encoder[0].parent == "main"
        blocks = [r for r in g.regions if r.label == "_block" and r.phase == phase]
        assert len(blocks) == 3
        assert all(b.parent == encoder[0].id for b in blocks)
        attn = [r for r in g.regions if r.label == "attn" and r.phase == phase]
        assert sorted(a.parent for a in attn) == sorted(b.id for b in blocks)


class NBlock(nnx.Module):
    def __init__(self, rngs):
        self.lin1 = nnx.Linear(4, 4, rngs=rngs)
        self.lin2 = nnx.Linear(4, 4, rngs=rngs)

    def __call__(self, x):
        return self.lin2(jnp.tanh(self.lin1(x)))


class NStack(nnx.Module):
    def __init__(self, rngs):
        self.blocks = nnx.List([NBlock(rngs) for _ in range(3)])
        self.head = nnx.Linear(4, 2, rngs=rngs)

    def __call__(self, x):
        for b in self.blocks:
            x = b(x)
        return jnp.sum(self.head(x) ** 2)


def test_an_nnx_models_library_submodules_are_boxes_named_by_their_attribute_paths():
    model = NStack(nnx.Rngs(0))
    g = _model(_call, model, jnp.ones(4))
    by_id, _ = _parents(g)
    paths = {f"blocks[{i}].lin{k}" for i in range(3) for k in (1, 2)} | {"head"}
    for phase in ("forward", "backward"):
        scopes = {r.label: r for r in g.regions if r.kind == "named_scope" and r.phase == phase}
        assert set(scopes) == paths
        # Each block's linears inside that block's call, the head at the top.
        for i in range(3):
            ups = {by_id[scopes[f"blocks[{i}].lin{k}"].parent] for k in (1, 2)}
            assert len(ups) == 1 and next(iter(ups)).label == "NBlock.__call__"
        assert scopes["head"].parent == "main"
    # Drawn: the first view shows every path (a small graph starts open).
    boxes, clusters = visible_boxes(g, initial_expanded(g))
    drawn = {by_id[r].label for r in clusters | {b for b in boxes.values() if b in by_id}}
    assert paths <= drawn
    for n in g.nodes:
        if n.primitive == "dot_general":
            assert by_id[n.region].label in paths, n
    # The user's model is left as it was: its classes are the library's.
    assert type(model.head) is nnx.Linear and type(model.blocks[0].lin1) is nnx.Linear


def test_an_nnx_models_gradient_with_the_scopes_is_nnx_grads():
    model = NStack(nnx.Rngs(1))
    x = jnp.linspace(-1.0, 1.0, 4)
    ours = wb.gradient(wb.Reverse, _call, model, wb.Const(x))[0]
    theirs = nnx.grad(_call)(model, x)
    a, b = jax.tree.leaves(ours), jax.tree.leaves(theirs)
    assert len(a) == len(b) == 14
    for u, v in zip(a, b, strict=True):
        np.testing.assert_allclose(np.asarray(u), np.asarray(v), rtol=1e-6, atol=1e-7)


def test_a_gradient_of_a_gradient_of_an_nnx_model_scopes_each_call_once():
    # The inner derivative rebuilds the module the outer one rebuilt: its submodules' calls
    # are still named once, and the value is nnx.grad's of nnx.grad's.
    model = NStack(nnx.Rngs(2))
    x = jnp.linspace(-1.0, 1.0, 4)

    def inner(m, x):
        g = wb.gradient(wb.Reverse, _call, m, wb.Const(x))[0]
        return sum(jnp.sum(v**2) for v in jax.tree.leaves(g))

    def inner_nnx(m, x):
        g = nnx.grad(_call)(m, x)
        return sum(jnp.sum(v**2) for v in jax.tree.leaves(g))

    ours = wb.gradient(wb.Reverse, inner, model, wb.Const(x))[0]
    theirs = nnx.grad(inner_nnx)(model, x)
    for u, v in zip(jax.tree.leaves(ours), jax.tree.leaves(theirs), strict=True):
        np.testing.assert_allclose(np.asarray(u), np.asarray(v), rtol=1e-5, atol=1e-6)
    g = _model(inner, model, jnp.ones(4))
    by_id = {r.id: r for r in g.regions}
    scopes = [r for r in g.regions if r.kind == "named_scope"]
    assert "head" in {r.label for r in scopes}
    for r in scopes:  # no scope inside one of its own name
        up = by_id.get(r.parent)
        while up is not None:
            assert up.label != r.label, r
            up = by_id.get(up.parent)
