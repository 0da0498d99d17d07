"""Indexing against numpy: basic, advanced and boolean indexing and the
inc/set writers, for float32/float64/int inputs — values, dtypes, static
and inferred shapes, every vjp (L_op) / jvp (R_op) rule against finite
differences — plus static slice-length arithmetic and the errors on bad
indices."""
import itertools

import numpy as np
import pytest

import gradlab.tensor as gt
from gradlab.gradient.adapter import node_jvp, node_vjp
from gradlab.tensor.subtensor import slice_length

from tensor_helpers import perform_run, compiled, sample, grad_dtype, check_derivative_rules, check_infer_shape

RNG = np.random.default_rng(7)
DTYPES = ("float64", "float32", "int32", "int64")


# -- the table of indexing ops ----------------------------------------------------
def D(static, actual=None):
    """A data input of the dtype under test: static shape, value shape."""
    return ("data", tuple(static), tuple(actual if actual is not None else static))


def I(dtype, value, static=None):
    """A fixed (index) input with its value."""
    value = np.asarray(value, dtype=dtype)
    return ("fixed", dtype, value, tuple(static) if static is not None else (None,) * value.ndim)


def inc_ref(x, index, y):
    out = x.copy()
    np.add.at(out, index, y)
    return out


def set_ref(x, index, y):
    out = x.copy()
    out[index] = y
    return out


MASK = np.array([[True, False, True, False], [False, False, True, True], [True, True, False, False]])
M34 = D((None, None), (3, 4))

READ_CASES = {
    "int": ([M34], lambda x: x[1], lambda x: x[1]),
    "negative_int": ([M34], lambda x: x[-1], lambda x: x[-1]),
    "two_ints": ([M34], lambda x: x[1, 2], lambda x: x[1, 2]),
    "slice": ([M34], lambda x: x[1:], lambda x: x[1:]),
    "negative_stop": ([M34], lambda x: x[:-1], lambda x: x[:-1]),
    "step": ([M34], lambda x: x[::2], lambda x: x[::2]),
    "reverse": ([M34], lambda x: x[::-1], lambda x: x[::-1]),
    "reverse_bounds": ([M34], lambda x: x[2:0:-1, -1:0:-2], lambda x: x[2:0:-1, -1:0:-2]),
    "out_of_range_bounds": ([M34], lambda x: x[-10:10, 5:], lambda x: x[-10:10, 5:]),
    "empty": ([M34], lambda x: x[3:1], lambda x: x[3:1]),
    "full": ([M34], lambda x: x[:], lambda x: x[:]),
    "slice_then_newaxis": ([M34], lambda x: x[1:-1, None], lambda x: x[1:-1, None]),
    "newaxis_only": ([M34], lambda x: x[None], lambda x: x[None]),
    "newaxis_between": ([M34], lambda x: x[0, None, ::2], lambda x: x[0, None, ::2]),
    "ellipsis": ([D((None, None, None), (2, 3, 4))], lambda x: x[..., 1], lambda x: x[..., 1]),
    "ellipsis_middle": ([D((None, None, None), (2, 3, 4))], lambda x: x[1, ..., 1:], lambda x: x[1, ..., 1:]),
    "ellipsis_newaxis": ([M34], lambda x: x[..., None], lambda x: x[..., None]),
    "static_input": ([D((3, 4))], lambda x: x[1:3, ::-1], lambda x: x[1:3, ::-1]),
    "symbolic_int": ([M34, I("int64", 2)], lambda x, i: x[i], lambda x, i: x[i]),
    "symbolic_negative_int": ([M34, I("int32", -1)], lambda x, i: x[:, i], lambda x, i: x[:, i]),
    "symbolic_slice": ([M34, I("int64", 1), I("int64", -1)], lambda x, i, j: x[i:j], lambda x, i, j: x[i:j]),
    "symbolic_negative_step": ([M34, I("int64", -2)], lambda x, k: x[::k, 1::k], lambda x, k: x[::k, 1::k]),
    "symbolic_mixed": ([M34, I("int64", 1)], lambda x, i: x[i, i:], lambda x, i: x[i, i:]),
    "list": ([M34], lambda x: x[[0, 2, 2]], lambda x: x[[0, 2, 2]]),
    "list_negative": ([M34], lambda x: x[[-1, 0]], lambda x: x[[-1, 0]]),
    "index_vector": ([M34, I("int64", [2, 0, 0, 1])], lambda x, i: x[i], lambda x, i: x[i]),
    "index_vector_then_slice": ([M34, I("int32", [1, 1])], lambda x, i: x[i, :], lambda x, i: x[i, :]),
    "array_on_second_axis": ([M34], lambda x: x[:, [0, 2]], lambda x: x[:, [0, 2]]),
    "two_arrays": ([M34], lambda x: x[[0, 1], [1, 2]], lambda x: x[[0, 1], [1, 2]]),
    "int_and_array": ([M34], lambda x: x[1, [0, 3, 3]], lambda x: x[1, [0, 3, 3]]),
    "separated_arrays": ([D((None, None, None), (2, 3, 4))], lambda x: x[[0, 1], :, [1, 0]],
                         lambda x: x[[0, 1], :, [1, 0]]),
    "index_matrix": ([M34, I("int64", [[0, 1], [2, 2]])], lambda x, i: x[i], lambda x, i: x[i]),
    "slice_and_array": ([M34, I("int64", [3, 0])], lambda x, i: x[1:, i], lambda x, i: x[1:, i]),
    "mask": ([M34, I("bool", MASK)], lambda x, m: x[m], lambda x, m: x[m]),
    "row_mask": ([M34, I("bool", [True, False, True])], lambda x, m: x[m], lambda x, m: x[m]),
    "constant_mask": ([M34], lambda x: x[np.array([False, True, True])], lambda x: x[[False, True, True]]),
    "mask_after_slice": ([M34, I("bool", [True, False, False, True])], lambda x, m: x[::-1, m],
                         lambda x, m: x[::-1, m]),
}

WRITE_CASES = {
    "inc_rows": ([M34, D((None,), (4,))], lambda x, y: gt.inc_subtensor(x[1:3], y),
                 lambda x, y: inc_ref(x, np.s_[1:3], y)),
    "inc_scalar": ([M34, D(())], lambda x, y: gt.inc_subtensor(x[1:3, ::-1], y),
                   lambda x, y: inc_ref(x, np.s_[1:3, ::-1], y)),
    "inc_broadcast_row": ([M34, D((1, None), (1, 4))], lambda x, y: gt.inc_subtensor(x[1:], y),
                          lambda x, y: inc_ref(x, np.s_[1:], y)),
    "set_reverse": ([M34, D((None, None), (3, 4))], lambda x, y: gt.set_subtensor(x[::-1], y),
                    lambda x, y: set_ref(x, np.s_[::-1], y)),
    "set_int": ([M34, D((None,), (4,))], lambda x, y: gt.set_subtensor(x[1], y), lambda x, y: set_ref(x, 1, y)),
    "set_element": ([M34, D(())], lambda x, y: gt.set_subtensor(x[2, -1], y), lambda x, y: set_ref(x, (2, -1), y)),
    "inc_symbolic": ([M34, D((None,), (2,)), I("int64", 1)], lambda x, y, i: gt.inc_subtensor(x[i:, i], y),
                     lambda x, y, i: inc_ref(x, np.s_[i:, i], y)),
    "set_symbolic_step": ([M34, D((None, None), (2, 4)), I("int64", -2)],
                          lambda x, y, k: gt.set_subtensor(x[::k], y), lambda x, y, k: set_ref(x, np.s_[::k], y)),
    "inc_newaxis": ([M34, D((None,), (4,))], lambda x, y: gt.inc_subtensor(x[1:-1, None], y),
                    lambda x, y: inc_ref(x, np.s_[1:-1], y)),
    "inc_repeated_rows": ([M34, D((None, None), (3, 4))], lambda x, y: gt.inc_subtensor(x[[0, 0, 2]], y),
                          lambda x, y: inc_ref(x, [0, 0, 2], y)),
    "inc_index_vector": ([M34, D((None,), (4,)), I("int64", [2, -1, 0, 2])],
                         lambda x, y, i: gt.inc_subtensor(x[i], y), lambda x, y, i: inc_ref(x, i, y)),
    "set_rows": ([M34, D((None,), (4,))], lambda x, y: gt.set_subtensor(x[[2, 0]], y),
                 lambda x, y: set_ref(x, [2, 0], y)),
    "inc_columns_repeated": ([M34, D((None, None), (3, 3))], lambda x, y: gt.inc_subtensor(x[:, [0, 0, 2]], y),
                             lambda x, y: inc_ref(x, np.s_[:, [0, 0, 2]], y)),
    "inc_pairs": ([M34, D((None,), (3,))], lambda x, y: gt.inc_subtensor(x[[0, 2, 0], [1, 3, 1]], y),
                  lambda x, y: inc_ref(x, ([0, 2, 0], [1, 3, 1]), y)),
    "set_mask": ([M34, D(()), I("bool", MASK)], lambda x, y, m: gt.set_subtensor(x[m], y),
                 lambda x, y, m: set_ref(x, m, y)),
    "inc_mask": ([M34, D((None,), (6,)), I("bool", MASK)], lambda x, y, m: gt.inc_subtensor(x[m], y),
                 lambda x, y, m: inc_ref(x, m.nonzero(), y)),
    "int_value_into_float": ([M34, I("int64", [1, 2, 3, 4])], lambda x, y: gt.inc_subtensor(x[0], y),
                             lambda x, y: inc_ref(x, 0, y.astype(x.dtype))),
}
CASES = {**READ_CASES, **WRITE_CASES}


def build_case(name, dtype):
    specs, build, ref = CASES[name]
    inputs, values = [], []
    for k, spec in enumerate(specs):
        if spec[0] == "data":
            inputs.append(gt.tensor(dtype, shape=spec[1], name="xyz"[k]))
            values.append(sample(spec[2], dtype))
        else:
            inputs.append(gt.tensor(spec[1], shape=spec[3], name=f"i{k}"))
            values.append(spec[2])
    out = build(*inputs)
    return inputs, values, [out], [np.asarray(ref(*values))]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(CASES))
def test_values_dtypes_and_static_shapes_match_numpy(name, dtype):
    inputs, values, outputs, wants = build_case(name, dtype)
    runs = [perform_run(outputs, inputs, values), compiled(inputs, outputs)(*values),
            compiled(inputs, outputs, mode="FAST_RUN")(*values)]
    for got in runs:
        for g, w, o in zip(got, wants, outputs):
            assert isinstance(g, np.ndarray)
            assert g.dtype == w.dtype == np.dtype(o.dtype), (g.dtype, w.dtype, o.dtype)
            assert g.shape == w.shape
            np.testing.assert_array_equal(g, w)
    for o, w in zip(outputs, wants):
        assert o.ndim == w.ndim
        assert all(s is None or s == n for s, n in zip(o.type.shape, w.shape)), (o.type, w.shape)


def test_writers_never_modify_their_input():
    x, y = gt.dmatrix("x"), gt.dvector("y")
    outs = [gt.inc_subtensor(x[1:], y), gt.set_subtensor(x[0], y), gt.inc_subtensor(x[[0, 0]], y),
            gt.set_subtensor(x[:, [1]], 0.0), gt.inc_subtensor(x[x > 0], 1.0)]
    value = np.arange(6.0).reshape(2, 3)
    for mode in ("NO_REWRITE", "FAST_RUN"):
        compiled([x, y], outs, mode=mode)(value, np.ones(3))
        np.testing.assert_array_equal(value, np.arange(6.0).reshape(2, 3))
    perform_run(outs, [x, y], [value, np.ones(3)])
    np.testing.assert_array_equal(value, np.arange(6.0).reshape(2, 3))


@pytest.mark.parametrize("name", [n for n in CASES if n not in ("mask", "constant_mask", "mask_after_slice",
                                                                "row_mask", "two_arrays", "int_and_array",
                                                                "separated_arrays", "index_matrix",
                                                                "slice_and_array", "array_on_second_axis")])
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
    """Gradients and tangents keep float32, and are float64 for integer inputs."""
    inputs, values, outputs, _ = build_case(name, dtype)
    node = outputs[0].owner
    gz = gt.tensor(grad_dtype(node.outputs[0]), shape=node.outputs[0].type.shape)
    grads = node_vjp(node, [gz])
    for var, g in zip(node.inputs, grads):
        assert g.dtype == grad_dtype(var) and g.ndim == var.ndim
    points = [gt.tensor(grad_dtype(v), shape=v.type.shape) if v in inputs and v.dtype == dtype else None
              for v in node.inputs]
    (dz,) = node_jvp(node, points)
    assert dz.dtype == grad_dtype(node.outputs[0]) and dz.ndim == node.outputs[0].ndim


# -- the examples of the tutorial -----------------------------------------------------
def test_tutorial_indexing_expressions_evaluate_like_numpy():
    x = gt.dmatrix("x")
    value = np.arange(12.0).reshape(4, 3)
    exprs = [x.shape[0], gt.arange(x.shape[0]), x[::-1], x[1:-1, None], x[[0, 2, 2]],
             gt.set_subtensor(x[1:3], 0), gt.inc_subtensor(x[[0, 0]], 1)]
    set_want = value.copy()
    set_want[1:3] = 0
    inc_want = value.copy()
    inc_want[0] += 2
    wants = [np.int64(4), np.arange(4), value[::-1], value[1:-1, None], value[[0, 2, 2]], set_want, inc_want]
    for got, want, expr in zip(compiled([x], exprs)(value), wants, exprs):
        assert np.asarray(got).dtype == np.asarray(want).dtype == np.dtype(expr.dtype)
        np.testing.assert_array_equal(got, want)
    for expr, want in zip(exprs, wants):
        np.testing.assert_array_equal(expr.eval({x: value}), want)


def test_grad_through_indexing():
    x = gt.dmatrix("x")
    w = RNG.standard_normal((3, 2))
    y = gt.set_subtensor(x[::-1][:, 1:], x[[0, 0, 2], :2] * w) + gt.inc_subtensor(x[1, ::2], x[x > 0.5].sum())
    cost = (y ** 2).sum() + x[-1, 0] ** 3
    g = gt.grad(cost, x)
    value = RNG.standard_normal((3, 3))

    def f(v):
        yy = v[::-1].copy()  # set_subtensor(a[idx], ...) writes into a copy of a, here x[::-1]
        yy[:, 1:] = v[[0, 0, 2], :2] * w
        zz = v.copy()
        zz[1, ::2] += v[v > 0.5].sum()
        return ((yy + zz) ** 2).sum() + v[-1, 0] ** 3
    eps, want = 1e-6, np.zeros_like(value)
    for idx in np.ndindex(*value.shape):
        hi, lo = value.copy(), value.copy()
        hi[idx] += eps
        lo[idx] -= eps
        want[idx] = (f(hi) - f(lo)) / (2 * eps)
    np.testing.assert_allclose(compiled([x], g)(value), want, rtol=1e-6, atol=1e-6)


# -- static shapes and slice arithmetic -----------------------------------------------------
@pytest.mark.parametrize("build,static", [
    (lambda x, i: x[1:], (2, 4)),
    (lambda x, i: x[::-1], (3, 4)),
    (lambda x, i: x[-1], (4,)),
    (lambda x, i: x[1:, ::2], (2, 2)),
    (lambda x, i: x[5:], (0, 4)),
    (lambda x, i: x[i], (4,)),
    (lambda x, i: x[i:], (None, 4)),
    (lambda x, i: x[None, 1:], (1, 2, 4)),
    (lambda x, i: x[[0, 2, 2]], (3, 4)),
    (lambda x, i: x[:, [0, 2]], (3, 2)),
    (lambda x, i: x[[0, 1], [1, 2]], (2,)),
    (lambda x, i: x[[[0], [1]], [1, 2, 3]], (2, 3)),
    (lambda x, i: x[0, [1, 2]], (2,)),
    (lambda x, i: x[np.array([True, False, True])], (2, 4)),
    (lambda x, i: x[x > 0], (None,)),
    (lambda x, i: gt.set_subtensor(x[1:], 0), (3, 4)),
])
def test_static_shapes(build, static):
    x = gt.dmatrix("x", shape=(3, 4))
    assert build(x, gt.lscalar("i")).type.shape == static


@pytest.mark.parametrize("with_start,with_stop", [(True, True), (False, True), (True, False), (False, False)])
def test_symbolic_slice_length_matches_python(with_start, with_stop):
    start, stop, step, n = (gt.lscalar(name) for name in ("start", "stop", "step", "n"))
    length = slice_length(start if with_start else None, stop if with_stop else None, step, n)
    f = compiled([start, stop, step, n], length)
    bounds = [-9, -4, -1, 0, 1, 3, 8]
    for a, b, c, m in itertools.product(bounds, bounds, [-3, -1, 1, 2, 5], [0, 1, 5]):
        sl = slice(a if with_start else None, b if with_stop else None, c)
        assert int(f(a, b, c, m)) == len(range(*sl.indices(m))), (sl, m)
    # with literal steps the rule is built without a switch on the step's sign
    for c in (-2, 1, 3):
        lit = compiled([start, stop, n], slice_length(start, stop, c, n))
        for a, b, m in itertools.product(bounds, bounds, [0, 4]):
            assert int(lit(a, b, m)) == len(range(*slice(a, b, c).indices(m)))


# -- printing and props ------------------------------------------------------------------
def test_readable_op_names_and_merging_props():
    x, i = gt.dmatrix("x"), gt.lscalar("i")
    assert str(x[i, 1:].owner.op) == "Subtensor{i, 1:}"
    assert str(x[::-1].owner.op) == "Subtensor{::-1}"
    assert str(x[1:i:2].owner.op) == "Subtensor{1:stop:2}"
    assert str(gt.set_subtensor(x[1:3], 0).owner.op) == "SetSubtensor{1:3}"
    assert str(gt.inc_subtensor(x[0], 1).owner.op) == "IncSubtensor{0}"
    assert str(x[[0, 1]].owner.op) == "AdvancedSubtensor1"
    assert str(x[:, [0, 1]].owner.op) == "AdvancedSubtensor{:, array}"
    assert x[1:, i].owner.op == x[1:, i + 1].owner.op
    assert hash(x[1:, i].owner.op) == hash(x[1:, i + 1].owner.op)
    assert x[1:].owner.op != x[2:].owner.op


def test_generated_source_is_inline_numpy_for_basic_indexing():
    x, i = gt.dmatrix("x"), gt.lscalar("i")
    outs = [x[i, 1:], x[::-1], x[[0, 1]], gt.set_subtensor(x[1:], 0), gt.inc_subtensor(x[[0, 0]], 1.0)]
    f = compiled([x, i], outs)
    assert "perform" not in f.maker.source
    assert "[::-1, ...]" in f.maker.source and ".copy()" in f.maker.source
    assert "np.add.at(" in f.maker.source


# -- errors ------------------------------------------------------------------------------------
@pytest.mark.parametrize("build,error,message", [
    (lambda x: x[3], IndexError, r"index 3 is out of bounds for axis 0 of x .*length 3"),
    (lambda x: x[0, -5], IndexError, r"index -5 is out of bounds for axis 1 of x"),
    (lambda x: x[1, 2, 3], IndexError, r"too many indices for x .*2 dimensions but 3"),
    (lambda x: x[..., ...], IndexError, "single ellipsis"),
    (lambda x: x[[0, 7]], IndexError, r"index 7 is out of bounds for axis 0 of x"),
    (lambda x: x[:, [0, -5]], IndexError, r"index -5 is out of bounds for axis 1 of x"),
    (lambda x: x[np.ones((2, 4), bool)], IndexError, r"boolean index .* does not match x"),
    (lambda x: x[1.5], TypeError, r"got 1.5 indexing x"),
    (lambda x: x[True], TypeError, "boolean scalar"),
    (lambda x: x[gt.dvector("v")], TypeError, r"must be integers or booleans, got v"),
    (lambda x: x[gt.dscalar("s")], TypeError, r"must be integers or booleans, got s"),
    (lambda x: x[1:2.5], TypeError, "slice stop of the index into x"),
    (lambda x: x[::0], ValueError, "step cannot be zero"),
    (lambda x: x[None, [0, 1]], NotImplementedError, r"index in two steps"),
    (lambda x: gt.set_subtensor(x, 0), TypeError, r"must be the result of indexing .* got x"),
    (lambda x: gt.inc_subtensor(x.T, 1), TypeError, r"must be the result of indexing"),
    (lambda x: gt.set_subtensor(x[0], gt.dvector("v", shape=(3,))), ValueError, r"cannot broadcast the value v"),
    (lambda x: gt.set_subtensor(x[0], gt.dmatrix("m")), ValueError, r"value m .*more than the 1"),
    (lambda x: gt.inc_subtensor(gt.lmatrix("k")[0], 1.5), TypeError, r"cannot write the value 1.5 into k"),
    (lambda x: gt.set_subtensor(gt.lmatrix("k")[[0]], x[0]), TypeError, r"cast it first"),
])
def test_bad_indices_say_what_and_how(build, error, message):
    x = gt.dmatrix("x", shape=(3, 4))
    with pytest.raises(error, match=message):
        build(x)


@pytest.mark.parametrize("build,value,message", [
    (lambda x, y: x[5], np.ones((3, 2)), "out of bounds"),
    (lambda x, y: x[[0, 5]], np.ones((3, 2)), "out of bounds"),
    (lambda x, y: gt.set_subtensor(x[1:3], y), np.ones((3, 4)), r"value written \(y.*length 1 on its axis 0"),
    (lambda x, y: gt.inc_subtensor(x[[0, 1]], y), np.ones((3, 4)), r"only axes of static length 1 broadcast"),
])
def test_run_time_index_errors(build, value, message):
    x, y = gt.dmatrix("x"), gt.dvector("y")
    out = build(x, y)
    with pytest.raises((IndexError, ValueError), match=message):
        compiled([x, y], out)(value, np.ones(1))
    with pytest.raises((IndexError, ValueError), match=message):
        perform_run([out], [x, y], [value, np.ones(1)])
