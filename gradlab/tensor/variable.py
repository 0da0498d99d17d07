"""TensorVariable and TensorConstant: symbolic arrays with numpy-like
operators and methods, and ``as_tensor_variable`` to lift Python values.

A constant made from a bare Python number is *weak* (``.weak``): like a
Python scalar in numpy (NEP 50) it does not upcast the other operand, so
``fvector * 2.0`` stays float32.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from gradlab.graph.basic import Constant, Variable
from gradlab.tensor.type import TensorType


class _TensorOperators:
    """Operators and methods shared by tensor variables and constants (``api`` is
    gradlab.tensor.api, imported at the end of this module)."""

    # -- arithmetic -----------------------------------------------------
    def __add__(self, other): return api.add(self, other)
    def __radd__(self, other): return api.add(other, self)
    def __sub__(self, other): return api.sub(self, other)
    def __rsub__(self, other): return api.sub(other, self)
    def __mul__(self, other): return api.mul(self, other)
    def __rmul__(self, other): return api.mul(other, self)
    def __truediv__(self, other): return api.true_div(self, other)
    def __rtruediv__(self, other): return api.true_div(other, self)
    def __floordiv__(self, other): return api.floor_div(self, other)
    def __rfloordiv__(self, other): return api.floor_div(other, self)
    def __mod__(self, other): return api.mod(self, other)
    def __rmod__(self, other): return api.mod(other, self)
    def __pow__(self, other): return api.pow(self, other)
    def __rpow__(self, other): return api.pow(other, self)
    def __matmul__(self, other): return api.matmul(self, other)
    def __rmatmul__(self, other): return api.matmul(other, self)
    def __neg__(self): return api.neg(self)
    def __pos__(self): return self
    def __abs__(self): return api.abs(self)
    def __invert__(self): return api.invert(self)
    def __and__(self, other): return api.and_(self, other)
    def __or__(self, other): return api.or_(self, other)
    def __xor__(self, other): return api.xor(self, other)

    # -- comparisons (== stays identity so variables remain hashable) ----
    def __lt__(self, other): return api.lt(self, other)
    def __le__(self, other): return api.le(self, other)
    def __gt__(self, other): return api.gt(self, other)
    def __ge__(self, other): return api.ge(self, other)
    __hash__ = Variable.__hash__

    def __bool__(self):
        raise TypeError(f"the truth value of the symbolic variable {self} is unknown until it is computed; "
                        "use gt.switch/gt.where for conditions, or compare values after calling the function")

    def __iter__(self):
        raise TypeError(f"cannot iterate over the symbolic variable {self}; index it (x[i]) or use gradlab.scan")

    def __len__(self):
        raise TypeError(f"len() of symbolic variable {self} is unknown; use {self}.shape[0]")

    # -- attributes -----------------------------------------------------
    @property
    def ndim(self) -> int:
        return self.type.ndim

    @property
    def dtype(self) -> str:
        return self.type.dtype

    @property
    def broadcastable(self) -> tuple:
        return self.type.broadcastable

    @property
    def shape(self):
        return api.shape(self)

    @property
    def size(self):
        return api.prod(api.shape(self))

    @property
    def T(self):
        return api.transpose(self)

    # -- methods --------------------------------------------------------
    def sum(self, axis=None, keepdims=False, dtype=None): return api.sum(self, axis=axis, keepdims=keepdims, dtype=dtype)
    def prod(self, axis=None, keepdims=False): return api.prod(self, axis=axis, keepdims=keepdims)
    def mean(self, axis=None, keepdims=False): return api.mean(self, axis=axis, keepdims=keepdims)
    def max(self, axis=None, keepdims=False): return api.max(self, axis=axis, keepdims=keepdims)
    def min(self, axis=None, keepdims=False): return api.min(self, axis=axis, keepdims=keepdims)
    def argmax(self, axis=None, keepdims=False): return api.argmax(self, axis=axis, keepdims=keepdims)
    def argmin(self, axis=None, keepdims=False): return api.argmin(self, axis=axis, keepdims=keepdims)
    def var(self, axis=None, keepdims=False): return api.var(self, axis=axis, keepdims=keepdims)
    def std(self, axis=None, keepdims=False): return api.std(self, axis=axis, keepdims=keepdims)
    def dot(self, other): return api.dot(self, other)
    def flatten(self, ndim=1): return api.flatten(self, ndim)
    def ravel(self): return api.flatten(self, 1)
    def transpose(self, *axes): return api.transpose(self, axes[0] if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else (axes or None))
    def dimshuffle(self, *pattern): return api.dimshuffle(self, pattern[0] if len(pattern) == 1 and isinstance(pattern[0], (tuple, list)) else pattern)
    def astype(self, dtype): return api.cast(self, dtype)
    def exp(self): return api.exp(self)
    def log(self): return api.log(self)
    def sqrt(self): return api.sqrt(self)
    def clip(self, lo, hi): return api.clip(self, lo, hi)
    def round(self): return api.round(self)
    def nonzero_values(self): return self[api.neq(self, 0)]
    def zeros_like(self, dtype=None): return api.zeros_like(self, dtype=dtype)
    def ones_like(self, dtype=None): return api.ones_like(self, dtype=dtype)
    def squeeze(self, axis=None): return api.squeeze(self, axis)

    def reshape(self, *shape, ndim=None):
        if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
            shape = shape[0]
        return api.reshape(self, shape, ndim=ndim)

    def __getitem__(self, index):
        from gradlab.tensor.subtensor import getitem
        return getitem(self, index)

    def eval(self, inputs_to_values: Optional[dict] = None, **kwargs: Any) -> np.ndarray:
        """Compute this variable's value, given values for the inputs it needs.

        The compiled function is cached, so evaluating again with new values
        does not recompile.
        """
        from gradlab.compile.eval_cache import evaluate
        return evaluate(self, inputs_to_values or {}, **kwargs)

    def _repr_mimebundle_(self, include=None, exclude=None):
        from gradlab.viz.display import variable_mimebundle
        return variable_mimebundle(self)


class TensorVariable(_TensorOperators, Variable):
    """A symbolic n-dimensional array."""

    def __repr__(self) -> str:
        return Variable.__repr__(self)


class TensorConstant(_TensorOperators, Constant):
    """A tensor whose value is known when the graph is built."""

    def __init__(self, type: TensorType, data: Any, name: Optional[str] = None, weak: bool = False):
        Constant.__init__(self, type, np.asarray(data, dtype=type.dtype), name=name)
        self.data.setflags(write=False)
        self.weak = weak

    @property
    def value(self) -> np.ndarray:
        return self.data

    def __repr__(self) -> str:
        if self.name is not None:
            return self.name
        if self.data.ndim == 0:
            return _format_scalar(self.data)
        return f"TensorConstant({self.data.shape})" if self.data.size > 8 else np.array2string(self.data, separator=", ")

    def signature(self) -> tuple:
        return (self.type, self.weak, self.data.dtype.str, self.data.shape, self.data.tobytes())


def _format_scalar(value: np.ndarray) -> str:
    v = value.item()
    if isinstance(v, float):
        return repr(v) if not v.is_integer() or abs(v) >= 1e16 else f"{v:.1f}"
    return repr(v)


_INT64_MIN, _INT64_MAX = -2**63, 2**63 - 1


def _short_number(value: Any) -> str:
    """A number for an error message: huge integers by their size, not their 10,000 digits."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        return f"{'-' if value < 0 else ''}2**{abs(value).bit_length() - 1}-ish ({abs(value).bit_length()} bits)"
    return repr(value)[:60]


def _float_hint(value: int) -> str:
    try:
        return f"write it as a float ({float(value)!r}) or rescale the computation"
    except OverflowError:
        return "it is too large for float64 as well: rescale the computation"


def constant(value: Any, name: Optional[str] = None, ndim: Optional[int] = None, dtype: Any = None) -> TensorConstant:
    """A TensorConstant holding ``value`` (a number, a list or an array)."""
    weak = isinstance(value, (bool, int, float)) and not isinstance(value, np.generic) and dtype is None
    if dtype is not None:
        try:
            arr = np.asarray(value, dtype=np.dtype(dtype) if dtype != "floatX" else None)
        except OverflowError:
            raise ValueError(f"the value {_short_number(value)} does not fit in {dtype}; "
                             "pick a wider dtype or write the value as a float") from None
    elif isinstance(value, bool):
        arr = np.asarray(value)
    elif isinstance(value, int):
        if not _INT64_MIN <= value <= _INT64_MAX:
            raise ValueError(f"the integer {_short_number(value)} does not fit in int64, the widest integer "
                             f"type (from -2**63 to 2**63-1); {_float_hint(value)}")
        arr = np.asarray(value, dtype="int64")
    elif isinstance(value, float):
        from gradlab.configuration import config
        arr = np.asarray(value, dtype=config.floatX)
    else:
        arr = np.asarray(value)
        if arr.dtype.kind == "f" and arr.dtype.name == "float64" and isinstance(value, (list, tuple)):
            from gradlab.configuration import config
            arr = arr.astype(config.floatX)
    if arr.dtype.kind not in "biufc":
        raise TypeError(f"cannot make a tensor constant from {type(value).__name__} {value!r}"[:200]
                        + "; pass numbers, lists of numbers or numeric arrays")
    if ndim is not None:
        if arr.ndim > ndim:
            squeezable = arr.ndim - ndim
            if all(s == 1 for s in arr.shape[:squeezable]):
                arr = arr.reshape(arr.shape[squeezable:])
            else:
                raise ValueError(f"value of shape {arr.shape} cannot be a {ndim}-d constant")
        while arr.ndim < ndim:
            arr = arr[np.newaxis]
    ttype = TensorType(arr.dtype, arr.shape)
    return TensorConstant(ttype, arr, name=name, weak=weak)


def as_tensor_variable(x: Any, name: Optional[str] = None, ndim: Optional[int] = None, dtype: Any = None) -> Variable:
    """``x`` as a tensor variable: variables pass through, values become constants."""
    if isinstance(x, Variable):
        if not isinstance(x.type, TensorType):
            raise TypeError(f"{x} has type {x.type}, not a tensor type")
        if ndim is not None and x.ndim != ndim:
            if x.ndim < ndim:
                raise ValueError(f"{x} has {x.ndim} dimensions, expected {ndim}")
            raise ValueError(f"{x} has {x.ndim} dimensions, expected {ndim}")
        if dtype is not None and x.dtype != np.dtype(dtype).name:
            return api.cast(x, dtype)
        return x
    if hasattr(x, "owner") and hasattr(x, "type"):
        raise TypeError(f"{x!r} is not a gradlab variable")
    if isinstance(x, (list, tuple)) and any(isinstance(e, Variable) for e in _flatten(x)):
        return api.stack([as_tensor_variable(e) for e in x])
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"cannot turn {type(x).__name__} {x!r} into a tensor; pass a number, a list or an array")
    return constant(x, name=name, ndim=ndim, dtype=dtype)


def _flatten(seq):
    stack = [seq]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        else:
            yield item


as_tensor = as_tensor_variable


# The operators and methods above call the functions of gradlab.tensor (api.add, api.sum …),
# which are built on this module: api imports it, so it is bound here, last, and its functions
# are looked up when an operator runs.
from gradlab.tensor import api  # noqa: E402  (the operators call api, which is built on this module)
