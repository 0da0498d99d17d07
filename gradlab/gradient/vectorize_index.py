"""Batching rules for basic indexing (used by :mod:`gradlab.gradient.vectorize`).

- ``x[i]`` with the *data* batched (``X`` of shape ``(B,) + x.shape``) reads
  the same index behind a full slice: ``X[:, i]``.
- ``x[i]`` with one scalar index ``i`` on the first axis batched (``I`` of
  shape ``(B,)``) and ``x`` not: a gather, ``x[I]``.
- ``inc_subtensor(x[i], y)`` / ``set_subtensor(x[i], y)`` with the index
  batched as ``I = arange(B)`` (what a loop over the rows of a Jacobian
  feeds it): row ``k`` writes at position ``k``, so the positions written
  are the one-hot matrix ``E = eye(B, m)`` (``m = len(x)``)::

      inc:  X + E * Y            (Y known finite: a constant or a fill of one)
      inc:  switch(E, X + Y, X)  (otherwise: exact also for inf/nan in Y)
      set:  switch(E, Y, X)

  with ``X``, ``Y`` broadcast against ``(B, m) + rest``.  ``E * Y`` keeps the
  structure later rules turn into a diagonal instead of a dense product.
  An index past the end (``B > m``) writes nothing where the loop raised.

Any other form answers None and the caller falls back to a loop.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

import gradlab.tensor as gt
from gradlab.tensor.alloc_ops import ARange
from gradlab.tensor.constants import constant_value, scalar_constant
from gradlab.tensor.indexing import SYM, SliceSpec
from gradlab.tensor.subtensor import Subtensor

__all__ = ["batch_subtensor", "batch_inc_subtensor"]


def _one_scalar_index(op: Any) -> bool:
    return len(op.idx_list) == 1 and op.idx_list[0] is SYM


def _is_range_from_zero(var: Any) -> bool:
    """Is ``var`` ``arange(0, stop, 1)``?"""
    node = var.owner
    if node is None or not isinstance(node.op, ARange):
        return False
    start, _, step = node.inputs
    return scalar_constant(start) == 0 and scalar_constant(step) == 1


def batch_subtensor(node: Any, inputs: list, batched: list) -> Optional[list]:
    """``X[:, idx]`` (data batched) or ``x[I]`` (one first-axis index batched)."""
    op = node.op
    if batched[0] and not any(batched[1:]):
        return [Subtensor((SliceSpec(),) + tuple(op.idx_list))(*inputs)]
    if not batched[0] and _one_scalar_index(op) and batched[1]:
        return [inputs[0][inputs[1]]]
    return None


def _known_finite(var: Any) -> bool:
    value = constant_value(var)
    return value is not None and bool(np.all(np.isfinite(value)))


def batch_inc_subtensor(node: Any, inputs: list, batched: list) -> Optional[list]:
    """``inc_subtensor``/``set_subtensor`` at ``I = arange(B)`` (see the module doc)."""
    op = node.op
    if not _one_scalar_index(op) or not batched[2] or not _is_range_from_zero(inputs[2]):
        return None
    x_core, y_core = node.inputs[0], node.inputs[1]
    x, y, index = inputs[0], inputs[1], inputs[2]
    rest = x_core.ndim - 1
    dtype = node.outputs[0].dtype
    one_hot = gt.eye(gt.shape(index)[0], gt.shape(x)[1 if batched[0] else 0], 0, dtype=dtype)
    if rest:
        one_hot = gt.dimshuffle(one_hot, [0, 1] + ["x"] * rest)
    if batched[1]:  # Y: (B,) + y's core shape, aligned to (B, m) + rest
        pad = rest + 1 - y_core.ndim
        y = gt.dimshuffle(y, [0] + ["x"] * pad + list(range(1, y_core.ndim + 1)))
    if y.dtype != dtype:
        y = gt.cast(y, dtype)
    if op.set_instead_of_inc:
        return [gt.switch(one_hot, y, x)]
    if _known_finite(node.inputs[1]) or _known_finite(inputs[1]):
        return [x + one_hot * y]
    return [gt.switch(one_hot, x + y, x)]
