"""Fusion into Composite nodes and in-place buffers: the generated code is
whole-array numpy calls with out=, values equal the unfused graph's, and no
caller's array is ever written."""
from __future__ import annotations

import re

import numpy as np
import pytest

import gradlab
import gradlab.tensor as gt
from gradlab.gradient import grad
from gradlab.printing import pp
from gradlab.rewrite import rewrite_graph
from gradlab.rewrite.composite import Composite, FusedElemwise
from rewrite_helpers import run, run_fgraph

FUSE = ("merge", "constant_folding", "fusion")


def _fused_nodes(fgraph):
    return [n for n in fgraph.apply_nodes if isinstance(n.op, FusedElemwise)]


def test_chain_becomes_one_composite_with_readable_expression():
    x, y = gt.dvector("x"), gt.dvector("y")
    expr = gt.exp(-x) * 2.0 + gt.tanh(y)
    r = rewrite_graph(expr, sets=FUSE)
    (node,) = r.graph.apply_nodes
    assert isinstance(node.op.scalar_op, Composite)
    assert node.op.scalar_op.inner_expression(["a", "b"]) == "((exp((-a)) * 2.0) + tanh(b))"
    assert pp(r.graph.outputs[0]) == "((exp((-x)) * 2.0) + tanh(y))"
    assert r.steps[-1].rule == "fuse_elemwise" and len(r.steps[-1].removed) == 5


def test_shared_subexpression_inside_the_region_is_computed_once():
    x = gt.dmatrix("x")
    e = gt.exp(-abs(x))
    r = rewrite_graph(e / gt.sqr(1 + e), sets=FUSE)
    (node,) = r.graph.apply_nodes
    program = node.op.scalar_op.program
    assert [op.name for op, *_ in program].count("exp") == 1


def test_generated_code_uses_out_buffers_and_reuses_them():
    x = gt.dmatrix("x")
    f = gradlab.function([x], grad(gt.sum(1 / (1 + gt.exp(-x))), x))
    src = f.maker.source
    assert src.count("np.empty(") == 2                 # six calls, two buffers
    assert len(re.findall(r"out=_buf", src)) == 6
    assert "for " not in src.split("def compiled")[1]  # no Python loop over entries
    xv = np.linspace(-5, 5, 12).reshape(3, 4)
    s = 1 / (1 + np.exp(-xv))
    np.testing.assert_allclose(f(xv), s * (1 - s), rtol=1e-12)


@pytest.mark.parametrize("shape", [(), (4,), (2, 3)])
def test_perform_equals_generated_code_for_every_rank(shape):
    x, y = gt.tensor("float64", (None,) * len(shape), name="x"), gt.dscalar("y")
    expr = gt.sigmoid(x * y) * gt.fill(x, 3.0) + gt.maximum(x, 0.5) - gt.round(x)
    r = rewrite_graph(expr, sets=FUSE)
    assert len(_fused_nodes(r.graph)) == 1
    xv = np.asarray(np.random.default_rng(0).uniform(-3, 3, size=shape))
    (via_perform,) = run_fgraph(r.graph, [xv, 1.5])
    (want,) = run([expr], [x, y], [xv, 1.5])
    f = gradlab.function([x, y], expr)
    np.testing.assert_allclose(via_perform, want, rtol=1e-12)
    np.testing.assert_allclose(f(xv, 1.5), want, rtol=1e-12)
    assert np.asarray(f(xv, 1.5)).shape == shape


def test_float32_and_weak_constants_keep_their_dtype():
    x = gt.fvector("x")
    f = gradlab.function([x], gt.exp(x * 0.5) + 1)
    out = f(np.array([0.0, 2.0], dtype="float32"))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, np.exp(np.array([0.0, 1.0])) + 1, rtol=1e-6)


def test_equal_composites_merge():
    x = gt.dvector("x")
    a = gt.exp(-x) * 2
    b = gt.exp(-x) * 2
    r = rewrite_graph([gt.sum(a), gt.max(b)], sets=("merge", "fusion"))
    assert len(_fused_nodes(r.graph)) == 1


def test_region_stops_at_values_read_elsewhere():
    x = gt.dvector("x")
    t = gt.tanh(x * 2)
    r = rewrite_graph([gt.exp(t) + 1, gt.sum(t)], sets=FUSE)
    assert len(_fused_nodes(r.graph)) == 2              # tanh(x*2) is read by Sum as well


def test_in_place_reuses_a_dot_result_but_never_a_callers_array():
    X, W, b = gt.dmatrix("X"), gt.dmatrix("W"), gt.dvector("b")
    f = gradlab.function([X, W, b], [gt.tanh(X @ W + b), X * 2 + 1, (X @ W.T) * 2])
    kinds = {type(n.op).__name__ for n in f.maker.fgraph.apply_nodes}
    assert "InplaceFusedElemwise" in kinds and "InplaceElemwise" in kinds
    rng = np.random.default_rng(1)
    Xv, Wv, bv = rng.random((3, 3)), rng.random((3, 3)), rng.random(3)
    before = [Xv.copy(), Wv.copy(), bv.copy()]
    h, lin, d = f(Xv, Wv, bv)
    for arr, copy in zip((Xv, Wv, bv), before):
        np.testing.assert_array_equal(arr, copy)
    np.testing.assert_allclose(h, np.tanh(Xv @ Wv + bv))
    np.testing.assert_allclose(lin, Xv * 2 + 1)
    np.testing.assert_allclose(d, (Xv @ Wv.T) * 2)
    h2, _, _ = f(Xv, Wv, bv)
    assert h2 is not h                                   # every call returns fresh arrays


def test_fused_node_says_it_cannot_be_differentiated():
    x = gt.dvector("x")
    r = rewrite_graph(gt.exp(x) * 2, sets=FUSE)
    node = next(iter(r.graph.apply_nodes))
    with pytest.raises(NotImplementedError, match="differentiate"):
        node.op.L_op(node.inputs, node.outputs, [x])
