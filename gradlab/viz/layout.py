"""Which nodes a picture draws, and their ids.

``resolve_target`` turns what the user passed (a variable, a list, a
FunctionGraph, a compiled function) into outputs and inputs; ``plan`` numbers
the ops in topological order (``n0, n1, …``) and the variables in first-seen
order (``v0, v1, …``), and for a graph with more than ``max_nodes`` ops keeps
the ops nearest the outputs, grouping the others into connected pieces that
are drawn as one summary box each.  All walks are iterative.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

from gradlab.graph.basic import Apply, Constant, Variable
from gradlab.graph.traversal import toposort

#: the default most ops drawn before the rest is collapsed
MAX_NODES = 200
#: the most free inputs of collapsed ops still drawn (the others, and their constants, are counted)
MAX_COLLAPSED_INPUTS = 20
#: pictures with more ops than this draw a leaf read in several places once per use
REPEAT_LEAVES_AFTER = 40


@dataclass
class Target:
    """What to draw: outputs, the inputs that cut the graph, and name aliases."""

    outputs: list
    inputs: list
    aliases: dict = field(default_factory=dict)   #: user's variable -> the graph's copy
    title: Optional[str] = None


def resolve_target(obj: Any, inputs: Optional[Sequence[Variable]] = None) -> Target:
    """A Variable, a list of Variables, a FunctionGraph, a ``Rewritten`` or a
    compiled function, as the outputs and inputs to draw."""
    aliases: dict = {}
    if hasattr(obj, "maker"):                             # a compiled function
        fg = obj.maker.fgraph
        for spec, var in zip(obj.maker.inputs, fg.inputs):
            aliases[spec.variable] = var
        for var in fg.inputs[len(obj.maker.inputs):]:     # shared clones
            aliases[var.tag.get("shared_original", var)] = var
        outs, ins = list(fg.outputs), list(fg.inputs)
    elif hasattr(obj, "graph") and hasattr(obj, "steps"):  # Rewritten
        outs, ins = list(obj.graph.outputs), list(obj.graph.inputs)
    elif hasattr(obj, "apply_nodes") and hasattr(obj, "outputs"):   # FunctionGraph
        outs, ins = list(obj.outputs), list(obj.inputs)
    elif isinstance(obj, Variable):
        outs, ins = [obj], []
    elif isinstance(obj, (list, tuple)) and obj and all(isinstance(v, Variable) for v in obj):
        outs, ins = list(obj), []
    else:
        raise TypeError(f"gradlab.viz.graph needs a variable, a list of variables, a FunctionGraph or a "
                        f"compiled function, got {type(obj).__name__}")
    if inputs is not None:
        ins = [aliases.get(v, v) for v in inputs]
    return Target(outs, ins, aliases)


# ---------------------------------------------------------------------------
@dataclass
class Layout:
    """Which nodes are drawn, with their ids; the rest is collapsed."""

    nodes: list                  #: Apply nodes drawn, topological order
    node_ids: dict               #: Apply -> "n<k>"
    variables: list              #: Variables drawn, in first-seen order
    var_ids: dict                #: Variable -> "v<k>"
    hidden: list = field(default_factory=list)        #: collapsed Apply nodes
    groups: list = field(default_factory=list)        #: (summary id, [Apply]) per collapsed piece
    group_of: dict = field(default_factory=dict)      #: collapsed Apply -> summary id
    total: int = 0
    repeated: set = field(default_factory=set)        #: leaves drawn once per use (large graphs)
    repeats: list = field(default_factory=list)       #: folded runs of a repeated block (``folding.Repeat``)
    folded: list = field(default_factory=list)        #: Apply nodes hidden in those runs
    open_composites: bool = True                      #: fused composites drawn as a cluster of their inner graph
    open_scans: bool = True                           #: a Scan's loop body drawn beside it
    max_nodes: Optional[int] = MAX_NODES              #: the limit this layout was planned with (loop bodies too)
    bundle: bool = False                              #: wide fan-in bundled (see :func:`plan`)


def plan(target: Target, max_nodes: Optional[int] = MAX_NODES, *, fold_repeats: bool = False,
         open_composites: bool = True, open_scans: bool = True, bundle: bool = False) -> Layout:
    """Number the nodes in topological order; collapse beyond ``max_nodes``.

    With ``fold_repeats`` a block of ops repeated several times in a row is
    kept once (``Layout.repeats``) before the limit is applied.  With
    ``bundle`` a drawn op reading many things reads few boxes: the collapsed
    pieces feeding the same drawn op are one summary box, and an unnamed
    result of a collapsed piece is not drawn (its edge runs from the summary
    box to its reader); ``graph.draw`` also bundles an op's constants into
    one box, and the inputs only collapsed ops read into one box per summary."""
    full = toposort(target.outputs, target.inputs)
    repeats: list = []
    folded_set: set = set()
    if fold_repeats:
        from gradlab.viz.folding import find_repeats
        repeats = find_repeats(full, target.outputs)
        folded_set = {n for r in repeats for n in r.hidden}
    order = [n for n in full if n not in folded_set] if folded_set else full
    if max_nodes is not None and len(order) > max_nodes:
        shown_set = _nearest_outputs(order, target.outputs, target.inputs, max(max_nodes, 1), folded_set)
        # a repeat whose drawn step is collapsed is collapsed whole
        repeats = [r for r in repeats if all(n in shown_set for n in r.nodes)]
        folded_set = {n for r in repeats for n in r.hidden}
        shown = [n for n in order if n in shown_set]
        hidden = [n for n in full if n not in shown_set and n not in folded_set]
    else:
        shown, hidden = order, []
    folded = [n for n in full if n in folded_set]
    exits = {v for r in repeats for v, _ in r.exits}
    node_ids = {n: f"n{k}" for k, n in enumerate(shown)}
    groups, group_of = _group(hidden, shown if bundle else ())
    variables: list = []
    seen: set = set()

    def see(var: Variable) -> None:
        if var not in seen:
            seen.add(var)
            variables.append(var)

    for var in target.inputs:
        see(var)
    for node in shown:
        for var in node.inputs:
            if (var.owner is None or var.owner in node_ids or var in target.inputs or var in exits
                    or (var.owner in group_of and not (bundle and var.name is None))):
                see(var)
        for var in node.outputs:
            see(var)
    for var in target.outputs:
        see(var)
    if hidden:
        # free inputs of collapsed ops are drawn (up to a few); their constants are only counted
        free = [v for n in hidden for v in n.inputs if v.owner is None and not isinstance(v, Constant)]
        for var in list(dict.fromkeys(free))[:0 if bundle else MAX_COLLAPSED_INPUTS]:
            see(var)
        feeding_shown = {v for n in shown for v in n.inputs} | set(target.outputs) | set(target.inputs)
        variables = [v for v in variables if v.owner is not None or v in feeding_shown or v in free]
    var_ids = {v: f"v{k}" for k, v in enumerate(variables)}
    layout = Layout(shown, node_ids, variables, var_ids, hidden, groups, group_of, len(full),
                    repeats=repeats, folded=folded,
                    open_composites=open_composites, open_scans=open_scans, max_nodes=max_nodes, bundle=bundle)
    if len(shown) > REPEAT_LEAVES_AFTER:
        layout.repeated = _shared_leaves(layout, target)
    return layout


def _shared_leaves(layout: Layout, target: Target) -> set:
    """Leaves read by several drawn ops or collapsed pieces.  In a large picture
    each use gets its own copy: one input feeding ops all along a long chain
    would otherwise make dot route hundreds of long edges (minutes of layout)."""
    readers: dict = {}
    for node in layout.nodes + layout.hidden:
        reader = layout.node_ids.get(node) or layout.group_of[node]
        for var in node.inputs:
            if var in layout.var_ids and (var.owner is None or var in target.inputs):
                readers.setdefault(var, set()).add(reader)
    return {v for v, r in readers.items() if len(r) > 1 and v not in target.outputs}


def _nearest_outputs(order: list, outputs: list, inputs: list, limit: int, skip: set = frozenset()) -> set:
    """The ``limit`` ops closest to the outputs (breadth first, ties by topological
    position); ops in ``skip`` (folded into a repeat) are walked through, not kept."""
    stop = set(inputs)
    position = {n: k for k, n in enumerate(order)}
    kept: set = set()
    frontier = deque(sorted({o.owner for o in outputs if o.owner is not None and o not in stop},
                            key=lambda n: -position.get(n, 0)))
    seen = set(frontier)
    while frontier and len(kept) < limit:
        node = frontier.popleft()
        if node not in skip:
            kept.add(node)
        parents = sorted({v.owner for v in node.inputs if v.owner is not None and v not in stop},
                         key=lambda n: -position.get(n, 0))
        for parent in parents:
            if parent not in seen:
                seen.add(parent)
                frontier.append(parent)
    return kept


def _group(hidden: list, shown: Sequence[Apply] = ()) -> tuple:
    """Collapsed nodes grouped by connected piece (union-find, iterative);
    pieces read by the same op of ``shown`` count as connected (one box
    feeds that op, however many pieces it reads)."""
    parent = {n: n for n in hidden}

    def root(n: Apply) -> Apply:
        while parent[n] is not n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for node in hidden:
        for var in node.inputs:
            if var.owner is not None and var.owner in parent:
                a, b = root(node), root(var.owner)
                if a is not b:
                    parent[a] = b
    for node in shown:
        pieces = [root(v.owner) for v in node.inputs if v.owner is not None and v.owner in parent]
        for piece in pieces[1:]:
            a, b = root(piece), root(pieces[0])
            if a is not b:
                parent[a] = b
    members: dict = {}
    for node in hidden:                     # topological order: groups ordered by their first node
        members.setdefault(root(node), []).append(node)
    groups = [(f"g{k}", nodes) for k, nodes in enumerate(members.values())]
    group_of = {n: gid for gid, nodes in groups for n in nodes}
    return groups, group_of
