"""What is known about a tensor before running: its constant value, if any.

The helpers rewrites and gradients both read (a constant, a fill of a
constant, a cast of one), so they live with the tensors, below both.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from gradlab.graph.basic import Constant, Variable
from gradlab.tensor.variable import constant

__all__ = ["constant_value", "is_constant", "scalar_constant", "scalar_name", "typed_constant"]


def scalar_name(node: Any) -> Optional[str]:
    """The scalar op's name when ``node`` is an Elemwise Apply, else None."""
    try:
        return node.op.scalar_op.name
    except AttributeError:
        return None


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
    return constant(np.asarray(value, dtype=dtype))
