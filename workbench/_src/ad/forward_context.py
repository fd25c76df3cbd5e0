"""Whether a forward-mode derivative of the workbench is being traced.

Checkpointed loops implement reverse mode with a ``custom_vjp``, which JAX cannot differentiate
in forward mode. Forward mode keeps nothing for a backward pass, so there is nothing to
checkpoint: while the workbench traces a forward-mode derivative, its loops run as plain loops.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

_forward = contextvars.ContextVar("workbench_forward_mode", default=False)


def in_forward_mode() -> bool:
    return _forward.get()


@contextlib.contextmanager
def forward_mode() -> Iterator[None]:
    token = _forward.set(True)
    try:
        yield
    finally:
        _forward.reset(token)
