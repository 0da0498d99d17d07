"""Playground: a typed formula becomes three pictures and a plot whose
y-data equal f and f'; a mistake is a message with the position, never an
exception; formulas are built once and cached."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("matplotlib")
pytest.importorskip("graphviz")

import gradlab
from gradlab.parse import FormulaError, parse
from gradlab.widgets import Playground, playground as playground_module
from widget_helpers import op_ids, svg_nodes, svg_texts


def _sigmoid(v):
    return 1 / (1 + np.exp(-v))


@pytest.fixture(scope="module")
def pg():
    return Playground()


def test_the_default_formula_is_the_logistic_curve(pg):
    pg.formula = "1/(1+exp(-x))"
    assert pg.valid and pg.error_message == "" and pg.error_position is None
    data = pg.figure_data()
    xs = data["x"]
    np.testing.assert_allclose(data["f"], _sigmoid(xs), rtol=1e-12)
    np.testing.assert_allclose(data["f'"], _sigmoid(xs) * (1 - _sigmoid(xs)), rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(pg.function(0.3), _sigmoid(0.3) * (1 - _sigmoid(0.3)), rtol=1e-12)
    assert pg.plot_image.value == pg.png and pg.png[:4] == b"\x89PNG"
    # three different pictures: f, its gradient as built (bigger), the rewritten gradient
    n_graph = len(op_ids(svg_nodes(pg.svg_graph)))
    n_gradient = len(op_ids(svg_nodes(pg.svg_gradient)))
    # a fused composite is drawn opened: a cluster (cluster_n<k>) of its inner ops
    n_rewritten = len(op_ids(svg_nodes(pg.svg_rewritten))) + pg.svg_rewritten.count("<title>cluster_n")
    assert n_graph == 4 and n_gradient > n_graph and n_rewritten == len(pg.function.maker.fgraph.apply_nodes)
    assert pg.pictures["graph"].svg == pg.svg_graph


POLYNOMIALS = [
    ("x**3", lambda t: t ** 3, lambda t: 3 * t ** 2),
    ("x^2 + 1", lambda t: t ** 2 + 1, lambda t: 2 * t),
    ("sin(x)*cos(x)", lambda t: np.sin(t) * np.cos(t), lambda t: np.cos(2 * t)),
    ("sqrt(x*x + 1)", lambda t: np.sqrt(t * t + 1), lambda t: t / np.sqrt(t * t + 1)),
    ("where(x < 1, x, 2*x - 1)", lambda t: np.where(t < 1, t, 2 * t - 1), lambda t: np.where(t < 1, 1.0, 2.0)),
]


@pytest.mark.parametrize("formula,f,df", POLYNOMIALS, ids=[p[0] for p in POLYNOMIALS])
def test_a_new_formula_redraws_everything_with_f_and_its_derivative(pg, formula, f, df):
    pg.formula = "1/(1+exp(-x))"
    old = (pg.svg_graph, pg.svg_gradient, pg.svg_rewritten, pg.png)
    pg.formula = formula
    assert pg.error_message == ""
    data = pg.figure_data()
    np.testing.assert_allclose(data["f"], f(data["x"]), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(data["f'"], df(data["x"]), rtol=1e-9, atol=1e-12)
    for new, before in zip((pg.svg_graph, pg.svg_gradient, pg.svg_rewritten, pg.png), old):
        assert new != before
    a = pg.point
    np.testing.assert_allclose(pg.function(a), df(a), rtol=1e-12)


def _position(formula):
    with pytest.raises(FormulaError) as info:
        parse(formula)
    return info.value.position


MISTAKES = ["2x", "exp(x", "x +* 2", "__import__('os')", "x.real", "", "foo(x)", "x ** ", "lambda: 1"]


@pytest.mark.parametrize("formula", MISTAKES)
def test_a_mistake_is_a_message_with_its_position_and_the_pictures_stay(pg, formula):
    pg.formula = "x**2"
    good = (pg.svg_graph, pg.svg_gradient, pg.figure_data()["f"].copy())
    pg.formula = formula                                      # must not raise
    assert not pg.valid
    assert pg.error_position == _position(formula)
    lines = pg.error_message.split("\n")
    caret_lines = [line for line in lines if line.strip() == "^"]
    if pg.error_position is not None and formula:
        assert len(caret_lines) == 1
        assert caret_lines[0].index("^") - 4 == pg.error_position      # 4 spaces of indent, as str(FormulaError)
    assert "Traceback" not in pg.error_message
    assert pg.message.layout.display is None and "gradlab-error" in pg.message._dom_classes
    assert (pg.svg_graph, pg.svg_gradient) == good[:2]
    np.testing.assert_array_equal(pg.figure_data()["f"], good[2])
    pg.formula = "x**2"
    assert pg.valid and pg.error_message == "" and pg.message.layout.display == "none"


def test_formulas_that_parse_but_cannot_be_differentiated_explain_why(pg):
    pg.formula = "x < 1"
    assert not pg.valid and pg.error_position is None
    assert "bool" in pg.error_message and "where(" in pg.error_message


def test_formulas_are_built_once_and_cached(monkeypatch):
    calls = []
    real = playground_module.build
    monkeypatch.setattr(playground_module, "build", lambda *a, **k: calls.append(a[0]) or real(*a, **k))
    pg = Playground("x**2")
    first = pg.built
    pg.formula = "exp(x)"
    pg.formula = "  x**2 "                     # same formula, other spacing: from the cache
    assert pg.built is first and calls == ["x**2", "exp(x)"]
    assert pg.svg_graph == first.svgs["graph"]


def test_other_names_become_parameter_sliders(pg):
    pg.formula = "a*x**2 + b"
    assert set(pg.params) == {"a", "b"} and [s.description for s in pg.param_box.children] == ["a =", "b ="]
    pg.param_sliders["a"].value = 2.0
    pg.param_sliders["b"].value = -1.0
    data = pg.figure_data()
    np.testing.assert_allclose(data["f"], 2 * data["x"] ** 2 - 1, rtol=1e-12)
    np.testing.assert_allclose(data["f'"], 4 * data["x"], rtol=1e-12)
    pg.formula = "a*sin(x)"                     # a keeps its value; b's slider goes away
    assert pg.params == {"a": 2.0} and len(pg.param_box.children) == 1
    np.testing.assert_allclose(pg.figure_data()["f"], 2 * np.sin(pg.figure_data()["x"]), rtol=1e-12)
    pg.param_sliders["a"].value = 1.0


def test_the_point_slider_moves_the_tangent(pg):
    pg.formula = "x**3"
    for a in (-2.0, 0.5, 1.5):
        pg.point_slider.value = a
        data = pg.figure_data()
        assert data["point"] == pytest.approx((a, a ** 3))
        np.testing.assert_allclose(data["tangent"], a ** 3 + 3 * a ** 2 * (data["x"] - a), rtol=1e-12, atol=1e-12)


def test_constants_and_other_variable_names_plot_too():
    pg = Playground("2")
    assert pg.valid
    data = pg.figure_data()
    np.testing.assert_allclose(data["f"], 2.0)
    np.testing.assert_allclose(data["f'"], 0.0)
    pg.formula = "y**2"                          # no x: y is the variable
    assert pg.wrt.name == "y" and pg.params == {}
    np.testing.assert_allclose(pg.figure_data()["f'"], 2 * pg.figure_data()["x"], rtol=1e-12)
    assert "d f / d y" in " ".join(svg_texts(pg.svg_gradient))


def test_the_rewritten_picture_is_the_compiled_gradient():
    pg = Playground("x**2")
    assert gradlab.pp(pg.function) == "(2.0 * x)"
    labels = [svg_nodes(pg.svg_rewritten)[k]["lines"][0] for k in op_ids(svg_nodes(pg.svg_rewritten))]
    assert labels == ["*"]
