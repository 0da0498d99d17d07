"""Issue 13's rules: loops without carried state batched, diagonals kept as
diagonals, like terms collected, the logistic family sharing one exp, zero
factors dropped.  Values against numpy closed forms; structure by the ops
left in the compiled graph and by the trace."""
from __future__ import annotations

import re

import numpy as np
import pytest

import gradlab
import gradlab.tensor as gt
from gradlab.graph.basic import Apply
from gradlab.graph.op import Op
from gradlab.compile.rule_sets import describe_rules
from gradlab.tensor.type import TensorType

RNG = np.random.default_rng(13)


def _op_names(f) -> list:
    return [type(n.op).__name__ for n in f.maker.fgraph.toposort()]


def _rules(f) -> set:
    return {s.rule for s in f.maker.trace.steps}


def _cost(x):
    return gt.sum(gt.log(1 + gt.exp(x)) * x ** 2)


def _sig(x):
    return 0.5 * (1 + np.tanh(0.5 * x))


def _cost_hessian_diagonal(x):
    """d^2/dx^2 of softplus(x) * x^2 = 2 softplus + 4 x s + x^2 s (1 - s)."""
    s = _sig(x)
    return 2 * np.logaddexp(0, x) + 4 * x * s + x * x * s * (1 - s)


@pytest.mark.parametrize("vectorize", [False, True])
def test_hessian_is_a_diagonal_written_into_zeros(vectorize):
    x = gt.dvector("x")
    f = gradlab.function([x], gradlab.gradient.hessian(_cost(x), x, vectorize=vectorize))
    names = _op_names(f)
    assert "Scan" not in names and "Eye" not in names and "AllocDiag" in names, names
    assert "diagonal_product" in _rules(f)
    if not vectorize:
        assert "scan_to_batched" in _rules(f)
    xv = np.concatenate([RNG.standard_normal(20) * 3, [-40.0, 0.0, 40.0]])
    np.testing.assert_allclose(f(xv), np.diag(_cost_hessian_diagonal(xv)), rtol=1e-10, atol=1e-12)


def test_jacobian_of_an_elementwise_map_scales_rows():
    W, x = gt.dmatrix("W"), gt.dvector("x")
    f = gradlab.function([W, x], gradlab.gradient.jacobian(gt.tanh(W @ x), x))
    names = _op_names(f)
    assert "Scan" not in names and "Eye" not in names, names
    assert names.count("Dot") == 1  # W @ x only: the pullback is (1 - y^2)[:, None] * W
    Wv, xv = RNG.standard_normal((7, 5)), RNG.standard_normal(5)
    y = np.tanh(Wv @ xv)
    np.testing.assert_allclose(f(Wv, xv), (1 - y ** 2)[:, None] * Wv, rtol=1e-12)


def test_user_map_runs_batched_with_the_loops_values():
    X, w = gt.dmatrix("X"), gt.dvector("w")
    rows, _ = gradlab.scan(lambda r, w: gt.sum(gt.exp(r) * w) + r[0], sequences=X, non_sequences=w)
    f = gradlab.function([X, w], rows)
    g = gradlab.function([X, w], rows, mode="FAST_COMPILE")
    assert "Scan" not in _op_names(f) and "Scan" in _op_names(g)
    Xv, wv = RNG.standard_normal((6, 4)), RNG.standard_normal(4)
    want = np.exp(Xv) @ wv + Xv[:, 0]
    np.testing.assert_allclose(f(Xv, wv), want, rtol=1e-12)
    np.testing.assert_allclose(g(Xv, wv), want, rtol=1e-12)


class _Cube(Op):
    """An op without a batching rule (vectorize_graph would loop over it)."""
    __props__ = ()

    def make_node(self, x):
        x = gt.as_tensor_variable(x)
        return Apply(self, [x], [TensorType(x.dtype, x.type.shape).make_variable()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = np.asarray(inputs[0]) ** 3


def test_loop_stays_when_an_op_has_no_batching_rule():
    X = gt.dmatrix("X")
    rows, _ = gradlab.scan(lambda r: _Cube()(r) * 2.0, sequences=X)
    f = gradlab.function([X], rows)
    assert "Scan" in _op_names(f)
    assert "scan_to_batched" not in _rules(f)
    Xv = RNG.standard_normal((3, 2))
    np.testing.assert_allclose(f(Xv), 2 * Xv ** 3)


def test_loop_with_carried_state_stays_a_loop():
    x = gt.dvector("x")
    h, _ = gradlab.scan(lambda x_t, h: h * 0.5 + x_t, sequences=x, outputs_info=gt.constant(0.0))
    f = gradlab.function([x], h)
    assert "Scan" in _op_names(f)
    np.testing.assert_allclose(f([1.0, 2.0, 3.0]), [1.0, 2.5, 4.25])


_TRANSCENDENTAL = re.compile(r"\b_(exp|exp2|expm1|log|log1p|log2|log10|sigmoid|softplus|tanh|sin|cos|tan|sinh|cosh|"
                             r"arcsin|arccos|arctan|arctanh|arcsinh|arccosh|power|pow)\(")
#: calls of the helpers that run more than one transcendental per element
_WEIGHT = {"softplus": 2}


def _transcendentals_per_element(source: str) -> int:
    return sum(_WEIGHT.get(m.group(1), 1) for m in _TRANSCENDENTAL.finditer(source))


@pytest.mark.parametrize("form", ["grad", "rop"])
def test_hessian_vector_product_has_one_exp_and_one_log1p(form):
    x, v = gt.dvector("x"), gt.dvector("v")
    g = gt.grad(_cost(x), x)
    hv = gt.grad(gt.sum(g * v), x) if form == "grad" else gradlab.gradient.Rop(g, x, v)
    f = gradlab.function([x, v], hv)
    assert _transcendentals_per_element(f.maker.source) <= 2, f.maker.source
    xv = np.concatenate([RNG.standard_normal(50) * 4, [-1000.0, -40.0, 0.0, 40.0, 1000.0]])
    vv = RNG.standard_normal(xv.size)
    with np.errstate(all="ignore"):
        want = _cost_hessian_diagonal(xv) * vv
    np.testing.assert_allclose(f(xv, vv), want, rtol=1e-10, atol=1e-12)


def test_sigmoid_and_softplus_share_one_exp_with_their_limits():
    x = gt.dvector("x")
    f = gradlab.function([x], gt.sigmoid(x) + 2 * gt.sigmoid(-x) + gt.softplus(x))
    assert "logistic_shared_exp" in _rules(f)
    assert _transcendentals_per_element(f.maker.source) == 2
    xv = np.array([-np.inf, -1000.0, -30.0, -1.0, -0.0, 0.0, 1e-300, 2.0, 30.0, 1000.0, np.inf, np.nan])
    with np.errstate(all="ignore"):
        want = _sig(xv) + 2 * _sig(-xv) + np.logaddexp(0, xv)
    np.testing.assert_allclose(f(xv), want, rtol=1e-13, atol=0)


def test_hessian_vector_product_ignores_nan_in_inputs_it_does_not_depend_on():
    x, y, vx, vy = gt.dvector("x"), gt.dvector("y"), gt.dvector("vx"), gt.dvector("vy")
    cost = gt.mean(x ** 2) + gt.mean(y)
    f = gradlab.function([x, y, vx, vy], gradlab.gradient.hessian_vector_product(cost, [x, y], [vx, vy]))
    hx, hy = f([np.nan, 2.0], [1.0, np.nan], [1.0, 3.0], [5.0, 7.0])
    np.testing.assert_allclose(hx, [1.0, 3.0])  # 2 vx / n
    np.testing.assert_allclose(hy, [0.0, 0.0])


def test_like_terms_multiply_a_shared_factor_once():
    a, b, x = gt.dvector("a"), gt.dvector("b"), gt.dvector("x")
    f = gradlab.function([a, b, x], gt.exp(x) * a + b * gt.exp(x) + gt.exp(x))
    assert "collect_like_terms" in _rules(f)
    assert f.maker.source.count("_exp(") == 1
    av, bv, xv = RNG.standard_normal(4), RNG.standard_normal(4), RNG.standard_normal(4)
    np.testing.assert_allclose(f(av, bv, xv), np.exp(xv) * (av + bv + 1), rtol=1e-13)


def _like_term_firings(levels: int) -> tuple:
    from gradlab.parse import parse
    from gradlab.rewrite.driver import rewrite_graph
    parsed = parse("**".join(["x"] * levels))
    x = parsed.variables["x"]
    rewritten = rewrite_graph(gradlab.grad(parsed.expr, x))
    f = gradlab.function([x], gradlab.grad(parsed.expr, x))
    return sum(s.rule == "collect_like_terms" for s in rewritten.steps), f


def test_like_terms_fire_linearly_on_sums_of_shared_products():
    """The gradient of x**x**...**x is a sum whose terms share products level by
    level: every factoring rebuilds the sum above it.  The firings must grow
    with the tower, not with its square (they were 6,356 at 100 levels)."""
    small, _ = _like_term_firings(25)
    large, f = _like_term_firings(100)
    assert large <= 5 * small + 50, (small, large)
    assert large <= 10 * 100, large
    v, h = 0.9, 1e-6

    def tower(t):
        out = t
        for _ in range(99):
            out = t ** out
        return out
    np.testing.assert_allclose(f(v), (tower(v + h) - tower(v - h)) / (2 * h), rtol=1e-6)


def test_like_terms_weigh_work_not_nodes():
    """Factoring eye(n) out of two terms adds vector nodes and removes matrix
    products: the work shrinks, so it fires even though nodes are copied."""
    from gradlab.rewrite.like_terms import work_growth
    from gradlab.graph.fgraph import FunctionGraph
    x = gt.dvector("x")
    eye = gt.eye(x.shape[0])
    e = gt.exp(x)
    out = eye * e + eye * (e * x)
    fg = FunctionGraph([x], [out], clone=False)
    assert work_growth(fg, fg.outputs[0], (e + e * x) * eye) < 0
    assert work_growth(fg, fg.outputs[0], eye * e + eye * (e * x)) == 0       # a copy
    assert work_growth(fg, fg.outputs[0], eye * e + eye * (e * x) + eye) > 0


def test_new_rules_are_listed_with_their_patterns():
    text = describe_rules()
    for name, lhs in [("scan_to_batched", "Scan("), ("collect_like_terms", "a*x + b*x"),
                      ("diagonal_product", "eye(n) * d"), ("logistic_shared_exp", "sigmoid(x)"),
                      ("length_through_op", "shape("), ("one_plus_neg_sigmoid", "1 + (-sigmoid(x))")]:
        line = next((ln for ln in text.splitlines() if ln.strip().startswith(name + ":")), None)
        assert line is not None and lhs in line and "->" in line, (name, line)


def test_alloc_diag_values_and_gradients():
    from gradlab.gradient import verify_grad
    from gradlab.tensor.diagonal import alloc_diag
    d = gt.dvector("d")
    np.testing.assert_array_equal(alloc_diag(d).eval({d: np.array([1.0, -2.0, 3.0])}), np.diag([1.0, -2.0, 3.0]))
    weights = RNG.standard_normal((4, 4))
    verify_grad(lambda d: alloc_diag(d) * weights, [RNG.standard_normal(4)], rng=np.random.default_rng(0))
    v = gt.dvector("v")
    got = gradlab.gradient.Rop(alloc_diag(gt.exp(d)), d, v).eval({d: np.zeros(2), v: np.array([1.0, 2.0])})
    np.testing.assert_allclose(got, np.diag([1.0, 2.0]))


def test_hessian_of_a_matrix_cost_drops_the_identity_product():
    A, x = gt.dmatrix("A"), gt.dvector("x")
    cost = gt.sum(gt.log(1 + gt.exp(gt.dot(A, x)))) + 0.5 * gt.sum(x ** 2)
    f = gradlab.function([A, x], gradlab.gradient.hessian(cost, x, vectorize=True))
    assert _op_names(f).count("Dot") == 2  # A @ x and A^T diag(s(1-s)) A: no eye(n) @ A^T
    Av, xv = RNG.standard_normal((6, 6)), RNG.standard_normal(6)
    s = _sig(Av @ xv)
    np.testing.assert_allclose(f(Av, xv), Av.T @ ((s * (1 - s))[:, None] * Av) + np.eye(6), rtol=1e-10)


def test_a_map_with_an_until_condition_keeps_its_loop():
    from gradlab.scan import until
    x = gt.dvector("x")
    out = gradlab.scan(lambda x_t: (x_t * 10, until(x_t < 0)), sequences=x, return_updates=False)
    f = gradlab.function([x], out)
    assert "scan_to_batched" not in _rules(f)
    np.testing.assert_allclose(f([1.0, 2.0, -1.0, 5.0]), [10.0, 20.0, -10.0])


def test_a_map_that_draws_random_numbers_keeps_its_loop():
    from gradlab.tensor.random import RandomStream
    srng = RandomStream(seed=7)
    X = gt.dmatrix("X")
    rows, updates = gradlab.scan(lambda r: r + srng.normal(size=(3,)), sequences=X)
    f = gradlab.function([X], rows, updates=updates)
    assert "scan_to_batched" not in _rules(f)
    noise = f(np.zeros((4, 3)))
    assert noise.shape == (4, 3) and len({tuple(row) for row in np.round(noise, 12)}) == 4
