"""Like terms: ``a*x + b*x -> (a + b) * x`` and ``x + x -> 2 * x``.

A sum (:func:`gradlab.rewrite.algebra.sum_terms`) whose terms share a
numerator factor multiplies it once.  Two policies keep the rule from
running away on big shared graphs:

* it looks at sums of at most :data:`MAX_TERMS` terms, so a firing costs a
  bounded amount;
* it weighs each rewrite by the work (elements computed) the graph gains
  or loses, and a rewrite that does not shrink it spends a per-graph budget
  (:func:`spend_growth`, at least one element a firing): those rewrites are
  then at most linear in the graph's size.
"""
from __future__ import annotations

import weakref
from typing import Any, Optional

import numpy as np

from gradlab.graph.basic import Constant
from gradlab.rewrite.algebra import PRODUCT_OPS, product_walk, build_product, fitted_to, known_value, sum_terms
from gradlab.rewrite.match import elemwise, scalar_name, single_client
from gradlab.rewrite.rule import node_rule, scalar

#: like terms are collected in sums of at most this many terms: factoring a
#: sum rebuilds it, so a firing then costs a bounded amount.
MAX_TERMS = 16


def _term_factors(fgraph: Any, sign: int, var: Any, dtype: str, deep: bool) -> tuple:
    """A term as ``((sign, numerator, denominator), held)``; unless ``deep``, a
    product read elsewhere too stays one factor (opening it computes parts of
    it twice), and ``held`` says whether one did (so a deep look would differ)."""
    name = scalar_name(var.owner) if var.owner is not None else None
    if name in PRODUCT_OPS and var.dtype == dtype:
        if deep or single_client(fgraph, var):
            s, num, den, _, held = product_walk(fgraph, var, deep)
            return (sign * s, num, den), held
        return (sign, [var], []), True
    return (sign, [var], []), False


class Signatures:
    """Keys equal for variables computing the same thing (the same op on the
    same inputs, :data:`depth` levels deep): like terms are found before
    merging has made equal subexpressions one variable.  Each key is a small
    int, interned per (op, output, input keys), so a variable is keyed once
    per sum however many terms read it."""

    depth = 1

    def __init__(self) -> None:
        self._memo: dict = {}
        self._interned: dict = {}

    def __call__(self, var: Any, depth: Optional[int] = None) -> int:
        depth = self.depth if depth is None else depth
        memo_key = (var, depth)
        key = self._memo.get(memo_key)
        if key is None:
            key = self._intern(self._shape(var, depth))
            self._memo[memo_key] = key
        return key

    def _shape(self, var: Any, depth: int) -> tuple:
        if var.owner is None or depth == 0:
            if isinstance(var, Constant):
                data = np.asarray(var.data)
                if data.size <= 16:
                    return ("const", data.dtype.str, data.shape, data.tobytes())
            return ("var", id(var))
        return (var.owner.op, var.owner.outputs.index(var), tuple(self(v, depth - 1) for v in var.owner.inputs))

    def _intern(self, shape: tuple) -> int:
        return self._interned.setdefault(shape, len(self._interned))


def _common_factor(factored: list, signature: Signatures) -> Optional[int]:
    """The signature of the numerator factor shared by the most terms (at least two), if any."""
    counts: dict = {}
    first: dict = {}
    for k, (_, num, _) in enumerate(factored):
        for key in {signature(v): None for v in num if known_value(v)[0] is None}:
            counts[key] = counts.get(key, 0) + 1
            first.setdefault(key, k)
    best = None
    for key, c in counts.items():
        if c >= 2 and (best is None or c > counts[best] or (c == counts[best] and first[key] < first[best])):
            best = key
    return best


def _collect_like_terms(fgraph: Any, node: Any) -> Optional[list]:
    """``a*x + b*x -> (a + b) * x``; ``x + x -> 2 * x`` (a factor shared by terms is multiplied once)."""
    out = node.outputs[0]
    if np.dtype(out.dtype).kind != "f":
        return None
    terms = sum_terms(fgraph, out, limit=MAX_TERMS)
    if terms is None or len(terms) < 2:
        return None
    signature = Signatures()
    for deep in (False, True):  # a shallow split first: it computes nothing twice
        split = [_term_factors(fgraph, s, v, out.dtype, deep) for s, v in terms]
        factored = [f for f, _ in split]
        key = _common_factor(factored, signature)
        if key is not None:
            break
        if not any(held for _, held in split):
            return None     # nothing was kept whole: a deep split is the same
    else:
        return None
    inner = rest = shared = None
    for sign, num, den in factored:
        k = next((i for i, v in enumerate(num) if signature(v) == key), None)
        if k is not None:
            shared = num[k] if shared is None else shared
            part = build_product(sign, None, num[:k] + num[k + 1:], den, out.dtype)
            inner = part if inner is None else elemwise("add", inner, part)
        else:
            part = build_product(sign, None, num, den, out.dtype)
            rest = part if rest is None else elemwise("add", rest, part)
    new = elemwise("mul", inner, shared)
    if rest is not None:
        new = elemwise("add", new, rest)
    fitted = fitted_to(new, out, [v for _, v in terms])
    if fitted is None:
        return None
    growth = work_growth(fgraph, out, fitted[0])
    shrinks = growth < 0 or (growth == 0 and rest is None and not deep)     # x + x -> 2 * x
    if not shrinks and not spend_growth(fgraph, max(growth, 1)):
        return None
    return fitted


#: the size assumed for a dimension whose length is not known when rewriting
ASSUMED_LENGTH = 1000


def _size(node: Any) -> int:
    """The elements ``node`` computes, as far as its output's static shape says
    (an unknown length counts as :data:`ASSUMED_LENGTH`): a product that makes
    an n x n matrix weighs more than n products of vectors."""
    shape = getattr(node.outputs[0].type, "shape", ())
    size = 1
    for length in shape:
        size *= ASSUMED_LENGTH if length is None else max(int(length), 1)
    return size


#: the work collect_like_terms may add to a graph, per graph, in elements
#: (see :func:`spend_growth`)
_GROWTH_LEFT: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def spend_growth(fgraph: Any, growth: int) -> bool:
    """May a firing add ``growth`` elements of work?  A rewrite that does not
    shrink the graph can pay off later (factoring ``v`` out of a Hessian-vector
    product copies shared products, then the logistic rules meet), but each one
    rebuilds the sum above it, and on sums of shared products (the gradient
    of ``x**x**...**x``) that feeds the next firing without end.  So the rule
    may add at most as much work as the graph had when it first looked at it:
    the firings that grow the graph are then linear in its size."""
    left = _GROWTH_LEFT.get(fgraph)
    if left is None:
        left = sum(_size(node) for node in fgraph.apply_nodes)
    if growth > left:
        _GROWTH_LEFT[fgraph] = left
        return False
    _GROWTH_LEFT[fgraph] = left - growth
    return True


def work_growth(fgraph: Any, out: Any, new: Any) -> int:
    """How much work the graph gains (negative: loses) when ``new`` replaces
    ``out``, in elements computed by the Apply nodes that come and go.  Nodes
    ``new`` adds count unless every input is a constant (constant folding
    removes those); nodes leave when every one of their readers leaves and
    ``new`` does not read them.  Both walks stop at the boundary between the
    two expressions, so a firing costs its size."""
    added = 0
    kept: set = set()
    seen: set = set()
    stack = [new]
    while stack:
        node = stack.pop().owner
        if node is None or node in seen:
            continue
        seen.add(node)
        if node in fgraph.apply_nodes:
            kept.add(node)
            continue
        if not all(isinstance(v, Constant) for v in node.inputs):
            added += _size(node)
        stack += node.inputs
    pending: dict = {}
    freed = 0
    frontier = [] if out.owner in kept else [out.owner]
    while frontier:
        node = frontier.pop()
        freed += _size(node)
        for var in node.inputs:
            reader = var.owner
            if reader is None or reader in kept or reader not in fgraph.apply_nodes:
                continue
            if reader not in pending:
                pending[reader] = sum(len(fgraph.clients.get(o, ())) for o in reader.outputs)
            pending[reader] -= 1
            if pending[reader] == 0:
                frontier.append(reader)
    return added - freed


def _enclosing_sum(fgraph: Any, var: Any, levels: int = 4) -> Optional[Any]:
    """The sum node that reads ``var`` through a chain of single-client products
    (at most ``levels`` up), if any."""
    for _ in range(levels):
        clients = fgraph.clients.get(var, ())
        if len(clients) != 1 or isinstance(clients[0][0], str):
            return None
        client = clients[0][0]
        name = scalar_name(client)
        if name in ("add", "sub"):
            return client
        if name not in ("mul", "true_div", "neg") or len(client.outputs) != 1:
            return None
        var = client.outputs[0]
    return None


def _collect_like_terms_at(fgraph: Any, node: Any) -> Any:
    """At a sum: collect its like terms.  At a product: collect those of the
    sum it is a term of (a factor that changed below it, e.g. two equal
    factors merged, can make terms alike without the sum being revisited)."""
    if scalar_name(node) in ("add", "sub"):
        return _collect_like_terms(fgraph, node)
    top = _enclosing_sum(fgraph, node.outputs[0])
    if top is None:
        return None
    new = _collect_like_terms(fgraph, top)
    return None if new is None else {top.outputs[0]: new[0]}


collect_like_terms = node_rule("a*x + b*x -> (a + b) * x;  x + x -> 2 * x",
                               tracks=(scalar("add"), scalar("sub"), scalar("mul")),
                               name="collect_like_terms")(_collect_like_terms_at)
