"""``Variable.eval``: compile once per (variable, inputs) and cache it."""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Mapping

from gradlab.graph.basic import Variable
from gradlab.graph.traversal import graph_inputs
from gradlab.configuration import config
from gradlab.graph.basic import Constant
from gradlab.tensor.shared import SharedVariable

_CACHE: "OrderedDict[tuple, Any]" = OrderedDict()


def evaluate(var: Variable, inputs_to_values: Mapping[Any, Any], **compile_kwargs: Any) -> Any:
    """The value of ``var`` given values for its inputs (by variable or by name)."""
    from gradlab.compile.function_module import function

    givens = compile_kwargs.get("givens")
    pairs = list(givens.items()) if isinstance(givens, Mapping) else list(givens or ())
    if pairs:  # the inputs are those of the graph after substitution; the cache key lists the pairs
        compile_kwargs = dict(compile_kwargs, givens=tuple(tuple(p) for p in pairs))
    replaced = {p[0] for p in pairs if isinstance(p, (list, tuple)) and len(p) == 2}
    roots = [var] + [p[1] for p in pairs if isinstance(p, (list, tuple)) and len(p) == 2 and isinstance(p[1], Variable)]
    needed = [v for v in graph_inputs(roots, blockers=list(replaced))
              if not isinstance(v, (Constant, SharedVariable)) and v not in replaced]
    by_name = {v.name: v for v in needed if v.name is not None}
    resolved = {}
    for key, value in inputs_to_values.items():
        if isinstance(key, str):
            if key not in by_name:
                raise KeyError(f"eval: no input named {key!r}; the inputs of {var} are "
                               f"{[v.name for v in needed]}")
            key = by_name[key]
        resolved[key] = value
    missing = [v for v in needed if v not in resolved]
    if missing:
        raise ValueError(f"eval: {var} needs values for {', '.join(map(str, missing))}; "
                         "pass them as a dict, e.g. y.eval({x: 2.0})")
    inputs = list(resolved)
    key = (var, tuple(inputs), tuple(sorted(compile_kwargs.items())))
    fn = _CACHE.get(key)
    if fn is None:
        fn = function(inputs, var, on_unused_input="ignore", **compile_kwargs)
        _CACHE[key] = fn
        while len(_CACHE) > config.eval_cache_size:
            _CACHE.popitem(last=False)
    else:
        _CACHE.move_to_end(key)
    return fn(*[resolved[v] for v in inputs])
