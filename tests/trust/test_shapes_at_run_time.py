"""Issue 22, items 3 and 4: lengths known only at run time.

Decision (item 3): an axis broadcasts only when its static length is 1 (PyTensor's rule);
a value whose undeclared axis has length 1 at run time against a longer one is refused
with an error naming both variables and the axis — in every mode, values and gradients.
Item 4: a rewrite that removes a subexpression keeps the length check it implied.
The right answers: PyTensor's documented behaviour (runtime broadcasting is an error) and
numpy (mismatched lengths cannot be combined)."""
from __future__ import annotations

import numpy as np
import pytest

import gradlab
import gradlab.tensor as gt
from gradlab.codegen.errors import RuntimeBroadcastError
from gradlab.gradient import Rop

MODES = ["FAST_RUN", "FAST_COMPILE", "NO_REWRITE"]


@pytest.mark.parametrize("mode", MODES)
def test_a_length_1_value_for_an_undeclared_axis_is_refused_in_values_and_gradients(mode):
    X, Y = gt.dmatrix("X"), gt.dmatrix("Y")
    one, four = np.ones((1, 3)), np.ones((4, 3))
    for out in (X * Y, gt.grad((X * Y).sum(), X)):
        f = gradlab.function([X, Y], out, mode=mode)
        with pytest.raises(RuntimeBroadcastError) as info:
            f(one, four)
        message = str(info.value)
        assert "axis 0 of 'X' (shape (1, 3)) has length 1 at run time" in message and "'Y'" in message
        assert "declare" in message                      # and how to fix it
        assert isinstance(info.value, ValueError)
        np.testing.assert_allclose(np.asarray(f(four, four)), four)   # equal lengths are fine


@pytest.mark.parametrize("mode", MODES)
def test_a_declared_broadcastable_axis_broadcasts_and_its_gradient_is_summed(mode):
    b = gt.tensor(dtype="float64", shape=(1, None), name="b")
    Y = gt.dmatrix("Y")
    yv = np.arange(12.0).reshape(4, 3)
    value, grad = gradlab.function([b, Y], [b * Y, gt.grad((b * Y).sum(), b)], mode=mode)(np.ones((1, 3)), yv)
    np.testing.assert_allclose(value, yv)
    np.testing.assert_allclose(grad, yv.sum(axis=0, keepdims=True))        # shape (1, 3)


@pytest.mark.parametrize("mode", MODES)
def test_dot_plus_dot_refuses_in_every_mode(mode):
    A, B, C, D = (gt.dmatrix(n) for n in "ABCD")
    f = gradlab.function([A, B, C, D], gt.dot(A, B) + gt.dot(C, D), mode=mode)
    with pytest.raises(RuntimeBroadcastError, match="has length 1 at run time"):
        f(np.ones((1, 2)), np.ones((2, 3)), np.ones((4, 2)), np.ones((2, 3)))
    np.testing.assert_allclose(f(np.ones((4, 2)), np.ones((2, 3)), np.ones((4, 2)), np.ones((2, 3))),
                               np.full((4, 3), 4.0))


CASES = {
    "fill of a maximum": (lambda N, w, v, E: gt.maximum(N, w) * gt.fill(gt.maximum(w, v), 3.0),
                          lambda N, w, v, E: 3 * np.maximum(N, w)),
    "(w + v) - (w + v)": (lambda N, w, v, E: (w + v) - (w + v), lambda N, w, v, E: np.zeros_like(w)),
    "Rop(v * 2, v, E)": (lambda N, w, v, E: Rop(v * 2, v, E), lambda N, w, v, E: 2 * E),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", list(CASES))
def test_rewrites_keep_the_shape_errors_of_what_they_remove(mode, name):
    build, numpy_value = CASES[name]
    N, w, v, E = (gt.dvector(n) for n in "NwvE")
    f = gradlab.function([N, w, v, E], build(N, w, v, E), mode=mode, on_unused_input="ignore")
    good = [np.array([1.0, 5.0]), np.array([2.0, 3.0]), np.array([4.0, -1.0]), np.array([0.5, 7.0])]
    np.testing.assert_allclose(f(*good), numpy_value(*good))
    bad_v = [good[0], good[1], np.array([4.0, -1.0, 2.0]), good[3]]     # len(v) != len(w)
    bad_e = [good[0], good[1], good[2], np.array([0.5, 7.0, 1.0])]      # len(E) != len(v)
    with pytest.raises(ValueError, match="length"):
        f(*(bad_e if name.startswith("Rop") else bad_v))
