"""``wb.explain_nans``: where the first non-finite value of a derivative or primal is made, in
which pass, on which line, at which loop iteration, and a remedy checked by running it (issue 16).

The oracles are the programs themselves: the lines are found by searching this file's source
for the expression, the iteration from arithmetic on float32's largest value, and a remedy's
result is compared with the derivative worked out by hand.
"""

from __future__ import annotations

import inspect

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import workbench as wb

F32_MAX = float(np.finfo(np.float32).max)
MODES = [wb.Reverse, wb.Forward]


def line_of(fn, text):
    """The line number of the first line of ``fn``'s source holding ``text``."""
    lines, start = inspect.getsourcelines(fn)
    for k, line in enumerate(lines):
        if text in line:
            return start + k
    raise AssertionError(f"{text!r} not in {fn.__name__}")


def min_recip(x):
    return jnp.minimum(1.0, 1.0 / x)


def guarded_sqrt(x):
    return jnp.where(x > 0, jnp.sqrt(x), 0.0)


def log_of(x):
    return jnp.log(x)


def smooth(x):
    return jnp.sum(jnp.sin(x) * jnp.exp(-(x**2)))


def jitted(fn):
    """``fn`` under ``wb.jit``."""
    return wb.jit(fn)


def overflowing(checkpointing):
    """A loop of 100 steps multiplying its float32 carry by 10, from 10: the carry is 10**(k+2)
    after step k, past float32's largest value first at step k = 37 (10**39 > 3.4e38)."""
    first = next(k for k in range(100) if 10.0 ** (k + 2) > F32_MAX)
    assert first == 37

    def run(x):
        def body(k, c):
            return c * 10.0

        return wb.fori_loop(0, 100, body, x, checkpointing=checkpointing)

    return run


WRAPS = [("plain", lambda f: f), ("wb.jit", jitted)]


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.name)
@pytest.mark.parametrize("wrap", WRAPS, ids=lambda w: w[0])
def test_min_of_reciprocal_at_zero(mode, wrap):
    report = wb.explain_nans(wrap[1](min_recip), jnp.float32(0.0), mode=mode)
    assert report.found
    o = report.origin
    assert o.kind == "nan" and o.primitive == "mul"
    assert o.phase == ("backward" if mode.is_reverse else "forward")
    assert 0.0 in o.operands and any(np.isinf(v) for v in o.operands)
    assert o.line == line_of(min_recip, "1.0 / x")
    assert report.inf_origin.line == line_of(min_recip, "1.0 / x")
    assert report.remedy.name == "strong zero" and report.remedy.verified
    # The derivative of min(1, 1/x) at 0 is the derivative of the constant 1: zero; the strong
    # zero's reverse pass gives it as -0.0 (the tutorial's result).
    fixed = wb.gradient(wb.set_strong_zero(mode), min_recip, jnp.float32(0.0))[0]
    assert float(fixed) == 0.0
    assert report.remedy.result == repr(float(fixed))
    if mode.is_reverse:
        assert report.remedy.result == "-0.0"
    text = str(report)
    assert "backward" in text or "forward" in text
    assert "strong zero, verified" in text
    assert "wb-explain-nans" in report._repr_html_()


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.name)
def test_strong_zero_leaves_nothing_to_find(mode):
    report = wb.explain_nans(min_recip, jnp.float32(0.0), mode=wb.set_strong_zero(mode))
    assert not report.found and report.origin is None
    assert "none found" in str(report)


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.name)
@pytest.mark.parametrize("wrap", WRAPS, ids=lambda w: w[0])
def test_where_guarded_sqrt_at_zero(mode, wrap):
    report = wb.explain_nans(wrap[1](guarded_sqrt), jnp.float32(0.0), mode=mode)
    if mode.is_forward:
        # Forward mode carries the tangent 1 * inf through sqrt and the where then drops it:
        # the derivative (0, the constant branch's) is finite, so there is nothing to find.
        assert not report.found
        assert dict((n, b) for n, _, b in report.outputs)["derivative of x"] == 0.0
        return
    assert report.found and report.origin.kind == "nan"
    assert report.inf_origin.line == line_of(guarded_sqrt, "jnp.sqrt(x)")
    assert report.remedy.name == "double where"
    assert report.remedy.verified
    # Guarded, the function is the constant 0 at and below 0: its derivative there is 0.
    assert report.remedy.result == "0.0"
    assert "double where, verified" in str(report)


@pytest.mark.parametrize("mode", [None, *MODES], ids=lambda m: "primal" if m is None else m.name)
@pytest.mark.parametrize("wrap", WRAPS, ids=lambda w: w[0])
def test_log_of_negative(mode, wrap):
    report = wb.explain_nans(wrap[1](log_of), jnp.float32(-1.0), mode=mode)
    assert report.found
    o = report.origin
    assert o.primitive == "log" and o.kind == "nan"
    assert o.phase in ("primal", "forward")  # the primal part of a derivative's program
    assert o.line == line_of(log_of, "jnp.log(x)")
    assert o.operands == (-1.0,)
    assert o.iteration is None


# Binomial(10) splits the 100 steps into Revolve segments (loops of their own that start past 0):
# step 37 is not the first step of the segment it falls in.
SCHEMES = [
    ("no checkpointing", False),
    ("Binomial(4)", wb.Binomial(4)),
    ("Binomial(10)", wb.Binomial(10)),
]


@pytest.mark.parametrize("mode", [None, *MODES], ids=lambda m: "primal" if m is None else m.name)
@pytest.mark.parametrize("scheme", SCHEMES, ids=lambda s: s[0])
@pytest.mark.parametrize("wrap", WRAPS, ids=lambda w: w[0])
def test_loop_overflow_names_the_iteration(mode, scheme, wrap):
    run = overflowing(scheme[1])
    report = wb.explain_nans(wrap[1](run), jnp.float32(10.0), mode=mode)
    assert report.found
    o = report.origin
    assert o.kind == "inf" and o.primitive == "mul"
    assert o.phase in ("primal", "forward")
    assert o.iteration == 37
    assert o.line == line_of(run, "return c * 10.0")
    assert o.loop is not None and f":{line_of(run, 'wb.fori_loop')}:" in o.loop
    assert "iteration: 37" in str(report)
    assert report.remedy is not None and report.remedy.name == "safe form"


@pytest.mark.parametrize("mode", [None, *MODES], ids=lambda m: "primal" if m is None else m.name)
def test_smooth_function_none_found(mode):
    x = jnp.linspace(0.25, 2.0, 7, dtype=jnp.float32)
    report = wb.explain_nans(smooth, x, mode=mode)
    assert not report.found
    assert report.origin is None and report.remedy is None
    # The largest magnitudes are the outputs' own, checked against NumPy.
    xs = np.asarray(x, np.float64)
    value = np.sum(np.sin(xs) * np.exp(-(xs**2)))
    names = dict((n, big) for n, _, big in report.outputs)
    assert names["value"] == pytest.approx(abs(value), rel=1e-5)
    if mode is not None:
        deriv = (np.cos(xs) - 2 * xs * np.sin(xs)) * np.exp(-(xs**2))
        assert names["derivative of x"] == pytest.approx(np.max(np.abs(deriv)), rel=1e-5)
    assert "none found" in str(report)


def test_scan_and_while_loops_name_the_iteration():
    def scanned(x):
        def body(c, _):
            return c * 10.0, c

        return jax.lax.scan(body, x, None, length=100)[0]

    report = wb.explain_nans(scanned, jnp.float32(10.0), mode=wb.Reverse)
    assert report.origin.iteration == 37
    assert report.origin.line == line_of(scanned, "return c * 10.0")

    def while_(x):
        return jax.lax.while_loop(lambda s: s[0] < 100, lambda s: (s[0] + 1, s[1] * 10.0), (0, x))

    report = wb.explain_nans(while_, jnp.float32(10.0), mode=None)
    assert report.origin.iteration == 37
    assert report.origin.line == line_of(while_, "s[1] * 10.0")


def test_nan_in_a_cond_branch():
    def branchy(x):
        return jax.lax.cond(x < 0, lambda y: jnp.sqrt(y), lambda y: y, x)

    report = wb.explain_nans(branchy, jnp.float32(-4.0), mode=None)
    assert report.origin.primitive == "sqrt"
    assert report.origin.line == line_of(branchy, "jnp.sqrt(y)")


def test_bad_input_messages():
    with pytest.raises(wb.WorkbenchError, match=r"takes the function first.*mode=Reverse"):
        wb.explain_nans(wb.Reverse, min_recip, 0.0)
    with pytest.raises(wb.WorkbenchError, match=r"needs a function first, .* received a Python"):
        wb.explain_nans(3.0, 0.0)
    with pytest.raises(wb.ModeError):
        wb.explain_nans(min_recip, jnp.float32(0.0), mode="reverse")


def test_nan_from_an_overflow_points_at_the_overflow():
    """The carry overflows to inf at step 37 (as above); from then on inf - inf is NaN, first at
    the step after: the NaN's origin is that subtraction, the inf's the step-37 multiply, and the
    remedy is the overflow's."""

    def run(x):
        def body(k, c):
            big = c * 10.0
            return big - c * 5.0

        return wb.fori_loop(0, 100, body, x)

    # c grows 5x per step from 10: 10 * 5**(k+1) after step k; the first multiply by 10 past
    # float32's largest value is at the first k with 10 * 5**k * 10 > F32_MAX.
    first = next(k for k in range(100) if 10.0 * 5.0**k * 10.0 > F32_MAX)
    report = wb.explain_nans(run, jnp.float32(10.0), mode=None)
    assert report.inf_origin.primitive == "mul" and report.inf_origin.iteration == first
    assert report.origin.primitive == "sub" and report.origin.kind == "nan"
    assert report.origin.iteration >= first
    assert report.remedy.name == "safe form" and f"iteration {first}" in report.remedy.advice


def test_const_arguments_and_trees():
    """Const arguments are not differentiated (and reach f unwrapped with mode=None); arguments
    may be trees. log(w * x) with w = -1: the NaN is made by log, on its line."""

    def f(params, x):
        return jnp.log(params["w"] * x) + params["b"]

    params = {"w": jnp.float32(-1.0), "b": jnp.float32(0.0)}
    for mode in (None, wb.Reverse):
        report = wb.explain_nans(f, params, wb.Const(jnp.float32(2.0)), mode=mode)
        assert report.origin.primitive == "log"
        assert report.origin.line == line_of(f, "jnp.log(")
        names = [n for n, _, _ in report.outputs]
        assert names[0] == "value"
        if mode is not None:
            assert "derivative of params['b']" in names and not any("of x" in n for n in names)


def deep_chain(x, w):
    """1,000 unrolled layers (5,000 equations in the gradient); the 700th takes a log of a
    negative number."""
    for i in range(1000):
        x = x * w[i] + 1.0
        if i == 700:
            x = jnp.log(x - 4.0)  # x is near 2 here (the fixed point of x / 2 + 1)
    return x


def test_a_thousand_layer_chain_names_the_layer():
    """Issue 26: a 1,000-layer unrolled chain gave no answer in 15 minutes. The instrumented
    program reduces its values in batches, so its compile grows with the equations, not
    faster."""
    w = jnp.full(1000, 0.5, jnp.float32)
    report = wb.explain_nans(deep_chain, jnp.float32(1.0), wb.Const(w), mode=wb.Reverse)
    assert report.found
    o = report.origin
    assert (o.kind, o.primitive, o.phase) == ("nan", "log", "forward")
    assert o.line == line_of(deep_chain, "jnp.log(x - 4.0)")
    # x / 2 + 1 from 1.0 for 701 layers is 2 to float32's precision: log(2 - 4).
    assert o.operands is not None and o.operands[0] == pytest.approx(-2.0, abs=1e-5)


def test_batched_worsts_match_each_value():
    """The search reduces small values together (one segmented maximum per batch) and large
    ones of a shape in one variadic reduce: each value's worst (0 finite, 1 an inf, 2 a NaN)
    must be its own, whatever its batch or group holds: mixed dtypes, an empty value, large
    ones of one shape (finite, inf, NaN) and of another, batches split by size."""
    from workbench._src.debug.nans import interpreter

    rng = np.random.default_rng(0)
    values = []
    cases = [(16, np.float32), (0, np.float32), (1, np.float32), (300, jnp.bfloat16)]
    cases += [(20000, np.float32), (5, np.complex64), (7, np.float32), (3000, np.float32)]
    cases += [(20000, np.float32), (20000, np.float32), (17000, np.float32)]
    for k, (n, dtype) in enumerate(cases):
        x = rng.normal(size=n).astype(dtype)
        if n and k % 3 == 1:
            x[n // 2] = np.inf
        if n and k % 3 == 2:
            x[-1], x[0] = np.nan, np.inf
        values.append(x)
    want = [2 if np.isnan(x).any() else 0 if np.isfinite(x).all() else 1 for x in values]
    assert set(want) == {0, 1, 2}
    old = interpreter.BATCH, interpreter.GROUP
    interpreter.BATCH = 3100  # the 3,000-element value starts a batch of its own
    interpreter.GROUP = 2  # the three 20,000-element values: a group of two, one of one
    try:
        worsts = jax.jit(lambda *xs: jnp.concatenate(interpreter._worsts(xs)[0]))(*values)
        pos = interpreter._worsts(values)[1]
    finally:
        interpreter.BATCH, interpreter.GROUP = old
    assert np.asarray(worsts)[pos].tolist() == want
