"""Exercise checkers for the course notebooks.

Each notebook ends with exercises; each exercise has a checker here that
answers back: it says what is right, and when something is wrong it says
*what* (the shape, the value at a point, a known mistake such as a missing
term or a flipped sign), never only "wrong".

A checker returns a :class:`Feedback`, which prints as one line starting with
``✓`` or ``✗`` and is truthy when the answer is right::

    >>> from gradlab.exercises import check_value
    >>> check_value([1.0, 2.0], [1.0, 2.0], name="the gradient")
    ✓ the gradient is right.

The per-notebook checkers live in submodules and are re-exported here, so a
notebook writes ``from gradlab import exercises`` and calls
``exercises.check_...``.
"""
from gradlab.exercises.core import (  # noqa: F401
    Feedback,
    Mistake,
    check_expression,
    check_value,
)
from gradlab.exercises.tutorial import *  # noqa: F401,F403  (notebooks 04-06)
from gradlab.exercises.tutorial import __all__ as _tutorial
from gradlab.exercises.tutorial import rule_set_questions  # noqa: F401
from gradlab.exercises.building import *  # noqa: F401,F403  (notebooks 07-09)
from gradlab.exercises.building import __all__ as _building

from gradlab.exercises.mechanism import (  # noqa: F401  (notebooks 01-03)
    check_adjoint,
    check_central_difference,
    check_chain_rule,
    check_formula_size,
    check_jvp,
    check_pass_counts,
    check_vjp,
)

from gradlab.exercises.from_scratch import (  # noqa: F401  (notebook 02b: build it yourself)
    check_backward,
    check_broadcast_vjp,
    check_dual,
    check_matmul_vjp,
    check_mlp_backward,
    notebook2_graphs,
)

__all__ = ["Feedback", "Mistake", "check_value", "check_expression", "rule_set_questions",
           # 01-03: the mechanism of automatic differentiation
           "check_central_difference", "check_chain_rule", "check_formula_size", "check_adjoint", "check_jvp",
           "check_vjp", "check_pass_counts",
           # 02b: build the mechanism yourself
           "check_backward", "check_dual", "check_matmul_vjp", "check_broadcast_vjp", "check_mlp_backward",
           "notebook2_graphs",
           *_tutorial, *_building]
