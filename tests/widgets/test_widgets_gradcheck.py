"""GradCheck: one row per entry with grad's value, the central difference and
their relative error; a wrong gradient is flagged on exactly its entries."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("ipywidgets")

import gradlab
import gradlab.tensor as gt
from gradlab.graph import Apply, Op
from gradlab.widgets import GradCheck


class CubeWithBadGrad(Op):
    """y = x**3 elementwise; its grad says 3 x**2 except for entries where x > 1 (then 2 x**2)."""

    def make_node(self, x):
        x = gt.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = np.asarray(inputs[0] ** 3)

    def grad(self, inputs, output_grads):
        (x,), (g,) = inputs, output_grads
        return [g * gt.switch(x > 1, 2.0, 3.0) * x ** 2]


def test_rows_hold_grad_the_central_difference_and_the_relative_error():
    W0 = np.array([[0.5, -0.2], [0.1, 0.3], [-0.4, 0.8]])
    v0 = np.array([1.5, -0.5])
    check = GradCheck(lambda W, v: gt.tanh(gt.dot(W, v)).sum(), [W0, v0])
    assert check.error_message == "" and check.passed
    indices = [r[0] for r in check.rows]
    assert indices == [(0, i, j) for i in range(3) for j in range(2)] + [(1, 0), (1, 1)]
    W, v = gt.dmatrix("W"), gt.dvector("v")
    cost = gt.tanh(gt.dot(W, v)).sum()
    gW, gv = gradlab.function([W, v], gt.grad(cost, [W, v]))(W0, v0)
    analytic = np.array([r[1] for r in check.rows])
    np.testing.assert_allclose(analytic, np.concatenate([gW.ravel(), gv.ravel()]), rtol=1e-12)
    # the numeric column is the central difference by hand
    f = gradlab.function([W, v], cost)
    eps = check.eps
    by_hand = []
    for k in range(W0.size):
        d = np.zeros(W0.size)
        d[k] = eps
        by_hand.append((f(W0 + d.reshape(W0.shape), v0) - f(W0 - d.reshape(W0.shape), v0)) / (2 * eps))
    np.testing.assert_allclose([r[2] for r in check.rows[:W0.size]], by_hand, rtol=1e-12)
    for _, a, n, rel in check.rows:
        assert rel == pytest.approx(abs(a - n) / max(abs(a) + abs(n), 1e-8))
    assert check.max_rel_err < 1e-6
    assert "W[2, 1]" in check.table_html and "v[0]" in check.table_html and "✓" in check.summary.value


def test_a_wrong_gradient_is_flagged_on_exactly_its_entries():
    point = np.array([0.5, 1.5, -2.0, 3.0])
    check = GradCheck(CubeWithBadGrad(), point)
    assert not check.passed
    bad = [r[0] for r, s in zip(check.rows, check.statuses) if s == "bad"]
    assert bad == [(0, 1), (0, 3)]                          # the entries with x > 1
    for (index, a, n, rel), status in zip(check.rows, check.statuses):
        x = point[index[1]]
        np.testing.assert_allclose(n, 3 * x ** 2, rtol=1e-6)
        np.testing.assert_allclose(a, (2 if x > 1 else 3) * x ** 2, rtol=1e-12)
    np.testing.assert_allclose(check.max_rel_err, 1 / 5)      # |2 - 3| / (2 + 3)
    assert check.table_html.count('class="gradlab-bad"') == 2
    assert check.table_html.count('class="gradlab-ok"') == 2 and "✗" in check.summary.value


def test_a_big_step_makes_the_numeric_gradient_drift():
    x0 = np.array([0.3, 1.1])
    check = GradCheck(lambda x: gt.sin(x * 3.0).sum(), x0)
    assert check.passed
    exact = [r[2] for r in check.rows]
    check.eps_slider.value = 1e-1
    assert check.eps == pytest.approx(0.1)
    drifted = [r[2] for r in check.rows]
    # central difference of sin(3x): cos(3x) * 3 * sin(3 eps) / (3 eps)
    np.testing.assert_allclose(drifted, 3 * np.cos(3 * x0) * np.sin(0.3) / 0.3, rtol=1e-9)
    assert not np.allclose(drifted, exact, rtol=1e-4) and not check.passed
    assert set(check.statuses) <= {"warn", "bad"}


def test_an_expression_with_a_dict_point_and_a_new_point():
    x, w = gt.dscalar("x"), gt.dvector("w")
    check = GradCheck((w * x).sum() ** 2, {"x": 2.0, w: [1.0, -3.0]})
    assert [r[0] for r in check.rows] == [(0,), (1, 0), (1, 1)]
    s = 2.0 * (1.0 - 3.0)
    np.testing.assert_allclose([r[1] for r in check.rows], [2 * s * -2.0, 2 * s * 2.0, 2 * s * 2.0])
    check.point = {"x": 1.0, "w": [0.5, 0.5]}
    np.testing.assert_allclose([r[1] for r in check.rows], [2.0, 2.0, 2.0])
    assert check.point_texts[1].value == "[0.5, 0.5]"
    with pytest.raises(ValueError, match=r"expected shape \(2,\), got \(3,\)"):
        check.point = {"x": 1.0, "w": [1.0, 2.0, 3.0]}


def test_typing_a_point_recomputes_and_a_typo_is_a_message():
    check = GradCheck(lambda x: (x ** 2).sum(), np.array([1.0, 2.0]))
    check.point_texts[0].value = "[3, -1]"
    np.testing.assert_allclose([r[1] for r in check.rows], [6.0, -2.0])
    check.point_texts[0].value = "[3, -1"                   # must not raise
    assert "nested list of numbers" in check.error_message
    np.testing.assert_allclose([r[1] for r in check.rows], [6.0, -2.0])
    check.point_texts[0].value = "[1, 2, 3]"
    assert "expected shape (2,)" in check.error_message
    check.point_texts[0].value = "[0.5, 0.5]"
    assert check.error_message == ""
    np.testing.assert_allclose([r[1] for r in check.rows], [1.0, 1.0])


def test_vector_outputs_are_summed_or_projected():
    x0 = np.array([0.2, -0.7, 1.3])
    summed = GradCheck(lambda x: gt.exp(x), x0)
    np.testing.assert_allclose([r[1] for r in summed.rows], np.exp(x0), rtol=1e-12)
    projected = GradCheck(lambda x: gt.exp(x), x0, projection="random")
    weights = np.random.default_rng(2357).random(3) + 0.5
    np.testing.assert_allclose([r[1] for r in projected.rows], weights * np.exp(x0), rtol=1e-12)
    assert projected.passed


def test_bad_arguments_are_clear_errors():
    with pytest.raises(TypeError, match="one output"):
        GradCheck(lambda x: [x, x], np.array([1.0]))
    with pytest.raises(TypeError, match="real values"):
        GradCheck(lambda x: x, np.array(["a"]))
    with pytest.raises(TypeError, match="needs point as a dict"):
        GradCheck(gt.dscalar("x") ** 2, [1.0])
    with pytest.raises(ValueError, match="'sum' or 'random'"):
        GradCheck(lambda x: x, 1.0, projection="max")
    with pytest.raises(ValueError, match="has 12 entries.*max_entries=10"):
        GradCheck(lambda x: x.sum(), np.ones((3, 4)), max_entries=10)
