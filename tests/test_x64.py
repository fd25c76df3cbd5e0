"""The workbench changes no global configuration: 64-bit mode is the application's choice, and
``to_rarray`` says once what happens to float64 data without it (issue 18)."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import workbench as wb
from workbench._src import arrays

X64 = bool(jax.config.read("jax_enable_x64"))


def test_importing_the_workbench_changes_no_jax_configuration() -> None:
    code = (
        "import jax; before = dict(jax.config.values); import workbench; "
        "changed = {k for k, v in jax.config.values.items() if before.get(k, v) != v}; "
        "print(jax.config.read('jax_enable_x64'), sorted(changed))"
    )
    env = {k: v for k, v in os.environ.items() if k != "JAX_ENABLE_X64"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "[]"], out.stdout


@pytest.fixture
def fresh_warning(monkeypatch):
    monkeypatch.setattr(arrays, "_warned_narrowing", False)


@pytest.mark.skipif(X64, reason="with JAX_ENABLE_X64=1 float64 stays float64 (next test)")
def test_float64_data_with_x64_off_becomes_float32_and_is_said_once(fresh_warning) -> None:
    with pytest.warns(arrays.PrecisionWarning) as said:
        x = wb.to_rarray({"w": np.ones(3), "b": np.float32(1.0)})
    assert x["w"].dtype == jnp.float32  # what JAX holds with 64-bit mode off
    (w,) = said
    text = str(w.message)
    assert "received float64 data at ['w'] (float64[3])" in text
    assert "became float32" in text
    assert 'jax.config.update("jax_enable_x64", True)' in text and "JAX_ENABLE_X64=1" in text
    assert "np.asarray(x, np.float32)" in text
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        wb.to_rarray(np.ones(2))  # said once per session
        wb.to_rarray(np.ones(2, np.complex128))


@pytest.mark.skipif(X64, reason="with JAX_ENABLE_X64=1 float64 stays float64 (next test)")
def test_float32_and_jax_arrays_are_not_warned_about(fresh_warning) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        wb.to_rarray(np.ones(3, np.float32))
        wb.to_rarray(jnp.ones(3))
        wb.to_rarray(np.arange(3))  # integers: JAX's int32 with x64 off, not a precision loss


@pytest.mark.skipif(not X64, reason="needs JAX_ENABLE_X64=1")
def test_with_x64_on_float64_stays_float64_without_a_word(fresh_warning) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = wb.to_rarray(np.ones(3))
        s = wb.to_rarray(3.1)
    assert x.dtype == jnp.float64 and s.dtype == jnp.float64


def test_importing_the_workbench_starts_no_backend() -> None:
    """Importing starts no JAX backend, so a program (or tests/conftest.py, or
    benchmarks/bench_sharding.py) can still ask for host devices afterwards (a module-level
    ``jnp.zeros(())`` in the workbench once took that away)."""
    code = (
        "import jax, workbench; import workbench._src.notebook.magic; "
        "jax.config.update('jax_num_cpu_devices', 4); print(len(jax.devices('cpu')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["4"], out.stdout
