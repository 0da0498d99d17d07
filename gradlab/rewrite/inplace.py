"""The ``inplace`` rule set: write a result into an input's buffer when no one
else reads that buffer.

Runs last.  An elementwise node may overwrite an input when that input
(1) was made by an elementwise node (or a dot) in this same function — a fresh array,
never a caller's argument, a constant, a shared value or a view of one;
(2) is read by this node alone and is not a graph output; and (3) has the
result's dtype and broadcast pattern, hence its runtime shape.  The node
then computes ``ufunc(a, b, out=a)`` (:class:`InplaceElemwise`), or, for a
fused Composite, starts its buffer pool with that input once its last read is
done (:class:`InplaceFusedElemwise`).  Both declare ``destroy_map``.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from gradlab.graph.basic import Apply
from gradlab.graph.op import literal_source
from gradlab.rewrite.composite import FusedElemwise
from gradlab.rewrite.rule import RuleSet, node_rule
from gradlab.tensor.elemwise import Elemwise, broadcast_checks, check_broadcast
from gradlab.tensor.linalg import Dot, Matmul


#: non-elementwise ops whose result is always a new array (np.dot / np.matmul)
FRESH_RESULT_OPS = (Dot, Matmul)


def _makes_fresh_arrays(node: Any) -> bool:
    if node is None or len(node.outputs) != 1:
        return False
    return isinstance(node.op, (Elemwise, *FRESH_RESULT_OPS))


def destroyable_inputs(fgraph: Any, node: Any) -> list:
    """Indices of ``node``'s inputs whose buffer it may overwrite (see the module doc)."""
    out = node.outputs[0]
    if out.ndim == 0:
        return []
    found = []
    seen = set()
    for k, var in enumerate(node.inputs):
        if var in seen:
            continue
        seen.add(var)
        if not _makes_fresh_arrays(var.owner) or var.dtype != out.dtype or var.ndim != out.ndim:
            continue
        if tuple(n == 1 for n in var.type.shape) != tuple(n == 1 for n in out.type.shape):
            continue
        clients = fgraph.clients.get(var, ())
        if len(clients) != 1 or clients[0][0] is not node or sum(v is var for v in node.inputs) != 1:
            continue
        found.append(k)
    return found


class InplaceElemwise(Elemwise):
    """An Elemwise that writes its result into input ``inplace_input``'s buffer."""

    __props__ = ("scalar_op", "inplace_input")

    def __init__(self, scalar_op: Any, inplace_input: int):
        super().__init__(scalar_op)
        self.inplace_input = int(inplace_input)
        self.destroy_map = {0: [self.inplace_input]}

    def __str__(self) -> str:
        return f"{self.scalar_op.name}{{inplace={self.inplace_input}}}"

    def perform(self, node: Apply, inputs: Sequence[Any], output_storage: list) -> None:
        args = [w if w is not None else v for w, v in zip(self._weak_args(node), inputs)]
        target = inputs[self.inplace_input]
        check_broadcast(node, inputs)
        self.scalar_op.impl(*args, out=target)
        output_storage[0][0] = target

    def generate(self, node: Apply, inputs: Sequence[str], outputs: Sequence[str], ctx: Any) -> Optional[str]:
        fn = ctx.bind(self.scalar_op.impl, self.scalar_op.name)
        args = [literal_source(w, ctx) if w is not None else name for w, name in zip(self._weak_args(node), inputs)]
        target = inputs[self.inplace_input]
        return "\n".join(broadcast_checks(node, inputs, ctx) + [f"{fn}({', '.join(args)}, out={target})",
                                                                f"{outputs[0]} = {target}"])


class InplaceFusedElemwise(FusedElemwise):
    """A fused Composite allowed to reuse the buffers of ``inplace_inputs``."""

    __props__ = ("scalar_op", "inplace_inputs")

    def __init__(self, scalar_op: Any, inplace_inputs: Sequence[int]):
        super().__init__(scalar_op)
        self.inplace_inputs = tuple(sorted(int(k) for k in inplace_inputs))
        self.destroy_map = {0: list(self.inplace_inputs)}

    def generate(self, node: Apply, inputs: Sequence[str], outputs: Sequence[str], ctx: Any) -> Optional[str]:
        lines = self.scalar_op.source(list(inputs), outputs[0], ctx, node.outputs[0].ndim,
                                      reusable=self.inplace_inputs)
        return "\n".join(broadcast_checks(node, inputs, ctx) + lines)


@node_rule("f(a, b) -> f(a, b, out=a)  (a read by this node alone, made here, same shape and dtype)",
           tracks=(Elemwise,))
def elemwise_inplace(fgraph: Any, node: Any) -> Optional[list]:
    """An elementwise result reuses the buffer of an input nobody else reads."""
    op = node.op
    if type(op) is Elemwise:
        if not isinstance(op.scalar_op.impl, np.ufunc):
            return None
        ks = destroyable_inputs(fgraph, node)
        if not ks:
            return None
        new = InplaceElemwise(op.scalar_op, ks[0]).make_node(*node.inputs).outputs[0]
    elif type(op) is FusedElemwise:
        ks = destroyable_inputs(fgraph, node)
        if not ks:
            return None
        new = InplaceFusedElemwise(op.scalar_op, ks).make_node(*node.inputs).outputs[0]
    else:
        return None
    return [new] if new.type == node.outputs[0].type else None


INPLACE = RuleSet("inplace", [elemwise_inplace], doc="results reuse buffers no one else reads")
