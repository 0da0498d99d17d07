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

An op's index structure lives in its ``idx_list`` prop: Python ints and
:class:`SliceSpec` entries with literal bounds are stored as they are;
symbolic parts are the placeholder :data:`SYM`, filled in order from the
op's extra scalar inputs.  Derivatives (shared by every indexing op):
``x[idx]`` has ``gx = inc_subtensor(zeros_like(x)[idx], gz)``;
``inc_subtensor(x[idx], y)`` has ``gx = gz``, ``gy = gz[idx]`` summed to
``y``'s shape; ``set_subtensor`` has ``gx = set_subtensor(gz[idx], 0)``;
forward rules apply the same op to the tangents.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Optional, Sequence

import numpy as np

from gradlab.graph.basic import Apply, Variable
from gradlab.graph.op import Op
from gradlab.tensor.elemwise import _cast_grad, _is_discrete, sum_to_input, weak_value
from gradlab.tensor.shape import (DimShuffle, as_int_scalar, describe, disconnected_zeros, is_missing, specify_shape,
                                  zero_tangent)
from gradlab.tensor.type import TensorType
from gradlab.tensor.variable import TensorConstant, as_tensor_variable, constant

__all__ = ["Subtensor", "IncSubtensor", "getitem", "inc_subtensor", "set_subtensor"]


def _api():
    from gradlab.tensor import api
    return api


# -- the index structure ----------------------------------------------------
class _Placeholder:
    """Marks an ``idx_list`` entry whose value is the op's next index input."""

    __slots__ = ("kind",)

    def __init__(self, kind: str):
        self.kind = kind

    def __repr__(self) -> str:
        return "SYM" if self.kind == "i" else "ADV"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Placeholder) and other.kind == self.kind

    def __hash__(self) -> int:
        return hash(("gradlab.subtensor.placeholder", self.kind))

    def __reduce__(self):
        return (_Placeholder, (self.kind,))


#: an integer scalar input (basic index or slice bound)
SYM = _Placeholder("i")
#: an integer or boolean array input (advanced index)
ADV = _Placeholder("array")


@dataclass(frozen=True)
class SliceSpec:
    """A slice in ``idx_list``: each bound is None, a Python int, or :data:`SYM`."""

    start: Any = None
    stop: Any = None
    step: Any = None

    def is_full(self) -> bool:
        return self.start is None and self.stop is None and self.step is None

    def __str__(self) -> str:
        def part(v: Any, name: str) -> str:
            return "" if v is None else (name if v == SYM else str(v))
        text = f"{part(self.start, 'start')}:{part(self.stop, 'stop')}"
        return text + (f":{part(self.step, 'step')}" if self.step is not None else "")


def format_idx_list(idx_list: Sequence[Any]) -> str:
    """``i, 1:, ::-1`` — how an op shows its index (``i`` marks a symbolic int)."""
    parts = []
    for e in idx_list:
        if isinstance(e, SliceSpec):
            parts.append(str(e))
        elif isinstance(e, _Placeholder):
            parts.append(e.kind)
        else:
            parts.append(str(e))
    return ", ".join(parts)


def count_inputs(idx_list: Sequence[Any]) -> int:
    """How many scalar/array inputs fill the placeholders of ``idx_list``."""
    n = 0
    for e in idx_list:
        if isinstance(e, SliceSpec):
            n += sum(1 for v in (e.start, e.stop, e.step) if v == SYM)
        elif isinstance(e, _Placeholder):
            n += 1
    return n


def index_tuple(idx_list: Sequence[Any], values: Iterator[Any]) -> tuple:
    """The numpy index for ``idx_list``, placeholders taken from ``values`` in order."""
    out = []
    for e in idx_list:
        if isinstance(e, SliceSpec):
            out.append(slice(*(next(values) if v == SYM else v for v in (e.start, e.stop, e.step))))
        elif isinstance(e, _Placeholder):
            out.append(next(values))
        else:
            out.append(e)
    return tuple(out)


def index_source(idx_list: Sequence[Any], names: Sequence[str]) -> str:
    """Python source of the numpy index, placeholders read from the variables ``names``."""
    it = iter(names)
    parts = []
    for e in idx_list:
        if isinstance(e, SliceSpec):
            bounds = ["" if v is None else (next(it) if v == SYM else repr(v)) for v in (e.start, e.stop, e.step)]
            parts.append(":".join(bounds[:2]) + (f":{bounds[2]}" if e.step is not None else ""))
        elif isinstance(e, _Placeholder):
            parts.append(next(it))
        else:
            parts.append(repr(e))
    return ", ".join(parts + ["..."])


# -- static and symbolic lengths of slices ------------------------------------
def slice_static_length(spec: SliceSpec, n: Optional[int]) -> Optional[int]:
    """The length of ``x[spec]`` on an axis of static length ``n`` when known statically."""
    bounds = (spec.start, spec.stop, spec.step)
    if spec.step is not None and spec.step != SYM and spec.start is None and spec.stop is None \
            and abs(spec.step) == 1:
        return n
    if n is None or any(v == SYM for v in bounds):
        return None
    return len(range(*slice(*bounds).indices(n)))


def _is_py(*vs: Any) -> bool:
    return all(isinstance(v, (int, np.integer)) for v in vs)


def _canon(v: Any, n: Any, lo: Any, hi: Any) -> Any:
    """Python's clipping of a slice bound: ``v < 0 -> max(v + n, lo)``, else ``min(v, hi)``."""
    if _is_py(v, n, lo, hi):
        return max(v + n, lo) if v < 0 else min(v, hi)
    m = _api()
    if _is_py(v):
        return m.maximum(v + n, lo) if v < 0 else m.minimum(v, hi)
    return m.switch(m.lt(v, 0), m.maximum(v + n, lo), m.minimum(v, hi))


def slice_length(start: Any, stop: Any, step: Any, n: Any) -> Any:
    """``len(range(*slice(start, stop, step).indices(n)))``, symbolically where needed."""
    if _is_py(n) and all(v is None or _is_py(v) for v in (start, stop, step)):
        return len(range(*slice(start, stop, step).indices(n)))
    m = _api()
    step = 1 if step is None else step

    def forward(step_: Any) -> Any:
        lo = 0 if start is None else _canon(start, n, 0, n)
        hi = n if stop is None else _canon(stop, n, 0, n)
        return (hi - lo + step_ - 1) // step_

    def backward(step_: Any) -> Any:
        lo = n - 1 if start is None else _canon(start, n, -1, n - 1)
        hi = -1 if stop is None else _canon(stop, n, -1, n - 1)
        return (lo - hi - step_ - 1) // (-step_)

    if _is_py(step):
        raw = forward(step) if step > 0 else backward(step)
    else:
        raw = m.switch(m.gt(step, 0), forward(step), backward(step))
    return raw if _is_py(raw) else m.maximum(raw, 0)


# -- reading an index -----------------------------------------------------------
def _slice_bound(v: Any, what: str, x: Variable) -> Any:
    if v is None:
        return None
    if isinstance(v, (bool, np.bool_)):
        raise TypeError(f"slice {what} of the index into {describe(x)} must be an integer, got {v!r}")
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        raise TypeError(f"slice {what} of the index into {describe(x)} must be an integer, got the float {v!r}")
    var = as_tensor_variable(v)
    if var.ndim != 0 or np.dtype(var.dtype).kind not in "iu":
        raise TypeError(f"slice {what} of the index into {describe(x)} must be an integer scalar, got "
                        f"{describe(var)}")
    if isinstance(var, TensorConstant):
        return int(var.data)
    return var


def parse_index(x: Variable, index: Any) -> list:
    """Classify the entries of a numpy index into ``x``, with ``...`` expanded.

    Entries: ``("int", i)``, ``("sym", scalar)``, ``("slice", (start, stop,
    step))``, ``("new",)``, ``("adv", int_array)``, ``("mask", bool_array)``.
    """
    raw = index if isinstance(index, tuple) else (index,)
    entries: list = []
    for e in raw:
        if e is None:
            entries.append(("new",))
        elif e is Ellipsis:
            entries.append(("ellipsis",))
        elif isinstance(e, slice):
            bounds = tuple(_slice_bound(v, w, x) for v, w in zip((e.start, e.stop, e.step), ("start", "stop", "step")))
            if bounds[2] == 0:
                raise ValueError(f"slice step cannot be zero (indexing {describe(x)})")
            entries.append(("slice", bounds))
        elif isinstance(e, (bool, np.bool_)):
            raise TypeError(f"a boolean scalar cannot index {describe(x)}; use a boolean array of x's shape")
        elif isinstance(e, (int, np.integer)):
            entries.append(("int", int(e)))
        elif isinstance(e, (float, np.floating, complex, str, bytes)):
            raise TypeError(f"only integers, slices (`:`), ellipsis (`...`), newaxis (`None`) and integer or "
                            f"boolean arrays are valid indices; got {e!r} indexing {describe(x)}")
        else:
            if isinstance(e, (list, tuple)) and len(e) == 0:
                var = constant(np.zeros(0, dtype="int64"))
            else:
                var = as_tensor_variable(e)
            kind = np.dtype(var.dtype).kind
            if kind not in "biu":
                raise TypeError(f"indices into {describe(x)} must be integers or booleans, got {describe(var)}; "
                                "cast it with gt.cast(..., 'int64')")
            if var.ndim == 0 and kind == "b":
                raise TypeError(f"a boolean scalar cannot index {describe(x)}; use a boolean array of x's shape")
            if var.ndim == 0:
                entries.append(("int", int(var.data)) if isinstance(var, TensorConstant) else ("sym", var))
            else:
                entries.append(("mask" if kind == "b" else "adv", var))
    ellipses = [i for i, e in enumerate(entries) if e[0] == "ellipsis"]
    if len(ellipses) > 1:
        raise IndexError(f"an index can only have a single ellipsis ('...'); indexing {describe(x)}")
    used = sum(e[1].ndim if e[0] == "mask" else 1 for e in entries if e[0] not in ("new", "ellipsis"))
    if used > x.ndim:
        raise IndexError(f"too many indices for {describe(x)}: it has {x.ndim} dimension"
                         f"{'s' if x.ndim != 1 else ''} but {used} were indexed")
    if ellipses:
        pos = ellipses[0]
        entries[pos:pos + 1] = [("slice", (None, None, None))] * (x.ndim - used)
    return entries


def check_int_in_range(x: Variable, axis: int, i: int) -> None:
    """Raise IndexError when the literal index ``i`` is outside axis ``axis`` of static length."""
    n = x.type.shape[axis]
    if n is not None and not -n <= i < n:
        raise IndexError(f"index {i} is out of bounds for axis {axis} of {describe(x)}, which has length {n} "
                         f"(valid indices: {-n}..{n - 1})" if n else
                         f"index {i} is out of bounds for axis {axis} of {describe(x)}, which is empty")


def basic_idx_list(entries: Sequence[tuple]) -> tuple:
    """``(idx_list, scalar_inputs)`` of basic entries (ints, symbolic ints, slices)."""
    idx_list: list = []
    inputs: list = []
    for e in entries:
        if e[0] == "int":
            idx_list.append(e[1])
        elif e[0] == "sym":
            idx_list.append(SYM)
            inputs.append(e[1])
        elif e[0] == "slice":
            parts = []
            for v in e[1]:
                if isinstance(v, Variable):
                    parts.append(SYM)
                    inputs.append(v)
                else:
                    parts.append(v)
            idx_list.append(SliceSpec(*parts))
        else:  # pragma: no cover - the caller filters
            raise ValueError(f"not a basic index entry: {e}")
    return tuple(idx_list), inputs


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
        rest = [disconnected_zeros(i) for i in idx]
        if _is_discrete(x.dtype) or is_missing(gz):
            return [disconnected_zeros(x)] + rest
        return [_cast_grad(self.inc_op(False)(_api().zeros_like(x), gz, *idx), x)] + rest

    def R_op(self, inputs, eval_points):
        if _is_discrete(inputs[0].dtype) or is_missing(eval_points[0]):
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
        rest = [disconnected_zeros(i) for i in idx]
        if _is_discrete(outputs[0].dtype) or is_missing(gz):
            return [disconnected_zeros(x), disconnected_zeros(y)] + rest
        gz = as_tensor_variable(gz)
        if self.set_instead_of_inc:
            gx = self.with_mode(True)(gz, constant(np.zeros((), dtype=gz.dtype)), *idx)
        else:
            gx = gz
        gy = sum_to_input(self.read_op()(gz, *idx), y)
        return [_cast_grad(gx, x), _cast_grad(gy, y)] + rest

    def R_op(self, inputs, eval_points):
        x, y, idx = inputs[0], inputs[1], inputs[2:]
        tx, ty = eval_points[0], eval_points[1]
        out = self(*inputs)
        if _is_discrete(out.dtype) or (is_missing(tx) and is_missing(ty)):
            return [zero_tangent(out)]
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


class IncSubtensor(IndexWriteRules, Op):
    """``inc_subtensor(x[idx], y)`` (or ``set_subtensor`` with ``set_instead_of_inc``).

    A copy of ``x`` (unless ``inplace``) with ``y`` added to (or stored in)
    the part ``x[idx]`` (basic indices).
    """

    __props__ = ("idx_list", "inplace", "set_instead_of_inc")

    def __init__(self, idx_list: Sequence[Any], inplace: bool = False, set_instead_of_inc: bool = False):
        self.idx_list = tuple(idx_list)
        self.inplace = bool(inplace)
        self.set_instead_of_inc = bool(set_instead_of_inc)
        if self.inplace:
            self.destroy_map = {0: [0]}

    def __str__(self) -> str:
        kind = "SetSubtensor" if self.set_instead_of_inc else "IncSubtensor"
        return f"{kind}{{{format_idx_list(self.idx_list)}}}" + ("{inplace}" if self.inplace else "")

    def read_op(self) -> Op:
        return Subtensor(self.idx_list)

    def with_mode(self, set_instead_of_inc: bool) -> Op:
        return IncSubtensor(self.idx_list, set_instead_of_inc=set_instead_of_inc)

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


# Advanced indexing ops live in their own module and are part of this one's API.
from gradlab.tensor.advanced_subtensor import *  # noqa: E402,F401,F403
from gradlab.tensor.advanced_subtensor import __all__ as _advanced_all  # noqa: E402

__all__ = __all__ + _advanced_all
