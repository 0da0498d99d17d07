"""Grid evaluation for plots: vectorised when the graph is elementwise in the
variables, point by point otherwise — the same numbers either way."""
from __future__ import annotations

import numpy as np
import pytest

import gradlab.tensor as gt
from gradlab.viz import sampling

x = gt.dscalar("x")
y = gt.dscalar("y")

# expression, numpy reference, vectorised path expected to be kept
GRID_TABLE = [
    ("elementwise", lambda: gt.exp(x) * gt.sin(y) + 3.0, lambda a, b: np.exp(a) * np.sin(b) + 3.0, True),
    ("grad_fill", lambda: gt.grad(x ** 2 * y, x), lambda a, b: 2 * a * b, True),
    ("sum_of_scalar", lambda: (x * y).sum() + x, lambda a, b: a * b + a, None),
    ("stack_then_sum", lambda: gt.stack([x, y * 2]).sum(), lambda a, b: a + 2 * b, False),
    ("max_of_stack", lambda: gt.stack([x, y]).max(), lambda a, b: np.maximum(a, b), False),
]


@pytest.mark.parametrize("name,build,ref,fast", GRID_TABLE, ids=[r[0] for r in GRID_TABLE])
def test_grid_values_equal_numpy(name, build, ref, fast, monkeypatch):
    kept = []
    original = sampling._agrees

    def spy(*args):
        ok = original(*args)
        kept.append(ok)
        return ok

    monkeypatch.setattr(sampling, "_agrees", spy)
    X, Y = np.meshgrid(np.linspace(-1, 2, 7), np.linspace(0.5, 1.5, 4))
    out = sampling.on_grid([build()], [x, y], [X, Y])
    assert out.shape == (1,) + X.shape
    np.testing.assert_allclose(out[0], ref(X, Y), rtol=1e-12)
    if fast is True:
        assert kept == [True]
    elif fast is False:
        assert kept in ([], [False])        # failed to build, or caught by the check


def test_other_inputs_are_passed_through():
    a = gt.dscalar("a")
    xs = np.linspace(0, 1, 5)
    out = sampling.on_grid([gt.sin(a * x)], [x], [xs], others=[a], other_values=[3.0])
    np.testing.assert_allclose(out[0], np.sin(3 * xs))
