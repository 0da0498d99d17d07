"""softmax / log_softmax / categorical_crossentropy against numpy: values,
stability, dtypes and shapes, and the vjp (L_op) / jvp (R_op) rules against
finite differences."""
import numpy as np
import pytest

import gradlab
import gradlab.tensor as gt
from gradlab.gradient.adapter import node_jvp, node_vjp
from gradlab.tensor import nnet

from tensor_helpers import check_rules, check_through_gradient, compiled, perform_run

RNG = np.random.default_rng(2)


def _np_softmax(x, axis):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _np_log_softmax(x, axis):
    s = x - np.max(x, axis=axis, keepdims=True)
    return s - np.log(np.sum(np.exp(s), axis=axis, keepdims=True))


OPS = {"softmax": (gt.softmax, _np_softmax), "log_softmax": (gt.log_softmax, _np_log_softmax)}
SHAPES_AXES = [((4,), -1), ((4,), None), ((2, 3), -1), ((2, 3), 0), ((2, 3), None), ((2, 3, 4), 1),
               ((2, 3, 4), (0, 2)), ((2, 3, 4), (-1, -2))]


@pytest.mark.parametrize("name", list(OPS))
@pytest.mark.parametrize("dtype", ["float64", "float32", "int32"])
@pytest.mark.parametrize("shape,axis", SHAPES_AXES)
def test_values_dtypes_and_shapes_match_numpy(name, dtype, shape, axis):
    build, ref = OPS[name]
    x = gt.tensor(dtype, shape=(None,) * len(shape), name="x")
    value = (RNG.standard_normal(shape) * 3).astype(dtype)
    z = build(x, axis=axis)
    np_axis = tuple(axis) if isinstance(axis, tuple) else axis
    want = ref(value.astype(z.dtype), np_axis)
    assert z.dtype == (dtype if dtype != "int32" else "float64")
    rtol = 1e-5 if dtype == "float32" else 1e-12
    for got in (perform_run([z], [x], [value])[0], compiled([x], z)(value), compiled([x], z, mode="FAST_RUN")(value)):
        assert got.dtype == np.dtype(z.dtype) and got.shape == shape
        np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol)
    assert z.owner.op.infer_shape(None, z.owner, [shape])[0] == shape


@pytest.mark.parametrize("name", list(OPS))
def test_large_and_infinite_inputs_stay_finite(name):
    x = gt.dmatrix("x")
    f = compiled([x], OPS[name][0](x))
    big = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, -1001.0, -1002.0]])
    got = f(big)
    np.testing.assert_allclose(got, OPS[name][1](big, -1), rtol=1e-12)
    assert np.all(np.isfinite(got))
    with_inf = f(np.array([[-np.inf, 0.0, 0.0], [-np.inf, -np.inf, 1.0]]))
    want = np.array([[0.0, 0.5, 0.5], [0.0, 0.0, 1.0]])
    np.testing.assert_allclose(with_inf, want if name == "softmax" else np.log(want))


@pytest.mark.parametrize("op_class", [nnet.Softmax, nnet.LogSoftmax])
@pytest.mark.parametrize("shape,axis", SHAPES_AXES)
def test_vjp_and_jvp_match_finite_differences(op_class, shape, axis):
    x = gt.tensor("float64", shape=(None,) * len(shape), name="x")
    z = op_class(axis)(x)
    check_rules(z, [RNG.standard_normal(shape)])


def test_rules_keep_float32_and_make_ints_real():
    for dtype, want in (("float32", "float32"), ("int64", "float64")):
        x = gt.tensor(dtype, shape=(None, None))
        for build in (gt.softmax, gt.log_softmax):
            z = build(x)
            (g,) = node_vjp(z.owner, [z.type()])
            (dz,) = node_jvp(z.owner, [gt.tensor(want, shape=(None, None))])
            assert g.dtype == dz.dtype == want


def test_bad_axis_names_the_variable():
    with pytest.raises(ValueError, match=r"axis 2 is out of range for logits .*\[-2, 1\]"):
        gt.softmax(gt.dmatrix("logits"), axis=2)


def test_ops_are_canonical_and_hashable():
    x = gt.dmatrix()
    assert gt.softmax(x, -1).owner.op == gt.softmax(x, 1).owner.op == nnet.Softmax((1,))
    assert len({nnet.Softmax((1,)), nnet.Softmax((1,)), nnet.LogSoftmax((1,))}) == 2


@pytest.mark.parametrize("static", [False, True])
def test_categorical_crossentropy_with_distributions_and_labels(static):
    p = gt.tensor("float64", shape=(3, 4) if static else (None, None), name="p")
    probs = _np_softmax(RNG.standard_normal((3, 4)), -1)
    labels = np.array([0, 3, 1])
    one_hot = np.eye(4)[labels]
    y_dist, y_int = gt.dmatrix("y"), gt.lvector("labels")
    want = -np.log(probs[np.arange(3), labels])
    got_dist = compiled([p, y_dist], nnet.categorical_crossentropy(p, y_dist))(probs, one_hot)
    got_int = compiled([p, y_int], nnet.categorical_crossentropy(p, y_int))(probs, labels)
    np.testing.assert_allclose(got_dist, want, rtol=1e-12)
    np.testing.assert_allclose(got_int, want, rtol=1e-12)
    soft = np.full((3, 4), 0.25)
    np.testing.assert_allclose(compiled([p, y_dist], nnet.categorical_crossentropy(p, y_dist))(probs, soft),
                               -np.sum(soft * np.log(probs), axis=-1), rtol=1e-12)


def test_categorical_crossentropy_rejects_bad_targets():
    with pytest.raises(TypeError, match="class labels"):
        nnet.categorical_crossentropy(gt.dmatrix("p"), gt.dvector("y"))


def test_generated_source_calls_the_numpy_kernels():
    x = gt.dmatrix("x")
    f = compiled([x], [gt.softmax(x), gt.log_softmax(x, axis=0)])
    assert "perform" not in f.maker.source and "softmax" in f.maker.source


# -- through gradlab.gradient (graphs of several ops, rewritten) -------------
THROUGH_GRADIENT = {
    "softmax_rows": (lambda x: gt.softmax(x) * [1.0, 2.0, 3.0], [(2, 3)]),
    "log_softmax_axis0": (lambda x: gt.log_softmax(x, axis=0) ** 2, [(2, 3)]),
    "crossentropy_dist": (lambda x, y: nnet.categorical_crossentropy(gt.softmax(x), gt.softmax(y)), [(3, 4), (3, 4)]),
    "crossentropy_labels": (lambda x: nnet.categorical_crossentropy(gt.softmax(x), np.array([0, 3, 1])), [(3, 4)]),
}


@pytest.mark.parametrize("name", list(THROUGH_GRADIENT))
def test_lop_and_rop_through_gradient_module(name):
    build, shapes = THROUGH_GRADIENT[name]
    check_through_gradient(build, [RNG.standard_normal(s) for s in shapes], rtol=1e-5, atol=1e-7)


def test_benchmark_mlp_gradient_matches_the_closed_form():
    X, Y = gt.dmatrix("X"), gt.dmatrix("Y")
    W1, b1, W2, b2 = gt.dmatrix("W1"), gt.dvector("b1"), gt.dmatrix("W2"), gt.dvector("b2")
    H = gt.tanh(X @ W1 + b1)
    Z = H @ W2 + b2
    loss = -gt.mean(gt.sum(Y * gt.log_softmax(Z, axis=-1), axis=1))
    params = [W1, b1, W2, b2]
    f = gradlab.function([X, Y, *params], [loss] + gt.grad(loss, params))
    xv, w1, bv1, w2, bv2 = (RNG.standard_normal(s) for s in ((5, 3), (3, 4), (4,), (4, 2), (2,)))
    yv = np.eye(2)[RNG.integers(0, 2, size=5)]
    loss_v, g_w1, g_b1, g_w2, g_b2 = f(xv, yv, w1, bv1, w2, bv2)
    h = np.tanh(xv @ w1 + bv1)
    p = _np_softmax(h @ w2 + bv2, -1)
    np.testing.assert_allclose(loss_v, -np.mean(np.sum(yv * np.log(p), axis=1)), rtol=1e-12)
    dz = (p - yv) / 5
    dh = (dz @ w2.T) * (1 - h ** 2)
    for got, want in ((g_w2, h.T @ dz), (g_b2, dz.sum(0)), (g_w1, xv.T @ dh), (g_b1, dh.sum(0))):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


# -- issue 17: gradients of the stabilised forms are stable too ----------------------------------
STABLE_CASES = [("float64", 1000.0), ("float32", 45.0), ("float32", 1000.0)]
GRAD_MODES = ["FAST_RUN", "FAST_COMPILE", "NO_REWRITE"]


@pytest.mark.parametrize("mode", GRAD_MODES)
@pytest.mark.parametrize("dtype,big", STABLE_CASES)
def test_crossentropy_of_softmax_gradient_is_softmax_minus_onehot(dtype, big, mode):
    z, t = gt.vector("z", dtype=dtype), gt.vector("t", dtype=dtype)
    y = gt.lscalar("y")
    value = np.array([big, 0.0, -big], dtype=dtype)
    onehot = np.array([0.0, 1.0, 0.0], dtype=dtype)
    want = _np_softmax(value.astype("float64"), -1) - onehot            # [1, -1, 0]
    for target, arg in ((t, onehot), (y, 1)):
        cost = gt.categorical_crossentropy(gt.softmax(z), target)
        g = gt.grad(cost, z)
        got_cost, got_g = gradlab.function([z, target], [cost, g], mode=mode)(value, arg)
        assert got_g.dtype == dtype and got_cost.dtype == dtype
        np.testing.assert_allclose(got_cost, big, rtol=1e-6)              # -log_softmax(z)[1] = big
        np.testing.assert_allclose(got_g, want, atol=1e-6)


@pytest.mark.parametrize("mode", GRAD_MODES)
@pytest.mark.parametrize("dtype,big", STABLE_CASES)
def test_gradient_of_log_of_softmax_is_stable(dtype, big, mode):
    z = gt.vector("z", dtype=dtype)
    value = np.array([big, 0.0, -big], dtype=dtype)
    sm = _np_softmax(value.astype("float64"), -1)
    g = gradlab.function([z], gt.grad(gt.log(gt.softmax(z)).sum(), z), mode=mode)(value)
    assert g.dtype == dtype
    np.testing.assert_allclose(g, 1 - 3 * sm, atol=1e-6)                 # [-2, 1, 1]
    # rows of a matrix, through a mean: gx = (1 - n * softmax) / size
    m = gt.matrix("m", dtype=dtype)
    rows = np.stack([value, value[::-1]])
    g = gradlab.function([m], gt.grad(gt.log(gt.softmax(m)).mean(), m), mode=mode)(rows)
    np.testing.assert_allclose(g, (1 - 3 * _np_softmax(rows.astype("float64"), -1)) / 6, atol=1e-6)


@pytest.mark.parametrize("mode", GRAD_MODES)
def test_crossentropy_of_softmax_with_an_out_of_range_label_is_inf(mode):
    z, y = gt.dmatrix("z"), gt.lvector("y")
    cost = gt.categorical_crossentropy(gt.softmax(z), y)
    with np.errstate(divide="ignore"):
        got = gradlab.function([z, y], cost, mode=mode)(np.zeros((2, 3)), [1, 7])
    np.testing.assert_allclose(got, [np.log(3.0), np.inf])


def test_softmax_gradient_with_log_and_other_readers_matches_finite_differences():
    """gz = A / z + R: the stable A part and the general R part together."""
    z, w = gt.dvector("z"), gt.dvector("w")
    cost = (w * gt.log(gt.softmax(z))).sum() + (gt.softmax(z) * w[::-1]).sum()
    value, weights = np.array([0.3, -1.2, 2.0]), np.array([0.5, 1.5, -2.0])
    got = gradlab.function([z, w], gt.grad(cost, z), mode="NO_REWRITE")(value, weights)
    f = gradlab.function([z, w], cost, mode="NO_REWRITE")
    eps = 1e-6
    fd = [(f(value + eps * e, weights) - f(value - eps * e, weights)) / (2 * eps) for e in np.eye(3)]
    np.testing.assert_allclose(got, fd, rtol=1e-6, atol=1e-8)
    big = gradlab.function([z, w], gt.grad(cost, z))(np.array([1000.0, 0.0, -1000.0]), weights)
    assert np.all(np.isfinite(big))
    sm = np.array([1.0, 0.0, 0.0])
    np.testing.assert_allclose(big, weights - sm * weights.sum() + sm * (weights[::-1] - sm @ weights[::-1]),
                               atol=1e-12)
