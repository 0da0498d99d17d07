"""The ``canonicalize`` rule set: one simplest way to write each expression.

Run first in FAST_RUN: gradient-control ops go away, fills are resolved,
constants are collected, signs simplified and powers with small integer
exponents undone, so the later sets see one form of each expression.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from gradlab.gradient.control import GradientShapingOp
from gradlab.graph.basic import Constant

from gradlab.rewrite.algebra import collect_product, collect_sum
from gradlab.rewrite.like_terms import collect_like_terms
from gradlab.rewrite.fills import FILL_RULES
from gradlab.rewrite.shape_rules import SHAPE_RULES
from gradlab.rewrite.match import cast_to, fit_to, known_nonnegative, scalar_name
from gradlab.rewrite.rule import PatternRule, RuleSet, node_rule, scalar
from gradlab.tensor.scalar_ops import Cast



def _is_float(var: Any) -> bool:
    return np.dtype(var.dtype).kind == "f"


@node_rule("g(x, ...) -> x  (g: zero_grad, consider_constant, disconnected_grad, grad_clip, grad_scale, "
           "undefined_grad)", tracks=(GradientShapingOp,))
def remove_gradient_control(fgraph: Any, node: Any) -> Optional[list]:
    """Gradient-control ops (every subclass of GradientShapingOp: zero_grad,
    consider_constant, disconnected_grad, grad_clip, grad_scale, undefined_grad)
    only matter to grad(); when running they are the identity."""
    if len(node.outputs) != 1 or not node.inputs:
        return None
    new = fit_to(node.inputs[0], node.outputs[0])
    return None if new is None else [new]


@node_rule("cast(cast(x)) -> cast(x)  (when the inner cast loses nothing)", tracks=(Cast,))
def merge_casts(fgraph: Any, node: Any) -> Optional[list]:
    """Two casts in a row are one when the first one widens."""
    inner = node.inputs[0]
    if inner.owner is None or not isinstance(getattr(inner.owner.op, "scalar_op", None), Cast):
        return None
    x = inner.owner.inputs[0]
    if not np.can_cast(x.dtype, inner.dtype, casting="safe"):
        return None
    out = node.outputs[0]
    new = x if x.dtype == out.dtype else cast_to(x, out.dtype)
    new = fit_to(new, out)
    return None if new is None else [new]


@node_rule("x * c -> c * x;  x + c -> c + x", tracks=(scalar("mul"), scalar("add")))
def constant_first(fgraph: Any, node: Any) -> Optional[list]:
    """In sums and products the constant goes first (one order, so equal terms merge)."""
    a, b = node.inputs
    if isinstance(a, Constant) or not isinstance(b, Constant):
        return None
    new = node.op.make_node(b, a).outputs[0]
    return [new] if new.type == node.outputs[0].type else None


def _negations_exact(b: dict, node: Any) -> bool:
    """Moving a sign keeps the value: every operand is a float or has the output's dtype (an
    integer ``-b`` computed in a narrower dtype than the result wraps around: ``-int8(-128)``
    is -128, so ``a + (-b)`` and ``a - b`` differ in a float ``a``)."""
    out = node.outputs[0].dtype
    return all(np.dtype(v.dtype).kind == "f" or v.dtype == out for v in b.values())


def _float_base(b: dict, node: Any) -> bool:
    return _is_float(node.outputs[0])


double_neg = PatternRule("double_neg", "-(-x) -> x", "negating twice changes nothing")

RULES = [
    remove_gradient_control,
    *FILL_RULES,
    *SHAPE_RULES,
    collect_sum,
    collect_product,
    collect_like_terms,
    constant_first,
    double_neg,
    PatternRule("neg_of_sub", "-(a - b) -> b - a", "a negated difference is the swapped difference"),
    PatternRule("sub_of_neg", "a - (-b) -> a + b", "subtracting a negation adds", when=_negations_exact),
    PatternRule("add_of_neg", "a + (-b) -> a - b", "adding a negation subtracts", when=_negations_exact),
    PatternRule("neg_times_neg", "(-a) * (-b) -> a * b", "two negations in a product cancel", when=_negations_exact),
    PatternRule("div_of_neg", "(-a) / b -> -(a / b)", "a sign moves out of a quotient", when=_negations_exact),
    PatternRule("pow_one", "x ** 1 -> x", "the first power is the base"),
    PatternRule("pow_zero", "x ** 0 -> fill(x, 1)", "the zeroth power is one (0 ** 0 = 1, as numpy)"),
    PatternRule("pow_minus_one", "x ** -1 -> 1 / x", "the -1st power is the reciprocal", when=_float_base),
    PatternRule("reciprocal_to_div", "reciprocal(x) -> 1 / x", "a reciprocal is a division",
                when=_float_base),
    PatternRule("log_exp", "log(exp(x)) -> x", "log undoes exp (and never overflows)", when=_float_base),
    merge_casts,
]


def _exp_log_when(b: dict, node: Any) -> bool:
    return _is_float(node.outputs[0]) and known_nonnegative(b["x"])


RULES.append(PatternRule("exp_log", "exp(log(x)) -> x", "exp undoes log where x >= 0 is known",
                         when=_exp_log_when))

CANONICALIZE = RuleSet("canonicalize", RULES, doc="one simplest way to write each expression")
