"""Assemble a Scan node from an inner graph: find the values the loop reads
from outside, hoist what does not change between steps, drop what is unused.

Used by the builder (``scan``), the gradient and the R-operator alike, so
every Scan node is built one way.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, NamedTuple, Optional, Sequence, Tuple

from gradlab.graph.basic import Constant, Variable
from gradlab.graph.traversal import ancestors, clone_graph, clone_replace, toposort
from gradlab.printing import pp


class SeqRead(NamedTuple):
    """A sequence the loop reads: step ``t`` sees ``outer[t + offset]`` as each tap's placeholder."""
    outer: Variable
    taps: List[Tuple[int, Variable]]
    label: str


class Carried(NamedTuple):
    """A value carried from step to step: ``placeholder`` holds it at ``t - 1``
    (``init`` before the first step), ``update`` computes it at ``t``; with
    ``keep_trace`` the loop returns every step's value, else the last."""
    init: Variable
    placeholder: Variable
    update: Variable
    keep_trace: bool
    label: str


class Mapped(NamedTuple):
    """A value computed at every step and returned for every step."""
    value: Variable
    label: str


@dataclass
class LoopParts:
    """An inner graph with its outer counterparts, before it becomes a node:
    ``seqs`` (:class:`SeqRead`), ``states`` (:class:`Carried`), ``maps``
    (:class:`Mapped`) and ``nonseqs`` ``(outer value, placeholder)``.  Inner
    values may also read variables that are neither (closures):
    :func:`build_scan` turns them into non-sequences.
    """

    n_steps: Variable
    seqs: list = field(default_factory=list)
    states: list = field(default_factory=list)
    maps: list = field(default_factory=list)
    nonseqs: list = field(default_factory=list)
    strict_lengths: bool = False
    name: Optional[str] = None
    truncate_gradient: int = -1
    as_while: bool = False  # the last map is an ``until`` condition (see ScanSpec)


def _label_for(expr: Variable) -> Optional[str]:
    """A readable name for the placeholder of a hoisted value (its name, or
    its short formula)."""
    if expr.name:
        return expr.name
    if expr.owner is None or not _small(expr, 24):
        return None
    try:
        text = pp(expr)
    except Exception:  # noqa: BLE001 - a label is a nicety
        return None
    return text if len(text) <= 40 else None


def _small(expr: Variable, limit: int) -> bool:
    """Does ``expr``'s graph have at most ``limit`` variables? (stops counting early)"""
    seen: set = set()
    stack = [expr]
    while stack:
        v = stack.pop()
        if id(v) in seen:
            continue
        seen.add(id(v))
        if len(seen) > limit:
            return False
        if v.owner is not None:
            stack.extend(v.owner.inputs)
    return True


def _nodes_above(outputs: Sequence[Variable], stop: set, older_than: int) -> list:
    """The apply nodes between ``outputs`` and the ``stop`` variables (ids),
    producers first, not entering variables created before ``older_than`` (an
    older variable cannot depend on the loop's placeholders)."""
    return toposort(outputs, enter=lambda v: id(v) not in stop and v.auto_id >= older_than)


def externalize(varying: Sequence[Variable], nonseq_pairs: Sequence[tuple], outputs: Sequence[Variable]) -> tuple:
    """Move everything the loop computes from outside values only out of it.

    ``varying`` are the placeholders that change every step; ``nonseq_pairs``
    ``(outer value, placeholder)`` the ones that do not.  Every variable the
    outputs read that does not depend on ``varying`` — a closure over an
    outer variable, a shared variable, ``2 * W`` built from a non-sequence —
    becomes a non-sequence placeholder, its outer value computed once
    before the loop.  Returns ``(new outputs, [(outer value, placeholder)])``
    with only the non-sequences still read.
    """
    varying_ids = {id(v) for v in varying}
    ns_outer = {id(ph): outer for outer, ph in nonseq_pairs}
    depends: dict = {id(v): True for v in varying}
    stop = set(varying_ids) | set(ns_outer)
    oldest = min((v.auto_id for v in varying), default=None)
    if oldest is None:
        order = toposort(list(outputs), list(varying) + [ph for _, ph in nonseq_pairs])
    else:
        order = _nodes_above(outputs, stop, oldest)
    for node in order:
        flag = any(depends.get(id(v), False) for v in node.inputs)
        for out in node.outputs:
            depends[id(out)] = flag
    candidates: list = []
    seen: set = set()

    def consider(v: Variable) -> None:
        if depends.get(id(v), False) or isinstance(v, Constant) or id(v) in seen:
            return
        seen.add(id(v))
        candidates.append(v)

    for node in order:
        if depends[id(node.outputs[0])] or any(depends.get(id(o), False) for o in node.outputs):
            for v in node.inputs:
                consider(v)
    for v in outputs:
        consider(v)
    pairs: list = []
    replace: dict = {}
    outer_of_ph = {}
    for v in candidates:
        if id(v) in ns_outer:  # already a non-sequence placeholder
            pairs.append((ns_outer[id(v)], v))
            continue
        if id(v) in varying_ids:
            continue
        ph = v.type.make_variable(_label_for(v) or f"outer{len(pairs)}")
        replace[v] = ph
        outer_of_ph[id(ph)] = v
        pairs.append((v, ph))
    new_outputs = clone_replace(list(outputs), replace) if replace else list(outputs)
    # the outer values of hoisted expressions are written in terms of outer variables
    # (only what reads a non-sequence placeholder is rebuilt: see rebuild_reading)
    to_outer = {ph: outer for outer, ph in nonseq_pairs}
    hoisted = [outer for outer, ph in pairs if id(ph) in outer_of_ph]
    rebuilt = iter(rebuild_reading(hoisted, to_outer) if (hoisted and to_outer) else hoisted)
    final_pairs = [(next(rebuilt) if id(ph) in outer_of_ph else outer, ph) for outer, ph in pairs]
    return new_outputs, final_pairs


def rebuild_reading(values: Sequence[Variable], replace: dict) -> List[Variable]:
    """``clone_replace(values, replace)`` that keeps every variable not
    reading a replaced one as it is — the user's own ``specify_shape(W, ...)``
    stays the variable the loop reads, so a derivative with respect to it
    finds the loop (a plain clone would read a copy of it)."""
    targets = {id(v) for v in replace}
    reads: dict = {}
    order = toposort(list(values))
    for node in order:
        flag = any(reads.get(id(v), id(v) in targets) for v in node.inputs)
        for out in node.outputs:
            reads[id(out)] = flag
    kept = [v for node in order for v in node.outputs if not reads[id(v)]]
    new, _ = clone_graph(list(values), inputs=kept, replace=replace)
    return new


def build_scan(parts: LoopParts) -> List[Variable]:
    """The outputs of a Scan node built from ``parts`` (states first, then maps)."""
    from gradlab.scan.op import Scan, ScanSpec
    varying = [ph for seq in parts.seqs for _, ph in seq.taps] + [c.placeholder for c in parts.states]
    outputs = [c.update for c in parts.states] + [m.value for m in parts.maps]
    outputs, nonseqs = externalize(varying, parts.nonseqs, outputs)
    if parts.strict_lengths:
        # every sequence keeps its taps: together they define the number of steps and the length checks
        seqs = list(parts.seqs)
    else:
        used = {id(v) for v in ancestors(outputs, varying + [ph for _, ph in nonseqs])}
        seqs = []
        for outer, taps, label in parts.seqs:
            kept = [(o, ph) for o, ph in taps if id(ph) in used]
            if kept:
                seqs.append((outer, kept, label))
    # shift each sequence's offsets to start at 0 (dropping unused leading taps)
    shifted = []
    n_steps = parts.n_steps
    for k, (outer, taps, label) in enumerate(seqs):
        lo = min(o for o, _ in taps)
        if lo:
            outer = outer[lo:]
        shifted.append((outer, [(o - lo, ph) for o, ph in taps], label))
    inner_inputs = [ph for _, taps, _ in shifted for _, ph in taps] + [c.placeholder for c in parts.states] + \
        [ph for _, ph in nonseqs]
    spec = ScanSpec(seq_taps=tuple(tuple(o for o, _ in taps) for _, taps, _ in shifted),
                    keep_trace=tuple(bool(c.keep_trace) for c in parts.states), n_maps=len(parts.maps),
                    n_nonseqs=len(nonseqs), strict_lengths=parts.strict_lengths and bool(shifted),
                    seq_labels=tuple(label for _, _, label in shifted),
                    state_labels=tuple(c.label for c in parts.states), map_labels=tuple(m.label for m in parts.maps),
                    name=parts.name, truncate_gradient=parts.truncate_gradient, as_while=parts.as_while)
    op = Scan(inner_inputs, outputs, spec)
    outer_inputs = [s[0] for s in shifted] + [c.init for c in parts.states] + [outer for outer, _ in nonseqs]
    node = op.make_node(n_steps, *outer_inputs)
    return list(node.outputs)
