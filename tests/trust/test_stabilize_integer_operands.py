"""Issue 22, item 1: the stabilizing rules keep the values of integer and boolean operands.

The right answers are the mathematics, computed in float64 from the integer values:
log(sigmoid(u)) = -log1p(exp(-u)), 1 - sigmoid(u) = sigmoid(-u).  FAST_RUN (which
stabilizes) must give them to the output dtype's precision; FAST_COMPILE and NO_REWRITE compute
the naive formula in float16 (numpy's float for 8-bit integers), which is right
where it is finite and its digits did not cancel."""
from __future__ import annotations

import numpy as np
import pytest

import gradlab
import gradlab.tensor as gt

MODES = ["FAST_RUN", "FAST_COMPILE", "NO_REWRITE"]


def log_sigmoid(v):
    v = np.asarray(v, dtype=np.float64)
    return -np.logaddexp(0.0, -v)


def one_minus_sigmoid(v):
    v = np.asarray(v, dtype=np.float64)
    return np.exp(-np.logaddexp(0.0, v))


def tolerance(dtype):
    return {"float16": 2e-3, "float32": 1e-6, "float64": 1e-12}[str(dtype)]


CASES = [("uint8", [0, 200, 7, 255]), ("int8", [-128, -7, 0, 127]), ("int32", [-100000, -3, 0, 40]),
         ("int64", [-2 ** 40, -1, 5, 2 ** 40]), ("bool", [True, False])]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype,values", CASES)
@pytest.mark.parametrize("build,exact", [(lambda u: gt.log(gt.sigmoid(u)), log_sigmoid),
                                         (lambda u: 1 - gt.sigmoid(u), one_minus_sigmoid),
                                         (lambda u: 1 + (-gt.sigmoid(u)), one_minus_sigmoid)],
                         ids=["log_sigmoid", "one_minus_sigmoid", "one_plus_neg_sigmoid"])
def test_integer_operands_keep_their_values(mode, dtype, values, build, exact):
    u = gt.vector("u", dtype=dtype)
    f = gradlab.function([u], build(u), mode=mode)
    value = np.array(values, dtype=dtype)
    got = f(value)
    want = exact(value)
    assert got.dtype.kind == "f"
    rtol = tolerance(got.dtype)
    tiny = np.finfo(got.dtype).tiny
    if mode != "FAST_RUN":          # no stabilize rules: the naive formula, right where nothing over- or underflowed
        # (and where no digits were lost: |answer| well above the dtype's rounding of 1)
        ok = np.isfinite(got) & (np.abs(want) > np.sqrt(np.finfo(got.dtype).eps))
        np.testing.assert_allclose(got[ok], want[ok].astype(got.dtype), rtol=rtol * 4)
    else:                           # the stable forms: right everywhere (to the dtype's range)
        np.testing.assert_allclose(got, want.astype(got.dtype), rtol=rtol, atol=100 * tiny)


def test_the_issue_numbers():
    u = gt.vector("u", dtype="uint8")
    got = gradlab.function([u], gt.log(gt.sigmoid(u)))(np.array([0, 200, 7], dtype="uint8"))
    np.testing.assert_allclose(got, [-np.log(2), -np.exp(-200.0), -np.log1p(np.exp(-7.0))], rtol=2e-3, atol=1e-7)
    i = gt.vector("i", dtype="int8")
    assert gradlab.function([i], gt.log(gt.sigmoid(i)))(np.array([-128], dtype="int8"))[0] == -128.0
    got = gradlab.function([u], 1 - gt.sigmoid(u))(np.array([0, 200, 7], dtype="uint8"))
    np.testing.assert_allclose(got, [0.5, 0.0, 1 / (1 + np.exp(7.0))], rtol=2e-3, atol=1e-7)


@pytest.mark.parametrize("mode", MODES)
def test_integer_arithmetic_on_the_left_side_keeps_its_wrap_around(mode):
    """log(1 + u) with u = uint8(255): 1 + u is 0 in uint8 in every mode, so the value is -inf
    (log1p(255.0) would be a different number); likewise exp(-u) with -u wrapped."""
    u = gt.vector("u", dtype="uint8")
    values = np.array([255, 3], dtype="uint8")
    f = gradlab.function([u], gt.log(1 + u), mode=mode)
    with np.errstate(divide="ignore"):
        want = np.log((1 + values).astype(np.float16))
    np.testing.assert_array_equal(f(values), want)
    g = gradlab.function([u], 1 / (1 + gt.exp(-u)), mode=mode)
    neg = (-values).astype(np.float16)       # numpy wraps: -uint8(255) == 1, -uint8(3) == 253
    np.testing.assert_allclose(g(values), 1 / (1 + np.exp(neg)), rtol=2e-3)


@pytest.mark.parametrize("mode", MODES)
def test_logistic_pieces_inside_a_product_with_an_integer_exponent(mode):
    """a / (1 + exp(t)) -> a * sigmoid(-t): -t is taken as a float, never as a wrapped int8."""
    a = gt.dvector("a")
    t = gt.vector("t", dtype="int8")
    f = gradlab.function([a, t], a / (1 + gt.exp(t)), mode=mode)
    tv = np.array([-128, 0, 100], dtype="int8")
    av = np.array([2.0, 3.0, 4.0])
    want = av / (1 + np.exp(tv.astype(np.float64)))
    np.testing.assert_allclose(f(av, tv), want, rtol=2e-3, atol=1e-7)   # exp(t) is a float16
