"""Issue 17: a float32 graph differentiates in float32, so the stabilising
rules see it without casts in the way (the float32 logistic gradient at -100
was NaN; the true value e**-100 ~ 3.7e-44 is a float32 subnormal)."""
from __future__ import annotations

import numpy as np
import pytest

import gradlab
import gradlab.tensor as gt
from gradlab.graph import ancestors

POINTS = np.array([-100.0, -30.0, -1.0, 0.0, 2.0, 30.0, 100.0])

FORMS = {
    "logistic_written_out": lambda x: 1 / (1 + gt.exp(-x)),
    "sigmoid": gt.sigmoid,
    "log_logistic": lambda x: gt.log(1 / (1 + gt.exp(-x))),
    "softplus_written_out": lambda x: gt.log(1 + gt.exp(x)),
}


def _reference(name: str, x: np.ndarray) -> np.ndarray:
    s, s_neg = 1 / (1 + np.exp(-x)), 1 / (1 + np.exp(x))  # sigmoid(x), sigmoid(-x) = 1 - sigmoid(x)
    return {"logistic_written_out": s * s_neg, "sigmoid": s * s_neg, "log_logistic": s_neg,
            "softplus_written_out": s}[name]


@pytest.mark.parametrize("name", list(FORMS))
def test_float32_logistic_family_gradients_are_finite_and_right(name):
    x = gt.fvector("x")
    g = gt.grad(FORMS[name](x).sum(), x)
    assert g.dtype == "float32"
    assert not [v for v in ancestors([g]) if getattr(v.type, "dtype", None) == "float64"]
    f = gradlab.function([x], g)
    with np.errstate(over="ignore", under="ignore"):
        got = f(POINTS.astype("float32"))
        want = _reference(name, POINTS)
    assert got.dtype == np.float32
    assert np.all(np.isfinite(got)), got
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-38)


def test_float32_logistic_gradient_at_minus_100_is_e_to_the_minus_100():
    x = gt.fscalar("x")
    f = gradlab.function([x], gt.grad(1 / (1 + gt.exp(-x)), x))
    got = f(np.float32(-100))
    assert got.dtype == np.float32
    assert got == pytest.approx(np.exp(-100.0), rel=0.05)  # a subnormal float32: ~2 significant digits
    assert f(np.float32(100)) == pytest.approx(np.exp(-100.0), rel=0.05)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_int_constants_do_not_widen_float32_gradients(dtype):
    """``-1 / x``, ``2 ** x``, ``x ** 3``, ``x / 2``: the weak constants keep the input's dtype."""
    x = gt.vector("x", dtype=dtype)
    cost = (-1 / x + 2 ** x + x ** 3 + x / 2 + gt.maximum(x, 0)).sum()
    g = gt.grad(cost, x)
    assert g.dtype == dtype
    wide = {v.dtype for v in ancestors([g]) if hasattr(v.type, "dtype") and v.dtype.startswith("float")}
    assert wide == {dtype}
    value = np.array([0.5, 1.5, -2.0])
    got = gradlab.function([x], g)(value.astype(dtype))
    want = 1 / value ** 2 + np.log(2) * 2 ** value + 3 * value ** 2 + 0.5 + (value > 0)
    np.testing.assert_allclose(got, want, rtol=1e-6 if dtype == "float64" else 1e-5)
