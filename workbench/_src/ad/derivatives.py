"""The two derivative maps every API function is built on, with the mode's strong zero applied.

``push``/``push_lanes`` give tangents (forward mode), ``pull`` the pullback (reverse mode). In the
ordinary modes they are ``jax.jvp`` (vectorized like ``jax.jacfwd``) and ``jax.vjp``, so the
compiled program is the one JAX would build. With strong zero, the same programs are traced to
jaxprs and their derivative part transformed (``strong_zero.py``).
"""

from __future__ import annotations

import contextlib
import traceback
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import jax

from workbench._src.ad.modes import Mode
from workbench._src.ad.strong_zero import strong_zero
from workbench._src.errors import ModeError, is_out_of_memory, out_of_memory
from workbench._src.internals import jaxprs, params, private_jax
from workbench._src.internals import primitives as prims
from workbench._src.sources import is_users, source_text


def push(
    mode: Mode, call: Callable[..., Any], primals: tuple[Any, ...], tangents: tuple[Any, ...]
) -> tuple[Any, Any]:
    """(primal output, output tangent) for one tangent per primal."""
    with _explaining_custom_vjp(mode, call, primals):
        if not mode.strong_zero:
            return jax.jvp(call, primals, tangents)
        return _strong_zero_jvp(call)(primals, tangents)


def push_lanes(
    mode: Mode, call: Callable[..., Any], primals: tuple[Any, ...], stacked: tuple[Any, ...]
) -> tuple[Any, Any]:
    """(primal output, output tangents stacked on axis 0) for tangents stacked on axis 0."""
    jvp = _strong_zero_jvp(call) if mode.strong_zero else partial(jax.jvp, call)
    with _explaining_custom_vjp(mode, call, primals):
        return jax.vmap(lambda t: jvp(primals, t), out_axes=(None, 0))(stacked)


_CUSTOM_VJP_JVP = "can't apply forward-mode autodiff (jvp) to a custom_vjp function"


@contextlib.contextmanager
def _explaining_custom_vjp(
    mode: Mode, call: Callable[..., Any], primals: tuple[Any, ...]
) -> Iterator[None]:
    """JAX refuses forward mode through a ``jax.custom_vjp`` function without saying which one:
    say which (its line) and why, and what to write instead."""
    try:
        yield
    except TypeError as e:
        if _CUSTOM_VJP_JVP not in str(e):
            raise
        where = _custom_vjp_lines(call, primals)
        at = f" ({'; '.join(w if ', called at' in w else 'called at ' + w for w in where)})"
        raise ModeError(
            f"{mode!r}: the function calls a jax.custom_vjp function{at if where else ''}. "
            "JAX's custom_vjp defines "
            "only a reverse-mode rule (its fwd and bwd), so forward mode has no rule to push a "
            "tangent through it. Differentiate in reverse mode (wb.Reverse), or define the "
            "function with jax.custom_jvp, whose rule serves both modes. "
            f"(JAX: {str(e).splitlines()[0]})"
        ) from e


def _custom_vjp_lines(call: Callable[..., Any], primals: tuple[Any, ...]) -> list[str]:
    """The user's lines that call a custom_vjp function in ``call``'s program (traced again,
    only to find them for the message)."""
    try:
        closed = jax.make_jaxpr(call)(*primals)
    except Exception:  # the message goes out without the lines
        return []
    found: list[str] = []

    def walk(jaxpr: Any) -> None:
        for eqn in jaxpr.eqns:
            if eqn.primitive is prims.CUSTOM_VJP:
                src = private_jax.user_frame(eqn.source_info)
                name, _, defined = (params.called_function(eqn) or "").partition(" at ")
                text = source_text(src) if src is not None else "an unknown line"
                if name and defined:
                    text = f"{name}, defined at {defined}, called at {text}"
                if text not in found:
                    found.append(text)
            for sub in jaxprs.jaxprs_in_params(eqn.params):
                walk(jaxprs.open_jaxpr(sub)[0])

    walk(closed.jaxpr)
    return found


def _strong_zero_jvp(call: Callable[..., Any]) -> Callable[..., Any]:
    # The jvp program with guards added, so smooth functions give the plain tangents bit for bit.
    return strong_zero(partial(jax.jvp, call), "forward", derivative_args=(False, True))


def pull(mode: Mode, call: Callable[..., Any], primals: tuple[Any, ...]) -> tuple[Any, Any]:
    """(primal output, pullback) like ``jax.vjp``."""
    primal, vjp_fn = jax.vjp(call, *primals)
    return primal, _pullback(mode, vjp_fn)


def pull_with_aux(
    mode: Mode, call: Callable[..., Any], primals: tuple[Any, ...]
) -> tuple[Any, Any, Any]:
    """(primal output, pullback, aux) for ``call`` returning (output, aux), like ``jax.vjp(...,
    has_aux=True)``: aux (an NNX module's updated state) is not differentiated."""
    primal, vjp_fn, aux = jax.vjp(call, *primals, has_aux=True)
    return primal, _pullback(mode, vjp_fn), aux


def _pullback(mode: Mode, vjp_fn: Callable[..., Any]) -> Callable[..., Any]:
    pullback = strong_zero(vjp_fn, "reverse") if mode.strong_zero else vjp_fn

    def explained(*cotangents: Any) -> Any:
        with _explaining_unbounded_while(mode):
            return pullback(*cotangents)

    return explained


@contextlib.contextmanager
def explaining_out_of_memory(where: str) -> Iterator[None]:
    """An eager derivative that runs out of memory says what keeps memory and how to keep less
    (``errors.out_of_memory``); ``wb.jit`` and compiled programs say it likewise."""
    try:
        yield
    except jax.errors.JaxRuntimeError as e:
        if not is_out_of_memory(e):
            raise
        raise out_of_memory(where, e) from e


_UNBOUNDED_WHILE = "Reverse-mode differentiation does not work for lax.while_loop"


@contextlib.contextmanager
def _explaining_unbounded_while(mode: Mode) -> Iterator[None]:
    """JAX refuses to transpose a while loop (its trip count is unknown until it has run) and
    suggests lax.scan; the workbench has loops that reverse mode can differentiate: say so, and
    where the loop is."""
    try:
        yield
    except ValueError as e:
        if _UNBOUNDED_WHILE not in str(e):
            raise
        line = _user_line_of(e.__cause__)
        at = f" (at {line})" if line else ""
        raise ModeError(
            f"{mode!r}: the function runs a while loop{at} whose number of steps is known only "
            "when it has run, and reverse mode must store or recompute every step's values to "
            "go back through them. Give the loop a bound or a checkpointing scheme: "
            "wb.while_loop(cond, body, init, max_steps=N) (stores every step, up to N), or "
            "checkpointing=wb.Binomial(s) (keeps s snapshots, whatever the trip count); for a "
            "fixed trip count, wb.fori_loop or lax.scan. Forward mode (wb.Forward) differentiates "
            f"it as it is. (JAX: {str(e).splitlines()[0]})"
        ) from e


def _user_line_of(cause: BaseException | None) -> str:
    """The user's line in the traceback JAX attaches to a transformed equation's error (its
    ``JaxStackTraceBeforeTransformation``): the innermost frame outside JAX and the workbench
    (``sources.is_users``; a library's line counts, as the caller wrote the loop there)."""
    if cause is None:
        return ""
    for frame in reversed(traceback.extract_tb(cause.__traceback__)):
        if is_users(frame.filename, libraries=False):
            line = private_jax.Source(frame.filename, frame.lineno or 0, 0, frame.name)
            return source_text(line)
    return ""
