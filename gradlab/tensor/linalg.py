"""Products: ``dot`` (numpy's ``np.dot``), ``matmul`` (``@``, batched),
``tensordot``, ``outer`` and ``batched_dot``.

Three ops do the work: :class:`Dot` for vectors and matrices, :class:`Matmul`
for stacks of matrices (numpy's broadcasting of the leading axes), and
:class:`TensorDot` for contractions over any axes.  Each states its vjp
(``gA = gz @ B.T``, ``gB = A.T @ gz`` and their generalisations) and its jvp
(``dz = dA @ B + A @ dB``, a missing tangent drops its term).
"""
from __future__ import annotations

from typing import Any, Optional, Sequence, Union

import numpy as np

from gradlab.graph.basic import Apply, Variable
from gradlab.graph.op import Op
from gradlab.tensor.elemwise import broadcast_static_shapes, grad_dtype, sum_to_input
from gradlab.tensor.type import TensorType
from gradlab.tensor.variable import as_tensor_variable
from gradlab.tensor.dimshuffle_ops import dimshuffle
from gradlab.tensor.math import mul, zeros_like
from gradlab.tensor.shape_ops import flatten

__all__ = ["Dot", "Matmul", "TensorDot", "dot", "matmul", "tensordot", "outer", "batched_dot"]


def _label(var: Variable) -> str:
    return f"{var.name} {var.type}" if var.name else f"{var.type}"


def _fmt(n: Optional[int]) -> str:
    return "?" if n is None else str(n)


def _product_dtype(a: Variable, b: Variable) -> str:
    return np.dot(np.ones(1, dtype=a.dtype), np.ones(1, dtype=b.dtype)).dtype.name


def _check_inner(fn: str, a: Variable, b: Variable, ka: Optional[int], kb: Optional[int], axes: str) -> None:
    if ka is not None and kb is not None and ka != kb:
        raise ValueError(f"{fn}: shapes do not align: {_label(a)} and {_label(b)}; {axes} have lengths "
                         f"{ka} and {kb}, which must be equal (transpose an operand or fix its shape)")


def _swap_last(x: Variable) -> Variable:
    """``x`` with its last two axes exchanged (``x.T`` for a matrix)."""
    nd = x.ndim
    return dimshuffle(x, list(range(nd - 2)) + [nd - 1, nd - 2])


def _jvp_sum(terms: list, z: Variable) -> list:
    """``sum(terms)`` as the tangent of ``z`` (zeros when there is none)."""
    terms = [t for t in terms if t is not None]
    if not terms:
        return [zeros_like(z, dtype=grad_dtype(z))]
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return [total]


class Dot(Op):
    """``z = np.dot(a, b)`` for vectors and matrices: inner product (1-d,
    1-d), matrix-vector, vector-matrix, matrix-matrix products.

    vjp: ``ga = gz . b^T``, ``gb = a^T . gz`` (vectors: outer products);
    jvp: ``dz = da . b + a . db``.
    """

    __props__ = ()

    def make_node(self, a: Any, b: Any) -> Apply:
        a, b = as_tensor_variable(a), as_tensor_variable(b)
        for name, v in (("first", a), ("second", b)):
            if v.ndim not in (1, 2):
                raise TypeError(f"Dot: the {name} operand {_label(v)} has {v.ndim} dimensions; Dot takes "
                                "vectors and matrices (use gt.dot, which handles scalars and higher ranks)")
        ka = a.type.shape[-1]
        kb = b.type.shape[0]
        _check_inner("dot", a, b, ka, kb, "the last axis of the first and the first axis of the second")
        shape = a.type.shape[:-1] + b.type.shape[1:]
        return Apply(self, [a, b], [TensorType(_product_dtype(a, b), shape).make_variable()])

    def perform(self, node: Apply, inputs: Sequence[Any], output_storage: list) -> None:
        output_storage[0][0] = np.asarray(np.dot(inputs[0], inputs[1]), dtype=node.outputs[0].dtype)

    def generate(self, node: Apply, inputs: Sequence[str], outputs: Sequence[str], ctx: Any) -> Optional[str]:
        return f"{outputs[0]} = {ctx.bind(np.dot, 'dot')}({inputs[0]}, {inputs[1]})"

    def infer_shape(self, fgraph: Any, node: Apply, input_shapes: Sequence[tuple]) -> list:
        sa, sb = input_shapes
        return [tuple(sa[:-1]) + tuple(sb[1:])]

    def L_op(self, inputs, outputs, output_grads):
        (a, b), (gz,) = inputs, output_grads
        if a.ndim == 1 and b.ndim == 1:      # z = sum a_i b_i
            ga, gb = gz * b, gz * a
        elif a.ndim == 2 and b.ndim == 1:    # z = A b
            ga, gb = outer(gz, b), dot(gz, a)
        elif a.ndim == 1:                    # z = a B
            ga, gb = dot(b, gz), outer(a, gz)
        else:                                # z = A B
            ga, gb = dot(gz, _swap_last(b)), dot(_swap_last(a), gz)
        return [ga, gb]

    def R_op(self, inputs, eval_points):
        (a, b), (ta, tb) = inputs, eval_points
        z = self(a, b)
        return _jvp_sum([None if ta is None else dot(ta, b), None if tb is None else dot(a, tb)], z)


class Matmul(Op):
    """``z = np.matmul(a, b)``: products of the last two axes, the leading
    (batch) axes broadcast; a 1-d operand is a row (first) or a column
    (second) vector whose axis is dropped from the result.

    vjp: ``ga = gz @ b^T``, ``gb = a^T @ gz``, each summed over the batch
    axes its operand was broadcast along; jvp: ``dz = da @ b + a @ db``.
    """

    __props__ = ()

    def make_node(self, a: Any, b: Any) -> Apply:
        a, b = as_tensor_variable(a), as_tensor_variable(b)
        for name, v in (("first", a), ("second", b)):
            if v.ndim == 0:
                raise TypeError(f"matmul: the {name} operand {_label(v)} is a scalar; matmul needs at least "
                                "one dimension (multiply scalars with *)")
        sa, sb = a.type.shape, b.type.shape
        ka = sa[-1]
        kb = sb[-2] if b.ndim >= 2 else sb[0]
        _check_inner("matmul", a, b, ka, kb, "the last axis of the first and the second-to-last of the second")
        batch = broadcast_static_shapes([sa[:-2], sb[:-2]], what="the batch axes of the matmul operands")
        shape = batch + (sa[-2:-1] if a.ndim >= 2 else ()) + (sb[-1:] if b.ndim >= 2 else ())
        return Apply(self, [a, b], [TensorType(_product_dtype(a, b), shape).make_variable()])

    def perform(self, node: Apply, inputs: Sequence[Any], output_storage: list) -> None:
        output_storage[0][0] = np.asarray(np.matmul(inputs[0], inputs[1]), dtype=node.outputs[0].dtype)

    def generate(self, node: Apply, inputs: Sequence[str], outputs: Sequence[str], ctx: Any) -> Optional[str]:
        return f"{outputs[0]} = {ctx.bind(np.matmul, 'matmul')}({inputs[0]}, {inputs[1]})"

    def infer_shape(self, fgraph: Any, node: Apply, input_shapes: Sequence[tuple]) -> list:
        (a, b), (z,) = node.inputs, node.outputs
        sa, sb = list(input_shapes[0]), list(input_shapes[1])
        nb = z.ndim - (a.ndim >= 2) - (b.ndim >= 2)
        batch = []
        for axis in range(nb):              # a batch length comes from an operand not broadcast there
            dim = None
            for var, shp in ((a, sa[:-2]), (b, sb[:-2])):
                offset = nb - len(shp)
                if axis >= offset and var.type.shape[axis - offset] != 1:
                    dim = shp[axis - offset]
                    break
            batch.append(1 if dim is None else dim)
        return [tuple(batch) + (tuple(sa[-2:-1]) if a.ndim >= 2 else ()) + (tuple(sb[-1:]) if b.ndim >= 2 else ())]

    def L_op(self, inputs, outputs, output_grads):
        (a, b), (gz,) = inputs, output_grads
        a2 = a if a.ndim >= 2 else dimshuffle(a, ["x", 0])
        b2 = b if b.ndim >= 2 else dimshuffle(b, [0, "x"])
        gz2 = gz
        if a.ndim == 1:                     # the row axis was dropped: put it back
            gz2 = dimshuffle(gz, list(range(gz.ndim - 1)) + ["x", gz.ndim - 1])
        elif b.ndim == 1:                   # the column axis was dropped
            gz2 = dimshuffle(gz, list(range(gz.ndim)) + ["x"])
        ga = sum_to_input(matmul(gz2, _swap_last(b2)), a2)
        gb = sum_to_input(matmul(_swap_last(a2), gz2), b2)
        if a.ndim == 1:
            ga = dimshuffle(ga, [1])
        if b.ndim == 1:
            gb = dimshuffle(gb, [0])
        return [ga, gb]

    def R_op(self, inputs, eval_points):
        (a, b), (ta, tb) = inputs, eval_points
        z = self(a, b)
        return _jvp_sum([None if ta is None else matmul(ta, b), None if tb is None else matmul(a, tb)], z)


class TensorDot(Op):
    """``z = np.tensordot(a, b, axes=(axes_a, axes_b))``: sum over the paired
    axes; the result's axes are a's free axes then b's free axes.

    vjp: ``ga = tensordot(gz, b)`` over b's free axes, ``gb = tensordot(a, gz)``
    over a's free axes, each transposed back to its operand's axis order;
    jvp: ``dz = tensordot(da, b) + tensordot(a, db)``.
    """

    __props__ = ("axes_a", "axes_b")

    def __init__(self, axes_a: Sequence[int], axes_b: Sequence[int]):
        self.axes_a = tuple(int(i) for i in axes_a)
        self.axes_b = tuple(int(i) for i in axes_b)
        if len(self.axes_a) != len(self.axes_b):
            raise ValueError(f"tensordot: {len(self.axes_a)} axes of the first operand {self.axes_a} are paired "
                             f"with {len(self.axes_b)} of the second {self.axes_b}; give as many of each")

    def free_axes(self, a_ndim: int, b_ndim: int) -> tuple:
        return ([i for i in range(a_ndim) if i not in self.axes_a],
                [j for j in range(b_ndim) if j not in self.axes_b])

    def make_node(self, a: Any, b: Any) -> Apply:
        a, b = as_tensor_variable(a), as_tensor_variable(b)
        for name, v, axes in (("first", a, self.axes_a), ("second", b, self.axes_b)):
            if any(not 0 <= i < v.ndim for i in axes) or len(set(axes)) != len(axes):
                raise ValueError(f"tensordot: axes {axes} do not name distinct axes of the {name} operand "
                                 f"{_label(v)}; pass axes in [0, {v.ndim - 1}]")
        for i, j in zip(self.axes_a, self.axes_b):
            _check_inner("tensordot", a, b, a.type.shape[i], b.type.shape[j],
                         f"axis {i} of the first and axis {j} of the second")
        fa, fb = self.free_axes(a.ndim, b.ndim)
        shape = tuple(a.type.shape[i] for i in fa) + tuple(b.type.shape[j] for j in fb)
        return Apply(self, [a, b], [TensorType(_product_dtype(a, b), shape).make_variable()])

    def perform(self, node: Apply, inputs: Sequence[Any], output_storage: list) -> None:
        out = np.tensordot(inputs[0], inputs[1], axes=(self.axes_a, self.axes_b))
        output_storage[0][0] = np.asarray(out, dtype=node.outputs[0].dtype)

    def generate(self, node: Apply, inputs: Sequence[str], outputs: Sequence[str], ctx: Any) -> Optional[str]:
        fn = ctx.bind(np.tensordot, "tensordot")
        return f"{outputs[0]} = {fn}({inputs[0]}, {inputs[1]}, axes=({self.axes_a!r}, {self.axes_b!r}))"

    def infer_shape(self, fgraph: Any, node: Apply, input_shapes: Sequence[tuple]) -> list:
        sa, sb = input_shapes
        fa, fb = self.free_axes(len(sa), len(sb))
        return [tuple(sa[i] for i in fa) + tuple(sb[j] for j in fb)]

    def L_op(self, inputs, outputs, output_grads):
        (a, b), (gz,) = inputs, output_grads
        fa, fb = self.free_axes(a.ndim, b.ndim)
        sa, sb = self.axes_a, self.axes_b
        gz_b = list(range(len(fa), len(fa) + len(fb)))
        ga = TensorDot(gz_b, fb)(gz, b)     # axes: fa, then a's partners of sorted(sb)
        ga_axes = fa + [sa[sb.index(j)] for j in sorted(sb)]
        gb = TensorDot(fa, range(len(fa)))(a, gz)   # axes: b's partners of sorted(sa), then fb
        gb_axes = [sb[sa.index(i)] for i in sorted(sa)] + fb
        ga = _permute_to(ga, ga_axes)
        gb = _permute_to(gb, gb_axes)
        return [ga, gb]

    def R_op(self, inputs, eval_points):
        (a, b), (ta, tb) = inputs, eval_points
        z = self(a, b)
        return _jvp_sum([None if ta is None else self(ta, b), None if tb is None else self(a, tb)], z)


def _permute_to(x: Variable, axes_held: Sequence[int]) -> Variable:
    """``x``, whose axis k holds operand axis ``axes_held[k]``, in operand order."""
    perm = [list(axes_held).index(i) for i in range(len(axes_held))]
    return x if perm == list(range(len(perm))) else dimshuffle(x, perm)


# -- public builders ------------------------------------------------------
def dot(a: Any, b: Any) -> Variable:
    """``np.dot(a, b)``: scalars multiply; vectors and matrices use :class:`Dot`;
    higher ranks sum over the last axis of ``a`` and the second-to-last of ``b``."""
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    if a.ndim == 0 or b.ndim == 0:
        return mul(a, b)
    if a.ndim <= 2 and b.ndim <= 2:
        return Dot()(a, b)
    return TensorDot((a.ndim - 1,), (max(b.ndim - 2, 0),))(a, b)


def matmul(a: Any, b: Any) -> Variable:
    """``a @ b`` with numpy's ``matmul`` rules (batched over leading axes)."""
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    if 1 <= a.ndim <= 2 and 1 <= b.ndim <= 2:
        return Dot()(a, b)
    return Matmul()(a, b)


def _normalize_pairs(axes: Union[int, Sequence], a: Variable, b: Variable) -> tuple:
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        if n < 0 or n > a.ndim or n > b.ndim:
            raise ValueError(f"tensordot: axes={n} sums over the last {n} axes of {_label(a)} and the first {n} "
                             f"of {_label(b)}; pass 0 <= axes <= {min(a.ndim, b.ndim)}")
        return tuple(range(a.ndim - n, a.ndim)), tuple(range(n))
    try:
        ax_a, ax_b = axes
    except (TypeError, ValueError):
        raise TypeError(f"tensordot: axes must be an int or a pair of axis lists, got {axes!r}") from None
    ax_a = [ax_a] if isinstance(ax_a, (int, np.integer)) else list(ax_a)
    ax_b = [ax_b] if isinstance(ax_b, (int, np.integer)) else list(ax_b)
    norm = []
    for ax, v in ((ax_a, a), (ax_b, b)):
        for i in ax:
            if not -v.ndim <= int(i) < v.ndim:
                raise ValueError(f"tensordot: axis {i} is out of range for {_label(v)}; "
                                 f"pass axes in [{-v.ndim}, {v.ndim - 1}]")
        norm.append(tuple(int(i) % v.ndim for i in ax))
    return norm[0], norm[1]


def tensordot(a: Any, b: Any, axes: Union[int, Sequence] = 2) -> Variable:
    """``np.tensordot(a, b, axes)``: ``sum_k a[..., k] b[k, ...]`` over the
    paired axes (``axes=n``: the last n of a with the first n of b)."""
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    axes_a, axes_b = _normalize_pairs(axes, a, b)
    return TensorDot(axes_a, axes_b)(a, b)


def outer(a: Any, b: Any) -> Variable:
    """``z[i, j] = a[i] * b[j]`` (operands are flattened, as numpy)."""
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    a = a if a.ndim == 1 else flatten(a, 1)
    b = b if b.ndim == 1 else flatten(b, 1)
    return dimshuffle(a, [0, "x"]) * dimshuffle(b, ["x", 0])


def batched_dot(a: Any, b: Any) -> Variable:
    """``z[i] = dot(a[i], b[i])`` for every ``i`` along the first axis
    (2-d or 3-d operands)."""
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    if a.ndim not in (2, 3) or b.ndim not in (2, 3):
        raise TypeError(f"batched_dot takes 2-d or 3-d operands, got {_label(a)} and {_label(b)}")
    if a.ndim == 2 and b.ndim == 2:
        from gradlab.tensor.reduce import sum as _sum
        return _sum(a * b, axis=1, dtype=_product_dtype(a, b))
    a3 = a if a.ndim == 3 else dimshuffle(a, [0, "x", 1])
    b3 = b if b.ndim == 3 else dimshuffle(b, [0, 1, "x"])
    z = matmul(a3, b3)
    if a.ndim == 2:
        z = dimshuffle(z, [0, 2])
    if b.ndim == 2:
        z = dimshuffle(z, [0, 1])
    return z
