"""The ``canonicalize`` rule set (rules being written)."""
from gradlab.rewrite.rule import RuleSet

CANONICALIZE = RuleSet("canonicalize", [])
