"""Iterative graph walks: ancestors, topological order, cloning.

Every walk uses an explicit stack, so a 100,000-node chain never touches
Python's recursion limit.
"""
from __future__ import annotations

from typing import Callable, Iterable, Mapping, Optional, Sequence

from gradlab.graph.basic import Apply, Constant, Variable


def ancestors(outputs: Iterable[Variable], blockers: Iterable[Variable] = ()) -> list:
    """Every variable the outputs depend on (outputs included), depth-first."""
    stop = set(map(id, blockers))
    seen: set = set()
    order: list = []
    stack = list(outputs)[::-1]
    while stack:
        var = stack.pop()
        if id(var) in seen:
            continue
        seen.add(id(var))
        order.append(var)
        if var.owner is not None and id(var) not in stop:
            stack.extend(reversed(var.owner.inputs))
    return order


def graph_inputs(outputs: Iterable[Variable], blockers: Iterable[Variable] = ()) -> list:
    """The owner-less variables (and blockers) the outputs depend on."""
    stop = set(map(id, blockers))
    return [v for v in ancestors(outputs, blockers) if v.owner is None or id(v) in stop]


def toposort(outputs: Sequence[Variable], inputs: Optional[Sequence[Variable]] = None,
             enter: Optional[Callable[[Variable], bool]] = None) -> list:
    """Apply nodes between ``inputs`` and ``outputs``, each after its producers.

    Inputs (when given) cut the walk: their owners are not visited; so do
    variables for which ``enter(var)`` is False.  The order is deterministic:
    a depth-first post-order following input order.
    """
    stop = set(map(id, inputs or ()))
    if enter is None:
        enter = _always
    done: set = set()
    order: list = []
    # stack of (node, expanded?) pairs
    stack: list = []
    for out in reversed(list(outputs)):
        if out.owner is not None and id(out) not in stop and enter(out):
            stack.append((out.owner, False))
    while stack:
        node, expanded = stack.pop()
        if id(node) in done:
            continue
        if expanded:
            done.add(id(node))
            order.append(node)
            continue
        stack.append((node, True))
        for inp in reversed(node.inputs):
            owner = inp.owner
            if owner is not None and id(inp) not in stop and id(owner) not in done and enter(inp):
                stack.append((owner, False))
    return order


def _always(var: Variable) -> bool:
    return True


def apply_nodes_between(inputs: Sequence[Variable], outputs: Sequence[Variable]) -> list:
    """Alias of :func:`toposort` with the arguments in reading order."""
    return toposort(outputs, inputs)


def variables_of(nodes: Iterable[Apply], outputs: Iterable[Variable] = ()) -> list:
    """All variables touched by ``nodes`` (inputs then outputs), in order, once."""
    seen: set = set()
    result: list = []
    for node in nodes:
        for var in list(node.inputs) + list(node.outputs):
            if id(var) not in seen:
                seen.add(id(var))
                result.append(var)
    for var in outputs:
        if id(var) not in seen:
            seen.add(id(var))
            result.append(var)
    return result


def is_in_ancestors(node: Apply, target: Apply) -> bool:
    """Does ``target`` lie upstream of ``node``?"""
    return any(v.owner is target for v in ancestors(node.inputs))


def clone_graph(outputs: Sequence[Variable], inputs: Optional[Sequence[Variable]] = None,
                replace: Optional[Mapping[Variable, Variable]] = None,
                copy_inputs: bool = False) -> tuple:
    """Copy the graph from ``inputs`` to ``outputs``.

    Returns ``(new_outputs, memo)`` where ``memo`` maps every old variable to
    its copy.  ``replace`` substitutes variables before copying (its values
    are used as-is).  Constants are shared; graph inputs are shared unless
    ``copy_inputs``.
    """
    memo: dict = {}
    for old, new in (replace or {}).items():
        memo[old] = new
    for var in inputs or ():
        if var not in memo:
            memo[var] = var.clone() if copy_inputs else var
    for node in toposort(outputs, list(memo.keys())):
        new_inputs = []
        for inp in node.inputs:
            if inp not in memo:
                memo[inp] = inp.clone() if (copy_inputs and not isinstance(inp, Constant)) else inp
            new_inputs.append(memo[inp])
        new_node = node.clone_with_new_inputs(new_inputs, strict=False)
        if node.origin is not None:
            new_node.origin = node.origin
        for old, new in zip(node.outputs, new_node.outputs):
            new.name = old.name
            new.tag = dict(old.tag)
            memo[old] = new
    new_outputs = []
    for out in outputs:
        if out not in memo:
            memo[out] = out.clone() if (copy_inputs and not isinstance(out, Constant)) else out
        new_outputs.append(memo[out])
    return new_outputs, memo


def clone_replace(outputs, replace: Mapping[Variable, Variable]):
    """The outputs rebuilt with ``replace`` applied (a list in, a list out)."""
    single = isinstance(outputs, Variable)
    outs = [outputs] if single else list(outputs)
    new, _ = clone_graph(outs, replace=dict(replace))
    return new[0] if single else new
