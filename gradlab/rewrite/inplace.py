"""The ``inplace`` rule set (rules being written)."""
from gradlab.rewrite.rule import RuleSet

INPLACE = RuleSet("inplace", [])
