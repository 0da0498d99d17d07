"""PyTensor 3.0's gradient names and behaviours (issue 14), checked against
finite differences and hand-derived values."""
from __future__ import annotations

import numpy as np
import pytest

import gradlab
import gradlab.scalar as gs
import gradlab.tensor as gt
from gradlab.gradient import (DisconnectedInputError, Lop, Rop, disconnected_grad, grad, jacobian, pullback,
                              pushforward, zero_grad)
from gradlab.graph import toposort

from gradient_helpers import compile_fn, fd_jacobians

RNG = np.random.default_rng(14)


def _fn(xs, out):
    return compile_fn(xs, out)


# -- pushforward / pullback ---------------------------------------------------
@pytest.mark.parametrize("use_op", [False, True])
def test_pushforward_is_jacobian_times_tangent(use_op):
    x, W, t = gt.dvector("x"), gt.dmatrix("W"), gt.dvector("t")
    y = gt.tanh(gt.dot(W, x)) * gt.exp(x[0])
    jv = pushforward(y, x, t, use_op_pushforward=use_op)
    W0, x0, t0 = RNG.normal(size=(3, 4)), RNG.normal(size=4), RNG.normal(size=4)
    f = _fn([x, W], y)
    (J,) = fd_jacobians(lambda xv: f(xv, W0), [x0])
    np.testing.assert_allclose(_fn([x, W, t], jv)(x0, W0, t0), J @ t0, rtol=1e-6, atol=1e-8)


def test_pushforward_and_pullback_have_pytensor_3_0_7_signatures():
    import inspect

    def params(fn):
        return [(p.name, p.default) for p in inspect.signature(fn).parameters.values()]
    empty = inspect.Parameter.empty
    assert params(pushforward) == [("f", empty), ("wrt", empty), ("tangents", empty),
                                   ("disconnected_outputs", "raise"), ("return_disconnected", "zero"),
                                   ("use_op_pushforward", False)]
    assert params(pullback) == [("f", empty), ("wrt", empty), ("cotangents", empty), ("consider_constant", None),
                                ("disconnected_inputs", "raise"), ("return_disconnected", "zero")]
    assert inspect.signature(Rop).parameters["use_op_rop_implementation"].default is True  # the seed's Rop


def test_pullback_by_keywords_and_return_disconnected():
    x, y, u = gt.dvector("x"), gt.dvector("y"), gt.dvector("u")
    f = gt.exp(x) * 2.0
    gx, gy = pullback(f=f, wrt=[x, y], cotangents=u, disconnected_inputs="ignore")
    x0, u0 = np.array([0.1, -0.4]), np.array([1.5, -2.0])
    np.testing.assert_allclose(_fn([x, u], gx)(x0, u0), u0 * 2.0 * np.exp(x0))
    np.testing.assert_array_equal(_fn([y], gy)(np.ones(3)), np.zeros(3))
    assert pullback(f, [x, y], [u], disconnected_inputs="ignore", return_disconnected="none")[1] is None
    jv = pushforward(f=f, wrt=x, tangents=u, use_op_pushforward=True)
    np.testing.assert_allclose(_fn([x, u], jv)(x0, u0), u0 * 2.0 * np.exp(x0))


def test_pullback_is_cotangent_times_jacobian_and_its_gradient():
    x, u = gt.dvector("x"), gt.dvector("u")
    y = gt.sin(x) * gt.sum(x ** 2)
    vj = pullback(y, x, u)
    x0, u0 = RNG.normal(size=3), RNG.normal(size=3)
    (J,) = fd_jacobians(_fn([x], y), [x0])
    np.testing.assert_allclose(_fn([x, u], vj)(x0, u0), u0 @ J, rtol=1e-6, atol=1e-8)
    # the pullback is differentiable again: d/dx of sum(pullback) by finite differences
    g2 = grad(gt.sum(vj), x)
    (J2,) = fd_jacobians(lambda xv: np.sum(_fn([x, u], vj)(xv, u0)), [x0])
    np.testing.assert_allclose(_fn([x, u], g2)(x0, u0), J2[0], rtol=1e-5, atol=1e-6)


def test_pullback_and_pushforward_take_scalar_level_types():
    x, u = gs.float64("x"), gs.float64("u")
    assert float(_fn([x, u], pullback(x ** 3, x, u))(2.0, 0.5)) == pytest.approx(6.0)
    assert float(_fn([x, u], pushforward(gt.exp(x), x, u))(0.0, 2.0)) == pytest.approx(2.0)


def test_pullback_and_pushforward_keep_list_forms():
    x, y, t = gt.dscalar("x"), gt.dscalar("y"), gt.dscalar("t")
    out = pullback([x * y], [x, y], [t])
    assert isinstance(out, list) and len(out) == 2
    out = pushforward((x * y, x + y), (x,), (t,))
    assert isinstance(out, tuple)
    vals = _fn([x, y, t], list(out))(2.0, 3.0, 1.0)
    np.testing.assert_allclose(vals, [3.0, 1.0])


# -- known_grads with a 0-d seed ---------------------------------------------------
def test_known_grads_scalar_seed_broadcasts_to_a_vector():
    v = gt.dvector("v")
    w = gt.dvector("w")
    y = v * w
    g = grad(None, w, known_grads={y: gt.as_tensor_variable(1.0)})
    np.testing.assert_allclose(_fn([v, w], g)([1.0, 2.0, 3.0], [0.0, 0.0, 0.0]), [1.0, 2.0, 3.0])
    g_self = grad(None, v, known_grads={v: gt.as_tensor_variable(2.0)})
    np.testing.assert_allclose(_fn([v], g_self)([5.0, 6.0]), [2.0, 2.0])


# -- Rop errors ---------------------------------------------------------------------
def test_rop_of_a_discrete_output_is_a_value_error():
    m, v = gt.dmatrix("m"), gt.dmatrix("v")
    with pytest.raises(ValueError, match="discrete dtype int64"):
        Rop(gt.argmax(m, axis=1), m, v)
    with pytest.raises(ValueError, match="no tangent"):
        pushforward(gt.argmax(m, axis=1), m, v)


def test_rop_of_a_non_variable_is_a_value_error():
    x = gt.dvector("x")
    with pytest.raises(ValueError, match="must be a symbolic variable"):
        Rop(0.0, x, x)
    with pytest.raises(ValueError):
        pushforward(0.0, x, x)


# -- gradient-shaping ops under the double-Lop path --------------------------------
@pytest.mark.parametrize("shaping", [zero_grad, disconnected_grad])
def test_shaping_ops_give_zero_tangents_under_double_lop(shaping):
    x, t = gt.dvector("x"), gt.dvector("t")
    cut = gt.sum(shaping(x ** 2))
    for build in (lambda: Rop(cut, x, t, use_op_rop_implementation=False), lambda: pushforward(cut, x, t)):
        assert float(_fn([x, t], build())([1.0, 2.0], [1.0, 1.0])) == 0.0
    # partly cut: only the uncut path contributes
    partly = gt.sum(shaping(x) * x)
    assert float(_fn([x, t], pushforward(partly, x, t))([1.0, 2.0], [1.0, 1.0])) == pytest.approx(3.0)


def test_rop_still_raises_for_a_truly_disconnected_output():
    x, y, t = gt.dvector("x"), gt.dvector("y"), gt.dvector("t")
    with pytest.raises(DisconnectedInputError):
        pushforward(gt.sum(y ** 2), x, t)


# -- jacobian without a loop when the expression has one entry ------------------------
@pytest.mark.parametrize("shape", [(1,), ()])
def test_jacobian_of_a_single_entry_builds_no_scan(shape):
    x = gt.dvector("x")
    e = gt.tensor(dtype="float64", shape=shape, name="e")
    expr = gt.sum(x ** 2) * e if shape == () else gt.reshape(gt.sum(x ** 2), (1,)) * e
    J = jacobian(expr, x)
    assert not [n for n in toposort([J]) if type(n.op).__name__ == "Scan"]
    x0 = np.array([1.0, -2.0, 0.5])
    e0 = np.full(shape, 3.0)
    expected = 6.0 * x0 if shape == () else (6.0 * x0)[None, :]
    np.testing.assert_allclose(_fn([x, e], J)(x0, e0), expected)


# -- Prod's derivatives at exact zeros ------------------------------------------------
def _prod_hessian(values):
    values = np.asarray(values, dtype=float)
    n = values.size
    H = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            if i != j:
                H[i, j] = np.prod(np.delete(values, [i, j]))
    return H


@pytest.mark.parametrize("values", [[2.0, 3.0, 0.5], [0.0, 3.0, 0.5], [0.0, 3.0, 0.0, 2.0], [0.0, 0.0, 0.0, 2.0]])
def test_prod_gradient_and_hessian_at_zeros(values):
    x = gt.dvector("x")
    g = grad(gt.prod(x), x)
    H = jacobian(g, x)
    values = np.array(values)
    expected_g = np.array([np.prod(np.delete(values, i)) for i in range(values.size)])
    np.testing.assert_allclose(_fn([x], g)(values), expected_g)
    np.testing.assert_allclose(_fn([x], H)(values), _prod_hessian(values))
    np.testing.assert_allclose(compile_fn([x], H, mode="FAST_RUN")(values), _prod_hessian(values))


def test_lop_rop_seed_forms_unchanged():
    # the seed tutorial's forms: Rop keeps every input the user mentioned
    W, V, x = gt.dmatrix("W"), gt.dmatrix("V"), gt.dvector("x")
    JV = Rop(gt.dot(x, W), W, V)
    f = gradlab.function([W, V, x], JV)
    np.testing.assert_allclose(f([[1, 1], [1, 1]], [[2, 2], [2, 2]], [0, 1]), [2.0, 2.0])
    v = gt.dvector("v")
    VJ = Lop(gt.dot(x, W), W, v)
    np.testing.assert_allclose(gradlab.function([v, x], VJ)([2, 2], [0, 1]), [[0, 0], [2, 2]])


# -- issue 23 ------------------------------------------------------------------------
def test_hessian_vector_product_with_several_wrt():
    from gradlab.gradient import hessian_vector_product
    x, y, px, py = gt.dvector("x"), gt.dvector("y"), gt.dvector("px"), gt.dvector("py")
    hx, hy = hessian_vector_product(gt.sum(x ** 2 - y ** 2), wrt=[x, y], p=[px, py])
    f = _fn([x, y, px, py], [hx, hy])
    nan = np.full(3, np.nan)  # the Hessian is constant: x and y do not matter, not even as NaN
    got_x, got_y = f(nan, nan, [1.0, 2.0, 3.0], [3.0, 2.0, 1.0])
    np.testing.assert_allclose(got_x, [2.0, 4.0, 6.0])
    np.testing.assert_allclose(got_y, [-6.0, -4.0, -2.0])
    # a coupled cost: H p against finite differences of the gradient along p
    cost = gt.sum(gt.sin(x) * y) + gt.sum(x ** 3) * gt.sum(y ** 2)
    hx, hy = hessian_vector_product(cost, [x, y], [px, py])
    g = _fn([x, y], grad(cost, [x, y]))
    x0, y0, p0, q0 = (RNG.normal(size=3) for _ in range(4))
    eps = 1e-6
    plus, minus = g(x0 + eps * p0, y0 + eps * q0), g(x0 - eps * p0, y0 - eps * q0)
    got_x, got_y = _fn([x, y, px, py], [hx, hy])(x0, y0, p0, q0)
    np.testing.assert_allclose(got_x, (plus[0] - minus[0]) / (2 * eps), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(got_y, (plus[1] - minus[1]) / (2 * eps), rtol=1e-5, atol=1e-7)


def test_allclose_tolerances_follow_the_narrower_dtype():
    from gradlab.tensor.math import _allclose
    a = np.array([1.0, 2.0])
    assert _allclose(a, a + 5e-6) and not _allclose(a, a + 5e-4)
    assert _allclose(a.astype("float32"), (a + 5e-6).astype("float32"))
    assert not _allclose(a, a + 5e-6, rtol=0.0, atol=1e-7)
    assert _allclose(a.astype("float16"), a + 1e-3)
