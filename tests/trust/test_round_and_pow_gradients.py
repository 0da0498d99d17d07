"""Issue 22, items 5 and 6: ``round`` of integers in fused code, and the power's derivatives
where the textbook formula gives 0 * inf = nan but the derivative exists.  The right answers:
numpy (rounding an integer leaves it unchanged) and the mathematics (one-sided finite
differences of the function itself, which is smooth where it is tested)."""
from __future__ import annotations

import numpy as np
import pytest

import gradlab
import gradlab.tensor as gt

MODES = ["FAST_RUN", "FAST_COMPILE", "NO_REWRITE"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", ["int8", "uint8", "int32", "int64"])
def test_round_of_an_integer_tensor_inside_fused_code(mode, dtype):
    v = gt.vector("v", dtype=dtype)
    f = gradlab.function([v], [gt.round(v * 2), gt.round(v) + 1, gt.round(v + 1) * 2], mode=mode)
    value = np.array([1, 2, 3], dtype=dtype)
    got = f(value)
    want = [np.round(value * 2), np.round(value) + 1, np.round(value + 1) * 2]
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
        assert g.dtype == w.dtype


def test_round_of_floats_is_still_half_to_even_in_fused_code():
    x = gt.dvector("x")
    got = gradlab.function([x], gt.round(x * 1.0) + 0)(np.array([0.5, 1.5, 2.5, -0.5]))
    np.testing.assert_array_equal(got, [0.0, 2.0, 2.0, -0.0])


def one_sided(fn, at, h=1e-6):
    """(f(at + h) - f(at)) / h: the right-hand derivative (the functions here are smooth there)."""
    return (fn(at + h) - fn(at)) / h


CASES = [
    # (formula, numpy function of the variable, point): each derivative exists at the point
    ("0 ** x at x = 2", lambda x: gt.constant(0.0) ** x, lambda t: 0.0 ** t, 2.0, 0.0),
    ("x ** 0 at x = 0", lambda x: x ** gt.constant(0.0), lambda t: t ** 0.0, 0.0, 0.0),
    ("0.0 ** (x + 1) at 1", lambda x: gt.constant(0.0) ** (x + 1), lambda t: 0.0 ** (t + 1), 1.0, 0.0),
    ("x ** 2 at 0", lambda x: x ** 2, lambda t: t ** 2, 0.0, 0.0),
    ("2 ** x at 3", lambda x: gt.constant(2.0) ** x, lambda t: 2.0 ** t, 3.0, 8 * np.log(2.0)),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name,build,numpy_fn,at,exact", CASES, ids=[c[0] for c in CASES])
def test_power_gradient_where_the_derivative_exists(mode, name, build, numpy_fn, at, exact):
    x = gt.dscalar("x")
    y = build(x)
    with np.errstate(all="ignore"):
        g = float(gradlab.function([x], gt.grad(y, x), mode=mode)(at))
        tangent = float(gradlab.function([x], gradlab.gradient.Rop(y, x, gt.constant(1.0)), mode=mode)(at))
        numeric = one_sided(numpy_fn, at)
    assert g == pytest.approx(exact, abs=1e-6)
    assert tangent == pytest.approx(exact, abs=1e-6)
    assert numeric == pytest.approx(exact, abs=1e-4)


@pytest.mark.parametrize("mode", MODES)
def test_both_partials_of_a_power_of_two_variables(mode):
    a = gt.dscalar("a")
    b = gt.dscalar("b")
    f = gradlab.function([a, b], gt.grad(a ** b, [a, b]), mode=mode)
    with np.errstate(all="ignore"):
        np.testing.assert_allclose(f(0.0, 3.0), [0.0, 0.0])         # 0**b = 0 near b = 3; 3 a**2 = 0
        np.testing.assert_allclose(f(2.0, 3.0), [12.0, 8 * np.log(2.0)])
        np.testing.assert_allclose(f(5.0, 0.0), [0.0, np.log(5.0)])  # a**0 = 1 for every a
        da, db = f(-2.0, 3.0)                                         # (-2)**b: no real derivative in b
    assert da == 12.0 and np.isnan(db)
