"""What a pytree leaf is to the workbench: one definition, read by every part.

JAX traces arrays, NumPy arrays and scalars, Python numbers and random keys. Of those, the
inexact ones (floating and complex, ``bfloat16``, ``float16`` and the float8 types included) can
be differentiated. NumPy reports the kind of ``bfloat16`` and the float8 types as ``'V'`` (raw
records): a dtype's kind says nothing reliable about whether it holds numbers, so floatness is
asked of JAX (``jnp.issubdtype``), never read off ``dtype.kind``.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

# Leaves JAX can trace as arrays (when their dtype holds numbers, see ``is_array_leaf``).
ARRAY_TYPES: tuple[type, ...] = (jax.Array, np.ndarray, np.generic, bool, int, float, complex)
PYTHON_SCALARS: tuple[type, ...] = (bool, int, float, complex)


def dtype_of(leaf: Any) -> np.dtype:
    """The dtype JAX would give ``leaf`` (a Python float is float64 here, as NumPy says)."""
    return np.dtype(leaf.dtype) if hasattr(leaf, "dtype") else np.result_type(leaf)


def is_random_key(value: Any) -> bool:
    """A ``jax.random.key`` (or an array of them, traced or not). A legacy
    ``jax.random.PRNGKey`` is a plain ``uint32`` array, which cannot be told from data."""
    dtype = getattr(value, "dtype", None)
    return dtype is not None and jax.dtypes.issubdtype(dtype, jax.dtypes.prng_key)


def holds_numbers(dtype: Any) -> bool:
    """Booleans, integers, floats (``bfloat16``, ``float8`` included) and complex numbers; not
    Python objects, text, bytes or structured records."""
    dtype = np.dtype(dtype)
    if dtype.kind in "biufc":
        return True
    return bool(jnp.issubdtype(dtype, jnp.number))  # the ml_dtypes types (kind 'V')


def is_inexact_dtype(dtype: Any) -> bool:
    """Floating or complex: a dtype with derivatives (``bfloat16``, ``float16`` included)."""
    return not jax.dtypes.issubdtype(dtype, jax.dtypes.prng_key) and bool(
        jnp.issubdtype(dtype, jnp.inexact)
    )


def is_array_leaf(leaf: Any) -> bool:
    """Whether ``jit`` can trace ``leaf``: arrays, tracers, ``jax.ShapeDtypeStruct``, NumPy and
    Python numbers and random keys, but not arrays of text or objects."""
    if not isinstance(leaf, (*ARRAY_TYPES, jax.ShapeDtypeStruct)):
        return False
    return is_random_key(leaf) or holds_numbers(dtype_of(leaf))


def is_inexact_leaf(leaf: Any) -> bool:
    """An array leaf of floating or complex numbers: what a gradient can be taken of."""
    return is_array_leaf(leaf) and not is_random_key(leaf) and is_inexact_dtype(dtype_of(leaf))


def kind_in_words(dtype: Any) -> str:
    """What an array that does not hold numbers holds, for messages."""
    kind = np.dtype(dtype).kind
    return {"O": "Python objects", "U": "text", "S": "bytes", "V": "raw records"}.get(
        kind, f"values of dtype {np.dtype(dtype).name}"
    )
