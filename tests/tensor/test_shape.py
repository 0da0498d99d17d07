"""Shape ops against numpy: values, dtypes, static and inferred shapes for
float32/float64/int inputs, and every vjp (L_op) / jvp (R_op) rule against
finite differences; plus the constructors (zeros, eye, arange …) and the
errors on bad input."""
import numpy as np
import pytest

import gradlab.tensor as gt
from gradlab.gradient.adapter import node_vjp
from gradlab.tensor.shape_ops import static_int

from tensor_helpers import perform_run, compiled, sample, grad_dtype, numeric_jacobian, check_derivative_rules, check_infer_shape

RNG = np.random.default_rng(7)
DTYPES = ("float64", "float32", "int32", "int64")


# -- the table of shape ops ---------------------------------------------------
def D(static, actual=None):
    """A data input of the dtype under test: static shape, value shape."""
    return ("data", tuple(static), tuple(actual if actual is not None else static))


def I(dtype, value, static=None):
    """A fixed (index/shape) input with its value."""
    value = np.asarray(value, dtype=dtype)
    return ("fixed", dtype, value, tuple(static) if static is not None else (None,) * value.ndim)


CASES = {
    "shape": ([D((None, 3), (2, 3))], gt.shape, lambda x: np.array(x.shape)),
    "shape_of_scalar": ([D(())], gt.shape, lambda x: np.array(np.shape(x), dtype="int64")),
    "specify_shape": ([D((None, None), (2, 3))], lambda x: gt.specify_shape(x, (2, None)), lambda x: x),
    "specify_shape_symbolic": ([D((None, None), (2, 3)), I("int64", 3)],
                               lambda x, n: gt.specify_shape(x, (None, n)), lambda x, n: x),
    "reshape": ([D((None, None), (2, 6))], lambda x: x.reshape((3, -1)), lambda x: x.reshape(3, -1)),
    "reshape_symbolic": ([D((None, None), (2, 6))], lambda x: x.reshape((x.shape[1], x.shape[0])),
                         lambda x: x.reshape(x.shape[1], x.shape[0])),
    "reshape_vector": ([D((None, None), (2, 6)), I("int64", [4, 3], (2,))], lambda x, s: gt.reshape(x, s),
                       lambda x, s: x.reshape(s)),
    "reshape_to_scalar": ([D((None,), (1,))], lambda x: x.reshape(()), lambda x: x.reshape(())),
    "reshape_scalar_to_3d": ([D(())], lambda x: x.reshape((1, 1, 1)), lambda x: x.reshape(1, 1, 1)),
    "flatten": ([D((None, 3, None), (2, 3, 4))], gt.flatten, lambda x: x.reshape(-1)),
    "flatten_2": ([D((None, 3, None), (2, 3, 4))], lambda x: gt.flatten(x, 2), lambda x: x.reshape(2, -1)),
    "transpose": ([D((None, None), (2, 3))], lambda x: x.T, lambda x: x.T),
    "transpose_3d": ([D((2, None, 4), (2, 3, 4))], gt.transpose, np.transpose),
    "transpose_axes": ([D((None, None, None), (2, 3, 4))], lambda x: gt.transpose(x, (1, 2, 0)),
                       lambda x: np.transpose(x, (1, 2, 0))),
    "dimshuffle": ([D((None, None), (2, 3))], lambda x: x.dimshuffle(1, "x", 0),
                   lambda x: x.T[:, None, :]),
    "dimshuffle_drop": ([D((1, None, 1), (1, 3, 1))], lambda x: x.dimshuffle("x", 1), lambda x: x[0, :, 0][None]),
    "dimshuffle_scalar": ([D(())], lambda x: x.dimshuffle("x", "x"), lambda x: np.reshape(x, (1, 1))),
    "expand_dims": ([D((None, None), (2, 3))], lambda x: gt.expand_dims(x, (0, -1)),
                    lambda x: np.expand_dims(x, (0, -1))),
    "squeeze": ([D((None, 1, None, 1), (2, 1, 3, 1))], gt.squeeze, np.squeeze),
    "squeeze_axis": ([D((None, 1, None, 1), (2, 1, 3, 1))], lambda x: gt.squeeze(x, -1),
                     lambda x: np.squeeze(x, -1)),
    "alloc": ([D((3,))], lambda v: gt.alloc(v, 2, 3), lambda v: np.broadcast_to(v, (2, 3))),
    "alloc_broadcast_axes": ([D((1, None), (1, 3))], lambda v: gt.alloc(v, 4, 2, 3),
                             lambda v: np.broadcast_to(v, (4, 2, 3))),
    "alloc_symbolic": ([D(()), I("int64", 2), I("int32", 3)], lambda s, n, m: gt.alloc(s, n, m),
                       lambda s, n, m: np.full((n, m), s)),
    "full": ([D(())], lambda s: gt.full((2, 3), s), lambda s: np.full((2, 3), s)),
    "broadcast_to": ([D((None, 1), (2, 1))], lambda x: gt.broadcast_to(x, (3, 2, 4)),
                     lambda x: np.broadcast_to(x, (3, 2, 4))),
    "zeros_like_shape": ([D((None, None), (2, 3))], lambda x: gt.ones(x.shape, dtype=x.dtype),
                         lambda x: np.ones(x.shape, dtype=x.dtype)),
    "concatenate": ([D((None, 3), (2, 3)), D((None, 3), (1, 3))], lambda x, y: gt.concatenate([x, y]),
                    lambda x, y: np.concatenate([x, y])),
    "concatenate_axis1": ([D((2, None), (2, 3)), D((None, None), (2, 2))],
                          lambda x, y: gt.concatenate([x, y], axis=1), lambda x, y: np.concatenate([x, y], 1)),
    "join_last_axis": ([D((None, None), (2, 3)), D((None, None), (2, 1)), D((None, None), (2, 2))],
                       lambda x, y, z: gt.join(-1, x, y, z), lambda x, y, z: np.concatenate([x, y, z], -1)),
    "stack": ([D((None,), (3,)), D((None,), (3,))], lambda x, y: gt.stack([x, y]), lambda x, y: np.stack([x, y])),
    "stack_axis1": ([D((None, 2), (3, 2)), D((None, 2), (3, 2))], lambda x, y: gt.stack([x, y], axis=1),
                    lambda x, y: np.stack([x, y], axis=1)),
    "stack_last": ([D((None,), (3,)), D((None,), (3,))], lambda x, y: gt.stack([x, y], axis=-1),
                   lambda x, y: np.stack([x, y], axis=-1)),
    "stack_scalars": ([D(()), D(()), D(())], lambda a, b, c: gt.stack([a, b, c]), lambda a, b, c: np.stack([a, b, c])),
    "stack_scalar_and_number": ([D(())], lambda a: gt.stack([a, 2]), lambda a: np.array([a, 2], dtype=a.dtype)),
    "split": ([D((None, 2), (3, 2))], lambda x: gt.split(x, [1, 2], 2), lambda x: np.split(x, [1])),
    "split_symbolic": ([D((2, None), (2, 5)), I("int64", 1)], lambda x, n: gt.split(x, [n, 3, 1], 3, axis=1),
                       lambda x, n: np.split(x, [n, n + 3], axis=1)),
    "split_one": ([D((None,), (4,))], lambda x: gt.split(x, [4], 1), lambda x: [x]),
}


def build_case(name, dtype):
    specs, build, ref = CASES[name]
    inputs, values = [], []
    for k, spec in enumerate(specs):
        if spec[0] == "data":
            inputs.append(gt.tensor(dtype, shape=spec[1], name="xyzwv"[k]))
            values.append(sample(spec[2], dtype))
        else:
            inputs.append(gt.tensor(spec[1], shape=spec[3], name=f"i{k}"))
            values.append(spec[2])
    out = build(*inputs)
    outputs = list(out) if isinstance(out, list) else [out]
    want = ref(*values)
    wants = [np.asarray(w) for w in (want if isinstance(want, list) else [want])]
    return inputs, values, outputs, wants


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(CASES))
def test_values_dtypes_and_static_shapes_match_numpy(name, dtype):
    inputs, values, outputs, wants = build_case(name, dtype)
    runs = [perform_run(outputs, inputs, values), compiled(inputs, outputs)(*values),
            compiled(inputs, outputs, mode="FAST_RUN")(*values)]
    for got in runs:
        assert len(got) == len(wants)
        for g, w, o in zip(got, wants, outputs):
            assert g.dtype == w.dtype == np.dtype(o.dtype), (g.dtype, w.dtype, o.dtype)
            assert g.shape == w.shape
            np.testing.assert_array_equal(g, w)
    for o, w in zip(outputs, wants):
        assert o.ndim == w.ndim
        assert all(s is None or s == n for s, n in zip(o.type.shape, w.shape)), (o.type, w.shape)


@pytest.mark.parametrize("name", list(CASES))
def test_infer_shape_matches_the_actual_shape(name):
    inputs, values, outputs, _ = build_case(name, "float64")
    check_infer_shape(outputs, inputs, values)


@pytest.mark.parametrize("name", list(CASES))
def test_vjp_and_jvp_match_finite_differences(name):
    inputs, values, outputs, _ = build_case(name, "float64")
    check_derivative_rules(outputs, inputs, values)


@pytest.mark.parametrize("dtype", ["float32", "int64"])
@pytest.mark.parametrize("name", list(CASES))
def test_rule_dtypes(name, dtype):
    """Reverse-mode gradients keep float32 and are float64 for integer inputs."""
    inputs, values, outputs, _ = build_case(name, dtype)
    node = outputs[0].owner
    gzs = [gt.tensor(grad_dtype(o), shape=o.type.shape) for o in node.outputs]
    for var, g in zip(node.inputs, node_vjp(node, gzs)):
        assert g.dtype == grad_dtype(var)
        assert g.ndim == var.ndim


# -- static shapes -------------------------------------------------------------
@pytest.mark.parametrize("build,static", [
    (lambda x: x.reshape((3, -1)), (3, 4)),
    (lambda x: x.reshape((x.shape[0], -1)), (2, 6)),
    (lambda x: gt.flatten(x), (12,)),
    (lambda x: x.dimshuffle(1, "x", 0), (6, 1, 2)),
    (lambda x: gt.concatenate([x, x[:1]]), (3, 6)),
    (lambda x: gt.split(x, [1, 1], 2)[0], (1, 6)),
    (lambda x: gt.alloc(x[0], 5, 6), (5, 6)),
    (lambda x: gt.zeros(x.shape), (2, 6)),
    (lambda x: gt.arange(x.shape[1]), (6,)),
    (lambda x: gt.eye(x.shape[0], 3), (2, 3)),
])
def test_static_shapes_follow_known_lengths(build, static):
    x = gt.dmatrix("x", shape=(2, 6))
    assert build(x).type.shape == static


def test_unknown_lengths_still_cancel_in_reshape():
    x = gt.tensor("float64", shape=(None, 3, 4))
    assert gt.flatten(x, 2).type.shape == (None, 12)
    assert x.reshape((x.shape[0], 2, -1)).type.shape == (None, 2, 6)
    assert x.reshape((-1, 4)).type.shape == (None, 4)


def test_shape_of_shape_indexing():
    x = gt.tensor("float32", shape=(None, 5))
    n = x.shape[1]
    assert n.dtype == "int64" and n.ndim == 0
    assert static_int(n) == 5 and static_int(x.shape[0]) is None
    assert gt.shape(x).type.shape == (2,)


# -- constructors ------------------------------------------------------------------
@pytest.mark.parametrize("build,want", [
    (lambda: gt.zeros((2, 3)), np.zeros((2, 3))),
    (lambda: gt.zeros(4, dtype="int32"), np.zeros(4, dtype="int32")),
    (lambda: gt.ones((2,), dtype="float32"), np.ones(2, dtype="float32")),
    (lambda: gt.full((2, 2), 7), np.full((2, 2), 7)),
    (lambda: gt.full((2, 2), 7, dtype="float32"), np.full((2, 2), 7, dtype="float32")),
    (lambda: gt.eye(3), np.eye(3)),
    (lambda: gt.eye(3, 4, 1, dtype="int64"), np.eye(3, 4, 1, dtype="int64")),
    (lambda: gt.eye(4, 2, -1, dtype="float32"), np.eye(4, 2, -1, dtype="float32")),
    (lambda: gt.arange(5), np.arange(5)),
    (lambda: gt.arange(2, 11, 3), np.arange(2, 11, 3)),
    (lambda: gt.arange(10, 2, -3), np.arange(10, 2, -3)),
    (lambda: gt.arange(5, 2), np.arange(5, 2)),
    (lambda: gt.arange(0.5, 3.0, 0.25), np.arange(0.5, 3.0, 0.25)),
    (lambda: gt.arange(3, dtype="float32"), np.arange(3, dtype="float32")),
    (lambda: gt.arange(gt.constant(np.int32(4))), np.arange(4, dtype="int32")),
])
def test_constructors_match_numpy(build, want):
    z = build()
    for got in (perform_run([z], [], [])[0], compiled([], z)()):
        assert got.dtype == want.dtype == np.dtype(z.dtype)
        np.testing.assert_array_equal(got, want)
    assert all(s is None or s == n for s, n in zip(z.type.shape, want.shape)) and z.ndim == want.ndim


@pytest.mark.parametrize("start,stop,step", [(0, 7, 1), (7, 0, -2), (3, 3, 1), (-4, 9, 4), (5, 0, 1)])
def test_symbolic_arange_and_eye(start, stop, step):
    a, b, c = gt.lscalar("a"), gt.lscalar("b"), gt.lscalar("c")
    r = gt.arange(a, b, c)
    assert r.dtype == "int64"
    f = compiled([a, b, c], [r, r.shape[0], gt.eye(b - a + 10, 3, c)])
    got, n, e = f(start, stop, step)
    np.testing.assert_array_equal(got, np.arange(start, stop, step))
    assert n == len(np.arange(start, stop, step))
    np.testing.assert_array_equal(e, np.eye(stop - start + 10, 3, step))
    check_infer_shape([r], [a, b, c], [start, stop, step])


def test_arange_of_symbolic_length_is_int64():
    y = gt.dmatrix("y")
    r = gt.arange(y.shape[0])
    assert r.dtype == "int64"
    np.testing.assert_array_equal(compiled([y], r)(np.ones((4, 2))), np.arange(4))
    assert gt.arange(gt.iscalar("n")).dtype == "int32"
    assert gt.arange(gt.iscalar("n"), 2.5).dtype == "float64"
    assert gt.arange(gt.fscalar("s"), 3).dtype == "float32"


def test_float_arange_rules_match_finite_differences():
    start, step = gt.dscalar("start"), gt.dscalar("step")
    r = gt.arange(start, 5.0, step)
    check_derivative_rules([r], [start, step], [np.float64(0.3), np.float64(0.7)])
    check_infer_shape([r], [start, step], [np.float64(0.3), np.float64(0.7)])


def test_eye_and_int_arange_have_zero_rules():
    n = gt.lscalar("n")
    check_derivative_rules([gt.eye(n, 3, 1)], [n], [np.int64(4)])
    check_derivative_rules([gt.arange(n)], [n], [np.int64(4)])


# -- tile and repeat (built from alloc and reshape) ----------------------------------
TILE_REPEAT = [
    (lambda x: gt.tile(x, (2, 3)), lambda v: np.tile(v, (2, 3))),
    (lambda x: gt.tile(x, 2), lambda v: np.tile(v, 2)),
    (lambda x: gt.tile(x, (2, 1, 2)), lambda v: np.tile(v, (2, 1, 2))),
    (lambda x: gt.tile(x, (x.shape[0], 1)), lambda v: np.tile(v, (v.shape[0], 1))),
    (lambda x: gt.repeat(x, 2), lambda v: np.repeat(v, 2)),
    (lambda x: gt.repeat(x, 3, axis=1), lambda v: np.repeat(v, 3, axis=1)),
    (lambda x: gt.repeat(x, 2, axis=-2), lambda v: np.repeat(v, 2, axis=-2)),
    (lambda x: gt.repeat(x, [1, 0, 2], axis=1), lambda v: np.repeat(v, [1, 0, 2], axis=1)),
    (lambda x: gt.repeat(x, gt.constant(np.int32(2)), axis=0), lambda v: np.repeat(v, 2, axis=0)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("k", range(len(TILE_REPEAT)))
def test_tile_and_repeat_match_numpy(k, dtype):
    build, ref = TILE_REPEAT[k]
    x = gt.tensor(dtype, shape=(None, 3), name="x")
    value = sample((2, 3), dtype)
    z = build(x)
    want = ref(value)
    got = compiled([x], z)(value)
    assert got.dtype == want.dtype == np.dtype(z.dtype)
    np.testing.assert_array_equal(got, want)
    assert all(s is None or s == n for s, n in zip(z.type.shape, want.shape)) and z.ndim == want.ndim


@pytest.mark.parametrize("k", range(len(TILE_REPEAT)))
def test_tile_and_repeat_gradients_match_finite_differences(k):
    build, ref = TILE_REPEAT[k]
    x = gt.dmatrix("x")
    value = RNG.standard_normal((2, 3))
    w = RNG.standard_normal(ref(value).shape)
    got = compiled([x], gt.grad((build(x) * w).sum(), x))(value)
    want = (w.ravel() @ numeric_jacobian(lambda v: np.ravel(ref(v)), [value], 0)).reshape(value.shape)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


def test_repeat_counts_must_match_the_axis():
    x = gt.dmatrix("x")
    with pytest.raises(ValueError, match=r"requires \(\?, 3\)"):
        compiled([x], gt.repeat(x, [1, 2, 3], axis=1))(np.ones((2, 2)))
    with pytest.raises(NotImplementedError, match="pass an int"):
        gt.repeat(x, gt.lvector("r"))
    with pytest.raises(ValueError, match=">= 0"):
        gt.repeat(x, [1, -1, 2], axis=1)


# -- printing and props --------------------------------------------------------------
def test_readable_op_names():
    x = gt.dmatrix("x")
    assert str(x.T.owner.op) == "Transpose"
    assert str(x.dimshuffle(1, "x", 0).owner.op) == "DimShuffle{1,x,0}"
    assert str(gt.transpose(gt.dtensor3(), (1, 0, 2)).owner.op) == "DimShuffle{1,0,2}"
    assert str(x.reshape((2, 3)).owner.op) == "Reshape{2}"
    assert str(gt.concatenate([x, x], axis=1).owner.op) == "Join{axis=1}"
    assert str(gt.shape(x).owner.op) == "Shape"


def test_equal_ops_merge():
    x = gt.dmatrix("x")
    assert x.T.owner.op == gt.transpose(x).owner.op and hash(x.T.owner.op) == hash(gt.transpose(x).owner.op)
    assert x.dimshuffle(0, "x", 1).owner.op != x.dimshuffle("x", 0, 1).owner.op
    assert gt.join(0, x, x).owner.op == gt.concatenate([x, x], axis=-2).owner.op


def test_identity_shuffles_and_single_joins_add_no_node():
    x = gt.dmatrix("x")
    assert gt.dimshuffle(x, (0, 1)) is x and gt.concatenate([x]) is x
    assert gt.flatten(gt.dvector()).owner is None
    assert gt.specify_shape(gt.dmatrix(shape=(2, 3)), (2, None)).owner is None


def test_generated_source_is_inline_numpy():
    x = gt.dmatrix("x")
    outs = [x.reshape((-1,)), x.T, x.dimshuffle(0, "x", 1), gt.shape(x), gt.concatenate([x, x]),
            gt.alloc(x[0], 2, x.shape[1]), gt.arange(x.shape[0]), gt.eye(3)]
    source = compiled([x], outs).maker.source
    assert "perform" not in source
    assert ".reshape(" in source and ".transpose((1, 0))" in source and "np.concatenate(" in source


# -- the gradient through the public API -----------------------------------------------
def test_grad_through_shape_ops():
    x = gt.dmatrix("x")
    w = RNG.standard_normal((3, 2))
    y = gt.concatenate([x.T.reshape((3, 2)), gt.alloc(x[0, 0], 1, 2)]) * np.vstack([w, [[1.0, 2.0]]])
    cost = (y ** 2).sum()
    g = gt.grad(cost, x)
    value = RNG.standard_normal((2, 3))
    got = compiled([x], g)(value)

    def f(v):
        yy = np.concatenate([v.T.reshape(3, 2), np.broadcast_to(v[0, 0], (1, 2))]) * np.vstack([w, [[1.0, 2.0]]])
        return (yy ** 2).sum()
    eps, want = 1e-6, np.zeros_like(value)
    for idx in np.ndindex(*value.shape):
        hi, lo = value.copy(), value.copy()
        hi[idx] += eps
        lo[idx] -= eps
        want[idx] = (f(hi) - f(lo)) / (2 * eps)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


# -- errors --------------------------------------------------------------------------
@pytest.mark.parametrize("build,error,message", [
    (lambda x: x.reshape((4, 2)), ValueError, r"x .*has 6 entries"),
    (lambda x: x.reshape((-1, -1)), ValueError, "only one length can be -1"),
    (lambda x: x.reshape((2, -3)), ValueError, ">= 0"),
    (lambda x: x.reshape((2.0, 3)), TypeError, "must be an integer"),
    (lambda x: gt.reshape(x, gt.lvector("s")), ValueError, "pass ndim"),
    (lambda x: gt.squeeze(x, 0), ValueError, r"axis 0 of x .*static length 2, not 1"),
    (lambda x: x.dimshuffle(1), ValueError, r"cannot drop axis 0 of x"),
    (lambda x: x.dimshuffle(0, 0), ValueError, "appears twice"),
    (lambda x: x.dimshuffle(0, 2), ValueError, "entries must be 'x' or axes in 0..1"),
    (lambda x: gt.transpose(x, (0, 0)), ValueError, "not a permutation"),
    (lambda x: gt.expand_dims(x, 4), ValueError, "axis 4 is out of range"),
    (lambda x: gt.specify_shape(x, (3, None)), ValueError, r"x .*static length 2 on axis 0"),
    (lambda x: gt.specify_shape(x, (3,)), ValueError, "one length \\(or None\\) per axis"),
    (lambda x: gt.concatenate([x, gt.dvector("v")]), ValueError, r"input 1 \(v"),
    (lambda x: gt.concatenate([x, gt.dmatrix("m", shape=(2, 4))]), ValueError, "axis 1 has lengths"),
    (lambda x: gt.join(0, gt.dscalar("s"), gt.dscalar("t")), ValueError, "use stack"),
    (lambda x: gt.concatenate([x, x], axis=2), ValueError, "axis 2 is out of range"),
    (lambda x: gt.stack([x, gt.dvector("v")]), ValueError, "same number of dimensions"),
    (lambda x: gt.split(x, [1, 2], 2), ValueError, r"add up to 3, but x .*has length 2"),
    (lambda x: gt.split(x, [1, 1], 3), ValueError, "2 sizes given for n_splits=3"),
    (lambda x: gt.alloc(x, 2, 4, 3), ValueError, r"cannot broadcast x .*to length 4"),
    (lambda x: gt.alloc(x, 3), ValueError, "more than the 1"),
    (lambda x: gt.alloc(x[0], -1, 3), ValueError, "negative"),
    (lambda x: gt.zeros((2, 1.5)), TypeError, "must be an integer"),
    (lambda x: gt.arange(0, 5, 0), ValueError, "step must not be zero"),
    (lambda x: gt.arange(x), TypeError, "must be a scalar"),
    (lambda x: gt.eye(2.5), TypeError, "eye: n must be an integer"),
])
def test_bad_input_errors_say_what_and_how(build, error, message):
    x = gt.dmatrix("x", shape=(2, 3))
    with pytest.raises(error, match=message):
        build(x)


@pytest.mark.parametrize("build,value,message", [
    (lambda x: gt.specify_shape(x, (3, None)), np.ones((2, 2)), r"x .*has shape \(2, 2\).*requires \(3, \?\)"),
    (lambda x: x.reshape((4, -1)), np.ones((2, 3)), "reshape"),
    (lambda x: gt.split(x, [1, 1], 2), np.ones((3, 2)), r"sizes \[1, 1\] must be >= 0 and add up to the length 3"),
    (lambda x: gt.alloc(x, 2, 3, 4), np.ones((1, 2)), r"only axes of static length 1 may be broadcast"),
    (lambda x: gt.concatenate([x, x.T]), np.ones((2, 3)), "dimension"),
])
def test_run_time_shape_errors(build, value, message):
    x = gt.dmatrix("x")
    out = build(x)
    outputs = out if isinstance(out, list) else [out]
    with pytest.raises(ValueError, match=message):
        compiled([x], outputs)(value)
    with pytest.raises(ValueError, match=message):
        perform_run(outputs, [x], [value])
