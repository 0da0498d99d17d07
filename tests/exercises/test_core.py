"""The shared exercise-checking machinery: right answers pass, wrong ones say what is wrong."""
import numpy as np

import gradlab.tensor as gt
from gradlab.exercises import Feedback, Mistake, check_expression, check_value


def test_right_value_is_truthy_and_prints_a_tick():
    fb = check_value([1.0, 2.0], np.array([1.0, 2.0]), name="the gradient")
    assert fb and fb.ok
    assert repr(fb) == "✓ the gradient is right."


def test_placeholders_and_symbolic_answers_are_named():
    assert "still `...`" in check_value(..., 1.0).message
    assert "None" in check_value(None, 1.0).message
    x = gt.dscalar("x")
    fb = check_value(x * 2, 1.0, name="dy/dx")
    assert not fb and "symbolic" in fb.message and ".eval" in fb.message


def test_shape_mismatch_and_transpose_hint():
    fb = check_value(np.zeros((3, 2)), np.zeros((2, 3)), name="J")
    assert not fb
    assert "(3, 2)" in fb.message and "(2, 3)" in fb.message and "Transposed" in fb.message


def test_known_mistake_gets_its_own_hint():
    fb = check_value(3.0, 6.0, mistakes=[Mistake(3.0, "you forgot the factor 2 from x**2")])
    assert fb.message == "you forgot the factor 2 from x**2"


def test_sign_factor_and_entry_messages():
    assert "wrong sign" in check_value([-1.0, -2.0], [1.0, 2.0]).message
    assert "2 times" in check_value([2.0, 4.0], [1.0, 2.0]).message
    fb = check_value([1.0, 5.0, 3.0], [1.0, 2.0, 3.0], name="g")
    assert fb.message.startswith("g[1] is 5, but it should be 2")
    assert "1 of 3 entries" in fb.message
    assert "nan" in check_value([np.nan], [1.0]).message


def test_check_expression_points_and_mistakes():
    x = gt.dscalar("x")
    ok = check_expression(2 * x, [x], lambda v: 2 * v, points=[(0.5,), (-1.0,)])
    assert ok
    fb = check_expression(x, [x], lambda v: 2 * v, points=[(0.5,), (-1.0,)], name="dy/dx",
                          mistakes=[Mistake(lambda v: v, "the exponent came down but the 2 did not")])
    assert fb.message == "the exponent came down but the 2 did not"
    fb = check_expression(x + 1, [x], lambda v: 2 * v, points=[(0.5,)], name="dy/dx")
    assert not fb and "at x = 0.5" in fb.message and "1.5" in fb.message
    fb = check_expression(3.0, [x], lambda v: 2 * v, points=[(0.5,)])
    assert not fb and "symbolic" in fb.message
    assert isinstance(fb, Feedback)


def test_a_scalar_names_a_factor_only_when_it_is_a_simple_one():
    assert "2 times" in check_value(4.0, 2.0).message
    assert "0.5 times" in check_value(1.0, 2.0).message
    fb = check_value(100, 2047, name="n")
    assert fb.message == "n is 100, but it should be 2047."
