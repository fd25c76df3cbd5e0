"""``wb.check_gradient`` of bfloat16 programs (issue 23): their rules are checked on the same
program widened to the differences' dtype, where directions shared by every array resolve each
array's part, and their bfloat16 gradient against the widened one's. Wrong rules are caught and
named on both sides: a rule wrong in every dtype by the differences, one wrong only in bfloat16
by the comparison; a program that computes in bfloat16 inside is checked as before."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import workbench as wb
from workbench._src.debug import check_gradient_widened as widened
from workbench._src.debug import finite_differences as fdiff

BF16 = jnp.bfloat16


def _scaled(kind):
    """The identity on a weight, its cotangent right, doubled, or doubled only in bfloat16
    (``"plain"``: not used)."""

    @jax.custom_vjp
    def scaled(w):
        return w

    def bwd(_, g):
        if kind == "double" or (kind == "double_in_bfloat16" and g.dtype == BF16):
            return (2 * g,)
        return (g,)

    scaled.defvjp(lambda w: (w, None), bwd)
    return scaled


def _mlp(kind="right", cast_inside=False, widths=(8, 32, 32, 10), batch=8):
    """A tanh MLP in bfloat16 whose second layer's weight goes through ``_scaled(kind)``; with
    ``cast_inside`` it computes its hidden layers in bfloat16 whatever its arguments' dtype."""
    scaled = _scaled(kind)
    keys = jax.random.split(jax.random.key(0), len(widths))
    params = [
        (
            (jax.random.normal(k, (a, b)) / np.sqrt(a)).astype(BF16),
            (0.1 * jax.random.normal(jax.random.fold_in(k, 1), (b,))).astype(BF16),
        )
        for k, a, b in zip(keys[:-1], widths[:-1], widths[1:], strict=True)
    ]
    x = jax.random.normal(keys[-1], (batch, widths[0])).astype(BF16)
    labels = jnp.arange(batch) % widths[-1]

    def loss(params, x, labels):
        h = x
        for k, (w, b) in enumerate(params):
            w = scaled(w) if k == 1 and kind != "plain" else w
            if cast_inside:
                h, w, b = h.astype(BF16), w.astype(BF16), b.astype(BF16)
            h = h @ w + b
            if k < len(params) - 1:
                h = jnp.tanh(h)
        logp = jax.nn.log_softmax(h.astype(jnp.float32))
        return -jnp.mean(jnp.take_along_axis(logp, labels[:, None], axis=1))

    return loss, params, x, labels


def _check(kind="right", cast_inside=False, **options):
    loss, params, x, labels = _mlp(kind, cast_inside)
    return wb.check_gradient(loss, params, wb.Const(x), wb.Const(labels), **options)


@pytest.mark.parametrize("elements", [None, False], ids=["every element", "directions"])
def test_a_right_bfloat16_mlp_passes_on_its_widened_program(elements):
    report = _check(elements=elements)
    assert report.passed and not report.failures and not report.inconclusive, str(report)
    assert report.widened == "bfloat16"
    assert "on the program widened from bfloat16" in str(report)
    for a in report.arrays:
        assert a.aval.startswith("bfloat16"), a  # the user's arrays, as given
        assert a.widened_passed and a.widened_max_rel_error is not None
        # bfloat16's rounding, a few eps of the largest derivative: measured about 0.01.
        assert 0 < a.widened_max_rel_error < 0.1, a
    if elements is False:
        # One set of directions over all 6 arrays resolves each one's part: none alone.
        assert all(a.shared == 6 and a.resolution < 0.1 for a in report.arrays), str(report)


@pytest.mark.parametrize("elements", [None, False], ids=["every element", "directions"])
def test_a_custom_vjp_off_by_two_in_a_bfloat16_mlp_is_caught_and_named(elements):
    report = _check("double", elements=elements)
    assert [a.name for a in report.failures] == ["params[1][0]"], str(report)
    assert "params[1][0] bfloat16[32,32]" in str(report)
    assert "FAILED against finite differences" in str(report)


def test_a_rule_wrong_only_in_bfloat16_fails_against_the_widened_gradient():
    # Widened, the rule is right: only the comparison of the two gradients can see it.
    report = _check("double_in_bfloat16", elements=False)
    assert [a.name for a in report.failures] == ["params[1][0]"], str(report)
    bad = report.failures[0]
    assert bad.passed and bad.widened_passed is False  # right against the differences
    assert bad.widened_max_rel_error == pytest.approx(1.0, rel=0.1)  # twice the widened one's
    assert (
        "params[1][0] bfloat16[32,32] (3 random directions shared by 6 arrays): FAILED: its "
        "bfloat16 gradient is off the widened program's beyond what its rounding explains"
    ) in str(report)


@pytest.mark.parametrize("kind", ["right", "double"])
def test_a_program_computing_in_bfloat16_inside_is_checked_as_before(kind):
    # Widening its arguments leaves its bfloat16 arithmetic: no honest float32 oracle there.
    # Its differences resolve what bfloat16 allows (steps of 0.2 of each element's scale, none
    # longer): no false alarm on a right rule (there were, on every array), and a wrong one is
    # not passed as "ok": failed, or inconclusive, and the report says which.
    report = _check(kind, cast_inside=True, elements=False)
    assert report.widened == ""
    assert all(a.widened_passed is None for a in report.arrays)
    if kind == "right":
        assert report.passed, str(report)
    else:
        bad = report.arrays[2]
        assert bad.name == "params[1][0]"
        assert not bad.passed or bad.inconclusive, str(report)
        assert "params[1][0] bfloat16[32,32] (3 random directions): ok" not in str(report)


def test_the_forward_mode_of_a_bfloat16_program_is_checked_as_before():
    report = _check("plain", mode=wb.Forward, elements=False)  # no custom_vjp: a jvp runs
    assert report.widened == "" and report.passed, str(report)


def test_the_narrowest_float_is_found_inside_loops_and_branches():
    def f(x):
        def body(c, _):
            # Only one branch computes in bfloat16 (its result is float32 again).
            halved = lambda c: (c.astype(BF16) * 2).astype(c.dtype)
            return jax.lax.cond(c[0] > 0, halved, lambda c: c * 0.5, c), None

        return jax.lax.scan(body, x, None, 3)[0]

    closed = jax.make_jaxpr(f)(jnp.ones(3, jnp.float32))
    assert fdiff.lowest_float(closed) == np.dtype(BF16)
    plain = jax.make_jaxpr(lambda x: jnp.sin(x) * 2)(jnp.ones(3, jnp.float32))
    assert fdiff.lowest_float(plain) == np.dtype(jnp.float32)
    assert widened.narrow([jnp.float32, BF16, jnp.int32]) == np.dtype(BF16)
    assert widened.narrow([jnp.float32, jnp.int32]) is None
