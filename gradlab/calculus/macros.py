"""Jacobians and Hessians, built from reverse mode.

- ``jacobian(y, x)``: ``J[i..., j...] = d y[i...] / d x[j...]``, of shape
  ``y.shape + x.shape``.  Row ``i`` of the flattened ``y`` is the pullback of
  the unit vector ``e_i``.  ``vectorize=True`` pulls back all rows at once:
  the pullback graph, built for one cotangent ``u``, is batched over the rows
  of an identity matrix (:func:`~gradlab.gradient.vectorize.vectorize_graph`).
  ``vectorize=False`` computes one gradient per row with a scan (:func:`_rows_looped`).
- ``hessian(cost, x)``: the Jacobian of ``grad(cost, x)``.
- ``hessian_vector_product(cost, x, p)``: ``H p`` as the gradient of
  ``sum(grad(cost, x) * p)``, without forming ``H``.
"""
from __future__ import annotations

from typing import Any, List, Optional, Sequence

import numpy as np

import gradlab.tensor as gt
from gradlab.graph.basic import Variable
from gradlab.gradient.adapter import grad_dtype
from gradlab.graph.origin import mark
from gradlab.gradient.reverse import Lop, Variables, as_variable_list, grad, in_form, stamp_helpers
from gradlab.gradient.vectorize import vectorize_graph
from gradlab.scan.builder import scan
from gradlab.tensor.type import TensorType
from gradlab.tensor.variable import as_tensor_variable

__all__ = ["jacobian", "hessian", "hessian_vector_product"]


def _static_size(var: Variable) -> Optional[int]:
    shape = var.type.shape
    if any(s is None for s in shape):
        return None
    return int(np.prod(shape, dtype=np.int64))


def _flat(expression: Variable) -> Variable:
    return expression if expression.ndim == 1 else gt.flatten(expression)


def _rows_vectorized(flat: Variable, wrts: List[Variable], consider_constant: Any,
                     disconnected_inputs: str, length: Optional[Variable] = None) -> list:
    """``[J_w]`` of shape ``(n,) + w.shape``: the pullback of one cotangent
    ``u``, batched over the rows of ``eye(n)``."""
    u = TensorType(grad_dtype(flat), flat.type.shape).make_variable("u")
    n = flat.type.shape[0] if flat.type.shape[0] is not None else (length if length is not None else gt.shape(flat)[0])
    rows = Lop(flat, wrts, u, consider_constant=consider_constant, disconnected_inputs=disconnected_inputs)
    identity = gt.eye(n, dtype=grad_dtype(flat))
    batched = vectorize_graph(rows, {u: identity})
    result = []
    for w, j in zip(wrts, batched):
        if j.ndim == w.ndim:  # the pullback did not depend on u (a zero gradient)
            j = gt.alloc(j, n, *[w.shape[k] for k in range(w.ndim)])
        result.append(j)
    return result


def _rows_looped(flat: Variable, n: Optional[int], wrts: List[Variable], consider_constant: Any,
                 disconnected_inputs: str, length: Optional[Variable] = None) -> list:
    """``vectorize=False``: the gradient of each entry ``flat[i]``, stacked —
    a scan over ``arange(n)`` computing ``grad(flat[i], wrt)`` (the seed's
    construction; ``n`` may be unknown until run time)."""
    if n == 0:
        return [gt.zeros((0,) + tuple(w.shape[a] for a in range(w.ndim)), dtype=grad_dtype(w)) for w in wrts]
    if n == 1:  # one row, known when building: its gradient, no loop
        grads = grad(flat[0], list(wrts), consider_constant=consider_constant, disconnected_inputs=disconnected_inputs)
        return [gt.expand_dims(g, 0) for g in grads]

    def row(i: Variable, flat: Variable, *ws: Variable) -> list:
        return list(grad(flat[i], list(ws), consider_constant=consider_constant,
                         disconnected_inputs=disconnected_inputs))
    indices = gt.arange(n if n is not None else (length if length is not None else flat.shape[0]))
    rows, _ = scan(row, sequences=indices, non_sequences=[flat] + list(wrts), return_list=True)
    return rows


def _unflatten(j: Variable, expression: Variable, w: Variable) -> Variable:
    """``(n,) + w.shape`` -> ``expression.shape + w.shape``."""
    if expression.ndim == 1:
        return j
    lead = [s if s is not None else expression.shape[a] for a, s in enumerate(expression.type.shape)]
    tail = [s if s is not None else w.shape[a] for a, s in enumerate(w.type.shape)]
    return gt.reshape(j, lead + tail, ndim=expression.ndim + w.ndim)


def jacobian(expression: Variable, wrt: Variables, consider_constant: Optional[Sequence[Variable]] = None,
             disconnected_inputs: str = "raise", vectorize: bool = False) -> Any:
    """The Jacobian ``d expression / d wrt``, of shape ``expression.shape + wrt.shape``.

    ``wrt`` is one variable, a list or a tuple; the answer has the same form.
    ``vectorize=True`` builds one batched graph; ``vectorize=False`` a scan
    computing one gradient per entry of ``expression`` (same values).
    ``consider_constant`` and ``disconnected_inputs`` are as in :func:`grad`.
    """
    since = mark()
    result = _jacobian(expression, wrt, consider_constant, disconnected_inputs, vectorize)
    stamp_helpers("jacobian", result, since, expression)
    return result


def _jacobian(expression: Variable, wrt: Variables, consider_constant: Optional[Sequence[Variable]],
              disconnected_inputs: str, vectorize: bool, length: Optional[Variable] = None) -> Any:
    """:func:`jacobian`, with ``length`` (when given) the number of entries of
    ``expression`` (``hessian`` knows it: the gradient has ``wrt``'s length)."""
    expression = as_tensor_variable(expression)
    form, wrts = as_variable_list("jacobian", "wrt", wrt)
    if expression.ndim == 0:
        rows = grad(expression, wrts, consider_constant=consider_constant, disconnected_inputs=disconnected_inputs)
        return in_form(form, list(rows))
    flat = _flat(expression)
    n = _static_size(expression)
    if vectorize:
        rows = _rows_vectorized(flat, wrts, consider_constant, disconnected_inputs, length)
    else:
        rows = _rows_looped(flat, n, wrts, consider_constant, disconnected_inputs, length)
    return in_form(form, [_unflatten(j, expression, w) for j, w in zip(rows, wrts)])


def hessian(cost: Variable, wrt: Variables, consider_constant: Optional[Sequence[Variable]] = None,
            disconnected_inputs: str = "raise", vectorize: bool = False) -> Any:
    """The Hessian ``d^2 cost / d wrt^2`` of a scalar (0-d) cost with respect
    to a vector (1-d) ``wrt`` (or to each of a list of vectors)."""
    cost = as_tensor_variable(cost)
    if cost.ndim != 0:
        raise ValueError(f"hessian: cost must be a scalar (0-d), but {cost} has {cost.ndim} dimensions "
                         f"({cost.type}); sum it first, or take jacobian(grad(...)) of each entry")
    form, wrts = as_variable_list("hessian", "wrt", wrt)
    for i, w in enumerate(wrts):
        if w.ndim != 1:
            where = "wrt" if form == "single" else f"wrt[{i}]"
            raise ValueError(f"hessian: {where} must be a vector (1-d), but {w} has {w.ndim} dimensions "
                             f"({w.type}); flatten it, or use jacobian(grad(cost, {w}), {w})")
    result = []
    since = mark()
    for w in wrts:
        g = grad(cost, w, consider_constant=consider_constant, disconnected_inputs=disconnected_inputs)
        result.append(_jacobian(g, w, consider_constant, disconnected_inputs, vectorize, length=w.shape[0]))
    stamp_helpers("hessian", result, since, cost)
    return in_form(form, result)


def hessian_vector_product(cost: Variable, wrt: Variables, p: Variables, **grad_kwargs: Any) -> Any:
    """``H p``: the Hessian of a scalar cost with respect to ``wrt`` times
    ``p`` (shaped like ``wrt``), as ``grad(sum(grad(cost, wrt) * p), wrt)``.

    ``wrt`` and ``p`` are both single variables or both lists; extra keyword
    arguments go to both :func:`grad` calls.
    """
    form, wrts = as_variable_list("hessian_vector_product", "wrt", wrt)
    ps = list(p) if isinstance(p, (list, tuple)) else [p]
    if len(ps) != len(wrts):
        raise ValueError(f"hessian_vector_product: {len(wrts)} wrt variables but {len(ps)} vectors p; "
                         "give one p per wrt, shaped like it")
    since = mark()
    grads = grad(cost, wrts, **grad_kwargs)
    total = None
    for g, v in zip(grads, ps):
        term = gt.sum(g * v)
        total = term if total is None else total + term
    stamp_helpers("hessian_vector_product", [total], since, cost)
    result = list(grad(total, wrts, **grad_kwargs))
    stamp_helpers("hessian_vector_product", result, since, cost)
    return in_form(form, result)
