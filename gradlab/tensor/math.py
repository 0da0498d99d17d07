"""The elementwise functions of ``gradlab.tensor``: one ``def`` per row of the
scalar table (``scalar_ops.TABLE``), plus casts, the ``*_like`` fills and the
numpy/PyTensor spellings.

Each function applies the row's shared :class:`Elemwise` op; its docstring is
the row's maths (``Elementwise e ** a.``), and right below it
``defpartials(name, ...)`` gives the row its partial derivatives, written with
the functions of this module (JAX autodidax's style: the rule beside the
function it differentiates).  ``@elemwise_function(name)`` above a def makes
it an :class:`~gradlab.tensor.elemwise.ElemwiseFunction`: it calls as the def
(name, signature and docstring kept) and compares equal to the row's op, so
PyTensor code's ``node.op == gt.exp`` holds.  The op modules (``shape``,
``reduce``, ``linalg`` …) import what they need from this module directly;
``api.py`` gathers everything.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from gradlab.tensor.elemwise import cast_op, elemwise_function, elemwise_op
from gradlab.tensor.scalar_ops import defpartials
from gradlab.tensor.type import _normalize_dtype
from gradlab.tensor.variable import as_tensor_variable, constant

__all__ = ["add", "sub", "mul", "true_div", "floor_div", "mod", "pow", "neg", "reciprocal", "maximum",
           "minimum", "abs", "sqr", "sqrt", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p",
           "sigmoid", "softplus", "sin", "cos", "tan", "arcsin", "arccos", "arctan", "arctan2", "sinh",
           "cosh", "tanh", "arcsinh", "arccosh", "arctanh", "sign", "floor", "ceil", "round", "trunc",
           "lt", "le", "gt", "ge", "eq", "neq", "and_", "or_", "xor", "invert", "isnan", "isinf", "second",
           "switch", "clip", "identity", "cast", "zeros_like", "ones_like", "full_like", "true_divide",
           "divide", "floor_divide", "power", "negative", "inv", "fill", "where", "equal", "not_equal",
           "less", "less_equal", "greater", "greater_equal", "bitwise_and", "bitwise_or", "bitwise_xor",
           "bitwise_not", "expit", "absolute", "square"]


# -- arithmetic ------------------------------------------------------------
@elemwise_function("add")
def add(a: Any, b: Any) -> Any:
    """Elementwise a + b."""
    return elemwise_op("add")(a, b)


defpartials("add", lambda xs, z: [1, 1])


@elemwise_function("sub")
def sub(a: Any, b: Any) -> Any:
    """Elementwise a - b."""
    return elemwise_op("sub")(a, b)


defpartials("sub", lambda xs, z: [1, -1])


@elemwise_function("mul")
def mul(a: Any, b: Any) -> Any:
    """Elementwise a * b."""
    return elemwise_op("mul")(a, b)


defpartials("mul", lambda xs, z: [xs[1], xs[0]])


@elemwise_function("true_div")
def true_div(a: Any, b: Any) -> Any:
    """Elementwise a / b."""
    return elemwise_op("true_div")(a, b)


defpartials("true_div", lambda xs, z: [1 / xs[1], -xs[0] / sqr(xs[1])])


@elemwise_function("floor_div")
def floor_div(a: Any, b: Any) -> Any:
    """Elementwise floor(a / b)."""
    return elemwise_op("floor_div")(a, b)


@elemwise_function("mod")
def mod(a: Any, b: Any) -> Any:
    """Elementwise a mod b."""
    return elemwise_op("mod")(a, b)


defpartials("mod", lambda xs, z: [1, -floor_div(xs[0], xs[1])])


@elemwise_function("pow")
def pow(a: Any, b: Any) -> Any:
    """Elementwise a ** b."""
    return elemwise_op("pow")(a, b)


def _pow_partials(xs, z, gz=None):
    """d(a**b)/da = b * a**(b-1), d(a**b)/db = log(a) * a**b (times ``gz``: the vjp keeps
    the seed's printed form ``(gz * b) * a ** (b - 1)``) — with the limits where the
    formulas give 0 * inf = nan but the derivative exists: b = 0 (a**0 is the constant 1:
    d/da = 0, even at a = 0) and a**b = 0 (0**b for b > 0 is the constant 0: d/db = 0).
    A constant b (or a) that rules the case out builds no guard."""
    a, b = xs
    da = (b if gz is None else gz * b) * (a ** (b - 1))
    if not _known(b, lambda v: np.all(v != 0)):
        da = switch(eq(b, 0), 0, da)
    db = log(a) * z if gz is None else gz * log(a) * z
    if not _known(a, lambda v: np.all(v > 0)):
        db = switch(eq(z, 0), 0, db)
    return [da, db]


def _known(var: Any, test: Any) -> bool:
    """Is ``var`` a constant (or an elementwise expression of constants, such as the
    ``2 - 1`` of a second derivative) whose value passes ``test``?"""
    data = _constant_data(var, 4)
    return data is not None and bool(test(np.asarray(data)))


def _constant_data(var: Any, depth: int) -> Any:
    data = getattr(var, "data", None)
    if data is not None or depth == 0 or var.owner is None:
        return data
    scalar_op = getattr(var.owner.op, "scalar_op", None)
    if scalar_op is None:
        return None
    args = [_constant_data(v, depth - 1) for v in var.owner.inputs]
    if any(a is None for a in args):
        return None
    with np.errstate(all="ignore"):
        return scalar_op.impl(*args)


def _pow_vjp(xs, z, gz):
    return _pow_partials(xs, z, gz)


defpartials("pow", _pow_partials, vjp=_pow_vjp)


@elemwise_function("neg")
def neg(a: Any) -> Any:
    """Elementwise -a."""
    return elemwise_op("neg")(a)


defpartials("neg", lambda xs, z: [-1])


@elemwise_function("reciprocal")
def reciprocal(a: Any) -> Any:
    """Elementwise 1 / a."""
    return elemwise_op("reciprocal")(a)


defpartials("reciprocal", lambda xs, z: [-sqr(z)])


@elemwise_function("maximum")
def maximum(a: Any, b: Any) -> Any:
    """Elementwise larger of a and b (ties: both receive the gradient)."""
    return elemwise_op("maximum")(a, b)


defpartials("maximum", lambda xs, z: [cast(eq(z, xs[0]), z.dtype), cast(eq(z, xs[1]), z.dtype)])


@elemwise_function("minimum")
def minimum(a: Any, b: Any) -> Any:
    """Elementwise smaller of a and b (ties: both receive the gradient)."""
    return elemwise_op("minimum")(a, b)


defpartials("minimum", lambda xs, z: [cast(eq(z, xs[0]), z.dtype), cast(eq(z, xs[1]), z.dtype)])


@elemwise_function("abs")
def abs(a: Any) -> Any:
    """Elementwise |a| (derivative 0 at 0)."""
    return elemwise_op("abs")(a)


defpartials("abs", lambda xs, z: [sign(xs[0])])


@elemwise_function("sqr")
def sqr(a: Any) -> Any:
    """Elementwise a ** 2."""
    return elemwise_op("sqr")(a)


defpartials("sqr", lambda xs, z: [2 * xs[0]])


@elemwise_function("sqrt")
def sqrt(a: Any) -> Any:
    """Elementwise square root."""
    return elemwise_op("sqrt")(a)


defpartials("sqrt", lambda xs, z: [0.5 / z])


# -- exponentials and logarithms -------------------------------------------
@elemwise_function("exp")
def exp(a: Any) -> Any:
    """Elementwise e ** a."""
    return elemwise_op("exp")(a)


defpartials("exp", lambda xs, z: [z])


@elemwise_function("exp2")
def exp2(a: Any) -> Any:
    """Elementwise 2 ** a."""
    return elemwise_op("exp2")(a)


defpartials("exp2", lambda xs, z: [z * float(np.log(2.0))])


@elemwise_function("expm1")
def expm1(a: Any) -> Any:
    """Elementwise exp(a) - 1, accurate near 0."""
    return elemwise_op("expm1")(a)


defpartials("expm1", lambda xs, z: [z + 1])


@elemwise_function("log")
def log(a: Any) -> Any:
    """Elementwise natural logarithm."""
    return elemwise_op("log")(a)


defpartials("log", lambda xs, z: [1 / xs[0]])


@elemwise_function("log2")
def log2(a: Any) -> Any:
    """Elementwise base-2 logarithm."""
    return elemwise_op("log2")(a)


defpartials("log2", lambda xs, z: [1 / (xs[0] * float(np.log(2.0)))])


@elemwise_function("log10")
def log10(a: Any) -> Any:
    """Elementwise base-10 logarithm."""
    return elemwise_op("log10")(a)


defpartials("log10", lambda xs, z: [1 / (xs[0] * float(np.log(10.0)))])


@elemwise_function("log1p")
def log1p(a: Any) -> Any:
    """Elementwise log(1 + a), accurate near 0."""
    return elemwise_op("log1p")(a)


defpartials("log1p", lambda xs, z: [1 / (1 + xs[0])])


@elemwise_function("sigmoid")
def sigmoid(a: Any) -> Any:
    """Elementwise logistic 1 / (1 + exp(-a))."""
    return elemwise_op("sigmoid")(a)


defpartials("sigmoid", lambda xs, z: [z * (1 - z)])


@elemwise_function("softplus")
def softplus(a: Any) -> Any:
    """Elementwise log(1 + exp(a)), stable."""
    return elemwise_op("softplus")(a)


defpartials("softplus", lambda xs, z: [sigmoid(xs[0])])


# -- trigonometry ----------------------------------------------------------
@elemwise_function("sin")
def sin(a: Any) -> Any:
    """Elementwise sine."""
    return elemwise_op("sin")(a)


defpartials("sin", lambda xs, z: [cos(xs[0])])


@elemwise_function("cos")
def cos(a: Any) -> Any:
    """Elementwise cosine."""
    return elemwise_op("cos")(a)


defpartials("cos", lambda xs, z: [-sin(xs[0])])


@elemwise_function("tan")
def tan(a: Any) -> Any:
    """Elementwise tangent."""
    return elemwise_op("tan")(a)


defpartials("tan", lambda xs, z: [1 + sqr(z)])


@elemwise_function("arcsin")
def arcsin(a: Any) -> Any:
    """Elementwise inverse sine."""
    return elemwise_op("arcsin")(a)


defpartials("arcsin", lambda xs, z: [1 / sqrt(1 - sqr(xs[0]))])


@elemwise_function("arccos")
def arccos(a: Any) -> Any:
    """Elementwise inverse cosine."""
    return elemwise_op("arccos")(a)


defpartials("arccos", lambda xs, z: [-1 / sqrt(1 - sqr(xs[0]))])


@elemwise_function("arctan")
def arctan(a: Any) -> Any:
    """Elementwise inverse tangent."""
    return elemwise_op("arctan")(a)


defpartials("arctan", lambda xs, z: [1 / (1 + sqr(xs[0]))])


@elemwise_function("arctan2")
def arctan2(a: Any, b: Any) -> Any:
    """Elementwise angle of (b, a)."""
    return elemwise_op("arctan2")(a, b)


defpartials("arctan2", lambda xs, z: [xs[1] / (sqr(xs[0]) + sqr(xs[1])), -xs[0] / (sqr(xs[0]) + sqr(xs[1]))])


@elemwise_function("sinh")
def sinh(a: Any) -> Any:
    """Elementwise hyperbolic sine."""
    return elemwise_op("sinh")(a)


defpartials("sinh", lambda xs, z: [cosh(xs[0])])


@elemwise_function("cosh")
def cosh(a: Any) -> Any:
    """Elementwise hyperbolic cosine."""
    return elemwise_op("cosh")(a)


defpartials("cosh", lambda xs, z: [sinh(xs[0])])


@elemwise_function("tanh")
def tanh(a: Any) -> Any:
    """Elementwise hyperbolic tangent."""
    return elemwise_op("tanh")(a)


defpartials("tanh", lambda xs, z: [1 - sqr(z)])


@elemwise_function("arcsinh")
def arcsinh(a: Any) -> Any:
    """Elementwise inverse sinh."""
    return elemwise_op("arcsinh")(a)


defpartials("arcsinh", lambda xs, z: [1 / sqrt(sqr(xs[0]) + 1)])


@elemwise_function("arccosh")
def arccosh(a: Any) -> Any:
    """Elementwise inverse cosh."""
    return elemwise_op("arccosh")(a)


defpartials("arccosh", lambda xs, z: [1 / sqrt(sqr(xs[0]) - 1)])


@elemwise_function("arctanh")
def arctanh(a: Any) -> Any:
    """Elementwise inverse tanh."""
    return elemwise_op("arctanh")(a)


defpartials("arctanh", lambda xs, z: [1 / (1 - sqr(xs[0]))])


# -- sign and rounding -----------------------------------------------------
@elemwise_function("sign")
def sign(a: Any) -> Any:
    """Elementwise sign of a (-1, 0, 1)."""
    return elemwise_op("sign")(a)


defpartials("sign", lambda xs, z: [0])


@elemwise_function("floor")
def floor(a: Any) -> Any:
    """Elementwise round down."""
    return elemwise_op("floor")(a)


defpartials("floor", lambda xs, z: [0])


@elemwise_function("ceil")
def ceil(a: Any) -> Any:
    """Elementwise round up."""
    return elemwise_op("ceil")(a)


defpartials("ceil", lambda xs, z: [0])


@elemwise_function("round")
def round(a: Any) -> Any:
    """Elementwise round half to even."""
    return elemwise_op("round")(a)


defpartials("round", lambda xs, z: [0])


@elemwise_function("trunc")
def trunc(a: Any) -> Any:
    """Elementwise round toward 0."""
    return elemwise_op("trunc")(a)


defpartials("trunc", lambda xs, z: [0])


# -- comparisons and logic (boolean outputs) -------------------------------
@elemwise_function("lt")
def lt(a: Any, b: Any) -> Any:
    """Elementwise a < b."""
    return elemwise_op("lt")(a, b)


@elemwise_function("le")
def le(a: Any, b: Any) -> Any:
    """Elementwise a <= b."""
    return elemwise_op("le")(a, b)


@elemwise_function("gt")
def gt(a: Any, b: Any) -> Any:
    """Elementwise a > b."""
    return elemwise_op("gt")(a, b)


@elemwise_function("ge")
def ge(a: Any, b: Any) -> Any:
    """Elementwise a >= b."""
    return elemwise_op("ge")(a, b)


@elemwise_function("eq")
def eq(a: Any, b: Any) -> Any:
    """Elementwise a == b."""
    return elemwise_op("eq")(a, b)


@elemwise_function("neq")
def neq(a: Any, b: Any) -> Any:
    """Elementwise a != b."""
    return elemwise_op("neq")(a, b)


@elemwise_function("and_")
def and_(a: Any, b: Any) -> Any:
    """Elementwise a & b (bitwise)."""
    return elemwise_op("and_")(a, b)


@elemwise_function("or_")
def or_(a: Any, b: Any) -> Any:
    """Elementwise a | b (bitwise)."""
    return elemwise_op("or_")(a, b)


@elemwise_function("xor")
def xor(a: Any, b: Any) -> Any:
    """Elementwise a ^ b (bitwise)."""
    return elemwise_op("xor")(a, b)


@elemwise_function("invert")
def invert(a: Any) -> Any:
    """Elementwise bitwise not."""
    return elemwise_op("invert")(a)


@elemwise_function("isnan")
def isnan(a: Any) -> Any:
    """Elementwise is a NaN?."""
    return elemwise_op("isnan")(a)


@elemwise_function("isinf")
def isinf(a: Any) -> Any:
    """Elementwise is a infinite?."""
    return elemwise_op("isinf")(a)


# -- selection -------------------------------------------------------------
@elemwise_function("second")
def second(model: Any, value: Any) -> Any:
    """Elementwise fill(model, value): value in the shape of model."""
    return elemwise_op("second")(model, value)


defpartials("second", lambda xs, z: [None, 1])


@elemwise_function("switch")
def switch(cond: Any, a: Any, b: Any) -> Any:
    """Elementwise switch(cond, a, b): a where cond else b."""
    return elemwise_op("switch")(cond, a, b)


defpartials("switch", lambda xs, z: [None, cast(neq(xs[0], 0), z.dtype), cast(eq(xs[0], 0), z.dtype)])


@elemwise_function("clip")
def clip(a: Any, lo: Any, hi: Any) -> Any:
    """Elementwise clip(a, lo, hi): a limited to [lo, hi]."""
    return elemwise_op("clip")(a, lo, hi)


defpartials("clip",
            lambda xs, z: [cast(and_(ge(xs[0], xs[1]), le(xs[0], xs[2])), z.dtype), cast(lt(xs[0], xs[1]), z.dtype), cast(gt(xs[0], xs[2]), z.dtype)])

# -- copies, casts and fills -----------------------------------------------
@elemwise_function("identity")
def identity(x: Any) -> Any:
    """A copy of ``x`` (an elementwise identity)."""
    return elemwise_op("identity")(x)


defpartials("identity", lambda xs, z: [1])


def cast(x: Any, dtype: Any) -> Any:
    """``x`` converted to ``dtype`` (``float32``, ``int64`` …)."""
    x = as_tensor_variable(x)
    dtype = _normalize_dtype(dtype)
    if x.dtype == dtype:
        return x
    return cast_op(dtype)(x)


def zeros_like(x: Any, dtype: Optional[str] = None) -> Any:
    """Zeros of ``x``'s shape (and dtype unless given)."""
    x = as_tensor_variable(x)
    return second(x, constant(np.zeros((), dtype=dtype or x.dtype)))


def ones_like(x: Any, dtype: Optional[str] = None) -> Any:
    """Ones of ``x``'s shape (and dtype unless given)."""
    x = as_tensor_variable(x)
    return second(x, constant(np.ones((), dtype=dtype or x.dtype)))


def full_like(x: Any, value: Any, dtype: Optional[str] = None) -> Any:
    """``value`` in the shape of ``x``."""
    x = as_tensor_variable(x)
    return second(x, constant(np.asarray(value, dtype=dtype or x.dtype)))


# -- numpy/PyTensor spellings (the same functions) -------------------------
true_divide = true_div
divide = true_div
floor_divide = floor_div
power = pow
negative = neg
inv = reciprocal
fill = second
where = switch
equal = eq
not_equal = neq
less = lt
less_equal = le
greater = gt
greater_equal = ge
bitwise_and = and_
bitwise_or = or_
bitwise_xor = xor
bitwise_not = invert
expit = sigmoid
absolute = abs
square = sqr


# -- comparing computed values (numpy-side; PyTensor's test helpers import it) ---------
#: ``(atol, rtol)`` for :func:`_allclose` by the narrowest float dtype of the two
#: arrays: numpy's own defaults for float64, looser for float32 and float16
_ALLCLOSE_TOLERANCES = {"float16": (1e-3, 1e-3), "float32": (1e-5, 1e-5), "float64": (1e-8, 1e-5)}


def _allclose(a: Any, b: Any, rtol: Optional[float] = None, atol: Optional[float] = None) -> bool:
    """``numpy.allclose(a, b)`` with tolerances fitted to the dtypes:
    ``|a - b| <= atol + rtol |b|`` elementwise, ``(atol, rtol)`` from
    ``_ALLCLOSE_TOLERANCES`` for the narrower of the two dtypes unless
    given (complex64 counts as float32)."""
    a, b = np.asarray(a), np.asarray(b)
    narrow = {"float16": "float16", "float32": "float32", "complex64": "float32"}
    kinds = {narrow.get(str(x.dtype), "float64") for x in (a, b)}
    key = "float16" if "float16" in kinds else "float32" if "float32" in kinds else "float64"
    atol_, rtol_ = _ALLCLOSE_TOLERANCES[key]
    return bool(np.allclose(a, b, atol=atol_ if atol is None else atol, rtol=rtol_ if rtol is None else rtol))
