"""Why a rule that saw a node returned nothing: the refusal reasons.

A :class:`~gradlab.rewrite.rule.PatternRule` refuses in three places, each
said here: its left side did not match (the near miss of
:mod:`gradlab.explain.near_miss`), its ``when`` condition said no, or the
right side could not be given the node's type.  A rule written as a
function (``@node_rule``) is read through its rule text's left sides: no
side matches (the nearest miss), or one matches and the function's own
conditions refused.  A few rules whose conditions a reader asks about most
(fusion, the cancelling of factors) say which condition; merging is
explained over the whole graph at the end (:func:`merge_near_misses`).
"""
from __future__ import annotations

from typing import Any, Callable, Optional

from gradlab.explain.near_miss import left_sides, miss_text, pattern_miss
from gradlab.explain.text import expression, node_expression, op_name
from gradlab.rewrite.algebra import known_nonzero, product_factors
from gradlab.rewrite.fusion import _region, fusable
from gradlab.rewrite.match import fit_to
from gradlab.rewrite.pattern import build, match

#: the kinds of a refusal
NEAR_MISS = "near miss"
REFUSED = "refused"


def refusal(rule: Any, fgraph: Any, node: Any) -> tuple:
    """``(kind, text)`` for a rule that returned nothing at ``node``."""
    special = _SPECIAL.get(rule.name)
    if special is not None:
        found = special(fgraph, node)
        if found is not None:
            return found
    out = node.outputs[0] if node.outputs else None
    lhs = getattr(rule, "lhs", None)
    if lhs is not None and out is not None:
        miss = pattern_miss(lhs, out)
        if miss is not None:
            return NEAR_MISS, miss_text(rule.name, lhs, miss)
        bindings = match(lhs, out)
        when = getattr(rule, "when", None)
        if when is not None and not when(bindings, node):
            return REFUSED, f"{rule.name}: `{node_expression(node)}` matches, but its condition refused it: {_says(when)}"
        new = build(rule.rhs, bindings, out.dtype)
        if new is out:
            return REFUSED, f"{rule.name}: the right side is the node itself (nothing to do)"
        if fit_to(new, out, list(node.inputs) + list(bindings.values())) is None:
            return REFUSED, (f"{rule.name}: `{node_expression(node)}` matches, but the right side cannot be given "
                             f"the node's type {out.type} (its shape would change)")
        return REFUSED, f"{rule.name}: matches here, but the replacement was not applied"
    sides = left_sides(rule.pattern_text) if out is not None else []
    best = None
    for tree in sides:
        miss = pattern_miss(tree, out)
        if miss is None:
            return REFUSED, (f"{rule.name}: `{node_expression(node)}` has the form of its left side, but the rule's "
                             f"own conditions refused it ({rule.doc or rule.pattern_text})")
        if best is None or miss.depth > best[1].depth:
            best = (tree, miss)
    if best is not None:
        return NEAR_MISS, miss_text(rule.name, best[0], best[1])
    return REFUSED, f"{rule.name}: returned no replacement for `{node_expression(node)}` ({rule.doc or rule.pattern_text})"


def _says(when: Callable) -> str:
    doc = (getattr(when, "__doc__", None) or "").strip().splitlines()
    name = getattr(when, "__name__", "when")
    return f"{name}" + (f" ({doc[0].strip()})" if doc else "")


# ---------------------------------------------------------------------------
# rules with their own reasons
def _fusion(fgraph: Any, node: Any) -> Optional[tuple]:
    name = "fuse_elemwise"
    if not fusable(node):
        return REFUSED, (f"{name}: `{node_expression(node)}` cannot join a fused region (a plain one-output "
                         "elementwise node on some variable, not only on constants)")
    clients = fgraph.clients.get(node.outputs[0], ())
    if len(clients) == 1 and clients[0][0] != "output" and fusable(clients[0][0]):
        return REFUSED, f"{name}: its one reader `{node_expression(clients[0][0])}` takes it into its own region"
    if len(_region(fgraph, node)) >= 2:
        return None
    reasons = []
    for k, var in enumerate(node.inputs):
        owner = var.owner
        if owner is None:
            continue
        if not fusable(owner):
            reasons.append(f"input {k} (`{expression(var, 2)}`) is computed by {op_name(owner.op)}, not an "
                           "elementwise op")
            continue
        readers = fgraph.clients.get(var, ())
        if len(readers) > 1 or any(c == "output" for c, _ in readers):
            reasons.append(f"input {k} (`{expression(var, 2)}`) is also read elsewhere "
                           f"({len(readers)} readers), so it is computed once, outside")
    if not reasons:
        reasons.append("its inputs are graph inputs or constants")
    return REFUSED, f"{name}: nothing to fuse with `{node_expression(node)}`: " + "; ".join(reasons)


def _cancel(fgraph: Any, node: Any) -> Optional[tuple]:
    """Products that could cancel a factor but may not: say which factor may be 0."""
    try:
        found = product_factors(fgraph, node.outputs[0])
    except Exception:  # an explanation never breaks the rewrite
        return None
    _, num, den = found
    shared = [d for d in den if any(d is n for n in num)]
    if not shared:
        return None
    zero = [d for d in shared if not known_nonzero(d)]
    if zero:
        return REFUSED, (f"collect_product: `{expression(zero[0], 2)}` is a factor above and below, but it may be 0 "
                         "(cancelling would turn 0/0 into a number); stabilize's cancel_factor cancels it anyway")
    return None




def _merge(fgraph: Any, node: Any) -> tuple:
    return REFUSED, (f"merge: no other node of the graph applies {op_name(node.op)} to the same inputs as "
                     f"`{node_expression(node, 2)}`")


_SPECIAL: dict = {"fuse_elemwise": _fusion, "collect_product": _cancel, "merge": _merge}


def merge_near_misses(nodes: Any, limit: int = 64) -> dict:
    """``{node: text}`` for nodes applying an op equal to another node's to
    inputs that differ in exactly one place (the first ``limit`` per op)."""
    by_op: dict = {}
    for node in nodes:
        try:
            by_op.setdefault(node.op, []).append(node)
        except TypeError:
            continue
    found: dict = {}
    for op, nodes in by_op.items():
        for a_index, a in enumerate(nodes[:limit]):
            for b in nodes[a_index + 1:limit]:
                if len(a.inputs) != len(b.inputs):
                    continue
                diff = [k for k, (u, v) in enumerate(zip(a.inputs, b.inputs)) if not _same(u, v)]
                if len(diff) == 1:
                    k = diff[0]
                    text = (f"merge: `{node_expression(a, 2)}` and `{node_expression(b, 2)}` apply the same "
                            f"{op_name(op)}, but input {k} differs: `{expression(a.inputs[k], 2)}` vs "
                            f"`{expression(b.inputs[k], 2)}`")
                    found.setdefault(a, text)
                    found.setdefault(b, text)
    return found


def _same(u: Any, v: Any) -> bool:
    if u is v:
        return True
    sig_u, sig_v = getattr(u, "signature", None), getattr(v, "signature", None)
    if sig_u is None or sig_v is None or u.owner is not None or v.owner is not None:
        return False
    try:
        return bool(sig_u() == sig_v())
    except (TypeError, ValueError):
        return False
