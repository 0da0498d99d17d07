"""The ``fusion`` rule set (rules being written)."""
from gradlab.rewrite.rule import RuleSet

FUSION = RuleSet("fusion", [])
