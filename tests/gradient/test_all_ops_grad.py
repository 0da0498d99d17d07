"""One table over every public op of gradlab.tensor: each row builds the op
on float inputs (shapes and domains chosen away from kinks), and every row is
checked the same ways:

- ``verify_grad``: the reverse rule against central finite differences;
- second order (rows marked smooth): the gradient of ``sum(W * op(x))`` is
  itself checked with ``verify_grad`` (Hessian-vector products);
- ``Rop`` (the op's forward rule, and the double-Lop construction) and
  ``Lop`` against a Jacobian built by finite differences;
- float32 inputs keep float32 gradients.

A row whose op does not exist yet is skipped, naming the missing op;
``test_table_covers_every_op`` fails when an op of gradlab.tensor has no row.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence

import numpy as np
import pytest

import gradlab.tensor as gt
from gradlab.graph import Op, ancestors, toposort
from gradlab.gradient import Lop, Rop, grad, verify_grad

from gradient_helpers import assert_close, compile_fn, fd_jacobians, symbolic_like


# ---------------------------------------------------------------------------
# inputs
@dataclass
class In:
    """A float input: its shape and how its values are drawn."""
    shape: tuple
    lo: float = -2.0
    hi: float = 2.0
    kind: str = "uniform"  # uniform | spread (well-separated distinct values) | away0 (|x| >= lo)
    fixed: Optional[Sequence] = None

    def draw(self, rng: np.random.Generator) -> np.ndarray:
        if self.fixed is not None:
            return np.array(self.fixed, dtype=np.float64).reshape(self.shape)
        size = int(np.prod(self.shape, dtype=np.int64))
        if self.kind == "spread":
            values = np.linspace(self.lo, self.hi, size) if size > 1 else np.array([0.5 * (self.lo + self.hi)])
            return rng.permutation(values).reshape(self.shape)
        if self.kind == "away0":
            mags = rng.uniform(self.lo, self.hi, size)
            return (mags * rng.choice([-1.0, 1.0], size)).reshape(self.shape)
        return rng.uniform(self.lo, self.hi, size).reshape(self.shape)


@dataclass
class Row:
    id: str
    needs: tuple                   # the public builders (gt.<name>) the row exercises
    build: Callable[..., Any]      # float input variables -> one output variable
    inputs: list
    smooth: bool = True            # check second order
    eps: Optional[float] = None    # finite-difference step for verify_grad
    tol: Optional[float] = None    # abs/rel tolerance for verify_grad
    fd_eps: float = 1e-6           # step of the finite-difference Jacobian (Rop/Lop checks)
    fd_tol: float = 1e-5
    f32: bool = True               # float32 inputs must give float32 gradients
    second_order_xfail: Optional[str] = None  # a known defect of the op's rule, reported to its author


def U(*shape, lo=-2.0, hi=2.0):
    return In(tuple(shape), lo, hi)


def P(*shape, lo=0.5, hi=2.0):
    """Positive values."""
    return In(tuple(shape), lo, hi)


def S(*shape, lo=-3.0, hi=3.0):
    """Distinct, well-separated values (for max/min/sort-like ops)."""
    return In(tuple(shape), lo, hi, kind="spread")


def A0(*shape, lo=0.3, hi=2.0):
    """Values away from 0, both signs."""
    return In(tuple(shape), lo, hi, kind="away0")


def elemwise(name, *ins, smooth=True, **kw):
    return Row(name, (name,), lambda *xs, _n=name: getattr(gt, _n)(*xs), list(ins), smooth=smooth, **kw)


def nondiff(id_, needs, build, ins, **kw):
    """An op with zero (or no) gradient: the checks then expect zeros."""
    return Row(id_, needs, build, ins, smooth=False, **kw)


# ---------------------------------------------------------------------------
# the table
ROWS = [
    # -- arithmetic ------------------------------------------------------
    elemwise("add", U(3, 4), U(3, 4)),
    Row("add_broadcast", ("add",), lambda a, b: a + b, [U(3, 1), U(1, 4)]),
    elemwise("sub", U(2, 3), U(3)),
    elemwise("mul", U(2, 3), U(2, 3)),
    Row("mul_broadcast", ("mul",), lambda a, b: a * b, [U(2, 3), U(3)]),
    elemwise("true_div", U(2, 3), A0(2, 3)),
    Row("true_div_scalar", ("true_div",), lambda a, b: a / b, [U(4), A0()]),
    nondiff("floor_div", ("floor_div",), lambda a, b: gt.floor_div(a, b), [U(5), P(5, lo=1.1, hi=1.9)]),
    Row("mod", ("mod",), lambda a, b: gt.mod(a, b), [U(5, lo=0.1, hi=0.9), P(5, lo=1.1, hi=1.9)], smooth=False),
    elemwise("pow", P(2, 3), U(2, 3)),
    Row("pow_int_exponent", ("pow",), lambda a: a ** 3, [U(4)]),
    elemwise("neg", U(3)),
    elemwise("reciprocal", A0(3)),
    elemwise("maximum", S(6), S(6, lo=-2.9, hi=3.1), smooth=False),
    elemwise("minimum", S(6), S(6, lo=-2.9, hi=3.1), smooth=False),
    elemwise("abs", A0(5), smooth=False),
    elemwise("sqr", U(5)),
    elemwise("sqrt", P(5)),
    # -- exponentials and logs ----------------------------------------
    elemwise("exp", U(4)),
    elemwise("exp2", U(4)),
    elemwise("expm1", U(4)),
    elemwise("log", P(4)),
    elemwise("log2", P(4)),
    elemwise("log10", P(4)),
    elemwise("log1p", U(4, lo=-0.5, hi=2.0)),
    elemwise("sigmoid", U(4, lo=-4, hi=4)),
    elemwise("softplus", U(4, lo=-4, hi=4)),
    # -- trigonometry -------------------------------------------------
    elemwise("sin", U(4)),
    elemwise("cos", U(4)),
    elemwise("tan", U(4, lo=-1.2, hi=1.2)),
    elemwise("arcsin", U(4, lo=-0.8, hi=0.8)),
    elemwise("arccos", U(4, lo=-0.8, hi=0.8)),
    elemwise("arctan", U(4)),
    elemwise("arctan2", A0(4), A0(4)),
    elemwise("sinh", U(4)),
    elemwise("cosh", U(4)),
    elemwise("tanh", U(4)),
    elemwise("arcsinh", U(4)),
    elemwise("arccosh", P(4, lo=1.2, hi=3.0)),
    elemwise("arctanh", U(4, lo=-0.8, hi=0.8)),
    # -- piecewise constant: zero gradient ------------------------------
    nondiff("sign", ("sign",), lambda x: gt.sign(x), [A0(5)]),
    nondiff("floor", ("floor",), lambda x: gt.floor(x), [U(5)]),
    nondiff("ceil", ("ceil",), lambda x: gt.ceil(x), [U(5)]),
    nondiff("round", ("round",), lambda x: gt.round(x), [U(5)]),
    nondiff("trunc", ("trunc",), lambda x: gt.trunc(x), [U(5)]),
    # -- comparisons and logic: boolean outputs, zero gradient --------
    *[nondiff(n, (n,), lambda a, b, _n=n: getattr(gt, _n)(a, b), [S(5), S(5, lo=-2.8, hi=3.2)])
      for n in ("lt", "le", "gt", "ge", "eq", "neq")],
    *[nondiff(n, (n, "gt"), lambda a, b, _n=n: getattr(gt, _n)(gt.gt(a, 0), gt.gt(b, 0)), [A0(5), A0(5)])
      for n in ("and_", "or_", "xor")],
    nondiff("invert", ("invert",), lambda a: gt.invert(gt.gt(a, 0)), [A0(5)]),
    nondiff("isnan", ("isnan",), lambda a: gt.isnan(a), [U(3)]),
    nondiff("isinf", ("isinf",), lambda a: gt.isinf(a), [U(3)]),
    # -- selection and broadcasting -----------------------------------
    Row("second", ("second",), lambda m, v: gt.second(m, v), [U(3, 4), U(4)], smooth=False),
    Row("switch", ("switch", "gt"), lambda c, a, b: gt.switch(gt.gt(c, 0), a, b), [A0(2, 3), U(2, 3), U(3)]),
    Row("clip", ("clip",), lambda x, lo, hi: gt.clip(x, lo, hi),
        [In((6,), fixed=[-2.0, -0.9, 0.1, 0.4, 1.3, 2.5]), In((6,), fixed=[-1.0] * 6), In((6,), fixed=[1.0] * 6)],
        smooth=False),
    elemwise("identity", U(3)),
    Row("cast_float32", ("cast",), lambda x: gt.cast(x, "float32") * 1.0, [U(4)], eps=1e-3, tol=1e-3,
        fd_eps=1e-3, fd_tol=1e-3, smooth=False),
    nondiff("cast_int", ("cast",), lambda x: gt.cast(x, "int64") * 1.0, [U(4, lo=0.1, hi=0.9)]),
    Row("zeros_like", ("zeros_like",), lambda x, y: gt.zeros_like(x) + y, [U(3), U(3)]),
    Row("ones_like", ("ones_like",), lambda x, y: gt.ones_like(x) * y, [U(3), U(3)]),
    Row("full_like", ("full_like",), lambda x, y: gt.full_like(x, 2.5) * y, [U(3), U(3)]),
    # -- reductions ----------------------------------------------------
    Row("sum", ("sum",), lambda x: gt.sum(x), [U(3, 4)]),
    Row("sum_axis", ("sum",), lambda x: gt.sum(x, axis=0), [U(3, 4)]),
    Row("sum_axes_keepdims", ("sum",), lambda x: gt.sum(x, axis=(0, 2), keepdims=True), [U(2, 3, 4)]),
    Row("prod", ("prod",), lambda x: gt.prod(x), [U(2, 3)]),
    Row("prod_axis", ("prod",), lambda x: gt.prod(x, axis=1), [U(3, 4)]),
    Row("prod_one_zero", ("prod",), lambda x: gt.prod(x, axis=1),
        [In((2, 3), fixed=[0.0, 1.5, -2.0, 0.5, 0.7, 1.2])]),
    Row("prod_two_zeros", ("prod",), lambda x: gt.prod(x), [In((4,), fixed=[0.0, 1.5, 0.0, 0.5])]),
    Row("max", ("max",), lambda x: gt.max(x, axis=1), [S(3, 4)], smooth=False),
    Row("max_all", ("max",), lambda x: gt.max(x), [S(3, 4)], smooth=False),
    Row("min", ("min",), lambda x: gt.min(x, axis=0, keepdims=True), [S(3, 4)], smooth=False),
    nondiff("argmax", ("argmax",), lambda x: gt.argmax(x, axis=1) * 1.0, [S(3, 4)]),
    nondiff("argmin", ("argmin",), lambda x: gt.argmin(x) * 1.0, [S(3, 4)]),
    Row("max_and_argmax", ("max_and_argmax",), lambda x: gt.max_and_argmax(x, axis=0)[0], [S(3, 4)], smooth=False),
    nondiff("all", ("all",), lambda x: gt.all(gt.gt(x, 0), axis=0), [A0(3, 4)]),
    nondiff("any", ("any",), lambda x: gt.any(gt.gt(x, 0)), [A0(3, 4)]),
    Row("mean", ("mean",), lambda x: gt.mean(x, axis=1), [U(3, 4)]),
    Row("var", ("var",), lambda x: gt.var(x, axis=0), [U(4, 3)]),
    Row("std", ("std",), lambda x: gt.std(x), [U(3, 4)]),
    Row("logsumexp", ("logsumexp",), lambda x: gt.logsumexp(x, axis=1), [U(3, 4)]),
    # -- linear algebra ------------------------------------------------
    Row("dot_vv", ("dot",), lambda a, b: gt.dot(a, b), [U(4), U(4)]),
    Row("dot_mv", ("dot",), lambda a, b: gt.dot(a, b), [U(3, 4), U(4)]),
    Row("dot_vm", ("dot",), lambda a, b: gt.dot(a, b), [U(3), U(3, 4)]),
    Row("dot_mm", ("dot",), lambda a, b: gt.dot(a, b), [U(2, 3), U(3, 4)]),
    Row("matmul", ("matmul",), lambda a, b: gt.matmul(a, b), [U(2, 2, 3), U(3, 2)]),
    Row("matmul_operator", ("matmul",), lambda a, b: a @ b, [U(3), U(3, 2)]),
    Row("tensordot", ("tensordot",), lambda a, b: gt.tensordot(a, b, axes=[[1, 2], [0, 1]]), [U(2, 3, 2), U(3, 2, 2)]),
    Row("outer", ("outer",), lambda a, b: gt.outer(a, b), [U(3), U(2)]),
    Row("batched_dot", ("batched_dot",), lambda a, b: gt.batched_dot(a, b), [U(2, 3, 2), U(2, 2, 3)]),
    # -- nnet ----------------------------------------------------------
    Row("softmax", ("softmax",), lambda x: gt.softmax(x), [U(2, 4)]),
    Row("softmax_axis0", ("softmax",), lambda x: gt.softmax(x, axis=0), [U(3, 2)]),
    Row("log_softmax", ("log_softmax",), lambda x: gt.log_softmax(x), [U(2, 4)]),
    Row("categorical_crossentropy", ("categorical_crossentropy", "softmax"),
        lambda x, t: gt.categorical_crossentropy(gt.softmax(x), t), [U(2, 3), P(2, 3, lo=0.1, hi=1.0)]),
    Row("categorical_crossentropy_labels", ("categorical_crossentropy", "softmax"),
        lambda x: gt.categorical_crossentropy(gt.softmax(x), np.array([2, 0])), [U(2, 3)]),
    # -- shapes --------------------------------------------------------
    Row("shape", ("shape",), lambda x: gt.shape(x)[0] * 1.0 + 0 * gt.sum(gt.shape(x)), [U(3, 2)], smooth=False),
    Row("specify_shape", ("specify_shape",), lambda x: gt.specify_shape(x, (3, 2)) * 2.0, [U(3, 2)]),
    Row("reshape", ("reshape",), lambda x: gt.reshape(x, (3, 2)), [U(2, 3)]),
    Row("reshape_symbolic", ("reshape",), lambda x: gt.reshape(x, (x.shape[1], -1)), [U(2, 3)]),
    Row("flatten", ("flatten",), lambda x: gt.flatten(x), [U(2, 3, 2)]),
    Row("dimshuffle", ("dimshuffle",), lambda x: gt.dimshuffle(x, (2, "x", 0, 1)), [U(2, 3, 4)]),
    Row("transpose", ("transpose",), lambda x: gt.transpose(x), [U(2, 3)]),
    Row("expand_dims", ("expand_dims",), lambda x: gt.expand_dims(x, 1), [U(2, 3)]),
    Row("squeeze", ("squeeze",), lambda x: gt.squeeze(x), [U(2, 1, 3)]),
    Row("shape_padleft", ("shape_padleft",), lambda x: gt.shape_padleft(x, 2), [U(3)]),
    Row("shape_padright", ("shape_padright",), lambda x: gt.shape_padright(x), [U(3)]),
    Row("alloc", ("alloc",), lambda x: gt.alloc(x, 2, 3), [U(3)]),
    Row("alloc_scalar", ("alloc",), lambda x: gt.alloc(x, 2, 2), [U()]),
    Row("full", ("full",), lambda x: gt.full((2, 3), x), [U()]),
    Row("broadcast_to", ("broadcast_to",), lambda x: gt.broadcast_to(x, (4, 2, 3)), [U(2, 1)]),
    Row("zeros", ("zeros",), lambda x: gt.zeros((2, 3)) + x, [U(3)]),
    Row("ones", ("ones",), lambda x: gt.ones((2, 3)) * x, [U(3)]),
    Row("eye", ("eye",), lambda x: gt.eye(3) * x, [U(3, 3)]),
    Row("arange", ("arange",), lambda x: gt.arange(4) * x, [U(4)]),
    Row("arange_symbolic", ("arange",), lambda x: gt.arange(x.shape[0]) * x, [U(4)]),
    Row("join", ("join",), lambda a, b: gt.join(0, a, b), [U(2, 3), U(1, 3)]),
    Row("concatenate_axis1", ("concatenate",), lambda a, b: gt.concatenate([a, b], axis=1), [U(2, 3), U(2, 2)]),
    Row("stack", ("stack",), lambda a, b: gt.stack([a, b], axis=1), [U(3), U(3)]),
    Row("stack_scalars", ("stack",), lambda a, b: gt.stack([a, b]), [U(), U()]),
    Row("make_vector", ("as_tensor_variable",), lambda a, b: gt.as_tensor_variable([a, b, a * b]), [U(), U()]),
    Row("split_0", ("split",), lambda x: gt.split(x, [2, 3], 2, axis=0)[0], [U(5, 2)]),
    Row("split_1", ("split",), lambda x: gt.split(x, [1, 2], 2, axis=1)[1], [U(2, 3)]),
    # -- indexing ------------------------------------------------------
    Row("subtensor_int", ("getitem",), lambda x: x[1], [U(3, 4)]),
    Row("subtensor_slice", ("getitem",), lambda x: x[1:3, ::-1], [U(4, 3)]),
    Row("subtensor_mixed", ("getitem",), lambda x: x[:, 0, 1:], [U(2, 3, 4)]),
    Row("subtensor_newaxis", ("getitem",), lambda x: x[None, 1:], [U(3)]),
    Row("advanced_subtensor1", ("getitem",), lambda x: x[[0, 2, 2]], [U(3, 2)]),
    Row("advanced_subtensor", ("getitem",), lambda x: x[[0, 1, 1], [2, 0, 0]], [U(2, 3)]),
    Row("advanced_subtensor_mask", ("getitem",), lambda x: x[np.array([True, False, True])], [U(3, 2)]),
    Row("inc_subtensor", ("inc_subtensor",), lambda x, y: gt.inc_subtensor(x[1:3], y), [U(4, 2), U(2)]),
    Row("set_subtensor", ("set_subtensor",), lambda x, y: gt.set_subtensor(x[:, 1], y), [U(3, 2), U(3)]),
    Row("inc_subtensor_advanced1", ("inc_subtensor",), lambda x, y: gt.inc_subtensor(x[[0, 2, 2]], y),
        [U(3, 2), U(3, 2)]),
    Row("set_subtensor_advanced1", ("set_subtensor",), lambda x, y: gt.set_subtensor(x[[2, 0]], y),
        [U(3, 2), U(2, 2)]),
    Row("inc_subtensor_advanced", ("inc_subtensor",), lambda x, y: gt.inc_subtensor(x[[0, 1], [2, 0]], y),
        [U(2, 3), U(2)]),
    Row("set_subtensor_advanced", ("set_subtensor",), lambda x, y: gt.set_subtensor(x[[0, 1], [2, 0]], y),
        [U(2, 3), U()]),
]

ROW_IDS = [r.id for r in ROWS]
assert len(set(ROW_IDS)) == len(ROW_IDS), "row ids must be unique"
SMOOTH_ROWS = [pytest.param(r, id=r.id, marks=[pytest.mark.xfail(reason=r.second_order_xfail, strict=True)]
                             if r.second_order_xfail else []) for r in ROWS if r.smooth]


# ---------------------------------------------------------------------------
# running a row
def _require(row: Row) -> None:
    missing = [n for n in row.needs if not hasattr(gt, n)]
    if missing:
        pytest.skip(f"gradlab.tensor.{', gradlab.tensor.'.join(missing)} does not exist yet "
                    f"(row {row.id!r} runs once the op lands)")


def _points(row: Row, seed: int = 0) -> list:
    rng = np.random.default_rng(abs(hash(row.id)) % (2 ** 32) + seed)
    return [spec.draw(rng) for spec in row.inputs]


def _instantiate(row: Row, points: list, dtype: str = None) -> tuple:
    xs = [symbolic_like(p, f"x{i}", dtype) for i, p in enumerate(points)]
    return xs, row.build(*xs)


def _jacobians(row: Row, points: list) -> tuple:
    xs, out = _instantiate(row, points)
    fn = compile_fn(xs, out)
    return np.asarray(fn(*points)), fd_jacobians(fn, points, row.fd_eps)


@pytest.mark.parametrize("row", ROWS, ids=ROW_IDS)
def test_verify_grad_first_order(row: Row) -> None:
    _require(row)
    points = _points(row)
    verify_grad(row.build, points, n_tests=1, rng=np.random.default_rng(1), eps=row.eps,
                abs_tol=row.tol, rel_tol=row.tol, mode="NO_REWRITE")


@pytest.mark.parametrize("row", SMOOTH_ROWS)
def test_verify_grad_second_order(row: Row) -> None:
    _require(row)
    points = _points(row)
    xs, out = _instantiate(row, points)
    out_value = np.asarray(compile_fn(xs, out)(*points))
    weights = np.random.default_rng(7).uniform(0.5, 1.5, out_value.shape)
    for k in range(len(points)):
        def gradient_of_input_k(*inputs, _k=k):
            return grad(gt.sum(row.build(*inputs) * weights), inputs[_k], disconnected_inputs="ignore")
        verify_grad(gradient_of_input_k, points, n_tests=1, rng=np.random.default_rng(2), eps=row.eps,
                    abs_tol=row.tol or 1e-4, rel_tol=row.tol or 1e-4, mode="NO_REWRITE")


@pytest.mark.parametrize("use_op_rop", [True, False], ids=["op_R_op", "double_Lop"])
@pytest.mark.parametrize("row", ROWS, ids=ROW_IDS)
def test_rop_matches_finite_difference_jacobian(row: Row, use_op_rop: bool) -> None:
    _require(row)
    points = _points(row)
    out_value, jacobians = _jacobians(row, points)
    rng = np.random.default_rng(3)
    tangents = [rng.normal(size=p.shape) for p in points]
    expected = sum(J @ t.ravel() for J, t in zip(jacobians, tangents)).reshape(out_value.shape)
    xs, out = _instantiate(row, points)
    vs = [symbolic_like(t, f"v{i}") for i, t in enumerate(tangents)]
    if np.dtype(out.dtype).kind not in "fc":  # a discrete output has no tangent (PyTensor: ValueError)
        with pytest.raises(ValueError, match="discrete dtype"):
            Rop(out, xs, vs, disconnected_outputs="ignore", use_op_rop_implementation=use_op_rop)
        return
    jv = Rop(out, xs, vs, disconnected_outputs="ignore", use_op_rop_implementation=use_op_rop)
    got = compile_fn(xs + vs, jv)(*points, *tangents)
    assert_close(got, expected, rtol=row.fd_tol, atol=row.fd_tol)


@pytest.mark.parametrize("row", ROWS, ids=ROW_IDS)
def test_lop_matches_finite_difference_jacobian(row: Row) -> None:
    _require(row)
    points = _points(row)
    out_value, jacobians = _jacobians(row, points)
    xs, out = _instantiate(row, points)
    dtype = out.dtype if out.dtype.startswith("float") else "float64"
    cotangent = np.random.default_rng(4).normal(size=out_value.shape).astype(dtype)
    u = symbolic_like(cotangent, "u")
    vjp = Lop(out, xs, u, disconnected_inputs="ignore")
    got = compile_fn(xs + [u], vjp)(*points, cotangent)
    for k, (g, J, p) in enumerate(zip(got, jacobians, points)):
        assert_close(g, (cotangent.ravel() @ J).reshape(p.shape), rtol=row.fd_tol, atol=row.fd_tol)


@pytest.mark.parametrize("row", [r for r in ROWS if r.f32], ids=[r.id for r in ROWS if r.f32])
def test_float32_inputs_keep_float32_gradients(row: Row) -> None:
    _require(row)
    points = _points(row)
    xs, out = _instantiate(row, points, dtype="float32")
    grads = grad(gt.sum(out), xs, disconnected_inputs="ignore")
    assert [g.dtype for g in grads] == ["float32"] * len(xs)


@pytest.mark.parametrize("mode", ["NO_REWRITE", "FAST_RUN"])
@pytest.mark.parametrize("row", [r for r in ROWS if r.f32], ids=[r.id for r in ROWS if r.f32])
def test_float32_gradients_are_computed_in_float32(row: Row, mode: str) -> None:
    """Issue 17: no float64 value anywhere inside the gradient graph of a float32
    graph (the float64 seed ``fill(C, 1.0)`` and ``int64 -1 / float32`` used to
    widen it, and the casts back stopped the stabilising rules), and the values
    agree with the float64 gradient."""
    _require(row)
    points = _points(row)
    xs, out = _instantiate(row, points, dtype="float32")
    if out.dtype != "float32":
        pytest.skip(f"the row's output is {out.dtype}, not float32 (a float64 constant or a comparison)")
    grads = grad(gt.sum(out), xs, disconnected_inputs="ignore")
    wide = sorted({str(v.owner.op) for v in ancestors(grads)
                   if v.owner is not None and getattr(v.type, "dtype", None) == "float64"})
    assert wide == [], f"float64 nodes in the float32 gradient: {wide}"
    got = compile_fn(xs, grads, mode=mode)(*[p.astype("float32") for p in points])
    xs64, out64 = _instantiate(row, points)
    want = compile_fn(xs64, grad(gt.sum(out64), xs64, disconnected_inputs="ignore"))(*points)
    for g, w in zip(got, want):
        assert g.dtype == np.float32
        assert_close(g, w, rtol=1e-3, atol=1e-3 * max(1.0, float(np.max(np.abs(w)))))


def test_table_covers_every_op() -> None:
    """Every Op class exported by gradlab.tensor, and every row of the scalar
    table, appears in the graph of some row."""
    from gradlab.tensor import api
    from gradlab.tensor.scalar_ops import TABLE
    op_classes = {obj for name, obj in vars(api).items()
                  if isinstance(obj, type) and issubclass(obj, Op) and obj is not Op and not name.startswith("_")}
    seen_classes, seen_scalars = set(), set()
    for row in ROWS:
        if any(not hasattr(gt, n) for n in row.needs):
            continue
        _, out = _instantiate(row, _points(row))
        for node in toposort([out]):
            seen_classes.add(type(node.op))
            scalar = getattr(node.op, "scalar_op", None)
            if scalar is not None:
                seen_scalars.add(scalar.name.split("_")[0] if scalar.name.startswith("cast_") else scalar.name)
    missing_classes = sorted(c.__name__ for c in op_classes if not any(issubclass(s, c) for s in seen_classes))
    missing_scalars = sorted(set(TABLE) - seen_scalars)
    assert not missing_classes, f"ops without a row in the gradient table: {missing_classes}"
    assert not missing_scalars, f"elementwise ops without a row in the gradient table: {missing_scalars}"
    assert "cast" in seen_scalars
