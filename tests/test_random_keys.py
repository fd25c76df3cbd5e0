"""Programs that use ``jax.random`` in every part of the workbench (issue 17, item 3).

New-style keys (``jax.random.key``, dtype ``key<fry>``) and legacy ones (``jax.random.PRNGKey``,
``uint32[2]``), made inside the function or passed in, work in ``inspect``, ``graph``,
``%%reactant``, ``compile`` and ``gradient``. A key is never differentiated: passed unwrapped to
``gradient`` or ``jacobian`` it is taken as ``Const`` (its entry is ``None``); a legacy key is a
plain integer array, so it is refused as integers are, with a message that names ``Const(key)``.

Oracles: the same draws made by ``jax.random`` directly (the derivative of ``sum(x * noise)``
with respect to ``x`` is ``noise``).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output

import workbench as wb
from tests.ipython_shell import shared_shell
from workbench._src.notebook.magic import ReactantResult

X = jnp.array([1.0, 2.0, 3.0], jnp.float32)
KEYS = {"key": lambda: jax.random.key(1), "PRNGKey": lambda: jax.random.PRNGKey(1)}


def noise(key):
    return jax.random.normal(key, (3,), jnp.float32)


def made_inside(make):
    return lambda x: jnp.sum(x * noise(make()))


def passed_in(x, key):
    return jnp.sum(x * noise(key))


@pytest.mark.parametrize("kind", list(KEYS))
def test_inspect_a_program_that_makes_its_key(kind):
    ins = wb.inspect(made_inside(KEYS[kind]), X, runs=0)
    np.testing.assert_allclose(ins.compiled(X), jnp.sum(X * noise(KEYS[kind]())), rtol=1e-6)
    assert "random_bits" in ins.jaxpr.text or "threefry" in ins.jaxpr.text
    assert ins.graph.count("ops")["primal"] > 1
    assert "Graph:" in ins.to_text(None)


@pytest.mark.parametrize("kind", list(KEYS))
def test_inspect_a_program_given_its_key(kind):
    key = KEYS[kind]()
    ins = wb.inspect(passed_in, X, key, runs=0)
    np.testing.assert_allclose(ins.compiled(X, key), passed_in(X, key), rtol=1e-6)
    key_arg = next(n for n in ins.graph.nodes if n.kind == "argument" and n.name == "key")
    expected = "key<fry>[]" if kind == "key" else "u32[2]"
    assert str(key_arg.outputs[0]) == expected
    assert key_arg.outputs[0].nbytes == 8  # a threefry key is two uint32 words
    layouts = {a.name: a for a in ins.sharding.arguments}
    assert layouts["key"].dtype == ("key<fry>" if kind == "key" else "uint32")


@pytest.mark.parametrize("mode", [wb.Reverse, wb.Forward])
def test_inspect_the_derivative_of_a_program_given_a_key(mode):
    key = jax.random.key(1)
    ins = wb.inspect(passed_in, X, key, mode=mode, runs=0)
    derivs = ins.compiled(X, key)
    np.testing.assert_allclose(derivs[0], noise(key), rtol=1e-6)
    assert derivs[1] is None
    assert ins.derivative is not None


def test_graph_of_a_program_with_keys():
    g = wb.graph(passed_in, X, jax.random.key(1), mode=wb.Reverse)
    assert any(row[2] == "random_bits" for row in g.graph["nodes"])
    assert "key" in g.to_text() and g.to_html()


@pytest.mark.parametrize("kind", list(KEYS))
def test_compile_a_program_given_its_key(kind):
    key = KEYS[kind]()
    step = wb.compile(passed_in, X, key)
    other = KEYS[kind]() if kind == "key" else jax.random.PRNGKey(7)
    np.testing.assert_allclose(step(X, other), passed_in(X, other), rtol=1e-6)
    assert "key" in repr(step) or "uint32" in repr(step)


@pytest.mark.parametrize("mode", [wb.Reverse, wb.Forward])
def test_gradient_takes_an_unwrapped_key_as_const(mode):
    key = jax.random.key(3)
    dx, dkey = wb.gradient(mode, passed_in, X, key)
    np.testing.assert_allclose(dx, noise(key), rtol=1e-6)
    assert dkey is None
    res = wb.gradient(wb.ReverseWithPrimal, passed_in, X, key)
    np.testing.assert_allclose(res.val, passed_in(X, key), rtol=1e-6)
    (jac, none) = wb.jacobian(mode, lambda x, k: x * noise(k), X, key)
    np.testing.assert_allclose(jac, jnp.diag(noise(key)), rtol=1e-6)
    assert none is None


def test_gradient_of_keys_made_inside_and_under_jit():
    for make in KEYS.values():
        (dx,) = wb.jit(lambda x, make=make: wb.gradient(wb.Reverse, made_inside(make), x))(X)
        np.testing.assert_allclose(dx, noise(make()), rtol=1e-6)
    key = jax.random.key(5)
    dx, dkey = wb.jit(lambda x, k: wb.gradient(wb.Reverse, passed_in, x, k))(X, key)
    np.testing.assert_allclose(dx, noise(key), rtol=1e-6)
    assert dkey is None


def test_a_legacy_key_is_refused_as_integers_are_and_the_message_names_const():
    key = jax.random.PRNGKey(3)
    with pytest.raises(wb.NotDifferentiableError, match=r"legacy jax.random.PRNGKey.*Const\(key\)"):
        wb.gradient(wb.Reverse, passed_in, X, key)
    dx, dkey = wb.gradient(wb.Reverse, passed_in, X, wb.Const(key))
    np.testing.assert_allclose(dx, noise(key), rtol=1e-6)
    assert dkey is None


def test_a_key_to_differentiate_is_refused_with_the_fix():
    key = jax.random.key(3)
    fix = r"random key \(key<fry>\[\]\), which has no derivative.*argument of its own"
    with pytest.raises(wb.NotDifferentiableError, match=fix):
        wb.Active(key)
    with pytest.raises(wb.NotDifferentiableError, match=fix):
        wb.gradient(wb.Reverse, lambda p: passed_in(p["x"], p["key"]), {"x": X, "key": key})
    for k in (key, wb.Const(key)):  # autodiff takes a plain argument as Const
        ((dx, dkey),) = wb.autodiff(wb.Reverse, passed_in, wb.Active(X), k)
        np.testing.assert_allclose(dx, noise(key), rtol=1e-6)
        assert dkey is None
    (dx, _) = wb.jit(lambda x, k: wb.gradient(wb.Reverse, passed_in, x, k))(X, wb.Const(key))
    np.testing.assert_allclose(dx, noise(key), rtol=1e-6)


# --------------------------------------------------------------------------------------------
# %%reactant


@pytest.fixture(scope="module")
def ip():
    return shared_shell()


@pytest.mark.parametrize(
    ("key", "inputs"),
    [
        ("jax.random.key(1)", ["v"]),
        ("jax.random.PRNGKey(1)", ["v"]),
        ("k", ["v", "k"]),  # a key in the namespace is a traced input, as any array
        ("old_k", ["v", "old_k"]),
    ],
)
def test_reactant_cells_with_keys(ip, key, inputs):
    ip.user_ns.update(jax=jax, jnp=jnp, v=X, k=jax.random.key(1), old_k=jax.random.PRNGKey(1))
    body = f"jnp.sum(v * jax.random.normal({key}, (3,), jnp.float32))"
    with capture_output(display=False) as out:
        r = ip.run_cell(f"%%reactant --grad v\n{body}")
    assert r.success, out.stdout + out.stderr
    res = r.result
    assert isinstance(res, ReactantResult) and list(res.inputs) == inputs
    expected = noise(jax.random.key(1))  # PRNGKey(1) holds the same bits: the same draws
    np.testing.assert_allclose(res.value, jnp.sum(X * expected), rtol=1e-6)
    np.testing.assert_allclose(res.gradients.values["v"], expected, rtol=1e-6)
    assert all(not view.note for view in res.views), [v.note for v in res.views]
    assert res._repr_mimebundle_()["text/plain"].startswith("%%reactant")


@pytest.mark.parametrize(
    ("name", "says"),
    [
        (
            "k",
            r"--grad got 'k', but k holds a random key \(key<fry>\[\]\), which has no "
            r"derivative\. Leave k out of --grad \(--grad v\)",
        ),
        (
            "old_k",
            r"--grad got 'old_k', but old_k holds integers \(uint32\[2\]\).*Leave old_k "
            r"out of --grad \(--grad v\) \(a legacy jax\.random\.PRNGKey is uint32",
        ),
    ],
)
def test_reactant_grad_of_a_key_names_the_fix(ip, name, says):
    ip.user_ns.update(jax=jax, jnp=jnp, v=X, k=jax.random.key(1), old_k=jax.random.PRNGKey(1))
    body = f"jnp.sum(v * jax.random.normal({name}, (3,), jnp.float32))"
    with pytest.raises(UsageError, match=says):
        ip.run_cell_magic("reactant", f"--grad {name}", body)
