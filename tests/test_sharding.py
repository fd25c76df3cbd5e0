"""Sharded inputs on 8 CPU devices (tests/conftest.py): every mode, activity and loop scheme.

Two checks for each derivative:
- its value equals an independent oracle's on unsharded host copies of the inputs: raw
  ``jax.grad`` / ``jax.jvp`` / ``jax.vjp`` / ``jax.jacfwd``, a plain ``lax.scan`` for loops;
- it is sharded like its primal (Enzyme's shadow has the primal's layout): the derivative of an
  argument like the argument, a forward-mode tangent like the function's output.

Meshes: 1-D ``("data",)`` over 8 devices and 2-D ``("data", "model")`` 4 x 2, each with ``Auto`` and
with ``Explicit`` axes (``jax.make_mesh``'s default in JAX 0.10, where even raw ``jax.grad`` of a
sharded array fails eagerly unless a mesh is set; the workbench sets the arguments' mesh itself).

Cost: eager JAX compiles each primitive once per shape and sharding, so shapes are few and shared.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax
from jax.sharding import AxisType, NamedSharding
from jax.sharding import PartitionSpec as P

import workbench as wb
from tests.tolerances import FLOAT, assert_close, tol

pytestmark = pytest.mark.skipif(
    jax.device_count() < 8, reason="needs 8 devices (tests/conftest.py sets jax_num_cpu_devices)"
)

SHAPE = (8, 4)


@dataclasses.dataclass(frozen=True)
class Layout:
    name: str
    mesh: Any
    spec: P  # for the (8, 4) arrays; the (4,) ones are replicated on the same mesh

    @property
    def x(self) -> NamedSharding:
        return NamedSharding(self.mesh, self.spec)

    @property
    def b(self) -> NamedSharding:
        return NamedSharding(self.mesh, P())

    def __repr__(self) -> str:
        return self.name


def _layout(shape: tuple[int, ...], names: tuple[str, ...], spec: P, kind: AxisType) -> Layout:
    mesh = jax.make_mesh(shape, names, axis_types=(kind,) * len(names))
    return Layout(f"{'x'.join(map(str, shape))}-{kind.name.lower()}", mesh, spec)


LAYOUTS = [
    _layout((8,), ("data",), P("data"), AxisType.Explicit),
    _layout((8,), ("data",), P("data"), AxisType.Auto),
    _layout((4, 2), ("data", "model"), P("data", "model"), AxisType.Explicit),
    _layout((4, 2), ("data", "model"), P("data", "model"), AxisType.Auto),
]
# Two layouts, one of each axis type and mesh rank, for the larger tables.
SOME = [LAYOUTS[0], LAYOUTS[3]]


def cross(table: list[tuple[Any, ...]], spot_checks: list[int]) -> list[tuple[Any, ...]]:
    """The whole table on the first layout of SOME, the rows ``spot_checks`` on the second:
    eager JAX compiles every primitive once per sharding, so a full cross on both costs double."""
    return [(SOME[0], *row) for row in table] + [(SOME[1], *table[i]) for i in spot_checks]


def _values(seed: int, shape: tuple[int, ...]) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.2, 1.2, shape)


@dataclasses.dataclass
class Inputs:
    """Sharded arguments and their unsharded host copies (what the oracles see)."""

    x: jax.Array  # (8, 4), sharded
    b: jax.Array  # (4,), replicated over the mesh
    dx: jax.Array
    dx2: jax.Array
    db: jax.Array
    host: dict[str, jax.Array]


def make(layout: Layout) -> Inputs:
    raw = {
        "x": _values(0, SHAPE),
        "b": _values(1, SHAPE[1:]),
        "dx": _values(2, SHAPE),
        "dx2": _values(3, SHAPE),
        "db": _values(4, SHAPE[1:]),
    }
    shard = {k: layout.x if v.ndim == 2 else layout.b for k, v in raw.items()}
    arrays = {k: wb.to_rarray(v, sharding=shard[k]) for k, v in raw.items()}
    return Inputs(**arrays, host={k: jnp.asarray(v) for k, v in raw.items()})


# The functions differentiated: a scalar loss and a vector-valued map of (x, b).
def loss(x: Any, b: Any) -> Any:
    return jnp.sum(jnp.tanh(x * b) ** 2) + jnp.sum(jnp.sin(x) * b)


def vector(x: Any, b: Any) -> Any:
    return jnp.tanh(x * b) + jnp.sin(x)


def assert_sharded_like(derivative: Any, primal: Any) -> None:
    d_leaves = jax.tree_util.tree_leaves(derivative)
    p_leaves = jax.tree_util.tree_leaves(primal)
    assert len(d_leaves) == len(p_leaves)
    for d, p in zip(d_leaves, p_leaves, strict=True):
        assert d.shape == p.shape
        assert d.sharding.is_equivalent_to(p.sharding, p.ndim), (
            f"derivative {d.sharding} vs primal {p.sharding}"
        )


def assert_derivatives(derivatives: Any, expected: Any, primals: Any) -> None:
    """The derivatives equal the oracle's and each is sharded like its primal (trees alike)."""
    assert_close(derivatives, expected)
    assert_sharded_like(derivatives, primals)


# ---------------------------------------------------------------------------------------------
# autodiff: every mode with every activity


def _fwd_oracle(h: dict[str, jax.Array], tx: Any, tb: Any) -> tuple[Any, Any]:
    return jax.jvp(vector, (h["x"], h["b"]), (tx, tb))


FORWARD_MODES = [
    wb.Forward,
    wb.ForwardWithPrimal,
    wb.set_strong_zero(wb.Forward),
    wb.set_strong_zero(wb.ForwardWithPrimal),
]
REVERSE_MODES = [
    wb.Reverse,
    wb.ReverseWithPrimal,
    wb.set_strong_zero(wb.Reverse),
    wb.set_strong_zero(wb.ReverseWithPrimal),
]


@pytest.mark.parametrize(
    ("layout", "mode", "activity"),
    cross([(m, a) for m in FORWARD_MODES for a in ("DC", "DD", "BB")], [0, 4, 8, 11]),
    ids=repr,
)
def test_forward_modes(layout, mode, activity):
    v = make(layout)
    h = v.host
    zeros_b = jnp.zeros_like(h["b"])
    if activity == "DC":
        args = (wb.Duplicated(v.x, v.dx), wb.Const(v.b))
        lanes = [(h["dx"], zeros_b)]
    elif activity == "DD":
        args = (wb.Duplicated(v.x, v.dx), wb.Duplicated(v.b, v.db))
        lanes = [(h["dx"], h["db"])]
    else:
        args = (wb.BatchDuplicated(v.x, (v.dx, v.dx2)), wb.BatchDuplicated(v.b, (v.db, v.db)))
        lanes = [(h["dx"], h["db"]), (h["dx2"], h["db"])]
    out = wb.autodiff(mode, vector, *args)
    tangents = out[0] if activity == "BB" else (out[0],)
    primal_out = vector(v.x, v.b)
    for tangent, (tx, tb) in zip(tangents, lanes, strict=True):
        expected_primal, expected = _fwd_oracle(h, tx, tb)
        assert_close(tangent, expected)
        assert_sharded_like(tangent, primal_out)  # a tangent has its output's layout
    if mode.with_primal:
        assert_close(out[1], expected_primal)
        assert_sharded_like(out[1], primal_out)


@pytest.mark.parametrize(
    ("layout", "mode", "activity"),
    cross([(m, a) for m in REVERSE_MODES for a in ("AC", "AA", "DA", "BC")], [0, 5, 10, 15]),
    ids=repr,
)
def test_reverse_modes(layout, mode, activity):
    v = make(layout)
    h = v.host
    gx, gb = jax.grad(loss, argnums=(0, 1))(h["x"], h["b"])
    if activity == "AC":
        args, expected = (wb.Active(v.x), wb.Const(v.b)), (gx, None)
    elif activity == "AA":
        args, expected = (wb.Active(v.x), wb.Active(v.b)), (gx, gb)
    elif activity == "DA":  # the shadow accumulates: dx + derivative
        args, expected = (wb.Duplicated(v.x, v.dx), wb.Active(v.b)), (h["dx"] + gx, gb)
    else:
        lanes = (h["dx"] + gx, h["dx2"] + gx)
        args, expected = (wb.BatchDuplicated(v.x, (v.dx, v.dx2)), wb.Const(v.b)), (lanes, None)
    out = wb.autodiff(mode, loss, *args)
    derivs = out[0]
    assert_close(derivs, expected)
    assert derivs[1] is None or derivs[1].sharding.is_equivalent_to(v.b.sharding, 1)
    for d in derivs[0] if activity == "BC" else (derivs[0],):
        assert_sharded_like(d, v.x)
    if mode.with_primal:
        assert_close(out[1], loss(h["x"], h["b"]))


@pytest.mark.parametrize("layout", SOME, ids=repr)
def test_uncommitted_shadow_moves_to_its_primal(layout):
    """A shadow made on one device (jnp.ones) is used, and comes back, with the primal's layout."""
    v = make(layout)
    h = v.host
    ones = jnp.ones(SHAPE)
    assert not ones.committed
    (tangent,) = wb.autodiff(wb.Forward, vector, wb.Duplicated(v.x, ones), wb.Const(v.b))
    assert_close(tangent, jax.jvp(lambda x: vector(x, h["b"]), (h["x"],), (ones,))[1])
    assert_sharded_like(tangent, v.x)
    ((d, _),) = wb.autodiff(wb.Reverse, loss, wb.Duplicated(v.x, ones), wb.Const(v.b))
    assert_close(d, ones + jax.grad(loss)(h["x"], h["b"]))
    assert_sharded_like(d, v.x)


def test_strong_zero_on_sharded_input():
    """Strong zero on a sharded array: min(1, 1/x) at x = 0 has derivative 0 (analytic oracle),
    where the ordinary mode gives NaN."""
    layout = LAYOUTS[0]
    host = np.linspace(0.0, 3.0, 32, dtype=FLOAT).reshape(SHAPE)  # host[0, 0] = 0: 1/x is inf
    x = wb.to_rarray(host, sharding=layout.x)

    def f(x):
        return jnp.sum(jnp.minimum(1.0, 1.0 / x))

    expected = np.where(host > 1.0, -1.0 / np.where(host == 0, 1, host) ** 2, 0.0)
    (d,) = wb.gradient(wb.set_strong_zero(wb.Reverse), f, x)
    np.testing.assert_allclose(np.asarray(d), expected, rtol=tol(FLOAT)[0], atol=0)
    assert_sharded_like(d, x)
    (t,) = wb.autodiff(wb.set_strong_zero(wb.Forward), f, wb.Duplicated(x, jnp.ones_like(x)))
    np.testing.assert_allclose(float(t), expected.sum(), rtol=tol(FLOAT)[0])
    assert np.isnan(np.asarray(wb.gradient(wb.Reverse, f, x)[0])[0, 0])


@pytest.mark.parametrize("layout", SOME, ids=repr)
@pytest.mark.parametrize("mode", [wb.Reverse, wb.Forward], ids=repr)
def test_strong_zero_under_jit(layout, mode):
    """The strong-zero transformation of a traced program keeps the shardings' types."""
    host = np.linspace(0.0, 3.0, 32, dtype=FLOAT).reshape(SHAPE)
    x = wb.to_rarray(host, sharding=layout.x)

    def f(x):
        return jnp.sum(jnp.minimum(1.0, 1.0 / x))

    (d,) = wb.jit(lambda x: wb.gradient(wb.set_strong_zero(mode), f, x))(x)
    expected = np.where(host > 1.0, -1.0 / np.where(host == 0, 1, host) ** 2, 0.0)
    np.testing.assert_allclose(np.asarray(d), expected, rtol=tol(FLOAT)[0], atol=0)
    if "explicit" in layout.name:  # on an Auto mesh, jit's out_shardings decide
        assert_sharded_like(d, x)


# ---------------------------------------------------------------------------------------------
# gradient and jacobian


@pytest.mark.parametrize("layout", SOME, ids=repr)
@pytest.mark.parametrize(
    "mode", [wb.Reverse, wb.ReverseWithPrimal, wb.Forward, wb.ForwardWithPrimal], ids=repr
)
def test_gradient_of_several_arguments(layout, mode):
    """x sharded, b replicated, a Const, and z that the loss ignores (its gradient is a fresh
    zero, which JAX makes on one device)."""
    v = make(layout)
    h = v.host
    z = v.dx

    def f(x, b, scale, z):
        return scale * loss(x, b) + 0.0 * jnp.sum(jax.lax.stop_gradient(z))

    res = wb.gradient(mode, f, v.x, v.b, wb.Const(2.0), z)
    derivs = res.derivs if mode.with_primal else res
    gx, gb = jax.grad(lambda x, b: 2.0 * loss(x, b), argnums=(0, 1))(h["x"], h["b"])
    assert_close(derivs, (gx, gb, None, jnp.zeros(SHAPE)))
    assert_sharded_like(derivs[0], v.x)
    assert_sharded_like(derivs[1], v.b)
    assert_sharded_like(derivs[3], z)
    if mode.with_primal:
        assert_close(res.val, 2.0 * loss(h["x"], h["b"]))


@pytest.mark.parametrize("layout", SOME, ids=repr)
@pytest.mark.parametrize("mode", [wb.Forward, wb.Reverse], ids=repr)
def test_gradient_of_a_pytree_argument(layout, mode):
    v = make(layout)
    h = v.host
    params = {"x": v.x, "b": v.b}
    (d,) = wb.gradient(mode, lambda p: loss(p["x"], p["b"]), params)
    assert_close(d, jax.grad(lambda p: loss(p["x"], p["b"]))({"x": h["x"], "b": h["b"]}))
    assert_sharded_like(d, params)


@pytest.mark.parametrize("layout", SOME, ids=repr)
@pytest.mark.parametrize("mode", [wb.Forward, wb.Reverse, wb.ReverseWithPrimal], ids=repr)
def test_jacobian(layout, mode):
    """Non-scalar output: the values, and no gather onto one device. Scalar output: the
    Jacobian is the gradient, sharded like the argument."""
    v = make(layout)
    h = v.host
    res = wb.jacobian(mode, vector, v.x, wb.Const(v.b))
    jx = res.derivs[0] if mode.with_primal else res[0]
    assert_close(jx, jax.jacfwd(vector)(h["x"], h["b"]))
    assert jx.sharding.device_set == v.x.sharding.device_set
    scalar_mode = wb.Forward if mode.is_forward else wb.Reverse
    gx, gb = wb.jacobian(scalar_mode, loss, v.x, v.b)
    assert_derivatives((gx, gb), jax.jacrev(loss, argnums=(0, 1))(h["x"], h["b"]), (v.x, v.b))


@pytest.mark.parametrize("layout", SOME, ids=repr)
def test_forward_over_reverse_hessian_vector_product(layout):
    v = make(layout)
    h = v.host

    def grad_x(x):
        return wb.gradient(wb.Reverse, loss, x, wb.Const(v.b))[0]

    (hvp,) = wb.autodiff(wb.Forward, grad_x, wb.Duplicated(v.x, v.dx))
    expected = jax.jvp(lambda x: jax.grad(loss)(x, h["b"]), (h["x"],), (h["dx"],))[1]
    assert_close(hvp, expected)
    assert_sharded_like(hvp, v.x)


def test_reverse_over_forward():
    v = make(SOME[0])
    h = v.host

    def forward_gradient_sum(x):
        return jnp.sum(wb.gradient(wb.Forward, loss, x, wb.Const(v.b))[0] ** 2)

    (d,) = wb.gradient(wb.Reverse, forward_gradient_sum, v.x)
    expected = jax.grad(lambda x: jnp.sum(jax.grad(loss)(x, h["b"]) ** 2))(h["x"])
    assert_close(d, expected)
    assert_sharded_like(d, v.x)


# ---------------------------------------------------------------------------------------------
# wb.jit and wb.compile


@pytest.mark.parametrize("layout", LAYOUTS, ids=repr)
@pytest.mark.parametrize("mode", [wb.Reverse, wb.Forward], ids=repr)
def test_under_jit_with_shardings(layout, mode):
    v = make(layout)
    h = v.host
    step = wb.jit(
        lambda x, b: wb.gradient(mode, loss, x, b),
        in_shardings=(layout.x, layout.b),
        out_shardings=(layout.x, layout.b),
    )
    gx, gb = step(v.x, v.b)
    assert_derivatives((gx, gb), jax.grad(loss, argnums=(0, 1))(h["x"], h["b"]), (v.x, v.b))


@pytest.mark.parametrize("layout", [lay for lay in LAYOUTS if "explicit" in lay.name], ids=repr)
@pytest.mark.parametrize("mode", [wb.Reverse, wb.Forward], ids=repr)
def test_under_jit_explicit_axes_need_no_out_shardings(layout, mode):
    """With explicit axes the trace knows each argument's sharding, and the workbench gives each
    derivative that type (forward mode assembles gradients from replicated lanes)."""
    v = make(layout)
    gx, gb = wb.jit(lambda x, b: wb.gradient(mode, loss, x, b))(v.x, v.b)
    assert_derivatives(
        (gx, gb), jax.grad(loss, argnums=(0, 1))(v.host["x"], v.host["b"]), (v.x, v.b)
    )


@pytest.mark.parametrize("layout", SOME, ids=repr)
@pytest.mark.parametrize("mode", [wb.Reverse, wb.Forward], ids=repr)
def test_sharded_constants_closed_over_by_jit(layout, mode):
    """Arguments a jitted function closes over (constants of the trace) keep their layout in
    their derivatives too. JAX needs the mesh set for explicit axes there (as for raw jax.grad)."""
    v = make(layout)
    step = wb.jit(lambda: wb.gradient(mode, loss, v.x, v.b))
    if "explicit" in layout.name:
        with jax.set_mesh(layout.mesh):
            gx, gb = step()
    else:
        gx, gb = step()
    assert_derivatives(
        (gx, gb), jax.grad(loss, argnums=(0, 1))(v.host["x"], v.host["b"]), (v.x, v.b)
    )


@pytest.mark.parametrize("layout", SOME, ids=repr)
def test_compile_with_shardings(layout):
    v = make(layout)
    h = v.host

    def step(x, b):
        (dx, db), val = wb.autodiff(wb.ReverseWithPrimal, loss, wb.Active(x), wb.Active(b))
        return val, dx, db

    compiled = wb.compile(
        step,
        v.x,
        v.b,
        in_shardings=(layout.x, layout.b),
        out_shardings=(layout.b, layout.x, layout.b),
    )
    assert compiled.input_shardings[0][0].is_equivalent_to(layout.x, 2)
    val, dx, db = compiled(v.x, v.b)
    assert_close((val, dx, db), (loss(h["x"], h["b"]), *jax.grad(loss, (0, 1))(h["x"], h["b"])))
    assert_sharded_like(dx, v.x)
    assert_sharded_like(db, v.b)


# ---------------------------------------------------------------------------------------------
# Checkpointed loops on a sharded carry

STEPS = 7
SCHEMES = [False, True, wb.Periodic(3), wb.Binomial(3), wb.MemoryBudget(3 * 32 * 8)]


def _body(w: Any, coef: Any) -> Callable[[Any, Any], Any]:
    def body(i: Any, y: Any) -> Any:  # indexes an array by the loop counter
        return jnp.sin(y) * w + coef[i] * y

    return body


def _coef() -> jax.Array:
    return jnp.linspace(0.1, 0.4, STEPS)


def _scan_loss(y0: Any, w: Any) -> Any:
    """The oracle: the same loop as a plain lax.scan."""
    body = _body(w, _coef())
    y, _ = lax.scan(lambda y, i: (body(i, y), None), y0, jnp.arange(STEPS))
    return jnp.sum(y**2)


def _loop_gradient(mode: Any, f: Callable[..., Any], v: Inputs, run: str) -> Any:
    if run == "eager":
        return wb.gradient(mode, f, v.x, v.dx)
    return wb.jit(lambda y0, w: wb.gradient(mode, f, y0, w))(v.x, v.dx)


# Forward mode runs every scheme as the plain loop (it keeps nothing to checkpoint): two suffice.
# Every case runs compiled on an explicit-axis layout (there the trace carries the shardings, and
# the Revolve executor's custom_vjp meets traced loop counters); a few run eagerly too.
LOOP_CASES = [(scheme, wb.Reverse) for scheme in SCHEMES] + [
    (False, wb.Forward),
    (wb.Binomial(3), wb.Forward),
]
FORI_CASES = [
    *[(SOME[0], scheme, mode, "jit") for scheme, mode in LOOP_CASES],
    (LAYOUTS[2], wb.Binomial(3), wb.Reverse, "jit"),
    (SOME[0], wb.Binomial(3), wb.Reverse, "eager"),
    (SOME[0], False, wb.Forward, "eager"),
    (SOME[1], wb.Periodic(3), wb.Reverse, "eager"),
    (SOME[1], wb.Binomial(3), wb.Reverse, "eager"),
    (SOME[1], wb.Binomial(3), wb.Forward, "eager"),
]


@pytest.mark.parametrize(("layout", "scheme", "mode", "run"), FORI_CASES, ids=repr)
def test_fori_loop(layout, scheme, mode, run):
    v = make(layout)
    h = v.host

    def f(y0, w):
        return jnp.sum(wb.fori_loop(0, STEPS, _body(w, _coef()), y0, checkpointing=scheme) ** 2)

    dy0, dw = _loop_gradient(mode, f, v, run)
    assert_derivatives(
        (dy0, dw), jax.grad(_scan_loss, argnums=(0, 1))(h["x"], h["dx"]), (v.x, v.dx)
    )


@pytest.mark.parametrize("layout", SOME, ids=repr)
def test_fori_loop_mincut(layout):
    v = make(layout)

    def f(y0, w):
        return jnp.sum(wb.fori_loop(0, STEPS, _body(w, _coef()), y0, mincut=True) ** 2)

    dy0, dw = wb.gradient(wb.Reverse, f, v.x, v.dx)
    assert_close((dy0, dw), jax.grad(_scan_loss, argnums=(0, 1))(v.host["x"], v.host["dx"]))
    assert_sharded_like(dy0, v.x)


WHILE_SCHEMES = [(False, 12), (True, 12), (wb.Binomial(3), None), (wb.MemoryBudget(3 * 32 * 8), 20)]
WHILE_CASES = [
    *[(SOME[0], scheme, max_steps, "jit") for scheme, max_steps in WHILE_SCHEMES],
    (SOME[0], wb.Binomial(3), None, "eager"),
    (SOME[1], wb.Binomial(3), None, "eager"),
]


@pytest.mark.parametrize(("layout", "scheme", "max_steps", "run"), WHILE_CASES, ids=repr)
def test_while_loop(layout, scheme, max_steps, run):
    v = make(layout)

    def f(y0, w):
        body = _body(w, _coef())

        def step(carry):
            y, i = carry
            return body(i, y), i + 1

        y, _ = wb.while_loop(
            lambda c: c[1] < STEPS, step, (y0, 0), checkpointing=scheme, max_steps=max_steps
        )
        return jnp.sum(y**2)

    dy0, dw = _loop_gradient(wb.Reverse, f, v, run)
    assert_derivatives(
        (dy0, dw), jax.grad(_scan_loss, argnums=(0, 1))(v.host["x"], v.host["dx"]), (v.x, v.dx)
    )


@pytest.mark.parametrize("layout", [LAYOUTS[0], LAYOUTS[1]], ids=repr)
def test_binomial_snapshot_buffer_is_sharded(layout):
    """Each device keeps only its shard of every snapshot: in the partitioned program the buffer
    (slots + 1 rows) has the per-device width, never the global one."""
    carry = wb.to_rarray(
        _values(5, (64,)).astype(FLOAT), sharding=NamedSharding(layout.mesh, P("data"))
    )
    slots = 5

    def f(y):
        body = lambda i, c: jnp.sin(c) * y
        return jnp.sum(wb.fori_loop(0, 20, body, y, checkpointing=wb.Binomial(slots)))

    text = jax.jit(lambda y: wb.gradient(wb.Reverse, f, y)).lower(carry).compile().as_text()
    buffers = set(re.findall(rf"f{FLOAT.itemsize * 8}\[{slots + 1},(\d+)\]", text))
    assert buffers == {"8"}, buffers  # 64 / 8 devices
