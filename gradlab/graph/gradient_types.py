"""The gradient vocabulary an Op author needs, beside the Op contract: the two
placeholder types of gradient graphs, the gradient errors, and
``grad_undefined`` / ``grad_not_implemented`` (what an op's ``grad`` returns
for an input whose derivative does not exist / is not written).

A gradient is not always a tensor:

* ``DisconnectedType`` marks "there is no path": the cost does not depend on
  the variable at all (a symbolic zero that remembers why it is zero);
* ``NullType`` marks "undefined" (the derivative does not exist) or "not
  implemented" (nobody wrote the rule).  Its ``why_null`` says which.

Variables of both types may sit in a graph, but they hold no value:
compiling a graph that still contains a ``NullType`` variable is an error
(:func:`check_no_null`, which ``gradlab.function`` applies).
"""
from __future__ import annotations

from typing import Any, Iterable, Optional

from gradlab.graph.basic import Type, Variable
from gradlab.graph.traversal import ancestors


class NullType(Type):
    """The type of an undefined or unimplemented gradient.

    ``why_null`` explains the reason; it is repeated by every error that
    meets the variable (:class:`NullTypeGradError`, compiling).
    """

    def __init__(self, why_null: str = "(no explanation given)"):
        self.why_null = why_null

    def filter(self, data: Any, strict: bool = False, allow_downcast: Optional[bool] = None) -> Any:
        raise TypeError(f"a NullType variable holds no value: {self.why_null}")

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(type(self))

    def __str__(self) -> str:
        return "NullType"

    __repr__ = __str__


class DisconnectedType(Type):
    """The type of the gradient of a cost with respect to a variable it does
    not depend on: a symbolic zero that records the missing path."""

    def filter(self, data: Any, strict: bool = False, allow_downcast: Optional[bool] = None) -> Any:
        raise TypeError("a DisconnectedType variable holds no value; ask grad for "
                        "return_disconnected='zero' to get zeros instead")

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(type(self))

    def __str__(self) -> str:
        return "DisconnectedType"

    __repr__ = __str__


#: the shared instance; ``disconnected_type()`` makes a new placeholder variable
disconnected_type = DisconnectedType()


def is_null(var: Any) -> bool:
    """Is ``var`` a ``NullType`` placeholder?"""
    return isinstance(getattr(var, "type", None), NullType)


def is_disconnected(var: Any) -> bool:
    """Is ``var`` a ``DisconnectedType`` placeholder?"""
    return isinstance(getattr(var, "type", None), DisconnectedType)


class DisconnectedInputError(ValueError):
    """``grad`` was asked for the gradient with respect to a variable the cost
    does not depend on, with ``disconnected_inputs="raise"``."""


class NullTypeGradError(TypeError):
    """A gradient that was requested is undefined or not implemented."""


class GradientError(Exception):
    """``verify_grad`` found the analytic gradient far from finite differences.

    Fields: ``arg`` (which argument), ``err_pos`` (flat position inside it),
    ``shape`` (its shape), ``val1`` (numeric value), ``val2`` (analytic
    value), ``abs_err``, ``rel_err``, ``abs_tol``, ``rel_tol``.
    """

    def __init__(self, arg: int, err_pos: int, shape: tuple, val1: float, val2: float,
                 abs_err: float, rel_err: float, abs_tol: float, rel_tol: float):
        super().__init__()
        self.arg = arg
        self.err_pos = err_pos
        self.shape = shape
        self.val1 = val1
        self.val2 = val2
        self.abs_err = abs_err
        self.rel_err = rel_err
        self.abs_tol = abs_tol
        self.rel_tol = rel_tol

    def __str__(self) -> str:
        return (f"the analytic gradient does not match finite differences: argument {self.arg} "
                f"(shape {self.shape}), flat position {self.err_pos}: numeric {self.val1!r}, "
                f"analytic {self.val2!r}; absolute error {self.abs_err:.3g} > tolerance {self.abs_tol:.3g} "
                f"and relative error {self.rel_err:.3g} > tolerance {self.rel_tol:.3g}. "
                "If the op's gradient rule is right, try a larger eps")


def check_no_null(outputs: Iterable[Variable]) -> None:
    """Raise :class:`NullTypeGradError` if a ``NullType`` variable is among
    ``outputs`` or their ancestors (a graph that cannot be computed)."""
    for var in ancestors(list(outputs)):
        if isinstance(var.type, NullType):
            raise NullTypeGradError(f"cannot compute {var}: it is an undefined gradient (NullType). "
                                    f"{var.type.why_null}")


def _describe(op: Any, x_pos: int, x: Any) -> str:
    name = getattr(op, "builder_name", None) or str(op)
    label = f" ({x})" if x is not None and getattr(x, "name", None) else ""
    return f"input {x_pos}{label} of {name}"


def grad_undefined(op: Any, x_pos: int, x: Any, comment: str = "") -> Variable:
    """A ``NullType`` variable: the derivative of ``op`` with respect to its
    input ``x_pos`` does not exist mathematically.  Return it from an op's
    ``grad`` for that input."""
    why = f"the gradient with respect to {_describe(op, x_pos, x)} is mathematically undefined"
    if comment:
        why += f": {comment}"
    return NullType(why + ".")()


def grad_not_implemented(op: Any, x_pos: int, x: Any, comment: str = "") -> Variable:
    """A ``NullType`` variable: the derivative of ``op`` with respect to its
    input ``x_pos`` exists but has not been implemented."""
    why = f"the gradient with respect to {_describe(op, x_pos, x)} is not implemented"
    if comment:
        why += f": {comment}"
    return NullType(why + ".")()
