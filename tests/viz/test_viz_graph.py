"""gradlab.viz.graph_picture: what the picture contains (labels, roles, kinds,
highlights, values, adjoints, collapsing), that it is deterministic, and that
it never changes the graph."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("graphviz")

import gradlab
import gradlab.tensor as gt
from gradlab.graph import FunctionGraph, ancestors, toposort
from gradlab.viz import graph, style
from gradlab.viz.graph_picture import plan, resolve_target
from gradlab.viz.values import format_value
from viz_helpers import by_first_line, graph_label, highlighted, label_lines, ops, parse, variables

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


x = gt.dscalar("x")
y = gt.dscalar("y")
v = gt.dvector("v")
M = gt.dmatrix("M")

# expression, the label of its last op, its kind
OP_TABLE = [
    (lambda: x * y, "*", "elementwise"),
    (lambda: x + y, "+", "elementwise"),
    (lambda: x - y, "-", "elementwise"),
    (lambda: x / y, "/", "elementwise"),
    (lambda: x ** 2, "**", "elementwise"),
    (lambda: -x, "neg", "elementwise"),
    (lambda: gt.exp(x), "exp", "elementwise"),
    (lambda: gt.sigmoid(x), "sigmoid", "elementwise"),
    (lambda: gt.cast(x, "float32"), "cast float32", "elementwise"),
    (lambda: x < y, "<", "elementwise"),
    (lambda: gt.fill(v, 1.0), "fill", "shape"),
    (lambda: v.sum(), "Σ sum", "reduction"),
    (lambda: M.sum(axis=0), "Σ sum axis=[0]", "reduction"),
    (lambda: v.prod(), "Π prod", "reduction"),
    (lambda: v.max(), "max", "reduction"),
    (lambda: gt.dot(v, v), "dot", "linalg"),
    (lambda: v.reshape((2, -1)), "Reshape{2}", "shape"),
    (lambda: M.T, "Transpose", "shape"),
    (lambda: v[0], "Subtensor{0}", "shape"),
]


@pytest.mark.parametrize("build,label,kind", OP_TABLE, ids=[row[1] for row in OP_TABLE])
def test_op_nodes_show_the_pp_symbol_and_the_colour_of_their_kind(build, label, kind):
    out = build()
    nodes, _ = parse(graph(out))
    last = max(ops(nodes), key=lambda k: int(k[1:]))
    assert label_lines(nodes[last]) == [label]
    assert nodes[last]["fillcolor"] == style.OP_STYLES[kind][1]["fillcolor"]
    assert nodes[last]["shape"] == "ellipse"


def test_op_ids_follow_topological_order_and_edges_follow_the_graph():
    h = gt.exp(x) * y
    out = h + x
    nodes, edges = parse(graph(out))
    order = toposort([out])
    assert [label_lines(nodes[f"n{k}"])[0] for k in range(len(order))] == [style.op_label(n) for n in order]
    layout = plan(resolve_target(out))
    expected = set()
    for node in order:
        nid = layout.node_ids[node]
        expected |= {(layout.var_ids[i], nid) for i in node.inputs}
        expected |= {(nid, layout.var_ids[o]) for o in node.outputs}
    assert {(a, b) for a, b, _ in edges} == expected


def test_non_commutative_inputs_are_numbered():
    _, edges = parse(graph(x - y))
    assert sorted(e[2].get("label") for e in edges if e[1] == "n0") == ["0", "1"]
    _, edges = parse(graph(x * y))
    assert [e[2].get("label") for e in edges if e[1] == "n0"] == [None, None]


def test_variables_are_styled_by_role():
    w = gradlab.shared(np.ones(3), name="w")
    out = (w * v).sum() + 3.0
    nodes, _ = parse(graph(out))
    vs = variables(nodes)
    fill = {label_lines(a)[0]: a.get("fillcolor") for a in vs.values()}
    assert fill["v"] == style.VARIABLE_STYLES["input"][1]["fillcolor"]
    assert fill["w"] == style.VARIABLE_STYLES["shared"][1]["fillcolor"]
    assert fill["3.0"] == style.VARIABLE_STYLES["constant"][1]["fillcolor"]
    (out_id,) = by_first_line(vs, "output")
    assert vs[out_id]["peripheries"] == "2"
    # unnamed intermediates with nothing to show are small dots
    assert sum(a.get("shape") == "point" for a in vs.values()) == 2
    legend = nodes["legend"]["label"]
    for text in ("input", "shared variable", "constant", "output", "elementwise op", "reduction"):
        assert text in legend


def test_show_types_adds_each_variables_type():
    nodes, _ = parse(graph(v * 2.0, show_types=True))
    texts = {tuple(label_lines(a)) for a in variables(nodes).values()}
    assert ("v", "Tensor(float64, shape=(?,))") in texts
    assert ("output", "Tensor(float64, shape=(?,))") in texts


@pytest.mark.parametrize("mark", ["variable", "node", "both"])
def test_highlight_outlines_exactly_the_given_items(mark):
    s = gt.sigmoid(x)
    out = s * (1 - s)
    layout = plan(resolve_target(out))
    items = {"variable": [s], "node": [out.owner], "both": [s, out.owner]}[mark]
    nodes, _ = parse(graph(out, highlight=items))
    ids = {layout.var_ids[i] if i in layout.var_ids else layout.node_ids[i] for i in items}
    assert set(highlighted(nodes)) == ids
    for nid in ids:
        assert nodes[nid]["color"] == style.OKABE_ITO["vermillion"] and float(nodes[nid]["penwidth"]) > 2
    assert "highlighted" in nodes["legend"]["label"]
    plain, _ = parse(graph(out))
    assert highlighted(plain) == {} and "penwidth" not in plain[sorted(ids)[0]]


def test_highlight_kinds_and_bad_kind():
    out = gt.exp(x) + y
    nodes, _ = parse(graph(out, highlight={out.owner: "new", x: "matched"}))
    assert set(highlighted(nodes, "new")) == {"n1"}
    assert set(highlighted(nodes, "matched")) == {"v0"}
    assert "dashed" in nodes["n1"]["style"]
    with pytest.raises(ValueError, match="highlight kind 'purple' is unknown"):
        graph(out, highlight={x: "purple"})


def _label_of(out, var, **options):
    nodes, _ = parse(graph(out, **options))
    layout = plan(resolve_target(out, options.get("inputs")))
    return label_lines(nodes[layout.var_ids[var]])


def test_values_show_every_variable_computed_like_numpy():
    a = gt.dvector("a")
    h = gt.exp(a)
    h.name = "h"
    s = h.sum()
    out = s * x
    va, vx = np.array([0.5, -1.0, 2.0]), 1.5
    expected = {a: va, h: np.exp(va), s: np.exp(va).sum(), out: np.exp(va).sum() * vx, x: vx}
    for var, value in expected.items():
        lines = _label_of(out, var, values={a: va, "x": vx})
        shown = format_value(value)
        want = [f"value {shown[0]}"] if len(shown) == 1 else ["value"] + shown
        assert lines[-len(want):] == want, (var, lines)
    # the numbers themselves, unrounded
    from gradlab.viz.graph_picture import numbers
    target = resolve_target(out)
    forward, backward = numbers(target, plan(target), {a: va, x: vx}, adjoints=False)
    assert backward is None
    for var, value in expected.items():
        np.testing.assert_allclose(forward[var], value, rtol=1e-12)


def test_large_arrays_show_shape_and_range():
    big = gt.dmatrix("big")
    data = np.arange(60.0).reshape(6, 10) - 7
    lines = _label_of(big * 2.0, big, values={big: data})
    assert lines[-2:] == ["shape 6×10", "min -7 max 52"]


def _adjoints(out, values):
    from gradlab.viz.graph_picture import numbers
    target = resolve_target(out)
    return numbers(target, plan(target), values, adjoints=True)


def test_adjoints_of_the_logistic_equal_hand_derived_and_grad_values():
    s = gt.sigmoid(x)
    s.name = "s"
    one_minus = 1 - s
    out = s * one_minus
    x0 = 0.7
    sv = _sigmoid(x0)
    forward, backward = _adjoints(out, {x: x0})
    hand = {out: 1.0, s: 1 - 2 * sv, one_minus: sv, x: sv * (1 - sv) * (1 - 2 * sv)}
    for var, value in hand.items():
        np.testing.assert_allclose(backward[var], value, rtol=1e-12)
    # and they equal gradlab.gradient.grad's values, and the picture shows them
    for var in (s, one_minus, x):
        g = gradlab.function([x], gt.grad(out, var), mode="NO_REWRITE")(x0)
        np.testing.assert_allclose(backward[var], g, rtol=1e-12)
        lines = _label_of(out, var, values={x: x0}, adjoints=True)
        assert lines[-1] == "grad " + format_value(g)[0]
    assert "grad = d cost / d node" in graph_label(graph(out, values={x: x0}, adjoints=True))


ADJOINT_TABLE = [
    ("sum_of_squares", lambda a, b: (a ** 2).sum() + (a * b).sum()),
    ("dot_exp", lambda a, b: gt.exp(gt.dot(a, b) / 3.0)),
    ("mean_tanh", lambda a, b: gt.tanh(a - b).mean()),
    ("max_mix", lambda a, b: (a * b).max() + gt.log(gt.sqr(b).sum())),
]


@pytest.mark.parametrize("name,build", ADJOINT_TABLE, ids=[r[0] for r in ADJOINT_TABLE])
def test_adjoints_of_inputs_match_finite_differences(name, build):
    a, b = gt.dvector("a"), gt.dvector("b")
    cost = build(a, b)
    va, vb = np.array([0.3, -1.2, 0.8]), np.array([1.1, 0.4, -0.5])
    _, backward = _adjoints(cost, {a: va, b: vb})
    f = gradlab.function([a, b], cost, mode="NO_REWRITE")
    eps = 1e-6
    for var, val, other in ((a, va, lambda z: (z, vb)), (b, vb, lambda z: (va, z))):
        numeric = np.array([(f(*other(val + eps * e)) - f(*other(val - eps * e))) / (2 * eps)
                            for e in np.eye(3)])
        np.testing.assert_allclose(backward[var], numeric, rtol=1e-5, atol=1e-7)
    # every float variable drawn has an adjoint with its own shape
    for var in plan(resolve_target(cost)).variables:
        if var in backward:
            assert np.shape(backward[var]) == np.shape(_adjoints(cost, {a: va, b: vb})[0][var])


def test_adjoints_need_one_scalar_output():
    with pytest.raises(ValueError, match="scalar"):
        graph(v * 2.0, values={v: [1.0, 2.0]}, adjoints=True)
    with pytest.raises(ValueError, match="one scalar output"):
        graph([x * 2, x * 3], values={x: 1.0}, adjoints=True)


def test_values_errors_name_the_inputs():
    out = x * y
    with pytest.raises(ValueError, match="needs values for y"):
        graph(out, values={x: 1.0})
    with pytest.raises(KeyError, match=r"'z' is not an input of this graph; its inputs are \(x, y\)"):
        graph(out, values={"z": 1.0, x: 1.0})


def test_inputs_cut_the_graph_and_take_values():
    h = gt.exp(x)
    h.name = "h"
    out = h * 2.0 + 1.0
    nodes, _ = parse(graph(out, inputs=[h], values={h: 3.0}))
    assert [label_lines(nodes[k])[0] for k in sorted(ops(nodes))] == ["*", "+"]    # exp is cut away
    (h_id,) = by_first_line(variables(nodes), "h")
    assert nodes[h_id]["fillcolor"] == style.VARIABLE_STYLES["input"][1]["fillcolor"]
    assert label_lines(nodes[h_id]) == ["h", "value 3"]
    assert label_lines(nodes[by_first_line(variables(nodes), "output")[0]]) == ["output", "value 7"]


def test_accepts_variables_lists_function_graphs_and_functions():
    out = gt.exp(x) * y
    sources = [graph(out), graph([out]), graph(FunctionGraph([x, y], [out])),
               graph(gradlab.function([x, y], out, mode="NO_REWRITE"))]
    shapes = [[label_lines(a)[0] for k, a in sorted(ops(parse(d)[0]).items())] for d in sources]
    assert all(s == ["exp", "*"] for s in shapes)
    f = gradlab.function([x, y], out, mode="NO_REWRITE")
    nodes, _ = parse(graph(f, values={x: 0.0, "y": 2.0}, highlight=[x]))
    (x_id,) = by_first_line(variables(nodes), "x")
    assert set(highlighted(nodes)) == {x_id}                # the user's x, found in the compiled graph
    assert label_lines(nodes[by_first_line(variables(nodes), "output")[0]]) == ["output", "value 2"]
    with pytest.raises(TypeError, match="needs a variable"):
        graph(42)
    with pytest.raises(ValueError, match="rankdir"):
        graph(out, rankdir="sideways")


def _snapshot(outputs):
    nodes = toposort(outputs)
    return [(n, n.op, tuple(n.inputs), tuple(n.outputs)) for n in nodes] + \
           [(var, var.owner, var.index, var.name) for var in ancestors(outputs)]


def test_drawing_never_changes_the_graph():
    s = gt.sigmoid(x)
    out = s * (1 - s) + (v ** 2).sum()
    before = _snapshot([out])
    graph(out, values={x: 0.2, v: [1.0, 2.0]}, adjoints=True, show_types=True, highlight=[s])
    assert _snapshot([out]) == before
    f = gradlab.function([x, v], out, mode="NO_REWRITE")
    fg = f.maker.fgraph
    clients = {var: list(c) for var, c in fg.clients.items()}
    nodes_before = set(fg.apply_nodes)
    graph(f, values={x: 0.2, v: [1.0, 2.0]}, adjoints=True)
    assert set(fg.apply_nodes) == nodes_before
    assert {var: list(c) for var, c in fg.clients.items()} == clients


def test_large_graphs_are_collapsed_with_a_note():
    out = x
    for i in range(3000):
        out = gt.sin(out) if i % 2 else out + 0.5
    dot = graph(out, max_nodes=50, fold=False)      # fold=False: no repeat folded, no further collapsing
    nodes, edges = parse(dot)
    assert len(ops(nodes)) == 50
    (summary,) = [k for k in nodes if k.startswith("g")]
    assert label_lines(nodes[summary])[:2] == ["⋯ 2,950 ops collapsed", "+ ×1,475, sin ×1,475"]
    assert (by_first_line(variables(nodes), "x")[0], summary) in {(a, b) for a, b, _ in edges}
    assert "showing the 50 ops nearest the outputs of 3,000; 2,950 are collapsed" in graph_label(dot)
    # the kept ops are the last 50 (nearest the output)
    kept = [label_lines(nodes[f"n{k}"])[0] for k in range(50)]
    assert kept == ["+", "sin"] * 25
    assert len(parse(graph(out, max_nodes=None, fold=False))[0]) > 6000


def test_separate_pieces_collapse_separately():
    a, b = x, y
    for _ in range(30):
        a, b = gt.exp(a), gt.cos(b)
    out = a + b
    nodes, _ = parse(graph(out, max_nodes=5))
    summaries = sorted(label_lines(nodes[k])[0] for k in nodes if k.startswith("g"))
    assert summaries == ["⋯ 28 ops collapsed", "⋯ 28 ops collapsed"]


def test_same_graph_same_source_and_svg():
    def build():
        a = gt.dvector("a")
        s = gt.sigmoid(a)
        return (s * (1 - s)).sum() + gt.dot(a, a)

    one, two = graph(build(), values={"a": [0.1, 0.2]}, adjoints=True), \
        graph(build(), values={"a": [0.1, 0.2]}, adjoints=True)
    assert one.source == two.source
    assert "0x" not in one.source
    assert one.pipe(format="svg") == two.pipe(format="svg")


_SCRIPT = """
import gradlab.tensor as gt, gradlab.viz as viz, sys
a = gt.dvector("a"); s = gt.sigmoid(a); w = gt.dmatrix("w")
out = (s * (1 - s)).sum() + gt.dot(w, a).max()
sys.stdout.write(viz.compare(viz.graph(out).source and out, out * 1).pipe(format="svg", encoding="utf-8"))
"""


def test_svg_is_identical_across_processes_and_hash_seeds():
    outs = []
    for seed in ("1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=ROOT)
        done = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True, env=env,
                              cwd=ROOT, timeout=120)
        assert done.returncode == 0, done.stderr
        outs.append(done.stdout)
    assert outs[0] == outs[1] and "<svg" in outs[0]


def test_large_pictures_draw_a_shared_leaf_once_per_use():
    w = gt.dvector("w")
    out = x
    for _ in range(15):                       # 60 ops, w read by 15 of them
        out = gt.sin(out) * 1.01 + (w * out).sum()
    nodes, edges = parse(graph(out, fold=False))     # unfolded (folded, the 15 steps are drawn once)
    copies = by_first_line(variables(nodes), "w")
    assert len(copies) == 15
    assert sorted(b for a, b, _ in edges if a in copies) == sorted(
        {b for a, b, _ in edges if a in copies})                      # one edge per copy, to distinct ops
    assert all("drawn once per use" in nodes[c]["tooltip"] for c in copies)
    small = x * gt.exp(x) + x
    assert len(by_first_line(variables(parse(graph(small))[0]), "x")) == 1


def test_adjoints_with_a_cut_graph_and_a_shared_variable():
    w = gradlab.shared(np.array(2.0), name="w")
    h = x ** 2
    h.name = "h"
    out = gt.exp(h) * w
    from gradlab.viz.graph_picture import numbers
    target = resolve_target(out, inputs=[h])
    forward, backward = numbers(target, plan(target), {h: 0.5}, adjoints=True)
    assert x not in forward                                  # upstream of the cut: not drawn
    np.testing.assert_allclose(forward[out], 2 * np.exp(0.5))
    np.testing.assert_allclose(backward[h], 2 * np.exp(0.5))
    np.testing.assert_allclose(backward[w], np.exp(0.5))     # a shared variable's value is read from it


def test_values_survive_in_place_ops():
    a = gt.dvector("a")
    doubled = a * 2.0
    doubled.name = "doubled"
    idx = gt.lvector("idx")
    from gradlab.tensor.advanced_subtensor import AdvancedIncSubtensor1
    out = AdvancedIncSubtensor1(inplace=True, set_instead_of_inc=True)(doubled, 0.0, idx)
    assert getattr(out.owner.op, "destroy_map", None), "the test needs an in-place op"
    from gradlab.viz.graph_picture import numbers
    target = resolve_target(out)
    forward, _ = numbers(target, plan(target), {a: [1.0, 2.0, 3.0], idx: [1]}, adjoints=False)
    np.testing.assert_allclose(forward[doubled], [2.0, 4.0, 6.0])      # not overwritten by the in-place write
    np.testing.assert_allclose(forward[out], [2.0, 0.0, 6.0])
