"""The ``specialize`` rule set: cheaper forms of the same values.

Runs after ``stabilize``: ``x ** 2 -> sqr(x)`` (one multiplication instead of
a general power), ``x ** 0.5 -> sqrt(x)``, ``x * x -> sqr(x)``, and the
logistic's derivative ``sigmoid(x) * sigmoid(-x)`` in a form made of
ufuncs only, ``exp(-|x|) / (1 + exp(-|x|))**2`` (finite everywhere, and
fusion runs it as six whole-array calls).  Where several sigmoids and
softpluses read the same ``x`` (second derivatives of a softplus), they are
written with one shared ``u = exp(-|x|)``: ``sigmoid(x) = maximum(u, x >= 0)
/ (1 + u)`` (the numerator is 1 for x >= 0, else u; no np.where), ``softplus(x) = max(x, 0) + log1p(u)`` — one exp and one
log1p per element instead of one transcendental (or two) per function.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from gradlab.rewrite.algebra import rewrite_product
from gradlab.rewrite.like_terms import collect_like_terms
from gradlab.rewrite.match import constant_value, elemwise, fit_to, scalar_name, typed_constant
from gradlab.rewrite.canonicalize import double_neg
from gradlab.rewrite.rule import PatternRule, RuleSet, node_rule, scalar
from gradlab.rewrite.diagonal import diagonal_product, dot_of_diagonal


def _keeps_dtype(b: dict, node: Any) -> bool:
    return node.outputs[0].dtype == b["x"].dtype and np.dtype(node.outputs[0].dtype).kind in "iuf"


def _float_keeps_dtype(b: dict, node: Any) -> bool:
    return _keeps_dtype(b, node) and np.dtype(node.outputs[0].dtype).kind == "f"


def _sigmoid_arg(var: Any) -> Optional[Any]:
    if var.owner is not None and scalar_name(var.owner) == "sigmoid":
        return var.owner.inputs[0]
    return None


def _neg_arg(var: Any) -> Optional[Any]:
    if var.owner is not None and scalar_name(var.owner) == "neg":
        return var.owner.inputs[0]
    return None


def _logistic_derivative(sign: int, num: list, den: list) -> Optional[tuple]:
    for i, a in enumerate(num):
        t = _sigmoid_arg(a)
        if t is None:
            continue
        for j, b in enumerate(num):
            u = _sigmoid_arg(b)
            if j == i or u is None or not (_neg_arg(u) is t or _neg_arg(t) is u):
                continue
            x = u if _neg_arg(t) is u else t
            e = elemwise("exp", elemwise("neg", elemwise("abs", x)))
            one = typed_constant(1, e.dtype)
            rest = [v for k, v in enumerate(num) if k not in (i, j)]
            return sign, [e] + rest, den + [elemwise("sqr", elemwise("add", one, e))]
    return None


@node_rule("sigmoid(x) * sigmoid(-x) -> exp(-abs(x)) / sqr(1 + exp(-abs(x)))", tracks=(scalar("mul"),))
def logistic_derivative(fgraph: Any, node: Any) -> Optional[list]:
    """The logistic's derivative with ufuncs only (finite for every x)."""
    if np.dtype(node.outputs[0].dtype).kind != "f":
        return None
    return rewrite_product(fgraph, node, _logistic_derivative)


_FAMILY = ("sigmoid", "softplus")


def _family_members(fgraph: Any, x: Any) -> int:
    """How many sigmoid/softplus nodes read ``x`` or ``-x``."""
    count = 0
    for client, _ in fgraph.clients.get(x, ()):
        if isinstance(client, str):
            continue
        name = scalar_name(client)
        if name in _FAMILY:
            count += 1
        elif name in ("neg", "abs"):  # -x read by the family, or |x| by a shared exp(-|x|)
            wanted = _FAMILY if name == "neg" else ("neg",)
            count += sum(1 for c, _ in fgraph.clients.get(client.outputs[0], ())
                         if not isinstance(c, str) and scalar_name(c) in wanted)
    return count


def _in_logistic_derivative(fgraph: Any, var: Any) -> bool:
    """Is ``var`` a factor of a product ``sigmoid(x) * sigmoid(-x) * ...`` that
    ``logistic_derivative`` rewrites as a whole?"""
    from gradlab.rewrite.algebra import product_factors
    for client, _ in fgraph.clients.get(var, ()):
        if isinstance(client, str) or scalar_name(client) != "mul":
            continue
        top = client.outputs[0]
        for _ in range(8):  # up a chain of single-client products
            up = fgraph.clients.get(top, ())
            if len(up) != 1 or isinstance(up[0][0], str) or scalar_name(up[0][0]) != "mul":
                break
            top = up[0][0].outputs[0]
        if _logistic_derivative(*product_factors(fgraph, top)) is not None:
            return True
    return False


@node_rule("sigmoid(x) -> maximum(u, x >= 0) / (1 + u);  softplus(x) -> maximum(x, 0) + log1p(u)  "
           "with u = exp(-abs(x)) shared  (when several read x)", tracks=tuple(scalar(n) for n in _FAMILY))
def logistic_shared_exp(fgraph: Any, node: Any) -> Optional[list]:
    """Sigmoids and softpluses of the same x share one exp(-|x|): one exp and one log1p per element in all."""
    out = node.outputs[0]
    arg = node.inputs[0]
    if np.dtype(out.dtype).kind != "f" or arg.dtype != out.dtype:
        return None
    x = _neg_arg(arg)
    sign = -1 if x is not None else 1
    x = arg if x is None else x
    if _family_members(fgraph, x) < 2 or _in_logistic_derivative(fgraph, out):
        return None
    one, zero = typed_constant(1, out.dtype), typed_constant(0, out.dtype)
    u = elemwise("exp", elemwise("neg", elemwise("abs", x)))
    if scalar_name(node) == "softplus":
        new = elemwise("add", elemwise("maximum", arg, zero), elemwise("log1p", u))
    else:  # the numerator is 1 where the argument is >= 0, else u: max(u, arg >= 0), as u <= 1
        step = elemwise("ge", x, zero) if sign > 0 else elemwise("le", x, zero)
        new = elemwise("true_div", elemwise("maximum", u, step), elemwise("add", one, u))
    fitted = fit_to(new, out, [arg])
    return None if fitted is None else [fitted]


# 1 * x -> x
mul_one = PatternRule("mul_one", "1 * x -> x", "multiplying by one changes nothing (when the dtype stays)",
                      when=_keeps_dtype)

RULES = [
    PatternRule("pow_two", "x ** 2 -> sqr(x)", "squaring is one multiplication", when=_keeps_dtype),
    PatternRule("pow_half", "x ** 0.5 -> sqrt(x)", "the square root has its own, faster routine",
                when=_float_keeps_dtype),
    PatternRule("pow_minus_half", "x ** -0.5 -> 1 / sqrt(x)", "one root and one division",
                when=_float_keeps_dtype),
    PatternRule("mul_self", "x * x -> sqr(x)", "a product of a value with itself is its square",
                when=_keeps_dtype),
    logistic_derivative,
    logistic_shared_exp,
    collect_like_terms,  # (also in canonicalize) before the diagonal rules look at products
    dot_of_diagonal,
    diagonal_product,
    mul_one,  # stabilize's rules may leave a 1 * x behind
    double_neg,  # (also in canonicalize) rebuilt products may leave -(-x) behind
]

SPECIALIZE = RuleSet("specialize", RULES, doc="cheaper forms of the same values")
