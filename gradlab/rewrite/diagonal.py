"""Diagonal matrices kept as diagonals (rules of the ``specialize`` set).

Batched Jacobians and Hessians of elementwise functions come out as
``eye(n) * d``: the identity (one row per cotangent) scaled by a vector.
Computed as written that is n² multiplications per factor, and a ``dot``
with it n³ more.  Two rules keep the structure:

- ``dot_of_diagonal``: ``dot(eye(n) * d, w) -> d[:, None] * w`` (rows of
  ``w`` scaled: n·k multiplications instead of n·n·k);
- ``diagonal_product``: ``eye(n) * d -> alloc_diag(d)`` (n writes into
  zeros instead of n² products; :mod:`gradlab.tensor.diagonal`).

``d`` may be a product of several factors, each a number, a vector (read
along the rows), a column ``(n, 1)`` or a row ``(1, n)`` of the same length.
Off the diagonal the result is an exact 0 even where ``d`` is inf or nan
(``0 * inf`` would have given nan): the diagonal matrix is what ``eye(n) * d``
means.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from gradlab.rewrite.algebra import build_product, product_factors
from gradlab.rewrite.match import constant_value, elemwise, fit_to, scalar_name
from gradlab.rewrite.rule import node_rule, scalar
from gradlab.tensor.linalg import Dot
from gradlab.tensor import api
from gradlab.tensor.alloc_ops import Eye
from gradlab.tensor.api import dimshuffle
from gradlab.tensor.diagonal import alloc_diag


def _square_eye_size(var: Any) -> Optional[Any]:
    """``n`` when ``var`` is ``eye(n, n, 0)`` (the same ``n`` twice, or equal constants)."""
    if var.owner is None or not isinstance(var.owner.op, Eye):
        return None
    n, m, k = var.owner.inputs
    n_value, m_value, k_value = constant_value(n), constant_value(m), constant_value(k)
    same_size = n is m or (n_value is not None and m_value is not None and n_value == m_value)
    if same_size and k_value is not None and k_value == 0:
        return n
    return None


def _as_diagonal_entry(v: Any) -> Optional[Any]:
    """The vector (or number) a factor contributes to the diagonal, or None
    when it is a full matrix."""
    if v.ndim <= 1:
        return v
    if v.ndim == 2 and v.type.shape[1] == 1:
        return dimshuffle(v, [0])
    if v.ndim == 2 and v.type.shape[0] == 1:
        return dimshuffle(v, [1])
    return None


def diagonal_of(fgraph: Any, var: Any) -> Optional[tuple]:
    """``(n, d)`` when ``var`` is ``eye(n) * d`` (see the module doc) or
    ``eye(n)`` itself (``d = 1``), else None."""
    n = _square_eye_size(var)
    if n is not None and np.dtype(var.dtype).kind == "f":
        from gradlab.rewrite.match import typed_constant
        return n, typed_constant(1, var.dtype)
    if var.ndim != 2 or var.owner is None or scalar_name(var.owner) not in ("mul", "true_div"):
        return None
    if np.dtype(var.dtype).kind != "f":
        return None
    sign, num, den = product_factors(fgraph, var)
    size, rest = None, []
    for v in num:
        n = _square_eye_size(v) if size is None else None
        if n is not None:
            size = n
            continue
        entry = _as_diagonal_entry(v)
        if entry is None:
            return None
        rest.append(entry)
    if size is None:
        return None
    den_entries = [_as_diagonal_entry(v) for v in den]
    if any(e is None for e in den_entries):
        return None
    return size, build_product(sign, None, rest, den_entries, var.dtype)


@node_rule("dot(eye(n) * d, w) -> dimshuffle(d, (0, x)) * w;  dot(eye(n), w) -> w", tracks=(Dot,))
def dot_of_diagonal(fgraph: Any, node: Any) -> Optional[list]:
    """``diag(d) @ w`` scales the rows of ``w`` by ``d``: n*k multiplications
    instead of n*n*k (a batched Jacobian's pullback through an elementwise op)."""
    a, w = node.inputs
    found = diagonal_of(fgraph, a)
    if found is None or w.ndim not in (1, 2) or np.dtype(node.outputs[0].dtype).kind != "f":
        return None
    _, d = found
    scale = d if w.ndim == 1 or d.ndim == 0 else dimshuffle(d, [0, "x"])
    new = fit_to(elemwise("mul", scale, w), node.outputs[0], [a])
    return None if new is None else [new]


def _read_by_dot_or_sum(fgraph: Any, var: Any) -> bool:
    """Is ``var`` read by a dot (``dot_of_diagonal`` does better there) or is
    it a term of a sum (whose like terms are collected first)?"""
    for client, _ in fgraph.clients.get(var, ()):
        if isinstance(client, str):
            continue
        if isinstance(client.op, Dot) or scalar_name(client) in ("add", "sub"):
            return True
    return False


@node_rule("eye(n) * d -> alloc_diag(d)", tracks=(scalar("mul"), scalar("true_div")))
def diagonal_product(fgraph: Any, node: Any) -> Optional[list]:
    """A scaled identity is written as its diagonal: n writes, not n² products."""
    out = node.outputs[0]
    if _read_by_dot_or_sum(fgraph, out):
        return None
    found = diagonal_of(fgraph, out)
    if found is None:
        return None
    n, d = found
    if d.ndim == 0 or d.type.shape[0] == 1:
        d = api.alloc(d, n)
    new = alloc_diag(d)
    fitted = fit_to(new, out)
    return None if fitted is None else [fitted]
