"""Elemwise: a scalar operation applied entry by entry, with broadcasting.

Broadcasting follows numpy, decided statically: missing leading axes are
added, and an axis of static length 1 stretches to the other operands'
length.  The derivative comes from the scalar op's row in the table; the
gradient of a stretched input is summed back to its shape.
"""
from __future__ import annotations

import functools
from typing import Any, Optional, Sequence

import numpy as np

from gradlab.codegen.errors import RuntimeBroadcastError
from gradlab.graph.basic import Apply, Variable
from gradlab.graph.op import Op, literal_source
from gradlab.tensor.scalar_ops import TABLE, Cast, ScalarOp
from gradlab.tensor.type import TensorType
from gradlab.tensor.variable import TensorConstant, as_tensor_variable


def broadcast_static_shapes(shapes: Sequence[tuple], what: str = "inputs") -> tuple:
    """numpy's broadcast of static shapes (None = unknown length)."""
    ndim = max((len(s) for s in shapes), default=0)
    padded = [(1,) * (ndim - len(s)) + tuple(s) for s in shapes]
    out = []
    for axis in range(ndim):
        lengths = [s[axis] for s in padded]
        known = {n for n in lengths if n is not None and n != 1}
        if len(known) > 1:
            raise ValueError(f"cannot broadcast {what} of shapes {', '.join(map(_fmt_shape, shapes))}: "
                             f"axis {axis} has lengths {sorted(known)}")
        if known:
            out.append(known.pop())
        elif any(n is None for n in lengths):
            out.append(None)
        else:
            out.append(1)
    return tuple(out)


def _fmt_shape(shape: tuple) -> str:
    return "(" + ", ".join("?" if n is None else str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def weak_value(var: Variable) -> Any:
    """The Python number a weak 0-d constant stands for, else None."""
    if isinstance(var, TensorConstant) and var.weak and var.data.ndim == 0:
        return var.data.item()
    return None


class Elemwise(Op):
    """Apply ``scalar_op`` entrywise to broadcast inputs."""

    __props__ = ("scalar_op",)

    def __init__(self, scalar_op: ScalarOp):
        self.scalar_op = scalar_op

    def __str__(self) -> str:
        return self.scalar_op.name

    def __eq__(self, other: object) -> bool:
        # gt.exp, the function, stands for its op: node.op == gt.exp holds (as in PyTensor)
        return Op.__eq__(self, other.elemwise_op if isinstance(other, ElemwiseFunction) else other)

    __hash__ = Op.__hash__

    def make_node(self, *inputs: Any) -> Apply:
        op = self.scalar_op
        if len(inputs) != op.nin:
            raise TypeError(f"{op.name} takes {op.nin} input{'s' if op.nin != 1 else ''}, got {len(inputs)}")
        xs = [as_tensor_variable(x) for x in inputs]
        if all(weak_value(x) is not None for x in xs) or not any(weak_value(x) is not None for x in xs):
            weak = [None] * len(xs)
        else:
            weak = [weak_value(x) for x in xs]
        dtype = op.output_dtype([x.dtype for x in xs], weak)
        shape = broadcast_static_shapes([x.type.shape for x in xs], what=f"the inputs of {op.name}")
        return Apply(self, xs, [TensorType(dtype, shape).make_variable()])

    # -- running --------------------------------------------------------
    def _weak_args(self, node: Apply) -> list:
        if all(weak_value(x) is not None for x in node.inputs):
            return [None] * len(node.inputs)
        return [weak_value(x) for x in node.inputs]

    def perform(self, node: Apply, inputs: Sequence[Any], output_storage: list) -> None:
        check_broadcast(node, inputs)
        args = [w if w is not None else v for w, v in zip(self._weak_args(node), inputs)]
        out = self.scalar_op.impl(*args)
        output_storage[0][0] = np.asarray(out, dtype=node.outputs[0].dtype)

    def generate(self, node: Apply, inputs: Sequence[str], outputs: Sequence[str], ctx: Any) -> Optional[str]:
        fn = ctx.bind(self.scalar_op.impl, self.scalar_op.name)
        literals = self._literal_args(node)
        args = [literal_source(w, ctx) if w is not None else name for w, name in zip(literals, inputs)]
        return "\n".join(broadcast_checks(node, inputs, ctx) + [f"{outputs[0]} = {fn}({', '.join(args)})"])

    def _literal_args(self, node: Apply) -> list:
        """Inputs the generated code may write as Python numbers (faster than 0-d arrays).

        Weak constants always; a 0-d float64/int64 constant too when reading it
        as a Python number leaves the output dtype unchanged.
        """
        literals = self._weak_args(node)
        for i, var in enumerate(node.inputs):
            if literals[i] is None and isinstance(var, TensorConstant) and var.data.ndim == 0 \
                    and var.dtype in ("float64", "int64"):
                trial = list(literals)
                trial[i] = var.data.item()
                dtypes = [x.dtype for x in node.inputs]
                if all(t is not None for t in trial):
                    continue
                if self.scalar_op.output_dtype(dtypes, trial) == node.outputs[0].dtype:
                    literals[i] = trial[i]
        return literals

    def infer_shape(self, fgraph: Any, node: Apply, input_shapes: Sequence[tuple]) -> list:
        ndim = node.outputs[0].ndim
        out = []
        for axis in range(ndim):
            dim = None
            for var, shp in zip(node.inputs, input_shapes):
                offset = ndim - var.ndim
                if axis < offset or var.type.shape[axis - offset] == 1:
                    continue
                dim = shp[axis - offset]
                break
            out.append(1 if dim is None else dim)
        return [tuple(out)]

    # -- differentiating ------------------------------------------------
    def _partials(self, inputs: Sequence[Variable], output: Variable) -> list:
        op = self.scalar_op
        if not op.differentiable or op.partials is None:
            return [None] * len(inputs)
        return op.partials(list(inputs), output)

    def L_op(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
             output_grads: Sequence[Variable]) -> list:
        z, gz = outputs[0], output_grads[0]
        if not self.scalar_op.differentiable:
            return [api.zeros_like(x, dtype=grad_dtype(x)) for x in inputs]
        typed = typed_weak_constants(inputs, z.dtype)
        if self.scalar_op.vjp is not None:
            raw = self.scalar_op.vjp(typed, z, gz)
        else:
            raw = [None if p is None else _times(gz, p) for p in self._partials(typed, z)]
        return [api.zeros_like(x, dtype=grad_dtype(x)) if g is None or (isinstance(g, (int, float)) and g == 0)
                else sum_to_input(as_tensor_variable(g), x, like=z) for x, g in zip(inputs, raw)]

    def R_op(self, inputs: Sequence[Variable], eval_points: Sequence[Optional[Variable]]) -> list:
        z = self(*inputs)
        if not self.scalar_op.differentiable:
            return [api.zeros_like(z, dtype=grad_dtype(z))]
        total = None
        for p, t in zip(self._partials(typed_weak_constants(inputs, z.dtype), z), eval_points):
            if p is None or t is None or (isinstance(p, (int, float)) and p == 0):
                continue
            term = _times(t, p)
            total = term if total is None else total + term
        if total is None:
            return [api.zeros_like(z, dtype=grad_dtype(z))]
        total = as_tensor_variable(total)
        if total.ndim != z.ndim or total.type.broadcastable != z.type.broadcastable:
            total = api.second(z, total) if total.ndim <= z.ndim else total
        return [total]


def typed_weak_constants(inputs: Sequence[Variable], dtype: str) -> list:
    """``inputs`` with each weak constant (a bare Python number) made a constant of ``dtype``.

    The derivative rules combine inputs among themselves (``-a / sqr(b)``,
    ``b * a ** (b - 1)``): two weak numbers make a typed 64-bit result, which
    would pull a float32 gradient up to float64 (and its casts stop the
    stabilising rules).  As typed ``dtype`` constants — the dtype the forward
    computation read them in — the rules stay in the output's dtype.  For
    float64/complex128 (what Python numbers become anyway) nothing changes.
    """
    if np.dtype(dtype).kind not in "fc" or dtype in ("float64", "complex128"):
        return list(inputs)
    return [TensorConstant(TensorType(dtype, ()), x.data) if weak_value(x) is not None else x for x in inputs]


def _times(g: Variable, partial: Any) -> Any:
    if isinstance(partial, (int, float)):
        if partial == 1:
            return g
        if partial == -1:
            return -g
    return g * partial


def is_discrete_dtype(dtype: str) -> bool:
    """Is ``dtype`` an integer or boolean dtype?"""
    return np.dtype(dtype).kind in "biu"


_REAL_KIND: dict = {}


def is_float_dtype(dtype: str) -> bool:
    """Is ``dtype`` real (float) or complex?  (cached: the sweeps ask per node)"""
    hit = _REAL_KIND.get(dtype)
    if hit is None:
        hit = _REAL_KIND[dtype] = np.dtype(dtype).kind in "fc"
    return hit


def grad_dtype(x: Variable) -> Optional[str]:
    """The dtype of ``x``'s gradient (and tangent): its own if real, float64 if
    integer (as numpy's int/float mix), None if ``x`` is not a tensor."""
    dtype = getattr(x.type, "dtype", None)
    if dtype is None:
        return None
    return dtype if is_float_dtype(dtype) else "float64"


def cast_to(g: Variable, dtype: Optional[str]) -> Variable:
    """``g`` cast to ``dtype`` (unchanged when it has it already, when ``dtype``
    is None, or when ``g`` is not a tensor)."""
    if dtype is None or getattr(g.type, "dtype", dtype) == dtype:
        return g
    return cast_op(dtype)(g)


def sum_to_input(g: Variable, x: Variable, like: Optional[Variable] = None) -> Variable:
    """Sum ``g`` over the axes along which ``x`` was broadcast to ``g``'s shape.

    Leading axes that ``x`` lacks are summed away; axes where ``x`` has static
    length 1 are summed with ``keepdims``.  When ``g`` has fewer axes or is
    stretched less than ``x`` (a constant partial), it is filled to ``x``'s
    shape instead.
    """
    lead = g.ndim - x.ndim
    if lead < 0:
        return api.second(x, g)
    keep_axes = [lead + i for i, n in enumerate(x.type.shape) if n == 1 and g.type.shape[lead + i] != 1]
    if keep_axes:
        g = api.sum(g, axis=keep_axes, keepdims=True)
    if lead:
        g = api.sum(g, axis=list(range(lead)))
    if g.type.broadcastable != x.type.broadcastable:
        g = api.second(x, g)
    return g


_ELEMWISE_CACHE: dict = {}


def elemwise_op(name: str) -> Elemwise:
    """The (shared) Elemwise op of a row of the scalar table."""
    op = _ELEMWISE_CACHE.get(name)
    if op is None:
        op = _ELEMWISE_CACHE[name] = Elemwise(TABLE[name])
    return op


def cast_op(dtype: str) -> Elemwise:
    key = "cast:" + np.dtype(dtype).name
    op = _ELEMWISE_CACHE.get(key)
    if op is None:
        op = _ELEMWISE_CACHE[key] = Elemwise(Cast(dtype))
    return op


class ElemwiseFunction:
    """An elementwise function of ``gradlab.tensor`` (``gt.exp``, ``gt.fill``):
    calls as the ``def`` it wraps (its name, signature and docstring are the
    def's) and compares equal to the op it applies, so PyTensor code's
    ``node.op == gt.exp`` holds.  Made by :func:`elemwise_function`."""

    def __init__(self, fn: Any, name: str):
        functools.update_wrapper(self, fn)
        self._fn = fn
        self.elemwise_op = elemwise_op(name)

    @property
    def scalar_op(self) -> ScalarOp:
        return self.elemwise_op.scalar_op

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._fn(*args, **kwargs)

    def __eq__(self, other: object) -> bool:
        return self.elemwise_op == (other.elemwise_op if isinstance(other, ElemwiseFunction) else other)

    def __hash__(self) -> int:
        return hash(self.elemwise_op)

    def __repr__(self) -> str:
        return f"<elementwise function {self.__name__} (op {self.elemwise_op})>"

    def __reduce__(self) -> str:
        return self.__name__  # pickled by reference: gradlab.tensor.math.<name>


def elemwise_function(name: str) -> Any:
    """Decorator: the ``def`` of the table row ``name``, made an
    :class:`ElemwiseFunction` (equal to the row's Elemwise op)."""
    def wrap(fn: Any) -> ElemwiseFunction:
        return ElemwiseFunction(fn, name)
    return wrap


# Gradients and the broadcasting helpers above are built with gradlab.tensor's functions
# (api.zeros_like, api.sum …), which are built on this module: bound here, last.
from gradlab.tensor import api  # noqa: E402  (the gradients call api, which is built on this module)


# -- run-time broadcasting ----------------------------------------------------
# Static broadcasting, as PyTensor: an axis broadcasts only when its static length is 1.
# A value whose undeclared axis has length 1 at run time, against a longer one, is refused
# with an error naming both variables and the axis — in every mode, because a rewritten
# graph (an in-place add, a gradient summed over the static pattern) would otherwise
# compute something else than the unrewritten one.

def _axes_to_check(node: Apply) -> list:
    """``(i, axis_i, j, axis_j)``: input axes that must be equal at run time (neither is
    statically 1, and not both are known), one pair per extra input on each output axis."""
    n = node.outputs[0].ndim
    pairs = []
    for axis in range(n):
        on_axis = [(i, axis - (n - v.ndim)) for i, v in enumerate(node.inputs)
                   if axis >= n - v.ndim and v.type.shape[axis - (n - v.ndim)] != 1]
        for i, k in on_axis[1:]:
            first, k0 = on_axis[0]
            known = (node.inputs[first].type.shape[k0], node.inputs[i].type.shape[k])
            if None in known:
                pairs.append((first, k0, i, k))
    return pairs


def broadcast_checks(node: Apply, names: Sequence[str], ctx: Any) -> list:
    """Source lines refusing run-time broadcasting of ``node``'s inputs (none when the static
    shapes settle it): one comparison of lengths per pair of :func:`_axes_to_check`."""
    pairs = _axes_to_check(node)
    if not pairs:
        return []
    cond = " or ".join(f"{names[i]}.shape[{a}] != {names[j]}.shape[{b}]" for i, a, j, b in pairs)
    refuse = ctx.bind(check_broadcast, "check_broadcast")
    where = ctx.bind(node, "node")
    return [f"if {cond}: {refuse}({where}, [{', '.join(names)}])"]


def _label(var: Variable) -> str:
    if var.name:
        return repr(var.name)
    return f"the output of {var.owner.op}" if var.owner is not None else "a constant"


def check_broadcast(node: Apply, values: Sequence[Any]) -> None:
    """Raise :class:`RuntimeBroadcastError` when two lengths of :func:`_axes_to_check` differ."""
    for i, a, j, b in _axes_to_check(node):
        si, sj = np.shape(values[i]), np.shape(values[j])
        ni, nj = si[a], sj[b]
        if ni == nj:
            continue
        (short, sa, n_long), (long_, la) = ((i, a, nj), (j, b)) if ni == 1 else ((j, b, ni), (i, a))
        vs = node.inputs
        if 1 in (ni, nj):
            msg = (f"axis {sa} of {_label(vs[short])} (shape {(si, sj)[short != i]}) has length 1 at "
                   f"run time, but its type "
                   f"{vs[short].type} does not declare it broadcastable, and axis {la} of {_label(vs[long_])} "
                   f"(shape {(si, sj)[long_ != i]}) has length {n_long}. Runtime broadcasting is not allowed (as in PyTensor): declare the "
                   f"axis broadcastable (e.g. gt.tensor(dtype, shape=(1, None)) or gt.specify_broadcastable), "
                   "or pass values of equal length")
        else:
            msg = (f"axis {a} of {_label(vs[i])} (shape {si}) has length {ni} and axis {b} of "
                   f"{_label(vs[j])} (shape {sj}) has length {nj}; elementwise operands need equal lengths "
                   "(or a declared length 1)")
        described = "; ".join(
            f"{v.name or (f'output of {v.owner.op}' if v.owner is not None else 'constant')}: "
            f"shape {np.shape(x)} dtype {getattr(x, 'dtype', type(x).__name__)}" for v, x in zip(vs, values))
        raise RuntimeBroadcastError(f"computing node {node.op} failed: {msg}\n  inputs: {described}", node=node)
