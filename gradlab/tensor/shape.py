"""Shape ops: reading, asserting and rearranging the shape of a tensor.

Each op states its forward numpy code (``perform`` / ``generate``), its
static shape rule (``make_node``), its symbolic shape (``infer_shape``),
its reverse rule (``L_op``, the vector-Jacobian product) and its forward
rule (``R_op``, the Jacobian-vector product) in one place.  The ops here
are linear in the data they move, so the forward rule is the op applied to
the tangent, and the reverse rule moves the gradient back.

This module holds Shape, SpecifyShape, MakeVector, Reshape and DimShuffle;
``gradlab.tensor.alloc`` (Alloc, Eye, ARange) and ``gradlab.tensor.join``
(Join, Split) complete the shape ops and are re-exported from here.

Gradients with respect to integer shape arguments do not exist: those
inputs are marked unconnected (``connection_pattern``) and receive zeros
from :func:`disconnected_zeros`, the one place to change once the gradient
module offers a ``DisconnectedType``.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from gradlab.graph.basic import Apply, Variable
from gradlab.graph.op import Op
from gradlab.tensor.elemwise import _cast_grad, _grad_dtype, _is_discrete, weak_value
from gradlab.tensor.type import TensorType
from gradlab.tensor.variable import TensorConstant, as_tensor_variable, constant

__all__ = ["Shape", "SpecifyShape", "MakeVector", "Reshape", "DimShuffle",
           "shape", "specify_shape", "reshape", "flatten", "dimshuffle", "transpose",
           "expand_dims", "squeeze", "shape_padleft", "shape_padright"]


def _api():
    from gradlab.tensor import api
    return api


# -- helpers shared by the shape, alloc, join and subtensor modules -----
def describe(var: Variable) -> str:
    """How an error message names a variable: its name (or op) and its type."""
    label = var.name if var.name else (f"the output of {var.owner.op}" if var.owner is not None else "a constant")
    return f"{label} ({var.type})"


def disconnected_zeros(x: Variable) -> Variable:
    """The gradient of an input no output depends on differentiably: zeros.

    Ops return this for integer shape/index arguments and mark them
    unconnected in ``connection_pattern``; when ``gradlab.gradient`` gains
    ``DisconnectedType`` this is the one place to return it instead.
    """
    return _api().zeros_like(x, dtype=_grad_dtype(x))


def zero_tangent(out: Variable) -> Variable:
    """The tangent of an output that does not move: zeros of a real dtype."""
    return _api().zeros_like(out, dtype=_grad_dtype(out))


def is_missing(g: Any) -> bool:
    """Is an output gradient / tangent absent (None or not a tensor, e.g. disconnected)?"""
    return g is None or not isinstance(getattr(g, "type", None), TensorType)


def result_dtype(xs: Sequence[Variable]) -> str:
    """numpy's result dtype of ``xs``, weak (Python-number) constants counted as Python numbers."""
    strong = [x.dtype for x in xs if weak_value(x) is None]
    if not strong:
        return np.result_type(*[x.dtype for x in xs]).name
    weak = [weak_value(x) for x in xs if weak_value(x) is not None]
    return np.result_type(*strong, *weak).name


def as_int_scalar(value: Any, what: str) -> Variable:
    """``value`` as a 0-d integer variable (Python ints become constants)."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{what} must be an integer, got the boolean {value!r}")
    if isinstance(value, (int, np.integer)):
        return constant(int(value))
    if isinstance(value, (float, np.floating)):
        raise TypeError(f"{what} must be an integer, got the float {value!r}; use int({value!r})")
    var = as_tensor_variable(value)
    if var.ndim != 0 or np.dtype(var.dtype).kind not in "iu":
        raise TypeError(f"{what} must be an integer scalar, got {describe(var)}; "
                        "cast it with gt.cast(..., 'int64') or index it to a scalar")
    return var


def static_int(var: Any) -> Optional[int]:
    """The value of an integer scalar when it is known while building the graph.

    Recognises Python ints, constants and ``x.shape[i]`` where ``x`` has a
    static length on axis ``i``.
    """
    if isinstance(var, (int, np.integer)) and not isinstance(var, (bool, np.bool_)):
        return int(var)
    if isinstance(var, TensorConstant) and var.data.ndim == 0 and var.data.dtype.kind in "iu":
        return int(var.data)
    axis = shape_axis_of(var)
    if axis is not None:
        source, i = axis
        return source.type.shape[i]
    return None


def shape_axis_of(var: Any) -> Optional[tuple]:
    """``(x, i)`` when ``var`` is ``x.shape[i]`` (a constant index into Shape(x)), else None."""
    from gradlab.tensor.subtensor import Subtensor
    owner = getattr(var, "owner", None)
    if owner is None or not isinstance(owner.op, Subtensor) or len(owner.inputs) != 1:
        return None
    vec = owner.inputs[0]
    if vec.owner is None or not isinstance(vec.owner.op, Shape):
        return None
    idx = owner.op.idx_list
    if len(idx) != 1 or not isinstance(idx[0], int):
        return None
    source = vec.owner.inputs[0]
    i = idx[0] + source.ndim if idx[0] < 0 else idx[0]
    return (source, i)


def static_vector(vec: Variable) -> tuple:
    """The entries of a 1-d integer variable that are known statically (None elsewhere)."""
    if isinstance(vec, TensorConstant):
        return tuple(int(v) for v in vec.data)
    n = vec.type.shape[0]
    if vec.owner is not None and isinstance(vec.owner.op, Shape):
        return vec.owner.inputs[0].type.shape
    if vec.owner is not None and isinstance(vec.owner.op, MakeVector):
        return tuple(static_int(s) for s in vec.owner.inputs)
    return (None,) * (n or 0)


def vector_entries(vec: Variable) -> list:
    """A 1-d variable of static length as a list of scalar variables."""
    n = vec.type.shape[0]
    if n is None:
        raise ValueError(f"the length of {describe(vec)} is not known statically; "
                         "pass the shape as a tuple, or give ndim")
    if vec.owner is not None and isinstance(vec.owner.op, MakeVector):
        return list(vec.owner.inputs)
    if isinstance(vec, TensorConstant):
        return [constant(int(v)) for v in vec.data]
    return [vec[i] for i in range(n)]


def as_shape_scalars(shape: Any, what: str) -> list:
    """A shape given as an int, a tuple/list of ints and scalars, or an int vector, as scalars."""
    if isinstance(shape, (int, np.integer)) or (isinstance(shape, Variable) and shape.ndim == 0):
        return [as_int_scalar(shape, what)]
    if isinstance(shape, (tuple, list)):
        return [as_int_scalar(s, f"{what}[{i}]") for i, s in enumerate(shape)]
    vec = as_tensor_variable(shape)
    if vec.ndim != 1 or np.dtype(vec.dtype).kind not in "iu":
        raise TypeError(f"{what} must be a tuple of integers or an integer vector, got {describe(vec)}")
    return vector_entries(vec)


def as_shape_vector(shape: Any, what: str) -> Variable:
    """A shape (int, tuple/list of ints and scalars, or an int vector) as an int vector."""
    if isinstance(shape, (int, np.integer)) or (isinstance(shape, Variable) and shape.ndim == 0):
        shape = (shape,)
    if isinstance(shape, (tuple, list)):
        entries = [as_int_scalar(s, f"{what}[{i}]") for i, s in enumerate(shape)]
        if all(isinstance(e, TensorConstant) for e in entries):
            return constant(np.array([int(e.data) for e in entries], dtype="int64"))
        return MakeVector("int64")(*entries)
    vec = as_tensor_variable(shape)
    if vec.ndim != 1 or np.dtype(vec.dtype).kind not in "iu":
        raise TypeError(f"{what} must be a tuple of integers or an integer vector, got {describe(vec)}")
    return vec


def normalize_axis(axis: Any, ndim: int, what: str) -> int:
    """``axis`` in ``[0, ndim)``, negative values counted from the end."""
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, (bool, np.bool_)):
        raise TypeError(f"{what}: axis must be a Python int, got {axis!r}")
    axis = int(axis)
    if not -ndim <= axis < ndim:
        raise ValueError(f"{what}: axis {axis} is out of range for {ndim} dimension{'s' if ndim != 1 else ''} "
                         f"(valid: {-ndim}..{ndim - 1})")
    return axis % ndim


def _fmt(shape: Sequence[Optional[int]]) -> str:
    return "(" + ", ".join("?" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


# -- Shape ----------------------------------------------------------------
class Shape(Op):
    """``shape(x)``: the int64 vector of ``x``'s lengths (static length ``x.ndim``).

    Not differentiable (the shape does not vary with the values of ``x``).
    """

    __props__ = ()

    def make_node(self, x: Any) -> Apply:
        x = as_tensor_variable(x)
        return Apply(self, [x], [TensorType("int64", (x.ndim,)).make_variable()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = np.array(inputs[0].shape, dtype=np.int64)

    def generate(self, node, inputs, outputs, ctx):
        return f"{outputs[0]} = np.array({inputs[0]}.shape, dtype=np.int64)"

    def infer_shape(self, fgraph, node, input_shapes):
        return [(node.inputs[0].ndim,)]

    def connection_pattern(self, node):
        return [[False]]

    def L_op(self, inputs, outputs, output_grads):
        return [disconnected_zeros(inputs[0])]

    def R_op(self, inputs, eval_points):
        return [zero_tangent(self(inputs[0]))]


_shape = Shape()


def shape(x: Any) -> Variable:
    """The shape of ``x`` as an int64 vector; ``shape(x)[i]`` is the length of axis ``i``."""
    return _shape(as_tensor_variable(x))


# -- SpecifyShape ---------------------------------------------------------
def _check_shape(x: np.ndarray, expected: Sequence[Any], label: str) -> np.ndarray:
    if x.ndim != len(expected) or any(e is not None and int(e) != n for e, n in zip(expected, x.shape)):
        want = _fmt([None if e is None else int(e) for e in expected])
        raise ValueError(f"specify_shape: {label} has shape {x.shape}, but the graph requires {want}; "
                         "pass a value of the required shape (or relax the shape given to specify_shape)")
    return x


class SpecifyShape(Op):
    """``specify_shape(x, shape)``: ``x`` itself, with its shape checked at run time.

    The output's static type records the given lengths.  The derivative is
    the identity: ``gx = gz``, ``dz = dx``.
    """

    __props__ = ("pattern",)
    view_map = {0: [0]}

    def __init__(self, pattern: Sequence[bool]):
        self.pattern = tuple(bool(p) for p in pattern)

    def __str__(self) -> str:
        return "SpecifyShape"

    def make_node(self, x: Any, *lengths: Any) -> Apply:
        x = as_tensor_variable(x)
        if x.ndim != len(self.pattern):
            raise ValueError(f"specify_shape: {describe(x)} has {x.ndim} dimensions, the shape has {len(self.pattern)}")
        if len(lengths) != sum(self.pattern):
            raise TypeError(f"SpecifyShape expects {sum(self.pattern)} lengths, got {len(lengths)}")
        lengths = [as_int_scalar(n, f"specify_shape length {i}") for i, n in enumerate(lengths)]
        out, it = [], iter(lengths)
        for axis, (given, known) in enumerate(zip(self.pattern, x.type.shape)):
            if not given:
                out.append(known)
                continue
            value = static_int(next(it))
            if value is not None and value < 0:
                raise ValueError(f"specify_shape: length {value} on axis {axis} is negative")
            if value is not None and known is not None and value != known:
                raise ValueError(f"specify_shape: {describe(x)} has static length {known} on axis {axis}, "
                                 f"but the shape says {value}")
            out.append(known if value is None else value)
        return Apply(self, [x, *lengths], [TensorType(x.dtype, out).make_variable()])

    def _expected(self, lengths: Sequence[Any]) -> list:
        it = iter(lengths)
        return [next(it) if given else None for given in self.pattern]

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = _check_shape(inputs[0], self._expected(inputs[1:]), describe(node.inputs[0]))

    def generate(self, node, inputs, outputs, ctx):
        check = ctx.bind(_check_shape, "check_shape")
        expected = self._expected(inputs[1:])
        exp_src = "(" + ", ".join("None" if e is None else e for e in expected) + ("," if len(expected) == 1 else "") + ")"
        return f"{outputs[0]} = {check}({inputs[0]}, {exp_src}, {describe(node.inputs[0])!r})"

    def infer_shape(self, fgraph, node, input_shapes):
        expected = self._expected(node.inputs[1:])
        out = []
        for axis, (e, s) in enumerate(zip(expected, input_shapes[0])):
            static = node.outputs[0].type.shape[axis]
            out.append(static if static is not None else (e if e is not None else s))
        return [tuple(out)]

    def connection_pattern(self, node):
        return [[True]] + [[False] for _ in node.inputs[1:]]

    def L_op(self, inputs, outputs, output_grads):
        gz = output_grads[0]
        gx = disconnected_zeros(inputs[0]) if is_missing(gz) else _cast_grad(gz, inputs[0])
        return [gx] + [disconnected_zeros(n) for n in inputs[1:]]

    def R_op(self, inputs, eval_points):
        if is_missing(eval_points[0]):
            return [zero_tangent(self(*inputs))]
        return [self(eval_points[0], *inputs[1:])]


def specify_shape(x: Any, shape: Any) -> Variable:
    """``x``, asserted at run time to have ``shape`` (entries may be None = any length).

    The result's static type records the known lengths, which lets later ops
    (broadcasting, squeeze, reshape) use them.
    """
    x = as_tensor_variable(x)
    if isinstance(shape, Variable) and shape.ndim == 1:
        entries: list = vector_entries(shape)
    elif isinstance(shape, (tuple, list)):
        entries = list(shape)
    else:
        entries = [shape]
    if len(entries) != x.ndim:
        raise ValueError(f"specify_shape: {describe(x)} has {x.ndim} dimensions but the shape {tuple(entries)} "
                         f"has {len(entries)}; give one length (or None) per axis")
    pattern = [e is not None for e in entries]
    lengths = [as_int_scalar(e, f"specify_shape length {i}") for i, e in enumerate(entries) if e is not None]
    statics = [static_int(n) for n in lengths]
    known = [k for k, p in zip(x.type.shape, pattern) if p]
    if all(s is not None and s == k for s, k in zip(statics, known)):
        if all(s is not None and s >= 0 for s in statics):
            return x
    return SpecifyShape(pattern)(x, *lengths)


# -- MakeVector -----------------------------------------------------------
class MakeVector(Op):
    """``[a, b, …]``: a vector built from scalars.  ``gx_i = gz[i]``, ``dz = [da, db, …]``."""

    __props__ = ("dtype",)

    def __init__(self, dtype: str):
        self.dtype = np.dtype(dtype).name

    def __str__(self) -> str:
        return "MakeVector"

    def make_node(self, *scalars: Any) -> Apply:
        xs = [as_tensor_variable(s) for s in scalars]
        for i, x in enumerate(xs):
            if x.ndim != 0:
                raise TypeError(f"MakeVector: entry {i} must be a scalar, got {describe(x)}")
            if weak_value(x) is None and not np.can_cast(x.dtype, self.dtype, "same_kind"):
                raise TypeError(f"MakeVector: entry {i} ({describe(x)}) cannot be stored as {self.dtype}; "
                                f"cast it with gt.cast(..., '{self.dtype}')")
        return Apply(self, xs, [TensorType(self.dtype, (len(xs),)).make_variable()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = np.array(inputs, dtype=self.dtype).reshape(len(inputs))

    def generate(self, node, inputs, outputs, ctx):
        return f"{outputs[0]} = np.array([{', '.join(inputs)}], dtype={self.dtype!r}).reshape({len(inputs)})"

    def infer_shape(self, fgraph, node, input_shapes):
        return [(len(node.inputs),)]

    def L_op(self, inputs, outputs, output_grads):
        gz = output_grads[0]
        if _is_discrete(self.dtype) or is_missing(gz):
            return [disconnected_zeros(x) for x in inputs]
        return [_cast_grad(gz[i], x) for i, x in enumerate(inputs)]

    def R_op(self, inputs, eval_points):
        out = self(*inputs)
        if _is_discrete(self.dtype) or all(is_missing(t) for t in eval_points):
            return [zero_tangent(out)]
        ts = [zero_tangent(x) if is_missing(t) else t for x, t in zip(inputs, eval_points)]
        return [MakeVector(result_dtype(ts))(*ts)]


# -- Reshape --------------------------------------------------------------
def _reshape_static(x: Variable, shp: Variable, ndim: int) -> tuple:
    """Static output shape of reshape(x, shp), resolving one -1 when possible.

    Lengths of ``x`` unknown statically still cancel when the same length
    appears in the new shape as ``x.shape[i]`` (so ``flatten`` keeps what it can).
    """
    entries = static_vector(shp)
    minus = [i for i, e in enumerate(entries) if e == -1]
    if len(minus) > 1:
        raise ValueError(f"reshape: only one length can be -1, got {entries}")
    for e in entries:
        if e is not None and e < -1:
            raise ValueError(f"reshape: lengths must be >= 0 (or a single -1), got {entries}")
    out = list(entries)
    if shp.owner is not None and isinstance(shp.owner.op, MakeVector):
        symbols = [shape_axis_of(s) for s in shp.owner.inputs]
    else:
        symbols = [None] * len(entries)
    # lengths of x not known statically, keyed by axis; cancel those reused in the new shape
    unknown_x = {i for i, n in enumerate(x.type.shape) if n is None}
    known_x = int(np.prod([n for n in x.type.shape if n is not None], dtype=np.int64))
    rest, unresolved = 1, False
    for i, (e, sym) in enumerate(zip(entries, symbols)):
        if i in minus:
            continue
        if sym is not None and sym[0] is x and sym[1] in unknown_x:
            unknown_x.discard(sym[1])
        elif e is None:
            unresolved = True
        else:
            rest *= e
    if minus and not unresolved and not unknown_x:
        if rest == 0 or known_x % rest:
            raise ValueError(f"reshape: cannot reshape {describe(x)} into shape "
                             f"{_fmt(['-1' if e == -1 else e for e in entries])}")
        out[minus[0]] = known_x // rest
    elif minus:
        out[minus[0]] = None
    if not minus and all(e is not None for e in entries) and None not in x.type.shape:
        if int(np.prod(entries, dtype=np.int64)) != known_x:
            raise ValueError(f"reshape: {describe(x)} has {known_x} entries; shape {_fmt(entries)} "
                             f"holds {int(np.prod(entries, dtype=np.int64))}")
    return tuple(out)


class Reshape(Op):
    """``reshape(x, shp)``: the entries of ``x`` (C order) in a new shape (one length may be -1).

    Linear: ``gx = reshape(gz, shape(x))``, ``dz = reshape(dx, shp)``.
    """

    __props__ = ("ndim",)
    view_map = {0: [0]}

    def __init__(self, ndim: int):
        self.ndim = int(ndim)

    def __str__(self) -> str:
        return f"Reshape{{{self.ndim}}}"

    def make_node(self, x: Any, shp: Any) -> Apply:
        x = as_tensor_variable(x)
        shp = as_tensor_variable(shp)
        if shp.ndim != 1 or np.dtype(shp.dtype).kind not in "iu":
            raise TypeError(f"reshape: the shape must be an integer vector, got {describe(shp)}")
        if shp.type.shape[0] is not None and shp.type.shape[0] != self.ndim:
            raise ValueError(f"reshape: the shape has {shp.type.shape[0]} entries but ndim={self.ndim}")
        if shp.type.shape[0] is None:
            shp = specify_shape(shp, (self.ndim,))
        out = _reshape_static(x, shp, self.ndim)
        return Apply(self, [x, shp], [TensorType(x.dtype, out).make_variable()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = np.reshape(inputs[0], inputs[1])

    def generate(self, node, inputs, outputs, ctx):
        return f"{outputs[0]} = {inputs[0]}.reshape({inputs[1]})"

    def infer_shape(self, fgraph, node, input_shapes):
        m = _api()
        static = node.outputs[0].type.shape
        if all(s is not None for s in static):
            return [tuple(static)]
        entries = vector_entries(node.inputs[1])
        size = _product(input_shapes[0])
        requested = _product(entries)
        out = []
        for i, e in enumerate(entries):
            if static[i] is not None:
                out.append(static[i])
            elif static_int(e) == -1:
                out.append(size // -requested)
            elif static_int(e) is not None:
                out.append(static_int(e))
            else:
                out.append(m.switch(m.eq(e, -1), size // m.abs(requested), e))
        return [tuple(out)]

    def connection_pattern(self, node):
        return [[True], [False]]

    def L_op(self, inputs, outputs, output_grads):
        x, shp = inputs
        gz = output_grads[0]
        if _is_discrete(x.dtype) or is_missing(gz):
            return [disconnected_zeros(x), disconnected_zeros(shp)]
        return [_cast_grad(reshape(gz, shape(x), ndim=x.ndim), x), disconnected_zeros(shp)]

    def R_op(self, inputs, eval_points):
        if is_missing(eval_points[0]) or _is_discrete(inputs[0].dtype):
            return [zero_tangent(self(*inputs))]
        return [self(eval_points[0], inputs[1])]


def _product(items: Sequence[Any]) -> Any:
    total: Any = 1
    for item in items:
        total = total * item
    return total


def reshape(x: Any, shape: Any, ndim: Optional[int] = None) -> Variable:
    """``x`` with its entries (C order) arranged in ``shape``.

    ``shape`` is a tuple/list of ints or integer scalars, or an integer
    vector; one entry may be -1 (inferred from the others).  ``ndim`` is
    needed only when ``shape`` is a vector whose length is unknown statically.
    """
    x = as_tensor_variable(x)
    shp = as_shape_vector(shape, "reshape: shape")
    length = shp.type.shape[0]
    if ndim is None:
        if length is None:
            raise ValueError(f"reshape: the length of the shape vector {describe(shp)} is not known statically; "
                             "pass ndim=<number of dimensions of the result>")
        ndim = length
    elif length is not None and length != ndim:
        raise ValueError(f"reshape: the shape has {length} entries but ndim={ndim}")
    return Reshape(ndim)(x, shp)


def flatten(x: Any, ndim: int = 1) -> Variable:
    """``x`` with its first ``ndim - 1`` axes kept and the rest collapsed into one."""
    x = as_tensor_variable(x)
    if not isinstance(ndim, (int, np.integer)) or ndim < 1 or ndim > max(x.ndim, 1):
        raise ValueError(f"flatten: ndim must be between 1 and {max(x.ndim, 1)} for {describe(x)}, got {ndim!r}")
    if x.ndim == ndim:
        return x
    kept = [x.shape[i] for i in range(ndim - 1)]
    return reshape(x, kept + [-1], ndim=ndim)


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
        if _is_discrete(x.dtype) or is_missing(gz):
            return [disconnected_zeros(x)]
        gz = as_tensor_variable(gz)
        if any(gz.type.shape[j] != 1 for j in self.augment):
            gz = specify_shape(gz, [1 if j in self.augment else None for j in range(gz.ndim)])
        inverse = [self.new_order.index(i) if i in self.shuffle else "x" for i in range(self.input_ndim)]
        return [_cast_grad(DimShuffle(gz.ndim, inverse)(gz), x)]

    def R_op(self, inputs, eval_points):
        if is_missing(eval_points[0]) or _is_discrete(inputs[0].dtype):
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


# The rest of the shape ops live in their own modules and are part of this one's API.
from gradlab.tensor.alloc import *  # noqa: E402,F401,F403
from gradlab.tensor.alloc import __all__ as _alloc_all  # noqa: E402
from gradlab.tensor.join import *  # noqa: E402,F401,F403
from gradlab.tensor.join import __all__ as _join_all  # noqa: E402

__all__ = __all__ + _alloc_all + _join_all
