"""Origins through rewriting, derived from the rewrite trace.

Compiling clones the user's graph and rewrites the clone step by step; the
trace lists, for every step, the nodes it removed and added and the
variables it replaced.  From it a *derivation* follows: a node a step added
comes from the nodes that step removed (or, when it removed none, from the
matched node), and a node that took over a removed node's value (merging,
``x * 1 -> x`` onto an existing node) comes from it too.  Walking the
derivation back to the nodes present before rewriting, and those back to the
user's nodes (the clone's memo), gives what :func:`replaces` answers: the
user nodes, forward and gradient, whose values a compiled node computes.

Everything is computed on demand from the trace (compiling records nothing
new); each walk has a visited set, so one answer costs at most the trace.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from gradlab.explain.origins import label
from gradlab.explain.text import node_expression
from gradlab.graph.basic import Apply

__all__ = ["Derivation", "derivation", "CompiledNode", "compiled_nodes", "replaces"]


class Derivation:
    """The derivation of a rewritten graph's nodes (see the module doc)."""

    def __init__(self, rewritten: Any, memo: Optional[dict] = None):
        recorder = getattr(rewritten, "_recorder", None)
        if recorder is None and not rewritten.n_steps:  # nothing was rewritten (mode NO_REWRITE)
            recorder = _Unchanged(rewritten.graph)
        if recorder is None:
            raise ValueError("this graph was rewritten with trace=False, so its nodes' origins are unknown; "
                             "rewrite with trace=True (gradlab.function always keeps its trace)")
        self.rewritten = rewritten
        self.graph = rewritten.graph
        self.initial = set(recorder.initial_inputs)
        self.user: dict = {}      # initial (cloned) node -> the user's node
        for old, new in (memo or {}).items():
            if new.owner is not None and old.owner is not None and new.owner in self.initial:
                self.user.setdefault(new.owner, old.owner)
        self.parents: dict = {}   # node -> the nodes it was derived from
        self.step_of: dict = {}   # node -> the steps that added it or gave it a removed node's work
        self.primary: dict = {}   # node -> one initial node it derives from (colours pictures)
        for step in rewritten.steps:
            sources = list(step.removed) or [step.node]
            first = next((self.primary.get(s, s) for s in sources), None)
            added = set(step.added)
            for node in step.added:
                self.parents.setdefault(node, []).extend(sources)
                self.step_of.setdefault(node, []).append(step)
                self.primary.setdefault(node, first)
            if step.removed:
                for _, new in step.replacements:
                    owner = new.owner
                    if owner is not None and owner not in added:
                        self.parents.setdefault(owner, []).extend(step.removed)
                        self.step_of.setdefault(owner, []).append(step)
        # a removed node whose value became a constant or an input (constant folding,
        # ``x ** 1 -> x``) is absorbed by the nodes that now read that value
        steps = rewritten.steps
        for event in recorder.events:
            if event[1] != "change" or event[0] < 0 or event[0] >= len(steps):
                continue
            _, _, client, _, new = event
            step = steps[event[0]]
            if client != "output" and new.owner is None and step.removed and client not in step.removed:
                self.parents.setdefault(client, []).extend(step.removed)
                self.step_of.setdefault(client, []).append(step)

    def user_node(self, node: Apply) -> Apply:
        """The user's node an initial (cloned) node copies (itself without a memo)."""
        return self.user.get(node, node)

    def _ancestry(self, node: Apply) -> list:
        """``node`` and every node it derives from, each once (iterative)."""
        found: list = []
        seen: set = set()
        stack = [node]
        while stack:
            n = stack.pop()
            if n in seen:
                continue
            seen.add(n)
            found.append(n)
            stack.extend(self.parents.get(n, ()))
        return found

    def replaces(self, node: Apply) -> list:
        """The user's nodes whose values ``node`` computes (itself, if never rewritten), in graph order."""
        return _in_order([self.user_node(n) for n in self._ancestry(node) if n in self.initial])

    def steps_of(self, node: Apply) -> list:
        """The steps whose work ``node`` carries (the rules that made it), oldest first."""
        steps = {step.index: step for n in self._ancestry(node) for step in self.step_of.get(n, ())}
        return [steps[k] for k in sorted(steps)]

    def primary_user_node(self, node: Apply) -> Apply:
        """One user node ``node`` derives from (constant time; what pictures colour by)."""
        return self.user_node(self.primary.get(node, node))


class _NotRewritten:
    """A compiled graph no rule set ran on (mode NO_REWRITE): no steps."""

    def __init__(self, graph: Any):
        self.graph = graph
        self.steps: list = []
        self.n_steps = 0
        self._recorder = None


class _Unchanged:
    """The recorder's fields for a graph no rule touched."""

    def __init__(self, graph: Any):
        self.initial_inputs = {node: list(node.inputs) for node in graph.apply_nodes}
        self.events: list = []


def _in_order(nodes: list) -> list:
    """Nodes sorted by their first output's creation order (graph order for a built graph)."""
    return sorted(nodes, key=lambda n: n.outputs[0].auto_id if n.outputs else -1)


def derivation(item: Any) -> Derivation:
    """The :class:`Derivation` of a compiled function (or of a ``Rewritten``)."""
    maker = getattr(item, "maker", None)
    if maker is not None:
        trace = maker.trace if maker.trace is not None else _NotRewritten(maker.fgraph)
        return Derivation(trace, getattr(maker.fgraph, "memo", None))
    if hasattr(item, "steps") and hasattr(item, "graph"):
        return Derivation(item)
    raise TypeError(f"expected a compiled function (gradlab.function) or a Rewritten, got {type(item).__name__}")


def replaces(f: Any, node: Apply) -> list:
    """The user's nodes a node of ``f``'s compiled graph replaces."""
    return derivation(f).replaces(node)


@dataclass(frozen=True)
class CompiledNode:
    """One node of a compiled graph and where it came from."""

    node: Apply
    text: str
    replaces: tuple          #: the user's nodes it computes
    origins: tuple           #: the distinct labels of their origins ("∂ of exp, node 3", "forward graph")
    rules: tuple             #: the rewrite rules whose steps made it (empty: copied as written)

    def __str__(self) -> str:
        made = f" by {', '.join(self.rules)}" if self.rules else " (as written)"
        return (f"{self.text}: replaces {len(self.replaces)} node{'s' if len(self.replaces) != 1 else ''}{made}; "
                f"from {'; '.join(self.origins)}")


def compiled_nodes(f: Any) -> list:
    """Every node of ``f``'s compiled graph, in run order, with what it replaces."""
    found = derivation(f)
    result = []
    for node in found.graph.toposort():
        users = found.replaces(node)
        origins = tuple(dict.fromkeys(label(u.origin) for u in users))
        rules = tuple(dict.fromkeys(s.rule for s in found.steps_of(node)))
        result.append(CompiledNode(node, node_expression(node, 2), tuple(users), origins, rules))
    return result
