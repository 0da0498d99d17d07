"""The ``specialize`` rule set (rules being written)."""
from gradlab.rewrite.rule import RuleSet

SPECIALIZE = RuleSet("specialize", [])
