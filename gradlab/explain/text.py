"""Short, bounded text forms of variables and nodes for explanations.

``expression(var)`` writes ``exp(mul(2.0, x))`` down to a fixed depth
(deeper pieces become ``…``), so a message costs a constant, whatever the
graph's size; the depth bound also bounds the (small) recursion.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from gradlab.bounded_text import clip, op_text
from gradlab.graph.basic import Apply, Constant, Variable

#: ops printed under the name pp and the pictures use (shared with near_miss)
_SHOWN = {"second": "fill", "true_div": "div"}
DEPTH = 3
MAX_CHARS = 120


def op_name(op: Any) -> str:
    """The op's short name (``exp``, ``mul``, ``Sum{axis=None}``)."""
    scalar = getattr(op, "scalar_op", None)
    name = getattr(scalar, "name", None) if scalar is not None and type(op).__name__ == "Elemwise" else None
    text = name if name is not None else op_text(op, 40)
    return _SHOWN.get(text, text)


def expression(var: Any, depth: int = DEPTH) -> str:
    """``var`` as call syntax, at most ``depth`` calls deep, clipped to ``MAX_CHARS``."""
    return clip(_expr(var, depth), MAX_CHARS)


def _expr(var: Any, depth: int) -> str:
    if not isinstance(var, Variable):
        return str(var)
    if isinstance(var, Constant):
        data = np.asarray(var.data)
        return repr(data.item()) if data.ndim == 0 else f"constant{list(data.shape)}"
    if var.name is not None or var.owner is None:
        return repr(var)
    if depth <= 0:
        return "…"
    node = var.owner
    head = op_name(node.op) + (f".{var.index}" if len(node.outputs) > 1 else "")
    return f"{head}({', '.join(_expr(v, depth - 1) for v in node.inputs)})"


def node_expression(node: Apply, depth: int = DEPTH) -> str:
    """The node as its op applied to its inputs (``mul(x, y)``, even when its output is named)."""
    if depth <= 0:
        return "…"
    return clip(f"{op_name(node.op)}({', '.join(_expr(v, depth - 1) for v in node.inputs)})", MAX_CHARS)
