"""Small questions rules ask about nodes and variables.

``scalar_name(node)`` (with the constant helpers, from :mod:`gradlab.tensor.constants`) is the scalar op's name of an Elemwise node (``"mul"``),
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
from gradlab.tensor.constants import (constant_value, is_constant, scalar_constant, scalar_name,  # noqa: F401
                                     typed_constant)
from gradlab.tensor.elemwise import cast_to, elemwise_op  # noqa: F401  (rules import cast_to from here)
from gradlab.tensor.elemwise import broadcast_static_shapes


def elemwise(name: str, *args: Variable) -> Variable:
    """Build ``name(*args)`` with the shared Elemwise op of that table row."""
    return elemwise_op(name)(*args)


def _broadcast(shapes: Sequence[tuple]) -> Optional[tuple]:
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
