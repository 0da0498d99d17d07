"""Graph pictures whose numbers change while the graph does not.

``gradlab.viz.graph(expr, values=…, adjoints=True)`` plans the layout, builds
the adjoint graph and compiles a function on every call — right for one
picture, slow for a slider.  Here the layout is planned and the numbers'
function compiled once, and each point is drawn by ``gradlab.viz.graph_picture.compose``,
so a new point only evaluates and draws.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from gradlab.graph.basic import Constant, Variable
from gradlab.viz.graph_picture import ADJOINT_NOTE, MAX_NODES, Target, compose, plan
from gradlab.viz.inputs import compile_function


class NumbersAtAPoint:
    """The graph of a scalar ``expr`` with every drawn variable's value and
    adjoint ``d expr / d v`` at a point of ``inputs`` (all of its free inputs).

    The adjoints come from ``gradlab.viz.values.adjoint_graph`` (that is,
    ``gradlab.gradient.grad``); one ``NO_REWRITE`` function computes values
    and adjoints together.
    """

    def __init__(self, expr: Variable, inputs: Sequence[Variable], *, max_nodes: Optional[int] = MAX_NODES,
                 rankdir: Optional[str] = None):
        from gradlab.viz.values import adjoint_graph
        self.target = Target([expr], [])
        self.layout = plan(self.target, max_nodes)
        self.rankdir = rankdir
        shown = list(self.layout.variables)
        symbolic = adjoint_graph(expr, shown, [])
        self.adjoint_vars = list(symbolic)
        self.computed = [v for v in shown if not isinstance(v, Constant)]
        self.constants = {v: np.asarray(v.data) for v in shown if isinstance(v, Constant)}
        outputs = self.computed + [symbolic[v] for v in self.adjoint_vars]
        self.function = compile_function(list(inputs), outputs, "NO_REWRITE")

    def numbers(self, values: Sequence[Any]) -> tuple:
        """``(values, adjoints)``: dicts from the drawn variables to arrays, at ``values`` of the inputs."""
        with np.errstate(all="ignore"):
            results = self.function(*values)
        n = len(self.computed)
        forward = dict(zip(self.computed, results[:n]))
        forward.update(self.constants)
        return forward, dict(zip(self.adjoint_vars, results[n:]))

    def digraph(self, values: Sequence[Any], title: Optional[str] = None) -> Any:
        """The picture at ``values`` (one per input, in order)."""
        forward, backward = self.numbers(values)
        return compose(self.target, self.layout, values=forward, adjoints=backward, title=title,
                       notes=[ADJOINT_NOTE], rankdir=self.rankdir)
