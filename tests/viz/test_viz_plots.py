"""Plots: the curves' y-data equal f and its derivatives, the tangent line is
right, heat maps hold the matrix, arrows hold the gradient."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import gradlab.tensor as gt
from gradlab.gradient import hessian, jacobian
from gradlab.viz import plot_derivative, plot_gradient_field, plot_matrix

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def test_logistic_and_its_derivative_s_times_one_minus_s():
    x = gt.dscalar("x")
    s = 1 / (1 + gt.exp(-x))
    fig = plot_derivative(s, x, domain=(-6, 6))
    f_line, d_line = fig.axes[0].lines[:2]
    xs = f_line.get_xdata()
    assert xs[0] == -6 and xs[-1] == 6
    np.testing.assert_allclose(f_line.get_ydata(), _sigmoid(xs), rtol=1e-12)
    sv = _sigmoid(xs)
    np.testing.assert_allclose(d_line.get_ydata(), sv * (1 - sv), rtol=1e-9, atol=1e-15)
    assert f_line.get_label().startswith("f(x) = ") and d_line.get_label() == "f′(x)"


DERIVATIVE_TABLE = [
    # expr, [f, f', f'', f'''] as numpy functions
    ("sin", lambda x: gt.sin(x), [np.sin, np.cos, lambda t: -np.sin(t), lambda t: -np.cos(t)]),
    ("cubic", lambda x: x ** 3 - 2 * x, [lambda t: t ** 3 - 2 * t, lambda t: 3 * t ** 2 - 2, lambda t: 6 * t,
                                         lambda t: 6 + 0 * t]),
    ("sigmoid", lambda x: gt.sigmoid(x), [_sigmoid, lambda t: _sigmoid(t) * (1 - _sigmoid(t)),
                                          lambda t: _sigmoid(t) * (1 - _sigmoid(t)) * (1 - 2 * _sigmoid(t)), None]),
    ("exp_tanh", lambda x: gt.exp(gt.tanh(x)), [lambda t: np.exp(np.tanh(t)),
                                                lambda t: np.exp(np.tanh(t)) * (1 - np.tanh(t) ** 2), None, None]),
]


@pytest.mark.parametrize("name,build,expected", DERIVATIVE_TABLE, ids=[r[0] for r in DERIVATIVE_TABLE])
def test_higher_order_curves(name, build, expected):
    x = gt.dscalar("x")
    order = max(k for k, fn in enumerate(expected) if fn is not None)
    fig = plot_derivative(build(x), x, domain=(-2, 3), order=order, num=57)
    lines = fig.axes[0].lines
    assert len(lines) == order + 1
    for line, fn in zip(lines, expected):
        np.testing.assert_allclose(line.get_ydata(), fn(line.get_xdata()), rtol=1e-9, atol=1e-12)


def test_tangent_line_at_a_point():
    x = gt.dscalar("x")
    fig = plot_derivative(gt.sigmoid(x), x, at=1.5)
    f_line, d_line, tangent, point = fig.axes[0].lines
    xs = tangent.get_xdata()
    s = _sigmoid(1.5)
    np.testing.assert_allclose(tangent.get_ydata(), s + s * (1 - s) * (xs - 1.5), rtol=1e-12)
    np.testing.assert_allclose(point.get_xydata(), [[1.5, s]])
    assert "tangent at x = 1.5" in tangent.get_label()
    # order 0 with a tangent still draws the tangent (slope from grad)
    fig = plot_derivative(x ** 2, x, order=0, at=-1.0)
    f_line, tangent, _ = fig.axes[0].lines
    np.testing.assert_allclose(tangent.get_ydata(), 1 - 2 * (tangent.get_xdata() + 1))


def test_params_give_other_inputs_and_draw_into_given_axes():
    from matplotlib.figure import Figure
    x, a = gt.dscalar("x"), gt.dscalar("a")
    fig = Figure()
    ax = fig.add_subplot()
    assert plot_derivative(gt.sin(a * x), x, params={"a": 2.0}, ax=ax) is fig
    f_line, d_line = ax.lines
    np.testing.assert_allclose(d_line.get_ydata(), 2 * np.cos(2 * d_line.get_xdata()), rtol=1e-9, atol=1e-12)
    with pytest.raises(ValueError, match="also depends on a"):
        plot_derivative(gt.sin(a * x), x)


def test_plot_derivative_errors():
    x, v = gt.dscalar("x"), gt.dvector("v")
    with pytest.raises(TypeError, match="expr must be a scalar"):
        plot_derivative(v.sum() * v, x)
    with pytest.raises(TypeError, match="wrt must be a scalar"):
        plot_derivative(v.sum(), v)
    with pytest.raises(ValueError, match="low < high"):
        plot_derivative(x * 2, x, domain=(1, 1))
    with pytest.raises(ValueError, match="order must be a whole number"):
        plot_derivative(x * 2, x, order=-1)


def test_plot_matrix_shows_a_hessian_with_a_centred_diverging_map():
    v = gt.dvector("v")
    H = hessian((v ** 3).sum() + v[0] * v[1], v)
    value = np.array([1.0, -2.0, 3.0])
    fig = plot_matrix(H, values={v: value})
    image = fig.axes[0].images[0]
    expected = np.diag(6 * value) + np.array([[0, 1, 0], [1, 0, 0], [0, 0, 0]])
    np.testing.assert_allclose(image.get_array(), expected)
    assert image.get_cmap().name == "PuOr" and image.get_clim() == (-18.0, 18.0)
    texts = sorted(t.get_text() for t in fig.axes[0].texts)
    assert texts == sorted(["6", "1", "0", "1", "-12", "0", "0", "0", "18"])


def test_plot_matrix_of_a_jacobian_array_and_shapes():
    x = gt.dvector("x")
    J = jacobian(gt.exp(x) * 2, x)
    fig = plot_matrix(J, values={x: [0.0, 1.0]}, title="J")
    np.testing.assert_allclose(fig.axes[0].images[0].get_array(), np.diag(2 * np.exp([0.0, 1.0])))
    image = fig.axes[0].images[0]           # one diverging map centred at 0, also for positive data
    assert image.get_cmap().name == "PuOr" and image.get_clim() == (-2 * np.e, 2 * np.e)
    assert fig.axes[0].get_title() == "J"
    big = plot_matrix(np.linspace(-1, 1, 400).reshape(20, 20))
    assert len(big.axes[0].texts) == 0      # the numbers would not fit their cells
    assert plot_matrix(np.arange(3.0)).axes[0].images[0].get_array().shape == (1, 3)
    with pytest.raises(ValueError, match="needs a matrix"):
        plot_matrix(np.zeros((2, 2, 2)))


def test_gradient_field_arrows_are_the_gradient():
    x, y = gt.dscalar("x"), gt.dscalar("y")
    cost = x ** 2 + 3 * y ** 2 + x * y
    fig = plot_gradient_field(cost, (x, y), xlim=(-2, 2), ylim=(-1, 1), arrows=5, num=21)
    from matplotlib.quiver import Quiver
    (quiver,) = [c for c in fig.axes[0].collections if isinstance(c, Quiver)]
    X, Y = quiver.X, quiver.Y
    np.testing.assert_allclose(quiver.U, 2 * X + Y)
    np.testing.assert_allclose(quiver.V, 6 * Y + X)
    down = plot_gradient_field(cost, (x, y), arrows=4, num=5, descent=True)
    (q,) = [c for c in down.axes[0].collections if isinstance(c, Quiver)]
    np.testing.assert_allclose(q.U, -(2 * q.X + q.Y))
    with pytest.raises(ValueError, match="two variables"):
        plot_gradient_field(cost, (x,))


_BACKEND = """
import sys, gradlab.tensor as gt, gradlab.viz as viz, matplotlib
x = gt.dscalar("x"); viz.plot_derivative(x * x, x, num=5)
print(matplotlib.get_backend())
"""


@pytest.mark.parametrize("env_backend,expected", [(None, "agg"), ("svg", "svg")])
def test_agg_only_when_no_backend_is_configured(env_backend, expected):
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    env["PYTHONPATH"] = ROOT
    if env_backend:
        env["MPLBACKEND"] = env_backend
    done = subprocess.run([sys.executable, "-c", _BACKEND], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().lower() == expected


def test_heat_map_numbers_are_written_only_when_they_fit():
    from gradlab.viz import heatmap
    small = plot_matrix(np.array([[1.2345, -0.5], [0.25, 2.0]]))
    texts = [t.get_text() for t in small.axes[0].texts]
    assert texts == ["1.2", "-0.5", "0.2", "2.0"] or texts == ["1.2", "-0.5", "0.3", "2.0"]    # two digits of the largest
    assert all(t.get_fontsize() * heatmap.DPI / 72 >= 11 for t in small.axes[0].texts)     # >= 11 px
    # a 12 x 12 matrix of small numbers ("-0.0009"): they would not fit the cells, so none is written
    crowded = plot_matrix(np.random.default_rng(0).uniform(-1, 1, (12, 12)) * 1e-3)
    assert not heatmap.numbers_fit(["-0.0009"], heatmap.cell_size(12, 12)) and not crowded.axes[0].texts
    assert heatmap.numbers_fit(["-0.5"], heatmap.cell_size(2, 2))
    assert len(plot_matrix(np.ones((12, 12)), annotate=True).axes[0].texts) == 144     # forced


def test_heat_map_colour_scale_is_symmetric_around_zero_with_a_colour_bar():
    data = np.array([[3.0, -1.0], [0.5, 0.0]])
    fig = plot_matrix(data)
    image = fig.axes[0].images[0]
    low, high = image.get_clim()
    assert low == -high == -3.0
    assert len(fig.axes) == 2                   # the colour bar
    positive = plot_matrix(np.array([[1.0, 2.0]])).axes[0].images[0]
    assert positive.get_clim() == (-2.0, 2.0)   # 0 stays the neutral colour


def test_small_off_diagonal_entries_show_on_a_log_or_clipped_scale():
    H = np.diag(np.tile([1.2, -1.2], 20)) + 0.01 * (np.eye(40, k=1) + np.eye(40, k=-1))
    linear = plot_matrix(H).axes[0].images[0]
    log = plot_matrix(H, scale="log").axes[0].images[0]
    clipped = plot_matrix(H, clip=0.05)
    # on a linear ±1.2 scale, 0.01 is 0.4 % away from white; on the log scale a third of the way
    assert abs(linear.norm(0.01) - 0.5) < 0.01
    assert abs(log.norm(0.01) - 0.5) > 0.15 and abs(log.norm(-0.01) - 0.5) > 0.15
    assert abs(clipped.axes[0].images[0].norm(0.01) - 0.5) >= 0.09
    assert clipped.axes[0].images[0].get_clim() == (-0.05, 0.05)


def test_heat_map_size_follows_the_shape_and_tick_labels_are_thinned():
    from gradlab.viz import heatmap
    small, big = plot_matrix(np.eye(3)), plot_matrix(np.eye(40))
    assert small.get_size_inches()[0] < big.get_size_inches()[0] <= 9.0 + 1e-9     # <= 900 px shown
    ticks = big.axes[0].get_xticks()
    assert len(ticks) < 40 and np.all(np.diff(ticks) == ticks[1] - ticks[0])
    # tick labels do not overlap: their spacing in points exceeds their height
    spacing_pt = (ticks[1] - ticks[0]) * heatmap.cell_size(40, 40) * 72
    assert spacing_pt >= 1.5 * heatmap.TICK_FONT
    bundle, meta = big._repr_mimebundle_()
    assert meta["image/png"]["width"] == round(big.get_size_inches()[0] * heatmap.DPI)
    import base64, struct
    png = base64.b64decode(bundle["image/png"])
    assert struct.unpack(">I", png[16:20])[0] >= 2 * meta["image/png"]["width"] - 2      # rendered at 2x
