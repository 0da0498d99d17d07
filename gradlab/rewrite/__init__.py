"""Rewrites you can watch: named rules, rule sets, a fixpoint driver and a trace.

    from gradlab.rewrite import rewrite_graph
    r = rewrite_graph(gy, sets=("merge", "constant_folding", "canonicalize"))
    print(r.summary())          # one line per step: rule, lhs -> rhs, matched node
    r.graph_at(0)               # the graph after the first step, rebuilt

Rule sets (each built explicitly in its module): ``merge`` (common
subexpressions), ``constant_folding``, ``canonicalize``, ``stabilize``,
``specialize``, ``fusion``, ``inplace``.  ``MODE_SETS`` lists what each
compilation mode applies.
"""
from gradlab.rewrite.driver import MODE_SETS, rewrite_fgraph, rewrite_graph, rule_sets
from gradlab.rewrite.rule import PatternRule, Rule, RuleSet, node_rule
from gradlab.rewrite.trace import Rewritten, Step

__all__ = ["MODE_SETS", "rewrite_fgraph", "rewrite_graph", "rule_sets", "Rewritten", "Step",
           "Rule", "RuleSet", "PatternRule", "node_rule"]
