"""Loud checks of the private JAX routes that ``workbench/_src/internals/private_jax.py`` reads.

Each private route has a public fallback. These tests fail when a JAX upgrade removes or changes
a private route, so that the change is seen (and the fallback checked) instead of the workbench
quietly getting slower or coarser.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import pytest

from workbench._src.internals import private_jax

X = jnp.arange(3.0) + 0.5
VERSION = f"jax {jax.__version__}"


def nested(x):
    with jax.named_scope("outer"):
        y = jax.grad(lambda z: jnp.sum(jnp.sin(z) ** 3))(x)
    with jax.named_scope("blk"):
        return jnp.sum(jnp.cos(y) * x)


def all_eqns(jaxpr):
    for e in jaxpr.eqns:
        yield e
        for sub in jax.extend.core.jaxprs_in_params(e.params):
            yield from all_eqns(sub)


@pytest.fixture(scope="module")
def eqns():
    return list(all_eqns(jax.make_jaxpr(jax.grad(nested))(X).jaxpr))


def test_private_routes_exist() -> None:
    source_info = private_jax._source_info
    assert source_info is not None, f"{VERSION}: jax._src.source_info_util moved"
    for name in ("user_frame", "Transform", "Scope"):
        assert hasattr(source_info, name), f"{VERSION}: jax._src.source_info_util.{name} is gone"
    assert private_jax._jax_saved_residuals is not None, (
        f"{VERSION}: jax._src.ad_checkpoint.saved_residuals is gone"
    )


def test_user_frame_agrees_with_the_public_summary(eqns) -> None:
    for e in eqns:
        fast = private_jax.user_frame(e.source_info)
        slow = private_jax.user_frame_public(e.source_info)
        assert fast == slow
        assert fast is None or str(fast) == private_jax.summarize(e.source_info)
    assert any(f is not None and f.file == __file__ for f in map(_user_frame, eqns))


def _user_frame(e):
    return private_jax.user_frame(e.source_info)


def test_name_stack_entries_agree_with_the_printed_stack(eqns) -> None:
    seen = set()
    for e in eqns:
        ns = e.source_info.name_stack
        entries = private_jax.name_stack_entries(ns)
        assert entries == private_jax.parse_name_stack(str(ns)), str(ns)
        seen.add(str(ns))
    # The cases that matter are all there: nested transforms with scopes inside and out.
    assert any(s.startswith("transpose(jvp(") and "blk" in s for s in seen), seen
    assert any("outer" in s and "transpose(" in s for s in seen), seen


@pytest.mark.parametrize(
    ("text", "entries"),
    [
        ("", ()),
        ("jvp()", ((True, "jvp"),)),
        ("transpose(jvp(blk))", ((True, "transpose"), (True, "jvp"), (False, "blk"))),
        ("a/jvp(b)", ((False, "a"), (True, "jvp"), (False, "b"))),
        ("jvp(a)/b", ((True, "jvp"), (False, "a"), (False, "b"))),
    ],
)
def test_parse_name_stack(text: str, entries: tuple) -> None:
    assert private_jax.parse_name_stack(text) == entries


def test_saved_residuals_agree_with_what_the_printer_prints() -> None:
    f = lambda x: jnp.sum(jnp.sin(x) * x)
    private = private_jax.saved_residuals(f, X)
    assert private == private_jax.saved_residuals_public(f, X)
    assert [a for a, _ in private] == [f"f{X.dtype.itemsize * 8}[3]"] * 3


def test_optimized_stablehlo_is_available() -> None:
    lowered = jax.jit(lambda x: jnp.sin(x) * 2).lower(X)
    text = private_jax.optimized_stablehlo(lowered.compile(), lowered)
    assert text is not None, f"{VERSION}: XLA's optimized module no longer prints as StableHLO"
    assert "func.func" in text and "stablehlo.sine" in text


def test_executable_devices_are_available() -> None:
    compiled = jax.jit(lambda x: jnp.sin(x) * 2).lower(X).compile()
    devices = private_jax.executable_devices(compiled)
    assert devices is not None, f"{VERSION}: a compiled program's local_devices() is gone"
    assert devices == private_jax.executable_devices_public([compiled.output_shardings])
