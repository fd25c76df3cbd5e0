"""``wb.check_gradient``: passes right gradients in every mode, flags a wrong one at the right
argument and element, with no false alarms in float32 (issue 16)."""

from __future__ import annotations

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
