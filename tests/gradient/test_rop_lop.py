"""``Rop`` and ``Lop``: the tutorial's examples, list forms, the shape and
count checks, the double-Lop fallback (and that its dummy never leaks), and
the disconnected/undefined policies."""
from __future__ import annotations

import numpy as np
import pytest

import gradlab
import gradlab.tensor as gt
from gradlab.graph import Apply, Constant, Op, graph_inputs
from gradlab.gradient import (DisconnectedInputError, DisconnectedType, Lop, NullTypeGradError, Rop, grad,
                              undefined_grad)

from gradient_helpers import assert_close, compile_fn, fd_jacobians


def test_tutorial_r_operator():
    W, V, x = gt.dmatrix("W"), gt.dmatrix("V"), gt.dvector("x")
    y = gt.dot(x, W)
    JV = Rop(y, W, V)
    f = gradlab.function([W, V, x], JV)
    assert_close(f([[1, 1], [1, 1]], [[2, 2], [2, 2]], [0, 1]), [2.0, 2.0])


def test_tutorial_l_operator():
    W, v, x = gt.dmatrix("W"), gt.dvector("v"), gt.dvector("x")
    y = gt.dot(x, W)
    VJ = Lop(y, W, v)
    f = gradlab.function([v, x], VJ)
    assert_close(f([2, 2], [0, 1]), [[0.0, 0.0], [2.0, 2.0]])


def test_rop_keeps_every_input_the_user_mentioned():
    W, V, x = gt.dmatrix("W"), gt.dmatrix("V"), gt.dvector("x")
    JV = Rop(gt.dot(x, W), W, V)
    assert {v.name for v in graph_inputs([JV]) if not isinstance(v, Constant)} == {"W", "V", "x"}


def test_lop_does_not_need_the_variable_it_differentiates_by():
    W, v, x = gt.dmatrix("W"), gt.dvector("v"), gt.dvector("x")
    VJ = Lop(gt.dot(x, W), W, v)
    assert {v.name for v in graph_inputs([VJ]) if not isinstance(v, Constant)} == {"v", "x"}


def _fd_check_rop(f_builder, shapes, use_op_rop):
    rng = np.random.default_rng(0)
    points = [rng.uniform(-1, 1, s) for s in shapes]
    tangents = [rng.normal(size=s) for s in shapes]
    xs = [gt.tensor("float64", shape=(None,) * len(s), name=f"x{i}") for i, s in enumerate(shapes)]
    vs = [gt.tensor("float64", shape=(None,) * len(s), name=f"v{i}") for i, s in enumerate(shapes)]
    out = f_builder(*xs)
    fn = compile_fn(xs, out)
    expected = sum(J @ t.ravel() for J, t in zip(fd_jacobians(fn, points), tangents))
    got = compile_fn(xs + vs, Rop(out, xs, vs, use_op_rop_implementation=use_op_rop))(*points, *tangents)
    assert_close(np.ravel(got), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("use_op_rop", [True, False])
def test_rop_of_a_composite_graph(use_op_rop):
    _fd_check_rop(lambda A, b: gt.tanh(gt.dot(A, gt.exp(b))) * gt.sum(b ** 2), [(3, 2), (2,)], use_op_rop)


# ---------------------------------------------------------------------------
# forms and checks
def test_rop_answers_in_the_form_of_f_and_lop_in_the_form_of_wrt():
    x, v = gt.dvector("x"), gt.dvector("v")
    y1, y2 = x * 2.0, gt.exp(x)
    assert isinstance(Rop([y1, y2], x, v), list)
    assert isinstance(Rop((y1, y2), [x], [v]), tuple)
    assert not isinstance(Rop(y1, x, v), (list, tuple))
    u1, u2 = gt.dvector("u1"), gt.dvector("u2")
    assert not isinstance(Lop([y1, y2], x, [u1, u2]), (list, tuple))
    assert isinstance(Lop([y1, y2], [x], [u1, u2]), list)
    assert isinstance(Lop(y1, (x,), u1), tuple)


def test_rop_sums_over_wrt_and_lop_sums_over_f():
    x, y = gt.dvector("x"), gt.dvector("y")
    vx, vy = gt.dvector("vx"), gt.dvector("vy")
    f = x * y
    jv = Rop(f, [x, y], [vx, vy])
    a, b, ta, tb = np.array([1.0, 2.0]), np.array([3.0, 4.0]), np.array([0.5, 1.0]), np.array([2.0, -1.0])
    assert_close(compile_fn([x, y, vx, vy], jv)(a, b, ta, tb), ta * b + a * tb)
    u1, u2 = gt.dvector("u1"), gt.dvector("u2")
    g = gt.exp(x)
    vj = Lop([g, g * 2.0], x, [u1, u2])  # f[1] depends on f[0]: contributions add up
    assert_close(compile_fn([x, u1, u2], vj)(a, ta, tb), ta * np.exp(a) + 2 * tb * np.exp(a))


def test_lop_and_rop_count_mismatch_is_a_value_error():
    x, v = gt.dvector("x"), gt.dvector("v")
    with pytest.raises(ValueError, match="1 variable in wrt but 2 eval_points"):
        Rop(x * 2.0, x, [v, v])
    with pytest.raises(ValueError, match="2 outputs in f but 1 eval_points"):
        Lop([x * 2.0, x * 3.0], x, [v])


def test_lop_and_rop_shape_mismatch_is_a_value_error():
    x, m = gt.dvector("x"), gt.dmatrix("m")
    with pytest.raises(ValueError, match=r"eval_points\[0\] has 2 dimensions.*x has 1"):
        Rop(x * 2.0, x, m)
    with pytest.raises(ValueError, match=r"eval_points\[0\] has 2 dimensions"):
        Lop(x * 2.0, x, m)
    a = gt.tensor("float64", shape=(3,), name="a")
    b = gt.tensor("float64", shape=(4,), name="b")
    with pytest.raises(ValueError, match="static shape"):
        Rop(a * 2.0, a, b)


def test_rop_eval_points_are_cast_to_the_dtype_of_wrt():
    x, v = gt.fvector("x"), gt.dvector("v")
    assert Rop(x * 2.0, x, v).dtype == "float32"


# ---------------------------------------------------------------------------
# fallback
class Square(Op):
    """``out = x ** 2`` with only a ``grad`` (no ``R_op``)."""

    def make_node(self, x):
        x = gt.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = inputs[0] ** 2

    def grad(self, inputs, output_grads):
        return [output_grads[0] * 2.0 * inputs[0]]


def test_op_without_r_op_falls_back_to_double_lop():
    x, v = gt.dvector("x"), gt.dvector("v")
    assert not Square().has_r_op()
    jv = Rop(gt.sin(Square()(x)), x, v)
    a, t = np.array([0.5, -1.0]), np.array([1.0, 2.0])
    assert_close(compile_fn([x, v], jv)(a, t), np.cos(a ** 2) * 2 * a * t)


@pytest.mark.parametrize("use_op_rop", [True, False])
def test_double_lop_dummy_never_appears_as_a_free_input(use_op_rop):
    x, v = gt.dvector("x"), gt.dvector("v")
    jv = Rop(gt.sin(Square()(x)) * x, x, v, use_op_rop_implementation=use_op_rop)
    free = [w for w in graph_inputs([jv]) if not isinstance(w, Constant)]
    assert set(map(id, free)) <= {id(x), id(v)}
    # compiles with exactly the inputs the user named
    gradlab.function([x, v], jv)


def test_op_without_any_derivative_makes_rop_fail_clearly():
    class Opaque(Square):
        grad = Op.grad
    x, v = gt.dvector("x"), gt.dvector("v")
    with pytest.raises(NullTypeGradError, match="Opaque"):
        Rop(Opaque()(x), x, v)


def test_r_op_returning_the_wrong_number_of_tangents_is_a_value_error():
    class BadRop(Square):
        def R_op(self, inputs, eval_points):
            return [eval_points[0], eval_points[0]]
    x, v = gt.dvector("x"), gt.dvector("v")
    with pytest.raises(ValueError, match="BadRop.*2 tangents for 1 output"):
        Rop(BadRop()(x), x, v)


def test_r_op_returning_none_is_a_type_error():
    class NoneRop(Square):
        def R_op(self, inputs, eval_points):
            return None
    x, v = gt.dvector("x"), gt.dvector("v")
    with pytest.raises(TypeError, match="NoneRop.*returned None"):
        Rop(NoneRop()(x), x, v)


# ---------------------------------------------------------------------------
# disconnected and undefined
def test_rop_disconnected_outputs_policies():
    x, y, v = gt.dvector("x"), gt.dvector("y"), gt.dvector("v")
    f = [x * 2.0, y * 3.0]
    with pytest.raises(DisconnectedInputError, match=r"f\[1\]"):
        Rop(f, x, v)
    with pytest.warns(UserWarning, match="does not depend on wrt"):
        Rop(f, x, v, disconnected_outputs="warn")
    zero = Rop(f, x, v, disconnected_outputs="ignore")[1]
    assert_close(compile_fn([y], zero)(np.ones(3)), np.zeros(3))
    assert Rop(f, x, v, disconnected_outputs="ignore", return_disconnected="none")[1] is None
    disc = Rop(f, x, v, disconnected_outputs="ignore", return_disconnected="disconnected")[1]
    assert isinstance(disc.type, DisconnectedType)
    with pytest.raises(ValueError, match="disconnected_outputs must be one of"):
        Rop(f, x, v, disconnected_outputs="skip")


def test_lop_disconnected_inputs():
    x, y, u = gt.dvector("x"), gt.dvector("y"), gt.dvector("u")
    with pytest.raises(DisconnectedInputError):
        Lop(x * 2.0, [x, y], u)
    gx, gy = Lop(x * 2.0, [x, y], u, disconnected_inputs="ignore")
    assert_close(compile_fn([x, y, u], gy)(np.ones(2), np.ones(2), np.ones(2)), np.zeros(2))


def test_rop_through_an_undefined_gradient_is_an_error():
    x, v = gt.dvector("x"), gt.dvector("v")
    with pytest.raises(NullTypeGradError):
        Rop(undefined_grad(x) * 2.0, x, v)


def test_hessian_vector_product_by_rop_of_grad():
    x, v = gt.dvector("x"), gt.dvector("v")
    cost = gt.sum(gt.sin(x) * x)
    for use_op_rop in (True, False):
        hv = Rop(grad(cost, x), x, v, use_op_rop_implementation=use_op_rop)
        a, t = np.array([0.3, 1.2]), np.array([1.0, -2.0])
        # d2/dx2 (x sin x) = 2 cos x - x sin x (diagonal Hessian)
        assert_close(compile_fn([x, v], hv)(a, t), (2 * np.cos(a) - a * np.sin(a)) * t)
