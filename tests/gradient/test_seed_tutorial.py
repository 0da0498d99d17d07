"""Every example of the tutorial "Derivatives in PyTensor" (seed 000), from
"Computing Gradients" to "Hessian times a Vector", with only the import
lines changed (``pytensor`` -> ``gradlab``, ``pytensor.tensor as at`` ->
``gradlab.tensor as gt``), giving the tutorial's numbers."""
from __future__ import annotations

import numpy
import pytest

import gradlab
import gradlab.tensor as gt
from gradlab import pp


def test_computing_gradients_of_x_squared():
    x = gt.dscalar('x')
    y = x ** 2
    gy = gt.grad(y, x)
    assert pp(gy) == '((fill((x ** 2), 1.0) * 2) * (x ** (2 - 1)))'
    f = gradlab.function([x], gy)
    assert f(4) == 8.0 and f(4).shape == ()
    assert numpy.allclose(f(94.2), 188.4)


def test_rewritten_gradient_is_one_apply_node():
    x = gt.dscalar('x')
    f = gradlab.function([x], gt.grad(x ** 2, x))
    assert pp(f.maker.fgraph.outputs[0]) == '(2.0 * x)'
    assert len(f.maker.fgraph.apply_nodes) == 1


def test_gradient_of_the_logistic_function():
    x = gt.dmatrix('x')
    s = gt.sum(1 / (1 + gt.exp(-x)))
    gs = gt.grad(s, x)
    dlogistic = gradlab.function([x], gs)
    numpy.testing.assert_allclose(dlogistic([[0, 1], [-1, -2]]),
                                  [[0.25, 0.19661193], [0.19661193, 0.10499359]], rtol=1e-7)


def test_jacobian_with_scan():
    x = gt.dvector('x')
    y = x ** 2
    J, updates = gradlab.scan(lambda i, y, x: gt.grad(y[i], x), sequences=gt.arange(y.shape[0]),
                              non_sequences=[y, x])
    f = gradlab.function([x], J, updates=updates)
    numpy.testing.assert_array_equal(f([4, 4]), [[8., 0.], [0., 8.]])


def test_jacobian_macro():
    x = gt.dvector('x')
    y = x ** 2
    for vectorize in (False, True):
        J = gradlab.gradient.jacobian(y, x, vectorize=vectorize)
        numpy.testing.assert_array_equal(gradlab.function([x], J)([4, 4]), [[8., 0.], [0., 8.]])


def test_hessian_with_scan():
    x = gt.dvector('x')
    y = x ** 2
    cost = y.sum()
    gy = gt.grad(cost, x)
    H, updates = gradlab.scan(lambda i, gy, x: gt.grad(gy[i], x), sequences=gt.arange(gy.shape[0]),
                              non_sequences=[gy, x])
    f = gradlab.function([x], H, updates=updates)
    numpy.testing.assert_array_equal(f([4, 4]), [[2., 0.], [0., 2.]])


def test_hessian_macro():
    x = gt.dvector('x')
    cost = (x ** 2).sum()
    for vectorize in (False, True):
        H = gradlab.gradient.hessian(cost, x, vectorize=vectorize)
        numpy.testing.assert_array_equal(gradlab.function([x], H)([4, 4]), [[2., 0.], [0., 2.]])


def test_r_operator():
    W = gt.dmatrix('W')
    V = gt.dmatrix('V')
    x = gt.dvector('x')
    y = gt.dot(x, W)
    JV = gradlab.gradient.Rop(y, W, V)
    f = gradlab.function([W, V, x], JV)
    numpy.testing.assert_array_equal(f([[1, 1], [1, 1]], [[2, 2], [2, 2]], [0, 1]), [2., 2.])


def test_l_operator():
    W = gt.dmatrix('W')
    v = gt.dvector('v')
    x = gt.dvector('x')
    y = gt.dot(x, W)
    VJ = gradlab.gradient.Lop(y, W, v)
    f = gradlab.function([v, x], VJ)
    numpy.testing.assert_array_equal(f([2, 2], [0, 1]), [[0., 0.], [2., 2.]])


def test_hessian_times_a_vector_by_grad():
    x = gt.dvector('x')
    v = gt.dvector('v')
    y = gt.sum(x ** 2)
    gy = gt.grad(y, x)
    vH = gt.grad(gt.sum(gy * v), x)
    f = gradlab.function([x, v], vH)
    numpy.testing.assert_array_equal(f([4, 4], [2, 2]), [4., 4.])


def test_hessian_times_a_vector_by_r_operator():
    x = gt.dvector('x')
    v = gt.dvector('v')
    y = gt.sum(x ** 2)
    gy = gt.grad(y, x)
    Hv = gradlab.gradient.Rop(gy, x, v)
    f = gradlab.function([x, v], Hv)
    numpy.testing.assert_array_equal(f([4, 4], [2, 2]), [4., 4.])


@pytest.mark.parametrize("mode", ["FAST_RUN", "FAST_COMPILE", "NO_REWRITE"])
def test_examples_agree_in_every_mode(mode):
    x = gt.dvector('x')
    v = gt.dvector('v')
    gy = gt.grad(gt.sum(x ** 2), x)
    f = gradlab.function([x, v], [gy, gradlab.gradient.Rop(gy, x, v), gt.grad(gt.sum(gy * v), x)], mode=mode)
    out = f([4, 4], [2, 2])
    numpy.testing.assert_array_equal(out[0], [8., 8.])
    numpy.testing.assert_array_equal(out[1], [4., 4.])
    numpy.testing.assert_array_equal(out[2], [4., 4.])
