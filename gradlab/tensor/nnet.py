"""Neural-network helpers: softmax, log-softmax and categorical cross-entropy.

Both ops compute stably by shifting with the maximum along the softmax
axes (``softmax(x) = softmax(x - max x)``), so large inputs never overflow.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence, Union

import numpy as np

from gradlab.graph.basic import Apply, Variable
from gradlab.graph.op import Op
from gradlab.tensor.elemwise import _cast_to, _grad_dtype
from gradlab.tensor.reduce import normalize_axis
from gradlab.tensor.reduce import sum as _sum
from gradlab.tensor.type import TensorType
from gradlab.tensor.variable import as_tensor_variable

__all__ = ["Softmax", "LogSoftmax", "softmax", "log_softmax", "categorical_crossentropy"]

AxisArg = Union[None, int, Sequence[int]]


def _api():
    from gradlab.tensor import api
    return api


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
        return [_api().zeros_like(self(x))]


class Softmax(_SoftmaxBase):
    """``z = exp(x) / sum(exp(x), axis)``.

    vjp: ``gx = z * (gz - sum(gz * z, axis))``;
    jvp: ``dz = z * (t - sum(z * t, axis))``.
    """

    numpy_impl = staticmethod(softmax_numpy)
    fn_name = "softmax"

    def L_op(self, inputs, outputs, output_grads):
        (x,), (z,), (gz,) = inputs, outputs, output_grads
        axes = self.axes_of(x)
        gx = z * (gz - _sum(gz * z, axes, keepdims=True))
        return [_cast_to(gx, _grad_dtype(x))]

    def R_op(self, inputs, eval_points):
        (x,), (t,) = inputs, eval_points
        if t is None:
            return self._zero_tangent(x)
        z = self(x)
        dz = z * (t - _sum(z * t, self.axes_of(x), keepdims=True))
        return [_cast_to(dz, z.dtype)]


class LogSoftmax(_SoftmaxBase):
    """``z = x - log(sum(exp(x), axis))``.

    vjp: ``gx = gz - exp(z) * sum(gz, axis)``;
    jvp: ``dz = t - sum(exp(z) * t, axis)``.
    """

    numpy_impl = staticmethod(log_softmax_numpy)
    fn_name = "log_softmax"

    def L_op(self, inputs, outputs, output_grads):
        (x,), (z,), (gz,) = inputs, outputs, output_grads
        gx = gz - _api().exp(z) * _sum(gz, self.axes_of(x), keepdims=True)
        return [_cast_to(gx, _grad_dtype(x))]

    def R_op(self, inputs, eval_points):
        (x,), (t,) = inputs, eval_points
        if t is None:
            return self._zero_tangent(x)
        z = self(x)
        dz = t - _sum(_api().exp(z) * t, self.axes_of(x), keepdims=True)
        return [_cast_to(dz, z.dtype)]


def softmax(x: Any, axis: AxisArg = -1) -> Variable:
    """``exp(x) / sum(exp(x), axis)``, computed stably (``axis=None``: all axes)."""
    x = as_tensor_variable(x)
    return Softmax(normalize_axis(axis, x.ndim, x, "softmax"))(x)


def log_softmax(x: Any, axis: AxisArg = -1) -> Variable:
    """``x - logsumexp(x, axis)``, computed stably (``axis=None``: all axes)."""
    x = as_tensor_variable(x)
    return LogSoftmax(normalize_axis(axis, x.ndim, x, "log_softmax"))(x)


def categorical_crossentropy(coding_dist: Any, true_dist: Any) -> Variable:
    """``-sum_k true[..., k] * log(coding[..., k])`` over the last axis.

    ``true_dist`` is either a distribution (one-hot or not) of the same
    shape as ``coding_dist``, or integer class labels with one axis less;
    labels pick ``-log(coding[..., label])`` (never ``0 * log 0``).
    """
    m = _api()
    coding = as_tensor_variable(coding_dist)
    true = as_tensor_variable(true_dist)
    if coding.ndim == 0:
        raise TypeError(f"categorical_crossentropy: coding_dist {coding.type} must have a class axis "
                        "(a vector of probabilities or a matrix with one row per example)")
    if true.ndim == coding.ndim:
        return -_sum(true * m.log(coding), axis=-1)
    if true.ndim == coding.ndim - 1 and np.dtype(true.dtype).kind in "iub":
        n_classes = coding.type.shape[-1]
        if n_classes is None:
            n_classes = m.shape(coding)[coding.ndim - 1]
        one_hot = m.eq(m.dimshuffle(true, list(range(true.ndim)) + ["x"]), m.arange(n_classes))
        picked = _sum(coding * m.cast(one_hot, coding.dtype), axis=-1)
        return -m.log(picked)
    raise TypeError(f"categorical_crossentropy: true_dist {true.type} must have the shape of coding_dist "
                    f"{coding.type} (probabilities) or one axis less with an integer dtype (class labels)")
