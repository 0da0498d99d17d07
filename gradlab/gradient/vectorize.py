"""Batch a graph over a new leading axis (``vmap`` for symbolic graphs).

``vectorize_graph(outputs, {x: X})`` rebuilds ``outputs`` with ``X`` (one
more leading axis than ``x``: a batch of values of ``x``) in place of ``x``.
Every variable downstream of a replaced one gains the batch axis; the rest
of the graph is shared unchanged.  ``jacobian(..., vectorize=True)`` uses it
to pull back every row of the identity matrix at once.

How a node is batched, in order of preference:

1. the op's own ``vectorize_node(node, inputs, batched)`` method, if any;
2. built-in rules: elementwise ops (the batch axis broadcasts like any other
   leading axis), the reductions of ``gradlab.tensor.reduce`` and DimShuffle
   (their axes shift by one), Reshape (the batch length goes in front of the
   new shape), Shape (a row's shape, unbatched) and Dot with one batched
   operand (a matmul), basic indexing and writing at a batched row index
   (:mod:`gradlab.gradient.vectorize_index`);
3. otherwise :class:`BatchedLoop`, an op that runs the original op's
   ``perform`` once per batch entry and stacks the results.  It works for
   every op; it is a Python loop over the batch, so it is the slow path.
"""
from __future__ import annotations

import copy
from typing import Any, Dict, List, Mapping, Sequence

import numpy as np

import gradlab.tensor as gt
from gradlab.graph.basic import Apply, Variable
from gradlab.graph.op import Op
from gradlab.graph.origin import mark, stamp
from gradlab.graph.traversal import clone_replace, toposort
from gradlab.graph.gradient_types import is_disconnected, is_null
from gradlab.tensor.dimshuffle_ops import DimShuffle
from gradlab.tensor.elemwise import Elemwise
from gradlab.tensor.linalg import Dot
from gradlab.tensor.reduce import Reduce
from gradlab.tensor.shape_ops import Reshape, Shape
from gradlab.tensor.subtensor import IncSubtensor, Subtensor
from gradlab.tensor.type import TensorType
from gradlab.tensor.variable import as_tensor_variable

__all__ = ["vectorize_graph", "BatchedLoop", "batch_node"]


def _is_batched_elemwise(op: Any) -> bool:
    return isinstance(op, Elemwise)


def _is_reduction(op: Any) -> bool:
    return isinstance(op, Reduce)


def _batch_elemwise(node: Apply, inputs: list, batched: list) -> list:
    """Elemwise: give each batched input all the core output's axes so the
    batch axis lines up in front; unbatched inputs broadcast as before."""
    core_ndim = node.outputs[0].ndim
    aligned = []
    for x, core, b in zip(inputs, node.inputs, batched):
        if b and core.ndim < core_ndim:
            pad = core_ndim - core.ndim
            x = gt.dimshuffle(x, [0] + ["x"] * pad + list(range(1, core.ndim + 1)))
        aligned.append(x)
    return [node.op(*aligned)]


def _batch_reduction(node: Apply, inputs: list, batched: list) -> list:
    """A reduction over ``axis`` becomes the same reduction over ``axis + 1``."""
    op = node.op
    core_ndim = node.inputs[0].ndim
    new = copy.copy(op)
    new.axis = tuple(a + 1 for a in op.axes_of(core_ndim))
    return [new(inputs[0])]


def _batch_dimshuffle(node: Apply, inputs: list, batched: list) -> list:
    """DimShuffle: keep the batch axis first, shift the others by one."""
    order = [0] + ["x" if e == "x" else e + 1 for e in node.op.new_order]
    return [gt.dimshuffle(inputs[0], order)]


def _batch_shape(node: Apply, inputs: list, batched: list) -> list:
    """The shape of a row is the same for every row: ``shape(X)[1:]``, unbatched."""
    return [gt.shape(inputs[0])[1:]]


def _batch_reshape(node: Apply, inputs: list, batched: list) -> list:
    """Reshape to ``(batch,) + shape`` (only the data batched, not the shape)."""
    if batched[1]:
        return None
    x, shp = inputs
    lead = gt.shape(x)[0:1]
    return [gt.reshape(x, gt.concatenate([lead, gt.cast(shp, lead.dtype)]), ndim=node.op.ndim + 1)]


def _batch_dot(node: Apply, inputs: list, batched: list) -> list:
    """Dot with one batched operand, as a (broadcasting) matmul."""
    (a, b), (ca, cb) = inputs, node.inputs
    if batched[0] and not batched[1]:
        return [gt.dot(a, b) if ca.ndim == 1 else gt.matmul(a, b)]
    if batched[1] and not batched[0]:
        if cb.ndim == 1:  # out[k] = a . b[k]
            return [gt.dot(b, a) if ca.ndim == 1 else gt.dot(b, gt.transpose(a))]
        if ca.ndim == 1:  # out[k] = b[k]^T a
            return [gt.matmul(gt.dimshuffle(b, (0, 2, 1)), a)]
        return [gt.matmul(a, b)]
    return None


def _native_rule(op: Any) -> Any:
    from gradlab.gradient.vectorize_index import batch_inc_subtensor, batch_subtensor
    if isinstance(op, Subtensor):
        return batch_subtensor
    if isinstance(op, IncSubtensor):
        return batch_inc_subtensor
    if isinstance(op, Shape):
        return _batch_shape
    if isinstance(op, DimShuffle):
        return _batch_dimshuffle
    if isinstance(op, Reshape):
        return _batch_reshape
    if isinstance(op, Dot):
        return _batch_dot
    return None


class BatchedLoop(Op):
    """The op of ``core_node`` applied to each entry of a batch: inputs
    flagged in ``batched`` carry a leading batch axis, the others are shared.
    ``perform`` loops over the batch calling the core op's ``perform`` and
    stacks the outputs along a new leading axis.
    """

    __props__ = ("core_node", "batched")

    def __init__(self, core_node: Apply, batched: Sequence[bool]):
        self.core_node = core_node
        self.batched = tuple(bool(b) for b in batched)

    def __str__(self) -> str:
        return f"Batched{{{self.core_node.op}}}"

    def make_node(self, *inputs: Any) -> Apply:
        core = self.core_node
        if len(inputs) != len(core.inputs):
            raise TypeError(f"{self}: expected {len(core.inputs)} inputs, got {len(inputs)}")
        inputs = [as_tensor_variable(x) for x in inputs]
        length = None
        for x, c, b in zip(inputs, core.inputs, self.batched):
            want = c.ndim + (1 if b else 0)
            if x.ndim != want:
                raise TypeError(f"{self}: input {x} has {x.ndim} dimensions, expected {want}")
            if b and x.type.shape[0] is not None:
                length = x.type.shape[0]
        outs = [TensorType(o.type.dtype, (length,) + tuple(o.type.shape)).make_variable() for o in core.outputs]
        return Apply(self, inputs, outs)

    def perform(self, node: Apply, inputs: Sequence[Any], output_storage: list) -> None:
        core = self.core_node
        lengths = {np.shape(x)[0] for x, b in zip(inputs, self.batched) if b}
        if len(lengths) != 1:
            raise ValueError(f"{self}: the batched inputs have different batch lengths {sorted(lengths)}")
        n = lengths.pop()
        rows: List[list] = [[] for _ in core.outputs]
        for k in range(n):
            args = [np.asarray(x[k]) if b else x for x, b in zip(inputs, self.batched)]
            storage = [[None] for _ in core.outputs]
            core.op.perform(core, args, storage)
            for j, cell in enumerate(storage):
                rows[j].append(np.asarray(cell[0], dtype=core.outputs[j].type.dtype))
        for j, out in enumerate(node.outputs):
            if n:
                output_storage[j][0] = np.stack(rows[j])
            else:
                shape = (0,) + tuple(0 if s is None else s for s in core.outputs[j].type.shape)
                output_storage[j][0] = np.zeros(shape, dtype=out.type.dtype)

    def _core_replacements(self, inputs: Sequence[Variable]) -> tuple:
        """(plain substitutions, batched substitutions) mapping the core node's
        inputs to this node's inputs."""
        plain, batch = {}, {}
        for c, x, b in zip(self.core_node.inputs, inputs, self.batched):
            if b:
                batch[c] = x
            elif c is not x:
                plain[c] = x
        return plain, batch

    def L_op(self, inputs, outputs, output_grads):
        """The core op's gradient graph, batched: batched inputs get batched
        gradients, shared inputs the sum over the batch."""
        from gradlab.gradient.adapter import grad_dtype, node_vjp
        core = self.core_node
        dummies = [TensorType(grad_dtype(o), o.type.shape).make_variable() for o in core.outputs]
        raw = node_vjp(core, dummies)
        plain, batch = self._core_replacements(inputs)
        for u, g in zip(dummies, output_grads):
            batch[u] = g
        result = []
        for i, (x, g, b) in enumerate(zip(inputs, raw, self.batched)):
            if is_null(g) or is_disconnected(g):
                result.append(g)
                continue
            if plain:
                g = clone_replace(g, plain)
            (g,) = vectorize_graph([g], batch)
            if not b:
                g = gt.sum(g, axis=0) if g.ndim == x.ndim + 1 else g
            elif g.ndim == x.ndim - 1:
                g = gt.second(x, g)
            result.append(g)
        return result


def batch_node(node: Apply, inputs: list, batched: list) -> list:
    """The outputs of ``node`` computed on ``inputs`` (those flagged in
    ``batched`` carry a leading batch axis), each with a leading batch axis."""
    op = node.op
    hook = getattr(op, "vectorize_node", None)
    if hook is not None:
        result = hook(node, inputs, batched)
        if result is not None:
            return list(result)
    if _is_batched_elemwise(op):
        return _batch_elemwise(node, inputs, batched)
    if _is_reduction(op) and batched[0]:
        return _batch_reduction(node, inputs, batched)
    rule = _native_rule(op)
    if rule is not None:
        result = rule(node, inputs, batched)
        if result is not None:
            return result
    outs = BatchedLoop(node, batched).make_node(*inputs).outputs
    return list(outs)


def vectorize_graph(outputs: Sequence[Variable], replace: Mapping[Variable, Variable]) -> List[Variable]:
    """``outputs`` rebuilt with each key of ``replace`` swapped for its value,
    a batch of it along a new leading axis (``value.ndim == key.ndim + 1``).

    Outputs downstream of a replaced variable come back with the batch axis;
    the others come back unchanged.  A batching rule may
    answer with an unbatched variable (same ndim as the original: the value
    is the same for every batch entry, like the shape of a row); its
    consumers are then rebuilt on it without a batch axis.
    """
    outs = list(outputs)
    table: Dict[int, tuple] = {}  # id(old) -> (new, batched?)
    for old, new in replace.items():
        if getattr(new.type, "ndim", None) != getattr(old.type, "ndim", -1) + 1:
            raise ValueError(f"vectorize_graph: the batch for {old} ({old.type}) must have one more (leading) "
                             f"dimension, got {new.type}")
        table[id(old)] = (new, True)
    for node in toposort(outs, list(replace)):
        hits = [table.get(id(x)) for x in node.inputs]
        if not any(h is not None for h in hits):
            continue
        new_inputs = [x if h is None else h[0] for x, h in zip(node.inputs, hits)]
        flags = [h is not None and h[1] for h in hits]
        since = mark()
        if any(flags):
            new_outputs = batch_node(node, new_inputs, flags)
        else:
            new_outputs = node.clone_with_new_inputs(new_inputs, strict=False).outputs
        if node.origin is not None:  # the batched node computes what the node did: same origin
            stamp(new_outputs, since, node.origin)
        for out, new in zip(node.outputs, new_outputs):
            batched = getattr(new.type, "ndim", None) == getattr(out.type, "ndim", -1) + 1 and any(flags)
            table[id(out)] = (new, batched)
    return [table[id(o)][0] if id(o) in table else o for o in outs]
