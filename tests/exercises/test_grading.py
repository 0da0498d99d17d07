"""``require``: a checker's Feedback as an autograder test (print ✓, raise ✗)."""
from __future__ import annotations

import numpy as np
import pytest

from gradlab.exercises import Mistake, check_value
from gradlab.exercises.grading import require


def test_a_right_answer_prints_its_line_and_passes(capsys):
    assert require(check_value(np.array([2.0, 4.0]), [2.0, 4.0], name="the gradient")) is None
    assert capsys.readouterr().out == "✓ the gradient is right.\n"


def test_a_wrong_answer_raises_the_checkers_words():
    feedback = check_value(3.0, 6.0, name="dc/dw", mistakes=[Mistake(3.0, "the factor 2 of the square is missing")])
    with pytest.raises(AssertionError) as failure:
        require(feedback)
    assert str(failure.value) == "✗ the factor 2 of the square is missing"


def test_something_else_than_feedback_is_a_type_error():
    with pytest.raises(TypeError, match="takes the Feedback a checker returns"):
        require(True)
