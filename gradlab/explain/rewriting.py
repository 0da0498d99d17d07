"""Origins through rewriting, derived from the rewrite trace.

Compiling clones the user's graph and rewrites the clone step by step; the
trace lists, for every step, the nodes it removed and added and the
variables it replaced.  From it a *derivation* follows: a node a step added
comes from the nodes that step removed (or, when it removed none, from the
matched node), a node that took over a removed node's value (merging,
``x * 1 -> x`` onto an existing node) comes from them too, and so does a node
that now reads the constant or input that replaced a removed value.  The
nodes present before rewriting reached that way, mapped back to the user's
nodes (the clone's memo), are what :meth:`Derivation.replaces` answers: the
user nodes, forward and gradient, whose values a compiled node computes.

**Linear.**  One forward pass over the steps (and the recorder's change
events, in step order) gives every node a *reference*: an initial node, or a
shared :class:`_Group` of references.  A step makes one group for all it
removed, shared by every node it added (no copying: a chain of ``N`` steps
each absorbing the previous result makes ``N`` small groups, not ``N`` sets
of size up to ``N``), and a group of one part is that part.  Building costs
``O(steps' removed + added + replacements + change events)``.  One node's
answer is resolved lazily by a walk of its reference (visited set,
iterative), output-sensitive: every group it visits has two or more parts or
one step, so the walk costs ``O(its user nodes + its steps)`` on an
unshared derivation (shared groups are visited once).  Listing every node's
answer explicitly can itself be quadratic *output*; :meth:`Derivation.representative`
gives each node one user node in constant time, for grouping without listing.
``work`` counts the units spent (parts joined while building, references
visited while answering), so tests can check the growth by counting.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from gradlab.explain.origins import label
from gradlab.explain.text import node_expression
from gradlab.graph.basic import Apply

__all__ = ["Derivation", "derivation", "CompiledNode", "compiled_nodes", "replaces"]


class _Group:
    """A shared reference to several references (nodes or groups), and the step that made it."""

    __slots__ = ("parts", "step")

    def __init__(self, parts: tuple, step: Any = None):
        self.parts = parts
        self.step = step


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
        self.work = 0             # units spent: parts joined while building, references visited answering
        self.user: dict = {}      # initial (cloned) node -> the user's node
        for old, new in (memo or {}).items():
            if new.owner is not None and old.owner is not None and new.owner in self.initial:
                self.user.setdefault(new.owner, old.owner)
        self.origin_ref: dict = {}   # node -> its reference for the nodes it derives from (default: itself)
        self.step_ref: dict = {}     # node -> its reference for the steps whose work it carries (default: none)
        self.primary: dict = {}      # node -> one initial node it derives from (colours pictures)
        steps = rewritten.steps
        absorbing: dict = {}         # step index -> clients that now read a constant/input replacing a removed value
        for event in recorder.events:
            self.work += 1
            if event[1] == "change" and 0 <= event[0] < len(steps) and event[2] != "output" and event[4].owner is None:
                absorbing.setdefault(event[0], []).append(event[2])
        for step in steps:
            self._forward(step, absorbing.get(step.index, ()))

    # -- the forward pass ---------------------------------------------------
    def _join(self, parts: list, step: Any = None) -> Any:
        """One reference for ``parts`` (distinct, ``None`` dropped); a single part without a step is itself."""
        self.work += len(parts)
        unique = tuple({id(p): p for p in parts if p is not None}.values())
        if step is None and len(unique) <= 1:
            return unique[0] if unique else None
        return _Group(unique, step)

    def _forward(self, step: Any, clients: Any) -> None:
        """Give the nodes ``step`` added or made carry a removed node's work their references."""
        origin_ref, step_ref = self.origin_ref, self.step_ref
        sources = list(step.removed) or [step.node]
        made_from = self._join([origin_ref.get(s, s) for s in sources])
        made_by = self._join([step_ref.get(s) for s in sources], step)
        first = self.primary.get(sources[0], sources[0])
        added = set(step.added)
        self.work += len(step.added)
        for node in step.added:
            if node in origin_ref:   # came back: keeps what it had too
                origin_ref[node] = self._join([origin_ref[node], made_from])
                step_ref[node] = self._join([step_ref.get(node), made_by])
            else:
                origin_ref[node], step_ref[node] = made_from, made_by
            self.primary.setdefault(node, first)
        if not step.removed:
            return
        # a node that takes over a removed node's value, or now reads the constant/input that
        # replaced it (constant folding, ``x ** 1 -> x``), carries the removed nodes' work
        removed = set(step.removed)
        takers = [new.owner for _, new in step.replacements if new.owner is not None and new.owner not in added]
        takers += [c for c in clients if c not in removed]
        self.work += len(step.replacements) + len(clients)
        for node in dict.fromkeys(takers):
            origin_ref[node] = self._join([origin_ref.get(node, node), made_from])
            step_ref[node] = self._join([step_ref.get(node), made_by])

    # -- answers --------------------------------------------------------------
    def _resolve(self, ref: Any) -> tuple:
        """``(nodes, steps)`` a reference stands for, each once (iterative walk, visited set)."""
        nodes: list = []
        steps: list = []
        seen: set = set()
        stack = [ref]
        while stack:
            r = stack.pop()
            if r is None or id(r) in seen:
                continue
            seen.add(id(r))
            self.work += 1
            if isinstance(r, _Group):
                if r.step is not None:
                    steps.append(r.step)
                stack.extend(r.parts)
            else:
                nodes.append(r)
        return nodes, steps

    def user_node(self, node: Apply) -> Apply:
        """The user's node an initial (cloned) node copies (itself without a memo)."""
        return self.user.get(node, node)

    def replaces(self, node: Apply) -> list:
        """The user's nodes whose values ``node`` computes (itself, if never rewritten), in graph order."""
        nodes, _ = self._resolve(self.origin_ref.get(node, node))
        return _in_order([self.user_node(n) for n in nodes if n in self.initial])

    def steps_of(self, node: Apply) -> list:
        """The steps whose work ``node`` carries (the rules that made it), oldest first."""
        _, steps = self._resolve(self.step_ref.get(node))
        return sorted(steps, key=lambda s: s.index)

    def representative(self, node: Apply) -> Apply:
        """One user node ``node`` derives from, in constant time (what grouping without listing uses):
        the first node removed by the first step that made it, followed back to before rewriting."""
        return self.user_node(self.primary.get(node, node))

    primary_user_node = representative


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
