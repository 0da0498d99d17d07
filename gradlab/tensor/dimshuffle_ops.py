"""DimShuffle: reorder axes, add length-1 axes, drop length-1 axes — with
``dimshuffle``, ``transpose``, ``expand_dims``, ``squeeze`` and the padding
helpers.  Part of the shape ops (gathered with them by ``gradlab.tensor.api``).
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from gradlab.graph.basic import Apply, Variable
from gradlab.graph.op import Op
from gradlab.tensor.shape_ops import (describe, is_missing, normalize_axis, specify_shape,
                                  zero_tangent)
from gradlab.tensor.type import TensorType
from gradlab.tensor.variable import as_tensor_variable

__all__ = ["DimShuffle", "dimshuffle", "transpose", "expand_dims", "squeeze", "shape_padleft", "shape_padright"]


# -- DimShuffle -----------------------------------------------------------
class DimShuffle(Op):
    """Reorder axes, insert new length-1 axes (``'x'``) and drop length-1 axes.

    ``new_order[j]`` names the input axis that becomes output axis ``j`` (or
    ``'x'`` for a new broadcastable axis); input axes not named must have
    static length 1 and are dropped.  Linear: the reverse rule is the
    inverse DimShuffle of ``gz`` (dropped axes come back as ``'x'``), the
    forward rule is the same DimShuffle of the tangent.
    """

    __props__ = ("input_ndim", "new_order")
    view_map = {0: [0]}

    def __init__(self, input_ndim: int, new_order: Sequence[Any]):
        self.input_ndim = int(input_ndim)
        order = []
        for entry in new_order:
            if entry == "x":
                order.append("x")
            elif isinstance(entry, (int, np.integer)) and not isinstance(entry, bool) and 0 <= entry < input_ndim:
                order.append(int(entry))
            else:
                raise ValueError(f"dimshuffle: entries must be 'x' or axes in 0..{input_ndim - 1}, got {entry!r} "
                                 f"in {tuple(new_order)}")
        kept = [e for e in order if e != "x"]
        if len(set(kept)) != len(kept):
            raise ValueError(f"dimshuffle: an axis appears twice in {tuple(new_order)}")
        self.new_order = tuple(order)
        self.shuffle = tuple(kept)
        self.drop = tuple(i for i in range(self.input_ndim) if i not in kept)
        self.augment = tuple(j for j, e in enumerate(order) if e == "x")
        perm = self.shuffle + self.drop
        self._perm = None if perm == tuple(range(self.input_ndim)) else perm
        index = tuple(None if e == "x" else slice(None) for e in order) + (0,) * len(self.drop)
        self._index = None if all(isinstance(i, slice) for i in index) else index + (Ellipsis,)

    def __str__(self) -> str:
        n = self.input_ndim
        if n >= 2 and not self.augment and not self.drop and self.shuffle == tuple(range(n - 1, -1, -1)):
            return "Transpose"
        return "DimShuffle{" + ",".join(str(e) for e in self.new_order) + "}"

    def make_node(self, x: Any) -> Apply:
        x = as_tensor_variable(x)
        if x.ndim != self.input_ndim:
            raise TypeError(f"{self}: expected an input with {self.input_ndim} dimensions, got {describe(x)}")
        for axis in self.drop:
            if x.type.shape[axis] != 1:
                raise ValueError(f"{self}: cannot drop axis {axis} of {describe(x)}: its static length is "
                                 f"{x.type.shape[axis] if x.type.shape[axis] is not None else 'unknown'}, not 1. "
                                 "Only axes of static length 1 can be dropped; use specify_shape to declare the "
                                 "length, or keep the axis")
        out = tuple(1 if e == "x" else x.type.shape[e] for e in self.new_order)
        return Apply(self, [x], [TensorType(x.dtype, out).make_variable()])

    def perform(self, node, inputs, output_storage):
        x = inputs[0]
        if self._perm is not None:
            x = x.transpose(self._perm)
        if self._index is not None:
            x = x[self._index]
        output_storage[0][0] = x

    def generate(self, node, inputs, outputs, ctx):
        src = inputs[0]
        if self._perm is not None:
            src += f".transpose({self._perm})"
        if self._index is not None:
            parts = [":" if isinstance(i, slice) else "..." if i is Ellipsis else repr(i) for i in self._index]
            src += "[" + ", ".join(parts) + "]"
        return f"{outputs[0]} = {src}"

    def infer_shape(self, fgraph, node, input_shapes):
        return [tuple(1 if e == "x" else input_shapes[0][e] for e in self.new_order)]

    def L_op(self, inputs, outputs, output_grads):
        x, gz = inputs[0], output_grads[0]
        if any(gz.type.shape[j] != 1 for j in self.augment):
            gz = specify_shape(gz, [1 if j in self.augment else None for j in range(gz.ndim)])
        inverse = [self.new_order.index(i) if i in self.shuffle else "x" for i in range(self.input_ndim)]
        return [DimShuffle(gz.ndim, inverse)(gz)]

    def R_op(self, inputs, eval_points):
        if is_missing(eval_points[0]):
            return [zero_tangent(self(*inputs))]
        return [self(eval_points[0])]


def dimshuffle(x: Any, pattern: Sequence[Any]) -> Variable:
    """Rearrange the axes of ``x``: ``pattern`` lists input axes and ``'x'`` for new length-1 axes.

    ``dimshuffle(m, (1, 0))`` is the transpose, ``dimshuffle(v, ('x', 0))``
    a row; axes left out must have static length 1 and are dropped.
    """
    x = as_tensor_variable(x)
    pattern = tuple(pattern)
    if pattern == tuple(range(x.ndim)):
        return x
    return DimShuffle(x.ndim, pattern)(x)


def transpose(x: Any, axes: Optional[Sequence[int]] = None) -> Variable:
    """``x`` with its axes permuted: reversed by default, else ``axes`` (numpy's ``transpose``)."""
    x = as_tensor_variable(x)
    if axes is None:
        axes = tuple(range(x.ndim - 1, -1, -1))
    axes = tuple(axes)
    if len(axes) != x.ndim or sorted(normalize_axis(a, x.ndim, "transpose") for a in axes) != list(range(x.ndim)):
        raise ValueError(f"transpose: axes {axes} are not a permutation of the {x.ndim} axes of {describe(x)}")
    return dimshuffle(x, [normalize_axis(a, x.ndim, "transpose") for a in axes])


def expand_dims(x: Any, axis: Any) -> Variable:
    """``x`` with new length-1 axes at the positions ``axis`` (int or tuple) of the result (numpy's rule)."""
    x = as_tensor_variable(x)
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    out_ndim = x.ndim + len(axes)
    positions = sorted(normalize_axis(a, out_ndim, "expand_dims") for a in axes)
    if len(set(positions)) != len(positions):
        raise ValueError(f"expand_dims: repeated axis in {axis!r}")
    it = iter(range(x.ndim))
    pattern = ["x" if j in positions else next(it) for j in range(out_ndim)]
    return dimshuffle(x, pattern)


def squeeze(x: Any, axis: Any = None) -> Variable:
    """``x`` without length-1 axes: all axes of static length 1, or only ``axis`` (int or tuple).

    An axis given explicitly must have static length 1; declare it with
    ``specify_shape`` when only the running values know it.
    """
    x = as_tensor_variable(x)
    if axis is None:
        axes = [i for i, n in enumerate(x.type.shape) if n == 1]
    else:
        raw = axis if isinstance(axis, (tuple, list)) else (axis,)
        axes = [normalize_axis(a, x.ndim, "squeeze") for a in raw]
        for a in axes:
            if x.type.shape[a] != 1:
                known = x.type.shape[a]
                raise ValueError(f"squeeze: axis {a} of {describe(x)} has static length "
                                 f"{'unknown' if known is None else known}, not 1; only axes of static length 1 "
                                 f"can be removed (use specify_shape(x, ...) to declare a length of 1)")
    return dimshuffle(x, [i for i in range(x.ndim) if i not in axes])


def shape_padleft(x: Any, n_ones: int = 1) -> Variable:
    """``x`` with ``n_ones`` new length-1 axes in front."""
    x = as_tensor_variable(x)
    return dimshuffle(x, ["x"] * n_ones + list(range(x.ndim)))


def shape_padright(x: Any, n_ones: int = 1) -> Variable:
    """``x`` with ``n_ones`` new length-1 axes at the end."""
    x = as_tensor_variable(x)
    return dimshuffle(x, list(range(x.ndim)) + ["x"] * n_ones)
