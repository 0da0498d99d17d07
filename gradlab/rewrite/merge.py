"""Merging (common-subexpression elimination).

Two nodes with equal ops (``==`` through ``__props__``) reading the same
inputs compute the same values, so one of them is enough.  Constants count
as the same input when their ``signature()`` is equal (type, weakness and
bytes), so ``x * 2`` written twice merges even with two constant objects.
"""
from __future__ import annotations

import weakref
from typing import Any

from gradlab.graph.basic import Constant
from gradlab.rewrite.rule import Rule, RuleSet

_TABLES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


class _MergeState:
    """One rewrite's merge table, with the op and constant keys cached by identity."""

    def __init__(self) -> None:
        self.table: dict = {}
        self.op_tokens: dict = {}     # id(op) -> (op, token): equal ops share a token
        self.ops_by_value: dict = {}  # op -> token
        self.const_tokens: dict = {}  # id(constant) -> (constant, token)
        self.consts_by_value: dict = {}

    def op_token(self, op: Any) -> int:
        hit = self.op_tokens.get(id(op))
        if hit is None:
            token = self.ops_by_value.setdefault(op, len(self.ops_by_value))
            hit = self.op_tokens[id(op)] = (op, token)
        return hit[1]

    def input_token(self, var: Any) -> Any:
        if not isinstance(var, Constant):
            return var
        hit = self.const_tokens.get(id(var))
        if hit is None:
            token = ("const", self.consts_by_value.setdefault(var.signature(), len(self.consts_by_value)))
            hit = self.const_tokens[id(var)] = (var, token)
        return hit[1]

    def key(self, node: Any) -> tuple:
        return (self.op_token(node.op),) + tuple(self.input_token(v) for v in node.inputs)


def _merge(fgraph: Any, node: Any) -> Any:
    """Identical subexpressions are computed once."""
    state = _TABLES.get(fgraph)
    if state is None:
        state = _TABLES[fgraph] = _MergeState()
    try:
        key = state.key(node)
        hash(key)
    except TypeError:  # an op whose props are not hashable never merges
        return None
    table = state.table
    other = table.get(key)
    if other is None or other is node or other not in fgraph.apply_nodes or state.key(other) != key:
        table[key] = node
        return None
    if len(other.outputs) != len(node.outputs) or any(a.type != b.type for a, b in zip(other.outputs, node.outputs)):
        return None
    if getattr(node.op, "destroy_map", None):
        return None
    return list(other.outputs)


def forget(fgraph: Any) -> None:
    """Drop the merge table kept for ``fgraph`` (the driver calls this at the end)."""
    _TABLES.pop(fgraph, None)


merge = Rule("merge", "identical subexpressions are computed once",
             "op(a, b) ... op(a, b) -> one op(a, b)", None, _merge)

MERGE = RuleSet("merge", [merge], doc="common-subexpression elimination")
