"""Where a node of a derivative graph came from: a plain-data record on the node.

The sweeps of reverse and forward mode (``gradient/reverse.py``,
``gradient/forward.py``) and the helpers built on them (``jacobian``,
``hessian``, ``hessian_vector_product``) mark every Apply node they build
with an :class:`Origin`: the forward node whose rule produced it and which
input (reverse) or output (forward) of it, or the seed, or the sum of the
terms reaching a variable.  The record is a frozen dataclass of plain values
and references to nodes of the graph the user built, stored as
``node.origin`` (``None`` on nodes nobody differentiated); cloning a graph
(:func:`gradlab.graph.traversal.clone_graph`) copies it.

Marking is linear: :func:`stamp` walks only the nodes made after a
:func:`mark` (their outputs' ``auto_id`` is larger) that carry no origin yet,
so every node is stamped once and each walk stops at older variables.
``gradlab.explain`` turns the record into words and pictures.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Iterable, Optional

from gradlab.graph.basic import Apply, Variable, _variable_ids

__all__ = ["Origin", "mark", "stamp", "origin_of", "KINDS", "MODES"]

#: what made a node: an op's derivative rule, the seed dC/dC (or a known
#: gradient), the sum of the terms reaching a variable read more than once,
#: or a helper's glue (jacobian's flattening, a policy's zeros)
KINDS = ("rule", "seed", "sum", "helper")
MODES = ("reverse", "forward")


@dataclass(frozen=True)
class Origin:
    """One node's origin (plain data; see the module doc).

    - ``mode``: ``"reverse"`` or ``"forward"``;
    - ``kind``: one of :data:`KINDS`;
    - ``node``: the forward Apply node whose rule (kind ``rule``) made it, whose
      output the seed or sum is for, or (kind ``helper``) the node of the
      expression being differentiated; None when there is none (a graph input);
    - ``input`` / ``output``: which input's term (reverse) or output's tangent
      (forward) the rule was computing;
    - ``variable``: the variable whose adjoint a seed or a sum is;
    - ``number``: the forward node's position in the sweep's topological order
      (``node 3`` in words and pictures);
    - ``readers``: for a sum, the forward nodes whose terms it adds;
    - ``helper``: for kind ``helper``, which function built it (``"jacobian"``).
    """

    mode: str
    kind: str
    node: Optional[Apply] = None
    input: Optional[int] = None
    output: Optional[int] = None
    variable: Optional[Variable] = None
    number: Optional[int] = None
    readers: tuple = ()
    helper: Optional[str] = None

    def remap(self, node_map: Any, variable_map: Any = None) -> "Origin":
        """The same record with its references passed through ``node_map`` (for
        ``node`` and ``readers``) and ``variable_map`` (for ``variable``; default:
        unchanged) — what a flat serializer needs to write references as numbers
        and to read them back (``origin.remap(number.get)``)."""
        vmap = variable_map or (lambda v: v)
        return replace(self, node=None if self.node is None else node_map(self.node),
                       readers=tuple(node_map(r) for r in self.readers),
                       variable=None if self.variable is None else vmap(self.variable))


def mark() -> int:
    """A number larger than every variable's ``auto_id`` made so far."""
    return next(_variable_ids)


def stamp(variables: Iterable[Any], since: int, origin: Origin, through: bool = False) -> int:
    """Give ``origin`` to every node made after ``since`` that computes one of
    ``variables`` or a value they need, and has no origin yet.

    The walk stops at older variables and (unless ``through``) at nodes that
    already have an origin, so the sweeps' many calls visit each new node
    once; ``through=True`` (one call after a helper built its graph) also
    walks on past stamped nodes, once each.  Returns how many it stamped.
    """
    count = 0
    seen: set = set()
    stack = [v for v in variables if isinstance(v, Variable)]
    while stack:
        owner = stack.pop().owner
        if owner is None or not owner.outputs or owner.outputs[0].auto_id <= since:
            continue
        if owner.origin is None:
            owner.origin = origin
            count += 1
        elif not through or id(owner) in seen:
            continue
        seen.add(id(owner))
        stack.extend(owner.inputs)
    return count


def origin_of(item: Any) -> Optional[Origin]:
    """The origin of a variable's node (or of an Apply node), None if it has none."""
    node = item.owner if isinstance(item, Variable) else item
    return getattr(node, "origin", None) if node is not None else None
