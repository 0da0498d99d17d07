"""Checkers of notebooks 01-03: right answers pass, each typical mistake gets its own hint."""
import numpy as np
import pytest

import gradlab.tensor as gt
from gradlab import exercises
from gradlab.exercises import (check_adjoint, check_central_difference, check_chain_rule, check_jvp,
                               check_pass_counts, check_formula_size, check_vjp)


# -- 01 ---------------------------------------------------------------------
def test_central_difference_right_and_typical_mistakes():
    assert check_central_difference(lambda f, x, h: (f(x + h) - f(x - h)) / (2 * h))
    fb = check_central_difference(lambda f, x, h: (f(x + h) - f(x)) / h)
    assert not fb and "forward difference" in fb.message
    fb = check_central_difference(lambda f, x, h: (f(x) - f(x - h)) / h)
    assert not fb and "backward difference" in fb.message
    fb = check_central_difference(lambda f, x, h: (f(x + h) - f(x - h)) / h)
    assert not fb and "divide by 2h" in fb.message
    fb = check_central_difference(lambda f, x, h: (f(x - h) - f(x + h)) / (2 * h))
    assert not fb and "wrong sign" in fb.message
    fb = check_central_difference(lambda f, x, h: undefined_name)  # noqa: F821
    assert not fb and "NameError" in fb.message and "np.exp" in fb.message
    assert "pass your function" in check_central_difference(1.0).message


def test_chain_rule_right_and_typical_mistakes():
    x = gt.dscalar("x")
    assert check_chain_rule(2 * x * gt.cos(x ** 2), x)
    refused = check_chain_rule(gt.grad(gt.sin(x ** 2), x), x)
    assert not refused and "built by gt.grad" in refused.message and "by hand" in refused.message
    cases = {
        "inner derivative": gt.cos(x ** 2),
        "factor 2 is missing": x * gt.cos(x ** 2),
        "derivative of sin is cos": -2 * x * gt.sin(x ** 2),
        "not cos(2x)": gt.cos(2 * x),
        "outer derivative is cos": 2 * x * gt.sin(x ** 2),
    }
    for hint, wrong in cases.items():
        fb = check_chain_rule(wrong, x)
        assert not fb and hint in fb.message, (hint, fb)
    fb = check_chain_rule(x ** 3, x)
    assert not fb and "at x = 0.5" in fb.message
    assert "symbolic" in check_chain_rule("2x cos(x^2)", x).message
    assert "still `...`" in check_chain_rule(..., x).message


def test_formula_size_right_and_typical_mistakes():
    assert check_formula_size(2047, n=10)
    assert check_formula_size(15, n=3)
    assert "size of the graph" in check_formula_size(11, n=10).message
    assert "x's (the leaves) alone" in check_formula_size(1024, n=10).message
    assert "but not the 1024 x's" in check_formula_size(1023, n=10).message
    assert "one too many" in check_formula_size(2048, n=10).message
    fb = check_formula_size(100, n=10)
    assert not fb and "2047" in fb.message


# -- 02 ---------------------------------------------------------------------
def micrograd():
    a, b, c, f = (gt.dscalar(n) for n in "abcf")
    e = a * b
    e.name = "e"
    d = e + c
    d.name = "d"
    L = d * f
    L.name = "L"
    return a, b, c, f, e, d, L


def test_adjoint_right_and_typical_mistakes():
    a, b, c, f, e, d, L = micrograd()
    values = {"a": 2.0, "b": -3.0, "c": 10.0, "f": -2.0}
    # dL/da = dL/de * de/da = (dL/dd * 1) * b = f * b = 6
    fb = check_adjoint(6.0, L, a, values)
    assert fb and "dL/da = 6" in fb.message
    fb = check_adjoint(-3.0, L, a, values)
    assert not fb and "∂e/∂a = -3, the local derivative" in fb.message and "dL/de = -2" in fb.message
    fb = check_adjoint(-2.0, L, a, values)
    assert not fb and "adjoint of e" in fb.message and "∂e/∂a" in fb.message
    fb = check_adjoint(2.0, L, a, values)
    assert not fb and "value of a from the forward pass" in fb.message
    fb = check_adjoint(-6.0, L, a, values)
    assert not fb and "wrong sign" in fb.message
    assert check_adjoint(-2.0, L, e, values)            # an intermediate: dL/de = f
    assert check_adjoint(4.0, L, f, {a: 2.0, b: -3.0, c: 10.0, f: -2.0})


def test_adjoint_of_a_variable_read_twice_names_the_other_path():
    x, y = gt.dscalar("x"), gt.dscalar("y")
    p = x * y
    p.name = "p"
    L = p + x
    L.name = "L"
    values = {"x": 3.0, "y": 4.0}
    assert check_adjoint(5.0, L, x, values)              # y + 1
    fb = check_adjoint(4.0, L, x, values)
    assert not fb and "only the term through p" in fb.message and "every path" in fb.message
    fb = check_adjoint(1.0, L, x, values)
    assert not fb and "only the term through L" in fb.message


def test_adjoint_of_the_logistic():
    x = gt.dscalar("x")
    s = 1 / (1 + gt.exp(-x))
    s.name = "s"
    sig = 1 / (1 + np.exp(-0.5))
    assert check_adjoint(sig * (1 - sig), s, x, {"x": 0.5})
    fb = check_adjoint(sig, s, x, {"x": 0.5})
    assert not fb and "ds/dx is 0.6225, but it should be 0.235" in fb.message
    with pytest.raises(ValueError, match="not a variable of the graph"):
        check_adjoint(1.0, s, gt.dscalar("z"), {"x": 0.5})


# -- 03 ---------------------------------------------------------------------
def small_map():
    x = gt.dvector("x")
    y = gt.stack([x[0] * x[1], x[0] + gt.sin(x[1])])
    return x, y


X0 = [2.0, 0.0]            # J = [[x1, x0], [1, cos x1]] = [[0, 2], [1, 1]]


def test_jvp_right_and_typical_mistakes():
    x, y = small_map()
    v = [1.0, 3.0]
    assert check_jvp([6.0, 4.0], y, x, X0, v)
    fb = check_jvp([3.0, 5.0], y, x, X0, v)
    assert not fb and "vᵀ·J" in fb.message
    fb = check_jvp([2.0, 1.0], y, x, X0, v)
    assert not fb and "column 1 of J alone" in fb.message
    fb = check_jvp([[0.0, 2.0], [1.0, 1.0]], y, x, X0, v)
    assert not fb and "the Jacobian's" in fb.message
    fb = check_jvp([6.0, 5.0], y, x, X0, v)
    assert not fb and "J·v[1] is 5" in fb.message


def test_vjp_right_and_typical_mistakes():
    x, y = small_map()
    u = [1.0, 3.0]
    assert check_vjp([3.0, 5.0], y, x, X0, u)
    fb = check_vjp([6.0, 4.0], y, x, X0, u)
    assert not fb and "J·u" in fb.message
    fb = check_vjp([1.0, 1.0], y, x, X0, u)
    assert not fb and "row 1 of J alone" in fb.message
    fb = check_vjp(np.eye(2), y, x, X0, u)
    assert not fb and "the Jacobian's" in fb.message
    assert "shape (3,)" in check_vjp([1.0, 2.0, 3.0], y, x, X0, u).message


def test_pass_counts():
    assert check_pass_counts(1000, 1, n=1000, m=1)
    fb = check_pass_counts(1, 1000, n=1000, m=1)
    assert not fb and "swapped" in fb.message
    fb = check_pass_counts(3000, 3, n=1000, m=3)
    assert not fb and "one column" in fb.message and "not one entry" in fb.message
    fb = check_pass_counts(1000, 1000, n=1000, m=3)
    assert not fb and "one row of J" in fb.message and "3 of them" in fb.message
    assert "still `...`" in check_pass_counts(..., 1, n=10, m=1).message


def test_checkers_are_reexported():
    for name in ("check_central_difference", "check_chain_rule", "check_formula_size", "check_adjoint", "check_jvp",
                 "check_vjp", "check_pass_counts"):
        assert getattr(exercises, name) is getattr(exercises.mechanism, name)
