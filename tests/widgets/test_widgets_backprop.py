"""BackpropStepper: the highlighted node walks the graph forward then back,
values appear as nodes are computed, and every adjoint — built term by term —
ends equal to grad's value."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("graphviz")

import gradlab
import gradlab.tensor as gt
from gradlab.widgets import BackpropStepper
from gradlab.viz.backprop_trace import BackpropTrace
from widget_helpers import as_float, highlighted, line_value, node_by_first_line, svg_nodes, var_ids


def _sigmoid(v):
    return 1 / (1 + np.exp(-v))


def test_the_highlighted_node_moves_forward_then_back():
    x = gt.dscalar("x")
    cost = gt.exp(gt.sin(x) * 2.0) + x
    stepper = BackpropStepper(cost, [x], [0.3])
    n = stepper.n_forward
    assert n == 4 and stepper.n_backward == 4 and stepper.slider.max == 7
    walk = []
    for k in range(stepper.n_steps):
        stepper.step = k
        assert stepper.error_message == ""
        marked = highlighted(stepper.svg, "highlight", ops_only=True)
        assert marked == [stepper.current_node_id]
        walk.append((stepper.phase, marked[0]))
    assert walk == [("forward", f"n{k}") for k in range(n)] + [("backward", f"n{k}") for k in reversed(range(n))]


def test_values_appear_as_their_nodes_are_computed():
    x = gt.dscalar("x")
    s = gt.sigmoid(x * 3.0)
    cost = s * (1 - s)
    stepper = BackpropStepper(cost, [x], {"x": 0.4})
    shown = []
    for k in range(stepper.n_forward):
        stepper.step = k
        nodes = svg_nodes(stepper.svg)
        with_value = [v for v in var_ids(nodes) if line_value(nodes[v]["lines"], "value") is not None]
        shown.append(len(with_value))
        for out in stepper.current_node.outputs:           # the node just computed shows its value
            assert out in stepper.values
        assert not any(line_value(nodes[v]["lines"], "grad") for v in var_ids(nodes))   # no adjoints yet
    assert shown == sorted(shown) and shown[0] < shown[-1]
    out_value = line_value(node_by_first_line(stepper.svg, "output")["lines"], "value")
    sv = _sigmoid(1.2)
    np.testing.assert_allclose(as_float(out_value), sv * (1 - sv), rtol=5e-4)


def _grad_values(cost, wrt, inputs, values):
    f = gradlab.function(inputs, gt.grad(cost, wrt), on_unused_input="ignore")
    return [np.asarray(g) for g in f(*values)]


GRAD_CASES = [
    # name, build(x, w, W) -> (cost, wrt)
    ("x used twice", lambda x, w, W: (x * x + gt.sin(x), [x])),
    ("broadcast scalar", lambda x, w, W: ((gt.sigmoid(w * x) ** 2).sum() + x * x, [x, w])),
    ("matrix-vector", lambda x, w, W: (gt.tanh(gt.dot(W, w)).sum() * x, [x, w, W])),
    ("only some inputs", lambda x, w, W: (gt.exp(w / x).mean(), [w])),
    ("max and log", lambda x, w, W: (gt.log(gt.maximum(w, x) + 2.0).sum(), [x, w])),
]


@pytest.mark.parametrize("name,build", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_final_adjoints_equal_grad_for_inputs_and_every_intermediate(name, build):
    x, w, W = gt.dscalar("x"), gt.dvector("w"), gt.dmatrix("W")
    cost, wrt = build(x, w, W)
    point = {x: 0.6, w: np.array([0.5, -1.0, 2.0]), W: np.arange(9.0).reshape(3, 3) / 10 - 0.3}
    inputs = [v for v in (x, w, W) if v in gradlab.graph.traversal.graph_inputs([cost])]
    given = {v: point[v] for v in inputs}
    stepper = BackpropStepper(cost, wrt, given if len(wrt) < 3 else {v.name: p for v, p in given.items()})
    values = [point[v] for v in inputs]
    expected = _grad_values(cost, wrt, inputs, values)
    for got, want in zip(stepper.gradient, expected):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-14)
    # every intermediate real variable too (grad with respect to it)
    stepper.step = stepper.n_steps - 1
    final = stepper.adjoints
    inner = [v for v in final if v.owner is not None and v is not cost]
    assert inner
    for var, want in zip(inner, _grad_values(cost, inner, inputs, values)):
        np.testing.assert_allclose(final[var], want, rtol=1e-10, atol=1e-14)


def test_each_adjoint_accumulates_its_terms_step_by_step():
    x = gt.dscalar("x")
    cost = x * x + gt.sin(x)          # d/dx = x + x + cos x: three terms
    a = 0.9
    stepper = BackpropStepper(cost, [x], [a])
    totals = []
    terms = []
    for k in range(stepper.n_forward, stepper.n_steps):
        stepper.step = k
        assert stepper.phase == "backward"
        for c in stepper.contributions:
            if c.variable is x:
                terms.append(float(c.term))
                totals.append(float(c.total))
        if x in stepper.adjoints:
            shown = as_float(line_value(node_by_first_line(stepper.svg, "x")["lines"], "grad"))
            np.testing.assert_allclose(shown, float(stepper.adjoints[x]), rtol=5e-4)
    assert sorted(terms) == pytest.approx(sorted([a, a, np.cos(a)]))
    np.testing.assert_allclose(totals, np.cumsum(terms))
    np.testing.assert_allclose(totals[-1], 2 * a + np.cos(a))
    assert "bold" in stepper.table.value and " + " in stepper.table.value


def test_before_the_backward_pass_the_adjoints_are_empty_and_then_the_seed_is_one():
    x = gt.dscalar("x")
    cost = gt.exp(x) * 2.0
    stepper = BackpropStepper(cost, [x], [0.1])
    stepper.step = stepper.n_forward - 1
    assert stepper.adjoints == {} and stepper.contributions == []
    stepper.step = stepper.n_forward
    assert stepper.adjoints[cost] == 1.0
    assert line_value(node_by_first_line(stepper.svg, "output")["lines"], "grad") == "1"
    (only,) = stepper.contributions
    assert only.variable is cost.owner.inputs[0]                          # exp(x)
    np.testing.assert_allclose(only.term, 2.0)                            # d (2 e) / d e = 2


def test_a_computed_input_cuts_the_graph():
    x = gt.dscalar("x")
    h = gt.tanh(x * 2.0)
    h.name = "h"
    cost = h ** 3
    stepper = BackpropStepper(cost, [h], {h: 0.5})
    assert [str(n.op) for n in stepper.trace.order] == [str(cost.owner.op)]
    np.testing.assert_allclose(stepper.gradient[0], 3 * 0.5 ** 2)


def test_backprop_trace_is_plain_data():
    x = gt.dscalar("x")
    trace = BackpropTrace(gt.sin(x) * x, [x], [1.3])
    assert [s.phase for s in trace.forward_steps] == ["forward", "forward"]
    assert [len(s.contributions) for s in trace.backward_steps] == [2, 1]
    np.testing.assert_allclose(trace.gradient[0], np.cos(1.3) * 1.3 + np.sin(1.3))
    np.testing.assert_allclose(trace.values[trace.cost], np.sin(1.3) * 1.3)


def test_bad_arguments_are_clear_errors():
    x, y = gt.dscalar("x"), gt.dscalar("y")
    with pytest.raises(TypeError, match="real scalar cost"):
        BackpropStepper(gt.dvector("v") * 2, [x], [1.0])
    with pytest.raises(ValueError, match="also needs values for y"):
        BackpropStepper(x * y, [x], {x: 1.0})
    with pytest.raises(ValueError, match="got 2 values for 1 inputs"):
        BackpropStepper(x * y, [x], [1.0, 2.0])
    with pytest.raises(KeyError, match="not an input"):
        BackpropStepper(x * 2, [x], {"z": 1.0})
    stepper = BackpropStepper(x * 2, [x], [1.0])
    with pytest.raises(IndexError, match="1 forward, 1 backward"):
        stepper.step = 2
