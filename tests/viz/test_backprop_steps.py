"""Backprop step pictures: the numbers drawn are gradlab's forward values and gradients."""
import re

import numpy as np
import pytest

import gradlab
import gradlab.tensor as gt
from gradlab.viz.backprop_steps import backprop_steps, highlight_edge, stored_for_backward, stored_values_picture

pytest.importorskip("graphviz")


def micrograd():
    a, b, c, f = (gt.dscalar(n) for n in "abcf")
    e = a * b
    e.name = "e"
    d = e + c
    d.name = "d"
    L = d * f
    L.name = "L"
    return (a, b, c, f), (e, d), L


VALUES = [2.0, -3.0, 10.0, -2.0]


def label_of(step, var):
    """The label text drawn for ``var`` in the step's DOT source."""
    for line in step.digraph.body:
        if line.strip().startswith("v") and re.search(rf'label="?{var.name}(\\n|"| )', line):
            return line
    raise AssertionError(f"{var.name} not drawn")


def test_steps_in_order_and_final_adjoints_equal_grad():
    inputs, (e, d), L = micrograd()
    steps = backprop_steps(L, inputs, VALUES)
    assert [s.phase for s in steps] == ["forward"] * 3 + ["seed"] + ["backward"] * 6
    wrt = list(inputs) + [e, d]
    expected = gradlab.function(list(inputs), gt.grad(L, wrt))(*VALUES)
    final = steps[-1].adjoints
    for var, want in zip(wrt, expected):
        assert np.allclose(final[var], want)
    # hand-derived: dL/da = f*b, dL/db = f*a, dL/dc = f, dL/df = a*b + c
    assert [float(final[v]) for v in inputs] == [6.0, -4.0, -2.0, 4.0]


def test_drawn_values_and_adjoints_match_grad():
    inputs, (e, d), L = micrograd()
    steps = backprop_steps(L, inputs, VALUES)
    last = steps[-1]
    assert "value -6" in label_of(last, e) and "grad -2" in label_of(last, e)
    assert "value 4" in label_of(last, d) and "grad -2" in label_of(last, d)
    assert "value 2" in label_of(last, inputs[0]) and "grad 6" in label_of(last, inputs[0])
    # before the backward pass reaches b, its adjoint is drawn as unknown
    seed = next(s for s in steps if s.phase == "seed")
    assert "grad —" in label_of(seed, inputs[1])
    # during the forward pass, L has no value yet after step 1
    assert "value" not in label_of(steps[0], L)


def test_each_backward_step_outlines_one_edge_and_says_the_chain_rule():
    inputs, (e, d), L = micrograd()
    steps = [s for s in backprop_steps(L, inputs, VALUES) if s.phase == "backward"]
    for s in steps:
        outlined = [line for line in s.digraph.body if "->" in line and "penwidth" in line]
        assert len(outlined) == 1
    a_step = next(s for s in steps if s.variable is inputs[0])
    assert a_step.caption.endswith("dL/da += dL/de · ∂e/∂a = -2 · -3 = 6")
    assert float(a_step.term) == 6.0


def test_a_variable_used_twice_sums_its_terms():
    x = gt.dscalar("x")
    y = x * x + x
    y.name = "y"
    steps = [s for s in backprop_steps(y, [x], [3.0], forward=False) if s.phase == "backward"]
    terms = [float(s.term) for s in steps if s.variable is x]
    assert sorted(terms) == [1.0, 3.0, 3.0]
    assert float(steps[-1].adjoints[x]) == 7.0          # 2x + 1 at 3
    assert "(now 7)" in steps[-1].caption


def test_logistic_steps_fit_the_page():
    x = gt.dscalar("x")
    s = 1 / (1 + gt.exp(-x))
    s.name = "s"
    steps = backprop_steps(s, [x], [1.0], rankdir="TB")
    sig = 1 / (1 + np.exp(-1.0))
    assert np.isclose(steps[-1].adjoints[x], sig * (1 - sig))
    svg = steps[-1].digraph.pipe(format="svg", encoding="utf-8")
    width = float(re.search(r'<svg width="([\d.]+)pt"', svg).group(1))
    assert width * 96 / 72 <= 900


def test_highlight_edge_keeps_position_and_reports_missing():
    inputs, _, L = micrograd()
    dot = backprop_steps(L, inputs, VALUES, forward=False)[0].digraph
    before = list(dot.body)
    assert highlight_edge(dot, "v0", "n0")
    changed = [i for i, (x, y) in enumerate(zip(before, dot.body)) if x != y]
    assert len(changed) == 1 and "penwidth" in dot.body[changed[0]]
    assert not highlight_edge(dot, "v0", "n99")


def test_stored_values_are_what_the_gradient_reads():
    inputs, (e, d), L = micrograd()
    a, b, c, f = inputs
    # dL/da = dL/de * b, dL/db = dL/de * a, dL/dd = f, dL/df = d; c's adjoint needs no value
    assert stored_for_backward(L, inputs) == [a, b, f, d]
    x = gt.dscalar("x")
    v = gt.exp(-x)
    w = 1 + v
    s = 1 / w
    assert stored_for_backward(s, [x]) == [v, w]
    dot = stored_values_picture(L, inputs, dict(zip(inputs, VALUES)))
    outlined = [line for line in dot.body if "penwidth" in line and "label=" in line]
    assert len(outlined) == 4
    assert "the 4 values the backward pass reads (1 computed by the forward pass, 3 inputs)" in dot.source
    x = gt.dscalar("x")
    title = stored_values_picture(gt.sin(gt.sin(x)), [x], {x: 0.5}).source
    assert "the 2 values the backward pass reads (1 computed by the forward pass, 1 input)" in title
