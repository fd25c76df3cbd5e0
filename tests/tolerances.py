"""The one place where test tolerances live, keyed by dtype."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

# (rtol, atol) for comparing two ways of computing the same derivative in the same precision.
_TOL = {
    np.dtype(np.float32): (2e-5, 2e-6),
    np.dtype(np.float64): (1e-12, 1e-13),
    np.dtype(np.complex64): (2e-5, 2e-6),
    np.dtype(np.complex128): (1e-12, 1e-13),
}

# The float dtype JAX gives Python floats and float64 data in this run: float64 with
# JAX_ENABLE_X64=1, float32 without (JAX's default). Tests that are not about float64 build their
# data in it and compare with tol(FLOAT), so they run, and check, in both modes; tests whose point
# is float64 carry @pytest.mark.float64 instead (tests/conftest.py).
FLOAT = np.dtype(jax.dtypes.canonicalize_dtype(np.float64))

# Finite differences (jax.test_util.check_grads) need looser bounds; float64 only.
FD_EPS = 1e-5
FD_TOL = 1e-5


def tol(dtype: Any) -> tuple[float, float]:
    return _TOL[np.dtype(dtype)]


def assert_close(actual: Any, expected: Any) -> None:
    """Leaf-by-leaf comparison with the tolerance of each expected leaf's dtype; same structure."""
    a_leaves, a_def = jax.tree_util.tree_flatten(actual)
    e_leaves, e_def = jax.tree_util.tree_flatten(expected)
    assert a_def == e_def, f"structure differs: {a_def} vs {e_def}"
    for a, e in zip(a_leaves, e_leaves, strict=True):
        a, e = np.asarray(a), np.asarray(e)
        assert a.shape == e.shape, f"shape {a.shape} vs {e.shape}"
        dtype = jnp.result_type(e)
        rtol, atol = tol(dtype) if np.dtype(dtype) in _TOL else (0, 0)
        np.testing.assert_allclose(a, e, rtol=rtol, atol=atol)
