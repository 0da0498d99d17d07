"""A graph's inputs as a user meets them: its free inputs, default sample
values for them, the user's ``values`` dict resolved to variables, and a
function compiled over them.  Used by the pictures with numbers
(:mod:`gradlab.viz.backprop_trace`, :mod:`gradlab.viz.values`) and by the widgets."""
from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

import numpy as np

from gradlab.graph.basic import Constant, Variable

#: the value a scalar input gets when the user gives none (not 1: x**2 and 2*x differ at 1.5)
DEFAULT_SCALAR = 1.5


def is_shared(var: Variable) -> bool:
    """Is ``var`` a shared variable (its value lives in its storage)?"""
    return var.owner is None and hasattr(var, "storage")


def free_inputs(outputs: Sequence[Variable]) -> list:
    """The inputs of the graph of ``outputs`` that need a value: not constants, not shared."""
    from gradlab.graph.traversal import graph_inputs
    return [v for v in graph_inputs(list(outputs)) if not isinstance(v, Constant) and not is_shared(v)]


def is_real(var: Variable) -> bool:
    """Does ``var`` hold floating-point numbers (so it can have an adjoint)?"""
    dtype = getattr(var.type, "dtype", None)
    return dtype is not None and np.dtype(dtype).kind == "f"


def default_value(var: Variable) -> Optional[np.ndarray]:
    """A sample value for ``var`` (1.5 for a scalar, 1.5, 1.75, 2, … for an
    array of known shape), or None when its shape is not known."""
    shape = getattr(var.type, "shape", None)
    dtype = getattr(var.type, "dtype", None)
    if shape is None or dtype is None or any(n is None for n in shape):
        return None
    kind = np.dtype(dtype).kind
    if kind == "b":
        return np.ones(shape, dtype=dtype)
    size = int(np.prod(shape)) if shape else 1
    ramp = DEFAULT_SCALAR + 0.25 * np.arange(size) if kind in "fc" else 1 + np.arange(size)
    return np.asarray(ramp.reshape(shape), dtype=dtype)


def resolve(inputs: Sequence[Variable], values: Optional[Mapping], *, fill_defaults: bool = True) -> dict:
    """``{input: value}`` for ``inputs`` from ``values`` (keyed by variable or
    name); inputs missing from ``values`` get :func:`default_value` when
    ``fill_defaults``.  A key that is not an input is an error naming them."""
    by_name = {v.name: v for v in inputs if v.name is not None}
    known = set(inputs)
    resolved: dict = {}
    for key, value in dict(values or {}).items():
        var = by_name.get(key) if isinstance(key, str) else key
        if var is None or var not in known:
            names = ", ".join(v.name or f"<{v.type}>" for v in inputs) or "none"
            raise KeyError(f"values: {key!r} is not an input of this graph; its inputs are ({names}). "
                           "Key the dict by those variables or their names")
        resolved[var] = value
    if fill_defaults:
        for var in inputs:
            if var not in resolved:
                value = default_value(var)
                if value is not None:
                    resolved[var] = value
    return resolved


def missing_values(inputs: Sequence[Variable], resolved: Mapping) -> list:
    """The inputs without a value."""
    return [v for v in inputs if v not in resolved]


def compile_function(inputs: Sequence[Variable], outputs: Any, mode: Any = "FAST_RUN") -> Any:
    """``gradlab.function(inputs, outputs, mode=mode)`` ignoring unused inputs."""
    from gradlab.compile.function_module import function
    return function(list(inputs), outputs, mode=mode, on_unused_input="ignore")


def as_outputs(obj: Any) -> list:
    """A variable or a list of variables as a list (a TypeError naming what was given otherwise)."""
    if isinstance(obj, Variable):
        return [obj]
    if isinstance(obj, (list, tuple)) and obj and all(isinstance(v, Variable) for v in obj):
        return list(obj)
    raise TypeError(f"expected a symbolic variable or a list of them (e.g. gt.grad(x**2, x)), "
                    f"got {type(obj).__name__}")
