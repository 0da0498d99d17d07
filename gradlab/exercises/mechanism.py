"""Checkers for the mechanism notebooks (01 three ways to differentiate,
02 backprop by hand, 03 forward and reverse mode).

Each returns a :class:`~gradlab.exercises.core.Feedback`; a wrong answer
gets the hint of the typical mistake it matches (a forward instead of a
central difference, the local derivative without the upstream adjoint, one
path of two, Jᵀv instead of Jv, forward and reverse pass counts swapped …),
else a description of how it differs from the right answer.

- :func:`check_central_difference` — a function ``(f, x, h) -> number``;
- :func:`check_chain_rule` — the derivative of sin(x²), written by hand;
- :func:`check_formula_size` — the size of the formula a shared graph prints as;
- :func:`check_adjoint` — one adjoint ``d cost / d v`` computed by hand;
- :func:`check_jvp`, :func:`check_vjp` — J·v and uᵀ·J at a point;
- :func:`check_pass_counts` — passes needed to build a Jacobian each way.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping, NamedTuple

import numpy as np

from gradlab.exercises.core import BUILT_BY_GRAD, Feedback, Mistake, check_expression, check_value, describe_array

__all__ = ["check_central_difference", "check_chain_rule", "check_formula_size", "check_adjoint", "check_jvp",
           "check_vjp", "check_pass_counts"]


# ---------------------------------------------------------------------------
# 01 · three ways to differentiate
def check_central_difference(central_difference: Callable[..., Any]) -> Feedback:
    """Check ``central_difference(f, x, h) = (f(x + h) - f(x - h)) / (2 h)``.

    Tried on ``f = np.exp`` at x = 0.5 with a large step h = 0.5 (where the
    forward and central differences clearly differ) and on ``np.sin`` at
    x = 1, h = 1e-3.
    """
    name = "central_difference(f, x, h)"
    if not callable(central_difference):
        return Feedback.wrong(f"pass your function itself (e.g. check_central_difference(central_difference)), "
                              f"not a {type(central_difference).__name__}.")
    for f, fname, x, h in ((np.exp, "np.exp", 0.5, 0.5), (np.sin, "np.sin", 1.0, 1e-3)):
        where = f"{name} with f = {fname}, x = {x}, h = {h}"
        try:
            got = central_difference(f, x, h)
        except Exception as exc:  # noqa: BLE001 - the student's code may raise anything
            return Feedback.wrong(f"{where} raised {type(exc).__name__}: {exc}")
        want = (f(x + h) - f(x - h)) / (2 * h)
        mistakes = [
            Mistake((f(x + h) - f(x)) / h, f"{where} gives the forward difference (f(x+h) - f(x)) / h; the central "
                    "difference steps to both sides: (f(x+h) - f(x-h)) / (2h)."),
            Mistake((f(x) - f(x - h)) / h, f"{where} gives the backward difference (f(x) - f(x-h)) / h; the central "
                    "difference steps to both sides: (f(x+h) - f(x-h)) / (2h)."),
            Mistake((f(x + h) - f(x - h)) / h, f"{where} is twice the central difference: the two points are 2h "
                    "apart, so divide by 2h, not h."),
        ]
        feedback = check_value(got, want, name=where, mistakes=mistakes, rtol=1e-9, atol=1e-12)
        if not feedback:
            return feedback
    return Feedback.right(f"{name} is right: its error falls like h² (the forward difference's like h).")


def check_chain_rule(expression: Any, x: Any) -> Feedback:
    """Check a hand-written derivative of ``sin(x**2)`` with respect to ``x`` (that is, 2x·cos(x²))."""
    mistakes = [
        Mistake(lambda v: np.cos(v ** 2), "that is cos(x²), the outer derivative alone: the chain rule multiplies "
                "it by the inner derivative d(x²)/dx = 2x."),
        Mistake(lambda v: v * np.cos(v ** 2), "the inner derivative of x² is 2x, not x: a factor 2 is missing."),
        Mistake(lambda v: -2 * v * np.sin(v ** 2), "the derivative of sin is cos (the derivative of cos is -sin)."),
        Mistake(lambda v: np.cos(2 * v), "the chain rule evaluates sin' = cos at the inner value x², then multiplies "
                "by the inner derivative 2x: cos(x²)·2x, not cos(2x)."),
        Mistake(lambda v: 2 * v * np.sin(v ** 2), "the outer derivative is cos, not sin: d sin(u)/du = cos(u)."),
    ]
    return check_expression(expression, [x], lambda v: 2 * v * np.cos(v ** 2),
                            points=[(0.5,), (-1.3,), (2.0,)], name="d/dx sin(x²)", mistakes=mistakes,
                            refused=BUILT_BY_GRAD)


def check_formula_size(answer: Any, n: int = 10) -> Feedback:
    """The number of symbols in the formula of z_n written out in full, where
    z_0 = x and z_k = z_(k-1) * z_(k-1).

    The graph has n + 1 pieces (x and n products); the formula repeats each
    shared piece, so T(0) = 1 and T(k) = 2 T(k-1) + 1, i.e. T(n) = 2^(n+1) - 1.
    """
    want = 2 ** (n + 1) - 1
    mistakes = [
        Mistake(n + 1, f"{n + 1} is the size of the graph, where z_(k-1) is computed once and read twice; the "
                "formula writes it out twice, at every step."),
        Mistake(2 ** n, f"{2 ** n} counts the x's (the leaves) alone; add the · symbols: each step doubles the "
                "formula and adds one ·."),
        Mistake(2 ** n - 1, f"{2 ** n - 1} counts the · symbols but not the {2 ** n} x's."),
        Mistake(2 ** (n + 1), "one too many: the formula of z_0 = x is one symbol, and each step is two copies of "
                "the step before plus one ·."),
    ]
    return check_value(answer, want, name=f"the formula size of z_{n}", mistakes=mistakes,
                       success=f"the formula of z_{n} has {want} symbols, its graph {n + 1} pieces: the formula "
                               "doubles at every step.")


# ---------------------------------------------------------------------------
# 02 · backprop by hand
def _name(var: Any, cost: Any) -> str:
    if var.name is not None:
        return var.name
    if var is cost:
        return "cost"
    from gradlab.printing import pp
    return pp(var)


def check_adjoint(answer: Any, cost: Any, variable: Any, values: Mapping) -> Feedback:
    """Check a hand-computed adjoint ``d cost / d variable`` at ``values``.

    ``variable``: an input or an intermediate of the graph of ``cost``;
    ``values``: every input's value (a dict by variable or name).  The right
    answer is gradlab's backward pass (``BackpropTrace``, equal to ``grad``);
    the hints come from its terms: the local derivative without the upstream
    adjoint, the upstream adjoint without the local derivative, one path of
    several, the forward value.
    """
    from gradlab.graph.basic import Constant
    from gradlab.graph.traversal import graph_inputs
    from gradlab.viz.backprop_trace import BackpropTrace
    free = [v for v in graph_inputs([cost]) if not isinstance(v, Constant)]
    trace = BackpropTrace(cost, free, dict(values))
    if variable not in trace.values:
        names = ", ".join(_name(v, cost) for v in trace.variables if not isinstance(v, Constant))
        raise ValueError(f"check_adjoint: {variable} is not a variable of the graph of {_name(cost, cost)}; "
                         f"its variables are {names}")
    final = trace.adjoints_at(len(trace.backward_steps) - 1)
    want = np.asarray(final.get(variable, np.zeros_like(trace.values[variable], dtype=float)))
    c_name, v_name = _name(cost, cost), _name(variable, cost)
    d = f"d{c_name}/d{v_name}"
    paths = [(step, c) for step in trace.backward_steps for c in step.contributions if c.variable is variable]
    mistakes: list = []
    for step, c in paths:
        out = step.node.outputs[0]
        y = _name(out, cost)
        upstream = np.asarray(step.output_adjoints[0])
        if len(paths) > 1:
            others = ", ".join(_name(s.node.outputs[0], cost) for s, k in paths if k is not c)
            mistakes.append(Mistake(c.term, f"that is only the term through {y}; {v_name} is also read by the node "
                                    f"computing {others}: {d} is the sum of the terms of every path."))
        if upstream.ndim == 0 and np.asarray(c.term).ndim == 0 and upstream != 0:
            local = np.asarray(c.term) / upstream
            mistakes.append(Mistake(local, f"that is ∂{y}/∂{v_name} = {describe_array(local)}, the local derivative "
                                    f"of {y} alone; the chain rule multiplies it by the adjoint of {y}, "
                                    f"d{c_name}/d{y} = {describe_array(upstream)}."))
        mistakes.append(Mistake(upstream, f"that is d{c_name}/d{y} = {describe_array(upstream)}, the adjoint of "
                                f"{y}; multiply it by the local derivative ∂{y}/∂{v_name}."))
    mistakes.append(Mistake(trace.values[variable], f"that is the value of {v_name} from the forward pass; the "
                            f"adjoint {d} says how much {c_name} changes when {v_name} moves."))
    mistakes = [m for m in mistakes if not np.allclose(np.asarray(m.answer, dtype=float), want)]
    return check_value(answer, want, name=d, mistakes=mistakes, success=f"{d} = {describe_array(want)} is right.")


# ---------------------------------------------------------------------------
# 03 · forward and reverse mode
def _jacobian(y: Any, x: Any, x_value: Any) -> np.ndarray:
    from gradlab.compile.function_module import function
    from gradlab.gradient import jacobian
    return np.asarray(function([x], jacobian(y, x), on_unused_input="ignore")(x_value), dtype=float)


class _ProductWords(NamedTuple):
    """What the feedback on one side of a Jacobian product says."""

    name: str        #: "J·v"
    wrong_shape: str  #: with {got} and {want}: the answer has the Jacobian's shape
    other: str       #: the other product was given
    one_slice: str   #: with {k}: one column (or row) of J alone was given
    mode: str        #: the pass that gives it


_JVP = _ProductWords(
    "J·v",
    "J·v has shape {got}, the Jacobian's: a Jacobian-vector product is one vector with one entry per output "
    "({want}), J multiplied by v.",
    "that is vᵀ·J (a vector-Jacobian product, what reverse mode gives); J·v adds up the columns of J, weighted "
    "by v: entry i is Σ_j J[i, j] v[j].",
    "that is column {k} of J alone; J·v weights every column j by v[j] and adds them.",
    "forward")
_VJP = _ProductWords(
    "uᵀ·J",
    "uᵀ·J has shape {got}, the Jacobian's: a vector-Jacobian product is one vector with one entry per input "
    "({want}).",
    "that is J·u (a Jacobian-vector product, what forward mode gives); uᵀ·J adds up the rows of J, weighted "
    "by u: entry j is Σ_i u[i] J[i, j].",
    "that is row {k} of J alone; uᵀ·J weights every row i by u[i] and adds them.",
    "reverse")


def _check_product(answer: Any, J: np.ndarray, M: np.ndarray, vector: Any, words: _ProductWords) -> Feedback:
    """Check ``M @ vector`` where ``M`` is ``J`` (J·v) or ``J.T`` (uᵀ·J)."""
    v = np.asarray(vector, dtype=float)
    want = M @ v
    got = np.asarray(answer, dtype=float) if _numeric(answer) else None
    if got is not None and got.shape == J.shape and J.shape != want.shape:
        return Feedback.wrong(words.wrong_shape.format(got=got.shape, want=want.shape))
    mistakes = []
    if J.shape[0] == J.shape[1]:
        mistakes.append(Mistake(M.T @ v, words.other))
    for k in range(M.shape[1]):
        if np.any(v != 0) and not np.isclose(v[k], 1.0):
            mistakes.append(Mistake(M[:, k], words.one_slice.format(k=k)))
    mistakes = [m for m in mistakes if not np.allclose(m.answer, want)]
    return check_value(answer, want, name=words.name, mistakes=mistakes,
                       success=f"{words.name} = {describe_array(want)} is right: one {words.mode} pass gives it.")


def check_jvp(answer: Any, y: Any, x: Any, x_value: Any, v: Any) -> Feedback:
    """Check a Jacobian-vector product J·v of ``y`` (a vector of x) at ``x_value``."""
    J = _jacobian(y, x, x_value)
    return _check_product(answer, J, J, v, _JVP)


def check_vjp(answer: Any, y: Any, x: Any, x_value: Any, u: Any) -> Feedback:
    """Check a vector-Jacobian product uᵀ·J of ``y`` (a vector of x) at ``x_value``."""
    J = _jacobian(y, x, x_value)
    return _check_product(answer, J, J.T, u, _VJP)


def _numeric(value: Any) -> bool:
    try:
        np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return False
    return value is not None and value is not Ellipsis


def check_pass_counts(forward_passes: Any, reverse_passes: Any, *, n: int, m: int) -> Feedback:
    """Check how many passes build the whole m × n Jacobian of f: Rⁿ → Rᵐ:
    ``n`` forward passes (one column each) or ``m`` reverse passes (one row each)."""
    pair = [forward_passes, reverse_passes]
    for what, value in zip(("forward_passes", "reverse_passes"), pair):
        if not _numeric(value) or np.ndim(value) != 0:
            return check_value(value, 0, name=what)
    got = (float(forward_passes), float(reverse_passes))
    if got == (n, m):
        return Feedback.right(f"{n} forward passes (one column of the {m} × {n} Jacobian each) or {m} reverse passes "
                              "(one row each).")
    if got == (m, n) and m != n:
        return Feedback.wrong("swapped: a forward pass pushes one input direction through (one column of J, one "
                              f"per input: n = {n}); a reverse pass pulls one output's adjoint back (one row of J, "
                              f"one per output: m = {m}).")
    if got[0] != n:
        hint = (f"forward_passes is {describe_array(forward_passes)}, but a forward pass gives one column of J "
                f"(J·e_j for one input direction e_j), and J has one column per input: {n} of them.")
        if got[0] == n * m:
            hint += " One pass gives a whole column, not one entry."
        return Feedback.wrong(hint)
    hint = (f"reverse_passes is {describe_array(reverse_passes)}, but a reverse pass gives one row of J "
            f"(e_iᵀ·J for one output i), and J has one row per output: {m} of them.")
    if got[1] == n * m:
        hint += " One pass gives a whole row, not one entry."
    return Feedback.wrong(hint)
