"""DerivativeExplorer: the plot's y-data equal f, f' and f'' (numpy), the
tangent follows the point slider, parameter sliders redraw the curves, and
the graph picture carries the values at the point."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("matplotlib")
pytest.importorskip("graphviz")

import gradlab.tensor as gt
from gradlab.widgets import DerivativeExplorer
from widget_helpers import as_float, line_value, node_by_first_line


def _sigmoid(v):
    return 1 / (1 + np.exp(-v))


CURVES = [
    # name, build(x), f, f', f''
    ("logistic", lambda x: 1 / (1 + gt.exp(-x)), _sigmoid, lambda t: _sigmoid(t) * (1 - _sigmoid(t)),
     lambda t: _sigmoid(t) * (1 - _sigmoid(t)) * (1 - 2 * _sigmoid(t))),
    ("cubic", lambda x: x ** 3 - 2 * x, lambda t: t ** 3 - 2 * t, lambda t: 3 * t ** 2 - 2, lambda t: 6 * t),
    ("sin*exp", lambda x: gt.sin(x) * gt.exp(-x / 4), lambda t: np.sin(t) * np.exp(-t / 4),
     lambda t: (np.cos(t) - np.sin(t) / 4) * np.exp(-t / 4),
     lambda t: (-np.sin(t) - np.cos(t) / 2 + np.sin(t) / 16) * np.exp(-t / 4)),
]


@pytest.mark.parametrize("name,build,f,df,d2f", CURVES, ids=[c[0] for c in CURVES])
def test_plot_y_data_equal_f_and_its_derivatives(name, build, f, df, d2f):
    x = gt.dscalar("x")
    explorer = DerivativeExplorer(build(x), x, domain=(-3, 4), num=57)
    data = explorer.figure_data()
    xs = data["x"]
    assert xs[0] == -3 and xs[-1] == 4 and xs.size == 57
    np.testing.assert_allclose(data["f"], f(xs), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(data["f'"], df(xs), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(data["f''"], d2f(xs), rtol=1e-9, atol=1e-12)


def test_the_tangent_and_the_point_follow_the_point_slider():
    x = gt.dscalar("x")
    explorer = DerivativeExplorer(x ** 3 - 2 * x, x, domain=(-2, 2))
    before_png, before_svg = explorer.png, explorer.svg
    curves = {k: explorer.figure_data()[k].copy() for k in ("f", "f'", "f''")}
    for a in (-1.5, 0.0, 1.25):
        explorer.point_slider.value = a
        assert explorer.error_message == ""
        data = explorer.figure_data()
        fa, slope = a ** 3 - 2 * a, 3 * a ** 2 - 2
        assert data["point"] == pytest.approx((a, fa))
        np.testing.assert_allclose(data["tangent"], fa + slope * (data["x"] - a), rtol=1e-12, atol=1e-12)
        for k, ys in curves.items():                 # the curves do not move with the point
            np.testing.assert_array_equal(data[k], ys)
        x_node = node_by_first_line(explorer.svg, "x")["lines"]
        assert as_float(line_value(x_node, "value")) == pytest.approx(a, abs=1e-3)
        np.testing.assert_allclose(as_float(line_value(x_node, "grad")), slope, rtol=5e-4, atol=1e-9)
        legend = [t.get_text() for t in explorer.figure.axes[0].get_legend().get_texts()]
        assert f"tangent at x = {a:g}" in legend[3]
    assert explorer.png != before_png and explorer.png[:4] == b"\x89PNG"
    assert explorer.svg != before_svg


def _pixels(png):
    import io
    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)


def test_the_blitted_png_is_the_figure_drawn_from_scratch():
    pytest.importorskip("PIL")
    from gradlab.widgets.render import PLOT_DPI, figure_png
    x, k = gt.dscalar("x"), gt.dscalar("k")
    explorer = DerivativeExplorer(gt.tanh(k * x), x, params={"k": (0.5, 2.0, 1.0)}, show_graph=False)
    for change in ({"point": -2.0}, {"k": 1.1}, {"k": 0.6, "point": 0.5}):
        if "k" in change:
            explorer.param_sliders["k"].value = change["k"]
        if "point" in change:
            explorer.point = change["point"]
        fast, full = _pixels(explorer.png), _pixels(figure_png(explorer.figure, PLOT_DPI))
        assert fast.shape == full.shape
        assert np.mean(np.abs(fast - full) > 40) < 2e-4      # the same picture (a stale tangent is ~2e-3)


def test_the_y_range_stays_while_the_curves_fill_it():
    x, a = gt.dscalar("x"), gt.dscalar("a")
    explorer = DerivativeExplorer(a * x ** 2, x, params={"a": (0.1, 10.0, 1.0)}, domain=(-2, 2), show_graph=False)
    ax = explorer.figure.axes[0]
    start = ax.get_ylim()
    explorer.param_sliders["a"].value = 0.9               # the curves shrink a little: same axes
    assert ax.get_ylim() == start
    explorer.param_sliders["a"].value = 3.0               # they leave the range: new axes
    low, high = ax.get_ylim()
    data = explorer.figure_data()
    assert high >= max(data["f"].max(), data["f'"].max()) and low <= min(data["f"].min(), data["f'"].min())
    explorer.param_sliders["a"].value = 0.5               # they shrink below 60% of it: new axes again
    assert ax.get_ylim()[1] < high * 0.6


def test_parameter_sliders_redraw_the_curves():
    x, a, b = gt.dscalar("x"), gt.dscalar("a"), gt.dscalar("b")
    explorer = DerivativeExplorer(a * gt.sin(b * x), x, params={"a": 2.0, b: (0.0, 4.0, 0.5)}, domain=(-3, 3))
    assert set(explorer.param_sliders) == {"a", "b"}
    assert (explorer.param_sliders["b"].min, explorer.param_sliders["b"].max) == (0.0, 4.0)
    assert explorer.params == {"a": 2.0, "b": 0.5}
    for av, bv in ((2.0, 0.5), (-1.0, 0.5), (-1.0, 3.0)):
        explorer.param_sliders["a"].value = av
        explorer.param_sliders["b"].value = bv
        data = explorer.figure_data()
        xs = data["x"]
        np.testing.assert_allclose(data["f"], av * np.sin(bv * xs), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(data["f'"], av * bv * np.cos(bv * xs), rtol=1e-9, atol=1e-12)
        a0 = explorer.point
        np.testing.assert_allclose(data["point"][1], av * np.sin(bv * a0))
        low, high = explorer.figure.axes[0].get_ylim()
        assert low <= min(data["f"].min(), data["f'"].min()) and high >= max(data["f"].max(), data["f'"].max())
    explorer.params = {"a": 0.5, "b": 2.0}
    np.testing.assert_allclose(explorer.figure_data()["f"], 0.5 * np.sin(2.0 * explorer.figure_data()["x"]))
    explorer.params = {"c": 1.0}                 # a bad name: a message in the widget, the values kept
    assert "the parameters are ['a', 'b']" in explorer.error_message
    assert explorer.params == {"a": 0.5, "b": 2.0}


def test_unlisted_parameters_get_a_slider_at_one():
    x, k = gt.dscalar("x"), gt.dscalar("k")
    explorer = DerivativeExplorer(gt.exp(k * x), x)
    assert explorer.params == {"k": 1.0}
    np.testing.assert_allclose(explorer.figure_data()["f"], np.exp(explorer.figure_data()["x"]), rtol=1e-12)


def test_undefined_values_are_plotted_as_gaps_not_errors():
    x = gt.dscalar("x")
    explorer = DerivativeExplorer(gt.log(x), x, domain=(-2, 2), num=41)
    data = explorer.figure_data()
    assert np.isnan(data["f"][data["x"] < 0]).all()
    np.testing.assert_allclose(data["f'"][data["x"] > 0], 1 / data["x"][data["x"] > 0])
    explorer.point = -1.0
    assert explorer.error_message == "" and np.isnan(explorer.figure_data()["point"][1])


def test_bad_arguments_are_clear_errors():
    x = gt.dscalar("x")
    with pytest.raises(ValueError, match="outside the domain"):
        DerivativeExplorer(x ** 2, x, domain=(0, 1), point=3.0)
    with pytest.raises(KeyError, match="not a parameter"):
        DerivativeExplorer(x ** 2, x, params={"y": 1.0})
    with pytest.raises(TypeError, match="must be a scalar"):
        DerivativeExplorer(gt.dvector("v").sum(), gt.dvector("v"))
    with pytest.raises(ValueError, match="low < high"):
        DerivativeExplorer(x * gt.dscalar("a"), x, params={"a": (2.0, 1.0)})
    plain = DerivativeExplorer(x ** 2, x, show_graph=False, order=1)
    assert plain.svg == "" and set(plain.figure_data()) == {"x", "f", "f'", "tangent", "point"}


def test_the_graph_at_the_point_is_what_viz_graph_draws():
    from gradlab import viz
    x, a = gt.dscalar("x"), gt.dscalar("a")
    expr = a * gt.tanh(x) ** 2 + gt.exp(-x)
    explorer = DerivativeExplorer(expr, x, params={"a": 0.5})
    for point in (0.75, -1.25):
        explorer.point = point
        expected = viz.graph(expr, values={x: point, a: 0.5}, adjoints=True,
                             title=f"values and adjoints at x = {point:g}")
        assert explorer.make_digraph().source == expected.source
