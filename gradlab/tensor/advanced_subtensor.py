"""Advanced indexing: integer arrays and boolean masks (numpy semantics).

- :class:`AdvancedSubtensor1`: ``x[ilist]``, one integer vector on the
  first axis (the common case, e.g. ``x[[0, 2, 2]]``);
- :class:`AdvancedSubtensor`: any mix of integer arrays, boolean masks,
  ints and slices (``x[1:, [0, 2]]``, ``x[x > 0]``);
- their writing counterparts :class:`AdvancedIncSubtensor1` and
  :class:`AdvancedIncSubtensor`, where repeated indices accumulate
  (``np.add.at``) when incrementing.

Advanced indexing copies.  Derivative rules are shared with the basic ops
(:class:`~gradlab.tensor.subtensor.IndexReadRules` and
:class:`~gradlab.tensor.subtensor.IndexWriteRules`).  Part of the
subtensor module's API.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from gradlab.graph.basic import Apply, Variable
from gradlab.graph.op import Op
from gradlab.tensor.elemwise import broadcast_static_shapes
from gradlab.tensor.shape_ops import as_int_scalar, describe
from gradlab.tensor.indexing import (ADV, SYM, SliceSpec, basic_idx_list, check_int_in_range, count_inputs,
                                     format_idx_list, index_source, index_tuple, slice_static_length)
from gradlab.tensor.subtensor import (IndexedWriter, IndexReadRules, IndexWriteRules, check_runtime_fit, check_value_fits,
                                      strict_axes_of)
from gradlab.tensor.type import TensorType
from gradlab.tensor.variable import TensorConstant, as_tensor_variable

__all__ = ["AdvancedSubtensor1", "AdvancedIncSubtensor1", "AdvancedSubtensor", "AdvancedIncSubtensor"]


def _check_index_vector(x: Variable, ilist: Any, what: str) -> Variable:
    ilist = as_tensor_variable(ilist)
    if ilist.ndim != 1 or np.dtype(ilist.dtype).kind not in "iu":
        raise TypeError(f"{what}: the index must be an integer vector, got {describe(ilist)}")
    if x.ndim == 0:
        raise IndexError(f"{what}: cannot index the scalar {describe(x)}")
    _check_constant_array_range(x, 0, ilist)
    return ilist


def _check_constant_array_range(x: Variable, axis: int, idx: Variable) -> None:
    n = x.type.shape[axis]
    if isinstance(idx, TensorConstant) and n is not None and idx.data.size:
        lo, hi = int(idx.data.min()), int(idx.data.max())
        bad = hi if hi >= n else (lo if lo < -n else None)
        if bad is not None:
            check_int_in_range(x, axis, bad)


# -- one integer vector on the first axis -------------------------------------
class AdvancedSubtensor1(IndexReadRules, Op):
    """``x[ilist]``: the rows of ``x`` listed in the integer vector ``ilist`` (repeats allowed).

    Reverse rule: ``gz`` rows added into zeros at ``ilist`` (repeats
    accumulate); forward rule: the tangent's rows at ``ilist``.
    """

    __props__ = ()

    def __str__(self) -> str:
        return "AdvancedSubtensor1"

    def inc_op(self, set_instead_of_inc: bool) -> Op:
        return AdvancedIncSubtensor1(set_instead_of_inc=set_instead_of_inc)

    def make_node(self, x: Any, ilist: Any) -> Apply:
        x = as_tensor_variable(x)
        ilist = _check_index_vector(x, ilist, str(self))
        shape = (ilist.type.shape[0],) + x.type.shape[1:]
        return Apply(self, [x, ilist], [TensorType(x.dtype, shape).make_variable()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = inputs[0][inputs[1]]

    def generate(self, node, inputs, outputs, ctx):
        return f"{outputs[0]} = {inputs[0]}[{inputs[1]}]"

    def infer_shape(self, fgraph, node, input_shapes):
        static = node.outputs[0].type.shape
        full = (input_shapes[1][0],) + tuple(input_shapes[0][1:])
        return [tuple(s if s is not None else f for s, f in zip(static, full))]


class AdvancedIncSubtensor1(IndexWriteRules, Op):
    """``inc_subtensor(x[ilist], y)`` / ``set_subtensor(x[ilist], y)`` on the first axis.

    Incrementing accumulates over repeated indices (``np.add.at``); setting
    keeps the last write.
    """

    __props__ = ("inplace", "set_instead_of_inc")

    def __init__(self, inplace: bool = False, set_instead_of_inc: bool = False):
        self.inplace = bool(inplace)
        self.set_instead_of_inc = bool(set_instead_of_inc)
        if self.inplace:
            self.destroy_map = {0: [0]}

    def __str__(self) -> str:
        kind = "AdvancedSetSubtensor1" if self.set_instead_of_inc else "AdvancedIncSubtensor1"
        return kind + ("{inplace}" if self.inplace else "")

    def read_op(self) -> Op:
        return AdvancedSubtensor1()

    def with_mode(self, set_instead_of_inc: bool) -> Op:
        return AdvancedIncSubtensor1(set_instead_of_inc=set_instead_of_inc)

    def make_node(self, x: Any, y: Any, ilist: Any) -> Apply:
        x = as_tensor_variable(x)
        y = as_tensor_variable(y)
        ilist = _check_index_vector(x, ilist, str(self))
        check_value_fits(x, y, (ilist.type.shape[0],) + x.type.shape[1:], str(self))
        return Apply(self, [x, y, ilist], [x.type.make_variable()])

    def perform(self, node, inputs, output_storage):
        x, y, ilist = inputs
        strict = strict_axes_of(node.inputs[1])
        if strict:
            check_runtime_fit(y, (len(ilist),) + x.shape[1:], strict, describe(node.inputs[1]))
        out = x if self.inplace else x.copy()
        if self.set_instead_of_inc:
            out[ilist] = y
        else:
            np.add.at(out, ilist, y)
        output_storage[0][0] = out

    def generate(self, node, inputs, outputs, ctx):
        (x, y, ilist), out = inputs, outputs[0]
        lines = []
        strict = strict_axes_of(node.inputs[1])
        if strict:
            check = ctx.bind(check_runtime_fit, "check_fit")
            lines.append(f"{check}({y}, (len({ilist}),) + {x}.shape[1:], {strict!r}, {describe(node.inputs[1])!r})")
        lines.append(f"{out} = {x}" if self.inplace else f"{out} = {x}.copy()")
        lines.append(f"{out}[{ilist}] = {y}" if self.set_instead_of_inc else f"np.add.at({out}, {ilist}, {y})")
        return "\n".join(lines)

    def infer_shape(self, fgraph, node, input_shapes):
        return [input_shapes[0]]


# -- any mix of arrays, masks, ints and slices --------------------------------------
def advanced_static_shape(x: Variable, idx_list: Sequence[Any], inputs: Sequence[Variable]) -> tuple:
    """Static shape of ``x[index]`` under numpy's advanced-indexing rules.

    The index arrays (and ints) broadcast together into one block of axes,
    placed where the first of them stands when they are adjacent, in front
    otherwise; a boolean mask counts as one array of its nonzero count.
    """
    values = iter(inputs)
    axis = 0
    dims: list = []           # static lengths of the slice axes, in order
    block_at = None           # number of slice axes before the array block
    positions, shapes = [], []
    for pos, e in enumerate(idx_list):
        if isinstance(e, SliceSpec):
            for v in (e.start, e.stop, e.step):
                if v == SYM:
                    next(values)
            dims.append(slice_static_length(e, x.type.shape[axis]))
            axis += 1
            continue
        if block_at is None:
            block_at = len(dims)
        positions.append(pos)
        if isinstance(e, int):
            check_int_in_range(x, axis, e)
            shapes.append(())
            axis += 1
        elif e == SYM:
            next(values)
            shapes.append(())
            axis += 1
        elif e == ADV:
            v = next(values)
            if v.dtype == "bool":
                axes = x.type.shape[axis:axis + v.ndim]
                for i, (m, n) in enumerate(zip(v.type.shape, axes)):
                    if m is not None and n is not None and m != n:
                        raise IndexError(f"boolean index of shape {v.type.shape} does not match {describe(x)} "
                                         f"on axis {axis + i} (length {n} vs {m})")
                count = int(np.count_nonzero(v.data)) if isinstance(v, TensorConstant) else None
                shapes.append((count,))
                axis += v.ndim
            else:
                _check_constant_array_range(x, axis, v)
                shapes.append(v.type.shape)
                axis += 1
    block = broadcast_static_shapes(shapes, what="the index arrays")
    if positions != list(range(positions[0], positions[-1] + 1)):
        block_at = 0
    dims[block_at:block_at] = list(block)
    return tuple(dims) + tuple(x.type.shape[axis:])


def _check_advanced_inputs(idx_list: Sequence[Any], inputs: Sequence[Any], what: str) -> list:
    if len(inputs) != count_inputs(idx_list):
        raise TypeError(f"{what} expects {count_inputs(idx_list)} index inputs, got {len(inputs)}")
    kinds = []
    for e in idx_list:
        if isinstance(e, SliceSpec):
            kinds.extend("scalar" for v in (e.start, e.stop, e.step) if v == SYM)
        elif e == SYM:
            kinds.append("scalar")
        elif e == ADV:
            kinds.append("array")
    out = []
    for i, (kind, v) in enumerate(zip(kinds, inputs)):
        if kind == "scalar":
            out.append(as_int_scalar(v, f"{what}: index input {i}"))
            continue
        v = as_tensor_variable(v)
        if v.ndim == 0 or np.dtype(v.dtype).kind not in "biu":
            raise TypeError(f"{what}: index input {i} must be an integer or boolean array, got {describe(v)}")
        out.append(v)
    return out


def _numpy_index(idx_list: Sequence[Any], values: Sequence[Any], masks_as_ints: bool) -> tuple:
    index = index_tuple(idx_list, iter(values))
    if not masks_as_ints:
        return index
    out: list = []
    for entry in index:
        if isinstance(entry, np.ndarray) and entry.dtype == np.bool_:
            out.extend(entry.nonzero())
        else:
            out.append(entry)
    return tuple(out)


class AdvancedSubtensor(IndexReadRules, Op):
    """``x[index]`` for indices mixing integer arrays, boolean masks, ints and slices (a copy)."""

    __props__ = ("idx_list",)

    def __init__(self, idx_list: Sequence[Any]):
        self.idx_list = tuple(idx_list)

    def __str__(self) -> str:
        return f"AdvancedSubtensor{{{format_idx_list(self.idx_list)}}}"

    def inc_op(self, set_instead_of_inc: bool) -> Op:
        return AdvancedIncSubtensor(self.idx_list, set_instead_of_inc=set_instead_of_inc)

    def make_node(self, x: Any, *inputs: Any) -> Apply:
        x = as_tensor_variable(x)
        inputs = _check_advanced_inputs(self.idx_list, inputs, str(self))
        shape = advanced_static_shape(x, self.idx_list, inputs)
        return Apply(self, [x, *inputs], [TensorType(x.dtype, shape).make_variable()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = np.asarray(inputs[0][_numpy_index(self.idx_list, inputs[1:], False)])

    def generate(self, node, inputs, outputs, ctx):
        return f"{outputs[0]} = {inputs[0]}[{index_source(self.idx_list, inputs[1:])}]"


class AdvancedIncSubtensor(IndexedWriter):
    """``inc_subtensor(x[index], y)`` / ``set_subtensor(x[index], y)`` for advanced indices.

    Incrementing accumulates over repeated positions (``np.add.at``).
    """

    read_class = AdvancedSubtensor
    labels = ("AdvancedIncSubtensor", "AdvancedSetSubtensor")

    def make_node(self, x: Any, y: Any, *inputs: Any) -> Apply:
        x = as_tensor_variable(x)
        y = as_tensor_variable(y)
        inputs = _check_advanced_inputs(self.idx_list, inputs, str(self))
        check_value_fits(x, y, advanced_static_shape(x, self.idx_list, inputs), str(self))
        return Apply(self, [x, y, *inputs], [x.type.make_variable()])

    def perform(self, node, inputs, output_storage):
        x, y = inputs[0], inputs[1]
        index = _numpy_index(self.idx_list, inputs[2:], True)
        strict = strict_axes_of(node.inputs[1])
        if strict:
            check_runtime_fit(y, x[index].shape, strict, describe(node.inputs[1]))
        out = x if self.inplace else x.copy()
        if self.set_instead_of_inc:
            out[index] = y
        else:
            np.add.at(out, index, y)
        output_storage[0][0] = out

    def infer_shape(self, fgraph, node, input_shapes):
        return [input_shapes[0]]


def advanced_getitem(x: Variable, entries: Sequence[tuple]) -> Variable:
    """Build the advanced-indexing op for parsed index ``entries`` (see ``parse_index``)."""
    if any(e[0] == "new" for e in entries):
        raise NotImplementedError(f"indexing {describe(x)}: newaxis (None) together with array indices is not "
                                  "supported in one step; index in two steps, e.g. x[idx][:, None]")
    entries = list(entries)
    while entries and entries[-1][0] == "slice" and entries[-1][1] == (None, None, None):
        entries.pop()
    if len(entries) == 1 and entries[0][0] == "adv" and entries[0][1].ndim == 1:
        return AdvancedSubtensor1()(x, entries[0][1])
    idx_list: list = []
    inputs: list = []
    for e in entries:
        if e[0] in ("adv", "mask"):
            idx_list.append(ADV)
            inputs.append(e[1])
        else:
            sub_list, sub_inputs = basic_idx_list([e])
            idx_list.extend(sub_list)
            inputs.extend(sub_inputs)
    return AdvancedSubtensor(idx_list)(x, *inputs)
