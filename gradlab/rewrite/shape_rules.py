"""Canonical rules over shape ops: DimShuffle, Reshape, Shape, Subtensor, ARange, Alloc, Sum.

``transpose(transpose(x)) -> x`` and any two DimShuffles in a row become
one; a reshape of a reshape is one reshape; the shape of an input whose
static shape is known is a constant; an ``alloc`` whose shape the other
operands of an elementwise node already give is its value; and the sum of a
broadcast scalar is the scalar times the number of entries; a known length
``shape(x)[k]`` is a constant and ``arange(a, b, c)[k]`` is ``a + k*c``.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from gradlab.rewrite.match import cast_to, elemwise, fit_to, scalar_name
from gradlab.rewrite.rule import node_rule
from gradlab.tensor.alloc_ops import Alloc, ARange
from gradlab.tensor.dimshuffle_ops import DimShuffle
from gradlab.tensor.elemwise import Elemwise
from gradlab.tensor.reduce import Sum
from gradlab.tensor.shape_ops import Reshape, Shape
from gradlab.tensor.subtensor import Subtensor
from gradlab.graph.traversal import toposort
from gradlab.tensor import api
from gradlab.tensor.variable import constant


def _made_by(var: Any, op_class: type) -> bool:
    """Is ``var`` the output of an ``op_class`` node?"""
    return var.owner is not None and isinstance(var.owner.op, op_class)


@node_rule("dimshuffle(dimshuffle(x, p), q) -> dimshuffle(x, p[q]);  transpose(transpose(x)) -> x",
           tracks=(DimShuffle,))
def merge_dimshuffles(fgraph: Any, node: Any) -> Optional[list]:
    """Two axis rearrangements in a row are one (or none)."""
    inner = node.inputs[0]
    if not _made_by(inner, DimShuffle):
        return None
    p = inner.owner.op.new_order
    q = node.op.new_order
    composed = tuple("x" if e == "x" else p[e] for e in q)
    x = inner.owner.inputs[0]
    if composed == tuple(range(x.ndim)):
        new = x
    else:
        try:
            new = type(node.op)(x.ndim, composed)(x)
        except ValueError:
            return None
    fitted = fit_to(new, node.outputs[0])
    return None if fitted is None else [fitted]


@node_rule("dimshuffle(fill(m, c), p) -> fill(dimshuffle(m, p), c)  (c a scalar)", tracks=(DimShuffle,))
def dimshuffle_of_fill(fgraph: Any, node: Any) -> Optional[list]:
    """Rearranging the axes of a filled scalar rearranges the model's axes, so the fill can meet its readers."""
    inner = node.inputs[0]
    if inner.owner is None or scalar_name(inner.owner) != "second":
        return None
    model, value = inner.owner.inputs
    if value.ndim != 0 or model.ndim != inner.ndim:
        return None
    try:
        new = elemwise("second", node.op(model), value)
    except (TypeError, ValueError):
        return None
    fitted = fit_to(new, node.outputs[0])
    return None if fitted is None else [fitted]


@node_rule("reshape(reshape(x, s1), s2) -> reshape(x, s2)", tracks=(Reshape,))
def merge_reshapes(fgraph: Any, node: Any) -> Optional[list]:
    """Only the last of two reshapes in a row matters."""
    inner = node.inputs[0]
    if not _made_by(inner, Reshape):
        return None
    x = inner.owner.inputs[0]
    try:
        new = node.op(x, node.inputs[1])
    except (TypeError, ValueError):
        return None
    fitted = fit_to(new, node.outputs[0])
    return None if fitted is None else [fitted]


@node_rule("reshape(x, shape(x)) -> x", tracks=(Reshape,))
def useless_reshape(fgraph: Any, node: Any) -> Optional[list]:
    """Reshaping to the shape a tensor already has changes nothing."""
    x, shp = node.inputs
    if _made_by(shp, Shape) and shp.owner.inputs[0] is x:
        fitted = fit_to(x, node.outputs[0])
        return None if fitted is None else [fitted]
    return None


@node_rule("shape(x) -> [n0, n1, ...]  (when x's static shape is known)", tracks=(Shape,))
def static_shape(fgraph: Any, node: Any) -> Optional[list]:
    """The shape of a tensor whose lengths are known statically is a constant."""
    shape = getattr(node.inputs[0].type, "shape", None)
    if shape is None or any(n is None for n in shape):
        return None
    return [constant(np.asarray(shape, dtype="int64"))]


@node_rule("f(alloc(c, *shape), y) -> f(c, y)  (when y already has the shape)", tracks=(Elemwise,))
def alloc_to_value(fgraph: Any, node: Any) -> Optional[list]:
    """An alloc whose shape the other operands of an elementwise node give is just its value."""
    if type(node.op) is not Elemwise:
        return None
    inputs = list(node.inputs)
    changed = False
    for i, var in enumerate(inputs):
        if not _made_by(var, Alloc):
            continue
        trial = inputs[:i] + [var.owner.inputs[0]] + inputs[i + 1:]
        try:
            new = node.op.make_node(*trial).outputs[0]
        except (TypeError, ValueError):
            continue
        if new.type == node.outputs[0].type:
            inputs = trial
            changed = True
    if not changed:
        return None
    return [node.op.make_node(*inputs).outputs[0]]


@node_rule("sum(fill(m, c)) -> c * size(m)  (c a scalar)", tracks=(Sum,))
def sum_of_broadcast_scalar(fgraph: Any, node: Any) -> Optional[list]:
    """Summing a scalar broadcast to a shape is multiplying it by the number of entries."""
    x = node.inputs[0]
    op = node.op
    if getattr(op, "axis", 0) is not None and tuple(op.axis) != tuple(range(x.ndim)):
        return None
    if getattr(op, "keepdims", False) or x.owner is None or scalar_name(x.owner) != "second":
        return None
    model, value = x.owner.inputs
    if value.ndim != 0:
        return None
    out = node.outputs[0]
    shape = model.type.shape
    if all(n is not None for n in shape):
        count = constant(np.asarray(int(np.prod(shape, dtype=np.int64)), dtype=out.dtype))
    else:
        count = cast_to(api.prod(api.shape(model)), out.dtype)
    new = elemwise("mul", cast_to(value, out.dtype), count)
    fitted = fit_to(new, out)
    return None if fitted is None else [fitted]


def _literal_index(node: Any) -> Optional[int]:
    """``k`` for ``x[k]`` with a literal int (one index, no slice), else None."""
    idx = getattr(node.op, "idx_list", None)
    if idx is None or len(idx) != 1 or len(node.inputs) != 1:
        return None
    k = idx[0]
    return k if isinstance(k, int) and not isinstance(k, bool) else None


@node_rule("shape(x)[k] -> n_k  (when x's length on axis k is known)", tracks=(Subtensor,))
def static_shape_entry(fgraph: Any, node: Any) -> Optional[list]:
    """One known length of a tensor is a constant even when the others are not."""
    k = _literal_index(node)
    source = node.inputs[0]
    if k is None or not _made_by(source, Shape):
        return None
    shape = source.owner.inputs[0].type.shape
    if not -len(shape) <= k < len(shape) or shape[k] is None:
        return None
    new = constant(np.asarray(shape[k], dtype=node.outputs[0].dtype))
    return [new]


@node_rule("arange(a, b, c)[k] -> a + k * c  (0 <= k < the static length)", tracks=(Subtensor,))
def subtensor_of_arange(fgraph: Any, node: Any) -> Optional[list]:
    """An entry of a range is computed, not the whole range."""
    k = _literal_index(node)
    source = node.inputs[0]
    if k is None or not _made_by(source, ARange):
        return None
    length = source.type.shape[0]
    if length is None or not 0 <= k < length:
        return None
    start, _, step = source.owner.inputs
    out = node.outputs[0]
    offset = constant(np.asarray(k, dtype=out.dtype))
    new = elemwise("add", cast_to(start, out.dtype), elemwise("mul", offset, cast_to(step, out.dtype)))
    fitted = fit_to(new, out)
    return None if fitted is None else [fitted]


def _is_length(var: Any) -> bool:
    """Is ``var`` ``shape(y)[k]`` (so known to be >= 0)?"""
    node = var.owner
    return node is not None and _literal_index(node) is not None and _made_by(node.inputs[0], Shape)


def _length_root(x: Any, k: int, budget: int = 64) -> Any:
    """The variable whose length on axis ``k`` is ``x``'s, following
    elementwise nodes: when every input that can be longer than 1 there
    (static length not 1) has the same ndim and leads back to one variable,
    that variable (``x`` itself when nothing is known)."""
    count = [0]

    def enter(v: Any) -> bool:
        count[0] += 1
        return count[0] <= budget and v.ndim == x.ndim and scalar_name(v.owner) is not None

    roots: dict = {}
    order = toposort([x], enter=enter)
    for node in order:
        v = node.outputs[0]
        roots[id(v)] = v
        if scalar_name(node) is None or len(node.outputs) != 1:
            continue
        wide = [u for u in node.inputs if u.ndim >= x.ndim - k and u.type.shape[k - (x.ndim - u.ndim)] != 1]
        if not wide or any(u.ndim != x.ndim for u in wide):
            continue
        found = {id(roots.get(id(u), u)): roots.get(id(u), u) for u in wide}
        if len(found) == 1:
            roots[id(v)] = next(iter(found.values()))
    return roots.get(id(x), x)


def _length_source(x: Any, k: int) -> Optional[tuple]:
    """Where ``x``'s length on axis ``k`` comes from: ``("axis", v)`` (the same
    axis of ``v``, see :func:`_length_root`) or ``("value", n)`` for
    ``x = arange(0, n, 1)`` when ``n`` is itself a length."""
    if x.owner is None:
        return None
    if scalar_name(x.owner) is not None and x.ndim > k >= 0:
        root = _length_root(x, k)
        return None if root is x else ("axis", root)
    if _made_by(x, ARange) and k == 0:
        from gradlab.rewrite.match import scalar_constant
        start, stop, step = x.owner.inputs
        if scalar_constant(start) == 0 and scalar_constant(step) == 1 and _is_length(stop):
            return ("value", stop)
    return None


@node_rule("shape(f(m, c))[k] -> shape(m)[k];  shape(arange(0, n, 1))[0] -> n  (n a length)", tracks=(Subtensor,))
def length_through_op(fgraph: Any, node: Any) -> Optional[list]:
    """A length is read where it comes from (so equal lengths become one variable)."""
    k = _literal_index(node)
    source = node.inputs[0]
    if k is None or not _made_by(source, Shape):
        return None
    x = source.owner.inputs[0]
    found = _length_source(x, k if k >= 0 else k + x.ndim)
    if found is None:
        return None
    kind, v = found
    new = api.shape(v)[k] if kind == "axis" else v
    fitted = fit_to(cast_to(new, node.outputs[0].dtype), node.outputs[0])
    return None if fitted is None else [fitted]


SHAPE_RULES = [length_through_op, merge_dimshuffles, dimshuffle_of_fill, merge_reshapes, useless_reshape, static_shape, static_shape_entry,
               subtensor_of_arange, alloc_to_value, sum_of_broadcast_scalar]
