"""A small pattern language for elementwise rules: ``"log(exp(x)) -> x"``.

The text is Python expression syntax, read with ``ast`` (never evaluated):

- a name (``x``, ``a``) matches any variable; a name used twice must match
  the same variable (after merging, equal subexpressions are one variable);
- a number matches a constant whose every entry equals it (any dtype);
- ``+ - * / **``, unary ``-`` and calls ``f(...)`` match Elemwise nodes of the
  scalar ops ``add sub mul true_div pow neg`` and ``f`` (``fill`` is
  ``second``).  ``add`` and ``mul`` also match with their two inputs swapped.

On the right-hand side, names are the matched variables and numbers become
constants of the replaced variable's dtype.  Patterns are a few levels deep,
so matching recurses over the *pattern*, never over the graph.
"""
from __future__ import annotations

import ast
from typing import Any, Iterator, Optional

from gradlab.rewrite.match import elemwise, is_constant, scalar_name, typed_constant
from gradlab.tensor.scalar_ops import TABLE

_BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "true_div", ast.Pow: "pow"}
_ALIASES = {"fill": "second", "div": "true_div", "true_divide": "true_div"}
#: the table rows whose two inputs may be matched in either order
COMMUTATIVE = frozenset(name for name, row in TABLE.items() if row.commutative)


class PatternError(ValueError):
    """A rule's pattern text cannot be read."""


def parse_pattern(text: str) -> tuple:
    """``"lhs -> rhs"`` -> ``(lhs_tree, rhs_tree)``.

    A tree is ``("var", name)``, ``("const", number)`` or
    ``("op", scalar_name, (children...))``.
    """
    if text.count("->") != 1:
        raise PatternError(f"pattern {text!r} must have the form 'lhs -> rhs' (one '->')")
    lhs_text, rhs_text = (part.strip() for part in text.split("->"))
    return _parse_side(lhs_text, text), _parse_side(rhs_text, text)


def _parse_side(src: str, whole: str) -> tuple:
    try:
        tree = ast.parse(src, mode="eval").body
    except SyntaxError as exc:
        raise PatternError(f"cannot read {src!r} in pattern {whole!r}: {exc.msg}") from None
    return _convert(tree, whole)


def _convert(node: ast.AST, whole: str) -> tuple:
    if isinstance(node, ast.Name):
        return ("var", node.id)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return ("const", node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _convert(node.operand, whole)
        if inner[0] == "const":
            return ("const", -inner[1])
        return ("op", "neg", (inner,))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        return ("op", _BINOPS[type(node.op)], (_convert(node.left, whole), _convert(node.right, whole)))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        name = _ALIASES.get(node.func.id, node.func.id)
        return ("op", name, tuple(_convert(a, whole) for a in node.args))
    raise PatternError(f"pattern {whole!r}: unsupported piece {ast.dump(node)[:60]}")


def root_op(tree: tuple) -> Optional[str]:
    """The scalar op name at the root of a pattern tree (None for a bare name)."""
    return tree[1] if tree[0] == "op" else None


def match(tree: tuple, var: Any, bindings: Optional[dict] = None) -> Optional[dict]:
    """The first assignment of pattern names to variables making ``tree`` match ``var``."""
    for result in _match(tree, var, dict(bindings or {})):
        return result
    return None


def _match(tree: tuple, var: Any, bindings: dict) -> Iterator[dict]:
    kind = tree[0]
    if kind == "var":
        bound = bindings.get(tree[1])
        if bound is None:
            new = dict(bindings)
            new[tree[1]] = var
            yield new
        elif bound is var:
            yield bindings
        return
    if kind == "const":
        if is_constant(var, tree[1], look_through_fill=False):
            yield bindings
        return
    name, children = tree[1], tree[2]
    owner = var.owner
    if owner is None or scalar_name(owner) != name or len(owner.inputs) != len(children):
        return
    orders = [owner.inputs]
    if name in COMMUTATIVE and len(children) == 2 and owner.inputs[0] is not owner.inputs[1]:
        orders.append(owner.inputs[::-1])
    for inputs in orders:
        yield from _match_all(children, inputs, 0, bindings)


def _match_all(children: tuple, inputs: list, k: int, bindings: dict) -> Iterator[dict]:
    if k == len(children):
        yield bindings
        return
    for partial in _match(children[k], inputs[k], bindings):
        yield from _match_all(children, inputs, k + 1, partial)


def build(tree: tuple, bindings: dict, dtype: str) -> Any:
    """The variable ``tree`` describes, with numbers as constants of ``dtype``."""
    kind = tree[0]
    if kind == "var":
        return bindings[tree[1]]
    if kind == "const":
        return typed_constant(tree[1], dtype)
    args = [build(child, bindings, dtype) for child in tree[2]]
    return elemwise(tree[1], *args)


def to_text(tree: tuple) -> str:
    """A tree written back in call syntax (for messages)."""
    if tree[0] == "var":
        return tree[1]
    if tree[0] == "const":
        return repr(tree[1])
    return f"{tree[1]}({', '.join(to_text(c) for c in tree[2])})"
