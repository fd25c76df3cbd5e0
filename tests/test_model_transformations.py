"""The zoo's models under JAX's transformations around the workbench: ``jax.vmap`` of a
gradient (ensembles of losses, per-example weights) and second order (a gradient penalty: the
gradient of the squared norm of the gradient, as in WGAN-GP and sharpness-aware training), each
against the model library's own transformations (``jax.grad``, ``eqx.filter_grad``,
``nnx.grad``) at the zoo's small sizes."""

from __future__ import annotations

import functools

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

import workbench as wb
from tests.models.zoo import ZooModel, build

# float32 models; the checkpointed N-body's body runs through both levels of reverse mode.
MODELS = ["mlp", "equinox_mlp", "equinox_gru", "nnx_cnn_eval", "gpt_float32", "nbody"]


@functools.cache
def small(name: str) -> ZooModel:
    return build(name, "small")


def squared_norm(tree):
    return sum(jnp.sum(jnp.square(leaf)) for leaf in jax.tree_util.tree_leaves(tree))


def library_grad(m: ZooModel):
    """The model library's own gradient transformation."""
    return {"jax": jax.grad, "equinox": eqx.filter_grad, "flax.nnx": nnx.grad}[m.library]


def assert_close(actual, expected, rtol):
    """Same pytree class and structure; leaf by leaf within ``rtol`` of the largest magnitude
    of the whole expected tree (zero-gradient leaves hold rounding noise only)."""
    assert type(actual) is type(expected), (type(actual), type(expected))
    a_leaves, a_def = jax.tree_util.tree_flatten(actual)
    e_leaves, e_def = jax.tree_util.tree_flatten(expected)
    assert a_def == e_def
    largest = max(float(np.max(np.abs(np.asarray(e)))) for e in e_leaves)
    for a, e in zip(a_leaves, e_leaves, strict=True):
        assert a.shape == e.shape and a.dtype == e.dtype
        np.testing.assert_allclose(np.asarray(a), np.asarray(e), rtol=0, atol=rtol * largest)


@pytest.mark.parametrize("name", MODELS)
def test_vmap_of_a_model_gradient_is_each_lane_gradient(name):
    """``jax.vmap`` over the loss's weight: each lane is that weight times the library's
    gradient (the model's split and rebuild run on batched tracers)."""
    m = small(name)
    consts = tuple(wb.Const(c) for c in m.constants)
    weights = jnp.array([1.0, -0.5], jnp.float32)
    # Compiled (the model closed over), as a training script would run it; op by op it is slow.
    lanes = jax.jit(
        jax.vmap(
            lambda w: wb.gradient(wb.Reverse, lambda p, *c: w * m.loss(p, *c), m.params, *consts)[0]
        )
    )(weights)
    expected = m.oracle(*m.args)
    for k, w in enumerate(np.asarray(weights)):
        lane = jax.tree.map(lambda leaf, k=k: leaf[k], lanes)
        assert_close(lane, jax.tree.map(lambda g, w=w: w * g, expected), rtol=2e-4)


@pytest.mark.parametrize("name", MODELS)
def test_gradient_of_a_gradient_penalty_as_the_library_computes_it(name):
    """Reverse over reverse on a model: d/dp |grad loss(p)|^2, against the library's own
    nested gradient of its own (compiled) gradient."""
    m = small(name)
    consts = tuple(wb.Const(c) for c in m.constants)

    def penalty(p):
        return squared_norm(wb.gradient(wb.Reverse, m.loss, p, *consts)[0])

    (ours,) = jax.jit(lambda: wb.gradient(wb.Reverse, penalty, m.params))()
    expected = library_grad(m)(lambda p: squared_norm(m.oracle(p, *m.constants)))(m.params)
    assert_close(ours, expected, rtol=1e-3)
