"""Checkers for the exercises of notebooks 04–06: the API, rewrites, Jacobians and Hessians.

Each checker takes the student's answer (a symbolic expression, numbers, or
a name) and returns a :class:`~gradlab.exercises.core.Feedback`; a typical
wrong answer gets its own hint.  The expected values are derived by hand in
the docstrings, so a reader can check the checker.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional

import numpy as np

from gradlab.exercises.core import BUILT_BY_GRAD, Feedback, Mistake, check_expression, check_value, refused_operation

__all__ = [
    "check_tanh_squared_derivative", "check_jacobian_at_point", "check_cube_hessian_vector_product",
    "check_stabilizing_rule", "check_stable_softplus", "check_stable_log_sigmoid", "check_rule_sets",
    "check_saddle_eigenvalues", "check_scaled_jacobian", "check_rosenbrock_hvp", "check_newton_step",
]

_POINTS = [[-1.5], [-0.2], [0.0], [0.7], [2.0]]


def _shape(answer: Any) -> Optional[tuple]:
    """The shape of a numeric answer, or None when it is not numbers."""
    try:
        return np.asarray(answer, dtype=float).shape
    except (TypeError, ValueError):
        return None


# -- notebook 04: derivatives -------------------------------------------------

def check_tanh_squared_derivative(du: Any, x: Any) -> Feedback:
    """``du`` should be d/dx tanh(x)² = 2 tanh(x) (1 - tanh(x)²), written by hand.

    The chain rule: the outer function u² gives 2u, the inner tanh gives
    1 - tanh², and the two multiply."""
    t = np.tanh
    return check_expression(
        du, [x], lambda v: 2 * t(v) * (1 - t(v) ** 2), points=_POINTS, name="du",
        mistakes=[
            Mistake(lambda v: 2 * t(v), "du is 2·tanh(x): the outer derivative only. The chain rule also multiplies "
                                        "by the derivative of the inside, d tanh(x)/dx = 1 - tanh(x)²."),
            Mistake(lambda v: 1 - t(v) ** 2, "du is 1 - tanh(x)²: the inner derivative only. Multiply by the outer "
                                             "one, d(u²)/du = 2u with u = tanh(x)."),
            Mistake(lambda v: 2 * t(v) * (1 + t(v) ** 2), "the sign inside is wrong: d tanh(x)/dx = 1 - tanh(x)², "
                                                          "not 1 + tanh(x)²."),
            Mistake(lambda v: 2 * (1 - t(v) ** 2), "du is 2(1 - tanh(x)²): the chain rule multiplies by the outer "
                                                   "derivative 2u evaluated at u = tanh(x), not by 2."),
        ],
        success="du is right: outer derivative 2·tanh(x) times inner derivative 1 - tanh(x)².",
        refused=BUILT_BY_GRAD)


def check_jacobian_at_point(J: Any) -> Feedback:
    """``J`` should be the Jacobian of y = [x0·x1, x0 + x1², sin(x0)] at x = [1, 2].

    Row i is the gradient of y_i: [x1, x0] = [2, 1]; [1, 2·x1] = [1, 4];
    [cos(x0), 0] = [cos 1, 0]."""
    expected = np.array([[2.0, 1.0], [1.0, 4.0], [np.cos(1.0), 0.0]])
    if _shape(J) == (2,) and np.allclose(np.asarray(J, dtype=float), expected.sum(axis=0)):
        return Feedback.wrong("J is the gradient of y.sum(), one vector: the rows of the Jacobian added up. "
                              "The Jacobian keeps one row per output: use gradlab.gradient.jacobian(y, x).")
    return check_value(J, expected, name="J", mistakes=[
        Mistake([[2.0, 1.0], [1.0, 4.0], [np.sin(1.0), 0.0]],
                "row 2 holds sin(1): that is the value of y_2, not its derivative cos(x0)."),
    ], success="J is right: one row per output y_i, one column per input x_j.")


def check_cube_hessian_vector_product(Hv: Any) -> Feedback:
    """``Hv`` should be H·v for cost = sum(x³) at x = [1, 2], v = [1, 1].

    The gradient is 3x², the Hessian diag(6x) = diag(6, 12), so H·v = [6, 12]."""
    if _shape(Hv) == (2, 2):
        return Feedback.wrong("Hv is a 2 × 2 matrix: that is the Hessian itself. The point is never to build it: "
                              "take Rop(grad(cost, x), x, v), or grad(sum(grad(cost, x) * v), x).")
    return check_value(Hv, [6.0, 12.0], name="Hv", mistakes=[
        Mistake([3.0, 12.0], "Hv is 3x², the gradient at x: differentiate once more, in the direction v."),
        Mistake([2.0, 2.0], "Hv is [2, 2], the Hessian-vector product of sum(x²) from the text; the exercise's cost "
                            "is sum(x³)."),
        Mistake([6.0, 6.0], "Hv is [6, 6]: the second derivative 6x was taken at x = [1, 1]; the point is x = [1, 2]."),
    ], success="Hv is right: H = diag(6x) = diag(6, 12), so H·v = [6, 12], without building H.")


# -- notebook 05: rewrites ----------------------------------------------------

def check_stabilizing_rule(name: Any, trace: Any) -> Feedback:
    """``name`` should be the rule that made the compiled formula of ``trace``
    finite: the first rule of the ``stabilize`` set (for the logistic's
    gradient it writes the formula with ``sigmoid``, for log(1 + eˣ) with
    ``softplus``: operations that never overflow)."""
    if not isinstance(name, str) or name in ("", "..."):
        return Feedback.wrong("give the rule's name as a string, e.g. 'double_neg' (the first word after the step "
                              "number in trace.summary()).")
    steps = list(trace.steps)
    stabilizing = [s for s in steps if s.rule_set == "stabilize"]
    if not stabilizing:
        return Feedback.wrong("this trace has no step from the stabilize set: pass f.maker.trace of a function "
                              "compiled in the default mode (FAST_RUN) from a formula that overflows.")
    answer = stabilizing[0].rule
    if name == answer:
        return Feedback.right(f"{name} is right: it is the first stabilizing step ({stabilizing[0].pattern_text}), "
                              "and the operation it puts in never overflows; every later graph is finite.")
    by_name = {s.rule: s for s in steps}
    if name not in by_name:
        names = ", ".join(dict.fromkeys(s.rule for s in steps))
        return Feedback.wrong(f"no step of this trace is called {name!r}; the rules applied were: {names}.")
    step = by_name[name]
    if step.rule_set == "canonicalize" or step.rule_set in ("merge", "constant_folding"):
        return Feedback.wrong(f"{name} belongs to {step.rule_set}: it tidies the formula, which still computes "
                              "an exponential that overflows. Look for the step that introduces a safe operation "
                              "(such as sigmoid or softplus).")
    if step.index > stabilizing[0].index:
        return Feedback.wrong(f"{name} comes later (step {step.index}): by then the formula is already finite. "
                              f"Which step first replaced exp(-x) by something that cannot overflow?")
    return Feedback.wrong(f"{name} ({step.rule_set}) does not change what overflows; look for the step that "
                          "introduces a safe operation (such as sigmoid or softplus).")


def _check_stable(expression: Any, x: Any, reference: Any, *, formula: str, split: str,
                  without_correction: Any, correction: str) -> Feedback:
    """Compare ``expression`` with ``reference`` at x = ±1000, ±30, ... compiled with
    ``mode="NO_REWRITE"``, refusing the ready-made stable operations."""
    from gradlab.compile import function
    from gradlab.graph import Variable
    if expression is None or expression is Ellipsis or not isinstance(expression, Variable):
        return check_expression(expression, [x], np.exp, points=[[0.0]], name="your expression")
    reason = refused_operation(expression, _REWRITTEN_OPERATIONS)
    if reason is not None:
        return Feedback.wrong(reason)
    try:
        f = function([x], expression, mode="NO_REWRITE", on_unused_input="ignore")
    except Exception as exc:  # the student's graph may not compile: say why
        return Feedback.wrong(f"your expression could not be compiled: {exc}")
    points = np.array([-1000.0, -30.0, -1.0, 0.0, 0.5, 30.0, 1000.0])
    with np.errstate(all="ignore"):
        got = np.array([float(f(p)) for p in points])
    want = reference(points)
    for p, g in zip(points, got):
        if not np.isfinite(g):
            return Feedback.wrong(f"at x = {p:g} your expression gives {g}: an exponential overflows. {split}")
    if np.allclose(got, without_correction(points)):
        return Feedback.wrong(f"your expression is right far from 0, but it drops the correction {correction}, "
                              "which is log 2 at x = 0.")
    for p, g, w in zip(points, got, want):
        if not np.isclose(g, w, rtol=1e-9, atol=1e-12):
            return Feedback.wrong(f"at x = {p:g} your expression gives {g:.6g}, but {formula} = {w:.6g}.")
    return Feedback.right("your expression is right and finite everywhere, even compiled without rewrites.")


def check_stable_softplus(expression: Any, x: Any) -> Feedback:
    """``expression`` should compute log(1 + eˣ) without overflow, with no rewrites.

    One stable form: max(x, 0) + log1p(exp(-|x|)) — the exponential's
    argument is never positive.  It is compiled with ``mode="NO_REWRITE"``, so
    the rewrites cannot rescue a fragile formula; ``gt.softplus`` (what the
    rewrites would put in) is refused."""
    return _check_stable(expression, x, lambda p: np.logaddexp(0.0, p), formula="log(1 + e^x)",
                         split="Split off the large part: log(1 + eˣ) = max(x, 0) + log(1 + e^(-|x|)).",
                         without_correction=lambda p: np.maximum(p, 0.0), correction="log(1 + e^(-|x|))")


def check_stable_log_sigmoid(expression: Any, x: Any) -> Feedback:
    """``expression`` should compute log σ(x) = log(1 / (1 + e^(-x))) = -log(1 + e^(-x))
    without overflow, with no rewrites.

    One stable form: min(x, 0) - log1p(exp(-|x|)).  For x ≥ 0 it is
    -log(1 + e^(-x)) as written; for x < 0, multiplying inside by eˣ/eˣ gives
    x - log(1 + eˣ).  The exponential's argument -|x| is never positive."""
    return _check_stable(expression, x, lambda p: -np.logaddexp(0.0, -p), formula="log σ(x)",
                         split="Write it so that the exponential's argument is never positive: for x < 0, "
                               "-log(1 + e^(-x)) = x - log(1 + e^x).",
                         without_correction=lambda p: np.minimum(p, 0.0), correction="-log(1 + e^(-|x|))")


#: operations a "without rewrites" answer may not use: the rewrites put them there
_REWRITTEN_OPERATIONS = {
    name: f"your expression uses gt.{name}, gradlab's ready-made stable operation, which is what the stabilize "
          "rewrites would put there; the exercise is to write the stable formula yourself, from exp, log1p, "
          "maximum and abs."
    for name in ("softplus", "sigmoid", "log_sigmoid", "log1pexp", "logaddexp")}


_RULE_SET_ANSWERS = {
    "(x * 2) * 3 -> 6 * x": "canonicalize",
    "sin(x) ** 2 + cos(sin(x)): sin(x) computed once": "merge",
    "exp(x) - 1 -> expm1(x)": "stabilize",
    "exp(0.0) + x -> 1.0 + x": "constant_folding",
    "x ** 0.5 -> sqrt(x)": "specialize",
    "tanh(v) * v + 1 -> one Composite": "fusion",
}

_RULE_SET_HINTS = {
    "canonicalize": "canonicalize puts formulas in a standard form (x * 1 -> x, -(-x) -> x)",
    "merge": "merge computes a repeated subexpression once",
    "stabilize": "stabilize replaces formulas that overflow or lose precision by safe ones",
    "constant_folding": "constant folding computes in advance what depends on constants only",
    "fusion": "fusion joins a chain of elementwise operations into one Composite",
    "specialize": "specialize picks cheaper forms for special cases",
}


def rule_set_questions() -> list:
    """The rewrites of the rule-set exercise, in the order they are asked."""
    return list(_RULE_SET_ANSWERS)


def check_rule_sets(answers: Any) -> Feedback:
    """``answers`` maps each rewrite of :func:`rule_set_questions` to its rule set's name."""
    if not isinstance(answers, Mapping):
        return Feedback.wrong("answers should be a dict: {rewrite: 'rule set name', ...}, one entry per rewrite.")
    missing = [q for q in _RULE_SET_ANSWERS if q not in answers]
    if missing:
        return Feedback.wrong(f"answers has no entry for {missing[0]!r}; copy the keys from rule_set_questions().")
    for question, right in _RULE_SET_ANSWERS.items():
        if answers[question] is Ellipsis:
            return Feedback.wrong(f"the answer for {question!r} is still `...`: replace it with a rule set's name.")
        given = str(answers[question]).strip().lower().replace(" ", "_")
        if given == right:
            continue
        if given not in _RULE_SET_HINTS:
            return Feedback.wrong(f"{answers[question]!r} (for {question!r}) is not a rule set; the sets are "
                                  f"{', '.join(_RULE_SET_HINTS)}.")
        return Feedback.wrong(f"{question!r} is not {given}: {_RULE_SET_HINTS[given]}. "
                              f"Which set does this rewrite fit? ({_RULE_SET_HINTS[right].split(' ', 1)[1]}?)")
    return Feedback.right("every rewrite is in the right rule set.")


# -- notebook 06: Jacobians and Hessians --------------------------------------

def check_saddle_eigenvalues(eigenvalues: Any) -> Feedback:
    """``eigenvalues`` should be those of the Hessian of a² + 3ab + b², ascending.

    H = [[2, 3], [3, 2]], eigenvalues 2 ± 3 = -1 and 5: one negative, so the
    point (0, 0) is a saddle, not a minimum."""
    if _shape(eigenvalues) == (2, 2):
        return Feedback.wrong("that is a 2 × 2 matrix, the Hessian itself; its eigenvalues come from "
                              "numpy.linalg.eigvalsh(H).")
    return check_value(eigenvalues, [-1.0, 5.0], name="`eigenvalues`", mistakes=[
        Mistake([5.0, -1.0], "the eigenvalues are right but in descending order; sort them ascending (eigvalsh does)."),
        Mistake([2.0, 2.0], "[2, 2] is the Hessian's diagonal, not its eigenvalues: the off-diagonal 3 matters."),
        Mistake([1.0, 1.0], "[1, 1] is the diagonal of the Hessian of half the cost; and the diagonal is not the "
                            "eigenvalues anyway: use numpy.linalg.eigvalsh."),
    ], success="right: -1 and 5. One eigenvalue is negative, so (0, 0) is a saddle point, not a minimum.")


def check_scaled_jacobian(J: Any) -> Feedback:
    """``J`` should be the Jacobian of y = x · sum(x) at x = [1, 2, 3].

    y_i = x_i S with S = sum(x) = 6, so ∂y_i/∂x_j = S δ_ij + x_i:
    [[7, 1, 1], [2, 8, 2], [3, 3, 9]]."""
    x = np.array([1.0, 2.0, 3.0])
    expected = 6.0 * np.eye(3) + x[:, None]
    return check_value(J, expected, name="the Jacobian", mistakes=[
        Mistake(6.0 * np.eye(3), "the Jacobian is 6·I: that treats sum(x) as a constant, but it depends on every x_j too "
                                 "(the product rule adds x_i to every entry of row i)."),
        Mistake(expected.T, "the Jacobian is transposed: row i should be the gradient of y_i (outputs along rows, "
                            "inputs along columns)."),
        Mistake(expected.sum(axis=0)[None, :].repeat(3, axis=0),
                "every row is the gradient of y.sum(): the Jacobian needs one gradient per output y_i."),
    ], success="the Jacobian is right: S·I from differentiating x_i, plus x_i in every column from differentiating S.")


def check_rosenbrock_hvp(Hv: Any) -> Feedback:
    """``Hv`` should be H·v for Rosenbrock at (1, 1) and v = [1, 0]: the first column
    of H = [[802, -400], [-400, 200]], i.e. [802, -400]."""
    if _shape(Hv) == (2, 2):
        return Feedback.wrong("Hv is the whole 2 × 2 Hessian; the exercise asks for its product with v, "
                              "without building it (Rop on the gradient).")
    return check_value(Hv, [802.0, -400.0], name="Hv", mistakes=[
        Mistake([0.0, 0.0], "Hv is [0, 0]: that is the gradient at the minimum (1, 1). Apply Rop to the gradient, "
                            "in the direction v."),
        Mistake([-400.0, 200.0], "Hv is H's second column, H·[0, 1]: check the direction, v = [1, 0]."),
    ], success="Hv is right: H·[1, 0] is H's first column, [802, -400].")



def check_newton_step(step: Any) -> Feedback:
    """``step`` should be the Newton step d = -H⁻¹ g of Rosenbrock
    (1 - a)² + 100 (b - a²)² at w = (-1, 1).

    There b - a² = 0, so g = [-2(1 - a), 0] = [-4, 0] and
    H = [[2 - 400(b - 3a²), -400a], [-400a, 200]] = [[802, 400], [400, 200]]
    (det 400); H⁻¹ = [[200, -400], [-400, 802]] / 400, so d = [2, -4]: the step
    lands on (1, -3), where the quadratic model of the cost is lowest."""
    if _shape(step) == (2, 2):
        return Feedback.wrong("that is a 2 × 2 matrix; the Newton step is one vector d with H·d = -g.")
    return check_value(step, [2.0, -4.0], name="the Newton step", mistakes=[
        Mistake([4.0, 0.0], "that is -g, the gradient descent direction (a step of size 1): the Newton step "
                            "also divides by the curvature, d = -H⁻¹g."),
        Mistake([-2.0, 4.0], "the sign is flipped: H·d = -g (downhill), not H·d = g."),
        Mistake([-4.0, 0.0], "that is the gradient g itself; the Newton step solves H·d = -g."),
    ], success="the Newton step is right: d = [2, -4] solves H·d = -g, the step to the lowest point of the "
               "quadratic model of the cost.")
