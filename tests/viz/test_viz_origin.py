"""graph(g, origin=True): a derivative graph grouped by origin, within the
picture budget (at most 900 px wide, text at least 11 px, measured on the SVG)."""
from __future__ import annotations

import re

import pytest

import gradlab
import gradlab.tensor as gt
from gradlab import viz
from gradlab.gradient import hessian
from gradlab.viz import budget


def _cluster_labels(dot) -> list:
    """The titles of the origin clusters, in drawing order."""
    found = re.findall(r'subgraph cluster_\w*origin\d+ \{\n[^\n]*? label=("[^"]*"|[^ \]]+)', dot.source)
    return [label.strip('"') for label in found]


def _fits(dot) -> budget.Measured:
    measured = budget.measure_svg(dot.pipe(format="svg", encoding="utf-8"))
    assert measured.width <= budget.MAX_WIDTH_PX + 0.5, measured
    assert measured.min_font >= budget.MIN_FONT_PX - 0.05, measured
    return measured


def test_one_cluster_per_forward_op_and_the_sum_for_a_value_read_twice() -> None:
    x = gt.dvector("x")
    g = gt.grad((gt.exp(x) * gt.sin(x)).sum(), x)
    dot = viz.graph(g, origin=True)
    labels = _cluster_labels(dot)
    assert set(labels) == {"seed", "∂ of Sum, node 3", "∂ of mul, node 2", "∂ of sin, node 1",
                           "∂ of exp, node 0", "sum for x (read 2×)"}
    assert "sum of the terms for a value read twice or more" in dot.source     # the legend says what it is
    _fits(dot)


def test_without_origin_there_are_no_origin_clusters() -> None:
    x = gt.dvector("x")
    assert _cluster_labels(viz.graph(gt.grad(gt.exp(x).sum(), x))) == []


def test_a_compiled_gradient_is_grouped_by_what_its_nodes_replace() -> None:
    x, W = gt.dvector("x"), gt.dmatrix("W")
    y = (gt.tanh(gt.dot(W, x)) * gt.sin(x)).sum()
    f = gradlab.function([x, W], gt.grad(y, [x, W]))
    dot = viz.graph(f, origin=True)
    labels = _cluster_labels(dot)
    assert labels and all(label.startswith("from ") for label in labels)
    assert any("∂ of Dot" in label for label in labels)
    _fits(dot)


@pytest.mark.parametrize("build", ["hessian", "logistic"])
def test_bigger_origin_pictures_keep_the_budget(build) -> None:
    x = gt.dvector("x")
    if build == "hessian":
        g = hessian((gt.exp(x) * gt.sin(x)).sum(), x, vectorize=True)
    else:
        w = gt.dvector("w")
        s = 1 / (1 + gt.exp(-gt.dot(x, w)))
        g = gt.grad(gt.log(s) + gt.log(1 - s), w)
    _fits(viz.graph(g, origin=True))
