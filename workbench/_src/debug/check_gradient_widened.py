"""``check_gradient`` of a bfloat16 (float16) program: its rules checked on the same program
widened to the differences' dtype, and its gradient against the widened program's.

A bfloat16 gradient carries about 1% of rounding per element (eps is 2^-8): summed along a
direction that moves every array at once, that rounding hides any one array's part, so each array
had to be checked alone (78x the gradient's cost on a 4-layer GPT). The question splits in two,
each answered where it can be answered tightly:

- the rules: the gradient of the same Python program on arguments widened to float32 (float64
  with x64), checked against finite differences of that program in its own precision: the
  directions shared by all arrays resolve each array's part there, as for a float32 model. The
  widened program traces the same rules (a custom_vjp's backward, a hand-written adjoint) in the
  wider dtype, so a wrong rule is as wrong there. This is honest only where the widened gradient
  computes nothing below float32: a program that casts to bfloat16 inside (``x.astype(bf16)``)
  keeps its rounding when widened, and is checked as before (``lowest_float``);
- the precision: the bfloat16 gradient against the widened one, element by element, within what
  bfloat16's rounding allows (``fdiff.own_rtol``): a rule that is wrong only in bfloat16 (code
  that branches on the dtype) fails here. No evaluation of ``f``: the two gradients are at hand.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np

from workbench._src.debug import finite_differences as fdiff
from workbench._src.debug.check_gradient_directions import _as_f64

NARROW = 4  # bytes: arguments below float32 go the widened route


def narrow(dtypes: list[Any]) -> np.dtype | None:
    """The narrowest floating dtype among ``dtypes`` where it is below float32, else ``None``."""
    found = [fdiff.real_dtype(d) for d in dtypes if jnp.issubdtype(d, jnp.inexact)]
    lowest = min(found, key=lambda d: d.itemsize, default=None)
    return lowest if lowest is not None and lowest.itemsize < NARROW else None


def compare(narrow_g: np.ndarray, wide_g: np.ndarray, dtype: np.dtype) -> tuple[float, float, bool]:
    """(largest difference, relative to the array's largest element, within ``dtype``'s
    rounding): the narrow program's gradient against the widened one's, element by element,
    allowed what the modes' comparison allows (twice ``own_rtol`` of the element and of the
    largest element)."""
    a, b = _as_f64(narrow_g), _as_f64(wide_g)
    if a.size == 0:
        return 0.0, 0.0, True
    own, top = fdiff.own_rtol(dtype)
    diff = np.abs(a - b)
    largest = float(np.max(np.abs(b)))
    ok = bool(np.all(diff <= 2 * (own * np.abs(b) + top * largest) + np.finfo(np.float64).tiny))
    worst = float(np.max(diff))
    return worst, worst / largest if largest > 0 else (0.0 if worst == 0 else np.inf), ok
