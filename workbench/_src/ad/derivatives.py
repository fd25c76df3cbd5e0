"""The two derivative maps every API function is built on, with the mode's strong zero applied.

``push``/``push_lanes`` give tangents (forward mode), ``pull`` the pullback (reverse mode). In the
ordinary modes they are ``jax.jvp`` (vectorized like ``jax.jacfwd``) and ``jax.vjp``, so the
compiled program is the one JAX would build. With strong zero, the same programs are traced to
jaxprs and their derivative part transformed (``strong_zero.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import jax

from workbench._src.ad.modes import Mode
from workbench._src.ad.strong_zero import strong_zero


def push(
    mode: Mode, call: Callable[..., Any], primals: tuple[Any, ...], tangents: tuple[Any, ...]
) -> tuple[Any, Any]:
    """(primal output, output tangent) for one tangent per primal."""
    if not mode.strong_zero:
        return jax.jvp(call, primals, tangents)
    return _strong_zero_jvp(call)(primals, tangents)


def push_lanes(
    mode: Mode, call: Callable[..., Any], primals: tuple[Any, ...], stacked: tuple[Any, ...]
) -> tuple[Any, Any]:
    """(primal output, output tangents stacked on axis 0) for tangents stacked on axis 0."""
    jvp = _strong_zero_jvp(call) if mode.strong_zero else partial(jax.jvp, call)
    return jax.vmap(lambda t: jvp(primals, t), out_axes=(None, 0))(stacked)


def _strong_zero_jvp(call: Callable[..., Any]) -> Callable[..., Any]:
    # The jvp program with guards added, so smooth functions give the plain tangents bit for bit.
    return strong_zero(partial(jax.jvp, call), "forward", derivative_args=(False, True))


def pull(mode: Mode, call: Callable[..., Any], primals: tuple[Any, ...]) -> tuple[Any, Any]:
    """(primal output, pullback) like ``jax.vjp``."""
    primal, vjp_fn = jax.vjp(call, *primals)
    return primal, strong_zero(vjp_fn, "reverse") if mode.strong_zero else vjp_fn
