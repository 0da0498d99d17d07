"""Products against numpy: dot, matmul, tensordot, outer, batched_dot values,
dtypes and shapes, and every vjp (L_op) / jvp (R_op) rule against finite
differences (plus the seed tutorial's Rop/Lop numbers)."""
import numpy as np
import pytest

import gradlab
import gradlab.tensor as gt
from gradlab.gradient.adapter import node_jvp, node_vjp
from gradlab.tensor import linalg

from tensor_helpers import check_rules, check_through_gradient, compiled, perform_run

RNG = np.random.default_rng(1)


def _var(shape, dtype="float64", static=False, name=None):
    return gt.tensor(dtype, shape=shape if static else tuple(1 if n == 1 else None for n in shape), name=name)


def _sample(shape, dtype):
    if dtype.startswith("int"):
        return RNG.integers(-3, 4, size=shape).astype(dtype)
    return RNG.standard_normal(shape).astype(dtype)


# (name, builder, numpy reference, operand shapes)
PRODUCTS = [
    ("dot", gt.dot, np.dot, sa, sb)
    for sa, sb in [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((), (3, 2)), ((2,), ()),
                   ((2, 2, 3), (3,)), ((2, 2, 3), (3, 4)), ((3,), (2, 3, 4)), ((2, 3), (2, 3, 4))]
] + [
    ("matmul", gt.matmul, np.matmul, sa, sb)
    for sa, sb in [((3,), (3,)), ((2, 3), (3, 4)), ((2, 2, 3), (3, 4)), ((3,), (2, 3, 4)), ((2, 2, 3), (3,)),
                   ((2, 1, 2, 3), (4, 3, 2)), ((5, 2, 3), (5, 3, 4)), ((1, 2, 3), (4, 3, 1))]
] + [
    ("tensordot", lambda a, b, ax=ax: gt.tensordot(a, b, ax), lambda a, b, ax=ax: np.tensordot(a, b, ax), sa, sb)
    for ax, sa, sb in [(0, (2,), (3,)), (1, (2, 3), (3, 4)), (2, (2, 3, 4), (3, 4, 2)), (([0, 2], [2, 0]), (2, 3, 4), (4, 5, 2)),
                       (([-1], [0]), (2, 3), (3,)), ((1, 1), (2, 3, 4), (5, 3)), (([2, 0, 1], [0, 1, 2]), (2, 3, 4), (4, 2, 3))]
] + [
    ("outer", gt.outer, np.outer, sa, sb) for sa, sb in [((3,), (4,)), ((1,), (2,)), ((2, 2), (3,))]
] + [
    ("batched_dot", gt.batched_dot, lambda a, b: np.einsum("bi,bi->b", a, b), (3, 4), (3, 4)),
    ("batched_dot", gt.batched_dot, np.matmul, (3, 2, 4), (3, 4, 5)),
    ("batched_dot", gt.batched_dot, lambda a, b: np.einsum("bi,bij->bj", a, b), (3, 4), (3, 4, 5)),
    ("batched_dot", gt.batched_dot, lambda a, b: np.einsum("bij,bj->bi", a, b), (3, 2, 4), (3, 4)),
]
DTYPES = [("float64", "float64"), ("float32", "float32"), ("int32", "int32"), ("int32", "float32"), ("float32", "float64")]


@pytest.mark.parametrize("dtypes", DTYPES, ids="-".join)
@pytest.mark.parametrize("name,build,ref,sa,sb", PRODUCTS, ids=[f"{p[0]}{p[3]}{p[4]}" for p in PRODUCTS])
@pytest.mark.parametrize("static", [False, True], ids=["dynamic", "static"])
def test_values_dtypes_and_shapes_match_numpy(name, build, ref, sa, sb, dtypes, static):
    a, b = _var(sa, dtypes[0], static, "a"), _var(sb, dtypes[1], static, "b")
    va, vb = _sample(sa, dtypes[0]), _sample(sb, dtypes[1])
    z = build(a, b)
    want = np.asarray(ref(va, vb))
    rtol = 1e-5 if "float32" in dtypes else 1e-12
    for got in (perform_run([z], [a, b], [va, vb])[0], compiled([a, b], z)(va, vb),
                compiled([a, b], z, mode="FAST_RUN")(va, vb)):
        assert got.dtype == want.dtype == np.dtype(z.dtype), (got.dtype, want.dtype, z.dtype)
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol)
    assert z.ndim == want.ndim and all(s is None or s == n for s, n in zip(z.type.shape, want.shape))
    if static:
        assert z.type.shape == want.shape
    if isinstance(z.owner.op, (linalg.Dot, linalg.Matmul, linalg.TensorDot)):
        inferred = z.owner.op.infer_shape(None, z.owner, [va.shape, vb.shape])[0]
        assert tuple(int(n) for n in inferred) == want.shape


RULE_CASES = [
    (linalg.Dot(), (3,), (3,)), (linalg.Dot(), (2, 3), (3,)), (linalg.Dot(), (3,), (3, 4)),
    (linalg.Dot(), (2, 3), (3, 4)),
    (linalg.Matmul(), (2, 2, 3), (3, 4)), (linalg.Matmul(), (3,), (2, 3, 4)), (linalg.Matmul(), (2, 2, 3), (3,)),
    (linalg.Matmul(), (2, 1, 2, 3), (4, 3, 2)), (linalg.Matmul(), (3, 2, 3), (3, 3, 2)),
    (linalg.Matmul(), (2, 3), (1, 3, 4)),
    (linalg.TensorDot((1,), (0,)), (2, 3), (3, 4)), (linalg.TensorDot((0, 2), (2, 0)), (2, 3, 4), (4, 5, 2)),
    (linalg.TensorDot((), ()), (2,), (3,)), (linalg.TensorDot((2, 0, 1), (0, 1, 2)), (2, 3, 4), (4, 2, 3)),
    (linalg.TensorDot((1,), (1,)), (2, 3, 4), (5, 3)),
]


@pytest.mark.parametrize("op,sa,sb", RULE_CASES, ids=[f"{c[0]}{c[1]}{c[2]}" for c in RULE_CASES])
def test_vjp_and_jvp_match_finite_differences(op, sa, sb):
    a, b = _var(sa, name="a"), _var(sb, name="b")
    check_rules(op(a, b), [RNG.standard_normal(sa), RNG.standard_normal(sb)])


def test_seed_tutorial_rop_and_lop_numbers():
    W, V, x, v = gt.dmatrix("W"), gt.dmatrix("V"), gt.dvector("x"), gt.dvector("v")
    y = gt.dot(x, W)
    (jv,) = node_jvp(y.owner, [None, V])
    f = compiled([W, V, x], jv)
    np.testing.assert_array_equal(f([[1, 1], [1, 1]], [[2, 2], [2, 2]], [0, 1]), [2.0, 2.0])
    _, vj = node_vjp(y.owner, [v])
    g = compiled([W, v, x], vj)
    np.testing.assert_array_equal(g([[1, 1], [1, 1]], [2, 2], [0, 1]), [[0.0, 0.0], [2.0, 2.0]])


@pytest.mark.parametrize("dtypes", [("int32", "float32"), ("float32", "float32"), ("int64", "int64")])
def test_gradient_dtypes(dtypes):
    a, b = gt.tensor(dtypes[0], shape=(None, None)), gt.tensor(dtypes[1], shape=(None, None))
    z = gt.dot(a, b)
    ga, gb = node_vjp(z.owner, [z.type()])
    real = [d if d.startswith("float") else "float64" for d in dtypes]
    assert (ga.dtype, gb.dtype) == tuple(real)
    va, vb = _sample((2, 3), dtypes[0]), _sample((3, 2), dtypes[1])
    if z.dtype.startswith("int"):      # integer outputs: zero gradient
        got = compiled([a, b], [ga, gb])(va, vb)
        assert not np.any(got[0]) and not np.any(got[1])


@pytest.mark.parametrize("build,sa,sb,message", [
    (gt.dot, (2, 3), (4, 2), "shapes do not align.*3 and 4"),
    (gt.matmul, (), (3,), "matmul needs at least one dimension"),
    (gt.matmul, (2, 2, 3), (3, 3, 4), "cannot broadcast the batch axes"),
    (lambda a, b: gt.tensordot(a, b, ([0], [3])), (2, 3), (2, 3), "axis 3 is out of range"),
    (lambda a, b: gt.tensordot(a, b, 3), (2, 3), (2, 3), "pass 0 <= axes <= 2"),
    (lambda a, b: gt.tensordot(a, b, ([0], [0, 1])), (2, 3), (2, 3), "give as many of each"),
])
def test_errors_name_the_operands_and_the_fix(build, sa, sb, message):
    a, b = gt.tensor("float64", shape=sa, name="A"), gt.tensor("float64", shape=sb, name="B")
    with pytest.raises((TypeError, ValueError), match=message):
        build(a, b)


def test_matmul_operator_and_generated_source():
    A, B = gt.dmatrix("A"), gt.dtensor3("B")
    f = compiled([A, B], [A @ A, A @ B, gt.tensordot(B, A, 1)])
    assert "perform" not in f.maker.source
    va, vb = RNG.standard_normal((2, 2)), RNG.standard_normal((3, 2, 2))
    got = f(va, vb)
    np.testing.assert_allclose(got[0], va @ va)
    np.testing.assert_allclose(got[1], va @ vb)
    np.testing.assert_allclose(got[2], np.tensordot(vb, va, 1))


def test_missing_tangent_drops_its_term():
    a, b = gt.dmatrix("a"), gt.dmatrix("b")
    for z in (gt.dot(a, b), gt.matmul(gt.dtensor3("c"), b), gt.tensordot(a, b, 1)):
        (dz,) = node_jvp(z.owner, [None, None])
        ins = z.owner.inputs
        vals = [np.ones((2, 2)) if i.ndim == 2 else np.ones((2, 2, 2)) for i in ins]
        np.testing.assert_array_equal(compiled(ins, dz)(*vals), np.zeros(np.shape(compiled(ins, z)(*vals))))


# -- through gradlab.gradient (graphs of several ops, rewritten) -------------
THROUGH_GRADIENT = {
    "dot_mv": (lambda A, x: gt.tanh(gt.dot(A, x)), [(3, 4), (4,)]),
    "matmul_chain": (lambda A, B: (A @ B) @ A.T, [(3, 4), (4, 4)]),
    "batched": (lambda A, B: gt.sum(gt.matmul(A, B) ** 2, axis=0), [(2, 3, 4), (4, 2)]),
    "tensordot": (lambda A, B: gt.tensordot(A, B, ([0, 2], [2, 0])) * 2, [(2, 3, 4), (4, 5, 2)]),
    "outer": (lambda a, b: gt.outer(a, gt.exp(b)), [(3,), (4,)]),
    "batched_dot": (lambda a, b: gt.batched_dot(a, b), [(3, 2, 4), (3, 4)]),
    "dot_nd": (lambda A, B: gt.dot(A, B), [(2, 3, 4), (4,)]),
}


@pytest.mark.parametrize("name", list(THROUGH_GRADIENT))
def test_lop_and_rop_through_gradient_module(name):
    build, shapes = THROUGH_GRADIENT[name]
    check_through_gradient(build, [RNG.standard_normal(s) for s in shapes], rtol=1e-5, atol=1e-7)


def test_seed_tutorial_through_gradient_module():
    W, V, x, v = gt.dmatrix("W"), gt.dmatrix("V"), gt.dvector("x"), gt.dvector("v")
    y = gt.dot(x, W)
    JV = gradlab.gradient.Rop(y, W, V)
    f = gradlab.function([W, V, x], JV)
    np.testing.assert_array_equal(f([[1, 1], [1, 1]], [[2, 2], [2, 2]], [0, 1]), [2.0, 2.0])
    VJ = gradlab.gradient.Lop(y, W, v)
    g = gradlab.function([v, x], VJ)
    np.testing.assert_array_equal(g([2, 2], [0, 1]), [[0.0, 0.0], [2.0, 2.0]])
