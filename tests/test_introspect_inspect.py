"""``inspect``, ``code_hlo`` and ``code_xla``: stages, modes, errors and bounded text."""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import pytest
from jax.ad_checkpoint import print_saved_residuals

import workbench as wb
from workbench._src.introspect import IRText, code_hlo, code_xla, inspect
from workbench._src.introspect.stages import readable_hlo

X = jnp.arange(3.0) + 0.5
ANSI = re.compile(r"\x1b\[")


def loss(x, y):
    return jnp.sum(jnp.sin(x) * y)


def scan_loss(x):
    c, _ = jax.lax.scan(lambda c, _: (jnp.sin(c) * x, None), x, None, length=7)
    return jnp.sum(c)


@pytest.fixture(scope="module")
def reverse() -> Any:
    return inspect(loss, X, X + 1, mode=wb.Reverse, runs=2)


def test_inspect_reports_every_stage(reverse: Any) -> None:
    assert reverse.name == "loss" and reverse.mode == wb.Reverse
    assert (reverse.jaxpr.stage, reverse.stablehlo.stage, reverse.hlo.stage) == (
        "jaxpr",
        "stablehlo",
        "hlo",
    )
    assert "sin" in reverse.jaxpr.text
    assert "stablehlo.sine" in reverse.stablehlo.text
    assert reverse.hlo.text.startswith("HloModule")
    assert reverse.backward is reverse.derivative and reverse.tangent is None
    assert reverse.closed_jaxpr.jaxpr.eqns


def test_inspect_derivative_matches_the_gradient(reverse: Any) -> None:
    program = jax.make_jaxpr(lambda x, y: wb.gradient(wb.Reverse, loss, x, y))(X, X + 1)
    assert len(reverse.graph.ops) == len(program.jaxpr.eqns)
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        print_saved_residuals(loss, X, X + 1)
    printed = sorted(buf.getvalue().split("\n")[:-1])
    assert sorted(f"{r.aval} {r.source}" for r in reverse.memory.residuals) == printed
    # The backward jaxpr's inputs are exactly the residuals.
    bwd = reverse.derivative
    assert bwd is not None and bwd.stage == "backward jaxpr"
    assert bwd.text.count("#   ") == len(reverse.memory.residuals)


def test_inspect_timing_and_cost(reverse: Any) -> None:
    t = reverse.timing
    assert t.trace_s > 0 and t.lower_s > 0 and t.compile_s > 0
    assert t.runs == 2 and t.run_median_s is not None and len(t.run_times_s) == 2
    compiled = jax.jit(lambda x, y: wb.gradient(wb.Reverse, loss, x, y)).lower(X, X + 1).compile()
    expected = compiled.cost_analysis()
    assert reverse.cost.flops == expected["flops"]
    assert reverse.cost.transcendentals == expected["transcendentals"]
    assert reverse.memory.compiled is not None
    assert (
        reverse.memory.compiled.argument_bytes == compiled.memory_analysis().argument_size_in_bytes
    )


def test_inspect_notes_that_xla_counts_loop_bodies_once() -> None:
    report = inspect(scan_loss, X, mode=wb.Reverse, runs=0)
    assert report.timing.run_median_s is None and report.timing.runs == 0
    assert len(report.cost.loops) == 2
    assert any("once" in note and "length 7" in note for note in report.cost.notes)
    (loop,) = report.memory.loops
    assert loop.length == 7 and loop.nbytes == 2 * 7 * 3 * X.dtype.itemsize


def test_inspect_finds_the_backward_pass_of_a_function_that_differentiates() -> None:
    @jax.jit
    def step(w, x):
        (g,) = wb.gradient(wb.Reverse, lambda w: jnp.sum(jnp.tanh(w * x)), w)
        return w - 0.1 * g

    report = inspect(step, X, X, runs=0)
    assert report.mode is None
    assert set(report.graph.count("ops")) == {"primal", "forward", "backward"}
    assert report.memory.residuals and report.backward is not None
    assert report.backward.text.startswith("# backward pass of region main/0")


def test_inspect_without_differentiation_has_no_derivative() -> None:
    report = inspect(loss, X, X, runs=1)
    assert report.derivative is None and report.memory.residuals == ()
    assert set(report.graph.count("ops")) == {"primal"}
    assert [n.name for n in report.graph.nodes if n.kind == "argument"] == ["x", "y"]


@pytest.mark.parametrize("mode", [wb.Forward, wb.ForwardWithPrimal], ids=repr)
def test_inspect_forward_mode_gives_the_tangent_jaxpr(mode: wb.Mode) -> None:
    report = inspect(loss, X, wb.Const(X + 1), mode=mode, runs=0)
    assert report.tangent is report.derivative and report.backward is None
    assert report.derivative is not None and report.derivative.stage == "tangent jaxpr"
    tangent = jax.make_jaxpr(jax.linearize(lambda x: loss(x, X + 1), X)[1])(X)
    assert report.derivative.text.count(" = ") == len(tangent.jaxpr.eqns)
    assert "backward" not in report.graph.count("ops")
    assert [n.name for n in report.graph.nodes if n.kind == "argument"] == ["x", "y"]


@pytest.mark.parametrize("mode", [wb.Reverse, wb.ReverseWithPrimal], ids=repr)
def test_inspect_reverse_modes_keep_argument_names_through_const(mode: wb.Mode) -> None:
    report = inspect(loss, X, wb.Const(X + 1), mode=mode, runs=0)
    sources = {r.source for r in report.memory.residuals}
    assert "from the argument y" in sources
    assert [n.name for n in report.graph.nodes if n.kind == "argument"] == ["x", "y"]


def test_inspect_keeps_the_program_it_compiled_to_run() -> None:
    def f(x: Any, w: Any) -> Any:
        return jnp.sum(jnp.sin(x) * w)

    x, w = jnp.arange(3.0), jnp.full(3, 2.0)
    ins = inspect(f, x, w, runs=0)
    assert isinstance(ins.compiled, wb.Compiled)
    assert float(ins.compiled(x + 1.0, w)) == pytest.approx(float(jax.jit(f)(x + 1.0, w)))
    assert readable_hlo(ins.compiled.hlo()) == ins.hlo.text  # the program the report is about
    # With a mode, it is the derivative program: one entry per argument, None for Const.
    grad = inspect(f, x, wb.Const(w), mode=wb.Reverse, runs=0).compiled
    assert grad is not None
    dx, none = grad(x, w)
    assert none is None
    assert jnp.allclose(dx, jax.grad(f)(x, w))


def test_inspect_closes_over_const_values_that_are_not_arrays() -> None:
    report = inspect(lambda x, k: jnp.sum(jnp.sin(x) ** k), X, wb.Const(3), mode=wb.Reverse)
    assert report.memory.residuals


def test_strong_zero_backward_ops_are_tagged_backward() -> None:
    report = inspect(loss, X, X, mode=wb.set_strong_zero(wb.Reverse), runs=0)
    assert "backward" in report.graph.count("ops")


# --------------------------------------------------------------------------------------------
# Errors that name the fix

ERRORS: list[tuple[str, Callable[[], Any], type[Exception], str]] = [
    (
        "mode first",
        lambda: inspect(wb.Reverse, loss, X),  # type: ignore[arg-type]
        wb.ModeError,
        r"takes the function first.*wb\.inspect\(f, \*args, mode=Reverse\)",
    ),
    (
        "not callable",
        lambda: inspect("loss", X),  # type: ignore[arg-type]
        TypeError,
        r"needs a function first.*received a str \('loss'\).*wb\.inspect\(f, \*args\)",
    ),
    (
        "bad mode",
        lambda: inspect(loss, X, X, mode="reverse"),  # type: ignore[arg-type]
        wb.ModeError,
        r"mode=\) takes wb\.Forward.*received a str \('reverse'\)",
    ),
    (
        "mode as argument",
        lambda: inspect(loss, X, wb.Reverse),
        wb.ModeError,
        r"argument 2 is the mode Reverse; pass it as a keyword",
    ),
    (
        "activity without mode",
        lambda: inspect(loss, X, wb.Const(X)),
        wb.ActivityError,
        r"argument 2 is Const\(.*without mode= .*pass mode=wb\.Reverse",
    ),
    (
        "shadow with mode",
        lambda: inspect(loss, wb.Duplicated(X, X), X, mode=wb.Reverse),
        wb.ActivityError,
        r"argument 1 is Duplicated\(.*wrap the arguments not to differentiate in Const",
    ),
    (
        "negative runs",
        lambda: inspect(loss, X, X, runs=-1),
        ValueError,
        r"runs=\) takes a count of runs.*received a Python int \(-1\).*runs=0",
    ),
    (
        "non-scalar output in reverse mode",
        lambda: inspect(lambda x: x * 2, X, mode=wb.Reverse),
        wb.OutputError,
        r"shape \(3,\)",
    ),
    (
        "code_hlo with a mode first",
        lambda: code_hlo(wb.Forward, loss),  # type: ignore[arg-type]
        wb.ModeError,
        r"wb\.code_hlo\(f, \*args, mode=Forward\)",
    ),
    (
        "code_xla without a function",
        lambda: code_xla(X, X),  # type: ignore[arg-type]
        TypeError,
        r"code_xla needs a function first.*float(32|64)\[3\]",
    ),
]


@pytest.mark.parametrize(("name", "call", "error", "match"), ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_say_what_was_received_and_what_to_do(
    name: str, call: Callable[[], Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        call()


# --------------------------------------------------------------------------------------------
# code_hlo / code_xla and text


def test_code_hlo_and_code_xla_give_each_stage() -> None:
    plain = code_hlo(loss, X, X, optimize=False)
    optimized = code_hlo(loss, X, X)
    xla = code_xla(loss, X, X)
    assert plain.stage == "stablehlo" and "stablehlo.sine" in plain.text
    assert plain.text.lstrip().startswith("module @jit_loss")
    assert optimized.stage == "optimized stablehlo" and "func.func" in optimized.text
    assert "fusion" in optimized.text  # XLA's passes ran
    assert xla.stage == "hlo" and xla.text.startswith("HloModule jit_loss")
    assert repr(plain) == str(plain) == plain.text.rstrip("\n")


def test_text_is_free_of_colour_codes() -> None:
    # IPython shows a jaxpr through _repr_pretty_, which asks for colour codes.
    assert ANSI.search(jax.make_jaxpr(jnp.sin)(1.0).pretty_print(use_color=True))
    before = jax.config.jax_pprint_use_color
    jax.config.update("jax_pprint_use_color", True)
    try:
        report = inspect(loss, X, X, mode=wb.Reverse, runs=0)
    finally:
        jax.config.update("jax_pprint_use_color", before)
    for ir in (report.jaxpr, report.stablehlo, report.hlo, report.derivative):
        assert ir is not None and not ANSI.search(ir.text)
    assert not ANSI.search(repr(report)) and not ANSI.search(report.to_text())


def chain(x):
    for _ in range(400):
        x = jnp.sin(x)
    return jnp.sum(x)


def test_long_programs_are_cut_with_a_count_of_the_rest() -> None:
    report = inspect(chain, X, mode=wb.Reverse, runs=0)
    assert len(report.graph.ops) > 1200
    for ir in (report.jaxpr, report.stablehlo, report.hlo, report.derivative):
        assert ir is not None
        shown = repr(ir)
        assert shown.count("\n") <= ir.max_lines
        assert re.search(r"\.\.\. \d+ more lines not shown \(\d+ in all\)$", shown)
        assert ir.line_count > ir.max_lines and len(ir.to_text(None)) >= len(ir.text) - 1
    text = repr(report)
    assert len(text.splitlines()) < 400 and "more residuals not shown" in text
    assert "more nodes not shown" in report.graph.to_text()
    assert len(repr(report.graph).splitlines()) == 1


def test_ir_text_cuts_long_lines() -> None:
    ir = IRText("jaxpr", "x" * 1000, max_lines=3)
    assert repr(ir).endswith("(700 more characters)")
    assert ir.line_count == 1


def test_optimized_hlo_text_drops_the_stack_frame_tables() -> None:
    report = inspect(loss, X, X, runs=0)
    assert "FileNames" not in report.hlo.text and "StackFrames" not in report.hlo.text
    assert "HloModule" in report.hlo.text and "ENTRY" in report.hlo.text
    assert "FileNames" not in wb.code_xla(loss, X, X).text
