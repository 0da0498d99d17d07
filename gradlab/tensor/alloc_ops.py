"""Ops that create tensors of a given shape: Alloc (broadcast a value),
Eye (identity-like matrices) and ARange (evenly spaced values), with the
builders ``alloc, zeros, ones, full, broadcast_to, eye, arange``, and
``tile``/``repeat`` (built from alloc and reshape, so they need no rules
of their own).

Part of the shape ops (gathered with them by ``gradlab.tensor.api``); each op
states forward code, static shape, symbolic shape, vjp and jvp together.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from gradlab.graph.basic import Apply, Variable
from gradlab.graph.op import Op
from gradlab.tensor.elemwise import grad_dtype, sum_to_input, weak_value
from gradlab.tensor.shape_ops import (as_int_scalar, as_shape_scalars, describe, disconnected_zeros, flatten,
                                  is_missing, normalize_axis, reshape, result_dtype, specify_shape, static_int,
                                  zero_tangent)
from gradlab.tensor.type import TensorType, _normalize_dtype
from gradlab.tensor.variable import as_tensor_variable, constant
from gradlab.tensor.math import cast, ceil, maximum, true_div, zeros_like
from gradlab.tensor.reduce import sum as _sum

__all__ = ["Alloc", "Eye", "ARange", "alloc", "zeros", "ones", "full", "broadcast_to", "eye", "arange", "tile",
           "repeat"]


# -- Alloc ----------------------------------------------------------------
def _alloc(value: np.ndarray, shape: tuple, dtype: str, strict_axes: tuple, label: str) -> np.ndarray:
    """A new array of ``shape`` filled with ``value`` broadcast (numpy rules).

    ``strict_axes`` are the value's axes (counted from the right of the
    result) whose static length is unknown: those must not stretch at run
    time, because the graph (and the gradient) assumed they do not.
    """
    shape = tuple(int(n) for n in shape)
    for axis in strict_axes:
        got, want = value.shape[axis - len(shape) + value.ndim], shape[axis]
        if got != want:
            raise ValueError(f"alloc: {label} has length {got} on the axis that becomes axis {axis} of the result "
                             f"(length {want}); only axes of static length 1 may be broadcast. Declare the "
                             "length with specify_shape(value, ...) or give a value of the full length")
    out = np.empty(shape, dtype=dtype)
    out[...] = value
    return out


class Alloc(Op):
    """``alloc(value, *shape)``: a new tensor of ``shape`` holding ``value`` broadcast.

    Reverse rule: the gradient summed over the broadcast axes back to
    ``value``'s shape; the shape arguments get none.  Forward rule:
    ``alloc(dvalue, *shape)``.
    """

    __props__ = ()

    def make_node(self, value: Any, *shape: Any) -> Apply:
        value = as_tensor_variable(value)
        lengths = [as_int_scalar(n, f"alloc: length {i}") for i, n in enumerate(shape)]
        ndim = len(lengths)
        if ndim < value.ndim:
            raise ValueError(f"alloc: the value {describe(value)} has {value.ndim} dimensions, more than the "
                             f"{ndim} of the requested shape")
        lead = ndim - value.ndim
        out = []
        for axis, n in enumerate(lengths):
            want = static_int(n)
            if want is not None and want < 0:
                raise ValueError(f"alloc: length {want} on axis {axis} is negative")
            have = value.type.shape[axis - lead] if axis >= lead else 1
            if want is not None and have not in (None, 1) and have != want:
                raise ValueError(f"alloc: cannot broadcast {describe(value)} to length {want} on axis {axis} "
                                 f"(the value has length {have} there)")
            out.append(want if want is not None else (have if have not in (None, 1) else None))
        return Apply(self, [value, *lengths], [TensorType(value.dtype, out).make_variable()])

    def _strict_axes(self, node: Apply) -> tuple:
        value, ndim = node.inputs[0], node.outputs[0].ndim
        lead = ndim - value.ndim
        return tuple(lead + i for i, n in enumerate(value.type.shape) if n is None)

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = _alloc(inputs[0], tuple(inputs[1:]), node.outputs[0].dtype,
                                      self._strict_axes(node), describe(node.inputs[0]))

    def generate(self, node, inputs, outputs, ctx):
        shape = "(" + "".join(f"{n}, " for n in inputs[1:]) + ")"
        strict = self._strict_axes(node)
        if not strict:
            dtype = node.outputs[0].dtype
            return f"{outputs[0]} = np.empty({shape}, dtype={dtype!r})\n{outputs[0]}[...] = {inputs[0]}"
        fn = ctx.bind(_alloc, "alloc")
        return (f"{outputs[0]} = {fn}({inputs[0]}, {shape}, {node.outputs[0].dtype!r}, {strict!r}, "
                f"{describe(node.inputs[0])!r})")

    def infer_shape(self, fgraph, node, input_shapes):
        static = node.outputs[0].type.shape
        return [tuple(s if s is not None else n for s, n in zip(static, node.inputs[1:]))]

    def connection_pattern(self, node):
        return [[True]] + [[False] for _ in node.inputs[1:]]

    def L_op(self, inputs, outputs, output_grads):
        value, gz = inputs[0], output_grads[0]
        return [sum_to_input(gz, value)] + [disconnected_zeros(n) for n in inputs[1:]]

    def R_op(self, inputs, eval_points):
        if is_missing(eval_points[0]):
            return [zero_tangent(self(*inputs))]
        return [self(eval_points[0], *inputs[1:])]


_alloc_op = Alloc()


def alloc(value: Any, *shape: Any) -> Variable:
    """A new tensor of ``shape`` (ints or integer scalars) filled with ``value`` broadcast to it."""
    return _alloc_op(value, *shape)


def _fill_value(value: Any, dtype: Optional[str]) -> Variable:
    if dtype is None:
        return as_tensor_variable(value)
    dtype = _normalize_dtype(dtype)
    if isinstance(value, Variable):
        return cast(value, dtype)
    return constant(np.asarray(value, dtype=dtype))


def full(shape: Any, fill_value: Any, dtype: Optional[str] = None) -> Variable:
    """A tensor of ``shape`` filled with ``fill_value`` (of ``dtype``, or the value's own)."""
    return alloc(_fill_value(fill_value, dtype), *as_shape_scalars(shape, "full: shape"))


def zeros(shape: Any, dtype: str = "floatX") -> Variable:
    """A tensor of zeros of ``shape`` (an int, a tuple of ints/scalars, or an int vector)."""
    return full(shape, 0, dtype)


def ones(shape: Any, dtype: str = "floatX") -> Variable:
    """A tensor of ones of ``shape`` (an int, a tuple of ints/scalars, or an int vector)."""
    return full(shape, 1, dtype)


def broadcast_to(x: Any, shape: Any) -> Variable:
    """``x`` broadcast (numpy rules, static length-1 axes stretch) to ``shape``."""
    return alloc(as_tensor_variable(x), *as_shape_scalars(shape, "broadcast_to: shape"))


# -- Eye ------------------------------------------------------------------
class Eye(Op):
    """``eye(n, m, k)``: an ``n x m`` matrix with ones on diagonal ``k``, zeros elsewhere.

    Not differentiable in its integer arguments (zero gradients).
    """

    __props__ = ("dtype",)

    def __init__(self, dtype: str):
        self.dtype = _normalize_dtype(dtype)

    def make_node(self, n: Any, m: Any, k: Any) -> Apply:
        args = [as_int_scalar(v, f"eye: {w}") for v, w in zip((n, m, k), ("n", "m", "k"))]
        out = tuple(static_int(v) for v in args[:2])
        for s in out:
            if s is not None and s < 0:
                raise ValueError(f"eye: the size must be >= 0, got {s}")
        return Apply(self, args, [TensorType(self.dtype, out).make_variable()])

    def perform(self, node, inputs, output_storage):
        n, m, k = (int(v) for v in inputs)
        output_storage[0][0] = np.eye(n, m, k, dtype=self.dtype)

    def generate(self, node, inputs, outputs, ctx):
        n, m, k = inputs
        return f"{outputs[0]} = np.eye(int({n}), int({m}), int({k}), dtype={self.dtype!r})"

    def infer_shape(self, fgraph, node, input_shapes):
        static = node.outputs[0].type.shape
        return [tuple(s if s is not None else v for s, v in zip(static, node.inputs[:2]))]

    def connection_pattern(self, node):
        return [[False]] * 3

    def L_op(self, inputs, outputs, output_grads):
        return [disconnected_zeros(v) for v in inputs]

    def R_op(self, inputs, eval_points):
        return [zero_tangent(self(*inputs))]


def eye(n: Any, m: Any = None, k: Any = 0, dtype: str = "floatX") -> Variable:
    """An ``n x m`` matrix (``m`` defaults to ``n``) with ones on diagonal ``k``."""
    return Eye(dtype)(n, n if m is None else m, k)


# -- ARange ---------------------------------------------------------------
def _arange_length(start: Any, stop: Any, step: Any) -> int:
    if step == 0:
        raise ValueError("arange: step must not be zero")
    if all(isinstance(v, (int, np.integer)) for v in (start, stop, step)):
        return max(0, -(-(stop - start) // step))
    return max(0, int(np.ceil((stop - start) / step)))


class ARange(Op):
    """``arange(start, stop, step)``: ``start + i * step`` for ``0 <= i < ceil((stop - start) / step)``.

    For real dtypes, ``d out_i = d start + i * d step`` (``stop`` only
    changes the length: no gradient); integer ranges have zero gradients.
    """

    __props__ = ("dtype",)

    def __init__(self, dtype: str):
        self.dtype = _normalize_dtype(dtype)

    def make_node(self, start: Any, stop: Any, step: Any) -> Apply:
        args = []
        for v, what in zip((start, stop, step), ("start", "stop", "step")):
            v = as_tensor_variable(v)
            if v.ndim != 0 or np.dtype(v.dtype).kind not in "biuf":
                raise TypeError(f"arange: {what} must be a real scalar, got {describe(v)}")
            args.append(v)
        values = [v.data.item() if hasattr(v, "data") else static_int(v) for v in args]
        length = None
        if all(val is not None for val in values):
            length = _arange_length(*values)
        elif values[2] == 0:
            raise ValueError("arange: step must not be zero")
        return Apply(self, args, [TensorType(self.dtype, (length,)).make_variable()])

    def perform(self, node, inputs, output_storage):
        start, stop, step = inputs
        output_storage[0][0] = np.arange(start, stop, step, dtype=self.dtype)

    def generate(self, node, inputs, outputs, ctx):
        return f"{outputs[0]} = np.arange({', '.join(inputs)}, dtype={self.dtype!r})"

    def infer_shape(self, fgraph, node, input_shapes):
        static = node.outputs[0].type.shape[0]
        if static is not None:
            return [(static,)]
        start, stop, step = node.inputs
        length = ceil(true_div(stop - start, step))
        return [(cast(maximum(length, 0), "int64"),)]

    def connection_pattern(self, node):
        return [[True], [False], [True]]

    def _positions(self, out: Variable) -> Variable:
        return arange(0, out.shape[0], 1, dtype=out.dtype)

    def L_op(self, inputs, outputs, output_grads):
        (start, stop, step), (out,), (gz,) = inputs, outputs, output_grads
        return [_sum(gz), disconnected_zeros(stop), _sum(gz * self._positions(out))]

    def R_op(self, inputs, eval_points):
        out = self(*inputs)
        t_start, _, t_step = eval_points
        if is_missing(t_start) and is_missing(t_step):
            return [zero_tangent(out)]
        tangent = zeros_like(out, dtype=grad_dtype(out))
        if not is_missing(t_start):
            tangent = tangent + t_start
        if not is_missing(t_step):
            tangent = tangent + self._positions(out) * t_step
        return [tangent]


def _arange_dtype(args: Sequence[Variable]) -> str:
    dtype = result_dtype(args)
    if all(weak_value(a) is not None for a in args) and np.dtype(dtype).kind == "f":
        from gradlab.configuration import config
        return config.floatX
    return dtype


def arange(start: Any, stop: Any = None, step: Any = 1, dtype: Optional[str] = None) -> Variable:
    """Evenly spaced values ``start, start + step, …`` below ``stop`` (numpy's ``arange``).

    ``arange(n)`` counts from 0.  Bounds may be symbolic scalars
    (``arange(x.shape[0])``).  The dtype follows numpy: int64 for Python
    ints, the upcast of the arguments' dtypes otherwise.
    """
    if stop is None:
        start, stop = 0, start
    args = [as_tensor_variable(v) for v in (start, stop, step)]
    for v, what in zip(args, ("start", "stop", "step")):
        if v.ndim != 0:
            raise TypeError(f"arange: {what} must be a scalar, got {describe(v)}")
    return ARange(dtype if dtype is not None else _arange_dtype(args))(*args)


# -- tile and repeat: alloc + reshape -------------------------------------------
def _times(a: Variable, b: Variable) -> Any:
    """``a * b`` for integer scalars, as a Python int when both are known statically."""
    sa, sb = static_int(a), static_int(b)
    return sa * sb if sa is not None and sb is not None else a * b


def tile(x: Any, reps: Any) -> Variable:
    """``x`` repeated ``reps[i]`` times along axis ``i`` (numpy's ``tile``; ``reps`` ints or int scalars)."""
    from gradlab.tensor.dimshuffle_ops import dimshuffle, shape_padleft
    x = as_tensor_variable(x)
    counts = as_shape_scalars(reps, "tile: reps")
    n = max(len(counts), x.ndim)
    counts = [constant(1)] * (n - len(counts)) + counts
    x = shape_padleft(x, n - x.ndim) if x.ndim < n else x
    # (r0, s0, r1, s1, …): a new axis before every axis of x, stretched r_i times, then merged
    spread = dimshuffle(x, [e for i in range(n) for e in ("x", i)])
    big = alloc(spread, *[e for i in range(n) for e in (counts[i], x.shape[i])])
    return reshape(big, [_times(counts[i], x.shape[i]) for i in range(n)])


def repeat(x: Any, repeats: Any, axis: Optional[int] = None) -> Variable:
    """Each entry of ``x`` repeated along ``axis`` (numpy's ``repeat``; flattened when ``axis`` is None).

    ``repeats`` is an int or int scalar (every entry the same number of
    times), or a list/array of ints, one per entry along ``axis``.
    """
    from gradlab.tensor.dimshuffle_ops import dimshuffle
    x = as_tensor_variable(x)
    if axis is None:
        x, axis = flatten(x), 0
    axis = normalize_axis(axis, x.ndim, "repeat")
    if isinstance(repeats, Variable) and repeats.ndim > 0:
        raise NotImplementedError("repeat: symbolic per-entry repeat counts are not supported; pass an int, an int "
                                  "scalar, or a list of ints")
    if isinstance(repeats, (list, tuple, np.ndarray)):
        counts = np.asarray(repeats, dtype="int64").reshape(-1)
        if (counts < 0).any():
            raise ValueError(f"repeat: the counts must be >= 0, got {counts.tolist()}")
        x = specify_shape(x, [len(counts) if i == axis else None for i in range(x.ndim)])
        index = np.repeat(np.arange(len(counts)), counts)
        return x[(slice(None),) * axis + (index,)]
    count = as_int_scalar(repeats, "repeat: repeats")
    pattern = list(range(axis + 1)) + ["x"] + list(range(axis + 1, x.ndim))
    lengths = [x.shape[i] for i in range(axis + 1)] + [count] + [x.shape[i] for i in range(axis + 1, x.ndim)]
    big = alloc(dimshuffle(x, pattern), *lengths)
    new_shape = [x.shape[i] for i in range(x.ndim)]
    new_shape[axis] = _times(x.shape[axis], count)
    return reshape(big, new_shape)
