"""RuleInspector, driven from Python: pick a rule, its firings and near misses
are outlined on the graph and listed with their reasons; GraphExplorer's
origin toggle groups a gradient graph by origin."""
from __future__ import annotations

import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("graphviz")

import gradlab
import gradlab.tensor as gt
from gradlab.widgets import GraphExplorer, RuleInspector
from widget_helpers import highlighted, svg_texts


def _logistic_loss():
    x = gt.dvector("x")
    s = 1 / (1 + gt.exp(-x))
    return x, gt.log(s).sum() + gt.log(1 + gt.exp(x * 2.0) * 3.0).sum()


def test_inspector_shows_firings_and_near_misses_of_the_chosen_rule():
    x, cost = _logistic_loss()
    inspector = RuleInspector(gradlab.function([x], cost), "sigmoid_from_exp")
    assert inspector.error_message == ""
    assert [v.text for v in inspector.fired] == ["div(1, add(1, exp(…)))"]
    assert "sigmoid_from_exp" in inspector.summary.value and "1 fired" in inspector.summary.value
    before = inspector.svg
    assert len(highlighted(before, "fired", ops_only=True)) == 1          # the node it fired at
    inspector.rule_name = "softplus_from_log"
    assert inspector.rule_dropdown.value == "softplus_from_log"
    misses = inspector.near_misses
    assert any("matched `log(1 + …)`, but input 1 of add is `mul(" in v.reason for v in misses)
    assert inspector.svg != before and "near miss" in inspector.verdict_box.value
    assert highlighted(inspector.svg, "near_miss", ops_only=True)         # the near misses
    assert "softplus_from_log: 0 fired" in " ".join(svg_texts(inspector.svg))


def test_inspector_lists_the_modes_rules_the_fired_ones_first():
    x, cost = _logistic_loss()
    f = gradlab.function([x], cost)
    inspector = RuleInspector(f)
    options = list(inspector.rule_dropdown.options)
    first = f.maker.trace.steps[0].rule
    assert options[0] == first and "merge" in options and "fuse_elemwise" in options


def test_inspector_refuses_a_rule_of_another_mode():
    x, cost = _logistic_loss()
    with pytest.raises(ValueError, match="not a rule of mode FAST_COMPILE"):
        RuleInspector(gradlab.function([x], cost, mode="FAST_COMPILE"), "softplus_from_log")
    inspector = RuleInspector(gradlab.function([x], cost), "merge")
    with pytest.raises(ValueError, match="not a rule of this mode"):
        inspector.rule_name = "no_such_rule"


def test_graph_explorer_origin_toggle_groups_the_gradient_graph():
    x = gt.dvector("x")
    g = gt.grad((gt.exp(x) * gt.sin(x)).sum(), x)
    explorer = GraphExplorer(g)
    assert "∂ of exp, node 0" not in svg_texts(explorer.svg)
    explorer.origin_toggle.value = True
    texts = svg_texts(explorer.svg)
    assert "∂ of exp, node 0" in texts and "sum for x (read 2×)" in texts
    explorer.view = "both"             # side by side: drawn without the groups, no error
    assert explorer.error_message == ""
