"""``Print``: an identity op that prints its input's value when the
compiled function runs — the PyTensor way to look inside a graph.

    >>> import gradlab, gradlab.tensor as gt
    >>> from gradlab.printing import Print
    >>> x = gt.dvector("x")
    >>> y = Print("x is")(x) * 2
    >>> f = gradlab.function([x], y)
    >>> f([1.0, 2.0])
    x is __str__ = [1. 2.]
    array([2., 4.])

``attrs`` names what to print: methods or attributes of the numpy value
(``("shape", "sum")``); ``global_fn(op, value)``, when given, is called
instead of printing.  Its derivative is the identity (the gradient passes
through, unprinted: wrap the gradient in its own ``Print`` to see it).
Rewrites keep it where it is; two ``Print`` nodes are never merged into one.
"""
from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

from gradlab.graph.basic import Apply, Variable
from gradlab.graph.op import Op

__all__ = ["Print"]


def _default_print(op: "Print", value: Any) -> None:
    for attr in op.attrs:
        found = getattr(value, attr)
        print(op.message, attr, "=", found() if callable(found) else found)


class Print(Op):
    """``Print(message, attrs=("__str__",), global_fn=None)(x)``: ``x``,
    printed as ``message attr = value`` for each attr when computed."""

    view_map = {0: [0]}  # the output is the input itself
    fold_constants = False  # print when the function runs, not while compiling

    def __init__(self, message: str = "", attrs: Sequence[str] = ("__str__",),
                 global_fn: Optional[Callable[["Print", Any], None]] = None):
        self.message = message
        self.attrs = tuple(attrs)
        self.global_fn = global_fn if global_fn is not None else _default_print

    # every instance is its own op: merging two Prints would lose a message
    def __eq__(self, other: object) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)

    def __str__(self) -> str:
        return f"Print{{{self.message}}}" if self.message else "Print"

    __repr__ = __str__

    def make_node(self, x: Any) -> Apply:
        from gradlab.tensor.variable import as_tensor_variable
        x = as_tensor_variable(x)
        return Apply(self, [x], [x.type.make_variable()])

    def perform(self, node: Apply, inputs: Sequence[Any], output_storage: list) -> None:
        (value,) = inputs
        self.global_fn(self, value)
        output_storage[0][0] = value

    def grad(self, inputs: Sequence[Variable], output_grads: Sequence[Variable]) -> list:
        return [output_grads[0]]

    def R_op(self, inputs: Sequence[Variable], eval_points: Sequence[Optional[Variable]]) -> list:
        return [eval_points[0]]

    def infer_shape(self, fgraph: Any, node: Apply, input_shapes: Sequence[tuple]) -> list:
        return [input_shapes[0]]
