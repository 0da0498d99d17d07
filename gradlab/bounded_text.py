"""Text built under a length budget.

A graph that reuses a piece ``k`` times, ``n`` levels deep, spells out to
``k**n`` copies of it, so a text form of it must never be built in full and
then cut.  :class:`Budget` collects text and stops collecting once
``max_chars`` would be exceeded (the text then ends with ``…``), so the work
done is at most ``max_chars`` characters, whatever the expression's full size.
:func:`flatten` joins a *piece tree* (strings and nested lists, which may be
shared freely: a reused piece is one list referenced twice) under a budget,
walking it with an explicit stack.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

ELLIPSIS = "…"


class Budget:
    """Collects strings until ``max_chars`` (None: no limit) would be passed.

    Past the budget the text is cut to ``max_chars - 1`` characters plus
    ``…`` (so ``len(text) <= max_chars``), ``full`` turns True, and further
    ``add`` calls do nothing and return False.
    """

    def __init__(self, max_chars: Optional[int] = None) -> None:
        if max_chars is not None and max_chars < 1:
            raise ValueError(f"max_chars must be at least 1 (or None for no limit), got {max_chars!r}")
        self.max_chars = max_chars
        self.parts: list = []
        self.length = 0
        self.full = False

    def add(self, text: str) -> bool:
        """Append ``text``; False once the budget is spent."""
        if self.full:
            return False
        if self.max_chars is not None and self.length + len(text) > self.max_chars:
            whole = "".join(self.parts) + text[:self.max_chars]
            self.parts = [whole[:self.max_chars - 1] + ELLIPSIS]
            self.length = self.max_chars
            self.full = True
            return False
        self.parts.append(text)
        self.length += len(text)
        return True

    @property
    def text(self) -> str:
        return "".join(self.parts)


def flatten(pieces: Any, max_chars: Optional[int] = None, leaf: Callable[[Any], str] = str) -> tuple:
    """``(text, complete)``: the piece tree ``pieces`` joined, at most ``max_chars`` long.

    A piece is a string, a list of pieces (lists may be shared), or anything
    else, which ``leaf`` turns into a string.  ``complete`` is False when the
    budget cut the text short.
    """
    budget = Budget(max_chars)
    stack = [pieces]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif not budget.add(item if isinstance(item, str) else leaf(item)):
            break
    return budget.text, not budget.full


def clip(text: str, max_chars: Optional[int]) -> str:
    """``text`` cut to ``max_chars`` with ``…`` (for text that is already short, e.g. an op's name)."""
    if max_chars is None or len(text) <= max_chars:
        return text
    return text[:max_chars - 1] + ELLIPSIS


def op_text(op: Any, max_chars: int) -> str:
    """How ``op`` reads in a comment, tooltip or caption, at most ``max_chars`` long.

    An op whose text can be long (a fused Composite) builds it under the
    budget through its ``bounded_str(max_chars)``; any other op's ``str`` is short.
    """
    bounded = getattr(op, "bounded_str", None)
    if bounded is not None:
        return bounded(max_chars)
    return clip(str(op).replace("\n", " "), max_chars)
