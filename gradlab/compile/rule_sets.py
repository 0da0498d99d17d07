"""Which rules make each rule set, and which sets make each mode — decided here, once.

``rewrite/`` defines the graph rules and their sets (:func:`gradlab.rewrite.rule_sets`);
``scan/`` defines the loop rules (:data:`~gradlab.scan.batch.scan_to_batched`, which
turns a loop of independent steps into one batched graph, and
:data:`~gradlab.scan.rewrites.scan_prune_outputs`) and registers nothing.  This
module sits above both and assembles the sets compiled functions (and the loops
inside them) run:

- ``canonicalize`` = scan_to_batched, then rewrite's canonicalize rules (the
  batched graph then meets every other rule);
- ``specialize`` = rewrite's specialize rules, then scan_prune_outputs (loops
  compute only the outputs that are read);
- every other set is rewrite's own.

``MODE_SETS`` names the sets of each compilation mode, in the order they run.
"""
from __future__ import annotations

from typing import Iterable, Union

from gradlab.rewrite.driver import rule_sets as rewrite_rule_sets
from gradlab.rewrite.rule import RuleSet
from gradlab.scan.batch import scan_to_batched
from gradlab.scan.rewrites import scan_prune_outputs

__all__ = ["MODE_SETS", "RULE_SETS", "describe_rules", "resolve"]

#: rewrite sets of each named mode, in the order they run
MODE_SETS: dict = {
    "FAST_RUN": ("merge", "constant_folding", "canonicalize", "stabilize", "specialize", "fusion", "inplace"),
    "FAST_COMPILE": ("merge", "constant_folding"),
    "NO_REWRITE": (),
}


def _extended(base: RuleSet, before: tuple = (), after: tuple = ()) -> RuleSet:
    return RuleSet(base.name, [*before, *base.rules, *after], doc=base.doc, consumers_first=base.consumers_first)


def _assemble() -> dict:
    sets = rewrite_rule_sets()
    sets["canonicalize"] = _extended(sets["canonicalize"], before=(scan_to_batched,))
    sets["specialize"] = _extended(sets["specialize"], after=(scan_prune_outputs,))
    return sets


#: every rule set a compiled function may run, by name (rewrite's sets plus scan's loop rules)
RULE_SETS: dict = _assemble()


def resolve(sets: Iterable[Union[str, RuleSet]]) -> tuple:
    """The :class:`RuleSet` objects for ``sets`` (names of :data:`RULE_SETS`, or rule sets)."""
    resolved = []
    for item in sets:
        if isinstance(item, RuleSet):
            resolved.append(item)
        elif item in RULE_SETS:
            resolved.append(RULE_SETS[item])
        else:
            raise ValueError(f"unknown rule set {item!r}; the rule sets are {sorted(RULE_SETS)} "
                             f"(modes: {', '.join(f'{k}={v}' for k, v in MODE_SETS.items())})")
    return tuple(resolved)


def describe_rules() -> str:
    """Every rule of every assembled set (scan's loop rules included), one
    ``name: lhs -> rhs  (doc)`` line each."""
    return "\n".join(rs.describe() for rs in RULE_SETS.values())
