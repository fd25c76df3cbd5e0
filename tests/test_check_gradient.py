"""``wb.check_gradient``: passes right gradients in every mode, flags a wrong one at the right
argument and element, with no false alarms in float32 (issue 16)."""

from __future__ import annotations

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import workbench as wb

X64 = bool(jax.config.read("jax_enable_x64"))
MODES = [wb.Forward, wb.Reverse, wb.ForwardWithPrimal, wb.ReverseWithPrimal]


def f32(*values):
    return jnp.asarray(values, jnp.float32)


# The tutorial's functions (float32 here, so that they read the same with 64-bit mode off).
TUTORIAL = [
    ("square", lambda x: jnp.sum(x**2), (f32(3.0, 4.0, 5.0),)),
    ("cube", lambda x: jnp.sum(x**3), (f32(1.0, 2.0, 3.0),)),
    ("two arguments", lambda x, y: jnp.sum(x * y + jnp.sin(x)), (f32(1.0, 2.0), f32(3.0, 4.0))),
    ("x^4 at 3.1", lambda x: x**4, (jnp.float32(3.1),)),
    (
        "complex abs2",
        lambda z: jnp.sum(jnp.abs(z) ** 2),
        (jnp.array([1 + 2j, 3 + 4j], jnp.complex64),),
    ),
]


@pytest.mark.parametrize("mode", MODES, ids=repr)
@pytest.mark.parametrize(("name", "f", "args"), TUTORIAL, ids=[c[0] for c in TUTORIAL])
def test_right_gradients_pass_in_every_mode(name, f, args, mode):
    report = wb.check_gradient(f, *args, mode=mode)
    assert report.passed, str(report)
    assert report.other_mode is not None and report.other_mode.is_forward != mode.is_forward
    assert [a.checked for a in report.arrays] == [a.size for a in report.arrays]
    assert report.fd_dtype in (("float64", "complex128") if X64 else ("float32", "complex64"))


def _doubling_square():
    @jax.custom_vjp
    def square(x):
        return x**2

    # A hand-written backward that is off by 2x (4x instead of 2x).
    square.defvjp(lambda x: (x**2, x), lambda x, g: (4 * x * g,))
    return square


def test_a_custom_vjp_off_by_two_is_flagged_at_its_argument_and_element():
    square = _doubling_square()
    x, y = f32(1.0, 2.0, 3.0), f32(0.5, -1.0, 2.0)
    # Only x goes through the wrong rule; the wrong entries grow with x, so the worst is x[2].
    report = wb.check_gradient(lambda x, y: jnp.sum(square(x)) + jnp.sum(jnp.sin(y)), x, y)
    assert not report.passed and not report
    (bad,) = report.failures
    assert bad.name == "x" and bad.worst_index == (2,)
    ours, fd = bad.worst
    assert ours == pytest.approx(12.0) and fd == pytest.approx(6.0, rel=1e-2)
    (good,) = [a for a in report.arrays if a.name == "y"]
    assert good.passed
    # custom_vjp has no forward mode: the report says so instead of failing.
    assert report.other_mode is None and "could not run" in report.note
    text = str(report)
    assert "x float32[3] (3 random directions and every element): FAILED against finite " in text
    assert "worst at [2]" in text
    assert "y float32[3] (3 random directions and every element): ok" in text
    page = report._repr_html_()
    assert "FAILED against finite differences" in page and "<code>x</code>" in page


def test_a_wrong_forward_rule_is_caught_by_the_other_mode_too():
    @jax.custom_jvp
    def cube(x):
        return x**3

    cube.defjvp(lambda p, t: (p[0] ** 3, 2 * p[0] ** 2 * t[0]))  # 2x^2 instead of 3x^2
    report = wb.check_gradient(lambda x: jnp.sum(cube(x)), f32(1.0, 2.0), mode=wb.Forward)
    (bad,) = report.failures
    assert bad.name == "x" and not bad.passed
    # Reverse mode transposes the same (wrong) rule, so the modes agree: only finite
    # differences see it.
    assert bad.modes_passed is True


def mlp(params, x):
    h = x
    for w, b in params:
        h = jnp.tanh(w @ h + b)
    return jnp.sum(h**2)


def test_no_false_alarm_on_a_20_layer_mlp_in_float32():
    rng = np.random.default_rng(0)
    width = 16
    params = [
        (
            jnp.asarray(rng.normal(size=(width, width)) / np.sqrt(width), jnp.float32),
            jnp.asarray(0.1 * rng.normal(size=width), jnp.float32),
        )
        for _ in range(20)
    ]
    x = jnp.asarray(rng.normal(size=width), jnp.float32)
    for mode in (wb.Reverse, wb.Forward):
        report = wb.check_gradient(mlp, params, wb.Const(x), mode=mode)
        assert report.passed, str(report)
        assert len(report.arrays) == 40 and report.arrays[0].name == "params[0][0]"


def test_large_arrays_are_sampled_and_the_report_says_how_many():
    x = jnp.linspace(-1.0, 1.0, 3000, dtype=jnp.float32)
    report = wb.check_gradient(lambda x: jnp.sum(jnp.sin(x) ** 2), x, max_elements=64)
    (a,) = report.arrays
    assert report.passed and (a.checked, a.size) == (64, 3000)
    assert "(3 random directions and 64 of 3000 elements)" in str(report)


def test_misuse_says_what_was_received():
    with pytest.raises(wb.ModeError, match="check_gradient needs a mode"):
        wb.check_gradient(lambda x: x, f32(1.0), mode="reverse")
    with pytest.raises(
        ValueError, match=r"max_elements must be a positive int.*got a Python int \(0\)"
    ):
        wb.check_gradient(lambda x: jnp.sum(x), f32(1.0), max_elements=0)
    with pytest.raises(wb.OutputError, match="scalar"):
        wb.check_gradient(lambda x: x * 2, f32(1.0, 2.0))


# --------------------------------------------------------------------------------------------
# Issue 23 / issue 26 item 4: tolerances from the differences' own error; directions; empties.


def _stop_gradient_case(n):
    x = jnp.linspace(0.3, 2.0, n, dtype=jnp.float32)
    # jax.grad drops the stop_gradient path: 2.5-5.5% off the function's true derivative.
    return lambda x: jnp.sum(jnp.sin(x) * x * (1 + 0.1 * jax.lax.stop_gradient(x))), x


@pytest.mark.parametrize("n", [3, 40, 5000])
@pytest.mark.parametrize("elements", [None, False])
def test_a_gradient_a_few_percent_off_fails_in_float32(n, elements):
    """Passed before (float32, x64 off): the tolerance was 2% of the differences plus rounding.
    Runs with x64 off and on (differences in float32, then float64)."""
    f, x = _stop_gradient_case(n)
    g = jax.grad(f)(x)
    true = jax.grad(lambda x: jnp.sum(jnp.sin(x) * x * (1 + 0.1 * x)))(x)
    rel = np.abs(np.asarray(g) - np.asarray(true)) / np.abs(np.asarray(true))
    assert np.median(rel) > 0.02  # the case is what it says
    report = wb.check_gradient(f, x, elements=elements)
    assert not report.passed, str(report)
    (bad,) = report.failures
    assert bad.name == "x" and "FAILED against finite differences" in str(report)
    assert bad.resolution < 1e-2


def _one_percent_sine():
    @jax.custom_vjp
    def sine(x):
        return jnp.sin(x)

    sine.defvjp(lambda x: (jnp.sin(x), x), lambda x, g: (1.01 * jnp.cos(x) * g,))
    return sine


@pytest.mark.parametrize("n", [1, 3, 1000, 20000])
def test_a_one_percent_error_never_passes_in_float32(n):
    sine = _one_percent_sine()
    x = jnp.linspace(-3.0, 3.0, n, dtype=jnp.float32)
    report = wb.check_gradient(lambda x: jnp.sum(sine(x) ** 2), x)
    assert not report.passed, str(report)
    assert report.arrays[0].resolution < 1e-2
    # The same function with the right rule passes.
    right = wb.check_gradient(lambda x: jnp.sum(jnp.sin(x) ** 2), x)
    assert right.passed, str(right)


def test_directions_only_name_the_argument_and_say_so():
    square = _doubling_square()
    x, y = f32(1.0, 2.0, 3.0), f32(0.5, -1.0, 2.0)
    report = wb.check_gradient(
        lambda x, y: jnp.sum(square(x)) + jnp.sum(jnp.sin(y)), x, y, elements=False
    )
    (bad,) = report.failures
    assert bad.name == "x" and bad.checked == 0 and bad.directions == 3
    assert bad.worst_index is None
    ours, fd = bad.worst
    assert ours == pytest.approx(2 * fd, rel=1e-2)
    assert "x float32[3] (3 random directions): FAILED against finite differences" in str(report)
    assert "worst along a random direction" in str(report)


def test_elements_on_request_check_a_large_array_in_chunks():
    x = jnp.linspace(-1.0, 1.0, 20000, dtype=jnp.float32)
    report = wb.check_gradient(lambda x: jnp.sum(jnp.sin(x) ** 2), x, elements=True, max_elements=8)
    (a,) = report.arrays
    assert report.passed and (a.checked, a.size, a.directions) == (8, 20000, 3)
    assert a.worst_index is not None and a.modes_passed is True


def test_empty_arguments_have_nothing_to_check_and_say_so():
    """Was ``ValueError: attempt to get argmax of an empty sequence``."""
    f = lambda x, y: jnp.sum(x**2) + jnp.sum(y)
    report = wb.check_gradient(f, f32(1.0, 2.0), jnp.zeros((0, 3), jnp.float32))
    assert report.passed
    empty = report.arrays[1]
    assert (empty.name, empty.size, empty.checked, empty.worst) == ("y", 0, 0, None)
    assert "y float32[0,3]: empty: nothing to check" in str(report)
    assert "empty: nothing to check" in report._repr_html_()
    only_empty = wb.check_gradient(lambda y: jnp.sum(y), jnp.zeros(0, jnp.float32))
    assert only_empty.passed and only_empty.arrays[0].note == "empty: nothing to check"


def test_forward_mode_checks_along_directions_too():
    x = jnp.linspace(0.1, 1.0, 6000, dtype=jnp.float32)
    report = wb.check_gradient(lambda x: jnp.sum(jnp.sin(x) * x), x, mode=wb.Forward)
    (a,) = report.arrays
    assert report.passed and a.checked == 0 and a.modes_passed is True
    assert report.other_mode == wb.Reverse


def test_the_new_options_say_what_they_received():
    with pytest.raises(ValueError, match=r"directions must be a positive int.*got a Python int"):
        wb.check_gradient(lambda x: jnp.sum(x), f32(1.0), directions=0)
    with pytest.raises(ValueError, match=r"elements must be True.*or None.*got a str \(.all.\)"):
        wb.check_gradient(lambda x: jnp.sum(x), f32(1.0), elements="all")
    with pytest.raises(ValueError, match=r"seed must be an int, but got a (Python )?float"):
        wb.check_gradient(lambda x: jnp.sum(x), f32(1.0), seed=1.5)


# --------------------------------------------------------------------------------------------
# Issue 23: no false alarm where f is not smooth (relu kinks) or chaotic; wrong rules in real
# models still caught by default.


def test_a_kink_within_the_step_is_not_smooth_here_not_a_failure():
    # x[1] lies 1e-7 from relu's kink, within the step in float32 and in float64: central
    # differences average the two slopes (0.5 instead of 1).
    x = f32(0.7, 1e-7, -0.4)
    report = wb.check_gradient(lambda x: jnp.sum(jax.nn.relu(x) * jnp.cos(x)), x)
    assert report.passed and not report.failures, str(report)
    assert "not smooth here" in str(report)

    @jax.custom_vjp
    def relu(x):
        return jax.nn.relu(x)

    relu.defvjp(lambda x: (relu(x), x), lambda x, g: (2 * jnp.where(x > 0, g, 0.0),))
    wrong = wb.check_gradient(lambda x: jnp.sum(relu(x) * jnp.cos(x)), x)
    assert not wrong.passed and "FAILED against finite differences" in str(wrong)


@jax.custom_vjp
def _affine(w, b, h):
    return h @ w + b


def _affine_rule(kind):
    def bwd(res, g):
        w, h = res
        dw, db, dh = h.T @ g, jnp.sum(g, 0), g @ w.T
        if kind == "double":
            dw = 2 * dw
        elif kind == "sign":
            dw = -dw
        elif kind == "dropped":
            db = jnp.zeros_like(db)
        return dw, db, dh

    return bwd


def _relu_mlp(kind):
    """A relu MLP (64-256-256-10, batch 32: 16,384 relus, kinks within any float32 step) whose
    second layer goes through a custom_vjp: right, its weight's cotangent doubled or negated, or
    its bias's dropped."""

    @jax.custom_vjp
    def affine(w, b, h):
        return h @ w + b

    affine.defvjp(lambda w, b, h: (h @ w + b, (w, h)), _affine_rule(kind))
    rng = np.random.default_rng(0)
    sizes = (64, 256, 256, 10)
    params = [
        (
            jnp.asarray(rng.normal(size=(m, n)) / np.sqrt(m), jnp.float32),
            jnp.asarray(0.1 * rng.normal(size=n), jnp.float32),
        )
        for m, n in itertools.pairwise(sizes)
    ]
    x = jnp.asarray(rng.normal(size=(32, 64)), jnp.float32)
    labels = jnp.asarray(rng.integers(0, 10, 32))

    def loss(params, x, labels):
        h = x
        for k, (w, b) in enumerate(params):
            h = affine(w, b, h) if k == 1 else h @ w + b
            if k < len(params) - 1:
                h = jax.nn.relu(h)
        logp = jax.nn.log_softmax(h)
        return -jnp.mean(jnp.take_along_axis(logp, labels[:, None], axis=1))

    return loss, params, x, labels


@pytest.mark.parametrize(
    ("kind", "leaf"),
    [
        ("right", None),
        ("double", "params[1][0]"),
        ("sign", "params[1][0]"),
        ("dropped", "params[1][1]"),
    ],
)
def test_wrong_rules_in_a_relu_mlp_are_caught_and_a_right_one_passes(kind, leaf):
    loss, params, x, labels = _relu_mlp(kind)
    report = wb.check_gradient(loss, params, wb.Const(x), wb.Const(labels))
    if leaf is None:
        assert report.passed and not report.failures, str(report)
        assert report.arrays[0].shared == 6  # one set of directions over every array
    else:
        assert [a.name for a in report.failures] == [leaf], str(report)


def _nbody_loop(kind):
    """The zoo's leapfrog (8 bodies, 20 steps, checkpointed) with its kick through a custom_vjp:
    right, the acceleration's cotangent doubled or negated, or the velocity's dropped."""
    from tests.models import nbody

    @jax.custom_vjp
    def kick(vel, acc):
        return vel + 0.5 * nbody.DT * acc

    def bwd(_, g):
        dvel, dacc = g, 0.5 * nbody.DT * g
        if kind == "double":
            dacc = 2 * dacc
        elif kind == "sign":
            dacc = -dacc
        elif kind == "dropped":
            dvel = jnp.zeros_like(dvel)
        return dvel, dacc

    kick.defvjp(lambda vel, acc: (kick(vel, acc), None), bwd)

    def step(_, state):
        pos, vel = state
        vel = kick(vel, nbody.accelerations(pos, masses))
        pos = pos + nbody.DT * vel
        return pos, kick(vel, nbody.accelerations(pos, masses))

    k1, k2, k3 = jax.random.split(jax.random.key(0), 3)
    state = (
        jax.random.normal(k1, (8, 3), jnp.float32),
        0.1 * jax.random.normal(k2, (8, 3), jnp.float32),
    )
    masses = jax.random.uniform(k3, (8,), jnp.float32, 0.5, 1.5)

    def loss(state):
        end = wb.fori_loop(0, 20, step, state, checkpointing=wb.Binomial(4))
        return nbody.final_loss(end, masses)

    return loss, state


@pytest.mark.parametrize("kind", ["right", "double", "sign", "dropped"])
def test_wrong_rules_in_a_checkpointed_loop_are_caught(kind):
    loss, state = _nbody_loop(kind)
    report = wb.check_gradient(loss, state)
    if kind == "right":
        assert report.passed and not report.failures, str(report)
    else:
        assert not report.passed and report.failures, str(report)


def test_the_report_says_what_its_tolerance_is_relative_to():
    # It read "resolved to r": on the N-body under x64 beside an element 21% off that passed
    # (its tolerance is relative to the array's largest derivative, and allows the float32
    # gradient's own rounding, measured against float64).
    x = jnp.linspace(0.1, 0.9, 6, dtype=jnp.float32)
    report = wb.check_gradient(lambda x: jnp.sum(jnp.exp(x) * jnp.sin(3 * x)), x)
    a = report.arrays[0]
    assert a.passed and a.element_resolution is not None and a.element_resolution < 1e-3
    text = str(report)
    assert "resolved to" not in text
    assert (
        f"(relative {a.max_rel_error:.3g}); tolerance {a.resolution:.2g} of a directional "
        f"derivative, {a.element_resolution:.2g} of the largest derivative element by element"
    ) in text, text
    if X64:  # float32 arguments, float64 differences: the gradient's rounding is measured
        assert a.own_rounding is not None and 0 < a.own_rounding < 1e-5, a
        assert (
            "allowing its float32 gradient's own rounding (measured against float64: up to "
            f"{a.own_rounding:.2g} of the largest derivative)"
        ) in text, text
    else:
        assert a.own_rounding is None and "own rounding" not in text


def _ladder_evaluating_every_step(evaluate, h, wanted, f0, fd):
    """``fdiff.refine`` as it was before shorter steps were skipped: every step it may want is
    evaluated (the oracle for the skip)."""
    from workbench._src.debug import finite_differences as fdiff

    best = fdiff.quotients(evaluate(1.0), h, f0, fd)
    longer, shorter = best.noisy, best.rough
    for k in (*fdiff.LONGER, *fdiff.SHORTER):
        if k * fdiff.base_step(fd) > fdiff.MAX_MOVE:
            continue
        may = (longer if k > 1 else shorter) & (best.tol > wanted)
        if not np.any(may):
            continue
        e = fdiff.quotients(evaluate(k), h * k, f0, fd)
        better = may & (e.tol < best.tol) & (np.abs(e.value - best.value) <= e.tol + best.tol)
        if k > 1:
            better = better & ~e.rough
        best = fdiff.Estimate(
            *(
                np.where(better, n, o)
                for n, o in zip(fdiff._fields(e), fdiff._fields(best), strict=True)
            )
        )
        if k > 1:
            longer = longer & e.noisy
    return best


@pytest.mark.parametrize("kink", [0.0, 3e-5, 4e-4, 2e-3])
@pytest.mark.parametrize("offset", [0.0, 1.0, 300.0])
def test_a_skipped_shorter_step_could_not_have_been_kept(kink, offset):
    """A shorter step whose rounding floor alone is no tighter than the kept tolerance is not
    evaluated: the estimate is bit for bit what evaluating every step gives, on float32 values of
    a line with a kink (none, within the shortest step, within the step) and large offsets (the
    floor grows with |f|)."""
    from workbench._src.debug import finite_differences as fdiff

    fd = np.dtype(np.float32)
    h = fdiff.base_step(fd)

    def line(t):
        return np.float32(offset) + np.float32(0.7 * t + 1.3 * np.abs(t - kink))

    asked = []

    def evaluate(k):
        asked.append(k)
        return np.asarray([line(s * k * h) for s in fdiff.STEPS], np.float32)

    f0 = float(line(0.0))
    for wanted in (1e-3, 1e-9):
        asked.clear()
        got = fdiff.refine(evaluate, h, wanted, f0, fd)
        evaluated = list(asked)
        asked.clear()
        expected = _ladder_evaluating_every_step(evaluate, h, wanted, f0, fd)
        for a, b in zip(fdiff._fields(got), fdiff._fields(expected), strict=True):
            np.testing.assert_array_equal(a, b)
        assert set(evaluated) <= set(asked)
        if offset == 300.0 and kink == 2e-3 and wanted == 1e-9:  # not vacuous: one skipped
            floor = fdiff.ROUNDING * float(np.finfo(fd).eps) * abs(f0) / (h / 64)
            assert evaluated == [1.0, 1 / 8] and asked == [1.0, 1 / 8, 1 / 64], evaluated
            assert floor >= expected.tol, (floor, expected.tol)
