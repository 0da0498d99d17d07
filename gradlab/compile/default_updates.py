"""Default updates: a shared variable may carry ``default_update``, the value
it takes after each call of a function that reads it, without the caller
listing it in ``updates`` (PyTensor's convention; random generators use it
to move on after every draw).

``function(..., no_default_updates=True)`` applies none of them; a list of
shared variables skips those only.  An explicit update always wins.
"""
from __future__ import annotations

from typing import Any, List, Sequence

from gradlab.graph.basic import Variable
from gradlab.graph.traversal import graph_inputs

__all__ = ["with_default_updates"]


def with_default_updates(outputs: Sequence[Variable], pairs: List[tuple], no_default_updates: Any = False) -> list:
    """``pairs`` (explicit ``(shared, new value)`` updates) plus the default
    updates of the shared variables the outputs and updates read.  A default
    update may read other shared variables with defaults: followed to the end."""
    if no_default_updates is True:
        return list(pairs)
    skip = {id(v) for v in no_default_updates} if isinstance(no_default_updates, (list, tuple, set)) else set()
    result = list(pairs)
    done = {id(var) for var, _ in pairs}
    frontier = list(outputs) + [expr for _, expr in pairs]
    while frontier:
        found = []
        for var in graph_inputs(frontier):
            update = getattr(var, "default_update", None)
            if update is None or id(var) in done or id(var) in skip:
                continue
            done.add(id(var))
            result.append((var, update))
            found.append(update)
        frontier = found
    return result
