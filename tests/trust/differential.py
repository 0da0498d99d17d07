"""The differential test's pieces (issue 22): random graphs, random values, three modes.

A graph is a list of steps over a pool (the inputs first); every step reads pool
entries, so values are read by several later steps (shared subexpressions).  Steps are
elementwise ops (unary, binary, comparisons, switch, casts), reductions (sum, prod,
max, mean, along an axis or all), shape ops (transpose, dimshuffle, flatten, reshape)
and indexing (a reversed slice, a row, a tail).  Inputs have a dtype among bool, int8,
uint8, int32, int64, float32, float64, 0 to 2 dimensions, each axis statically 1 or
unknown; at run time an unknown axis is the common length or 1 (a length-1 axis that
was not declared broadcastable).  Values mix ordinary numbers with ±0, ±inf, nan,
subnormals and huge ones."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

import gradlab
import gradlab.tensor as gt

DTYPES = ["bool", "int8", "uint8", "int32", "int64", "float32", "float64"]
MODES = ["FAST_RUN", "FAST_COMPILE", "NO_REWRITE"]
SPECIAL = [0.0, -0.0, 1.0, -1.0, 2.5, -3.0, np.inf, -np.inf, np.nan, 5e-324, 1e-310, 1e300, -1e300, 7.0, 100.0]
INT_SPECIAL = {"int8": [-128, 127, 0, 1, -1, 7], "uint8": [0, 1, 255, 200, 7], "int32": [-2 ** 31, 2 ** 31 - 1, 0, 3, -5],
               "int64": [-2 ** 63, 2 ** 63 - 1, 0, 2, -7], "bool": [True, False]}

UNARY = {
    "neg": lambda a: -a if a.dtype != "bool" else ~a, "abs": abs, "exp": gt.exp, "log": gt.log, "sqrt": gt.sqrt,
    "sin": gt.sin, "tanh": gt.tanh, "sigmoid": gt.sigmoid, "softplus": gt.softplus, "sqr": gt.sqr,
    "round": gt.round, "floor": gt.floor, "sign": gt.sign, "log1p": gt.log1p, "expm1": gt.expm1,
    "one_minus_sigmoid": lambda a: 1 - gt.sigmoid(a), "log_sigmoid": lambda a: gt.log(gt.sigmoid(a)),
    "logistic": lambda a: 1 / (1 + gt.exp(-a)) if a.dtype != "bool" else gt.sigmoid(a),
    "to_float32": lambda a: gt.cast(a, "float32"), "to_int64": lambda a: gt.cast(a, "int64"),
    "x_minus_x": lambda a: a - a, "times_one": lambda a: a * 1, "plus_zero": lambda a: a + 0,
    "div_self": lambda a: a / a,
}
BINARY = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b, "div": lambda a, b: a / b,
    "maximum": gt.maximum, "minimum": gt.minimum, "lt": lambda a, b: a < b, "eq": gt.eq,
    "switch": lambda a, b: gt.switch(a > 0, a, b), "fill": lambda a, b: gt.fill(a, b) * 1,
}
SHAPE = ["T", "flatten", "expand", "reversed", "row", "tail", "sum", "sum0", "max_last", "prod", "mean"]


def _shape_op(name, a):
    if name == "T":
        return a.T
    if name == "flatten":
        return gt.flatten(a)
    if name == "expand":
        return gt.expand_dims(a, 0)
    if a.ndim == 0:
        return None
    if name == "reversed":
        return a[::-1]
    if name == "row":
        return a[0]
    if name == "tail":
        return a[1:]
    if name == "sum":
        return a.sum()
    if name == "sum0":
        return a.sum(axis=0)
    if name == "max_last":
        return a.max(axis=-1) if a.dtype != "bool" else None
    if name == "prod":
        return gt.prod(a, axis=0)
    if name == "mean":
        return a.mean()
    return None


step = st.one_of(
    st.tuples(st.just("u"), st.sampled_from(sorted(UNARY)), st.integers(0, 20)),
    st.tuples(st.just("b"), st.sampled_from(sorted(BINARY)), st.integers(0, 20), st.integers(0, 20)),
    st.tuples(st.just("s"), st.sampled_from(SHAPE), st.integers(0, 20)),
)
input_spec = st.tuples(st.sampled_from(DTYPES), st.integers(0, 2), st.lists(st.booleans(), min_size=2, max_size=2),
                       st.lists(st.booleans(), min_size=2, max_size=2))
# (dtype, ndim, static length 1 per axis, run-time length 1 per axis)


@st.composite
def cases(draw, max_inputs=3, max_steps=6):
    specs = draw(st.lists(input_spec, min_size=1, max_size=max_inputs))
    steps = draw(st.lists(step, min_size=1, max_size=max_steps))
    length = draw(st.sampled_from([2, 3]))
    values = []
    for dtype, ndim, static1, runtime1 in specs:
        shape = tuple(1 if (static1[k] or runtime1[k]) else length for k in range(ndim))
        size = int(np.prod(shape)) if shape else 1
        pool = INT_SPECIAL.get(dtype, SPECIAL)
        flat = draw(st.lists(st.sampled_from(pool), min_size=size, max_size=size))
        with np.errstate(all="ignore"):
            values.append(np.array(flat, dtype=dtype).reshape(shape))
    return specs, steps, values


def build(specs, steps):
    """``(inputs, outputs)``: the inputs, then every value that no step read (and the last)."""
    inputs = [gt.tensor(dtype=dtype, name=f"v{k}", shape=tuple(1 if static1[a] else None for a in range(ndim)))
              for k, (dtype, ndim, static1, _) in enumerate(specs)]
    pool = list(inputs)
    read = set()
    for st_ in steps:
        a = pool[st_[2] % len(pool)]
        try:
            if st_[0] == "u":
                out = UNARY[st_[1]](a)
            elif st_[0] == "b":
                b = pool[st_[3] % len(pool)]
                out = BINARY[st_[1]](a, b)
                read.add(b)
            else:
                out = _shape_op(st_[1], a)
        except (TypeError, ValueError):      # not defined for these types (e.g. bool neg): skip the step
            continue
        if out is None:
            continue
        read.add(a)
        pool.append(out)
    outputs = [v for v in pool[len(inputs):] if v not in read] or [pool[-1]]
    return inputs, outputs


def run(inputs, outputs, values, mode):
    """``("ok", [arrays])`` or ``("error", exception)``."""
    try:
        f = gradlab.function(inputs, outputs, mode=mode, on_unused_input="ignore")
    except Exception as exc:  # noqa: BLE001 — a compile error is compared like a run error
        return "compile-error", exc
    try:
        with np.errstate(all="ignore"):
            return "ok", f(*[v.copy() for v in values])
    except Exception as exc:  # noqa: BLE001
        return "error", exc


def exceptional(inputs, outputs, values):
    """Does the unrewritten graph over- or underflow, divide by 0 or make a nan on the way?
    Then its finite results may be wrong (``x / log(sigmoid(x))`` is 0 when the float16
    ``sigmoid(-128)`` underflows) and a rewritten form that avoids it is not compared."""
    f = gradlab.function(inputs, outputs, mode="NO_REWRITE", on_unused_input="ignore")
    try:
        with np.errstate(all="raise"):
            f(*[v.copy() for v in values])
    except Exception:  # noqa: BLE001 — FloatingPointError, possibly explained as a NodeError
        return True
    return False


def tolerance(dtype):
    kind = np.dtype(dtype)
    if kind == np.float16:
        return 4e-3
    if kind == np.float32:
        return 2e-5
    return 1e-9


def graph_tolerance(outputs):
    """The tolerance of the least precise float computed on the way (uint8 -> float16 …)."""
    from gradlab.graph.traversal import ancestors
    dtypes = {str(v.dtype) for v in ancestors(outputs) if getattr(v, "dtype", None) is not None}
    floats = [d for d in dtypes if np.dtype(d).kind == "f"]
    return max((tolerance(d) for d in floats), default=1e-9)


def same_where_finite(a, b, rtol=None):
    """Shapes and dtypes equal; values equal where both are finite, to the dtype's precision
    (relative, or absolute near 0: a stabilized form may keep digits the naive one cancels,
    ``1 - sigmoid(44)`` is 1e-19, not 0)."""
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind in "biu":
        return bool(np.array_equal(a, b))
    both = np.isfinite(a) & np.isfinite(b)
    x, y = a[both].astype(np.float64), b[both].astype(np.float64)
    rtol = max(tolerance(a.dtype), rtol or 0.0)
    return bool(np.all(np.abs(x - y) <= rtol * np.maximum(np.abs(x), np.abs(y)) + rtol))
