"""gradlab.explain.origin in words and as data, and origins through rewriting
(derived from the trace) over the rewrite property tests' programs."""
from __future__ import annotations

import numpy as np
import pytest

import gradlab
import gradlab.tensor as gt
from gradlab import explain
from gradlab.graph import toposort

from rewrite_programs import OPS, build, make_inputs
from test_rewrite_properties import REGRESSIONS


def test_origin_names_the_forward_node_and_input() -> None:
    x = gt.dscalar("x")
    y = gt.exp(x * 2.0)
    g = gradlab.grad(y, x)
    by_label = {explain.label(n.origin) for n in toposort([g]) if n.origin is not None}
    assert "∂ of exp, node 1" in by_label and "∂ of mul, node 0" in by_label and "seed" in by_label
    report = explain.origin(g)
    assert report.data["kind"] == "rule" and report.data["op"] == "mul" and report.data["input"] == 0
    assert report.data["node"] is y.owner.inputs[0].owner      # the forward x * 2.0
    assert "reverse rule (vjp) of mul" in report.text and "input 0 (x)" in report.text


def test_origin_of_a_forward_node_and_of_a_tangent() -> None:
    x, v = gt.dvector("x"), gt.dvector("v")
    y = gt.sin(x)
    assert explain.origin(y).record is None
    assert "as written" in str(explain.origin(y))
    t = gradlab.gradient.Rop(y, x, v)
    records = [n.origin for n in toposort([t]) if n.origin is not None]
    assert {r.mode for r in records} == {"forward"}
    rule = next(r for r in records if r.kind == "rule")
    assert rule.node is y.owner and rule.output == 0
    assert "forward rule (jvp) of sin" in explain.describe(rule)


def test_the_sum_for_a_value_read_twice() -> None:
    x = gt.dscalar("x")
    g = gradlab.grad(gt.exp(x) * gt.sin(x), x)
    report = explain.origin(g)
    assert report.data["kind"] == "sum" and report.data["variable"] is x
    assert "read 2 times" in report.text and explain.label(report.record) == "sum for x (read 2×)"


def test_origin_rejects_what_is_not_a_variable() -> None:
    with pytest.raises(TypeError, match="symbolic variable"):
        explain.origin(3.0)


def test_the_seeds_compiled_two_x_lists_the_six_nodes_it_came_from() -> None:
    x = gt.dscalar("x")
    gy = gradlab.grad(x ** 2, x)
    f = gradlab.function([x], gy)
    assert f(4.0) == 8.0
    [node] = explain.compiled_nodes(f)
    assert node.text == "mul(2.0, x)"
    user_nodes = set(toposort([gy]))
    assert len(node.replaces) == 6 and set(node.replaces) == user_nodes
    assert set(node.origins) == {"forward graph", "seed", "∂ of pow, node 0"}
    assert "constant_folding" in node.rules and "pow_one" in node.rules


def test_a_fused_composite_names_the_rules_of_what_it_computes() -> None:
    x = gt.dvector("x")
    f = gradlab.function([x], gradlab.grad((gt.exp(x) * gt.sin(x)).sum(), x))
    composites = [c for c in explain.compiled_nodes(f) if "Composite" in c.text]
    assert composites
    labels = set(composites[0].origins)
    assert {"∂ of exp, node 0", "∂ of sin, node 1", "∂ of mul, node 2"} <= labels
    assert "fuse_elemwise" in composites[0].rules


def _programs() -> list:
    chosen = [p for p, _ in REGRESSIONS]
    chosen += [[(k, 0, 1, k), (k, 3, 1, k + 1)] for k in range(len(OPS))]   # every op, twice
    return chosen


@pytest.mark.parametrize("program", _programs())
def test_origins_survive_every_rewrite(program) -> None:
    """Every node of the compiled graph replaces nodes of the graph the user built
    (forward and gradient), and every rule that fired is named by a node that
    carries its work, or removed nodes only (the value became a constant or input)."""
    inputs = make_inputs()
    outputs = build(program, inputs)
    f = gradlab.function(inputs, outputs, on_unused_input="ignore")
    user_nodes = set(toposort(outputs))
    grad_nodes = {n for n in user_nodes if n.origin is not None}
    found = explain.derivation(f)
    covered: set = set()
    for node in f.maker.fgraph.toposort():
        replaced = found.replaces(node)
        assert replaced, f"{node.op} replaces no node of the user's graph"
        assert set(replaced) <= user_nodes
        covered.update(replaced)
    # every gradient node the compiled graph still computes keeps its origin record
    assert all(n.origin is not None for n in covered & grad_nodes)
    assert set(found.initial) and len(found.user) == len(found.initial)


def test_pytensor3_pullback_and_pushforward_record_origins_too() -> None:
    x, t, u = gt.dvector("x"), gt.dvector("t"), gt.dvector("u")
    y = gt.exp(x)
    pushed = gradlab.gradient.pushforward(y, x, t)          # the pullback of a pullback, by default
    pulled = gradlab.gradient.pullback(y, x, u)
    for answer in (pushed, pulled):
        built = [n for n in toposort([answer]) if n is not y.owner]
        assert built and all(n.origin is not None for n in built)
    assert pulled.owner.origin.node is y.owner and pulled.owner.origin.input == 0


def test_an_origin_is_plain_data_a_serializer_can_remap() -> None:
    """A flat graph pickler writes node references as numbers and reads them back."""
    import pickle
    x = gt.dscalar("x")
    g = gradlab.grad(gt.exp(x) * gt.sin(x), x)
    nodes = toposort([g])
    number = {n: k for k, n in enumerate(nodes)}
    def var_ref(v):
        return "x" if v is x else (number[v.owner], v.index)

    def var_back(ref):
        return x if ref == "x" else nodes[ref[0]].outputs[ref[1]]
    flat = [None if n.origin is None else n.origin.remap(number.get, var_ref) for n in nodes]
    assert all(o is None or isinstance(o.node, int) for o in flat)
    loaded = pickle.loads(pickle.dumps(flat))
    back = [None if o is None else o.remap(nodes.__getitem__, var_back) for o in loaded]
    assert back == [n.origin for n in nodes]
