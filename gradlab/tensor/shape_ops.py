"""Shape ops: reading, asserting and rearranging the shape of a tensor.

Each op states its forward numpy code (``perform`` / ``generate``), its
static shape rule (``make_node``), its symbolic shape (``infer_shape``),
its reverse rule (``L_op``, the vector-Jacobian product) and its forward
rule (``R_op``, the Jacobian-vector product) in one place.  The ops here
are linear in the data they move, so the forward rule is the op applied to
the tangent, and the reverse rule moves the gradient back.

This module holds Shape, SpecifyShape, MakeVector and Reshape, and the
helpers the other shape and indexing modules share;
``gradlab.tensor.dimshuffle_ops`` (DimShuffle), ``gradlab.tensor.alloc_ops``
(Alloc, Eye, ARange) and ``gradlab.tensor.join_ops`` (Join, Split) complete
the shape ops (``gradlab.tensor.api`` gathers them all).

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
from gradlab.tensor.elemwise import grad_dtype, weak_value
from gradlab.tensor.type import TensorType
from gradlab.tensor.variable import TensorConstant, as_tensor_variable, constant
from gradlab.tensor.math import abs as tensor_abs, eq, switch, zeros_like

__all__ = ["Shape", "SpecifyShape", "MakeVector", "Reshape", "shape", "specify_shape", "reshape", "flatten"]


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
    return zeros_like(x, dtype=grad_dtype(x))


def zero_tangent(out: Variable) -> Variable:
    """The tangent of an output that does not move: zeros of a real dtype."""
    return zeros_like(out, dtype=grad_dtype(out))


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
        exp_src = "".join(("None" if e is None else e) + ", " for e in expected)
        return f"{outputs[0]} = {check}({inputs[0]}, ({exp_src}), {describe(node.inputs[0])!r})"

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
        return [output_grads[0]] + [disconnected_zeros(n) for n in inputs[1:]]

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
        return [output_grads[0][i] for i in range(len(inputs))]

    def R_op(self, inputs, eval_points):
        if all(is_missing(t) for t in eval_points):
            return [zero_tangent(self(*inputs))]
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
                out.append(switch(eq(e, -1), size // tensor_abs(requested), e))
        return [tuple(out)]

    def connection_pattern(self, node):
        return [[True], [False]]

    def L_op(self, inputs, outputs, output_grads):
        (x, shp), (gz,) = inputs, output_grads
        return [reshape(gz, shape(x), ndim=x.ndim), disconnected_zeros(shp)]

    def R_op(self, inputs, eval_points):
        if is_missing(eval_points[0]):
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
