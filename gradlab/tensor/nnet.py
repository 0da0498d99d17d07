"""Neural-network helpers: softmax, log-softmax and categorical cross-entropy.

Both ops compute stably by shifting with the maximum along the softmax
axes (``softmax(x) = softmax(x - max x)``), so large inputs never overflow.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence, Union

import numpy as np

from gradlab.graph.basic import Apply, Variable
from gradlab.graph.op import Op
from gradlab.tensor.reduce import normalize_axis
from gradlab.tensor.reduce import sum as _sum
from gradlab.tensor.type import TensorType
from gradlab.tensor.variable import as_tensor_variable
from gradlab.tensor.alloc_ops import arange
from gradlab.tensor.dimshuffle_ops import dimshuffle
from gradlab.tensor.math import cast, eq, exp, log, zeros_like
from gradlab.tensor.shape_ops import shape

__all__ = ["Softmax", "LogSoftmax", "softmax", "log_softmax", "categorical_crossentropy"]

AxisArg = Union[None, int, Sequence[int]]


def _shifted(x: np.ndarray, axis: tuple) -> np.ndarray:
    """``x - max(x, axis)``, with an infinite maximum replaced by 0."""
    if x.size == 0:
        return x.copy()
    m = np.max(x, axis=axis, keepdims=True)
    return x - np.where(np.isfinite(m), m, 0)


def softmax_numpy(x: np.ndarray, axis: tuple, dtype: str) -> np.ndarray:
    """``exp(x) / sum(exp(x), axis)`` computed as ``exp(x - max)`` normalised."""
    e = np.exp(_shifted(np.asarray(x, dtype=dtype), axis))
    e /= np.sum(e, axis=axis, keepdims=True)
    return e


def log_softmax_numpy(x: np.ndarray, axis: tuple, dtype: str) -> np.ndarray:
    """``x - log(sum(exp(x), axis))`` computed as ``s - log(sum(exp(s)))``, ``s = x - max``."""
    s = _shifted(np.asarray(x, dtype=dtype), axis)
    s -= np.log(np.sum(np.exp(s), axis=axis, keepdims=True))
    return s


class _SoftmaxBase(Op):
    """Shared parts of Softmax and LogSoftmax: the ``axis`` prop, typing and shapes."""

    __props__ = ("axis",)
    numpy_impl: Any = None
    fn_name = "softmax"

    def __init__(self, axis: AxisArg = -1):
        self.axis = tuple(axis) if isinstance(axis, list) else axis

    def __str__(self) -> str:
        axis = list(self.axis) if isinstance(self.axis, tuple) else self.axis
        return f"{type(self).__name__}{{axis={axis}}}"

    def axes_of(self, var: Variable) -> tuple:
        return normalize_axis(self.axis, var.ndim, var, self.fn_name)

    def make_node(self, x: Any) -> Apply:
        x = as_tensor_variable(x)
        self.axes_of(x)  # validates the axes against x
        dtype = x.dtype if np.dtype(x.dtype).kind in "fc" else "float64"
        return Apply(self, [x], [TensorType(dtype, x.type.shape).make_variable()])

    def perform(self, node: Apply, inputs: Sequence[Any], output_storage: list) -> None:
        impl = type(self).numpy_impl
        output_storage[0][0] = impl(inputs[0], self.axes_of(node.inputs[0]), node.outputs[0].dtype)

    def generate(self, node: Apply, inputs: Sequence[str], outputs: Sequence[str], ctx: Any) -> Optional[str]:
        fn = ctx.bind(type(self).numpy_impl, self.fn_name)
        return f"{outputs[0]} = {fn}({inputs[0]}, {self.axes_of(node.inputs[0])!r}, {node.outputs[0].dtype!r})"

    def infer_shape(self, fgraph: Any, node: Apply, input_shapes: Sequence[tuple]) -> list:
        return [tuple(input_shapes[0])]

    def _zero_tangent(self, x: Variable) -> list:
        return [zeros_like(self(x))]


def _scalar_name(var: Variable) -> Optional[str]:
    return getattr(getattr(getattr(var.owner, "op", None), "scalar_op", None), "name", None)


def _over(term: Variable, z: Variable) -> Optional[Variable]:
    """``a`` when ``term`` is ``a / z`` or ``a * (c / z)`` (how ``log(z)`` passes its
    gradient on), with ``a`` of ``term``'s full shape (no broadcasting left)."""
    name = _scalar_name(term)
    a = None
    if name == "true_div" and term.owner.inputs[1] is z:
        a = term.owner.inputs[0]
    elif name == "mul" and len(term.owner.inputs) == 2:
        for k in (0, 1):
            factor, other = term.owner.inputs[k], term.owner.inputs[1 - k]
            if _scalar_name(factor) == "true_div" and factor.owner.inputs[1] is z:
                a = other * factor.owner.inputs[0]
                break
    if a is None or a.type.shape != term.type.shape or a.dtype != term.dtype:
        return None
    return a


def split_over_softmax(gz: Variable, z: Variable) -> tuple:
    """Split the gradient ``gz`` reaching a softmax output ``z`` into ``(A, R)``,
    ``gz = A / z + R``: the terms ``a / z`` (a ``log(z)`` read ``z``) summed into
    ``A``, the others into ``R``; either is None when it has no terms."""
    stack, over, rest = [gz], [], []
    while stack:  # a bounded walk over the add nodes directly above gz
        term = stack.pop()
        if _scalar_name(term) == "add" and term.type.shape == gz.type.shape and len(stack) < 64:
            stack.extend(term.owner.inputs)
            continue
        a = _over(term, z) if term.type.shape == gz.type.shape else None
        (over if a is not None else rest).append(a if a is not None else term)
    return _total(over), _total(rest)


def _total(terms: list) -> Optional[Variable]:
    if not terms:
        return None
    result = terms[0]
    for term in terms[1:]:
        result = result + term
    return result


class Softmax(_SoftmaxBase):
    """``z = exp(x) / sum(exp(x), axis)``.

    vjp: ``gx = z * (gz - sum(gz * z, axis))``; where ``gz`` is ``A / z + R``
    (``log(z)`` divides its gradient by ``z``), the ``A`` part is written
    ``A - z * sum(A, axis)`` — the same value with no ``A / z`` that
    overflows where ``z`` underflows to 0 (``log(softmax(x))`` and the
    cross-entropy of a softmax at ``x = [1000, 0, -1000]``);
    jvp: ``dz = z * (t - sum(z * t, axis))``.
    """

    numpy_impl = staticmethod(softmax_numpy)
    fn_name = "softmax"

    def L_op(self, inputs, outputs, output_grads):
        (x,), (z,), (gz,) = inputs, outputs, output_grads
        axes = self.axes_of(x)
        over, rest = split_over_softmax(gz, z)
        parts = []
        if over is not None:
            parts.append(over - z * _sum(over, axes, keepdims=True))
        if rest is not None:
            parts.append(z * (rest - _sum(rest * z, axes, keepdims=True)))
        gx = parts[0] if len(parts) == 1 else parts[0] + parts[1]
        return [gx]

    def R_op(self, inputs, eval_points):
        (x,), (t,) = inputs, eval_points
        if t is None:
            return self._zero_tangent(x)
        z = self(x)
        return [z * (t - _sum(z * t, self.axes_of(x), keepdims=True))]


class LogSoftmax(_SoftmaxBase):
    """``z = x - log(sum(exp(x), axis))``.

    vjp: ``gx = gz - exp(z) * sum(gz, axis)``;
    jvp: ``dz = t - sum(exp(z) * t, axis)``.
    """

    numpy_impl = staticmethod(log_softmax_numpy)
    fn_name = "log_softmax"

    def L_op(self, inputs, outputs, output_grads):
        (x,), (z,), (gz,) = inputs, outputs, output_grads
        return [gz - exp(z) * _sum(gz, self.axes_of(x), keepdims=True)]

    def R_op(self, inputs, eval_points):
        (x,), (t,) = inputs, eval_points
        if t is None:
            return self._zero_tangent(x)
        return [t - _sum(exp(self(x)) * t, self.axes_of(x), keepdims=True)]


def softmax(x: Any, axis: AxisArg = -1) -> Variable:
    """``exp(x) / sum(exp(x), axis)``, computed stably (``axis=None``: all axes)."""
    x = as_tensor_variable(x)
    return Softmax(normalize_axis(axis, x.ndim, x, "softmax"))(x)


def log_softmax(x: Any, axis: AxisArg = -1) -> Variable:
    """``x - logsumexp(x, axis)``, computed stably (``axis=None``: all axes)."""
    x = as_tensor_variable(x)
    return LogSoftmax(normalize_axis(axis, x.ndim, x, "log_softmax"))(x)


def _log_softmax_of(coding: Variable) -> Optional[Variable]:
    """``log_softmax(x)`` when ``coding`` is ``softmax(x)`` over its last axis, else None."""
    node = coding.owner
    if node is None or type(node.op) is not Softmax or node.op.axes_of(node.inputs[0]) != (coding.ndim - 1,):
        return None
    return LogSoftmax(node.op.axis)(node.inputs[0])


def categorical_crossentropy(coding_dist: Any, true_dist: Any) -> Variable:
    """``-sum_k true[..., k] * log(coding[..., k])`` over the last axis.

    ``true_dist`` is either a distribution (one-hot or not) of the same
    shape as ``coding_dist``, or integer class labels with one axis less;
    labels pick ``-log(coding[..., label])`` (never ``0 * log 0``).
    When ``coding_dist`` is ``softmax(x)`` over the last axis, ``log(coding)``
    is built as ``log_softmax(x)``: the value stays finite for any ``x`` and
    the gradient is the stable ``softmax(x) * sum(true) - true`` (``softmax - onehot``).
    """
    coding = as_tensor_variable(coding_dist)
    true = as_tensor_variable(true_dist)
    if coding.ndim == 0:
        raise TypeError(f"categorical_crossentropy: coding_dist {coding.type} must have a class axis "
                        "(a vector of probabilities or a matrix with one row per example)")
    log_coding = _log_softmax_of(coding)
    if true.ndim == coding.ndim:
        return -_sum(true * (log(coding) if log_coding is None else log_coding), axis=-1)
    if true.ndim == coding.ndim - 1 and np.dtype(true.dtype).kind in "iub":
        n_classes = coding.type.shape[-1]
        if n_classes is None:
            n_classes = shape(coding)[coding.ndim - 1]
        one_hot = cast(eq(dimshuffle(true, list(range(true.ndim)) + ["x"]), arange(n_classes)),
                         coding.dtype)
        if log_coding is not None:
            # - log(sum(one_hot)) is 0 for a valid label and +inf for one out of range (as -log(0) was)
            return -_sum(log_coding * one_hot, axis=-1) - log(_sum(one_hot, axis=-1))
        return -log(_sum(coding * one_hot, axis=-1))
    raise TypeError(f"categorical_crossentropy: true_dist {true.type} must have the shape of coding_dist "
                    f"{coding.type} (probabilities) or one axis less with an integer dtype (class labels)")
