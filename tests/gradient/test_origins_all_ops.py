"""Every node grad, Lop and Rop build, for every op of the all-ops gradient
table, records an origin that leads back to a forward node of that graph
(``gradlab.graph.origin``); jacobian, hessian and hessian_vector_product too."""
from __future__ import annotations

import numpy as np
import pytest

import gradlab.tensor as gt
from gradlab.graph import toposort
from gradlab.graph.origin import KINDS, MODES, mark
from gradlab.gradient import Lop, Rop, grad, hessian, hessian_vector_product, jacobian

from test_all_ops_grad import ROW_IDS, ROWS, SMOOTH_ROWS, _instantiate, _points, _require


def _check_built(results, since: int, forward_nodes: set, mode: str = None) -> int:
    """Every node made after ``since`` that ``results`` need has an origin whose
    chain of forward nodes reaches ``forward_nodes``; returns how many were checked."""
    built = [n for n in toposort(list(results)) if n.outputs and n.outputs[0].auto_id > since]
    for node in built:
        origin = node.origin
        assert origin is not None, f"{node.op} built by the derivative has no origin"
        assert origin.kind in KINDS and origin.mode in MODES
        if mode is not None and origin.kind == "rule":
            assert origin.mode == mode
        hops, at = 0, origin.node
        while at is not None and at not in forward_nodes and at.origin is not None and hops < 8:
            at, hops = at.origin.node, hops + 1
        # the chain ends at a forward node of the graph, or (a looped jacobian) at the
        # loop body's read ``flat[i]`` that the same call built
        assert at in forward_nodes or (at is not None and at.outputs[0].auto_id > since), \
            f"{node.op}: origin {origin.kind} does not lead to a forward node"
        if origin.kind == "rule" and origin.mode == "reverse":
            assert 0 <= origin.input < len(origin.node.inputs)
    return len(built)


@pytest.mark.parametrize("row", ROWS, ids=ROW_IDS)
def test_every_grad_lop_rop_node_has_an_origin(row) -> None:
    _require(row)
    points = _points(row)
    xs, out = _instantiate(row, points)
    w = out.type("w")                      # a weight: every entry of the output matters
    cost = (out * w).sum() if out.ndim else out * w
    forward = set(toposort([cost]))
    since = mark()
    grads = grad(cost, xs, disconnected_inputs="ignore")
    assert _check_built(grads, since, forward, "reverse") >= 1

    if np.dtype(out.dtype).kind != "f":
        return  # a discrete output has no cotangent or tangent of its own (grad's zeros are checked above)
    forward_out = set(toposort([out]))
    u = out.type()
    since = mark()
    _check_built(Lop(out, xs, u, disconnected_inputs="ignore"), since, forward_out, "reverse")
    tangents = [x.type() for x in xs]
    for use_op in (True, False):
        since = mark()
        answer = Rop(out, xs, tangents, disconnected_outputs="ignore", use_op_rop_implementation=use_op)
        _check_built([answer], since, forward_out)


@pytest.mark.parametrize("row", SMOOTH_ROWS[:12])
def test_every_jacobian_hessian_node_has_an_origin(row) -> None:
    _require(row)
    points = _points(row)
    xs, out = _instantiate(row, points)
    x = xs[0]
    cost = out.sum() if out.ndim else out
    forward = set(toposort([cost]))
    for vectorize in (False, True):
        since = mark()
        _check_built([jacobian(out, x, disconnected_inputs="ignore", vectorize=vectorize)], since, set(toposort([out])))
    since = mark()
    _check_built([hessian_vector_product(cost, x, x.type(), disconnected_inputs="ignore")], since, forward)
    if x.ndim == 1:
        since = mark()
        _check_built([hessian(cost, x, disconnected_inputs="ignore")], since, forward)


def test_a_value_read_twice_gets_a_sum_naming_its_readers() -> None:
    x = gt.dscalar("x")
    e, s = gt.exp(x), gt.sin(x)
    g = grad(e * s, x)
    origin = g.owner.origin
    assert origin.kind == "sum" and origin.variable is x
    assert {n.op.scalar_op.name for n in origin.readers} == {"exp", "sin"}


def test_origins_are_linear_and_a_long_chain_still_differentiates() -> None:
    """Counting: the nodes stamped at N and 2N differ by a factor of 2 (one
    record per built node), and a 100,000-node chain differentiates."""
    def stamped(n: int) -> int:
        x = gt.dscalar("x")
        y = x
        for _ in range(n):
            y = gt.sin(y)
        since = mark()
        g = grad(y, x)
        return sum(1 for node in toposort([g]) if node.outputs[0].auto_id > since and node.origin is not None)
    a, b = stamped(500), stamped(1000)
    assert b == 2 * a - 1 or b == 2 * a, (a, b)
    x = gt.dscalar("x")
    y = x
    for _ in range(100_000):
        y = y * 1.0001
    g = grad(y, x)
    assert g.owner.origin is not None
