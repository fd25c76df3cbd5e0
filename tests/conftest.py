import jax
import pytest

# Eight CPU devices, so that tests/test_sharding.py can shard over a mesh on this one machine.
# The flag must be set before any backend initialises (importing workbench does not initialise
# one); other tests keep using the default device, jax.devices()[0].
jax.config.update("jax_num_cpu_devices", 8)


def pytest_report_header(config):
    """The JAX the tests run on and its 64-bit mode, at the top of every run (CI tests both
    ends of JAX and both modes: see .ci/run)."""
    import sys

    import jaxlib

    python = sys.version.split()[0]
    x64 = "on" if X64 else "off (JAX_ENABLE_X64=1 turns it on)"
    return (
        f"workbench tests on jax {jax.__version__}, jaxlib {jaxlib.__version__}, Python {python}; "
        f"jax_enable_x64 {x64}"
    )


X64 = bool(jax.config.read("jax_enable_x64"))


def pytest_collection_modifyitems(config, items):
    """``@pytest.mark.float64``: the test's numbers or oracle are float64 (the tutorial's values,
    finite differences at float64 precision, float64 byte counts). With JAX's 64-bit mode off
    (JAX's default, and ./dev test's) JAX holds no float64, so these run where it is on: CI's
    second run sets JAX_ENABLE_X64=1 (.ci/run). Everything else runs in both modes."""
    if X64:
        return
    skip = pytest.mark.skip(reason="float64 test: runs with JAX_ENABLE_X64=1 (CI's second run)")
    for item in items:
        if item.get_closest_marker("float64") is not None:
            item.add_marker(skip)


@pytest.fixture(autouse=True, scope="module")
def _fresh_jax_caches():
    # Keep compilations from piling up across the whole run: cleared after each module, not
    # each test, because eager JAX compiles every primitive once per shape and dtype and a
    # module's tests share them (clearing per test cost a third of the CPU time).
    yield
    jax.clear_caches()
