"""Elementwise functions compare as PyTensor's ops do (issue 23): ``node.op ==
gt.fill`` and ``isinstance(node.op, Elemwise)`` hold, while ``gt.exp`` stays the
readable ``def exp`` of tensor/math.py (name, signature, docstring, pickling)."""
import inspect
import pickle

import numpy as np

import gradlab
import gradlab.tensor as gt
from gradlab.gradient import grad
from gradlab.tensor.elemwise import Elemwise, ElemwiseFunction, elemwise_op


def test_a_node_op_equals_the_function_that_built_it():
    x = gt.dvector("x")
    node = gt.fill(x, 1.0).owner
    assert node.op == gt.fill and gt.fill == node.op and node.op == gt.second
    assert isinstance(node.op, Elemwise) and node.op != gt.exp and not (node.op == gt.exp)
    assert gt.exp(x).owner.op == gt.exp and gt.exp(x).owner.op in {gt.exp}
    assert hash(gt.exp) == hash(elemwise_op("exp")) and gt.exp.elemwise_op is elemwise_op("exp")
    assert gt.exp != gt.log and gt.fill == gt.math.fill


def test_the_gradient_of_a_sum_is_a_fill():
    """Sum's rule spreads the seed over x's shape, ``fill(x, seed)``: PyTensor's
    tests check it as ``g.owner.op == fill``."""
    x = gt.dvector("x")
    g = grad(gt.sum(x), x)
    assert g.owner.op == gt.fill
    np.testing.assert_array_equal(gradlab.function([x], g)(np.arange(3.0)), np.ones(3))


def test_the_function_reads_as_its_def():
    assert isinstance(gt.exp, ElemwiseFunction)
    assert gt.exp.__name__ == "exp" and gt.exp.__module__ == "gradlab.tensor.math"
    assert gt.exp.__doc__ == "Elementwise e ** a."
    assert list(inspect.signature(gt.clip).parameters) == ["a", "lo", "hi"]
    assert pickle.loads(pickle.dumps(gt.exp)) is gt.exp
    assert pickle.loads(pickle.dumps(gt.fill)) is gt.fill
    x = gt.dscalar("x")
    np.testing.assert_allclose(gradlab.function([x], gt.exp(x))(1.0), np.e)
