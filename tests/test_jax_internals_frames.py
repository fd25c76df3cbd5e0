"""Loud check of the private route ``private_jax.user_frame_outside`` reads (added for
``wb.explain_nans``, issue 16): ``jax._src.source_info_util.user_frames``, the user's frames of an
equation, innermost first. A JAX that removes or renames it fails here, naming the version."""

from __future__ import annotations

import os

import jax
import jax.numpy as jnp

import workbench as wb
from workbench._src.internals import private_jax

VERSION = f"jax {jax.__version__}"
WORKBENCH = (os.path.dirname(wb.__file__) + os.sep,)


def not_workbench(filename: str) -> bool:
    return not filename.startswith(WORKBENCH)


def looped(x):
    return wb.fori_loop(0, 3, lambda k, c: c * 2.0, x)  # the user's line of the loop


def test_user_frames_route_exists() -> None:
    assert private_jax._source_info is not None, f"{VERSION}: source_info_util moved"
    assert hasattr(private_jax._source_info, "user_frames"), (
        f"{VERSION}: jax._src.source_info_util.user_frames is gone; "
        "private_jax.user_frame_outside falls back to user_frame's one frame"
    )


def test_user_frame_outside_skips_the_workbench() -> None:
    eqn = jax.make_jaxpr(looped)(jnp.float32(1.0)).jaxpr.eqns[0]
    inner = private_jax.user_frame(eqn.source_info)
    outside = private_jax.user_frame_outside(eqn.source_info, not_workbench)
    assert inner is not None and inner.file.startswith(WORKBENCH)  # wb.fori_loop's own line
    assert outside is not None and outside.file == __file__
    assert outside.function == "looped"
    # With nothing to skip it is user_frame.
    assert private_jax.user_frame_outside(eqn.source_info, lambda _: True) == inner


def _attention(h):
    return jnp.tanh(h) * 2.0  # the op's line in attention


def _block(h):
    return _attention(h) + 1.0  # block calls attention here


def test_user_call_stack_is_the_users_calls_outermost_first() -> None:
    """``private_jax.user_call_stack`` (the graph's grouping by the user's functions, issue
    24): every user frame of an equation, outermost first, the workbench's skipped."""
    eqns = jax.make_jaxpr(_block)(jnp.float32(1.0)).jaxpr.eqns
    tanh = next(e for e in eqns if e.primitive.name == "tanh")
    stack = private_jax.user_call_stack(tanh.source_info, not_workbench)
    names = [f.function for f, _ in stack]
    assert names[-2:] == ["_block", "_attention"], f"{VERSION}: user_call_stack read {names}"
    assert all(f.file == __file__ for f, _ in stack[-2:])
    assert stack[-1][0].line == _attention.__code__.co_firstlineno + 1
    assert stack[-2][0].line == _block.__code__.co_firstlineno + 1
    # Each frame's bytecode offset (lasti): within a call, later ops are further on.
    mul = next(e for e in eqns if e.primitive.name == "mul")
    after = private_jax.user_call_stack(mul.source_info, not_workbench)
    assert after[-1][0].function == "_attention" and after[-1][1] > stack[-1][1], (
        f"{VERSION}: raw_frames' offsets do not grow within a call"
    )
    # The workbench's frames are skipped: a wb.fori_loop's body op is the user's.
    eqn = jax.make_jaxpr(looped)(jnp.float32(1.0)).jaxpr.eqns[0]
    stack = private_jax.user_call_stack(eqn.source_info, not_workbench)
    assert stack and not any(f.file.startswith(WORKBENCH) for f, _ in stack)
