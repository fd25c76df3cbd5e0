"""Issue 26: an out-of-memory error where the workbench runs a program and reads its result
itself (``wb.inspect``'s timed runs, ``explain_nans``, ``check_gradient``, a ``%%reactant``
cell) is ``wb.OutOfMemoryError``, naming what keeps memory in a derivative and
checkpointing. On CPU JAX may report the failure when the result is read rather than when the
program is dispatched; those reads are the workbench's own here, so its words come either way.

The programs ask for 2**60 bytes, more than any machine's address space: XLA refuses the
allocation at once (nothing is touched, nothing swaps)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import pytest
from IPython.utils.capture import capture_output
from jax import lax

import workbench as wb
from tests.ipython_shell import shared_shell
from workbench._src.notebook.tradeoff_widget import rows_data

HUGE = (2**58,)  # float32: 2**60 bytes


def huge(x):
    return jnp.broadcast_to(x, HUGE) * 2


def kept(x):
    """A scalar whose gradient must build the whole broadcast (the transpose of taking one
    element pads the cotangent to its size; a reduction instead would fail in XLA's CPU kernels
    with an INTERNAL error that does not say it lacked memory)."""
    return lax.optimization_barrier(jnp.broadcast_to(x, HUGE))[-1] * x


X = jnp.float32(1.5)


def _says_checkpointing(error: BaseException, where: str) -> None:
    text = str(error)
    assert where in text, text
    assert "Out of memory allocating" in text
    assert "checkpointing=wb.Binomial(s)" in text and "wb.inspect(" in text, text
    assert isinstance(error, RuntimeError)  # as JAX's own
    assert isinstance(error.__cause__, jax.errors.JaxRuntimeError)


@pytest.mark.parametrize(
    ("where", "call"),
    [
        ("wb.inspect", lambda: wb.inspect(huge, X, runs=1)),
        ("wb.explain_nans", lambda: wb.explain_nans(huge, X)),
        ("check_gradient", lambda: wb.check_gradient(kept, X)),
    ],
    ids=["inspect runs", "explain_nans", "check_gradient"],
)
def test_a_tool_that_reads_its_own_runs_says_out_of_memory_in_its_words(where, call):
    with pytest.raises(wb.OutOfMemoryError) as info:
        call()
    _says_checkpointing(info.value, where)


@pytest.mark.parametrize(
    ("line", "body"), [("", "huge(xo)"), ("--grad xo", "kept(xo)")], ids=["value", "--grad"]
)
def test_a_reactant_cell_that_runs_out_of_memory_fails_with_the_workbench_error(line, body):
    """The cell waits for its results (it shows them), so a failure JAX reports on reading is
    the cell's error; the input may still be computing (asynchronous dispatch)."""
    ip = shared_shell()
    slow = jax.jit(lambda a: jnp.sum(jnp.tanh(a @ a)) * 0 + 1.5)
    ip.user_ns.update(huge=huge, kept=kept, xo=slow(jnp.ones((300, 300), jnp.float32)))
    with capture_output() as out:
        r = ip.run_cell(f"%%reactant {line}\n{body}")
    assert isinstance(r.error_in_exec, wb.OutOfMemoryError), (r.error_in_exec, out.stdout)
    _says_checkpointing(r.error_in_exec, "%%reactant")
    assert "Traceback" not in out.stdout  # the message, not the workbench's frames


def test_tradeoffs_records_a_scheme_that_runs_out_of_memory_and_measures_the_rest():
    """A scheme too big to run (store-all over a long loop, typically) is the answer
    ``wb.tradeoffs`` exists to give, not a reason to lose the table: the row keeps its plan's
    theory and its compiled temp bytes and says why it has no time; the next scheme is still
    compiled and run (here it runs out of memory too: every step needs the 2**60 bytes)."""
    t = wb.tradeoffs(lambda i, c: c + 0 * kept(c), X, 3, schemes=[False, True], runs=1)
    assert [r.scheme for r in t.rows] == [False, True]
    for row in t.rows:
        assert row.seconds is None
        assert row.failure.startswith("out of memory (RESOURCE_EXHAUSTED"), row.failure
        assert "Out of memory allocating" in row.failure
        assert row.measured_temp_bytes >= 2**60  # the compiled program's own figure
    assert t.rows[0].theory_bytes == 3 * t.step_residual_bytes  # store-all tapes every step
    assert "out of memory (RESOURCE_EXHAUSTED" in repr(t)
    (first, _) = rows_data(t)
    assert first["failure"] == t.rows[0].failure and first["seconds"] is None
