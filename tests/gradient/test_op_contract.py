"""The Op extension contract: what ``grad`` does with an op author's
``grad``/``L_op``/``connection_pattern``, and the errors that name the op."""
from __future__ import annotations

import numpy as np
import pytest

import gradlab.tensor as gt
from gradlab.graph import Apply, Op
from gradlab.gradient import (DisconnectedInputError, NullType, NullTypeGradError, disconnected_type, grad,
                              grad_not_implemented, grad_undefined)

from gradient_helpers import assert_close, compile_fn


def value(inputs, output, *args):
    return compile_fn(inputs, output)(*args)


class Doubler(Op):
    """``out = 2 x``; its gradient rule depends on the test."""

    __props__ = ("has_grad",)

    def __init__(self, has_grad=True, rule=None):
        self.has_grad = has_grad
        self.rule = rule

    def make_node(self, x):
        x = gt.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = np.asarray(inputs[0] * 2, dtype=node.outputs[0].dtype)

    def grad(self, inputs, output_grads):
        if not self.has_grad:
            return Op.grad(self, inputs, output_grads)
        if self.rule is not None:
            return self.rule(inputs, output_grads)
        return [output_grads[0] * 2.0]


def test_user_op_grad_is_used():
    v = gt.dvector("v")
    assert_close(value([v], grad(gt.sum(Doubler()(v) ** 2), v), [1.0, 2.0]), [8.0, 16.0])


def test_user_op_grad_returning_none_is_a_type_error_naming_the_op():
    v = gt.dvector("v")
    with pytest.raises(TypeError, match="Doubler.*returned None"):
        grad(gt.sum(Doubler(rule=lambda i, g: None)(v)), v)


def test_user_op_grad_with_a_none_term_is_a_type_error():
    v = gt.dvector("v")
    with pytest.raises(TypeError, match="Doubler.*None for input 0"):
        grad(gt.sum(Doubler(rule=lambda i, g: [None])(v)), v)


def test_user_op_grad_with_wrong_number_of_terms_is_a_value_error_naming_the_op():
    v = gt.dvector("v")
    with pytest.raises(ValueError, match="Doubler.*wrong number of gradient terms: 2 for 1 input"):
        grad(gt.sum(Doubler(rule=lambda i, g: [g[0], g[0]])(v)), v)


def test_user_op_grad_with_wrong_dimensions_is_a_value_error():
    v = gt.dvector("v")
    with pytest.raises(ValueError, match="Doubler.*0 dimensions for input 0"):
        grad(gt.sum(Doubler(rule=lambda i, g: [gt.sum(g[0])])(v)), v)


def test_user_op_without_grad_gives_not_implemented_null_gradients():
    v = gt.dvector("v")
    with pytest.raises(NullTypeGradError, match="not implemented"):
        grad(gt.sum(Doubler(has_grad=False)(v)), v)
    g = grad(gt.sum(Doubler(has_grad=False)(v)), v, null_gradients="return")
    assert isinstance(g.type, NullType) and "Doubler" in g.type.why_null


def test_grad_undefined_and_grad_not_implemented_helpers():
    v = gt.dvector("v")
    undefined = Doubler(rule=lambda i, g: [grad_undefined(Doubler(), 0, i[0], "a kink everywhere")])
    with pytest.raises(NullTypeGradError, match="mathematically undefined: a kink everywhere"):
        grad(gt.sum(undefined(v)), v)
    missing = Doubler(rule=lambda i, g: [grad_not_implemented(Doubler(), 0, i[0])])
    with pytest.raises(NullTypeGradError, match="not implemented"):
        grad(gt.sum(missing(v)), v)


def test_user_op_returning_disconnected_type_means_no_path():
    v = gt.dvector("v")
    op = Doubler(rule=lambda i, g: [disconnected_type()])
    with pytest.raises(DisconnectedInputError):
        grad(gt.sum(op(v)), v)


class SplitTwo(Op):
    """Two outputs ``(2 x, 3 x)`` with an ``L_op``; ``connection_pattern``
    says the second input only reaches the second output."""

    def make_node(self, x, y):
        x, y = gt.as_tensor_variable(x), gt.as_tensor_variable(y)
        return Apply(self, [x, y], [x.type(), x.type()])

    def perform(self, node, inputs, output_storage):
        x, y = inputs
        output_storage[0][0] = 2 * x
        output_storage[1][0] = 3 * x + y

    def connection_pattern(self, node):
        return [[True, True], [False, True]]

    def L_op(self, inputs, outputs, output_grads):
        g0, g1 = output_grads
        return [g0 * 2.0 + g1 * 3.0, g1]


def test_multi_output_op_gets_zeros_for_unused_outputs_and_respects_connection_pattern():
    x, y = gt.dvector("x"), gt.dvector("y")
    a, b = SplitTwo()(x, y)
    assert_close(value([x, y], grad(gt.sum(a), x), [1.0, 2.0], [0.0, 0.0]), [2.0, 2.0])
    assert_close(value([x, y], grad(gt.sum(b), x), [1.0, 2.0], [0.0, 0.0]), [3.0, 3.0])
    with pytest.raises(DisconnectedInputError):
        grad(gt.sum(a), y)
    assert_close(value([x, y], grad(gt.sum(b), y), [1.0, 2.0], [0.0, 0.0]), [1.0, 1.0])


def test_connection_pattern_of_the_wrong_size_is_an_error():
    class BadPattern(Doubler):
        def connection_pattern(self, node):
            return [[True], [True]]
    v = gt.dvector("v")
    with pytest.raises(ValueError, match="connection_pattern"):
        grad(gt.sum(BadPattern()(v)), v)


def test_only_nodes_between_wrt_and_cost_are_differentiated():
    """A side branch whose op has no gradient does not matter unless it is on the path."""
    x, y = gt.dscalar("x"), gt.dscalar("y")
    cost = Doubler(has_grad=False)(y) + x * 2.0
    assert value([x, y], grad(cost, x), 1.0, 1.0) == 2.0
