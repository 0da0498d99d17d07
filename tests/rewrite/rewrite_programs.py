"""Random expression programs for the property test of the rewrites.

A *program* is a list of small integer tuples ``(op, a, b, p)``; step k
applies operation ``op % len(OPS)`` to pool variables ``a`` and ``b``
(indices modulo the pool size) with parameter ``p``, and appends the result
to the pool.  Integers shrink well in hypothesis and a failing program is
plain data, so it can be pasted into the regression list.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

import gradlab.tensor as gt

CONSTANTS = (0, 1, -1, 2, 0.5, 3.0, 1e-3)


def _same_ndim(a: Any, b: Any) -> tuple:
    """Broadcast-compatible operands: a lower-rank operand is summed down or
    the higher one reduced, so every pair works."""
    if a.ndim == b.ndim or a.ndim == 0 or b.ndim == 0:
        return a, b
    if a.ndim > b.ndim:
        return gt.sum(a, axis=0), b
    return a, gt.sum(b, axis=0)


def _binary(fn: Callable) -> Callable:
    def apply(a, b, p):
        a, b = _same_ndim(a, b)
        return fn(a, b)
    return apply


def _const(fn: Callable) -> Callable:
    return lambda a, b, p: fn(a, CONSTANTS[p % len(CONSTANTS)])


def _reduce(fn: Callable) -> Callable:
    def apply(a, b, p):
        if a.ndim == 0:
            return fn(a)
        return fn(a, axis=p % a.ndim)
    return apply


def _transpose(a, b, p):
    return a.T if a.ndim == 2 else -a


def _dimshuffle_roundtrip(a, b, p):
    if a.ndim == 0:
        return gt.dimshuffle(gt.dimshuffle(a, ["x"]), [])
    if a.ndim == 1:
        return gt.dimshuffle(gt.dimshuffle(a, ["x", 0]), [1])
    return gt.dimshuffle(gt.dimshuffle(a, [1, 0]), [1, 0])


def _reshape_roundtrip(a, b, p):
    if a.ndim == 2:
        return gt.reshape(gt.flatten(a), (3, 3))
    return a.reshape((-1,)) if a.ndim == 1 else a


OPS: list = [
    ("add", _binary(lambda a, b: a + b)),
    ("sub", _binary(lambda a, b: a - b)),
    ("mul", _binary(lambda a, b: a * b)),
    ("div", _binary(lambda a, b: a / (1.5 + gt.sqr(b)))),
    ("maximum", _binary(gt.maximum)),
    ("add_const", _const(lambda a, c: a + c)),
    ("mul_const", _const(lambda a, c: a * c)),
    ("sub_const_left", _const(lambda a, c: c - a)),
    ("pow_const", lambda a, b, p: a ** (0, 1, 2, -1, 3)[p % 5] if p % 5 != 3 else 1 / (1 + gt.sqr(a))),
    ("neg", lambda a, b, p: -a),
    ("exp", lambda a, b, p: gt.exp(gt.clip(a, -5, 5))),
    ("log1p_exp", lambda a, b, p: gt.log(1 + gt.exp(a))),
    ("logistic", lambda a, b, p: 1 / (1 + gt.exp(-a))),
    ("sigmoid", lambda a, b, p: gt.sigmoid(a)),
    ("softplus", lambda a, b, p: gt.softplus(a)),
    ("log_sqr", lambda a, b, p: gt.log(1 + gt.sqr(a))),
    ("tanh", lambda a, b, p: gt.tanh(a)),
    ("sin", lambda a, b, p: gt.sin(a)),
    ("sqr", lambda a, b, p: a * a),
    ("abs", lambda a, b, p: abs(a)),
    ("fill", lambda a, b, p: gt.fill(a, CONSTANTS[p % len(CONSTANTS)]) * b if a.ndim >= b.ndim else b),
    ("zeros_like", lambda a, b, p: a * 0 + gt.zeros_like(a)),
    ("x_minus_x", lambda a, b, p: (a - a) + b if a.ndim >= b.ndim else b + a),
    ("sum", _reduce(gt.sum)),
    ("mean", _reduce(gt.mean)),
    ("max", _reduce(gt.max)),
    ("sum_all", lambda a, b, p: gt.sum(a)),
    ("transpose", _transpose),
    ("dimshuffle_roundtrip", _dimshuffle_roundtrip),
    ("reshape_roundtrip", _reshape_roundtrip),
    ("switch", lambda a, b, p: gt.switch(gt.gt(a, 0), a, -a * 0.5)),
    # issue 13's structure rules: diagonals, like terms, the logistic family, zero factors, loops
    ("eye_scale", lambda a, b, p: _eye_scale(a, p)),
    ("eye_dot", lambda a, b, p: gt.dot(_eye_scale(a, p), b if b.ndim in (1, 2) else gt.ones((3,)))),
    ("like_terms", _binary(lambda a, b: a * b + b * a - 2.0 * (b * a) + a + a)),
    ("logistic_family", lambda a, b, p: gt.sigmoid(a) * gt.softplus(-a) + gt.sigmoid(-a) * gt.exp(gt.clip(a, -5, 5))),
    ("zero_over", _binary(lambda a, b: (0.0 / (1 + gt.sqr(a))) * b + a)),
    ("row_gradients", lambda a, b, p: _row_gradients(a, b)),
]


def _eye_scale(a, p):
    """``eye(3) * d`` for a number, a vector (rows) or a column; a matrix elementwise."""
    eye = gt.eye(3, dtype=a.dtype)
    if a.ndim == 1 and p % 2:
        return eye * a.dimshuffle(0, "x")
    return eye * a


def _row_gradients(a, b):
    """The Jacobian of a vector by a scan over its entries (scan_to_batched batches it)."""
    from gradlab.gradient import jacobian
    y = a if a.ndim == 1 else (gt.sum(a, axis=0) if a.ndim == 2 else gt.ones((3,), dtype=a.dtype) * a)
    wrt = [v for v in gt_inputs_of(y) if v.ndim == 1]
    if not wrt:
        return y
    return jacobian(gt.tanh(y) * 2.0, wrt[0], disconnected_inputs="ignore")


def gt_inputs_of(var):
    from gradlab.graph import graph_inputs
    return [v for v in graph_inputs([var]) if v.owner is None and v.name is not None]


def make_inputs() -> list:
    return [gt.dscalar("s"), gt.dvector("v"), gt.dmatrix("m"), gt.fvector("f")]


def input_values(seed: int) -> list:
    rng = np.random.default_rng(seed)
    values = [np.round(rng.uniform(-3, 3), 2), np.round(rng.uniform(-3, 3, size=3), 2),
              np.round(rng.uniform(-3, 3, size=(3, 3)), 2), np.round(rng.uniform(-3, 3, size=3), 2)]
    dtypes = ["float64", "float64", "float64", "float32"]
    return [np.asarray(v, dtype=dt) for v, dt in zip(values, dtypes)]


def build(program: Sequence[tuple], inputs: Sequence[Any]) -> list:
    """The program's last value and the gradient of its sum with respect to every input."""
    from gradlab.gradient import grad
    pool = list(inputs)
    for op, a, b, p in program:
        name, fn = OPS[op % len(OPS)]
        pool.append(fn(pool[a % len(pool)], pool[b % len(pool)], p))
    out = pool[-1]
    cost = gt.sum(out) if out.ndim else out
    grads = grad(cost, list(inputs), disconnected_inputs="ignore")
    return [out] + list(grads)
