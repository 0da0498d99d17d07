"""Reductions: sum, prod, max/min, argmax/argmin, all/any over some axes,
and mean, var, std, logsumexp built from them.

Every reduction op has the props ``axis`` (a sorted tuple of axes, ``None``
= all) and ``keepdims`` (reduced axes kept with length 1), like numpy.  The
vjp of a reduction re-inserts the reduced axes into the output gradient and
broadcasts it back to the input's shape; the jvp reduces the tangent.
"""
from __future__ import annotations

import builtins
import typing
from typing import Optional, Sequence, Union

import numpy as np

from gradlab.graph.basic import Apply, Variable
from gradlab.graph.op import Op
from gradlab.tensor.elemwise import cast_to, grad_dtype, is_discrete_dtype
from gradlab.tensor.type import TensorType, _normalize_dtype
from gradlab.tensor.variable import as_tensor_variable
from gradlab.tensor.dimshuffle_ops import dimshuffle
from gradlab.tensor.math import cast, eq, exp, isinf, log, second, sqr, sqrt, switch, zeros_like
from gradlab.tensor.shape_ops import shape as shape_of

AxisArg = Union[None, int, Sequence[int]]
#: anything as_tensor_variable accepts (a variable, a number, a list, an array)
TensorLike = typing.Any

__all__ = ["Sum", "Prod", "Max", "Min", "Argmax", "Argmin", "sum", "prod", "max", "min",
           "argmax", "argmin", "max_and_argmax", "all", "any", "mean", "var", "std", "logsumexp"]


def _label(var: Variable) -> str:
    return f"{var.name} ({var.type})" if var.name else f"the input {var.type}"


def normalize_axis(axis: AxisArg, ndim: int, var: Optional[Variable] = None, fn: str = "reduce") -> tuple:
    """``axis`` (None, an int, or a sequence of ints; negatives count from
    the end) as a sorted tuple of distinct non-negative axes of an ``ndim``-d
    tensor.  ``None`` means every axis."""
    what = _label(var) if var is not None else f"a {ndim}-d tensor"
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (int, np.integer)) and not isinstance(axis, bool):
        axes = [int(axis)]
    elif isinstance(axis, (tuple, list)):
        axes = list(axis)
    else:
        raise TypeError(f"{fn}: axis must be None, an int or a tuple of ints known when the graph is "
                        f"built, got {type(axis).__name__} {axis!r}"[:300])
    out = []
    for a in axes:
        if not isinstance(a, (int, np.integer)) or isinstance(a, bool):
            raise TypeError(f"{fn}: every axis must be a Python int, got {type(a).__name__} {a!r}")
        if not -ndim <= a < ndim:
            raise ValueError(f"{fn}: axis {a} is out of range for {what}, which has {ndim} dimension"
                             f"{'s' if ndim != 1 else ''}; pass an axis in [{-ndim}, {ndim - 1}]"
                             if ndim else f"{fn}: axis {a} is out of range for the 0-d {what}; pass axis=None")
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{fn}: axis {tuple(axes)} repeats an axis of {what}; name each axis once")
    return tuple(sorted(out))


def _reduced_shape(shape: tuple, axes: tuple, keepdims: bool) -> tuple:
    if keepdims:
        return tuple(1 if i in axes else n for i, n in enumerate(shape))
    return tuple(n for i, n in enumerate(shape) if i not in axes)


def restore_axes(g: Variable, ndim: int, axes: tuple, keepdims: bool) -> Variable:
    """``g`` (a reduction's output or gradient) with the reduced ``axes``
    re-inserted as length-1 axes, ready to broadcast against the input.
    Reduced *leading* axes need nothing: broadcasting adds them."""
    if keepdims or tuple(axes) == tuple(range(len(axes))):
        return g
    pattern, k = [], 0
    for i in range(ndim):
        if i in axes:
            pattern.append("x")
        else:
            pattern.append(k)
            k += 1
    return dimshuffle(g, pattern)


class Reduce(Op):
    """Base of the reductions: ``z = f(x)`` over ``axis``; subclasses set
    ``numpy_fn`` and may override :meth:`output_dtype`."""

    __props__ = ("axis", "keepdims")
    numpy_fn: typing.Any = None
    fn_name = "reduce"

    def __init__(self, axis: Optional[Sequence[int]] = None, keepdims: bool = False):
        self.axis = None if axis is None else tuple(sorted(int(a) for a in axis))
        self.keepdims = bool(keepdims)

    def __str__(self) -> str:
        ax = "" if self.axis is None else f"axis={list(self.axis)}"
        kd = ", keepdims" if self.keepdims else ""
        return f"{type(self).__name__}{{{ax}{kd}}}" if ax or kd else type(self).__name__

    def axes_of(self, ndim: int) -> tuple:
        return tuple(range(ndim)) if self.axis is None else self.axis

    def output_dtype(self, dtype: str) -> str:
        return dtype

    def make_node(self, x: TensorLike) -> Apply:
        x = as_tensor_variable(x)
        if self.axis is not None and self.axis and (self.axis[0] < 0 or self.axis[-1] >= x.ndim):
            raise ValueError(f"{self.fn_name}: axis {self.axis} is out of range for {_label(x)}, which has "
                             f"{x.ndim} dimension(s); pass axes in [0, {x.ndim - 1}]")
        shape = _reduced_shape(x.type.shape, self.axes_of(x.ndim), self.keepdims)
        out = TensorType(self.output_dtype(x.dtype), shape).make_variable()
        return Apply(self, [x], [out])

    def _np_axis(self, ndim: int) -> typing.Any:
        return None if self.axes_of(ndim) == tuple(range(ndim)) else self.axis

    def _kwargs(self) -> dict:
        return {}

    def perform(self, node: Apply, inputs: Sequence[typing.Any], output_storage: list) -> None:
        (x,) = inputs
        out = type(self).numpy_fn(x, axis=self._np_axis(np.ndim(x)), keepdims=self.keepdims, **self._kwargs())
        output_storage[0][0] = np.asarray(out, dtype=node.outputs[0].dtype)

    def generate(self, node: Apply, inputs: Sequence[str], outputs: Sequence[str], ctx: typing.Any) -> Optional[str]:
        fn = ctx.bind(type(self).numpy_fn, self.fn_name)
        args = [inputs[0]]
        axis = self._np_axis(node.inputs[0].ndim)
        if axis is not None:
            args.append(f"axis={axis!r}")
        if self.keepdims:
            args.append("keepdims=True")
        args += [f"{k}={v!r}" for k, v in self._kwargs().items()]
        return f"{outputs[0]} = {fn}({', '.join(args)})"

    def infer_shape(self, fgraph: typing.Any, node: Apply, input_shapes: Sequence[tuple]) -> list:
        return [_reduced_shape(tuple(input_shapes[0]), self.axes_of(node.inputs[0].ndim), self.keepdims)]

    # -- shared derivative pieces --------------------------------------
    def _zero_tangent(self, x: Variable) -> list:
        z = self(x)
        return [zeros_like(z, dtype=grad_dtype(z))]


class Sum(Reduce):
    """``z = sum of x over axis`` (numpy dtype rules: ints and bools sum to
    int64, floats keep their dtype; ``dtype`` overrides, ``acc_dtype`` sets
    the accumulator).  vjp: ``gx = broadcast(gz)``; jvp: ``dz = sum(t)``."""

    __props__ = ("axis", "keepdims", "dtype", "acc_dtype")
    numpy_fn = np.sum
    fn_name = "sum"

    def __init__(self, axis: Optional[Sequence[int]] = None, keepdims: bool = False,
                 dtype: Optional[str] = None, acc_dtype: Optional[str] = None):
        super().__init__(axis, keepdims)
        self.dtype = None if dtype is None else _normalize_dtype(dtype)
        self.acc_dtype = None if acc_dtype is None else _normalize_dtype(acc_dtype)

    def output_dtype(self, dtype: str) -> str:
        if self.dtype is not None:
            return self.dtype
        return np.sum(np.ones(1, dtype=dtype)).dtype.name

    def _kwargs(self) -> dict:
        acc = self.acc_dtype or self.dtype
        return {} if acc is None else {"dtype": acc}

    def generate(self, node: Apply, inputs: Sequence[str], outputs: Sequence[str], ctx: typing.Any) -> Optional[str]:
        line = super().generate(node, inputs, outputs, ctx)
        if self.acc_dtype is not None and self.acc_dtype != node.outputs[0].dtype:
            line += f".astype({node.outputs[0].dtype!r})"
        return line

    def L_op(self, inputs, outputs, output_grads):
        (x,), (gz,) = inputs, output_grads
        return [second(x, restore_axes(gz, x.ndim, self.axes_of(x.ndim), self.keepdims))]

    def R_op(self, inputs, eval_points):
        (x,), (t,) = inputs, eval_points
        return self._zero_tangent(x) if t is None else [Sum(self.axis, self.keepdims)(t)]


class Prod(Reduce):
    """``z = product of x over axis``.  vjp: ``gx_i = gz * prod_{j != i} x_j``,
    computed without dividing by zero and differentiable again at zeros
    (see :meth:`_partials`).  jvp: ``dz = sum(gx(gz=1) * t)``."""

    __props__ = ("axis", "keepdims", "dtype")
    numpy_fn = np.prod
    fn_name = "prod"

    def __init__(self, axis: Optional[Sequence[int]] = None, keepdims: bool = False, dtype: Optional[str] = None):
        super().__init__(axis, keepdims)
        self.dtype = None if dtype is None else _normalize_dtype(dtype)

    def output_dtype(self, dtype: str) -> str:
        if self.dtype is not None:
            return self.dtype
        return np.prod(np.ones(1, dtype=dtype)).dtype.name

    def _kwargs(self) -> dict:
        return {} if self.dtype is None else {"dtype": self.dtype}

    def _partials(self, x: Variable, z_dtype: str) -> Variable:
        """``d z / d x_i = prod_{j != i} x_j`` entrywise (keepdims layout),
        without dividing by zero and differentiable again at exact zeros.

        With ``P`` the product of the non-zero entries of the slice and ``Z``
        the product of its zero entries (1 when there are none):

        - a non-zero entry: ``P / x_i * Z`` (``Z`` is 0 as soon as the slice
          has a zero, yet its derivative with respect to a lone zero is 1);
        - a zero entry: ``P`` times the product of the *other* zeros: 1 with
          one zero, the other zero's value with two (``sum of zeros - x_i``),
          0 with three or more (every second derivative is then 0 too).

        Each branch is a polynomial in the entries it depends on, so the
        derivative of this expression is right at zeros (the no-zeros /
        one-zero / many-zeros split PyTensor and JAX use)."""
        axes = self.axes_of(x.ndim)
        xf = cast_to(x, z_dtype)
        is_zero = eq(xf, 0)
        x_safe = switch(is_zero, 1, xf)
        p_nonzero = prod(x_safe, axes, keepdims=True)
        z_zeros = prod(switch(is_zero, xf, 1), axes, keepdims=True)
        n_zeros = sum(is_zero, axes, keepdims=True)
        zero_sum = sum(switch(is_zero, xf, 0), axes, keepdims=True)
        other_zeros = switch(eq(n_zeros, 1), 1, switch(eq(n_zeros, 2), zero_sum - xf, 0))
        at_zero = p_nonzero * other_zeros
        elsewhere = p_nonzero / x_safe * z_zeros
        return switch(is_zero, at_zero, elsewhere)

    def L_op(self, inputs, outputs, output_grads):
        (x,), (z,), (gz,) = inputs, outputs, output_grads
        g = restore_axes(gz, x.ndim, self.axes_of(x.ndim), self.keepdims)
        return [self._partials(x, z.dtype) * g]

    def R_op(self, inputs, eval_points):
        (x,), (t,) = inputs, eval_points
        if t is None:
            return self._zero_tangent(x)
        return [Sum(self.axis, self.keepdims)(self._partials(x, self.output_dtype(x.dtype)) * t)]


class _Extremum(Reduce):
    """Shared rules of Max and Min.  vjp: ``gz`` goes to *every* entry equal
    to the extremum (ties all receive it); jvp: the sum of the tangents of
    those entries."""

    def _mask(self, x: Variable, z: Variable) -> Variable:
        z_full = restore_axes(z, x.ndim, self.axes_of(x.ndim), self.keepdims)
        return cast(eq(x, z_full), grad_dtype(x))

    def L_op(self, inputs, outputs, output_grads):
        (x,), (z,), (gz,) = inputs, outputs, output_grads
        g = restore_axes(gz, x.ndim, self.axes_of(x.ndim), self.keepdims)
        return [self._mask(x, z) * g]

    def R_op(self, inputs, eval_points):
        (x,), (t,) = inputs, eval_points
        if t is None:
            return self._zero_tangent(x)
        return [Sum(self.axis, self.keepdims)(self._mask(x, self(x)) * t)]


class Max(_Extremum):
    """``z = max of x over axis`` (ties: every maximal entry gets the gradient)."""
    numpy_fn = np.max
    fn_name = "max"


class Min(_Extremum):
    """``z = min of x over axis`` (ties: every minimal entry gets the gradient)."""
    numpy_fn = np.min
    fn_name = "min"


class _Logical(Reduce):
    """all/any: boolean outputs, so zero gradient (the gradient adapter's
    rule for discrete outputs).  (The classes ``All`` and ``Any`` stay out of
    ``__all__``: a star import of ``Any`` would shadow ``typing.Any`` in the
    importing module.)"""

    def output_dtype(self, dtype: str) -> str:
        return "bool"


class All(_Logical):
    """``z = True where every entry of x over axis is nonzero``."""
    numpy_fn = np.all
    fn_name = "all"


class Any(_Logical):
    """``z = True where some entry of x over axis is nonzero``."""
    numpy_fn = np.any
    fn_name = "any"


def _arg_reduce(fn: typing.Any, x: np.ndarray, axis: Optional[tuple], keepdims: bool) -> np.ndarray:
    """numpy's argmax/argmin, extended to several axes: the index into those
    axes flattened in C order (as PyTensor)."""
    if axis is None or len(axis) == x.ndim:
        return fn(x, axis=None, keepdims=keepdims)
    if len(axis) == 1:
        return fn(x, axis=axis[0], keepdims=keepdims)
    kept = [i for i in range(x.ndim) if i not in axis]
    moved = np.transpose(x, kept + list(axis))
    flat = moved.reshape(moved.shape[:len(kept)] + (-1,))
    out = fn(flat, axis=-1)
    if keepdims:
        out = out.reshape(_reduced_shape(x.shape, axis, True))
    return out


class _ArgReduce(Reduce):
    """argmax/argmin: int64 positions, so zero gradient (the gradient
    adapter's rule for integer outputs)."""

    def output_dtype(self, dtype: str) -> str:
        return "int64"

    def perform(self, node: Apply, inputs: Sequence[typing.Any], output_storage: list) -> None:
        (x,) = inputs
        out = _arg_reduce(type(self).numpy_fn, np.asarray(x), self.axis, self.keepdims)
        output_storage[0][0] = np.asarray(out, dtype="int64")

    def generate(self, node: Apply, inputs: Sequence[str], outputs: Sequence[str], ctx: typing.Any) -> Optional[str]:
        axis = self._np_axis(node.inputs[0].ndim)
        if axis is not None and len(axis) > 1:
            helper, fn = ctx.bind(_arg_reduce, "arg_reduce"), ctx.bind(type(self).numpy_fn, self.fn_name)
            return f"{outputs[0]} = {helper}({fn}, {inputs[0]}, {axis!r}, {self.keepdims})"
        fn = ctx.bind(type(self).numpy_fn, self.fn_name)
        ax = "None" if axis is None else repr(axis[0])
        kd = ", keepdims=True" if self.keepdims else ""
        return f"{outputs[0]} = {fn}({inputs[0]}, axis={ax}{kd})"


class Argmax(_ArgReduce):
    """``z = index of the (first) maximum of x over axis``."""
    numpy_fn = np.argmax
    fn_name = "argmax"


class Argmin(_ArgReduce):
    """``z = index of the (first) minimum of x over axis``."""
    numpy_fn = np.argmin
    fn_name = "argmin"


# -- public builders ------------------------------------------------------
def _build(op_class: type, fn: str, x: TensorLike, axis: AxisArg, keepdims: bool, **kw: typing.Any) -> Variable:
    x = as_tensor_variable(x)
    axes = normalize_axis(axis, x.ndim, x, fn)
    return op_class(None if axes == tuple(range(x.ndim)) else axes, keepdims, **kw)(x)


def sum(x: TensorLike, axis: AxisArg = None, keepdims: bool = False, dtype: typing.Any = None,
        acc_dtype: typing.Any = None) -> Variable:
    """``sum_{axis} x``; ints and bools sum to int64, floats keep their dtype."""
    return _build(Sum, "sum", x, axis, keepdims, dtype=dtype, acc_dtype=acc_dtype)


def prod(x: TensorLike, axis: AxisArg = None, keepdims: bool = False, dtype: typing.Any = None) -> Variable:
    """``prod_{axis} x``; its gradient is exact where entries are zero."""
    return _build(Prod, "prod", x, axis, keepdims, dtype=dtype)


def max(x: TensorLike, axis: AxisArg = None, keepdims: bool = False) -> Variable:
    """``max_{axis} x``; tied maxima all receive the gradient."""
    return _build(Max, "max", x, axis, keepdims)


def min(x: TensorLike, axis: AxisArg = None, keepdims: bool = False) -> Variable:
    """``min_{axis} x``; tied minima all receive the gradient."""
    return _build(Min, "min", x, axis, keepdims)


def argmax(x: TensorLike, axis: AxisArg = None, keepdims: bool = False) -> Variable:
    """Index (int64) of the first maximum over ``axis`` (several axes: the
    index into them flattened); its gradient is zero."""
    return _build(Argmax, "argmax", x, axis, keepdims)


def argmin(x: TensorLike, axis: AxisArg = None, keepdims: bool = False) -> Variable:
    """Index (int64) of the first minimum over ``axis``; its gradient is zero."""
    return _build(Argmin, "argmin", x, axis, keepdims)


def max_and_argmax(x: TensorLike, axis: AxisArg = None, keepdims: bool = False) -> list:
    """``[max(x, axis), argmax(x, axis)]``."""
    return [max(x, axis, keepdims), argmax(x, axis, keepdims)]


def all(x: TensorLike, axis: AxisArg = None, keepdims: bool = False) -> Variable:
    """True where every entry over ``axis`` is nonzero (bool)."""
    return _build(All, "all", x, axis, keepdims)


def any(x: TensorLike, axis: AxisArg = None, keepdims: bool = False) -> Variable:
    """True where some entry over ``axis`` is nonzero (bool)."""
    return _build(Any, "any", x, axis, keepdims)


def _count(x: Variable, axes: tuple, dtype: str) -> typing.Any:
    """``prod_{a in axes} len(x, a)``: a Python int when the lengths are known
    statically (a weak constant), else a symbolic scalar of ``dtype``."""
    lengths = [x.type.shape[a] for a in axes]
    if builtins.all(n is not None for n in lengths):
        return int(np.prod(lengths, dtype=np.int64))
    shape = shape_of(x)
    count = None
    for a, n in zip(axes, lengths):
        term = n if n is not None else shape[a]
        count = term if count is None else count * term
    return cast(count, dtype)


def mean(x: TensorLike, axis: AxisArg = None, keepdims: bool = False) -> Variable:
    """``sum_{axis} x / n`` with ``n`` the number of entries summed; ints
    average in float64, floats keep their dtype (as numpy)."""
    x = as_tensor_variable(x)
    axes = normalize_axis(axis, x.ndim, x, "mean")
    dtype = "float64" if is_discrete_dtype(x.dtype) else None
    s = sum(x, axes, keepdims, dtype=dtype)
    return s / _count(x, axes, s.dtype)


def var(x: TensorLike, axis: AxisArg = None, keepdims: bool = False, ddof: int = 0) -> Variable:
    """``sum_{axis} (x - mean(x))**2 / (n - ddof)`` (``ddof=0``: numpy's default)."""
    x = as_tensor_variable(x)
    axes = normalize_axis(axis, x.ndim, x, "var")
    centred = x - mean(x, axes, keepdims=True)
    s = sum(sqr(centred), axes, keepdims)
    return s / (_count(x, axes, s.dtype) - ddof)


def std(x: TensorLike, axis: AxisArg = None, keepdims: bool = False, ddof: int = 0) -> Variable:
    """``sqrt(var(x, axis, ddof))``."""
    return sqrt(var(x, axis, keepdims, ddof))


def logsumexp(x: TensorLike, axis: AxisArg = None, keepdims: bool = False) -> Variable:
    """``log(sum_{axis} exp(x))``, computed as ``m + log(sum(exp(x - m)))``
    with ``m = max(x)`` (0 where the max is infinite), so it never overflows."""
    x = as_tensor_variable(x)
    axes = normalize_axis(axis, x.ndim, x, "logsumexp")
    shift = max(x, axes, keepdims=True)
    shift = switch(isinf(shift), 0, shift)
    total = sum(exp(x - shift), axes, keepdims)
    return log(total) + (shift if keepdims else _drop_axes(shift, axes))


def _drop_axes(x: Variable, axes: tuple) -> Variable:
    """Drop length-1 ``axes`` (summing a length-1 axis removes it)."""
    return sum(x, axes) if axes else x
