"""The ``stabilize`` rule set: forms that do not overflow or lose digits.

``1/(1+exp(-x))`` overflows for ``x = -1000`` (``exp(1000) = inf``) although
the answer, 0, is fine; ``sigmoid(x)`` computes it without overflow.  The same
goes for ``log(1+exp(x)) -> softplus(x)``, ``log(1+x) -> log1p(x)`` (digits
near 0), ``exp(x)-1 -> expm1(x)`` and ``log(softmax(x)) -> log_softmax(x)``.
Inside products, the logistic's pieces are recognised too, which is what
makes the *derivative* of the logistic stable:
``exp(-x) / (1+exp(-x))**2 -> sigmoid(-x) * sigmoid(x)``.

Integer and boolean operands.  ``sigmoid(u)`` of a ``uint8`` ``u`` is a float;
the right sides negate ``x``, which in ``u``'s own dtype would wrap around
(``-uint8(200) == 56``, ``-int8(-128) == -128``) or raise (``-True``).  So a
rule whose ``x`` sits directly under an op that makes the float (``sigmoid(x)``,
``exp(x)``) casts ``x`` to the output's dtype first (``operands_in_output_dtype``),
and a rule whose left side does integer arithmetic on ``x`` (``1 + x``,
``exp(-x)``) fires only for float ``x``: it must keep the wrap-around the
unrewritten graph computes.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from gradlab.rewrite.algebra import cancel_factors, rewrite_product
from gradlab.rewrite.like_terms import collect_like_terms
from gradlab.rewrite.match import cast_to, elemwise, fit_to, scalar_name
from gradlab.rewrite.pattern import match, parse_pattern
from gradlab.rewrite.canonicalize import double_neg
from gradlab.rewrite.rule import PatternRule, RuleSet, node_rule, scalar
from gradlab.tensor.nnet import Softmax
from gradlab.tensor.nnet import LogSoftmax


def _float(b: dict, node: Any) -> bool:
    return np.dtype(node.outputs[0].dtype).kind == "f"


def _all_float(b: dict, node: Any) -> bool:
    """The output and every bound operand are floats (the left side's arithmetic is exact to keep)."""
    return _float(b, node) and all(np.dtype(v.dtype).kind == "f" for v in b.values())


_ONE_PLUS_EXP = parse_pattern("1 + exp(x) -> x")[0]


def _logistic_base(var: Any) -> Optional[tuple]:
    """For ``1 + exp(t)``: ``(t, power)``; for ``sqr(1 + exp(t))``: ``(t, 2)``."""
    power = 1
    if var.owner is not None and scalar_name(var.owner) == "sqr":
        var, power = var.owner.inputs[0], 2
    b = match(_ONE_PLUS_EXP, var)
    if b is None:
        return None
    return b["x"], power


def _negated(t: Any, dtype: str) -> Any:
    """``-t`` computed in the float ``dtype``; ``u`` when ``t`` is ``-u`` with ``u`` a float
    (an integer ``-u`` may have wrapped around: it is kept, and negated as a float)."""
    if t.owner is not None and scalar_name(t.owner) == "neg" and t.owner.inputs[0].dtype == dtype:
        return t.owner.inputs[0]
    return elemwise("neg", cast_to(t, dtype))


def _exp_arg(var: Any) -> Optional[Any]:
    if var.owner is not None and scalar_name(var.owner) == "exp":
        return var.owner.inputs[0]
    return None


def _sigmoid_arg(var: Any) -> Optional[Any]:
    if var.owner is not None and scalar_name(var.owner) == "sigmoid":
        return var.owner.inputs[0]
    return None


def _logistic_product(sign: int, num: list, den: list) -> Optional[tuple]:
    num, den = list(num), list(den)
    changed = False
    # a / (1 + exp(t)) -> a * sigmoid(-t)  (and the square of it)
    for d in list(den):
        base = _logistic_base(d)
        if base is None:
            continue
        t, power = base
        den.remove(d)
        sig = elemwise("sigmoid", _negated(t, d.dtype))
        num.extend([sig] * power)
        changed = True
    # exp(t) * sigmoid(-t) -> sigmoid(t)
    i = 0
    while i < len(num):
        t = _exp_arg(num[i])
        partner = None
        if t is not None:
            for j, other in enumerate(num):
                s = _sigmoid_arg(other)
                if j != i and s is not None and (_is_neg_of(s, t) or _is_neg_of(t, s)):
                    partner = j
                    break
        if partner is None:
            i += 1
            continue
        new = elemwise("sigmoid", t)
        for k in sorted((i, partner), reverse=True):
            num.pop(k)
        num.insert(min(i, partner), new)
        changed = True
        i = 0
    return (sign, num, den) if changed else None


def _is_neg_of(a: Any, b: Any) -> bool:
    """Is ``a`` equal to ``-b`` (a float negation: an integer one may wrap around)?"""
    return (a.owner is not None and scalar_name(a.owner) == "neg" and a.owner.inputs[0] is b
            and np.dtype(b.dtype).kind == "f")


@node_rule("a / (1 + exp(-x)) -> a * sigmoid(x);  exp(-x) * sigmoid(x) -> sigmoid(-x)",
           tracks=(scalar("mul"), scalar("true_div")))
def logistic_in_product(fgraph: Any, node: Any) -> Optional[list]:
    """The logistic's pieces inside a product become sigmoids (its derivative stays finite)."""
    if np.dtype(node.outputs[0].dtype).kind != "f":
        return None
    return rewrite_product(fgraph, node, _logistic_product)


def _cancel_everywhere(sign: int, num: list, den: list) -> Optional[tuple]:
    num, den, n = cancel_factors(num, den, where_zero_too=True)
    return (sign, num, den) if n else None


@node_rule("(a * b) / a -> b  (also where a is 0)", tracks=(scalar("true_div"),))
def cancel_factor(fgraph: Any, node: Any) -> Optional[list]:
    """A factor divided out again cancels (no 0/0 where it vanishes)."""
    if np.dtype(node.outputs[0].dtype).kind != "f":
        return None
    return rewrite_product(fgraph, node, _cancel_everywhere)


@node_rule("log(softmax(x)) -> log_softmax(x)", tracks=(scalar("log"),))
def log_of_softmax(fgraph: Any, node: Any) -> Optional[list]:
    """The log of a softmax is computed directly, without log(0) for tiny probabilities."""
    inner = node.inputs[0]
    if inner.owner is None or not isinstance(inner.owner.op, Softmax):
        return None
    new = LogSoftmax(inner.owner.op.axis)(inner.owner.inputs[0])
    new = fit_to(new, node.outputs[0])
    return None if new is None else [new]


RULES = [
    PatternRule("sigmoid_from_exp", "1 / (1 + exp(-x)) -> sigmoid(x)",
                "the logistic written out is sigmoid (no overflow for large -x)", when=_all_float),
    logistic_in_product,
    PatternRule("one_minus_sigmoid", "1 - sigmoid(x) -> sigmoid(-x)",
                "the logistic is symmetric: no cancellation near 1", when=_float, operands_in_output_dtype=True),
    PatternRule("one_plus_neg_sigmoid", "1 + (-sigmoid(x)) -> sigmoid(-x)",
                "the logistic is symmetric: no cancellation near 1", when=_float, operands_in_output_dtype=True),
    PatternRule("softplus_from_log", "log(1 + exp(x)) -> softplus(x)",
                "log(1+exp(x)) without overflow for large x", when=_float, operands_in_output_dtype=True),
    PatternRule("softplus_from_log1p", "log1p(exp(x)) -> softplus(x)",
                "log1p(exp(x)) without overflow for large x", when=_float, operands_in_output_dtype=True),
    PatternRule("log_sigmoid", "log(sigmoid(x)) -> -softplus(-x)",
                "the log of the logistic without log(0) for large -x", when=_float, operands_in_output_dtype=True),
    PatternRule("log1p_from_log", "log(1 + x) -> log1p(x)", "log(1+x) keeps its digits near x = 0",
                when=_all_float),
    PatternRule("expm1_from_exp", "exp(x) - 1 -> expm1(x)", "exp(x)-1 keeps its digits near x = 0",
                when=_float, operands_in_output_dtype=True),
    PatternRule("expm1_from_exp_plus", "exp(x) + -1 -> expm1(x)", "exp(x)-1 keeps its digits near x = 0",
                when=_float, operands_in_output_dtype=True),
    log_of_softmax,
    cancel_factor,
    double_neg,  # (also in canonicalize) rebuilt products may leave -(-x) behind
    collect_like_terms,  # (also in canonicalize) the rules above make terms alike again
]

STABILIZE = RuleSet("stabilize", RULES, doc="forms that do not overflow or lose digits")
