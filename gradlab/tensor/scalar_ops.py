"""The table of scalar operations behind every elementwise op.

One row per operation: its numpy implementation, how pp prints it, and its
derivative.  A row's derivative is stated once, as *partials*
``d out / d input_i`` (``None`` where the input has no influence), from
which both modes follow: reverse ``gx_i = gz * partial_i`` and forward
``dz = sum_i partial_i * dx_i``.  A row may give ``vjp`` to write the
reverse rule in a nicer printed form (the seed's ``x ** 2`` gradient).
The partials are written with the elementwise functions, so they are given
in :mod:`gradlab.tensor.math`, right below each function
(:func:`defpartials`); this module imports nothing above it.
"""
from __future__ import annotations

from typing import Callable, Optional, Sequence

import numpy as np


class ScalarOp:
    """One elementwise operation (a row of the table)."""

    def __init__(self, name: str, nin: int, impl: Callable, *, symbol: Optional[str] = None,
                 precedence: int = 10, kind: str = "math", partials: Optional[Callable] = None,
                 vjp: Optional[Callable] = None, differentiable: bool = True,
                 commutative: bool = False, associative: bool = False, doc: str = "",
                 out_dtype: Optional[str] = None, params: tuple = (), ufunc: Optional[np.ufunc] = None):
        self.name = name
        self.nin = nin
        self.impl = impl
        self.symbol = symbol
        self.precedence = precedence
        self.kind = kind
        self.partials = partials
        self.vjp = vjp
        self.differentiable = differentiable
        self.commutative = commutative
        self.associative = associative
        self.doc = doc
        self.out_dtype = out_dtype
        self.params = params
        #: the numpy ufunc computing this row (fused loops call it with ``out=``):
        #: ``impl`` itself when it is one, else the ufunc given (None: there is none)
        self.ufunc = impl if isinstance(impl, np.ufunc) else ufunc

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ScalarOp) and type(self) is type(other) and \
            self.name == other.name and self.params == other.params

    def __hash__(self) -> int:
        return hash((type(self), self.name, self.params))

    def __reduce__(self) -> tuple:
        """A row of the table pickles as its name (its functions are lambdas of the table)."""
        if TABLE.get(self.name) is not self:
            raise TypeError(f"cannot pickle the scalar op {self.name!r}: it is not a row of the table "
                            "(define __reduce__ on its class)")
        return (table_row, (self.name,))

    def __repr__(self) -> str:
        return self.name

    def output_dtype(self, dtypes: Sequence[str], weak_values: Sequence[object]) -> str:
        """numpy's result dtype for these input dtypes (weak inputs as Python scalars)."""
        if self.out_dtype is not None:
            return self.out_dtype
        return _probe_dtype(self, tuple(dtypes), tuple(weak_values))


_dtype_cache: dict = {}


def _probe_dtype(op: ScalarOp, dtypes: tuple, weak: tuple) -> str:
    key = (op, dtypes, tuple(type(w) for w in weak))
    hit = _dtype_cache.get(key)
    if hit is not None:
        return hit
    args = []
    for dt, w in zip(dtypes, weak):
        if w is not None:
            args.append(type(w)(1))
        else:
            args.append(np.ones(1, dtype=dt))
    with np.errstate(all="ignore"):
        try:
            res = op.impl(*args)
        except TypeError as exc:
            raise TypeError(f"{op.name} does not accept inputs of dtype {', '.join(dtypes)}: {exc}") from None
    dtype = np.asarray(res).dtype.name
    _dtype_cache[key] = dtype
    return dtype


# -- numpy helpers used by the table ------------------------------------
def _as_float_array(x):
    x = np.asarray(x)
    if x.dtype.kind not in "fc":
        x = x.astype(np.result_type(x.dtype, np.float16) if x.dtype.itemsize < 4 else np.float64)
    return x


def _sigmoid(x, out=None):
    """Logistic 1/(1+exp(-x)), computed exactly in that form: for x -> -inf
    exp(-x) overflows to inf and 1/(1+inf) = 0, the right limit, so the
    overflow is silenced rather than avoided (one transcendental, no branches)."""
    x = _as_float_array(x)
    if out is None:
        out = np.empty(x.shape, x.dtype)
    with np.errstate(over="ignore"):
        np.negative(x, out=out)
        np.exp(out, out=out)
    np.add(out, 1, out=out)
    np.reciprocal(out, out=out)
    return out


def _softplus(x, out=None):
    """log(1+exp(x)) = max(x, 0) + log1p(u) with u = exp(-|x|) in (0, 1], stable
    for large |x|.  log1p(u) is computed as log(w) - ((w - 1) - u) / w with
    w = 1 + u (the rounding of w corrected to first order; exact enough for
    float64 and twice as fast as numpy's log1p)."""
    x = _as_float_array(x)
    u, w, c = (np.empty(x.shape, x.dtype) for _ in range(3))
    np.abs(x, out=u)
    np.negative(u, out=u)
    np.exp(u, out=u)
    np.add(u, 1, out=w)
    np.subtract(w, 1, out=c)
    np.subtract(c, u, out=c)
    np.divide(c, w, out=c)
    r = np.log(w, out=w)
    np.subtract(r, c, out=r)
    if out is None:
        out = u
    np.maximum(x, 0, out=out)
    np.add(out, r, out=out)
    return out


def _second(model, value):
    """``fill(model, value)``: value broadcast to the shape of model."""
    value = np.asarray(value)
    return np.broadcast_to(value, np.broadcast_shapes(np.shape(model), value.shape)).copy()


def _switch(cond, a, b):
    return np.where(cond, a, b)


def _clip(x, lo, hi):
    return np.minimum(np.maximum(x, lo), hi)


def _round_half_even(x):
    return np.round(x)


TABLE: dict = {}


def table_row(name: str) -> ScalarOp:
    """The table's scalar op called ``name`` (what a pickled one is loaded as)."""
    return TABLE[name]


def _row(name, nin, impl, **kw):
    TABLE[name] = ScalarOp(name, nin, impl, **kw)


def defpartials(name: str, partials: Callable, vjp: Optional[Callable] = None) -> None:
    """Give row ``name`` its partial derivatives ``partials(xs, z) -> [d z / d x_i]``
    (symbolic; ``xs`` the inputs, ``z`` the output; ``None`` = no path, e.g. a
    fill's model) and, optionally, a hand-written ``vjp(xs, z, gz)``.  Written in
    :mod:`gradlab.tensor.math` right below the function each belongs to (so this
    table imports nothing above it)."""
    row = TABLE[name]
    row.partials = partials
    if vjp is not None:
        row.vjp = vjp


def _build_table() -> None:
    # arithmetic ---------------------------------------------------------
    _row("add", 2, np.add, symbol="+", precedence=5, commutative=True, associative=True,
         doc="a + b")
    _row("sub", 2, np.subtract, symbol="-", precedence=5,
         doc="a - b")
    _row("mul", 2, np.multiply, symbol="*", precedence=6, commutative=True, associative=True,
         doc="a * b")
    _row("true_div", 2, np.true_divide, symbol="/", precedence=6,
         doc="a / b")
    _row("floor_div", 2, np.floor_divide, symbol="//", precedence=6, differentiable=False, doc="floor(a / b)")
    _row("mod", 2, np.mod, symbol="%", precedence=6,
         doc="a mod b")
    _row("pow", 2, np.power, symbol="**", precedence=8,
         doc="a ** b")
    _row("neg", 1, np.negative, symbol="-", precedence=7, doc="-a")
    _row("reciprocal", 1, np.reciprocal, doc="1 / a")
    _row("maximum", 2, np.maximum, commutative=True,
         doc="larger of a and b (ties: both receive the gradient)")
    _row("minimum", 2, np.minimum, commutative=True,
         doc="smaller of a and b (ties: both receive the gradient)")
    _row("abs", 1, np.abs, doc="|a| (derivative 0 at 0)")
    _row("sqr", 1, np.square, doc="a ** 2")
    _row("sqrt", 1, np.sqrt, doc="square root")
    # exponentials and logs -------------------------------------------
    _row("exp", 1, np.exp, doc="e ** a")
    _row("exp2", 1, np.exp2, doc="2 ** a")
    _row("expm1", 1, np.expm1, doc="exp(a) - 1, accurate near 0")
    _row("log", 1, np.log, doc="natural logarithm")
    _row("log2", 1, np.log2, doc="base-2 logarithm")
    _row("log10", 1, np.log10, doc="base-10 logarithm")
    _row("log1p", 1, np.log1p, doc="log(1 + a), accurate near 0")
    _row("sigmoid", 1, _sigmoid, doc="logistic 1 / (1 + exp(-a))")
    _row("softplus", 1, _softplus, doc="log(1 + exp(a)), stable")
    # trigonometry ----------------------------------------------------
    _row("sin", 1, np.sin, doc="sine")
    _row("cos", 1, np.cos, doc="cosine")
    _row("tan", 1, np.tan, doc="tangent")
    _row("arcsin", 1, np.arcsin, doc="inverse sine")
    _row("arccos", 1, np.arccos, doc="inverse cosine")
    _row("arctan", 1, np.arctan, doc="inverse tangent")
    _row("arctan2", 2, np.arctan2,
         doc="angle of (b, a)")
    _row("sinh", 1, np.sinh, doc="hyperbolic sine")
    _row("cosh", 1, np.cosh, doc="hyperbolic cosine")
    _row("tanh", 1, np.tanh, doc="hyperbolic tangent")
    _row("arcsinh", 1, np.arcsinh, doc="inverse sinh")
    _row("arccosh", 1, np.arccosh, doc="inverse cosh")
    _row("arctanh", 1, np.arctanh, doc="inverse tanh")
    # piecewise constant: zero gradient --------------------------------
    for name, impl, doc in (("sign", np.sign, "sign of a (-1, 0, 1)"), ("floor", np.floor, "round down"),
                            ("ceil", np.ceil, "round up"), ("round", _round_half_even, "round half to even"),
                            ("trunc", np.trunc, "round toward 0")):
        _row(name, 1, impl, doc=doc, ufunc=np.rint if name == "round" else None)
    # comparisons and logic: integer/bool outputs, zero gradient -------
    for name, impl, sym in (("lt", np.less, "<"), ("le", np.less_equal, "<="), ("gt", np.greater, ">"),
                            ("ge", np.greater_equal, ">="), ("eq", np.equal, "=="), ("neq", np.not_equal, "!=")):
        _row(name, 2, impl, symbol=sym, precedence=3, kind="compare", differentiable=False,
             commutative=name in ("eq", "neq"), doc=f"a {sym} b")
    for name, impl, sym in (("and_", np.bitwise_and, "&"), ("or_", np.bitwise_or, "|"), ("xor", np.bitwise_xor, "^")):
        _row(name, 2, impl, symbol=sym, precedence=4, kind="logic", differentiable=False, commutative=True,
             doc=f"a {sym} b (bitwise)")
    _row("invert", 1, np.invert, symbol="~", precedence=7, kind="logic", differentiable=False, doc="bitwise not")
    _row("isnan", 1, np.isnan, kind="compare", differentiable=False, doc="is a NaN?")
    _row("isinf", 1, np.isinf, kind="compare", differentiable=False, doc="is a infinite?")
    # selection and broadcasting ---------------------------------------
    _row("second", 2, _second, kind="shape",
         doc="fill(model, value): value in the shape of model")
    _row("switch", 3, _switch, kind="select",
         doc="switch(cond, a, b): a where cond else b")
    _row("clip", 3, _clip,
         doc="clip(a, lo, hi): a limited to [lo, hi]")
    _row("identity", 1, lambda x: np.array(x, copy=True), doc="a copy of a")


class Cast(ScalarOp):
    """Convert to another dtype (the derivative passes through for floats)."""

    def __init__(self, dtype: str):
        dtype = np.dtype(dtype).name
        super().__init__(f"cast_{dtype}", 1, lambda x, _dt=dtype: np.asarray(x).astype(_dt), kind="cast",
                         partials=lambda xs, z: [1], out_dtype=dtype, params=(dtype,),
                         differentiable=np.dtype(dtype).kind in "fc", doc=f"convert to {dtype}")
        self.dtype = dtype

    def __reduce__(self) -> tuple:
        return (Cast, (self.dtype,))


_build_table()
