"""Error types and the helpers that describe values in error messages.

Every message the workbench raises says what it received, why that cannot work, and what to
write instead (in the manner of JAX's tracer errors). ``describe`` gives the "what it received"
part in one consistent form: ``float32[3]``, ``a str ('abc')``, ``Duplicated(float32[3])``.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class WorkbenchError(Exception):
    """Base class of the workbench's own errors."""


class ActivityError(WorkbenchError, TypeError):
    """An activity (Const, Active, Duplicated, BatchDuplicated) was built or used wrongly."""


class ModeError(WorkbenchError, TypeError):
    """A mode was expected and something else arrived, or the other way round."""


class NotDifferentiableError(WorkbenchError, TypeError):
    """A value without derivatives (integer, boolean, string, ...) was to be differentiated."""


class OutputError(WorkbenchError, TypeError):
    """The function's output does not fit the requested mode (e.g. non-scalar in reverse mode)."""


class TracedValueError(WorkbenchError, TypeError):
    """A traced (abstract) value was used where Python needs a concrete one, inside ``jit``."""


class CompiledCallError(WorkbenchError, TypeError):
    """A compiled program was called with arguments it was not compiled for."""


def shape_dtype(x: Any) -> str:
    """``float32[3,4]`` for an array-like, as JAX prints abstract values."""
    dtype = np.dtype(x.dtype) if hasattr(x, "dtype") else np.result_type(x)
    shape = getattr(x, "shape", np.shape(x))
    return f"{dtype.name}[{','.join(str(d) for d in shape)}]"


def describe(x: Any) -> str:
    """A short human description of any value, for error messages."""
    from workbench._src.ad.activities import Activity
    from workbench._src.ad.modes import Mode

    if isinstance(x, Mode | Activity):
        return repr(x)
    if hasattr(x, "shape") and hasattr(x, "dtype"):
        return shape_dtype(x)
    if isinstance(x, bool | int | float | complex):
        return f"a Python {type(x).__name__} ({x!r})"
    text = repr(x)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"a {type(x).__name__} ({text})"
