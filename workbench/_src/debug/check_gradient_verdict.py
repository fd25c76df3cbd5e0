"""``check_gradient``'s verdict on one array, from its directions and its elements."""

from __future__ import annotations

from typing import Any

import numpy as np

from workbench._src.debug.check_gradient_directions import (
    UNRESOLVED,
    _as_f64,
    _Directions,
    _Leaf,
    _resolution,
    _rtol,
)
from workbench._src.debug.check_gradient_elements import _Elements
from workbench._src.debug.check_gradient_report import ArrayCheck
from workbench._src.errors import shape_dtype


def _empty(leaf: _Leaf) -> ArrayCheck:
    return ArrayCheck(
        name=leaf.name,
        aval=shape_dtype(leaf.x),
        checked=0,
        size=0,
        max_abs_error=0.0,
        max_rel_error=0.0,
        worst_index=None,
        worst=None,
        passed=True,
        directions=0,
        note="empty: nothing to check",
    )


def _combine(
    leaf: _Leaf,
    d: _Directions,
    k: int,
    e: _Elements | None,
    ours_g: np.ndarray | None,
    other_g: np.ndarray | None,
    floor: np.dtype | None = None,
) -> ArrayCheck:
    """Array ``leaf``'s verdict, from directions ``d`` (its part ``k`` where they move several
    arrays at once) and its elements ``e``."""
    x = leaf.x
    tiny = np.finfo(np.float64).tiny
    d_err, d_allowed = np.asarray(d.errors), np.asarray(d.allowed)
    d_excess = d_err / np.maximum(d_allowed, tiny)
    d_rel = d_err / np.maximum(np.asarray(d.magnitudes), tiny)
    passed = not any(d.failed)
    rough = int(sum(r or k for r, k in zip(d.rough, d.kinked, strict=True)))
    max_abs, max_rel = float(np.max(d_err)), float(np.max(d_rel))
    worst_d = int(np.argmax(d_excess))
    worst: tuple[complex | float, complex | float] = (d.ours[worst_d], d.fd[worst_d])
    worst_index: tuple[int, ...] | None = None
    resolution = _resolution(d, k)
    smooth = sum(d.rough) < d.count  # some direction gave a verdict
    checked = 0
    element_resolution: float | None = None
    if e is not None:
        e_excess = e.errors / np.maximum(e.allowed, tiny)
        magnitude = np.maximum(np.abs(e.ours), np.abs(e.fd))
        e_rel = e.errors / np.maximum(magnitude, tiny)
        worst_e = int(np.argmax(e_excess))
        checked = int(e.chosen.size)
        max_abs = max(max_abs, float(np.max(e.errors)))
        max_rel = max(max_rel, float(np.max(e_rel)))
        e_passed = bool(np.all((e_excess <= 1.0) | e.rough))
        rough += int(np.sum(e.rough | e.kinked))
        smooth = smooth or not bool(np.all(e.rough))
        # The element is the more useful pointer: name it unless only a direction failed.
        if e_passed or not passed or e_excess[worst_e] >= d_excess[worst_d]:
            worst = (_scalar(e.ours[worst_e]), _scalar(e.fd[worst_e]))
            worst_index = (
                tuple(int(k) for k in np.unravel_index(e.chosen[worst_e], x.shape))
                if x.ndim
                else ()
            )
        passed = passed and e_passed
        top_g = max(float(np.max(np.abs(e.ours))), float(np.max(np.abs(e.fd))))
        if ours_g is not None and ours_g.size:
            top_g = max(top_g, float(np.max(np.abs(_as_f64(ours_g)))))
        element_resolution = float(np.max(e.allowed)) / top_g if top_g > 0 else np.inf
    modes_err = modes_ok = None
    if d.modes_errors:
        modes_err = float(np.max(d.modes_errors))
        modes_ok = bool(np.all(np.asarray(d.modes_errors) <= np.asarray(d.modes_allowed)))
    if e is not None and ours_g is not None and other_g is not None:
        own, top = _rtol(floor, x.dtype)
        a, b = _as_f64(ours_g).ravel()[e.chosen], _as_f64(other_g).ravel()[e.chosen]
        diff = np.abs(a - b)
        largest = float(np.max(np.abs(_as_f64(ours_g))))
        ok = bool(np.all(diff <= 2 * (own * np.abs(a) + top * largest) + tiny))
        modes_err = max(modes_err or 0.0, float(np.max(diff)))
        modes_ok = ok and modes_ok is not False
    return ArrayCheck(
        name=leaf.name,
        aval=shape_dtype(x),
        checked=checked,
        size=int(x.size),
        max_abs_error=max_abs,
        max_rel_error=max_rel,
        worst_index=worst_index,
        worst=worst,
        passed=passed,
        directions=d.count,
        resolution=resolution,
        element_resolution=element_resolution,
        modes_max_abs_error=modes_err,
        modes_passed=modes_ok,
        shared=d.shared if d.shared > 1 else 0,
        rough=rough,
        inconclusive=passed and (not smooth or resolution >= UNRESOLVED),
    )


def _scalar(v: Any) -> complex | float:
    v = complex(v)
    return v.real if v.imag == 0 else v
