"""``to_rarray``: Reactant's name for putting values on a device as JAX arrays."""

from __future__ import annotations

import sys
import warnings
from typing import Any

import jax
import numpy as np
from jax.sharding import NamedSharding, PartitionSpec

from workbench._src.errors import ArgumentError, OptionError, describe, shape_dtype
from workbench._src.sources import in_workbench

_NUMERIC = (jax.Array, np.ndarray, np.generic, bool, int, float, complex)


def resolve_device(device: Any) -> jax.Device | None:
    """``None``, a ``jax.Device``, a platform name (``"cpu"``, ``"gpu"``, ``"tpu"``) or an index."""
    if device is None or isinstance(device, jax.Device):
        return device
    if isinstance(device, int) and not isinstance(device, bool):
        devices = jax.devices()
        if not 0 <= device < len(devices):
            raise OptionError(
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
            raise OptionError(
                f"no {device!r} device is available here; JAX's default backend is "
                f"{jax.default_backend()!r} with devices {jax.devices()}. Leave device unset to "
                "use the default, or pick one of those."
            ) from e
    raise ArgumentError(
        f"device must be None, a jax.Device, a platform name ('cpu', 'gpu', 'tpu') or an index, "
        f"but received {describe(device)}."
    )


def to_rarray(x: Any, *, device: Any = None, sharding: Any = None) -> Any:
    """Converts a value, or a pytree of them, to JAX arrays on a device; dtypes are preserved.

    NumPy arrays keep their dtype and Python floats become 0-d float64 arrays, where JAX's 64-bit
    mode is on (``jax.config.update("jax_enable_x64", True)``, once, at the top of the program).
    With it off (JAX's default) JAX holds no float64: float64 data becomes float32 (complex128
    becomes complex64), and ``to_rarray`` says so once, with a warning.

    Args:
      x: an array, a number, or a pytree (tuple, list, dict) of them.
      device: a ``jax.Device``, ``"cpu"``/``"gpu"``/``"tpu"``, or an index into ``jax.devices()``.
      sharding: a ``jax.sharding.Sharding`` such as ``NamedSharding(mesh, PartitionSpec("data"))``
        (exclusive with ``device``), applied to every leaf; a bare ``PartitionSpec`` where a
        mesh is set (``jax.set_mesh``). The workbench's derivatives of a sharded argument come
        back sharded like it.

    >>> import numpy as np, workbench as wb
    >>> wb.to_rarray(np.array([3.0, 4.0], np.float32))
    Array([3., 4.], dtype=float32)
    >>> wb.to_rarray(np.arange(3, dtype=np.int32)).dtype
    dtype('int32')
    """
    if device is not None and sharding is not None:
        raise OptionError(
            "to_rarray takes device or sharding, not both: a sharding already names its devices."
        )
    for leaf in jax.tree_util.tree_leaves(x):
        if not isinstance(leaf, _NUMERIC):
            raise ArgumentError(
                f"to_rarray converts arrays and numbers (or pytrees of them), but received "
                f"{describe(leaf)}. Convert it to a NumPy array first, or keep it out of the tree."
            )
    if sharding is not None:
        check_sharding(sharding)
    _warn_if_narrowed(x)
    target = sharding if sharding is not None else resolve_device(device)

    def convert(path: Any, leaf: Any) -> jax.Array:
        array = np.asarray(leaf) if not isinstance(leaf, jax.Array) else leaf
        if isinstance(sharding, NamedSharding):
            _check_fits(sharding, array, path)
        return jax.device_put(array, target)

    return jax.tree_util.tree_map_with_path(convert, x)


class PrecisionWarning(UserWarning):
    """Data lost precision on its way to JAX (float64 became float32 with x64 off)."""


_NARROWED = {np.dtype(np.float64): "float32", np.dtype(np.complex128): "complex64"}
_warned_narrowing = False  # to_rarray says it once per process


def _warn_if_narrowed(x: Any) -> None:
    warn_if_narrowed(x, "to_rarray")


def warn_if_narrowed(x: Any, where: str, *, python_numbers: bool = True) -> None:
    """With ``jax_enable_x64`` off JAX stores float64 as float32: say so, once per process, and
    how to keep float64 (the workbench changes no global configuration itself). Every entry
    point that takes data calls this (``where`` names it); ``python_numbers=False`` leaves out
    Python floats, which JAX types weakly (they take the dtype of the arrays they meet)."""
    global _warned_narrowing
    if _warned_narrowing or jax.config.read("jax_enable_x64"):
        return
    kinds = (np.ndarray, np.generic, float, complex) if python_numbers else (np.ndarray, np.generic)
    if not any(isinstance(leaf, kinds) for leaf in jax.tree_util.tree_leaves(x)):
        return  # (one flattening in C; the paths only when there is something to say)
    leaves = jax.tree_util.tree_leaves_with_path(x)
    narrowed = next(
        (
            (path, leaf, np.asarray(leaf).dtype)
            for path, leaf in leaves
            # a JAX array is already what JAX holds: nothing changes
            if isinstance(leaf, np.ndarray | np.generic)
            or (python_numbers and isinstance(leaf, float | complex))
            if np.asarray(leaf).dtype in _NARROWED
        ),
        None,
    )
    if narrowed is None:
        return
    path, leaf, dtype = narrowed
    _warned_narrowing = True
    at = f" at {jax.tree_util.keystr(path)}" if path else ""
    warnings.warn(
        f"{where} received {dtype.name} data{at} ({describe(leaf)}), but JAX's 64-bit mode "
        f"is off (jax_enable_x64, JAX's default), so it became {_NARROWED[dtype]}: about 7 "
        "significant digits instead of 16. To keep float64, turn 64-bit mode on once, at the "
        'top of the program before any array is made: jax.config.update("jax_enable_x64", '
        "True) (or set JAX_ENABLE_X64=1). To keep float32 without this warning, convert first: "
        "np.asarray(x, np.float32). (Said once per session.)",
        PrecisionWarning,
        stacklevel=_user_stacklevel(),
    )


def _user_stacklevel() -> int:
    """The ``stacklevel`` that points a warning at the first frame outside the workbench (the
    user's call), however deep inside the workbench it is raised."""
    level, frame = 1, sys._getframe(1)
    while frame is not None and in_workbench(frame.f_code.co_filename):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level


def check_sharding(sharding: Any) -> None:
    """A ``jax.sharding.Sharding``, or a ``PartitionSpec`` while a mesh is set (as JAX takes)."""
    if isinstance(sharding, PartitionSpec):
        if jax.sharding.get_abstract_mesh().empty:
            raise OptionError(
                f"to_rarray received the PartitionSpec {sharding} but no mesh: a spec names mesh "
                "axes, and says nothing about which devices hold them. Pass "
                f"sharding=NamedSharding(mesh, {sharding}), or set a mesh first "
                "(with jax.set_mesh(mesh): ...)."
            )
        return
    if not isinstance(sharding, jax.sharding.Sharding):
        raise ArgumentError(
            f"to_rarray's sharding must be a jax.sharding.Sharding, but received "
            f"{describe(sharding)}. Build one from a mesh: "
            "NamedSharding(jax.make_mesh((8,), ('data',)), PartitionSpec('data')); "
            "for a single device pass device=... instead."
        )


def _check_fits(sharding: NamedSharding, array: Any, path: Any) -> None:
    """Each axis a NamedSharding splits must exist and divide evenly (JAX's own message for a
    scalar on an explicit mesh is a bare AssertionError)."""
    where = f"the leaf {jax.tree_util.keystr(path)} " if path else ""
    shape = np.shape(array)
    spec = tuple(sharding.spec)
    if len(spec) > len(shape):
        raise OptionError(
            f"to_rarray: the sharding's spec {sharding.spec} has {_count(len(spec), 'entry')} "
            f"(one per array axis), but {where}{shape_dtype(array)} has "
            f"{_count(len(shape), 'axis')}. Give it a spec of at most {len(shape)} entries "
            "(PartitionSpec() replicates it on every device of the mesh)."
        )
    sizes = dict(sharding.mesh.shape)
    for axis, names in enumerate(spec):
        if isinstance(names, str):
            names = (names,)
        if not isinstance(names, tuple) or not all(n in sizes for n in names):
            continue  # None, UNCONSTRAINED, or something JAX itself will report
        ways = int(np.prod([sizes[n] for n in names]))
        if shape[axis] % ways:
            raise OptionError(
                f"to_rarray: the sharding {sharding.spec} splits axis {axis} of {where}"
                f"{shape_dtype(array)} {ways} ways (mesh axes {', '.join(map(repr, names))}), "
                f"but its length {shape[axis]} is not a multiple of {ways}. Pad that axis to a "
                f"multiple of {ways}, or leave it whole (None at position {axis} of the spec)."
            )


def _count(n: int, noun: str) -> str:
    plural = {"entry": "entries", "axis": "axes"}[noun]
    return f"{n} {noun if n == 1 else plural}"


def constant(value: Any, dtype: Any) -> Any:
    """``jnp.asarray(value, dtype)`` for the workbench's own constants (from Python or NumPy),
    transferred explicitly: ``jnp.asarray`` would be an implicit host-to-device transfer,
    refused under ``jax.transfer_guard("disallow")``. Traced, it is a constant of the program
    (no equation)."""
    return jax.device_put(np.asarray(value, dtype))
