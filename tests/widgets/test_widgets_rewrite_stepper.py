"""RewriteStepper: the slider walks f.maker.trace — each step's rule, the pp
text before and after (chained step to step, ending at the compiled graph),
and a picture with the matched and new nodes outlined."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("graphviz")

import gradlab
import gradlab.tensor as gt
from gradlab.rewrite import rewrite_graph
from gradlab.widgets import RewriteStepper
from widget_helpers import highlighted, svg_texts


def test_the_seed_gradient_steps_from_the_built_graph_to_two_x():
    x = gt.dscalar("x")
    gy = gt.grad(x ** 2, x)
    f = gradlab.function([x], gy)
    stepper = RewriteStepper(f)
    steps = f.maker.trace.steps
    assert stepper.n_steps == len(steps) > 0
    assert stepper.slider.max == stepper.play.max == len(steps) - 1
    assert stepper.pp_before == gradlab.pp(gy)                     # step 0 starts from the user's graph
    previous_after = None
    for k, step in enumerate(steps):
        stepper.step = k
        assert stepper.error_message == ""
        assert (stepper.rule_name, stepper.rule_set, stepper.pattern_text, stepper.node_text) == (
            step.rule, step.rule_set, step.pattern_text, step.node_text)
        assert step.rule in stepper.rule.value
        if previous_after is not None:
            assert stepper.pp_before == previous_after                # the steps chain
        previous_after = stepper.pp_after
        assert f"step {k}: {step.rule}" in " ".join(svg_texts(stepper.svg))
    assert stepper.pp_after == gradlab.pp(f) == "(2.0 * x)"


def test_the_matched_node_is_outlined_before_and_the_new_nodes_after():
    x = gt.dscalar("x")
    stepper = RewriteStepper(gt.exp(gt.log(x)) * 1.0 + x * 0.0)
    seen = set()
    for k in range(stepper.n_steps):
        stepper.step = k
        matched = highlighted(stepper.svg, "matched")
        assert len(matched) == 1 and matched[0].startswith("b_")           # on the "before" side
        assert all(n.startswith("a_") for n in highlighted(stepper.svg, "new"))
        seen.add(stepper.svg)
    assert len(seen) == stepper.n_steps                                     # every step has its own picture


STEP_CASES = [
    ("logistic gradient", lambda x: gt.grad(1 / (1 + gt.exp(-x)), x), "FAST_RUN"),
    ("exp of log", lambda x: gt.exp(gt.log(x)) + x * 1, "FAST_RUN"),
    ("folding only", lambda x: x * (gt.constant(2.0) * 3.0) + (gt.constant(1.0) - 1.0), "FAST_COMPILE"),
]


@pytest.mark.parametrize("name,build,mode", STEP_CASES, ids=[c[0] for c in STEP_CASES])
def test_outputs_are_compiled_in_mode_and_the_last_step_is_the_compiled_graph(name, build, mode):
    x = gt.dscalar("x")
    out = build(x)
    stepper = RewriteStepper(out, mode=mode)
    assert stepper.function.maker.mode.name == mode
    assert stepper.n_steps == len(stepper.function.maker.trace.steps) > 0
    stepper.step = stepper.n_steps - 1
    assert stepper.pp_after == gradlab.pp(stepper.function)
    stepper.step = 0
    assert stepper.pp_before == gradlab.pp(out)
    # the compiled function still computes the user's graph
    value = 0.7
    expected = gradlab.function([x], out, mode="NO_REWRITE")(value)
    np.testing.assert_allclose(stepper.function(value), expected, rtol=1e-12)


def test_a_rewritten_trace_is_accepted_as_is():
    x = gt.dscalar("x")
    trace = rewrite_graph(x * 1 + 0, sets=("canonicalize",))
    stepper = RewriteStepper(trace)
    assert stepper.trace is trace and stepper.function is None
    assert [stepper.rule_name] == [trace.steps[0].rule]
    stepper.step = stepper.n_steps - 1
    assert stepper.pp_after == gradlab.pp(list(trace.graph.outputs)) == "x"


def test_going_back_to_a_step_shows_the_same_picture():
    x = gt.dscalar("x")
    stepper = RewriteStepper(gt.grad(gt.tanh(x) ** 2, x))
    first = stepper.svg
    stepper.step = stepper.n_steps - 1
    assert stepper.svg != first
    stepper.slider.value = 0
    assert stepper.svg == first


def test_nothing_to_rewrite_shows_the_graph_and_a_disabled_slider():
    x, y = gt.dscalar("x"), gt.dscalar("y")
    stepper = RewriteStepper(x + y, mode="FAST_COMPILE")
    assert stepper.n_steps == 0 and stepper.slider.disabled and stepper.play.disabled
    assert stepper.rule_name == "" and stepper.pp_before == stepper.pp_after == "(x + y)"
    assert "no rewrite applied" in " ".join(svg_texts(stepper.svg))
    with pytest.raises(IndexError, match="no steps"):
        stepper.step = 0


def test_bad_arguments_are_clear_errors():
    x = gt.dscalar("x")
    stepper = RewriteStepper(gt.grad(x ** 2, x))
    with pytest.raises(IndexError, match=r"out of range: the trace has \d+ steps"):
        stepper.step = stepper.n_steps
    with pytest.raises(ValueError, match="compiled without rewrites"):
        RewriteStepper(gradlab.function([x], x * 1, mode="NO_REWRITE"))
    with pytest.raises(TypeError, match="expected a symbolic variable"):
        RewriteStepper("x ** 2")
