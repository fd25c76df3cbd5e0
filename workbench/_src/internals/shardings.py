"""JAX's single-device sharding, as each JAX release spells it.

JAX 0.12.1 deprecates the class ``jax.sharding.SingleDeviceSharding`` (reading the attribute
warns) for ``jax.sharding.is_single_device_sharding`` and ``make_single_device_sharding``; the
oldest JAX the workbench supports has only the class. Every use goes through here, so the
workbench never reads the deprecated name where the new ones exist
(``tests/test_jax_internals.py`` names which spelling this JAX has).
"""

from __future__ import annotations

from typing import Any

import jax

# (read by name: the oldest JAX's stubs have no is_single_device_sharding)
_IS_SINGLE = getattr(jax.sharding, "is_single_device_sharding", None)
NEW_SPELLING = _IS_SINGLE is not None


def is_single_device(sharding: Any) -> bool:
    """Whether ``sharding`` places the whole array on one device (JAX's single-device kind)."""
    if _IS_SINGLE is not None:
        return bool(_IS_SINGLE(sharding))
    return isinstance(sharding, jax.sharding.SingleDeviceSharding)


def single_device(device: Any) -> Any:
    """The sharding that places an array whole on ``device``."""
    if NEW_SPELLING:
        return jax.sharding.make_single_device_sharding(device)
    return jax.sharding.SingleDeviceSharding(device)
