"""The driver: apply rule sets to a FunctionGraph until nothing changes.

``rewrite_fgraph(fgraph, sets)`` edits the graph in place; ``rewrite_graph``
copies the outputs' graph first.  Both return :class:`Rewritten`.

How it runs.  The rule sets other than ``merge`` and ``constant_folding``
are *phases*, applied in the order given (canonicalize, then stabilize, …);
merging and folding run inside every phase.  A phase is a worklist fixpoint:
every node is visited once in topological order, and when a rule fires the
nodes it added and the clients of the replaced variables are visited again.
Rules are indexed by the ops they track, so a node only meets the rules that
could match it.  The driver stops at a fixpoint, or at the step limit
(``stop_reason`` says which).  All of it is iterative and roughly linear in
the graph's size.
"""
from __future__ import annotations

import warnings
from collections import deque
from typing import Any, Iterable, Optional, Sequence, Union

from gradlab.graph.collector import collector_paused
from gradlab.graph.fgraph import FunctionGraph, InconsistencyError
from gradlab.graph.basic import Apply, Constant, Variable
from gradlab.graph.traversal import graph_inputs, toposort
from gradlab.rewrite import merge as merge_module
from gradlab.rewrite.rule import Rule, RuleSet
from gradlab.rewrite.trace import Rewritten, StopReason, TraceRecorder, describe_node
from gradlab.configuration import config

ALWAYS = ("merge", "constant_folding")

#: Every rule set of this package, in the order they run.  Which sets make
#: each compilation mode, and the loop rules scan/ adds to canonicalize and
#: specialize, are decided above both packages (gradlab/compile/rule_sets.py).
ALL_SETS = ("merge", "constant_folding", "canonicalize", "stabilize", "specialize", "fusion", "inplace")


_RULE_SETS: dict = {}


def rule_sets() -> dict:
    """Every rule set by name (built explicitly in each module)."""
    if _RULE_SETS:
        return dict(_RULE_SETS)
    from gradlab.rewrite.folding import CONSTANT_FOLDING
    from gradlab.rewrite.merge import MERGE
    found = {"merge": MERGE, "constant_folding": CONSTANT_FOLDING}
    for module_name, attr in (("canonicalize", "CANONICALIZE"), ("stabilize", "STABILIZE"),
                              ("specialize", "SPECIALIZE"), ("fusion", "FUSION"), ("inplace", "INPLACE")):
        try:
            module = __import__(f"gradlab.rewrite.{module_name}", fromlist=[attr])
        except ImportError:
            continue
        found[module_name] = getattr(module, attr)
    _RULE_SETS.update(found)
    return dict(found)


def _resolve(sets: Iterable[Union[str, RuleSet]]) -> list:
    known = None
    resolved = []
    for item in sets:
        if isinstance(item, RuleSet):
            resolved.append(item)
            continue
        if known is None:
            known = rule_sets()
        if item not in known:
            raise ValueError(f"unknown rule set {item!r}; the rule sets are {sorted(known)} "
                             f"(in the order they run: {', '.join(ALL_SETS)})")
        resolved.append(known[item])
    return resolved


_INDEXES: dict = {}


def _rule_index(rules: Sequence[tuple]) -> "_RuleIndex":
    """The (shared, cached) index of this list of ``(rule, set name)`` pairs."""
    key = tuple((id(r), s) for r, s in rules)
    index = _INDEXES.get(key)
    if index is None or [r for r, _ in index.rules] != [r for r, _ in rules]:
        index = _INDEXES[key] = _RuleIndex(rules)
    return index


class _RuleIndex:
    """For each kind of node, the rules that track it (computed once per kind)."""

    def __init__(self, rules: Sequence[tuple]):
        self.rules = list(rules)   # (rule, set name)
        self.cache: dict = {}

    def for_node(self, node: Any) -> list:
        op = node.op
        scalar = getattr(op, "scalar_op", None)
        key = (type(op), getattr(scalar, "name", None), type(scalar))
        hit = self.cache.get(key)
        if hit is None:
            hit = self.cache[key] = [(r, s, s in ALWAYS) for r, s in self.rules if _tracks(r, op, scalar)]
        return hit


def _tracks(rule: Rule, op: Any, scalar: Any) -> bool:
    """Does ``rule`` track a node of ``op`` (whose scalar op is ``scalar``, if elementwise)?"""
    if rule.tracks is None:
        return True
    for track in rule.tracks:
        if isinstance(track, type):
            if isinstance(op, track) or (scalar is not None and isinstance(scalar, track)):
                return True
        elif scalar is not None and scalar == track:
            return True
    return False


class _Watcher:
    """Collects the nodes imported and the clients changed by the current step."""

    def __init__(self) -> None:
        self.imported: list = []
        self.changed: list = []

    def on_import(self, fgraph: Any, node: Any) -> None:
        self.imported.append(node)

    def on_prune(self, fgraph: Any, node: Any) -> None:
        pass

    def on_change_input(self, fgraph: Any, client: Any, j: int, old: Any, new: Any, reason: Any) -> None:
        if client != "output":
            self.changed.append(client)


def _pairs(node: Any, result: Any) -> list:
    if isinstance(result, dict):
        return [(old, new) for old, new in result.items() if new is not None and new is not old]
    result = list(result)
    if len(result) != len(node.outputs):
        raise ValueError(f"returned {len(result)} replacements for a node with {len(node.outputs)} outputs")
    return [(old, new) for old, new in zip(node.outputs, result) if new is not None and new is not old]


def rewrite_fgraph(fgraph: FunctionGraph, sets: Iterable[Union[str, RuleSet]] = ALL_SETS,
                   trace: bool = True, max_steps: Optional[int] = None) -> Rewritten:
    """Apply the rule ``sets`` to ``fgraph`` in place, to a fixpoint.

    Returns ``Rewritten(graph=fgraph, steps, stop_reason)``; with
    ``trace=False`` the steps are not recorded (``n_steps`` still counts them).
    ``max_steps`` defaults to ``gradlab.config.max_rewrite_steps``.
    """
    sets = tuple(sets)
    resolved = _resolve(sets)
    limit = config.max_rewrite_steps if max_steps is None else max_steps
    always = [rs for rs in resolved if rs.name in ALWAYS]
    phases = [rs for rs in resolved if rs.name not in ALWAYS]
    names = tuple(rs.name for rs in resolved)
    if not resolved:
        return Rewritten(fgraph, [], StopReason.NO_RULE_SETS, names)
    if not phases:
        phases = [None]
    recorder = TraceRecorder(fgraph) if trace else None
    watcher = _Watcher()
    fgraph.attach_listener(watcher)
    if recorder is not None:
        fgraph.attach_listener(recorder)
    result = Rewritten(fgraph, recorder.steps if recorder else [], StopReason.FIXPOINT, names, _recorder=recorder)
    # rewriting allocates many small objects and frees few: the cyclic collector
    # would rescan them over and over, so it waits until the driver is done
    with collector_paused():
        _run_phases(fgraph, phases, always, watcher, recorder, result, limit)
    return result


def _run_phases(fgraph: FunctionGraph, phases: list, always: list, watcher: "_Watcher",
                recorder: Optional[TraceRecorder], result: Rewritten, limit: int) -> None:
    dirty: Optional[set] = None   # nodes merging/folding must look at (None: all of them)
    try:
        for phase in phases:
            if phase is not None and not phase.rules and dirty is not None and not dirty:
                continue  # an empty set after the first phase has nothing to do
            base = [(r, rs.name) for rs in always for r in rs.rules]
            if phase is not None:
                base += [(r, phase.name) for r in phase.rules]
            reverse = phase is not None and phase.consumers_first
            if not _run_phase(fgraph, _rule_index(base), watcher, recorder, result, limit, reverse, dirty):
                result.stop_reason = StopReason.STEP_LIMIT
                break
            # merge and constant folding reached their fixpoint: later phases only
            # show them the nodes they add or change
            dirty = set()
    finally:
        fgraph.remove_listener(watcher)
        if recorder is not None:
            fgraph.remove_listener(recorder)
        merge_module.forget(fgraph)


def _run_phase(fgraph: FunctionGraph, index: _RuleIndex, watcher: _Watcher,
               recorder: Optional[TraceRecorder], result: Rewritten, limit: int, reverse: bool = False,
               dirty: Optional[set] = None) -> bool:
    """One worklist fixpoint; False when the step limit stopped it."""
    order = fgraph.toposort()
    queue = deque(reversed(order) if reverse else order)
    queued = set(queue)
    nodes = fgraph.apply_nodes
    while queue:
        node = queue.popleft()
        queued.discard(node)
        if node not in nodes:
            continue
        fresh = dirty is None or node in dirty
        for rule, set_name, always in index.for_node(node):
            if always and not fresh:
                continue
            try:
                replacement = rule.transform(fgraph, node)
            except Exception as exc:  # a broken rule must not break compilation
                _fail(result, rule, node, exc)
                continue
            if replacement is None:
                continue
            try:
                pairs = _pairs(node, replacement)
            except ValueError as exc:
                _fail(result, rule, node, exc)
                continue
            if not pairs:
                continue
            if result.n_steps >= limit:
                return False
            node_text = describe_node(node) if recorder is not None else ""
            watcher.imported.clear()
            watcher.changed.clear()
            if recorder is not None:
                recorder.begin()
            applied = []
            try:
                for old, new in pairs:
                    if old in fgraph.variables:
                        _check_no_cycle(fgraph, old, new)
                        fgraph.replace(old, new, reason=rule.name, check_cycles=False)
                        applied.append((old, new))
            except (InconsistencyError, TypeError, ValueError) as exc:
                _fail(result, rule, node, exc)
            if not applied and not watcher.imported:
                if recorder is not None:
                    recorder.step_index = len(recorder.steps) - 1
                continue
            result.n_steps += 1
            if recorder is not None:
                recorder.end(rule, set_name, node, node_text, applied)
            if dirty is not None:
                dirty.update(watcher.imported)
                dirty.update(c for c in watcher.changed if c in nodes)
                dirty.add(node)
            for new_node in watcher.imported:
                if new_node not in queued:
                    queued.add(new_node)
                    queue.append(new_node)
            for client in watcher.changed:
                if client not in queued and client in nodes:
                    queued.add(client)
                    queue.append(client)
            if node in nodes and node not in queued:
                queued.add(node)
                queue.append(node)
            break
        else:
            if dirty is not None:
                dirty.discard(node)
    return True


def _check_no_cycle(fgraph: FunctionGraph, old: Variable, new: Variable) -> None:
    """Raise if ``new`` reads ``old`` (or a sibling output) through nodes not yet in the graph.

    Rules build replacements from the matched node's ancestors, so only the
    new nodes need a look: the cost is the replacement's size, not the graph's.
    """
    forbidden = set(old.owner.outputs) if old.owner is not None else {old}
    stack = [new]
    seen: set = set()
    nodes = fgraph.apply_nodes
    while stack:
        var = stack.pop()
        if var in forbidden:
            raise InconsistencyError(f"replacing {old} by {new} would create a cycle")
        owner = var.owner
        if owner is None or owner in nodes or owner in seen:
            continue
        seen.add(owner)
        stack.extend(owner.inputs)


class RewriteRuleFailed(RuntimeWarning):
    """A rule raised while rewriting: it is skipped (the graph stays correct)
    and the warning names it.  A raising rule is a bug: the test suite turns
    this warning into an error (``filterwarnings`` in ``pyproject.toml``)."""


def _fail(result: Rewritten, rule: Rule, node: Any, exc: Exception) -> None:
    text = f"{type(exc).__name__}: {exc}"
    result.failures.append((rule.name, describe_node(node), text))
    warnings.warn(f"rewrite rule {rule.name} failed on {describe_node(node)} and was skipped: {text}",
                  RewriteRuleFailed, stacklevel=3)


def rewrite_graph(outputs: Union[Variable, Sequence[Variable]],
                  sets: Iterable[Union[str, RuleSet]] = ALL_SETS,
                  trace: bool = True, max_steps: Optional[int] = None) -> Rewritten:
    """Rewrite a copy of the graph of ``outputs`` (the originals are untouched).

    The copy's inputs are the graph inputs that are not constants.  Read the
    result from ``rewritten.graph.outputs``.
    """
    outs = [outputs] if isinstance(outputs, Variable) else list(outputs)
    ins = [v for v in graph_inputs(outs) if not isinstance(v, Constant)]
    new_ins, new_outs = _copy_graph(ins, outs)
    fgraph = FunctionGraph(new_ins, new_outs, clone=False)
    return rewrite_fgraph(fgraph, sets=sets, trace=trace, max_steps=max_steps)


def _copy_graph(inputs: Sequence[Variable], outputs: Sequence[Variable]) -> tuple:
    """New variables and Apply nodes with the same ops and types (constants shared).

    Types are copied, not inferred again (no ``make_node``), so copying costs
    a few microseconds per node.
    """
    memo: dict = {}
    for var in inputs:
        memo[var] = var.clone()
    for node in toposort(outputs, inputs):
        new_inputs = [memo.get(v, v) for v in node.inputs]
        new_outputs = []
        for out in node.outputs:
            copy = out.clone()
            memo[out] = copy
            new_outputs.append(copy)
        Apply(node.op, new_inputs, new_outputs).origin = node.origin
    return [memo[v] for v in inputs], [memo.get(v, v) for v in outputs]
