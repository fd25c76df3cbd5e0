import jax
import pytest

import workbench  # noqa: F401  (turns on float64 before any test builds arrays)


@pytest.fixture(autouse=True)
def _fresh_jax_caches():
    yield
    # Keep each test's compilations from piling up across the whole run.
    jax.clear_caches()
