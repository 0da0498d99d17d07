"""Exercise checkers as autograder tests (nbgrader and the like).

An autograder gives a test cell its points when the cell runs without an
error and none when it raises.  :func:`require` turns a checker's
:class:`~gradlab.exercises.core.Feedback` into that contract: a right answer
prints its ``✓`` line, a wrong one raises ``AssertionError`` whose message is
the ``✗`` line itself, so the grader's feedback shows the student *what* is
wrong (the missing chain-rule factor, the term left out), not a bare
``AssertionError``::

    from gradlab.exercises import check_value
    from gradlab.exercises.grading import require

    require(check_value(answer, 6.0, name="dc/dw at w = 1"))
"""
from __future__ import annotations

from gradlab.exercises.core import Feedback

__all__ = ["require"]


def require(feedback: Feedback) -> None:
    """Print a right ``feedback``; raise ``AssertionError(str(feedback))`` for a wrong one.

    ``feedback`` must be what a checker returns (a :class:`Feedback`);
    anything else is a mistake in the test cell, reported as a ``TypeError``.
    """
    if not isinstance(feedback, Feedback):
        raise TypeError(f"require() takes the Feedback a checker returns (check_value, check_expression, ...), "
                        f"got a {type(feedback).__name__}: call the checker inside require(...)")
    if not feedback.ok:
        raise AssertionError(str(feedback))
    print(feedback)
