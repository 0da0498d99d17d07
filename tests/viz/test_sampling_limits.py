"""Sampling and derivative orders are capped with a message that says what to do
(issue 17: plot_derivative(order=10) took 34 s / 1.1 GB, num=10**7 71 s / 2 GB)."""
import pytest

import gradlab.tensor as gt
from gradlab.viz import plot_derivative, plot_gradient_field
from gradlab.viz.sampling import MAX_ORDER, MAX_POINTS, check_order, check_points


def test_derivative_order_above_the_cap_is_refused_at_once():
    x = gt.dscalar("x")
    with pytest.raises(ValueError) as info:
        plot_derivative(1 / (1 + gt.exp(-x)), x, order=10)      # refused before any gradient is built
    text = str(info.value)
    assert "order=10" in text and f"limit of {MAX_ORDER}" in text and f"order={MAX_ORDER} or less" in text


def test_the_highest_allowed_order_still_plots():
    x = gt.dscalar("x")
    fig = plot_derivative(gt.sin(x), x, order=MAX_ORDER, num=41)
    ys = [line.get_ydata() for line in fig.axes[0].lines]
    assert len(ys) == MAX_ORDER + 1
    # the 6th derivative of sin is -sin
    assert ys[MAX_ORDER] == pytest.approx(-ys[0], abs=1e-12)


@pytest.mark.parametrize("num", [10 ** 7, MAX_POINTS + 1])
def test_too_many_points_are_refused_with_the_limit(num):
    x = gt.dscalar("x")
    with pytest.raises(ValueError) as info:
        plot_derivative(x ** 2, x, num=num)
    text = str(info.value)
    assert f"num={num:,}" in text and f"{MAX_POINTS:,}" in text and "or fewer" in text


def test_derivative_explorer_refuses_too_many_points():
    pytest.importorskip("ipywidgets")
    from gradlab.widgets import DerivativeExplorer
    x = gt.dscalar("x")
    with pytest.raises(ValueError, match="num=10,000,000 is too many sample points"):
        DerivativeExplorer(gt.sin(x), x, num=10 ** 7)


def test_gradient_field_counts_the_grid():
    x, y = gt.dscalar("x"), gt.dscalar("y")
    with pytest.raises(ValueError, match=r"1,000\^2 = 1,000,000 points.*num=316 or fewer"):
        plot_gradient_field(x ** 2 + y ** 2, (x, y), num=1000)


@pytest.mark.parametrize("bad", [0, 1, -5, 2.5, True, "100", None])
def test_points_must_be_a_whole_number_of_at_least_two(bad):
    with pytest.raises(ValueError, match="num must be a whole number of sample points >= 2"):
        check_points(bad)


@pytest.mark.parametrize("bad", [-1, 1.5, False, "2"])
def test_order_must_be_a_whole_number(bad):
    with pytest.raises(ValueError, match="order must be a whole number >= 0"):
        check_order(bad)


def test_limits_accept_what_they_allow():
    assert check_points(MAX_POINTS) == MAX_POINTS and check_points(241.0) == 241
    assert check_points(316, axes=2) == 316
    assert check_order(0) == 0 and check_order(MAX_ORDER) == MAX_ORDER
