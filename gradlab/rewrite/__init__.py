"""Rewrites you can watch: named rules, rule sets, a fixpoint driver and a trace.

    from gradlab.rewrite import rewrite_graph
    r = rewrite_graph(gy, sets=("merge", "constant_folding", "canonicalize"))
    print(r.summary())          # one line per step: rule, lhs -> rhs, matched node
    r.graph_at(0)               # the graph after the first step, rebuilt
    print(describe_rules())     # every rule of every set, with its lhs -> rhs

Rule sets, each an explicit list in its module: ``merge`` (equal
subexpressions computed once), ``constant_folding``, ``canonicalize`` (one
simplest form: fills resolved, constants collected, signs and powers
simplified, shape ops merged, gradient-control ops removed), ``stabilize``
(no overflow: sigmoid, softplus, log1p, expm1, log_softmax), ``specialize``
(cheaper forms: sqr, sqrt), ``fusion`` (elementwise chains become one
Composite node run as whole-array numpy calls) and ``inplace`` (results
reuse buffers nobody else reads).  Which sets each compilation mode applies
(``MODE_SETS``), and the loop rules scan adds to canonicalize and specialize,
are decided above this package, in :mod:`gradlab.compile.rule_sets`.

A rule of your own::

    from gradlab.rewrite import PatternRule, RuleSet
    halve = PatternRule("div_two", "x / 2 -> x * 0.5", "multiplying is cheaper than dividing")
    rewrite_graph(y, sets=("canonicalize", RuleSet("mine", [halve])))
"""
from gradlab.rewrite.driver import ALL_SETS, rewrite_fgraph, rewrite_graph, rule_sets
from gradlab.rewrite.rule import PatternRule, Rule, RuleSet, node_rule
from gradlab.rewrite.trace import Rewritten, Step, StopReason


def describe_rules() -> str:
    """Every rule set of this package and its rules, one ``name: lhs -> rhs  (doc)``
    line each (:func:`gradlab.compile.rule_sets.describe_rules` adds scan's loop rules)."""
    return "\n".join(rs.describe() for rs in rule_sets().values())


__all__ = ["ALL_SETS", "rewrite_fgraph", "rewrite_graph", "rule_sets", "describe_rules", "Rewritten", "Step", "StopReason",
           "Rule", "RuleSet", "PatternRule", "node_rule"]
