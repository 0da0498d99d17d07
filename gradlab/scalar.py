"""``gradlab.scalar`` (imported as ``gs``): PyTensor's scalar-level types.

PyTensor has a separate ``ScalarType`` for single numbers; gradlab has one
kind of value, the tensor, and a scalar is a 0-d tensor.  Each name here is
that 0-d :class:`~gradlab.tensor.type.TensorType`, so the PyTensor spelling
works wherever the gradient API takes a variable::

    >>> import gradlab, gradlab.scalar as gs
    >>> from gradlab.gradient import pullback
    >>> x, u = gs.float64("x"), gs.float64("u")
    >>> g = pullback(x ** 3, x, u)                 # u * 3 x**2
    >>> float(gradlab.function([x, u], g)(2.0, 0.5))
    6.0
"""
from __future__ import annotations

from gradlab.tensor.type import (ALL_DTYPES, TensorType, complex_dtypes, continuous_dtypes,  # noqa: F401
                                 discrete_dtypes, float_dtypes, int_dtypes, integer_dtypes, uint_dtypes)

__all__ = ["ScalarType", "get_scalar_type", "as_scalar"] + list(ALL_DTYPES)


def ScalarType(dtype: str) -> TensorType:
    """The scalar type of ``dtype``: a 0-d tensor type (``ScalarType("float64")("x")``)."""
    return TensorType(dtype, ())


get_scalar_type = ScalarType


def as_scalar(value):
    """``value`` as a 0-d variable (a number, an array of one element, or a 0-d variable)."""
    from gradlab.tensor.variable import as_tensor_variable
    var = as_tensor_variable(value)
    if var.ndim != 0:
        raise TypeError(f"as_scalar: {var} has {var.ndim} dimensions ({var.type}); a scalar has none")
    return var


for _dtype in ALL_DTYPES:
    globals()[_dtype] = TensorType(_dtype, ())
del _dtype
