"""Misuse gets an error that says what was received, why it fails and what to do instead."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.sharding import NamedSharding
from jax.sharding import PartitionSpec as P

import workbench as wb
from workbench import Active, BatchDuplicated, Const, Duplicated, Forward, Reverse

x3 = jnp.array([1.0, 2.0, 3.0], jnp.float32)
x2 = jnp.array([1.0, 2.0], jnp.float32)


def total(x):
    return jnp.sum(x**2)


def branches(x):
    if x.sum() > 0:
        return x
    return -x


def uses_numpy(x):
    return np.sin(x)


# (id, thunk, exception type, regex the message must match)
CASES = [
    (
        "shadow shape",
        lambda: Duplicated(x3, x2),
        wb.ActivityError,
        r"shadow has shape \(2,\), the primal \(3,\).*shaped like the primal",
    ),
    (
        "shadow dtype",
        lambda: Duplicated(x3, x3.astype(jnp.float16)),
        wb.ActivityError,
        r"shadow has dtype float16, the primal float32.*astype",
    ),
    (
        "shadow structure",
        lambda: Duplicated({"a": x3}, (x3,)),
        wb.ActivityError,
        r"shadow has structure .* but the primal has .*primal's structure",
    ),
    (
        "shadow not an array",
        lambda: Duplicated(x3, "ones"),
        wb.ActivityError,
        r"shadow contains a str \('ones'\), not an array",
    ),
    (
        "lanes of different shapes",
        lambda: BatchDuplicated(x3, (x3, x2)),
        wb.ActivityError,
        r"lanes have different shapes \(lane 0: \(3,\), lane 1: \(2,\)\)",
    ),
    (
        "lanes not a tuple",
        lambda: BatchDuplicated(x3, x3),
        wb.ActivityError,
        r"non-empty tuple of shadows.*wb.onehot\(x\)",
    ),
    ("no lanes", lambda: BatchDuplicated(x3, ()), wb.ActivityError, r"non-empty tuple of shadows"),
    (
        "integer input",
        lambda: wb.gradient(Reverse, total, jnp.arange(3, dtype=jnp.int32)),
        wb.NotDifferentiableError,
        r"argument 1 has dtype int32.*integer values have no derivative.*astype.*Const",
    ),
    (
        "boolean input",
        lambda: Active(jnp.array([True, False])),
        wb.NotDifferentiableError,
        r"dtype bool.*boolean values have no derivative",
    ),
    (
        "integer Python scalar",
        lambda: wb.gradient(Forward, lambda x: x * 1.0, 3),
        wb.NotDifferentiableError,
        r"int64.*integer values have no derivative",
    ),
    (
        "non-scalar output in reverse",
        lambda: wb.gradient(Reverse, lambda x: x**2, x3),
        wb.OutputError,
        r"scalar output, but the output has shape \(3,\).*\.sum\(\).*jacobian",
    ),
    (
        "complex output in reverse",
        lambda: wb.gradient(Reverse, lambda x: jnp.sum(x) * 1j, x3),
        wb.OutputError,
        r"output is complex \(complex64\[\]\).*jnp.real",
    ),
    (
        "integer output in reverse",
        lambda: wb.autodiff(Reverse, lambda x: jnp.sum(x).astype(jnp.int32), Active(x3)),
        wb.OutputError,
        r"dtype int32.*no derivative",
    ),
    (
        "tuple output in reverse",
        lambda: wb.gradient(Reverse, lambda x: (x.sum(), x.sum()), x3),
        wb.OutputError,
        r"one real scalar, but it returned a tuple",
    ),
    (
        "every argument Const (reverse)",
        lambda: wb.autodiff(Reverse, total, Const(x3)),
        wb.ActivityError,
        r"every argument is Const \(Const\(float32\[3\]\)\).*Active\(x\)",
    ),
    (
        "every argument unwrapped (forward)",
        lambda: wb.autodiff(Forward, total, x3),
        wb.ActivityError,
        r"every argument is Const.*Duplicated\(x, dx\)",
    ),
    (
        "every argument Const (gradient)",
        lambda: wb.gradient(Reverse, total, Const(x3)),
        wb.ActivityError,
        r"every argument is Const.*unwrapped",
    ),
    (
        "string argument",
        lambda: wb.gradient(Reverse, lambda s: 1.0, "abc"),
        wb.NotDifferentiableError,
        r"contains a str \('abc'\), which is not an array.*Const",
    ),
    (
        "object in a pytree",
        lambda: Active({"w": x3, "f": object()}),
        wb.NotDifferentiableError,
        r"contains a object .*not an array or number",
    ),
    (
        "activity where the mode belongs",
        lambda: wb.autodiff(Duplicated(x3, x3), total),
        wb.ModeError,
        r"needs a mode as its first argument.*received Duplicated\(float32\[3\]",
    ),
    (
        "mode where an activity belongs",
        lambda: Active(Reverse),
        wb.ActivityError,
        r"Active\(...\) wraps an argument value, but received the mode Reverse",
    ),
    (
        "mode among the arguments",
        lambda: wb.autodiff(Reverse, total, Reverse, Active(x3)),
        wb.ModeError,
        r"argument 1 is the mode Reverse.*Pass the mode once, first",
    ),
    (
        "activity where the function belongs",
        lambda: wb.autodiff(Reverse, Active(x3)),
        TypeError,
        r"function to differentiate.*received Active\(float32\[3\]\).*function is missing",
    ),
    (
        "activity inside an activity",
        lambda: Const(Active(x3)),
        wb.ActivityError,
        r"activity inside an activity",
    ),
    (
        "Active in forward mode",
        lambda: wb.autodiff(Forward, total, Active(x3)),
        wb.ActivityError,
        r"Active is for reverse mode.*Duplicated\(x, dx\)",
    ),
    (
        "shadow in gradient",
        lambda: wb.gradient(Reverse, total, Duplicated(x3, x3)),
        wb.ActivityError,
        r"gradient differentiates plain arguments.*wb.autodiff",
    ),
    (
        "Duplicated mixed with BatchDuplicated",
        lambda: wb.autodiff(
            Forward, lambda a, b: a * b, Duplicated(x3, x3), BatchDuplicated(x3, (x3,))
        ),
        wb.ActivityError,
        r"mixes Duplicated and BatchDuplicated",
    ),
    (
        "different lane counts",
        lambda: wb.autodiff(
            Forward, lambda a, b: a * b, BatchDuplicated(x3, (x3,)), BatchDuplicated(x3, (x3, x3))
        ),
        wb.ActivityError,
        r"different numbers of lanes \(\[1, 2\]\)",
    ),
    (
        "complex to complex jacobian",
        lambda: wb.jacobian(Forward, lambda z: z * 2j, x3 * 1j),
        wb.OutputError,
        r"both an input and the output are complex.*holomorphic=True",
    ),
    (
        "set_strong_zero of an activity",
        lambda: wb.set_strong_zero(Const(1.0)),
        wb.ModeError,
        r"set_strong_zero needs a mode",
    ),
    (
        "onehot of a tuple",
        lambda: wb.onehot((x3, x3)),
        TypeError,
        r"onehot needs one array.*jax.tree.map\(wb.onehot, tree\)",
    ),
    (
        "onehot of integers",
        lambda: wb.onehot(jnp.arange(3)),
        TypeError,
        r"must be floating point.*astype",
    ),
    (
        "to_rarray of a string",
        lambda: wb.to_rarray(["a"]),
        TypeError,
        r"received a str \('a'\).*NumPy array",
    ),
    (
        "to_rarray of a missing device",
        lambda: wb.to_rarray(1.0, device="tpu"),
        ValueError,
        r"no 'tpu' device is available here.*Leave device unset",
    ),
    (
        "Python control flow on a traced value",
        lambda: wb.jit(branches)(x3),
        wb.TracedValueError,
        r"wb\.jit traced branches, and its code at test_errors.py:\d+ \(`if x.sum\(\) > 0:`\)"
        r".*jnp.where.*jax.lax.cond.*static_argnums",
    ),
    (
        "NumPy on a traced value",
        lambda: wb.jit(uses_numpy)(x3),
        wb.TracedValueError,
        r"converts a traced array to a NumPy array.*Use jax.numpy",
    ),
    (
        "compiled program called with other shapes",
        lambda: wb.compile(total, x3)(x2),
        wb.CompiledCallError,
        r"total was compiled for arguments \(float32\[3\]\) and cannot run on "
        r"\(float32\[2\]\).*wb.compile again",
    ),
    ("jit of a non-function", lambda: wb.jit(3), TypeError, r"jit needs a function"),
]


# Sharding misuse, on the 8 CPU devices of tests/conftest.py.
@functools.cache
def data_sharding():
    return NamedSharding(jax.make_mesh((8,), ("data",)), P("data"))


def sharded(n=8):
    return wb.to_rarray(np.arange(float(n)), sharding=data_sharding())


CASES += [
    (
        "shadow committed to other devices than its primal",
        lambda: Duplicated(sharded(), jax.device_put(np.ones(8), jax.devices()[3])),
        wb.ActivityError,
        r"the shadow \(float(32|64)\[8\]\) is on cpu:3, but the primal is sharded as P\('data',\) "
        r"over the mesh \('data': 8\) \(devices 0-7\).*wb.to_rarray\(dx, sharding=x.sharding\)",
    ),
    (
        "to_rarray with a PartitionSpec but no mesh",
        lambda: wb.to_rarray(np.ones(8), sharding=P("data")),
        ValueError,
        r"PartitionSpec P\('data',\) but no mesh.*NamedSharding\(mesh, P\('data',\)\).*set_mesh",
    ),
    (
        "to_rarray with a mesh as sharding",
        lambda: wb.to_rarray(np.ones(8), sharding=data_sharding().mesh),
        TypeError,
        r"sharding must be a jax.sharding.Sharding, but received a Mesh.*NamedSharding\(",
    ),
    (
        "to_rarray of an axis the mesh does not divide",
        lambda: sharded(6),
        ValueError,
        r"splits axis 0 of float64\[6\] 8 ways \(mesh axes 'data'\), but its length 6 is not "
        r"a multiple of 8.*Pad",
    ),
    (
        "to_rarray of a scalar leaf with a 1-D spec",
        lambda: wb.to_rarray({"w": np.ones(8), "b": 1.0}, sharding=data_sharding()),
        ValueError,
        r"spec P\('data',\) has 1 entry .* the leaf \['b'\] float64\[\] has 0 axes"
        r".*PartitionSpec\(\)",
    ),
    (
        "compiled program called with another sharding",
        lambda: wb.compile(total, sharded())(jax.device_put(np.ones(8), jax.devices()[3])),
        wb.CompiledCallError,
        r"(?s)total was compiled for arguments sharded as \(P\('data',\)\).*jax.device_put.*"
        r"wb.compile again.*Passed sharding: SingleDeviceSharding",
    ),
    # Issue 17: messages that were raw, misleading or unreachable.
    (
        "forward-mode gradient of a vector output",
        lambda: wb.gradient(Forward, lambda x: x**2, x3),
        wb.OutputError,
        r"gradient\(Forward\): a gradient needs a scalar output.*shape \(3,\)"
        r".*wb.jacobian\(Forward, f, ...\)",
    ),
    (
        "a text array to differentiate",
        lambda: wb.gradient(Reverse, lambda x: 0.0, np.array(["a", "b"])),
        wb.NotDifferentiableError,
        r"argument 1 is str32\[2\], an array of text, not of numbers.*Const",
    ),
    (
        "an object array to differentiate",
        lambda: wb.gradient(Reverse, lambda x: 0.0, np.array([object(), 1], dtype=object)),
        wb.NotDifferentiableError,
        r"an array of Python objects, not of numbers",
    ),
    (
        "compiled program called with another structure",
        lambda: wb.compile(total, x3)((x3,)),
        wb.CompiledCallError,
        r"compiled for the arguments \(float32\[3\],\) and was called with "
        r"\(\(float32\[3\],\),\).*structure",
    ),
    (
        "compiled program called with keywords",
        lambda: wb.compile(total, x3)(x=x3),
        wb.CompiledCallError,
        r"compiled for positional arguments \(float32\[3\]\) and was called with keyword "
        r"arguments \(x\).*by position",
    ),
    (
        "compiled program called inside jax.jit",
        lambda: jax.jit(lambda v: wb.compile(total, x3)(v))(x3),
        wb.CompiledCallError,
        r"compiled ahead of time \(wb.compile\) and was called inside a JAX transformation"
        r".*wb.jit\(f\)",
    ),
    (
        "ignore_derivatives of a string",
        lambda: wb.ignore_derivatives("abc"),
        TypeError,
        r"ignore_derivatives takes arrays.*received a str \('abc'\)",
    ),
]


@pytest.mark.parametrize(
    ("thunk", "exc", "pattern"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_misuse_message(thunk, exc, pattern):
    with pytest.raises(exc, match=pattern):
        thunk()


def test_there_are_at_least_fifteen_cases():
    assert len(CASES) >= 15


def test_errors_leave_inputs_untouched():
    x = jnp.array([1.0, 2.0])
    dx = jnp.array([0.5, 0.5])
    before = (np.asarray(x).copy(), np.asarray(dx).copy())
    with pytest.raises(wb.OutputError):
        wb.autodiff(Reverse, lambda x: x, Duplicated(x, dx))
    np.testing.assert_array_equal(x, before[0])
    np.testing.assert_array_equal(dx, before[1])


def test_gradient_result_is_read_by_name_not_unpacked():
    result = wb.gradient(wb.ReverseWithPrimal, total, x3)
    np.testing.assert_array_equal(result.derivs[0], 2 * x3)
    assert result.val == total(x3)
    with pytest.raises(TypeError, match=r"read by name.*res\.val and res\.derivs"):
        _val, _derivs = result


def test_sharding_mismatch_of_a_compiled_program_is_also_a_value_error():
    """JAX raises ValueError for it; the workbench's error keeps that type too."""
    with pytest.raises(ValueError, match="compiled for arguments sharded as"):
        wb.compile(total, sharded())(jax.device_put(np.ones(8), jax.devices()[3]))


def test_a_python_number_output_is_a_constant_with_zero_derivative():
    """Enzyme and jax.grad give 0 for a function that returns a constant on some path."""
    f = lambda x, k: {1: 1.0, 2: x}.get(k, 1.0)
    for mode in (Forward, Reverse):
        assert wb.gradient(mode, f, jnp.float32(2.0), Const(3))[0] == 0.0
        assert wb.gradient(mode, f, jnp.float32(2.0), Const(2))[0] == 1.0


def test_reverse_jacobian_of_nothing_is_nothing_as_forward():
    for mode in (Forward, Reverse):
        assert wb.jacobian(mode, lambda x: None, x2) == (None,)


def test_a_const_that_is_not_an_array_crosses_jit():
    """Const("sq") (a non-array Const) is static data: jit passes it through."""
    f = wb.jit(lambda x, c: x * len(c.val))
    assert f(jnp.float32(2.0), Const("sq")) == 4.0
    assert wb.gradient(Reverse, lambda x, c: x * len(c), jnp.float32(2.0), Const("sq"))[0] == 2.0


@pytest.mark.parametrize(
    ("cls", "example"),
    [(Duplicated, "Duplicated(x, dx)"), (BatchDuplicated, "BatchDuplicated(x, (dx1, dx2))")],
    ids=["Duplicated", "BatchDuplicated"],
)
def test_an_activity_with_a_shadow_built_without_one_says_what_a_shadow_is(cls, example):
    """Enzyme's Duplicated(x) habit without the shadow: the workbench's words, not Python's
    "missing 1 required positional argument"."""
    with pytest.raises(wb.ActivityError) as e:
        cls(x3)
    message = str(e.value)
    assert message.startswith(f"{cls.__name__} needs a shadow beside the value")
    assert example in message and "received only float32[3]" in message
    assert "jnp.zeros_like(x)" in message and "Active(x)" in message


@pytest.mark.parametrize(
    ("cls", "example"),
    [
        (Const, "Const(x)"),
        (wb.Active, "Active(x)"),
        (Duplicated, "Duplicated(x, dx)"),
        (BatchDuplicated, "BatchDuplicated(x, (dx1, dx2))"),
    ],
    ids=["Const", "Active", "Duplicated", "BatchDuplicated"],
)
def test_an_activity_built_with_no_value_says_what_it_wraps(cls, example):
    """``Const()`` gave Python's "missing 1 required positional argument: 'val'"."""
    with pytest.raises(wb.ActivityError) as e:
        cls()
    message = str(e.value)
    assert message.startswith(f"{cls.__name__}() received no value.")
    assert (
        f"pass it as {example}" in message and f"wb.autodiff(wb.Reverse, f, {example})" in message
    )


def test_a_compiled_function_called_with_an_argument_it_does_not_take_says_so():
    """JAX reads every argument as an array before the function is entered: wb.jit(f)(x,
    mode=wb.Reverse) for an ``f(x)`` said "Reverse is not an array". The function's signature
    is read first."""

    def f(x):
        return x * 2

    with pytest.raises(wb.ArgumentError) as e:
        wb.jit(f)(x3, mode=wb.Reverse)
    message = str(e.value)
    assert message.startswith("wb.jit: the function f(x) cannot take the arguments it was given")
    assert "unexpected keyword argument 'mode'" in message
    assert "wb.jit(lambda x: wb.gradient(wb.Reverse, f, x))" in message
    with pytest.raises(wb.ArgumentError, match=r"f\(x\) cannot take.*too many positional"):
        wb.jit(f)(x3, "extra")
    # A function that takes the argument: the value itself is what is refused.
    with pytest.raises(wb.ArgumentError, match=r"received a str \('extra'\).*not an array"):
        wb.jit(lambda x, s: x)(x3, "extra")


def test_a_graph_count_of_an_unknown_kind_says_what_it_counts():
    g = wb.graph(lambda x: jnp.sum(jnp.sin(x)), x3).model
    with pytest.raises(wb.OptionError) as e:
        g.count("boxes")
    message = str(e.value)
    assert message.startswith("Graph.count received 'boxes'")
    assert "'ops' (by pass), 'nodes', 'edges' or 'regions'" in message
    assert isinstance(e.value, ValueError)  # as before: a right type with a wrong value
