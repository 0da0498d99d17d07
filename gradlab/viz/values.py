"""Numbers on a picture: formatting values, and computing every intermediate
value (the forward pass) and every adjoint ``d cost / d v`` (the backward pass)
of a graph from the values of its inputs.

Both passes compile one function in ``NO_REWRITE`` mode whose outputs are the
variables to show, so the numbers are exactly what the user's graph computes;
the adjoints come from gradlab's own gradient graph (``gradient.grad`` with
every shown variable in ``wrt``), not from a separate implementation.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

import numpy as np

from gradlab.graph.basic import Constant, Variable
from gradlab.viz.inputs import is_shared

#: arrays with at most this many entries are shown in full
SMALL_SIZE = 12


def format_number(x: Any) -> str:
    """A scalar as short text: ``2``, ``0.25``, ``1.234e+05``, ``nan``, ``True``."""
    value = np.asarray(x).item() if not isinstance(x, (bool, int, float)) else x
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, complex):
        return f"{value:.4g}"
    text = f"{value:.4g}"
    return "0" if text == "-0" else text


def format_value(value: Any, small_size: int = SMALL_SIZE) -> list:
    """A value as lines of text: a scalar as a number, a small array in full,
    a large one as its shape with min and max."""
    arr = np.asarray(value)
    if arr.dtype == object:  # not an array of numbers (a random generator): its kind
        return [type(value).__name__]
    if arr.ndim == 0:
        return [format_number(arr)]
    shape = "×".join(str(n) for n in arr.shape)
    if arr.size == 0:
        return [f"shape {shape} (empty)"]
    if arr.size <= small_size:
        text = np.array2string(arr, precision=4, separator=", ", suppress_small=True,
                               formatter=None if arr.dtype.kind not in "f" else {"float_kind": format_number})
        return text.split("\n")
    if arr.dtype.kind in "fc" and np.isnan(arr).all():
        return [f"shape {shape}", "all nan"]
    data = arr.real if arr.dtype.kind == "c" else arr
    return [f"shape {shape}", f"min {format_number(np.nanmin(data))} max {format_number(np.nanmax(data))}"]


def one_line(value: Any) -> str:
    """:func:`format_value` on one line (a small matrix's rows side by side), for captions and tables."""
    lines = format_value(value)
    return lines[0] if len(lines) == 1 else " ".join(line.strip() for line in lines)


# ---------------------------------------------------------------------------
def resolve_values(inputs: Sequence[Variable], values: Mapping[Any, Any], aliases: Mapping[Variable, Variable]
                   ) -> dict:
    """``{graph input: value}`` from the user's dict (keys: variables or names).

    ``aliases`` maps the user's variables to the graph's copies (a compiled
    function's graph is a clone).  Unknown keys are an error naming the inputs.
    """
    by_name = {v.name: v for v in inputs if v.name is not None}
    known = set(inputs)
    resolved: dict = {}
    for key, value in values.items():
        var = aliases.get(key, key) if isinstance(key, Variable) else None
        if isinstance(key, str):
            var = by_name.get(key)
        if var is None or var not in known:
            names = ", ".join(v.name or f"<{v.type}>" for v in inputs)
            raise KeyError(f"values: {key!r} is not an input of this graph; its inputs are ({names}). "
                           "Key the dict by those variables or their names")
        resolved[var] = value
    return resolved


def _needed_inputs(targets: Sequence[Variable], inputs: Sequence[Variable]) -> list:
    from gradlab.graph.traversal import graph_inputs
    stop = set(inputs)
    return [v for v in graph_inputs(targets, blockers=list(inputs))
            if (v in stop or not isinstance(v, Constant)) and not is_shared(v)]


def compute(targets: Sequence[Variable], inputs: Sequence[Variable], values: Mapping[Variable, Any]) -> list:
    """The values of ``targets`` given ``values`` for (some of) ``inputs``.

    ``inputs`` may include variables computed by other nodes (a cut graph):
    they are substituted by free copies before compiling.  One function is
    compiled in ``NO_REWRITE`` mode; constants are read directly.
    """
    from gradlab.compile.function_module import function
    from gradlab.graph.traversal import clone_graph
    targets = list(targets)
    needed = _needed_inputs(targets, inputs)
    missing = [v for v in needed if v not in values]
    if missing:
        names = ", ".join(v.name or f"<{v.type}>" for v in missing)
        raise ValueError(f"values: the graph needs values for {names}; pass them all, "
                         "e.g. values={x: 2.0}")
    computed = [t for t in targets if not isinstance(t, Constant)]
    free = {v: (v.clone() if v.owner is not None else v) for v in needed}
    outs = computed
    if any(v.owner is not None for v in needed):
        outs, _ = clone_graph(computed, replace={v: c for v, c in free.items() if c is not v})
    fn_inputs = [free[v] for v in needed]
    results: list = []
    if outs:
        with np.errstate(all="ignore"):
            if _destroys_inputs(outs, fn_inputs):
                results = _interpret(outs, fn_inputs, [values[v] for v in needed])
            else:
                fn = function(fn_inputs, list(outs), mode="NO_REWRITE", on_unused_input="ignore")
                results = fn(*[values[v] for v in needed])
    by_target = dict(zip(computed, results))
    return [np.asarray(t.data) if isinstance(t, Constant) else by_target[t] for t in targets]


def _destroys_inputs(outputs: Sequence[Variable], inputs: Sequence[Variable]) -> bool:
    from gradlab.graph.traversal import toposort
    return any(getattr(node.op, "destroy_map", None) for node in toposort(list(outputs), list(inputs)))


def _interpret(outputs: Sequence[Variable], inputs: Sequence[Variable], values: Sequence[Any]) -> list:
    """Run the nodes one by one with ``perform``, giving in-place ops a copy of
    what they overwrite, so every intermediate value survives to be shown (a
    compiled graph of in-place ops reuses buffers)."""
    from gradlab.graph.traversal import toposort
    env = {var: var.type.filter(value) for var, value in zip(inputs, values)}
    for var in (v for node in toposort(list(outputs), list(inputs)) for v in node.inputs):
        if var not in env and var.owner is None:
            env[var] = var.storage[0] if is_shared(var) else var.data
    for node in toposort(list(outputs), list(inputs)):
        destroyed = {i for targets in (getattr(node.op, "destroy_map", None) or {}).values() for i in targets}
        args = [np.array(env[v], copy=True) if i in destroyed else env[v] for i, v in enumerate(node.inputs)]
        storage: list = [[None] for _ in node.outputs]
        node.op.perform(node, args, storage)
        for out, cell in zip(node.outputs, storage):
            env[out] = cell[0]
    return [env[o] for o in outputs]


def adjoint_graph(cost: Variable, wrt: Sequence[Variable], inputs: Sequence[Variable]) -> dict:
    """``{v: d cost / d v}`` symbolically for every ``v`` in ``wrt`` that can have one.

    Uses ``gradient.grad`` (disconnected variables get zeros, undefined
    gradients are left out).  ``inputs`` that are computed variables cut the
    graph: nothing upstream of them is differentiated.
    """
    from gradlab.gradient import grad
    from gradlab.graph.gradient_types import NullType
    if getattr(cost, "ndim", None) != 0:
        raise ValueError(f"adjoints=True needs a scalar (0-d) cost, but the output {cost} has "
                         f"{getattr(cost, 'ndim', '?')} dimensions; draw cost = y.sum() (or another scalar)")
    candidates = [v for v in wrt if np.dtype(getattr(v.type, "dtype", "object")).kind in "fc"]
    if not candidates:
        return {}
    cut = [v for v in inputs if v.owner is not None]
    grads = grad(cost, candidates, consider_constant=cut or None, disconnected_inputs="ignore",
                 return_disconnected="zero", null_gradients="return", add_names=False)
    return {v: g for v, g in zip(candidates, grads)
            if g is not None and not isinstance(getattr(g, "type", None), NullType)}


def forward_and_backward(shown: Sequence[Variable], inputs: Sequence[Variable], values: Mapping[Variable, Any],
                         cost: Optional[Variable] = None) -> tuple:
    """``(values, adjoints)``: dicts from the ``shown`` variables to arrays.

    ``adjoints`` is empty unless ``cost`` is given; a variable whose gradient
    is undefined is missing from it.
    """
    shown = list(shown)
    symbolic = adjoint_graph(cost, shown, inputs) if cost is not None else {}
    adj_vars = list(symbolic)
    results = compute(shown + [symbolic[v] for v in adj_vars], inputs, values)
    forward = dict(zip(shown, results[:len(shown)]))
    backward = dict(zip(adj_vars, results[len(shown):]))
    return forward, backward
