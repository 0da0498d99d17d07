"""The ``fusion`` rule set: chains of elementwise nodes become one Composite.

From a node whose result leaves the elementwise world (a graph output, or
read by a non-elementwise op or by several nodes), the rule grows the largest
region of elementwise producers whose results are read only inside the
region, and replaces it by one :class:`~gradlab.rewrite.composite.FusedElemwise`
node.  Only the region's root is read from outside, so fusing never makes a
cycle.  0-d constants become literals of the composite; other constants stay
inputs.
"""
from __future__ import annotations

from collections import deque
from typing import Any, Optional

from gradlab.graph.basic import Constant, nodes_behind
from gradlab.rewrite.composite import Composite, FusedElemwise
from gradlab.rewrite.match import fit_to
from gradlab.rewrite.rule import RuleSet, node_rule
from gradlab.tensor.elemwise import Elemwise, weak_value


def fusable(node: Any) -> bool:
    """Can ``node`` join a fused region (a plain single-output Elemwise on some variable)?"""
    return (node is not None and type(node.op) is Elemwise and len(node.outputs) == 1
            and not all(isinstance(v, Constant) for v in node.inputs))


def _region(fgraph: Any, root: Any) -> set:
    region = {root}
    queue = deque([root])
    while queue:
        node = queue.popleft()
        for var in node.inputs:
            owner = var.owner
            if owner is None or owner in region or not fusable(owner):
                continue
            clients = fgraph.clients.get(var, ())
            if all(c != "output" and c in region for c, _ in clients):
                region.add(owner)
                queue.append(owner)
    return region


def _full_shape(shape: tuple, pattern: tuple) -> bool:
    """Does a result of static ``shape`` have the output's broadcast pattern (so its full shape)?"""
    if len(shape) != len(pattern):
        return False
    for n, one in zip(shape, pattern):
        if (n == 1) != one:
            return False
    return True


def build_composite(root: Any, region: set) -> tuple:
    """``(composite, inputs)`` computing ``root``'s output from the region's inputs."""
    out = root.outputs[0]
    out_pattern = tuple(n == 1 for n in out.type.shape)
    order = nodes_behind(root.outputs[:1], within=region)  # producers first
    position = {node.outputs[0]: j for j, node in enumerate(order)}
    inputs: list = []
    input_index: dict = {}
    literals: list = []
    literal_index: dict = {}
    program = []
    for node in order:
        all_weak = all(weak_value(v) is not None for v in node.inputs)
        args = []
        for var in node.inputs:
            if var in position:
                args.append(("t", position[var]))
            elif isinstance(var, Constant) and getattr(var.type, "ndim", 1) == 0:
                weak = None if all_weak else weak_value(var)
                value = weak if weak is not None else var.data
                key = (type(value).__name__, repr(value)) if weak is not None else (id(var.data),)
                if key not in literal_index:
                    literal_index[key] = len(literals)
                    literals.append(value)
                args.append(("k", literal_index[key]))
            else:
                if var not in input_index:
                    input_index[var] = len(inputs)
                    inputs.append(var)
                args.append(("i", input_index[var]))
        node_out = node.outputs[0]
        full = _full_shape(node_out.type.shape, out_pattern)
        program.append((node.op.scalar_op, tuple(args), node_out.dtype, full))
    names = [v.name if v.name else f"i{k}" for k, v in enumerate(inputs)]
    return Composite(len(inputs), program, literals, out.dtype, names), inputs


@node_rule("f(g(x), h(y)) -> Composite{f(g(x), h(y))}(x, y)", tracks=(Elemwise,))
def fuse_elemwise(fgraph: Any, node: Any) -> Optional[list]:
    """A chain of elementwise nodes runs as one node (whole-array numpy calls, reused buffers)."""
    if not fusable(node):
        return None
    clients = fgraph.clients.get(node.outputs[0], ())
    if len(clients) == 1 and clients[0][0] != "output" and fusable(clients[0][0]):
        return None  # the reader will take this node into its region
    region = _region(fgraph, node)
    if len(region) < 2:
        return None
    composite, inputs = build_composite(node, region)
    new = FusedElemwise(composite)(*inputs)
    fitted = fit_to(new, node.outputs[0])
    return None if fitted is None else [fitted]


FUSION = RuleSet("fusion", [fuse_elemwise], doc="elementwise chains run as one node", consumers_first=True)
