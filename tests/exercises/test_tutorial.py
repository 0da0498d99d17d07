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
    refused = exercises.check_tanh_squared_derivative(gt.grad(gt.tanh(x) ** 2, x), x)
    assert not refused and "built by gt.grad" in refused.message, refused
    # the seed is found however the gradient is wrapped
    wrong_with(exercises.check_tanh_squared_derivative(1.0 * gt.grad(gt.tanh(x) ** 2, x) + 0, x), "gt.grad")


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


def test_stabilizing_rule_of_the_softplus():
    x = gt.dscalar("x")
    trace = gradlab.function([x], gt.log(1 + gt.exp(x))).maker.trace
    right = exercises.check_stabilizing_rule("softplus_from_log", trace)
    assert right and "log(1 + exp(x)) -> softplus(x)" in right.message


def test_stable_softplus_refuses_the_ready_made_operation():
    x = gt.dscalar("x")
    wrong_with(exercises.check_stable_softplus(gt.softplus(x), x), "gt.softplus", "yourself")
    wrong_with(exercises.check_stable_softplus(gt.log(gt.sigmoid(x)) + 0 * x + gt.softplus(x) - gt.log(gt.sigmoid(x)),
                                               x), "ready-made")


def test_stable_log_sigmoid():
    x = gt.dscalar("x")
    assert exercises.check_stable_log_sigmoid(gt.minimum(x, 0) - gt.log1p(gt.exp(-abs(x))), x)
    wrong_with(exercises.check_stable_log_sigmoid(-gt.log(1 + gt.exp(-x)), x), "overflows", "never positive")
    wrong_with(exercises.check_stable_log_sigmoid(gt.minimum(x, 0), x), "drops the correction")
    wrong_with(exercises.check_stable_log_sigmoid(gt.log(gt.sigmoid(x)), x), "gt.sigmoid")
    wrong_with(exercises.check_stable_log_sigmoid(-gt.softplus(-x), x), "gt.softplus")
    wrong_with(exercises.check_stable_log_sigmoid(gt.minimum(x, 0) + gt.log1p(gt.exp(-abs(x))), x), "at x = ")
    wrong_with(exercises.check_stable_log_sigmoid(..., x), "`...`")


def test_rule_sets():
    right = {"(x * 2) * 3 -> 6 * x": "canonicalize",
             "sin(x) ** 2 + cos(sin(x)): sin(x) computed once": "merge",
             "exp(x) - 1 -> expm1(x)": "stabilize", "exp(0.0) + x -> 1.0 + x": "constant folding",
             "x ** 0.5 -> sqrt(x)": "specialize", "tanh(v) * v + 1 -> one Composite": "fusion"}
    assert list(right) == exercises.rule_set_questions()
    assert exercises.check_rule_sets(right)
    q = "(x * 2) * 3 -> 6 * x"
    wrong_with(exercises.check_rule_sets({**right, q: "stabilize"}), f"{q!r} is not stabilize", "standard form")
    wrong_with(exercises.check_rule_sets({**right, "exp(0.0) + x -> 1.0 + x": "canonicalize"}), "in advance")
    wrong_with(exercises.check_rule_sets({**right, "x ** 0.5 -> sqrt(x)": "stabilize"}), "cheaper")
    wrong_with(exercises.check_rule_sets({**right, q: "magic"}), "not a rule set")
    wrong_with(exercises.check_rule_sets({q: "canonicalize"}), "no entry for")
    wrong_with(exercises.check_rule_sets(["canonicalize"]), "should be a dict")
    wrong_with(exercises.check_rule_sets({k: ... for k in right}), "still `...`")


def test_rule_set_questions_are_what_gradlab_does():
    """Each question's rewrite is applied by a rule of the set the answer names."""
    x, v = gt.dscalar("x"), gt.dvector("v")
    built = {"(x * 2) * 3 -> 6 * x": ([x], x * 2 * 3), "sin(x) ** 2 + cos(sin(x)): sin(x) computed once":
             ([x], gt.sin(x) ** 2 + gt.cos(gt.sin(x))), "exp(x) - 1 -> expm1(x)": ([x], gt.exp(x) - 1),
             "exp(0.0) + x -> 1.0 + x": ([x], gt.exp(gt.constant(0.0)) + x),
             "x ** 0.5 -> sqrt(x)": ([x], x ** 0.5), "tanh(v) * v + 1 -> one Composite": ([v], gt.tanh(v) * v + 1)}
    answers = dict(zip(exercises.rule_set_questions(), ["canonicalize", "merge", "stabilize", "constant_folding",
                                                         "specialize", "fusion"]))
    for question, (inputs, expression) in built.items():
        sets = {s.rule_set for s in gradlab.function(inputs, expression).maker.trace.steps}
        assert answers[question] in sets, (question, sets)


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


def test_newton_step():
    w = gt.dvector("w")
    cost = (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2
    g, H = gradlab.function([w], [gt.grad(cost, w), gradlab.gradient.hessian(cost, w)])([-1.0, 1.0])
    assert exercises.check_newton_step(np.linalg.solve(H, -g))
    wrong_with(exercises.check_newton_step(-g), "gradient descent direction")
    wrong_with(exercises.check_newton_step(np.linalg.solve(H, g)), "sign is flipped")
    wrong_with(exercises.check_newton_step(H), "2 × 2 matrix")


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
WITH_NONE = lambda x, v: None if v is None else RIGHT(x, v)  # noqa: E731


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
    wrong_with(exercises.check_cube_r_op(cube_op(grad_rule=RIGHT, r_op_rule=lambda x, v: None if v is None
                                                 else rule(x, v))), *words)


def test_cube_r_op_without_its_none_branch_is_refused():
    wrong_with(exercises.check_cube_r_op(cube_op(grad_rule=RIGHT, r_op_rule=RIGHT)), "eval_points = [None]",
               "if v is None")
    zero = cube_op(grad_rule=RIGHT, r_op_rule=lambda x, v: 0 * x if v is None else RIGHT(x, v))
    wrong_with(exercises.check_cube_r_op(zero), "returned", "return [None]")


def test_cube_r_op_right_and_missing():
    assert exercises.check_cube_r_op(cube_op(grad_rule=RIGHT, r_op_rule=WITH_NONE))
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


def test_tangent_slope_off_centre():
    s = 1 / (1 + np.exp(-3.0))
    right = exercises.check_tangent_slope(3 * s * (1 - s), point=2.0)
    assert right and "0.1355" in right.message
    wrong_with(exercises.check_tangent_slope(0.75, point=2.0), "slope at the centre", "x = 2")
    wrong_with(exercises.check_tangent_slope(s, point=2.0), "value of f at x = 2")
    wrong_with(exercises.check_tangent_slope(s * (1 - s), point=2.0), "k = 1")
