"""Origins are plain data on the node: they survive pickling and deep copies of a graph."""
from __future__ import annotations

import copy
import pickle

import gradlab.tensor as gt
from gradlab.explain import origin


def _described(outputs):
    from gradlab.graph.traversal import toposort
    return [str(origin(node.outputs[0])) for node in toposort(outputs) if node.origin is not None]


def test_a_pickled_gradient_keeps_every_origin():
    x = gt.dscalar("x")
    y = gt.exp(x) * gt.sin(x) + x * x
    g = gt.grad(y, x)
    before = _described([g])
    assert before, "grad records origins"
    for again in (pickle.loads(pickle.dumps(g)), copy.deepcopy(g)):
        assert _described([again]) == before
