"""Issue 26's raw JAX errors, each now said in the workbench's words (what was received, why it
fails, what to write), and JAX features that crashed a tool (an ordered ``io_callback``)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.experimental import io_callback

import workbench as wb
from tests.ipython_shell import run_reactant, shared_shell

X = jnp.linspace(0.5, 1.5, 3, dtype=jnp.float32)


@pytest.mark.parametrize(
    "call",
    [
        lambda f: wb.autodiff(wb.Forward, f, wb.Duplicated(X, jnp.ones_like(X))),
        lambda f: wb.autodiff(wb.Reverse, f, wb.Active(X)),
        lambda f: wb.gradient(wb.Reverse, f, X),
        lambda f: wb.gradient(wb.Forward, f, X),
        lambda f: wb.jacobian(wb.Reverse, f, X),
    ],
    ids=[
        "autodiff Forward",
        "autodiff Reverse",
        "gradient Reverse",
        "gradient Forward",
        "jacobian",
    ],
)
def test_a_function_returning_a_string_is_refused_by_name(call):
    """Was JAX's "Argument 's' of type <class 'str'> is not a valid JAX type"."""
    with pytest.raises(wb.OutputError, match=r"returned a str \('s'\), which is not an array"):
        call(lambda x: "s")
    with pytest.raises(wb.OutputError, match=r"returned a str \('label'\) at \[1\]"):
        call(lambda x: (jnp.sum(x), "label"))


def test_wb_jit_refuses_options_jax_jit_does_not_take():
    """Was "jit() got an unexpected keyword argument 'mode'"."""
    with pytest.raises(TypeError, match=r"wb.jit received the option 'mode'.*wb.gradient"):
        wb.jit(jnp.sin, mode=wb.Reverse)
    with pytest.raises(TypeError, match=r"'statc_argnums'.*static_argnums"):
        wb.jit(jnp.sin, statc_argnums=0)
    with pytest.raises(TypeError, match=r"wb.jit received the option 'mode'"):
        wb.compile(jnp.sin, X, mode=wb.Reverse)


def test_an_unhashable_static_argument_is_named():
    """Was "Non-hashable static arguments are not supported" with JAX's frames."""
    f = wb.jit(lambda x, options: x * options["scale"], static_argnums=1)
    with pytest.raises(TypeError, match=r"argument 2 \(a dict .*static_argnums=\(1,\).*hashable"):
        f(X, {"scale": 2.0})
    g = wb.jit(lambda x, options: x * dict(options)["scale"], static_argnums=1)
    np.testing.assert_allclose(g(X, (("scale", 2.0),)), X * 2)  # the fix it suggests works


@jax.custom_vjp
def clipped(x):
    return jnp.sin(x)


clipped.defvjp(lambda x: (jnp.sin(x), x), lambda x, g: (jnp.clip(g * jnp.cos(x), -1, 1),))


@pytest.mark.parametrize(
    "call",
    [
        lambda f: wb.gradient(wb.Forward, f, X),
        lambda f: wb.autodiff(wb.Forward, f, wb.Duplicated(X, jnp.ones_like(X))),
        lambda f: wb.jacobian(wb.Forward, f, X),
    ],
    ids=["gradient", "autodiff", "jacobian"],
)
def test_forward_mode_through_custom_vjp_names_the_call_and_the_remedy(call):
    """Was JAX's bare "can't apply forward-mode autodiff (jvp) to a custom_vjp function"."""
    f = lambda x: jnp.sum(clipped(x))
    with pytest.raises(wb.ModeError) as e:
        call(f)
    text = str(e.value)
    assert "calls a jax.custom_vjp function (clipped, defined at " in text  # the function
    assert ", called at " in text and "JAX's custom_vjp defines only a reverse-mode" in text
    assert "test_entry_messages.py" in text
    assert "only a reverse-mode rule" in text and "jax.custom_jvp" in text
    np.testing.assert_allclose(  # reverse mode works, with the custom rule
        wb.gradient(wb.Reverse, f, X)[0], jax.grad(f)(X), rtol=1e-6
    )


def with_ordered_callback(x):
    io_callback(lambda v: None, None, x, ordered=True)
    return jnp.sum(jnp.sin(x))


def test_inspect_and_reactant_of_a_program_with_an_ordered_io_callback():
    """Was an AssertionError in jax/_src/stages.py (an effect token has no layout)."""
    ins = wb.inspect(with_ordered_callback, X)
    (out,) = ins.sharding.outputs
    assert out.shape == () and out.dtype == "float32"
    np.testing.assert_allclose(ins.compiled(X), jnp.sum(jnp.sin(X)), rtol=1e-6)
    ip = shared_shell()
    ip.user_ns.update(with_ordered_callback=with_ordered_callback, xc=X)
    r = run_reactant(ip, "", "with_ordered_callback(xc)")
    np.testing.assert_allclose(r.value, jnp.sum(jnp.sin(X)), rtol=1e-6)


def _unbounded(x):
    out = wb.while_loop(lambda c: c[0] < 5, lambda c: (c[0] + 1, jnp.sin(c[1])), (0, x))
    return jnp.sum(out[1])  # the loop is the line above


@pytest.mark.parametrize(
    "call",
    [
        lambda f: wb.gradient(wb.Reverse, f, X),
        lambda f: wb.jacobian(wb.Reverse, f, X),
        lambda f: wb.autodiff(wb.ReverseWithPrimal, f, wb.Active(X)),
        lambda f: wb.graph(f, X, mode=wb.Reverse),
        lambda f: jax.jit(lambda x: wb.gradient(wb.Reverse, f, x))(X),
    ],
    ids=["gradient", "jacobian", "autodiff", "graph", "under jit"],
)
def test_reverse_mode_through_an_unbounded_while_loop_says_what_bounds_it(call):
    """Was JAX's "Reverse-mode differentiation does not work for lax.while_loop ... Try using
    lax.scan": the workbench's while_loop takes max_steps or a scheme, which say it."""
    with pytest.raises(wb.ModeError) as info:
        call(_unbounded)
    text = str(info.value)
    assert text.startswith("Reverse")
    assert "max_steps=N" in text and "checkpointing=wb.Binomial(s)" in text
    assert "test_entry_messages.py:" in text and "(_unbounded)" in text  # the loop's line
    # The remedies it names work, and agree with forward mode (which needs neither).
    bounded = lambda x: jnp.sum(
        wb.while_loop(lambda c: c[0] < 5, lambda c: (c[0] + 1, jnp.sin(c[1])), (0, x), max_steps=9)[
            1
        ]
    )
    (expected,) = wb.gradient(wb.Forward, _unbounded, X)
    np.testing.assert_allclose(wb.gradient(wb.Reverse, bounded, X)[0], expected, rtol=1e-6)


@pytest.mark.parametrize(
    "call",
    [
        lambda body: wb.tradeoffs(body, X, 10),
        lambda body: wb.fori_loop(0, 3, body, X),
        lambda body: wb.fori_loop(0, 3, body, X, checkpointing=wb.Binomial(2)),
    ],
    ids=["tradeoffs", "fori_loop", "fori_loop Binomial"],
)
def test_a_loop_body_that_is_not_a_function_is_named(call):
    """Was JAX's "Expected a callable value, got sin" from wb.tradeoffs("sin", ...)."""
    with pytest.raises(TypeError, match=r"needs the loop's body, .* received a str \('sin'\)"):
        call("sin")


F_FIRST = {
    "inspect": lambda *a: wb.inspect(*a, runs=0),
    "graph": wb.graph,
    "explain_nans": wb.explain_nans,
    "check_gradient": wb.check_gradient,
    "compile": wb.compile,
    "jit": wb.jit,
    "tradeoffs": lambda body, *a: wb.tradeoffs(body, X, 4, measure=False),
    "tradeoff_explorer": lambda body, *a: wb.tradeoff_explorer(body, X, 4, measure=False),
}


@pytest.mark.parametrize("name", list(F_FIRST))
def test_every_function_first_entry_says_the_same_of_a_mode_first(name):
    """Issue 25: the same mistake got ModeError, TypeError or a bare WorkbenchError, in other
    words each time. One check (``ad/entry.py``): a mode where the function goes is a
    ModeError, anything else that is not callable a NotCallableError, with the same first
    words from every entry point."""
    with pytest.raises(wb.ModeError, match=rf"^{name} takes the function first\b.*Reverse"):
        F_FIRST[name](wb.Reverse, lambda x: jnp.sum(x), X)
    with pytest.raises(
        wb.NotCallableError, match=rf"^{name} needs (a function first|the loop's body)\b"
    ) as info:
        F_FIRST[name](3.0, X)
    assert isinstance(info.value, TypeError)  # as Python's own "not callable"
    assert "a Python float (3.0)" in str(info.value)


@pytest.mark.parametrize("name", ["gradient", "jacobian", "autodiff"])
def test_every_mode_first_entry_says_the_same_of_a_missing_mode(name):
    fn = getattr(wb, name)
    with pytest.raises(wb.ModeError, match=rf"^{name} needs a mode as its first argument"):
        fn(lambda x: jnp.sum(x), X)
    with pytest.raises(wb.NotCallableError, match=rf"^{name} needs the function to"):
        fn(wb.Reverse, 3.0, X)


def _exhausted(x):
    """Stands for an allocation that fails where it is dispatched (a GPU's buffers are
    allocated as the call is made; on CPU the error comes with the result, asynchronously)."""
    raise jax.errors.JaxRuntimeError(
        "RESOURCE_EXHAUSTED: Out of memory allocating 32000000000 bytes."
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda f: wb.gradient(wb.Reverse, f, X),
        lambda f: wb.jacobian(wb.Forward, f, X),
        lambda f: wb.autodiff(wb.Reverse, f, wb.Active(X)),
    ],
    ids=["gradient", "jacobian", "autodiff"],
)
def test_out_of_memory_names_what_keeps_memory_and_checkpointing(call):
    """Issue 26: "Error dispatching computation: Out of memory allocating 32000000000 bytes"
    named nothing a user could change. The workbench's error keeps JAX's as its cause."""
    with pytest.raises(wb.OutOfMemoryError) as info:
        call(_exhausted)
    text = str(info.value)
    assert "Out of memory allocating 32000000000 bytes" in text
    assert "checkpointing=wb.Binomial(s)" in text and "wb.inspect(" in text
    assert isinstance(info.value, RuntimeError)
    assert isinstance(info.value.__cause__, jax.errors.JaxRuntimeError)


def test_other_runtime_errors_pass_through():
    def broken(x):
        raise jax.errors.JaxRuntimeError("INTERNAL: something else")

    with pytest.raises(jax.errors.JaxRuntimeError, match="something else"):
        wb.gradient(wb.Reverse, broken, X)


async def _ones():
    return jnp.ones(3, jnp.float32)


def test_a_top_level_await_in_a_reactant_cell_runs_as_in_a_plain_cell():
    """Was a raw "SyntaxError: 'await' outside function" through the workbench's frames. With no
    event loop running (a terminal IPython, this test's shell) the statements run on IPython's
    loop runner, as a plain cell's would."""
    ip = shared_shell()
    ip.user_ns.update(jnp=jnp, make_ones=_ones)
    r = run_reactant(ip, "--grad v", "v = await make_ones()\njnp.sum(jnp.sin(v))")
    np.testing.assert_allclose(r.value, 3 * np.sin(1.0), rtol=1e-6)
    np.testing.assert_allclose(r.gradients.values["v"], np.full(3, np.cos(1.0)), rtol=1e-6)


def _failing_cell(ip, body):
    from IPython.utils.capture import capture_output

    with capture_output() as out:
        r = ip.run_cell(f"%%reactant\n{body}")
    assert r.error_in_exec is not None, "the cell should fail"
    assert "Traceback" not in out.stdout + out.stderr  # the message, not the workbench's frames
    return str(r.error_in_exec)


def test_an_await_in_the_compiled_expression_is_refused_with_the_remedy():
    ip = shared_shell()
    ip.user_ns.update(jnp=jnp, make_ones=_ones)
    text = _failing_cell(ip, "jnp.sum(await make_ones())")
    assert text.startswith("%%reactant: the cell's last expression awaits (await make_ones())")
    assert "JAX traces by calling it" in text and "v = await make_ones()" in text


def test_an_await_inside_a_running_event_loop_is_refused_before_the_cell_runs():
    """A Jupyter kernel runs each cell on its asyncio loop: a cell magic, called synchronously
    from it, cannot wait for a coroutine. The cell is refused before any line runs."""
    import asyncio

    ip = shared_shell()
    ip.user_ns.update(jnp=jnp, make_ones=_ones, ran_before=False)

    async def in_a_kernel_loop():
        return _failing_cell(ip, "ran_before = True\nv = await make_ones()\njnp.sum(v)")

    text = asyncio.run(in_a_kernel_loop())
    assert text.startswith("%%reactant: line 3 awaits (await make_ones())")
    assert "Run the awaiting lines in a plain cell above (e.g. v = await make_ones())" in text
    assert ip.user_ns["ran_before"] is False
