"""leftovers(f): what survives compiling that a reader would not expect, each with its origin."""
from __future__ import annotations

import numpy as np

import gradlab
import gradlab.tensor as gt
from gradlab.explain import leftovers
from gradlab.explain.leftovers import BROADCAST, TWICE, UNREAD_OUTPUT, UNUSED_INPUT


def _kinds(f) -> dict:
    found: dict = {}
    for item in leftovers(f):
        found.setdefault(item.kind, []).append(item)
    return found


def test_a_value_computed_twice_and_a_fill_that_only_broadcasts() -> None:
    x = gt.dvector("x")
    f = gradlab.function([x], [gt.exp(x) * 2, gt.exp(x) + 1, gt.fill(x, 2.0) * x], mode="NO_REWRITE")
    found = _kinds(f)
    [twice] = found[TWICE]
    assert twice.text == "the same value is computed by `exp(x)` and by `exp(x)`" and len(twice.nodes) == 2
    [fill] = found[BROADCAST]
    assert "`fill(x, 2.0)` only broadcasts" in fill.text
    assert twice.origins == ("forward graph",)


def test_the_compiled_seed_gradient_leaves_nothing_surprising() -> None:
    x = gt.dscalar("x")
    f = gradlab.function([x], gt.grad(x ** 2, x))
    assert leftovers(f) == []
    np.testing.assert_allclose(f(3.0), 6.0)


def test_an_unused_loop_body_input() -> None:
    x, s = gt.dvector("x"), gt.dvector("s")
    out, _ = gradlab.scan(lambda a, x: x * 2 + 1, outputs_info=[s], non_sequences=[x], n_steps=3)
    f = gradlab.function([s, x], out, on_unused_input="ignore")
    [item] = _kinds(f)[UNUSED_INPUT]
    assert "input 0 (s[t-1])" in item.text


def test_a_loop_output_of_a_gradient_nobody_reads_names_its_origin() -> None:
    x, s = gt.dvector("x"), gt.dvector("s")
    out, _ = gradlab.scan(lambda a, x: gt.tanh(a) * x, outputs_info=[s], non_sequences=[x], n_steps=3)
    f = gradlab.function([s, x], gt.grad(out[-1].sum(), x))
    [item] = _kinds(f)[UNREAD_OUTPUT]
    assert "output 0 of the loop" in item.text and item.origins == ("∂ of Scan, node 0",)
