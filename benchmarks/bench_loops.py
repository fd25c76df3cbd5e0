"""Checkpointed loops: memory and time of each scheme, program size, and Equinox as a peer.

Workload (the issue's): N = 10,000 steps of a 1000-wide float32 state, body ``sin(y) * x +
0.5 y``, gradient of the sum of the final state with respect to the initial state and ``x``.

1. Temp bytes (XLA's memory analysis of the compiled gradient) and wall time for store-all,
   ``True`` (periodic, sqrt N), ``Binomial(10)`` and ``Binomial(100)``, with the plan's
   evaluations beside them.
2. Optimized-HLO size of the ``Binomial(10)`` gradient at N = 100 and N = 10,000 (target: ratio at
   most 1.1: the program does not grow with N).
3. Against Equinox's checkpointed scan (``equinox.internal.scan(kind="checkpointed")``) with the
   same number of checkpoints: body evaluations, counted by a host callback at N = 1,000, and the
   wall-time ratio at N = 10,000 (targets: fewer evaluations, time ratio at most 1.0).
4. Forward mode and second order through ``Binomial(10)`` at N = 10,000: ``jax.jvp`` against
   the JVP of the plain ``lax.scan``; a Hessian-vector product (forward over reverse) against
   the gradient (targets: temp at most 4 MB, time at most 4x the gradient's), beside the same
   product through the plain scan and through Equinox's checkpointed scan; and ``jax.hessian``
   of a float32[8] state against ``jax.hessian`` of the plain scan.

    .venv/bin/python benchmarks/bench_loops.py [--quick] [--results PATH]
"""

from __future__ import annotations

import functools
import sys

import jax
import jax.numpy as jnp
import numpy as np
from _report import (
    RATIO_HEADERS,
    RATIO_NOTE,
    Table,
    compare,
    format_time,
    ratio_row,
    run_main,
)

import workbench as wb

TITLE = "Checkpointed loops: memory, time, program size, and Equinox"


def body(x):
    return lambda i, y: jnp.sin(y) * x + 0.5 * y


def gradient(n, scheme):
    def loss(y0, x):
        return jnp.sum(wb.fori_loop(0, n, body(x), y0, checkpointing=scheme))

    return jax.jit(jax.grad(loss, argnums=(0, 1)))


def equinox_gradient(n, checkpoints, counter=None):
    import equinox.internal as eqxi

    def loss(y0, x):
        def step(y, _):
            if counter is not None:
                jax.debug.callback(counter, ordered=False)
            return body(x)(0, y), None

        y, _ = eqxi.scan(step, y0, None, length=n, kind="checkpointed", checkpoints=checkpoints)
        return jnp.sum(y)

    return jax.jit(jax.grad(loss, argnums=(0, 1)))


def scan_loss(y0, x, n):
    return jnp.sum(jax.lax.scan(lambda y, i: (body(x)(i, y), None), y0, jnp.arange(n))[0])


def workbench_loss(y0, x, n, scheme):
    return jnp.sum(wb.fori_loop(0, n, body(x), y0, checkpointing=scheme))


def equinox_loss(y0, x, n, checkpoints):
    import equinox.internal as eqxi

    y, _ = eqxi.scan(
        lambda y, _: (body(x)(0, y), None),
        y0,
        None,
        length=n,
        kind="checkpointed",
        checkpoints=checkpoints,
    )
    return jnp.sum(y)


def hvp(loss):
    """Forward over reverse: the derivative of the gradient along (v, v)."""
    grad = jax.grad(loss, argnums=(0, 1))
    return jax.jit(lambda y0, x, v: jax.jvp(grad, (y0, x), (v, v))[1])


def jvp(loss):
    return jax.jit(lambda y0, x, v: jax.jvp(loss, (y0, x), (v, v))[1])


def assert_close(actual, expected, rtol, atol):
    jax.tree.map(
        lambda a, b: np.testing.assert_allclose(a, b, rtol=rtol, atol=atol), actual, expected
    )


def time_pair(a, b, args, repeats, labels=("ours", "jax")):
    """Times ``a(*args)`` against ``b(*args)``: one call a repeat, after one warm-up call (each
    call is a whole loop's gradient, long enough to time alone)."""
    return compare(
        functools.partial(a, *args),
        functools.partial(b, *args),
        labels=labels,
        repeats=repeats,
        calls_per_repeat=1,
        warmup=1,
    )


def second_order(n: int, width: int, snaps: int, repeats: int) -> Table:
    table = Table(
        title=f"Forward mode and second order through Binomial({snaps}), N = {n:,}",
        headers=["case", "ours", "peer", "temp bytes: ours", "temp bytes: peer",
                 "time: ours", "time: peer", "time ratio ours/peer (of medians)", "target"],
    )  # fmt: skip
    y0, x = inputs(width)
    v = jnp.ones_like(x)
    scheme = wb.Binomial(snaps)
    ours_loss = functools.partial(workbench_loss, n=n, scheme=scheme)
    plain_loss = functools.partial(scan_loss, n=n)

    def row(case, ours, peer, labels, args, target=""):
        ours_c, peer_c = ours.lower(*args).compile(), peer.lower(*args).compile()
        if not case.endswith("against the gradient"):  # else different outputs: no comparison
            assert_close(ours_c(*args), peer_c(*args), rtol=5e-3, atol=1e-3)
        c = time_pair(ours_c, peer_c, args, repeats, labels)
        table.rows.append([
            case, labels[0], labels[1],
            f"{ours_c.memory_analysis().temp_size_in_bytes:,}",
            f"{peer_c.memory_analysis().temp_size_in_bytes:,}",
            format_time(c.median_a), format_time(c.median_b),
            f"**{c.median_a / c.median_b:.3f}**", target,
        ])  # fmt: skip

    row("forward mode (jax.jvp)", jvp(ours_loss), jvp(plain_loss),
        ("wb Binomial jvp", "lax.scan jvp"), (y0, x, v))  # fmt: skip
    grad = gradient(n, scheme)
    row("Hessian-vector product against the gradient", hvp(ours_loss),
        jax.jit(lambda y0, x, v: grad(y0, x)), ("wb Binomial HVP", "wb Binomial gradient"),
        (y0, x, v), "time <= 4x")  # fmt: skip
    row("Hessian-vector product", hvp(ours_loss), hvp(plain_loss),
        ("wb Binomial HVP", "lax.scan HVP"), (y0, x, v), "temp <= 4 MB")  # fmt: skip
    try:
        import equinox  # noqa: F401

        eqx_loss = functools.partial(equinox_loss, n=n, checkpoints=snaps)
        row("Hessian-vector product", hvp(ours_loss), hvp(eqx_loss),
            ("wb Binomial HVP", f"equinox checkpoints={snaps} HVP"), (y0, x, v))  # fmt: skip
    except ImportError:
        table.notes.append("Equinox is not installed: its row was skipped.")
    except Exception as e:  # Equinox's loop may not support forward over reverse
        table.notes.append(f"Equinox's checkpointed scan: HVP failed ({type(e).__name__}).")
    small = inputs(8)
    hess = lambda loss: jax.jit(jax.hessian(loss, argnums=1))
    row("jax.hessian, float32[8] state", hess(ours_loss), hess(plain_loss),
        ("wb Binomial hessian", "lax.scan hessian"), small)  # fmt: skip
    table.notes.append(
        "Each pair compiled once, checked against each other, then timed in one run (median of "
        "single calls, alternating). Temp bytes from XLA's memory analysis of each program."
    )
    return table


def workbench_counted_gradient(n, scheme, counter):
    def loss(y0, x):
        def step(i, y):
            jax.debug.callback(counter, ordered=False)
            return body(x)(i, y)

        return jnp.sum(wb.fori_loop(0, n, step, y0, checkpointing=scheme))

    return jax.jit(jax.grad(loss, argnums=(0, 1)))


def inputs(width):
    y0 = jnp.linspace(-1.0, 1.0, width, dtype=jnp.float32)
    x = jnp.linspace(0.1, 0.9, width, dtype=jnp.float32)
    return y0, x


def count(fn, args):
    seen = []
    fn_counted = fn(lambda: seen.append(1))
    jax.block_until_ready(fn_counted(*args))
    jax.effects_barrier()
    return len(seen)


def run(quick: bool = False) -> list[Table]:
    n, width, count_n = (200, 64, 100) if quick else (10_000, 1000, 1000)
    repeats = 3 if quick else 7
    args = inputs(width)
    small_snaps, large_snaps = (4, 20) if quick else (10, 100)
    schemes = [False, True, wb.Binomial(small_snaps), wb.Binomial(large_snaps)]
    reference = gradient(n, False)(*args)

    memory = Table(
        title=f"Memory and time of the gradient, N = {n:,}, float32[{width}] state",
        headers=[
            "scheme",
            "snapshots",
            "evaluations (plan)",
            "temp bytes (XLA)",
            "temp / store-all",
            "median time",
            "time / store-all",
        ],
    )
    times, temps = {}, {}
    for scheme in schemes:
        compiled = gradient(n, scheme).lower(*args).compile()
        assert_close(compiled(*args), reference, rtol=2e-4, atol=1e-5)
        temps[scheme] = compiled.memory_analysis().temp_size_in_bytes
        c = time_pair(compiled, compiled, args, repeats)
        times[scheme] = c.median_a
    for scheme in schemes:
        plan = wb.checkpoint_schedule(n, scheme)
        memory.rows.append(
            [
                repr(scheme),
                str(plan.snapshots),
                f"{plan.evaluations:,}",
                f"{temps[scheme]:,}",
                f"{temps[scheme] / temps[False]:.3f}",
                format_time(times[scheme]),
                f"{times[scheme] / times[False]:.2f}",
            ]
        )
    memory.notes.append(
        "Gradient of sum(final state) with respect to the initial state and x; each compiled "
        "once, checked against store-all, then timed (median of single calls). Temp bytes are "
        "what the compiled program keeps besides its arguments and outputs (on CPU XLA's peak "
        "counts only those)."
    )

    def hlo_size(steps):
        return len(gradient(steps, wb.Binomial(small_snaps)).lower(*args).compile().as_text())

    sizes = {steps: hlo_size(steps) for steps in (100, n)}
    size = Table(
        title=f"Program size of the Binomial({small_snaps}) gradient",
        headers=["N", "optimized HLO (characters)", "ratio to N = 100", "target"],
        rows=[
            [f"{steps:,}", f"{chars:,}", f"{chars / sizes[100]:.3f}", "<= 1.10"]
            for steps, chars in sizes.items()
        ],
    )

    tables = [memory, size, second_order(n, width, small_snaps, repeats)]
    try:
        import equinox  # noqa: F401
    except ImportError:
        size.notes.append("Equinox is not installed: the peer comparison was skipped.")
        return tables

    peer = Table(
        title=f"Against Equinox's checkpointed scan (same checkpoints; evaluations at "
        f"N = {count_n:,})",
        headers=[
            "checkpoints",
            "evaluations: workbench Binomial",
            "evaluations: Equinox",
            "Revolve optimum (advances + taped)",
            "fewer",
        ],
    )
    for snaps in (small_snaps, large_snaps):
        ours = count(
            lambda c, s=snaps: workbench_counted_gradient(count_n, wb.Binomial(s), c), inputs(8)
        )
        theirs = count(lambda c, s=snaps: equinox_gradient(count_n, s, c), inputs(8))
        plan = wb.checkpoint_schedule(count_n, wb.Binomial(snaps))
        peer.rows.append(
            [
                str(snaps),
                f"{ours:,}",
                f"{theirs:,}",
                f"{plan.advances:,} + {plan.taped:,} = {plan.evaluations:,}",
                "yes" if ours < theirs else "no",
            ]
        )
    peer.notes.append(
        "Body evaluations counted by a host callback in the body, forward and "
        "backward passes together."
    )

    timing = Table(
        title=f"Wall time against Equinox, N = {n:,}, float32[{width}]",
        headers=[
            h.replace("raw JAX", "Equinox").replace("/JAX", "/Equinox") for h in RATIO_HEADERS
        ],
    )
    for snaps in (small_snaps, large_snaps):
        ours = gradient(n, wb.Binomial(snaps))
        theirs = equinox_gradient(n, snaps)
        assert_close(ours(*args), theirs(*args), rtol=2e-4, atol=1e-5)
        labels = (f"wb Binomial({snaps})", f"equinox checkpoints={snaps}")
        c = time_pair(ours, theirs, args, repeats, labels)
        timing.rows.append(ratio_row(f"{snaps} checkpoints", c, 1.0))
    timing.notes.append(
        RATIO_NOTE.replace("raw JAX", "Equinox").replace(
            "The control row times raw JAX against a second, separately jitted copy of itself: its "
            "distance from 1 is the noise floor of this run. ",
            "",
        )
    )
    return [*tables, peer, timing]


def main(argv: list[str] | None = None) -> int:
    return run_main(__doc__, TITLE, run, argv)


if __name__ == "__main__":
    sys.exit(main())
