import jax

# Eight CPU devices, so that tests/test_sharding.py can shard over a mesh on this one machine.
# The flag must be set before any backend initialises (importing workbench does not initialise
# one); other tests keep using the default device, jax.devices()[0].
jax.config.update("jax_num_cpu_devices", 8)

import pytest  # noqa: E402

import workbench  # noqa: E402, F401  (turns on float64 before any test builds arrays)


def pytest_report_header(config):
    """The JAX the tests run on, at the top of every run (CI tests two: see .ci/run)."""
    import sys

    import jaxlib

    python = sys.version.split()[0]
    return f"workbench tests on jax {jax.__version__}, jaxlib {jaxlib.__version__}, Python {python}"


@pytest.fixture(autouse=True)
def _fresh_jax_caches():
    yield
    # Keep each test's compilations from piling up across the whole run.
    jax.clear_caches()
