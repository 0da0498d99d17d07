"""The Scan op itself: its compiled loop (Python floats for scalar
recurrences, numpy otherwise, compiled once), shape inference, connection
pattern, printing, and the rule that prunes unused loop outputs."""
import numpy as np
import pytest

import gradlab
import gradlab.tensor as gt
from gradlab.graph.traversal import toposort
from gradlab.compile.rule_sets import resolve
from gradlab.scan.loop import general_loop, inner_fgraph
from gradlab.scan.op import Scan


def _scan_nodes(f):
    return [node for node in f.maker.fgraph.toposort() if isinstance(node.op, Scan)]


def _recurrence(step, **kw):
    a, x, h0 = gt.dscalar("a"), gt.dvector("x"), gt.dscalar("h0")
    h, _ = gradlab.scan(step, sequences=x, outputs_info=h0, non_sequences=a, **kw)
    return [a, x, h0], h


SCALAR_STEPS = {
    "tanh": lambda x_t, h, a: gt.tanh(a * h + x_t),
    "logistic and powers": lambda x_t, h, a: gt.sigmoid(a * h) + x_t ** 2 * 0.1 - gt.tanh(h) ** 3 / 7,
    "switch and comparisons": lambda x_t, h, a: gt.switch(gt.gt(x_t, 0), h * a, h - x_t),
    "min, max, abs, sign": lambda x_t, h, a: gt.maximum(h, x_t) * 0.5 + gt.minimum(gt.abs(h), a) * gt.sign(x_t),
    "exp, log1p, softplus": lambda x_t, h, a: gt.log1p(gt.exp(-gt.abs(h))) + gt.softplus(x_t) * a,
    "division and sqrt": lambda x_t, h, a: gt.sqrt(h * h + 1) / (a + x_t * x_t),
}


@pytest.mark.parametrize("case", list(SCALAR_STEPS))
def test_scalar_recurrences_run_on_python_floats_with_numpys_values(case):
    inputs, h = _recurrence(SCALAR_STEPS[case])
    op = h.owner.op
    fast = op.loop_function(("merge", "constant_folding", "canonicalize"))
    assert "scan_loop_scalar" in fast.source, "a scalar recurrence gets the Python-float loop"
    slow = general_loop(op, inner_fgraph(op, ()))
    xv = np.random.default_rng(3).standard_normal(50)
    args = (np.int64(50), xv, np.asarray(0.2), np.asarray(0.7))
    np.testing.assert_allclose(fast(*args)[0], slow(*args)[0], rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("step, values, want", [
    (lambda x_t, h, a: gt.log(x_t) + h * a, [-1.0, 2.0], [np.nan, np.nan]),
    (lambda x_t, h, a: gt.exp(x_t * 1000.0) + h * a, [1.0, -1.0], [np.inf, np.inf]),
    (lambda x_t, h, a: x_t / (h * 0.0) + a, [1.0, 1.0], [np.inf, np.inf]),
])
def test_where_math_raises_the_loop_gives_numpys_inf_and_nan(step, values, want):
    inputs, h = _recurrence(step)
    f = gradlab.function(inputs, h)
    assert "scan_loop_scalar" in _scan_nodes(f)[0].op.loop_function(resolve(f.maker.mode.sets)).source
    with np.errstate(all="ignore"):
        got = f(1.0, values, 0.0)
    np.testing.assert_array_equal(got, want)


def test_a_recurrence_on_vectors_uses_the_numpy_loop():
    W, h0 = gt.dmatrix("W"), gt.dvector("h0")
    h, _ = gradlab.scan(lambda h, W: gt.dot(W, h), outputs_info=h0, non_sequences=W, n_steps=3)
    source = h.owner.op.loop_function(()).source
    assert "scan_loop_scalar" not in source and "for t in range(n):" in source


def test_the_inner_graph_is_compiled_once():
    inputs, h = _recurrence(SCALAR_STEPS["tanh"])
    f = gradlab.function(inputs, [h, gt.grad(h.sum(), inputs[0])])
    loops = {id(node.op): node.op.loop_function(resolve(f.maker.mode.sets)) for node in _scan_nodes(f)}
    for _ in range(3):
        f(0.5, [1.0, 2.0, 3.0], 0.0)
    for node in _scan_nodes(f):
        assert node.op.loop_function(resolve(f.maker.mode.sets)) is loops[id(node.op)]
        assert len(node.op._loops) == 1


def test_benchmark_recurrence_runs_both_loops_on_floats_and_prunes_the_unused_gradient():
    inputs, h = _recurrence(SCALAR_STEPS["tanh"])
    a = inputs[0]
    f = gradlab.function(inputs, [h[-1], gt.grad(h[-1], a)])
    nodes = _scan_nodes(f)
    assert len(nodes) == 2
    for node in nodes:
        assert "scan_loop_scalar" in node.op.loop_function(resolve(f.maker.mode.sets)).source
    reverse = next(node for node in nodes if node.op.spec.name == "grad")
    assert reverse.op.spec.n_maps == 0, "the gradient of the sequence x is not computed: nobody reads it"
    assert "tanh" not in str(gradlab.dprint(reverse.op.inner_outputs, file="str")), \
        "the reverse step reads h[t] from the forward trace instead of recomputing it"


def test_infer_shape_gives_the_runtime_shapes():
    x, v, h0 = gt.dmatrix("x"), gt.dvector("v"), gt.dvector("h0")
    outs, _ = gradlab.scan(lambda x_t, h, v: [h + x_t.sum(), gt.outer(x_t, v), h[0]], sequences=x,
                           outputs_info=[h0, None, None], non_sequences=v)
    node = outs[0].owner
    shapes = node.op.infer_shape(None, node, [tuple(i.shape[k] for k in range(i.ndim)) for i in node.inputs])
    flat = [entry for shape in shapes for entry in shape]
    f = gradlab.function([x, v, h0], [gt.as_tensor_variable(e) if not isinstance(e, int) else gt.constant(e)
                                      for e in flat] + outs, on_unused_input="ignore")
    xv, vv, hv = np.ones((4, 3)), np.ones(5), np.ones(2)
    results = f(xv, vv, hv)
    inferred, values = results[:len(flat)], results[len(flat):]
    pos = 0
    for value, shape in zip(values, shapes):
        assert tuple(int(s) for s in inferred[pos:pos + len(shape)]) == value.shape
        pos += len(shape)
    assert shapes[1][1] is not outs[1], "the step shape of outer(x_t, v) comes from x's and v's shapes"


def test_connection_pattern_follows_the_recurrence():
    x, h0, c0, w = gt.dvector("x"), gt.dscalar("h0"), gt.dscalar("c0"), gt.dscalar("w")
    # c feeds h, x feeds c; w feeds only the map
    (h, c, y), _ = gradlab.scan(lambda x_t, h, c, w: [h + c, c + x_t, w * x_t], sequences=x,
                                outputs_info=[h0, c0, None], non_sequences=w)
    node = h.owner
    pattern = node.op.connection_pattern(node)
    names = [str(v) for v in node.inputs]
    row = {name: pattern[i] for i, name in enumerate(names)}
    assert row["x"] == [True, True, True]
    assert row["h0"] == [True, False, False]
    assert row["c0"] == [True, True, False]
    assert row["w"] == [False, False, True]


def test_dprint_shows_the_inner_graph_once_and_pp_is_one_line():
    x, h0 = gt.dvector("x"), gt.dscalar("h0")
    (h, y), _ = gradlab.scan(lambda x_t, h: [gt.tanh(h + x_t), h * 2], sequences=x, outputs_info=[h0, None],
                             name="rnn")
    text = gradlab.dprint([h, y, h + y.sum()], file="str")
    assert text.count("Inner graph of Scan{rnn}") == 1
    inner = text.split("Inner graph of Scan{rnn}")[1]
    assert "x[t]" in inner and "h0[t-1]" in inner and "tanh" in inner
    line = gradlab.pp(h)
    assert "\n" not in line and line.startswith("Scan{rnn}.0(")
    f = gradlab.function([x, h0], [h, y])
    assert gradlab.dprint(f, file="str").count("Inner graph of") == 1


def test_closures_and_loop_invariant_values_are_hoisted_out_of_the_loop():
    x, W = gt.dvector("x"), gt.dmatrix("W")
    y, _ = gradlab.scan(lambda x_t: x_t * gt.exp(W).sum(), sequences=x)
    op = y.owner.op
    inner_ops = [type(n.op).__name__ for n in toposort(op.inner_outputs, op.inner_inputs)]
    assert inner_ops == ["Elemwise"], "exp(W).sum() is computed once, before the loop"
    assert len(op.inner_nonseqs) == 1 and op.inner_nonseqs[0].ndim == 0
