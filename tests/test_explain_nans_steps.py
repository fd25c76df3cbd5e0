"""``explain_nans`` checks each loop at its steps' boundaries and searches, equation by equation,
only the step that first made a NaN (or an inf) (issue 23): the class of loops it must still
name exactly. Every loop kind (``scan`` forward and reversed, with per-step inputs and loop
constants, ``while_loop``, ``fori_loop`` under each checkpointing scheme), a loop nested in a
loop, a loop inside a ``cond`` branch, and a step that makes an inf and hides it behind a NaN.
Each expected step and operand is worked out by hand from the program, not read from a run."""

from __future__ import annotations

import inspect

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import workbench as wb


def line_of(fn, text):
    lines, start = inspect.getsourcelines(fn)
    (k,) = [k for k, line in enumerate(lines) if text in line]
    return start + k


MODES = [None, wb.Reverse, wb.Forward]
MODE_IDS = ["primal", "Reverse", "Forward"]


def xs_with_a_negative(k: int, length: int = 12):
    """Per-step inputs 1, 2, ..., with the one at step ``k`` negative (-(k + 1))."""
    xs = np.arange(1.0, length + 1.0, dtype=np.float32)
    xs[k] = -xs[k]
    return jnp.asarray(xs)


@pytest.mark.parametrize("reverse", [False, True], ids=["scan", "reversed scan"])
@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_a_scan_names_the_step_and_its_input(reverse, mode):
    """sqrt of the step's input: NaN at the step whose input is negative. The scan's index of
    that step is 5 either way; a reversed scan runs it as its 7th run (12 - 1 - 5 = 6 runs
    before it), and the iteration counts runs of the line."""
    xs = xs_with_a_negative(5)

    def f(w):
        def body(c, x):
            return c + w * jnp.sqrt(x), None  # mark: sqrt

        return jax.lax.scan(body, jnp.float32(0.0), xs, reverse=reverse)[0]

    report = wb.explain_nans(f, jnp.float32(2.0), mode=mode)
    o = report.origin
    assert o.primitive == "sqrt" and o.kind == "nan"
    assert o.line == line_of(f, "# mark: sqrt")
    assert o.iteration == (6 if reverse else 5)
    assert o.operands == (-6.0,)


# Reverse mode refuses a lax.while_loop (its trip count is known only when it has run).
@pytest.mark.parametrize("mode", [None, wb.Forward], ids=["primal", "Forward"])
def test_a_while_loop_with_constants_names_the_step(mode):
    """log(c - limit), the loop constant limit = -3.5 and c = 0, -1, -2, ... at steps 0, 1, 2,
    ...: c - limit is first negative at step 4 (c = -4)."""

    def f(x, limit):
        def body(s):
            k, c, acc = s
            return k + 1, c - 1.0, acc + x * jnp.log(c - limit)  # mark: log

        return jax.lax.while_loop(lambda s: s[0] < 10, body, (0, jnp.float32(0.0), x))[2]

    report = wb.explain_nans(f, jnp.float32(1.0), wb.Const(jnp.float32(-3.5)), mode=mode)
    o = report.origin
    assert o.primitive == "log" and o.kind == "nan"
    assert o.line == line_of(f, "# mark: log")
    assert o.iteration == 4
    assert o.operands == (-0.5,)  # c - limit at step 4: -4 + 3.5


SCHEMES = [False, True, wb.Binomial(3), wb.Binomial(10), wb.Periodic(4)]


@pytest.mark.parametrize("scheme", SCHEMES, ids=repr)
@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_fori_loop_names_the_step_under_every_scheme(scheme, mode):
    """sqrt(12.5 - k) is first NaN at k = 13, of 20 steps."""

    def f(x):
        def body(k, c):
            return c + x * jnp.sqrt(12.5 - k)  # mark: sqrt

        return wb.fori_loop(0, 20, body, x, checkpointing=scheme)

    report = wb.explain_nans(f, jnp.float32(1.0), mode=mode)
    o = report.origin
    assert (o.primitive, o.kind, o.iteration) == ("sqrt", "nan", 13)
    assert o.line == line_of(f, "# mark: sqrt")
    assert o.operands == (-0.5,)


@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_a_loop_in_a_loop(mode):
    """An inner scan of 4 steps in an outer fori_loop of 5: the inner input is negative at
    outer step 3, inner step 2. The iteration counts runs of the line: 3 * 4 + 2 = 14."""

    def f(x):
        def outer(i, c):
            def inner(c, j):
                return c + x * jnp.sqrt(10.0 - (4 * i + j) + 3.5), None  # mark: sqrt

            return jax.lax.scan(inner, c, jnp.arange(4))[0]

        return wb.fori_loop(0, 5, outer, x)

    report = wb.explain_nans(f, jnp.float32(1.0), mode=mode)
    o = report.origin
    assert (o.primitive, o.kind, o.iteration) == ("sqrt", "nan", 14)
    assert o.line == line_of(f, "# mark: sqrt")
    assert o.operands == (-0.5,)  # 13.5 - 14


@pytest.mark.parametrize("taken", [True, False], ids=["branch taken", "branch not taken"])
def test_a_loop_in_a_cond_branch(taken):
    """A loop inside one branch of a cond: named where the branch runs; where the other runs,
    nothing is non-finite."""

    def f(x, flag):
        def looped(x):
            return wb.fori_loop(0, 8, lambda k, c: c + jnp.log(5.5 - k), x)  # mark: log

        return jax.lax.cond(flag, looped, lambda x: x * 2.0, x)

    report = wb.explain_nans(f, jnp.float32(1.0), wb.Const(jnp.bool_(taken)), mode=wb.Reverse)
    if not taken:
        assert not report.found
        return
    o = report.origin
    assert (o.primitive, o.kind, o.iteration) == ("log", "nan", 6)
    assert o.line == line_of(f, "# mark: log")
    assert o.operands == (-0.5,)


def test_an_inf_hidden_by_a_nan_in_the_same_step_is_still_the_inf_met():
    """c * 1e30 overflows at the step where c first passes 3.4e8 and, in the same step, inf - inf
    makes the NaN: the step's results hold the NaN only, yet the NaN's report names the
    overflow (the step is searched equation by equation)."""

    def f(x):
        def body(k, c):
            big = c * 1e30  # mark: overflow
            return c * 10.0 + (big - big)  # mark: nan

        return wb.fori_loop(0, 20, body, x)

    first = next(k for k in range(20) if 10.0**k * 1e30 > float(np.finfo(np.float32).max))
    report = wb.explain_nans(f, jnp.float32(1.0), mode=None)
    assert report.origin.primitive == "sub" and report.origin.iteration == first
    assert report.origin.line == line_of(f, "# mark: nan")
    assert report.inf_origin.primitive == "mul" and report.inf_origin.iteration == first
    assert report.inf_origin.line == line_of(f, "# mark: overflow")


# The top level of a program that runs a loop is checked in stretches between the loops, each
# at its boundaries, and searched only where one made a NaN or an inf.


def scaled(c):
    return wb.fori_loop(0, 5, lambda k, c: c * 1.5, c)


@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_a_nan_made_before_a_loop(mode):
    def f(x):
        y = jnp.sqrt(x - 3.0)  # mark: sqrt
        return scaled(y)

    report = wb.explain_nans(f, jnp.float32(2.5), mode=mode)
    o = report.origin
    assert (o.primitive, o.kind, o.iteration, o.loop) == ("sqrt", "nan", None, None)
    assert o.line == line_of(f, "# mark: sqrt")
    assert o.operands == (-0.5,)


@pytest.mark.parametrize("mode", MODES, ids=MODE_IDS)
def test_a_nan_made_between_two_loops_and_after_them(mode):
    """2.5 scaled by 1.5**5 is 18.984375: log of 18 less than that is finite, log of 19 less
    is a NaN; made between the loops, or after both."""

    def between(x):
        y = jnp.log(scaled(x) - 19.0)  # mark: log
        return scaled(y)

    def after(x):
        return jnp.log(scaled(scaled(x) - 18.0) - 19.0)  # mark: log

    report = wb.explain_nans(between, jnp.float32(2.5), mode=mode)
    o = report.origin
    assert (o.primitive, o.kind, o.iteration) == ("log", "nan", None)
    assert o.line == line_of(between, "# mark: log")
    np.testing.assert_allclose(o.operands, (2.5 * 1.5**5 - 19.0,), rtol=1e-6)

    # after: 0.984375 * 1.5**5 = 7.4750976..., less 19 is negative.
    report = wb.explain_nans(after, jnp.float32(2.5), mode=mode)
    o = report.origin
    assert (o.primitive, o.kind, o.iteration) == ("log", "nan", None)
    assert o.line == line_of(after, "# mark: log")
    np.testing.assert_allclose(o.operands, ((2.5 * 1.5**5 - 18.0) * 1.5**5 - 19.0,), rtol=1e-6)


def test_a_guarded_square_root_before_a_loop_names_the_inf_of_its_derivative():
    """where(x > 0, sqrt(x), 0) at x = 0: the derivative of sqrt is 1 / (2 sqrt(0)) = inf, made
    in the forward pass, and the where's zero cotangent times it is the NaN, made in the
    backward pass: two stretches of the top level, the inf's searched to name it."""

    def f(x):
        guarded = jnp.where(x > 0, jnp.sqrt(x), 0.0)  # mark: sqrt
        return scaled(guarded)

    report = wb.explain_nans(f, jnp.float32(0.0), mode=wb.Reverse)
    assert report.origin.kind == "nan" and report.origin.phase == "backward"
    assert report.inf_origin.line == line_of(f, "# mark: sqrt")
    assert report.inf_origin.phase == "forward" and report.inf_origin.iteration is None
    assert report.remedy.name == "double where" and report.remedy.verified


def test_a_finite_loop_programs_magnitudes_are_its_jitted_gradients():
    """A program that runs a loop goes straight to the search run, whose outputs are the answer
    where they are finite: compiled as the user's jax.jit would be, they are its values. A
    chaotic recurrence (tanh of a gain-3 matrix, 100 steps) amplifies the last bits: compiled at
    LLVM -O0 instead, its gradient's largest element moved by 4e-4."""
    rng = np.random.default_rng(0)
    n = 16
    w = jnp.asarray(3.0 * rng.normal(size=(n, n)) / np.sqrt(n), jnp.float32)
    u = jnp.asarray(rng.normal(size=n), jnp.float32)

    def rnn(w, h0):
        h = wb.fori_loop(
            0, 100, lambda k, h: jnp.tanh(w @ h + u), h0, checkpointing=wb.Binomial(10)
        )
        return jnp.sum(h**2)

    h0 = jnp.zeros(n, jnp.float32)
    report = wb.explain_nans(rnn, w, h0, mode=wb.Reverse)
    assert not report.found
    got = {name: big for name, _, big in report.outputs}
    gw, gh = jax.jit(jax.grad(rnn, (0, 1)))(w, h0)
    np.testing.assert_allclose(got["derivative of w"], np.max(np.abs(gw)), rtol=1e-5)
    np.testing.assert_allclose(got["derivative of h0"], np.max(np.abs(gh)), rtol=1e-5)
