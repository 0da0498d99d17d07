"""Checking a rule's text against the ops it tracks.

A :func:`~gradlab.rewrite.rule.node_rule` is code, and its ``lhs -> rhs``
text is what the trace, ``describe_rules()`` and the pictures show.  So
the text must not drift from the code: each clause's left side (clauses
are separated by ``;``) has a root operation, and that operation must be
one the rule tracks.  ``x * 1 -> x`` has root ``mul``; ``reshape(x, s)``
has root ``reshape`` (the class ``Reshape``); ``shape(x)[k]`` has root
``subtensor``; a one-letter name (``f(a, b)``) stands for any op.
"""
from __future__ import annotations

from typing import Optional, Sequence
from gradlab.tensor.elemwise import Elemwise
from gradlab.tensor.scalar_ops import TABLE, ScalarOp

#: infix operators by precedence level, lowest first, and the scalar ops they write
_BINARY = ({"+": "add", "-": "sub"}, {"*": "mul", "/": "true_div"})

#: names the texts use for an op of another name (a scalar op, or an Op class in lower case)
_ALIASES = {"fill": "second", "transpose": "dimshuffle"}

_OPEN, _CLOSE = "([{", ")]}"


def _depths(text: str) -> list:
    """The bracket depth of each character (a bracket counts as outside itself)."""
    depth, out = 0, []
    for ch in text:
        if ch in _CLOSE:
            depth -= 1
        out.append(depth)
        if ch in _OPEN:
            depth += 1
    return out


def _unwrapped(text: str) -> str:
    """``text`` without brackets around the whole of it."""
    while text.startswith("(") and text.endswith(")") and min(_depths(text)[1:-1], default=1) >= 1:
        text = text[1:-1].strip()
    return text


def root_of(lhs: str) -> Optional[str]:
    """The root operation of a pattern's left side, lower case (None for a bare name)."""
    text = _unwrapped(lhs.strip())
    depths = _depths(text)
    for level in _BINARY:               # the rightmost operator of the lowest level is the root
        for i in range(len(text) - 1, 0, -1):
            symbol = text[i]
            if depths[i] != 0 or symbol not in level:
                continue
            if symbol == "*" and ("*" in (text[i - 1], text[i + 1:i + 2])):
                continue                                   # a power, not a product
            before = text[:i].rstrip()
            if symbol == "-" and (not before or before[-1] in "+-*/(,"):
                continue                                   # a unary minus
            return level[symbol]
    if text.startswith("-"):
        return "neg"
    if "**" in [text[i:i + 2] for i in range(len(text) - 1) if depths[i] == 0]:
        return "pow"
    if text.endswith("]") and depths[-1] == 0:
        return "subtensor"
    head = text.split("(", 1)[0].split("{", 1)[0].strip()
    if head.isidentifier() and head != text:
        return head.lower()
    return None


def _names_of(track: object) -> set:
    if isinstance(track, ScalarOp):
        return {track.name} | {alias for alias, name in _ALIASES.items() if name == track.name}
    names = {track.__name__.lower()}
    names |= {alias for alias, name in _ALIASES.items() if name in names}
    if isinstance(track, type) and issubclass(track, Elemwise):
        names |= set(TABLE) | set(_ALIASES) | {"neg", "pow"}
    return names


def check_rule_text(rule_name: str, text: str, tracks: Optional[Sequence[object]]) -> None:
    """Raise ValueError when a clause of ``text`` starts from an op the rule does not track."""
    if tracks is None:
        return
    known = set().union(*(_names_of(t) for t in tracks))
    for clause in text.split(";"):
        if "->" not in clause:
            continue
        root = root_of(clause.split("->", 1)[0])
        if root is None or len(root) == 1 or root in known:
            continue
        raise ValueError(f"rule {rule_name}: its text {clause.strip()!r} rewrites {root!r}, which it does not "
                         f"track (tracks: {', '.join(sorted(known)) if len(known) < 12 else 'elementwise ops'}); "
                         f"fix the text or add the op to tracks")
