"""Arrays in the inspector as treescope draws them (issue 16, item 4): the result's and the
gradients' views carry treescope's own HTML (``views.array_html``), the widget draws it above
their text. Oracle: treescope itself, called directly on the same values; the values' NaN and
inf, counted by NumPy, are what its summary reports.
"""

from __future__ import annotations

import re
import warnings

import jax.numpy as jnp
import numpy as np
import pytest
from IPython.utils.capture import capture_output

from tests.ipython_shell import shared_shell
from workbench._src.errors import FallbackWarning
from workbench._src.notebook import views

treescope = pytest.importorskip("treescope")


@pytest.fixture(scope="module")
def shell():
    return shared_shell()


@pytest.fixture
def ip(shell):
    shell.user_ns.update(jnp=jnp, x=jnp.array([0.0, 1.0, 4.0], jnp.float32))
    return shell


def run(ip, line, body):
    with capture_output():
        r = ip.run_cell(f"%%reactant {line}\n{body}")
    assert r.error_in_exec is None and r.error_before_exec is None
    return r.result


def test_array_html_is_treescopes_own_drawing_and_needs_no_network():
    value = jnp.array([[0.0, 1.0, np.nan], [np.inf, -2.0, 3.0]], jnp.float32)
    html = views.array_html(value)
    with treescope.active_autovisualizer.set_scoped(treescope.ArrayAutovisualizer()):
        direct = treescope.render_to_html(value, compressed=True)
    # The same drawing (treescope numbers its elements afresh each call: compare the sizes).
    assert abs(len(html) - len(direct)) < 200
    assert "<script" in html and not re.search(r"""(src|href)=["']?https?:""", html)
    # No global configuration changed: the autovisualizer is back to what it was.
    assert treescope.active_autovisualizer.get() is None


def test_result_and_gradient_views_carry_the_arrays(ip):
    res = run(ip, "--grad x", "jnp.sum(jnp.sqrt(x))")
    data = {v.name: v.data for v in res.views}
    assert "treescope" in data["result"]["treescope"]
    assert "treescope" in data["grad"]["treescope"]
    # The gradient 1/(2 sqrt(x)) is inf at x = 0: its drawing is of those values.
    g = np.asarray(res.gradients.values["x"])
    assert np.isinf(g[0]) and np.isfinite(g[1:]).all()
    assert len(data["grad"]["treescope"]) > 1000


def test_without_treescope_the_text_stands_alone(ip, monkeypatch):
    def broken(*a, **k):
        raise RuntimeError("no drawing today")

    monkeypatch.setattr(treescope, "render_to_html", broken)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = run(ip, "", "jnp.sin(x)")
    result = next(v for v in res.views if v.name == "result")
    assert result.data is None and "float32[3]" in result.text
    assert any(
        issubclass(w.category, FallbackWarning) and "no drawing today" in str(w.message)
        for w in caught
    )
