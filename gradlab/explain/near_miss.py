"""Where a rule's left side stops matching a node: the near-miss explainer.

For a pattern tree (:mod:`gradlab.rewrite.pattern`) and a variable,
:func:`pattern_miss` returns None when the pattern matches, else the
deepest place it failed: how much matched (``log(1 + …)``) and what was
found there instead (``input 1 of add is `mul(2.0, exp(x))`, not `exp(…)```).
Patterns are a few levels deep: the search recurses over the pattern, never
over the graph, and commutative ops are tried both ways as the matcher does.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Optional

from gradlab.explain.text import _SHOWN, expression
from gradlab.rewrite.match import is_constant, scalar_name
from gradlab.rewrite.pattern import COMMUTATIVE, PatternError, parse_pattern
from gradlab.tensor.scalar_ops import TABLE

_INFIX = {"add": "+", "sub": "-", "mul": "*", "true_div": "/", "pow": "**"}


@dataclass
class Miss:
    """One failure: at ``path`` (child indices from the root) with ``detail``."""

    depth: int
    path: tuple
    detail: str


def infix(tree: tuple, cut: Optional[tuple] = None, path: tuple = ()) -> str:
    """A pattern tree written as the rule text writes it; the subtree at ``cut``
    (and what comes after it, never tried) is ``…``."""
    if cut is not None and path == cut:
        return "…"
    kind = tree[0]
    if kind == "var":
        return tree[1]
    if kind == "const":
        return repr(tree[1])
    name, children = tree[1], tree[2]
    # along the cut's path, the children after the failing one were never tried: elided too
    on_path = cut is not None and len(cut) > len(path) and cut[:len(path)] == path
    parts = ["…" if on_path and k > cut[len(path)] else infix(c, cut, path + (k,)) for k, c in enumerate(children)]
    parts = [f"({p})" if p != "…" and c[0] == "op" and c[1] in _INFIX and name in _INFIX else p
             for p, c in zip(parts, children)]
    if name in _INFIX and len(parts) == 2:
        return f"{parts[0]} {_INFIX[name]} {parts[1]}"
    if name == "neg" and len(parts) == 1:
        return f"-{parts[0]}"
    shown = "fill" if name == "second" else name
    return f"{shown}({', '.join(parts)})"


def _expected(tree: tuple) -> str:
    """What the pattern wanted at a failed place: ``exp(x)``, or ``exp(…)`` for a deeper piece."""
    if tree[0] == "op" and any(c[0] == "op" for c in tree[2]):
        return f"`{_head(tree)}`"
    return f"`{infix(tree)}`"


def _head(tree: tuple) -> str:
    """``exp(…)``: the op of a pattern with its arguments elided."""
    name = tree[1]
    if name in _INFIX:
        return f"… {_INFIX[name]} …"
    if name == "neg":
        return "-…"
    return f"{'fill' if name == 'second' else name}(…)"


def _match(tree: tuple, var: Any, bindings: dict, path: tuple, where: str, misses: list) -> Iterator[dict]:
    kind = tree[0]
    if kind == "var":
        bound = bindings.get(tree[1])
        if bound is None:
            yield dict(bindings, **{tree[1]: var})
        elif bound is var:
            yield bindings
        else:
            misses.append(Miss(len(path), path, f"{where} is `{expression(var, 2)}`, but `{tree[1]}` already "
                                               f"stands for `{expression(bound, 2)}` (a name used twice must "
                                               "be the same value)"))
        return
    if kind == "const":
        if is_constant(var, tree[1], look_through_fill=False):
            yield bindings
        else:
            misses.append(Miss(len(path), path, f"{where} is `{expression(var, 2)}`, not the constant {tree[1]!r}"))
        return
    name, children = tree[1], tree[2]
    owner = var.owner
    found = scalar_name(owner) if owner is not None else None
    if owner is None or found != name or len(owner.inputs) != len(children):
        what = "an input" if owner is None else f"computed by {_SHOWN.get(found, found) or type(owner.op).__name__}"
        misses.append(Miss(len(path), path, f"{where} is `{expression(var, 2)}` ({what}), not {_expected(tree)}"))
        return
    orders = [list(owner.inputs)]
    if name in COMMUTATIVE and len(children) == 2 and owner.inputs[0] is not owner.inputs[1]:
        orders.append(list(owner.inputs)[::-1])
    shown = _SHOWN.get(name, name)
    for inputs in orders:
        yield from _match_all(children, inputs, 0, bindings, path, shown, misses, inputs is not orders[0])


def _match_all(children: tuple, inputs: list, k: int, bindings: dict, path: tuple, op: str, misses: list,
               swapped: bool) -> Iterator[dict]:
    if k == len(children):
        yield bindings
        return
    position = (len(children) - 1 - k) if swapped else k
    where = f"input {position} of {op}"
    for partial in _match(children[k], inputs[k], bindings, path + (k,), where, misses):
        yield from _match_all(children, inputs, k + 1, partial, path, op, misses, swapped)


def pattern_miss(tree: tuple, var: Any) -> Optional[Miss]:
    """None when ``tree`` matches ``var``; else the deepest :class:`Miss`."""
    misses: list = []
    for _ in _match(tree, var, {}, (), "the node", misses):
        return None
    best = None
    for miss in misses:
        if best is None or miss.depth > best.depth:
            best = miss
    return best or Miss(0, (), "the pattern does not match")


def miss_text(rule_name: str, tree: tuple, miss: Miss) -> str:
    """``rule: matched `log(1 + …)`, but input 1 of add is `…`, not `exp(…)```."""
    if not miss.path:
        return f"{rule_name}: {miss.detail}"
    return f"{rule_name}: matched `{infix(tree, cut=miss.path)}`, but {miss.detail}"


def left_sides(pattern_text: str) -> list:
    """The left sides of a rule text's clauses the pattern language can read
    (``a*x + b*x -> …;  … ``), as trees; clauses naming ops outside the
    elementwise table (``f(a, b)``, ``Composite{…}``) are left out."""
    trees = []
    for clause in pattern_text.split(";"):
        if "->" not in clause:
            continue
        lhs = clause.split("->")[0].strip()
        try:
            tree, _ = parse_pattern(f"{lhs} -> x")
        except (PatternError, ValueError):
            continue
        if tree[0] == "op" and _known_ops(tree):
            trees.append(tree)
    return trees


def _known_ops(tree: tuple) -> bool:
    stack = [tree]
    while stack:
        t = stack.pop()
        if t[0] == "op":
            if t[1] not in TABLE:
                return False
            stack.extend(t[2])
    return True
