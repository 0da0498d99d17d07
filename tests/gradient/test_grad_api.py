"""``grad``: every parameter value, the errors, the conventions (integers,
float32, ties, piecewise-constant ops), 100,000-node chains and
``subgraph_grad`` (the Op extension contract: test_op_contract.py)."""
from __future__ import annotations

import sys
import warnings

import numpy as np
import pytest

import gradlab
import gradlab.tensor as gt
from gradlab.graph import Apply, Op, toposort
from gradlab.gradient import (DisconnectedInputError, DisconnectedType, NullType, NullTypeGradError, check_no_null,
                              grad, undefined_grad)

from gradient_helpers import assert_close, compile_fn, run_graph


def value(inputs, output, *args):
    return compile_fn(inputs, output)(*args)


# ---------------------------------------------------------------------------
# the seed's first example
def test_gradient_of_square_seeds_with_fill_of_cost():
    x = gt.dscalar("x")
    y = x ** 2
    gy = grad(y, x)
    # ((fill((x ** 2), 1.0) * 2) * (x ** (2 - 1)))
    outer = gy.owner
    assert outer.op.scalar_op.name == "mul"
    left, right = outer.inputs
    assert left.owner.op.scalar_op.name == "mul"
    seed, two = left.owner.inputs
    assert seed.owner.op.scalar_op.name == "second"
    assert seed.owner.inputs[0] is y
    assert float(seed.owner.inputs[1].data) == 1.0
    assert int(two.data) == 2
    assert right.owner.op.scalar_op.name == "pow"
    assert value([x], gy, 4.0) == 8.0


def test_pp_of_gradient_matches_the_tutorial():
    from gradlab import pp
    x = gt.dscalar("x")
    assert pp(grad(x ** 2, x)) == "((fill((x ** 2), 1.0) * 2) * (x ** (2 - 1)))"


def test_gt_grad_and_gradlab_grad_forward_to_gradient_grad():
    x = gt.dscalar("x")
    assert gradlab.grad is grad
    assert gt.grad is grad
    assert value([x], gt.grad(gt.sin(x), x), 0.5) == pytest.approx(np.cos(0.5))


# ---------------------------------------------------------------------------
# cost and wrt
def test_cost_must_be_a_scalar():
    v = gt.dvector("v")
    with pytest.raises(TypeError, match=r"scalar \(0-d\).*1 dimension"):
        grad(v * 2, v)


def test_cost_must_be_a_variable():
    v = gt.dvector("v")
    with pytest.raises(TypeError, match="cost must be a symbolic"):
        grad(3.0, v)


def test_cost_none_needs_known_grads():
    v = gt.dvector("v")
    with pytest.raises(ValueError, match="known_grads"):
        grad(None, v)


@pytest.mark.parametrize("form", ["single", "list", "tuple"])
def test_result_has_the_form_of_wrt(form):
    x, y = gt.dscalar("x"), gt.dscalar("y")
    cost = x * y
    if form == "single":
        g = grad(cost, x)
        assert isinstance(g, gradlab.graph.Variable)
        assert value([x, y], g, 2.0, 3.0) == 3.0
    else:
        wrt = [x, y] if form == "list" else (x, y)
        g = grad(cost, wrt)
        assert type(g) is type(wrt) and len(g) == 2
        assert value([x, y], list(g), 2.0, 3.0) == [3.0, 2.0]


def test_wrt_entries_must_be_variables():
    x = gt.dscalar("x")
    with pytest.raises(TypeError, match=r"wrt\[1\] must be a symbolic variable"):
        grad(x * 2, [x, 3.0])


def test_gradient_has_the_shape_and_dtype_of_wrt():
    m = gt.fmatrix("m")
    g = grad(gt.sum(m * 2.0), m)
    assert g.dtype == "float32" and g.ndim == 2
    out = value([m], g, np.ones((2, 3), dtype="float32"))
    assert out.dtype == np.float32 and out.shape == (2, 3)


def test_wrt_may_be_an_intermediate_variable():
    x = gt.dscalar("x")
    h = gt.exp(x)
    cost = h * 3.0 + x
    assert value([x], grad(cost, h), 0.7) == 3.0


# ---------------------------------------------------------------------------
# disconnected_inputs and return_disconnected
def test_disconnected_inputs_raise():
    x, y = gt.dscalar("x"), gt.dscalar("y")
    with pytest.raises(DisconnectedInputError, match=r"does not depend on wrt\[1\] \(y"):
        grad(x * 2, [x, y])
    assert issubclass(DisconnectedInputError, ValueError)


def test_disconnected_inputs_warn():
    x, y = gt.dscalar("x"), gt.dscalar("y")
    with pytest.warns(UserWarning, match="does not depend on"):
        gx, gy = grad(x * 2, [x, y], disconnected_inputs="warn")
    assert value([x, y], [gx, gy], 1.0, 1.0) == [2.0, 0.0]


def test_disconnected_inputs_ignore():
    x, y = gt.dscalar("x"), gt.dscalar("y")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gy = grad(x * 2, y, disconnected_inputs="ignore")
    assert value([y], gy, 5.0) == 0.0


@pytest.mark.parametrize("bad", ["Raise", "error", None, 1])
def test_disconnected_inputs_rejects_other_values(bad):
    x = gt.dscalar("x")
    with pytest.raises(ValueError, match="disconnected_inputs must be one of"):
        grad(x * 2, x, disconnected_inputs=bad)


def test_return_disconnected_zero_none_disconnected():
    x, y = gt.dscalar("x"), gt.dvector("y")
    zero = grad(x * 2, y, disconnected_inputs="ignore", return_disconnected="zero")
    assert_close(value([y], zero, [1.0, 2.0, 3.0]), np.zeros(3))
    assert grad(x * 2, [x, y], disconnected_inputs="ignore", return_disconnected="none")[1] is None
    disc = grad(x * 2, y, disconnected_inputs="ignore", return_disconnected="disconnected")
    assert isinstance(disc.type, DisconnectedType)
    with pytest.raises(ValueError, match="return_disconnected must be one of"):
        grad(x * 2, x, return_disconnected="zeros")


def test_path_through_non_differentiable_connection_is_disconnected():
    """An input the op marks unconnected (connection_pattern) is disconnected."""
    v = gt.dvector("v")
    cost = gt.cast(gt.shape(v)[0], "float64")
    with pytest.raises(DisconnectedInputError):
        grad(cost, v)


def test_integer_output_path_gives_zero_not_disconnected():
    x = gt.dscalar("x")
    g = grad(gt.cast(x, "int64") * 2.0, x)
    assert g.dtype == "float64" and value([x], g, 3.3) == 0.0


# ---------------------------------------------------------------------------
# consider_constant
def test_consider_constant_stops_the_gradient():
    x = gt.dscalar("x")
    y = x * x
    z = y * x
    assert value([x], grad(z, x), 3.0) == 27.0
    assert value([x], grad(z, x, consider_constant=[y]), 3.0) == 9.0


def test_consider_constant_only_path_is_disconnected():
    x = gt.dscalar("x")
    y = gt.exp(x)
    with pytest.raises(DisconnectedInputError):
        grad(y * 2, x, consider_constant=[y])


def test_consider_constant_must_be_a_list_of_variables():
    x = gt.dscalar("x")
    with pytest.raises(TypeError, match="consider_constant"):
        grad(x * 2, x, consider_constant=x)
    with pytest.raises(TypeError, match=r"consider_constant\[0\]"):
        grad(x * 2, x, consider_constant=[1.0])


# ---------------------------------------------------------------------------
# known_grads
def test_known_grads_seed_an_intermediate_variable_without_cost():
    x = gt.dvector("x")
    y = gt.exp(x)
    g = grad(None, x, known_grads={y: gt.constant(np.array([1.0, 2.0]))})
    assert_close(value([x], g, [0.0, 1.0]), [1.0, 2.0 * np.e])


def test_known_grads_replace_the_cost_seed():
    x = gt.dscalar("x")
    c = x ** 3
    g = grad(c, x, known_grads={c: gt.constant(5.0)})
    assert value([x], g, 2.0) == pytest.approx(5.0 * 12.0)


def test_known_grads_replace_what_flows_into_the_variable():
    x = gt.dscalar("x")
    h = x * 3.0
    cost = h ** 2
    # the cost alone: 2 h * 3 = 18 x; with h's gradient given as 1: 3
    assert value([x], grad(cost, x), 1.0) == 18.0
    assert value([x], grad(cost, x, known_grads={h: gt.constant(1.0)}), 1.0) == 3.0


def test_known_grads_accept_arrays_and_check_dimensions():
    x = gt.dvector("x")
    y = x * 2.0
    assert_close(value([x], grad(None, x, known_grads={y: np.array([1.0, 1.0])}), [3.0, 4.0]), [2.0, 2.0])
    with pytest.raises(ValueError, match="has 2 dimensions"):
        grad(None, x, known_grads={y: np.ones((2, 2))})


# ---------------------------------------------------------------------------
# null_gradients
def test_null_gradients_raise_and_return():
    x = gt.dscalar("x")
    cost = undefined_grad(x) * 2.0
    with pytest.raises(NullTypeGradError, match="undefined"):
        grad(cost, x)
    assert issubclass(NullTypeGradError, TypeError)
    g = grad(cost, x, null_gradients="return")
    assert isinstance(g.type, NullType)
    with pytest.raises(ValueError, match="null_gradients must be one of"):
        grad(cost, x, null_gradients="ignore")


def test_null_gradient_only_reaches_inputs_on_its_path():
    x, y = gt.dscalar("x"), gt.dscalar("y")
    cost = undefined_grad(x) * y
    assert value([x, y], grad(cost, y), 4.0, 1.0) == 4.0
    with pytest.raises(NullTypeGradError):
        grad(cost, [x, y])


def test_compiling_a_null_gradient_is_an_error():
    x = gt.dscalar("x")
    g = grad(undefined_grad(x) * 2.0, x, null_gradients="return")
    with pytest.raises(TypeError, match="NullType"):
        gradlab.function([x], g, on_unused_input="ignore")
    with pytest.raises(NullTypeGradError, match="undefined_grad"):
        check_no_null([g])
    check_no_null([x * 2])


# ---------------------------------------------------------------------------
# add_names
def test_add_names_when_cost_and_wrt_are_named():
    x = gt.dscalar("x")
    c = gt.sin(x)
    c.name = "c"
    assert grad(c, x).name == "(dc/dx)"
    assert grad(c, x, add_names=False).name is None
    assert grad(gt.sin(x), x).name is None
    unnamed = gt.dscalar()
    assert grad(gt.sin(unnamed) * 1.0, unnamed).name is None


def test_add_names_never_renames_existing_variables():
    x = gt.dscalar("x")
    seed = gt.dscalar("seed")
    c = x * 1.0
    c.name = "c"
    grad(c, x, known_grads={c: seed})
    assert seed.name == "seed"


# ---------------------------------------------------------------------------
# conventions
def test_integer_inputs_differentiate_as_reals():
    i = gt.lscalar("i")
    g = grad(i * 2.5, i)
    assert g.dtype == "float64" and value([i], g, 3) == 2.5
    v = gt.ivector("v")
    g = grad(gt.sum(v ** 2.0), v)
    assert g.dtype == "float64"
    assert_close(value([v], g, np.array([1, 2], dtype="int32")), [2.0, 4.0])


def test_integer_valued_costs_have_zero_gradient():
    v = gt.ivector("v")
    g = grad(gt.sum(v ** 2), v)  # an int64 cost: piecewise constant in v
    assert g.dtype == "float64"
    assert_close(value([v], g, np.array([1, 2], dtype="int32")), [0.0, 0.0])


def test_float32_stays_float32():
    x = gt.fscalar("x")
    for cost in (x ** 2, gt.exp(x) * 2.0, gt.sigmoid(x) / (x + 1.0), gt.tanh(x) - x):
        g = grad(cost, x)
        assert g.dtype == "float32", cost
    assert value([x], grad(x ** 2, x), np.float32(3.0)).dtype == np.float32


@pytest.mark.parametrize("fn", ["round", "floor", "ceil", "sign", "trunc"])
def test_piecewise_constant_ops_have_zero_gradient(fn):
    v = gt.dvector("v")
    g = grad(gt.sum(getattr(gt, fn)(v) * v), v)
    # d/dv (f(v) * v) = f(v) since f' = 0
    x = np.array([-1.7, -0.2, 0.6, 2.5])
    assert_close(value([v], g, x), getattr(np, fn)(x))


def test_argmax_has_zero_gradient():
    v = gt.dvector("v")
    assert_close(value([v], grad(gt.argmax(v) * 1.0 + gt.sum(v * 0.0), v), [1.0, 3.0, 2.0]), np.zeros(3))


def test_abs_at_zero_has_zero_gradient():
    v = gt.dvector("v")
    assert_close(value([v], grad(gt.sum(abs(v)), v), [-2.0, 0.0, 3.0]), [-1.0, 0.0, 1.0])


def test_max_ties_send_the_gradient_to_every_tied_entry():
    v = gt.dvector("v")
    assert_close(value([v], grad(gt.max(v), v), [1.0, 3.0, 3.0]), [0.0, 1.0, 1.0])
    assert_close(value([v], grad(gt.min(v), v), [1.0, 1.0, 3.0]), [1.0, 1.0, 0.0])
    assert_close(value([v], grad(gt.sum(gt.maximum(v, 1.0)), v), [0.0, 1.0, 2.0]), [0.0, 1.0, 1.0])


def test_max_ties_r_op_sums_the_tangents():
    from gradlab.gradient import Rop
    v, t = gt.dvector("v"), gt.dvector("t")
    out = value([v, t], Rop(gt.max(v), v, t), [1.0, 3.0, 3.0], [1.0, 10.0, 100.0])
    assert out == 110.0


def test_gradients_add_over_every_use():
    x = gt.dscalar("x")
    cost = x * x + gt.sin(x) + x
    assert value([x], grad(cost, x), 0.3) == pytest.approx(2 * 0.3 + np.cos(0.3) + 1)


@pytest.mark.slow
def test_hundred_thousand_node_chain_differentiates_without_recursion():
    x = gt.dscalar("x")
    y = x
    for _ in range(100_000):
        y = -y
    limit = sys.getrecursionlimit()
    g = grad(y, x)
    assert sys.getrecursionlimit() == limit
    assert len(toposort([g])) > 100_000
    assert run_graph([g], [x], [1.5])[0] == 1.0  # an even number of negations


class PassThrough(Op):
    """``out = x`` whose gradient is the output gradient itself (no new nodes),
    so differentiating a chain of them measures the traversal alone."""

    def make_node(self, x):
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = inputs[0]

    def grad(self, inputs, output_grads):
        return [output_grads[0]]


def test_hundred_thousand_pass_through_nodes_differentiate_quickly():
    import time
    x = gt.dscalar("x")
    y = x
    op = PassThrough()
    for _ in range(100_000):
        y = op(y)
    start = time.perf_counter()
    g = grad(y * 3.0, x)
    assert time.perf_counter() - start < 60
    assert run_graph([g], [x], [2.0])[0] == 3.0


# ---------------------------------------------------------------------------
# subgraph_grad
def _two_layer_net():
    rng = np.random.default_rng(0)
    x, t = gt.fvector("x"), gt.fvector("t")
    w1 = gradlab.shared(rng.standard_normal((3, 4)), name="w1")
    w2 = gradlab.shared(rng.standard_normal((4, 2)), name="w2")
    a1 = gt.tanh(gt.dot(x, w1))
    a2 = gt.tanh(gt.dot(a1, w2))
    cost2 = gt.sqr(a2 - t).sum() + gt.sqr(w2.sum())
    cost1 = gt.sqr(w1.sum())
    return x, t, w1, w2, a1, cost1, cost2


def test_subgraph_grad_backpropagates_layer_by_layer():
    from gradlab.gradient import subgraph_grad
    x, t, w1, w2, a1, cost1, cost2 = _two_layer_net()
    params, costs, ends = [[w2], [w1]], [cost2, cost1], [[a1], [x]]
    next_grad, param_grads = None, []
    for i in range(2):
        param_grad, end_grad = subgraph_grad(wrt=params[i], end=ends[i], start=next_grad, cost=costs[i])
        next_grad = dict(zip(ends[i], end_grad))
        param_grads.extend(param_grad)
    full = grad(cost1 + cost2, [w2, w1])
    xv, tv = np.array([0.5, -1.0, 2.0], dtype="float32"), np.array([0.1, -0.3], dtype="float32")
    got = compile_fn([x, t], param_grads)(xv, tv)
    want = compile_fn([x, t], full)(xv, tv)
    for a, b in zip(got, want):
        assert_close(a, b)


def test_subgraph_grad_details_and_errors():
    from gradlab.gradient import subgraph_grad
    x, y = gt.dvector("x"), gt.dvector("y")
    h = gt.exp(x)
    cost = gt.sum(h * y)
    seed = {h: gt.constant(np.array([1.0, 2.0]))}
    wrt_grads, end_grads, start_grads, cost_grads = subgraph_grad([y], [h], start=seed, cost=cost, details=True)
    a, b = np.array([0.0, 1.0]), np.array([3.0, 4.0])
    run = compile_fn([x, y], wrt_grads + end_grads + start_grads + cost_grads)
    gy, gh, start_y, start_h, cost_y, cost_h = run(a, b)
    assert_close(gy, np.exp(a))          # the seed at h does not reach y; the cost gives exp(x)
    assert_close(gh, [1.0 + 3.0, 2.0 + 4.0])
    assert_close(start_y, [0.0, 0.0])
    assert_close(start_h, [1.0, 2.0])
    assert_close(cost_y, np.exp(a))
    assert_close(cost_h, b)
    with pytest.raises(ValueError, match="give a cost"):
        subgraph_grad([y], [h])
    with pytest.raises(TypeError, match="lists"):
        subgraph_grad(y, [h], cost=cost)
