"""Join and Split: gluing tensors along an axis and cutting one apart, with
``concatenate``, ``join`` (PyTensor's argument order), ``stack`` and ``split``.

Part of the shape ops (gathered with them by ``gradlab.tensor.api``).  Both are
linear and each is the other's adjoint: the gradient of a Join is the Split
of ``gz``, the gradient of a Split is the Join of the ``gz``'s.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from gradlab.graph.basic import Apply, Variable
from gradlab.graph.op import Op
from gradlab.tensor.shape_ops import (MakeVector, as_shape_vector, describe, disconnected_zeros, is_missing, normalize_axis,
                                  result_dtype, static_vector, zero_tangent)
from gradlab.tensor.dimshuffle_ops import expand_dims
from gradlab.tensor.type import TensorType
from gradlab.tensor.variable import as_tensor_variable

__all__ = ["Join", "Split", "join", "concatenate", "stack", "split"]


class Join(Op):
    """``join(axis, a, b, …)``: the inputs concatenated along ``axis``.

    Reverse rule: ``gz`` split back into pieces of the inputs' lengths;
    forward rule: the join of the tangents.
    """

    __props__ = ("axis",)

    def __init__(self, axis: int):
        self.axis = int(axis)

    def __str__(self) -> str:
        return f"Join{{axis={self.axis}}}"

    def make_node(self, *tensors: Any) -> Apply:
        xs = [as_tensor_variable(t) for t in tensors]
        if not xs:
            raise ValueError("join: need at least one tensor to join")
        ndim = xs[0].ndim
        for i, x in enumerate(xs):
            if x.ndim == 0:
                raise ValueError(f"join: cannot concatenate the scalar {describe(x)}; use stack for scalars")
            if x.ndim != ndim:
                raise ValueError(f"join: all inputs need the same number of dimensions; input 0 has {ndim}, "
                                 f"input {i} ({describe(x)}) has {x.ndim}")
        if not 0 <= self.axis < ndim:
            raise ValueError(f"join: axis {self.axis} is out of range for {ndim}-dimensional inputs")
        out = []
        for axis in range(ndim):
            lengths = [x.type.shape[axis] for x in xs]
            if axis == self.axis:
                out.append(None if None in lengths else sum(lengths))
                continue
            known = {n for n in lengths if n is not None}
            if len(known) > 1:
                raise ValueError(f"join: the inputs must have equal lengths on every axis but {self.axis}; "
                                 f"axis {axis} has lengths {[n for n in lengths]} "
                                 f"({', '.join(describe(x) for x in xs)})")
            out.append(known.pop() if known else None)
        return Apply(self, xs, [TensorType(result_dtype(xs), out).make_variable()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = np.concatenate(inputs, axis=self.axis, dtype=node.outputs[0].dtype)

    def generate(self, node, inputs, outputs, ctx):
        return (f"{outputs[0]} = np.concatenate(({''.join(n + ', ' for n in inputs)}), axis={self.axis}, "
                f"dtype={node.outputs[0].dtype!r})")

    def infer_shape(self, fgraph, node, input_shapes):
        static = node.outputs[0].type.shape
        out = []
        for axis in range(len(static)):
            if static[axis] is not None:
                out.append(static[axis])
            elif axis == self.axis:
                total: Any = 0
                for shp in input_shapes:
                    total = total + shp[axis]
                out.append(total)
            else:
                out.append(input_shapes[0][axis])
        return [tuple(out)]

    def L_op(self, inputs, outputs, output_grads):
        sizes = [x.shape[self.axis] for x in inputs]
        return list(split(output_grads[0], sizes, len(inputs), axis=self.axis))

    def R_op(self, inputs, eval_points):
        if all(is_missing(t) for t in eval_points):
            return [zero_tangent(self(*inputs))]
        ts = [zero_tangent(x) if is_missing(t) else t for x, t in zip(inputs, eval_points)]
        return [Join(self.axis)(*ts)]


def join(axis: int, *tensors: Any) -> Variable:
    """The tensors concatenated along ``axis`` (PyTensor's order: the axis first)."""
    if isinstance(axis, Variable):
        raise TypeError("join: the axis must be a Python int (symbolic axes are not supported)")
    xs = [as_tensor_variable(t) for t in tensors]
    if not xs:
        raise ValueError("join: need at least one tensor to join")
    if xs[0].ndim == 0:
        raise ValueError(f"join: cannot concatenate the scalar {describe(xs[0])}; use stack for scalars")
    axis = normalize_axis(axis, xs[0].ndim, "join")
    if len(xs) == 1:
        return xs[0]
    return Join(axis)(*xs)


def concatenate(tensors: Sequence[Any], axis: int = 0) -> Variable:
    """The tensors concatenated along ``axis`` (numpy's ``concatenate``)."""
    if isinstance(tensors, Variable):
        raise TypeError("concatenate: pass a list or tuple of tensors")
    return join(axis, *tensors)


def stack(tensors: Sequence[Any], axis: int = 0) -> Variable:
    """The tensors (all of one shape) stacked along a new axis ``axis`` (numpy's ``stack``)."""
    if isinstance(tensors, Variable):
        raise TypeError("stack: pass a list or tuple of tensors")
    xs = [as_tensor_variable(t) for t in tensors]
    if not xs:
        raise ValueError("stack: need at least one tensor to stack")
    ndim = xs[0].ndim
    for i, x in enumerate(xs):
        if x.ndim != ndim:
            raise ValueError(f"stack: all inputs need the same number of dimensions; input 0 has {ndim}, "
                             f"input {i} ({describe(x)}) has {x.ndim}")
    axis = normalize_axis(axis, ndim + 1, "stack")
    if ndim == 0:
        return MakeVector(result_dtype(xs))(*xs)
    return join(axis, *[expand_dims(x, axis) for x in xs])


# -- Split ----------------------------------------------------------------
def _split(x: np.ndarray, sizes: np.ndarray, axis: int, label: str) -> list:
    sizes = np.asarray(sizes)
    if (sizes < 0).any() or int(sizes.sum()) != x.shape[axis]:
        raise ValueError(f"split: the sizes {sizes.tolist()} must be >= 0 and add up to the length "
                         f"{x.shape[axis]} of {label} on axis {axis}")
    return np.split(x, np.cumsum(sizes)[:-1], axis=axis)


class Split(Op):
    """``split(x, sizes, n_splits, axis)``: ``x`` cut along ``axis`` into pieces of the given sizes.

    Reverse rule: the join of the pieces' gradients (zeros where a piece has
    none); forward rule: the split of the tangent.
    """

    __props__ = ("n_splits", "axis")

    def __init__(self, n_splits: int, axis: int):
        self.n_splits = int(n_splits)
        self.axis = int(axis)
        self.view_map = {i: [0] for i in range(self.n_splits)}

    def __str__(self) -> str:
        return f"Split{{{self.n_splits}, axis={self.axis}}}"

    def make_node(self, x: Any, sizes: Any) -> Apply:
        x = as_tensor_variable(x)
        sizes = as_tensor_variable(sizes)
        if x.ndim == 0:
            raise ValueError(f"split: cannot split the scalar {describe(x)}")
        if not 0 <= self.axis < x.ndim:
            raise ValueError(f"split: axis {self.axis} is out of range for {describe(x)}")
        if sizes.ndim != 1 or np.dtype(sizes.dtype).kind not in "iu":
            raise TypeError(f"split: the sizes must be an integer vector, got {describe(sizes)}")
        if sizes.type.shape[0] is not None and sizes.type.shape[0] != self.n_splits:
            raise ValueError(f"split: {sizes.type.shape[0]} sizes given for n_splits={self.n_splits}")
        known = static_vector(sizes) if sizes.type.shape[0] is not None else (None,) * self.n_splits
        if any(n is not None and n < 0 for n in known):
            raise ValueError(f"split: the sizes must be >= 0, got {list(known)}")
        total = x.type.shape[self.axis]
        if None not in known and total is not None and sum(known) != total:
            raise ValueError(f"split: the sizes {list(known)} add up to {sum(known)}, but {describe(x)} has "
                             f"length {total} on axis {self.axis}")
        outs = []
        for n in known:
            shape = list(x.type.shape)
            shape[self.axis] = n
            outs.append(TensorType(x.dtype, shape).make_variable())
        return Apply(self, [x, sizes], outs)

    def perform(self, node, inputs, output_storage):
        pieces = _split(inputs[0], inputs[1], self.axis, describe(node.inputs[0]))
        if len(pieces) != self.n_splits:
            raise ValueError(f"split: expected {self.n_splits} sizes, got {len(pieces)}")
        for cell, piece in zip(output_storage, pieces):
            cell[0] = piece

    def generate(self, node, inputs, outputs, ctx):
        fn = ctx.bind(_split, "split")
        return (f"{''.join(o + ', ' for o in outputs)}= {fn}({inputs[0]}, {inputs[1]}, {self.axis}, "
                f"{describe(node.inputs[0])!r})")

    def infer_shape(self, fgraph, node, input_shapes):
        out = []
        for i, o in enumerate(node.outputs):
            shape = list(input_shapes[0])
            shape[self.axis] = o.type.shape[self.axis] if o.type.shape[self.axis] is not None else node.inputs[1][i]
            out.append(tuple(shape))
        return out

    def connection_pattern(self, node):
        return [[True] * self.n_splits, [False] * self.n_splits]

    def L_op(self, inputs, outputs, output_grads):
        return [Join(self.axis)(*output_grads), disconnected_zeros(inputs[1])]

    def R_op(self, inputs, eval_points):
        if is_missing(eval_points[0]):
            return [zero_tangent(o) for o in self.make_node(*inputs).outputs]
        return list(self.make_node(eval_points[0], inputs[1]).outputs)


def split(x: Any, splits_size: Any, n_splits: int, axis: int = 0) -> list:
    """``x`` cut along ``axis`` into ``n_splits`` pieces of lengths ``splits_size`` (a list)."""
    x = as_tensor_variable(x)
    if x.ndim == 0:
        raise ValueError(f"split: cannot split the scalar {describe(x)}")
    axis = normalize_axis(axis, x.ndim, "split")
    sizes = as_shape_vector(splits_size, "split: splits_size")
    return list(Split(n_splits, axis).make_node(x, sizes).outputs)

