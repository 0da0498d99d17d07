"""TensorType: a dtype and a static shape (``None`` = length unknown).

A length of 1 is broadcastable; any other known length is fixed.  The type
checks and converts values handed to a compiled function (``filter``).
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from gradlab.graph.basic import Type

FLOAT_DTYPES = ("float16", "float32", "float64")
INT_DTYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")
ALL_DTYPES = FLOAT_DTYPES + INT_DTYPES + ("bool", "complex64", "complex128")

# PyTensor's dtype groups (``pytensor.tensor.type``), e.g. ``x.dtype in discrete_dtypes``
float_dtypes = FLOAT_DTYPES
complex_dtypes = ("complex64", "complex128")
int_dtypes = INT_DTYPES[:4]  #: signed integers
uint_dtypes = INT_DTYPES[4:]
integer_dtypes = INT_DTYPES
bool_dtypes = ("bool",)
discrete_dtypes = bool_dtypes + integer_dtypes  #: no derivative (integer outputs have zero gradient)
continuous_dtypes = float_dtypes + complex_dtypes  #: the dtypes gradients have
all_dtypes = discrete_dtypes + continuous_dtypes


_DTYPE_NAMES: dict = {}


def _normalize_dtype(dtype: Any) -> str:
    """The canonical name of a dtype ("float64" for np.float64, "d", float …)."""
    try:
        hit = _DTYPE_NAMES.get(dtype)
    except TypeError:  # unhashable
        hit = None
    if hit is not None:
        return hit
    name = _lookup_dtype(dtype)
    if dtype != "floatX":
        try:
            _DTYPE_NAMES[dtype] = name
        except TypeError:
            pass
    return name


def _lookup_dtype(dtype: Any) -> str:
    if isinstance(dtype, str) and dtype == "floatX":
        from gradlab.configuration import config
        dtype = config.floatX
    try:
        name = np.dtype(dtype).name
    except TypeError as exc:
        raise TypeError(f"unknown dtype {dtype!r}; use one of {', '.join(ALL_DTYPES)}") from exc
    if name not in ALL_DTYPES:
        raise TypeError(f"dtype {name!r} is not supported; use one of {', '.join(ALL_DTYPES)}")
    return name


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:40] + "…" + text[-10:]


def _range(dtype: np.dtype) -> str:
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return f"from {info.min} to {info.max}"
    if dtype.kind == "b":
        return "True or False"
    return f"up to {float(np.finfo(dtype).max)!r}"


class TensorType(Type):
    """The type of an n-dimensional numpy array of one dtype."""

    def __init__(self, dtype: Any, shape: Sequence[Optional[int]] = (), broadcastable: Optional[Sequence[bool]] = None):
        self.dtype = _normalize_dtype(dtype)
        if broadcastable is not None:
            shape = tuple(1 if b else None for b in broadcastable)
        norm = []
        for s in shape:
            if s is None:
                norm.append(None)
            else:
                s = int(s)
                if s < 0:
                    raise ValueError(f"a static length must be >= 0 or None, got {s}")
                norm.append(s)
        self.shape = tuple(norm)

    # -- identity -------------------------------------------------------
    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def broadcastable(self) -> tuple:
        return tuple(s == 1 for s in self.shape)

    @property
    def numpy_dtype(self) -> np.dtype:
        return np.dtype(self.dtype)

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.dtype == other.dtype and self.shape == other.shape

    def __hash__(self) -> int:
        return hash((type(self), self.dtype, self.shape))

    def clone(self, dtype: Any = None, shape: Optional[Sequence[Optional[int]]] = None) -> "TensorType":
        return TensorType(self.dtype if dtype is None else dtype, self.shape if shape is None else shape)

    def __str__(self) -> str:
        if self.ndim == 0:
            return f"Scalar({self.dtype})"
        dims = ", ".join("?" if s is None else str(s) for s in self.shape)
        return f"Tensor({self.dtype}, shape=({dims}{',' if self.ndim == 1 else ''}))"

    __repr__ = __str__

    def is_super(self, other: "TensorType") -> bool:
        """Can every value of ``other`` be a value of this type?"""
        return (isinstance(other, TensorType) and self.dtype == other.dtype and self.ndim == other.ndim
                and all(a is None or a == b for a, b in zip(self.shape, other.shape)))

    def convert_variable(self, var):
        """Accept ``var`` where this type is expected if its type is at least as specific."""
        if var.type == self:
            return var
        if self.is_super(var.type):
            return var
        if isinstance(var.type, TensorType) and var.type.is_super(self):
            from gradlab.tensor.shape_ops import specify_shape
            return specify_shape(var, self.shape)
        return None

    # -- values ---------------------------------------------------------
    def filter(self, data: Any, strict: bool = False, allow_downcast: Optional[bool] = None) -> np.ndarray:
        """Return ``data`` as an array of this type, or raise TypeError/ValueError.

        Upcasts silently (int -> float, float32 -> float64); a downcast that
        could lose precision needs ``allow_downcast=True``.  Python numbers
        (and lists of them) have no fixed precision: they are accepted when
        they fit — a Python float rounded to float32 is fine, one that
        overflows to inf is not, nor an integer that changes (``2**30 + 1`` in
        float32, ``300`` in int8).  ``allow_downcast=False`` accepts only
        exactly representable Python numbers (PyTensor's semantics).
        """
        if isinstance(data, np.ndarray) and data.dtype.name == self.dtype:
            arr = data
        elif strict:
            raise TypeError(f"expected an array of dtype {self.dtype}, got {type(data).__name__}"
                            + (f" of dtype {data.dtype}" if hasattr(data, "dtype") else ""))
        else:
            arr = self._convert(data, allow_downcast)
        if arr.ndim != self.ndim:
            raise TypeError(f"expected {self.ndim} dimension{'s' if self.ndim != 1 else ''} "
                            f"({self}), got {arr.ndim} (shape {arr.shape})")
        for axis, (want, got) in enumerate(zip(self.shape, arr.shape)):
            if want is not None and want != got:
                raise ValueError(f"expected length {want} on axis {axis} ({self}), got shape {arr.shape}")
        return arr

    def _convert(self, data: Any, allow_downcast: Optional[bool]) -> np.ndarray:
        if data.__class__ is complex and self.numpy_dtype.kind != "c":
            raise TypeError(f"expected a real number for {self}, got the complex {data!r}; "
                            "pass its real part (z.real) or declare a complex input (dtype='complex128')")
        if data.__class__ in (float, int) and self.numpy_dtype.kind in "fc":
            try:
                with np.errstate(over="ignore"):
                    arr = np.asarray(data, dtype=self.numpy_dtype)
            except OverflowError:          # an int past float64's range (10**400)
                raise TypeError(f"value {_short(data)} does not fit {self.dtype} ({_range(self.numpy_dtype)}); "
                                "rescale the value") from None
            if allow_downcast or data == arr.item() or data != data:  # exact (or nan)
                return arr
            return self._checked_downcast(np.asarray(data), arr, data, allow_downcast)
        if isinstance(data, (str, bytes)) or data is None:
            raise TypeError(f"expected a number or an array of {self.dtype}, got {type(data).__name__} {data!r}"[:200])
        try:
            arr = np.asarray(data)
        except (ValueError, TypeError, OverflowError) as exc:
            raise TypeError(f"cannot convert {type(data).__name__} to an array of {self.dtype}: {exc}") from exc
        if arr.dtype.kind == "O" and (data.__class__ is int or _huge_ints(arr)):
            data = data if data.__class__ is int else max(_huge_ints(arr), key=abs)
            raise TypeError(f"value {_short(data)} does not fit {self.dtype} ({_range(self.numpy_dtype)}); "
                            f"declare the input with a wider dtype or rescale the value")
        if arr.dtype.kind not in "biufc":
            raise TypeError(f"expected numeric values for {self}, got values of dtype {arr.dtype} "
                            f"({type(data).__name__}); pass numbers or a numeric array")
        if arr.dtype.name == self.dtype:
            return arr
        target = self.numpy_dtype
        if arr.dtype.kind == "c" and target.kind != "c":
            raise TypeError(f"expected real values for {self}, got complex ones ({_short(data)}); "
                            "pass the real part (z.real) or declare a complex input (dtype='complex128')")
        python_scalar = isinstance(data, (bool, int, float, complex)) or (
            isinstance(data, (list, tuple)) and arr.dtype.kind in "biuf" and not isinstance(data, np.ndarray))
        if allow_downcast or np.can_cast(arr.dtype, target, casting="safe"):
            with np.errstate(over="ignore", invalid="ignore"):
                return arr.astype(target)
        if python_scalar:
            # Python numbers carry no precision of their own: accept them if they fit.
            with np.errstate(over="ignore", invalid="ignore"):
                converted = arr.astype(target)
            return self._checked_downcast(arr, converted, data, allow_downcast)
        raise TypeError(f"expected dtype {self.dtype}, got {arr.dtype}: converting would lose precision. "
                        f"Pass values of dtype {self.dtype} (e.g. np.asarray(value, dtype='{self.dtype}')) "
                        "or compile with allow_input_downcast=True")

    def _checked_downcast(self, arr: np.ndarray, converted: np.ndarray, data: Any,
                          allow_downcast: Optional[bool]) -> np.ndarray:
        """``converted`` (``arr`` in this dtype) unless the conversion broke a value.

        Broken: a finite number that overflows to inf, an integer that does not
        survive exactly (``2**30 + 1`` in float32, ``300`` in int8), a fraction
        cut off by an integer dtype.  Rounding a Python float's digits to a
        narrower float is fine, except with ``allow_downcast=False`` (exact only).
        """
        target = self.numpy_dtype
        with np.errstate(invalid="ignore"):
            bad = np.zeros(arr.shape, bool)
            if target.kind in "fc":
                bad = np.isfinite(arr) & ~np.isfinite(converted)
                why = f"overflows {self.dtype} (largest finite {float(np.finfo(target).max)!r})"
            if not np.any(bad) and (target.kind in "iub" or arr.dtype.kind in "iub" or allow_downcast is False):
                bad = ~((converted == arr) | ((arr != arr) & (converted != converted)))
                if target.kind in "iu":
                    why = (f"does not fit {self.dtype} ({_range(target)})" if arr.dtype.kind in "iub"
                           else f"is not a whole number {self.dtype} can hold ({_range(target)})")
                else:
                    why = f"cannot be stored exactly in {self.dtype}"
        if not np.any(bad):
            return converted
        index = tuple(int(i[0]) for i in np.nonzero(bad)) if arr.ndim else ()
        value, became = arr[index].item(), converted[index].item()
        where = f" (entry {list(index)} of the value passed)" if arr.ndim else ""
        raise TypeError(f"value {_short(value)}{where} {why}: it would become {became!r}. Pass a value "
                        f"{self.dtype} can hold, declare the input with a wider dtype, or compile with "
                        "allow_input_downcast=True to convert anyway")

    def value_zeros(self, shape: Sequence[int]) -> np.ndarray:
        return np.zeros(shape, dtype=self.dtype)

    def values_eq_approx(self, a: np.ndarray, b: np.ndarray, rtol: Optional[float] = None) -> bool:
        rtol = rtol if rtol is not None else (1e-4 if self.dtype == "float32" else 1e-7)
        return a.shape == b.shape and np.allclose(a, b, rtol=rtol, atol=rtol, equal_nan=True)

    @property
    def variable_class(self):
        from gradlab.tensor.variable import TensorVariable
        return TensorVariable

    @property
    def constant_class(self):
        from gradlab.tensor.variable import TensorConstant
        return TensorConstant


# -- constructors -------------------------------------------------------
def tensor(dtype: Any = "floatX", shape: Optional[Sequence[Optional[int]]] = None, name: Optional[str] = None,
           ndim: Optional[int] = None) -> "TensorVariable":
    """A new symbolic input of the given dtype and static shape (or ndim)."""
    if isinstance(dtype, str) and shape is None and ndim is None and name is None and dtype not in ALL_DTYPES and dtype != "floatX":
        # tensor("x") style: a name given positionally
        name, dtype = dtype, "floatX"
    if shape is None:
        shape = (None,) * (ndim or 0)
    elif ndim is not None and len(shape) != ndim:
        raise ValueError(f"shape {shape} has {len(shape)} dimensions but ndim={ndim}")
    return TensorType(dtype, shape).make_variable(name)


def _maker(ndim: int, doc: str):
    def make(name: Optional[str] = None, dtype: Any = "floatX", shape: Optional[Sequence[Optional[int]]] = None):
        return tensor(dtype, shape if shape is not None else (None,) * ndim, name=name)
    make.__doc__ = f"A new symbolic {doc} (``{ndim}`` dimensions)."
    return make


scalar = _maker(0, "scalar")
vector = _maker(1, "vector")
matrix = _maker(2, "matrix")
tensor3 = _maker(3, "3-tensor")
tensor4 = _maker(4, "4-tensor")
tensor5 = _maker(5, "5-tensor")

_SHORTHAND_KINDS = ("scalar", "vector", "matrix", "tensor3", "tensor4")  # by number of dimensions


def _shorthand(constructor: str, dtype: str, ndim: int):
    """The constructor called ``constructor`` (``dvector`` …): new variables of ``dtype`` with ``ndim`` dimensions."""
    def make(name: Optional[str] = None, shape: Optional[Sequence[Optional[int]]] = None):
        return tensor(dtype, shape if shape is not None else (None,) * ndim, name=name)
    make.__name__ = make.__qualname__ = constructor
    make.__doc__ = f"A new symbolic {_SHORTHAND_KINDS[ndim]} of dtype {dtype}."
    return make


# PyTensor's dtype shorthands: b int8, w int16, i int32, l int64, f float32, d float64,
# c complex64, z complex128; then scalar (0-d) … tensor4 (4-d)
bscalar = _shorthand("bscalar", "int8", 0)
bvector = _shorthand("bvector", "int8", 1)
bmatrix = _shorthand("bmatrix", "int8", 2)
btensor3 = _shorthand("btensor3", "int8", 3)
btensor4 = _shorthand("btensor4", "int8", 4)
wscalar = _shorthand("wscalar", "int16", 0)
wvector = _shorthand("wvector", "int16", 1)
wmatrix = _shorthand("wmatrix", "int16", 2)
wtensor3 = _shorthand("wtensor3", "int16", 3)
wtensor4 = _shorthand("wtensor4", "int16", 4)
iscalar = _shorthand("iscalar", "int32", 0)
ivector = _shorthand("ivector", "int32", 1)
imatrix = _shorthand("imatrix", "int32", 2)
itensor3 = _shorthand("itensor3", "int32", 3)
itensor4 = _shorthand("itensor4", "int32", 4)
lscalar = _shorthand("lscalar", "int64", 0)
lvector = _shorthand("lvector", "int64", 1)
lmatrix = _shorthand("lmatrix", "int64", 2)
ltensor3 = _shorthand("ltensor3", "int64", 3)
ltensor4 = _shorthand("ltensor4", "int64", 4)
fscalar = _shorthand("fscalar", "float32", 0)
fvector = _shorthand("fvector", "float32", 1)
fmatrix = _shorthand("fmatrix", "float32", 2)
ftensor3 = _shorthand("ftensor3", "float32", 3)
ftensor4 = _shorthand("ftensor4", "float32", 4)
dscalar = _shorthand("dscalar", "float64", 0)
dvector = _shorthand("dvector", "float64", 1)
dmatrix = _shorthand("dmatrix", "float64", 2)
dtensor3 = _shorthand("dtensor3", "float64", 3)
dtensor4 = _shorthand("dtensor4", "float64", 4)
cscalar = _shorthand("cscalar", "complex64", 0)
cvector = _shorthand("cvector", "complex64", 1)
cmatrix = _shorthand("cmatrix", "complex64", 2)
ctensor3 = _shorthand("ctensor3", "complex64", 3)
ctensor4 = _shorthand("ctensor4", "complex64", 4)
zscalar = _shorthand("zscalar", "complex128", 0)
zvector = _shorthand("zvector", "complex128", 1)
zmatrix = _shorthand("zmatrix", "complex128", 2)
ztensor3 = _shorthand("ztensor3", "complex128", 3)
ztensor4 = _shorthand("ztensor4", "complex128", 4)

__shorthand_names__ = ["bscalar", "bvector", "bmatrix", "btensor3", "btensor4", "wscalar", "wvector",
                       "wmatrix", "wtensor3", "wtensor4", "iscalar", "ivector", "imatrix", "itensor3",
                       "itensor4", "lscalar", "lvector", "lmatrix", "ltensor3", "ltensor4", "fscalar",
                       "fvector", "fmatrix", "ftensor3", "ftensor4", "dscalar", "dvector", "dmatrix",
                       "dtensor3", "dtensor4", "cscalar", "cvector", "cmatrix", "ctensor3", "ctensor4",
                       "zscalar", "zvector", "zmatrix", "ztensor3", "ztensor4"]


def _huge_ints(arr: np.ndarray) -> list:
    """The Python ints of an object array of Python numbers (numpy makes one when an
    integer is too large for int64); empty when it holds anything else."""
    values = arr.ravel().tolist()
    if not values or not all(type(v) in (int, float) for v in values):
        return []
    return [v for v in values if type(v) is int]
