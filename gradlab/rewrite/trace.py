"""The rewrite trace: what each step did, as plain data, and a replay.

A :class:`Step` names the rule (and its ``lhs -> rhs``), the matched node,
the nodes removed and added and the variables replaced.  The
:class:`TraceRecorder` listens to the FunctionGraph while the driver works:
it keeps the graph's structure at the start plus a log of every edge change,
so :meth:`Rewritten.graph_at` can rebuild the graph as it was after any step
(for a step-by-step picture) without copying the graph at every step.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Optional

from gradlab.bounded_text import op_text
from gradlab.graph.basic import Apply, Variable
from gradlab.graph.fgraph import FunctionGraph

#: the longest op text in a step's node_text (a fused Composite's formula is cut there)
OP_CHARS = 80


@dataclass
class Step:
    """One applied rewrite."""

    index: int                 #: position in the trace (0-based)
    rule: str                  #: the rule's name, e.g. "mul_by_one"
    pattern_text: str          #: its ``lhs -> rhs``
    rule_set: str              #: the set it came from ("canonicalize", "merge", ...)
    node: Apply                #: the matched node
    node_text: str             #: the matched node as it read then, e.g. "mul(x, 1.0)"
    removed: list = field(default_factory=list)       #: Apply nodes that left the graph
    added: list = field(default_factory=list)         #: Apply nodes that entered it
    replacements: list = field(default_factory=list)  #: (old, new) variable pairs

    def __str__(self) -> str:
        return (f"{self.index}: {self.rule} [{self.rule_set}] {self.pattern_text}  at {self.node_text}"
                f"  (-{len(self.removed)} +{len(self.added)} nodes)")


#: ops whose internal name differs from the one ``pp`` and the pictures show
_SHOWN_NAMES = {"second": "fill"}


def _op_text(op: Any) -> str:
    text = op_text(op, OP_CHARS)
    return _SHOWN_NAMES.get(text, text)


def describe_node(node: Any) -> str:
    """``op(input, ...)`` with the inputs' short names (``fill`` for ``second``, as ``pp`` writes it)."""
    if not isinstance(node, Apply):
        return str(node)
    return f"{_op_text(node.op)}({', '.join(_short(v) for v in node.inputs)})"


def _short(var: Variable) -> str:
    if var.owner is None or var.name is not None:
        return repr(var)
    return f"{_op_text(var.owner.op)}(…)"


class TraceRecorder:
    """A FunctionGraph listener that records the steps and an edge-change log."""

    def __init__(self, fgraph: Any):
        self.fgraph = fgraph
        self.initial_inputs = {node: list(node.inputs) for node in fgraph.apply_nodes}
        self.initial_outputs = list(fgraph.outputs)
        self.graph_inputs = list(fgraph.inputs)
        self.events: list = []          # (step, "import", node, inputs) | (step, "change", client, j, new)
        self.steps: list = []
        self.step_index = -1
        self._removed: list = []
        self._added: list = []

    # -- listener protocol ---------------------------------------------
    def on_import(self, fgraph: Any, node: Apply) -> None:
        self.events.append((self.step_index, "import", node, list(node.inputs)))
        self._added.append(node)

    def on_prune(self, fgraph: Any, node: Apply) -> None:
        self._removed.append(node)

    def on_change_input(self, fgraph: Any, client: Any, j: int, old: Variable, new: Variable,
                        reason: Optional[str]) -> None:
        self.events.append((self.step_index, "change", client, j, new))

    # -- steps -----------------------------------------------------------
    def begin(self) -> None:
        self.step_index = len(self.steps)
        self._removed = []
        self._added = []

    def end(self, rule: Any, rule_set: str, node: Apply, node_text: str, pairs: list) -> Step:
        live = self.fgraph.apply_nodes
        added_set, removed_set = set(self._added), set(self._removed)
        # a node both added and pruned in one step was transient (or came back): not listed
        added = list(dict.fromkeys(n for n in self._added if n in live and n not in removed_set))
        removed = list(dict.fromkeys(n for n in self._removed if n not in live and n not in added_set))
        step = Step(len(self.steps), rule.name, rule.pattern_text, rule_set, node, node_text,
                    removed, added, list(pairs))
        self.steps.append(step)
        return step

    # -- replay ----------------------------------------------------------
    def structure_at(self, k: int) -> tuple:
        """``(inputs_of, outputs)`` of the graph after step ``k`` (-1: before any)."""
        inputs_of = {node: list(ins) for node, ins in self.initial_inputs.items()}
        outputs = list(self.initial_outputs)
        for event in self.events:
            if event[0] > k:
                break
            if event[1] == "import":
                inputs_of[event[2]] = list(event[3])
            else:
                _, _, client, j, new = event
                if client == "output":
                    outputs[j] = new
                else:
                    inputs_of.setdefault(client, list(client.inputs))[j] = new
        return inputs_of, outputs


def rebuild(inputs_of: dict, outputs: list, graph_inputs: list) -> Any:
    """A new FunctionGraph with fresh Apply nodes following ``inputs_of``.

    The result carries ``node_origin`` (new node -> recorded node) and
    ``origin_node`` (the reverse), so a step's ``added``/``removed`` nodes can
    be found in the rebuilt picture.
    """
    memo: dict = {}
    node_origin: dict = {}
    origin_node: dict = {}
    stack = [(out, False) for out in reversed(outputs)]
    while stack:
        var, expanded = stack.pop()
        if var in memo:
            continue
        node = var.owner
        if node is None:
            memo[var] = var
            continue
        ins = inputs_of.get(node)
        if ins is None:
            ins = list(node.inputs)
        if not expanded:
            stack.append((var, True))
            for inp in reversed(ins):
                if inp not in memo:
                    stack.append((inp, False))
            continue
        if node in origin_node:
            continue
        new_outputs = [o.clone() for o in node.outputs]
        for o, c in zip(node.outputs, new_outputs):
            c.tag = dict(o.tag)
        new_node = Apply(node.op, [memo[i] for i in ins], new_outputs)
        new_node.origin = node.origin
        node_origin[new_node] = node
        origin_node[node] = new_node
        for o, c in zip(node.outputs, new_outputs):
            memo[o] = c
    fg = FunctionGraph(graph_inputs, [memo[o] for o in outputs], clone=False)
    fg.node_origin = node_origin
    fg.origin_node = origin_node
    return fg


class StopReason(str, Enum):
    """Why the driver stopped (a str: ``reason == "fixpoint"`` reads as before)."""

    FIXPOINT = "fixpoint"            #: no rule changes anything any more
    STEP_LIMIT = "step limit"        #: ``max_steps`` (``config.max_rewrite_steps``) rewrites were applied
    NO_RULE_SETS = "no rule sets"    #: nothing to apply (mode NO_REWRITE)

    def __str__(self) -> str:
        return self.value

    __format__ = str.__format__


@dataclass
class Rewritten:
    """What the driver returns: the rewritten ``graph``, the ``steps`` and why it stopped."""

    graph: Any
    steps: list
    stop_reason: StopReason
    sets: tuple = ()
    n_steps: int = 0                        #: steps applied (also counted without a trace)
    failures: list = field(default_factory=list)   #: (rule name, node text, error text)
    _recorder: Optional[TraceRecorder] = field(default=None, repr=False)

    def graph_at(self, k: int) -> Any:
        """The graph as it was after step ``k`` (``-1``: before rewriting), rebuilt.

        A new FunctionGraph over the same inputs; ``.origin_node[n]`` finds the
        rebuilt copy of a node listed in ``steps[i].added``/``removed``.
        """
        if self._recorder is None:
            raise ValueError("this rewrite ran with trace=False, so it cannot be replayed; "
                             "call rewrite_graph(..., trace=True)")
        if k < -1 or k >= len(self.steps):
            raise IndexError(f"step {k} is out of range: the trace has {len(self.steps)} steps "
                             f"(use -1 for the graph before rewriting)")
        inputs_of, outputs = self._recorder.structure_at(k)
        return rebuild(inputs_of, outputs, self._recorder.graph_inputs)

    def graph_before(self) -> Any:
        """The graph before any rewrite (same as ``graph_at(-1)``)."""
        return self.graph_at(-1)

    @property
    def outputs(self) -> list:
        return list(self.graph.outputs)

    def rules_used(self) -> list:
        """Rule names in the order they first fired."""
        seen: dict = {}
        for step in self.steps:
            seen.setdefault(step.rule, None)
        return list(seen)

    def summary(self) -> str:
        """One line per step, then why the driver stopped."""
        lines = [str(s) for s in self.steps]
        lines.append(f"{self.n_steps} steps; stopped: {self.stop_reason}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Rewritten({len(self.graph.apply_nodes)} nodes, {self.n_steps} steps, stop_reason={self.stop_reason.value!r})"
