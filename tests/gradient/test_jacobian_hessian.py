"""``jacobian``, ``hessian``, ``hessian_vector_product`` and the graph
batching behind ``jacobian(..., vectorize=True)``."""
from __future__ import annotations

import numpy as np
import pytest

import gradlab.tensor as gt
from gradlab.graph import Apply, Op, toposort
from gradlab.gradient import DisconnectedInputError, hessian, hessian_vector_product, jacobian, vectorize_graph
from gradlab.gradient.vectorize import BatchedLoop

from gradient_helpers import assert_close, compile_fn, fd_jacobians


def _fd_jacobian(fn, points, k, out_shape):
    J = fd_jacobians(fn, points)[k]
    return J.reshape(tuple(out_shape) + points[k].shape)


CASES = {
    # name: (builder, input shapes, static shapes?)
    "vector_of_vector": (lambda x: gt.exp(x) * x[0], [(3,)]),
    "matrix_of_vector": (lambda x: gt.outer(x, gt.sin(x)), [(3,)]),
    "vector_of_matrix": (lambda m: gt.dot(m, gt.constant(np.array([1.0, -2.0]))), [(3, 2)]),
    "matrix_of_matrix": (lambda m: gt.tanh(m).T * 2.0, [(2, 3)]),
    "scalar_of_matrix": (lambda m: gt.sum(m ** 2), [(2, 2)]),
    "tensor3_of_scalar": (lambda s: gt.alloc(s, 2, 1, 2) * gt.arange(2) * s, [()]),
    "softmax_rows": (lambda m: gt.softmax(m), [(2, 3)]),
}


@pytest.mark.parametrize("static", [False, True], ids=["unknown_shapes", "static_shapes"])
@pytest.mark.parametrize("vectorize", [False, True], ids=["loop", "vectorized"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_jacobian_matches_finite_differences(case, vectorize, static):
    build, shapes = CASES[case]
    rng = np.random.default_rng(0)
    points = [rng.uniform(-1, 1, s) for s in shapes]
    xs = [gt.tensor("float64", shape=s if static else (None,) * len(s), name=f"x{i}") for i, s in enumerate(shapes)]
    out = build(*xs)
    fn = compile_fn(xs, out)
    out_shape = np.shape(fn(*points))
    J = jacobian(out, xs[0], vectorize=vectorize)
    assert J.ndim == out.ndim + xs[0].ndim
    got = compile_fn(xs, J)(*points)
    assert_close(got, _fd_jacobian(fn, points, 0, out_shape), rtol=1e-5, atol=1e-5)


def test_jacobian_list_of_wrt_keeps_the_form():
    x, y = gt.dvector("x"), gt.dvector("y")
    f = x * y[0]
    for wrt in ([x, y], (x, y)):
        for vectorize in (False, True):
            J = jacobian(f, wrt, vectorize=vectorize)
            assert type(J) is type(wrt)
            jx, jy = compile_fn([x, y], list(J))(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
            assert_close(jx, 3.0 * np.eye(2))
            assert_close(jy, [[1.0, 0.0], [2.0, 0.0]])


def test_jacobian_of_a_scalar_is_the_gradient():
    x = gt.dvector("x")
    J = jacobian(gt.sum(x ** 2), x)
    assert J.ndim == 1
    assert_close(compile_fn([x], J)(np.array([1.0, 2.0])), [2.0, 4.0])


def test_jacobian_disconnected_inputs():
    x, y = gt.dvector("x"), gt.dvector("y")
    for vectorize in (False, True):
        with pytest.raises(DisconnectedInputError):
            jacobian(x * 2.0, y, vectorize=vectorize)
    for static in (False, True):
        xv = gt.tensor("float64", shape=(2,) if static else (None,), name="x")
        J = jacobian(xv * 2.0, y, disconnected_inputs="ignore")
        assert_close(compile_fn([xv, y], J)(np.ones(2), np.ones(3)), np.zeros((2, 3)))


def test_vectorized_jacobian_is_one_batched_graph_whatever_the_length():
    sizes = []
    for n in (5, 50):
        x = gt.tensor("float64", shape=(n,), name="x")
        nodes = toposort([jacobian(gt.tanh(x) * 2.0, x, vectorize=True)])
        assert not any(isinstance(node.op, BatchedLoop) or "Scan" in type(node.op).__name__ for node in nodes)
        sizes.append(len(nodes))
    assert sizes[0] == sizes[1]


# ---------------------------------------------------------------------------
def test_hessian_of_a_cubic():
    x = gt.dvector("x")
    for vectorize in (False, True):
        H = hessian(gt.sum(x ** 3) + x[0] * x[1], x, vectorize=vectorize)
        assert_close(compile_fn([x], H)(np.array([1.0, 2.0])), [[6.0, 1.0], [1.0, 12.0]])


def test_hessian_of_a_list_of_vectors():
    x, y = gt.dvector("x"), gt.dvector("y")
    Hx, Hy = hessian(gt.sum(x ** 2) * gt.sum(y), [x, y])
    hx, hy = compile_fn([x, y], [Hx, Hy])(np.array([1.0, 2.0]), np.array([1.0, 1.0, 1.0]))
    assert_close(hx, 2 * 3.0 * np.eye(2))
    assert_close(hy, np.zeros((3, 3)))


def test_hessian_needs_a_scalar_cost_and_vector_wrt():
    x, m = gt.dvector("x"), gt.dmatrix("m")
    with pytest.raises(ValueError, match="cost must be a scalar"):
        hessian(x ** 2, x)
    with pytest.raises(ValueError, match="must be a vector"):
        hessian(gt.sum(m), m)


def test_hessian_vector_product():
    x, p = gt.dvector("x"), gt.dvector("p")
    hp = hessian_vector_product(gt.sum(x ** 3), x, p)
    assert_close(compile_fn([x, p], hp)(np.array([1.0, 2.0]), np.array([1.0, -1.0])), [6.0, -12.0])
    y, q = gt.dvector("y"), gt.dvector("q")
    hps = hessian_vector_product(gt.sum(x * y), [x, y], [p, q])
    assert isinstance(hps, list)
    a, b = compile_fn([x, y, p, q], hps)(np.ones(2), np.ones(2), np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    assert_close(a, [3.0, 4.0])
    assert_close(b, [1.0, 2.0])
    with pytest.raises(ValueError, match="one p per wrt"):
        hessian_vector_product(gt.sum(x), [x, y], [p])


# ---------------------------------------------------------------------------
class RowScale(Op):
    """``out = x * sum(x)`` with no batching rule: vectorize uses BatchedLoop."""

    def make_node(self, x):
        x = gt.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = inputs[0] * np.sum(inputs[0])

    def grad(self, inputs, output_grads):
        (x,), (g,) = inputs, output_grads
        return [g * gt.sum(x) + gt.sum(g * x)]


def test_vectorize_graph_batches_elemwise_reductions_and_other_ops():
    x = gt.dvector("x")
    y = gt.sum(gt.exp(x) * 2.0, axis=0) + RowScale()(x)
    X = gt.dmatrix("X")
    (Y,) = vectorize_graph([y], {x: X})
    assert Y.ndim == 2
    assert any(isinstance(n.op, BatchedLoop) for n in toposort([Y]))
    values = np.array([[0.1, 0.2, 0.3], [1.0, -1.0, 0.5]])
    expected = np.stack([np.sum(np.exp(r) * 2.0) + r * np.sum(r) for r in values])
    assert_close(compile_fn([X], Y)(values), expected)


def test_batched_loop_has_a_gradient():
    x, X = gt.dvector("x"), gt.dmatrix("X")
    (Y,) = vectorize_graph([RowScale()(x)], {x: X})
    from gradlab.gradient import grad
    g = grad(gt.sum(Y ** 2), X)
    fn = compile_fn([X], gt.sum(Y ** 2))
    values = np.array([[0.1, 0.2], [1.0, -1.0]])
    expected = fd_jacobians(fn, [values])[0].reshape(values.shape)
    assert_close(compile_fn([X], g)(values), expected, rtol=1e-5, atol=1e-5)


def test_vectorize_graph_checks_the_batch_dimension():
    x = gt.dvector("x")
    with pytest.raises(ValueError, match="one more"):
        vectorize_graph([x * 2.0], {x: gt.dvector("X")})


def test_unbatched_outputs_come_back_unchanged():
    x, z = gt.dvector("x"), gt.dvector("z")
    out = z * 2.0
    assert vectorize_graph([out], {x: gt.dmatrix("X")}) == [out]


BATCHING_CASES = {
    # name: (graph of x (and a fixed w), shape of x)
    "elemwise_lower_rank_batched": (lambda x, w: gt.exp(x) * w, (3,)),
    "elemwise_broadcast": (lambda x, w: x + w[0:1], (3,)),
    "reduction": (lambda x, w: gt.sum(gt.outer(x, x), axis=0) + gt.max(x), (3,)),
    "dimshuffle": (lambda x, w: gt.dimshuffle(gt.outer(x, w), (1, "x", 0)), (3,)),
    "reshape": (lambda x, w: gt.reshape(gt.outer(x, w), (-1,)), (3,)),
    "reshape_symbolic": (lambda x, w: gt.reshape(x, (x.shape[0], 1)), (3,)),
    "dot_vector_matrix": (lambda x, w: gt.dot(x, gt.outer(w, w)), (3,)),
    "dot_vector_vector_right": (lambda x, w: gt.dot(w, x), (3,)),
    "dot_matrix_vector_right": (lambda x, w: gt.dot(gt.outer(w, w), x), (3,)),
    "dot_vector_matrix_right": (lambda x, w: gt.dot(w, gt.outer(x, w)), (3,)),
    "dot_matrix_matrix": (lambda x, w: gt.dot(gt.outer(x, w), gt.outer(w, w)), (3,)),
    "dot_matrix_matrix_right": (lambda x, w: gt.dot(gt.outer(w, w), gt.outer(x, w)), (3,)),
    "fallback_subtensor": (lambda x, w: x[[2, 0]] * x[1], (3,)),
}


@pytest.mark.parametrize("case", sorted(BATCHING_CASES))
def test_vectorize_graph_equals_stacking_each_row(case):
    build, shape = BATCHING_CASES[case]
    w_value = np.array([0.5, -1.0, 2.0])
    x = gt.tensor("float64", shape=(None,) * len(shape), name="x")
    out = build(x, gt.constant(w_value))
    X = gt.tensor("float64", shape=(None,) * (len(shape) + 1), name="X")
    (Y,) = vectorize_graph([out], {x: X})
    loops = [n for n in toposort([Y]) if isinstance(n.op, BatchedLoop)]
    assert bool(loops) == case.startswith("fallback"), loops
    rows = np.random.default_rng(0).uniform(-1, 1, (4,) + shape)
    one = compile_fn([x], out)
    assert_close(compile_fn([X], Y)(rows), np.stack([one(r) for r in rows]))
