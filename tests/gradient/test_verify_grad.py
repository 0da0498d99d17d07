"""``verify_grad`` and ``numeric_grad``."""
from __future__ import annotations

import numpy as np
import pytest

import gradlab.tensor as gt
from gradlab.graph import Apply, Op
from gradlab.gradient import GradientError, numeric_grad, verify_grad


def test_tutorial_example_passes():
    verify_grad(gt.tanh, (np.asarray([[2, 3, 4], [-1, 3.3, 9.9]]),), rng=np.random.default_rng(23098))


def test_accepts_an_op_instance_and_several_inputs():
    from gradlab.tensor.elemwise import elemwise_op
    verify_grad(elemwise_op("mul"), [np.array([1.0, 2.0]), np.array([3.0, -1.0])], rng=np.random.default_rng(0))


class WrongGrad(Op):
    """``out = x ** 2`` whose gradient claims ``scale * 2 x`` (right when scale == 1)."""

    __props__ = ("scale",)

    def __init__(self, scale):
        self.scale = scale

    def make_node(self, x):
        x = gt.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = np.asarray(inputs[0] ** 2, dtype=node.outputs[0].dtype)

    def grad(self, inputs, output_grads):
        return [output_grads[0] * (2.0 * self.scale) * inputs[0]]


def test_wrong_gradient_raises_gradient_error_with_every_field():
    point = np.array([1.0, 2.0, 3.0])
    with pytest.raises(GradientError) as info:
        verify_grad(lambda a, b: a * 1.0 + WrongGrad(1.5)(b), [point, point], rng=np.random.default_rng(1))
    err = info.value
    assert err.arg == 1
    assert 0 <= err.err_pos < 3
    assert err.shape == (3,)
    assert err.val2 == pytest.approx(1.5 * err.val1, rel=1e-5)
    assert err.abs_err == pytest.approx(abs(err.val1 - err.val2))
    assert err.rel_err == pytest.approx(err.abs_err / (abs(err.val1) + abs(err.val2)))
    assert err.abs_tol == 1e-4 and err.rel_tol == 1e-4
    text = str(err)
    assert "argument 1" in text and f"position {err.err_pos}" in text
    assert repr(err.val1) in text and repr(err.val2) in text


def test_fails_only_when_both_tolerances_are_exceeded():
    point = [np.array([1e-3, 2e-3])]
    op = WrongGrad(1.5)  # relative error 0.2, absolute error about 1e-3
    with pytest.raises(GradientError):
        verify_grad(op, point, rng=np.random.default_rng(2), abs_tol=1e-4, rel_tol=1e-4)
    verify_grad(op, point, rng=np.random.default_rng(2), abs_tol=1e-2, rel_tol=1e-4)
    verify_grad(op, point, rng=np.random.default_rng(2), abs_tol=1e-4, rel_tol=0.5)


def test_rejects_integer_inputs_and_non_list_points():
    with pytest.raises(TypeError, match="input 0 has dtype int64"):
        verify_grad(gt.exp, [np.array([1, 2])])
    with pytest.raises(TypeError, match="pt must be a list"):
        verify_grad(gt.exp, np.array([1.0, 2.0]))


def test_rejects_several_outputs():
    with pytest.raises(NotImplementedError, match="one output"):
        verify_grad(lambda x: [x * 2.0, x * 3.0], [np.array([1.0])])


def test_float32_uses_float32_steps_and_tolerances():
    verify_grad(gt.sin, [np.array([0.3, 1.2], dtype="float32")], rng=np.random.default_rng(3))
    verify_grad(gt.sin, [np.array([0.3, 1.2], dtype="float32")], rng=np.random.default_rng(3),
                cast_to_output_type=True)
    with pytest.raises(GradientError) as info:
        verify_grad(WrongGrad(1.5), [np.array([0.5, 1.0], dtype="float32")], rng=np.random.default_rng(4))
    assert info.value.abs_tol == 1e-2


def test_default_rng_is_deterministic_and_n_tests_draws_new_projections():
    verify_grad(gt.exp, [np.array([0.1, 0.2])])
    verify_grad(gt.exp, [np.array([0.1, 0.2])], n_tests=3, rng=np.random.RandomState(0))


def test_eps_changes_the_step():
    # a kink 1e-5 from the point: the default step sees the smooth side, a huge one straddles it
    verify_grad(gt.abs, [np.array([1e-5, -2.0])], rng=np.random.default_rng(5))
    with pytest.raises(GradientError):
        verify_grad(gt.abs, [np.array([1e-5, -2.0])], rng=np.random.default_rng(5), eps=1e-3)


# ---------------------------------------------------------------------------
def test_numeric_grad_of_a_sum_of_squares():
    ng = numeric_grad(lambda a, b: np.sum(a ** 2) + np.sum(3 * b), [np.array([1.0, -2.0]), np.array([[0.5]])])
    assert isinstance(ng.gf, list) and len(ng.gf) == 2
    np.testing.assert_allclose(ng.gf[0], [2.0, -4.0], rtol=1e-6)
    np.testing.assert_allclose(ng.gf[1], [[3.0]], rtol=1e-6)


def test_numeric_grad_of_a_single_array_is_a_single_array():
    ng = numeric_grad(lambda a: np.sum(np.sin(a)), np.array([0.1, 0.2]))
    assert isinstance(ng.gf, np.ndarray)
    np.testing.assert_allclose(ng.gf, np.cos([0.1, 0.2]), rtol=1e-6)


def test_numeric_grad_errors():
    abs_err, rel_err = numeric_grad.abs_rel_err(np.array([1.0, 0.0]), np.array([1.5, 0.0]))
    np.testing.assert_allclose(abs_err, [0.5, 0.0])
    np.testing.assert_allclose(rel_err, [0.5 / 2.5, 0.0])
    ng = numeric_grad(lambda a: np.sum(a ** 2), [np.array([1.0, 2.0, 3.0])])
    errs = ng.abs_rel_errors([np.array([2.0, 4.5, 6.0])])
    np.testing.assert_allclose(errs[0][0], [0.0, 0.5, 0.0], atol=1e-6)
    with pytest.raises(ValueError, match="got 2 gradients"):
        ng.abs_rel_errors([np.zeros(3), np.zeros(3)])
    with pytest.raises(ValueError, match="shape"):
        ng.abs_rel_errors([np.zeros(2)])
    arg, pos, abs_err, rel_err = ng.max_err([np.array([2.0, 4.5, 6.0])], 1e-4, 1e-4)
    assert (arg, pos) == (0, 1)
    assert abs_err == pytest.approx(0.5, abs=1e-6) and rel_err == pytest.approx(0.5 / 8.5, abs=1e-6)


def test_numeric_grad_rejects_integer_points():
    with pytest.raises(TypeError, match="dtype int64"):
        numeric_grad(lambda a: a.sum(), [np.array([1, 2])])
