"""``alloc_diag(d)``: the square matrix with ``d`` on its diagonal and zeros elsewhere.

What ``eye(n) * d`` means, written as n stores into zeros instead of n²
products (the ``diagonal_product`` rewrite builds it).  Derivatives:
``gd = diagonal(gz)`` (reverse), ``alloc_diag(dd)`` (forward).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from gradlab.graph.basic import Apply, Variable
from gradlab.graph.op import Op
from gradlab.tensor.alloc_ops import arange
from gradlab.tensor.shape_ops import shape
from gradlab.tensor.type import TensorType
from gradlab.tensor.variable import as_tensor_variable

__all__ = ["AllocDiag", "alloc_diag"]


def _alloc_diag(d: np.ndarray) -> np.ndarray:
    n = d.shape[0]
    out = np.zeros((n, n), dtype=d.dtype)
    out.flat[::n + 1] = d
    return out


class AllocDiag(Op):
    """``alloc_diag(d)[i, j] = d[i] if i == j else 0`` for a vector ``d``."""

    __props__ = ()

    def make_node(self, d: Any) -> Apply:
        d = as_tensor_variable(d)
        if d.ndim != 1:
            raise TypeError(f"alloc_diag: {d} must be a vector (1-d), got {d.ndim} dimensions ({d.type}); "
                            "flatten it first")
        n = d.type.shape[0]
        return Apply(self, [d], [TensorType(d.dtype, (n, n)).make_variable()])

    def perform(self, node: Apply, inputs: list, output_storage: list) -> None:
        output_storage[0][0] = _alloc_diag(np.asarray(inputs[0]))

    def generate(self, node: Apply, inputs: list, outputs: list, ctx: Any) -> str:
        return f"{outputs[0]} = {ctx.bind(_alloc_diag, 'alloc_diag')}({inputs[0]})"

    def infer_shape(self, fgraph: Any, node: Apply, input_shapes: list) -> list:
        (n,) = input_shapes[0]
        return [(n, n)]

    def L_op(self, inputs: list, outputs: list, output_grads: list) -> list:
        (gz,) = output_grads
        r = arange(shape(inputs[0])[0])
        return [gz[r, r]]

    def R_op(self, inputs: list, eval_points: list) -> list:
        if eval_points[0] is None:
            return [None]
        return [self(eval_points[0])]


def alloc_diag(d: Any) -> Variable:
    """The square matrix with the vector ``d`` on its diagonal."""
    return AllocDiag()(d)
