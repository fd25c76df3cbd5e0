"""Checkpointed loops under every transformation: a matrix of loop x transformation x dtype.

Each loop (``wb.fori_loop`` / ``wb.while_loop`` with each scheme) is differentiated by the
workbench's four modes and by JAX's own transformations, first and second order, and each cell
is compared with the same transformation of an independent oracle: the same body on a plain
``lax.scan`` (``fori_loop``), or on a ``lax.scan`` masked by the condition (``while_loop``; the
masked form also gives each member of a ``vmap`` its own trip count). The carry mixes an int
counter and floats, and the body reads values of the enclosing function.

All transformations of one loop are compiled together (one ``jax.jit``), which keeps the matrix
affordable; a failure names every cell that disagrees.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

import workbench as wb
from tests.tolerances import tol

N = 5  # trip count of the fori loops
WHILE_BOUND = 12  # the masked oracle's length: more than any while loop here runs

# float64 cells run where JAX's 64-bit mode is on (JAX_ENABLE_X64=1; tests/conftest.py); CI's
# newest-JAX run (64-bit on) runs the float64 twin of each cell, its floor run the float32 one.
DTYPES = [
    pytest.param(jnp.float32, marks=pytest.mark.float32_twin),
    pytest.param(jnp.float64, marks=pytest.mark.float64),
]


def body(i: Any, carry: Any, w: Any) -> Any:
    """A step that reads the index, an enclosing value ``w``, an int counter and two floats."""
    y, k, z = carry
    y = jnp.sin(y) * w + 0.1 * z * jnp.asarray(i, y.dtype)
    return y, k + 1, z * 0.9 + 0.01 * jnp.sum(y)


def unpack(x: Any) -> tuple[Any, Any]:
    w, y0 = x[:3], x[3:]
    return w, (y0, jnp.int32(0), x[0])


def keep_going(carry: Any, limit: Any) -> Any:
    y, k, z = carry
    return jnp.sum(y * y) + z * k < limit


@dataclasses.dataclass(frozen=True)
class Case:
    """A loop to differentiate: ``final(x)`` is its final carry; ``oracle(x)`` the same carry
    computed with plain ``lax`` (never the workbench)."""

    name: str
    final: Callable[[Any], Any]
    oracle: Callable[[Any], Any]


def fori_case(scheme: Any, mincut: bool = False, traced_bounds: bool = False) -> Case:
    def final(x: Any) -> Any:
        w, init = unpack(x)
        upper: Any = N
        if traced_bounds:  # known only when the program runs (a value derived from x)
            upper = (x[0] > -100.0).astype(jnp.int32) * N
        return wb.fori_loop(
            0, upper, lambda i, c: body(i, c, w), init, checkpointing=scheme, mincut=mincut
        )

    def oracle(x: Any) -> Any:
        w, init = unpack(x)
        return lax.scan(lambda c, i: (body(i, c, w), None), init, jnp.arange(N))[0]

    name = f"fori {scheme!r}" + (" mincut" if mincut else "") + (" traced" if traced_bounds else "")
    return Case(name, final, oracle)


def while_case(scheme: Any, max_steps: int | None, limit: float = 3.0) -> Case:
    def final(x: Any) -> Any:
        w, init = unpack(x)
        lim = limit + 0.0 * x[0]  # the condition reads an enclosing (traced) value
        return wb.while_loop(
            lambda c: keep_going(c, lim),
            lambda c: body(c[1], c, w),
            init,
            checkpointing=scheme,
            max_steps=max_steps,
        )

    def oracle(x: Any) -> Any:
        w, init = unpack(x)
        bound = WHILE_BOUND if max_steps is None else max_steps

        def step(state: Any, i: Any) -> Any:
            carry, running = state
            running = running & keep_going(carry, limit)
            new = body(carry[1], carry, w)
            return (jax.tree.map(lambda a, b: jnp.where(running, a, b), new, carry), running), None

        return lax.scan(step, (init, jnp.bool_(True)), jnp.arange(bound))[0][0]

    return Case(f"while {scheme!r} max_steps={max_steps} limit={limit}", final, oracle)


CASES = [
    fori_case(False),
    fori_case(False, mincut=True),
    fori_case(True),
    fori_case(wb.Periodic(2)),
    fori_case(wb.Periodic(2), mincut=True),
    fori_case(wb.Binomial(1)),
    fori_case(wb.Binomial(2)),
    fori_case(wb.MemoryBudget(2 * 5 * 8)),
    fori_case(wb.Binomial(2), traced_bounds=True),
    while_case(False, max_steps=WHILE_BOUND),
    while_case(True, max_steps=WHILE_BOUND),
    while_case(wb.Binomial(2), max_steps=None),
    while_case(wb.Binomial(2), max_steps=WHILE_BOUND),
    while_case(wb.Binomial(3), max_steps=3, limit=1e9),  # never ends: max_steps stops it
    while_case(wb.MemoryBudget(3 * 5 * 8), max_steps=None),
]


def scalar(final: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def f(x: Any) -> Any:
        y, k, z = final(x)
        return jnp.sum(y * y) + z + k.astype(y.dtype)

    return f


def vector(final: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda x: final(x)[0]


# Each transformation: (ours, oracle), each taking (scalar f, vector f, x, v).
Transform = Callable[[Callable[[Any], Any], Callable[[Any], Any], Any, Any], Any]


def same(t: Transform) -> tuple[Transform, Transform]:
    return t, t


TRANSFORMS: dict[str, tuple[Transform, Transform]] = {
    "wb.Forward": (
        lambda f, g, x, v: wb.gradient(wb.Forward, f, x)[0],
        lambda f, g, x, v: jax.jacfwd(f)(x),
    ),
    "wb.ForwardWithPrimal": (
        lambda f, g, x, v: wb.autodiff(wb.ForwardWithPrimal, g, wb.Duplicated(x, v)),
        lambda f, g, x, v: jax.jvp(g, (x,), (v,))[::-1],
    ),
    "wb.Reverse": (
        lambda f, g, x, v: wb.gradient(wb.Reverse, f, x)[0],
        lambda f, g, x, v: jax.grad(f)(x),
    ),
    "wb.ReverseWithPrimal": (
        lambda f, g, x, v: (lambda r: (r.val, r.derivs[0]))(
            wb.gradient(wb.ReverseWithPrimal, f, x)
        ),
        lambda f, g, x, v: jax.value_and_grad(f)(x),
    ),
    "jax.jvp": same(lambda f, g, x, v: jax.jvp(g, (x,), (v,))),
    "jax.linearize": same(lambda f, g, x, v: jax.linearize(g, x)[1](v)),
    "jax.grad": same(lambda f, g, x, v: jax.grad(f)(x)),
    "jax.jacfwd": same(lambda f, g, x, v: jax.jacfwd(g)(x)),
    "jax.jacrev": same(lambda f, g, x, v: jax.jacrev(g)(x)),
    "jax.vmap(jax.grad)": same(lambda f, g, x, v: jax.vmap(jax.grad(f))(jnp.stack([x, 0.8 * x]))),
    "jax.hessian": same(lambda f, g, x, v: jax.hessian(f)(x)),
    "forward over reverse (HVP)": same(lambda f, g, x, v: jax.jvp(jax.grad(f), (x,), (v,))[1]),
    "reverse over forward": same(
        lambda f, g, x, v: jax.grad(lambda x: jax.jvp(f, (x,), (v,))[1])(x)
    ),
    "reverse over reverse": same(
        lambda f, g, x, v: jax.grad(lambda x: jnp.vdot(jax.grad(f)(x), v))(x)
    ),
}

SECOND_ORDER = (
    "jax.hessian",
    "forward over reverse (HVP)",
    "reverse over forward",
    "reverse over reverse",
)


def point(dtype: Any) -> tuple[Any, Any]:
    x = jnp.asarray([0.9, 0.7, 1.1, 0.3, -0.5, 0.8], dtype)
    v = jnp.asarray([0.3, -1.0, 0.5, 1.0, 0.2, -0.4], dtype)
    return x, v


def mismatches(ours: dict[str, Any], expected: dict[str, Any], dtype: Any) -> list[str]:
    rtol, atol = tol(dtype)
    bad = []
    for name in expected:
        loose = 50 if name in SECOND_ORDER else 5  # second order chains more roundings
        for a, e in zip(jax.tree.leaves(ours[name]), jax.tree.leaves(expected[name]), strict=True):
            a, e = np.asarray(a), np.asarray(e)
            if a.shape != e.shape or not np.allclose(a, e, rtol=loose * rtol, atol=loose * atol):
                err = np.max(np.abs(a - e)) if a.shape == e.shape else f"shape {a.shape}"
                bad.append(f"{name}: max |ours - oracle| = {err}")
                break
    return bad


def run_matrix(case: Case, dtype: Any, transforms: dict[str, tuple[Transform, Transform]]) -> None:
    x, v = point(dtype)
    f, g = scalar(case.final), vector(case.final)
    fo, go = scalar(case.oracle), vector(case.oracle)
    ours = jax.jit(lambda x, v: {n: t[0](f, g, x, v) for n, t in transforms.items()})(x, v)
    expected = jax.jit(lambda x, v: {n: t[1](fo, go, x, v) for n, t in transforms.items()})(x, v)
    bad = mismatches(ours, expected, dtype)
    assert not bad, f"{case.name}, {jnp.dtype(dtype).name}: " + "; ".join(bad)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_every_transformation_equals_the_plain_loop(case: Case, dtype: Any) -> None:
    run_matrix(case, dtype, TRANSFORMS)


def test_primal_values_equal_the_plain_loop() -> None:
    x, _ = point(jnp.float32)
    for case in CASES:
        ours, expected = case.final(x), case.oracle(x)
        for a, e in zip(jax.tree.leaves(ours), jax.tree.leaves(expected), strict=True):
            np.testing.assert_allclose(a, e, rtol=1e-6, err_msg=case.name)
            assert jnp.asarray(a).dtype == jnp.asarray(e).dtype, case.name


# ---------------------------------------------------------------------------------------------
# Nesting: checkpointed in checkpointed, inside lax.scan and jax.checkpoint


NESTED_TRANSFORMS = {
    k: TRANSFORMS[k]
    for k in (
        "wb.Forward",
        "wb.Reverse",
        "jax.jvp",
        "jax.vmap(jax.grad)",
        "jax.hessian",
        "reverse over forward",
        "reverse over reverse",
    )
}


def inner_while(x: Any, i: Any) -> Any:
    """A while loop whose carry starts with a Python int, and whose condition reads a value of
    the enclosing body (``lim = i + 2``)."""
    lim = i + 2
    return wb.while_loop(
        lambda c: c[0] < lim,
        lambda c: (c[0] + 1, jnp.sin(c[1]) * x),
        (0, x),
        checkpointing=wb.Binomial(2),
    )[1]


def inner_while_oracle(x: Any, i: Any) -> Any:
    """``i + 2`` steps of the same body, as a scan of a fixed length masked by ``j < i + 2``
    (plain JAX cannot reverse a loop of a traced length)."""
    return lax.fori_loop(0, 6, lambda j, y: jnp.where(j < i + 2, jnp.sin(y) * x, y), x)


def nested_cases() -> list[Case]:
    def as_final(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
        return lambda x: (fn(x), jnp.int32(0), x[0])

    b2, b3 = wb.Binomial(2), wb.Binomial(3)
    cases = {
        "Binomial fori in Binomial fori": (
            lambda x: wb.fori_loop(
                0,
                3,
                lambda i, y: wb.fori_loop(
                    0, 4, lambda j, z: jnp.sin(z) * x + 0.1 * j, y, checkpointing=b2
                ),
                x,
                checkpointing=b3,
            ),
            lambda x: lax.fori_loop(
                0, 3, lambda i, y: lax.fori_loop(0, 4, lambda j, z: jnp.sin(z) * x + 0.1 * j, y), x
            ),
        ),
        "Binomial while in Binomial fori": (
            lambda x: wb.fori_loop(0, 3, lambda i, y: y + inner_while(x, i), x, checkpointing=b2),
            lambda x: lax.fori_loop(0, 3, lambda i, y: y + inner_while_oracle(x, i), x),
        ),
        "Binomial while in lax.scan": (
            lambda x: lax.scan(lambda y, i: (y + inner_while(x, i), None), x, jnp.arange(3))[0],
            lambda x: lax.scan(lambda y, i: (y + inner_while_oracle(x, i), None), x, jnp.arange(3))[
                0
            ],
        ),
        "Binomial fori in jax.checkpoint": (
            jax.checkpoint(
                lambda x: wb.fori_loop(0, 4, lambda i, y: jnp.sin(y) * x, x, checkpointing=b2)
            ),
            lambda x: lax.fori_loop(0, 4, lambda i, y: jnp.sin(y) * x, x),
        ),
        "Binomial while in jax.checkpoint in lax.scan": (
            lambda x: lax.scan(
                lambda y, i: (y + jax.checkpoint(inner_while)(x, i), None), x, jnp.arange(3)
            )[0],
            lambda x: lax.scan(lambda y, i: (y + inner_while_oracle(x, i), None), x, jnp.arange(3))[
                0
            ],
        ),
        "Periodic fori in Binomial while": (
            lambda x: wb.while_loop(
                lambda y: jnp.sum(y) < 3.0,
                lambda y: wb.fori_loop(
                    0, 3, lambda i, z: z * 1.1 + 0.01 * x, y, checkpointing=wb.Periodic(2)
                ),
                x,
                checkpointing=b2,
            ),
            None,
        ),
    }
    out = []
    for name, (ours, oracle) in cases.items():
        if oracle is None:  # the while's trip count, found by running it plainly
            oracle = _periodic_in_while_oracle
        out.append(Case(name, as_final(ours), as_final(oracle)))
    return out


def _periodic_in_while_oracle(x: Any) -> Any:
    def step(state: Any, _: Any) -> Any:
        y, running = state
        running = running & (jnp.sum(y) < 3.0)
        new = lax.fori_loop(0, 3, lambda i, z: z * 1.1 + 0.01 * x, y)
        return (jnp.where(running, new, y), running), None

    return lax.scan(step, (x, jnp.bool_(True)), None, length=WHILE_BOUND)[0][0]


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("case", nested_cases(), ids=lambda c: c.name)
def test_nested_loops_under_every_transformation(case: Case, dtype: Any) -> None:
    run_matrix(case, dtype, NESTED_TRANSFORMS)


# ---------------------------------------------------------------------------------------------
# Zero-trip loops


ZERO_TRIP = [
    Case(
        "fori 0 steps, Binomial",
        lambda x: (
            wb.fori_loop(3, 3, lambda i, y: y * x, x, checkpointing=wb.Binomial(2)),
            jnp.int32(0),
            x[0],
        ),
        lambda x: (x, jnp.int32(0), x[0]),
    ),
    Case(
        "fori traced bounds, 0 steps",
        lambda x: (
            wb.fori_loop(
                0,
                (x[0] > 100).astype(jnp.int32),
                lambda i, y: y * x,
                x,
                checkpointing=wb.Binomial(2),
            ),
            jnp.int32(0),
            x[0],
        ),
        lambda x: (x, jnp.int32(0), x[0]),
    ),
    Case(
        "while false at once, Binomial",
        lambda x: (
            wb.while_loop(
                lambda y: jnp.sum(y) > 100.0, lambda y: y * x, x, checkpointing=wb.Binomial(2)
            ),
            jnp.int32(0),
            x[0],
        ),
        lambda x: (x, jnp.int32(0), x[0]),
    ),
]


@pytest.mark.parametrize("case", ZERO_TRIP, ids=lambda c: c.name)
def test_zero_trip_loops(case: Case) -> None:
    run_matrix(case, jnp.float32, NESTED_TRANSFORMS)


# ---------------------------------------------------------------------------------------------
# The cases of issue 13, one by one


@pytest.mark.parametrize(
    "mode", [wb.Forward, wb.ForwardWithPrimal, wb.Reverse, wb.ReverseWithPrimal], ids=repr
)
def test_max_steps_holds_in_every_mode(mode: Any) -> None:
    """The issue's example: forward mode used to drop max_steps (10485760 instead of 32)."""
    f = lambda x: wb.while_loop(lambda y: y < 1e6, lambda y: y * x, x, max_steps=3)
    x = jnp.float32(2.0)
    assert f(x) == 16.0
    if mode.is_forward:
        out = wb.autodiff(mode, f, wb.Duplicated(x, jnp.float32(1.0)))
        assert out[0] == 32.0 and (not mode.with_primal or out[1] == 16.0)
    else:
        out = wb.gradient(mode, f, x)
        derivs = out.derivs if mode.with_primal else out
        assert derivs[0] == 32.0


def run_with_deadline(fn: Callable[[], Any], seconds: float) -> Any:
    """Runs ``fn`` in a daemon thread; fails (instead of hanging the suite) if it overruns."""
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = fn()
        except BaseException as e:  # reported in the test's thread
            result["error"] = e

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"did not finish within {seconds} s"
    if "error" in result:
        raise result["error"]
    return result["value"]


@pytest.mark.parametrize("scheme", [False, wb.Binomial(3), True], ids=repr)
def test_a_condition_that_never_ends_stops_at_max_steps_in_every_mode(scheme: Any) -> None:
    f = lambda x: wb.while_loop(
        lambda y: y > -1.0, lambda y: y * x, x, checkpointing=scheme, max_steps=50
    )
    x = jnp.float32(1.01)
    first, second = 51 * x**50, 51 * 50 * x**49  # f(x) = x**51
    calls = {
        "Forward": (lambda: wb.gradient(wb.Forward, f, x)[0], first),
        "Reverse": (lambda: wb.gradient(wb.Reverse, f, x)[0], first),
        "jax.jvp": (lambda: jax.jvp(f, (x,), (jnp.float32(1.0),))[1], first),
        "jax.hessian": (lambda: jax.hessian(f)(x), second),
    }
    for name, (call, expected) in calls.items():
        got = run_with_deadline(call, 120)
        np.testing.assert_allclose(got, expected, rtol=1e-4, err_msg=name)


def checkpointed(x: Any) -> Any:
    return jnp.sum(
        wb.fori_loop(0, 40, lambda i, y: jnp.sin(y) * x, x, checkpointing=wb.Binomial(4))
    )


def plain(x: Any) -> Any:
    return jnp.sum(lax.fori_loop(0, 40, lambda i, y: jnp.sin(y) * x, x))


MODE_CALLS: dict[str, Callable[[Callable[[Any], Any], Any], Any]] = {
    "Forward": lambda f, x: wb.gradient(wb.Forward, f, x)[0],
    "Reverse": lambda f, x: wb.gradient(wb.Reverse, f, x)[0],
    "jax.jvp": lambda f, x: jax.jvp(f, (x,), (jnp.ones_like(x),))[1],
    "jax.grad": lambda f, x: jax.grad(f)(x),
    "jax.hessian": lambda f, x: jax.hessian(f)(x),
}


@pytest.mark.parametrize(
    "order",
    [
        ("Forward", "Reverse", "jax.hessian", "jax.jvp"),
        ("Reverse", "Forward", "jax.grad", "jax.hessian"),
        ("jax.hessian", "jax.jvp", "Reverse", "Forward"),
    ],
    ids=" then ".join,
)
def test_one_jitted_function_serves_every_mode_in_any_order(order: tuple[str, ...]) -> None:
    f = wb.jit(checkpointed)
    x = jnp.linspace(0.2, 0.9, 3)
    for name in order:
        np.testing.assert_allclose(
            MODE_CALLS[name](f, x), MODE_CALLS[name](plain, x), rtol=1e-5, err_msg=name
        )


def test_what_reverse_mode_keeps_does_not_depend_on_what_ran_before() -> None:
    """Issue 13: after a forward-mode call of the same wb.jit function, reverse mode had run
    store-all (temp bytes 65 KB -> 16 MB)."""
    f = wb.jit(
        lambda x: jnp.sum(
            wb.fori_loop(0, 2000, lambda i, y: jnp.sin(y) * x, x, checkpointing=wb.Binomial(4))
        )
    )
    x = jnp.linspace(0.2, 0.9, 256, dtype=jnp.float32)

    def temp() -> int:
        grad = jax.jit(lambda x: wb.gradient(wb.Reverse, f, x)[0])
        return grad.lower(x).compile().memory_analysis().temp_size_in_bytes

    before = temp()
    wb.gradient(wb.Forward, f, x)
    jax.jvp(f, (x,), (x,))
    assert temp() == before
    assert before < 20 * x.nbytes  # snapshots, not 2000 steps (store-all: 2000 x 1 KiB)


def test_two_threads_in_two_modes_on_one_jitted_function() -> None:
    f = wb.jit(checkpointed)
    x = jnp.linspace(0.2, 0.9, 3)
    expected = {name: MODE_CALLS[name](plain, x) for name in ("Forward", "Reverse")}
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        try:
            for _ in range(15):
                np.testing.assert_allclose(MODE_CALLS[name](f, x), expected[name], rtol=1e-5)
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("Forward", "Reverse") * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert not errors, errors


def test_an_int32_carry_plus_the_weakly_typed_index() -> None:
    """lax.fori_loop's index is weakly typed; adding it to an int32 carry keeps int32."""
    for scheme in (False, True, wb.Binomial(2)):
        out = wb.fori_loop(0, 4, lambda i, c: c + i, jnp.int32(1), checkpointing=scheme)
        assert out == 7 and out.dtype == jnp.int32


@pytest.mark.parametrize("bound", [2.7, "5", True, jnp.float32(3.0)], ids=repr)
def test_bounds_that_are_not_integers_are_refused(bound: Any) -> None:
    for scheme in (False, wb.Binomial(2)):
        with pytest.raises(TypeError, match=r"upper must be an integer scalar.*received"):
            wb.fori_loop(0, bound, lambda i, y: y, 1.0, checkpointing=scheme)


def test_bounds_known_only_at_run_time() -> None:
    """Reactant's checkpointed ``@trace for`` runs such loops; so does Binomial here (its plan
    is made by the program), under wb.jit and with lax.min."""
    x = jnp.float32(1.1)

    @wb.jit
    def f(x: Any, n: Any) -> Any:
        return wb.fori_loop(0, lax.min(n, 7), lambda i, y: y * x, x, checkpointing=wb.Binomial(2))

    for n, steps in ((5, 5), (9, 7), (0, 0)):
        np.testing.assert_allclose(f(x, n), x ** (steps + 1), rtol=1e-6)
        np.testing.assert_allclose(jax.grad(f)(x, n), (steps + 1) * x**steps, rtol=1e-5)
    with pytest.raises(wb.CheckpointingError, match=r"only known when the program runs.*Binomial"):
        f2 = wb.jit(lambda x, n: wb.fori_loop(0, n, lambda i, y: y, x, checkpointing=True))
        f2(x, 3)


def test_while_loop_store_all_without_max_steps_differentiates_forward_only() -> None:
    f = lambda x: wb.while_loop(lambda y: y < 10.0, lambda y: y * x, x)
    np.testing.assert_allclose(jax.jvp(f, (1.5,), (1.0,))[1], 6 * 1.5**5, rtol=1e-6)
    with pytest.raises(ValueError, match="Reverse-mode differentiation does not work"):
        jax.grad(f)(1.5)


@pytest.mark.parametrize("scheme", [wb.Binomial(2), True], ids=repr)
def test_a_random_key_in_the_carry(scheme: Any) -> None:
    """A key is carried (and split) beside the floats; it has no derivative."""

    def loop(x: Any, fori: Callable[..., Any]) -> Any:
        def step(i: Any, c: Any) -> Any:
            y, key = c
            key, sub = jax.random.split(key)
            return y * x + 0.01 * jax.random.normal(sub, y.shape, y.dtype), key

        return jnp.sum(fori(0, 5, step, (x, jax.random.key(0)))[0])

    ours = lambda x: loop(x, lambda *a: wb.fori_loop(*a, checkpointing=scheme))
    plain = lambda x: loop(x, lax.fori_loop)
    x = jnp.asarray([1.1, 0.9], jnp.float32)
    for t in (jax.grad, jax.hessian, lambda f: jax.vmap(jax.grad(f))):
        arg = jnp.stack([x, x]) if t not in (jax.grad, jax.hessian) else x
        np.testing.assert_allclose(t(ours)(arg), t(plain)(arg), rtol=1e-5)


def _min_one_over(x: Any, y: Any) -> Any:
    return y * 0.5 + jnp.minimum(1.0, 1 / x)


@pytest.mark.parametrize(
    "case",
    [
        (
            "fori Binomial",
            lambda f, x: wb.fori_loop(0, 3, f, 0.0 * x, checkpointing=wb.Binomial(2)),
        ),
        ("fori True", lambda f, x: wb.fori_loop(0, 3, f, 0.0 * x, checkpointing=True)),
        (
            "while Binomial",
            lambda f, x: wb.while_loop(
                lambda c: c[0] < 3,
                lambda c: (c[0] + 1, f(c[0], c[1])),
                (0, 0.0 * x),
                checkpointing=wb.Binomial(2),
            )[1],
        ),
    ],
    ids=lambda c: c[0],
)
@pytest.mark.parametrize("mode", [wb.Reverse, wb.Forward], ids=repr)
def test_strong_zero_reaches_inside_checkpointed_loops(case: Any, mode: Any) -> None:
    """The tutorial's min(1, 1/x) at 0, three times in a loop: NaN plainly; with strong zero
    the same zero as the plain lax.scan gives, and no warning that strong zero cannot look
    inside the loop."""
    _, loop = case
    f = lambda x: loop(lambda i, y: _min_one_over(x, y), x)
    plain = lambda x: lax.fori_loop(0, 3, lambda i, y: _min_one_over(x, y), 0.0 * x)
    x = jnp.float32(0.0)
    assert np.isnan(wb.gradient(mode, f, x)[0])
    ours = wb.gradient(wb.set_strong_zero(mode), f, x)[0]
    assert ours == wb.gradient(wb.set_strong_zero(mode), plain, x)[0] == 0.0
    x = jnp.float32(2.0)  # away from 0 strong zero changes nothing
    np.testing.assert_allclose(wb.gradient(wb.set_strong_zero(mode), f, x)[0], -0.4375, rtol=1e-6)


def test_the_graph_shows_a_checkpointed_loop_as_a_loop_with_its_scheme() -> None:
    """The inspector's graph: one "loop" region per checkpointed loop, with its trip count and
    scheme, the body inside it; Revolve's sweeps under named scopes in their passes."""
    f = lambda x: jnp.sum(
        wb.fori_loop(0, 20, lambda i, y: jnp.sin(y) * x, x, checkpointing=wb.Binomial(3))
    )
    primal = wb.inspect(f, jnp.ones(3, jnp.float32)).graph
    (loop,) = [r for r in primal.regions if r.kind == "loop"]
    assert dict(loop.params) == {"trip count": "20", "scheme": "Binomial(3)", "snapshots": "3"}
    assert any(n.primitive == "sin" and n.region.startswith(loop.id) for n in primal.nodes)
    grad = wb.inspect(f, jnp.ones(3, jnp.float32), mode=wb.Reverse).graph
    # Revolve's sweeps are drawn as the loop the user wrote (issue 24): a loop per pass that
    # says the trip count and scheme, the sweeps' scopes kept in the regions' ids.
    sweeps = {
        (r.id.rsplit(":", 1)[-1], r.phase): dict(r.params)
        for r in grad.regions
        if r.kind == "loop" and r.name == "checkpointed"
    }
    assert set(sweeps) == {("revolve_forward_sweep", "forward"), ("revolve_backward", "backward")}
    for params in sweeps.values():
        assert params["trip count"] == "20" and params["scheme"] == "Binomial(3)"
