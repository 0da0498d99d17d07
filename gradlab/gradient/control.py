"""Ops that shape gradients: the identity going forward, something else
going backward.

=====================  =========================  ===========================
builder                gradient (vjp)             tangent (jvp)
=====================  =========================  ===========================
``consider_constant``  0                          0
``zero_grad``          0                          0
``disconnected_grad``  disconnected (no path)     0
``grad_clip``          ``clip(g, lower, upper)``  ``t``
``grad_scale``         ``multiplier * g``         ``multiplier * t``
``undefined_grad``     undefined (``NullType``)   undefined
=====================  =========================  ===========================

Each is an :class:`~gradlab.graph.Op` whose ``perform`` and ``generate``
hand the input through unchanged (a view: ``view_map = {0: [0]}``); the
rewrite rules remove them from compiled graphs.  ``grad_undefined`` and
``grad_not_implemented`` are the helpers an op author returns from a
``grad`` method for an input without a derivative.
"""
from __future__ import annotations

import numbers
from typing import Any, Optional, Sequence

import gradlab.tensor as gt
from gradlab.graph.basic import Apply, Variable
from gradlab.graph.op import Op
from gradlab.graph.gradient_types import (NullType, disconnected_type,  # noqa: F401  (grad_* re-exported)
                                           grad_not_implemented, grad_undefined)
from gradlab.tensor.elemwise import grad_dtype
from gradlab.tensor.variable import as_tensor_variable

__all__ = ["GradientShapingOp", "ConsiderConstant", "ZeroGrad", "DisconnectedGrad", "GradClip", "GradScale",
           "UndefinedGrad", "consider_constant", "zero_grad", "disconnected_grad", "grad_clip", "grad_scale",
           "undefined_grad", "grad_undefined", "grad_not_implemented", "is_gradient_shaping"]


def _tensor(x: Any) -> Variable:
    return as_tensor_variable(x)


def _zeros_like(x: Variable) -> Variable:
    return gt.zeros_like(x, dtype=grad_dtype(x))


class GradientShapingOp(Op):
    """Base of the gradient-shaping ops: ``out = x`` (a view of the input)."""

    view_map = {0: [0]}
    builder_name = "identity"

    def make_node(self, x: Any) -> Apply:
        x = _tensor(x)
        return Apply(self, [x], [x.type.make_variable()])

    def perform(self, node: Apply, inputs: Sequence[Any], output_storage: list) -> None:
        output_storage[0][0] = inputs[0]

    def generate(self, node: Apply, inputs: Sequence[str], outputs: Sequence[str], ctx: Any) -> Optional[str]:
        return f"{outputs[0]} = {inputs[0]}"

    def infer_shape(self, fgraph: Any, node: Apply, input_shapes: Sequence[tuple]) -> list:
        return [tuple(input_shapes[0])]

    def __str__(self) -> str:
        if self.__props__:
            args = ", ".join(f"{p}={getattr(self, p)!r}" for p in self.__props__)
            return f"{self.builder_name}{{{args}}}"
        return self.builder_name


class ConsiderConstant(GradientShapingOp):
    """``consider_constant(x)``: forward ``x``; gradient 0 (treated as a constant)."""

    builder_name = "consider_constant"

    def L_op(self, inputs, outputs, output_grads):
        return [_zeros_like(inputs[0])]

    def R_op(self, inputs, eval_points):
        return [None if eval_points[0] is None else _zeros_like(inputs[0])]


class ZeroGrad(GradientShapingOp):
    """``zero_grad(x)``: forward ``x``; gradient and tangent 0."""

    builder_name = "zero_grad"

    def L_op(self, inputs, outputs, output_grads):
        return [_zeros_like(inputs[0])]

    def R_op(self, inputs, eval_points):
        return [None if eval_points[0] is None else _zeros_like(inputs[0])]


class DisconnectedGrad(GradientShapingOp):
    """``disconnected_grad(x)``: forward ``x``; no gradient path at all
    (``grad`` reports ``x``'s inputs as disconnected through it)."""

    builder_name = "disconnected_grad"

    def connection_pattern(self, node: Apply) -> list:
        return [[False]]

    def L_op(self, inputs, outputs, output_grads):
        return [disconnected_type()]

    def R_op(self, inputs, eval_points):
        return [None]


class GradClip(GradientShapingOp):
    """``grad_clip(x, lower, upper)``: forward ``x``; gradient
    ``clip(g, lower, upper)`` entry by entry; tangent passes unchanged."""

    __props__ = ("lower", "upper")
    builder_name = "grad_clip"

    def __init__(self, lower: float, upper: float):
        self.lower = lower
        self.upper = upper

    def L_op(self, inputs, outputs, output_grads):
        return [gt.clip(output_grads[0], self.lower, self.upper)]

    def R_op(self, inputs, eval_points):
        return [eval_points[0]]


class GradScale(GradientShapingOp):
    """``grad_scale(x, multiplier)``: forward ``x``; gradient ``multiplier * g``
    (``-1`` reverses it); tangent ``multiplier * t``."""

    __props__ = ("multiplier",)
    builder_name = "grad_scale"

    def __init__(self, multiplier: float):
        self.multiplier = multiplier

    def L_op(self, inputs, outputs, output_grads):
        return [output_grads[0] * self.multiplier]

    def R_op(self, inputs, eval_points):
        return [None if eval_points[0] is None else eval_points[0] * self.multiplier]


class UndefinedGrad(GradientShapingOp):
    """``undefined_grad(x)``: forward ``x``; asking for a gradient through it
    is an error (``NullType``)."""

    builder_name = "undefined_grad"

    def L_op(self, inputs, outputs, output_grads):
        return [grad_undefined(self, 0, inputs[0], "it passed through undefined_grad")]

    def R_op(self, inputs, eval_points):
        return [None if eval_points[0] is None else
                grad_undefined(self, 0, inputs[0], "it passed through undefined_grad")]


def _number(value: Any, what: str, fn: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{fn}: {what} must be a real number known when the graph is built, "
                        f"got {type(value).__name__} {value!r}"[:300])
    return float(value)


def consider_constant(x: Any) -> Variable:
    """``x`` unchanged, but gradients do not flow through it (they are 0)."""
    return ConsiderConstant()(x)


def zero_grad(x: Any) -> Variable:
    """``x`` unchanged; its gradient (and tangent) is truncated to 0."""
    return ZeroGrad()(x)


def disconnected_grad(x: Any) -> Variable:
    """``x`` unchanged; for ``grad`` there is no path through it: a variable
    reached only this way is *disconnected* (see ``disconnected_inputs``)."""
    return DisconnectedGrad()(x)


def grad_clip(x: Any, lower_bound: float, upper_bound: float) -> Variable:
    """``x`` unchanged; the gradient flowing back through it is clipped to
    ``[lower_bound, upper_bound]`` entry by entry.  ``ValueError`` if
    ``upper_bound < lower_bound``."""
    lower = _number(lower_bound, "lower_bound", "grad_clip")
    upper = _number(upper_bound, "upper_bound", "grad_clip")
    if upper < lower:
        raise ValueError(f"grad_clip: upper_bound ({upper}) is smaller than lower_bound ({lower}); "
                         "pass lower_bound <= upper_bound")
    return GradClip(lower, upper)(x)


def grad_scale(x: Any, multiplier: float) -> Variable:
    """``x`` unchanged; the gradient flowing back through it is multiplied by
    ``multiplier`` (``-1`` reverses it)."""
    return GradScale(_number(multiplier, "multiplier", "grad_scale"))(x)


def undefined_grad(x: Any) -> Variable:
    """``x`` unchanged; any gradient taken through it is undefined (an error
    unless ``grad(..., null_gradients="return")``)."""
    return UndefinedGrad()(x)


def is_gradient_shaping(op: Any) -> bool:
    """Is ``op`` one of the ops above (an identity in compiled code)?"""
    return isinstance(op, GradientShapingOp)
