"""Wide fan-in keeps the size budget: when a picture folds, an op reading many
things reads few boxes (collapsed pieces feeding it are one summary box, its
constants are one box, parallel numbered edges are one edge), so collapsing
always makes a picture narrower — whatever the graph."""
from __future__ import annotations

import re

import pytest

import gradlab.tensor as gt
from gradlab import viz
from gradlab.viz import budget
from gradlab.viz.bundles import joined_positions

from viz_helpers import label_lines, parse


def _stack_of_chains(n: int = 40):
    x = gt.dscalar("x")
    return gt.stack([gt.sin(x * float(k + 2)) for k in range(n)])


def _tree(leaves: int = 64):
    level = [gt.dscalar(f"a{k}") for k in range(leaves)]
    while len(level) > 1:
        level = [level[i] + level[i + 1] * 1.0 if i % 4 else level[i] - level[i + 1]
                 for i in range(0, len(level), 2)]
    return level[0]


def _stack_of_inputs(n: int = 40):
    ops = [gt.sin, gt.cos, gt.exp, gt.tanh]
    return gt.stack([ops[k % 4](gt.dscalar(f"x{k}")) for k in range(n)])


def _stack_of_sums(n: int = 12):
    x = gt.dscalar("x")
    return gt.stack([gt.exp(x * float(k)) + gt.log(gt.dscalar(f"x{k}")) for k in range(n)])


@pytest.mark.parametrize("build", [_stack_of_chains, _tree, _stack_of_inputs, _stack_of_sums],
                         ids=["40 chains into one op", "a sum tree of 64 inputs", "40 inputs into one op",
                              "12 sums into one op"])
def test_wide_fan_in_keeps_the_budget(build):
    measured = budget.measure_svg(viz.graph(build()).pipe(format="svg", encoding="utf-8"))
    assert measured.fits, measured


def test_joined_positions_writes_runs_as_ranges():
    assert joined_positions(["7", "10", "12", "13", "14"]) == ["7, 10, 12–14"]
    assert joined_positions(["0", "1", "2", "3", "7"]) == ["0–3, 7"]
    assert joined_positions(["4", "5"]) == ["4, 5"]
    assert joined_positions([str(k) for k in range(36)]) == ["0–35"]


def test_an_op_reading_a_thing_at_several_positions_has_one_edge_with_the_positions():
    x = gt.dscalar("x")
    y = gt.exp(x)
    out = gt.stack([y, x, y, y])
    _, edges = parse(viz.graph(out, fold=False))
    (op,) = [b for a, b, attrs in edges if attrs.get("label") == "0, 2, 3"]
    assert len([1 for a, b, _ in edges if b == op]) == 2          # from exp's result, and from x


def test_an_ops_constants_are_one_box_listing_their_positions():
    x = gt.dscalar("x")
    out = gt.stack([x, gt.constant(1.5), gt.constant(2.5), x * 3.0]) + 0.0
    nodes, edges = parse(viz.graph(out, fold=True))
    (bundle,) = [k for k in nodes if k.endswith("_constants")]
    assert label_lines(nodes[bundle]) == ["arg 1: 1.5", "arg 2: 2.5"]
    assert [b for a, b, _ in edges if a == bundle] == [bundle[:-len("_constants")]]
    # a lone constant (3.0 in x * 3.0) keeps its own box; unfolded, every constant has one
    assert any(label_lines(a) == ["3.0"] for a in nodes.values())
    nodes, _ = parse(viz.graph(out, fold=False))
    assert not [k for k in nodes if k.endswith("_constants")]
    assert {"1.5", "2.5"} <= {label_lines(a)[0] for a in nodes.values() if label_lines(a)}


def test_collapsed_pieces_feeding_one_op_are_one_box_joined_to_it_directly():
    dot = viz.graph(_stack_of_chains(), fold=True, max_nodes=5)
    nodes, edges = parse(dot)
    groups = {k for k in nodes if re.fullmatch(r"g\d+", k)}
    into: dict = {}
    for a, b, _ in edges:
        if a in groups and b in nodes and re.fullmatch(r"n\d+", b):
            into.setdefault(b, set()).add(a)
    assert into and all(len(fed) == 1 for fed in into.values())      # one summary box per reader
    stack_op = [k for k, a in nodes.items() if label_lines(a)[:1] == ["MakeVector"]]
    assert [a.get("label") for g, b, a in edges if g in groups and b == stack_op[0]] == ["0–35"]
    # no unnamed intermediate values (points) between a summary box and its reader
    points = {k for k, a in nodes.items() if a.get("shape") == "point"}
    assert not [1 for a, b, _ in edges if a in groups and b in points]


def test_inputs_only_collapsed_ops_read_are_named_in_one_box_per_summary():
    dot = viz.graph(_tree(), fold=True, max_nodes=5)
    nodes, edges = parse(dot)
    bundles = [k for k in nodes if k.endswith("_inputs")]
    assert bundles and len(bundles) == len({k for k in nodes if re.fullmatch(r"g\d+", k)})
    for k in bundles:
        lines = label_lines(nodes[k])
        assert lines[-1].endswith("in all)") and re.match(r"a\d+, ", lines[0])
        assert [b for a, b, _ in edges if a == k] == [k[:-len("_inputs")]]
    named = " ".join(" ".join(label_lines(nodes[k])) for k in bundles)
    assert "(64 inputs in all)" not in named and "(32 inputs in all)" in named
    # not folded: every input is its own box
    nodes, _ = parse(viz.graph(_tree(), fold=False, max_nodes=None, fit=False))
    assert len([1 for a in nodes.values() if re.fullmatch(r"a\d+", (label_lines(a) or [""])[0])]) == 64
