"""Each rule, before and after: the printed result, the rule that fired, and
equal values (rewritten vs not) on sample inputs."""
from __future__ import annotations

import numpy as np
import pytest

import gradlab
import gradlab.tensor as gt
from gradlab.printing import pp
from gradlab.rewrite import rewrite_graph, rule_sets
from rewrite_helpers import assert_close, run, run_fgraph

UP_TO_SPECIALIZE = ("merge", "constant_folding", "canonicalize", "stabilize", "specialize")

x, y = gt.dvector("x"), gt.dvector("y")
s = gt.dscalar("s")
m = gt.dmatrix("m")
x3 = gt.tensor("float64", shape=(3,), name="x3")
m23 = gt.tensor("float64", shape=(2, 3), name="m23")
mcol4 = gt.tensor("float64", shape=(None, 4), name="mcol4")
X_VALUES = np.array([0.3, 1.5, 2.0])
Y_VALUES = np.array([-0.7, 0.25, 4.0])

# (id, expression, pp after rewriting, a rule that must have fired)
CASES = [
    ("mul_by_one", x * 1, "x", "collect_product"),
    ("add_zero", x + 0, "x", "collect_sum"),
    ("mul_by_zero_keeps_shape", x * 0, "fill(x, 0.0)", "collect_product"),
    ("zero_fill_times_scalar", s * gt.zeros_like(x), "fill(x, 0.0)", "collect_product"),
    ("sub_self", x - x, "fill(x, 0.0)", "collect_sum"),
    ("div_self_unknown_sign_is_kept", x / x, "(x / x)", None),
    ("div_self_nonzero", gt.exp(x) / gt.exp(x), "fill(exp(x), 1.0)", "collect_product"),
    ("double_neg", -(-x), "x", "double_neg"),
    ("neg_of_sub", -(x - y), "(y - x)", "neg_of_sub"),
    ("sub_of_neg", x - (-y), "(x + y)", "sub_of_neg"),
    ("product_constants", 2 * x * 3, "(6.0 * x)", "collect_product"),
    ("sum_constants", x + 2 + 3 - 1, "(4.0 + x)", "collect_sum"),
    ("times_minus_one", x * -1, "(-x)", "collect_product"),
    ("constant_first", x * 3, "(3 * x)", "constant_first"),
    ("pow_two", x ** 2, "sqr(x)", "pow_two"),
    ("pow_one", x ** 1, "x", "pow_one"),
    ("pow_zero", x ** 0, "fill(x, 1.0)", "pow_zero"),
    ("pow_minus_one", x ** -1, "(1.0 / x)", "pow_minus_one"),
    ("pow_half", x ** 0.5, "sqrt(x)", "pow_half"),
    ("mul_self", x * x, "sqr(x)", "mul_self"),
    ("log_exp", gt.log(gt.exp(x)), "x", "log_exp"),
    ("exp_log_unknown_sign_is_kept", gt.exp(gt.log(x)), "exp(log(x))", None),
    ("exp_log_nonnegative", gt.exp(gt.log(gt.sqr(x))), "sqr(x)", "exp_log"),
    ("sigmoid_from_exp", 1 / (1 + gt.exp(-x)), "sigmoid(x)", "sigmoid_from_exp"),
    ("softplus_from_log", gt.log(1 + gt.exp(x)), "softplus(x)", "softplus_from_log"),
    ("softplus_from_log1p", gt.log1p(gt.exp(x)), "softplus(x)", "softplus_from_log1p"),
    ("log_sigmoid", gt.log(gt.sigmoid(x)), "(-softplus((-x)))", "log_sigmoid"),
    ("one_minus_sigmoid", 1 - gt.sigmoid(x), "sigmoid((-x))", "one_minus_sigmoid"),
    ("cancel_factor_left", (x * y) / x, "y", "cancel_factor"),
    ("cancel_factor_right", (x * y) / y, "x", "cancel_factor"),
    ("log1p_from_log", gt.log(1 + x), "log1p(x)", "log1p_from_log"),
    ("expm1_from_exp", gt.exp(x) - 1, "expm1(x)", "expm1_from_exp"),
    ("logistic_in_product", gt.exp(x) / (1 + gt.exp(x)), "sigmoid(x)", "logistic_in_product"),
    ("logistic_derivative", gt.sigmoid(x) * gt.sigmoid(-x),
     "(exp((-abs(x))) / sqr((1.0 + exp((-abs(x))))))", "logistic_derivative"),
    # sigmoid(-x)*exp(x) - sigmoid(-x)**2*exp(x): like terms, 1 - sigmoid(x), then the logistic's derivative
    ("softplus_second_derivative", gt.grad(gt.sum(gt.grad(gt.sum(gt.log(1 + gt.exp(x))), x)), x),
     "(exp((-abs(x))) / sqr((1.0 + exp((-abs(x))))))", "one_plus_neg_sigmoid"),
    ("like_terms", gt.exp(x) * y + y * gt.exp(x), "((2.0 * y) * exp(x))", "collect_like_terms"),
    ("diagonal_product", gt.eye(gt.shape(x)[0]) * gt.exp(x), "AllocDiag(exp(x))", "diagonal_product"),
    ("dot_of_diagonal", gt.dot(gt.eye(gt.shape(x)[0]) * y, m.T), "(DimShuffle{0,x}(y) * Transpose(m))",
     "dot_of_diagonal"),
    ("dot_of_off_diagonal_is_kept", gt.dot(gt.eye(gt.shape(x)[0], k=1) * y, m.T),
     "Dot((Eye{dtype='float64'}(Subtensor{0}(Shape(x)), Subtensor{0}(Shape(x)), 1) * y), Transpose(m))", None),
    ("fill_to_value", gt.fill(x, s) * x, "(s * x)", "fill_to_value"),
    ("useless_fill", gt.fill(s, x), "x", "useless_fill"),
    ("fill_sink_meets_constants", gt.fill(x, 1.0) * 2 * x, "(2.0 * x)", "fill_sink"),
    ("uniform_constant_array", x3 * gt.constant(np.full(3, 2.0)), "(2.0 * x3)", "fill_to_value"),
    ("uniform_constant_array_gives_the_shape", x * gt.constant(np.full(3, 2.0)), "([2., 2., 2.] * x)",
     "constant_first"),
    ("transpose_of_transpose", m.T.T, "m", "merge_dimshuffles"),
    ("dimshuffle_merge", gt.dimshuffle(gt.dimshuffle(x, ["x", 0]), [1, "x"]), "DimShuffle{0,x}(x)",
     "merge_dimshuffles"),
    ("dimshuffle_of_fill", gt.dimshuffle(gt.fill(x, s), ["x", 0]) * m, "ShapeGuard((s * m), DimShuffle{x,0}(x))", "dimshuffle_of_fill"),  # x's length is still checked
    ("reshape_of_reshape", gt.reshape(gt.reshape(m, (3, 2)), (6,)), "Reshape{1}(m, [6])", "merge_reshapes"),
    ("shape_of_known_shape", gt.shape(m23), "[2, 3]", "static_shape"),
    ("sum_of_broadcast_scalar", gt.sum(gt.fill(m23, s)), "(6.0 * s)", "sum_of_broadcast_scalar"),
    ("sum_of_broadcast_scalar_unknown_shape", gt.sum(gt.fill(m, 2.0)), "(2.0 * cast{float64}(Prod(Shape(m))))",
     "sum_of_broadcast_scalar"),
    ("known_length_of_partly_known_shape", gt.shape(mcol4)[1], "4", "static_shape_entry"),
    ("unknown_length_is_kept", gt.shape(mcol4)[0], "Subtensor{0}(Shape(mcol4))", None),
    ("entry_of_arange", gt.arange(gt.shape(mcol4)[1])[3] * x, "(3 * x)", "constant_folding"),
    ("alloc_to_value", gt.alloc(s, 2, 3) * m23, "(s * m23)", "alloc_to_value"),
    ("gradient_of_square", (gt.fill(x ** 2, 1.0) * 2) * (x ** (gt.constant(2) - 1)), "(2.0 * x)", "pow_one"),
]


@pytest.mark.parametrize("case_id, expr, expected, rule", CASES, ids=[c[0] for c in CASES])
def test_rule_before_and_after(case_id, expr, expected, rule):
    r = rewrite_graph(expr, sets=UP_TO_SPECIALIZE)
    out = r.graph.outputs[0]
    assert pp(out) == expected
    if rule is not None:
        assert rule in r.rules_used()
    else:
        assert r.steps == [] or all(s.rule in ("merge", "constant_folding") for s in r.steps)
    assert out.type == expr.type
    env_inputs = r.graph.inputs
    values = {"x3": X_VALUES, "x": X_VALUES, "y": Y_VALUES, "s": np.float64(1.7), "m": np.arange(6.0).reshape(2, 3),
              "m23": np.arange(6.0).reshape(2, 3) - 2.5, "mcol4": np.ones((2, 4))}
    (got,) = run_fgraph(r.graph, [values[v.name] for v in env_inputs])
    (want,) = run([expr], env_inputs_of(expr), [values[v.name] for v in env_inputs_of(expr)])
    assert_close(got, want)


def env_inputs_of(expr):
    from gradlab.graph import graph_inputs
    from gradlab.graph.basic import Constant
    return [v for v in graph_inputs([expr]) if not isinstance(v, Constant)]


def test_log_logistic_and_its_gradient_together_stay_finite():
    # both outputs share sigmoid(x): the gradient's / sigmoid(x) must cancel, not give 0/0 at -1000
    v = gt.dscalar("v")
    z = gt.log(1 / (1 + gt.exp(-v)))
    f = gradlab.function([v], [z, gt.grad(z, v)])
    for point, value, slope in ((-1000.0, -1000.0, 1.0), (1000.0, 0.0, 0.0), (0.5, -0.47407698418010663,
                                                                             0.3775406687981454)):
        got_value, got_slope = f(point)
        np.testing.assert_allclose([got_value, got_slope], [value, slope], rtol=1e-12, atol=1e-300)


def test_subtensor_of_arange_with_symbolic_start():
    # arange(n, n + 6, 2) has 3 entries whatever n is; the node says so statically
    from gradlab.graph import Apply
    from gradlab.tensor.alloc_ops import ARange
    from gradlab.tensor.subtensor import Subtensor
    from gradlab.tensor.type import TensorType
    n = gt.lscalar("n")
    rng = Apply(ARange("int64"), [n, n + 6, gt.constant(2)], [TensorType("int64", (3,)).make_variable()]).outputs[0]
    entry = Subtensor((1,))(rng)
    r = rewrite_graph(entry, sets=UP_TO_SPECIALIZE)
    assert "subtensor_of_arange" in r.rules_used()
    assert pp(r.graph.outputs[0]) == "(2 + n)"
    (got,) = run_fgraph(r.graph, [np.int64(5)])
    assert got == 7


def test_log_of_softmax():
    r = rewrite_graph(gt.log(gt.softmax(m)), sets=UP_TO_SPECIALIZE)
    assert type(r.graph.outputs[0].owner.op).__name__ == "LogSoftmax"
    values = np.array([[1.0, 2.0, 3.0], [-800.0, 0.0, 800.0]])
    (got,) = run_fgraph(r.graph, [values])
    shifted = values - values.max(axis=1, keepdims=True)
    want = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    assert_close(got, want)                        # finite where log(softmax) gives -inf


def test_x_times_zero_keeps_broadcast_shape_and_dtype():
    fm = gt.fmatrix("fm")
    row = gt.tensor("float32", shape=(1, None), name="row")
    expr = row * 0 + fm * 0
    r = rewrite_graph(expr, sets=UP_TO_SPECIALIZE)
    out = r.graph.outputs[0]
    assert out.type == expr.type and out.dtype == "float32"
    values = {"fm": np.ones((2, 3), "float32"), "row": np.ones((1, 3), "float32")}
    (got,) = run_fgraph(r.graph, [values[v.name] for v in r.graph.inputs])
    assert got.shape == (2, 3) and got.dtype == np.float32 and not got.any()


def test_float32_constants_stay_float32():
    fx = gt.fvector("fx")
    expr = 2 * fx * 3 + 1 + 2
    r = rewrite_graph(expr, sets=UP_TO_SPECIALIZE)
    out = r.graph.outputs[0]
    assert out.dtype == "float32"
    assert pp(out) == "(3.0 + (6.0 * fx))"


def test_gradient_control_ops_are_removed():
    from gradlab.gradient import consider_constant, grad_clip, grad_scale, zero_grad
    e = zero_grad(x) + consider_constant(y) * grad_clip(x, -1.0, 1.0) + grad_scale(y, 2.0)
    r = rewrite_graph(e, sets=("canonicalize",))
    names = {type(n.op).__name__ for n in r.graph.apply_nodes}
    assert names == {"Elemwise"}
    assert "remove_gradient_control" in r.rules_used()


def test_every_rule_has_name_doc_and_pattern_text():
    by_name = {}
    for set_name, rule_set in rule_sets().items():
        for rule in rule_set:
            assert rule.name and rule.doc and "->" in rule.pattern_text, rule
            assert by_name.setdefault(rule.name, rule) is rule, f"two different rules named {rule.name}"
    assert {"merge", "constant_folding", "canonicalize", "stabilize", "specialize", "fusion",
            "inplace"} <= set(rule_sets())
