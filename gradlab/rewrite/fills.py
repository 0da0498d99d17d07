"""Fill (``second``) elimination and constant broadcasting.

Gradients are full of ``fill(m, c)`` — "the value ``c`` in the shape of
``m``" — mostly the seed ``ones_like(cost)``.  Where the other operands of an
elementwise node already imply the shape, the fill is just its value
(``fill(m, c) * y -> c * y``); where they do not, the fill moves outwards so
the values meet the other constants (``fill(m, 1.0) * 2 -> fill(m, 1.0 * 2)``).
A constant array whose entries are all equal is a 0-d constant when the
shape comes from elsewhere.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from gradlab.codegen.linker import memory_roots
from gradlab.graph.basic import Apply, Constant
from gradlab.graph.op import Op
from gradlab.graph.traversal import ancestors
from gradlab.rewrite.match import elemwise, fit_to, scalar_name, single_client, typed_constant
from gradlab.rewrite.rule import node_rule, scalar
from gradlab.tensor.elemwise import Elemwise, _axes_to_check, broadcast_checks, check_broadcast


class ShapeGuard(Op):
    """``ShapeGuard()(value, *leaves)``: ``value`` itself, after checking at run time that
    the ``leaves`` and ``value`` agree on every axis neither declares broadcastable (what an
    elementwise node over them would have checked).  A rule that drops a fill's model
    ``m`` leaves this guard over ``m``'s elementwise leaves that the replacement no longer
    reads, so ``fill(maximum(w, v), 3) * N`` still refuses ``len(w) != len(v)`` in FAST_RUN
    as it does unrewritten (issue 22) — without computing ``m``."""

    view_map = {0: [0]}

    def make_node(self, value: Any, *leaves: Any) -> Apply:
        return Apply(self, [value, *leaves], [value.type.make_variable()])

    def perform(self, node: Apply, inputs: Any, output_storage: list) -> None:
        check_broadcast(node, inputs)
        output_storage[0][0] = inputs[0]

    def generate(self, node: Apply, inputs: Any, outputs: Any, ctx: Any) -> Optional[str]:
        return "\n".join(broadcast_checks(node, inputs, ctx) + [f"{outputs[0]} = {inputs[0]}"])

    def infer_shape(self, fgraph: Any, node: Apply, input_shapes: Any) -> list:
        return [input_shapes[0]]


def _elementwise_leaves(var: Any) -> list:
    """The non-elementwise variables an elementwise expression is computed from (iterative)."""
    leaves, stack, seen = [], [var], set()
    while stack:
        v = stack.pop()
        if v in seen:
            continue
        seen.add(v)
        if v.owner is not None and isinstance(v.owner.op, Elemwise) and not isinstance(v.owner.op, ShapeGuard):
            stack.extend(v.owner.inputs)
        elif v.ndim and not isinstance(v, Constant):
            leaves.append(v)
    return leaves


def _passed_in(var: Any) -> bool:
    """A graph input, or a view of graph inputs only (``x.T``, ``x[::-1]``): its lengths are the caller's."""
    return var.owner is None or all(root.owner is None and not isinstance(root, Constant)
                                    for root in memory_roots(var))


def guarded(new: Any, dropped: Any) -> Any:
    """``new``, or ``ShapeGuard()(new, *leaves)`` when dropping ``dropped`` (a fill's model) loses
    the run-time shape check of leaves that ``new`` no longer reads."""
    if not dropped.ndim:
        return new
    kept = set(ancestors([new]))
    # only the values the caller passes (graph inputs, shared values) are guarded: the lengths
    # of computed leaves follow from the graph (eye(n), arange(n) of a shape), and a guard
    # there would hide them from the rules that follow (diagonal, fusion)
    lost = [leaf for leaf in _elementwise_leaves(dropped) if leaf not in kept and _passed_in(leaf)]
    if not lost or lost[0].ndim > new.ndim or any(leaf.ndim > new.ndim for leaf in lost):
        return new
    guard = ShapeGuard().make_node(new, *lost)
    return guard.outputs[0] if _axes_to_check(guard) else new


def _is_fill(var: Any) -> bool:
    return var.owner is not None and scalar_name(var.owner) == "second"


def _uniform_constant(var: Any) -> Optional[Any]:
    """A 0-d constant for an all-equal constant array (None otherwise)."""
    if not isinstance(var, Constant) or getattr(var, "weak", False):
        return None
    data = np.asarray(var.data)
    if data.ndim == 0 or data.size == 0:
        return None
    first = data.reshape(-1)[0]
    if not np.all(data == first) and not (np.isnan(first) and np.all(np.isnan(data))):
        return None
    return typed_constant(first, var.dtype)


def _rebuilt_same_type(node: Any, inputs: list) -> Optional[Any]:
    try:
        new = node.op.make_node(*inputs).outputs[0]
    except (TypeError, ValueError):
        return None
    return new if new.type == node.outputs[0].type else None


@node_rule("fill(m, c) * y -> c * y  (when y already has the shape)", tracks=(Elemwise,))
def fill_to_value(fgraph: Any, node: Any) -> Optional[list]:
    """A fill whose shape the other operands already give is just its value."""
    if len(node.outputs) != 1 or getattr(node.op, "scalar_op", None) is None:
        return None
    inputs = list(node.inputs)
    changed = False
    dropped: list = []
    for i, var in enumerate(inputs):
        candidate = None
        if _is_fill(var) and not (scalar_name(node) == "second" and i == 0):
            candidate = var.owner.inputs[1]
            dropped.append(var.owner.inputs[0])
        else:
            candidate = _uniform_constant(var)
        if candidate is None:
            continue
        trial = inputs[:i] + [candidate] + inputs[i + 1:]
        if _rebuilt_same_type(node, trial) is not None:
            inputs = trial
            changed = True
    if not changed:
        return None
    new = _rebuilt_same_type(node, inputs)
    for model in dropped:
        new = guarded(new, model)
    return [new]


@node_rule("fill(m, v) -> v  (when v already has the result's shape and dtype)", tracks=(scalar("second"),))
def useless_fill(fgraph: Any, node: Any) -> Optional[list]:
    """Filling a value into a shape it already has changes nothing."""
    model, value = node.inputs
    out = node.outputs[0]
    if value.type == out.type:
        return [guarded(value, model)]
    return None


@node_rule("f(fill(m, a), b) -> fill(m, f(a, b))", tracks=(Elemwise,))
def fill_sink(fgraph: Any, node: Any) -> Optional[list]:
    """Fills move outwards, so the values they carry meet each other."""
    name = scalar_name(node)
    if name is None or name == "second" or len(node.outputs) != 1:
        return None
    out = node.outputs[0]
    models = []
    inputs = list(node.inputs)
    for i, var in enumerate(inputs):
        if _is_fill(var) and single_client(fgraph, var):
            models.append(var.owner.inputs[0])
            inputs[i] = var.owner.inputs[1]
    if not models:
        return None
    try:
        inner = node.op.make_node(*inputs).outputs[0]
    except (TypeError, ValueError):
        return None
    new = inner
    for model in models:
        new = elemwise("second", model, new)
    fitted = fit_to(new, out, models)
    return None if fitted is None else [fitted]


def _checked_elsewhere(fgraph: Any, value: Any, leaf: Any) -> bool:
    """Does an elementwise node (not a guard) read ``value`` and, through elementwise
    nodes, ``leaf``?  Then it checks their lengths itself."""
    for client, _ in fgraph.clients.get(value, []):
        if client != "output" and isinstance(client.op, Elemwise) and \
                leaf in _elementwise_leaves(client.outputs[0]):
            return True
    return False


@node_rule("ShapeGuard(v, *m) -> v  (when an elementwise node reads v and each m anyway)",
           tracks=(ShapeGuard,))
def useless_guard(fgraph: Any, node: Any) -> Optional[list]:
    """A guard whose checks another elementwise node makes anyway is dropped (so an input is
    not read under two names, which would cost a fused loop one more pass)."""
    value, *leaves = node.inputs
    if all(_checked_elsewhere(fgraph, value, leaf) for leaf in leaves):
        return [value]
    return None


FILL_RULES = [useless_fill, fill_to_value, fill_sink, useless_guard]
