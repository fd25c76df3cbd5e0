"""The model zoo: the kinds of model users bring, each with an independent oracle.

Every model is a ``ZooModel``: its loss, its arguments (the first differentiated, the rest
constants), and its oracle, the gradient computed by the model's own library (``jax.grad``,
``eqx.filter_grad``, ``nnx.grad``) without the workbench. ``tests/test_model_zoo.py`` runs every
workbench entry point on every model against it; ``benchmarks/bench_models.py`` times them.

``ZOO`` builds each model at the size the tests use; ``build(name, size="bench")`` the larger
sizes of the benchmarks (the N-body's 256 bodies).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from tests.models import equinox_models, gpt, mlp, nbody, nnx_cnn


@dataclasses.dataclass(frozen=True)
class ZooModel:
    """A model with its loss, its arguments and its oracle.

    Attributes:
      name: the model's name in test ids.
      library: ``"jax"``, ``"equinox"`` or ``"flax.nnx"``.
      loss: ``loss(params, *constants)``, a real scalar.
      params: the differentiated argument (a pytree, an Equinox module, an NNX module or state).
      constants: the other arguments (data, and for NNX the graph definition).
      oracle: ``oracle(params, *constants)``: the gradient, by the model's own library (compiled
        by its own jit, so the tests need not run a transformer op by op twice).
      tangent: ``tangent(params)``: a tangent of the differentiated part, and
      jvp_oracle: ``jvp_oracle(params, tangent, *constants)``: the directional derivative by
        ``jax.jvp`` on the library's own split.
      parameters: how many numbers are differentiated.
    """

    name: str
    library: str
    loss: Callable[..., Any]
    params: Any
    constants: tuple[Any, ...]
    oracle: Callable[..., Any]
    tangent: Callable[[Any], Any]
    jvp_oracle: Callable[..., Any]
    parameters: int

    @property
    def args(self) -> tuple[Any, ...]:
        return (self.params, *self.constants)


BUILDERS: dict[str, Callable[[str], ZooModel]] = {
    "mlp": lambda size: ZooModel(**mlp.build(size)),
    "equinox_mlp": lambda size: ZooModel(**equinox_models.build_mlp(size)),
    "equinox_gru": lambda size: ZooModel(**equinox_models.build_gru(size)),
    "nnx_cnn_eval": lambda size: ZooModel(**nnx_cnn.build(size, train=False)),
    "nnx_cnn_train": lambda size: ZooModel(**nnx_cnn.build(size, train=True)),
    "gpt_float32": lambda size: ZooModel(**gpt.build(size, "float32")),
    "gpt_bfloat16": lambda size: ZooModel(**gpt.build(size, "bfloat16")),
    "nbody": lambda size: ZooModel(**nbody.build(size)),
}

NAMES = tuple(BUILDERS)


def build(name: str, size: str = "test") -> ZooModel:
    return BUILDERS[name](size)
