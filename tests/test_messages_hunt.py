"""Issue 26, item 8 as a class: every public function walked with the common wrong inputs (a
function returning a string or None, a keyword it does not take, the mode as a keyword, a static
argument that cannot be hashed, a function given too many or too few arguments, a loop body of
the wrong arity, a value that is not an array). Each is a workbench error (``errors.py``'s types,
which are also the ``TypeError`` Python would raise) whose message says what was received, why
it fails and what to write instead."""

from __future__ import annotations

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import workbench as wb

X = jnp.linspace(0.5, 1.5, 3, dtype=jnp.float32)
f = lambda x: jnp.sum(jnp.sin(x))
body = lambda i, c: jnp.sin(c)

# (id, thunk, error type, regex the message must match: what was received ... what to do)
CASES = [
    # A function returning something that is not arrays, to a tool that compiles it.
    *[
        (
            f"{name} of a function returning a str",
            call,
            wb.OutputError,
            rf"^{prefix}: the function <lambda> returned a str \('s'\), which is not an array.*"
            r"compute the value with jax.numpy",
        )
        for name, prefix, call in [
            ("jit", "wb.jit", lambda: wb.jit(lambda x: "s")(X)),
            ("compile", "wb.compile", lambda: wb.compile(lambda x: "s", X)),
            ("inspect", "wb.inspect", lambda: wb.inspect(lambda x: "s", X)),
            ("graph", "wb.graph", lambda: wb.graph(lambda x: "s", X)),
            ("code_hlo", "wb.code_hlo", lambda: wb.code_hlo(lambda x: "s", X)),
            ("code_xla", "wb.code_xla", lambda: wb.code_xla(lambda x: "s", X)),
        ]
    ],
    (
        "jit of a function returning a dict holding a str",
        lambda: wb.jit(lambda x: {"a": x, "b": "label"})(X),
        wb.OutputError,
        r"returned a str \('label'\) at \['b'\], which is not an array",
    ),
    (
        "fori_loop body returning a str",
        lambda: wb.fori_loop(0, 3, lambda i, c: "s", X),
        wb.OutputError,
        r"^wb.fori_loop: the body returned a str \('s'\), which is not an array.*carry is arrays",
    ),
    (
        "while_loop cond returning a str",
        lambda: wb.while_loop(lambda c: "s", lambda c: c * 2, X),
        wb.OutputError,
        r"^wb.while_loop: cond returned a str \('s'\).*boolean scalar",
    ),
    (
        "while_loop cond returning a vector",
        lambda: wb.while_loop(lambda c: c < 2, lambda c: c * 2, X),
        wb.OutputError,
        r"cond must return a boolean scalar .* returned bool\[3\]\. Reduce it \(jnp.all",
    ),
    # Keywords a function does not take, and the mode as a keyword where it comes first.
    (
        "gradient with mode=",
        lambda: wb.gradient(f, X, mode=wb.Reverse),
        wb.ArgumentError,
        r"^wb.gradient received the same argument twice .*'mode'.*It takes "
        r"wb.gradient\(mode, f, \*args, chunk='auto'\)\. The mode comes first.*"
        r"wb.gradient\(wb.Reverse, f, \*args\)",
    ),
    (
        "gradient with wrt=",
        lambda: wb.gradient(wb.Reverse, f, X, wrt=0),
        wb.ArgumentError,
        r"keyword it does not take \(.*'wrt'\).*wb.Const\(x\) for one that is not",
    ),
    (
        "jacobian with argnums=",
        lambda: wb.jacobian(wb.Reverse, f, X, argnums=0),
        wb.ArgumentError,
        r"^wb.jacobian received a keyword it does not take.*'argnums'.*wb.Const\(x\)",
    ),
    (
        "inspect with a misspelt mode=",
        lambda: wb.inspect(f, X, mod=wb.Reverse),
        wb.ArgumentError,
        r"^wb.inspect received a keyword.*'mod'.*wb.inspect\(f, \*args, mode=None, runs=0\)\. "
        r"Did you mean mode=\?",
    ),
    (
        "fori_loop with scheme=",
        lambda: wb.fori_loop(0, 3, body, X, scheme=wb.Binomial(2)),
        wb.ArgumentError,
        r"^wb.fori_loop received a keyword.*'scheme'.*checkpointing=wb.Binomial\(s\)",
    ),
    (
        "tradeoffs with an unknown keyword",
        lambda: wb.tradeoffs(body, X, 4, budget="1GB"),
        wb.ArgumentError,
        r"^wb.tradeoffs received a keyword .*'budget'.*It takes wb.tradeoffs\(body, init, steps",
    ),
    (
        "jit with mode=",
        lambda: wb.jit(f, mode=wb.Reverse),
        wb.ArgumentError,
        r"wb.jit received the option 'mode'.*wb.gradient",
    ),
    # Static arguments.
    (
        "jit static argument by keyword, unhashable",
        lambda: wb.jit(lambda x, s: x, static_argnames="s")(X, s={"a": 1}),
        wb.ArgumentError,
        r"^wb.jit: the keyword argument s= \(a dict .*\) is marked static "
        r"\(static_argnames=\('s',\)\) but cannot be hashed.*Pass a hashable value",
    ),
    (
        "compile static argument, unhashable",
        lambda: wb.compile(lambda x, s: x * len(s), X, [1, 2], static_argnums=1),
        wb.ArgumentError,
        r"^wb.compile: argument 2 \(a list \(\[1, 2\]\)\) is marked static.*a tuple instead",
    ),
    (
        "jit static_argnums past the parameters",
        lambda: wb.jit(f, static_argnums=5),
        wb.ArgumentError,
        r"^wb.jit: static_argnums=\(5,\) names a positional argument, but the function does not"
        r" take that many.*counts the positional arguments from 0",
    ),
    # The user's function given too many or too few arguments.
    (
        "gradient with an extra argument",
        lambda: wb.gradient(wb.Reverse, f, X, X),
        wb.ArgumentError,
        r"^wb.gradient: the function <lambda>\(x\) takes 1 positional argument, but it was given"
        r" 2 \(float32\[3\], float32\[3\]\)\. Pass the function's own arguments after it",
    ),
    (
        "jit with an extra argument",
        lambda: wb.jit(f)(X, X),
        wb.ArgumentError,
        r"^wb.jit: the function <lambda>\(x\) cannot take the arguments it was given "
        r"\(float32\[3\], float32\[3\]\).*wb.jit\(f\)\(\*args\)",
    ),
    (
        "inspect with no arguments",
        lambda: wb.inspect(f),
        wb.ArgumentError,
        r"^wb.inspect: the function <lambda>\(x\) cannot take the arguments it was given "
        r"\(none\): missing 1 required positional argument.*wb.inspect\(f, \*args\)",
    ),
    (
        "graph with an extra argument",
        lambda: wb.graph(f, X, X),
        wb.ArgumentError,
        r"^wb.graph: the function <lambda>\(x\) cannot take the arguments",
    ),
    # Loop bodies of the wrong arity.
    (
        "fori_loop body taking the carry alone",
        lambda: wb.fori_loop(0, 3, lambda c: c, X),
        wb.ArgumentError,
        r"^wb.fori_loop calls body\(i, carry\) -> carry, with 2 arguments, but <lambda>\(c\) "
        r"does not take that.*lambda i, c: f\(c\)",
    ),
    (
        "tradeoffs of jnp.sin",
        lambda: wb.tradeoffs(jnp.sin, X, 4, measure=False),
        wb.ArgumentError,
        r"^tradeoffs calls body\(i, carry\) -> carry, with 2 arguments, but sin\(x, /\) does "
        r"not take that",
    ),
    (
        "while_loop body taking (i, carry)",
        lambda: wb.while_loop(lambda c: False, lambda i, c: c, X),
        wb.ArgumentError,
        r"^wb.while_loop calls body\(carry\) -> carry, with 1 argument, but <lambda>\(i, c\)",
    ),
    (
        "while_loop cond taking two arguments",
        lambda: wb.while_loop(lambda i, c: False, lambda c: c, X),
        wb.ArgumentError,
        r"^wb.while_loop calls cond\(carry\) -> bool, with 1 argument, but <lambda>\(i, c\)",
    ),
    (
        "while_loop cond that is not a function",
        lambda: wb.while_loop(True, lambda c: c, X),
        wb.NotCallableError,
        r"^wb.while_loop needs cond to be a function, cond\(carry\) -> bool, but received a "
        r"Python bool \(True\)",
    ),
    # Values that are not arrays.
    (
        "jit of a str argument",
        lambda: wb.jit(f)("abc"),
        wb.ArgumentError,
        r"^wb.jit: received a str \('abc'\) .*which is not an array.*static_argnums",
    ),
    (
        "inspect of a str argument",
        lambda: wb.inspect(f, "abc"),
        wb.ArgumentError,
        r"^wb.inspect: received a str \('abc'\) .*which is not an array",
    ),
    (
        "fori_loop with a float bound",
        lambda: wb.fori_loop(0.0, 3, body, X),
        wb.ArgumentError,
        r"lower must be an integer scalar .* received a Python float \(0.0\)\. Round it first",
    ),
    (
        "onehot of a str",
        lambda: wb.onehot("abc"),
        wb.ArgumentError,
        r"onehot needs one array .* received a str \('abc'\)",
    ),
    (
        "to_rarray of a str",
        lambda: wb.to_rarray("abc"),
        wb.ArgumentError,
        r"to_rarray converts arrays and numbers .* received a str \('abc'\)",
    ),
    (
        "ignore_derivatives of a mode",
        lambda: wb.ignore_derivatives(wb.Reverse),
        wb.ArgumentError,
        r"ignore_derivatives takes arrays .* received Reverse",
    ),
]


@pytest.mark.parametrize(
    ("thunk", "exc", "pattern"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_a_wrong_input_gets_a_workbench_error(thunk, exc, pattern):
    with pytest.raises(exc) as info:
        thunk()
    assert isinstance(info.value, wb.WorkbenchError)
    assert re.search(pattern, str(info.value), re.DOTALL), str(info.value)


def test_the_translations_leave_type_errors_from_the_users_code_alone():
    """A TypeError raised inside the user's function (not by calling it) is theirs, unchanged."""

    def broken(x):
        return jnp.sum(x) + "a"  # raises TypeError inside f

    for call in (
        lambda: wb.gradient(wb.Reverse, broken, X),
        lambda: wb.jit(broken)(X),
        lambda: wb.inspect(broken, X),
    ):
        with pytest.raises(TypeError) as info:
            call()
        assert not isinstance(info.value, wb.ArgumentError), info.value

    def takes_two(x, y=None):  # a default: calling it with one argument is fine
        return jnp.sum(x)

    np.testing.assert_allclose(wb.gradient(wb.Reverse, takes_two, X)[0], np.ones(3))


def test_the_public_functions_keep_their_signatures_and_docs():
    import inspect

    assert list(inspect.signature(wb.gradient).parameters) == ["mode", "f", "args", "chunk"]
    assert wb.gradient.__doc__ and "Reverse" in wb.gradient.__doc__
    assert wb.gradient.__wrapped__.__module__ == "workbench._src.ad.gradient"


def test_a_python_float_carry_through_a_float32_body_runs_as_lax_does():
    """Issue 26 quoted "the body changes the carry from float64[] to float32[]" for a carry
    initialised as 1.0; lax.fori_loop takes it (tests/test_loop_carries.py covers every scheme)."""
    got = wb.fori_loop(0, 3, lambda i, c: c * jnp.float32(2), 1.0, checkpointing=wb.Binomial(2))
    want = jax.lax.fori_loop(0, 3, lambda i, c: c * jnp.float32(2), 1.0)
    assert got.dtype == want.dtype and float(got) == float(want) == 8.0


def test_explain_nans_of_a_str_output_or_argument():
    with pytest.raises(wb.OutputError, match=r"^wb.explain_nans: the function returned a str"):
        wb.explain_nans(lambda x: "s", X)
    with pytest.raises(
        wb.ArgumentError,
        match=r"^wb.explain_nans: an argument holds a str \('abc'\), which is not an array.*"
        r"lambda x: f\(x, value\)",
    ):
        wb.explain_nans(f, "abc")


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (lambda: wb.inspect(f, X, runs=-1), r"runs=\) takes a count of runs .* Python int \(-1\)"),
        (lambda: wb.gradient(wb.Reverse, f, X, chunk="x"), r"chunk must be a positive int"),
        (lambda: wb.check_gradient(f, X, directions=0), r"directions must be a positive int"),
    ],
    ids=["inspect runs", "gradient chunk", "check_gradient directions"],
)
def test_an_option_with_a_wrong_value_is_an_option_error(call, pattern):
    with pytest.raises(wb.OptionError, match=pattern) as info:
        call()
    assert isinstance(info.value, ValueError) and isinstance(info.value, wb.WorkbenchError)
