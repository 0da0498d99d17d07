"""The building blocks every exercise checker uses.

* :class:`Feedback` — the verdict: ``ok`` and one line of explanation.
* :class:`Mistake` — a known wrong answer and the hint that goes with it.  A
  checker lists the typical mistakes of its exercise (a forgotten chain-rule
  factor, a sign, a transposed shape); when the student's answer equals one
  of them, the student gets that mistake's hint instead of a generic message.
* :func:`check_value` — compare numbers (a number, a list, an array).
* :func:`check_expression` — compare a symbolic gradlab expression with a
  reference function at a few points.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np

__all__ = ["Feedback", "Mistake", "check_value", "check_expression", "describe_array", "refused_operation"]


@dataclass(frozen=True)
class Feedback:
    """The verdict of a checker: ``ok`` and a message a student can act on."""

    ok: bool
    message: str

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        return ("✓ " if self.ok else "✗ ") + self.message

    __str__ = __repr__

    @classmethod
    def right(cls, message: str) -> "Feedback":
        return cls(True, message)

    @classmethod
    def wrong(cls, message: str) -> "Feedback":
        return cls(False, message)


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer and the hint for it.

    ``answer`` is either the wrong value itself (anything ``np.asarray``
    reads) or, for :func:`check_expression`, a function of the inputs' values
    that computes the wrong answer.
    """

    answer: Any
    hint: str


def describe_array(value: np.ndarray, digits: int = 4) -> str:
    """A short text of a value: the number itself, or the shape and a few entries."""
    value = np.asarray(value)
    if value.ndim == 0:
        return _number(value.item(), digits)
    if value.size <= 6:
        return np.array2string(value, precision=digits, separator=", ", suppress_small=True)
    return f"an array of shape {value.shape}"


def _number(x: Any, digits: int = 4) -> str:
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    return f"{float(x):.{digits}g}"


def _is_symbolic(value: Any) -> bool:
    from gradlab.graph import Variable
    return isinstance(value, Variable)


def _as_numbers(value: Any, name: str) -> np.ndarray | Feedback:
    """The answer as a float array, or the Feedback explaining why it is not numbers."""
    if value is None:
        return Feedback.wrong(f"{name} is None: did the cell forget to `return` (or assign) the answer?")
    if value is Ellipsis:
        return Feedback.wrong(f"{name} is still `...`: replace it with your answer.")
    if _is_symbolic(value):
        return Feedback.wrong(
            f"{name} is a symbolic expression ({value}), not numbers: evaluate it, "
            "e.g. with `.eval({x: 0.5})` or by compiling it with `gradlab.function`.")
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return Feedback.wrong(
            f"{name} should be numbers, but it is a {type(value).__name__} that cannot be read as numbers.")
    return array


def _matches(answer: np.ndarray, candidate: Any, rtol: float, atol: float) -> bool:
    try:
        candidate = np.asarray(candidate, dtype=float)
    except (TypeError, ValueError):
        return False
    if candidate.shape != answer.shape:
        return False
    return bool(np.allclose(answer, candidate, rtol=rtol, atol=atol, equal_nan=True))


def _simple_ratio(ratio: float) -> bool:
    """Is ``ratio`` (or its inverse) a whole number from 2 to 10, like a factor a chain rule forgot?"""
    r = abs(float(ratio))
    return any(2 <= k <= 10 and abs(k - round(k)) < 1e-9 for k in (r, 1 / r if r else 0.0))


def _generic_difference(answer: np.ndarray, expected: np.ndarray, name: str, where: str) -> str:
    """Explain how two same-shaped arrays differ: the first differing entry, and sign/scale patterns."""
    a, e = answer.ravel(), expected.ravel()
    if np.allclose(a, -e, rtol=1e-6, atol=1e-9) and np.any(e != 0):
        return f"{name} has the wrong sign{where}: every entry is the negative of what it should be."
    nonzero = e != 0
    if np.any(nonzero) and np.all(a[~nonzero] == 0):
        ratios = a[nonzero] / e[nonzero]
        if np.allclose(ratios, ratios[0], rtol=1e-6) and np.isfinite(ratios[0]) and (
                a.size > 1 or _simple_ratio(ratios[0])):
            return (f"{name} is off by a constant factor{where}: it is {_number(ratios[0])} times "
                    "what it should be. Is a factor of the chain rule missing or counted twice?")
    bad = np.flatnonzero(~np.isclose(a, e, rtol=1e-6, atol=1e-9, equal_nan=True))
    k = int(bad[0]) if bad.size else 0
    if answer.ndim == 0:
        return f"{name} is {_number(a[k])}{where}, but it should be {_number(e[k])}."
    index = np.unravel_index(k, answer.shape)
    index_text = index[0] if len(index) == 1 else tuple(int(i) for i in index)
    return (f"{name}[{index_text}] is {_number(a[k])}{where}, but it should be {_number(e[k])} "
            f"({bad.size} of {a.size} entries differ).")


def check_value(answer: Any, expected: Any, *, name: str = "your answer",
                mistakes: Sequence[Mistake] = (), rtol: float = 1e-6, atol: float = 1e-9,
                success: str | None = None) -> Feedback:
    """Compare a numeric answer with the expected value, explaining any difference.

    Checks, in order: the answer is numbers (not ``None``, ``...`` or a
    symbolic variable), its shape, NaN/inf, a listed :class:`Mistake`, and
    finally the values (sign, constant factor, or the first differing entry).
    """
    got = _as_numbers(answer, name)
    if isinstance(got, Feedback):
        return got
    want = np.asarray(expected, dtype=float)
    if got.shape != want.shape:
        hint = ""
        if got.ndim == want.ndim == 2 and got.shape == want.shape[::-1]:
            hint = " Transposed? Rows should follow the outputs, columns the inputs."
        return Feedback.wrong(f"{name} has shape {got.shape}, but it should have shape {want.shape}.{hint}")
    for mistake in mistakes:
        if _matches(got, mistake.answer, rtol, atol):
            return Feedback.wrong(mistake.hint)
    if np.any(np.isnan(got)) and not np.any(np.isnan(want)):
        return Feedback.wrong(f"{name} contains nan: some step divides 0 by 0 or takes inf - inf.")
    if np.allclose(got, want, rtol=rtol, atol=atol, equal_nan=True):
        return Feedback.right(success or f"{name} is right.")
    return Feedback.wrong(_generic_difference(got, want, name, ""))


def refused_operation(expression: Any, refused: Mapping[str, str]) -> str | None:
    """The reason to refuse ``expression`` when its graph uses an operation named in
    ``refused`` (operation name -> why it is refused), else None.

    An exercise that says "without ``gt.grad``" refuses ``second`` (the
    ``fill`` that seeds every backward pass ``gt.grad`` builds: a derivative
    written by hand never needs it); one that says "without rewrites" refuses
    the operations the rewrites would have put there (``softplus``).  One
    pass over the graph's nodes."""
    from gradlab.graph.traversal import toposort
    for node in toposort([expression]):
        reason = refused.get(str(node.op))
        if reason is not None:
            return reason
    return None


#: the reason an exercise written "without gt.grad" refuses a graph that gt.grad built
BUILT_BY_GRAD = {"second": "{name} was built by gt.grad (its graph starts with the seed fill(…, 1.0) of a "
                           "backward pass): the exercise asks for the derivative written by hand, with the chain "
                           "rule, from the operations themselves."}


def check_expression(expression: Any, inputs: Sequence[Any], reference: Callable[..., Any], *,
                     points: Sequence[Sequence[Any]], name: str = "your expression",
                     mistakes: Sequence[Mistake] = (), rtol: float = 1e-6, atol: float = 1e-9,
                     success: str | None = None, refused: Mapping[str, str] = {}) -> Feedback:
    """Compare a symbolic gradlab expression with ``reference`` at each of ``points``.

    ``inputs`` are the symbolic variables the expression may use; each point
    gives one value per input.  ``reference`` (and each mistake's ``answer``)
    is a numpy function of those values.  The message names the first point
    where the expression goes wrong.  ``refused`` maps the names of operations
    the exercise forbids to the reason (``{name}`` is filled in), see
    :func:`refused_operation`.
    """
    if expression is None or expression is Ellipsis:
        return _as_numbers(expression, name)  # type: ignore[return-value]
    if not _is_symbolic(expression):
        return Feedback.wrong(
            f"{name} should be a symbolic gradlab expression built from "
            f"{', '.join(str(v) for v in inputs)}, but it is a {type(expression).__name__}.")
    reason = refused_operation(expression, refused)
    if reason is not None:
        return Feedback.wrong(reason.format(name=name))
    from gradlab.compile import function
    try:
        f = function(list(inputs), expression, on_unused_input="ignore")
    except Exception as exc:  # the student's graph may not compile: say why
        return Feedback.wrong(f"{name} could not be compiled: {exc}")
    names = [str(v) for v in inputs]
    for matched_hint in _mistake_everywhere(f, inputs, points, mistakes, rtol, atol):
        return Feedback.wrong(matched_hint)
    for point in points:
        got = np.asarray(f(*point), dtype=float)
        want = np.asarray(reference(*point), dtype=float)
        where = " at " + ", ".join(f"{n} = {describe_array(np.asarray(p))}" for n, p in zip(names, point))
        if got.shape != want.shape:
            return Feedback.wrong(f"{name} has shape {got.shape}{where}, but it should have shape {want.shape}.")
        if not np.allclose(got, want, rtol=rtol, atol=atol, equal_nan=True):
            return Feedback.wrong(_generic_difference(got, want, name, where))
    return Feedback.right(success or f"{name} is right at every point checked.")


def _mistake_everywhere(f: Callable[..., Any], inputs: Sequence[Any], points: Sequence[Sequence[Any]],
                        mistakes: Sequence[Mistake], rtol: float, atol: float):
    """Yield the hint of the first mistake the compiled expression equals at every point."""
    values = [np.asarray(f(*point), dtype=float) for point in points]
    for mistake in mistakes:
        if all(_matches(v, mistake.answer(*point), rtol, atol) for v, point in zip(values, points)):
            yield mistake.hint
            return
