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
    outside = private_jax.user_frame_outside(eqn.source_info, WORKBENCH)
    assert inner is not None and inner.file.startswith(WORKBENCH)  # wb.fori_loop's own line
    assert outside is not None and outside.file == __file__
    assert outside.function == "looped"
    # With nothing to skip it is user_frame.
    assert private_jax.user_frame_outside(eqn.source_info, ()) == inner
