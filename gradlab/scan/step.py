"""What a scan's step function returned, taken apart: its outputs, its
updates of shared variables, its ``until`` condition — and the random draws
it made, rewired to read one generator per step.

- :func:`split_until` / :func:`split_result`: ``fn``'s return value, in any
  of PyTensor's forms (``outputs``, ``(outputs, updates)``, ``(outputs,
  until(c))``, ``(outputs, updates, until(c))``);
- :func:`per_step_generators`: a draw made inside ``fn`` from generator
  ``G`` reads ``step_generator(G, t)`` instead (``t`` the step index), so
  each step gets new numbers and the backward pass recomputes the same ones.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence, Tuple

from gradlab.graph.basic import Variable
from gradlab.graph.traversal import toposort
from gradlab.scan.inner import rebuild_reading
from gradlab.scan.errors import ScanBuildError
from gradlab.tensor.random.op import RandomVariable
from gradlab.tensor.type import TensorType
from gradlab.tensor.variable import as_tensor_variable
from gradlab.tensor.random.derived import step_generator

__all__ = ["split_until", "split_result", "per_step_generators", "random_roots", "as_list"]


def as_list(value: Any) -> list:
    """None -> [], a list/tuple -> a list, anything else -> [it]."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def split_until(result: Any, who: str) -> Tuple[Any, Optional[Variable]]:
    """``fn``'s return value without its ``until`` (the stop condition, or None)."""
    from gradlab.scan.utils import until
    if isinstance(result, until):
        raise ScanBuildError(f"{who}: fn returned only until(...); return the step's outputs with it, "
                             "as (outputs, until(condition))")
    if not isinstance(result, (list, tuple)):
        return result, None
    found = [r for r in result if isinstance(r, until)]
    if not found:
        return result, None
    if len(found) > 1 or not isinstance(result[-1], until):
        raise ScanBuildError(f"{who}: fn must return one until(...), last: (outputs, until(c)) or "
                             "(outputs, updates, until(c))")
    rest = list(result[:-1])
    if len(rest) == 1:
        rest = rest[0] if isinstance(rest[0], (list, tuple, Mapping)) else [rest[0]]
    return rest, found[0].condition


def split_result(result: Any) -> Tuple[list, list]:
    """``fn``'s return value as ``(outputs, update pairs)``."""
    if result is None:
        return [], []
    if isinstance(result, Mapping):
        return [], list(result.items())
    if isinstance(result, (list, tuple)) and len(result) == 2:
        a, b = result
        if isinstance(b, Mapping) and not isinstance(a, Mapping):
            return as_list(a), list(b.items())
        if isinstance(a, Mapping) and not isinstance(b, Mapping):
            return as_list(b), list(a.items())
    if isinstance(result, (list, tuple)):
        return list(result), []
    return [result], []


def random_roots(step_values: Sequence[Variable], first_new: int) -> list:
    """The generators that random draws made inside fn read (owner-less
    generator variables: a RandomStream's or the user's shared ones)."""
    roots: list = []
    for node in toposort(list(step_values), enter=lambda v: v.auto_id >= first_new):
        if not isinstance(node.op, RandomVariable):
            continue
        for var in node.inputs[:1]:
            if var.owner is None and not any(var is r for r in roots):
                roots.append(var)
    return roots


def _advanced_by_a_loop(generator: Variable, value: Variable) -> bool:
    """Is ``value`` ``advance_generator(generator)`` — the move a scan gives a generator its draws read?"""
    from gradlab.tensor.random.derived import AdvanceGenerator
    return value.owner is not None and isinstance(value.owner.op, AdvanceGenerator) and \
        value.owner.inputs[0] is generator


def per_step_generators(values: list, raw_updates: list, condition: Optional[Variable], first_new: int,
                        who: str) -> tuple:
    """``(values, updates, condition, generators, step index)`` with every
    generator ``G`` that draws made inside fn read replaced by
    ``step_generator(G, t)`` (``t``: the returned step-index placeholder, or
    None when fn draws nothing)."""
    # an inner scan's updates of its generators (PyTensor code returns them from the outer step) are
    # the moves this scan makes itself: dropped; any other update of a generator is refused
    raw_updates = [(v, e) for v, e in raw_updates
                   if not (getattr(v, "ndim", 0) is None and e is getattr(v, "default_update", None)
                           and _advanced_by_a_loop(v, e))]
    generators = [v for v, _ in raw_updates if getattr(v, "ndim", 0) is None]
    if generators:
        raise ScanBuildError(f"{who}: fn returns updates of random generators ({', '.join(map(str, generators))}); "
                             "scan moves the generators its draws read on by itself: leave them out of fn's updates")
    tail = [condition] if condition is not None else []
    roots = random_roots(values + [as_tensor_variable(e) for _, e in raw_updates] + tail, first_new)
    if not roots:
        return values, raw_updates, condition, roots, None
    step_index = TensorType("int64", ()).make_variable("t")
    per_step = {g: step_generator(g, step_index) for g in roots}
    rebuilt = rebuild_reading(values + [as_tensor_variable(e) for _, e in raw_updates] + tail, per_step)
    values, rest = rebuilt[:len(values)], rebuilt[len(values):]
    raw_updates = [(v, e) for (v, _), e in zip(raw_updates, rest)]
    if condition is not None:
        condition = rest[-1]
    return values, raw_updates, condition, roots, step_index
