"""A Flax NNX CNN with BatchNorm and Dropout. Eval mode is passed bare (the module itself);
train mode as ``nnx.split``'s state, merged again in the loss (Flax's own answer for train
mode under a transformation: Dropout's random stream and BatchNorm's statistics are state)."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from flax import nnx

from tests.models.common import count, cross_entropy, random_like


class CNN(nnx.Module):
    def __init__(self, channels: int, rngs: nnx.Rngs) -> None:
        self.conv1 = nnx.Conv(1, channels, kernel_size=(3, 3), rngs=rngs)
        self.bn = nnx.BatchNorm(channels, rngs=rngs)
        self.dropout = nnx.Dropout(0.25, rngs=rngs)
        self.conv2 = nnx.Conv(channels, channels, kernel_size=(3, 3), rngs=rngs)
        self.head = nnx.Linear(channels, 10, rngs=rngs)

    def __call__(self, x: jax.Array) -> jax.Array:
        x = nnx.relu(self.bn(self.conv1(x)))
        x = self.dropout(x)
        x = nnx.relu(self.conv2(x))
        return self.head(jnp.mean(x, axis=(1, 2)))


def copy(state: Any) -> Any:
    """New variables with the same values (nnx.merge shares a state's variables, and a
    train-mode call updates them: BatchNorm's statistics, Dropout's random stream)."""
    return jax.tree.map(lambda v: v, state)


def module_loss(model: CNN, x: jax.Array, labels: jax.Array) -> jax.Array:
    return cross_entropy(model(x), labels)


def state_loss(state: nnx.State, graphdef: Any, x: jax.Array, labels: jax.Array) -> jax.Array:
    return module_loss(nnx.merge(graphdef, state), x, labels)


def _data(size: str) -> tuple[int, jax.Array, jax.Array]:
    channels, side = {"test": (8, 12), "bench": (32, 28), "small": (4, 8)}[size]
    x = jax.random.normal(jax.random.key(1), (8, side, side, 1), jnp.float32)
    labels = jax.random.randint(jax.random.key(2), (8,), 0, 10)
    return channels, x, labels


def build(size: str, train: bool) -> dict[str, Any]:
    channels, x, labels = _data(size)
    model = CNN(channels, nnx.Rngs(0))
    parameters = count(nnx.state(model, nnx.Param))
    if not train:
        model.eval()

        def jvp_oracle(m: CNN, tangent: Any, *c: Any) -> Any:
            graphdef, params, rest = nnx.split(m, nnx.Param, ...)
            return jax.jvp(
                lambda p: module_loss(nnx.merge(graphdef, p, rest), *c), (params,), (tangent,)
            )[1]

        return {
            "name": "nnx_cnn_eval",
            "library": "flax.nnx",
            "loss": module_loss,
            "params": model,
            "constants": (x, labels),
            "oracle": nnx.jit(nnx.grad(module_loss)),
            "tangent": lambda m: random_like(nnx.state(m, nnx.Param)),
            "jvp_oracle": jvp_oracle,
            "parameters": parameters,
        }
    model.train()
    graphdef, state = nnx.split(model)

    def oracle(state: nnx.State, graphdef: Any, *c: Any) -> Any:
        # nnx.grad on the module itself, in train mode, from the same random stream. nnx.merge
        # shares the state's variables and a train-mode call advances its random stream, so
        # the module is merged from a copy: each call sees the stream where the state has it.
        return nnx.grad(module_loss)(nnx.merge(graphdef, copy(state)), *c)

    def state_jvp_oracle(state: nnx.State, tangent: Any, graphdef: Any, *c: Any) -> Any:
        params, rest = nnx.split_state(state, nnx.Param, ...)
        return jax.jvp(
            lambda p: state_loss(nnx.merge_state(p, copy(rest)), graphdef, *c),
            (params,),
            (tangent,),
        )[1]

    return {
        "name": "nnx_cnn_train",
        "library": "flax.nnx",
        "loss": state_loss,
        "params": state,
        "constants": (graphdef, x, labels),
        "oracle": oracle,
        "tangent": lambda s: random_like(nnx.split_state(s, nnx.Param, ...)[0]),
        "jvp_oracle": state_jvp_oracle,
        "parameters": parameters,
    }
