"""Issue 17: bad values handed to a widget give a message in its error line
and keep the old state; user strings reaching HTML are escaped."""
from __future__ import annotations

import math

import numpy as np
import pytest
import traitlets

import gradlab
import gradlab.tensor as gt
from gradlab.widgets import DerivativeExplorer, GradCheck, GraphExplorer, Playground

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def test_graph_explorer_bad_value_is_a_message_and_keeps_the_old_values():
    v, x = gt.dvector("v"), gt.dscalar("x")
    explorer = GraphExplorer((v * x).sum(), values={"v": [1.0, 2.0]})
    explorer.values_toggle.value = True
    svg, caption = explorer.svg, explorer.caption.value
    explorer.values = {"v": "abc"}
    assert explorer.error_message.startswith("ValueError: values: v needs a Tensor(float64, shape=(?,)) value, "
                                             "got 'abc'")
    np.testing.assert_array_equal(explorer.values[v], [1.0, 2.0])
    assert explorer.svg == svg and explorer.caption.value == caption
    explorer.values = {"v": [[1.0]]}                                 # wrong number of dimensions
    assert "expected 1 dimension" in explorer.error_message
    explorer.values = {"v": [3.0, 4.0]}                              # a good value clears the message
    assert explorer.error_message == "" and "v = [3, 4]" in explorer.caption.value
    assert explorer.values[v].dtype == np.float64


@pytest.mark.parametrize("name", ["<b>x</b>", "<script>alert(1)</script>", 'a&b"<img src=x onerror=alert(1)>'])
def test_names_reaching_html_are_escaped(name):
    x = gt.dscalar(name)
    explorer = GraphExplorer(x * 2.0)
    explorer.values_toggle.value = True
    for html_text in (explorer.caption.value, explorer.svg):
        assert "<b>x" not in html_text and "<script" not in html_text and "<img" not in html_text
    assert "&lt;" in explorer.caption.value
    check = GradCheck(x ** 2, {x: 1.0})
    assert "<script" not in check.table.value and "<img" not in check.table.value and "<b>x" not in check.table.value
    explorer.values = {"nope": 1.0}                                  # the message box escapes too
    assert "<b>x" not in explorer.message.value and "<script" not in explorer.message.value


@pytest.mark.parametrize("domain,fragment", [
    ((-math.inf, math.inf), "has an infinite or NaN end; a plot needs finite limits such as (-6, 6)"),
    ((0.0, math.nan), "has an infinite or NaN end"),
    ((-1e308, 1e308), "is too wide to plot (its width is over 1e+306 or overflows); use a range such as (-1e6, 1e6)"),
    ((1e10, 1e10 + 1e-3), "is too narrow for its magnitude"),
    ((2.0, 1.0), "low < high"),
    ("wide", "must be a pair of numbers (low, high)"),
])
def test_derivative_widgets_refuse_unplottable_domains(domain, fragment):
    x = gt.dscalar("x")
    with pytest.raises(ValueError) as info:
        DerivativeExplorer(gt.sin(x), x, domain=domain)
    assert fragment in str(info.value)
    with pytest.raises(ValueError) as info:
        Playground("sin(x)", domain=domain)
    assert fragment in str(info.value)
    explorer = DerivativeExplorer(gt.sin(x), x, domain=(-1e300, 1e300), show_graph=False)  # wide but measurable
    assert explorer.error_message == "" and np.all(np.isfinite(explorer.figure_data()["x"]))


def test_a_vector_parameter_is_a_clear_error_with_the_fix():
    """A slider sets one number: a vector parameter is refused (decision: no vector of sliders),
    with the one line that fixes it, which works."""
    x, v = gt.dscalar("x"), gt.dvector("v")
    with pytest.raises(TypeError, match=r"the parameter v is Tensor\(float64, shape=\(\?,\)\), not a scalar; "
                                        r"each parameter gets one slider"):
        DerivativeExplorer(v.sum() * x, x)
    fixed = gradlab.graph.clone_replace(v.sum() * x, {v: gt.constant([1.0, 2.0])})
    explorer = DerivativeExplorer(fixed, x, show_graph=False)
    assert explorer.figure_data()["point"] == (1.0, 3.0)


@pytest.mark.parametrize("bad,fragment", [
    (math.nan, "must be a finite number in [-6, 6], got nan"),
    (math.inf, "must be a finite number in [-6, 6], got inf"),
    (100.0, "= 100 is outside its range [-6, 6]"),
    ("abc", "must be a number in [-6, 6], got str 'abc'"),
])
def test_point_and_params_setters_report_and_keep_the_state(bad, fragment):
    x, a = gt.dscalar("x"), gt.dscalar("a")
    explorer = DerivativeExplorer(a * gt.sin(x), x, params={"a": 2.0}, show_graph=False)
    playground = Playground("a*sin(x)")
    for widget in (explorer, playground):
        widget.point = 0.5
        before = widget.figure_data()
        widget.point = bad
        assert f"the point x {fragment}" in widget.error_message
        assert widget.point == 0.5
        np.testing.assert_array_equal(widget.figure_data()["tangent"], before["tangent"])
        params = widget.params
        widget.params = {"a": bad}
        assert "the parameter a" in widget.error_message
        assert widget.params == params
        widget.params = {"a": 1.5}
        assert widget.error_message == "" and widget.params == {"a": 1.5}


def test_sliders_refuse_nan_directly():
    playground = Playground("a*sin(x)")
    for slider in (playground.point_slider, playground.param_sliders["a"]):
        old = slider.value
        with pytest.raises(traitlets.TraitError, match="must be a finite number, got nan"):
            slider.value = math.nan
        assert slider.value == old


def test_gradcheck_eps_is_checked_not_clamped():
    with pytest.raises(ValueError, match=r"eps must be a finite number in \[1e-12, 0.1\], got nan"):
        GradCheck(lambda a: a ** 2, [1.0], eps=math.nan)
    with pytest.raises(ValueError, match=r"eps = 0 is outside its range \[1e-12, 0.1\]"):
        GradCheck(lambda a: a ** 2, [1.0], eps=0.0)
    check = GradCheck(lambda a: a ** 2, [1.0], eps=1e-6)
    rows = list(check.rows)
    for bad, fragment in ((math.nan, "got nan"), (1.0, "eps = 1 is outside its range"),
                          (1e-20, "eps = 1e-20 is outside its range"), (-1e-3, "is outside its range")):
        check.eps = bad
        assert fragment in check.error_message
        assert check.eps == 1e-6 and check.rows == rows
    check.eps = 1e-4
    assert check.error_message == "" and check.eps == pytest.approx(1e-4)
    assert check.rows[0][1] == pytest.approx(2.0)
