"""The index structure shared by the indexing ops, and reading numpy index
expressions into it.

An op's ``idx_list`` holds Python ints and :class:`SliceSpec` entries with
literal bounds as they are; symbolic parts are the placeholders :data:`SYM`
(an integer scalar input) and :data:`ADV` (an integer or boolean array
input), filled in order from the op's extra inputs.  Also here: the length
of a slice, statically (ints) and symbolically (a small graph).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Optional, Sequence

import numpy as np

from gradlab.graph.basic import Variable
from gradlab.tensor.shape_ops import describe
from gradlab.tensor.variable import TensorConstant, as_tensor_variable, constant
from gradlab.tensor.math import gt, lt, maximum, minimum, switch


# -- the index structure ----------------------------------------------------
class _Placeholder:
    """Marks an ``idx_list`` entry whose value is the op's next index input."""

    __slots__ = ("kind",)

    def __init__(self, kind: str):
        self.kind = kind

    def __repr__(self) -> str:
        return "SYM" if self.kind == "i" else "ADV"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Placeholder) and other.kind == self.kind

    def __hash__(self) -> int:
        return hash(("gradlab.subtensor.placeholder", self.kind))

    def __reduce__(self):
        return (_Placeholder, (self.kind,))


#: an integer scalar input (basic index or slice bound)
SYM = _Placeholder("i")
#: an integer or boolean array input (advanced index)
ADV = _Placeholder("array")


@dataclass(frozen=True)
class SliceSpec:
    """A slice in ``idx_list``: each bound is None, a Python int, or :data:`SYM`."""

    start: Any = None
    stop: Any = None
    step: Any = None

    def __str__(self) -> str:
        def part(v: Any, name: str) -> str:
            return "" if v is None else (name if v == SYM else str(v))
        text = f"{part(self.start, 'start')}:{part(self.stop, 'stop')}"
        return text + (f":{part(self.step, 'step')}" if self.step is not None else "")


def format_idx_list(idx_list: Sequence[Any]) -> str:
    """``i, 1:, ::-1`` — how an op shows its index (``i`` marks a symbolic int)."""
    parts = []
    for e in idx_list:
        if isinstance(e, SliceSpec):
            parts.append(str(e))
        elif isinstance(e, _Placeholder):
            parts.append(e.kind)
        else:
            parts.append(str(e))
    return ", ".join(parts)


def count_inputs(idx_list: Sequence[Any]) -> int:
    """How many scalar/array inputs fill the placeholders of ``idx_list``."""
    n = 0
    for e in idx_list:
        if isinstance(e, SliceSpec):
            n += sum(1 for v in (e.start, e.stop, e.step) if v == SYM)
        elif isinstance(e, _Placeholder):
            n += 1
    return n


def index_tuple(idx_list: Sequence[Any], values: Iterator[Any]) -> tuple:
    """The numpy index for ``idx_list``, placeholders taken from ``values`` in order."""
    out = []
    for e in idx_list:
        if isinstance(e, SliceSpec):
            out.append(slice(*(next(values) if v == SYM else v for v in (e.start, e.stop, e.step))))
        elif isinstance(e, _Placeholder):
            out.append(next(values))
        else:
            out.append(e)
    return tuple(out)


def index_source(idx_list: Sequence[Any], names: Sequence[str]) -> str:
    """Python source of the numpy index, placeholders read from the variables ``names``."""
    it = iter(names)
    parts = []
    for e in idx_list:
        if isinstance(e, SliceSpec):
            bounds = ["" if v is None else (next(it) if v == SYM else repr(v)) for v in (e.start, e.stop, e.step)]
            parts.append(":".join(bounds[:2]) + (f":{bounds[2]}" if e.step is not None else ""))
        elif isinstance(e, _Placeholder):
            parts.append(next(it))
        else:
            parts.append(repr(e))
    return ", ".join(parts + ["..."])


# -- static and symbolic lengths of slices ------------------------------------
def slice_static_length(spec: SliceSpec, n: Optional[int]) -> Optional[int]:
    """The length of ``x[spec]`` on an axis of static length ``n`` when known statically."""
    bounds = (spec.start, spec.stop, spec.step)
    if spec.step is not None and spec.step != SYM and spec.start is None and spec.stop is None \
            and abs(spec.step) == 1:
        return n
    if n is None or any(v == SYM for v in bounds):
        return None
    return len(range(*slice(*bounds).indices(n)))


def _is_py(*vs: Any) -> bool:
    return all(isinstance(v, (int, np.integer)) for v in vs)


def _canon(v: Any, n: Any, lo: Any, hi: Any) -> Any:
    """Python's clipping of a slice bound: ``v < 0 -> max(v + n, lo)``, else ``min(v, hi)``."""
    if _is_py(v, n, lo, hi):
        return max(v + n, lo) if v < 0 else min(v, hi)
    if _is_py(v):
        return maximum(v + n, lo) if v < 0 else minimum(v, hi)
    return switch(lt(v, 0), maximum(v + n, lo), minimum(v, hi))


def slice_length(start: Any, stop: Any, step: Any, n: Any) -> Any:
    """``len(range(*slice(start, stop, step).indices(n)))``, symbolically where needed."""
    if _is_py(n) and all(v is None or _is_py(v) for v in (start, stop, step)):
        return len(range(*slice(start, stop, step).indices(n)))
    step = 1 if step is None else step

    def forward(step_: Any) -> Any:
        lo = 0 if start is None else _canon(start, n, 0, n)
        hi = n if stop is None else _canon(stop, n, 0, n)
        return (hi - lo + step_ - 1) // step_

    def backward(step_: Any) -> Any:
        lo = n - 1 if start is None else _canon(start, n, -1, n - 1)
        hi = -1 if stop is None else _canon(stop, n, -1, n - 1)
        return (lo - hi - step_ - 1) // (-step_)

    if _is_py(step):
        raw = forward(step) if step > 0 else backward(step)
    else:
        raw = switch(gt(step, 0), forward(step), backward(step))
    return raw if _is_py(raw) else maximum(raw, 0)


# -- reading an index -----------------------------------------------------------
def _slice_bound(v: Any, what: str, x: Variable) -> Any:
    if v is None:
        return None
    if isinstance(v, (bool, np.bool_)):
        raise TypeError(f"slice {what} of the index into {describe(x)} must be an integer, got {v!r}")
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        raise TypeError(f"slice {what} of the index into {describe(x)} must be an integer, got the float {v!r}")
    var = as_tensor_variable(v)
    if var.ndim != 0 or np.dtype(var.dtype).kind not in "iu":
        raise TypeError(f"slice {what} of the index into {describe(x)} must be an integer scalar, got "
                        f"{describe(var)}")
    if isinstance(var, TensorConstant):
        return int(var.data)
    return var


def parse_index(x: Variable, index: Any) -> list:
    """Classify the entries of a numpy index into ``x``, with ``...`` expanded.

    Entries: ``("int", i)``, ``("sym", scalar)``, ``("slice", (start, stop,
    step))``, ``("new",)``, ``("adv", int_array)``, ``("mask", bool_array)``.
    """
    raw = index if isinstance(index, tuple) else (index,)
    entries: list = []
    for e in raw:
        if e is None:
            entries.append(("new",))
        elif e is Ellipsis:
            entries.append(("ellipsis",))
        elif isinstance(e, slice):
            bounds = tuple(_slice_bound(v, w, x) for v, w in zip((e.start, e.stop, e.step), ("start", "stop", "step")))
            if bounds[2] == 0:
                raise ValueError(f"slice step cannot be zero (indexing {describe(x)})")
            entries.append(("slice", bounds))
        elif isinstance(e, (bool, np.bool_)):
            raise TypeError(f"a boolean scalar cannot index {describe(x)}; use a boolean array of x's shape")
        elif isinstance(e, (int, np.integer)):
            entries.append(("int", int(e)))
        elif isinstance(e, (float, np.floating, complex, str, bytes)):
            raise TypeError(f"only integers, slices (`:`), ellipsis (`...`), newaxis (`None`) and integer or "
                            f"boolean arrays are valid indices; got {e!r} indexing {describe(x)}")
        else:
            if isinstance(e, (list, tuple)) and len(e) == 0:
                var = constant(np.zeros(0, dtype="int64"))
            else:
                var = as_tensor_variable(e)
            kind = np.dtype(var.dtype).kind
            if kind not in "biu":
                raise TypeError(f"indices into {describe(x)} must be integers or booleans, got {describe(var)}; "
                                "cast it with gt.cast(..., 'int64')")
            if var.ndim == 0 and kind == "b":
                raise TypeError(f"a boolean scalar cannot index {describe(x)}; use a boolean array of x's shape")
            if var.ndim == 0:
                entries.append(("int", int(var.data)) if isinstance(var, TensorConstant) else ("sym", var))
            else:
                entries.append(("mask" if kind == "b" else "adv", var))
    ellipses = [i for i, e in enumerate(entries) if e[0] == "ellipsis"]
    if len(ellipses) > 1:
        raise IndexError(f"an index can only have a single ellipsis ('...'); indexing {describe(x)}")
    used = sum(e[1].ndim if e[0] == "mask" else 1 for e in entries if e[0] not in ("new", "ellipsis"))
    if used > x.ndim:
        raise IndexError(f"too many indices for {describe(x)}: it has {x.ndim} dimension"
                         f"{'s' if x.ndim != 1 else ''} but {used} were indexed")
    if ellipses:
        pos = ellipses[0]
        entries[pos:pos + 1] = [("slice", (None, None, None))] * (x.ndim - used)
    return entries


def check_int_in_range(x: Variable, axis: int, i: int) -> None:
    """Raise IndexError when the literal index ``i`` is outside axis ``axis`` of static length."""
    n = x.type.shape[axis]
    if n is not None and not -n <= i < n:
        raise IndexError(f"index {i} is out of bounds for axis {axis} of {describe(x)}, which has length {n} "
                         f"(valid indices: {-n}..{n - 1})" if n else
                         f"index {i} is out of bounds for axis {axis} of {describe(x)}, which is empty")


def basic_idx_list(entries: Sequence[tuple]) -> tuple:
    """``(idx_list, scalar_inputs)`` of basic entries (ints, symbolic ints, slices)."""
    idx_list: list = []
    inputs: list = []
    for e in entries:
        if e[0] == "int":
            idx_list.append(e[1])
        elif e[0] == "sym":
            idx_list.append(SYM)
            inputs.append(e[1])
        elif e[0] == "slice":
            parts = []
            for v in e[1]:
                if isinstance(v, Variable):
                    parts.append(SYM)
                    inputs.append(v)
                else:
                    parts.append(v)
            idx_list.append(SliceSpec(*parts))
        else:  # pragma: no cover - the caller filters
            raise ValueError(f"not a basic index entry: {e}")
    return tuple(idx_list), inputs
