"""GraphExplorer: each toggle changes the SVG the way it says — types appear,
values equal numpy's, adjoints equal grad's, the rewritten graph is the
compiled one."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("graphviz")

import gradlab
import gradlab.tensor as gt
from gradlab.widgets import GraphExplorer, render
from widget_helpers import as_float, line_value, node_by_first_line, op_ids, svg_nodes, svg_texts


def _op_labels(svg):
    nodes = svg_nodes(svg)
    return sorted(nodes[k]["lines"][0] for k in op_ids(nodes))


def test_before_and_after_rewriting_show_the_built_and_the_compiled_graph():
    x = gt.dscalar("x")
    gy = gt.grad(x ** 2, x)
    explorer = GraphExplorer(gy)
    before = explorer.svg
    assert _op_labels(before) == sorted(["fill", "*", "*", "**", "**", "-"])
    explorer.view = "after"
    f = explorer.function
    assert gradlab.pp(f.maker.fgraph.outputs[0]) == "(2.0 * x)"
    assert _op_labels(explorer.svg) == ["*"]
    explorer.view_buttons.value = "both"
    nodes = svg_nodes(explorer.svg)
    assert sorted(nodes[k]["lines"][0] for k in op_ids(nodes) if k.startswith("a_")) == ["*"]
    assert len([k for k in op_ids(nodes) if k.startswith("b_")]) == 6
    explorer.view = "before"
    assert explorer.svg == before
    with pytest.raises(ValueError, match="view must be one of"):
        explorer.view = "sideways"


def test_types_toggle_writes_each_variables_type():
    x = gt.dvector("x")
    explorer = GraphExplorer((x * 2).sum())
    assert not any("Tensor(float64" in t for t in svg_texts(explorer.svg))
    explorer.types_toggle.value = True
    texts = svg_texts(explorer.svg)
    assert "Tensor(float64, shape=(?,))" in texts and "Scalar(float64)" in texts


VALUE_CASES = [
    # name, build(x) -> cost, x value, numpy f, numpy f'
    ("square+sin", lambda x: x ** 2 + gt.sin(x), 1.5, lambda v: v ** 2 + np.sin(v), lambda v: 2 * v + np.cos(v)),
    ("logistic", lambda x: 1 / (1 + gt.exp(-x)), -0.75, lambda v: 1 / (1 + np.exp(-v)),
     lambda v: np.exp(-v) / (1 + np.exp(-v)) ** 2),
    ("x*x*x", lambda x: x * x * x, 0.8, lambda v: v ** 3, lambda v: 3 * v ** 2),
]


@pytest.mark.parametrize("name,build,value,f,df", VALUE_CASES, ids=[c[0] for c in VALUE_CASES])
def test_values_and_adjoints_on_the_picture_equal_numpy_and_grad(name, build, value, f, df):
    x = gt.dscalar("x")
    cost = build(x)
    explorer = GraphExplorer(cost, values={"x": value})
    assert line_value(node_by_first_line(explorer.svg, "x")["lines"], "value") is None
    explorer.values_toggle.value = True
    out = node_by_first_line(explorer.svg, "output")["lines"]
    np.testing.assert_allclose(as_float(line_value(out, "value")), f(value), rtol=5e-4)
    assert line_value(out, "grad") is None
    explorer.adjoints_toggle.value = True
    x_lines = node_by_first_line(explorer.svg, "x")["lines"]
    grad_value = gradlab.function([x], gt.grad(cost, x))(value)
    np.testing.assert_allclose(as_float(line_value(x_lines, "grad")), grad_value, rtol=5e-4)
    np.testing.assert_allclose(grad_value, df(value), rtol=1e-9)
    # the rewritten graph computes the same value (fused ops have no gradient: their inputs show "grad —")
    explorer.view = "after"
    assert explorer.error_message == ""
    out_after = node_by_first_line(explorer.svg, "output")["lines"]
    np.testing.assert_allclose(as_float(line_value(out_after, "value")), f(value), rtol=5e-4)


def test_setting_values_redraws_with_the_new_numbers_and_names_the_default():
    x = gt.dscalar("x")
    explorer = GraphExplorer(x * 3.0)
    explorer.values_toggle.value = True
    assert line_value(node_by_first_line(explorer.svg, "output")["lines"], "value") == "4.5"   # default x = 1.5
    assert "x = 1.5" in explorer.caption.value
    explorer.values = {x: -2.0}
    assert line_value(node_by_first_line(explorer.svg, "output")["lines"], "value") == "-6"
    assert explorer.values[x] == -2.0
    explorer.values = {"y": 1.0}                 # a bad key: a message in the widget, the values kept
    assert "its inputs are (x)" in explorer.error_message
    assert explorer.values[x] == -2.0


def test_toggles_are_disabled_when_they_cannot_work():
    x = gt.dvector("x")
    W = gt.dmatrix("W")
    vector_out = GraphExplorer(gt.dot(W, x))
    assert vector_out.values_toggle.disabled            # shapes unknown and no values given
    assert "W, x" in vector_out.values_toggle.tooltip or "x, W" in vector_out.values_toggle.tooltip
    assert vector_out.adjoints_toggle.disabled
    vector_out.values = {W: np.eye(2), x: np.array([1.0, 2.0])}
    assert not vector_out.values_toggle.disabled and vector_out.adjoints_toggle.disabled   # not a scalar
    vector_out.adjoints_toggle.value = True               # ignored: nothing breaks
    assert vector_out.error_message == "" and "grad" not in " ".join(svg_texts(vector_out.svg))
    scalar_out = GraphExplorer(gt.dot(W, x).sum(), values={W: np.eye(2), x: np.array([1.0, 2.0])})
    assert not scalar_out.adjoints_toggle.disabled
    scalar_out.adjoints_toggle.value = True
    assert "grad [1, 1]" in svg_texts(scalar_out.svg)     # d sum / d (W x)


def test_a_compiled_function_shows_its_user_graph_and_its_compiled_graph():
    x, y = gt.dscalar("x"), gt.dscalar("y")
    f = gradlab.function([x, y], x * 1 + y * 0 + x)
    explorer = GraphExplorer(f, values={"x": 2.0, "y": 5.0})
    assert explorer.function is f
    explorer.view = "after"
    explorer.values_toggle.value = True
    assert "value 4" in svg_texts(explorer.svg)
    assert len(op_ids(svg_nodes(explorer.svg))) == len(f.maker.fgraph.apply_nodes)


def test_a_failure_while_drawing_is_a_message_not_an_exception(monkeypatch):
    x = gt.dscalar("x")
    explorer = GraphExplorer(gt.exp(x))
    good = explorer.svg
    from graphviz import ExecutableNotFound

    def broken(dot):
        raise ExecutableNotFound(["dot"])

    monkeypatch.setattr("gradlab.widgets.graph_explorer.svg_text", broken)
    explorer.types_toggle.value = True                 # must not raise
    assert "graphviz is missing" in explorer.error_message and "apt-get install graphviz" in explorer.error_message
    assert explorer.svg == good                        # the last picture stays
    monkeypatch.setattr("gradlab.widgets.graph_explorer.svg_text", render.svg_text)
    explorer.types_toggle.value = False
    assert explorer.error_message == "" and explorer.svg == good
