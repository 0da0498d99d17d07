"""Reductions against numpy: values, dtypes, static and inferred shapes, and
every vjp (L_op) / jvp (R_op) rule against finite differences."""
import numpy as np
import pytest

import gradlab
import gradlab.tensor as gt
from gradlab.gradient.adapter import node_jvp, node_vjp
from gradlab.tensor import reduce as red

from tensor_helpers import check_rules, check_through_gradient, compiled, perform_run

RNG = np.random.default_rng(0)


def _argref(fn, x, axis, keepdims):
    """numpy arg-reduction over several axes, flattened in C order."""
    axes = tuple(range(x.ndim)) if axis is None else tuple(a % x.ndim for a in np.atleast_1d(axis))
    kept = [i for i in range(x.ndim) if i not in axes]
    moved = np.transpose(x, kept + sorted(axes)).reshape([x.shape[i] for i in kept] + [-1])
    out = fn(moved, axis=-1)
    return out.reshape([1 if i in axes else x.shape[i] for i in range(x.ndim)]) if keepdims else out


def _lse(x, axis=None, keepdims=False):
    return np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims))


# (builder, numpy reference) of every reduction
OPS = {
    "sum": (gt.sum, np.sum),
    "prod": (gt.prod, np.prod),
    "max": (gt.max, np.max),
    "min": (gt.min, np.min),
    "argmax": (gt.argmax, lambda x, axis, keepdims: _argref(np.argmax, x, axis, keepdims)),
    "argmin": (gt.argmin, lambda x, axis, keepdims: _argref(np.argmin, x, axis, keepdims)),
    "all": (gt.all, np.all),
    "any": (gt.any, np.any),
    "mean": (gt.mean, np.mean),
    "var": (gt.var, np.var),
    "std": (gt.std, np.std),
    "logsumexp": (gt.logsumexp, _lse),
}
AXES_3D = [None, 0, 1, -1, (0, 2), [1], (-1, -3), (0, 1, 2), ()]


def _sample(shape, dtype):
    if dtype == "bool":
        return RNG.random(shape) > 0.4
    if dtype.startswith("int"):
        return RNG.integers(-3, 4, size=shape).astype(dtype)
    return (RNG.standard_normal(shape) + 0.5).astype(dtype)


VALUE_CASES = [(name, dtype, axis, keepdims)
               for name in OPS
               for dtype in ("float64", "float32", "int32", "bool")
               if not (dtype == "bool" and name in ("var", "std", "logsumexp", "mean", "prod"))
               for axis in AXES_3D
               for keepdims in (False, True)
               if not (axis == () and name in ("argmax", "argmin"))]


@pytest.mark.parametrize("name,dtype,axis,keepdims", VALUE_CASES)
def test_values_dtypes_and_shapes_match_numpy(name, dtype, axis, keepdims):
    build, ref = OPS[name]
    x = gt.tensor(dtype, shape=(None, 3, None), name="x")
    value = _sample((2, 3, 4), dtype)
    z = build(x, axis=axis, keepdims=keepdims)
    want = np.asarray(ref(value, axis=tuple(axis) if isinstance(axis, list) else axis, keepdims=keepdims))
    rtol = 1e-5 if dtype == "float32" else 1e-12
    for got in (perform_run([z], [x], [value])[0], compiled([x], z)(value), compiled([x], z, mode="FAST_RUN")(value)):
        assert got.dtype == want.dtype == np.dtype(z.dtype), (got.dtype, want.dtype, z.dtype)
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol)
    assert all(s is None or s == n for s, n in zip(z.type.shape, want.shape)) and z.ndim == want.ndim
    if z.owner is not None and isinstance(z.owner.op, red.Reduce):
        inferred = z.owner.op.infer_shape(None, z.owner, [value.shape])[0]
        assert tuple(int(n) for n in inferred) == want.shape


@pytest.mark.parametrize("name", ["sum", "prod", "max", "min", "argmax", "all", "mean", "logsumexp"])
def test_static_lengths_are_kept(name):
    x = gt.tensor("float64", shape=(2, None, 5))
    assert OPS[name][0](x, axis=1).type.shape == (2, 5)
    assert OPS[name][0](x, axis=(0, 2), keepdims=True).type.shape == (1, None, 1)


@pytest.mark.parametrize("dtype,sum_dtype", [("bool", "int64"), ("int8", "int64"), ("int32", "int64"),
                                             ("uint8", "uint64"), ("float32", "float32"), ("float64", "float64")])
def test_sum_dtype_follows_numpy(dtype, sum_dtype):
    x = gt.tensor(dtype, shape=(None,))
    assert gt.sum(x).dtype == sum_dtype == np.sum(np.ones(2, dtype)).dtype
    assert gt.sum(x, dtype="float32").dtype == "float32"


def test_sum_dtype_and_acc_dtype_values():
    x = gt.tensor("int8", shape=(None,))
    big = np.full(100, 100, dtype="int8")
    z = gt.sum(x, dtype="int8", acc_dtype="int64")
    assert z.dtype == "int8"
    assert compiled([x], z)(big) == np.int64(10000).astype("int8")
    f32 = gt.sum(gt.fvector("v"), acc_dtype="float64")
    assert f32.dtype == "float32"
    assert compiled(f32.owner.inputs, f32)(np.ones(3, "float32")).dtype == np.float32


@pytest.mark.parametrize("build,args,message", [
    (gt.sum, dict(axis=2), "axis 2 is out of range for x"),
    (gt.max, dict(axis=(0, -2)), "repeats an axis"),
    (gt.mean, dict(axis=1.5), "axis must be None, an int or a tuple"),
    (gt.prod, dict(axis=[0, "a"]), "every axis must be a Python int"),
])
def test_bad_axis_errors_name_the_variable_and_the_fix(build, args, message):
    x = gt.dmatrix("x")
    with pytest.raises((ValueError, TypeError), match=message) as info:
        build(x, **args)
    assert "x" in str(info.value)


def test_op_props_are_hashable_and_canonical():
    x = gt.dtensor3()
    a, b = gt.sum(x, axis=(-1, 0)).owner.op, gt.sum(x, axis=[2, 0]).owner.op
    assert a == b and hash(a) == hash(b) and a.axis == (0, 2)
    assert gt.sum(x).owner.op == gt.sum(x, axis=(0, 1, 2)).owner.op


# -- derivative rules ------------------------------------------------------
RULE_CASES = [
    (name, axis, keepdims, shape)
    for name in ("sum", "prod", "max", "min")
    for axis, shape in ((None, (3,)), (0, (3,)), (None, (2, 3, 2)), (1, (2, 3, 2)), (-1, (2, 3, 2)),
                        ((0, 2), (2, 3, 2)), ((0, 1), (2, 3, 2)), ((), (2, 3)))
    for keepdims in (False, True)
]


@pytest.mark.parametrize("name,axis,keepdims,shape", RULE_CASES)
def test_vjp_and_jvp_match_finite_differences(name, axis, keepdims, shape):
    x = gt.tensor("float64", shape=(None,) * len(shape), name="x")
    z = OPS[name][0](x, axis=axis, keepdims=keepdims)
    check_rules(z, [RNG.standard_normal(shape)])


@pytest.mark.parametrize("value", [[2.0, 0.0, 3.0], [0.0, 0.0, 3.0], [2.0, 4.0, 3.0], [0.0, 1.5, -2.0]])
def test_prod_rules_at_zeros_match_finite_differences(value):
    # prod is linear in each entry, so central differences are exact even at zeros
    x = gt.dvector("x")
    check_rules(gt.prod(x), [np.array(value)])
    check_rules(gt.prod(gt.dmatrix("m"), axis=1), [np.array([value, value[::-1], [1.0, 2.0, 0.0]])])


@pytest.mark.parametrize("value,want", [([2.0, 0.0, 3.0], [0.0, 6.0, 0.0]), ([0.0, 0.0, 3.0], [0.0, 0.0, 0.0]),
                                        ([2.0, 4.0, 3.0], [12.0, 6.0, 8.0])])
def test_prod_gradient_by_hand(value, want):
    x = gt.dvector("x")
    z = gt.prod(x)
    gz = gt.dscalar("gz")
    (g,) = node_vjp(z.owner, [gz])
    np.testing.assert_array_equal(compiled([x, gz], g)(value, 1.0), want)


def test_max_and_min_ties_share_the_gradient_by_hand():
    x, gz = gt.dmatrix("x"), gt.dvector("gz")
    value = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    t_val = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    z = gt.max(x, axis=1)
    (g,) = node_vjp(z.owner, [gz])
    np.testing.assert_array_equal(compiled([x, gz], g)(value, [10.0, 20.0]), [[0, 10, 10], [20, 20, 0]])
    t = gt.dmatrix("t")
    (dz,) = node_jvp(z.owner, [t])
    np.testing.assert_array_equal(compiled([x, t], dz)(value, t_val), [5.0, 9.0])
    zmin = gt.min(x, axis=0, keepdims=True)
    gzm = gt.tensor("float64", shape=(1, None), name="gzm")   # zmin's type: its length-1 axis is declared
    (g,) = node_vjp(zmin.owner, [gzm])
    np.testing.assert_array_equal(compiled([x, gzm], g)(value, [[1.0, 2.0, 3.0]]), [[1, 0, 0], [0, 2, 3]])
    whole, s = gt.max(x), gt.dscalar("s")
    (g,) = node_vjp(whole.owner, [s])
    np.testing.assert_array_equal(compiled([x, s], g)(value, 2.0), [[0, 2, 2], [0, 0, 0]])


@pytest.mark.parametrize("name,dtype", [("argmax", "float64"), ("argmin", "float32"), ("all", "float64"),
                                        ("any", "float64"), ("sum", "int32"), ("max", "int64")])
def test_discrete_outputs_have_zero_gradient_and_tangent(name, dtype):
    x = gt.tensor(dtype, shape=(None, None), name="x")
    z = OPS[name][0](x, axis=1)
    (g,) = node_vjp(z.owner, [z.type()])
    want_dtype = dtype if dtype.startswith("float") else "float64"
    assert g.dtype == want_dtype
    value = _sample((2, 3), dtype)
    np.testing.assert_array_equal(compiled([x], g)(value), np.zeros((2, 3)))
    (dz,) = node_jvp(z.owner, [gt.tensor(want_dtype, shape=(None, None))])
    np.testing.assert_array_equal(perform_run([dz], [x], [value])[0], np.zeros(2))


def test_float32_rules_stay_float32():
    x = gt.fmatrix("x")
    for build in (gt.sum, gt.prod, gt.max):
        z = build(x, axis=0)
        (g,) = node_vjp(z.owner, [z.type()])
        (dz,) = node_jvp(z.owner, [x.type()])
        assert g.dtype == dz.dtype == "float32"


def test_missing_tangent_gives_zeros():
    x = gt.dmatrix("x")
    for build in (gt.sum, gt.prod, gt.max):
        z = build(x, axis=1)
        (dz,) = node_jvp(z.owner, [None])
        np.testing.assert_array_equal(compiled([x], dz)(np.ones((2, 3))), np.zeros(2))


def test_generated_source_is_inline_numpy():
    x = gt.dmatrix("x")
    f = compiled([x], [gt.sum(x, axis=0), gt.max(x, axis=1, keepdims=True), gt.argmax(x, axis=(0, 1))])
    assert "axis=(0,)" in f.maker.source and "keepdims=True" in f.maker.source
    assert "perform" not in f.maker.source


# -- through gradlab.gradient (graphs of several ops, rewritten) -------------
THROUGH_GRADIENT = {
    "sum_axis1": (lambda x: gt.sum(x * x, axis=1), (3, 4)),
    "prod_keepdims": (lambda x: gt.prod(x, axis=0, keepdims=True), (3, 4)),
    "max_then_square": (lambda x: gt.max(x, axis=(0, 2)) ** 2, (2, 3, 2)),
    "min_all": (lambda x: gt.min(x), (3, 4)),
    "mean_none": (gt.mean, (3, 4)),
    "mean_axis_keepdims": (lambda x: gt.mean(x, axis=-1, keepdims=True), (3, 4)),
    "mean_tuple": (lambda x: gt.mean(x, axis=(0, 2)), (2, 3, 2)),
    "var_axis0": (lambda x: gt.var(x, axis=0), (4, 3)),
    "var_ddof1": (lambda x: gt.var(x, ddof=1), (5,)),
    "std_axis1_keepdims": (lambda x: gt.std(x, axis=1, keepdims=True), (3, 4)),
    "logsumexp_none": (gt.logsumexp, (3, 4)),
    "logsumexp_axis": (lambda x: gt.logsumexp(x, axis=1), (3, 4)),
    "logsumexp_tuple_keepdims": (lambda x: gt.logsumexp(x, axis=(0, 2), keepdims=True), (2, 3, 2)),
    "logsumexp_large": (lambda x: gt.logsumexp(x * 400, axis=0), (3, 2)),
    "max_and_argmax": (lambda x: gt.max_and_argmax(x, axis=1)[0] * 2, (3, 4)),
}


@pytest.mark.parametrize("name", list(THROUGH_GRADIENT))
def test_lop_and_rop_through_gradient_module(name):
    build, shape = THROUGH_GRADIENT[name]
    check_through_gradient(build, [RNG.standard_normal(shape)], rtol=1e-5, atol=1e-7)


def test_grad_of_sum_and_mean_by_hand():
    x = gt.dmatrix("x")
    f = gradlab.function([x], [gt.grad(gt.sum(x), x), gt.grad(gt.mean(x), x), gt.grad(gt.sum(gt.prod(x, axis=1)), x)])
    value = np.array([[1.0, 2.0, 3.0], [0.0, 5.0, 0.0]])
    g_sum, g_mean, g_prod = f(value)
    np.testing.assert_array_equal(g_sum, np.ones((2, 3)))
    np.testing.assert_allclose(g_mean, np.full((2, 3), 1 / 6))
    np.testing.assert_array_equal(g_prod, [[6.0, 3.0, 2.0], [0.0, 0.0, 0.0]])


def test_hessian_of_logsumexp_is_softmax_covariance():
    x = gt.dvector("x")
    value = np.array([0.5, -1.0, 2.0, 0.0])
    H = gradlab.function([x], gradlab.gradient.hessian(gt.logsumexp(x), x))(value)
    s = np.exp(value - value.max())
    s /= s.sum()
    np.testing.assert_allclose(H, np.diag(s) - np.outer(s, s), rtol=1e-10, atol=1e-12)


def test_grad_of_max_with_ties_through_gradient_module():
    x = gt.dmatrix("x")
    g = gradlab.function([x], gt.grad(gt.sum(gt.max(x, axis=1) * [1.0, 2.0]), x))
    np.testing.assert_array_equal(g([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]]), [[0, 1, 1], [2, 2, 0]])
