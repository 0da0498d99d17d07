"""The size budget and folding: every picture viz makes for the tutorial's
graphs is shown at most 900 px wide with text of at least 11 px (measured on
the SVG dot makes), and folded things can be opened."""
from __future__ import annotations

import re

import numpy as np
import pytest

import gradlab
import gradlab.tensor as gt
from gradlab import viz
from gradlab.gradient import Lop, Rop, hessian, jacobian
from gradlab.viz import budget, folding

from viz_helpers import label_lines, parse


def tutorial_pictures() -> dict:
    """Every picture of the seed tutorial's graphs, by name."""
    x = gt.dscalar("x")
    gy = gt.grad(x ** 2, x)
    f = gradlab.function([x], gy)
    s = 1 / (1 + gt.exp(-x))
    ds = gt.grad(s, x)
    dlogistic = gradlab.function([x], ds)
    v = gt.dvector("v")
    p = gt.softmax(v)
    loop = gradlab.function([v], jacobian(p, v))
    batched = gradlab.function([v], jacobian(p, v, vectorize=True))
    cost = gt.sum(v ** 2) + v[0] * v[1]
    W, V = gt.dmatrix("W"), gt.dmatrix("V")
    y = gt.dot(v, W)
    u = gt.dvector("u")
    gv = gt.grad(gt.sum(gt.tanh(v) ** 2), v)
    return {
        "grad(x**2)": viz.graph(gy, title="gt.grad(x ** 2, x), as built"),
        "compare(grad x**2)": viz.compare(f),
        "logistic gradient": viz.graph(ds),
        "logistic gradient compiled": viz.graph(dlogistic),
        "compare(logistic gradient)": viz.compare(dlogistic),
        "jacobian scan vs vectorized": viz.compare(loop.maker.fgraph, batched.maker.fgraph,
                                                   titles=("jacobian(p, x): a loop (scan)", "vectorized")),
        "hessian by scan": viz.graph(hessian(cost, v)),
        "hessian compiled": viz.graph(gradlab.function([v], hessian(cost, v))),
        "Rop": viz.graph(Rop(y, W, V), title="Rop(dot(x, W), W, V)"),
        "Lop": viz.graph(Lop(y, W, u), title="Lop(dot(x, W), W, v)"),
        "Hv two ways": viz.compare(gt.grad(gt.sum(gv * u), v), Rop(gv, v, u), titles=("grad(sum(gy * v), x)",
                                                                                   "Rop(gy, x, v)")),
        "rewrite step 0": viz.step_picture(dlogistic, 0),
        "rewrite step fusion": viz.step_picture(dlogistic, len(dlogistic.maker.trace.steps) - 1),
        "values and adjoints": viz.graph(s, values={x: 0.5}, adjoints=True),
    }


@pytest.fixture(scope="module")
def pictures():
    return {name: dot.pipe(format="svg", encoding="utf-8") for name, dot in tutorial_pictures().items()}


@pytest.mark.parametrize("name", list(tutorial_pictures()))
def test_every_tutorial_picture_keeps_the_budget(pictures, name):
    measured = budget.measure_svg(pictures[name])
    assert measured.width <= budget.MAX_WIDTH_PX + 0.5, (name, measured)
    assert measured.min_font >= budget.MIN_FONT_PX - 0.05, (name, measured)


def test_measure_svg_reads_the_display_size_and_the_scaled_fonts():
    svg = ('<svg width="360pt" height="50pt" viewBox="0.00 0.00 360.00 49.51">'
           '<g id="graph0" class="graph" transform="scale(0.5 0.5) rotate(0) translate(4 112)">'
           '<text font-size="14.00">a</text><text font-size="10.00">b</text></g></svg>')
    m = budget.measure_svg(svg)
    assert m.width == pytest.approx(480) and m.height == pytest.approx(200 / 3)
    assert m.min_font == pytest.approx(10 * 0.5 * 4 / 3)      # 10 units, halved, in px
    assert not m.fits


def test_a_long_chain_is_drawn_top_to_bottom_and_a_short_one_left_to_right():
    x = gt.dscalar("x")
    assert viz.graph(gt.exp(x) + 1).graph_attr["rankdir"] == "LR"
    y = x
    for k in range(12):
        y = gt.sin(y) if k % 2 else gt.exp(y)
    assert viz.graph(y).graph_attr["rankdir"] == "TB"
    assert viz.graph(y, rankdir="LR").graph_attr["rankdir"] == "LR"     # asked for: kept


def _clusters(dot) -> list:
    return re.findall(r"subgraph (cluster_\w+)", dot.source)


def test_an_opened_composite_shows_its_inner_ops():
    x = gt.dscalar("x")
    f = gradlab.function([x], gt.grad(1 / (1 + gt.exp(-x)), x))
    (node,) = f.maker.fgraph.apply_nodes
    assert folding.program_of(node.op) is not None
    dot = viz.graph(f, fold=False)
    assert "cluster_n0" in _clusters(dot)
    nodes, edges = parse(dot)
    inner = sorted(label_lines(a)[0] for k, a in nodes.items() if re.fullmatch(r"n0_\d+", k))
    # exp(-abs(x)) / sqr(1 + exp(-abs(x))): the shared exp(-abs(x)) is drawn once
    assert inner == sorted(["abs", "neg", "exp", "+", "sqr", "/"])
    (exp_id,) = [k for k, a in nodes.items() if re.fullmatch(r"n0_\d+", k) and label_lines(a)[0] == "exp"]
    assert len([b for a, b, _ in edges if a == exp_id]) == 2          # read twice, drawn once
    # folded, the composite is one node whose label is the wrapped infix expression
    nodes, _ = parse(viz.graph(f, fold=True))
    lines = label_lines(nodes["n0"])
    assert lines[0] == "composite" and "".join(lines[1:]).replace(" ", "") == \
        "(exp((-abs(x)))/sqr((1.0+exp((-abs(x))))))"
    assert all(len(line) <= folding.WRAP_AT + 12 for line in lines)


def test_a_scan_shows_its_body_with_sequences_and_carried_state():
    v = gt.dvector("v")
    totals, _ = gradlab.scan(lambda a, total: total + a, sequences=[v], outputs_info=[gt.constant(0.0)])
    dot = viz.graph(totals, fold=False)
    body = [c for c in _clusters(dot) if c.endswith("_body")]
    assert len(body) == 1
    nodes, edges = parse(dot)
    inside = {k: a for k, a in nodes.items() if "_body_" in k}
    fills = {a.get("fillcolor") for a in inside.values()}
    styles = " ".join(a.get("style", "") for a in inside.values())
    assert "dashed" in styles and "bold" in styles          # a sequence entry and the carried state
    assert any(label_lines(a)[0] == "+" for a in inside.values())
    assert any(a.get("label") == "next step" for _, _, a in edges)
    assert len(fills) >= 2
    nodes_closed, _ = parse(viz.graph(totals, fold=True))
    assert not [k for k in nodes_closed if "_body_" in k]


def test_fifty_identical_steps_fold_to_one_instance_with_its_count():
    x = gt.dscalar("x")
    y = x
    for _ in range(50):
        y = gt.tanh(y * 1.01)
    dot = viz.graph(y)
    assert "cluster_rep0" in _clusters(dot)
    assert "× 50" in dot.source
    nodes, edges = parse(dot)
    ops = [label_lines(a)[0] for k, a in nodes.items() if re.fullmatch(r"n\d+", k)]
    assert sorted(ops) == ["*", "tanh"]
    assert any(a.get("label") == "after × 50" for _, _, a in edges)
    # unfolded on request: all 100 ops
    nodes, _ = parse(viz.graph(y, fold=False))
    assert len([k for k in nodes if re.fullmatch(r"n\d+", k)]) == 100
    # the folded picture's numbers are the real ones: the output shows tanh applied 50 times
    value = 0.3
    for _ in range(50):
        value = np.tanh(value * 1.01)
    nodes, _ = parse(viz.graph(y, values={x: 0.3}))
    out = [a for a in nodes.values() if label_lines(a)[0] == "output"]
    assert out and f"{value:.4g}"[:5] in " ".join(label_lines(out[0]))


def test_find_repeats_leaves_a_block_read_from_outside_alone():
    x = gt.dscalar("x")
    steps = [x]
    for _ in range(6):
        steps.append(gt.exp(steps[-1] * 2.0))
    out = steps[-1] + steps[2]            # an inner step is read after the run
    from gradlab.graph.traversal import toposort
    order = toposort([out], [])
    for rep in folding.find_repeats(order, [out]):
        hidden = set(rep.hidden)
        assert steps[2].owner not in hidden
    nodes, _ = parse(viz.graph(out, fold=True))
    assert any(label_lines(a)[0] == "+" for a in nodes.values())


def test_legend_swatches_have_the_real_outlines_and_explain_numbers_and_dots():
    x = gt.dscalar("x")
    f = gradlab.function([x], gt.grad(x ** 2, x))
    src = viz.step_picture(f, 0).source
    legend = src[src.index("legend [label=<"):]
    assert 'style="dotted"' in legend and "removed by the rule" in legend
    src = viz.graph(gt.grad(x ** 2, x)).source
    assert "argument" in src and "unnamed intermediate value" in src


def test_plurals():
    from gradlab.viz.style import plural
    assert plural(1, "op") == "1 op" and plural(2, "op") == "2 ops" and plural(1500, "op") == "1,500 ops"


def test_a_big_graph_without_repeats_is_collapsed_until_it_fits():
    x = gt.dscalar("x")
    y = x
    ops = [gt.sin, gt.cos, gt.exp, gt.tanh, lambda v: v * 2.0, lambda v: v + 1.0, gt.sqrt, gt.abs]
    for k in np.random.default_rng(0).integers(0, len(ops), 400):
        y = ops[k](y)
    dot = viz.graph(y)
    measured = budget.measure_svg(dot.pipe(format="svg", encoding="utf-8"))
    assert measured.fits, measured
    assert "are collapsed" in dot.source                       # folded by design, and it says so
    nodes, _ = parse(viz.graph(y, fold=False, max_nodes=None))
    assert len([k for k in nodes if re.fullmatch(r"n\d+", k)]) == 400      # fold=False draws every op
