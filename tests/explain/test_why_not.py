"""why_not: one near miss per rule family (canonicalize, stabilize, specialize,
fusion, merge), a refused condition, a firing, and a node another rule took first."""
from __future__ import annotations

import pytest

import gradlab
import gradlab.tensor as gt
from gradlab.explain import why_not
from gradlab.explain.why_not import ABSORBED, DROPPED, FIRED, FIRST, NEAR_MISS, NOT_TRIED, REFUSED


def _only(report):
    assert len(report.verdicts) == 1, [str(v) for v in report.verdicts]
    return report.verdicts[0]


def test_fired_names_the_replacement() -> None:
    x = gt.dvector("x")
    v = _only(why_not(gt.log(1 + gt.exp(x)), "softplus_from_log"))
    assert v.status == FIRED and "softplus(x)" in v.reason and v.step == 0


def test_stabilize_near_miss_says_where_the_pattern_failed() -> None:
    x = gt.dvector("x")
    v = _only(why_not(gt.log(1 + gt.exp(2 * x) * 3), "softplus_from_log"))
    assert v.status == NEAR_MISS
    assert v.reason.startswith("softplus_from_log: matched `log(1 + …)`, but input 1 of add is `mul(")
    assert v.reason.split(" (later")[0].endswith("(computed by mul), not `exp(x)`")


def test_canonicalize_near_miss() -> None:
    x = gt.dvector("x")
    v = _only(why_not(gt.log(gt.sqrt(gt.exp(x))), "log_exp"))
    assert v.status == NEAR_MISS
    assert v.reason.startswith("log_exp: matched `log(…)`, but input 0 of log is `sqrt(exp(x))` "
                               "(computed by sqrt), not `exp(x)`")


def test_specialize_near_miss_on_a_constant() -> None:
    x = gt.dvector("x")
    v = _only(why_not(x ** 3, "pow_two"))
    assert v.status == NEAR_MISS and v.reason == "pow_two: matched `x ** …`, but input 1 of pow is `3`, not the constant 2"


def test_fusion_near_miss_names_the_input_that_stops_it() -> None:
    x, W = gt.dvector("x"), gt.dmatrix("W")
    report = why_not(gt.exp(gt.dot(W, x)), "fuse_elemwise")
    v = next(v for v in report.verdicts if v.text.startswith("exp("))
    assert v.status == REFUSED
    assert "nothing to fuse" in v.reason and "computed by Dot, not an elementwise op" in v.reason


def test_fusion_near_miss_for_a_value_read_twice() -> None:
    x = gt.dvector("x")
    e = gt.exp(x)
    report = why_not([e * 2.0, e], "fuse_elemwise")
    v = next(v for v in report.verdicts if v.text == "mul(2.0, exp(x))")   # after constant_first
    assert v.status == REFUSED and "also read elsewhere (2 readers)" in v.reason


def test_merge_near_miss_names_the_differing_input() -> None:
    x, y = gt.dvector("x"), gt.dvector("y")
    report = why_not([gt.exp(x), gt.exp(y)], "merge", mode="FAST_COMPILE")
    texts = {v.text: v for v in report.verdicts}
    assert texts["exp(x)"].status == NEAR_MISS
    assert texts["exp(x)"].reason == "merge: `exp(x)` and `exp(y)` apply the same exp, but input 0 differs: `x` vs `y`"


def test_merge_fires_on_equal_subexpressions() -> None:
    x = gt.dvector("x")
    report = why_not([gt.exp(x) + 1, gt.exp(x) * 2], "merge", mode="FAST_COMPILE")
    assert len(report.fired) == 1 and report.fired[0].text == "exp(x)"


def test_a_condition_that_refuses() -> None:
    i = gt.ivector("i")
    v = _only(why_not(i ** -1, "pow_minus_one"))
    assert v.status == REFUSED
    assert v.reason.startswith("pow_minus_one: `pow(i, -1)` matches, but its condition refused it: _float_base")


def test_another_rule_rewrote_the_node_first() -> None:
    """pytensor#1476's shape: an earlier phase takes the node a later rule wanted."""
    x = gt.dvector("x")
    expr = gt.log(1 + gt.exp(x)) * gt.ones_like(x)
    f = gradlab.function([x], expr)
    report = why_not(f, "softplus_from_log")
    statuses = {v.status for v in report.verdicts}
    first = report.of(FIRST)
    fired = report.fired
    assert fired or first
    for v in first:
        assert v.by_rule and v.phase and f"{v.by_rule} [{v.phase}] rewrote this node first" in v.reason
    assert statuses <= {FIRED, FIRST, NEAR_MISS, REFUSED, NOT_TRIED}


def test_a_canonicalize_rule_takes_the_node_first() -> None:
    x = gt.dvector("x")
    expr = gt.log(gt.exp(x) * 1.0 + 1.0)
    report = why_not(expr, "mul_one")
    assert report.verdicts and all(v.status in (FIRST, NEAR_MISS, REFUSED, FIRED, NOT_TRIED) for v in report.verdicts)
    taken = report.of(FIRST)
    assert taken and taken[0].phase == "canonicalize" and taken[0].by_rule == "collect_product"
    assert "(its pattern would have matched)" in taken[0].reason


def test_a_rule_outside_the_mode_is_not_tried() -> None:
    x = gt.dvector("x")
    v = _only(why_not(gt.log(1 + gt.exp(x)), "softplus_from_log", mode="FAST_COMPILE"))
    assert v.status == NOT_TRIED and "does not run in this mode" in v.reason


def test_an_unknown_rule_is_named() -> None:
    with pytest.raises(ValueError, match="there is no rule 'softplus_from_lg'"):
        why_not(gt.dvector("x"), "softplus_from_lg")


def test_the_report_text_and_its_picture_marks() -> None:
    x = gt.dvector("x")
    report = why_not(gt.log(1 + gt.exp(x)) + gt.log(1 + 2 * gt.exp(x)), "softplus_from_log")
    text = str(report)
    assert text.startswith("softplus_from_log [stabilize] log(1 + exp(x)) -> softplus(x): 1 fired, 1 did not")
    before, marks = report.graph_before()
    assert sorted(marks.values()) == ["fired", "near_miss"]
    assert all(node in before.apply_nodes for node in marks)


def test_nodes_a_fusion_takes_in_are_absorbed_and_a_later_phase_is_not_tried() -> None:
    x = gt.dvector("x")
    report = why_not(gt.exp(x) * 2.0 + gt.dot(x, x), "fuse_elemwise")
    absorbed = {v.text for v in report.of(ABSORBED)}
    assert absorbed == {"exp(x)", "mul(2.0, exp(x))"}
    assert "1 fired (2 more taken into its rewrites)" in str(report)
    s = gt.dscalar("s")
    f = gradlab.function([s], gradlab.grad(1 / (1 + gt.exp(-s)), s))
    report = why_not(f, "logistic_in_product")
    assert len(report.fired) == 1
    assert any(v.status == NOT_TRIED and "made in the specialize phase, after stabilize had run" in v.reason
               for v in report.verdicts)
    assert any(v.status == DROPPED and "no longer needed (nothing reads it) after useless_fill" in v.reason
               for v in report.verdicts)


def test_a_factor_that_may_be_zero_is_not_cancelled_and_why() -> None:
    x, y = gt.dvector("x"), gt.dvector("y")
    report = why_not((x * y) / x, "collect_product")
    v = next(v for v in report.verdicts if v.text == "div(mul(x, y), x)")
    assert v.status == REFUSED
    assert v.reason.startswith("collect_product: `x` is a factor above and below, but it may be 0")
    assert "later cancel_factor [stabilize] rewrote the node" in v.reason
    fired = why_not((gt.exp(x) * y) / gt.exp(x), "collect_product")   # exp(x) is never 0: cancelled
    assert [v.text for v in fired.fired] == ["div(mul(exp(x), y), exp(x))"]
