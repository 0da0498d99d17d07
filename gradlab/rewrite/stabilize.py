"""The ``stabilize`` rule set (rules being written)."""
from gradlab.rewrite.rule import RuleSet

STABILIZE = RuleSet("stabilize", [])
