"""The checkers of notebooks 04–09: each right answer is accepted, and each
typical wrong answer gets its own hint (not only "wrong")."""
from __future__ import annotations

import numpy as np
import pytest

import gradlab
import gradlab.tensor as gt
from gradlab import exercises
from gradlab.graph import Apply, Op


def wrong_with(feedback, *words):
    assert not feedback, feedback
    for word in words:
        assert word in feedback.message, feedback.message
    return feedback


# -- 04 -----------------------------------------------------------------------

@pytest.fixture
def x():
    return gt.dscalar("x")


def test_tanh_squared_right(x):
    assert exercises.check_tanh_squared_derivative(2 * gt.tanh(x) * (1 - gt.tanh(x) ** 2), x)
    assert exercises.check_tanh_squared_derivative(gt.grad(gt.tanh(x) ** 2, x), x)


@pytest.mark.parametrize("build, words", [
    (lambda x: 2 * gt.tanh(x), ("outer derivative only", "1 - tanh(x)²")),
    (lambda x: 1 - gt.tanh(x) ** 2, ("inner derivative only",)),
    (lambda x: 2 * gt.tanh(x) * (1 + gt.tanh(x) ** 2), ("sign inside",)),
    (lambda x: 2 * (1 - gt.tanh(x) ** 2), ("evaluated at u = tanh(x)",)),
    (lambda x: gt.tanh(x), ("du",)),
])
def test_tanh_squared_mistakes(x, build, words):
    wrong_with(exercises.check_tanh_squared_derivative(build(x), x), *words)


def test_tanh_squared_placeholder(x):
    wrong_with(exercises.check_tanh_squared_derivative(..., x), "`...`")


def test_jacobian_at_point():
    assert exercises.check_jacobian_at_point([[2, 1], [1, 4], [np.cos(1), 0]])
    wrong_with(exercises.check_jacobian_at_point([3 + np.cos(1), 5]), "gradient of y.sum()")
    wrong_with(exercises.check_jacobian_at_point([[2, 1], [1, 4], [np.sin(1), 0]]), "sin(1)")
    wrong_with(exercises.check_jacobian_at_point([[2, 1, np.cos(1)], [1, 4, 0]]), "Transposed")


def test_cube_hessian_vector_product():
    assert exercises.check_cube_hessian_vector_product(np.array([6.0, 12.0]))
    wrong_with(exercises.check_cube_hessian_vector_product(np.diag([6.0, 12.0])), "Hessian itself")
    wrong_with(exercises.check_cube_hessian_vector_product([3.0, 12.0]), "gradient")
    wrong_with(exercises.check_cube_hessian_vector_product([2.0, 2.0]), "sum(x²)")
    wrong_with(exercises.check_cube_hessian_vector_product([6.0, 6.0]), "x = [1, 1]")


# -- 05 -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def logistic_trace():
    x = gt.dscalar("x")
    return gradlab.function([x], gt.grad(1 / (1 + gt.exp(-x)), x)).maker.trace


def test_stabilizing_rule(logistic_trace):
    first_stabilize = next(s for s in logistic_trace.steps if s.rule_set == "stabilize")
    assert exercises.check_stabilizing_rule(first_stabilize.rule, logistic_trace)
    wrong_with(exercises.check_stabilizing_rule("useless_fill", logistic_trace), "canonicalize", "sigmoid")
    later = next(s for s in logistic_trace.steps if s.rule_set == "specialize")
    wrong_with(exercises.check_stabilizing_rule(later.rule, logistic_trace), "comes later")
    wrong_with(exercises.check_stabilizing_rule("no_such_rule", logistic_trace), "rules applied were")
    wrong_with(exercises.check_stabilizing_rule(5, logistic_trace), "as a string")


def test_stable_softplus():
    x = gt.dscalar("x")
    assert exercises.check_stable_softplus(gt.maximum(x, 0) + gt.log1p(gt.exp(-abs(x))), x)
    wrong_with(exercises.check_stable_softplus(gt.log(1 + gt.exp(x)), x), "overflows", "x = 1000")
    wrong_with(exercises.check_stable_softplus(gt.maximum(x, 0), x), "drops the correction")
    wrong_with(exercises.check_stable_softplus(gt.maximum(x, 0) + gt.log1p(gt.exp(-x * x)), x), "at x = ")
    wrong_with(exercises.check_stable_softplus(..., x), "`...`")


def test_rule_sets():
    right = {"x * 1 -> x": "canonicalize", "exp(x*y) + exp(x*y): computed once": "merge",
             "log(1 + exp(x)) -> softplus(x)": "stabilize", "neg(1) -> -1": "constant folding",
             "exp(v) * 2 + sin(v) ** 2 - v -> one Composite": "fusion"}
    assert list(right) == exercises.rule_set_questions()
    assert exercises.check_rule_sets(right)
    wrong_with(exercises.check_rule_sets({**right, "x * 1 -> x": "stabilize"}), "'x * 1 -> x' is not stabilize",
               "standard form")
    wrong_with(exercises.check_rule_sets({**right, "neg(1) -> -1": "canonicalize"}), "in advance")
    wrong_with(exercises.check_rule_sets({**right, "neg(1) -> -1": "magic"}), "not a rule set")
    wrong_with(exercises.check_rule_sets({"x * 1 -> x": "canonicalize"}), "no entry for")
    wrong_with(exercises.check_rule_sets(["canonicalize"]), "should be a dict")
    wrong_with(exercises.check_rule_sets({q: ... for q in right}), "still `...`")


# -- 06 -----------------------------------------------------------------------

def test_saddle_eigenvalues():
    assert exercises.check_saddle_eigenvalues(np.linalg.eigvalsh([[2.0, 3.0], [3.0, 2.0]]))
    wrong_with(exercises.check_saddle_eigenvalues([5.0, -1.0]), "descending")
    wrong_with(exercises.check_saddle_eigenvalues([2.0, 2.0]), "diagonal")
    wrong_with(exercises.check_saddle_eigenvalues([[2.0, 3.0], [3.0, 2.0]]), "Hessian itself")


def test_scaled_jacobian():
    xv = np.array([1.0, 2.0, 3.0])
    x = gt.dvector("x")
    J = gradlab.function([x], gradlab.gradient.jacobian(x * x.sum(), x, vectorize=True))(xv)
    assert exercises.check_scaled_jacobian(J)
    wrong_with(exercises.check_scaled_jacobian(6 * np.eye(3)), "constant")
    wrong_with(exercises.check_scaled_jacobian(J.T), "transposed")
    wrong_with(exercises.check_scaled_jacobian(np.tile(J.sum(axis=0), (3, 1))), "y.sum()")


def test_rosenbrock_hvp():
    assert exercises.check_rosenbrock_hvp([802.0, -400.0])
    wrong_with(exercises.check_rosenbrock_hvp([0.0, 0.0]), "gradient at the minimum")
    wrong_with(exercises.check_rosenbrock_hvp([-400.0, 200.0]), "second column")
    wrong_with(exercises.check_rosenbrock_hvp([[802.0, -400.0], [-400.0, 200.0]]), "whole 2 × 2 Hessian")


# -- 07 -----------------------------------------------------------------------

def running(step, start):
    x = gt.dvector("x")
    out, _ = gradlab.scan(step, sequences=x, outputs_info=gt.constant(start))
    return out, x


def test_running_product():
    assert exercises.check_running_product(*running(lambda x_t, p: p * x_t, 1.0))
    wrong_with(exercises.check_running_product(*running(lambda x_t, p: p + x_t, 0.0)), "running sum")
    wrong_with(exercises.check_running_product(*running(lambda x_t, p: p * x_t, 0.0)), "start", "1.0")
    x = gt.dvector("x")
    wrong_with(exercises.check_running_product(x, x), "products")


def test_product_gradient():
    assert exercises.check_product_gradient([24.0, 12.0, 8.0, 6.0])
    wrong_with(exercises.check_product_gradient(np.ones(4)), "gradient of a sum")
    wrong_with(exercises.check_product_gradient([33.0, 16.0, 10.0, 6.0]), "products.sum()")
    wrong_with(exercises.check_product_gradient([24.0, 12.0, 8.0]), "shape")


# -- 08 -----------------------------------------------------------------------

def cube_op(grad_rule=None, r_op_rule=None):
    """A cube Op whose grad / R_op compute ``rule(x, g)``."""
    namespace = {
        "__props__": (),
        "make_node": lambda self, x: Apply(self, [gt.as_tensor_variable(x)], [gt.as_tensor_variable(x).type()]),
        "perform": lambda self, node, inputs, out: out[0].__setitem__(0, inputs[0] ** 3),
    }
    if grad_rule is not None:
        namespace["grad"] = lambda self, inputs, grads: [grad_rule(inputs[0], grads[0])]
    if r_op_rule is not None:
        namespace["R_op"] = lambda self, inputs, points: [r_op_rule(inputs[0], points[0])]
    return type("Cube", (Op,), namespace)()


RIGHT = lambda x, g: g * 3 * x ** 2  # noqa: E731


@pytest.mark.parametrize("rule, words", [
    (lambda x, g: 3 * x ** 2, ("forgets g",)),
    (lambda x, g: g * x ** 2, ("factor 3",)),
    (lambda x, g: g * 3 * x, ("lowers the power twice",)),
    (lambda x, g: g * x ** 3, ("the Op's value",)),
    (lambda x, g: g * 2 * x ** 2, ("gives", "3·x²·g")),
])
def test_cube_grad_mistakes(rule, words):
    wrong_with(exercises.check_cube_grad(cube_op(grad_rule=rule)), *words)


def test_cube_grad_right_and_missing():
    assert exercises.check_cube_grad(cube_op(grad_rule=RIGHT))
    wrong_with(exercises.check_cube_grad(cube_op()), "raised")
    wrong_with(exercises.check_cube_grad(cube_op(grad_rule=lambda x, g: ...)), "still returns `...`")


@pytest.mark.parametrize("rule, words", [
    (lambda x, v: 3 * x ** 2, ("forgets v",)),
    (lambda x, v: v * 3 * x, ("lowers the power twice",)),
])
def test_cube_r_op_mistakes(rule, words):
    wrong_with(exercises.check_cube_r_op(cube_op(grad_rule=RIGHT, r_op_rule=rule)), *words)


def test_cube_r_op_right_and_missing():
    assert exercises.check_cube_r_op(cube_op(grad_rule=RIGHT, r_op_rule=RIGHT))
    wrong_with(exercises.check_cube_r_op(cube_op(grad_rule=RIGHT)), "no R_op of its own")
    wrong_with(exercises.check_cube_r_op(cube_op(grad_rule=RIGHT, r_op_rule=lambda x, v: ...)), "still returns `...`")


# -- 09 -----------------------------------------------------------------------

def test_backprop_gradient():
    w, b, x, y = (gt.dscalar(n) for n in "wbxy")
    values = gradlab.function([w, b, x, y], gt.grad((w * x + b - y) ** 2, [w, b, x, y]))(1.0, 0.0, 3.0, 1.0)
    assert exercises.check_backprop_gradient([float(v) for v in values])
    wrong_with(exercises.check_backprop_gradient([12.0, 4.0, 4.0, 4.0]), "wrong sign", "minus")
    wrong_with(exercises.check_backprop_gradient([6.0, 2.0, 2.0, -2.0]), "half", "2r")
    wrong_with(exercises.check_backprop_gradient([4.0, 4.0, 12.0, -4.0]), "swapped")


def test_tangent_slope():
    assert exercises.check_tangent_slope(0.75)
    wrong_with(exercises.check_tangent_slope(0.5), "value of f at its centre")
    wrong_with(exercises.check_tangent_slope(0.25), "k = 1")
    wrong_with(exercises.check_tangent_slope(0.0), "flat")
    wrong_with(exercises.check_tangent_slope(None), "None")
