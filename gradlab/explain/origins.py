"""Origins through differentiation, in words and as data.

Every node a derivative sweep builds carries a
:class:`gradlab.graph.origin.Origin` (see that module).  Here the record is
read back: :func:`origin` says, for one variable, which forward node's rule
made it and for which input, or that it is the seed or the sum of the terms
reaching a variable read more than once (the chain rule's sum, the adjoint
``dC/dv = sum over the readers r of v of the term r sends``).
:func:`label` is the short form a picture's cluster shows (``∂ of exp, node 3``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from gradlab.explain.text import expression, node_expression, op_name
from gradlab.graph.basic import Apply, Variable
from gradlab.graph.origin import Origin, origin_of

__all__ = ["OriginReport", "origin", "describe", "label", "as_data"]


def _which(origin: Origin) -> str:
    return "∂" if origin.mode == "reverse" else "tangent"


def label(origin: Optional[Origin]) -> str:
    """A cluster's title: ``∂ of exp, node 3``; ``seed``; ``sum for x (read 2×)``."""
    if origin is None:
        return "forward graph"
    if origin.kind == "rule":
        where = f", node {origin.number}" if origin.number is not None else ""
        return f"{_which(origin)} of {op_name(origin.node.op)}{where}"
    if origin.kind == "seed":
        return "seed" if origin.mode == "reverse" else "tangent seed"
    if origin.kind == "sum":
        return f"sum for {expression(origin.variable, 1)} (read {len(origin.readers)}×)"
    return f"{origin.helper or 'helper'}"


def describe(origin: Optional[Origin]) -> str:
    """One or two sentences saying where a node came from."""
    if origin is None:
        return "not built by a derivative: a node of the graph as written"
    mode = f"{origin.mode} mode"
    if origin.kind == "rule" and origin.mode == "reverse":
        node = origin.node
        x = node.inputs[origin.input] if origin.input is not None and origin.input < len(node.inputs) else None
        return (f"{label(origin)}: the reverse rule (vjp) of {op_name(node.op)} at {node_expression(node)}, "
                f"computing the term for its input {origin.input} ({expression(x, 2)}) ({mode})")
    if origin.kind == "rule":
        node = origin.node
        return (f"{label(origin)}: the forward rule (jvp) of {op_name(node.op)} at {node_expression(node)}, "
                f"computing the tangent of its output {origin.output} ({mode})")
    if origin.kind == "seed":
        of = expression(origin.variable, 2)
        return (f"the seed of the sweep: d{of}/d{of} = 1 in reverse mode" if origin.mode == "reverse"
                else f"the seed of the sweep: the tangent given for {of} ({mode})")
    if origin.kind == "sum":
        readers = ", ".join(node_expression(r, 2) for r in origin.readers)
        return (f"the sum of the {len(origin.readers)} terms reaching {expression(origin.variable, 2)}, "
                f"which is read {len(origin.readers)} times (by {readers}): its adjoint adds what each "
                f"reader sends back ({mode})")
    about = expression(origin.variable, 2) if origin.variable is not None else "the expression"
    return f"built by {origin.helper} around the sweep for {about} ({mode})"


def as_data(origin: Optional[Origin]) -> dict:
    """The record as a dict of plain values (texts for nodes, the nodes themselves under ``node``)."""
    if origin is None:
        return {"kind": None}
    return {"mode": origin.mode, "kind": origin.kind, "node": origin.node,
            "op": op_name(origin.node.op) if origin.node is not None else None,
            "number": origin.number, "input": origin.input, "output": origin.output,
            "variable": origin.variable, "readers": list(origin.readers), "helper": origin.helper,
            "label": label(origin)}


@dataclass(frozen=True)
class OriginReport:
    """``origin(v)``: the words (``text``), the record (``record``) and it as a dict (``data``)."""

    text: str
    record: Optional[Origin]
    data: dict

    def __str__(self) -> str:
        return self.text

    def _repr_markdown_(self) -> str:
        return self.text


def origin(item: Any) -> OriginReport:
    """Where ``item`` (a variable, or an Apply node) came from, in words and as data."""
    if not isinstance(item, (Variable, Apply)):
        raise TypeError(f"origin: expected a symbolic variable or an Apply node, got {type(item).__name__}; "
                        "pass a variable that grad, Lop, Rop, jacobian or hessian built")
    record = origin_of(item)
    return OriginReport(describe(record), record, as_data(record))
