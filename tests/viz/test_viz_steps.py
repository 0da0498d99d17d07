"""compare(before, after) and rewrite_steps(trace): two sides with the right
graphs, one picture per step, the matched and the new nodes outlined."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("graphviz")

import gradlab
import gradlab.tensor as gt
from gradlab.rewrite import PatternRule, RuleSet, rewrite_graph
from gradlab.viz import compare, rewrite_steps, step_picture, style
from viz_helpers import graph_label, highlighted, label_lines, ops, parse, variables

EXP_OF_SUM = RuleSet("test_exp", [PatternRule("exp_product", "exp(a) * exp(b) -> exp(a + b)",
                                              "a product of exponentials is one exponential")])


def _side(nodes, prefix):
    return {k[len(prefix):]: v for k, v in nodes.items() if k.startswith(prefix)}


def _op_labels(nodes):
    return sorted(label_lines(a)[0] for a in ops(nodes).values())


def test_compare_a_function_shows_the_user_graph_and_the_compiled_graph():
    x = gt.dscalar("x")
    f = gradlab.function([x], gt.grad(x ** 2, x))
    dot = compare(f)
    nodes, edges = parse(dot)
    before, after = _side(nodes, "b_"), _side(nodes, "a_")
    user_ops = len(gradlab.graph.toposort(f.maker.user_outputs))
    assert len(ops(before)) == user_ops == 6
    assert _op_labels(after) == sorted(style.op_label(n) for n in f.maker.fgraph.toposort())
    assert f"before rewriting: {user_ops} ops" in dot.source
    assert len(f.maker.fgraph.apply_nodes) == 1 and "after FAST_RUN: 1 op" in dot.source    # not "1 ops"
    # no edge crosses from one side to the other
    assert all(a[:2] == b[:2] for a, b, _ in edges if a[:2] in ("a_", "b_") and b != "legend")


def test_compare_two_graphs_with_values_and_highlights():
    x = gt.dscalar("x")
    left = gt.exp(x) * gt.exp(x)
    right = gt.exp(x + x)
    dot = compare(left, right, values={x: 0.5}, highlight=[left.owner], after_highlight={right.owner: "new"})
    nodes, _ = parse(dot)
    before, after = _side(nodes, "b_"), _side(nodes, "a_")
    outs = [label_lines(a) for a in variables(before).values() if label_lines(a)[0] == "output"]
    assert outs == [["output", "value " + f"{np.exp(1.0):.4g}"]]
    assert [label_lines(a)[0] for a in highlighted(before).values()] == ["*"]
    assert [label_lines(a)[0] for a in highlighted(after, "new").values()] == ["exp"]
    with pytest.raises(TypeError, match="two graphs, or one compiled function"):
        compare(left)


def test_one_picture_per_step_with_rule_and_pattern_in_the_title():
    x = gt.dscalar("x")
    f = gradlab.function([x], gt.grad(x ** 2, x))
    trace = f.maker.trace
    pictures = rewrite_steps(f)
    assert len(pictures) == len(trace.steps) > 0
    for step, dot in zip(trace.steps, pictures):
        caption = graph_label(dot)
        assert f"step {step.index}: {step.rule} [{step.rule_set}]" in caption
        assert step.pattern_text in caption and step.node_text in caption
        nodes, _ = parse(dot)
        (matched,) = highlighted(_side(nodes, "b_"), "matched").values()
        assert label_lines(matched)[0] == style.op_label(step.node)
        # the after side has as many ops as the graph after this step
        assert len(ops(_side(nodes, "a_"))) == len(trace.graph_at(step.index).apply_nodes)


def test_matched_removed_and_new_nodes_are_outlined():
    x, y = gt.dscalar("x"), gt.dscalar("y")
    out = gt.exp(x) * gt.exp(y) + 1.0
    trace = rewrite_graph(out, sets=(EXP_OF_SUM,))
    assert [s.rule for s in trace.steps] == ["exp_product"]
    step = trace.steps[0]
    nodes, _ = parse(step_picture(trace, 0))
    before, after = _side(nodes, "b_"), _side(nodes, "a_")
    assert [label_lines(a)[0] for a in highlighted(before, "matched").values()] == ["*"]
    assert sorted(label_lines(a)[0] for a in highlighted(before, "removed").values()) == ["exp", "exp"]
    assert sorted(label_lines(a)[0] for a in highlighted(after, "new").values() if a.get("shape") == "ellipse") \
        == ["+", "exp"]
    assert len(step.added) == 2
    # unchanged nodes are not outlined
    assert [label_lines(a)[0] for a in ops(after).values() if "class" not in a] == ["+"]
    caption = graph_label(step_picture(trace, 0))
    assert "exp(a) * exp(b) -> exp(a + b)" in caption
    legend = nodes["legend"]["label"]
    for text in ("matched by the rule", "removed by the rule", "put in by the rule"):
        assert text in legend


def test_folded_constants_are_outlined_as_new():
    x = gt.dscalar("x")
    out = x * (2.0 * 3.0 + gt.constant(1.0) * 2.0)
    trace = rewrite_graph(out, sets=("constant_folding",))
    assert trace.steps
    nodes, _ = parse(step_picture(trace, len(trace.steps) - 1))
    new = [label_lines(a)[0] for a in highlighted(_side(nodes, "a_"), "new").values()]
    assert new == ["8.0"]


def test_step_errors():
    x = gt.dscalar("x")
    trace = rewrite_graph(gt.exp(x) * gt.exp(x), sets=(EXP_OF_SUM,))
    with pytest.raises(IndexError, match="out of range: the trace has 1 steps"):
        step_picture(trace, 5)
    with pytest.raises(ValueError, match="no rewrite trace"):
        rewrite_steps(gradlab.function([x], x * 2, mode="NO_REWRITE"))
    with pytest.raises(TypeError, match="needs a rewrite trace"):
        rewrite_steps([x])
