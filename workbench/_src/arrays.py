"""``to_rarray``: Reactant's name for putting values on a device as JAX arrays."""

from __future__ import annotations

from typing import Any

import jax
import numpy as np

from workbench._src.errors import describe

_NUMERIC = (jax.Array, np.ndarray, np.generic, bool, int, float, complex)


def resolve_device(device: Any) -> jax.Device | None:
    """``None``, a ``jax.Device``, a platform name (``"cpu"``, ``"gpu"``, ``"tpu"``) or an index."""
    if device is None or isinstance(device, jax.Device):
        return device
    if isinstance(device, int) and not isinstance(device, bool):
        devices = jax.devices()
        if not 0 <= device < len(devices):
            raise ValueError(
                f"device index {device} is out of range: JAX sees {len(devices)} device(s) "
                f"({', '.join(str(d) for d in devices)}). Pass an index below {len(devices)}."
            )
        return devices[device]
    if isinstance(device, str):
        name = device.lower()
        if name == "cuda":
            name = "gpu"
        try:
            return jax.devices(name)[0]
        except RuntimeError as e:
            raise ValueError(
                f"no {device!r} device is available here; JAX's default backend is "
                f"{jax.default_backend()!r} with devices {jax.devices()}. Leave device unset to "
                "use the default, or pick one of those."
            ) from e
    raise TypeError(
        f"device must be None, a jax.Device, a platform name ('cpu', 'gpu', 'tpu') or an index, "
        f"but received {describe(device)}."
    )


def to_rarray(x: Any, *, device: Any = None, sharding: Any = None) -> Any:
    """Converts a value, or a pytree of them, to JAX arrays on a device; dtypes are preserved.

    Python floats become 0-d float64 arrays (the workbench enables ``jax_enable_x64``), NumPy
    arrays keep their dtype.

    Args:
      x: an array, a number, or a pytree (tuple, list, dict) of them.
      device: a ``jax.Device``, ``"cpu"``/``"gpu"``/``"tpu"``, or an index into ``jax.devices()``.
      sharding: a ``jax.sharding.Sharding`` (exclusive with ``device``).

    >>> import numpy as np, workbench as wb
    >>> wb.to_rarray(np.array([3.0, 4.0], np.float32))
    Array([3., 4.], dtype=float32)
    >>> wb.to_rarray(3.1).dtype
    dtype('float64')
    """
    if device is not None and sharding is not None:
        raise ValueError(
            "to_rarray takes device or sharding, not both: a sharding already names its devices."
        )
    for leaf in jax.tree_util.tree_leaves(x):
        if not isinstance(leaf, _NUMERIC):
            raise TypeError(
                f"to_rarray converts arrays and numbers (or pytrees of them), but received "
                f"{describe(leaf)}. Convert it to a NumPy array first, or keep it out of the tree."
            )
    target = sharding if sharding is not None else resolve_device(device)

    def convert(leaf: Any) -> jax.Array:
        array = np.asarray(leaf) if not isinstance(leaf, jax.Array) else leaf
        return jax.device_put(array, target)

    return jax.tree.map(convert, x)
