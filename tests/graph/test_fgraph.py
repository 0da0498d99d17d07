"""The graph IR: clients, replace, prune, clone, toposort, and the Op
contract a user follows to add an operation."""
import numpy as np
import pytest

import gradlab
import gradlab.tensor as gt
from gradlab.graph import Apply, FunctionGraph, InconsistencyError, Op, ancestors, clone_replace, toposort


def test_toposort_puts_producers_first_and_is_deterministic():
    x, y = gt.dscalar("x"), gt.dscalar("y")
    a = x * y
    b = gt.exp(a) + a
    order = toposort([b])
    assert [str(n.op) for n in order] == ["mul", "exp", "add"]
    assert toposort([b]) == order
    assert toposort([b], [a]) == order[1:]


def test_clients_replace_and_prune():
    x = gt.dscalar("x")
    out = gt.exp(x * 2) + 1
    fg = FunctionGraph([x], [out])
    assert len(fg.apply_nodes) == 3
    mul_out = [n for n in fg.apply_nodes if str(n.op) == "mul"][0].outputs[0]
    exp_node = fg.clients[mul_out][0][0]
    assert str(exp_node.op) == "exp"
    fx = fg.inputs[0]
    fg.replace(mul_out, fx + fx, reason="test")
    assert sorted(str(n.op) for n in fg.apply_nodes) == ["add", "add", "exp"]
    f = gradlab.function(fg.inputs, fg.outputs, mode="NO_REWRITE")
    assert np.isclose(f(1.5), np.exp(3.0) + 1)


def test_replace_refuses_a_different_type_and_cycles():
    x = gt.dvector("x")
    out = x * 2
    fg = FunctionGraph([x], [out])
    with pytest.raises(InconsistencyError, match="types differ"):
        fg.replace(fg.outputs[0], gt.dmatrix("m"))
    product = fg.outputs[0]
    with pytest.raises(InconsistencyError, match="cycle"):
        fg.replace(fg.inputs[0], product * 1)   # x -> (x * 2) * 1 would read itself


def test_listeners_hear_imports_and_prunes():
    events = []

    class Recorder:
        def on_import(self, fg, node):
            events.append(("import", str(node.op)))

        def on_prune(self, fg, node):
            events.append(("prune", str(node.op)))

        def on_change_input(self, fg, node, i, old, new, reason):
            events.append(("change", reason))

    x = gt.dscalar("x")
    fg = FunctionGraph([x], [gt.exp(x) * 1])
    fg.attach_listener(Recorder())
    fg.replace(fg.outputs[0], gt.exp(fg.inputs[0]), reason="mul_by_one")
    assert ("change", "mul_by_one") in events
    assert ("prune", "mul") in events and ("import", "exp") in events


def test_clone_makes_an_independent_graph():
    x = gt.dscalar("x")
    fg = FunctionGraph([x], [x + 1])
    cp = fg.clone()
    assert cp.inputs[0] is not fg.inputs[0]
    assert cp.outputs[0].owner is not fg.outputs[0].owner
    assert len(cp.apply_nodes) == 1


def test_clone_replace_and_ancestors():
    x, y = gt.dscalar("x"), gt.dscalar("y")
    out = x * 3
    rebuilt = clone_replace(out, {x: y + 1})
    assert y in ancestors([rebuilt]) and x not in ancestors([rebuilt])
    assert rebuilt.eval({y: 1.0}) == 6.0


def test_missing_graph_input_is_named():
    x, y = gt.dscalar("x"), gt.dscalar("y")
    with pytest.raises(ValueError, match="y .*not an input"):
        FunctionGraph([x], [x * y], clone=False)


# -- the Op contract ------------------------------------------------------
class Double(Op):
    """y = factor * x (a user-written op)."""

    __props__ = ("factor",)

    def __init__(self, factor=2.0):
        self.factor = factor

    def make_node(self, x):
        x = gt.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = np.asarray(inputs[0] * self.factor, dtype=node.outputs[0].dtype)

    def grad(self, inputs, output_grads):
        return [output_grads[0] * self.factor]

    def R_op(self, inputs, eval_points):
        return [None if eval_points[0] is None else eval_points[0] * self.factor]


def test_user_op_runs_compares_by_props_and_differentiates():
    assert Double(2.0) == Double(2.0) and hash(Double(2.0)) == hash(Double(2.0))
    assert Double(2.0) != Double(3.0)
    x = gt.dvector("x")
    y = Double(3.0)(x)
    f = gradlab.function([x], [y, gt.grad(y.sum(), x)])
    value, gradient = f([1.0, 2.0])
    np.testing.assert_array_equal(value, [3.0, 6.0])
    np.testing.assert_array_equal(gradient, [3.0, 3.0])
    assert str(Double(3.0)) == "Double{factor=3.0}"
