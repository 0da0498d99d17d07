"""Issue 22, item 7: graphs and compiled functions pickle and deep-copy (as PyTensor's do),
however long the graph.  The right answer: what the original computes, in this process and
in a fresh one."""
from __future__ import annotations

import copy
import pickle
import subprocess
import sys

import numpy as np
import pytest

import gradlab
import gradlab.tensor as gt
from gradlab.compile.function_module import In, Out


def test_a_graph_pickles_and_computes_the_same():
    x = gt.dvector("x")
    y = x * 2 + 1
    loaded = pickle.loads(pickle.dumps(y))
    [x2] = [v for v in gradlab.graph.graph_inputs([loaded]) if getattr(v, "name", None) == "x"]
    np.testing.assert_allclose(loaded.eval({x2: [1.0, 2.0]}), [3.0, 5.0])
    assert gradlab.pp(loaded) == gradlab.pp(y)


def test_variables_pickled_together_keep_their_graph_inputs():
    x = gt.dscalar("x")
    a, b = pickle.loads(pickle.dumps([gt.exp(x), gt.sin(x)]))
    ia = gradlab.graph.graph_inputs([a])
    ib = gradlab.graph.graph_inputs([b])
    assert ia[0] is ib[0]
    f = gradlab.function([ia[0]], [a, b])
    np.testing.assert_allclose(f(0.5), [np.exp(0.5), np.sin(0.5)])


@pytest.mark.parametrize("mode", ["FAST_RUN", "FAST_COMPILE", "NO_REWRITE"])
def test_a_compiled_function_with_shared_state_and_updates_pickles(mode):
    W = gradlab.shared(np.array([[1.0, 2.0], [3.0, 4.0]]), name="W")
    x = gt.dvector("x")
    cost = ((W @ x) ** 2).sum()
    g = gt.grad(cost, W)
    f = gradlab.function([x], [cost, Out(g)], updates={W: W - 0.01 * g}, mode=mode)
    clone = pickle.loads(pickle.dumps(f))
    c1, g1 = f(np.array([1.0, -1.0]))
    c2, g2 = clone(np.array([1.0, -1.0]))
    np.testing.assert_allclose([c1, *g1.ravel()], [c2, *g2.ravel()])
    # the clone has its own copy of W (updated by its own call, not by f's)
    new_w = clone.maker.shared[0].get_value()
    np.testing.assert_allclose(new_w, W.get_value())
    assert clone.maker.mode.name == f.maker.mode.name


def test_a_stateful_input_pickles_with_its_current_value():
    x = gt.dscalar("x")
    f = gradlab.function([In(x, value=0.0, update=x + 1)], x * 10)
    f(), f()
    clone = pickle.loads(pickle.dumps(f))
    assert float(clone()) == 20.0 and float(clone()) == 30.0


def test_a_scan_function_pickles():
    x = gt.dvector("x")
    out, _ = gradlab.scan(lambda v, acc: acc + v, sequences=[x], outputs_info=[gt.constant(0.0)])
    f = gradlab.function([x], out[-1])
    clone = pickle.loads(pickle.dumps(f))
    assert float(clone([1.0, 2.0, 3.0])) == 6.0


def test_a_pickled_function_loads_in_a_fresh_process(tmp_path):
    x = gt.dscalar("x")
    s = gradlab.shared(5.0, name="s")
    f = gradlab.function([x], gt.grad(x ** 3, x) + s, updates={s: s + 1})
    path = tmp_path / "f.pkl"
    path.write_bytes(pickle.dumps(f))
    code = ("import pickle, sys; f = pickle.loads(open(sys.argv[1], 'rb').read()); "
            "print(float(f(2.0)), float(f(2.0)))")
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["17.0", "18.0"]


def chain(n):
    x = gt.dscalar("x")
    z = x
    for _ in range(n):
        z = z + 1
    return x, z


def depth(var):
    node, n = var.owner, 0
    while node is not None:
        n += 1
        node = node.inputs[0].owner
    return n


def test_a_50000_node_chain_deep_copies_without_recursion():
    x, z = chain(50_000)
    copied = copy.deepcopy(z)
    assert depth(copied) == 50_000
    [xc] = gradlab.graph.graph_inputs([copied])[:1]
    assert xc is not x and xc.name == "x"        # a deep copy copies the inputs too


def test_a_long_chain_pickles_and_computes_the_same():
    x, z = chain(5_000)
    loaded = pickle.loads(pickle.dumps(z))
    assert depth(loaded) == 5_000
    [xl] = [v for v in gradlab.graph.graph_inputs([loaded]) if v.name == "x"]
    assert float(gradlab.function([xl], loaded, mode="FAST_COMPILE")(1.0)) == 5_001.0
