"""Numbers in text outputs compared within a tolerance (``gradlab check --rtol``).

nbval compares a cell's text exactly, so a notebook fails on its last digit when a
result moves by rounding (another BLAS, another CPU).  Here two texts *match* when
they are the same once every number is cut out, have as many numbers, and each pair
of numbers ``a`` (stored) and ``b`` (new) satisfies

    |a - b| <= atol + rtol * max(|a|, |b|)

(NaN matches NaN, an infinity only itself).  Words, punctuation and the count of
numbers must agree exactly: ``[1.0, 2.0]`` never matches ``[1.0, 2.0, 3.0]``.
"""
from __future__ import annotations

import math
import re
from typing import List, Tuple

__all__ = ["NUMBER", "split_numbers", "numbers_close", "texts_match"]

#: a decimal number as Python and numpy print it (sign, digits, point, exponent), or nan/inf
NUMBER = re.compile(r"(?<![\w.])[-+]?(?:(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|inf|nan)(?![\w])")


def split_numbers(text: str) -> Tuple[List[str], List[float]]:
    """``(pieces, numbers)``: the text between the numbers, and the numbers (floats)."""
    pieces, numbers, last = [], [], 0
    for m in NUMBER.finditer(text):
        pieces.append(text[last:m.start()])
        numbers.append(float(m.group(0)))
        last = m.end()
    pieces.append(text[last:])
    return pieces, numbers


def numbers_close(a: float, b: float, rtol: float, atol: float = 0.0) -> bool:
    """``|a - b| <= atol + rtol * max(|a|, |b|)``; NaN equals NaN; infinities only themselves."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= atol + rtol * max(abs(a), abs(b))


def texts_match(expected: str, got: str, rtol: float, atol: float = 0.0) -> bool:
    """Whether ``got`` is ``expected`` with each number within the tolerance."""
    if expected == got:
        return True
    e_pieces, e_numbers = split_numbers(expected)
    g_pieces, g_numbers = split_numbers(got)
    return (e_pieces == g_pieces and len(e_numbers) == len(g_numbers)
            and all(numbers_close(a, b, rtol, atol) for a, b in zip(e_numbers, g_numbers)))
