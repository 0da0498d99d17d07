"""The Op contract: what a user implements to add an operation.

``make_node(*inputs) -> Apply`` checks and types the inputs;
``perform(node, inputs, output_storage)`` computes with numpy, writing
``output_storage[i][0]``; ``grad(inputs, output_grads)`` (or
``L_op(inputs, outputs, output_grads)``) returns one gradient per input —
the vector-Jacobian product; ``R_op(inputs, eval_points)`` returns one
tangent per output — the Jacobian-vector product.  PyTensor 3.0's names,
``pullback(inputs, outputs, cotangents)`` and ``pushforward(inputs, outputs,
tangents)``, are the same two rules: an op defines either spelling, and
:mod:`gradlab.gradient.adapter` decides which one it reads.  ``__props__`` names the
attributes that make two instances equal (needed to merge equal nodes).
"""
from __future__ import annotations

import math
from typing import Any, Optional, Sequence

from gradlab.graph.basic import Apply, Variable
from gradlab.graph.gradient_types import disconnected_type, is_disconnected

_INLINE_TYPES = (bool, int, float, complex)


def literal_source(value: Any, ctx: Any) -> str:
    """The Python source that stands for the constant ``value`` in generated code.

    A Python ``bool``/``int``/``float``/``complex`` whose ``repr`` reads back
    as the same number (finite floats, ``-0.0`` with its sign, subnormals,
    ints of any size) is written inline, in parentheses when it starts with
    ``-`` so it is a safe operand of any operator (``x ** (-1.0)``).  Anything
    else — ``inf``, ``nan``, a complex with a non-finite part, numpy scalars
    and arrays — has no literal spelling and is bound to a global name of the
    generated module (``ctx.bind``).  Every code generator writes its
    constants through this one function.
    """
    if type(value) in _INLINE_TYPES and _reads_back(value):
        text = repr(value)
        return f"({text})" if text.startswith("-") else text
    return ctx.bind(value, "k")


def _reads_back(value: Any) -> bool:
    if type(value) is float:
        return math.isfinite(value)
    if type(value) is complex:
        return math.isfinite(value.real) and math.isfinite(value.imag)
    return True


class Op:
    """Base class of every operation."""

    __props__: tuple = ()
    #: index of the output returned by ``op(x)`` when the node has several
    default_output: Optional[int] = None

    # -- identity -------------------------------------------------------
    def _props(self) -> tuple:
        return tuple(getattr(self, p) for p in self.__props__)

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        return type(self) is type(other) and self._props() == other._props()

    def __hash__(self) -> int:
        return hash((type(self), self._props()))

    def __str__(self) -> str:
        if self.__props__:
            args = ", ".join(f"{p}={getattr(self, p)!r}" for p in self.__props__)
            return f"{type(self).__name__}{{{args}}}"
        return type(self).__name__

    __repr__ = __str__

    # -- building -------------------------------------------------------
    def make_node(self, *inputs: Variable) -> Apply:
        raise NotImplementedError(f"{type(self).__name__} must define make_node")

    def __call__(self, *inputs: Any, **kwargs: Any) -> Any:
        node = self.make_node(*inputs, **kwargs)
        if self.default_output is not None:
            return node.outputs[self.default_output]
        if len(node.outputs) == 1:
            return node.outputs[0]
        return list(node.outputs)

    # -- running --------------------------------------------------------
    def perform(self, node: Apply, inputs: Sequence[Any], output_storage: list) -> None:
        raise NotImplementedError(f"{type(self).__name__} must define perform")

    def generate(self, node: Apply, inputs: Sequence[str], outputs: Sequence[str], ctx: Any) -> Optional[str]:
        """Python source computing ``outputs`` from ``inputs`` (names), or None.

        The linker inlines the returned lines into the compiled function; a
        ``None`` makes it call :meth:`perform` instead.  ``ctx.bind(obj, hint)``
        returns a global name bound to ``obj`` in the generated module;
        write constants with :func:`literal_source`.
        """
        return None

    # -- differentiating ------------------------------------------------
    def grad(self, inputs: Sequence[Variable], output_grads: Sequence[Variable]) -> list:
        """Vector-Jacobian product: one gradient per input.

        The default says "not implemented"; ``gradient.grad`` turns that into
        a ``NullType`` gradient for each input.
        """
        raise NotImplementedError(f"{type(self).__name__} does not define grad")

    def L_op(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
             output_grads: Sequence[Variable]) -> list:
        """Like :meth:`grad`, with the forward outputs available."""
        return self.grad(inputs, output_grads)

    def R_op(self, inputs: Sequence[Variable], eval_points: Sequence[Optional[Variable]]) -> list:
        """Jacobian-vector product: one tangent per output (None = zero)."""
        raise NotImplementedError

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Variable]) -> list:
        """PyTensor 3.0's name of the reverse rule, ``x_bar = y_bar^T J``: one
        term per input, as :meth:`L_op` (which this default calls).  An op may
        define ``pullback`` instead of ``grad``/``L_op``; the gradient adapter
        reads whichever the op defines (``pullback`` first)."""
        return self.L_op(inputs, outputs, cotangents)

    def pushforward(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                    tangents: Sequence[Optional[Variable]]) -> list:
        """PyTensor 3.0's name of the forward rule, ``y_dot = J x_dot``: one
        tangent per output from one per input, where a ``DisconnectedType``
        variable (or None) stands for an input that does not move and is
        returned for an output that does not.  This default calls :meth:`R_op`;
        an op may define ``pushforward`` instead (the adapter reads it first)."""
        result = self.R_op(inputs, [None if t is None or is_disconnected(t) else t for t in tangents])
        return [disconnected_type() if r is None else r for r in result]

    def connection_pattern(self, node: Apply) -> list:
        """``pattern[i][j]``: does output ``j`` depend on input ``i``?"""
        return [[True] * len(node.outputs) for _ in node.inputs]

    def infer_shape(self, fgraph: Any, node: Apply, input_shapes: Sequence[tuple]) -> list:
        """Symbolic output shapes from the input shapes."""
        raise NotImplementedError

    # -- describing -----------------------------------------------------
    def has_r_op(self) -> bool:
        """True when this op defines its own forward rule (``R_op`` or ``pushforward``)."""
        return type(self).R_op is not Op.R_op or type(self).pushforward is not Op.pushforward
