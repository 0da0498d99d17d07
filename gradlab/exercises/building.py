"""Checkers for the exercises of notebooks 07–09: loops, your own Op, the widgets.

Each checker returns a :class:`~gradlab.exercises.core.Feedback`; a typical
wrong answer gets its own hint.  Expected values are derived by hand in the
docstrings.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from gradlab.exercises.core import Feedback, Mistake, check_expression, check_value

__all__ = [
    "check_running_product", "check_product_gradient",
    "check_cube_grad", "check_cube_r_op",
    "check_backprop_gradient", "check_tangent_slope",
]

_VECTORS = [[np.array([1.0, 2.0, 3.0, 4.0])], [np.array([0.5, -2.0, 1.5])], [np.array([3.0])]]


# -- notebook 07: loops --------------------------------------------------------

def check_running_product(products: Any, x: Any) -> Feedback:
    """``products`` (built with ``scan``) should be the running product of ``x``:
    ``[x0, x0·x1, x0·x1·x2, …]``, as ``numpy.cumprod``."""
    def exclusive(v: np.ndarray) -> np.ndarray:
        return np.concatenate([[1.0], np.cumprod(v)[:-1]])
    return check_expression(
        products, [x], np.cumprod, points=_VECTORS, name="products",
        mistakes=[
            Mistake(np.cumsum, "products is the running sum: the step adds x_t; it should multiply the previous "
                               "product by x_t."),
            Mistake(np.zeros_like, "every product is 0: the loop starts from outputs_info = 0. A product starts "
                                   "from 1.0."),
            Mistake(exclusive, "products is shifted by one step ([1, x0, x0·x1, …]): the step returns the previous "
                               "product; return the new one, previous * x_t."),
        ],
        success="products is right: step t returns previous * x_t, starting from 1.0.")


def check_product_gradient(gradient: Any) -> Feedback:
    """``gradient`` should be ∂(x0·x1·x2·x3)/∂x at x = [1, 2, 3, 4]: the product
    of the other entries, [24, 12, 8, 6]."""
    x = np.array([1.0, 2.0, 3.0, 4.0])
    of_all_products = np.array([1 + 2 + 6 + 24, 1 + 3 + 12, 2 + 8, 6], dtype=float)
    return check_value(gradient, 24.0 / x, name="the gradient", mistakes=[
        Mistake(np.ones(4), "the gradient is all ones: that is the gradient of a sum. Differentiate the last "
                            "running product, products[-1]."),
        Mistake(of_all_products, "that is the gradient of products.sum(), every running product added up; "
                                 "the exercise asks for the last one, products[-1]."),
        Mistake([24.0, 0.0, 0.0, 0.0], "only x0 got a gradient: did you use truncate_gradient? The full "
                                       "gradient goes back through every step."),
    ], success="right: each entry is the product of the other three, [24, 12, 8, 6].")


# -- notebook 08: your own Op --------------------------------------------------

def _compiled(build: Callable[[Any, Any], Any], what: str) -> Any:
    """Compile ``build(x, w)`` over two float vectors, or the Feedback saying why not."""
    import gradlab.tensor as gt
    from gradlab.compile import function
    x, w = gt.dvector("x"), gt.dvector("w")
    try:
        out = build(x, w)
    except Exception as exc:  # the student's method raised: show the message
        return Feedback.wrong(f"{what} raised {type(exc).__name__}: {exc}")
    try:
        return function([x, w], out, on_unused_input="ignore")
    except Exception as exc:
        return Feedback.wrong(f"{what} built a graph that does not compile: {exc}")


_CUBE_POINTS = [(np.array([-1.5, 0.5, 2.0]), np.array([0.3, -1.0, 2.0])),
                (np.array([1.0, 3.0]), np.array([1.0, 1.0]))]


def _cube_rule(f: Any, name: str, factor: str, mistakes: list) -> Feedback:
    """Compare ``f(x, w)`` with 3x²·w (w: the output gradient, or the direction)."""
    results = [np.asarray(f(x, w), dtype=float) for x, w in _CUBE_POINTS]
    for hint, wrong in mistakes:
        if all(r.shape == x.shape and np.allclose(r, wrong(x, w)) for r, (x, w) in zip(results, _CUBE_POINTS)):
            return Feedback.wrong(hint)
    for r, (x, w) in zip(results, _CUBE_POINTS):
        want = 3 * x ** 2 * w
        if r.shape != want.shape or not np.allclose(r, want):
            return Feedback.wrong(f"{name} gives {np.round(r, 4).tolist()} at x = {x.tolist()}, {factor} = "
                                  f"{w.tolist()}, but 3·x²·{factor} is {np.round(want, 4).tolist()}.")
    return Feedback.right("")


def _cube_mistakes(factor: str, method: str) -> list:
    return [
        (f"{method} forgets {factor}: it returns 3·x², the derivative alone. Multiply by {factor} "
         f"(the chain rule links this Op to the rest of the graph).", lambda x, w: 3 * x ** 2),
        (f"{method} forgets the factor 3: d(x³)/dx = 3x².", lambda x, w: x ** 2 * w),
        (f"{method} lowers the power twice: d(x³)/dx = 3x², not 3x.", lambda x, w: 3 * x * w),
        (f"{method} returns x³·{factor}: that is the Op's value, not its derivative 3x².", lambda x, w: x ** 3 * w),
    ]


def _unfinished(op: Any, method: str) -> Any:
    """The Feedback for a method that still returns ``...`` (None when it returns something else)."""
    import gradlab.tensor as gt
    x = gt.dvector("x")
    try:
        result = getattr(op, method)([x], [gt.dvector("g")])
    except Exception:  # the full check below reports what goes wrong
        return None
    if result is Ellipsis or (isinstance(result, (list, tuple)) and any(r is Ellipsis for r in result)):
        per = "input" if method == "grad" else "output"
        return Feedback.wrong(f"{method} still returns `...`: return a list with one expression per {per}.")
    return None


def _none_branch(op: Any) -> Any:
    """The Feedback for an ``R_op`` that does not answer ``[None]`` when its input does
    not move (``eval_points == [None]``: Rop passes None for an input that does not
    depend on the variable it differentiates along); None when it does."""
    import gradlab.tensor as gt
    why = ("R_op is called with eval_points = [None] when x does not move (x does not depend on the variable "
           "Rop differentiates along); then the output does not move either: return [None]. Add "
           "`if v is None: return [None]` before using v.")
    try:
        result = op.R_op([gt.dvector("x")], [None])
    except Exception as exc:  # the usual: None * x raises a TypeError
        return Feedback.wrong(f"your R_op raised {type(exc).__name__} ({exc}) for eval_points = [None]. " + why)
    if not (isinstance(result, (list, tuple)) and len(result) == 1 and result[0] is None):
        return Feedback.wrong(f"your R_op returned {result!r} for eval_points = [None]. " + why)
    return None


def check_cube_grad(op: Any) -> Feedback:
    """``op``'s ``grad`` should return ``[g * 3 * x ** 2]`` for cube(x) = x³.

    Checked on sum(cube(x) · w), whose gradient is 3x²·w, then with
    ``verify_grad`` against finite differences."""
    import gradlab.tensor as gt
    from gradlab.gradient import GradientError, verify_grad
    unfinished = _unfinished(op, "grad")
    if unfinished is not None:
        return unfinished
    f = _compiled(lambda x, w: gt.grad(gt.sum(op(x) * w), x), "grad through your Op")
    if isinstance(f, Feedback):
        return f
    verdict = _cube_rule(f, "your grad", "g", _cube_mistakes("g", "grad"))
    if not verdict:
        return verdict
    try:
        verify_grad(op, [np.array([-1.2, 0.4, 2.5])], rng=np.random.default_rng(0))
    except GradientError as exc:
        return Feedback.wrong(f"the values look right but verify_grad disagrees: {exc}")
    return Feedback.right("grad is right: g · 3x², and verify_grad agrees with finite differences.")


def check_cube_r_op(op: Any) -> Feedback:
    """``op``'s ``R_op`` should return ``[v * 3 * x ** 2]`` for cube(x) = x³: the
    Jacobian diag(3x²) times the direction v, and ``[None]`` when v is None
    (x does not move)."""
    from gradlab.graph import Op
    from gradlab.gradient import Rop
    if getattr(type(op), "R_op", None) is Op.R_op:
        return Feedback.wrong(f"{type(op).__name__} has no R_op of its own (Rop would fall back to the slower "
                              "pullback of a pullback): define R_op(self, inputs, eval_points).")
    unfinished = _unfinished(op, "R_op")
    if unfinished is not None:
        return unfinished
    missing = _none_branch(op)
    if missing is not None:
        return missing
    f = _compiled(lambda x, v: Rop(op(x), x, v), "Rop through your Op")
    if isinstance(f, Feedback):
        return f
    verdict = _cube_rule(f, "your R_op", "v", _cube_mistakes("v", "R_op"))
    if not verdict:
        return verdict
    return Feedback.right("R_op is right: the Jacobian diag(3x²) times v, without building the Jacobian.")


# -- notebook 09: the widgets --------------------------------------------------

def check_backprop_gradient(gradient: Any) -> Feedback:
    """``gradient`` should be [∂w, ∂b, ∂x, ∂y] of (w·x + b - y)² at w = 1, b = 0,
    x = 3, y = 1.  With r = w·x + b - y = 2: [2r·x, 2r, 2r·w, -2r] = [12, 4, 4, -4]."""
    return check_value(gradient, [12.0, 4.0, 4.0, -4.0], name="the gradient", mistakes=[
        Mistake([12.0, 4.0, 4.0, 4.0], "∂cost/∂y has the wrong sign: y enters r = w·x + b - y with a minus."),
        Mistake([6.0, 2.0, 2.0, -2.0], "every entry is half of what it should be: the square contributes "
                                       "d(r²)/dr = 2r, not r."),
        Mistake([4.0, 4.0, 12.0, -4.0], "∂w and ∂x are swapped: ∂(w·x)/∂w = x = 3 and ∂(w·x)/∂x = w = 1."),
    ], success="right: r = 2, so the adjoints are 2r·x = 12, 2r = 4, 2r·w = 4 and -2r = -4.")


def check_tangent_slope(slope: Any, *, k: float = 3.0, c: float = 1.0, point: float = 1.0) -> Feedback:
    """``slope`` should be the slope of f(x) = 1 / (1 + exp(-k (x - c))) at ``point``:
    f'(x) = k · s (1 - s) with s = f(x).  At the centre x = c, s = 1/2 and
    f'(c) = k / 4 (0.75 for k = 3); at x = 2 with k = 3, c = 1, s = σ(3) and
    f'(2) = 3 σ(3) (1 - σ(3)) ≈ 0.1355."""
    s = 1.0 / (1.0 + np.exp(-k * (point - c)))
    want = k * s * (1 - s)
    mistakes = []
    if point != c:
        mistakes.append(Mistake(k / 4, f"{k / 4:g} is the slope at the centre x = c, k/4; the point is x = {point:g}, "
                                       "where the curve is flatter: move the point before reading the slope."))
        mistakes.append(Mistake(s, f"{s:.4g} is the value of f at x = {point:g}, not its slope."))
    mistakes += [
        Mistake(0.5, "0.5 is the value of f at its centre (or the slope left by k = 2 from the cell above): "
                     f"set params = {{'k': {k}, 'c': {c}}} and point = {point}, then read the tangent's slope."),
        Mistake(s * (1 - s), f"a slope of {s * (1 - s):.4g} is what k = 1 gives: set k = {k:g} before reading the plot."),
        Mistake(0.0, f"0 is far from the centre, where the curve is flat: put the point at x = {point:g}."),
    ]
    where = "at its centre" if point == c else f"at x = {point:g}"
    return check_value(slope, want, name="the slope", mistakes=[m for m in mistakes if not np.isclose(m.answer, want)],
                       success=f"right: {where} the logistic's slope is k · s(1 - s) = {want:.4g}.")
