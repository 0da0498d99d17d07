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

from gradlab.graph.basic import Constant
from gradlab.rewrite.match import elemwise, fit_to, scalar_name, single_client, typed_constant
from gradlab.rewrite.rule import node_rule, scalar
from gradlab.tensor.elemwise import Elemwise


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
    for i, var in enumerate(inputs):
        candidate = None
        if _is_fill(var) and not (scalar_name(node) == "second" and i == 0):
            candidate = var.owner.inputs[1]
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
    return [_rebuilt_same_type(node, inputs)]


@node_rule("fill(m, v) -> v  (when v already has the result's shape and dtype)", tracks=(scalar("second"),))
def useless_fill(fgraph: Any, node: Any) -> Optional[list]:
    """Filling a value into a shape it already has changes nothing."""
    model, value = node.inputs
    out = node.outputs[0]
    if value.type == out.type:
        return [value]
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


FILL_RULES = [useless_fill, fill_to_value, fill_sink]
