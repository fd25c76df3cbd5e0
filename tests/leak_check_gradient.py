"""Run by tests/test_check_gradient_scale.py in a fresh process: ``wb.check_gradient`` on a
1.86M-parameter MLP (784-1024-1024-10, float32), right or with one layer's custom_vjp off by 2x;
print the verdict, the failing leaves' names, and the peak resident memory the check added (MB)
over what running the model and its gradient had already needed.

    python tests/leak_check_gradient.py right|wrong
"""

import itertools
import json
import sys
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from leak_rss import peak, reset_peak, rss

import workbench as wb

SIZES = (784, 1024, 1024, 10)


@jax.custom_vjp
def doubled_dense(w: jax.Array, h: jax.Array) -> jax.Array:
    return h @ w


def _fwd(w: jax.Array, h: jax.Array) -> tuple[jax.Array, tuple[jax.Array, jax.Array]]:
    return h @ w, (w, h)


def _bwd(res: tuple[jax.Array, jax.Array], g: jax.Array) -> tuple[jax.Array, jax.Array]:
    w, h = res
    return 2.0 * (h.T @ g), g @ w.T  # the weight's cotangent is off by 2x


doubled_dense.defvjp(_fwd, _bwd)


def make(wrong: bool) -> tuple[Any, Any]:
    def loss(params: Any, x: jax.Array, y: jax.Array) -> jax.Array:
        h = x
        for k, (w, b) in enumerate(params):
            h = (doubled_dense(w, h) if wrong and k == 1 else h @ w) + b
            if k < len(params) - 1:
                h = jnp.tanh(h)
        logp = jax.nn.log_softmax(h)
        return -jnp.mean(jnp.sum(logp * y, axis=-1))

    rng = np.random.default_rng(0)
    params = [
        (
            jnp.asarray(rng.normal(size=(m, n)) / np.sqrt(m), jnp.float32),
            jnp.asarray(0.1 * rng.normal(size=n), jnp.float32),
        )
        for m, n in itertools.pairwise(SIZES)
    ]
    return loss, params


def main(which: str) -> None:
    loss, params = make(which == "wrong")
    rng = np.random.default_rng(1)
    x = jnp.asarray(rng.normal(size=(16, SIZES[0])), jnp.float32)
    y = jax.nn.one_hot(rng.integers(0, SIZES[-1], 16), SIZES[-1])
    jax.block_until_ready(jax.jit(jax.grad(loss))(params, x, y))  # what the model itself needs
    base = rss()
    reset_peak()
    report = wb.check_gradient(loss, params, wb.Const(x), wb.Const(y))
    extra = (peak() - base) / 1e6
    print(
        json.dumps(
            {
                "passed": report.passed,
                "failures": [a.name for a in report.failures],
                "params": sum(int(np.size(p)) for layer in params for p in layer),
                "extra_mb": extra,
                "text": str(report),
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
