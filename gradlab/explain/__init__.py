"""Explain a graph: where every node came from, and why a rule did or did not fire.

- :func:`origin` — where a node a derivative built came from (the forward
  node and input whose rule made it, the seed, or the sum of the terms
  reaching a variable read more than once), in words and as data;
- :func:`compiled_nodes` / :func:`replaces` — which of the user's nodes each
  node of a compiled graph computes, derived from the rewrite trace;
- :func:`why_not` — for every node a rewrite rule tracks: fired, or where its
  pattern failed, or the condition that refused it, or which rule got there first;
- :func:`leftovers` — what survives compiling that a reader would not expect.

This package reads gradient records, rewrite traces and compiled functions:
it sits above ``compile`` and below ``printing``/``viz``.
"""
from gradlab.explain.origins import OriginReport, as_data, describe, label, origin
from gradlab.explain.rewriting import CompiledNode, Derivation, compiled_nodes, derivation, replaces

__all__ = ["origin", "OriginReport", "describe", "label", "as_data", "derivation", "Derivation", "replaces",
           "compiled_nodes", "CompiledNode"]
from gradlab.explain.why_not import Verdict, WhyNot, why_not  # noqa: E402

__all__ += ["why_not", "WhyNot", "Verdict"]
from gradlab.explain.leftovers import Leftover, leftovers  # noqa: E402

__all__ += ["leftovers", "Leftover"]
