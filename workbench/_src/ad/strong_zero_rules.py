"""Per-primitive rules of the strong-zero transformation (see ``strong_zero.py``).

A rule receives the direction (``"forward"`` or ``"reverse"``), the operands, which of them are
derivative values (depend on the seed tangent or cotangent), and the equation's parameters. It
is called only when at least one operand is a derivative value; it must return what the
primitive returns, with the same shapes and dtypes.

Semantics of a product term ``d * p`` (``d`` a derivative value, ``p`` a primal one):

- reverse mode (Enzyme's ``checkedMul``/``checkedDiv``): zero when ``d`` is exactly zero;
- forward mode: zero when ``d`` or ``p`` is exactly zero. JAX's tangent rules for ``min``,
  ``max``, ``where``-like selections and ``abs`` multiply the (possibly infinite) tangent by a
  0/1 mask, so guarding only ``d`` would keep the NaN that strong zero exists to remove.

Every other product keeps IEEE semantics (inf * finite = inf, NaN propagates).

Where no inf or NaN is involved the derivative is the plain one up to rounding (at most 4 units in
the last place of the largest entry of each result; ``tests/test_strong_zero.py``). The guards sit
on operands, not products, so that XLA still fuses multiply-adds: in reverse mode, elementwise
products give the plain derivative bit for bit, compiled or not. In forward mode the plain
tangent program may contract a product rule's multiply-add into one FMA where the guarded one
does not (seen: 0.1 ulp). A ``dot_general`` whose result XLA would otherwise fold into a following
transpose is kept apart by the guard's ``cond``, which can change the summation order (seen: 0.3
ulp compiled with JAX 0.11.2+, 1.2 eager in forward mode).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from workbench._src.internals import primitives as prims

Rule = Callable[..., list[Any]]
RULES: dict[Any, Rule] = {}


def _register(primitive: Any) -> Callable[[Rule], Rule]:
    def wrap(rule: Rule) -> Rule:
        RULES[primitive] = rule
        return rule

    return wrap


def _known_safe(direction: str, p: Any) -> bool:
    """A primal factor known at trace time to be finite (and, forward, non-zero) needs no guard:
    Enzyme skips it too, and leaving the product bare lets XLA simplify it as it would without
    strong zero (e.g. fold a mean's 1/n), so smooth functions give the plain result bit for bit."""
    if isinstance(p, jax.core.Tracer):
        return False
    values = np.asarray(p)
    if not np.all(np.isfinite(values)):
        return False
    return direction == "reverse" or bool(np.all(values != 0))


def _zero_where(cond: Any, value: Any) -> Any:
    return jnp.where(cond, jnp.zeros((), jnp.result_type(value)), value)


# The guards act on the operands, not on the product: a select between a multiply and the add
# that consumes it would stop XLA from fusing them into one FMA, and the result would differ in
# the last bit from the plain derivative even where no inf or NaN is involved.
def _guarded_operands(direction: str, d: Any, p: Any) -> tuple[Any, Any]:
    p_out = p if _known_safe(direction, p) else _zero_where(~jnp.isfinite(p) & (d == 0), p)
    if direction == "forward":
        d = _zero_where(~jnp.isfinite(d) & (p == 0), d)
    return d, p_out


@_register(prims.MUL)
def _mul(
    direction: str, operands: Sequence[Any], is_derivative: Sequence[bool], **params: Any
) -> list[Any]:
    x, y = operands
    if is_derivative[0] != is_derivative[1]:
        if is_derivative[0]:
            x, y = _guarded_operands(direction, x, y)
        else:
            y, x = _guarded_operands(direction, y, x)
    if jnp.shape(x) != jnp.shape(y):  # a guard broadcast a scalar operand
        return [jnp.multiply(x, y)]
    return [prims.MUL.bind(x, y, **params)]


@_register(prims.DIV)
def _div(
    direction: str, operands: Sequence[Any], is_derivative: Sequence[bool], **params: Any
) -> list[Any]:
    x, y = operands
    if is_derivative[0] and not is_derivative[1] and not _known_safe("forward", y):
        # A zero numerator gives zero even over a zero or NaN denominator (0/1 instead of 0/0);
        # a zero denominator under a non-zero numerator is a true singularity and stays inf.
        y = jnp.where((x == 0) & ((y == 0) | jnp.isnan(y)), jnp.ones((), y.dtype), y)
        if jnp.shape(x) != jnp.shape(y):
            return [jnp.divide(x, y)]
    return [prims.DIV.bind(x, y, **params)]


def _bilinear(primitive: Any) -> Rule:
    """Strong zero for a sum of products (dot_general, conv_general_dilated).

    Post-hoc masking cannot remove a NaN already summed in, so when an operand holds inf or NaN
    the result is rebuilt exactly: the products of the finite parts, plus counts (computed by the
    same primitive on 0/1 masks) of the kept terms that are NaN, +inf or -inf. When both
    operands are finite, the plain product is already exact, and ``lax.cond`` keeps it.
    """

    def rule(
        direction: str, operands: Sequence[Any], is_derivative: Sequence[bool], **params: Any
    ) -> list[Any]:
        x, y = operands
        if is_derivative[0] == is_derivative[1]:
            return [primitive.bind(x, y, **params)]
        d_first = is_derivative[0]

        def exact(x: Any, y: Any) -> Any:
            d, p = (x, y) if d_first else (y, x)

            def B(dm: Any, pm: Any) -> Any:
                a, b = (dm, pm) if d_first else (pm, dm)
                return primitive.bind(a.astype(x.dtype), b.astype(y.dtype), **params)

            finite = B(jnp.where(jnp.isfinite(d), d, 0), jnp.where(jnp.isfinite(p), p, 0))
            dz, pz = d == 0, p == 0
            dn, pn = jnp.isnan(d), jnp.isnan(p)
            if direction == "reverse":
                nan = B(dn, jnp.ones_like(pz)) + B(~dz & ~dn, pn) + B(jnp.isinf(d), pz)
            else:
                nan = B(dn, ~pz) + B(~dz & ~dn, pn)
            if jnp.iscomplexobj(d) or jnp.iscomplexobj(p):
                # No sign to track: any kept non-finite term makes the entry NaN.
                bad = B(~dz & ~jnp.isfinite(d), jnp.ones_like(pz)) + B(~dz, ~jnp.isfinite(p))
                if direction == "forward":
                    bad = B(~dz & ~jnp.isfinite(d), ~pz) + B(~dz, ~jnp.isfinite(p))
                return jnp.where(bad != 0, jnp.nan * (1 + 1j), finite)
            dpi, dni, ppi, pni = d == jnp.inf, d == -jnp.inf, p == jnp.inf, p == -jnp.inf
            dfin_pos, dfin_neg = (d > 0) & ~dpi, (d < 0) & ~dni
            pos = B(dpi, p > 0) + B(dni, p < 0) + B(dfin_pos, ppi) + B(dfin_neg, pni)
            neg = B(dpi, p < 0) + B(dni, p > 0) + B(dfin_pos, pni) + B(dfin_neg, ppi)
            out = jnp.where(neg != 0, -jnp.inf, finite)
            out = jnp.where(pos != 0, jnp.inf, out)
            return jnp.where((nan != 0) | ((pos != 0) & (neg != 0)), jnp.nan, out)

        # The plain product stays outside the cond, where XLA fuses and lays it out exactly as in
        # the program without strong zero (inside a branch it could sum in another order).
        plain = primitive.bind(x, y, **params)
        all_finite = jnp.all(jnp.isfinite(x)) & jnp.all(jnp.isfinite(y))
        return [lax.cond(all_finite, lambda p, x, y: p, lambda p, x, y: exact(x, y), plain, x, y)]

    return rule


RULES[prims.DOT_GENERAL] = _bilinear(prims.DOT_GENERAL)
RULES[prims.CONV_GENERAL_DILATED] = _bilinear(prims.CONV_GENERAL_DILATED)

# Primitives whose derivative rules multiply, and how they are covered. In the linear jaxprs the
# transformation sees (jax.linearize / jax.vjp), primal factors are residuals, and every product
# with a derivative value is one of the primitives above:
#   integer_pow, pow, exp, log, sqrt, rsqrt, sin, cos, tan, tanh, logistic, atan2, erf, lgamma,
#   digamma, min, max, abs, sign, select_n/where, reduce_max/min, cumprod, reduce_prod, sort
#   -> their JVPs multiply or divide the tangent by a residual: mul / div / select_n.
#   dot_general, conv_general_dilated -> the bilinear rule.
# Left out, and why:
#   triangular_solve, custom_linear_solve, linalg (cholesky, lu, eigh, svd): the derivative is a
#   solve against a primal matrix, not a product; a singular matrix gives inf/NaN for every
#   right-hand side, zero or not, as in Enzyme.
#   fft, reduce_sum, cumsum, transpose, reshape, gather/scatter-add: linear in the derivative
#   with no primal factor, so no 0 * inf can arise.
