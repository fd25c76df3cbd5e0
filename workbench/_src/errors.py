"""Error types and the helpers that describe values in error messages.

Every message the workbench raises says what it received, why that cannot work, and what to
write instead (in the manner of JAX's tracer errors). ``describe`` gives the "what it received"
part in one consistent form: ``float32[3]``, ``a str ('abc')``, ``Duplicated(float32[3])``.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np


class WorkbenchError(Exception):
    """Base class of the workbench's own errors."""


class ActivityError(WorkbenchError, TypeError):
    """An activity (Const, Active, Duplicated, BatchDuplicated) was built or used wrongly."""


class ModeError(WorkbenchError, TypeError):
    """A mode was expected and something else arrived, or the other way round."""


class NotCallableError(WorkbenchError, TypeError):
    """A function was expected (the first argument of ``inspect``, ``graph``, ``jit``, a loop's
    body, ...) and something else arrived."""


class NotDifferentiableError(WorkbenchError, TypeError):
    """A value without derivatives (integer, boolean, string, ...) was to be differentiated."""


class OutputError(WorkbenchError, TypeError):
    """The function's output does not fit the requested mode (e.g. non-scalar in reverse mode)."""


class TracedValueError(WorkbenchError, TypeError):
    """A traced (abstract) value was used where Python needs a concrete one, inside ``jit``."""


class CompiledCallError(WorkbenchError, TypeError):
    """A compiled program was called with arguments it was not compiled for."""


class CompiledShardingError(CompiledCallError, ValueError):
    """A compiled program was called with an argument sharded differently from its compilation.

    A ``CompiledCallError`` (the workbench's type) and a ``ValueError`` (the type JAX raises)."""


class OutOfMemoryError(WorkbenchError, RuntimeError):
    """A program ran out of device memory; the message names what keeps memory in a derivative
    and how to keep less. A ``RuntimeError``, as JAX's own error (its ``__cause__``)."""


def is_out_of_memory(error: BaseException) -> bool:
    """JAX's runtime error for an allocation that failed (XLA's RESOURCE_EXHAUSTED; on CPU,
    "Out of memory allocating N bytes")."""
    text = str(error)
    return "RESOURCE_EXHAUSTED" in text or "out of memory" in text.lower()


def out_of_memory(where: str, error: BaseException) -> OutOfMemoryError:
    """The workbench's words for ``error``: what a derivative keeps, and how to keep less."""
    first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return OutOfMemoryError(
        f"{where}: the program ran out of memory ({first}). Reverse mode keeps values of the "
        "forward pass for the backward pass, every step of a loop unless it is checkpointed: "
        "wb.inspect(f, *args, mode=wb.Reverse) shows what it keeps (its memory view). Keep "
        "fewer with a checkpointing scheme (wb.fori_loop(..., checkpointing=wb.Binomial(s)) "
        "keeps s snapshots whatever the trip count; jax.checkpoint around a layer), a smaller "
        "batch, or forward mode (wb.Forward) for a few inputs."
    )


class JaxInternalsError(WorkbenchError, RuntimeError):
    """The installed JAX lacks something the workbench reads from its internals (a primitive, a
    parameter layout); the message names it and the JAX version (see ``_src/internals``)."""


class FallbackWarning(UserWarning):
    """An optional part of a result (IR links, a view's data, a private JAX route) could not be
    built and was left out or computed another way; the message says what failed and why."""


def warn_fallback(failed: str, error: BaseException, instead: str, stacklevel: int = 3) -> None:
    """The one way an optional part that failed says so (never silently): ``"<failed>
    (<error type>: <its first line>); <instead>."`` as a ``FallbackWarning`` at the caller's
    caller (``stacklevel``)."""
    first = str(error).splitlines()[0] if str(error) else ""
    warnings.warn(
        f"{failed} ({type(error).__name__}: {first}); {instead}.",
        FallbackWarning,
        stacklevel=stacklevel,
    )


def placement(x: Any) -> str:
    """Where a concrete array lives, for error messages: ``on cpu:3`` or
    ``sharded as P('data',) over the mesh ('data': 8) (devices 0-7)``."""
    import jax

    from workbench._src.internals.shardings import is_single_device

    sharding = getattr(x, "sharding", None)
    if sharding is None:
        return "on the host"
    devices = sorted(sharding.device_set, key=lambda d: d.id)
    if is_single_device(sharding) or len(devices) == 1:
        return f"on {devices[0]}"
    ids = [d.id for d in devices]
    listed = f"{ids[0]}-{ids[-1]}" if ids == list(range(ids[0], ids[-1] + 1)) else str(ids)
    if isinstance(sharding, jax.sharding.NamedSharding):
        axes = ", ".join(f"{name!r}: {size}" for name, size in sharding.mesh.shape.items())
        return f"sharded as {sharding.spec} over the mesh ({axes}) (devices {listed})"
    return f"sharded over devices {listed} ({sharding})"


def shape_dtype(x: Any) -> str:
    """``float32[3,4]`` for an array-like, as JAX prints abstract values (``key<fry>[]`` for
    a random key, whose dtype is JAX's, not NumPy's)."""
    dtype = x.dtype if hasattr(x, "dtype") else np.result_type(x)
    name = getattr(dtype, "name", None) or np.dtype(dtype).name
    shape = getattr(x, "shape", np.shape(x))
    return f"{name}[{','.join(str(d) for d in shape)}]"


class DescribedByRepr:
    """A workbench value whose ``repr`` is short and says what it is (a mode, an activity):
    ``describe`` shows the ``repr``. The modes and activities derive from it, so that this module
    needs to know neither (they import it, not the other way round)."""

    __slots__ = ()


def describe(x: Any) -> str:
    """A short human description of any value, for error messages."""
    if isinstance(x, DescribedByRepr):
        return repr(x)
    if hasattr(x, "shape") and hasattr(x, "dtype"):
        return shape_dtype(x)
    if isinstance(x, bool | int | float | complex):
        return f"a Python {type(x).__name__} ({x!r})"
    text = repr(x)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"a {type(x).__name__} ({text})"
