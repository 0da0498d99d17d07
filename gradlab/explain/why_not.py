"""``why_not(f, rule)``: for every node a rule tracks, did it fire, and if not, why.

The rewrite is run again on a copy of the graph as it was before rewriting
(a compiled function's, rebuilt from its trace, or the outputs' graph), with
the same rule sets, the one rule watched: each time the driver offers it a
node, the watcher asks the rule, and when the rule returns nothing it writes
down why *then*, on the graph as it was (:func:`gradlab.explain.refusals.refusal`).
The trace of that run says the rest: the steps where the rule fired (what
replaced the node), and the nodes another rule rewrote before this one was
asked (which rule, in which phase — canonicalize silently taking a node
stabilize wanted is the classic).  Merging is explained once over the final
graph (two equal ops whose inputs differ in one place).

The run costs one more compile; nothing is recorded while compiling normally.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional, Union

from gradlab.explain.near_miss import left_sides, pattern_miss
from gradlab.explain.refusals import NEAR_MISS, REFUSED, merge_near_misses, refusal
from gradlab.explain.text import expression, node_expression
from gradlab.graph.basic import Variable
from gradlab.compile.rule_sets import MODE_SETS, RULE_SETS
from gradlab.rewrite.driver import ALWAYS, _tracks, rewrite_fgraph, rewrite_graph
from gradlab.rewrite.rule import Rule, RuleSet

__all__ = ["why_not", "WhyNot", "Verdict", "find_rule", "FIRED", "NEAR_MISS", "REFUSED", "FIRST", "DROPPED",
           "ABSORBED", "NOT_TRIED"]

FIRED = "fired"
FIRST = "rewritten first"
DROPPED = "dropped"
ABSORBED = "absorbed"
NOT_TRIED = "not tried"

#: how each verdict is highlighted in a picture (viz highlight kinds)
HIGHLIGHT = {FIRED: "fired", ABSORBED: "fired", NEAR_MISS: "near_miss", REFUSED: "near_miss", FIRST: "taken",
             DROPPED: "taken"}


@dataclass
class Verdict:
    """What happened to one node the rule tracks."""

    node: Any
    text: str               #: the node as an expression
    status: str             #: FIRED, ABSORBED, NEAR_MISS, REFUSED, FIRST, DROPPED or NOT_TRIED
    reason: str             #: the explanation in words
    step: Optional[int] = None     #: the step that fired (FIRED) or rewrote it first (FIRST)
    by_rule: Optional[str] = None  #: FIRST: the rule that got there first
    phase: Optional[str] = None    #: FIRST: that rule's set

    def __str__(self) -> str:
        return f"{self.status}: {self.text}: {self.reason}"


@dataclass
class WhyNot:
    """The answer of :func:`why_not`: one :class:`Verdict` per tracked node, in graph order."""

    rule: Rule
    rule_set: str
    verdicts: list
    rewritten: Any = field(repr=False, default=None)

    def of(self, status: str) -> list:
        return [v for v in self.verdicts if v.status == status]

    @property
    def fired(self) -> list:
        return self.of(FIRED)

    @property
    def near_misses(self) -> list:
        return self.of(NEAR_MISS) + self.of(REFUSED)

    def graph_before(self) -> Any:
        """The graph before rewriting (rebuilt), and ``{node of it: highlight kind}``."""
        before = self.rewritten.graph_at(-1)
        marks = {}
        for v in self.verdicts:
            copy = before.origin_node.get(v.node)
            if copy is not None and v.status in HIGHLIGHT:
                marks[copy] = HIGHLIGHT[v.status]
        return before, marks

    def __str__(self) -> str:
        absorbed = len(self.of(ABSORBED))
        taken = f" ({absorbed} more taken into its rewrites)" if absorbed else ""
        head = (f"{self.rule.name} [{self.rule_set}] {self.rule.pattern_text}: {len(self.fired)} fired{taken}, "
                f"{len(self.verdicts) - len(self.fired) - absorbed} did not, of {len(self.verdicts)} nodes it tracks")
        return "\n".join([head] + [f"  {v}" for v in self.verdicts])

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(str(self))


def find_rule(rule: Union[str, Rule]) -> tuple:
    """``(rule, set name)`` for a rule or its name (the first set that lists it)."""
    names = []
    for set_name, rs in RULE_SETS.items():
        for r in rs.rules:
            names.append(r.name)
            if r is rule or r.name == rule:
                return r, set_name
    raise ValueError(f"why_not: there is no rule {rule!r}; the rules are {', '.join(sorted(set(names)))}")


class _Watched(Rule):
    """The rule, asked as the driver asks it, writing down every refusal."""

    def __init__(self, rule: Rule, notes: dict):
        super().__init__(rule.name, rule.doc, rule.pattern_text, rule.tracks, rule.transform)
        self.inner = rule
        self.notes = notes

    def transform(self, fgraph: Any, node: Any) -> Any:
        result = self.inner.transform(fgraph, node)
        if result is None or (isinstance(result, (list, dict)) and not _changes(node, result)):
            self.notes[node] = refusal(self.inner, fgraph, node)
        else:
            self.notes.pop(node, None)
        return result


def _changes(node: Any, result: Any) -> bool:
    pairs = result.items() if isinstance(result, dict) else zip(node.outputs, result)
    return any(new is not None and new is not old for old, new in pairs)


def _swapped(sets: tuple, rule: Rule, watched: Rule) -> list:
    out = []
    for item in sets:
        rs = RULE_SETS[item] if isinstance(item, str) else item
        if any(r is rule for r in rs.rules):
            rs = RuleSet(rs.name, [watched if r is rule else r for r in rs.rules], rs.doc, rs.consumers_first)
        out.append(rs)
    return out


def _start(function_or_outputs: Any, mode: Optional[str]) -> tuple:
    """``(fgraph to rewrite, sets)``: a fresh copy of the graph before rewriting."""
    maker = getattr(function_or_outputs, "maker", None)
    if maker is not None:
        return maker.trace.graph_at(-1), tuple(maker.mode.sets)
    sets = MODE_SETS[mode or "FAST_RUN"]
    outs = function_or_outputs
    if isinstance(outs, Variable):
        outs = [outs]
    copy = rewrite_graph(list(outs), sets=(), trace=False)
    return copy.graph, sets


def why_not(function_or_outputs: Any, rule: Union[str, Rule], mode: Optional[str] = None) -> WhyNot:
    """For every node ``rule`` tracks while ``function_or_outputs`` is rewritten: whether it fired
    (and what replaced the node), the first place its pattern failed, the condition that refused
    it, or the rule (and phase) that rewrote the node first.

    ``function_or_outputs``: a compiled function (its mode's rule sets) or a variable / list of
    them (``mode``, default ``"FAST_RUN"``).  ``rule``: a rule or its name (``"softplus_from_log"``).
    """
    target, set_name = find_rule(rule)
    fgraph, sets = _start(function_or_outputs, mode)
    notes: dict = {}
    watched = _Watched(target, notes)
    seen = list(fgraph.toposort())
    initial = len(seen)
    result = rewrite_fgraph(fgraph, sets=_swapped(sets, target, watched), trace=True)
    for step in result.steps:
        seen.extend(step.added)
    tracked = [n for n in dict.fromkeys(seen) if _tracks(target, n.op, getattr(n.op, "scalar_op", None))]
    fired = {step.node: step for step in result.steps if step.rule == target.name}
    first: dict = {}
    for step in result.steps:
        if step.rule == target.name:
            for n in step.removed:           # taken into the rule's own rewrite (a fused region)
                if n is not step.node:
                    fired.setdefault(n, step)
            continue
        for n in [step.node] + list(step.removed):
            first.setdefault(n, step)
    late = _made_after_phase(result.steps, sets, set_name)
    merges = merge_near_misses(dict.fromkeys(seen[:initial] + fgraph.toposort())) if target.name == "merge" else {}
    active = set_name in {getattr(s, "name", s) for s in sets}
    verdicts = [_verdict(n, target, fired, notes, first, merges, active, set_name, late.get(n)) for n in tracked]
    return WhyNot(target, set_name, verdicts, result)


def _made_after_phase(steps: list, sets: tuple, set_name: str) -> dict:
    """``{node: the phase that made it}`` for nodes added in a phase after ``set_name``'s.

    Merging and folding run inside every phase, so a step of theirs belongs to the
    phase of the last other step before it."""
    phases = [getattr(s, "name", s) for s in sets]
    phases = [p for p in phases if p not in ALWAYS]
    if set_name not in phases:
        return {}
    mine = phases.index(set_name)
    current = phases[0] if phases else None
    made: dict = {}
    for step in steps:
        if step.rule_set in phases:
            current = step.rule_set
        if current is not None and phases.index(current) > mine:
            for node in step.added:
                made.setdefault(node, current)
    return made


def _verdict(node: Any, rule: Rule, fired: dict, notes: dict, first: dict, merges: dict, active: bool,
             set_name: str, made_in: Optional[str] = None) -> Verdict:
    text = node_expression(node)
    step = fired.get(node)
    if step is not None and step.node is not node:
        return Verdict(node, text, ABSORBED, f"taken into the rewrite of `{step.node_text}` when {rule.name} fired "
                                             f"there, at step {step.index}", step=step.index)
    if step is not None:
        news = ", ".join(f"`{expression(new, 2)}`" for _, new in step.replacements) or "new nodes"
        return Verdict(node, text, FIRED, f"fired at step {step.index}: replaced by {news}", step=step.index)
    later = first.get(node)
    if node in notes:
        kind, reason = notes[node]
        if node in merges:
            kind, reason = NEAR_MISS, merges[node]
        if later is not None:
            reason += f" (later {later.rule} [{later.rule_set}] rewrote the node, at step {later.index})"
        return Verdict(node, text, kind, reason)
    if made_in is not None:
        then = f"; then {later.rule} [{later.rule_set}] rewrote it at step {later.index}" if later is not None else ""
        return Verdict(node, text, NOT_TRIED, f"made in the {made_in} phase, after {set_name} had run{then}")
    if later is not None and later.node is not node and not any(old.owner is node for old, _ in later.replacements):
        return Verdict(node, text, DROPPED, f"no longer needed (nothing reads it) after {later.rule} [{later.rule_set}] "
                                            f"at step {later.index}, before {rule.name} [{set_name}] was tried on it",
                       step=later.index, by_rule=later.rule, phase=later.rule_set)
    if later is not None:
        would = _would_match(rule, node)
        return Verdict(node, text, FIRST,
                       f"{later.rule} [{later.rule_set}] rewrote this node first, at step {later.index}, before "
                       f"{rule.name} [{set_name}] was tried on it" + (" (its pattern would have matched)" if would else ""),
                       step=later.index, by_rule=later.rule, phase=later.rule_set)
    if not active:
        return Verdict(node, text, NOT_TRIED, f"the rule set {set_name} does not run in this mode")
    return Verdict(node, text, NOT_TRIED, f"{rule.name} [{set_name}] was never asked about this node (it appeared "
                                          "after its phase, or merging and folding saw it unchanged)")


def _would_match(rule: Rule, node: Any) -> bool:
    if not node.outputs:
        return False
    lhs = getattr(rule, "lhs", None)
    trees = [lhs] if lhs is not None else left_sides(rule.pattern_text)
    return any(pattern_miss(t, node.outputs[0]) is None for t in trees)
