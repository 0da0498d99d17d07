"""Indexing: ``x[...]`` and its adjoint, writing into a slice.

``getitem`` (what ``x[index]`` calls) reads numpy's index forms:

- basic indexing (ints, symbolic int scalars, slices with literal or
  symbolic bounds and negative steps, ``None``/``np.newaxis``, ``...``)
  becomes a :class:`Subtensor` (a view), followed by a DimShuffle for new axes;
- a single integer vector/list on the first axis becomes
  :class:`~gradlab.tensor.advanced_subtensor.AdvancedSubtensor1`;
- integer arrays elsewhere and boolean masks become
  :class:`~gradlab.tensor.advanced_subtensor.AdvancedSubtensor`.

``inc_subtensor(x[idx], y)`` / ``set_subtensor(x[idx], y)`` read the owner
of their first argument to find ``x`` and the index, and build the matching
Inc op, which copies ``x`` before writing (an in-place variant is the
``inplace`` prop, set by rewrites).

An op's index structure lives in its ``idx_list`` prop (see
``gradlab.tensor.indexing``: literal ints and slices as they are, symbolic
parts as placeholders filled from the op's extra inputs).  Derivatives,
shared by every indexing op: ``x[idx]`` has ``gx = inc_subtensor(zeros_like(x)[idx], gz)``;
``inc_subtensor(x[idx], y)`` has ``gx = gz``, ``gy = gz[idx]`` summed to
``y``'s shape; ``set_subtensor`` has ``gx = set_subtensor(gz[idx], 0)``;
forward rules apply the same op to the tangents.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from gradlab.graph.basic import Apply, Variable
from gradlab.graph.op import Op
from gradlab.tensor.elemwise import sum_to_input, weak_value
from gradlab.tensor.indexing import (ADV, SYM, SliceSpec, basic_idx_list, check_int_in_range,  # noqa: F401
                                     count_inputs, format_idx_list, index_source, index_tuple, parse_index,
                                     slice_length, slice_static_length)
from gradlab.tensor.dimshuffle_ops import DimShuffle
from gradlab.tensor.shape_ops import (as_int_scalar, describe, disconnected_zeros, is_missing, specify_shape,
                                  zero_tangent)
from gradlab.tensor.type import TensorType
from gradlab.tensor.variable import as_tensor_variable, constant
from gradlab.tensor.math import zeros_like

__all__ = ["Subtensor", "IncSubtensor", "getitem", "inc_subtensor", "set_subtensor"]


def getitem(x: Any, index: Any) -> Variable:
    """``x[index]`` with numpy's semantics (what ``TensorVariable.__getitem__`` calls)."""
    x = as_tensor_variable(x)
    entries = parse_index(x, index)
    if any(e[0] in ("adv", "mask") for e in entries):
        from gradlab.tensor.advanced_subtensor import advanced_getitem
        return advanced_getitem(x, entries)
    basic = [e for e in entries if e[0] != "new"]
    if basic or not entries:
        idx_list, inputs = basic_idx_list(basic)
        out = Subtensor(idx_list)(x, *inputs)
    else:
        out = x
    if len(basic) == len(entries):
        return out
    order: list = []
    axis = 0
    for e in entries:
        if e[0] == "new":
            order.append("x")
        elif e[0] == "slice":
            order.append(axis)
            axis += 1
    order.extend(range(axis, out.ndim))
    return DimShuffle(out.ndim, order)(out)


# -- derivative rules shared by every indexing op --------------------------------
class IndexReadRules:
    """vjp/jvp of ``out = x[idx]`` for an op that defines ``inc_op(set_instead_of_inc)``."""

    def connection_pattern(self, node):
        return [[True]] + [[False] for _ in node.inputs[1:]]

    def L_op(self, inputs, outputs, output_grads):
        x, idx, gz = inputs[0], inputs[1:], output_grads[0]
        return [self.inc_op(False)(zeros_like(x), gz, *idx)] + [disconnected_zeros(i) for i in idx]

    def R_op(self, inputs, eval_points):
        if is_missing(eval_points[0]):
            return [zero_tangent(self(*inputs))]
        return [self(eval_points[0], *inputs[1:])]


class IndexWriteRules:
    """vjp/jvp of ``out = x`` with ``x[idx]`` incremented by (or set to) ``y``.

    The op defines ``read_op()`` and ``with_mode(set_instead_of_inc)``.
    With ``set_subtensor`` and repeated indices only the last write lands;
    the reverse rule still gives every repeated position ``gz[idx]``.
    """

    def connection_pattern(self, node):
        return [[True], [True]] + [[False] for _ in node.inputs[2:]]

    def L_op(self, inputs, outputs, output_grads):
        x, y, idx = inputs[0], inputs[1], inputs[2:]
        gz = output_grads[0]
        if self.set_instead_of_inc:
            gx = self.with_mode(True)(gz, constant(np.zeros((), dtype=gz.dtype)), *idx)
        else:
            gx = gz
        gy = sum_to_input(self.read_op()(gz, *idx), y)
        return [gx, gy] + [disconnected_zeros(i) for i in idx]

    def R_op(self, inputs, eval_points):
        x, y, idx = inputs[0], inputs[1], inputs[2:]
        tx, ty = eval_points[0], eval_points[1]
        if is_missing(tx) and is_missing(ty):
            return [zero_tangent(self(*inputs))]
        tx = zero_tangent(x) if is_missing(tx) else tx
        ty = zero_tangent(y) if is_missing(ty) else ty
        return [self.with_mode(self.set_instead_of_inc)(tx, ty, *idx)]


def check_value_fits(x: Variable, y: Variable, target: Sequence[Optional[int]], what: str) -> None:
    """Static checks that ``y`` can be written into ``x[idx]`` (static shape ``target``)."""
    wv = weak_value(y)
    xk = np.dtype(x.dtype).kind
    if wv is not None:
        if isinstance(wv, float) and xk not in "fc" or isinstance(wv, complex) and xk != "c":
            raise TypeError(f"{what}: cannot write the value {wv!r} into {describe(x)}; "
                            f"use a value of dtype {x.dtype}")
    elif not np.can_cast(y.dtype, x.dtype, "same_kind"):
        raise TypeError(f"{what}: cannot write {describe(y)} into {describe(x)} without losing its fractional "
                        f"part or sign; cast it first with gt.cast(y, '{x.dtype}')")
    if y.ndim > len(target):
        raise ValueError(f"{what}: the value {describe(y)} has {y.ndim} dimensions, more than the "
                         f"{len(target)} of the indexed part of {describe(x)}")
    lead = len(target) - y.ndim
    for i, n in enumerate(y.type.shape):
        t = target[lead + i]
        if n not in (None, 1) and t is not None and n != t:
            raise ValueError(f"{what}: cannot broadcast the value {describe(y)} (length {n} on its axis {i}) "
                             f"to the indexed part of {describe(x)} (length {t} there)")


def check_runtime_fit(y: np.ndarray, target_shape: tuple, strict_axes: tuple, label: str) -> None:
    """``y``'s axes of unknown static length must not stretch at run time (the gradient assumes so)."""
    lead = len(target_shape) - y.ndim
    for i in strict_axes:
        if y.shape[i] != target_shape[lead + i]:
            raise ValueError(f"the value written ({label}) has length {y.shape[i]} on its axis {i}, but the "
                             f"indexed part has length {target_shape[lead + i]}; only axes of static length 1 "
                             "broadcast (declare them with specify_shape)")


def strict_axes_of(y: Variable) -> tuple:
    return tuple(i for i, n in enumerate(y.type.shape) if n is None)


# -- Subtensor ---------------------------------------------------------------------
def basic_static_shape(x: Variable, idx_list: Sequence[Any]) -> tuple:
    """Static shape of ``x[idx_list]`` (basic indexing); IndexError for literal indices out of range."""
    if len(idx_list) > x.ndim:
        raise IndexError(f"too many indices for {describe(x)}: it has {x.ndim} dimension"
                         f"{'s' if x.ndim != 1 else ''} but {len(idx_list)} were indexed")
    out = []
    for axis, e in enumerate(idx_list):
        if isinstance(e, SliceSpec):
            out.append(slice_static_length(e, x.type.shape[axis]))
        elif isinstance(e, int):
            check_int_in_range(x, axis, e)
    return tuple(out) + tuple(x.type.shape[len(idx_list):])


def _check_basic_inputs(idx_list: Sequence[Any], inputs: Sequence[Any], what: str) -> list:
    if len(inputs) != count_inputs(idx_list):
        raise TypeError(f"{what} expects {count_inputs(idx_list)} index inputs, got {len(inputs)}")
    return [as_int_scalar(v, f"{what}: index input {i}") for i, v in enumerate(inputs)]


class Subtensor(IndexReadRules, Op):
    """``x[idx]`` for basic indices (ints, slices): a view of ``x``.

    Reverse rule: ``gz`` written into zeros of ``x``'s shape at ``idx``;
    forward rule: the tangent indexed the same way.
    """

    __props__ = ("idx_list",)
    view_map = {0: [0]}

    def __init__(self, idx_list: Sequence[Any]):
        self.idx_list = tuple(idx_list)

    def __str__(self) -> str:
        return f"Subtensor{{{format_idx_list(self.idx_list)}}}"

    def inc_op(self, set_instead_of_inc: bool) -> Op:
        return IncSubtensor(self.idx_list, set_instead_of_inc=set_instead_of_inc)

    def make_node(self, x: Any, *inputs: Any) -> Apply:
        x = as_tensor_variable(x)
        inputs = _check_basic_inputs(self.idx_list, inputs, str(self))
        shape = basic_static_shape(x, self.idx_list)
        return Apply(self, [x, *inputs], [TensorType(x.dtype, shape).make_variable()])

    def perform(self, node, inputs, output_storage):
        index = index_tuple(self.idx_list, iter(inputs[1:])) + (Ellipsis,)
        output_storage[0][0] = inputs[0][index]

    def generate(self, node, inputs, outputs, ctx):
        return f"{outputs[0]} = {inputs[0]}[{index_source(self.idx_list, inputs[1:])}]"

    def infer_shape(self, fgraph, node, input_shapes):
        x_shape = input_shapes[0]
        static = node.outputs[0].type.shape
        values = iter(node.inputs[1:])
        out = []
        for axis, e in enumerate(self.idx_list):
            if isinstance(e, SliceSpec):
                bounds = [next(values) if v == SYM else v for v in (e.start, e.stop, e.step)]
                known = static[len(out)]
                out.append(known if known is not None else slice_length(*bounds, x_shape[axis]))
            elif e == SYM:
                next(values)
        rest = x_shape[len(self.idx_list):]
        return [tuple(out) + tuple(s if s is not None else r for s, r in zip(static[len(out):], rest))]


# -- IncSubtensor ------------------------------------------------------------------
def _write(x: np.ndarray, y: Any, index: tuple, set_instead_of_inc: bool, inplace: bool) -> np.ndarray:
    out = x if inplace else x.copy()
    if set_instead_of_inc:
        out[index] = y
    else:
        out[index] += y
    return out


class IndexedWriter(IndexWriteRules, Op):
    """What the writers with an index structure (``idx_list``) share: their
    props, their printed name, and the read op and mode they pair with.
    Subclasses set ``read_class`` and ``labels = (inc name, set name)``."""

    __props__ = ("idx_list", "inplace", "set_instead_of_inc")
    read_class: type = None
    labels: tuple = ()

    def __init__(self, idx_list: Sequence[Any], inplace: bool = False, set_instead_of_inc: bool = False):
        self.idx_list = tuple(idx_list)
        self.inplace = bool(inplace)
        self.set_instead_of_inc = bool(set_instead_of_inc)
        if self.inplace:
            self.destroy_map = {0: [0]}

    def __str__(self) -> str:
        kind = self.labels[1] if self.set_instead_of_inc else self.labels[0]
        return f"{kind}{{{format_idx_list(self.idx_list)}}}" + ("{inplace}" if self.inplace else "")

    def read_op(self) -> Op:
        return self.read_class(self.idx_list)

    def with_mode(self, set_instead_of_inc: bool) -> Op:
        return type(self)(self.idx_list, set_instead_of_inc=set_instead_of_inc)


class IncSubtensor(IndexedWriter):
    """``inc_subtensor(x[idx], y)`` (or ``set_subtensor`` with ``set_instead_of_inc``).

    A copy of ``x`` (unless ``inplace``) with ``y`` added to (or stored in)
    the part ``x[idx]`` (basic indices).
    """

    read_class = Subtensor
    labels = ("IncSubtensor", "SetSubtensor")

    def make_node(self, x: Any, y: Any, *inputs: Any) -> Apply:
        x = as_tensor_variable(x)
        y = as_tensor_variable(y)
        inputs = _check_basic_inputs(self.idx_list, inputs, str(self))
        check_value_fits(x, y, basic_static_shape(x, self.idx_list), str(self))
        return Apply(self, [x, y, *inputs], [x.type.make_variable()])

    def perform(self, node, inputs, output_storage):
        x, y = inputs[0], inputs[1]
        index = index_tuple(self.idx_list, iter(inputs[2:])) + (Ellipsis,)
        strict = strict_axes_of(node.inputs[1])
        if strict:
            check_runtime_fit(y, x[index].shape, strict, describe(node.inputs[1]))
        output_storage[0][0] = _write(x, y, index, self.set_instead_of_inc, self.inplace)

    def generate(self, node, inputs, outputs, ctx):
        x, y, out = inputs[0], inputs[1], outputs[0]
        index = index_source(self.idx_list, inputs[2:])
        lines = []
        strict = strict_axes_of(node.inputs[1])
        if strict:
            check = ctx.bind(check_runtime_fit, "check_fit")
            lines.append(f"{check}({y}, {x}[{index}].shape, {strict!r}, {describe(node.inputs[1])!r})")
        lines.append(f"{out} = {x}" if self.inplace else f"{out} = {x}.copy()")
        lines.append(f"{out}[{index}] {'=' if self.set_instead_of_inc else '+='} {y}")
        return "\n".join(lines)

    def infer_shape(self, fgraph, node, input_shapes):
        return [input_shapes[0]]


# -- the public writing functions ---------------------------------------------------
def _unwrap_newaxis(x_sub: Variable, y: Variable) -> tuple:
    """For ``x[idx][None …]`` (a DimShuffle adding axes), the inner indexing and ``y`` without those axes."""
    ds = x_sub.owner.op
    if ds.drop or ds.shuffle != tuple(sorted(ds.shuffle)):
        raise TypeError(f"inc_subtensor/set_subtensor: {x_sub} is not an indexing result (its last op is {ds})")
    if y.ndim > x_sub.ndim:
        raise ValueError(f"the value {describe(y)} has more dimensions than the indexed part ({x_sub.ndim})")
    if y.ndim < x_sub.ndim:
        y = DimShuffle(y.ndim, ["x"] * (x_sub.ndim - y.ndim) + list(range(y.ndim)))(y)
    if any(y.type.shape[j] != 1 for j in ds.augment):
        y = specify_shape(y, [1 if j in ds.augment else None for j in range(y.ndim)])
    y = DimShuffle(y.ndim, [j for j in range(y.ndim) if j not in ds.augment])(y)
    return x_sub.owner.inputs[0], y


def inc_subtensor(x: Any, y: Any, inplace: bool = False, set_instead_of_inc: bool = False,
                  tolerate_inplace_aliasing: bool = False, ignore_duplicates: bool = False) -> Variable:
    """A copy of the indexed tensor with ``y`` added at the index: ``inc_subtensor(a[idx], y)``.

    The first argument must be the result of indexing (``a[1:3]``,
    ``a[[0, 2]]``); its owner tells which tensor and index are meant.
    Repeated integer indices accumulate (numpy's ``np.add.at``).
    """
    what = "set_subtensor" if set_instead_of_inc else "inc_subtensor"
    x = as_tensor_variable(x)
    y = as_tensor_variable(y)
    owner = x.owner
    if owner is not None and isinstance(owner.op, DimShuffle):
        inner = owner.inputs[0]
        if inner.owner is None or not hasattr(inner.owner.op, "inc_op"):
            raise TypeError(f"{what}: the first argument must be the result of indexing a tensor (x[idx]); "
                            f"got {describe(x)}, computed by {owner.op}")
        x, y = _unwrap_newaxis(x, y)
        owner = x.owner
    if owner is None or not hasattr(owner.op, "inc_op"):
        source = f", computed by {owner.op}" if owner is not None else ""
        raise TypeError(f"{what}: the first argument must be the result of indexing a tensor, e.g. "
                        f"gt.{what}(x[1:3], y); got {describe(x)}{source}")
    op = owner.op.inc_op(set_instead_of_inc)
    return op(owner.inputs[0], y, *owner.inputs[1:])


def set_subtensor(x: Any, y: Any, inplace: bool = False, tolerate_inplace_aliasing: bool = False) -> Variable:
    """A copy of the indexed tensor with ``y`` stored at the index: ``set_subtensor(a[idx], y)``."""
    return inc_subtensor(x, y, inplace=inplace, set_instead_of_inc=True,
                         tolerate_inplace_aliasing=tolerate_inplace_aliasing)
