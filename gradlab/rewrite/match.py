"""Small questions rules ask about nodes and variables.

``scalar_name(node)`` is the scalar op's name of an Elemwise node (``"mul"``),
``constant_value(var)`` the value of a constant (or a fill of one) as a numpy
array, ``is_constant(var, c)`` whether every entry equals ``c``.  The builders
(``build``, ``fit_to``) make replacements of exactly the replaced variable's
type: same dtype (a cast when needed) and the same broadcast shape (a
``second``/fill from a model variable when needed).
"""
from __future__ import annotations

from typing import Any, Iterable, Optional, Sequence

import numpy as np

from gradlab.graph.basic import Apply, Constant, Variable


def _elemwise_class():
    from gradlab.tensor.elemwise import Elemwise
    return Elemwise


def scalar_name(node: Any) -> Optional[str]:
    """The scalar op's name when ``node`` is an Elemwise Apply, else None."""
    try:
        return node.op.scalar_op.name
    except AttributeError:
        return None


def owner_name(var: Variable) -> Optional[str]:
    """``scalar_name`` of the node computing ``var`` (None for inputs and non-elemwise)."""
    return scalar_name(var.owner)


def is_op(var: Variable, *names: str) -> bool:
    """Is ``var`` computed by an Elemwise whose scalar op is one of ``names``?"""
    return var.owner is not None and scalar_name(var.owner) in names


def constant_value(var: Variable, look_through_fill: bool = True) -> Optional[np.ndarray]:
    """The value of ``var`` when it is known before running: a constant, a fill
    of a constant (``second(m, c)`` has the values of ``c``), or a cast of one."""
    seen = 0
    while seen < 8:
        seen += 1
        if isinstance(var, Constant):
            return np.asarray(var.data)
        owner = var.owner
        if owner is None or not look_through_fill:
            return None
        name = scalar_name(owner)
        if name == "second":
            var = owner.inputs[1]
        elif name is not None and name.startswith("cast_"):
            inner = constant_value(owner.inputs[0], look_through_fill=False) if isinstance(owner.inputs[0], Constant) else None
            if inner is None:
                var = owner.inputs[0]
                continue
            return inner.astype(var.dtype)
        else:
            return None
    return None


def scalar_constant(var: Variable, look_through_fill: bool = True) -> Optional[Any]:
    """The single number every entry of ``var`` equals, if known (a Python number)."""
    value = constant_value(var, look_through_fill)
    if value is None:
        return None
    if value.size == 0:
        return None
    flat = value.reshape(-1)
    first = flat[0]
    if value.size > 1 and not np.all(flat == first):
        return None
    return first.item()


def is_constant(var: Variable, number: float, look_through_fill: bool = True) -> bool:
    """Is every entry of ``var`` known to equal ``number``?"""
    value = scalar_constant(var, look_through_fill)
    if value is None:
        return False
    try:
        return bool(value == number)
    except (TypeError, ValueError):
        return False


def typed_constant(value: Any, dtype: str) -> Variable:
    """A 0-d, non-weak constant of ``dtype`` (keeps static dtypes exact)."""
    from gradlab.tensor.variable import constant
    return constant(np.asarray(value, dtype=dtype))


def elemwise(name: str, *args: Variable) -> Variable:
    """Build ``name(*args)`` with the shared Elemwise op of that table row."""
    from gradlab.tensor.elemwise import elemwise_op
    return elemwise_op(name)(*args)


def cast_to(var: Variable, dtype: str) -> Variable:
    if var.dtype == dtype:
        return var
    from gradlab.tensor.elemwise import cast_op
    return cast_op(dtype)(var)


def _broadcast(shapes: Sequence[tuple]) -> Optional[tuple]:
    from gradlab.tensor.elemwise import broadcast_static_shapes
    try:
        return broadcast_static_shapes(shapes)
    except ValueError:
        return None


def fit_to(new: Variable, old: Variable, models: Iterable[Variable] = ()) -> Optional[Variable]:
    """``new`` made to have ``old``'s type, or None when that is not possible.

    Broadcasting is restored with ``second(model, new)`` for the ``models``
    (the matched node's inputs, which carried the shape) that widen ``new``
    towards ``old``'s static shape; the dtype with a cast.  A remaining
    difference of known versus unknown lengths is left to
    ``FunctionGraph.replace`` (``TensorType.convert_variable``).
    """
    if new.type == old.type:
        return new
    target = old.type.shape
    if new.ndim > old.ndim:
        return None
    if not _shape_covers(new.type.shape, target):
        for model in models:
            if model is new or not hasattr(model.type, "shape"):
                continue
            widened = _broadcast([new.type.shape, model.type.shape])
            if widened is None or widened == new.type.shape or len(widened) > len(target):
                continue
            if not _no_wider(widened, target):
                continue
            new = elemwise("second", model, new)
            if _shape_covers(new.type.shape, target):
                break
        if not _shape_covers(new.type.shape, target):
            return None
    if new.dtype != old.dtype:
        new = cast_to(new, old.dtype)
    return new


def _shape_covers(shape: tuple, target: tuple) -> bool:
    """Same ndim and the same broadcastable pattern (lengths may differ by None)."""
    if len(shape) != len(target):
        return False
    for a, b in zip(shape, target):
        if (a == 1) != (b == 1):
            return False
        if a is not None and b is not None and a != b:
            return False
    return True


def _no_wider(shape: tuple, target: tuple) -> bool:
    """Is ``shape`` (after padding) nowhere wider than ``target``?"""
    if len(shape) > len(target):
        return False
    padded = (1,) * (len(target) - len(shape)) + tuple(shape)
    for a, b in zip(padded, target):
        if b == 1 and a != 1:
            return False
        if a is not None and a != 1 and b is not None and a != b:
            return False
    return True


def single_client(fgraph: Any, var: Variable) -> bool:
    """Does exactly one node (and no graph output) read ``var``?"""
    clients = fgraph.clients.get(var, ())
    return len(clients) == 1 and clients[0][0] != "output"


_NONNEGATIVE_OPS = ("exp", "exp2", "sigmoid", "softplus", "sqrt", "sqr", "abs", "cosh")


def known_nonnegative(var: Variable) -> bool:
    """Is ``var`` >= 0 (or NaN) whatever the inputs (exp, sqr, abs, … or a constant)?"""
    if isinstance(var, Constant):
        data = np.asarray(var.data)
        return data.dtype.kind in "biuf" and bool(np.all((data >= 0) | np.isnan(data)))
    name = scalar_name(var.owner) if var.owner is not None else None
    if name in _NONNEGATIVE_OPS:
        return True
    if name == "second":
        return known_nonnegative(var.owner.inputs[1])
    return False
