"""The functions of ``gradlab.tensor``: one place that gathers every op
module's public builders (the operators on variables call through here)."""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from gradlab.tensor.elemwise import Elemwise, cast_op, elemwise_op
from gradlab.tensor.scalar_ops import TABLE
from gradlab.tensor.variable import as_tensor_variable, constant


def _elemwise_builder(name: str):
    op_name = name

    def build(*args: Any) -> Any:
        return elemwise_op(op_name)(*args)

    row = TABLE[name]
    build.__name__ = name
    build.__doc__ = f"Elementwise {row.doc}."
    return build


_PUBLIC_ELEMWISE = [n for n in TABLE if n not in ("identity",)]
for _name in _PUBLIC_ELEMWISE:
    globals()[_name] = _elemwise_builder(_name)

# numpy/PyTensor spellings
true_divide = true_div  # noqa: F821
divide = true_div  # noqa: F821
floor_divide = floor_div  # noqa: F821
power = pow  # noqa: F821  (shadows the builtin inside this module on purpose)
negative = neg  # noqa: F821
inv = reciprocal  # noqa: F821
fill = second  # noqa: F821
where = switch  # noqa: F821
equal = eq  # noqa: F821
not_equal = neq  # noqa: F821
less = lt  # noqa: F821
less_equal = le  # noqa: F821
greater = gt  # noqa: F821
greater_equal = ge  # noqa: F821
bitwise_and = and_  # noqa: F821
bitwise_or = or_  # noqa: F821
bitwise_xor = xor  # noqa: F821
bitwise_not = invert  # noqa: F821
expit = sigmoid  # noqa: F821
absolute = abs  # noqa: F821
square = sqr  # noqa: F821
arcsin = arcsin  # noqa: F821


def identity(x: Any) -> Any:
    """A copy of ``x`` (an elementwise identity)."""
    return elemwise_op("identity")(x)


def cast(x: Any, dtype: Any) -> Any:
    """``x`` converted to ``dtype`` (``float32``, ``int64`` …)."""
    from gradlab.tensor.type import _normalize_dtype
    x = as_tensor_variable(x)
    dtype = _normalize_dtype(dtype)
    if x.dtype == dtype:
        return x
    return cast_op(dtype)(x)


def zeros_like(x: Any, dtype: Optional[str] = None) -> Any:
    """Zeros of ``x``'s shape (and dtype unless given)."""
    x = as_tensor_variable(x)
    return second(x, constant(np.zeros((), dtype=dtype or x.dtype)))  # noqa: F821


def ones_like(x: Any, dtype: Optional[str] = None) -> Any:
    """Ones of ``x``'s shape (and dtype unless given)."""
    x = as_tensor_variable(x)
    return second(x, constant(np.ones((), dtype=dtype or x.dtype)))  # noqa: F821


def full_like(x: Any, value: Any, dtype: Optional[str] = None) -> Any:
    """``value`` in the shape of ``x``."""
    x = as_tensor_variable(x)
    return second(x, constant(np.asarray(value, dtype=dtype or x.dtype)))  # noqa: F821


# The op modules below define the rest of gradlab.tensor.
from gradlab.tensor.shape import *  # noqa: E402,F401,F403
from gradlab.tensor.reduce import *  # noqa: E402,F401,F403
from gradlab.tensor.linalg import *  # noqa: E402,F401,F403
from gradlab.tensor.subtensor import *  # noqa: E402,F401,F403
from gradlab.tensor.nnet import *  # noqa: E402,F401,F403
