"""Fallbacks that keep a cell working when an optional part fails say so (``FallbackWarning``).

Each of these once swallowed any exception: a JAX release that broke the route behind it would
have gone unseen. Now each warns with the cause and still never breaks the cell. (IR links:
``test_ir_links.py::test_links_never_break_the_inspector``.)
"""

from __future__ import annotations

import jax.numpy as jnp
import pytest

import workbench as wb
from workbench._src.errors import FallbackWarning
from workbench._src.internals import private_jax
from workbench._src.notebook import magic, views


def test_view_data_that_fails_warns_and_the_text_is_shown(monkeypatch):
    def broken(report):
        raise RuntimeError("no grid today")

    monkeypatch.setattr(views, "sharding_data", broken)
    ins = wb.inspect(lambda x: jnp.sum(x * 2), jnp.ones(4), runs=0)
    with pytest.warns(FallbackWarning, match=r"sharding view's data .*RuntimeError: no grid"):
        (view,) = views.build_views(["sharding"], None, ins)
    assert view.data is None and view.text and not view.note


def test_a_container_jax_cannot_flatten_warns_and_becomes_a_constant():
    mixed_keys = {1: jnp.ones(2), "a": jnp.ones(2)}  # keys JAX cannot sort
    with pytest.warns(FallbackWarning, match=r"A dict the expression reads could not be flattened"):
        assert not magic._is_array_data(mixed_keys)
    assert magic._is_array_data({"a": jnp.ones(2), "b": [jnp.ones(3)]})


def test_private_routes_that_fail_warn_and_fall_back():
    not_compiled = object()
    with pytest.warns(FallbackWarning, match=r"optimized module as StableHLO .*AttributeError"):
        assert private_jax.optimized_stablehlo(not_compiled, None) is None
    with pytest.warns(FallbackWarning, match=r"device assignment .*AttributeError"):
        assert private_jax.executable_devices(not_compiled) is None
